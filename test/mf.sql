-- Matrix factorisation (mf_fit, mf_model, mf_predict, mf_recommend, mf_similar_items, factor
-- export): exact text and binary round trips, bit-identical refits for a seed, keys of any type
-- coming back in their own type, the optimality conditions of the last ALS half-step checked in
-- plain SQL from the exported factors, scoring checked against the factors, every documented
-- error, and statement_timeout cancelling a long fit.
BEGIN;
SET client_min_messages = warning;  -- mf_fit reports each iteration as a NOTICE
SELECT plan(61);
\ir lib/helpers.sql

-- Small purchases: uuid customers, text SKUs, integer quantities.
CREATE TEMP TABLE buys AS
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(u), 12, '0'))::uuid AS customer,
       'SKU-' || lpad(i::text, 3, '0') AS sku,
       1 + abs(hashint8(u * 1000 + i)) % 3 AS qty
FROM generate_series(1, 60) u, generate_series(1, 25) i
WHERE abs(hashint8(u * 7919 + i)) % 100 < 25 + 2 * i;
-- Ratings with integer keys.
CREATE TEMP TABLE rates AS
SELECT u AS user_id, i::bigint AS item_id, (1 + abs(hashint8(u * 31 + i * 17)) % 5)::float8 AS rating
FROM generate_series(1, 50) u, generate_series(1, 30) i
WHERE abs(hashint8(u * 1000 + i)) % 3 = 0;

CREATE TEMP TABLE models AS
SELECT 'cg' AS name, ecomai.mf_fit('buys', 'customer', 'sku', 'qty', factors => 4, regularization => 0.5,
                                   alpha => 2, iterations => 6, seed => 7) AS m
UNION ALL
SELECT 'chol', ecomai.mf_fit('buys', 'customer', 'sku', 'qty', factors => 3, regularization => 0.5,
                             alpha => 2, iterations => 4, seed => 7, solver => 'cholesky')
UNION ALL
SELECT 'exp', ecomai.mf_fit('rates', 'user_id', 'item_id', 'rating', kind => 'explicit', factors => 3,
                            regularization => 0.1, iterations => 5, seed => 3, solver => 'cholesky')
UNION ALL
SELECT 'expcg', ecomai.mf_fit('rates', 'user_id', 'item_id', 'rating', kind => 'explicit', factors => 3,
                              regularization => 0.1, iterations => 5, seed => 3);
CREATE FUNCTION pg_temp.m(n text) RETURNS ecomai.mf_model LANGUAGE sql AS $$ SELECT m FROM models WHERE name = n $$;

-- Round trips and reproducibility ------------------------------------------------------------
SELECT is((SELECT count(*) FROM models WHERE m::text::ecomai.mf_model::text = m::text), 4::bigint,
          'text output -> input -> output is exact for every model');
CREATE TEMP TABLE bin_in (name text, m ecomai.mf_model);
SELECT pg_temp.copy_through_file('SELECT name, m FROM models', 'bin_in', '(FORMAT binary)');
SELECT is((SELECT count(*) FROM models JOIN bin_in USING (name) WHERE models.m::text = bin_in.m::text), 4::bigint,
          'COPY (FORMAT binary) round trip is exact');
SELECT is(ecomai.mf_fit('buys', 'customer', 'sku', 'qty', factors => 4, regularization => 0.5,
                        alpha => 2, iterations => 6, seed => 7)::text,
          pg_temp.m('cg')::text, 'the same data and seed give bit-identical factors');
SELECT isnt(ecomai.mf_fit('buys', 'customer', 'sku', 'qty', factors => 4, regularization => 0.5,
                          alpha => 2, iterations => 6, seed => 8)::text,
            pg_temp.m('cg')::text, 'another seed gives other factors');
SELECT ok(ecomai.mf_fit('buys', 'customer', 'sku', 'qty', factors => 4, regularization => 0.5,
                        alpha => 2, iterations => 6, seed => 7) OPERATOR(ecomai.=) pg_temp.m('cg')
          AND pg_temp.m('cg') OPERATOR(ecomai.<>) pg_temp.m('chol'), '= is the same model (the flat form is canonical)');
SELECT is((SELECT count(DISTINCT m) FROM (SELECT m FROM models UNION ALL SELECT m::text::ecomai.mf_model FROM models) t),
          4::bigint, 'DISTINCT groups a model with its text round trip');
