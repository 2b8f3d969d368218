-- item_neighbors / user_neighbors: exactness of every measure against plain SQL, top-k rules,
-- orientation symmetry, NULL handling, privileges, row-level security, memory bound, timeout,
-- and every documented error.
BEGIN;
SELECT plan(53);
\ir lib/helpers.sql

-- A small random source: 40 users, 12 items, repeated pairs (summed), NULL rows (skipped).
-- Values are multiples of 1/4 so that sums of products are exact in double precision and a
-- constant vector has exactly zero variance on both sides of the comparison.
SELECT setseed(0.42);
CREATE TABLE nb_src (u int, i int, v numeric);
INSERT INTO nb_src
SELECT 1 + floor(random() * 40)::int, 1 + floor(random() * 12)::int, (1 + floor(random() * 20)) / 4
FROM generate_series(1, 260);
INSERT INTO nb_src VALUES (NULL, 1, 3), (5, NULL, 2), (5, 3, NULL);

-- The definitions of docs/neighbors.md, written directly in SQL over numeric.
-- Pairs with an undefined value (zero denominator) are absent.
CREATE FUNCTION pg_temp.ref_nb(m text, o text, ms int, lam numeric)
RETURNS TABLE (item bigint, neighbor bigint, similarity float8, support int) LANGUAGE sql AS $$
WITH cells AS (
    SELECT u::bigint AS u, i::bigint AS i, sum(v)::numeric AS v FROM nb_src
    WHERE u IS NOT NULL AND i IS NOT NULL AND v IS NOT NULL GROUP BY 1, 2),
um AS (SELECT u, avg(v) AS m FROM cells GROUP BY u),
im AS (SELECT i, avg(v) AS m FROM cells GROUP BY i),
cc AS (SELECT c.u, c.i, c.v, c.v - um.m AS va, c.v - im.m AS vp
       FROM cells c JOIN um USING (u) JOIN im USING (i)),
nrm AS (SELECT i, sum(v * v) AS n_raw, sum(va * va) AS n_adj, sum(vp * vp) AS n_p, count(*) AS len
        FROM cc GROUP BY i),
pr AS (SELECT a.i AS ia, b.i AS ib, count(*) AS n,
              sum(a.v * b.v) AS xy, sum(a.v * a.v) AS xx, sum(b.v * b.v) AS yy,
              sum(a.va * b.va) AS axy, sum(a.va * a.va) AS axx, sum(b.va * b.va) AS ayy,
              sum(a.vp * b.vp) AS pxy, avg(a.v) AS mx, avg(b.v) AS my,
              avg((a.v - b.v) ^ 2) AS msd_c
       FROM cc a JOIN cc b ON a.u = b.u AND a.i <> b.i GROUP BY 1, 2),
-- Pearson over co-rated entries, two passes: means over the co-rated entries first
pc AS (SELECT pr.ia, pr.ib, sum((a.v - pr.mx) * (b.v - pr.my)) AS cxy,
              sum((a.v - pr.mx) ^ 2) AS cxx, sum((b.v - pr.my) ^ 2) AS cyy
       FROM pr JOIN cc a ON a.i = pr.ia JOIN cc b ON b.i = pr.ib AND b.u = a.u GROUP BY 1, 2),
-- MSD over the union of both supports, a missing entry counting 0
mu AS (SELECT pr.ia, pr.ib, avg((coalesce(a.v, 0) - coalesce(b.v, 0)) ^ 2) AS msd_u
       FROM pr, LATERAL (SELECT a.v, b.v FROM (SELECT u, v FROM cc WHERE i = pr.ia) a
                         FULL JOIN (SELECT u, v FROM cc WHERE i = pr.ib) b USING (u)) AS j(a_v, b_v),
            LATERAL (SELECT j.a_v AS v) a, LATERAL (SELECT j.b_v AS v) b
       GROUP BY 1, 2),
