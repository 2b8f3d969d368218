-- A shop with uuid customers and text SKUs, returns and soft-deleted products: build a model,
-- recommend, split and evaluate with no mapping table written by the test; results come back
-- as uuid and text.  Cold start, exclude/allowed, positive scores only, and the errors of
-- recommend, split_interactions and evaluate_recommendations.
BEGIN;
SELECT plan(41);
\ir lib/helpers.sql
SET LOCAL search_path = public, ecomai;

-- 200 customers (uuid), 30 SKUs (text), lines with returns; products 'SKU-29' and 'SKU-30' deleted.
CREATE TABLE k_products AS
SELECT 'SKU-' || p AS sku, p >= 29 AS deleted FROM generate_series(1, 30) p;
CREATE TABLE k_lines AS
SELECT md5('customer ' || c)::uuid AS customer, c AS n,
       'SKU-' || (1 + floor(30 * power((abs(hashint8(c * 50 + l)) % 1000) / 1000.0, 1.5)))::int AS sku,
       1 AS qty, timestamptz '2025-01-01' + (c * 7 + l) * interval '1 hour' AS ts, c * 10 + l / 3 AS order_id
FROM generate_series(1, 200) c, generate_series(1, 2 + (c % 7)::int) l;
-- every fifth customer returns their first line
INSERT INTO k_lines SELECT customer, n, sku, -1, ts + interval '1 day', order_id FROM k_lines
 WHERE n % 5 = 0 AND ts = (SELECT min(ts) FROM k_lines k WHERE k.customer = k_lines.customer);

-- The same lines with integer keys, for an independent check.
CREATE TEMP TABLE k_int AS SELECT n, substr(sku, 5)::int AS item, qty FROM k_lines;

-- the weekly model: baskets of net-positive SKUs per customer
CREATE TABLE k_model AS
SELECT ecomai.cooccurrence(items) AS m
FROM (SELECT customer, array_agg(sku) AS items
        FROM (SELECT customer, sku FROM k_lines GROUP BY 1, 2 HAVING sum(qty) > 0) net GROUP BY customer) b;
CREATE TEMP TABLE k_model_int AS
SELECT ecomai.cooccurrence(items) AS m
FROM (SELECT n, array_agg(item) AS items
        FROM (SELECT n, item FROM k_int GROUP BY 1, 2 HAVING sum(qty) > 0) net GROUP BY n) b;

SELECT is((SELECT (cooccurrence_summary(m)).key_type FROM k_model), 'text'::regtype, 'the model keeps text SKUs');
CREATE TABLE k_ease AS SELECT e.* FROM k_model, ease(NULL::text, m, 10, 20) e;
CREATE INDEX ON k_ease (item);
SELECT is((SELECT pg_typeof(item)::text || ',' || pg_typeof(neighbor)::text FROM k_ease LIMIT 1), 'text,text',
          'EASE rows come back with text SKUs');
SELECT is((SELECT count(*) FROM (SELECT 'SKU-' || item AS item, 'SKU-' || neighbor AS neighbor, similarity
                                 FROM k_model_int, ease(m, 10, NULL)) i
           FULL JOIN (SELECT * FROM k_model, ease(NULL::text, m, 10, NULL)) t USING (item, neighbor)
           WHERE NOT (abs(i.similarity - t.similarity) < 1e-12)), 0::bigint,
          'text keys give the weights of the same data with integer keys (1e-12: items in another order)');

