-- Markov chains: worked examples with published answers (R markovchain 0.10.3 vignette,
-- ChannelAttribution's toy example, the seed article's funnel matrix).
SET extra_float_digits = 0;		-- 15 significant digits: rounding noise is not part of the answer

-- The weather chain (sunny, cloudy, rain).
CREATE TEMP TABLE weather AS
SELECT ecomai.markov_from_matrix(ARRAY['sunny', 'cloudy', 'rain'],
    ARRAY[[0.70, 0.2, 0.1], [0.3, 0.4, 0.3], [0.2, 0.45, 0.35]]::float8[]) AS m;
-- Its canonical text form: states in byte order, exact doubles.
SELECT m FROM weather;
-- Steady state (51/110, 35/110, 24/110).
SELECT s.state, round(s.probability::numeric, 12) AS probability,
       abs(s.probability - CASE s.state WHEN 'sunny' THEN 51 WHEN 'cloudy' THEN 35 ELSE 24 END / 110.0) < 1e-12 AS exact
FROM weather, ecomai.markov_stationary(m) s;
-- From cloudy after 2 steps: (0.39, 0.355, 0.255).
SELECT x AS state, ecomai.markov_probability(m, 'cloudy', x, 2) AS p2
FROM weather, unnest(ARRAY['sunny', 'cloudy', 'rain']) x;
-- After many steps every row tends to the steady state (dense matrix powers).
SELECT x AS state, round(ecomai.markov_probability(m, 'rain', x, 200)::numeric, 12) AS p200
FROM weather, unnest(ARRAY['sunny', 'cloudy', 'rain']) x;
-- Zero steps is the identity; one step is the matrix entry.
SELECT ecomai.markov_probability(m, 'rain', 'rain', 0) AS p0_same,
       ecomai.markov_probability(m, 'rain', 'sunny', 0) AS p0_other,
       ecomai.markov_probability(m, 'sunny', 'sunny') AS p1
FROM weather;
-- Mean first passage times to rain (sunny 6.666667, cloudy 5) and rain's mean recurrence time.
SELECT f.state, round(f.expected_steps::numeric, 12) AS expected_steps
FROM weather, ecomai.markov_first_passage(m, 'rain') f;
-- Mean recurrence times (2.156863, 3.142857, 4.583333) = 1 / steady state.
SELECT x AS state, round(f.expected_steps::numeric, 12) AS recurrence, round((f.expected_steps * s.probability)::numeric, 12) AS times_pi
FROM weather, unnest(ARRAY['sunny', 'cloudy', 'rain']) x,
     ecomai.markov_first_passage(m, x) f, ecomai.markov_stationary(m) s
WHERE f.state = x AND s.state = x;
-- Next-state distribution, most likely first.
SELECT n.* FROM weather, ecomai.markov_next(m, 'sunny') n;

-- Land of Oz (rainy, nice, snowy): steady state (0.4, 0.2, 0.4).
SELECT s.* FROM ecomai.markov_stationary(ecomai.markov_from_matrix(ARRAY['rainy', 'nice', 'snowy'],
    ARRAY[[0.5, 0.25, 0.25], [0.5, 0, 0.5], [0.25, 0.25, 0.5]]::float8[])) s;

-- Drunkard's walk on 1..5, 1 and 5 absorbing: from 2 (0.75, 0.25), 3 (0.5, 0.5), 4 (0.25, 0.75);
-- mean absorption times 3, 4, 3.
CREATE TEMP TABLE drunkard AS
SELECT ecomai.markov_from_matrix(ARRAY['1', '2', '3', '4', '5'],
    ARRAY[[1, 0, 0, 0, 0], [0.5, 0, 0.5, 0, 0], [0, 0.5, 0, 0.5, 0], [0, 0, 0.5, 0, 0.5], [0, 0, 0, 0, 1]]::float8[]) AS m;