s AS (SELECT pr.ia, pr.ib, pr.n,
             CASE m || '/' || o
               WHEN 'cosine/all' THEN pr.xy / nullif(sqrt(na.n_raw) * sqrt(nb.n_raw), 0)
               WHEN 'cosine/common' THEN pr.xy / nullif(sqrt(pr.xx * pr.yy), 0)
               WHEN 'adjusted_cosine/all' THEN pr.axy / nullif(sqrt(na.n_adj) * sqrt(nb.n_adj), 0)
               WHEN 'adjusted_cosine/common' THEN pr.axy / nullif(sqrt(pr.axx * pr.ayy), 0)
               WHEN 'pearson/all' THEN pr.pxy / nullif(sqrt(na.n_p) * sqrt(nb.n_p), 0)
               WHEN 'pearson/common' THEN pc.cxy / nullif(sqrt(pc.cxx * pc.cyy), 0)
               WHEN 'msd/common' THEN 1 / (pr.msd_c + 1)
               WHEN 'msd/all' THEN 1 / (mu.msd_u + 1)
               WHEN 'jaccard/all' THEN pr.n::numeric / (na.len + nb.len - pr.n)
             END * pr.n / (pr.n + lam) AS sim
      FROM pr JOIN nrm na ON na.i = pr.ia JOIN nrm nb ON nb.i = pr.ib
      JOIN pc USING (ia, ib) JOIN mu USING (ia, ib))
SELECT ia, ib, sim::float8, n::int FROM s WHERE sim > 0 AND n >= ms
$$;

-- Rows that differ: missing on one side (unless its similarity is within 1e-12 of 0, where
-- rounding decides the sign), a similarity off by more than 1e-12, or another support.
CREATE FUNCTION pg_temp.nb_diff(m text, o text, ms int, lam float8) RETURNS bigint LANGUAGE sql AS $$
SELECT count(*) FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000, measure => m, over => o,
                                           min_support => ms, shrinkage => lam) r
FULL JOIN pg_temp.ref_nb(m, o, ms, lam::numeric) x USING (item, neighbor)
WHERE (r.similarity IS NULL AND x.similarity > 1e-12) OR (x.similarity IS NULL AND r.similarity > 1e-12)
   OR abs(r.similarity - x.similarity) > 1e-12 OR r.support <> x.support
$$;

CREATE TEMP TABLE combos (m text, o text);
INSERT INTO combos VALUES ('cosine', 'all'), ('cosine', 'common'), ('adjusted_cosine', 'all'),
    ('adjusted_cosine', 'common'), ('pearson', 'all'), ('pearson', 'common'), ('msd', 'all'),
    ('msd', 'common'), ('jaccard', 'all');

-- 1-9: every measure and over, against the plain-SQL definition
SELECT is(pg_temp.nb_diff(m, o, 1, 0), 0::bigint, format('%s over %s equals plain SQL to 1e-12', m, o))
FROM combos ORDER BY m, o;
-- 10-18: with min_support and shrinkage
SELECT is(pg_temp.nb_diff(m, o, 3, 2.5), 0::bigint,
          format('%s over %s, min_support 3, shrinkage 2.5 equals plain SQL', m, o))
FROM combos ORDER BY m, o;

-- 19: the comparison is not vacuous: the reference has many pairs for every combination
SELECT ok(min(c) > 30, 'every reference has more than 30 pairs')
FROM (SELECT (SELECT count(*) FROM pg_temp.ref_nb(m, o, 1, 0)) AS c FROM combos) t;

-- 20: top-k = the first k of the full list, ordered by similarity desc then neighbour id asc,
-- and rows come out in that order
SELECT is(count(*), 0::bigint, 'k => 3 gives the first 3 of the full list for every measure')
FROM combos,
LATERAL (SELECT 1 FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 3, measure => m, over => o) r
         FULL JOIN (SELECT *, row_number() OVER (PARTITION BY item ORDER BY similarity DESC, neighbor) AS rk
                    FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000, measure => m, over => o)) f
         ON f.item = r.item AND f.neighbor = r.neighbor
         WHERE (f.rk <= 3 AND (r.item IS NULL OR r.similarity <> f.similarity OR r.support <> f.support))
            OR (r.item IS NOT NULL AND (f.item IS NULL OR f.rk > 3))) bad;
