-- Collaborative filtering: Surprise and LensKit reference values, errors, privileges,
-- NULL and unknown ids, metrics against plain SQL, parallel = serial, Citus replay.
BEGIN;
SELECT plan(104);

\ir lib/helpers.sql

-- ---------------------------------------------------------------------------------------
-- Reference data (skipped when the shared data directory is absent)
-- ---------------------------------------------------------------------------------------
CREATE TEMP TABLE data_dir AS SELECT coalesce(current_setting('ecomai_test.data_dir', true), '') AS d;
-- line numbers keep the file order: Surprise breaks similarity ties by it (order_col)
CREATE TEMP TABLE s_train (line int GENERATED ALWAYS AS IDENTITY, user_id int, item_id int, rating float8, ts bigint);
CREATE TEMP TABLE s_test (user_id int, item_id int, rating float8, ts bigint);
CREATE TEMP TABLE ml (user_id int, item_id int, rating float8, ts bigint);
CREATE TEMP TABLE lk_uu (user_id int, item_id int, prediction float8);
CREATE TEMP TABLE lk_ii (user_id int, item_id int, prediction float8);
DO $$
DECLARE d text := (SELECT d FROM data_dir);
BEGIN
    IF d <> '' THEN
        EXECUTE format('COPY s_train (user_id, item_id, rating, ts) FROM %L', d || '/surprise-fixtures/u1_ml100k_train');
        EXECUTE format('COPY s_test FROM %L', d || '/surprise-fixtures/u1_ml100k_test');
        EXECUTE format('COPY ml FROM %L (FORMAT csv, HEADER)', d || '/movielens-latest-small-2016/ratings.csv');
        EXECUTE format('COPY lk_uu FROM %L (FORMAT csv, HEADER)', d || '/lenskit-known-preds/user-user-preds.csv');
        EXECUTE format('COPY lk_ii FROM %L (FORMAT csv, HEADER)', d || '/lenskit-known-preds/item-item-preds.csv');
    END IF;
END $$;

CREATE FUNCTION pg_temp.surprise_rmse(measure text, centering text) RETURNS float8 LANGUAGE sql AS $$
    SELECT ecomai.rmse(estimate, actual)
    FROM ecomai.knn_predict('s_train', 's_test', 'user_id', 'item_id', 'rating',
                            k => 40, min_k => 1, measure => measure, centering => centering, order_col => 'line')
$$;
CREATE FUNCTION pg_temp.check_rmse(measure text, centering text, expected float8, what text)
    RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT d FROM data_dir) = '' THEN
        RETURN QUERY SELECT skip('shared data absent: ' || what, 1);
    ELSE
        RETURN QUERY SELECT cmp_ok(abs(pg_temp.surprise_rmse(measure, centering) - expected), '<', 1e-9::float8, what);
    END IF;
END $$;

-- Surprise's tests/test_algorithms.py and PEER_CHECKS.md (user-based, k=40, min_k=1)
SELECT pg_temp.check_rmse('cosine', 'none', 1.1495072745332722, 'KNNBasic cosine = Surprise 1.1495072745332722');
SELECT pg_temp.check_rmse('msd', 'none', 1.1337265249554591, 'KNNBasic msd = Surprise 1.1337265249554591');
SELECT pg_temp.check_rmse('pearson', 'none', 1.1218719178944856, 'KNNBasic pearson = Surprise 1.1218719178944856');
SELECT pg_temp.check_rmse('msd', 'mean', 1.1043129441881696, 'KNNWithMeans msd = Surprise 1.1043129441881696');
SELECT pg_temp.check_rmse('msd', 'zscore', 1.11179436167853, 'KNNWithZScore msd = Surprise 1.11179436167853');
SELECT pg_temp.check_rmse('msd', 'baseline', 1.0700718041752253, 'KNNBaseline msd = Surprise 1.0700718041752253');

-- BaselineOnly through baselines(): b_ui = mean + b_u + b_i (unknown parts 0), clipped to [1, 5]
SELECT CASE WHEN (SELECT d FROM data_dir) = '' THEN skip('shared data absent: BaselineOnly', 1) ELSE
    cmp_ok(abs((
        WITH b AS (SELECT * FROM ecomai.baselines('s_train', 'user_id', 'item_id', 'rating'))
        SELECT ecomai.rmse(least(greatest(g.bias + coalesce(u.bias, 0) + coalesce(i.bias, 0), 1), 5), t.rating)
        FROM s_test t CROSS JOIN (SELECT bias FROM b WHERE kind = 'global') g
        LEFT JOIN b u ON u.kind = 'user' AND u.id = t.user_id
        LEFT JOIN b i ON i.kind = 'item' AND i.id = t.item_id) - 1.0268524031297395), '<', 1e-9::float8,
        'BaselineOnly (ALS reg_i=10, reg_u=15, 10 epochs) = Surprise 1.0268524031297395') END;

