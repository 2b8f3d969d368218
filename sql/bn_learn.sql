-- Learning Bayesian networks from rows with named columns: worked examples.

-- Ten days: the weather, whether the umbrella was taken, and the rain in mm.
CREATE TABLE days (id int, weather text, umbrella boolean, rain numeric);
INSERT INTO days VALUES
  (1, 'sunny', false, 0), (2, 'sunny', false, 0), (3, 'sunny', true, 0.5), (4, 'rainy', true, 12),
  (5, 'rainy', true, 7.5), (6, 'rainy', false, 3), (7, 'sunny', false, 0), (8, 'rainy', true, 20),
  (9, 'sunny', false, NULL), (10, 'rainy', true, 4);

-- The counts: distinct rows with their counts, values kind-prefixed (s: text, b: boolean, n: number).
SELECT ecomai.bn_counts(to_jsonb(d) - 'id' - 'rain') FROM days d;

-- CPTs of a given structure over named columns: P(umbrella | weather) = n(u, w) / n(w),
-- e.g. P(true | rainy) = 4/5 and P(true | sunny) = 1/5.
SELECT c.* FROM (SELECT ecomai.bn_fit('[weather][umbrella|weather]', to_jsonb(d) - 'id') AS bn FROM days d) f,
       ecomai.bn_cpt(f.bn, 'umbrella') c;

-- The same with the Dirichlet (BDeu) posterior mean, iss = 4: (n + 4/4) / (n(w) + 4/2),
-- e.g. P(true | rainy) = (4 + 1) / (5 + 2) = 5/7.
SELECT c.* FROM (SELECT ecomai.bn_learn(to_jsonb(d) - 'id',
                        '{"algorithm": "none", "start": "[weather][umbrella|weather]", "params": "bayes", "iss": 4}') AS bn
                 FROM days d) f,
       ecomai.bn_cpt(f.bn, 'umbrella') c;

-- Scores of the two structures on the same counts.  Log-likelihood of [weather][umbrella|weather]:
-- 10 ln(1/2) + 2 (4 ln(4/5) + ln(1/5)) = -11.935..., of [weather][umbrella]: 10 ln(1/2) + 10 ln(1/2) = -13.862...
CREATE TABLE day_counts AS SELECT ecomai.bn_counts(to_jsonb(d) - 'id' - 'rain') AS c FROM days d;
SELECT s.score,
       round(ecomai.bn_score(ecomai.bn_learn(c, '{"algorithm": "none", "start": "[weather][umbrella|weather]"}'), c, s.score)::numeric, 6) AS dependent,
       round(ecomai.bn_score(ecomai.bn_learn(c, '{"algorithm": "none", "start": "[weather][umbrella]"}'), c, s.score)::numeric, 6) AS independent
FROM day_counts, unnest(ARRAY['loglik', 'aic', 'bic', 'bdeu', 'k2']) s(score);

-- Hill climbing finds the arc (BIC prefers it on these ten days).
SELECT * FROM ecomai.bn_arcs((SELECT ecomai.bn_learn(c) FROM day_counts));

-- A numeric column with user bins: the states are intervals, kept in the BIF text.
CREATE TABLE rain_net AS
SELECT ecomai.bn_learn(to_jsonb(d) - 'id', '{"algorithm": "none", "start": "[weather][rain|weather]", "bins": {"rain": [0, 5]}, "pseudo_count": 1}') AS bn
FROM days d;
SELECT ecomai.bn_to_bif(bn) FROM rain_net;

-- Scoring rows: raw numbers fall into the bins; unknown columns and categories are no evidence.
SELECT r.row_values, p.*
FROM rain_net, (VALUES ('{"rain": 0}'::jsonb), ('{"rain": 2.5}'), ('{"rain": 30, "id": 5}'),
                       ('{"rain": "heavy"}'), ('{}')) r(row_values),
     ecomai.bn_predict(bn, 'weather', r.row_values) p;

-- Structural Hamming distance on equivalence classes: weather -> umbrella and umbrella -> weather
-- are the same class (0); against the empty graph, one edge differs (1).
SELECT ecomai.bn_shd(ecomai.bn_learn(c, '{"algorithm": "none", "start": "[weather][umbrella|weather]"}'),
                     ecomai.bn_learn(c, '{"algorithm": "none", "start": "[umbrella][weather|umbrella]"}')) AS equivalent,
       ecomai.bn_shd(ecomai.bn_learn(c, '{"algorithm": "none", "start": "[weather][umbrella|weather]"}'),
                     ecomai.bn_learn(c, '{"algorithm": "none", "start": "[weather][umbrella]"}')) AS one_edge
FROM day_counts;

-- Errors.
SELECT ecomai.bn_learn(r, '{}') FROM (VALUES ('{"a": {"b": 1}}'::jsonb)) v(r);
SELECT ecomai.bn_learn(c, '{"whitelist": [["weather", "umbrella"]], "blacklist": [["weather", "umbrella"]]}') FROM day_counts;
SELECT ecomai.bn_learn(c, '{"start": "[weather|umbrella][umbrella|weather]"}') FROM day_counts;

DROP TABLE days, day_counts, rain_net;
