#!/usr/bin/env bash
# pg_dump and restore of a database holding every ecomai type, in a table, an index, a view and
# a materialized view built by ecomai functions: custom format through pg_restore and plain
# format through psql.  Every table's text and binary (COPY BINARY) forms must be identical
# after the restore.  Runs against the server PGHOST/PGUSER name (tools/test.sh calls it).
# Prints "dump/restore: N passed, N failed".
set -euo pipefail
bindir=$("${PG_CONFIG:-pg_config}" --bindir)
data_dir=${1:-}
work=$(mktemp -d /tmp/ecomai-dump.XXXXXX)
trap 'rm -rf "$work"' EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

for db in ecomai_dump ecomai_restore_c ecomai_restore_p; do
	q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" >/dev/null
done
q -d postgres -c 'CREATE DATABASE ecomai_dump'
q -d ecomai_dump <<'SQL'
CREATE EXTENSION ecomai;
CREATE SCHEMA shopdata;
CREATE TABLE shopdata.lines (customer_id bigint, product_id bigint, quantity int);
INSERT INTO shopdata.lines
SELECT c, 1 + (c * p) % 40, 1 + (c + p) % 3 FROM generate_series(1, 300) c, generate_series(1, 6) p;
CREATE TABLE shopdata.baskets (id int PRIMARY KEY, basket ecomai.svec);
INSERT INTO shopdata.baskets
SELECT customer_id, ecomai.svec_agg(product_id, quantity) FROM shopdata.lines GROUP BY customer_id;
INSERT INTO shopdata.baskets VALUES
    (1001, '{}'), (1002, '{-9223372036854775808:5e-324,9223372036854775807:-1.7976931348623157e+308}'),
    (1003, ecomai.svec(ARRAY[3, 1, 3], ARRAY[0.1, 0.2, 0.30000000000000004]));
CREATE INDEX ON shopdata.baskets (basket);
CREATE VIEW shopdata.close_to_1 AS
SELECT id, basket OPERATOR(ecomai.<=>) (SELECT basket FROM shopdata.baskets WHERE id = 1) AS distance
FROM shopdata.baskets;
CREATE MATERIALIZED VIEW shopdata.item_sim AS
SELECT * FROM ecomai.item_neighbors('shopdata.lines', 'customer_id', 'product_id', 'quantity', k => 5);
CREATE TABLE shopdata.chains (id int PRIMARY KEY, chain ecomai.markov_chain);
INSERT INTO shopdata.chains
SELECT 1, ecomai.markov_fit(a, b) FROM (VALUES ('home', 'cart'), ('cart', 'buy'), ('home', 'home'), ('cart', 'home')) t(a, b);
INSERT INTO shopdata.chains
SELECT 2, ecomai.markov_from_matrix(ARRAY['sunny', 'cloudy', 'rain'],
                                    ARRAY[[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.2, 0.45, 0.35]]);
CREATE TABLE shopdata.networks (id int PRIMARY KEY, bn ecomai.bayesnet);
INSERT INTO shopdata.networks
SELECT 1, ecomai.bn_fit('[device][cart|device][buy|cart:device]', d, c, b)
FROM (SELECT (ARRAY['mobile', 'desktop'])[1 + g % 2] d, (ARRAY['no', 'yes'])[1 + (g / 3) % 2] c,
             (ARRAY['no', 'yes'])[1 + (g / 7) % 2] b FROM generate_series(1, 100) g) s;
CREATE TABLE shopdata.fit_states (id int PRIMARY KEY, st ecomai.bn_fit_state);
INSERT INTO shopdata.fit_states VALUES (1,
    'bn_fit_state "[a{x,y}][b|a:c][c] pseudo_count=0.5" variable a { x, y } (0 3) (1 1); variable b { q, "r s" } (0 0 1 3) (1 1 0 2); variable c { u, v } (0 2) (1 1);');
CREATE TABLE shopdata.embeddings (id int PRIMARY KEY, e float8[], taste float8[]);
INSERT INTO shopdata.embeddings SELECT 1, ARRAY[0.1, 1e-300, 3.141592653589793], ecomai.vector_avg(ARRAY[g, g / 3.0]::float8[])
FROM generate_series(1, 10) g;
SQL
if [ -n "$data_dir" ] && [ -r "$data_dir/bnlearn_bif/alarm.bif" ]; then
	q -d ecomai_dump -c "INSERT INTO shopdata.networks SELECT 2, ecomai.bn_from_bif(pg_read_file('$data_dir/bnlearn_bif/alarm.bif'))"
fi

"$bindir/pg_dump" -Fc -d ecomai_dump -f "$work/dump.custom"
"$bindir/pg_dump" -Fp -d ecomai_dump -f "$work/dump.sql"
q -d postgres -c 'CREATE DATABASE ecomai_restore_c' -c 'CREATE DATABASE ecomai_restore_p'
"$bindir/pg_restore" --exit-on-error -d ecomai_restore_c "$work/dump.custom"
q -d ecomai_restore_p -f "$work/dump.sql" >/dev/null

tables="baskets chains networks fit_states embeddings item_sim close_to_1"
# text form (md5 of every row's text, in order) and binary form (COPY BINARY, through each type's
# send function) of every table and view
fingerprint() {
	for t in $tables; do
		printf '%s text=%s binary=%s\n' "$t" \
			"$(q -d "$1" -tA -c "SELECT md5(string_agg(t::text, E'\n' ORDER BY t::text)) || ' rows=' || count(*) FROM shopdata.$t t")" \
			"$(q -d "$1" -c "COPY (SELECT * FROM shopdata.$t t ORDER BY t::text) TO STDOUT (FORMAT binary)" | md5sum | cut -c1-32)"
	done
}
fingerprint ecomai_dump > "$work/before"
passed=0
failed=0
for db in ecomai_restore_c ecomai_restore_p; do
	fingerprint "$db" > "$work/after"
	if diff -u "$work/before" "$work/after"; then
		echo "dump/restore ($db): $(wc -l < "$work/before") tables and views identical in text and binary form"
		passed=$((passed + 1))
	else
		echo "dump/restore ($db): DIFFERENT"
		failed=$((failed + 1))
	fi
done
for db in ecomai_dump ecomai_restore_c ecomai_restore_p; do q -d postgres -c "DROP DATABASE $db"; done
echo "dump/restore: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
