-- Showcase: sparse vectors (ecomai.svec).  A customer's basket is a vector over product ids,
-- built with svec_agg from the order lines; <=> is the cosine distance between two baskets.
-- The operators live in schema ecomai, so it goes on the search path.
SET search_path = shop, ecomai, public;
\echo
\echo '== Sparse vectors: customers'' baskets'

-- One svec per customer: product_id -> units bought.  (An svec column can be stored and indexed.)
CREATE TEMP TABLE baskets AS
SELECT customer_id, svec_agg(product_id, quantity) AS basket
FROM shop.order_items
GROUP BY customer_id;

\echo '-- What does a basket look like, and how many distinct products does a customer buy?'
SELECT customer_id, svec_nnz(basket) AS products, basket
FROM baskets WHERE customer_id IN (4242, 9321) ORDER BY customer_id;
SELECT min(svec_nnz(basket)) AS min_products, round(avg(svec_nnz(basket)), 1) AS avg_products,
       max(svec_nnz(basket)) AS max_products, count(*) AS customers
FROM baskets;

\echo '-- Which 10 customers buy most like customer 42?  (ORDER BY basket <=> $1 LIMIT 10)'
PREPARE most_similar(svec, bigint) AS
SELECT b.customer_id, round(cosine_similarity(b.basket, $1)::numeric, 4) AS cosine,
       round(jaccard_similarity(b.basket, $1)::numeric, 4) AS jaccard,
       svec_nnz(b.basket) AS products,
       (SELECT count(*) FROM svec_entries(b.basket) e JOIN svec_entries($1) m USING (key)) AS shared_products
FROM baskets b
WHERE b.customer_id <> $2
ORDER BY b.basket <=> $1, b.customer_id
LIMIT 10;
SELECT basket AS me FROM baskets WHERE customer_id = 42 \gset
EXECUTE most_similar(:'me', 42);

\echo '-- What do those neighbours buy that customer 42 has not bought yet?  (a first recommendation)'
WITH neighbours AS (
    SELECT b.basket, cosine_similarity(b.basket, :'me') AS w
    FROM baskets b WHERE b.customer_id <> 42
    ORDER BY b.basket <=> :'me', b.customer_id LIMIT 10
)
SELECT e.key AS product_id, p.name, round(sum(n.w * e.value)::numeric, 3) AS score
FROM neighbours n, svec_entries(n.basket) e JOIN shop.products p ON p.product_id = e.key
WHERE e.key NOT IN (SELECT key FROM svec_entries(:'me'))
GROUP BY e.key, p.name
ORDER BY score DESC, e.key LIMIT 5;

\echo '-- The same idea turned around: a product''s buyers as a vector over customer ids.'
\echo '-- Which products have buyers most like those of product 7?'
WITH buyers AS (
    SELECT product_id, svec_agg(customer_id, quantity) AS v FROM shop.order_items GROUP BY product_id
)
SELECT b.product_id, p.name, round(cosine_similarity(b.v, q.v)::numeric, 4) AS cosine
FROM buyers b JOIN shop.products p USING (product_id), buyers q
WHERE q.product_id = 7 AND b.product_id <> 7
ORDER BY b.v <=> q.v, b.product_id
LIMIT 5;

DEALLOCATE most_similar;
RESET search_path;