-- Without order_col ties go to the smaller user id: a different, deterministic neighbour set
SELECT CASE WHEN (SELECT d FROM data_dir) = '' THEN skip('shared data absent: tie order', 1) ELSE
    ok((SELECT ecomai.rmse(estimate, actual) FROM ecomai.knn_predict('s_train', 's_test', 'user_id', 'item_id', 'rating',
            measure => 'cosine')) <> pg_temp.surprise_rmse('cosine', 'none'),
       'cosine has ties at the 40th place: order_col changes the answer') END;

-- LensKit known predictions (lkpy tests): mean-centred cosine = pearson over all entries,
-- no clipping, the target rating is not its own neighbour
SELECT CASE WHEN (SELECT d FROM data_dir) = '' THEN skip('shared data absent: LensKit user-user', 1) ELSE
    is((SELECT count(*) FILTER (WHERE abs(p.estimate - l.prediction) < 0.01)
        FROM ecomai.knn_predict('ml', 'lk_uu', 'user_id', 'item_id', 'rating', kind => 'user', k => 30,
                                measure => 'pearson', over => 'all', centering => 'mean', clip => false,
                                self_neighbor => false) p
        JOIN lk_uu l ON l.user_id = p.user_id AND l.item_id = p.item), 1756::bigint,
       'LensKit user-user k=30: all 1756 known predictions within 0.01') END;
-- item-item: 1287 of 1288 within 0.01; (30, 4406) differs by 0.027: three neighbours tie at the 20th place
-- and LensKit keeps another one than the smaller ids (see docs/cf.md)
SELECT CASE WHEN (SELECT d FROM data_dir) = '' THEN skip('shared data absent: LensKit item-item', 1) ELSE
    cmp_ok((SELECT count(*) FILTER (WHERE abs(p.estimate - l.prediction) < 0.01)
        FROM ecomai.knn_predict('ml', 'lk_ii', 'user_id', 'item_id', 'rating', kind => 'item', k => 20,
                                measure => 'pearson', over => 'all', centering => 'mean', clip => false,
                                self_neighbor => false) p
        JOIN lk_ii l ON l.user_id = p.user_id AND l.item_id = p.item), '>=', 1287::bigint,
       'LensKit item-item k=20: at least 1287 of 1288 known predictions within 0.01') END;

-- ---------------------------------------------------------------------------------------
-- A small train set for rules, NULLs, unknown ids and errors
-- ---------------------------------------------------------------------------------------
CREATE TABLE cf_train (user_id int, item_id int, rating float8);
INSERT INTO cf_train VALUES (1, 10, 5), (1, 11, 3), (1, 12, 4), (2, 10, 4), (2, 11, 2), (2, 13, 5),
                            (3, 10, 1), (3, 12, 2), (3, 13, 1), (4, 11, 5);
CREATE TABLE cf_pairs (user_id int, item_id int, rating float8);
INSERT INTO cf_pairs VALUES (1, 13, 4), (99, 10, 3), (1, 999, 2), (NULL, 10, 1), (4, 10, NULL);
CREATE TABLE cf_pairs_norating (user_id int, item_id int);
INSERT INTO cf_pairs_norating VALUES (1, 13);

SELECT is((SELECT estimate FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating')
           WHERE user_id = 99), (SELECT avg(rating) FROM cf_train), 'unknown user: the global mean');
SELECT is((SELECT estimate FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating',
                                                   centering => 'mean') WHERE item = 999),
          (SELECT avg(rating) FROM cf_train), 'unknown item, centering mean: the global mean (Surprise)');
SELECT is((SELECT estimate FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating',
                                                   centering => 'baseline') WHERE item = 999),
          (SELECT g.bias + u.bias FROM ecomai.baselines('cf_train', 'user_id', 'item_id', 'rating') g,
                  ecomai.baselines('cf_train', 'user_id', 'item_id', 'rating') u
           WHERE g.kind = 'global' AND u.kind = 'user' AND u.id = 1),
          'unknown item, centering baseline: mean + b_u');
SELECT is((SELECT row(estimate, k_used)::text FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating')
           WHERE user_id IS NULL), '(,0)', 'a NULL user: NULL estimate, no neighbours');
