-- Showcase: dense-vector similarity on product embeddings (32-d float4[]).
\echo
\echo '== Dense vectors: product embeddings'

\echo '-- Which products are most like product 7 (by embedding cosine)?'
SELECT p.product_id, p.name, p.category,
       round(ecomai.cosine_similarity(p.embedding, q.embedding)::numeric, 4) AS cosine
FROM shop.products p, shop.products q
WHERE q.product_id = 7 AND p.product_id <> q.product_id
ORDER BY ecomai.cosine_distance(p.embedding, q.embedding)
LIMIT 5;

\echo '-- A customer''s taste is the mean embedding of what they bought (vector_avg).'
\echo '-- Which products they have not bought are closest to the taste of customer 42?'
WITH taste AS (
    SELECT ecomai.vector_avg(p.embedding::float8[]) AS v
    FROM shop.order_items oi JOIN shop.products p USING (product_id)
    WHERE oi.customer_id = 42
)
SELECT p.product_id, p.name, round(ecomai.cosine_similarity(p.embedding::float8[], taste.v)::numeric, 4) AS cosine
FROM shop.products p, taste
WHERE NOT EXISTS (SELECT 1 FROM shop.order_items oi WHERE oi.customer_id = 42 AND oi.product_id = p.product_id)
ORDER BY cosine DESC
LIMIT 5;

\echo '-- How tight is each category around its centre (mean cosine to the category mean)?'
WITH centre AS (
    SELECT category, ecomai.vector_avg(embedding::float8[]) AS v FROM shop.products GROUP BY category
)
SELECT c.category, count(*) AS products,
       round(avg(ecomai.cosine_similarity(p.embedding::float8[], c.v))::numeric, 3) AS mean_cosine_to_centre
FROM shop.products p JOIN centre c USING (category)
GROUP BY c.category ORDER BY mean_cosine_to_centre DESC
LIMIT 12;
