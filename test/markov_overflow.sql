-- Markov chains at the edges of the double range (issue 11 item 6): row totals that overflow
-- (or are subnormal) give the probabilities of the same chain at an ordinary scale, never 0/0;
-- touch_attribution stays finite where its answer is finite.  The reference for each chain is
-- the same chain with every count divided by a power of two (the probabilities are unchanged,
-- and dividing by 2^k is exact).
BEGIN;
SELECT plan(17);

CREATE TEMP TABLE c AS
SELECT '{"order":1,"smoothing":0,"transitions":[["a","b",1e308],["a","c",1e308]]}'::ecomai.markov_chain AS two,
       '{"order":1,"smoothing":0,"transitions":[["a","a",1e308],["a","b",1e308],["b","a",1e308]]}'::ecomai.markov_chain AS cyc,
       '{"order":1,"smoothing":0,"transitions":[["a","a",1],["a","b",1],["b","a",1]]}'::ecomai.markov_chain AS cyc1;

-- markov_next: two transitions of 1e308 are one half each (was 0/0 = 0)
SELECT results_eq($$SELECT state, probability FROM ecomai.markov_next((SELECT two FROM c), 'a') ORDER BY state$$,
    $$VALUES ('b'::text, 0.5::float8), ('c', 0.5)$$,
    'markov_next: a row total of 2e308 overflows no more');
SELECT is((SELECT sum(probability) FROM ecomai.markov_matrix((SELECT cyc FROM c)) WHERE from_state = 'a'),
    1::float8, 'markov_matrix: the probabilities of an overflowing row sum to 1');
SELECT is((SELECT probability FROM ecomai.markov_matrix((SELECT two FROM c)) WHERE from_state = 'a' AND to_state = 'b'),
    0.5::float8, 'markov_matrix: the probability of an overflowing row');

-- stationary: P = [[1/2, 1/2], [1, 0]] gives (2/3, 1/3) (was a wrong (0.5, 0.5))
SELECT ok((SELECT bool_and(abs(probability - CASE state WHEN 'a' THEN 2.0/3 ELSE 1.0/3 END) < 1e-15)
             AND count(*) = 2
           FROM ecomai.markov_stationary((SELECT cyc FROM c))),
    'markov_stationary of counts of 1e308 is (2/3, 1/3)');
SELECT results_eq($$SELECT state, probability FROM ecomai.markov_stationary((SELECT cyc FROM c)) ORDER BY state$$,
    $$SELECT state, probability FROM ecomai.markov_stationary((SELECT cyc1 FROM c)) ORDER BY state$$,
    'markov_stationary: counts of 1e308 equal counts of 1');
SELECT is(ecomai.markov_probability((SELECT cyc FROM c), 'a', 'b', 3),
    ecomai.markov_probability((SELECT cyc1 FROM c), 'a', 'b', 3),
    'markov_probability over 3 steps: 1e308 equals 1');
SELECT is(ecomai.markov_path_probability((SELECT cyc FROM c), ARRAY['a','a','b','a']),
    ecomai.markov_path_probability((SELECT cyc1 FROM c), ARRAY['a','a','b','a']),
    'markov_path_probability of an overflowing chain equals that of counts of 1');

-- absorption and attribution on the funnel, at 1e308 per count against 1 per count
CREATE TEMP TABLE f AS
SELECT ecomai.markov_fit_paths(path, conv * 2^1021, nulls * 2^1021) AS big,
       ecomai.markov_fit_paths(path, conv, nulls) AS small
FROM (VALUES ('search > email', 1, 1), ('search', 1, 2), ('email > display', 0, 3),
             ('display > search', 2, 0)) v(path, conv, nulls);
SELECT results_eq(
    $$SELECT state, absorbing_state, probability FROM ecomai.markov_absorption((SELECT big FROM f), ARRAY['(conversion)','(null)'])
      ORDER BY 1, 2$$,
    $$SELECT state, absorbing_state, probability FROM ecomai.markov_absorption((SELECT small FROM f), ARRAY['(conversion)','(null)'])
      ORDER BY 1, 2$$,
    'markov_absorption: counts scaled by 2^1021 (row totals past the double range) give the same probabilities');
SELECT results_eq(
    $$SELECT state, round(removal_effect::numeric, 12), round(share::numeric, 12)
      FROM ecomai.markov_attribution((SELECT big FROM f)) ORDER BY 1$$,
    $$SELECT state, round(removal_effect::numeric, 12), round(share::numeric, 12)
      FROM ecomai.markov_attribution((SELECT small FROM f)) ORDER BY 1$$,
    'markov_attribution: removal effects and shares of the scaled funnel equal the unscaled ones');

SELECT results_eq(
    $$SELECT state, round((conversions / 2^1021)::numeric, 12) FROM ecomai.markov_attribution((SELECT big FROM f)) ORDER BY 1$$,
    $$SELECT state, round(conversions::numeric, 12) FROM ecomai.markov_attribution((SELECT small FROM f)) ORDER BY 1$$,
    'markov_attribution: attributed conversions past the double range in total are each right (was Infinity)');
SELECT results_eq(
    $$SELECT state, conversions FROM ecomai.markov_attribution(
        (SELECT ecomai.markov_fit_paths(p, 1e308, 0) FROM unnest(ARRAY['a','b']) p)) ORDER BY 1$$,
    $$VALUES ('a'::text, 1e308::float8), ('b', 1e308)$$,
    'markov_attribution: two channels with 1e308 conversions each get 1e308 each');

SELECT throws_ok($$SELECT ecomai.markov_fit_paths('a > b', 1e308, 1e308)$$,
    '22003', 'conversions plus nulls is out of range for type double precision',
    'markov_fit_paths: a path whose conversions plus nulls overflow is 22003 (was an internal error)');
SELECT throws_ok($$SELECT ecomai.markov_fit_paths(p, 1e308, 0) FROM (VALUES ('a'), ('a')) v(p)$$,
    '22003', 'transition count is out of range for type double precision',
    'markov_fit_paths: counts that add up past the double range are 22003');

-- smoothing past the double range: alpha = 1e308 on two targets makes the row uniform
SELECT results_eq($$SELECT state, probability FROM ecomai.markov_next(
        ecomai.markov_smooth('{"order":1,"smoothing":0,"transitions":[["a","b",1],["a","c",3]]}', 1e308), 'a')
        ORDER BY state$$,
    $$VALUES ('b'::text, 0.5::float8), ('c', 0.5)$$,
    'markov_next: smoothing of 1e308 overwhelms the counts, without overflow');

-- subnormal counts: the row is rescaled before dividing, as for an overflow
SELECT ok((SELECT abs(sum(probability) - 1) < 1e-15 FROM ecomai.markov_next(
        '{"order":1,"smoothing":0,"transitions":[["a","b",1e-320],["a","c",3e-320]]}', 'a')),
    'markov_next of subnormal counts sums to 1');

-- touch_attribution: linear credit 2/3 of 1e308 is finite (was Infinity)
SELECT ok((SELECT linear_touch = 1e308::float8 / 3 * 2 FROM ecomai.touch_attribution('a > b > a', 1e308)
           WHERE channel = 'a'),
    'touch_attribution: linear credit of a channel touched twice in three, for 1e308 conversions');
SELECT is((SELECT sum(linear_touch) FROM ecomai.touch_attribution('a > b > a > c', 8)),
    8::float8, 'touch_attribution: linear credit still sums to the conversions at ordinary scale');

SELECT * FROM finish();
ROLLBACK;
