-- Limits (issue 11): the superuser-only ceiling of ecomai.max_memory (item 3), the knn_predict
-- size bound (item 5), results at the edges of the double range (item 6) and the ranking
-- metrics' duplicate check (item 7).  Expected values come from the definitions (exact powers,
-- plain SQL over numeric), never from ecomai's own output.
BEGIN;
SELECT plan(57);

-- load the library, so that SET below meets the real settings and not placeholders
SELECT is(ecomai.l2_norm('{3,4}'::float8[]), 5::float8, 'the library is loaded');

-- ---------------------------------------------------------------------------------------------
-- Item 3: ecomai.max_memory cannot be raised above ecomai.max_memory_limit by a non-superuser.
-- ---------------------------------------------------------------------------------------------
CREATE ROLE limits_low;
GRANT USAGE ON SCHEMA ecomai TO limits_low;
SET LOCAL ecomai.max_memory_limit = '8MB';
SET LOCAL ROLE limits_low;
SELECT throws_ok($$SET ecomai.max_memory = '100GB'$$, '42501',
    'permission denied to set ecomai.max_memory above ecomai.max_memory_limit (8192 kB)',
    'a non-superuser cannot raise ecomai.max_memory above the ceiling: 42501');
SELECT throws_ok($$SET LOCAL ecomai.max_memory = '9MB'$$, '42501', NULL,
    'SET LOCAL just above the ceiling: 42501');
SELECT throws_ok($$SET ecomai.max_memory_limit = '100GB'$$, '42501', NULL,
    'a non-superuser cannot set the ceiling: 42501');
SELECT throws_ok($$ALTER ROLE limits_low SET ecomai.max_memory = '100GB'$$, '42501', NULL,
    'nor store a value above it with ALTER ROLE ... SET');
SELECT throws_ok($$CREATE FUNCTION pg_temp.big() RETURNS int LANGUAGE sql
                   SET ecomai.max_memory = '100GB' AS 'SELECT 1'$$, '42501', NULL,
    'nor in a function''s SET clause');
SELECT lives_ok($$SET LOCAL ecomai.max_memory = '8MB'$$, 'up to the ceiling is allowed');
SELECT is(current_setting('ecomai.max_memory'), '8MB', 'and takes effect');
SELECT lives_ok($$SET LOCAL ecomai.max_memory = '2MB'$$, 'lowering is allowed');
RESET ROLE;

-- a superuser may set it higher, but the bound a call obeys is still the ceiling
SET LOCAL ecomai.max_memory_limit = '2MB';
SET LOCAL ecomai.max_memory = '64MB';
SELECT throws_ok($$SELECT ecomai.svec_agg(g, 1) FROM generate_series(1, 300000) g$$, '54000',
    'svec_agg state needs 4096 kB, more than ecomai.max_memory_limit (2048 kB)',
    'over the ceiling: 54000 naming ecomai.max_memory_limit, whatever ecomai.max_memory says');
SET LOCAL ecomai.max_memory_limit = '64MB';
SELECT lives_ok($$SELECT ecomai.svec_agg(g, 1) FROM generate_series(1, 300000) g$$,
    'the same call under a raised ceiling');
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT ecomai.svec_agg(g, 1) FROM generate_series(1, 300000) g$$, '54000',
    'svec_agg state needs 2048 kB, more than ecomai.max_memory (1024 kB)',
    'below the ceiling the setting itself binds, and the message names it');
RESET ecomai.max_memory;
RESET ecomai.max_memory_limit;

-- ---------------------------------------------------------------------------------------------
-- Item 6: the edges of the double range.  Each result is compared with numeric arithmetic
-- (exact squares and sums; sqrt of numeric to 20 digits), relative error at most 1e-15 (1e-13
-- for subnormal results, which carry fewer bits).
-- ---------------------------------------------------------------------------------------------
-- (through text: float8 to numeric keeps only 15 digits)
CREATE FUNCTION pg_temp.near(got float8, want numeric, rel numeric) RETURNS boolean LANGUAGE sql AS
    $$SELECT got IS NOT NULL AND abs(got::text::numeric - want) <= rel * abs(want)$$;
CREATE FUNCTION pg_temp.num_norm(v float8[]) RETURNS numeric LANGUAGE sql AS
    $$SELECT sqrt(sum(x::text::numeric * x::text::numeric)) FROM unnest(v) x$$;

