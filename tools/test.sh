#!/usr/bin/env bash
# Every test of ecomai, on a fresh Debian 12 machine or a developer's:
#   tools/test.sh              pg_regress (sql/, expected/) and pgTAP (test/*.sql via pg_prove)
#   tools/test.sh NAME ...     only sql/NAME.sql and test/NAME*.sql
# Steps: the Debian packages that are missing (tools/install-deps.sh), a build with warnings as
# errors, a throwaway cluster run as an unprivileged user and stopped on exit; then the test
# contract of the Makefile against it, `make installcheck` (pg_regress) and `make
# prove_installcheck` (pgTAP through pg_prove), and for a whole-suite run the suite's own
# scripts.  Each runner's summary is printed as it gives it; the exit status is 0 only when
# every runner exited 0, and the last line counts "N passed, N failed".
source "$(dirname "$0")/common.sh"
# pg_cron runs the scheduled-refresh test (test/cron_refresh.sh) of a whole-suite run; its jobs
# run in background workers because the test cluster listens on no TCP port.  Until that test
# creates its database the launcher restarts every few seconds: loaded only when it is needed.
if [ $# -eq 0 ]; then
	ECOMAI_SERVER_OPTS="${ECOMAI_SERVER_OPTS:-} -c shared_preload_libraries=pg_cron -c cron.database_name=ecomai_cron -c cron.use_background_workers=on"
fi
ecomai_setup

data_dir=${ECOMAI_SHARED_DATA:-$(cd "$ECOMAI_ROOT/.." && pwd)/shared/data}
if run_as_server_user test -r "$data_dir/SOURCES.md"; then
	log "shared test data: $data_dir"
else
	log "shared test data not found at $data_dir: tests that need it will skip"
	data_dir=""
fi

regress=()
taps=()
if [ $# -gt 0 ]; then
	for name in "$@"; do
		[ -f "$ECOMAI_SRC/sql/$name.sql" ] && regress+=("$name")
		for f in "$ECOMAI_SRC"/test/"$name"*.sql; do [ -f "$f" ] && taps+=("test/$(basename "$f")"); done
	done
else
	for f in "$ECOMAI_SRC"/sql/*.sql; do [ -f "$f" ] && regress+=("$(basename "$f" .sql)"); done
	for f in "$ECOMAI_SRC"/test/*.sql; do [ -f "$f" ] && taps+=("test/$(basename "$f")"); done
fi

rc=0
passed=0
failed=0

if [ ${#regress[@]} -gt 0 ]; then
	log "pg_regress (make installcheck): ${regress[*]}"
	set +e
	run_as_server_user env PGHOST="$PGHOST" PGUSER=postgres ECOMAI_TEST_DATA="$data_dir" \
		make -s -C "$ECOMAI_SRC" PG_CONFIG="$PG_CONFIG" installcheck REGRESS="${regress[*]}" \
		2>&1 | tee "$ECOMAI_TMP/regress.out"
	regress_rc=${PIPESTATUS[0]}
	set -e
	if grep -qE 'All [0-9]+ tests passed' "$ECOMAI_TMP/regress.out"; then
		passed=$((passed + ${#regress[@]}))
	else
		nfail=$(grep -oE '[0-9]+ of [0-9]+ tests failed' "$ECOMAI_TMP/regress.out" | awk '{print $1}' || true)
		nfail=${nfail:-${#regress[@]}}
		failed=$((failed + nfail))
		passed=$((passed + ${#regress[@]} - nfail))
		[ -f "$ECOMAI_SRC/regression.diffs" ] && cat "$ECOMAI_SRC/regression.diffs"
	fi
	[ "$regress_rc" -eq 0 ] || rc=1
fi

if [ ${#taps[@]} -gt 0 ]; then
	log "pgTAP (make prove_installcheck): ${taps[*]}"
	# after a crashed backend the server recovers first: wait for it rather than give up
	ecomai_wait_ready
	set +e
	make -s -C "$ECOMAI_SRC" PG_CONFIG="$PG_CONFIG" prove_installcheck PROVE_TESTS="${taps[*]}" \
		ECOMAI_TEST_DATA="$data_dir" 2>&1 | tee "$ECOMAI_TMP/prove.out"
	prove_rc=${PIPESTATUS[0]}
	set -e
	# the counts of pg_prove's own summary ("Files=.., Tests=N", "Failed: N)")
	total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$ECOMAI_TMP/prove.out" | tail -1)
	total=${total:-0}
	tfail=$(grep -oE 'Failed: [0-9]+\)' "$ECOMAI_TMP/prove.out" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}' || true)
	tfail=${tfail:-0}
	# files that failed without a failed assertion (a bad plan, an SQL error) count once each
	badfiles=$(grep -cE 'Failed: 0\)' "$ECOMAI_TMP/prove.out" || true)
	passed=$((passed + total - tfail))
	failed=$((failed + tfail + badfiles))
	# the verdict is the exit status; the counts only describe it
	[ "$prove_rc" -eq 0 ] || { rc=1; [ $((tfail + badfiles)) -gt 0 ] || failed=$((failed + 1)); }
fi

ecomai_wait_ready
# run_counted NAME PREFIX CMD...: runs one of the suite's own scripts, showing its output, and adds
# its last line "PREFIX: N passed, N failed" to the totals (no such line counts as one failure)
run_counted() {
	local name=$1 prefix=$2 out=$ECOMAI_TMP/step-${2//[^a-z]/_}.out status p f
	shift 2
	log "$name"
	set +e
	"$@" 2>&1 | tee "$out"
	status=${PIPESTATUS[0]}
	set -e
	read -r p f < <(sed -n "s|^$prefix: \([0-9]*\) passed, \([0-9]*\) failed.*\$|\1 \2|p" "$out" | tail -n 1) || true
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-1}))
	[ "$status" -eq 0 ] || rc=1
}

if [ $# -eq 0 ]; then
	# pg_dump and restore of every type (custom and plain formats)
	run_counted "dump and restore" "dump/restore" "$ECOMAI_SRC/test/dump_restore.sh" "$data_dir"
	run_counted "scheduled refresh with pg_cron" "cron refresh" "$ECOMAI_SRC/test/cron_refresh.sh"
	# every ```sql example of README.md and docs/*.md, on the demo shop
	run_counted "examples of the README and docs" "docs examples" "$ECOMAI_SRC/test/docs_examples.sh" "$data_dir"
fi
if [ $# -eq 0 ] || [ "${ECOMAI_FUZZ_CASES:-}" != "" ]; then
	# the short fuzz run (tools/fuzz.sh is the long one)
	run_counted "fuzz: ${ECOMAI_FUZZ_CASES:-3000} cases per target" "fuzz" \
		"$ECOMAI_ROOT/tools/fuzz-run.sh" "${ECOMAI_FUZZ_CASES:-3000}"
fi

if grep -q 'terminated by signal' "$ECOMAI_TMP/server.log"; then
	log "the server log shows a crashed backend:"
	grep -B2 -A5 'terminated by signal' "$ECOMAI_TMP/server.log" >&2
	failed=$((failed + 1))
	rc=1
fi

if [ -n "${ECOMAI_SANITIZE:-}" ]; then
	if ls "$ECOMAI_TMP"/asan* "$ECOMAI_TMP"/ubsan* >/dev/null 2>&1 || grep -qE 'AddressSanitizer|runtime error:' "$ECOMAI_TMP/server.log"; then
		log "sanitizer reports:"
		cat "$ECOMAI_TMP"/asan* "$ECOMAI_TMP"/ubsan* 2>/dev/null >&2 || true
		grep -A20 -E 'AddressSanitizer|runtime error:' "$ECOMAI_TMP/server.log" >&2 || true
		failed=$((failed + 1))
	else
		log "sanitizers: no reports"
	fi
fi

if [ -n "${ECOMAI_VALGRIND:-}" ]; then
	# stop first: memcheck writes each process's summary when it exits
	run_as_server_user "$ECOMAI_BINDIR/pg_ctl" -D "$ECOMAI_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
	bad=$(grep -lE 'ERROR SUMMARY: [1-9]' "$ECOMAI_TMP"/valgrind.*.log 2>/dev/null || true)
	nlogs=$(ls "$ECOMAI_TMP"/valgrind.*.log 2>/dev/null | wc -l)
	if [ -n "$bad" ]; then
		log "valgrind reports errors in $(echo "$bad" | wc -l) of $nlogs processes:"
		for f in $bad; do { grep -vE '^==[0-9]+== *$' "$f" | head -60 >&2; } || true; done
		failed=$((failed + 1))
	else
		log "valgrind: no errors in $nlogs server processes"
	fi
fi

[ "$failed" -eq 0 ] || rc=1
echo "$passed passed, $failed failed"
exit $rc
