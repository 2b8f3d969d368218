#!/usr/bin/env bash
# Markov chains, in one run:
#   1. fitting the page-transition chain from N million clickstream events (default 10), in the
#      demo shop's shape (events(session_id, ts, page_type), ~7 pages per session), with
#        (a) ecomai.markov_fit(prev, page) over lag() pairs,
#        (b) plain SQL: the same lag() pairs counted with GROUP BY (the baseline, target <= 1.5x),
#        (c) the two-level form markov_merge(markov_path(page ORDER BY ts)) per session,
#      and a check that (a) and (b) count the same transitions;
#   2. higher order on the same events (issue 16): the order-3 fit (markov_path(..., 3) +
#      markov_merge) beside the order-1 one, and markov_attribution on the order-1 and order-3
#      chains (sessions ending on purchase convert), one timed run each after a warm-up;
#   3. markov_absorption on a 1,000-state chain (dense LAPACK solve), and markov_probability
#      100 steps on it;
#   4. on ChannelAttribution's PathData (when the shared data is there): markov_attribution of
#      order 1 and 3, with conversion value, and markov_attribution_bootstrap with 200 resamples
#      (order 1) and 20 resamples (order 3), with alpha's figures beside the published ones.
# Serial plans, JIT off, median of 3 runs (1 for section 2).
# Usage: bench/markov.sh [million events] [states]; ECOMAI_SHARED_DATA for section 4.
set -euo pipefail
cd "$(dirname "$0")/.."
millions=${1:-10}
data_dir=${ECOMAI_SHARED_DATA:-/work/shared/data}
states=${2:-1000}
exec tools/with-cluster.sh bash -c "
psql -X -q -v ON_ERROR_STOP=1 -d postgres -f bench/timing.sql -c 'CREATE EXTENSION ecomai'
psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
SET max_parallel_workers_per_gather = 0;
SET jit = off;
SET work_mem = '256MB';
-- Sessions of 1 to 13 pages (mean 7): a deterministic walk over the demo shop's page types.
CREATE UNLOGGED TABLE events AS
SELECT s AS session_id, timestamptz '2026-01-01' + make_interval(secs => s * 60 + k) AS ts,
       (ARRAY['home','search','category','product','product','cart','checkout','purchase'])
           [1 + ((hashint8(s * 31 + k) & 2147483647) % CASE WHEN k = 1 THEN 3 ELSE 8 END)] AS page_type
FROM generate_series(1, ($millions * 1000000 / 7)::bigint) s,
     generate_series(1, 1 + (hashint8(s) & 2147483647) % 13) k;
VACUUM ANALYZE events;
SELECT count(*) AS events, count(DISTINCT session_id) AS sessions FROM events \\gset
\\echo 'events:' :events ', sessions:' :sessions

CREATE VIEW pairs AS
SELECT lag(page_type) OVER (PARTITION BY session_id ORDER BY ts) AS prev, page_type AS page FROM events;
SELECT bench.median_ms('SELECT ecomai.markov_fit(prev, page) FROM pairs', 3) AS fit_ms,
       bench.median_ms('SELECT prev, page, count(*) FROM pairs WHERE prev IS NOT NULL GROUP BY prev, page', 3) AS sql_ms,
       bench.median_ms('SELECT ecomai.markov_merge(p) FROM (SELECT ecomai.markov_path(page_type ORDER BY ts) AS p FROM events GROUP BY session_id) s', 3) AS path_ms,
       bench.median_ms('SELECT count(prev) FROM pairs', 3) AS window_only_ms
\\gset
SELECT count(*) = 0 AS same_transitions
FROM (SELECT t.from_state, t.to_state, t.count FROM ecomai.markov_matrix((SELECT ecomai.markov_fit(prev, page) FROM pairs)) t) a
FULL JOIN (SELECT prev, page, count(*)::float8 AS n FROM pairs WHERE prev IS NOT NULL GROUP BY prev, page) b
  ON a.from_state = b.prev AND a.to_state = b.page
WHERE a.count IS DISTINCT FROM b.n AND NOT (a.count = 0 AND b.n IS NULL) \\gset
\\echo 'fitting from' :events 'events; median of 3 runs, milliseconds'
\\echo '  markov_fit over lag() pairs:           ' :fit_ms
\\echo '  plain SQL lag() + GROUP BY count:      ' :sql_ms
\\echo '  markov_merge(markov_path ORDER BY ts): ' :path_ms
\\echo '  the lag() window alone (count(prev)):  ' :window_only_ms
\\echo '  same transitions counted:              ' :same_transitions
SELECT round((:fit_ms / :sql_ms)::numeric, 2) AS \"markov_fit / plain SQL (target <= 1.5)\",
       round((:path_ms / :sql_ms)::numeric, 2) AS \"markov_path + merge / plain SQL\";

-- 2. Higher order on the same events: the order-3 fit beside order 1, then attribution.
SELECT bench.median_ms('SELECT ecomai.markov_merge(p) FROM (SELECT ecomai.markov_path(page_type, NULL, 3 ORDER BY ts) AS p FROM events GROUP BY session_id) s', 1) AS path3_ms,
       bench.median_ms('SELECT ecomai.markov_merge(p) FROM (SELECT ecomai.markov_path(page_type, NULL, 1 ORDER BY ts) AS p FROM events GROUP BY session_id) s', 1) AS path1_ms
