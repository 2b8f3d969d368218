#!/usr/bin/env bash
# Runs every ```sql block of README.md and docs/*.md against the demo shop: creates database
# ecomai_docs with ecomai and demo/shop.sql (scale 1), then runs each block with its own psql
# call (ON_ERROR_STOP), files in name order and blocks in file order, so later blocks may use
# tables earlier blocks of the same file made.  A block whose first line is
# `-- not run: <reason>` is skipped.  Runs against the server PGHOST/PGUSER name (like
# test/dump_restore.sh); the optional $1 is the shared data directory, given to blocks as the
# psql variable :data_dir.  Prints one line per failing block and
# "docs examples: N passed, N failed".  With ECOMAI_DOCS_OUT=DIR each block's output is kept
# as DIR/<file>.<block>.out for reading.
#   tools/with-cluster.sh test/docs_examples.sh [data_dir]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data_dir=${1:-}
db=ecomai_docs
work=$(mktemp -d /tmp/ecomai-docs.XXXXXX)
trap 'rm -rf "$work"' EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

set -e
q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" >/dev/null
q -d postgres -c "CREATE DATABASE $db"
q -d "$db" -c 'CREATE EXTENSION ecomai' >/dev/null
q -d "$db" -v scale=1 -f "$root/demo/shop.sql" >/dev/null
set +e

passed=0
failed=0
skipped=0
for md in "$root/README.md" "$root"/docs/*.md; do
	name=${md#"$root"/}
	rm -f "$work"/block.*
	# one file per ```sql block: block.1, block.2, ...
	awk -v dir="$work" '
		/^```sql[[:space:]]*$/ { n++; inside = 1; out = dir "/block." n; printf "" > out; next }
		inside && /^```[[:space:]]*$/ { inside = 0; close(out); next }
		inside { print > out }
	' "$md"
	n=$(find "$work" -maxdepth 1 -name 'block.*' | wc -l)
	for ((i = 1; i <= n; i++)); do
		block=$work/block.$i
		if head -n 1 "$block" | grep -q '^[[:space:]]*-- not run:'; then
			skipped=$((skipped + 1))
			continue
		fi
		out=/dev/null
		[ -n "${ECOMAI_DOCS_OUT:-}" ] && mkdir -p "$ECOMAI_DOCS_OUT" && out=$ECOMAI_DOCS_OUT/$(basename "$md").$i.out
		if err=$(q -d "$db" -v data_dir="$data_dir" -P pager=off -e -f "$block" 2>&1 >"$out") && ! grep -q 'ERROR:' <<<"$err"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "FAIL $name block $i: $(grep -m1 -E 'ERROR|FATAL|error' <<<"$err" || echo "$err" | head -n 1)"
		fi
	done
done
q -d postgres -c "DROP DATABASE $db"
echo "docs examples: $passed passed, $failed failed ($skipped not run)"
[ "$failed" -eq 0 ]
