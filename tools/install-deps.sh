#!/usr/bin/env bash
# The Debian packages that building and testing ecomai need (PostgreSQL 15 server and headers,
# OpenBLAS, pgTAP and pg_prove, pg_cron, a compiler): installs the missing ones, through sudo
# when not root, and nothing else.  tools/test.sh runs this step first by itself.
source "$(dirname "$0")/common.sh"
ecomai_install_deps
