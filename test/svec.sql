-- Sparse vectors: every documented error, text/binary/dump round trips, corrupt binary input,
-- agreement with the dense functions, svec_agg parallel = serial and the Citus replay.
BEGIN;
SELECT plan(100);
SET LOCAL search_path = public, ecomai;

\ir lib/helpers.sql

-- Feed raw bytes to svec_recv the way a client does: as one field of a COPY (FORMAT binary)
-- stream (signature, flags, header extension, a 1-field tuple, trailer), through a program.
CREATE TEMP TABLE recvbuf (v svec);
CREATE FUNCTION pg_temp.recv(payload bytea) RETURNS svec LANGUAGE plpgsql AS $$
DECLARE
    stream bytea := '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
        || '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea;
    r svec;
BEGIN
    TRUNCATE pg_temp.recvbuf;
    EXECUTE format('COPY pg_temp.recvbuf FROM PROGRAM %L (FORMAT binary)',
                   'echo ' || translate(encode(stream, 'base64'), E'\n', '') || ' | base64 -d');
    SELECT v INTO r FROM pg_temp.recvbuf;
    RETURN r;
END $$;
-- An entry of the binary form: int64 key, float8 value (big-endian).
CREATE FUNCTION pg_temp.entry(k bigint, v float8) RETURNS bytea LANGUAGE sql AS
    $$ SELECT int8send(k) || float8send(v) $$;

------------------------------------------------------------------------------------------
-- Text input errors (22P02 / 22003), each with what and where.
SELECT throws_ok($$SELECT '{101:2,205}'::svec$$, '22P02', 'invalid input syntax for type svec', 'key without value');
SELECT throws_ok($$SELECT '101:2'::svec$$, '22P02', 'invalid input syntax for type svec', 'missing braces');
SELECT throws_ok($$SELECT '{101:2'::svec$$, '22P02', 'invalid input syntax for type svec', 'unterminated');
SELECT throws_ok($$SELECT '{1:2}x'::svec$$, '22P02', 'invalid input syntax for type svec', 'trailing garbage');
SELECT throws_ok($$SELECT '{1:2,}'::svec$$, '22P02', 'invalid input syntax for type svec', 'trailing comma');
SELECT throws_ok($$SELECT '{1.5:2}'::svec$$, '22P02', 'invalid input syntax for type svec', 'fractional key');
SELECT throws_ok($$SELECT ''::svec$$, '22P02', 'invalid input syntax for type svec', 'empty string');
SELECT throws_ok($$SELECT '{1:2,1:3}'::svec$$, '22P02', 'duplicate key in svec input', 'duplicate key, ascending input');
SELECT throws_ok($$SELECT '{5:1,1:2,5:3}'::svec$$, '22P02', 'duplicate key in svec input', 'duplicate key, unsorted input');
SELECT throws_ok($$SELECT '{1:NaN}'::svec$$, '22P02', 'svec values must be finite, not NaN', 'NaN');
SELECT throws_ok($$SELECT '{1:Infinity}'::svec$$, '22P02', 'svec values must be finite, not Infinity', 'Infinity');
SELECT throws_ok($$SELECT '{1:-inf}'::svec$$, '22P02', 'svec values must be finite, not -Infinity', '-inf');
SELECT throws_ok($$SELECT '{1:1e309}'::svec$$, '22003', 'svec value is out of range for type double precision', 'value overflow');
SELECT throws_ok($$SELECT '{1:1e-400}'::svec$$, '22003', 'svec value is out of range for type double precision', 'value underflow');
SELECT throws_ok($$SELECT '{-9223372036854775809:1}'::svec$$, '22003', 'svec key is out of range for type bigint', 'key overflow');
-- the size limit: 2^24 entries; one more is refused before anything is allocated
SELECT throws_ok($$SELECT ('{' || repeat('1:1,', 16777216) || '2:1}')::svec$$,
    '22P02', 'svec input has too many entries', 'more than 16777216 entries');

SELECT is(pg_temp.error_detail($q$SELECT '{3:1,7:2 8:1}'::svec$q$),
    'Expected "," or "}" at character 10, found "8".', 'syntax detail: what was expected, where, what was found');
SELECT is(pg_temp.error_detail($q$SELECT '{3:1,7:2,3:5}'::svec$q$),
    'Key 3 appears at characters 2 and 10.', 'duplicate detail: both positions');
