#!/usr/bin/env bash
# Dense cosine similarity: ecomai.cosine_similarity over 200,000 rows of 128-d float8[] against a
# fixed query vector, compared in one run with
#   (a) the plain-SQL way: sum(a*b)/(sqrt(sum(a*a))*sqrt(sum(b*b))) over unnest(x, y), and
#   (b) a scan that only detoasts the arrays: sum(array_length(v, 1)).
# Serial plans, JIT off, median of 5 runs each.  Usage: bench/dense.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-200000}
exec tools/with-cluster.sh bash -c "
psql -X -q -v ON_ERROR_STOP=1 -d postgres -f bench/timing.sql -c 'CREATE EXTENSION ecomai'
psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
SELECT setseed(0.5) \\g /dev/null
CREATE TABLE emb AS
SELECT i AS id, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 128) j WHERE i > 0) AS v
FROM generate_series(1, $rows) i;
CREATE TABLE q AS SELECT v FROM emb WHERE id = 1;
VACUUM ANALYZE emb;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
\\set qv '(SELECT v FROM q)'
SELECT bench.median_ms('SELECT sum(ecomai.cosine_similarity(v, (SELECT v FROM q))) FROM emb') AS ecomai_ms,
       bench.median_ms('SELECT sum((SELECT sum(a*b)/(sqrt(sum(a*a))*sqrt(sum(b*b))) FROM unnest(v, (SELECT v FROM q)) u(a, b))) FROM emb', 3) AS plain_sql_ms,
       bench.median_ms('SELECT sum(array_length(v, 1)) FROM emb') AS detoast_only_ms
\\gset
\\echo 'rows: $rows, 128-d float8[]; median of runs, milliseconds'
\\echo 'ecomai.cosine_similarity:' :ecomai_ms
\\echo 'plain SQL (unnest):      ' :plain_sql_ms
\\echo 'detoast-only scan:       ' :detoast_only_ms
SELECT round((:plain_sql_ms / :ecomai_ms)::numeric, 1) AS \"speed-up over plain SQL (target >= 30)\",
       round((:ecomai_ms / :detoast_only_ms)::numeric, 2) AS \"time vs detoast-only scan (target <= 1.5)\";
SQL
"