-- dense float8[]
SELECT ok(pg_temp.near(ecomai.l2_norm('{1e308}'::float8[]), 1e308, 1e-15), 'l2_norm {1e308} = 1e308');
SELECT ok(pg_temp.near(ecomai.l2_norm('{1e308,1e308}'::float8[]), pg_temp.num_norm('{1e308,1e308}'), 1e-15),
    'l2_norm {1e308,1e308} = sqrt(2)e308');
SELECT ok(pg_temp.near(ecomai.l2_norm('{1e-310}'::float8[]), 1e-310, 1e-13), 'l2_norm {1e-310} = 1e-310');
SELECT ok(pg_temp.near(ecomai.l2_norm('{3e-320,4e-320}'::float8[]), pg_temp.num_norm('{3e-320,4e-320}'), 1e-3),
    'l2_norm of subnormals 3e-320, 4e-320 = 5e-320 (to the precision of a subnormal)');
SELECT ok(pg_temp.near(ecomai.dot_product('{1e308}'::float8[], '{1}'::float8[]), 1e308, 1e-15),
    'dot_product {1e308}.{1} = 1e308');
SELECT ok(pg_temp.near(ecomai.dot_product('{1e308,1e308,-1e308}'::float8[], '{1,1,1}'::float8[]), 1e308, 1e-15),
    'dot_product whose partial sums overflow but whose result does not');
SELECT ok(pg_temp.near(ecomai.dot_product('{1e308,1e-300}'::float8[], '{0,1e300}'::float8[]), 1, 1e-15),
    'dot_product: a small product is not lost to the scaling of a large element');
SELECT is(ecomai.l2_distance('{1e308,1e308}'::float8[], '{1e308,1e308}'::float8[]), 0::float8,
    'l2_distance(v, v) = 0 for v = {1e308,1e308}');
SELECT ok(pg_temp.near(ecomai.l2_distance('{1e308,-1e308}'::float8[], '{-1e307,1e307}'::float8[]),
                       sqrt(2 * (11e307::numeric) ^ 2), 1e-15), 'l2_distance with differences beyond 1e308');
SELECT is(ecomai.cosine_similarity('{1e308}'::float8[], '{1e308}'::float8[]), 1::float8, 'cosine {1e308} with itself = 1');
SELECT is(ecomai.cosine_similarity('{1e-310}'::float8[], '{1e-310}'::float8[]), 1::float8, 'cosine {1e-310} with itself = 1');
SELECT is(ecomai.cosine_similarity('{1e-310,0}'::float8[], '{0,1e308}'::float8[]), 0::float8, 'cosine of orthogonal extremes = 0');
SELECT ok(pg_temp.near(ecomai.cosine_similarity('{1e308,1e308}'::float8[], '{1e-310,0}'::float8[]), sqrt(0.5::numeric), 1e-15),
    'cosine between a huge and a subnormal vector');
SELECT throws_ok($$SELECT ecomai.l2_distance('{1e308}'::float8[], '{-1e308}'::float8[])$$, '22003',
    'distance is out of range for type double precision', 'a distance beyond the range is 22003');
SELECT throws_ok($$SELECT ecomai.dot_product('{1e308}'::float8[], '{10}'::float8[])$$, '22003',
    'dot product is out of range for type double precision', 'a dot product beyond the range is 22003');
SELECT throws_ok($$SELECT ecomai.l2_norm(array_fill(1e308::float8, ARRAY[4]))$$, '22003',
    'norm is out of range for type double precision', 'a norm beyond the range (2e308) is 22003');
SELECT ok(pg_temp.near(ecomai.l2_norm('{1e-45,1e-45}'::float4[]), pg_temp.num_norm('{1e-45,1e-45}'::float4[]::float8[]), 1e-15),
    'float4 subnormals');

-- svec
SELECT ok(pg_temp.near(ecomai.l2_norm('{1:1e308}'::ecomai.svec), 1e308, 1e-15), 'svec l2_norm {1:1e308} = 1e308');
SELECT ok(pg_temp.near(ecomai.l2_norm('{1:1e308,5:1e308}'::ecomai.svec), pg_temp.num_norm('{1e308,1e308}'), 1e-15),
    'svec l2_norm of two 1e308');