SELECT is(pg_temp.error_detail($q$SELECT '{3:1,7:nan}'::svec$q$),
    'Key 7 at character 6 has the value NaN.', 'NaN detail: key and position');
SELECT is(pg_temp.error_detail($q$SELECT ('{' || repeat('1:1,', 16777216) || '2:1}')::svec$q$),
    'The input has 16777217 entries; a sparse vector holds at most 16777216.', 'limit detail');
SELECT lives_ok($$SELECT '{1:1}'::svec$$, 'a valid literal still parses');

-- ecomai.max_memory bounds the working set of a parse.
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT ('{' || string_agg(g || ':1', ',') || '}')::svec FROM generate_series(1, 60000) g$$,
    '54000', NULL, 'text input beyond ecomai.max_memory');
SELECT throws_ok($$SELECT svec(array_agg(g), array_agg(1.0::float8)) FROM generate_series(1, 100000) g$$,
    '54000', NULL, 'svec() beyond ecomai.max_memory');
SELECT throws_ok($$SELECT svec_agg(g, 1) FROM generate_series(1, 100000) g$$,
    '54000', NULL, 'svec_agg beyond ecomai.max_memory');
RESET ecomai.max_memory;

-- svec() errors.
SELECT throws_ok($$SELECT svec(ARRAY[1,2], ARRAY[1.0])$$, '22023', 'keys and values have different lengths 2 and 1', 'lengths differ');
SELECT throws_ok($$SELECT svec(ARRAY[1,NULL], ARRAY[1.0,2])$$, '22004', 'keys must not contain nulls', 'NULL key');
SELECT throws_ok($$SELECT svec(ARRAY[1,2], ARRAY[1.0,NULL])$$, '22004', 'values must not contain nulls', 'NULL value');
SELECT throws_ok($$SELECT svec(ARRAY[[1,2],[3,4]], ARRAY[1.0,2,3,4])$$, '22023',
    'keys must be a one-dimensional array, not 2-dimensional', '2-d keys');
SELECT throws_ok($$SELECT svec(ARRAY[1], ARRAY['NaN']::float8[])$$, '22000', 'svec values must be finite, not NaN', 'NaN value');
SELECT throws_ok($$SELECT svec(ARRAY[1], ARRAY['-Infinity']::float8[])$$, '22000', 'svec values must be finite, not -Infinity', 'infinite value');
SELECT throws_ok($$SELECT svec(ARRAY[7,7], ARRAY[1e308,1e308])$$, '22003',
    'sparse vector value is out of range for type double precision', 'duplicates overflow');

-- svec_agg errors.
SELECT throws_ok($$SELECT svec_agg(1, 'NaN')$$, '22000', 'svec values must be finite, not NaN', 'svec_agg NaN');
SELECT throws_ok($$SELECT svec_agg(k, 1e308) FROM generate_series(1, 3) k, generate_series(1, 2)$$, '22003',
    'sparse vector value is out of range for type double precision', 'svec_agg sum overflows');
SELECT throws_ok($$SELECT svec_agg_transfn(NULL, 1, 1)$$, '0A000', 'svec_agg_transfn called in non-aggregate context',
    'transition outside an aggregate');
SELECT throws_ok($$SELECT svec_agg_combine(NULL, '{1:1}')$$, '0A000', 'svec_agg_combine called in non-aggregate context',
    'combine outside an aggregate');

-- Arithmetic errors.
SELECT throws_ok($$SELECT dot_product('{1:1e300}'::svec, '{1:1e300}'::svec)$$, '22003',
    'dot product is out of range for type double precision', 'dot product overflow');
SELECT throws_ok($$SELECT l2_norm('{1:1.5e308,2:1.5e308}'::svec)$$, '22003',
    'norm is out of range for type double precision', 'norm overflow');

-- A stored value we did not write: path has svec's physical shape (varlena, double alignment),
-- so a binary-coercible cast hands its bytes to svec functions unchanged.
CREATE CAST (path AS svec) WITHOUT FUNCTION;
SELECT throws_ok($$SELECT svec_nnz('[(1,2)]'::path::svec)$$, 'XX001', 'sparse vector is corrupt',
    'stored bytes longer than the entry count says');