-- 22: ties are broken by neighbour id ascending: jaccard on implicit data has many ties
SELECT ok(EXISTS (SELECT 1 FROM ecomai.item_neighbors('nb_src', 'u', 'i', k => 1000, measure => 'jaccard')
                  GROUP BY item, similarity HAVING count(*) > 1),
          'the tie test has ties');
SELECT is(count(*), 0::bigint, 'with ties at the k-th place the smaller neighbour ids are kept')
FROM generate_series(1, 6) kk,
LATERAL (SELECT item, neighbor FROM ecomai.item_neighbors('nb_src', 'u', 'i', k => kk, measure => 'jaccard')
         EXCEPT
         SELECT item, neighbor FROM (
             SELECT item, neighbor, row_number() OVER (PARTITION BY item ORDER BY similarity DESC, neighbor) AS rk
             FROM ecomai.item_neighbors('nb_src', 'u', 'i', k => 1000, measure => 'jaccard')) f
         WHERE rk <= kk) bad;

-- 24: only positive similarities, never an item as its own neighbour
SELECT is(count(*), 0::bigint, 'no non-positive similarity and no self pair')
FROM combos, LATERAL ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000, measure => m, over => o) r
WHERE r.similarity <= 0 OR r.item = r.neighbor;
SELECT ok(EXISTS (SELECT 1 FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000, measure => 'pearson',
                                                    over => 'common')) AND
          (SELECT count(*) FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000, measure => 'pearson',
                                                      over => 'common'))
          < (SELECT count(*) FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000, over => 'common')),
          'pearson keeps fewer pairs than cosine (negative correlations dropped)');

-- 26: user_neighbors is item_neighbors with the roles swapped, bit for bit, for every measure
SELECT is(count(*), 0::bigint, 'user_neighbors(u, i) = item_neighbors(i, u) for every measure')
FROM combos,
LATERAL ((SELECT user_id, neighbor, similarity, support
          FROM ecomai.user_neighbors('nb_src', 'u', 'i', 'v', k => 7, measure => m, over => o)
          EXCEPT ALL
          SELECT * FROM ecomai.item_neighbors('nb_src', 'i', 'u', 'v', k => 7, measure => m, over => o))
         UNION ALL
         (SELECT * FROM ecomai.item_neighbors('nb_src', 'i', 'u', 'v', k => 7, measure => m, over => o)
          EXCEPT ALL
          SELECT user_id, neighbor, similarity, support
          FROM ecomai.user_neighbors('nb_src', 'u', 'i', 'v', k => 7, measure => m, over => o))) d;

-- 27: implicit feedback = every distinct present pair with value 1 (NULL values count as present)
CREATE TEMP VIEW nb_implicit AS SELECT DISTINCT u, i, 1 AS one FROM nb_src WHERE u IS NOT NULL AND i IS NOT NULL;
SELECT is(count(*), 0::bigint, 'value_col NULL = value 1 per distinct (user, item) pair')
FROM ((SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', k => 1000)
       EXCEPT ALL SELECT * FROM ecomai.item_neighbors('nb_implicit', 'u', 'i', 'one', k => 1000))
      UNION ALL
      (SELECT * FROM ecomai.item_neighbors('nb_implicit', 'u', 'i', 'one', k => 1000)
       EXCEPT ALL SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', k => 1000))) d;

-- 28: quoted identifiers, a view, smallint/bigint ids and a real value column
CREATE TEMP TABLE "Odd Source" ("User Id" bigint, "ITEM" smallint, "a""b" real);
INSERT INTO "Odd Source" SELECT u, i, v FROM nb_src;
SELECT is(count(*), 0::bigint, 'odd identifiers and other numeric types give the same result')
FROM ((SELECT * FROM ecomai.item_neighbors('"Odd Source"', 'User Id', 'ITEM', 'a"b', k => 1000)
       EXCEPT ALL SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000))
      UNION ALL
      (SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000)
       EXCEPT ALL SELECT * FROM ecomai.item_neighbors('"Odd Source"', 'User Id', 'ITEM', 'a"b', k => 1000))) d;