SELECT a.state, a.absorbing_state, a.probability, a.expected_steps
FROM drunkard, ecomai.markov_absorption(m, ARRAY['1', '5']) a;
-- Two absorbing states are two closed classes: no unique stationary distribution.
SELECT s.* FROM drunkard, ecomai.markov_stationary(m) s;

-- markovchain's MLE fit from sequences; a missing value ends a sequence's transitions.
-- Rows a (0.4, 0.2, 0.4), b (0.6, 0, 0.4), c (0.5, 1/3, 1/6).
CREATE TEMP TABLE seqs (seq text, pos int, x text);
INSERT INTO seqs
SELECT s.seq, p.pos, p.x
FROM (VALUES ('c1', ARRAY['a','b','a','a','c','c','a']), ('c2', ARRAY['b']),
             ('c3', ARRAY['c','a','a','c']), ('c4', ARRAY['b','a','b','a','a','c','b']),
             ('c5', ARRAY['a','a','c',NULL]), ('c6', ARRAY['b','c','b','c','a'])) s(seq, xs),
     unnest(s.xs) WITH ORDINALITY p(x, pos);
CREATE TEMP TABLE mle AS
SELECT ecomai.markov_fit(x, nx) AS m
FROM (SELECT x, lead(x) OVER (PARTITION BY seq ORDER BY pos) AS nx FROM seqs) q;
SELECT t.from_state, t.to_state, t.count, t.probability FROM mle, ecomai.markov_matrix(m) t;
-- markovchain's MLE 95% confidence intervals: p +- z p / sqrt(count), clamped to [0, 1].
SELECT c.from_state, c.to_state, round(c.probability::numeric, 9) AS p, round(c.standard_error::numeric, 9) AS se,
       round(c.lower_bound::numeric, 9) AS lower_bound, round(c.upper_bound::numeric, 9) AS upper_bound
FROM mle, ecomai.markov_confidence(m) c;

-- ChannelAttribution's toy example: paths c1 > c2 > c3 (converted), c1 (null), c2 > c3 (null).
-- Removal effects c1 0.5, c2 1, c3 1; attributed conversions 0.2, 0.4, 0.4; P(conversion) 1/3.
CREATE TEMP TABLE toy AS
SELECT ecomai.markov_fit_paths(path, conv, nul) AS m
FROM (VALUES ('c1 > c2 > c3', 1::float8, 0::float8), ('c1', 0, 1), ('c2 > c3', 0, 1)) v(path, conv, nul);
SELECT m FROM toy;
SELECT a.* FROM toy, ecomai.markov_attribution(m) a;
SELECT a.probability AS p_conversion FROM toy, ecomai.markov_absorption(m, ARRAY['(conversion)']) a
WHERE a.state = '(start)';
-- Conversion value: the converted path is worth 30; value is credited by the removal-effect
-- shares (c1 6, c2 12, c3 12), the value chain is fitted on the same paths with the value.
SELECT a.* FROM (SELECT ecomai.markov_fit_paths(path, conv, nul) AS m, ecomai.markov_fit_paths(path, val, 0) AS v
                 FROM (VALUES ('c1 > c2 > c3', 1::float8, 0::float8, 30::float8), ('c1', 0, 1, 0),
                              ('c2 > c3', 0, 1, 0)) v(path, conv, nul, val)) c,
     ecomai.markov_attribution(c.m, conversion_value => c.v) a;
-- Heuristic models with value, in the same shape (state, conversions, conversion_value).
SELECT h.model, h.state, sum(h.conversions) AS conversions, sum(h.conversion_value) AS conversion_value
FROM (VALUES ('c1 > c2 > c3', 1, 30), ('c1', 0, 0), ('c2 > c3', 0, 0)) v(path, conv, val),
     ecomai.heuristic_attribution(path, conv, val) h