SELECT throws_ok($$SELECT ('{1:1}'::svec <=> '[(1,2),(3,4)]'::path::svec)$$, 'XX001', 'sparse vector is corrupt',
    'a foreign layout word');

------------------------------------------------------------------------------------------
-- Binary receive: every corruption is an ERROR 22P03, never a crash.
SELECT is(pg_temp.recv(svec_send('{3:1.5,10:-2}')), '{3:1.5,10:-2}'::svec, 'recv of send round-trips');
SELECT is(pg_temp.recv(int4send(1) || int4send(0)), '{}'::svec, 'recv of an empty vector');
SELECT throws_ok($$SELECT pg_temp.recv('\x000000'::bytea)$$, '22P03', 'svec binary data is truncated', 'truncated header');
SELECT throws_ok($$SELECT pg_temp.recv(int4send(2) || int4send(0))$$, '22P03', 'unsupported svec binary format version', 'foreign version');
SELECT throws_ok($$SELECT pg_temp.recv(int4send(1) || int4send(-1))$$, '22P03', 'invalid entry count in svec binary data', 'negative count');
SELECT throws_ok($$SELECT pg_temp.recv(int4send(1) || int4send(16777217))$$, '22P03', 'invalid entry count in svec binary data', 'count beyond the limit');
SELECT throws_ok($$SELECT pg_temp.recv(int4send(1) || int4send(2) || pg_temp.entry(1, 1))$$, '22P03',
    'svec binary data is truncated', 'count larger than the data');
SELECT throws_ok($$SELECT pg_temp.recv(int4send(1) || int4send(1) || pg_temp.entry(1, 1) || '\x00'::bytea)$$, '22P03',
    'svec binary data has trailing bytes', 'trailing bytes');
SELECT throws_ok($$SELECT pg_temp.recv(int4send(1) || int4send(2) || pg_temp.entry(5, 1) || pg_temp.entry(4, 1))$$, '22P03',
    'svec binary data has keys out of order', 'keys out of order');
SELECT throws_ok($$SELECT pg_temp.recv(int4send(1) || int4send(2) || pg_temp.entry(5, 1) || pg_temp.entry(5, 2))$$, '22P03',
    'svec binary data has a duplicate key', 'duplicate key');
SELECT throws_ok($$SELECT pg_temp.recv(int4send(1) || int4send(1) || pg_temp.entry(5, 'NaN'))$$, '22P03',
    'svec binary data has a non-finite value', 'NaN value');
SELECT throws_ok($$SELECT pg_temp.recv(int4send(1) || int4send(1) || pg_temp.entry(5, '-0'))$$, '22P03',
    'svec binary data has a zero value', 'negative zero');
SELECT throws_ok($$SELECT pg_temp.recv(substr(svec_send('{3:1.5,10:-2}'), 1, 20))$$, '22P03',
    'svec binary data is truncated', 'a truncated real value');