-- 29: extreme and negative ids keep their order (dense indexes follow id order) and values
CREATE TEMP TABLE nb_ext (u bigint, i bigint);
INSERT INTO nb_ext VALUES (-9223372036854775808, 9223372036854775807), (-9223372036854775808, -5),
    (-9223372036854775808, 0), (7, 9223372036854775807), (7, -5), (7, 0);
SELECT results_eq(
    $$SELECT item, neighbor, similarity, support FROM ecomai.item_neighbors('nb_ext', 'u', 'i', measure => 'jaccard')$$,
    $$VALUES (-5::bigint, 0::bigint, 1::float8, 2), (-5, 9223372036854775807, 1, 2),
             (0, -5, 1, 2), (0, 9223372036854775807, 1, 2),
             (9223372036854775807, -5, 1, 2), (9223372036854775807, 0, 1, 2)$$,
    'int64 extremes as ids; ties by neighbour id ascending, negative ids first');

-- Documented errors (SQLSTATE and message)
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'sku')$$,
    '42703', 'column "sku" of relation "nb_src" does not exist', 'unknown item column: 42703');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'nobody', 'i')$$,
    '42703', 'column "nobody" of relation "nb_src" does not exist', 'unknown user column: 42703');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'w')$$,
    '42703', 'column "w" of relation "nb_src" does not exist', 'unknown value column: 42703');
CREATE TEMP TABLE nb_types (u int, t text, x float8, ts timestamptz);
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_types', 'u', 't')$$,
    '42804', 'column "t" of relation "nb_types" has type text, not an integer type', 'text item id: 42804');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_types', 'x', 'u')$$,
    '42804', 'column "x" of relation "nb_types" has type double precision, not an integer type',
    'float user id: 42804');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_types', 'u', 'u', 'ts')$$,
    '42804', 'column "ts" of relation "nb_types" has type timestamp with time zone, not a numeric type',
    'timestamp value: 42804');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', measure => 'euclid')$$,
    '22023', 'unknown measure "euclid"', 'unknown measure: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.user_neighbors('nb_src', 'u', 'i', over => 'both')$$,
    '22023', 'unknown value of over "both"', 'unknown over: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', measure => 'jaccard', over => 'common')$$,
    '22023', 'measure jaccard is defined over all entries only', 'jaccard over common: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', k => 0)$$,
    '22023', 'k must be at least 1, not 0', 'k = 0: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', min_support => 0)$$,
    '22023', 'min_support must be at least 1, not 0', 'min_support = 0: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', shrinkage => -1)$$,
    '22023', 'shrinkage must be a finite number >= 0, not -1', 'negative shrinkage: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', shrinkage => 'NaN')$$,
    '22023', 'shrinkage must be a finite number >= 0, not NaN', 'NaN shrinkage: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', measure => NULL)$$,
    '22004', 'measure must not be null', 'NULL measure: 22004');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', k => NULL)$$,
    '22004', 'k must not be null', 'NULL k: 22004');
CREATE TEMP TABLE nb_nan (u int, i int, v float8);
INSERT INTO nb_nan VALUES (1, 1, 1), (1, 2, 'NaN');
SELECT throws_ok($$SELECT * FROM ecomai.item_neighbors('nb_nan', 'u', 'i', 'v')$$,
    '22000', 'values of column "v" must be finite, not NaN', 'NaN value: 22000');

