-- Benchmark: cosine between each of N baskets and one fixed basket, ecomai.svec against the
-- plain-SQL way (unnest both baskets, join on the key, sum).  Run by bench/svec.sh after
-- bench/timing.sql (bench.median_ms: median of 5 runs after a warm-up; builds: 1 run after one).
\set ON_ERROR_STOP on
\pset footer off
SET search_path = ecomai, public;
SET max_parallel_workers_per_gather = 0;   -- both sides on one core
SET work_mem = '256MB';
SET jit = off;                             -- as bench/dense.sh: compare the executors, not JIT
SELECT setseed(0.42);

-- ~20 items per basket out of a 2,000-product catalogue, quantities 1..3.
CREATE TABLE bench_items AS
SELECT c AS customer_id, (1 + floor(random() * 2000))::bigint AS product_id, (1 + floor(random() * 3))::float8 AS qty
FROM generate_series(1, :baskets) c, generate_series(1, 15 + (c % 11)) i;
ANALYZE bench_items;


-- The two stored forms of the same baskets: an svec column, and key/value arrays.
SELECT bench.median_ms('CREATE TEMP TABLE tmp_s AS SELECT customer_id, ecomai.svec_agg(product_id, qty) AS basket
                        FROM bench_items GROUP BY customer_id; DROP TABLE tmp_s', 1) AS build_svec_ms \gset
SELECT bench.median_ms('CREATE TEMP TABLE tmp_a AS SELECT customer_id, array_agg(product_id ORDER BY product_id) AS keys,
                        array_agg(qty ORDER BY product_id) AS vals FROM (SELECT customer_id, product_id, sum(qty) AS qty
                        FROM bench_items GROUP BY 1, 2) t GROUP BY customer_id; DROP TABLE tmp_a', 1) AS build_arrays_ms \gset
CREATE TABLE bench_svec AS
SELECT customer_id, svec_agg(product_id, qty) AS basket FROM bench_items GROUP BY customer_id;
CREATE TABLE bench_arr AS
SELECT customer_id, (SELECT array_agg(key ORDER BY key) FROM svec_entries(basket)) AS keys,
       (SELECT array_agg(value ORDER BY key) FROM svec_entries(basket)) AS vals
FROM bench_svec;
VACUUM ANALYZE bench_svec;
VACUUM ANALYZE bench_arr;
SELECT basket AS q FROM bench_svec WHERE customer_id = 1 \gset
SELECT keys AS qk, vals AS qv FROM bench_arr WHERE customer_id = 1 \gset

SELECT count(*) AS baskets, round(avg(svec_nnz(basket)), 1) AS avg_items,
       pg_size_pretty(pg_total_relation_size('bench_svec')) AS svec_table,
       pg_size_pretty(pg_total_relation_size('bench_arr')) AS array_table
FROM bench_svec;

-- The same answers first (sum of all cosines, and the 5 nearest baskets).
SELECT (SELECT sum(cosine_similarity(basket, :'q'::svec)) FROM bench_svec) AS svec_sum,
       (SELECT sum(coalesce((SELECT sum(x.v * y.v) FROM unnest(b.keys, b.vals) x(k, v)
                              JOIN unnest(:'qk'::bigint[], :'qv'::float8[]) y(k, v) ON x.k = y.k), 0)
                   / (sqrt((SELECT sum(v * v) FROM unnest(b.vals) v)) * sqrt((SELECT sum(v * v) FROM unnest(:'qv'::float8[]) v))))
        FROM bench_arr b) AS sql_sum;

SELECT bench.median_ms(format($q$SELECT sum(ecomai.cosine_similarity(basket, %L::ecomai.svec)) FROM bench_svec$q$, :'q'))
    AS svec_ms \gset
SELECT bench.median_ms(format($q$SELECT sum(coalesce((SELECT sum(x.v * y.v) FROM unnest(b.keys, b.vals) x(k, v)
                                  JOIN unnest(%1$L::bigint[], %2$L::float8[]) y(k, v) ON x.k = y.k), 0)
                       / (sqrt((SELECT sum(v * v) FROM unnest(b.vals) v)) * sqrt((SELECT sum(v * v) FROM unnest(%2$L::float8[]) v))))
                       FROM bench_arr b$q$, :'qk', :'qv')) AS sql_ms \gset
-- The relational variant: join the order lines to the fixed basket's lines, sum per customer.
SELECT bench.median_ms(format($q$WITH q AS (SELECT key, value FROM ecomai.svec_entries(%L::ecomai.svec)),
                       lines AS (SELECT customer_id, product_id, sum(qty) AS qty FROM bench_items GROUP BY 1, 2),
                       norms AS (SELECT customer_id, sqrt(sum(qty * qty)) AS n FROM lines GROUP BY 1),
                       dots AS (SELECT customer_id, sum(qty * value) AS d FROM lines JOIN q ON q.key = lines.product_id GROUP BY 1)
                       SELECT sum(coalesce(d, 0) / (n * (SELECT sqrt(sum(value * value)) FROM q)))
                       FROM norms LEFT JOIN dots USING (customer_id)$q$, :'q')) AS join_ms \gset
SELECT bench.median_ms(format($q$SELECT customer_id FROM bench_svec ORDER BY basket OPERATOR(ecomai.<=>) %L::ecomai.svec LIMIT 10$q$, :'q'))
    AS top10_ms \gset

SELECT round(:svec_ms::numeric, 1) AS svec_cosine_ms,
       round(:sql_ms::numeric, 1) AS plain_sql_unnest_ms,
       round((:sql_ms / :svec_ms)::numeric, 1) AS "ratio (issue asks >= 20)",
       round(:join_ms::numeric, 1) AS sql_join_on_order_lines_ms,
       round((:join_ms / :svec_ms)::numeric, 1) AS join_ratio,
       round(:top10_ms::numeric, 1) AS svec_top10_ms;
SELECT round(:build_svec_ms::numeric, 1) AS build_svec_agg_ms,
       round(:build_arrays_ms::numeric, 1) AS build_arrays_sql_ms,
       round((:build_arrays_ms / :build_svec_ms)::numeric, 2) AS build_ratio;