-- Fuzz: every truncation and many single-byte mutations of a real value either round-trip
-- to a valid svec or fail with 22P03; the backend survives them all.
CREATE FUNCTION pg_temp.recv_outcome(b bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v svec;
BEGIN
    v := pg_temp.recv(b);
    -- what was accepted must be canonical: it prints and reads back to itself
    IF v::text::svec = v AND svec_send(v) = b THEN RETURN 'ok'; END IF;
    RETURN 'accepted non-canonical bytes';
EXCEPTION WHEN invalid_binary_representation THEN RETURN '22P03';
END $$;
CREATE TEMP TABLE fuzz AS
WITH src AS (SELECT svec_send('{-7:0.25,3:1.5,10:-2,4611686018427387904:1e-300}') AS b)
SELECT 'truncate ' || n AS what, pg_temp.recv_outcome(substr(b, 1, n)) AS outcome
FROM src, generate_series(0, length(b) - 1) n
UNION ALL
SELECT 'byte ' || p || ' := ' || x, pg_temp.recv_outcome(set_byte(b, p, x))
FROM src, generate_series(0, length(b) - 1) p, (VALUES (0), (1), (127), (128), (255)) m(x);
SELECT is((SELECT count(*) FROM fuzz WHERE outcome NOT IN ('ok', '22P03')), 0::bigint,
    'truncated and mutated bytes: a valid svec or 22P03, nothing else');
SELECT cmp_ok((SELECT count(*) FROM fuzz WHERE outcome = '22P03'), '>=', 30::bigint, 'most corruptions are refused');

------------------------------------------------------------------------------------------
-- Round trips.  Random values over the whole double range, plus edge cases.
CREATE TEMP TABLE rv AS
SELECT i, svec(array_agg(k), array_agg(x)) AS v
FROM (SELECT i, (random() * 1e6)::bigint - 500000 + (CASE WHEN j % 7 = 0 THEN 4611686018427387904 ELSE 0 END) AS k,
             (random() - 0.5) * power(10::float8, floor(random() * 600) - 300) AS x
      FROM generate_series(1, 300) i, generate_series(1, 1 + i % 40) j) t
GROUP BY i;
INSERT INTO rv VALUES
    (1001, '{}'),
    (1002, svec(ARRAY[-9223372036854775808, 0, 9223372036854775807]::bigint[],
                ARRAY[4.9406564584124654e-324, 1.7976931348623157e308, -2.2250738585072014e-308])),
    (1003, svec(ARRAY[1, 2, 3]::bigint[], ARRAY[0.1, 1.0 / 3, 2.0 / 3])),
    (1004, svec(ARRAY[1]::bigint[], ARRAY[-1.0000000000000002]));
SELECT is((SELECT count(*) FROM rv WHERE NOT v::text::svec = v), 0::bigint, 'text round trip is exact (svec equality)');
SELECT is((SELECT count(*) FROM rv, svec_entries(v) e
           LEFT JOIN svec_entries(v::text::svec) f USING (key)
           WHERE f.value IS NULL OR float8send(f.value) <> float8send(e.value)), 0::bigint,
    'text round trip is bit-exact entry by entry');
SELECT is((SELECT count(*) FROM rv WHERE svec_send(v::text::svec) <> svec_send(v)), 0::bigint,
    'text round trip gives the same binary form');
SELECT is((SELECT count(*) FROM rv WHERE svec_hash(v::text::svec) <> svec_hash(v)), 0::bigint,
    'equal vectors hash equally');

-- Dump and restore: what pg_dump and pg_restore do with a table (COPY text out and in),
-- and what a binary dump does (COPY binary out and in).
CREATE TEMP TABLE dumped (i int, label text, v svec);
INSERT INTO dumped SELECT i, 'basket ' || i, v FROM rv;
CREATE TEMP TABLE restored_text (LIKE dumped);
CREATE TEMP TABLE restored_binary (LIKE dumped);
SELECT pg_temp.copy_through_file('SELECT * FROM dumped', 'restored_text');
SELECT pg_temp.copy_through_file('SELECT * FROM dumped', 'restored_binary', '(FORMAT binary)');
SELECT is((SELECT count(*) FROM restored_text), (SELECT count(*) FROM dumped), 'text COPY restored every row');
SELECT is((SELECT count(*) FROM dumped d JOIN restored_text r USING (i) WHERE r.v = d.v AND r.label = d.label),
    (SELECT count(*) FROM dumped), 'text COPY (pg_dump format) round trip is exact');
SELECT is((SELECT count(*) FROM dumped d JOIN restored_binary r USING (i) WHERE r.v = d.v AND r.label = d.label),
    (SELECT count(*) FROM dumped), 'COPY (FORMAT binary) round trip is exact');
SELECT is((SELECT count(*) FROM rv WHERE NOT pg_temp.recv(svec_send(v)) = v AND i > 995), 0::bigint,
    'send then recv is exact for the edge cases');

------------------------------------------------------------------------------------------
-- Same results as the dense functions on the same data (64 dimensions, keys 1..64).
CREATE TEMP TABLE ent AS
SELECT i, side, k::bigint AS k,
       CASE WHEN i % 2 = 0 THEN 0.01 + random() * 10                            -- positive (baskets)
            ELSE (random() - 0.5) * power(10::float8, floor(random() * 20) - 10) -- mixed sign and scale
       END AS x
FROM generate_series(1, 400) i, generate_series(1, 2) side, generate_series(1, 64) k
WHERE random() < 0.3 OR k = i % 64 + 1;
CREATE TEMP TABLE pairs AS
SELECT i,
       (SELECT svec(array_agg(k), array_agg(x)) FROM ent e WHERE e.i = g.i AND side = 1) AS sa,
       (SELECT svec(array_agg(k), array_agg(x)) FROM ent e WHERE e.i = g.i AND side = 2) AS sb,
       (SELECT array_agg(coalesce(x, 0) ORDER BY d) FROM generate_series(1, 64) d
            LEFT JOIN ent e ON e.i = g.i AND side = 1 AND e.k = d) AS da,
       (SELECT array_agg(coalesce(x, 0) ORDER BY d) FROM generate_series(1, 64) d
            LEFT JOIN ent e ON e.i = g.i AND side = 2 AND e.k = d) AS db
FROM generate_series(1, 400) g(i);
SELECT is((SELECT count(*) FROM pairs WHERE i % 2 = 0 AND
           abs(cosine_similarity(sa, sb) - cosine_similarity(da, db)) > 1e-12 * abs(cosine_similarity(da, db))),
    0::bigint, 'positive values: cosine equals the dense cosine to 1e-12 relative');
SELECT is((SELECT count(*) FROM pairs WHERE i % 2 = 0 AND
           abs(dot_product(sa, sb) - dot_product(da, db)) > 1e-12 * abs(dot_product(da, db))),
    0::bigint, 'positive values: dot product equals the dense one to 1e-12 relative');
SELECT is((SELECT count(*) FROM pairs WHERE abs(l2_norm(sa) - l2_norm(da)) > 1e-12 * l2_norm(da)),
    0::bigint, 'norm equals the dense norm to 1e-12 relative');
SELECT is((SELECT count(*) FROM pairs WHERE i % 2 = 1 AND
           abs(cosine_similarity(sa, sb) - cosine_similarity(da, db)) > 1e-12),
    0::bigint, 'mixed signs and scales: cosine within 1e-12 of the dense cosine');
SELECT is((SELECT count(*) FROM pairs WHERE i % 2 = 1 AND
           abs(dot_product(sa, sb) - dot_product(da, db)) > 1e-12 * l2_norm(da) * l2_norm(db)),
    0::bigint, 'mixed signs and scales: dot within 1e-12 of |a||b| of the dense dot');
SELECT is((SELECT count(*) FROM pairs WHERE (sa <=> sb) IS DISTINCT FROM cosine_distance(da, db)
           AND abs((sa <=> sb) - cosine_distance(da, db)) > 1e-12), 0::bigint, '<=> equals the dense cosine distance');
SELECT is((SELECT count(*) FROM pairs p WHERE jaccard_similarity(sa, sb) <>
           (SELECT count(*) FILTER (WHERE x <> 0 AND y <> 0)::float8 / count(*) FILTER (WHERE x <> 0 OR y <> 0)
            FROM unnest(p.da, p.db) u(x, y))), 0::bigint, 'Jaccard equals the count over the dense arrays');
SELECT is((SELECT count(*) FROM pairs WHERE cosine_similarity(sa, sb) <> cosine_similarity(sb, sa)
           OR dot_product(sa, sb) <> dot_product(sb, sa) OR jaccard_similarity(sa, sb) <> jaccard_similarity(sb, sa)),
    0::bigint, 'the measures are symmetric');
-- a short vector against a long one takes the binary-search path: same answer as a dense pass
SELECT is((SELECT abs(dot_product(s, l) - dot_product(ds, dl)) <= 1e-12 * abs(dot_product(ds, dl))
           FROM (SELECT svec(ARRAY[3, 500, 777, 1999]::bigint[], ARRAY[1.5, 2, -1, 4]) AS s,
                        svec(array_agg(g), array_agg(1.0 / g)::float8[]) AS l,
                        (SELECT array_agg(CASE d WHEN 3 THEN 1.5 WHEN 500 THEN 2 WHEN 777 THEN -1 WHEN 1999 THEN 4 ELSE 0 END
                                          ORDER BY d)::float8[] FROM generate_series(1, 2000) d) AS ds,
                        array_agg(1.0 / g ORDER BY g)::float8[] AS dl
                 FROM generate_series(1, 2000) g) q), true, 'short against long vector: binary-search path agrees');

-- One fixed vector against every row (a constant, a parameter, an outer row) takes the
-- table-lookup path after the first rows: identical results to a fresh call each time.
CREATE FUNCTION pg_temp.fresh(fn text, a svec, b svec) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE r float8;
BEGIN
    EXECUTE format('SELECT ecomai.%I($1, $2)', fn) INTO r USING a, b;   -- a new plan: no cache
    RETURN r;
END $$;
CREATE TEMP TABLE fixed_q AS
SELECT 1 AS n, sa AS q FROM pairs WHERE i = 2                                    -- compact keys 1..64
UNION ALL SELECT 2, svec(ARRAY[5, 9, 1000000000000]::bigint[], ARRAY[1, 2, 3])    -- wide range: no table
UNION ALL SELECT 3, '{3:1e200,7:1e200}'::svec                                     -- overflows: rescaled path
UNION ALL SELECT 4, '{}'::svec;
SELECT is((SELECT count(*) FROM fixed_q f, LATERAL (
               SELECT p.sa, cosine_similarity(p.sa, f.q) AS c1, cosine_similarity(f.q, p.sa) AS c2,
                      dot_product(p.sa, f.q) AS d1, p.sa <=> f.q AS e1
               FROM pairs p) x
           WHERE c1 IS DISTINCT FROM pg_temp.fresh('cosine_similarity', x.sa, f.q)
              OR c2 IS DISTINCT FROM pg_temp.fresh('cosine_similarity', f.q, x.sa)
              OR d1 IS DISTINCT FROM pg_temp.fresh('dot_product', x.sa, f.q)
              OR e1 IS DISTINCT FROM pg_temp.fresh('cosine_distance', x.sa, f.q)), 0::bigint,
    'fixed-vector path: bit-identical to a fresh call (compact, wide, overflowing and empty fixed vectors)');
SELECT is((SELECT array_agg(i ORDER BY d, i) FROM (SELECT i, pg_temp.fresh('cosine_distance', sa, (SELECT q FROM fixed_q WHERE n = 1)) d
           FROM pairs ORDER BY 2, 1 LIMIT 10) t),
          (SELECT array_agg(i ORDER BY d, i) FROM (SELECT i, sa <=> (SELECT q FROM fixed_q WHERE n = 1) AS d
           FROM pairs ORDER BY sa <=> (SELECT q FROM fixed_q WHERE n = 1), i LIMIT 10) t),
    'ORDER BY <=> LIMIT 10 with a fixed vector finds the same neighbours as fresh calls');
-- a vector rebuilt per row reuses the same memory with new content: never mistaken for the cached one
SELECT is((SELECT count(*) FROM pairs p
           WHERE cosine_similarity(p.sa, svec(ARRAY[p.i % 64 + 1, 3]::bigint[], ARRAY[p.i, 2]::float8[]))
                 IS DISTINCT FROM pg_temp.fresh('cosine_similarity', p.sa, svec(ARRAY[p.i % 64 + 1, 3]::bigint[], ARRAY[p.i, 2]::float8[]))),
    0::bigint, 'a per-row vector at a reused address is compared by content');

------------------------------------------------------------------------------------------
-- svec_agg against a reference: SQL's own GROUP BY sum, with integer values (exact sums),
-- in an order that makes the buffer grow and merge many times.
CREATE TABLE svec_rows AS
SELECT g % 13 AS grp, ((g * 7919) % 5003)::bigint AS k, ((g % 11) - 5)::float8 AS v
FROM generate_series(1, 200000) g;
ANALYZE svec_rows;
SELECT is((SELECT svec_agg(k, v) FROM svec_rows),
          (SELECT svec(array_agg(k), array_agg(s)) FROM (SELECT k, sum(v) s FROM svec_rows GROUP BY k) t),
          'svec_agg over 200000 rows equals the SQL sum per key');
SELECT is((SELECT count(*) FROM (SELECT grp, svec_agg(k, v) a FROM svec_rows GROUP BY grp) x
           JOIN (SELECT grp, svec(array_agg(k), array_agg(s)) r
                 FROM (SELECT grp, k, sum(v) s FROM svec_rows GROUP BY grp, k) t GROUP BY grp) y USING (grp)
           WHERE a = r), 13::bigint, 'svec_agg per group equals the SQL sum per key');
SELECT is((SELECT svec_agg(k, v) FROM (SELECT * FROM svec_rows ORDER BY k DESC, v) t),
          (SELECT svec_agg(k, v) FROM svec_rows), 'the input order does not matter (integer values)');

-- Every aggregation strategy gives the same vectors: sorted groups (the aggregate context is
-- reset per group), hashing that spills to disk in batches, and mixed grouping sets.
CREATE TEMP TABLE ref_by_grp AS
SELECT grp, svec(array_agg(k), array_agg(s)) AS r
FROM (SELECT grp, k, sum(v) s FROM svec_rows GROUP BY grp, k) t GROUP BY grp;
CREATE TEMP TABLE ref_by_k AS
SELECT k, svec(array_agg(grp::bigint), array_agg(s)) AS r
FROM (SELECT k, grp, sum(v) s FROM svec_rows GROUP BY k, grp) t GROUP BY k;
SET LOCAL enable_hashagg = off;
SELECT is((SELECT count(*) FROM (SELECT grp, svec_agg(k, v) a FROM svec_rows GROUP BY grp) x
           JOIN ref_by_grp USING (grp) WHERE a = r), 13::bigint, 'sorted GroupAggregate equals the reference');
RESET enable_hashagg;
SET LOCAL enable_sort = off;
SET LOCAL work_mem = '64kB';
SELECT ok(bool_or(plan ~ 'HashAggregate'), 'the per-key aggregate is hashed')
FROM pg_temp.explain_lines('SELECT k, ecomai.svec_agg(grp, v) FROM svec_rows GROUP BY k') plan;
SELECT is((SELECT count(*) FROM (SELECT k, svec_agg(grp, v) a FROM svec_rows GROUP BY k) x
           FULL JOIN ref_by_k USING (k) WHERE a IS NOT DISTINCT FROM r), (SELECT count(*) FROM ref_by_k),
    '5003 hashed groups spilling in batches under a small work_mem equal the reference');
RESET work_mem;
RESET enable_sort;
SELECT is((SELECT count(*) FROM (SELECT grp, k % 3 AS m, svec_agg(k, v) a FROM svec_rows
                                 GROUP BY GROUPING SETS ((grp), (k % 3), ())) x
           WHERE (m IS NULL AND grp IS NOT NULL AND a = (SELECT r FROM ref_by_grp WHERE ref_by_grp.grp = x.grp))
              OR (grp IS NULL AND m IS NOT NULL AND a = (SELECT svec_agg(k, v) FROM svec_rows WHERE k % 3 = x.m))
              OR (grp IS NULL AND m IS NULL AND a = (SELECT svec_agg(k, v) FROM svec_rows))),
    17::bigint, 'grouping sets: every set equals its own query');

-- As a window aggregate over a moving frame (restarted for every row, its context reset).
SELECT is((SELECT count(*) FROM (
              SELECT g, svec_agg(g % 5, g) OVER (ORDER BY g ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS w
              FROM generate_series(1, 2000) g) x
           WHERE w = svec((ARRAY[g % 5, (g - 1) % 5, (g - 2) % 5])[1:least(g, 3)],
                          (ARRAY[g, g - 1, g - 2]::float8[])[1:least(g, 3)])),
    2000::bigint, 'moving-frame window: each row''s vector is the sum of its three rows');

-- Parallel = serial.
CREATE TEMP TABLE serial_result AS SELECT grp, svec_agg(k, v) AS s FROM svec_rows GROUP BY grp;
CREATE TEMP TABLE serial_all AS SELECT svec_agg(k, v) AS s FROM svec_rows;
SELECT pg_temp.force_parallel();
SELECT ok(bool_or(plan ~ 'Partial (Hash|Group)?Aggregate'), 'grouped svec_agg aggregates partially in workers')
FROM pg_temp.explain_lines('SELECT grp, ecomai.svec_agg(k, v) FROM svec_rows GROUP BY grp') plan;
SELECT is((SELECT count(*) FROM serial_result s
           FULL JOIN (SELECT grp, svec_agg(k, v) AS s FROM svec_rows GROUP BY grp) p USING (grp)
           WHERE s.s IS DISTINCT FROM p.s), 0::bigint, 'grouped svec_agg: parallel equals serial');
SELECT ok(bool_or(plan ~ 'Partial Aggregate'), 'whole-table svec_agg aggregates partially in workers')
FROM pg_temp.explain_lines('SELECT ecomai.svec_agg(k, v) FROM svec_rows') plan;
SELECT is((SELECT svec_agg(k, v) FROM svec_rows), (SELECT s FROM serial_all), 'whole-table svec_agg: parallel equals serial');
SELECT pg_temp.reset_parallel();

-- Citus's path: partial states per hash bucket, each through text and back, then combined.
CREATE AGGREGATE pg_temp.svec_partial(bigint, float8) (SFUNC = ecomai.svec_agg_transfn, STYPE = ecomai.svec);
CREATE AGGREGATE pg_temp.svec_merge(ecomai.svec) (
    SFUNC = ecomai.svec_agg_combine, STYPE = ecomai.svec, FINALFUNC = ecomai.svec_agg_final);
SELECT is((SELECT pg_temp.svec_merge(st::text::svec)
           FROM (SELECT pg_temp.svec_partial(k, v) st FROM svec_rows GROUP BY hashint8(k * 31 + v::bigint) & 31) b),
          (SELECT s FROM serial_all), 'svec_agg over 32 buckets with text-shipped states equals one pass');
SELECT is((SELECT count(*) FROM serial_result s
           FULL JOIN (SELECT grp, pg_temp.svec_merge(st::text::svec) AS s
                      FROM (SELECT grp, pg_temp.svec_partial(k, v) st FROM svec_rows
                            GROUP BY grp, hashint8(k) & 31) b GROUP BY grp) c USING (grp)
           WHERE s.s IS DISTINCT FROM c.s), 0::bigint, 'grouped: 32 buckets through text equal one pass');
SELECT is((SELECT pg_temp.svec_merge(st) FROM (VALUES (NULL::svec), ('{1:2}'), (NULL), ('{1:-2,3:1}')) t(st)),
    '{3:1}'::svec, 'combine skips NULL states, copies the first real one, drops zero sums');
SELECT is((SELECT pg_temp.svec_merge(st) FROM (VALUES ('{}'::svec)) t(st)), '{}'::svec,
    'combining an empty state gives the empty vector, not NULL');
SELECT is((SELECT pg_temp.svec_merge(st) FROM (VALUES (NULL::svec)) t(st)), NULL::svec, 'only NULL states give NULL');
SELECT throws_ok($$SELECT pg_temp.svec_merge(st::svec) FROM (VALUES ('{1:1e308}'), ('{1:1e308}')) t(st)$$, '22003',
    'sparse vector value is out of range for type double precision', 'combined states that overflow');
SELECT throws_ok($$SELECT pg_temp.svec_merge(st::svec) FROM (VALUES ('{1:1}'), ('{2:1,2:1}')) t(st)$$, '22P02',
    'duplicate key in svec input', 'a corrupt shipped state is refused by its input function');

-- Equality, hashing and ordering in queries.
SELECT is((SELECT count(DISTINCT v) FROM rv), (SELECT count(*) FROM rv), 'count(DISTINCT) sorts svecs');
SELECT is((SELECT count(*) FROM (SELECT DISTINCT v FROM (SELECT v FROM rv UNION ALL SELECT v::text::svec FROM rv) u) d),
    (SELECT count(*) FROM rv), 'DISTINCT merges text-round-tripped copies');
SELECT is((SELECT count(*) FROM rv a JOIN rv b ON a.v = b.v), (SELECT count(*) FROM rv), 'equi-join on svec');
SELECT ok((SELECT bool_and(svec_cmp(a.v, b.v) = -svec_cmp(b.v, a.v) AND (svec_cmp(a.v, b.v) = 0) = (a.v = b.v))
           FROM rv a, rv b WHERE a.i % 17 = 0 AND b.i % 13 = 0), 'the order is antisymmetric and agrees with =');
CREATE TEMP TABLE indexed AS SELECT i, v FROM rv;
CREATE INDEX ON indexed (v);
CREATE INDEX ON indexed USING hash (v);
SELECT is((SELECT i FROM indexed WHERE v = (SELECT v FROM rv WHERE i = 1003)), 1003, 'btree and hash indexes build and find');

-- Privileges: an ordinary role with USAGE on the schema can use the type, functions and aggregate.
CREATE ROLE svec_tap_user;
GRANT USAGE ON SCHEMA ecomai TO svec_tap_user;
SET LOCAL ROLE svec_tap_user;
SELECT is(cosine_similarity('{1:4,2:3,3:5}'::svec, '{1:5,2:4,3:3}'::svec), 0.94::float8, 'an ordinary role computes cosine');
SELECT is((SELECT svec_agg(k, v) FROM (VALUES (1, 2.0), (1, 3.0)) t(k, v)), '{1:5}'::svec, 'an ordinary role aggregates');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