SELECT ok(pg_temp.near(ecomai.l2_norm('{1:1e-310}'::ecomai.svec), 1e-310, 1e-13), 'svec l2_norm {1:1e-310} = 1e-310');
SELECT ok(pg_temp.near(ecomai.dot_product('{1:1e308}'::ecomai.svec, '{1:1}'::ecomai.svec), 1e308, 1e-15),
    'svec dot_product = 1e308');
SELECT ok(pg_temp.near(ecomai.dot_product('{1:1e308,2:1e-300}'::ecomai.svec, '{2:1e300,3:1}'::ecomai.svec), 1, 1e-15),
    'svec dot_product: a small product is not lost to the scaling');
SELECT ok(pg_temp.near(ecomai.dot_product('{1:1e308,2:1e308,3:-1e308}'::ecomai.svec, '{1:1,2:1,3:1}'::ecomai.svec), 1e308, 1e-15),
    'svec dot_product whose partial sums overflow');
SELECT is(ecomai.cosine_similarity('{1:1e308}'::ecomai.svec, '{1:1e308}'::ecomai.svec), 1::float8, 'svec cosine {1:1e308} with itself = 1');
SELECT is(ecomai.cosine_similarity('{1:1e-310}'::ecomai.svec, '{1:1e-310}'::ecomai.svec), 1::float8, 'svec cosine {1:1e-310} with itself = 1');
SELECT ok(pg_temp.near(ecomai.cosine_similarity('{1:1e308,2:1e308}'::ecomai.svec, '{1:1e-310}'::ecomai.svec), sqrt(0.5::numeric), 1e-15),
    'svec cosine between a huge and a subnormal vector');
SELECT throws_ok($$SELECT ecomai.dot_product('{1:1e308}'::ecomai.svec, '{1:10}'::ecomai.svec)$$, '22003',
    'dot product is out of range for type double precision', 'svec dot product beyond the range: 22003');
-- the fixed-argument cache takes the same slow path: a repeated huge vector against each row
SELECT is(array_agg(ecomai.cosine_similarity(v, '{1:1e308,2:1e308}'::ecomai.svec) ORDER BY g),
          array_agg(c ORDER BY g), 'svec cosine against a repeated huge vector, row by row')
FROM (SELECT g, ecomai.svec(ARRAY[1, 2]::bigint[], ARRAY[g, 1e308]::float8[]) v,
             ((g::numeric * 1e308 + 1e616) / (sqrt(g::numeric ^ 2 + 1e616) * sqrt(2e616)))::float8 c
      FROM generate_series(1, 20) g) t;

-- rmse: squares that under- or overflow a double
SELECT ok(pg_temp.near(ecomai.rmse(1e-200, 0), 1e-200, 1e-15), 'rmse(1e-200, 0) = 1e-200, not 0');
SELECT ok(pg_temp.near(ecomai.rmse(1e200, 0), 1e200, 1e-15), 'rmse(1e200, 0) = 1e200');
SELECT ok(pg_temp.near((SELECT ecomai.rmse(e, a) FROM (VALUES (1e308, -1e308), (0, 0), (0, 0), (0, 0)) t(e, a)),
                       1e308, 1e-15), 'rmse of a difference 2e308 among four pairs = 1e308');
SELECT ok(pg_temp.near((SELECT ecomai.rmse(e, 0) FROM (VALUES (3e-170), (4e-170), (1e-300)) t(e)),
                       (SELECT sqrt(avg((e::numeric * 1e170) ^ 2)) * 1e-170 FROM (VALUES (3e-170), (4e-170), (1e-300)) t(e)), 1e-15),
    'rmse of tiny errors = the numeric computation');
SELECT throws_ok($$SELECT ecomai.rmse(1e308, -1e308)$$, '22003',
    'root mean squared error is out of range for type double precision', 'an rmse beyond the range: 22003');
SELECT is((SELECT ecomai.rmse(e, a) FROM (VALUES (1.5::float8, 1::float8), (3, 1), (2, 4.25), (0.1, 0.3)) t(e, a)),
          (SELECT sqrt(avg((e - a) ^ 2)) FROM (VALUES (1.5::float8, 1::float8), (3, 1), (2, 4.25), (0.1, 0.3)) t(e, a)),
    'ordinary errors: bit for bit the plain sum');
