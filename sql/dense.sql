-- Dense-vector similarity: worked examples.

-- The seed article's two users: ratings (4,3,5) and (5,4,3): cosine 47/50.
SELECT ecomai.cosine_similarity(ARRAY[4,3,5]::float8[], ARRAY[5,4,3]::float8[]);
SELECT ecomai.cosine_similarity(ARRAY[4,3,5]::float8[], ARRAY[5,4,3]::float8[]) = 47.0/50 AS exact;
SELECT ecomai.cosine_similarity(ARRAY[4,3,5]::float4[], ARRAY[5,4,3]::float4[]);
SELECT ecomai.dot_product(ARRAY[4,3,5]::float8[], ARRAY[5,4,3]::float8[]),
       ecomai.l2_norm(ARRAY[3,4]::float8[]),
       ecomai.l2_norm(ARRAY[3,4]::float4[]),
       ecomai.l2_distance(ARRAY[1,2,3]::float8[], ARRAY[4,6,3]::float8[]),
       ecomai.cosine_distance(ARRAY[1,0]::float8[], ARRAY[0,1]::float8[]);

-- Parallel and opposite vectors, clamped to [-1, 1].
SELECT ecomai.cosine_similarity(ARRAY[1,2,3]::float8[], ARRAY[2,4,6]::float8[]),
       ecomai.cosine_similarity(ARRAY[1,2,3]::float8[], ARRAY[-1,-2,-3]::float8[]),
       ecomai.cosine_similarity(ARRAY[0.1,0.2,0.3]::float8[], ARRAY[0.1,0.2,0.3]::float8[]);

-- A zero vector has no direction: cosine is NULL, the other functions are defined.
SELECT ecomai.cosine_similarity(ARRAY[0,0]::float8[], ARRAY[1,2]::float8[]) IS NULL AS cos_null,
       ecomai.cosine_distance(ARRAY[1,2]::float4[], ARRAY[0,0]::float4[]) IS NULL AS dist_null,
       ecomai.l2_norm(ARRAY[0,0]::float8[]) AS norm,
       ecomai.dot_product(ARRAY[0,0]::float8[], ARRAY[1,2]::float8[]) AS dot;

-- NULL arguments give NULL (the functions are strict).
SELECT ecomai.cosine_similarity(NULL::float8[], ARRAY[1]::float8[]) IS NULL AS strict;

-- Values far from 1 neither overflow nor underflow.
SELECT ecomai.cosine_similarity(ARRAY[1e300,1e300]::float8[], ARRAY[1e300,0]::float8[]),
       ecomai.cosine_similarity(ARRAY[1e-300,1e-300]::float8[], ARRAY[1e-300,0]::float8[]),
       ecomai.l2_norm(ARRAY[3e300,4e300]::float8[]),
       ecomai.l2_distance(ARRAY[1e-300]::float8[], ARRAY[-1e-300]::float8[]);

-- Errors.
SELECT ecomai.cosine_similarity(ARRAY[1,2,3]::float8[], ARRAY[1,2]::float8[]);
SELECT ecomai.cosine_similarity(ARRAY[1,NULL]::float8[], ARRAY[1,2]::float8[]);
SELECT ecomai.dot_product('{}'::float8[], '{}'::float8[]);
SELECT ecomai.l2_norm(ARRAY[[1,2],[3,4]]::float8[]);
SELECT ecomai.cosine_similarity(ARRAY[1,'NaN']::float8[], ARRAY[1,2]::float8[]);
SELECT ecomai.l2_distance(ARRAY[1,2]::float4[], ARRAY[1,'Infinity']::float4[]);
SELECT ecomai.dot_product(ARRAY[1e300]::float8[], ARRAY[1e300]::float8[]);

-- Aggregates: element-wise sum and mean; NULL rows skipped; no rows gives NULL.
SELECT ecomai.vector_sum(v), ecomai.vector_avg(v)
FROM (VALUES (ARRAY[1,2,3]::float8[]), (ARRAY[3,4,5]::float8[]), (NULL)) t(v);
SELECT ecomai.vector_sum(v) IS NULL AS empty_sum FROM (SELECT ARRAY[1]::float8[] WHERE false) t(v);
SELECT g, ecomai.vector_avg(v)
FROM (VALUES (1, ARRAY[1,1]::float8[]), (1, ARRAY[3,5]::float8[]), (2, ARRAY[0.5,0.25]::float8[])) t(g, v)
GROUP BY g ORDER BY g;
SELECT ecomai.vector_sum(v) FROM (VALUES (ARRAY[1,2]::float8[]), (ARRAY[1,2,3]::float8[])) t(v);

-- Identical vectors are at distance 0, zero vectors included.
SELECT ecomai.l2_distance(ARRAY[0,0]::float8[], ARRAY[0,0]::float8[]) AS d0,
       ecomai.l2_distance(ARRAY[1,2]::float4[], ARRAY[1,2]::float4[]) AS d1;