GROUP BY h.model, h.state ORDER BY h.model, h.state;
-- Time decay halves the credit per touch back (half_life 1); position based is 40/20/40.
SELECT h.* FROM ecomai.heuristic_attribution('a > b > c > d', 1, 100) h WHERE h.model IN ('time_decay', 'position_based');
-- The same paths credited by first touch, last touch and linear (touch_attribution, deprecated).
SELECT t.channel, sum(t.first_touch) AS first_touch, sum(t.last_touch) AS last_touch,
       sum(t.linear_touch) AS linear_touch
FROM (VALUES ('c1 > c2 > c3', 1), ('c1', 0), ('c2 > c3', 0)) v(path, conv),
     ecomai.touch_attribution(path, conv) t
GROUP BY t.channel ORDER BY t.channel;
-- Repeated consecutive channels collapse in the chain; linear credit counts every touch.
SELECT ecomai.markov_fit_paths('a > a > b > a', 2, 1);
SELECT t.* FROM ecomai.touch_attribution('a > a > b > a', 2) t;
-- Order 2: states are the last two channels; removal of a channel removes every state with it.
SELECT ecomai.markov_fit_paths(path, conv, nul, 2)
FROM (VALUES ('c1 > c2 > c3', 1::float8, 0::float8), ('c1', 0, 1), ('c2 > c3', 0, 1)) v(path, conv, nul);
SELECT a.* FROM ecomai.markov_attribution((SELECT ecomai.markov_fit_paths(path, conv, nul, 2)
    FROM (VALUES ('c1 > c2 > c3', 1::float8, 0::float8), ('c1', 0, 1), ('c2 > c3', 0, 1)) v(path, conv, nul))) a;

-- The seed article's five-state funnel: three rows do not sum to 1, so it is rejected ...
SELECT ecomai.markov_from_matrix(ARRAY['home', 'category', 'product', 'cart', 'purchase'],
    ARRAY[[0.1, 0.5, 0.3, 0.2, 0], [0, 0.2, 0.6, 0.1, 0.05], [0, 0.1, 0.3, 0.4, 0.15],
          [0, 0, 0.1, 0.3, 0.6], [0, 0, 0, 0, 1]]::float8[]);
-- ... unless asked to rescale each row.
SELECT t.from_state, t.to_state, t.probability
FROM ecomai.markov_matrix(ecomai.markov_from_matrix(ARRAY['home', 'category', 'product', 'cart', 'purchase'],
    ARRAY[[0.1, 0.5, 0.3, 0.2, 0], [0, 0.2, 0.6, 0.1, 0.05], [0, 0.1, 0.3, 0.4, 0.15],
          [0, 0, 0.1, 0.3, 0.6], [0, 0, 0, 0, 1]]::float8[], true)) t
WHERE t.from_state IN ('home', 'category');

-- Sessions: markov_path per session (ORDER BY inside), summed with markov_merge.
CREATE TEMP TABLE clicks (session int, ts int, page text, converted boolean);
INSERT INTO clicks VALUES
    (1, 1, 'home', false), (1, 2, 'search', false), (1, 3, 'product', false),
    (2, 1, 'home', true), (2, 2, 'product', true), (2, 3, 'cart', true), (2, 4, 'purchase', true),
    (3, 1, 'search', false), (3, 2, NULL, false), (3, 3, 'product', false), (3, 4, 'cart', false),
    (4, 3, 'cart', true), (4, 1, 'product', true), (4, 4, 'purchase', true), (4, 2, 'product', true);
SELECT session, ecomai.markov_path(page ORDER BY ts) FROM clicks GROUP BY session ORDER BY session;
-- Every session ends in an outcome: (conversion) or (null), the names markov_attribution expects.
CREATE TEMP TABLE funnel AS
SELECT ecomai.markov_merge(p) AS m
FROM (SELECT ecomai.markov_path(page, CASE WHEN converted THEN '(conversion)' ELSE '(null)' END ORDER BY ts) AS p
      FROM clicks GROUP BY session) s;
