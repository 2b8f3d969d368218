#!/usr/bin/env bash
# The ecomai demo: builds and installs ecomai privately, starts a throwaway cluster, creates the
# demo shop (demo/shop.sql) and runs every showcase in demo/NN_*.sql in order, then stops.
#   tools/demo.sh            the default shop (~10k customers, 2k products, 100k order lines)
#   tools/demo.sh 5          a shop five times larger
# Files the showcases write (pictures of the funnel and of the network, drawn with Graphviz,
# which the demo installs when missing) land in demo-output/.
source "$(dirname "$0")/common.sh"
scale=${1:-${ECOMAI_SCALE:-1}}
# Graphviz renders the showcases' pictures (demo-output/*.svg, *.png)
ECOMAI_EXTRA_PACKAGES="${ECOMAI_EXTRA_PACKAGES:-} graphviz"
ecomai_setup

out=$ECOMAI_ROOT/demo-output
mkdir -p "$out"
psql_demo() { psql -X -q -v ON_ERROR_STOP=1 -v scale="$scale" -v outdir="$out" -d postgres -P pager=off "$@"; }

log "creating the demo shop (scale $scale)"
psql_demo -c 'CREATE EXTENSION ecomai' -f "$ECOMAI_SRC/demo/shop.sql"
for f in "$ECOMAI_SRC"/demo/[0-9][0-9]_*.sql; do
	[ -f "$f" ] || continue
	log "showcase: $(basename "$f")"
	psql_demo -f "$f"
done
log "demo finished; the cluster is stopped and removed on exit"
