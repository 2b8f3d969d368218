#!/usr/bin/env bash
# The whole test suite with ecomai built under AddressSanitizer and UndefinedBehaviorSanitizer,
# the server started with the ASan runtime preloaded. Any sanitizer report fails the run.
#   tools/sanitize.sh [NAME ...]
export ECOMAI_SANITIZE=1
exec "$(dirname "$0")/test.sh" "$@"
