#!/usr/bin/env bash
# The scheduled refresh that docs/scheduling.md describes, run for real with pg_cron: the
# neighbour and recommendation materialized views of a small shop are refreshed by a cron job
# (every minute here, nightly in production) after new orders arrive, and must then equal a
# fresh computation.  Needs a server started with shared_preload_libraries = pg_cron and
# cron.database_name = ecomai_cron (tools/test.sh does this).  Waits up to 100 s for the job.
# Prints "cron refresh: N passed, N failed".
set -euo pipefail
q() { psql -X -q -v ON_ERROR_STOP=1 -d ecomai_cron "$@"; }

if ! psql -X -q -tA -d postgres -c "SHOW shared_preload_libraries" | grep -q pg_cron; then
	echo "cron refresh: skipped (the server was not started with pg_cron)"
	echo "cron refresh: 0 passed, 0 failed"
	exit 0
fi
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS ecomai_cron" -c "CREATE DATABASE ecomai_cron"
q <<'SQL'
CREATE EXTENSION ecomai;
CREATE EXTENSION pg_cron;
CREATE TABLE order_lines (customer_id bigint, product_id bigint, quantity int);
INSERT INTO order_lines SELECT c, 1 + (c * p) % 30, 1 FROM generate_series(1, 200) c, generate_series(1, 4) p;

-- the heavy half: each product's 10 nearest products (docs/scheduling.md)
CREATE MATERIALIZED VIEW item_sim AS
SELECT * FROM ecomai.item_neighbors('order_lines', 'customer_id', 'product_id', 'quantity', k => 10);
CREATE UNIQUE INDEX ON item_sim (item, neighbor);
-- the light half, precomputed for every customer: five recommendations each, with the reason
CREATE MATERIALIZED VIEW recommendations AS
SELECT c.customer_id, r.item, r.score, r.because
FROM (SELECT DISTINCT customer_id FROM order_lines) c,
     LATERAL ecomai.recommend('order_lines', 'item_sim', c.customer_id,
                              user_col => 'customer_id', item_col => 'product_id', value_col => 'quantity', k => 5) r;
CREATE UNIQUE INDEX ON recommendations (customer_id, item);

-- new orders arrive after the last refresh: a new product and new customers
INSERT INTO order_lines SELECT c, 31, 2 FROM generate_series(150, 260) c;
INSERT INTO order_lines SELECT c, 1 + c % 7, 1 FROM generate_series(201, 260) c;

SELECT cron.schedule('ecomai-refresh', '* * * * *',
    $$REFRESH MATERIALIZED VIEW CONCURRENTLY item_sim; REFRESH MATERIALIZED VIEW CONCURRENTLY recommendations$$) AS jobid
\gset
SQL

status=""
for _ in $(seq 1 100); do
	status=$(q -tA -c "SELECT status FROM cron.job_run_details WHERE status IN ('succeeded', 'failed') ORDER BY runid DESC LIMIT 1")
	[ -n "$status" ] && break
	sleep 1
done
passed=0
failed=0
if [ "$status" = succeeded ]; then
	echo "cron refresh: the job ran and succeeded"
	passed=$((passed + 1))
else
	echo "cron refresh: the job did not succeed (status '${status:-none}' after 100 s):"
	q -c "SELECT status, return_message FROM cron.job_run_details" || true
	failed=$((failed + 1))
fi
diffs=$(q -tA <<'SQL'
SELECT (SELECT count(*) FROM (
            (SELECT * FROM item_sim EXCEPT SELECT * FROM ecomai.item_neighbors('order_lines', 'customer_id', 'product_id', 'quantity', k => 10))
            UNION ALL
            (SELECT * FROM ecomai.item_neighbors('order_lines', 'customer_id', 'product_id', 'quantity', k => 10) EXCEPT SELECT * FROM item_sim)) d)
     + (SELECT count(*) FROM (
            (SELECT * FROM recommendations EXCEPT
             SELECT c.customer_id, r.item, r.score, r.because
             FROM (SELECT DISTINCT customer_id FROM order_lines) c,
                  LATERAL ecomai.recommend('order_lines', 'item_sim', c.customer_id,
                                           user_col => 'customer_id', item_col => 'product_id', value_col => 'quantity', k => 5) r)) d)
     -- and the refresh did see the new product
     + (SELECT CASE WHEN count(*) > 0 THEN 0 ELSE 1 END FROM item_sim WHERE item = 31);
SQL
)
if [ "$status" = succeeded ] && [ "$diffs" = 0 ]; then
	echo "cron refresh: both views equal a fresh computation over the new orders"
	passed=$((passed + 1))
else
	echo "cron refresh: the refreshed views differ from a fresh computation ($diffs differences)"
	failed=$((failed + 1))
fi
q -c "SELECT cron.unschedule('ecomai-refresh')" >/dev/null || true
psql -X -q -d postgres -c "DROP DATABASE ecomai_cron WITH (FORCE)" || true
echo "cron refresh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
