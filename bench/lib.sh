# The shared start of the bench scripts that run on a throwaway cluster:
#   source "$(dirname "$0")/lib.sh"
#   bench_in_cluster "python3-scipy" "$@"   # once: re-runs the script inside tools/with-cluster.sh,
#                                           # which installs these Debian packages when missing
#   bench_workdir 755                       # optional: $work, a folder removed on exit
# It sets $root (the tree), $data (the shared data folder), $PY and psql_q.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${ECOMAI_SHARED_DATA:-$(cd "$root/.." && pwd)/shared/data}
PY=/usr/bin/python3
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -d postgres -P pager=off "$@"; }

bench_in_cluster() {
	local packages=$1
	shift
	if [ -z "${ECOMAI_BENCH_INSIDE:-}" ]; then
		export ECOMAI_EXTRA_PACKAGES="${ECOMAI_EXTRA_PACKAGES:-} $packages"
		ECOMAI_BENCH_INSIDE=1 exec "$root/tools/with-cluster.sh" "$root/bench/$(basename "$0")" "$@"
	fi
}

# A temporary folder with this mode (the server's user reads it when the mode allows).
bench_workdir() {
	work=$(mktemp -d /tmp/ecomai-bench.XXXXXX)
	chmod "$1" "$work"
	trap 'rm -rf "$work"' EXIT
}

# The synthetic orders of the scripts' big modes, table big_orders: 10M lines, 1M customers,
# 100k products with popularity ~ 1/rank, a fifth of the lines of quantity 2.  Seeded, so every
# script times the same table.
bench_big_orders() {
	local t0
	t0=$(date +%s.%N)
	psql_q <<'SQL'
SELECT setseed(0.5) \gset
CREATE UNLOGGED TABLE big_orders (customer_id bigint, product_id bigint, quantity int);
INSERT INTO big_orders
SELECT 1 + floor(random() * 1000000)::bigint,
       least(100000, floor(exp(random() * ln(100001)))::bigint),
       1 + (random() < 0.2)::int
FROM generate_series(1, 10000000);
VACUUM ANALYZE big_orders;
SQL
	awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "generated and analysed in %.1f s\n", t1 - t0 }'
}
