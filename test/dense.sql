-- Dense-vector similarity: error paths, exactness against numeric, parallel = serial.
BEGIN;
SELECT plan(29);

\ir lib/helpers.sql

-- Every documented error, with its SQLSTATE and message.
SELECT throws_ok($$SELECT ecomai.cosine_similarity(ARRAY[1,2,3]::float8[], ARRAY[1,2]::float8[])$$,
    '22000', 'different vector dimensions 3 and 2', 'different lengths: 22000 naming both');
SELECT throws_ok($$SELECT ecomai.dot_product(ARRAY[1,2]::float4[], ARRAY[1]::float4[])$$,
    '22000', 'different vector dimensions 2 and 1', 'different lengths, float4');
SELECT throws_ok($$SELECT ecomai.cosine_similarity(ARRAY[1,NULL]::float8[], ARRAY[1,2]::float8[])$$,
    '22004', 'vector must not contain nulls', 'a NULL element: 22004');
SELECT throws_ok($$SELECT ecomai.l2_norm(ARRAY[NULL]::float4[])$$,
    '22004', 'vector must not contain nulls', 'a NULL element, float4');
SELECT throws_ok($$SELECT ecomai.l2_norm('{}'::float8[])$$,
    '22000', 'vector must have at least one element', 'an empty array');
SELECT throws_ok($$SELECT ecomai.cosine_distance(ARRAY[[1,2],[3,4]]::float8[], ARRAY[[1,2],[3,4]]::float8[])$$,
    '22000', 'vector must be a one-dimensional array, not 2-dimensional', 'a 2-d array');
SELECT throws_ok($$SELECT ecomai.cosine_similarity(ARRAY[1,'NaN']::float8[], ARRAY[1,2]::float8[])$$,
    '22000', 'vector elements must be finite, not NaN', 'NaN');
SELECT throws_ok($$SELECT ecomai.l2_distance(ARRAY[1,2]::float4[], ARRAY['-Infinity',2]::float4[])$$,
    '22000', 'vector elements must be finite, not -Infinity', 'infinity, float4');
SELECT throws_ok($$SELECT ecomai.dot_product(ARRAY[1e300,1e300]::float8[], ARRAY[1e300,1e300]::float8[])$$,
    '22003', 'dot product is out of range for type double precision', 'overflowing dot product');
SELECT throws_ok($$SELECT ecomai.vector_sum(v) FROM (VALUES (ARRAY[1,2]::float8[]), (ARRAY[1]::float8[])) t(v)$$,
    '22000', 'different vector dimensions 2 and 1', 'aggregate over different lengths');
SELECT throws_ok($$SELECT ecomai.vector_avg(v) FROM (VALUES (ARRAY[1,NULL]::float8[])) t(v)$$,
    '22004', 'vector must not contain nulls', 'aggregate over a NULL element');
SELECT throws_ok($$SELECT ecomai.vector_avg(v) FROM (VALUES (ARRAY['NaN']::float8[])) t(v)$$,
    '22000', 'vector elements must be finite, not NaN', 'aggregate over NaN');
SELECT throws_ok($$SELECT ecomai.vector_sum(v) FROM (VALUES (ARRAY[1e308]::float8[]), (ARRAY[1e308]::float8[])) t(v)$$,
    '22003', 'vector sum is out of range for type double precision', 'aggregate overflow');
SELECT throws_ok($$SELECT ecomai.vector_accum(NULL, ARRAY[1]::float8[])$$,
    '0A000', 'vector_accum called in non-aggregate context', 'transition outside an aggregate');

