-- Collaborative filtering worked examples (docs/cf.md), every number checkable by hand.
SET extra_float_digits = 0;
CREATE TABLE cf_ratings (user_id int, item_id int, rating float8);
INSERT INTO cf_ratings VALUES (1, 10, 5), (1, 11, 3), (1, 12, 4),
                              (2, 10, 4), (2, 11, 2), (2, 13, 5),
                              (3, 10, 1), (3, 12, 2), (3, 13, 1),
                              (4, 11, 5);
CREATE TABLE cf_todo (user_id int, item_id int, rating float8);
INSERT INTO cf_todo VALUES (1, 13, 4), (4, 13, 5), (7, 10, 3), (1, 99, 2);

-- KNNBasic, msd: user 1 agrees with user 2 within 1 point on items 10 and 11 (msd 1, sim 1/2)
-- and with user 3 within 4 and 2 points on 10 and 12 (msd 10, sim 1/11); both rated item 13:
-- (5/2 + 1/11) / (1/2 + 1/11) = 57/13 = 4.384615...; user 7 and item 99 are unknown: the
-- global mean 32/10; user 4 shares only item 11 with user 2 (msd 9, sim 1/10) and nothing
-- with user 3 (sim 0, not a neighbour): 5.
SELECT * FROM ecomai.knn_predict('cf_ratings', 'cf_todo', 'user_id', 'item_id', 'rating');

-- KNNWithMeans: 4 + (1/2 (5 - 11/3) + 1/11 (1 - 4/3)) / (1/2 + 1/11) = 4 + 14/13, clipped to 5 unless clip => false
SELECT user_id, item, estimate FROM ecomai.knn_predict('cf_ratings', 'cf_todo', 'user_id', 'item_id', 'rating',
                                                          centering => 'mean', clip => false)
WHERE user_id = 1 AND item = 13;

-- k => 1 keeps the most similar neighbour only (user 2)
SELECT user_id, item, estimate, k_used FROM ecomai.knn_predict('cf_ratings', 'cf_todo', 'user_id', 'item_id', 'rating', k => 1)
WHERE user_id = 1 AND item = 13;

-- Evaluation of those predictions
SELECT round(ecomai.rmse(estimate, actual)::numeric, 6) AS rmse, round(ecomai.mae(estimate, actual)::numeric, 6) AS mae
FROM ecomai.knn_predict('cf_ratings', 'cf_todo', 'user_id', 'item_id', 'rating');

-- Baselines: the mean 3.2, then ALS biases
SELECT kind, id, round(bias::numeric, 6) AS bias FROM ecomai.baselines('cf_ratings', 'user_id', 'item_id', 'rating') ORDER BY kind, id;

-- Ranking metrics: recommended 5, 1, 7, 3 against relevant {1, 3, 9}
SELECT ecomai.precision_at_k('{5,1,7,3}', '{1,3,9}', 4) AS p4, ecomai.recall_at_k('{5,1,7,3}', '{1,3,9}', 4) AS r4,
       ecomai.hit_rate_at_k('{5,1,7,3}', '{1,3,9}', 1) AS hit1, ecomai.ndcg_at_k('{5,1,7,3}', '{1,3,9}', 4) AS ndcg4,
       ecomai.average_precision_at_k('{5,1,7,3}', '{1,3,9}', 4) AS ap4;

-- cf_score and recommend over a hand-made neighbour table
CREATE TABLE cf_neighbors (item bigint, neighbor bigint, similarity float8);
INSERT INTO cf_neighbors VALUES (10, 13, 0.5), (11, 13, 0.25), (12, 14, 0.9), (10, 11, 0.7), (11, 15, 0.4), (10, 15, 0.1);
SELECT nb.neighbor, (ecomai.cf_score(nb.similarity, 1, nb.item)).*
FROM cf_neighbors nb WHERE nb.item IN (10, 11, 12) GROUP BY nb.neighbor ORDER BY 1;
SELECT * FROM ecomai.recommend('cf_ratings', 'cf_neighbors', 1, 'user_id', 'item_id');
SELECT * FROM ecomai.recommend('cf_ratings', 'cf_neighbors', 4, 'user_id', 'item_id', value_col => 'rating');
-- the 0.2 spelling still answers, with a deprecation notice
SELECT * FROM ecomai.recommend('cf_ratings', 'cf_neighbors', 4, 2);

-- Splits: the same seed gives the same assignment on every server
SELECT ecomai.split_uniform(1, 10) AS u, ecomai.split_fold(1, 10, 5) AS fold, ecomai.split_fold(1, 10, 5, 42) AS fold_seed_42;
SELECT * FROM ecomai.train_test_split('cf_ratings', 'user_id', 'item_id', 0.34, time_col => 'item_id') ORDER BY 1, 2;

DROP TABLE cf_ratings, cf_todo, cf_neighbors;