SELECT is((SELECT count(*) FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating')),
          5::bigint, 'one output row per pairs row');
SELECT is((SELECT actual FROM ecomai.knn_predict('cf_train', 'cf_pairs_norating', 'user_id', 'item_id', 'rating')),
          NULL::float8, 'pairs without the rating column: actual is NULL');
-- user 1 vs 2 over items 10, 11: cosine (5*4 + 3*2) / sqrt((25+9)(16+4)); vs 3 over 10, 12: (5*1+4*2)/sqrt(41*5)
SELECT is((SELECT round(estimate::numeric, 12) FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating',
                                                   measure => 'cosine') WHERE user_id = 1 AND item = 13),
          round(((26 / sqrt(34 * 20.0)) * 5 + (13 / sqrt(205.0)) * 1) / (26 / sqrt(34 * 20.0) + 13 / sqrt(205.0)), 12),
          'KNNBasic cosine by hand');
SELECT is((SELECT k_used FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', k => 1)
           WHERE user_id = 1 AND item = 13), 1, 'k bounds the neighbours used');
SELECT is((SELECT estimate FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', min_k => 3)
           WHERE user_id = 1 AND item = 13), (SELECT avg(rating) FROM cf_train),
          'fewer than min_k neighbours: the global mean');
SELECT ok((SELECT bool_and(estimate BETWEEN 1 AND 5) FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id',
           'rating', measure => 'cosine', centering => 'zscore')), 'estimates clipped to the train range');
SELECT is((SELECT estimate FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating',
                                                   measure => 'cosine', normalized => false) WHERE user_id = 1 AND item = 13),
          5::float8, 'normalized => false: the un-normalised sum (here 5.4, clipped to 5)');
SELECT is((SELECT estimate FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating',
           measure => 'cosine', normalized => false, clip => false) WHERE user_id = 1 AND item = 13)::numeric(20, 12),
          ((26 / sqrt(34 * 20.0)) * 5 + (13 / sqrt(205.0)) * 1)::numeric(20, 12), 'un-normalised sum of sim * r');

-- parameter errors: 22023 with the valid values in the hint
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', kind => 'users')$$,
    '22023', 'unknown kind "users"', 'unknown kind');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', measure => 'euclid')$$,
    '22023', 'unknown measure "euclid"', 'unknown measure');
SELECT is(pg_temp.error_hint($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating',
                                                                measure => 'euclid')$$),
          'Valid values of measure are cosine, adjusted_cosine, pearson, pearson_baseline, msd and jaccard.',
          'the hint lists the valid measures');
SELECT is(pg_temp.error_hint($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating',
                                                                centering => 'median')$$),
          'Valid values of centering are none, mean, zscore and baseline.', 'the hint lists the valid centerings');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', over => 'some')$$,
    '22023', 'unknown value of over "some"', 'unknown over');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', centering => 'median')$$,
    '22023', 'unknown centering "median"', 'unknown centering');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', k => 0)$$,
    '22023', 'k must be at least 1, not 0', 'k = 0');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', min_k => -1)$$,
    '22023', 'min_k must be at least 0, not -1', 'negative min_k');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', shrinkage => -1)$$,
    '22023', 'shrinkage must be a finite number >= 0 or NULL, not -1', 'negative shrinkage');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', measure => 'jaccard')$$,
    '22023', 'measure jaccard is defined over all entries only', 'jaccard over common');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating',
                   measure => 'pearson_baseline', over => 'all')$$,
    '22023', 'measure pearson_baseline is defined over common entries only', 'pearson_baseline over all');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', min_support => 0)$$,
    '22023', 'min_support must be at least 1, not 0', 'min_support = 0');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', kind => NULL)$$,
    '22004', 'kind must not be null', 'NULL kind');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating', self_neighbor => NULL)$$,
    '22004', 'self_neighbor must not be null', 'NULL self_neighbor, the last argument, is named');
SELECT throws_ok($$SELECT * FROM ecomai.baselines('cf_train', 'user_id', 'item_id', 'rating', reg_i => NULL)$$,
    '22004', 'reg_i must not be null', 'baselines: a NULL argument is named');
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'nope', 'rating')$$,
    '42703', NULL, 'unknown column');
SELECT throws_ok($$SELECT * FROM ecomai.baselines('cf_train', 'user_id', 'item_id', 'rating', n_epochs => 0)$$,
    '22023', 'n_epochs must be at least 1, not 0', 'baselines: n_epochs = 0');
SELECT throws_ok($$SELECT * FROM ecomai.baselines('cf_train', 'user_id', 'item_id', 'rating', reg_u => -1)$$,
    '22023', 'reg_u must be a finite number >= 0, not -1', 'baselines: negative reg');
