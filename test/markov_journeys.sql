-- Journeys (issue 16 items 5 and 6): markov_simulate converges to the exact algebra and is
-- reproducible for a seed; sessionize equals the plain-SQL window idiom (lag + running sum);
-- the window form of a path chain (lag/lead pairs into markov_fit, which Citus splits) equals
-- markov_merge over markov_path; every error.  On the shared data: PathData's simulated
-- conversion rate, and ecom.csv's sessions and its 163 timestamp ties.
BEGIN;
SELECT plan(30);

-- A funnel with a loop (search -> email -> search), absorbing in (conversion) and (null).
CREATE TEMP TABLE funnel AS
SELECT ecomai.markov_fit_paths(path, conv, nulls) AS m
FROM (VALUES ('search > email', 3, 7), ('search', 5, 11), ('email > display', 1, 9),
             ('display > search', 4, 6), ('search > email > search', 2, 3), ('display', 0, 8)) v(path, conv, nulls);

-- markov_simulate -----------------------------------------------------------------------------
CREATE TEMP TABLE sim AS
SELECT * FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 100000, 1000, 42);

SELECT is((SELECT count(*) FROM sim), 100000::bigint, '100,000 journeys');
SELECT ok((SELECT abs(avg((path[cardinality(path)] = '(conversion)')::int) / a.probability - 1) < 0.01
           FROM sim, ecomai.markov_absorption((SELECT m FROM funnel), ARRAY['(conversion)', '(null)']) a
           WHERE a.state = '(start)' AND a.absorbing_state = '(conversion)' GROUP BY a.probability),
    'conversion rate of 100,000 simulated journeys within 1% of markov_absorption');
SELECT ok((SELECT abs(avg(cardinality(path)) / a.expected_steps - 1) < 0.01
           FROM sim, ecomai.markov_absorption((SELECT m FROM funnel), ARRAY['(conversion)', '(null)']) a
           WHERE a.state = '(start)' AND a.absorbing_state = '(conversion)' GROUP BY a.expected_steps),
    'mean journey length within 1% of the expected steps to absorption');
-- every simulated transition's frequency against the transition matrix (3 standard errors)
SELECT is((SELECT count(*) FROM (
        SELECT f, t, count(*)::float8 / sum(count(*)) OVER (PARTITION BY f) AS freq, sum(count(*)) OVER (PARTITION BY f) AS nf
        FROM sim, LATERAL (SELECT CASE WHEN i = 1 THEN '(start)' ELSE path[i - 1] END AS f, path[i] AS t
                           FROM generate_subscripts(path, 1) i) s
        GROUP BY f, t) o
      FULL JOIN ecomai.markov_matrix((SELECT m FROM funnel)) x ON x.from_state = o.f AND x.to_state = o.t
      WHERE x.from_state NOT IN ('(conversion)', '(null)')
        AND (o.freq IS NULL OR x.probability IS NULL
             OR abs(o.freq - x.probability) > 3 * sqrt(x.probability * (1 - x.probability) / o.nf) + 1e-12)),
    0::bigint, 'every simulated transition frequency is within 3 standard errors of its probability');
SELECT ok((SELECT bool_and(path[cardinality(path)] IN ('(conversion)', '(null)')
                   AND NOT path[1:cardinality(path) - 1] && ARRAY['(conversion)', '(null)', '(start)'])
           FROM sim),
    'every journey ends in an absorbing state and passes through none before');
SELECT results_eq($$SELECT * FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 500, 1000, 7)$$,
    $$SELECT * FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 500, 1000, 7)$$,
    'the same seed gives the same journeys');
SELECT ok((SELECT array_agg(array_to_string(path, ' > ') ORDER BY journey) FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 50, 1000, 7))
          IS DISTINCT FROM
          (SELECT array_agg(array_to_string(path, ' > ') ORDER BY journey) FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 50, 1000, 8)),
    'another seed gives other journeys');
SELECT is((SELECT array_agg(array_to_string(path, ' > ') ORDER BY journey) FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 20, 1000, 7)),
          (SELECT array_agg(array_to_string(path, ' > ') ORDER BY journey) FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 500, 1000, 7) WHERE journey <= 20),
    'the first journeys do not depend on how many are asked for');

-- max_steps, absorbing starts, smoothing, higher order
SELECT ok((SELECT bool_and(cardinality(path) = 7) FROM ecomai.markov_simulate(
        '{"order":1,"smoothing":0,"transitions":[["a","b",1],["b","a",1],["b","b",1]]}', 'a', 100, 7, 1)),
    'a chain without absorbing states runs max_steps moves');
SELECT is((SELECT path FROM ecomai.markov_simulate((SELECT m FROM funnel), '(conversion)', 1, 10, 1)),
    '{}'::text[], 'a journey from an absorbing state is empty');
