#!/usr/bin/env bash
# Run one command against a throwaway cluster with ecomai built and installed privately:
#   tools/with-cluster.sh psql -d postgres -c 'CREATE EXTENSION ecomai'
# PGHOST/PGUSER are set for the command; ECOMAI_SRC is the built copy of the tree.
source "$(dirname "$0")/common.sh"
ecomai_setup
"$@"