SELECT throws_ok($$SELECT ecomai.precision_at_k('{1}', '{1}', 0)$$, '22023', 'k must be at least 1, not 0', 'metric k = 0');
SELECT throws_ok($$SELECT ecomai.ndcg_at_k('{1,NULL}', '{1}', 3)$$, '22004', 'recommended must not contain nulls',
    'metric: NULL element');
SELECT throws_ok($$SELECT ecomai.split_fold(1, 2, 0)$$, '22023', 'folds must be at least 1, not 0', 'split_fold: 0 folds');
SELECT throws_ok($$SELECT * FROM ecomai.train_test_split('cf_train', 'user_id', 'nope')$$,
    '42703', 'column "nope" of relation "cf_train" does not exist', 'train_test_split: a missing column, as the C functions say');
SELECT throws_ok($$SELECT * FROM ecomai.recommend('cf_train', 'cf_train', 1, 'user_id', 'item_id')$$,
    '42703', 'column "item" of relation "cf_train" does not exist', 'recommend: a neighbour table without item');
SELECT is(pg_temp.error_hint($$SELECT * FROM ecomai.recommend('cf_train', 'cf_train', 1, 'user_id', 'item_id')$$),
    'The neighbour table has the columns item, neighbor and similarity, as item_neighbors returns them.',
    'recommend: the hint names the neighbour table''s columns');
SELECT is(pg_temp.error_text($$SELECT * FROM ecomai.recommend('cf_train', 'cf_train', 1, 'user_id', 'item_id', 'stars')$$),
    '42703: column "stars" of relation "cf_train" does not exist', 'recommend: a missing value column');
SELECT throws_ok($$SELECT * FROM ecomai.train_test_split('cf_train', 'user_id', 'item_id', seed => NULL)$$,
    '22004', 'seed must not be null', 'train_test_split: a NULL argument is named');
SELECT throws_ok($$SELECT * FROM ecomai.recommend('cf_train', 'cf_train', 1, 'user_id', NULL)$$,
    '22004', 'item_col must not be null', 'recommend: a NULL argument is named');
SELECT throws_ok($$SELECT * FROM ecomai.train_test_split('cf_train', 'user_id', 'item_id', 1.5)$$,
    '22023', 'test_fraction must be between 0 and 1, not 1.5', 'train_test_split: bad fraction');
SELECT throws_ok($$SELECT ecomai.rmse(e, a) FROM (VALUES ('NaN'::float8, 1::float8)) t(e, a)$$,
    '22000', 'estimate must be finite, not NaN', 'rmse of NaN');

-- the memory bound: a train set larger than ecomai.max_memory fails cleanly, naming the setting
CREATE TABLE cf_big AS SELECT g % 5000 AS user_id, g % 3001 AS item_id, (g % 5 + 1)::float8 AS rating
FROM generate_series(1, 200000) g;
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_like($$SELECT count(*) FROM ecomai.knn_predict('cf_big', 'cf_pairs', 'user_id', 'item_id', 'rating')$$,
    '%ecomai.max_memory%', 'a working set above ecomai.max_memory is an error naming the setting');
SELECT throws_ok($$SELECT count(*) FROM ecomai.knn_predict('cf_big', 'cf_pairs', 'user_id', 'item_id', 'rating')$$,
    '54000', NULL, 'the memory error is 54000');
RESET ecomai.max_memory;

-- ---------------------------------------------------------------------------------------
-- Privileges: the caller's, never the definer's
-- ---------------------------------------------------------------------------------------
CREATE TABLE cf_nb (item bigint, neighbor bigint, similarity float8);
INSERT INTO cf_nb VALUES (10, 13, 0.5), (11, 13, 0.25), (12, 14, 0.9), (10, 11, 0.7), (12, 15, 0.9);
SELECT throws_ok($$SELECT * FROM ecomai.recommend('cf_train', 'cf_nb', 1, 'user_id', 'item_id', k => 0)$$, '22023',
    'k must be at least 1, not 0', 'recommend: k = 0');
SELECT throws_ok($$SELECT * FROM ecomai.recommend('cf_train', 'cf_nb', 1, 0)$$, '22023', 'k must be at least 1, not 0',
    'recommend, 0.2 spelling: n = 0 is the same check');
CREATE ROLE cf_nobody;
GRANT USAGE ON SCHEMA ecomai TO cf_nobody;
GRANT SELECT ON cf_pairs, cf_nb TO cf_nobody;
SET LOCAL ROLE cf_nobody;
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating')$$,
    '42501', 'permission denied for table cf_train', 'knn_predict without SELECT on train: 42501');
