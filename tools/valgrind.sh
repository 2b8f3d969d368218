#!/usr/bin/env bash
# The test suite (or the named tests) with the server running under valgrind's memcheck; any
# memcheck error in a server process fails the run.  Slow: tens of times the normal run.
#   tools/valgrind.sh [NAME ...]
export ECOMAI_VALGRIND=1
export ECOMAI_FUZZ_CASES=${ECOMAI_FUZZ_CASES:-300}
exec "$(dirname "$0")/test.sh" "$@"