-- states from ecomai 0.2.0 (two elements) still combine and finish
CREATE AGGREGATE pg_temp.rmse_merge(float8[]) (SFUNC = ecomai.error_combine, STYPE = float8[],
                                                FINALFUNC = ecomai.rmse_final);
SELECT ok(pg_temp.near((SELECT pg_temp.rmse_merge(st) FROM (VALUES ('{2,8}'::float8[]), ('{1,1e-300,-600}'::float8[])) t(st)),
                       sqrt((8 + 1e-300::numeric * 2::numeric ^ -1200) / 3), 1e-15),
    'a two-element state combines with a scaled one');
SELECT throws_ok($$SELECT pg_temp.rmse_merge(st) FROM (VALUES ('{1,1,0.5}'::float8[])) t(st)$$, '22000',
    'invalid error aggregate state', 'a state with a fractional exponent is rejected');

-- item_neighbors: values x1e160 and x1e-160 give the neighbours of x1
CREATE TEMP TABLE lim_r AS
    SELECT u, i, ((u * 7 + i * 3) % 5 + 1)::float8 AS v FROM generate_series(1, 12) u, generate_series(1, 8) i
    WHERE (u + i) % 3 <> 0;
CREATE TEMP TABLE lim_big AS SELECT u, i, v * 1e160 AS v FROM lim_r;
CREATE TEMP TABLE lim_small AS SELECT u, i, v * 1e-160 AS v FROM lim_r;
CREATE TEMP TABLE lim_measures AS
    SELECT * FROM (VALUES ('cosine', 'all'), ('cosine', 'common'), ('adjusted_cosine', 'all'), ('pearson', 'all'),
                          ('pearson', 'common')) t(m, o);
SELECT is((SELECT count(*) FROM lim_measures, ecomai.item_neighbors('lim_big', 'u', 'i', 'v', k => 10, measure => m, over => o)),
          (SELECT count(*) FROM lim_measures, ecomai.item_neighbors('lim_r', 'u', 'i', 'v', k => 10, measure => m, over => o)),
    'x1e160: as many neighbours as x1 for every scale-free measure');
SELECT is((SELECT count(*) FROM lim_measures m
           JOIN LATERAL ecomai.item_neighbors('lim_r', 'u', 'i', 'v', k => 10, measure => m.m, over => m.o) a ON true
           JOIN LATERAL ecomai.item_neighbors('lim_big', 'u', 'i', 'v', k => 10, measure => m.m, over => m.o) b
             ON (a.item, a.neighbor, a.support) = (b.item, b.neighbor, b.support)
           JOIN LATERAL ecomai.item_neighbors('lim_small', 'u', 'i', 'v', k => 10, measure => m.m, over => m.o) c
             ON (a.item, a.neighbor, a.support) = (c.item, c.neighbor, c.support)
           WHERE abs(a.similarity - b.similarity) <= 1e-12 AND abs(a.similarity - c.similarity) <= 1e-12),
          (SELECT count(*) FROM lim_measures, ecomai.item_neighbors('lim_r', 'u', 'i', 'v', k => 10, measure => m, over => o)),
    'x1e160 and x1e-160: the same neighbours and similarities as x1');
-- msd is not scale-free: 1 / (msd * 1e320 + 1), a subnormal, from the x1 msd; and 1 at x1e-160
SELECT is((SELECT count(*) FROM (VALUES ('all'), ('common')) o(o)
           JOIN LATERAL ecomai.item_neighbors('lim_r', 'u', 'i', 'v', k => 10, measure => 'msd', over => o.o) a ON true
           JOIN LATERAL ecomai.item_neighbors('lim_big', 'u', 'i', 'v', k => 10, measure => 'msd', over => o.o) b
             USING (item, neighbor, support)
           WHERE pg_temp.near(b.similarity, 1 / ((1 / a.similarity::numeric - 1) * 1e320 + 1), 1e-2)),
          (SELECT count(*) FROM (VALUES ('all'), ('common')) o(o), ecomai.item_neighbors('lim_r', 'u', 'i', 'v', k => 10, measure => 'msd', over => o.o)),
    'msd x1e160: every pair, with similarity 1 / (msd * 1e320 + 1)');