-- recommend for one customer, straight from their lines: no mapping table
CREATE TEMP TABLE k_one AS
SELECT r.* FROM ecomai.recommend_from_history('k_ease', (SELECT array_agg(sku) FROM k_lines WHERE n = 7), 5) r;
SELECT is((SELECT pg_typeof(item)::text FROM k_one LIMIT 1), 'text', 'recommendations come back as text SKUs');
SELECT ok((SELECT count(*) FROM k_one) BETWEEN 1 AND 5, 'up to k rows');
SELECT is((SELECT count(*) FROM k_one WHERE item IN (SELECT sku FROM k_lines WHERE n = 7)), 0::bigint, 'owned items are not recommended');
SELECT is((SELECT count(*) FROM k_one WHERE NOT (score > 0) OR is_fallback), 0::bigint, 'every scored row has a positive score');
-- the score is the sum of the EASE weights over the history, computed independently
SELECT is((SELECT array_agg(ARRAY[item, round(score::numeric, 10)::text] ORDER BY item) FROM k_one),
          (SELECT array_agg(ARRAY[neighbor, round(s::numeric, 10)::text] ORDER BY neighbor) FROM (
               SELECT neighbor, sum(similarity) AS s FROM k_ease
                WHERE item IN (SELECT sku FROM k_lines WHERE n = 7) AND neighbor NOT IN (SELECT sku FROM k_lines WHERE n = 7)
                GROUP BY neighbor HAVING sum(similarity) > 0 ORDER BY sum(similarity) DESC, neighbor LIMIT 5) t),
          'scores equal the plain-SQL sum of weights over the history');
SELECT is((SELECT count(*) FROM k_one o WHERE because NOT IN (SELECT sku FROM k_lines WHERE n = 7)), 0::bigint,
          'because names an item of the history');
SELECT is((SELECT count(*) FROM ecomai.recommend_from_history('k_ease', (SELECT array_agg(sku) FROM k_lines), 40) WHERE NOT (score > 0)),
          0::bigint, 'no zero or negative scores even when asking for more than there are');

-- business filters
SELECT is((SELECT count(*) FROM ecomai.recommend_from_history('k_ease', ARRAY['SKU-1', 'SKU-2'], 30,
                                                 exclude => ARRAY(SELECT sku FROM k_products WHERE deleted)) r
           WHERE r.item IN (SELECT sku FROM k_products WHERE deleted)), 0::bigint, 'exclude: deleted products never come back');
SELECT is((SELECT count(*) FROM ecomai.recommend_from_history('k_ease', ARRAY['SKU-1', 'SKU-2'], 30, allowed => ARRAY['SKU-3', 'SKU-4', 'SKU-5']) r
           WHERE r.item NOT IN ('SKU-3', 'SKU-4', 'SKU-5')), 0::bigint, 'allowed: only those items come back');

-- cold start: an empty history (an anonymous visitor) gets the k most popular items
CREATE TEMP TABLE k_popular AS SELECT p.item, p.support FROM k_model, popular_items(NULL::text, m, 10) p;
SELECT is((SELECT array_agg(item ORDER BY o) FROM (SELECT item, row_number() OVER () o FROM
              ecomai.recommend_from_history('k_ease', '{}'::text[], 5, fallback => ARRAY(SELECT item FROM k_popular))) r),
          (SELECT array_agg(sku ORDER BY n DESC, sku) FROM (SELECT sku, count(*) n FROM (SELECT customer, sku FROM k_lines GROUP BY 1, 2
                HAVING sum(qty) > 0) x GROUP BY sku ORDER BY 2 DESC, 1 LIMIT 5) t),
          'empty history with fallback: the 5 most popular SKUs (plain-SQL counts)');
SELECT is((SELECT bool_and(is_fallback AND score IS NULL AND because IS NULL) FROM
              ecomai.recommend_from_history('k_ease', NULL::text[], 5, fallback => ARRAY(SELECT item FROM k_popular))), true,
          'fallback rows say so, with no score');
SELECT is((SELECT count(*) FROM ecomai.recommend_from_history('k_ease', '{}'::text[], 5)), 0::bigint, 'empty history without fallback: no rows');
SELECT is((SELECT count(*) FROM ecomai.recommend_from_history('k_ease', ARRAY['no such sku'], 5, fallback => ARRAY(SELECT item FROM k_popular))),
          5::bigint, 'unknown history items: filled from the fallback');