SELECT throws_ok($$SELECT * FROM ecomai.baselines('cf_train', 'user_id', 'item_id', 'rating')$$,
    '42501', 'permission denied for table cf_train', 'baselines without SELECT on train: 42501');
SELECT throws_ok($$SELECT * FROM ecomai.recommend('cf_train', 'cf_nb', 1, 'user_id', 'item_id')$$,
    '42501', 'permission denied for table cf_train', 'recommend without SELECT on source: 42501');
RESET ROLE;
GRANT SELECT ON cf_train TO cf_nobody;
REVOKE SELECT ON cf_pairs FROM cf_nobody;
SET LOCAL ROLE cf_nobody;
SELECT throws_ok($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating')$$,
    '42501', 'permission denied for table cf_pairs', 'knn_predict without SELECT on pairs: 42501');
RESET ROLE;

-- ---------------------------------------------------------------------------------------
-- recommend and cf_score
-- ---------------------------------------------------------------------------------------
-- user 1 owns 10, 11, 12: 13 <- 0.5*1 + 0.25*1, 14 <- 0.9, 15 <- 0.9 (tie: smaller id first); 11 is owned
SELECT is((SELECT array_agg(row(item, score, because)::text ORDER BY score DESC, item)
           FROM ecomai.recommend('cf_train', 'cf_nb', 1, 'user_id', 'item_id')),
          ARRAY['(14,0.9,12)', '(15,0.9,12)', '(13,0.75,10)'], 'recommend: scores, owned items excluded, because');
SELECT is((SELECT array_agg(item) FROM ecomai.recommend('cf_train', 'cf_nb', 1, 'user_id', 'item_id', k => 1)),
          ARRAY[14::bigint], 'k limits');
SELECT is((SELECT array_agg(row(item, score, because)::text ORDER BY item)
           FROM ecomai.recommend(source => 'cf_train', neighbors => 'cf_nb', user_id => 1, user_col => 'user_id',
                                 item_col => 'item_id', value_col => 'rating', k => 10)),
          ARRAY['(13,3.25,10)', '(14,3.6,12)', '(15,3.6,12)'], 'recommend weighted by the user''s ratings');
SELECT is((SELECT count(*) FROM ecomai.recommend('cf_train', 'cf_nb', NULL, 'user_id', 'item_id')), 0::bigint,
          'NULL user: no rows');
-- the 0.2 spelling keeps working for one release, with a notice
SELECT is((SELECT array_agg(row(item, score, because)::text ORDER BY item)
           FROM ecomai.recommend('cf_train', 'cf_nb', 1, 10, value_col => 'rating')),
          ARRAY['(13,3.25,10)', '(14,3.6,12)', '(15,3.6,12)'], 'recommend(ratings, neighbors, user_id, n, ...) still answers');
SELECT lives_ok($$SELECT * FROM ecomai.recommend(ratings => 'cf_train', neighbors => 'cf_nb', user_id => 1, n => 2)$$,
                'recommend with the 0.2 argument names still runs');
SELECT ok(obj_description('ecomai.recommend(regclass,regclass,bigint,integer,name,name,name)'::regprocedure, 'pg_proc')
          LIKE 'deprecated%', 'the 0.2 spelling is documented as deprecated');
-- a dropped relation is 42P01, as in the C functions (not a syntax error on its OID)
CREATE TABLE cf_gone (user_id int, item_id int);
CREATE TEMP TABLE cf_gone_oid AS SELECT 'cf_gone'::regclass::oid AS o;
DROP TABLE cf_gone;
SELECT throws_ok(format($$SELECT * FROM ecomai.recommend(%s, 'cf_nb', 1, 'user_id', 'item_id')$$, (SELECT o FROM cf_gone_oid)),
                 '42P01', format('relation with OID %s does not exist', (SELECT o FROM cf_gone_oid)),
                 'recommend on a dropped relation: 42P01');
SELECT throws_ok(format($$SELECT * FROM ecomai.recommend('cf_train', %s, 1, 'user_id', 'item_id')$$, (SELECT o FROM cf_gone_oid)),
                 '42P01', format('relation with OID %s does not exist', (SELECT o FROM cf_gone_oid)),
                 'recommend on a dropped neighbour table: 42P01');
SELECT throws_ok(format($$SELECT * FROM ecomai.train_test_split(%s, 'user_id', 'item_id')$$, (SELECT o FROM cf_gone_oid)),
                 '42P01', format('relation with OID %s does not exist', (SELECT o FROM cf_gone_oid)),
                 'train_test_split on a dropped relation: 42P01');
