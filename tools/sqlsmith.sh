#!/usr/bin/env bash
# SQL fuzzing with sqlsmith (Debian package) against the demo shop with ecomai:
#   tools/sqlsmith.sh [max queries, 20000] [seed, 20261128] [focus|catalog]
#   (environment: ECOMAI_SQLSMITH_SWEEP=calls per function of the argument sweep, 200, 0 = none;
#    ECOMAI_SQLSMITH_SAVE=directory to keep the server log, queries and outputs in)
# A throwaway cluster gets the demo shop (demo/shop.sql at scale 1, shrunk to a few thousand
# rows by test/sqlsmith/shrink.sql so that queries finish inside sqlsmith's 1 s timeout), ecomai,
# tables of ecomai values (test/sqlsmith/models.sql) and an ordinary role (test/sqlsmith/role.sql).
# "focus" (the default) steers sqlsmith's choice of functions to ecomai's and their argument
# producers, renames the polymorphic pseudo-types it would write casts to (test/sqlsmith/focus.sql)
# and leaves the catalog tables out; "catalog" is sqlsmith as it comes, over every function,
# type and table.  A watch lists statements still running 5 s into sqlsmith's 1 s timeout (a hang:
# a loop without CHECK_FOR_INTERRUPTS).  Afterwards the server log is checked for crashed backends
# ("terminated by signal"), and errors are counted by SQLSTATE for the queries that call ecomai
# (test/sqlsmith/summarize.py).  Then an argument sweep calls every ecomai function with values
# from pools (test/sqlsmith/sweep.sql), checked the same way.  Fails on a crash, a hang or an
# internal error (XX000) raised by ecomai.
ECOMAI_EXTRA_PACKAGES="${ECOMAI_EXTRA_PACKAGES:-} sqlsmith python3"
source "$(dirname "$0")/common.sh"
max=${1:-20000}
seed=${2:-20261128}
mode=${3:-focus}
sweep=${ECOMAI_SQLSMITH_SWEEP:-200}
case $mode in focus|catalog) ;; *) echo "mode must be focus or catalog" >&2; exit 2 ;; esac
ecomai_setup
dir=$ECOMAI_ROOT/test/sqlsmith
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -d postgres -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] %e '" \
	-c "SELECT pg_reload_conf()" >/dev/null
psql -d postgres -c 'CREATE DATABASE smith'
log "loading the demo shop (scale 1) and shrinking it"
psql -d smith -v scale=1 -f "$ECOMAI_ROOT/demo/shop.sql" >/dev/null
psql -d smith -f "$dir/shrink.sql"
psql -d smith -c 'CREATE EXTENSION ecomai'
psql -d smith -f "$dir/models.sql"
psql -d smith -f "$dir/role.sql"
opts=(--max-queries="$max" --seed="$seed" --dump-all-queries --verbose)
if [ "$mode" = focus ]; then
	psql -d smith -f "$dir/focus.sql"
	path=sqlsmith_focus,pg_catalog,ecomai,public
	opts+=(--exclude-catalog)
else
	path=ecomai,public
fi
out=$ECOMAI_TMP/sqlsmith
mkdir -p "$out"
# Hang watch: every second, the role's statements active for more than 5 s (sqlsmith's and the
# sweep's timeout is 1 s); one still running after 60 s is terminated so that the run goes on.
(
	while sleep 1 && [ -d "$out" ]; do   # ends with the cluster directory, whatever happens
		command psql -X -q -At -d postgres -c "
			SELECT pid, query_start, round(extract(epoch FROM now() - query_start)),
			       replace(query, E'\\n', ' '),
			       CASE WHEN now() - query_start > interval '60 s' THEN pg_terminate_backend(pid) END
			FROM pg_stat_activity
			WHERE usename = 'smith' AND state = 'active' AND now() - query_start > interval '5 s'" \
			>>"$out/hangs.txt" 2>/dev/null || true
	done
) &
watcher=$!
log "sqlsmith: $max queries, seed $seed, mode $mode"
start=$(date +%s.%N)
rc=0
sqlsmith --target="host=$PGHOST dbname=smith user=smith options='-c search_path=$path'" "${opts[@]}" \
	>"$out/queries.sql" 2>"$out/sqlsmith.log" || rc=$?
end=$(date +%s.%N)
tail -n 3 "$out/sqlsmith.log" >&2
[ $rc -eq 0 ] || log "sqlsmith exited with $rc"
python3 "$dir/summarize.py" "$ECOMAI_TMP/server.log" "$out/queries.sql" "$max" "$start" "$end" \
	"seed $seed, mode $mode" "$ECOMAI_ROOT/src" || rc=1

# The argument sweep (test/sqlsmith/sweep.sql): $ECOMAI_SQLSMITH_SWEEP calls of every function
# with arguments from pools of real and edge-case values, as the same role under the same 1 s
# timeout; a crash ends psql, and shows in the log as for sqlsmith.
if [ "$sweep" -gt 0 ]; then
	offset=$(stat -c %s "$ECOMAI_TMP/server.log")
	psql -d smith -At -v n="$sweep" -v seed="$seed" -f "$dir/sweep.sql" >"$out/sweep.sql"
	log "argument sweep: $(wc -l <"$out/sweep.sql") calls"
	start=$(date +%s.%N)
	PGOPTIONS='-c statement_timeout=1s' command psql -X -q -U smith -d smith -f "$out/sweep.sql" \
		>"$out/sweep.out" 2>&1 || log "psql exited with $? during the sweep"
	end=$(date +%s.%N)
	python3 "$dir/summarize.py" "$ECOMAI_TMP/server.log" "$out/sweep.sql" "$sweep per function" "$start" \
		"$end" "seed $seed" "$ECOMAI_ROOT/src" "$offset" || rc=1
fi
kill "$watcher" 2>/dev/null || true
if [ -s "$out/hangs.txt" ]; then
	# One statement per (pid, start).  A machine shared with other jobs can stall every backend
	# for seconds (seen here: 13 s without a log line in two unrelated clusters), so each one is
	# run again alone under the 1 s timeout: a hang only if it again takes more than 5 s.
	sort -t'|' -u -k1,2 "$out/hangs.txt" | sed 's/^[^|]*|[^|]*|[^|]*|//; s/|[^|]*$//' | while IFS= read -r q; do
		t0=$(date +%s.%N)
		PGOPTIONS='-c statement_timeout=1s' command psql -X -q -U smith -d smith -c "$q" >/dev/null 2>&1 || true
		secs=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }")
		if awk "BEGIN { exit !($secs > 5) }"; then
			echo "HANG (again ${secs} s on a re-run): ${q:0:300}"
		else
			echo "slow once, not a hang (${secs} s on a re-run): ${q:0:300}"
		fi
	done >"$out/hangs-rerun.txt"
	cat "$out/hangs-rerun.txt" >&2
	if grep -q '^HANG' "$out/hangs-rerun.txt"; then rc=1; fi
fi
if [ -n "${ECOMAI_SQLSMITH_SAVE:-}" ]; then
	mkdir -p "$ECOMAI_SQLSMITH_SAVE"
	cp "$ECOMAI_TMP/server.log" "$out"/* "$ECOMAI_SQLSMITH_SAVE/"
fi
exit $rc