CREATE TEMP TABLE buys_shuffled AS SELECT * FROM buys ORDER BY md5(sku || customer);
SELECT is(ecomai.mf_fit('buys_shuffled', 'customer', 'sku', 'qty', factors => 4, regularization => 0.5,
                        alpha => 2, iterations => 6, seed => 7)::text,
          pg_temp.m('cg')::text, 'the order of the rows does not matter');

-- Keys of any type ----------------------------------------------------------------------------
SELECT is((SELECT array_agg(DISTINCT pg_typeof(item)::text) FROM ecomai.mf_recommend(pg_temp.m('cg'),
              '00000000-0000-0000-0000-000000000001'::uuid, 5, NULL::text)),
          '{text}', 'items come back as text when the witness is text');
SELECT is((SELECT count(*) FROM ecomai.mf_recommend(pg_temp.m('cg'), '00000000-0000-0000-0000-000000000001'::uuid, 5, NULL::text)),
          5::bigint, 'k rows');
SELECT is((SELECT array_agg(pg_typeof(user_id)::text) FROM ecomai.mf_user_factors(pg_temp.m('cg'), NULL::uuid) LIMIT 1),
          (SELECT array_agg('uuid'::text) FROM (SELECT DISTINCT customer FROM buys) c), 'users come back as uuid, one row each');
SELECT is((SELECT array_agg(item ORDER BY item) FROM ecomai.mf_item_factors(pg_temp.m('cg'), NULL::text)),
          (SELECT array_agg(DISTINCT sku ORDER BY sku) FROM buys), 'every item exported once');
SELECT is((SELECT count(*) FROM ecomai.mf_item_factors(pg_temp.m('cg'), NULL::text) WHERE cardinality(factors) = 4),
          25::bigint, 'factor rows have the model''s width');
SELECT is(ecomai.mf_predict(pg_temp.m('exp'), 7, 3), ecomai.mf_predict(pg_temp.m('exp'), 7::bigint, '3'::text),
          'keys of another type are matched through their text form');
SELECT is(ecomai.mf_predict(pg_temp.m('exp'), 7, 9999), NULL, 'an unknown item predicts NULL');
SELECT is(ecomai.mf_predict(pg_temp.m('exp'), 9999, 3), NULL, 'an unknown user predicts NULL');
SELECT is((SELECT count(*) FROM ecomai.mf_recommend(pg_temp.m('exp'), 9999, 5, NULL::bigint)), 0::bigint,
          'an unknown user gets no rows');
SELECT throws_ok($$SELECT ecomai.mf_predict(pg_temp.m('cg'), 'not-a-uuid'::text, 'SKU-001'::text)$$, '22P02', NULL,
                 'a key that is not valid for the key type is its input error');

-- Scores against the factors (computed here in SQL) -------------------------------------------
CREATE TEMP TABLE uf AS SELECT * FROM ecomai.mf_user_factors(pg_temp.m('exp'), NULL::int);
CREATE TEMP TABLE itf AS SELECT * FROM ecomai.mf_item_factors(pg_temp.m('exp'), NULL::bigint);
CREATE TEMP TABLE mu AS SELECT avg(rating) AS mu FROM rates;
CREATE FUNCTION pg_temp.dot(a float8[], b float8[]) RETURNS float8 LANGUAGE sql AS
    $$ SELECT sum(x * y) FROM unnest(a, b) t(x, y) $$;
SELECT ok((SELECT max(abs(ecomai.mf_predict(pg_temp.m('exp'), uf.user_id, itf.item)
                          - (mu.mu + uf.bias + itf.bias + pg_temp.dot(uf.factors, itf.factors))))
           FROM uf, itf, mu) < 1e-12, 'explicit prediction = mean + user bias + item bias + x.y');
SELECT ok((SELECT max(abs(s.score - pg_temp.dot(u.factors, i.factors)))
           FROM ecomai.mf_user_factors(pg_temp.m('cg'), NULL::uuid) u,
                ecomai.mf_recommend(pg_temp.m('cg'), u.user_id, 25, NULL::text) s
           JOIN ecomai.mf_item_factors(pg_temp.m('cg'), NULL::text) i ON i.item = s.item) < 1e-12,
          'implicit scores are x.y');
SELECT is((SELECT array_agg(item ORDER BY score DESC, item) FROM ecomai.mf_recommend(pg_temp.m('exp'), 4, 7, NULL::bigint)),
          (SELECT array_agg(item ORDER BY p DESC, item) FROM (SELECT item, ecomai.mf_predict(pg_temp.m('exp'), 4, item) AS p
                FROM itf ORDER BY p DESC, item LIMIT 7) t),
          'recommend ranks by the predicted score');