-- Exactness: random vectors against an exact numeric computation, 1e-12 relative.  The
-- elements are k / 2^30 for random 31-bit integers k, so each double holds its value exactly and
-- the reference sums the integers exactly (a float8::numeric cast keeps only 15 digits, and
-- that rounding, amplified by cancelling products, would be the reference's error, not ecomai's).
-- Products of 31-bit integers need 62 bits, so ecomai's double pass does round; and about a
-- sixth of the pairs cancel enough to take its careful pass.
CREATE TEMP TABLE pairs AS
SELECT i, array_agg(ka ORDER BY j) AS ka, array_agg(kb ORDER BY j) AS kb,
       array_agg(ka / 2 ^ 30 ORDER BY j) AS a, array_agg(kb / 2 ^ 30 ORDER BY j) AS b
FROM (SELECT i, j, floor(random() * 2 ^ 31) - 2 ^ 30 AS ka, floor(random() * 2 ^ 31) - 2 ^ 30 AS kb
      FROM generate_series(1, 200) i, generate_series(1, 1 + (i * 7) % 300) j) r
GROUP BY i;
-- integer sums, exact: dot = Σ ka·kb (scale 2^60), squares and distance (scale 2^60 before the root)
CREATE TEMP TABLE ref AS
SELECT i, sum(x::numeric * y::numeric) AS dot, sum(x::numeric * x::numeric) AS aa,
       sum(y::numeric * y::numeric) AS bb, sum((x::numeric - y::numeric) ^ 2) AS dd
FROM pairs, unnest(ka, kb) u(x, y) GROUP BY i;
SELECT is(count(*), 0::bigint, 'cosine agrees with numeric to 1e-12 relative')
FROM pairs JOIN ref USING (i)
WHERE abs(ecomai.cosine_similarity(a, b)::numeric - dot / sqrt(aa * bb)) > 1e-12 * abs(dot / sqrt(aa * bb));
SELECT is(count(*), 0::bigint, 'dot product agrees with numeric to 1e-12 relative')
FROM pairs JOIN ref USING (i)
WHERE abs((ecomai.dot_product(a, b) * 2 ^ 60)::numeric - dot) > 1e-12 * abs(dot);
SELECT is(count(*), 0::bigint, 'norm and distance agree with numeric to 1e-12 relative')
FROM pairs JOIN ref USING (i)
WHERE abs((ecomai.l2_norm(a) * 2 ^ 30)::numeric - sqrt(aa)) > 1e-12 * sqrt(aa)
   OR abs((ecomai.l2_distance(a, b) * 2 ^ 30)::numeric - sqrt(dd)) > 1e-12 * sqrt(dd);
