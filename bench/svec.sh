#!/usr/bin/env bash
# Sparse cosine benchmark on a throwaway cluster:
#   bench/svec.sh [baskets]      (default 100000 baskets of ~20 items)
# Prints the time of cosine_similarity(svec, svec) over every basket against one fixed basket,
# the plain-SQL way (unnest both, join on key, sum) on the same data, and their ratio.
# Serial plans, JIT off, median of 5 runs (bench.median_ms from bench/timing.sql).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
baskets=${1:-100000}
exec "$here/../tools/with-cluster.sh" bash -c "
	psql -X -q -d postgres -c 'CREATE DATABASE ecomai_bench' &&
	psql -X -q -d ecomai_bench -f '$here/timing.sql' -c 'CREATE EXTENSION ecomai' &&
	psql -X -q -d ecomai_bench -v baskets=$baskets -f '$here/svec.sql'"
