#!/usr/bin/env bash
# Run every fuzz target in test/fuzz/targets.conf against the server that PGHOST/PGUSER name
# (tools/fuzz.sh starts one): tools/fuzz-run.sh [cases per target] [seed]
# Prints one line per target and "fuzz: N passed, N failed"; exits 1 on a crash or an
# unexpected SQLSTATE (anything outside class 22).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cases=${1:-100000}
seed=${2:-20261128}
db=${ECOMAI_FUZZ_DB:-ecomai_fuzz}
pg_config=${PG_CONFIG:-pg_config}
bin=$(mktemp -d /tmp/ecomai-fuzz.XXXXXX)
trap 'rm -rf "$bin"' EXIT
cc -O2 -Wall -I"$("$pg_config" --includedir)" "$here/test/fuzz/ecomai_fuzz.c" \
	-L"$("$pg_config" --libdir)" -lpq -o "$bin/ecomai_fuzz"

psql -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
	psql -X -q -d postgres -c "CREATE DATABASE $db" -c '\c '"$db" -c 'CREATE EXTENSION ecomai'
export PGDATABASE=$db

passed=0
failed=0
while IFS='|' read -r name format sql seeds allow; do
	case "$name" in ''|'#'*) continue ;; esac
	if ! psql -X -q -tAc "EXPLAIN $(echo "$sql" | sed "s/\\\$1/NULL/g")" >/dev/null 2>&1; then
		echo "fuzz $name: skipped (its objects do not exist in this build)"
		continue
	fi
	if (cd "$bin" && ./ecomai_fuzz --name "$name" --format "$format" --sql "$sql" --seeds "$seeds" \
			--cases "$cases" --seed "$seed" --allow "${allow:-}"); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		cp "$bin"/fuzz-*.bin "$here/" 2>/dev/null || true
	fi
done < "$here/test/fuzz/targets.conf"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