SELECT m FROM funnel;
-- From the cart, what happens next?
SELECT n.* FROM funnel, ecomai.markov_next(m, 'cart') n;
-- Conversion probability and expected steps from each page.
SELECT a.state, round(a.probability::numeric, 12) AS p_conversion, round(a.expected_steps::numeric, 12) AS expected_steps
FROM funnel, ecomai.markov_absorption(m, ARRAY['(conversion)']) a;
-- The same funnel attributes conversions to pages with the defaults.
SELECT a.state, round(a.removal_effect::numeric, 12) AS removal_effect, round(a.share::numeric, 12) AS share
FROM funnel, ecomai.markov_attribution(m) a;
-- Log-likelihood of a path: ln(1/4 * 1 * 3/5).
SELECT ecomai.markov_path_probability(m, ARRAY['(start)', 'search', 'product', 'cart']) AS ll,
       ln(0.25 * 1 * 0.6)::float8 AS expected
FROM funnel;
SELECT ecomai.markov_to_dot(m, 0.3) FROM funnel;
-- Order 2 paths.
SELECT ecomai.markov_merge(p)
FROM (SELECT ecomai.markov_path(page, CASE WHEN converted THEN '(conversion)' ELSE '(null)' END, 2 ORDER BY ts) AS p
      FROM clicks GROUP BY session) s;

-- Laplace smoothing (alpha = 1) over the states some transition enters.
SELECT t.* FROM ecomai.markov_matrix(ecomai.markov_smooth(
    '{"order":1,"smoothing":0,"transitions":[["a","b",2],["b","a",1],["b","c",1]]}', 1)) t;

-- Unknown states are ERROR 22023 naming the state and a few known ones, in every function.
SELECT ecomai.markov_probability(m, 'snow', 'rain') FROM weather;
SELECT ecomai.markov_probability(m, 'rain', 'snow', 3) FROM weather;
SELECT ecomai.markov_path_probability(m, ARRAY['sunny', 'snow']) FROM weather;
SELECT n.* FROM weather, ecomai.markov_next(m, 'snow') n;
SELECT f.* FROM weather, ecomai.markov_first_passage(m, 'snow') f;
SELECT a.* FROM weather, ecomai.markov_absorption(m, ARRAY['Purchase']) a;
SELECT a.* FROM weather, ecomai.markov_attribution(m) a;
SELECT a.* FROM toy, ecomai.markov_attribution(m, '(exit)') a;
-- A periodic chain has a unique stationary distribution (not a limit of P^n).
SELECT s.* FROM ecomai.markov_stationary('{"order":1,"smoothing":0,"transitions":[["a","b",1],["b","a",1]]}') s;
-- A reducible chain with one closed class: the transient state gets 0.
SELECT s.* FROM ecomai.markov_stationary('{"order":1,"smoothing":0,"transitions":[["a","b",2],["b","c",1],["c","b",3]]}') s;
-- A state with no outgoing transition is absorbing.
SELECT n.* FROM ecomai.markov_next('{"order":1,"smoothing":0,"transitions":[["a","b",2]]}', 'b') n;
-- A never-absorbed state: probability 0, expected steps NULL (infinite).
SELECT a.* FROM ecomai.markov_absorption(
    '{"order":1,"smoothing":0,"transitions":[["a","b",1],["a","x",1],["x","y",1],["y","x",1]]}', ARRAY['b']) a;

-- Text form: JSON escapes, exact doubles, any order and spacing in, canonical out.
SELECT '{ "transitions": [["b\"q", "a\\b", 0.1], ["a\\b", "b\"q", 1e-300]], "order": 1 }'::ecomai.markov_chain;
SELECT ecomai.markov_fit(f, t, w) FROM (VALUES ('x', 'y', 0.1::float8), ('x', 'y', 0.2), ('y', 'x', 1e-17), ('y', NULL, 5)) v(f, t, w);
