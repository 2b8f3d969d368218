-- Showcase: recommendations with reasons, and rating prediction evaluated on held-out reviews.
-- Runs after demo/30_neighbors.sql, which built shop.item_sim (20 neighbours per product).
\echo
\echo '== Collaborative filtering: recommendations and their evaluation'

\echo '-- Which customer shall we look at? One with a typical history (the median number of products).'
SELECT customer_id AS cust, n AS owned FROM (
    SELECT customer_id, count(DISTINCT product_id) AS n,
           row_number() OVER (ORDER BY count(DISTINCT product_id), customer_id) AS rn, count(*) OVER () AS total
    FROM shop.order_items GROUP BY customer_id) q
WHERE rn = total / 2 \gset
\echo 'customer' :cust 'has bought' :owned 'products:'
SELECT oi.product_id, p.name, p.category, sum(oi.quantity) AS quantity
FROM shop.order_items oi JOIN shop.products p USING (product_id)
WHERE oi.customer_id = :cust GROUP BY 1, 2, 3 ORDER BY 1;

\echo '-- What should we show this customer next, and why? (scores: sum of similarity x quantity)'
SELECT r.item AS product_id, p.name, p.category, round(r.score::numeric, 4) AS score,
       'because you bought ' || b.name AS reason
FROM ecomai.recommend('shop.order_items', 'shop.item_sim', :cust,
                      user_col => 'customer_id', item_col => 'product_id', value_col => 'quantity', k => 5) r
JOIN shop.products p ON p.product_id = r.item
JOIN shop.products b ON b.product_id = r.because
ORDER BY r.score DESC, r.item;

\echo '-- The same for a batch of customers at once (LATERAL: the pattern for a materialized view'
\echo '-- of recommendations refreshed nightly):'
SELECT c.customer_id, r.item AS product_id, round(r.score::numeric, 4) AS score, r.because
FROM (SELECT customer_id FROM shop.customers ORDER BY customer_id LIMIT 3) c,
     LATERAL ecomai.recommend('shop.order_items', 'shop.item_sim', c.customer_id,
                              'customer_id', 'product_id', 'quantity', k => 2) r
ORDER BY c.customer_id, r.score DESC, r.item;

\echo '-- How well can we predict star ratings? Hold out each customer''s newest 20% of reviews'
\echo '-- (a reproducible split by time), fit on the rest, and compare methods by RMSE and MAE.'
CREATE TEMP TABLE review_split AS
SELECT s.user_id AS customer_id, s.item AS product_id, s.is_test, r.rating
FROM ecomai.train_test_split('shop.reviews', 'customer_id', 'product_id', 0.2, time_col => 'reviewed_at') s
JOIN shop.reviews r ON r.customer_id = s.user_id AND r.product_id = s.item;
CREATE TEMP VIEW review_train AS SELECT customer_id, product_id, rating FROM review_split WHERE NOT is_test;
CREATE TEMP VIEW review_test AS SELECT customer_id, product_id, rating FROM review_split WHERE is_test;
SELECT count(*) FILTER (WHERE NOT is_test) AS train_reviews, count(*) FILTER (WHERE is_test) AS test_reviews
FROM review_split;

WITH b AS (SELECT * FROM ecomai.baselines('review_train', 'customer_id', 'product_id', 'rating')),
     global_mean AS (
        SELECT 'global mean' AS method, ecomai.rmse(g.bias, t.rating) AS rmse, ecomai.mae(g.bias, t.rating) AS mae
        FROM review_test t, b g WHERE g.kind = 'global'),
     baseline AS (
        SELECT 'baselines (mean + customer bias + product bias)', ecomai.rmse(e, rating), ecomai.mae(e, rating)
        FROM (SELECT least(greatest(g.bias + coalesce(u.bias, 0) + coalesce(i.bias, 0), 1), 5) AS e, t.rating
              FROM review_test t CROSS JOIN (SELECT bias FROM b WHERE kind = 'global') g
              LEFT JOIN b u ON u.kind = 'user' AND u.id = t.customer_id
              LEFT JOIN b i ON i.kind = 'item' AND i.id = t.product_id) q),
     knn AS (
        SELECT 'item-based k-NN, centering ' || c, ecomai.rmse(p.estimate, p.actual), ecomai.mae(p.estimate, p.actual)
        FROM unnest(ARRAY['none', 'mean', 'baseline']) c,
             LATERAL ecomai.knn_predict('review_train', 'review_test', 'customer_id', 'product_id', 'rating',
                                        kind => 'item', k => 40, measure => 'pearson_baseline', centering => c) p
        GROUP BY c)
SELECT method, round(rmse::numeric, 4) AS rmse, round(mae::numeric, 4) AS mae
FROM (SELECT * FROM global_mean UNION ALL SELECT * FROM baseline UNION ALL SELECT * FROM knn) r(method, rmse, mae)
ORDER BY rmse;
\echo '-- The demo shop rates products by quality + customer leniency + noise, which is exactly what'
\echo '-- the baselines model: on such data they beat neighbourhoods; k-NN earns its keep on real taste.'