SELECT throws_ok(format($$SELECT * FROM ecomai.knn_predict('cf_train', %s, 'user_id', 'item_id', 'rating')$$, (SELECT o FROM cf_gone_oid)),
                 '42P01', format('relation with OID %s does not exist', (SELECT o FROM cf_gone_oid)),
                 'knn_predict on a dropped pairs relation: 42P01');
-- row estimates: k rows per call, the pairs' rows for knn_predict
SELECT is(pg_temp.plan_rows($$SELECT * FROM ecomai.recommend('cf_train', 'cf_nb', 1, 'user_id', 'item_id', k => 7)$$),
          7::float8, 'recommend(..., k => 7) is estimated at 7 rows');
SELECT is(pg_temp.plan_rows($$SELECT * FROM ecomai.recommend('cf_train', 'cf_nb', 1, 'user_id', 'item_id')$$),
          10::float8, 'recommend with the default k is estimated at 10 rows');
SELECT is(pg_temp.plan_rows($$SELECT * FROM ecomai.recommend('cf_train', 'cf_nb', 1, 3)$$),
          3::float8, 'the 0.2 spelling is estimated at n rows');
SELECT is(pg_temp.plan_rows($$SELECT * FROM generate_series(1, 900) u, ecomai.recommend('cf_train', 'cf_nb', u, 'user_id', 'item_id', k => 10)$$),
          9000::float8, 'a LATERAL over 900 users is estimated at 9000 rows');
ANALYZE cf_pairs;
SELECT is(pg_temp.plan_rows($$SELECT * FROM ecomai.knn_predict('cf_train', 'cf_pairs', 'user_id', 'item_id', 'rating')$$),
          5::float8, 'knn_predict is estimated at the rows of pairs');
-- recommend against plain SQL on a random history and neighbour table
CREATE TABLE cf_hist AS SELECT (g % 50)::bigint AS cust, (g * 7 % 200)::bigint AS prod, 1 + g % 3 AS qty
FROM generate_series(1, 3000) g;
CREATE TABLE cf_sim AS SELECT i AS item, j AS neighbor, ((i * 31 + j * 17) % 97) / 97.0 AS similarity
FROM generate_series(0, 199) i, generate_series(0, 199) j WHERE i <> j AND (i * 13 + j) % 9 = 0;
SELECT is(
    (SELECT array_agg(row(item, score::numeric(20, 10), because)::text ORDER BY c, score DESC, item)
     FROM generate_series(0, 49) c, LATERAL ecomai.recommend('cf_hist', 'cf_sim', c, 'cust', 'prod', 'qty', 5) r),
    (SELECT array_agg(row(neighbor, score::numeric(20, 10), because)::text ORDER BY cust, score DESC, neighbor)
     FROM (SELECT cust, neighbor, score, because, row_number() OVER (PARTITION BY cust ORDER BY score DESC, neighbor) rn
           FROM (SELECT h.cust, s.neighbor, sum(s.similarity * h.v) AS score,
                        (array_agg(h.prod ORDER BY s.similarity * h.v DESC, h.prod))[1] AS because
                 FROM (SELECT cust, prod, sum(qty)::float8 AS v FROM cf_hist GROUP BY 1, 2) h
                 JOIN cf_sim s ON s.item = h.prod
                 WHERE NOT EXISTS (SELECT 1 FROM cf_hist o WHERE o.cust = h.cust AND o.prod = s.neighbor)
                 GROUP BY h.cust, s.neighbor) q) q2 WHERE rn <= 5),
    'recommend equals plain SQL for 50 users (scores, order, because)');
-- knn_predict reads pairs named as train_test_split returns them (user_id, item)
CREATE TABLE cf_hist_split AS SELECT * FROM ecomai.train_test_split('cf_hist', 'cust', 'prod', 0.2, 3);
CREATE VIEW cf_hist_test AS SELECT user_id, item FROM cf_hist_split WHERE is_test;
SELECT is((SELECT count(*) FROM ecomai.knn_predict('cf_hist', 'cf_hist_test', 'cust', 'prod', 'qty', k => 5)),
          (SELECT count(*) FROM cf_hist_test), 'knn_predict accepts the pairs as train_test_split names them');
SELECT is((SELECT array_agg(row(user_id, item)::text ORDER BY user_id, item)
           FROM ecomai.knn_predict('cf_hist', 'cf_hist_test', 'cust', 'prod', 'qty', k => 5)),
          (SELECT array_agg(row(user_id, item)::text ORDER BY user_id, item) FROM cf_hist_test),
          'knn_predict answers every pair of the split');
