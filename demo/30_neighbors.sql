-- Showcase: item-to-item collaborative filtering (Amazon's architecture) on the demo shop.
\echo
\echo '== Neighbourhoods: customers who bought X also bought'

\echo '-- Build the nightly neighbour table: the 20 most similar products of every product,'
\echo '-- cosine over customers (quantities as weights), as an indexed materialized view.'
\timing on
CREATE MATERIALIZED VIEW shop.item_sim AS
SELECT * FROM ecomai.item_neighbors('shop.order_items', 'customer_id', 'product_id', 'quantity', k => 20);
\timing off
CREATE INDEX ON shop.item_sim (item);
SELECT count(*) AS pairs, count(DISTINCT item) AS products_with_neighbours,
       round(avg(support), 1) AS mean_support
FROM shop.item_sim;

\echo '-- Which product is bought by the most customers (the one to show)?'
SELECT oi.product_id, p.name, count(DISTINCT oi.customer_id) AS customers
FROM shop.order_items oi JOIN shop.products p USING (product_id)
GROUP BY oi.product_id, p.name ORDER BY customers DESC, oi.product_id LIMIT 1 \gset top_
\echo 'product' :top_product_id ':' :top_name 'bought by' :top_customers 'customers'

\echo '-- Customers who bought it also bought (served by an indexed lookup):'
SELECT s.neighbor AS product_id, p.name, p.category, round(s.similarity::numeric, 4) AS similarity,
       s.support AS bought_both
FROM shop.item_sim s JOIN shop.products p ON p.product_id = s.neighbor
WHERE s.item = :top_product_id
ORDER BY s.similarity DESC, s.neighbor
LIMIT 10;

\echo '-- Implicit feedback (who bought, not how many), with a privacy floor: only pairs bought'
\echo '-- together by at least 5 customers; shrinkage 10 trusts well-supported pairs more.'
SELECT n.neighbor AS product_id, p.name, round(n.similarity::numeric, 4) AS similarity, n.support AS bought_both
FROM ecomai.item_neighbors('shop.order_items', 'customer_id', 'product_id', k => 5,
                           min_support => 5, shrinkage => 10) n
JOIN shop.products p ON p.product_id = n.neighbor
WHERE n.item = :top_product_id
ORDER BY n.similarity DESC, n.neighbor;