SELECT is((SELECT count(*) FROM ecomai.recommend_from_history('k_ease', ARRAY['SKU-1'], 8, exclude => ARRAY['SKU-2'],
                                                 fallback => ARRAY(SELECT item FROM k_popular)) r
           WHERE r.item IN ('SKU-1', 'SKU-2')), 0::bigint, 'fallback rows honour the history and exclude');

-- split and evaluate on uuid customers and text SKUs
CREATE TABLE k_split AS SELECT * FROM split_interactions('k_lines', 'customer', 'sku', NULL::uuid, NULL::text, 'random', 0.25, 3);
SELECT is((SELECT pg_typeof(user_id)::text || ',' || pg_typeof(item)::text FROM k_split LIMIT 1), 'uuid,text',
          'split_interactions keeps uuid customers and text SKUs');
SELECT is((SELECT count(*) FROM (SELECT user_id, count(*) n, count(*) FILTER (WHERE is_test) t FROM k_split GROUP BY 1) x
           WHERE t <> round(n * 0.25::float8)), 0::bigint, 'random split: round(25%) of each customer''s items are test');
SELECT is((SELECT count(*) FROM k_split), (SELECT count(*) FROM (SELECT DISTINCT customer, sku FROM k_lines) d),
          'every distinct (customer, SKU) pair once');
SELECT is((SELECT array_agg(is_test ORDER BY user_id, item) FROM split_interactions('k_lines', 'customer', 'sku', NULL::uuid, NULL::text, 'random', 0.25, 3)),
          (SELECT array_agg(is_test ORDER BY user_id, item) FROM k_split), 'the same seed gives the same split');
SELECT is((SELECT count(*) FROM split_interactions('k_lines', 'customer', 'sku', NULL::uuid, NULL::text, 'last_basket', basket_col => 'order_id') s
           WHERE s.is_test <> EXISTS (SELECT 1 FROM k_lines l WHERE l.customer = s.user_id AND l.sku = s.item
                                      AND l.order_id = (SELECT max(order_id) FROM k_lines m WHERE m.customer = s.user_id)
                                      AND (SELECT count(DISTINCT order_id) FROM k_lines m WHERE m.customer = s.user_id) > 1)),
          0::bigint, 'leave-last-basket-out: the items of each customer''s last order are test');

CREATE TEMP TABLE k_test AS SELECT user_id, item FROM k_split WHERE is_test;
CREATE TEMP TABLE k_recs AS
SELECT h.user_id, r.item, r.score FROM (SELECT user_id, array_agg(item) AS items FROM k_split WHERE NOT is_test GROUP BY 1) h,
       ecomai.recommend_from_history('k_ease', h.items, 5) r;
CREATE TEMP TABLE k_eval AS SELECT * FROM evaluate_recommendations('k_test', 'k_recs', 5);
-- precision@5 and hit rate recomputed in plain SQL
SELECT is((SELECT round(precision_at_k::numeric, 12) FROM k_eval),
          (SELECT round(avg(hits / 5.0), 12) FROM (
               SELECT u.user_id, count(t.item) AS hits FROM (SELECT DISTINCT user_id FROM k_recs WHERE user_id IN (SELECT user_id FROM k_test)) u
               LEFT JOIN k_recs r ON r.user_id = u.user_id LEFT JOIN k_test t ON t.user_id = r.user_id AND t.item = r.item
               GROUP BY u.user_id) x),
          'evaluate: precision@5 equals plain SQL');
SELECT ok((SELECT ndcg_at_k BETWEEN 0 AND 1 AND map BETWEEN 0 AND 1 AND hit_rate BETWEEN 0 AND 1 AND coverage BETWEEN 0 AND 1 FROM k_eval),
          'evaluate: metrics between 0 and 1');

-- errors
SELECT throws_ok($$SELECT * FROM ecomai.recommend_from_history('k_ease', ARRAY[1, 2], 5)$$, '42804',
                 'columns "item" and "neighbor" of k_ease must be of the history''s item type integer', 'history of another type');