SELECT is((SELECT count(*) FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 0, 10, 1)),
    0::bigint, 'zero journeys');
-- with smoothing 1 on a row {b: 1} and targets {b, c}: P(a -> b) = 2/3, P(a -> c) = 1/3
SELECT ok((SELECT abs(avg((path[1] = 'c')::int) - 1.0 / 3) < 3 * sqrt(2.0 / 9 / 20000)
           FROM ecomai.markov_simulate(ecomai.markov_smooth(
                '{"order":1,"smoothing":0,"transitions":[["a","b",1],["x","c",1]]}', 1), 'a', 20000, 1, 3)),
    'smoothing: a transition seen only through smoothing is drawn with its probability');
SELECT ok((SELECT abs(avg((path[1] = '(conversion)')::int) - 0.5) < 0.02 FROM ecomai.markov_simulate(
        '{"order":1,"smoothing":0,"transitions":[["a","(conversion)",1e308],["a","(null)",1e308]]}', 'a', 10000, 5, 5)),
    'row totals past the double range: both exits equally likely');
SELECT is((SELECT path FROM ecomai.markov_simulate(
        (SELECT ecomai.markov_fit_paths('a > b > c', 1, 0, 2)), '(start)', 1, 10, 1)),
    '{a,b,c,(conversion)}'::text[], 'an order-2 chain yields pages, not compound states');
-- errors
SELECT throws_ok($$SELECT * FROM ecomai.markov_simulate((SELECT m FROM funnel), 'Purchase', 1, 10, 1)$$,
    '22023', 'unknown state "Purchase"', 'an unknown start state is named');
SELECT throws_ok($$SELECT * FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', -1, 10, 1)$$,
    '22023', 'journeys must be non-negative, not -1', 'negative journeys');
SELECT throws_ok($$SELECT * FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 1, 0, 1)$$,
    '22023', 'max_steps must be positive, not 0', 'max_steps 0');
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT * FROM ecomai.markov_simulate((SELECT m FROM funnel), '(start)', 1, 2000000000, 1)$$,
    '54000', NULL, 'a path buffer past ecomai.max_memory');
RESET ecomai.max_memory;

-- sessionize ------------------------------------------------------------------------------------
CREATE TEMP TABLE ev (user_id int, event_id int, ts timestamptz, page text);
INSERT INTO ev
SELECT u, i, timestamptz '2026-01-01 00:00+00' + make_interval(secs => (i * 173 % 4001) * 7 + u),
       (ARRAY['home', 'search', 'product', 'cart'])[1 + (i * 7 + u) % 4]
FROM generate_series(1, 20) u, generate_series(1, 200) i;

SELECT is((SELECT count(*) FROM (
        SELECT s, 1 + sum(CASE WHEN ts - prev > interval '30 minutes' THEN 1 ELSE 0 END)
                        OVER (PARTITION BY user_id ORDER BY ts, event_id) AS r
        FROM (SELECT user_id, event_id, ts, lag(ts) OVER w AS prev, ecomai.sessionize(ts, '30 minutes') OVER w AS s
              FROM ev WINDOW w AS (PARTITION BY user_id ORDER BY ts, event_id)) p) q
      WHERE s IS DISTINCT FROM r), 0::bigint,
    'sessionize equals the lag + running-sum idiom on 4,000 events');
SELECT is((SELECT array_agg(s ORDER BY ts) FROM (
        SELECT ts, ecomai.sessionize(ts, '1 day') OVER (ORDER BY ts) AS s
        FROM (VALUES (timestamp '2026-03-28 12:00'), ('2026-03-29 11:00'), ('2026-03-30 11:01'),
                     ('2026-03-30 11:02'), ('2026-04-05 00:00')) v(ts)) q),
    '{1,1,2,2,3}'::bigint[], 'a calendar gap of 1 day on timestamp without time zone');
SELECT is((SELECT array_agg(s ORDER BY ts NULLS LAST) FROM (
        SELECT ts, ecomai.sessionize(ts, '1 hour') OVER (ORDER BY ts) AS s
        FROM (VALUES (timestamptz '2026-01-01 10:00+00'), ('2026-01-01 11:00+00'), ('2026-01-01 12:00:01+00'),
                     (NULL), ('infinity')) v(ts)) q),
    '{1,1,2,3,NULL}'::bigint[], 'exactly the gap stays in the session; infinity starts one; NULL gets NULL');
SELECT throws_ok($$SELECT ecomai.sessionize(ts, NULL) OVER (ORDER BY ts) FROM ev$$,
    '22004', 'session gap must not be null', 'a NULL gap');
SELECT throws_ok($$SELECT ecomai.sessionize(ts, '-5 minutes') OVER (ORDER BY ts) FROM ev$$,
    '22023', 'session gap must be positive', 'a negative gap');