SELECT is((SELECT array_agg(DISTINCT similarity) FROM ecomai.item_neighbors('lim_small', 'u', 'i', 'v', k => 10, measure => 'msd')),
          ARRAY[1]::float8[], 'msd x1e-160: every similarity 1');

-- ---------------------------------------------------------------------------------------------
-- Item 5: knn_predict's k is bounded by the data, not allocated as asked.
-- ---------------------------------------------------------------------------------------------
SELECT is((SELECT array_agg(ROW(user_id, item, estimate, k_used)::text ORDER BY user_id, item)
           FROM ecomai.knn_predict('lim_r', 'lim_r', 'u', 'i', 'v', k => 1000000000)),
          (SELECT array_agg(ROW(user_id, item, estimate, k_used)::text ORDER BY user_id, item)
           FROM ecomai.knn_predict('lim_r', 'lim_r', 'u', 'i', 'v', k => 12)),
    'knn_predict k => 1e9 (no allocation of 1e9 entries) = k => the number of users');
SELECT lives_ok($$SELECT count(*) FROM ecomai.knn_predict('lim_r', 'lim_r', 'u', 'i', 'v', k => 2147483647, kind => 'item')$$,
    'knn_predict with the largest k, item-based');
SET LOCAL ecomai.max_memory = '1MB';
CREATE TEMP TABLE lim_wide AS SELECT u, u % 7 AS i, 1::float8 AS v FROM generate_series(1, 20000) u;
SELECT throws_ok($$SELECT count(*) FROM ecomai.knn_predict('lim_wide', 'lim_wide', 'u', 'i', 'v', k => 1000000000)$$,
    '54000', NULL, 'knn_predict with many users over a small ecomai.max_memory: 54000');
RESET ecomai.max_memory;

-- ---------------------------------------------------------------------------------------------
-- Item 7: ranking metrics with repeated ids (a repeat counts once, at its first position),
-- against a plain-SQL computation over 200 random lists with many repeats.
-- ---------------------------------------------------------------------------------------------
CREATE TEMP TABLE lim_lists AS
SELECT l, (SELECT array_agg((hashint4(l * 1000 + j) & 15)::bigint ORDER BY j) FROM generate_series(1, 20 + l % 13) j) AS rec,
          (SELECT array_agg((hashint4(-l * 1000 - j) & 15)::bigint) FROM generate_series(1, 1 + l % 6) j) AS rel,
          1 + l % 25 AS k
FROM generate_series(1, 200) l;
CREATE TEMP TABLE lim_ref AS
SELECT l, k, rec, rel,
       (SELECT count(DISTINCT x) FROM unnest(rel) x) AS nrel,
       (SELECT array_agg(o ORDER BY o) FROM unnest(rec) WITH ORDINALITY r(x, o)
        WHERE o <= k AND x = ANY (rel) AND NOT x = ANY (rec[1:o - 1])) AS hits
FROM lim_lists;
SELECT is((SELECT count(*) FROM lim_ref
           WHERE ecomai.precision_at_k(rec, rel, k) = coalesce(array_length(hits, 1), 0)::float8 / k
             AND ecomai.recall_at_k(rec, rel, k) = coalesce(array_length(hits, 1), 0)::float8 / nrel
             AND ecomai.hit_rate_at_k(rec, rel, k) = (hits IS NOT NULL)::int
             AND abs(ecomai.ndcg_at_k(rec, rel, k)
                     - coalesce((SELECT sum(1 / log(2, o + 1.0)) FROM unnest(hits) o), 0)
                       / (SELECT sum(1 / log(2, i + 1.0)) FROM generate_series(1, least(k, nrel)) i)) < 1e-12
             AND abs(ecomai.average_precision_at_k(rec, rel, k)
                     - coalesce((SELECT sum(n::numeric / o) FROM unnest(hits) WITH ORDINALITY h(o, n)), 0)
                       / least(k, nrel)) < 1e-12),
          200::bigint, 'precision, recall, hit rate, nDCG and AP at k with repeated ids = plain SQL on 200 lists');
SELECT is(ecomai.precision_at_k(array_agg(g % 1000), ARRAY[1, 2, 3]::bigint[], 1000000), 3e-6::float8,
    '10^6 recommendations, each id repeated 1000 times: 3 hits')
FROM generate_series(1, 1000000) g;

SELECT * FROM finish();
ROLLBACK;