SELECT is((SELECT array_agg(item ORDER BY item) FROM ecomai.mf_recommend(pg_temp.m('exp'), 4, 30, ARRAY[1, 2, 3]::bigint[], NULL)),
          (SELECT array_agg(item ORDER BY item) FROM itf WHERE item NOT IN (1, 2, 3)), 'exclude leaves items out');
SELECT is((SELECT array_agg(item ORDER BY item) FROM ecomai.mf_recommend(pg_temp.m('exp'), 4, 30, ARRAY[2]::bigint[], ARRAY[1, 2, 5, 777])),
          '{1,5}'::bigint[], 'allowed restricts the candidates; unknown keys are ignored');
SELECT ok((SELECT max(abs(s.similarity - ecomai.cosine_similarity(a.factors, b.factors)))
           FROM ecomai.mf_item_factors(pg_temp.m('cg'), NULL::text) a,
                ecomai.mf_similar_items(pg_temp.m('cg'), a.item, 24) s
           JOIN ecomai.mf_item_factors(pg_temp.m('cg'), NULL::text) b ON b.item = s.neighbor) < 1e-12,
          'similar items rank by the cosine of their factors');
SELECT is((SELECT count(*) FROM ecomai.mf_similar_items(pg_temp.m('cg'), 'SKU-001'::text, 100) WHERE neighbor = 'SKU-001'),
          0::bigint, 'an item is not its own neighbour');

-- Optimality of the last half-step (the item step), from the exported factors ----------------
-- implicit, Cholesky: (X'X + reg I + sum alpha v x x') y = sum (1 + alpha v) x for every item
CREATE TEMP TABLE cu AS SELECT * FROM ecomai.mf_user_factors(pg_temp.m('chol'), NULL::uuid);
CREATE TEMP TABLE ci AS SELECT * FROM ecomai.mf_item_factors(pg_temp.m('chol'), NULL::text);
CREATE TEMP TABLE cells AS SELECT customer, sku, sum(qty)::float8 AS v FROM buys GROUP BY 1, 2;
SELECT ok((
    WITH xtx AS (SELECT d, e, sum(u.factors[d] * u.factors[e]) AS s FROM cu u, generate_series(1, 3) d, generate_series(1, 3) e GROUP BY d, e),
    lhs AS (SELECT i.item, d, sum(x.s * i.factors[x.e]) + 0.5 * i.factors[d] AS s
            FROM ci i JOIN xtx x ON true GROUP BY i.item, d, i.factors),
    extra AS (SELECT c.sku AS item, d,
                     sum(2 * c.v * u.factors[d] * pg_temp.dot(u.factors, i.factors)) AS a,
                     sum((1 + 2 * c.v) * u.factors[d]) AS b
              FROM cells c JOIN cu u ON u.user_id = c.customer JOIN ci i ON i.item = c.sku, generate_series(1, 3) d
              GROUP BY c.sku, d)
    SELECT max(abs(l.s + e.a - e.b)) FROM lhs l JOIN extra e USING (item, d)) < 1e-9,
    'implicit Cholesky: every item solves its weighted normal equations');
-- explicit: sum over the item's raters of [1 x][1 x]' [b y] + reg n_i [b y] = sum [1 x](r - mu - b_u)
SELECT ok((
    WITH r AS (SELECT r.rating, u.bias AS bu, u.factors AS x, i.item, i.bias AS bi, i.factors AS y
               FROM rates r JOIN uf u ON u.user_id = r.user_id JOIN itf i ON i.item = r.item_id),
    res AS (SELECT item, d,
                   sum(CASE WHEN d = 0 THEN 1 ELSE x[d] END * (bi + pg_temp.dot(x, y)))
                   + 0.1 * count(*) * (CASE WHEN d = 0 THEN min(bi) ELSE min(y[d]) END)
                   - sum(CASE WHEN d = 0 THEN 1 ELSE x[d] END * (rating - (SELECT mu FROM mu) - bu)) AS e
            FROM r, generate_series(0, 3) d GROUP BY item, d)
    SELECT max(abs(e)) FROM res) < 1e-9,
    'explicit Cholesky: every item solves its regularized least squares for bias and factors');
SELECT cmp_ok((SELECT max(loss) - min(loss) FROM ecomai.mf_training_log(pg_temp.m('exp'))), '>', 0::float8,
              'the training log has a loss per iteration');
SELECT ok((SELECT bool_and(a.loss >= b.loss - 1e-12) FROM ecomai.mf_training_log(pg_temp.m('chol')) a
           JOIN ecomai.mf_training_log(pg_temp.m('chol')) b ON b.iteration = a.iteration + 1),
          'exact ALS never increases the implicit loss');
