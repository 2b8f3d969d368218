-- Sparse vectors (ecomai.svec): worked examples.
-- Operators (<=>, =, <>) are found through the search path, as for any extension in its own schema.
SET search_path = ecomai, public;

-- Text form: keys ascending, zeros dropped, spaces allowed, {} is the empty vector.
SELECT '{101:2,205:1.5}'::svec AS basket,
       ' { 205 : 1.5 , 101:2 , 7:0 } '::svec AS same_basket_unsorted,
       '{}'::svec AS empty, '{ }'::svec AS empty_too;

-- Values print in the shortest form that reads back exactly; any bigint is a key.
SELECT '{-9223372036854775808:0.1,0:-2.5e-308,9223372036854775807:1.7976931348623157e308}'::svec;
SELECT '{1:0.30000000000000004,2:4.9406564584124654e-324,3:1e22,4:-1.5}'::svec;
SELECT '{1:+2, +3:.5, -4:1E2}'::svec AS signs_and_exponents;

-- Built from arrays: any order, duplicate keys added up, zeros (and zero sums) dropped.
SELECT svec(ARRAY[205, 101, 205, 7, 9, 9], ARRAY[1, 2, 0.5, 0, 4, -4]);
SELECT svec('{}'::bigint[], '{}'::float8[]) AS empty;

-- Reading it back as rows.
SELECT * FROM svec_entries('{205:1.5,101:2}');
SELECT svec_nnz('{101:2,205:1.5}') AS nnz, svec_nnz('{}') AS nnz_empty;

-- The seed article's two users, ratings (4,3,5) and (5,4,3) over items 1..3: cosine 47/50.
SELECT cosine_similarity('{1:4,2:3,3:5}'::svec, '{1:5,2:4,3:3}'::svec);
SELECT cosine_similarity('{1:4,2:3,3:5}'::svec, '{1:5,2:4,3:3}'::svec) = 47.0 / 50 AS exact;
SELECT '{1:4,2:3,3:5}'::svec <=> '{1:5,2:4,3:3}'::svec AS distance,
       dot_product('{1:4,2:3,3:5}'::svec, '{1:5,2:4,3:3}'::svec) AS dot,
       l2_norm('{1:3,1000000:4}'::svec) AS norm;

-- Only shared keys contribute: {1:1,2:2} . {2:3,3:4} = 6; cosine 6 / (sqrt(5) * 5).
SELECT dot_product('{1:1,2:2}'::svec, '{2:3,3:4}'::svec) AS dot,
       cosine_similarity('{1:1,2:2}'::svec, '{2:3,3:4}'::svec) AS cosine,
       6 / (sqrt(5) * 5) AS expected;

-- Jaccard over key sets: {1,2,3} and {2,3,4,5} share 2 of 5 keys; values do not matter.
SELECT jaccard_similarity('{1:1,2:1,3:1}'::svec, '{2:-7,3:0.5,4:1,5:1}'::svec) AS jaccard,
       jaccard_similarity('{1:1}'::svec, '{}'::svec) AS with_empty,
       jaccard_similarity('{}'::svec, '{}'::svec) IS NULL AS both_empty_null;

-- Disjoint baskets are orthogonal; an empty vector has no direction (cosine NULL).
SELECT cosine_similarity('{1:1}'::svec, '{2:1}'::svec) AS disjoint,
       cosine_similarity('{}'::svec, '{2:1}'::svec) IS NULL AS cos_null,
       ('{}'::svec <=> '{2:1}'::svec) IS NULL AS dist_null,
       l2_norm('{}'::svec) AS norm0,
       dot_product('{}'::svec, '{2:1}'::svec) AS dot0;

-- Opposite and parallel vectors; values far from 1 neither overflow nor underflow.
SELECT cosine_similarity('{1:1,2:2}'::svec, '{1:-2,2:-4}'::svec) AS opposite,
       cosine_similarity('{1:1e300,2:1e300}'::svec, '{1:1e300}'::svec) AS big,
       cosine_similarity('{1:1e-300,2:1e-300}'::svec, '{1:1e-300}'::svec) AS tiny,
       l2_norm('{1:3e300,2:4e300}'::svec) AS big_norm;