SELECT is(pg_temp.error_hint($$SELECT * FROM ecomai.knn_predict('cf_hist', 'cf_pairs', 'cust', 'prod', 'qty')$$),
          'The pairs relation names its columns as the source does (cust, prod) or user_id and item as train_test_split returns them.',
          'a pairs relation with neither naming: the hint says both');
SELECT is((SELECT count(*) FROM ecomai.recommend('cf_train', 'cf_nb', 12345, 'user_id', 'item_id')), 0::bigint,
          'unknown user: no rows');
SELECT is((SELECT (ecomai.cf_score(s, v, i))::text FROM (VALUES (0.5, 2, 7), (0.25, 4, 3), (0.1, NULL, 1),
           (0.2, 1, NULL)) t(s, v, i)), '(2.2,3,3,0.95)', 'cf_score: NULL value skipped, tie to the smaller id');
SELECT is((SELECT ecomai.cf_score(s, v, i) FROM (VALUES (NULL::float8, 1::float8, 1::bigint)) t(s, v, i)), NULL,
          'cf_score of no usable row is NULL');

-- ---------------------------------------------------------------------------------------
-- Metrics against plain SQL; parallel = serial; Citus replay
-- ---------------------------------------------------------------------------------------
CREATE TABLE cf_err AS
SELECT g % 11 AS grp, ((g * 7) % 5 + 1)::float8 AS est, ((g * 3) % 5 + 1)::float8 AS act
FROM generate_series(1, 200000) g;
ANALYZE cf_err;
SELECT is((SELECT round(ecomai.rmse(est, act)::numeric, 12) FROM cf_err),
          (SELECT round(sqrt(avg((est - act) ^ 2))::numeric, 12) FROM cf_err), 'rmse = sqrt(avg(err^2))');
SELECT is((SELECT ecomai.mae(est, act) FROM cf_err), (SELECT avg(abs(est - act)) FROM cf_err), 'mae = avg(|err|)');
CREATE TEMP TABLE cf_serial AS
SELECT grp, ecomai.rmse(est, act) r, ecomai.mae(est, act) m, ecomai.cf_score(est / 16, act, grp * 100 + act::int) s
FROM cf_err GROUP BY grp;
SELECT pg_temp.force_parallel();
SELECT ok(bool_or(plan ~ 'Partial (Hash|Group)?Aggregate'), 'the plan aggregates partially in workers')
FROM pg_temp.explain_lines('SELECT grp, ecomai.rmse(est, act), ecomai.cf_score(est, act, 1) FROM cf_err GROUP BY grp') plan;
-- integer-valued errors and sixteenths make every sum exact: parallel must equal serial exactly
SELECT is(count(*), 0::bigint, 'rmse, mae and cf_score: parallel equals serial')
FROM cf_serial s
FULL JOIN (SELECT grp, ecomai.rmse(est, act) r, ecomai.mae(est, act) m, ecomai.cf_score(est / 16, act, grp * 100 + act::int) s
           FROM cf_err GROUP BY grp) p USING (grp)
WHERE s.r IS DISTINCT FROM p.r OR s.m IS DISTINCT FROM p.m OR s.s IS DISTINCT FROM p.s;
SELECT pg_temp.reset_parallel();

CREATE AGGREGATE pg_temp.rmse_partial(float8, float8) (SFUNC = ecomai.rmse_accum, STYPE = float8[]);
CREATE AGGREGATE pg_temp.rmse_merge(float8[]) (SFUNC = ecomai.error_combine, STYPE = float8[],
                                               FINALFUNC = ecomai.rmse_final);
CREATE AGGREGATE pg_temp.score_partial(float8, float8, bigint) (SFUNC = ecomai.cf_score_accum, STYPE = float8[]);
CREATE AGGREGATE pg_temp.score_merge(float8[]) (SFUNC = ecomai.cf_score_combine, STYPE = float8[],
                                                FINALFUNC = ecomai.cf_score_final);
SELECT is((SELECT pg_temp.rmse_merge(st::text::float8[]) FROM
             (SELECT pg_temp.rmse_partial(est, act) st FROM cf_err GROUP BY hashint4(grp * 31 + act::int) & 31) b),
          (SELECT ecomai.rmse(est, act) FROM cf_err), 'rmse over 32 buckets with text-shipped states equals one pass');
