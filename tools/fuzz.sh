#!/usr/bin/env bash
# The long fuzz run: every target of test/fuzz/targets.conf with 100,000 cases (or $1) on a
# throwaway cluster; then the server log is checked for crashed backends.
#   tools/fuzz.sh [cases per target] [seed]
source "$(dirname "$0")/common.sh"
ecomai_setup
rc=0
"$ECOMAI_ROOT/tools/fuzz-run.sh" "${1:-100000}" "${2:-20261128}" || rc=1
if grep -q 'terminated by signal' "$ECOMAI_TMP/server.log"; then
	grep -B2 -A3 'terminated by signal' "$ECOMAI_TMP/server.log" >&2
	rc=1
fi
exit $rc