SELECT throws_ok($$SELECT ecomai.sessionize(ts, '0 s') OVER (ORDER BY ts) FROM ev$$,
    '22023', 'session gap must be positive', 'a zero gap');
SELECT throws_ok($$SELECT ecomai.sessionize(ts, '5 minutes') OVER (PARTITION BY user_id ORDER BY ts DESC) FROM ev$$,
    '22000', 'sessionize needs the rows of a partition in ascending timestamp order', 'descending order');

-- the window form of a path chain equals markov_merge over markov_path
CREATE TEMP TABLE sess AS
SELECT user_id, event_id, ts, page,
       ecomai.sessionize(ts, '30 minutes') OVER (PARTITION BY user_id ORDER BY ts, event_id) AS session
FROM ev;
SELECT is((SELECT ecomai.markov_fit(t.from_state, t.to_state)
           FROM (SELECT page, lag(page) OVER w AS prev, lead(page) OVER w AS next
                 FROM sess WINDOW w AS (PARTITION BY user_id, session ORDER BY ts, event_id)) e,
                LATERAL (VALUES (coalesce(e.prev, '(start)'), e.page),
                                (e.page, CASE WHEN e.next IS NULL THEN '(exit)' END)) t(from_state, to_state))::text,
          (SELECT ecomai.markov_merge(p)
           FROM (SELECT ecomai.markov_path(page, '(exit)' ORDER BY ts, event_id) AS p
                 FROM sess GROUP BY user_id, session) q)::text,
    'lag/lead pairs into markov_fit give the chain of markov_merge(markov_path(...)) per session');

-- shared data ----------------------------------------------------------------------------------
SELECT coalesce(current_setting('ecomai_test.data_dir', true), '') AS data_dir,
       coalesce(current_setting('ecomai_test.data_dir', true), '') <> '' AS have_data \gset
\if :have_data
CREATE TEMP TABLE path_data (path text, conversions float8, value float8, nulls float8);
SELECT format('COPY path_data FROM %L (FORMAT csv, HEADER)', :'data_dir' || '/channelattribution/PathData.csv') AS copy_paths \gset
:copy_paths;
CREATE TEMP TABLE pd AS SELECT ecomai.markov_fit_paths(path, conversions, nulls) AS m FROM path_data;
SELECT ok((SELECT abs(avg((s.path[cardinality(s.path)] = '(conversion)')::int) / a.probability - 1) < 0.01
           FROM ecomai.markov_simulate((SELECT m FROM pd), '(start)', 100000, 10000, 2026) s,
                ecomai.markov_absorption((SELECT m FROM pd), ARRAY['(conversion)', '(null)']) a
           WHERE a.state = '(start)' AND a.absorbing_state = '(conversion)' GROUP BY a.probability),
    'PathData: conversion rate of 100,000 simulated journeys within 1% of markov_absorption');

CREATE TEMP TABLE ecom (user_id text, session_id text, event text, ts timestamp, platform text,
                        acquisition_channel text, user_cohort text, user_lifecycle text);
SELECT format('COPY ecom FROM %L (FORMAT csv, HEADER)', :'data_dir' || '/retentioneering-ecom/ecom.csv') AS copy_ecom \gset
:copy_ecom;
-- ties: rows of a user with the timestamp of the previous row
SELECT is((SELECT count(*) FROM (SELECT ts = lag(ts) OVER (PARTITION BY user_id ORDER BY ts) AS tie FROM ecom) q WHERE tie),
    163::bigint, 'ecom.csv has 163 events sharing a timestamp with the previous event of their user');
-- with the file's line order as the tie-break, the sessions of a 30-minute gap are the dataset's
ALTER TABLE ecom ADD COLUMN line serial;
SELECT is((SELECT count(DISTINCT (user_id, s)) FROM (
        SELECT user_id, ecomai.sessionize(ts, '30 minutes') OVER (PARTITION BY user_id ORDER BY ts, line) AS s
        FROM ecom) q),
    (SELECT count(DISTINCT session_id) FROM ecom), 'ecom.csv: sessionize(ts, 30 minutes) finds the dataset''s sessions');
SELECT is((SELECT count(*) FROM (
        SELECT ts, session_id, lag(session_id) OVER w AS prev_sid,
               ecomai.sessionize(ts, '30 minutes') OVER w AS s, lag(ts) OVER w AS prev_ts
        FROM ecom WINDOW w AS (PARTITION BY user_id ORDER BY ts, line)) q
        WHERE prev_ts IS NOT NULL AND (session_id <> prev_sid) <> (ts - prev_ts > interval '30 minutes')),
    0::bigint, 'ecom.csv: every session boundary of the dataset is a gap of more than 30 minutes, and back');
\else
SELECT skip('ecomai_test.data_dir is not set: PathData and ecom.csv tests skipped', 4);
\endif

SELECT * FROM finish();
ROLLBACK;