SELECT is((SELECT (pg_temp.score_merge(st::text::float8[]))::text FROM
             (SELECT pg_temp.score_partial(est / 16, act, (grp * 100 + act)::bigint) st FROM cf_err
              GROUP BY hashint4(grp * 31 + act::int) & 31) b),
          (SELECT (ecomai.cf_score(est / 16, act, (grp * 100 + act)::bigint))::text FROM cf_err),
          'cf_score over 32 buckets with text-shipped states equals one pass');
SELECT is((SELECT pg_temp.score_partial(s, v, i) FROM (VALUES (0.1::float8, 3.3::float8, -9007199254740993::bigint)) t(s, v, i))::text::float8[],
          (SELECT pg_temp.score_partial(s, v, i) FROM (VALUES (0.1::float8, 3.3::float8, -9007199254740993::bigint)) t(s, v, i)),
          'a cf_score state survives text bit for bit');
SELECT is((SELECT (pg_temp.score_merge(st))::text FROM (SELECT pg_temp.score_partial(0.5, 2, -9007199254740993) st) q),
          '(1,-9007199254740993,1,0.5)', 'a 64-bit because id survives the state');
SELECT throws_ok($$SELECT pg_temp.rmse_merge(st) FROM (VALUES ('{0,1}'::float8[])) t(st)$$,
    '22000', 'invalid error aggregate state', 'a corrupt rmse state is rejected');
SELECT throws_ok($$SELECT pg_temp.score_merge(st) FROM (VALUES ('{1,1,1,1,1,1,1.5}'::float8[])) t(st)$$,
    '22000', 'invalid cf_score state', 'a corrupt cf_score state is rejected');
SELECT throws_ok($$SELECT ecomai.rmse_accum(NULL, 1, 1)$$, '0A000', 'rmse_accum called in non-aggregate context',
    'transition outside an aggregate');

-- ranking metrics against their definitions
SELECT is(ecomai.precision_at_k('{5,1,7,3}', '{1,3,9}', 4), 0.5::float8, 'precision@4 = 2/4');
SELECT is(ecomai.recall_at_k('{5,1,7,3}', '{1,3,9}', 2), 1 / 3.0::float8, 'recall@2 = 1/3');
SELECT is(ecomai.hit_rate_at_k('{5,1,7,3}', '{1,3,9}', 1), 0::float8, 'hit rate@1 = 0');
SELECT is(ecomai.ndcg_at_k('{5,1,7,3}', '{1,3,9}', 4),
          (1 / log(2, 3) + 1 / log(2, 5))::float8 / (1 + 1 / log(2, 3) + 1 / log(2, 4))::float8, 'nDCG@4 by hand');
SELECT is(ecomai.average_precision_at_k('{1,1,3}', '{1,3}', 3), (1::float8 + 2::float8 / 3) / 2, 'AP@3: a repeated id counts once');
SELECT is(ecomai.recall_at_k('{1}', '{}', 3), NULL, 'recall with nothing relevant is NULL');

-- splits are reproducible and near the asked fraction
CREATE TEMP TABLE cf_ids AS SELECT g / 100 AS u, g % 100 AS i, g AS ts FROM generate_series(0, 49999) g;
SELECT cmp_ok(abs((SELECT avg(is_test::int) FROM ecomai.train_test_split('cf_ids', 'u', 'i', 0.2, 7))::float8 - 0.2),
              '<', 0.01::float8, 'hash split: about 20% test');
SELECT is((SELECT count(*) FROM ecomai.train_test_split('cf_ids', 'u', 'i', 0.2, 7) a
           JOIN ecomai.train_test_split('cf_ids', 'u', 'i', 0.2, 7) b USING (user_id, item) WHERE a.is_test <> b.is_test),
          0::bigint, 'hash split: the same seed gives the same split');
SELECT isnt((SELECT array_agg(item ORDER BY item) FROM ecomai.train_test_split('cf_ids', 'u', 'i', 0.2, 1) WHERE is_test),
            (SELECT array_agg(item ORDER BY item) FROM ecomai.train_test_split('cf_ids', 'u', 'i', 0.2, 2) WHERE is_test),
            'hash split: another seed, another split');
SELECT is((SELECT array_agg(item ORDER BY item) FROM ecomai.train_test_split('cf_ids', 'u', 'i', 0.05, time_col => 'ts')
           WHERE user_id = 3 AND is_test), ARRAY[95, 96, 97, 98, 99]::bigint[], 'time split: each user''s newest 5%');
SELECT is((SELECT count(DISTINCT ecomai.split_fold(u, i, 5)) FROM cf_ids), 5::bigint, 'split_fold: 5 folds');

SELECT * FROM finish();
ROLLBACK;