-- Strict: NULL in, NULL out.
SELECT cosine_similarity(NULL::svec, '{1:1}') IS NULL AS strict;

-- Equality is exact: same keys and identical values.
SELECT '{1:2,3:4}'::svec = '{3:4,1:2}'::svec AS eq,
       '{1:2}'::svec = '{1:2.0000000000000004}'::svec AS differs_in_last_bit,
       '{1:2}'::svec <> '{1:2,2:1}'::svec AS ne,
       '{}'::svec = svec('{5}', '{0}') AS empty_eq;
SELECT count(DISTINCT v) AS distinct_vectors
FROM (VALUES ('{1:2}'::svec), ('{1:2.0}'), ('{2:1}'), ('{}'), ('{ }')) t(v);
-- The sort order (for DISTINCT, ORDER BY, btree indexes) compares entries in turn, key then value.
SELECT v FROM (VALUES ('{2:1}'::svec), ('{1:2}'), ('{}'), ('{1:2,5:1}'), ('{1:-3}')) t(v) ORDER BY v;

-- Arrays and rows of svecs quote the text form and read it back.
SELECT ARRAY['{1:2,3:4}'::svec, '{}'] AS arr,
       (ARRAY['{1:2,3:4}'::svec, '{}']::text::svec[])[1] AS first_back,
       ROW(7, '{1:0.5}'::svec)::text AS rec;

-- svec_agg: values add up per key; rows with a NULL key or value are skipped.
CREATE TEMP TABLE svec_lines (cust int, product bigint, qty float8);
INSERT INTO svec_lines VALUES
    (1, 101, 2), (1, 205, 1), (1, 101, 1), (1, NULL, 5), (1, 300, NULL),
    (2, 101, 1), (2, 300, 2), (2, 300, -2),
    (3, NULL, 1),
    (4, 7, 0);
SELECT cust, svec_agg(product, qty) FROM svec_lines GROUP BY cust ORDER BY cust;
-- (cust 2: key 300 sums to 0 and disappears; cust 3: only skipped rows, NULL; cust 4: {} since rows existed)
SELECT svec_agg(product, qty) IS NULL AS no_rows FROM svec_lines WHERE false;

-- As a running (window) aggregate.
SELECT product, qty, svec_agg(product, qty) OVER (ORDER BY product, qty ROWS UNBOUNDED PRECEDING)
FROM svec_lines WHERE cust = 1 AND product IS NOT NULL AND qty IS NOT NULL ORDER BY product, qty;

-- The customers closest to customer 1 by cosine distance.
WITH baskets AS (SELECT cust, svec_agg(product, qty) AS basket FROM svec_lines GROUP BY cust)
SELECT b.cust, round((b.basket <=> c1.basket)::numeric, 6) AS distance
FROM baskets b, baskets c1
WHERE c1.cust = 1 AND b.cust <> 1
ORDER BY b.basket <=> c1.basket, b.cust LIMIT 10;

-- Errors: malformed text, duplicates, NaN/Infinity, out of range, bad arrays.
SELECT '{101:2,205}'::svec;
SELECT '{101:2 205:1}'::svec;
SELECT '101:2'::svec;
SELECT '{101:2'::svec;
SELECT '{101:2} trailing'::svec;
SELECT '{a:1}'::svec;
SELECT '{101:2,205:1,101:3}'::svec;
SELECT '{1:NaN}'::svec;
SELECT '{1:2,3:-Infinity}'::svec;
SELECT '{1:1e400}'::svec;
SELECT '{9223372036854775808:1}'::svec;
SELECT svec(ARRAY[1,2], ARRAY[1]);
SELECT svec(ARRAY[1,NULL], ARRAY[1,2]);
SELECT svec(ARRAY[1,2], ARRAY[1,'NaN']::float8[]);
SELECT svec(ARRAY[1,1], ARRAY[1e308,1e308]);
SELECT svec_agg(k, v) FROM (VALUES (1, 'Infinity'::float8)) t(k, v);
SELECT dot_product('{1:1e300}'::svec, '{1:1e300}'::svec);

RESET search_path;
