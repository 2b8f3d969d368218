#!/usr/bin/env bash
# Bayesian-network benchmarks on a throwaway cluster, printed as figures and ratios:
#  1. median time per bn_query on alarm (37 variables) with 2 evidence variables;
#  2. bn_fit throughput (rows/s) on 1M rows sampled from asia, against the plain-SQL
#     GROUP BY (GROUPING SETS over the 8 families) that computes the same counts.
#   bench/bayesnet.sh [rows]            (default 1000000)
# Needs the shared data (bnlearn_bif/alarm.bif); ECOMAI_SHARED_DATA overrides its location.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${ECOMAI_SHARED_DATA:-$(cd "$root/.." && pwd)/shared/data}
rows=${1:-1000000}
[ -r "$data/bnlearn_bif/alarm.bif" ] || { echo "alarm.bif not found under $data" >&2; exit 1; }
exec "$root/tools/with-cluster.sh" bash -c "psql -X -q -v ON_ERROR_STOP=1 -d postgres -v data='$data' -v rows=$rows" <<'SQL'
CREATE EXTENSION ecomai;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE nets AS SELECT 'alarm' AS name, ecomai.bn_from_bif(pg_read_file(:'data' || '/bnlearn_bif/alarm.bif')) AS bn
UNION ALL SELECT 'asia', ecomai.bn_from_bif(pg_read_file(:'data' || '/bnlearn_bif/asia.bif'));

-- 1. bn_query latency: 2000 queries, evidence pairs drawn from alarm's observable variables.
CREATE TEMP TABLE ev AS
SELECT row_number() OVER () AS k, jsonb_build_object(a.v, a.s, b.v, b.s) AS e, t.v AS target
FROM (VALUES ('HRBP','HIGH'), ('BP','LOW'), ('SAO2','LOW'), ('EXPCO2','LOW'), ('HISTORY','TRUE'),
             ('CVP','HIGH'), ('PCWP','HIGH'), ('PRESS','HIGH')) a(v, s),
     (VALUES ('MINVOL','ZERO'), ('FIO2','LOW'), ('HREKG','HIGH'), ('HRSAT','LOW'), ('ARTCO2','HIGH')) b(v, s),
     (VALUES ('HYPOVOLEMIA'), ('LVFAILURE'), ('PULMEMBOLUS'), ('INTUBATION'), ('KINKEDTUBE')) t(v);
CREATE TEMP TABLE lat (ms float8);
DO $$
DECLARE
    net ecomai.bayesnet := (SELECT bn FROM nets WHERE name = 'alarm');
    r record;
    t0 timestamptz;
    x float8;
    i int;
BEGIN
    FOR i IN 1..10 LOOP
        FOR r IN SELECT * FROM ev LOOP
            t0 := clock_timestamp();
            SELECT max(probability) INTO x FROM ecomai.bn_query(net, r.target, r.e);
            INSERT INTO lat VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
        END LOOP;
    END LOOP;
END $$;
\echo '== bn_query on alarm (37 variables), 2 evidence variables, 2000 calls'
SELECT count(*) AS calls,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 4) AS median_ms,
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 4) AS p90_ms
FROM lat;

-- The same 200 distinct queries x 10 in one statement: no PL/pgSQL per call, so this is closer
-- to the C cost (detoast, evidence parsing, pruning, ordering, elimination, result rows).
CREATE TEMP TABLE lat1 (ms float8);
DO $$
DECLARE t0 timestamptz; n bigint;
BEGIN
    FOR i IN 1..5 LOOP
        t0 := clock_timestamp();
        SELECT count(*) INTO n FROM generate_series(1, 10), ev, LATERAL ecomai.bn_query((SELECT bn FROM nets WHERE name = 'alarm'), ev.target, ev.e);
        INSERT INTO lat1 VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000 / 2000);
    END LOOP;
END $$;
\echo '== the same 2000 queries in one statement (mean per query, median of 5 runs)'
SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 4) AS mean_ms_per_query FROM lat1;

-- Scoring rows: 100k rows whose evidence takes 40 distinct values (as device x channel would);
-- the per-call-site cache answers repeats without eliminating again.
CREATE TEMP TABLE score_rows AS SELECT g, (SELECT e FROM ev WHERE k = 1 + (g % 40) * 5) AS e FROM generate_series(1, 100000) g;
CREATE TEMP TABLE lat2 (ms float8);
DO $$
DECLARE t0 timestamptz; x float8;
BEGIN
    FOR i IN 1..3 LOOP
        t0 := clock_timestamp();
        SELECT sum(ecomai.bn_probability((SELECT bn FROM nets WHERE name = 'alarm'), '{"HYPOVOLEMIA": "TRUE"}', e)) INTO x FROM score_rows;
        INSERT INTO lat2 VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000 / 100000);
    END LOOP;
END $$;
\echo '== scoring 100k rows with bn_probability on alarm, 40 distinct evidence values (mean per row, best of 3)'
SELECT round(min(ms)::numeric, 5) AS ms_per_row FROM lat2;

-- 2. bn_fit throughput against GROUP BY.
CREATE TABLE samples AS
SELECT s->>'asia' AS asia, s->>'tub' AS tub, s->>'smoke' AS smoke, s->>'lung' AS lung,
       s->>'bronc' AS bronc, s->>'either' AS either, s->>'xray' AS xray, s->>'dysp' AS dysp
FROM ecomai.bn_sample((SELECT bn FROM nets WHERE name = 'asia'), :rows, 1) s;
VACUUM ANALYZE samples;
CREATE TEMP TABLE fit_times (what text, seconds float8);
DO $$
DECLARE t0 timestamptz; net ecomai.bayesnet; n bigint;
BEGIN
    FOR i IN 1..3 LOOP
        t0 := clock_timestamp();
        SELECT ecomai.bn_fit('[asia][tub|asia][smoke][lung|smoke][bronc|smoke][either|lung:tub][xray|either][dysp|bronc:either]',
                             asia, tub, smoke, lung, bronc, either, xray, dysp) INTO net FROM samples;
        INSERT INTO fit_times VALUES ('bn_fit', extract(epoch FROM clock_timestamp() - t0));
        t0 := clock_timestamp();
        SELECT count(*) INTO n FROM (
            SELECT asia, tub, smoke, lung, bronc, either, xray, dysp, count(*) FROM samples
            GROUP BY GROUPING SETS ((asia), (tub, asia), (smoke), (lung, smoke), (bronc, smoke),
                                   (either, lung, tub), (xray, either), (dysp, bronc, either))) g;
        INSERT INTO fit_times VALUES ('GROUP BY', extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
END $$;
\echo '== bn_fit vs plain-SQL GROUP BY of the same family counts (serial, best of 3)'
SELECT what, (SELECT count(*) FROM samples) AS rows, round(min(seconds)::numeric, 3) AS seconds,
       round(((SELECT count(*) FROM samples) / min(seconds))::numeric) AS rows_per_s
FROM fit_times GROUP BY what ORDER BY what DESC;
SELECT round(((SELECT min(seconds) FROM fit_times WHERE what = 'GROUP BY')
           / (SELECT min(seconds) FROM fit_times WHERE what = 'bn_fit'))::numeric, 2) AS bn_fit_speedup_over_group_by;
SQL