SELECT is((SELECT count(*) FROM ecomai.mf_training_log(pg_temp.m('exp'))), 5::bigint, 'one log row per iteration');

-- Fold-in from a history --------------------------------------------------------------------
CREATE TEMP TABLE hist AS SELECT array_agg(sku ORDER BY sku) AS h FROM buys
    WHERE customer = '00000000-0000-0000-0000-000000000002';
SELECT is((SELECT count(*) FROM ecomai.mf_recommend(pg_temp.m('chol'), (SELECT h FROM hist), 5) r WHERE r.item = ANY ((SELECT h FROM hist)::text[])),
          0::bigint, 'history items are not recommended back');
SELECT is((SELECT array_agg(pg_typeof(item)::text) FROM ecomai.mf_recommend(pg_temp.m('chol'), ARRAY['SKU-001', 'SKU-002'], 1)),
          '{text}', 'a history of text items returns text items');
SELECT is((SELECT count(*) FROM ecomai.mf_recommend(pg_temp.m('chol'), ARRAY['nope'], 3)), 0::bigint,
          'a history of unknown items gives no rows');
SELECT is((SELECT array_agg(item ORDER BY item) FROM ecomai.mf_recommend(pg_temp.m('chol'), ARRAY['SKU-001'], 10, NULL, ARRAY['SKU-002', 'SKU-001', 'SKU-003'])),
          '{SKU-002,SKU-003}', 'allowed and the history combine');
SELECT throws_ok($$SELECT * FROM ecomai.mf_recommend(pg_temp.m('exp'), ARRAY[1, 2]::bigint[], 3)$$, '0A000',
                 'folding in a history needs an implicit model', 'explicit models do not fold in');

-- Validation and early stopping ------------------------------------------------------------------
CREATE TEMP TABLE rates_valid AS SELECT * FROM rates WHERE user_id % 5 = 0;
CREATE TEMP TABLE rates_train AS SELECT * FROM rates WHERE user_id % 5 <> 0 OR item_id % 2 = 0;
SELECT ok((SELECT bool_and(validation IS NOT NULL) FROM ecomai.mf_training_log(
              ecomai.mf_fit('rates_train', 'user_id', 'item_id', 'rating', kind => 'explicit', factors => 2,
                            iterations => 8, validation => 'rates_valid'))),
          'with a validation relation, every log row has the validation RMSE');
SELECT ok((SELECT count(*) BETWEEN 2 AND 30 FROM ecomai.mf_training_log(
              ecomai.mf_fit('rates_train', 'user_id', 'item_id', 'rating', kind => 'explicit', factors => 8,
                            regularization => 0.001, iterations => 30, solver => 'cholesky', validation => 'rates_valid'))),
          'an overfitting run stops when validation gets worse (or runs to the end)');

-- Errors ----------------------------------------------------------------------------------------
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'sku', factors => 0)$$, '22023',
                 'factors must be between 1 and 1024, not 0', 'factors < 1');
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'sku', factors => 1025)$$, '22023',
                 'factors must be between 1 and 1024, not 1025', 'factors > 1024');
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'sku', regularization => -1)$$, '22023',
                 'regularization must be a finite number of at least 0', 'negative regularization');
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'sku', alpha => -0.5)$$, '22023',
                 'alpha must be a finite number of at least 0', 'negative alpha');
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'sku', alpha => 'NaN')$$, '22023',
                 'alpha must be a finite number of at least 0', 'NaN alpha');
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'sku', iterations => 0)$$, '22023',
                 'iterations must be at least 1, not 0', 'iterations < 1');
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'sku', kind => 'svd')$$, '22023',
                 'invalid kind "svd"', 'unknown kind');
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'sku', solver => 'lu')$$, '22023',
                 'invalid solver "lu"', 'unknown solver');
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'sku', kind => 'explicit')$$, '22023',
                 'explicit matrix factorisation needs a value column', 'explicit without ratings');
SELECT throws_ok($$SELECT ecomai.mf_fit('buys', 'customer', 'nope')$$, '42703',
                 'column "nope" of relation "buys" does not exist', 'unknown column');
CREATE TEMP TABLE bad AS SELECT * FROM rates;
INSERT INTO bad VALUES (1, 99, NULL);
SELECT throws_ok($$SELECT ecomai.mf_fit('bad', 'user_id', 'item_id', 'rating', kind => 'explicit')$$, '22004',
                 'column "rating" contains a NULL value', 'NULL value');
