# Shared by tools/*.sh: install what is missing, build ecomai into a private copy of the
# PostgreSQL installation, and run a throwaway cluster on a Unix socket.
#
# The private installation ($ECOMAI_TMP/inst) holds copies of postgres/initdb/pg_ctl and links
# to the system's share and lib files, plus ecomai itself: PostgreSQL finds its share and lib
# directories relative to its binary, so tests never touch (or depend on) what is installed
# system-wide, and several checkouts can run their tests side by side.

set -euo pipefail

ECOMAI_PG_MAJOR=${ECOMAI_PG_MAJOR:-15}
ECOMAI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '== %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages that are missing (and only those): the one step that needs root
# (or sudo) and the network; tools/install-deps.sh runs it alone.
ecomai_install_deps() {
	local pkgs=(postgresql-$ECOMAI_PG_MAJOR postgresql-server-dev-$ECOMAI_PG_MAJOR libopenblas-dev
		postgresql-$ECOMAI_PG_MAJOR-pgtap libtap-parser-sourcehandler-pgtap-perl pkg-config
		build-essential rsync postgresql-$ECOMAI_PG_MAJOR-cron ${ECOMAI_EXTRA_PACKAGES:-})
	local missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		log "Debian packages: installing ${missing[*]}"
		# Debian starts a "main" cluster when it installs a server; we want nothing left running.
		local guard=""
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			guard=/usr/sbin/policy-rc.d
			printf '#!/bin/sh\nexit 101\n' | as_root tee "$guard" >/dev/null
			as_root chmod 755 "$guard"
		fi
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
		if [ -n "$guard" ]; then as_root rm -f "$guard"; fi
	else
		log "Debian packages: all ${#pkgs[@]} installed"
	fi
	PG_CONFIG=/usr/lib/postgresql/$ECOMAI_PG_MAJOR/bin/pg_config
	export PG_CONFIG
}