-- (the careful pass runs when the fast pass's bound, (n/4 + 3)·2^-53·Σ|ab|, exceeds 5e-13·|dot|)
SELECT cmp_ok((SELECT count(*) FROM pairs JOIN ref USING (i)
               WHERE (cardinality(ka) / 4 + 3) * 2 ^ -53
                     * (SELECT sum(abs(x::numeric * y::numeric)) FROM unnest(ka, kb) u(x, y)) > 5e-13 * abs(dot)),
              '>', 5::bigint, 'several pairs cancel enough to take the careful pass');
SELECT is(count(*), 0::bigint, 'float4 functions agree with float8 ones on the same values to 1e-12')
FROM (SELECT a::float4[] AS a4, b::float4[] AS b4 FROM pairs) p
WHERE abs(ecomai.cosine_similarity(a4, b4) - ecomai.cosine_similarity(a4::float8[], b4::float8[]))
        > 1e-12 * abs(ecomai.cosine_similarity(a4::float8[], b4::float8[]))
   OR abs(ecomai.l2_distance(a4, b4) - ecomai.l2_distance(a4::float8[], b4::float8[]))
        > 1e-12 * ecomai.l2_distance(a4::float8[], b4::float8[]);
SELECT ok(ecomai.cosine_distance(a, b) = 1 - ecomai.cosine_similarity(a, b), 'distance is 1 - similarity')
FROM pairs WHERE i = 17;

-- Parallel = serial for both aggregates.  Integer-valued vectors make every sum exact,
-- so the answers must be equal, not merely close, whatever the order of addition.
CREATE TABLE vecs AS
SELECT g % 7 AS grp, ARRAY[(g % 100) - 50, (g * 7) % 13, g % 2]::float8[] AS v
FROM generate_series(1, 200000) g;
ANALYZE vecs;
CREATE TEMP TABLE serial_result AS
SELECT grp, ecomai.vector_sum(v) AS s, ecomai.vector_avg(v) AS a FROM vecs GROUP BY grp;
SELECT pg_temp.force_parallel();
SELECT ok(bool_or(plan ~ 'Partial (Hash|Group)?Aggregate'), 'the plan aggregates partially in workers')
FROM pg_temp.explain_lines('SELECT grp, ecomai.vector_sum(v), ecomai.vector_avg(v) FROM vecs GROUP BY grp') plan;
SELECT is(count(*), 0::bigint, 'vector_sum and vector_avg: parallel equals serial')
FROM serial_result s
FULL JOIN (SELECT grp, ecomai.vector_sum(v) AS s, ecomai.vector_avg(v) AS a FROM vecs GROUP BY grp) p USING (grp)
WHERE s.s IS DISTINCT FROM p.s OR s.a IS DISTINCT FROM p.a;
SELECT ok(bool_or(plan ~ 'Partial Aggregate'), 'a plain aggregate is partial too')
FROM pg_temp.explain_lines('SELECT ecomai.vector_avg(v) FROM vecs') plan;
SELECT is((SELECT ecomai.vector_avg(v) FROM vecs), (SELECT a FROM (SELECT ecomai.vector_avg(v) a FROM vecs) q),
    'whole-table average under a parallel plan');
SELECT pg_temp.reset_parallel();

-- Citus's path: partial states per hash bucket, each through text and back, then combined.
CREATE AGGREGATE pg_temp.vector_partial(float8[]) (SFUNC = ecomai.vector_accum, STYPE = float8[]);
CREATE AGGREGATE pg_temp.vector_merge_avg(float8[]) (
    SFUNC = ecomai.vector_combine, STYPE = float8[], FINALFUNC = ecomai.vector_avg_final);
CREATE AGGREGATE pg_temp.vector_merge_sum(float8[]) (
    SFUNC = ecomai.vector_combine, STYPE = float8[], FINALFUNC = ecomai.vector_sum_final);
SELECT is(
    (SELECT pg_temp.vector_merge_avg(st::text::float8[]) FROM
        (SELECT pg_temp.vector_partial(v) st FROM vecs GROUP BY hashint4(grp * 31 + v[1]::int) & 31) b),
    (SELECT ecomai.vector_avg(v) FROM vecs),
    'vector_avg over 32 buckets with text-shipped states equals one pass');
SELECT is(
    (SELECT pg_temp.vector_merge_sum(st::text::float8[]) FROM
        (SELECT pg_temp.vector_partial(v) st FROM vecs GROUP BY hashint4(grp * 31 + v[1]::int) & 31) b),
    (SELECT ecomai.vector_sum(v) FROM vecs),
    'vector_sum over 32 buckets with text-shipped states equals one pass');
SELECT is(
    (SELECT pg_temp.vector_partial(v) FROM (VALUES (ARRAY[0.1, 1e-17, 3.141592653589793]::float8[])) t(v))::text::float8[]
        = (SELECT pg_temp.vector_partial(v) FROM (VALUES (ARRAY[0.1, 1e-17, 3.141592653589793]::float8[])) t(v)),
    true, 'a state survives text bit for bit');
SELECT throws_ok($$SELECT pg_temp.vector_merge_sum(st) FROM (VALUES ('{0,1}'::float8[])) t(st)$$,
    '22000', 'invalid vector aggregate state', 'a corrupt shipped state is rejected');
SELECT throws_ok($$SELECT pg_temp.vector_merge_sum(st) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}'::float8[])) t(st)$$,
    '22000', 'different vector dimensions 1 and 2', 'states of different dimension');

SELECT * FROM finish();
ROLLBACK;