-- Privileges and row-level security, checked as an unprivileged role.  The role switch
-- happens inside a helper so that pgTAP's own bookkeeping still runs as the test owner.
CREATE ROLE nb_reader;
GRANT USAGE ON SCHEMA ecomai TO nb_reader;
SELECT is(pg_temp.as_role('nb_reader', $q$SELECT count(*) FROM ecomai.item_neighbors('nb_src', 'u', 'i')$q$),
    '42501: permission denied for table nb_src', 'no SELECT on the source: 42501');
SELECT is(pg_temp.as_role('nb_reader', $q$SELECT count(*) FROM ecomai.user_neighbors('nb_src', 'u', 'i', 'v')$q$),
    '42501: permission denied for table nb_src', 'user_neighbors too: 42501');

-- the reader may see users 1..20 only: it gets the neighbours of exactly those rows
GRANT SELECT ON nb_src TO nb_reader;
ALTER TABLE nb_src ENABLE ROW LEVEL SECURITY;
CREATE POLICY nb_half ON nb_src FOR SELECT TO nb_reader USING (u <= 20);
CREATE TABLE nb_half AS SELECT * FROM nb_src WHERE u <= 20;
GRANT SELECT ON nb_half TO nb_reader;
SELECT is(pg_temp.as_role('nb_reader', $q$
    SELECT count(*) FROM (
      (SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000)
       EXCEPT ALL SELECT * FROM ecomai.item_neighbors('nb_half', 'u', 'i', 'v', k => 1000))
      UNION ALL
      (SELECT * FROM ecomai.item_neighbors('nb_half', 'u', 'i', 'v', k => 1000)
       EXCEPT ALL SELECT * FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000))) d$q$),
    '0', 'row-level security applies to the source');
SELECT isnt((SELECT count(*) FROM ecomai.item_neighbors('nb_src', 'u', 'i', 'v', k => 1000)),
            (SELECT count(*) FROM ecomai.item_neighbors('nb_half', 'u', 'i', 'v', k => 1000)),
            'the policy makes a difference (the owner sees more)');
ALTER TABLE nb_src DISABLE ROW LEVEL SECURITY;

-- Memory bound: ERROR 54000 naming the setting
CREATE TEMP TABLE nb_mid AS SELECT (g % 5000) AS u, (g % 997) AS i FROM generate_series(1, 200000) g;
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT count(*) FROM ecomai.item_neighbors('nb_mid', 'u', 'i')$$,
    '54000', NULL, 'over ecomai.max_memory: 54000');
SELECT throws_like($$SELECT count(*) FROM ecomai.item_neighbors('nb_mid', 'u', 'i')$$,
    'item_neighbors needs % kB, more than ecomai.max_memory (1024 kB)', 'the message names the setting');
RESET ecomai.max_memory;
SELECT ok((SELECT count(*) FROM ecomai.item_neighbors('nb_mid', 'u', 'i', k => 3)) > 0,
          'the same input runs under the default bound');

-- statement_timeout stops a long run within a second: 400 users who each bought the same
-- 2500 items (a view: 1M rows, 1M x 2500 products to accumulate)
CREATE TEMP VIEW nb_big AS SELECT u, i FROM generate_series(1, 400) u, generate_series(1, 2500) i;
-- (pgTAP's throws_ok cannot catch a cancel: PL/pgSQL's OTHERS excludes query_canceled)
CREATE FUNCTION pg_temp.cancel_state(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'finished';
EXCEPTION WHEN query_canceled THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE TEMP TABLE nb_t0 AS SELECT clock_timestamp() AS t0;
SET LOCAL statement_timeout = '200ms';
SELECT is(pg_temp.cancel_state($$SELECT count(*) FROM ecomai.item_neighbors('nb_big', 'u', 'i', k => 50)$$),
    '57014: canceling statement due to statement timeout', 'statement_timeout cancels: 57014');
RESET statement_timeout;
SELECT cmp_ok(extract(epoch FROM clock_timestamp() - t0)::float8, '<', 1.2::float8,
              'stopped within a second of the 0.2 s timeout') FROM nb_t0;

SELECT * FROM finish();
ROLLBACK;