# The user that runs the server: PostgreSQL refuses to run as root.
ecomai_server_user() {
	if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

run_as_server_user() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Copy the source tree to a directory the server user owns, build it there, and assemble the
# private installation.
ecomai_build_private() {
	ECOMAI_TMP=$(mktemp -d /tmp/ecomai.XXXXXX)
	export ECOMAI_TMP
	ECOMAI_SRC=$ECOMAI_TMP/src
	export ECOMAI_SRC
	rsync -a --exclude .git --exclude results --exclude '*.o' --exclude '*.so' --exclude '*.bc' \
		--exclude regression.diffs --exclude regression.out \
		--exclude "ecomai--$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$ECOMAI_ROOT/ecomai.control").sql" \
		--exclude "ecomai--*--$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$ECOMAI_ROOT/ecomai.control").sql" \
		"$ECOMAI_ROOT"/ "$ECOMAI_SRC"/
	if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$ECOMAI_TMP"; fi
	chmod 755 "$ECOMAI_TMP"

	log "building ecomai"
	run_as_server_user make -s -C "$ECOMAI_SRC" PG_CONFIG="$PG_CONFIG" WERROR=1 ${ECOMAI_SANITIZE:+SANITIZE=1} -j2 >&2
	local inst=$ECOMAI_TMP/inst
	run_as_server_user make -s -C "$ECOMAI_SRC" PG_CONFIG="$PG_CONFIG" install DESTDIR="$inst" >/dev/null

	local bindir sharedir pkglibdir
	bindir=$("$PG_CONFIG" --bindir)
	sharedir=$("$PG_CONFIG" --sharedir)
	pkglibdir=$("$PG_CONFIG" --pkglibdir)
	run_as_server_user bash -c "
		set -e
		mkdir -p '$inst$bindir' '$inst$sharedir/extension' '$inst$pkglibdir/bitcode'
		cp '$bindir/postgres' '$bindir/initdb' '$bindir/pg_ctl' '$inst$bindir/'
		for f in '$sharedir'/*; do [ -e '$inst$sharedir'/\$(basename \"\$f\") ] || ln -s \"\$f\" '$inst$sharedir/'; done
		for f in '$sharedir'/extension/*; do [ -e '$inst$sharedir/extension'/\$(basename \"\$f\") ] || ln -s \"\$f\" '$inst$sharedir/extension/'; done
		for f in '$pkglibdir'/*; do [ -e '$inst$pkglibdir'/\$(basename \"\$f\") ] || ln -s \"\$f\" '$inst$pkglibdir/'; done
		if [ -d '$pkglibdir/bitcode' ]; then
			for f in '$pkglibdir'/bitcode/*; do [ -e '$inst$pkglibdir/bitcode'/\$(basename \"\$f\") ] || ln -s \"\$f\" '$inst$pkglibdir/bitcode/'; done
		fi"
	ECOMAI_BINDIR=$inst$bindir
	export ECOMAI_BINDIR
}

# Start a throwaway cluster on a Unix socket in $ECOMAI_TMP; stopped by ecomai_cleanup.
ecomai_cluster_start() {
	log "starting a throwaway cluster in $ECOMAI_TMP"
	run_as_server_user "$ECOMAI_BINDIR/initdb" -D "$ECOMAI_TMP/data" -A trust --no-sync -E UTF8 \
		--locale=C -U postgres >/dev/null
	local senv=(OPENBLAS_NUM_THREADS=1)
	if [ -n "${ECOMAI_SANITIZE:-}" ]; then
		# the server itself is not instrumented: preload the sanitizer runtimes ecomai.so needs,
		# and the shim that keeps glibc from deadlocking under them (see the shim's comment)
		gcc -shared -fPIC -O2 "$ECOMAI_ROOT/test/sanitize/nls_shim.c" -o "$ECOMAI_TMP/nls_shim.so"
		chmod 755 "$ECOMAI_TMP/nls_shim.so"
		senv+=("LD_PRELOAD=$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so) $ECOMAI_TMP/nls_shim.so"
			"ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:log_path=$ECOMAI_TMP/asan"
			"UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$ECOMAI_TMP/ubsan")
	fi
	if [ -n "${ECOMAI_VALGRIND:-}" ]; then
		# every backend is forked from the postmaster, so all of them run under memcheck
		run_as_server_user env "${senv[@]}" bash -c "nohup valgrind --tool=memcheck --error-limit=no \
			--num-callers=30 --log-file='$ECOMAI_TMP/valgrind.%p.log' \
			--suppressions='$ECOMAI_ROOT/test/sanitize/valgrind.supp' \
			'$ECOMAI_BINDIR/postgres' -D '$ECOMAI_TMP/data' -c listen_addresses='' -k '$ECOMAI_TMP' \
			-c fsync=off -c synchronous_commit=off -c full_page_writes=off ${ECOMAI_SERVER_OPTS:-} \
			>'$ECOMAI_TMP/server.log' 2>&1 &"
	else
		run_as_server_user env "${senv[@]}" "$ECOMAI_BINDIR/pg_ctl" -D "$ECOMAI_TMP/data" \
			-l "$ECOMAI_TMP/server.log" -w -t 60 \
			-o "-c listen_addresses='' -k $ECOMAI_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${ECOMAI_SERVER_OPTS:-}" \
			start >/dev/null
	fi
	export PGHOST=$ECOMAI_TMP PGUSER=postgres PGPORT=5432
	unset PGDATABASE PGPASSWORD PGSERVICE
	# pg_ctl -w waited for its server; the one started under valgrind is much slower to come up
	[ -z "${ECOMAI_VALGRIND:-}" ] || ecomai_wait_ready 240
}

# Wait up to N half-seconds (default 120) until the cluster accepts connections: after a start
# under valgrind, or while it recovers from a crashed backend.  (psql rather than pg_ctl status,
# which refuses to run as root.)  Returns 0 either way: the next command reports a dead server.
ecomai_wait_ready() {
	for _ in $(seq 1 "${1:-120}"); do
		psql -X -q -d postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 0
}

ecomai_cleanup() {
	local rc=$?
	if [ -n "${ECOMAI_TMP:-}" ] && [ -d "$ECOMAI_TMP" ]; then
		if [ -f "$ECOMAI_TMP/data/postmaster.pid" ]; then
			run_as_server_user "$ECOMAI_BINDIR/pg_ctl" -D "$ECOMAI_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
		fi
		if [ "${ECOMAI_KEEP_TMP:-}" = 1 ]; then log "kept $ECOMAI_TMP"; else rm -rf "$ECOMAI_TMP"; fi
	fi
	return $rc
}

# Everything a tool needs before its job: packages, build, cluster, and the stop on exit.
ecomai_setup() {
	ecomai_install_deps
	trap ecomai_cleanup EXIT
	trap 'exit 130' INT TERM
	ecomai_build_private
	ecomai_cluster_start
}
