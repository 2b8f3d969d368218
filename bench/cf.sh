#!/usr/bin/env bash
# Benchmarks of collaborative-filtering serving and prediction, printed in one run on a
# throwaway cluster:
#   1. knn_predict on the MovieLens 100k u1 split (80k train ratings, 20k predictions,
#      KNNBasic, user-based, msd, k=40) against plain SQL doing the same KNNBasic prediction
#      (user-user MSD by a self-join, the top 40 by a window function); both RMSEs are printed
#      and must be equal.
#   2. recommend() latency for one customer of the demo shop (median of 100 calls) over the
#      shop.item_sim materialized view of demo/30_neighbors.sql (k => 20, indexed on item).
# Timings are wall-clock on a shared machine: compare the ratios, not the seconds.
#   bench/cf.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_in_cluster "" "$@"
data=$data/movielens-100k

psql_q -c 'CREATE EXTENSION ecomai' -f "$ECOMAI_SRC/bench/timing.sql"

if [ -r "$data/u1.base" ]; then
psql_q <<SQL
CREATE TABLE tr (user_id int, item_id int, rating float8, ts bigint);
CREATE TABLE te (user_id int, item_id int, rating float8, ts bigint);
COPY tr FROM '$data/u1.base';
COPY te FROM '$data/u1.test';
CREATE INDEX ON tr (item_id);
CREATE INDEX ON tr (user_id);
ANALYZE tr; ANALYZE te;
-- KNNBasic in plain SQL: same rules (co-rated items only, top 40 positive similarities, ties to
-- the smaller user id, global mean when impossible, clipped to [1, 5])
CREATE VIEW plain_knn AS
WITH sims AS (
    SELECT a.user_id AS u, b.user_id AS v, 1.0 / (avg((a.rating - b.rating) ^ 2) + 1.0) AS sim
    FROM tr a JOIN tr b ON b.item_id = a.item_id AND b.user_id <> a.user_id
    WHERE a.user_id IN (SELECT user_id FROM te)
    GROUP BY a.user_id, b.user_id),
cand AS (
    SELECT t.user_id, t.item_id, s.sim, r.rating,
           row_number() OVER (PARTITION BY t.user_id, t.item_id ORDER BY s.sim DESC, s.v) AS rn
    FROM te t JOIN tr r ON r.item_id = t.item_id JOIN sims s ON s.u = t.user_id AND s.v = r.user_id
    WHERE s.sim > 0),
agg AS (SELECT user_id, item_id, sum(sim * rating) / sum(sim) AS est FROM cand WHERE rn <= 40 GROUP BY 1, 2)
SELECT t.user_id, t.item_id, t.rating AS actual,
       least(greatest(coalesce(a.est, (SELECT avg(rating) FROM tr)), 1), 5) AS estimate
FROM te t LEFT JOIN agg a USING (user_id, item_id);

\echo '== knn_predict vs plain SQL: MovieLens 100k u1 (80k train, 20k predictions), KNNBasic msd k=40'
SELECT round(ecomai.rmse(estimate, actual)::numeric, 12) AS ecomai_rmse
FROM ecomai.knn_predict('tr', 'te', 'user_id', 'item_id', 'rating');
SELECT round(ecomai.rmse(estimate, actual)::numeric, 12) AS plain_sql_rmse FROM plain_knn;
SELECT round(e::numeric, 1) AS ecomai_ms, round(p::numeric, 1) AS plain_sql_ms, round((p / e)::numeric, 1) AS speedup
FROM (SELECT bench.median_ms('SELECT sum(estimate) FROM ecomai.knn_predict(''tr'', ''te'', ''user_id'', ''item_id'', ''rating'')', 3) AS e,
             bench.median_ms('SELECT sum(estimate) FROM plain_knn', 1) AS p) t;
SQL
else
	echo "MovieLens 100k not found in $data: skipping the knn_predict benchmark" >&2
fi

echo '== recommend(): one customer of the demo shop, median of 100 calls'
psql_q -v scale=1 -f "$ECOMAI_SRC/demo/shop.sql" >/dev/null
psql_q <<'SQL'
CREATE MATERIALIZED VIEW shop.item_sim AS
SELECT * FROM ecomai.item_neighbors('shop.order_items', 'customer_id', 'product_id', 'quantity', k => 20);
CREATE INDEX ON shop.item_sim (item);
CREATE INDEX ON shop.order_items (customer_id);
ANALYZE shop.item_sim; ANALYZE shop.order_items;
-- a customer with a typical history: the median number of distinct products bought
SELECT customer_id AS cust, n AS products_owned FROM (
    SELECT customer_id, count(DISTINCT product_id) AS n, row_number() OVER (ORDER BY count(DISTINCT product_id), customer_id) AS rn,
           count(*) OVER () AS total
    FROM shop.order_items GROUP BY customer_id) q WHERE rn = total / 2 \gset
\echo customer :cust owns :products_owned products
SELECT * FROM ecomai.recommend('shop.order_items', 'shop.item_sim', :cust, 'customer_id', 'product_id', 'quantity', 5);
SELECT round(bench.median_ms(format('SELECT count(*) FROM ecomai.recommend(''shop.order_items'', ''shop.item_sim'', %s, ''customer_id'', ''product_id'', ''quantity'', 10)', :cust), 100)::numeric, 3)
       AS recommend_median_ms;
SQL