UPDATE bad SET rating = 'Infinity' WHERE rating IS NULL;
SELECT throws_ok($$SELECT ecomai.mf_fit('bad', 'user_id', 'item_id', 'rating', kind => 'explicit')$$, '22000',
                 'column "rating" contains NaN or infinity', 'infinite value');
UPDATE bad SET rating = -1 WHERE item_id = 99;
SELECT throws_ok($$SELECT ecomai.mf_fit('bad', 'user_id', 'item_id', 'rating')$$, '22023',
                 'column "rating" contains a negative value', 'negative implicit value');
CREATE TEMP TABLE empty_t (user_id int, item_id int);
SELECT throws_ok($$SELECT ecomai.mf_fit('empty_t', 'user_id', 'item_id')$$, '22000',
                 'relation "empty_t" has no rows to train on', 'empty relation');
SELECT throws_ok($$SELECT ecomai.mf_fit('rates', 'user_id', 'item_id', NULL, iterations => NULL)$$, '22004',
                 'iterations must not be null', 'a NULL argument is named');
SELECT throws_ok($$SELECT ecomai.mf_fit('rates_train', 'user_id', 'item_id', 'rating', kind => 'explicit', factors => 8,
                                        regularization => 0, solver => 'cholesky')$$, '22000',
                 'least-squares system is singular', 'no regularization and too few ratings');
SELECT throws_ok($$SELECT * FROM ecomai.mf_recommend(pg_temp.m('exp'), 1, 0, NULL::bigint)$$, '22023',
                 'k must be at least 1, not 0', 'k < 1');
SELECT throws_ok($$SELECT * FROM ecomai.mf_recommend(pg_temp.m('exp'), 1, 5, ARRAY[1, 2])$$, '42804',
                 'item_type must be a single value, not an array', 'an exclude array without allowed');
SELECT throws_ok($$SELECT 'version=1 kind=implicit'::ecomai.mf_model$$, '22P02',
                 'invalid input syntax for type mf_model', 'truncated text input');
SELECT throws_ok($$SELECT replace(pg_temp.m('chol')::text, 'factors=3', 'factors=2000')::ecomai.mf_model$$, '22P02',
                 'invalid mf_model', 'factors out of range in text input');
SELECT throws_ok($$SELECT regexp_replace(pg_temp.m('exp')::text, '"2" ', '"1" ')::ecomai.mf_model$$, '22P02',
                 'invalid mf_model', 'duplicate or unsorted keys in text input');
SELECT throws_ok($$SELECT regexp_replace(pg_temp.m('exp')::text, '"2" ', '"02" ')::ecomai.mf_model$$, '22P02',
                 'invalid mf_model', 'a key not in its canonical form');
SELECT throws_ok($$SELECT regexp_replace(pg_temp.m('exp')::text, '"2" [^ ]+ ', '"2" Infinity ')::ecomai.mf_model$$, '22P02',
                 'invalid mf_model', 'an infinite bias in text input');
CREATE TEMP TABLE long_fit AS
SELECT u, i FROM generate_series(1, 3000) u, generate_series(1, 200) i WHERE (u * 37 + i * 11) % 7 = 0;
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT ecomai.mf_fit('long_fit', 'u', 'i', factors => 1024)$$, '54000', NULL,
                 'ecomai.max_memory bounds training');
RESET ecomai.max_memory;

-- statement_timeout stops a long fit
-- (throws_ok cannot catch a cancel: query_canceled is not among OTHERS)
CREATE FUNCTION pg_temp.cancelled_fit(OUT state text, OUT seconds float8) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    state := 'finished';
    BEGIN
        PERFORM ecomai.mf_fit('long_fit', 'u', 'i', factors => 128, iterations => 200, solver => 'cholesky');
    EXCEPTION WHEN query_canceled THEN
        state := SQLSTATE || ' ' || SQLERRM;
    END;
    seconds := extract(epoch FROM clock_timestamp() - t0);
END $$;
SET LOCAL statement_timeout = '300ms';
CREATE TEMP TABLE cancel_result AS SELECT * FROM pg_temp.cancelled_fit();
RESET statement_timeout;
SELECT is((SELECT state FROM cancel_result), '57014 canceling statement due to statement timeout',
          'statement_timeout cancels training');
SELECT diag('training cancelled after ' || round((SELECT seconds FROM cancel_result)::numeric, 3) || ' s (timeout 0.3 s)');

SELECT * FROM finish();
ROLLBACK;
