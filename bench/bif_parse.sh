#!/usr/bin/env bash
# Parsing time of the Bayesian-network text formats against the number of variables, on a
# throwaway cluster: bn_from_bif on a chain network (v0 -> v1 -> ... binary variables, one
# labelled row per parent state) and bn_fit's structure parse ('[v0][v1|v0]...' fitted on one
# row), for 10k, 20k, 40k and 100k (BN_MAX_VARS) variables.  Linear parsing keeps the time per
# variable flat; the last column is the time relative to 10k variables (linear: 1, 2, 4, 10).
# Each time is the best of three rounds.
#   bench/bif_parse.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/tools/with-cluster.sh" bash -c "psql -X -q -v ON_ERROR_STOP=1 -d postgres" <<'SQL'
CREATE EXTENSION ecomai;
CREATE TABLE inputs AS
SELECT n,
       'network chain { }' || E'\n' ||
       (SELECT string_agg(format('variable v%s { type discrete [ 2 ] { yes, no }; }', g), E'\n') FROM generate_series(0, n - 1) g)
       || E'\n' || 'probability ( v0 ) { table 0.4, 0.6; }' || E'\n' ||
       (SELECT string_agg(format('probability ( v%s | v%s ) { (yes) 0.7, 0.3; (no) 0.2, 0.8; }', g, g - 1), E'\n')
        FROM generate_series(1, n - 1) g) AS bif,
       '[v0]' || (SELECT string_agg(format('[v%s|v%s]', g, g - 1), '') FROM generate_series(1, n - 1) g) AS structure,
       (SELECT array_agg(CASE WHEN g % 2 = 0 THEN 'yes' ELSE 'no' END ORDER BY g) FROM generate_series(0, n - 1) g) AS vals
FROM unnest(ARRAY[10000, 20000, 40000, 100000]) n;
CREATE TABLE times (parser text, n int, seconds float8);
DO $$
DECLARE
    r record;
    t0 timestamptz;
    b boolean;
BEGIN
    -- three rounds over all sizes; the best of each is kept (a 2-core machine is noisy)
    FOR round IN 1..3 LOOP
        FOR r IN SELECT * FROM inputs ORDER BY n LOOP
            t0 := clock_timestamp();
            b := ecomai.bn_from_bif(r.bif) IS NULL;
            INSERT INTO times VALUES ('bn_from_bif', r.n, extract(epoch FROM clock_timestamp() - t0));
            t0 := clock_timestamp();
            b := ecomai.bn_fit(r.structure, VARIADIC r.vals) IS NULL;
            INSERT INTO times VALUES ('bn_fit structure', r.n, extract(epoch FROM clock_timestamp() - t0));
        END LOOP;
    END LOOP;
END $$;
CREATE TABLE best AS SELECT parser, n, min(seconds) AS seconds FROM times GROUP BY parser, n;
\echo 'parsing time by number of variables (relative: time / time at 10k; linear is n / 10k)'
SELECT t.parser, t.n AS variables, round(t.seconds::numeric, 3) AS seconds,
       round((t.seconds * 1e6 / t.n)::numeric, 2) AS us_per_variable,
       round((t.seconds / b.seconds)::numeric, 2) AS relative, round(t.n / 10000.0, 1) AS linear
FROM best t JOIN best b ON b.parser = t.parser AND b.n = 10000
ORDER BY t.parser, t.n;
SQL