SELECT throws_ok($$SELECT * FROM ecomai.recommend_from_history('k_ease', ARRAY['SKU-1'], 5, exclude => ARRAY[1])$$, '42804',
                 'exclude must be an array of the history''s type text[], not integer[]', 'mismatched array types');
SELECT throws_ok($$SELECT * FROM ecomai.recommend_from_history('k_ease', ARRAY['SKU-1'], 0)$$, '22023', 'k must be at least 1, not 0', 'k < 1');
SELECT throws_ok($$SELECT * FROM ecomai.recommend_from_history('k_ease', ARRAY['SKU-1'], NULL)$$, '22004', 'k must not be null', 'NULL k is named');
SELECT throws_ok($$SELECT * FROM ecomai.recommend_from_history('k_ease', ARRAY['SKU-1'], 5, similarity_col => NULL)$$, '22004',
                 'similarity_col must not be null', 'a NULL column name is named');
SELECT throws_ok($$SELECT * FROM ecomai.recommend_from_history('k_ease', ARRAY['SKU-1'], 5, similarity_col => 'nope')$$, '42703',
                 'column "nope" of relation "k_ease" does not exist', 'unknown column, no internal query text');
SELECT throws_ok($$SELECT * FROM split_interactions('k_lines', 'customer', 'sku', NULL::text, NULL::text)$$, '42804', NULL,
                 'split_interactions: witness of the wrong type');
-- an unknown column is 42703 naming it, and no context line quotes a statement of ecomai's (the
-- test's own EXECUTE is the only quoted statement)
SELECT throws_ok($$SELECT * FROM evaluate_recommendations('k_test', 'k_recs', 5, score_col => 'nope')$$, '42703',
                 'column "nope" of relation "k_recs" does not exist', 'evaluate: unknown score column');
SELECT doesnt_match(pg_temp.error_context($$SELECT * FROM evaluate_recommendations('k_test', 'k_recs', 5, score_col => 'nope')$$),
                    'relation_column_type\(|PL/pgSQL (assignment|expression)', 'evaluate: no internal statement in the error context');
SELECT doesnt_match(pg_temp.error_context($$SELECT * FROM evaluate_recommendations('k_test', 'k_recs', 5, user_col => 'nope')$$),
                    'relation_column_type\(|PL/pgSQL (assignment|expression)', 'evaluate, unknown user column: no internal statement in the error context');
SELECT throws_ok($$SELECT * FROM split_interactions('k_lines', 'customer', 'sku', NULL::uuid, NULL::text, 'time', time_col => 'nope')$$,
                 '42703', NULL, 'split by time: unknown time column');
SELECT doesnt_match(pg_temp.error_context($$SELECT * FROM split_interactions('k_lines', 'customer', 'sku', NULL::uuid, NULL::text, 'last_basket', basket_col => 'nope')$$),
                    'relation_column_type\(|PL/pgSQL (assignment|expression)', 'split by last basket: no internal statement in the error context');

-- a NULL argument is named, as everywhere; the column helper names its own
SELECT throws_ok($$SELECT * FROM evaluate_recommendations('k_test', 'k_recs', NULL)$$, '22004', 'k must not be null',
                 'evaluate: a NULL k is named');
SELECT throws_ok($$SELECT * FROM split_interactions('k_lines', 'customer', 'sku', NULL::uuid, NULL::text, seed => NULL)$$,
                 '22004', 'seed must not be null', 'split_interactions: a NULL seed is named');
SELECT throws_ok($$SELECT ecomai.relation_column_type(NULL, 'customer')$$, '22004', 'rel must not be null',
                 'relation_column_type: a NULL relation is named');
SELECT throws_ok($$SELECT ecomai.relation_column_type(0, 'customer')$$, '42P01', 'relation with OID 0 does not exist',
                 'relation_column_type: a missing relation is 42P01');
SELECT is(ecomai.relation_column_type('k_lines'::regclass, 'customer'), 'uuid'::regtype,
          'relation_column_type: the type of an existing column');

SELECT * FROM finish();
ROLLBACK;
