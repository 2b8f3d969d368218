-- Matrix factorisation: a model written by hand (the text form), scored by hand, and a small
-- training run on text keys.
SET client_min_messages = warning;

-- Two users, three items, two factors, explicit (rating = mean + user bias + item bias + x.y).
CREATE TABLE mf_hand (m ecomai.mf_model);
INSERT INTO mf_hand VALUES ('version=1 kind=explicit solver=cholesky factors=2 iterations=1 seed=0
  regularization=0.1 alpha=1 global_mean=3 user_type="text" item_type="integer"
  log 1: 0.5 NaN
  users 2: "ann" 0.5 1 0.5; "bob" -0.25 0 1
  items 3: "10" 0 0.5 0.25; "20" 0.25 -0.5 0; "30" -0.5 0.25 0.75');
SELECT m FROM mf_hand;
-- ann, item 10: 3 + 0.5 + 0 + (1 * 0.5 + 0.5 * 0.25) = 4.125
SELECT ecomai.mf_predict(m, 'ann'::text, 10) FROM mf_hand;
-- bob: 10 -> 2.75 + 0 + 0.25 = 3;  20 -> 2.75 + 0.25 + 0 = 3;  30 -> 2.75 - 0.5 + 0.75 = 3.
-- ann: 10 -> 4.125;  20 -> 3.5 + 0.25 - 0.5 = 3.25;  30 -> 3.5 - 0.5 + 0.625 = 3.625
SELECT * FROM ecomai.mf_recommend((SELECT m FROM mf_hand), 'ann'::text, 3, NULL::int);
SELECT * FROM ecomai.mf_recommend((SELECT m FROM mf_hand), 'ann'::text, 3, ARRAY[10], NULL);
SELECT * FROM ecomai.mf_recommend((SELECT m FROM mf_hand), 'bob'::text, 2, NULL::bigint);
-- cosine of item factors: 10 = (0.5, 0.25), 30 = (0.25, 0.75): 0.3125 / (0.559 * 0.791) = 0.7071
SELECT neighbor, round(similarity::numeric, 4) AS similarity FROM ecomai.mf_similar_items((SELECT m FROM mf_hand), 10, 5);
SELECT * FROM ecomai.mf_user_factors((SELECT m FROM mf_hand), NULL::text);
SELECT * FROM ecomai.mf_item_factors((SELECT m FROM mf_hand), NULL::int);
SELECT * FROM ecomai.mf_training_log((SELECT m FROM mf_hand));
SELECT ecomai.mf_predict(m, 'carl'::text, 10) AS unknown_user FROM mf_hand;

-- Invalid text forms
SELECT 'version=2 kind=implicit'::ecomai.mf_model;
SELECT replace(m::text, '"bob"', '"alf"')::ecomai.mf_model FROM mf_hand;
SELECT replace(m::text, '"20"', '"020"')::ecomai.mf_model FROM mf_hand;
SELECT replace(m::text, 'users 2', 'users 3')::ecomai.mf_model FROM mf_hand;

-- Training on text keys: customers and SKUs of a tiny shop (implicit, exact solver).
CREATE TABLE mf_orders (customer text, sku text, qty int);
INSERT INTO mf_orders VALUES
  ('c1', 'tea', 2), ('c1', 'mug', 1), ('c1', 'honey', 1),
  ('c2', 'tea', 1), ('c2', 'mug', 1),
  ('c3', 'coffee', 3), ('c3', 'filter', 2), ('c3', 'mug', 1),
  ('c4', 'coffee', 1), ('c4', 'filter', 1),
  ('c5', 'tea', 1), ('c5', 'honey', 2);
CREATE TABLE mf_shop AS
SELECT ecomai.mf_fit('mf_orders', 'customer', 'sku', 'qty', factors => 2, regularization => 0.1,
                     alpha => 2, iterations => 10, solver => 'cholesky') AS m;
SELECT iteration, round(loss::numeric, 4) AS loss FROM ecomai.mf_training_log((SELECT m FROM mf_shop)) WHERE iteration IN (1, 10);
-- c2 bought tea and a mug: honey (bought with tea) comes before the coffee things
SELECT item FROM ecomai.mf_recommend((SELECT m FROM mf_shop), 'c2'::text, 3,
                                     ARRAY['tea', 'mug'], NULL);
-- a visitor with coffee in the cart, folded in
SELECT item FROM ecomai.mf_recommend((SELECT m FROM mf_shop), ARRAY['coffee'], 2);
SELECT neighbor FROM ecomai.mf_similar_items((SELECT m FROM mf_shop), 'tea'::text, 1);
