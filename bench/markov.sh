#!/usr/bin/env bash
# Markov chains, in one run:
#   1. fitting the page-transition chain from N million clickstream events (default 10), in the
#      demo shop's shape (events(session_id, ts, page_type), ~7 pages per session), with
#        (a) ecomai.markov_fit(prev, page) over lag() pairs,
#        (b) plain SQL: the same lag() pairs counted with GROUP BY (the baseline, target <= 1.5x),
#        (c) the two-level form markov_merge(markov_path(page ORDER BY ts)) per session,
#      and a check that (a) and (b) count the same transitions;
#   2. markov_absorption on a 1,000-state chain (dense LAPACK solve), and markov_probability
#      100 steps on it.
# Serial plans, JIT off, median of 3 runs.  Usage: bench/markov.sh [million events] [states]
set -euo pipefail
cd "$(dirname "$0")/.."
millions=${1:-10}
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
"