\\gset
CREATE TABLE chains AS
SELECT k, ecomai.markov_merge(p) AS m
FROM (SELECT k, ecomai.markov_path(page_type, CASE WHEN page_type = 'purchase' THEN '(conversion)' ELSE '(null)' END, k ORDER BY ts) AS p
      FROM events, (VALUES (1), (3)) v(k) GROUP BY k, session_id) s GROUP BY k;
SELECT count(*) AS states3 FROM chains, ecomai.markov_matrix(m) WHERE k = 3 AND count > 0 \\gset
SELECT bench.median_ms('SELECT count(*) FROM chains, ecomai.markov_attribution(m) WHERE k = 1', 1) AS attr1_ms,
       bench.median_ms('SELECT count(*) FROM chains, ecomai.markov_attribution(m) WHERE k = 3', 1) AS attr3_ms
\\gset
\\echo 'higher order on' :events 'events; one run after a warm-up, milliseconds'
\\echo '  order-1 fit, markov_merge(markov_path(.., 1 ORDER BY ts)):' :path1_ms
\\echo '  order-3 fit, markov_merge(markov_path(.., 3 ORDER BY ts)):' :path3_ms
\\echo '  markov_attribution, order 1:                            ' :attr1_ms
\\echo '  markov_attribution, order 3 (' :states3 'transitions):    ' :attr3_ms
DROP TABLE events CASCADE;

-- A random sparse chain on $states states (about 10 successors each) with two absorbing states.
SELECT setseed(0.25) \\g /dev/null
CREATE TABLE big AS
SELECT ecomai.markov_fit('s' || i, 's' || ((i * 7919 + k * k * 104729 + (random() * $states)::int) % $states), 1 + random())
       AS m
FROM generate_series(2, $states - 1) i, generate_series(1, 10) k;
SELECT count(DISTINCT from_state) AS big_states, count(*) AS big_entries FROM big, ecomai.markov_matrix(m) \\gset
SELECT bench.median_ms('SELECT count(*) FROM big, ecomai.markov_absorption(m, ARRAY[''s0'', ''s1''])', 3) AS absorb_ms,
       bench.median_ms('SELECT ecomai.markov_probability(m, ''s2'', ''s0'', 100) FROM big', 3) AS nstep_ms,
       bench.median_ms('SELECT count(*) FROM big, ecomai.markov_matrix(m)', 3) AS matrix_ms
\\gset
SELECT round(sum(probability)::numeric, 12) AS absorbed_total FROM big, ecomai.markov_absorption(m, ARRAY['s0', 's1']) \\gset
\\echo 'chain of' :big_states 'states,' :big_entries 'matrix entries; median of 3 runs, milliseconds'
\\echo '  markov_absorption (two absorbing states):' :absorb_ms
\\echo '  markov_probability, 100 steps:           ' :nstep_ms
\\echo '  markov_matrix (listing, for scale):      ' :matrix_ms
\\echo '  sum of absorption probabilities (= transient states):' :absorbed_total
SQL
if [ -f '$data_dir/channelattribution/PathData.csv' ]; then
psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
SET max_parallel_workers_per_gather = 0;
SET jit = off;
-- 4. PathData: attribution with value, order 3, and bootstrap intervals.
CREATE TABLE path_data (path text, conversions float8, value float8, nulls float8);
\\copy path_data FROM '$data_dir/channelattribution/PathData.csv' (FORMAT csv, HEADER)
CREATE TABLE pd_chains AS
SELECT ecomai.markov_fit_paths(path, conversions, nulls) AS m1, ecomai.markov_fit_paths(path, conversions, nulls, 3) AS m3,
       ecomai.markov_fit_paths(path, value, 0) AS v, array_agg(path) AS p, array_agg(conversions) AS c, array_agg(nulls) AS n
FROM path_data;
SELECT bench.median_ms('SELECT count(*) FROM pd_chains, ecomai.markov_attribution(m1, conversion_value => v)', 3) AS pd_attr1_ms,
       bench.median_ms('SELECT count(*) FROM pd_chains, ecomai.markov_attribution(m3)', 3) AS pd_attr3_ms,
       bench.median_ms('SELECT count(*) FROM pd_chains, ecomai.markov_attribution_bootstrap(p, c, n, 200, 42)', 1) AS boot1_ms,
       bench.median_ms('SELECT count(*) FROM pd_chains, ecomai.markov_attribution_bootstrap(p, c, n, 20, 42, 0.95, 3)', 1) AS boot3_ms
\\gset
SELECT round(removal_effect::numeric, 6) AS alpha_re, round(conversion_value::numeric, 2) AS alpha_value
FROM pd_chains, ecomai.markov_attribution(m1, conversion_value => v) WHERE state = 'alpha' \\gset
SELECT round(removal_effect_lower::numeric, 4) AS alpha_lo, round(removal_effect_upper::numeric, 4) AS alpha_hi
FROM pd_chains, ecomai.markov_attribution_bootstrap(p, c, n, 200, 42) WHERE state = 'alpha' \\gset
\\echo 'PathData (10,000 paths, 88,387 journeys); milliseconds (median of 3; bootstrap one run after a warm-up)'
\\echo '  markov_attribution order 1 with conversion value:  ' :pd_attr1_ms
\\echo '  markov_attribution order 3:                        ' :pd_attr3_ms
\\echo '  bootstrap, 200 resamples, order 1:                 ' :boot1_ms
\\echo '  bootstrap, 20 resamples, order 3:                  ' :boot3_ms
\\echo '  alpha: removal effect' :alpha_re '(published 0.558), value' :alpha_value '(published 20,208), 95% interval [' :alpha_lo ',' :alpha_hi ']'
SQL
fi
"
