-- Bayesian networks: worked examples.

-- The seed article's network: weather (A), umbrella (B), early (C).
CREATE TABLE bn_article AS SELECT ecomai.bn_from_bif($$
network article {
}
variable weather {
  type discrete [ 2 ] { sunny, rainy };
}
variable umbrella {
  type discrete [ 2 ] { yes, no };
}
variable early {
  type discrete [ 2 ] { early, late };
}
probability ( weather ) {
  table 0.6, 0.4;
}
probability ( umbrella | weather ) {
  (sunny) 0.2, 0.8;
  (rainy) 0.8, 0.2;
}
probability ( early | weather, umbrella ) {
  (sunny, yes) 0.3, 0.7;
  (sunny, no) 0.7, 0.3;
  (rainy, yes) 0.4, 0.6;
  (rainy, no) 0.6, 0.4;
}
$$) AS bn;

-- P(C = early | B = yes) = (0.6*0.2*0.3 + 0.4*0.8*0.4) / (0.6*0.2 + 0.4*0.8) = 0.164 / 0.44
SELECT value, round(probability::numeric, 12) AS p
FROM ecomai.bn_query((SELECT bn FROM bn_article), 'early', '{"umbrella": "yes"}');
SELECT abs(probability - 0.164 / 0.44) < 1e-15 AS article_exact
FROM ecomai.bn_query((SELECT bn FROM bn_article), 'early', '{"umbrella": "yes"}') WHERE value = 'early';
-- the same through bn_probability, and P(B = yes) = 0.44
SELECT round(ecomai.bn_probability(bn, '{"early": "early"}', '{"umbrella": "yes"}')::numeric, 12) AS p_early_given_yes,
       round(ecomai.bn_probability(bn, '{"umbrella": "yes"}')::numeric, 12) AS p_yes,
       round(ecomai.bn_probability(bn, '{"umbrella": "yes", "early": "early"}')::numeric, 12) AS p_joint
FROM bn_article;
-- prior of C: 0.6*(0.2*0.3+0.8*0.7) + 0.4*(0.8*0.4+0.2*0.6) = 0.548
SELECT value, round(probability::numeric, 12) AS p FROM ecomai.bn_query((SELECT bn FROM bn_article), 'early');
-- a target that is observed is a point mass
SELECT * FROM ecomai.bn_query((SELECT bn FROM bn_article), 'umbrella', '{"umbrella": "no"}');
-- most probable explanation of a late arrival: rainy with umbrella, 0.4*0.8*0.6 = 0.192 = P(x, late);
-- posterior 0.192 / P(late) = 0.192 / 0.452
SELECT ecomai.bn_map(bn, '{"early": "late"}') FROM bn_article;
SELECT ecomai.bn_map(bn) FROM bn_article;

-- Inspection
SELECT * FROM ecomai.bn_variables((SELECT bn FROM bn_article));
SELECT * FROM ecomai.bn_cpt((SELECT bn FROM bn_article), 'early');
SELECT ecomai.bn_to_dot(bn) FROM bn_article;

-- Text form is BIF, and it round-trips
SELECT bn FROM bn_article;
SELECT ecomai.bn_from_bif(ecomai.bn_to_bif(bn)) OPERATOR(ecomai.=) bn AS bif_round_trip,
       bn::text::ecomai.bayesnet OPERATOR(ecomai.=) bn AS text_round_trip
FROM bn_article;

-- Learning the article's CPTs back from counts: 1000 rows in the exact proportions.
CREATE TABLE bn_article_rows AS
SELECT w, u, e FROM (VALUES
  ('sunny','yes','early', 36), ('sunny','yes','late', 84), ('sunny','no','early', 336), ('sunny','no','late', 144),
  ('rainy','yes','early', 128), ('rainy','yes','late', 192), ('rainy','no','early', 48), ('rainy','no','late', 32)) v(w, u, e, n),
  generate_series(1, n);
SELECT * FROM ecomai.bn_cpt((SELECT ecomai.bn_fit('[weather][umbrella|weather][early|weather:umbrella]', w, u, e)
                             FROM bn_article_rows), 'early');
-- fixed states keep their order; the pseudo-count smooths: (36 + 1) / (120 + 2)
SELECT parents, state, round(probability::numeric, 12) AS p
FROM ecomai.bn_cpt((SELECT ecomai.bn_fit('[weather{sunny,rainy}][umbrella{yes,no}|weather][early{early,late}|weather:umbrella] pseudo_count=1', w, u, e)
                    FROM bn_article_rows), 'early') LIMIT 2;
-- NULLs skip the families they touch; an unseen parent configuration gives a uniform row and a NOTICE
SELECT * FROM ecomai.bn_cpt((SELECT ecomai.bn_fit('[a][b|a]', a, b)
    FROM (VALUES ('x', 'p'), ('x', 'q'), ('y', NULL), ('x', 'q')) t(a, b)), 'b');

-- Impossible evidence: NULL with a NOTICE
SELECT * FROM ecomai.bn_query(ecomai.bn_from_bif($$
variable a { type discrete [ 2 ] { t, f }; }
variable b { type discrete [ 2 ] { t, f }; }
probability ( a ) { table 1, 0; }
probability ( b | a ) { (t) 1, 0; (f) 0.5, 0.5; }
$$), 'b', '{"a": "f"}');

-- Sampling is reproducible for a seed
SELECT * FROM ecomai.bn_sample((SELECT bn FROM bn_article), 3, 7);
SELECT count(*) FILTER (WHERE s->>'umbrella' = 'yes') AS n_umbrella FROM ecomai.bn_sample((SELECT bn FROM bn_article), 10000, 1) s;

-- Errors
SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } probability ( a ) { table 0.5, 0.6; }');
SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } variable b { type discrete [ 2 ] { t, f }; }
  probability ( a | b ) { (t) 0.5, 0.5; (f) 0.5, 0.5; } probability ( b | a ) { (t) 0.5, 0.5; (f) 0.5, 0.5; }');
SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } probability ( a | zz ) { (t) 0.5, 0.5; }');
SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } probability ( a ) { table 0.5, 0.3, 0.2; }');
SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f } probability ( a ) { table 1, 0; }');
SELECT * FROM ecomai.bn_query((SELECT bn FROM bn_article), 'wind');
SELECT * FROM ecomai.bn_query((SELECT bn FROM bn_article), 'early', '{"umbrella": "maybe"}');
SELECT ecomai.bn_fit('[a][b|c]', 'x', 'y');
SELECT ecomai.bn_fit('[a|b][b|a]', 'x', 'y');
SELECT ecomai.bn_fit('[a][b|a]', 'x');
