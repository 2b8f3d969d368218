#!/usr/bin/env bash
# Benchmarks of ecomai.item_neighbors, printed in one run on a throwaway cluster:
#   bench/neighbors.sh          MovieLens 100k, item top-50 cosine: ecomai vs the plain-SQL
#                               self-join and vs SciPy (sparse product + top-k in Python,
#                               computation only); also checks ecomai's result against SciPy's
#   bench/neighbors.sh big      a synthetic order table of 10M lines (1M customers, 100k
#                               products, long-tail popularity): time and peak memory
# Installs python3-scipy (Debian) for the default mode when it is missing.  Timings are wall-clock on whatever else
# the machine is doing: compare the ratios, not the seconds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_in_cluster "python3-scipy" "$@"
mode=${1:-movielens}
bench_workdir 700

psql_q -f "$root/bench/timing.sql"
psql_q <<'SQL'
CREATE EXTENSION ecomai;
-- peak resident memory of this backend (includes shared buffers it touched)
CREATE FUNCTION backend_vmhwm() RETURNS text LANGUAGE sql AS $$
    SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s*([0-9]+ kB)') $$;
SQL

if [ "$mode" = movielens ]; then
	udata=$data/movielens-100k/u.data
	[ -r "$udata" ] || { echo "no $udata: set ECOMAI_SHARED_DATA" >&2; exit 1; }
	psql_q -c "CREATE TABLE ml (user_id int, item_id int, rating int, ts bigint)" \
		-c "\\copy ml FROM '$udata'" -c "ANALYZE ml"
	psql_q -c "\\copy (SELECT * FROM ecomai.item_neighbors('ml', 'user_id', 'item_id', 'rating', k => 50)) TO '$work/ours.tsv'"

	echo "== MovieLens 100k (943 users, 1682 items, 100000 ratings): item top-50 cosine"
	ours=$(psql_q -At -c "SELECT bench.best_seconds(\$q\$SELECT count(*) FROM ecomai.item_neighbors('ml', 'user_id', 'item_id', 'rating', k => 50)\$q\$, 5)")
	printf 'ecomai.item_neighbors        %8.4f s (best of 5, includes reading the table)\n' "$ours"

	plain=$(psql_q -At <<'SQL'
SET work_mem = '256MB';
SELECT bench.best_seconds($q$
WITH nrm AS (SELECT item_id, sqrt(sum(rating::float8 * rating)) AS n FROM ml GROUP BY item_id),
s AS (SELECT a.item_id AS item, b.item_id AS neighbor, sum(a.rating::float8 * b.rating) AS dot, count(*) AS support
      FROM ml a JOIN ml b ON a.user_id = b.user_id AND a.item_id <> b.item_id GROUP BY 1, 2),
r AS (SELECT s.item, s.neighbor, s.dot / (na.n * nb.n) AS sim, s.support,
             row_number() OVER (PARTITION BY s.item ORDER BY s.dot / (na.n * nb.n) DESC, s.neighbor) AS rk
      FROM s JOIN nrm na ON na.item_id = s.item JOIN nrm nb ON nb.item_id = s.neighbor)
SELECT count(*) FROM r WHERE rk <= 50 $q$, 1);
SQL
)
	printf 'plain SQL self-join          %8.4f s (one run, work_mem 256MB)\n' "$plain"

	scipy_out=$("$PY" "$root/bench/neighbors_scipy.py" "$udata" 50 "$work/ours.tsv")
	echo "$scipy_out" | sed 's/^/SciPy: /'
	scipy=$(echo "$scipy_out" | sed -n 's/^scipy_seconds \([0-9.]*\).*/\1/p')
	awk -v o="$ours" -v p="$plain" -v s="$scipy" 'BEGIN {
		printf "plain SQL / ecomai          %8.1f x\n", p / o;
		printf "SciPy / ecomai              %8.2f x  (> 1: ecomai faster)\n", s / o }'

elif [ "$mode" = big ]; then
	echo "== synthetic orders: 10M lines, 1M customers, 100k products (popularity ~ 1/rank)"
	bench_big_orders
	psql_q -At -c "SELECT 'rows ' || count(*) || ', customers ' || count(DISTINCT customer_id) || ', products ' || count(DISTINCT product_id) || ', buyers of the top product ' || (SELECT count(*) FROM big_orders WHERE product_id = 1) FROM big_orders"
	psql_q -At <<'SQL'
SELECT 'backend VmHWM before: ' || backend_vmhwm();
CREATE TEMP TABLE t AS SELECT clock_timestamp() AS t0;
SET client_min_messages = debug1;
CREATE TEMP TABLE nb AS SELECT * FROM ecomai.item_neighbors('big_orders', 'customer_id', 'product_id', 'quantity', k => 50);
RESET client_min_messages;
SELECT format('item_neighbors k => 50 cosine: %s s, %s rows', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 2),
              (SELECT count(*) FROM nb)) FROM t;
SELECT 'backend VmHWM after: ' || backend_vmhwm() || ' (peak resident set, includes touched shared_buffers = '
       || current_setting('shared_buffers') || ')';
SQL
else
	echo "usage: bench/neighbors.sh [big]" >&2
	exit 2
fi
