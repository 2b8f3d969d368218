-- Implicit-feedback models: the cooccurrence aggregate against plain-SQL counts, its text and
-- binary round trips, parallel = serial, item_similarities and association_rules against the
-- same measures computed in plain SQL, EASE against its defining equation, and every error.
BEGIN;
SELECT plan(48);
\ir lib/helpers.sql
SET LOCAL search_path = public, ecomai;

-- Order lines: 300 customers, 40 products with a long tail, quantities 1..3, some returns
-- (negative lines) that net a purchase to zero, and a few lines of a product bought twice.
CREATE TABLE imp_lines AS
SELECT c AS customer, (1 + floor(40 * power((abs(hashint8(c * 100 + l)) % 10000) / 10000.0, 2)))::bigint AS product,
       (1 + abs(hashint8(c * 31 + l)) % 3)::float8 AS qty
FROM generate_series(1, 300) c, generate_series(1, 1 + (c % 9)::int) l;
INSERT INTO imp_lines SELECT customer, product, -qty FROM imp_lines WHERE customer % 17 = 0 AND product % 2 = 0;
ANALYZE imp_lines;

-- The netted basket of each customer: what a shop feeds the model (only positive net counts).
CREATE TABLE imp_net AS
SELECT customer, product, sum(qty) AS qty FROM imp_lines GROUP BY 1, 2 HAVING sum(qty) > 0;
CREATE TABLE imp_baskets AS
SELECT customer, svec_agg(product, qty) AS b, array_agg(product) AS items
FROM imp_net GROUP BY customer;
ANALYZE imp_baskets;

CREATE TABLE imp_m AS
SELECT (SELECT cooccurrence(b) FROM imp_baskets) AS weighted,
       (SELECT cooccurrence(items) FROM imp_baskets) AS binary_model,
       (SELECT cooccurrence(svec_agg) FROM (SELECT svec_agg(product, qty) FROM imp_lines GROUP BY customer) t) AS from_lines;

-- Plain-SQL counts: items, pairs (a < b), baskets.
CREATE TEMP TABLE ref_items AS SELECT product, count(*) AS n, sum(qty * qty) AS w FROM imp_net GROUP BY product;
CREATE TEMP TABLE ref_pairs AS
SELECT a.product AS a, b.product AS b, count(*) AS n, sum(a.qty * b.qty) AS g
FROM imp_net a JOIN imp_net b ON a.customer = b.customer AND a.product < b.product GROUP BY 1, 2;
CREATE TEMP TABLE ref_n AS SELECT count(DISTINCT customer) AS n FROM imp_net;

SELECT is((SELECT (cooccurrence_summary(weighted)).baskets FROM imp_m), (SELECT n FROM ref_n),
          'baskets: customers with a positive net item');
SELECT is((SELECT (cooccurrence_summary(weighted)).pairs FROM imp_m), (SELECT count(*) FROM ref_pairs),
          'pairs: the pairs seen together in plain SQL');
SELECT is((SELECT weighted::text FROM imp_m), (SELECT from_lines::text FROM imp_m),
          'returns netted to zero count as nothing: the model from raw lines equals the netted one');
SELECT is((SELECT (cooccurrence_summary(binary_model)).key_type FROM imp_m), 'bigint'::regtype,
          'a bigint[] basket gives bigint keys');

-- popular_items = item counts in plain SQL
SELECT is((SELECT array_agg(ARRAY[item, support] ORDER BY support DESC, item) FROM imp_m, popular_items(binary_model, 1000)),
          (SELECT array_agg(ARRAY[product, n] ORDER BY n DESC, product) FROM ref_items),
          'popular_items: every item with its basket count, most popular first');

-- item_similarities against plain SQL, every measure (k => NULL keeps every neighbour).
CREATE TEMP TABLE ref_sym AS
SELECT a, b, n, g FROM ref_pairs UNION ALL SELECT b, a, n, g FROM ref_pairs;
CREATE FUNCTION pg_temp.sim_diff(measure text, ref text, alpha float8 DEFAULT 0) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE d float8;
BEGIN
    EXECUTE format($q$
        SELECT max(abs(coalesce(s.similarity, -1e9) - coalesce(r.sim, 1e9)))
        FROM (SELECT item, neighbor, similarity, support FROM imp_m, ecomai.item_similarities(weighted, %L, NULL, alpha => %s)) s
        FULL JOIN (SELECT p.a, p.b, p.n, (%s) AS sim FROM ref_sym p JOIN ref_items ia ON ia.product = p.a
                   JOIN ref_items ib ON ib.product = p.b, ref_n) r ON r.a = s.item AND r.b = s.neighbor AND r.n = s.support
    $q$, measure, alpha, ref) INTO d;
    RETURN d;
END $$;
SELECT cmp_ok(pg_temp.sim_diff('cosine', 'p.g / sqrt(ia.w * ib.w)'), '<', 1e-12::float8, 'cosine = weighted Gram / norms (plain SQL)');
SELECT cmp_ok(pg_temp.sim_diff('jaccard', 'p.n::float8 / (ia.n + ib.n - p.n)'), '<', 1e-12::float8, 'jaccard = plain SQL');
SELECT cmp_ok(pg_temp.sim_diff('lift', 'p.n::float8 * ref_n.n / (ia.n * ib.n)'), '<', 1e-12::float8, 'lift = plain SQL');
SELECT cmp_ok(pg_temp.sim_diff('conditional', 'p.n::float8 / ia.n'), '<', 1e-12::float8, 'conditional = P(neighbor | item), plain SQL');
SELECT cmp_ok(pg_temp.sim_diff('conditional', 'p.n::float8 / (ia.n * power(ib.n, 0.5))', 0.5), '<', 1e-12::float8,
              'conditional with alpha 0.5 (Deshpande-Karypis) = plain SQL');
SELECT cmp_ok(pg_temp.sim_diff('dot', 'p.g'), '<', 1e-12::float8, 'dot = weighted Gram entry');

-- top k, min_support and shrinkage
SELECT is((SELECT max(c) FROM (SELECT count(*) c FROM imp_m, item_similarities(weighted, 'cosine', 3) GROUP BY item) t),
          3::bigint, 'k = 3 keeps three neighbours per item');
SELECT is((SELECT array_agg(neighbor ORDER BY similarity DESC, neighbor) FROM imp_m, item_similarities(weighted, 'jaccard', 3) WHERE item = 1),
          (SELECT array_agg(b ORDER BY sim DESC, b) FROM (SELECT b, ref_sym.n::float8 / (ia.n + ib.n - ref_sym.n) sim FROM ref_sym
              JOIN ref_items ia ON ia.product = a JOIN ref_items ib ON ib.product = b WHERE a = 1
              ORDER BY sim DESC, b LIMIT 3) t),
          'k = 3: the three best, ties broken by the smaller key');
SELECT is((SELECT min(support) FROM imp_m, item_similarities(weighted, 'cosine', NULL, min_support => 3)), 3::bigint,
          'min_support drops rarer pairs');
SELECT cmp_ok((SELECT max(abs(s.similarity - c.similarity * c.support / (c.support + 5.0)))
               FROM imp_m, item_similarities(weighted, 'cosine', NULL, shrinkage => 5) s
               JOIN item_similarities(weighted, 'cosine', NULL) c USING (item, neighbor)), '<', 1e-15::float8,
              'shrinkage multiplies by support / (support + shrinkage)');

-- association_rules = plain-SQL counts (1e-12)
SELECT is(pg_temp.association_rule_mismatches('SELECT r.* FROM imp_m, association_rules(binary_model) r',
                                               'SELECT a, b, n FROM ref_sym', 'SELECT product AS item, n FROM ref_items',
                                               (SELECT n FROM ref_n)),
          0::bigint, 'association_rules: every rule and measure equals the plain-SQL counts');
SELECT is((SELECT count(*) FROM imp_m, association_rules(binary_model, 0.05, 0.3, 1.2)),
          (SELECT count(*) FROM imp_m, association_rules(binary_model) WHERE support >= 0.05 AND confidence >= 0.3 AND lift >= 1.2),
          'association_rules thresholds filter as a WHERE clause would');

-- EASE: B = I - P diagMat(1/diag P), P = (G + lambda I)^-1, so (G + lambda I) B = G + lambda I - diagMat(1/diag P):
-- off the diagonal, sum_l (G + lambda I)[i][l] B[l][j] = G[i][j] for i <> j.
CREATE TEMP TABLE ease_b AS SELECT item, neighbor, similarity FROM imp_m, ease(binary_model, 7.5, NULL);
CREATE TEMP TABLE gram AS
SELECT a AS i, b AS j, n::float8 AS g FROM ref_sym UNION ALL SELECT product, product, n + 7.5 FROM ref_items;
SELECT cmp_ok((SELECT max(abs(coalesce(lhs, 0) - coalesce(g, 0)))
               FROM (SELECT gr.i, b.neighbor AS j, sum(gr.g * b.similarity) AS lhs
                     FROM gram gr JOIN ease_b b ON b.item = gr.j GROUP BY 1, 2) x
               FULL JOIN (SELECT i, j, g FROM gram WHERE i <> j) y USING (i, j)
               WHERE i <> j), '<', 1e-9::float8,
              'EASE weights satisfy (G + lambda I) B = G off the diagonal');
SELECT is((SELECT count(*) FROM ease_b WHERE item = neighbor), 0::bigint, 'EASE: no weight on the diagonal');
SELECT is((SELECT max(c) FROM (SELECT count(*) c FROM imp_m, ease(binary_model, 7.5, 5) GROUP BY item) t), 5::bigint,
          'EASE k = 5 keeps five weights per item');
SELECT is((SELECT count(*) FROM (SELECT item, neighbor, similarity, rank() OVER (PARTITION BY item ORDER BY abs(similarity) DESC) rk
                                 FROM ease_b) a
           LEFT JOIN (SELECT item, neighbor FROM imp_m, ease(binary_model, 7.5, 5)) b USING (item, neighbor)
           WHERE (rk <= 5) <> (b.item IS NOT NULL)), 0::bigint, 'EASE k keeps the largest by absolute value');

-- Round trips: text, binary COPY; text and uuid keys.
CREATE TABLE imp_keys AS
SELECT (SELECT cooccurrence(ARRAY(SELECT 'sku-' || x || CASE WHEN x % 5 = 0 THEN ' "q\' ELSE '' END FROM unnest(items) x)) FROM imp_baskets) AS t,
       (SELECT cooccurrence(ARRAY(SELECT md5(x::text)::uuid FROM unnest(items) x)) FROM imp_baskets) AS u;
SELECT is((SELECT weighted::text::cooccurrence::text FROM imp_m), (SELECT weighted::text FROM imp_m), 'text round trip (weighted)');
SELECT is((SELECT t::text::cooccurrence::text FROM imp_keys), (SELECT t::text FROM imp_keys), 'text round trip (text keys with quotes and backslashes)');
SELECT is((SELECT u::text::cooccurrence::text FROM imp_keys), (SELECT u::text FROM imp_keys), 'text round trip (uuid keys)');
CREATE TEMP TABLE dumped AS SELECT weighted AS m FROM imp_m UNION ALL SELECT t FROM imp_keys UNION ALL SELECT u FROM imp_keys;
CREATE TEMP TABLE restored (LIKE dumped);
SELECT pg_temp.copy_through_file('SELECT * FROM dumped', 'restored', '(FORMAT binary)');
SELECT is((SELECT array_agg(m::text ORDER BY m::text) FROM restored), (SELECT array_agg(m::text ORDER BY m::text) FROM dumped),
          'binary COPY round trip');
SELECT is((SELECT array_agg(s.similarity ORDER BY s.item, s.neighbor)
           FROM imp_keys, item_similarities(NULL::text, t, 'jaccard', NULL) s),
          (SELECT array_agg(s.similarity ORDER BY 'sku-' || s.item || CASE WHEN s.item % 5 = 0 THEN ' "q\' ELSE '' END,
                                                  'sku-' || s.neighbor || CASE WHEN s.neighbor % 5 = 0 THEN ' "q\' ELSE '' END)
           FROM imp_m, item_similarities(binary_model, 'jaccard', NULL) s),
          'text keys give the same similarities as integer keys');
SELECT is((SELECT pg_typeof(item)::text FROM imp_keys, item_similarities(NULL::uuid, u) LIMIT 1), 'uuid',
          'uuid keys come back as uuid');

-- Parallel = serial (a real table of baskets: a parallel plan cannot scan a temporary one).
CREATE TEMP TABLE serial AS SELECT cooccurrence(b)::text AS w, cooccurrence(items)::text AS a FROM imp_baskets;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
SELECT ok(bool_or(plan ~ 'Partial Aggregate'), 'cooccurrence aggregates partially in workers')
FROM pg_temp.explain_lines('SELECT ecomai.cooccurrence(b) FROM imp_baskets') plan;
SELECT is((SELECT cooccurrence(b)::text FROM imp_baskets), (SELECT w FROM serial), 'cooccurrence(svec): parallel equals serial');
SELECT is((SELECT cooccurrence(items)::text FROM imp_baskets), (SELECT a FROM serial), 'cooccurrence(anyarray): parallel equals serial');
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;

-- NULL semantics
SELECT is((SELECT cooccurrence(b) FROM imp_baskets WHERE false) IS NULL, true, 'no baskets: NULL model');
SELECT is((SELECT count(*) FROM item_similarities(NULL::cooccurrence)), 0::bigint, 'a NULL model gives no rows');

-- Errors
SELECT throws_ok($$SELECT 'key_type="bigint" baskets=1 items={1:1:1'::cooccurrence$$, '22P02',
                 'invalid input syntax for type cooccurrence', 'text input: truncated');
SELECT throws_ok($$SELECT 'key_type="bigint" baskets=1 items={2:1:1,1:1:1} pairs={}'::cooccurrence$$, '22P02',
                 'invalid cooccurrence model', 'text input: keys out of order');
SELECT throws_ok($$SELECT 'key_type="bigint" baskets=1 items={1:1:1,2:1:1} pairs={0:1:2:1}'::cooccurrence$$, '22P02',
                 'invalid cooccurrence model', 'text input: a pair count above its items''');
SELECT throws_ok($$SELECT 'key_type="nosuchtype" baskets=0 items={} pairs={}'::cooccurrence$$, '22P02',
                 'invalid cooccurrence model', 'text input: unknown key type');
SELECT throws_ok($$SELECT 'key_type="bigint" baskets=1 items={1:1:NaN} pairs={}'::cooccurrence$$, '22003',
                 'cooccurrence weight is out of range for type double precision', 'text input: NaN weight');
SELECT throws_ok($$SELECT * FROM imp_m, item_similarities(weighted, 'pearson')$$, '22023', 'unknown measure "pearson"', 'unknown measure');
SELECT throws_ok($$SELECT * FROM imp_m, item_similarities(weighted, NULL)$$, '22004', 'measure must not be null', 'NULL measure');
SELECT throws_ok($$SELECT * FROM imp_m, item_similarities(weighted, 'cosine', 0)$$, '22023', 'k must be at least 1, not 0', 'k < 1');
SELECT throws_ok($$SELECT * FROM imp_m, ease(binary_model, 0)$$, '22023', 'lambda must be a finite number > 0, not 0', 'lambda <= 0');
SELECT throws_ok($$SELECT * FROM imp_m, ease(binary_model, NULL)$$, '22004', 'lambda must not be null', 'NULL lambda');
SELECT throws_ok($$SELECT * FROM imp_keys, ease(NULL::text, t, NULL)$$, '22004', 'lambda must not be null',
                 'NULL lambda of the typed form (arguments shifted by key_type) is named');
SELECT throws_ok($$SELECT * FROM imp_keys, item_similarities(t)$$, '42804', 'the model''s items are of type text, not bigint',
                 'text keys need a typed NULL');
SELECT throws_ok($$SELECT * FROM imp_keys, ease(NULL::uuid, t)$$, '42804', 'the model''s items are of type text, not uuid',
                 'mismatched key type');
SELECT throws_ok($$SELECT * FROM imp_m, association_rules(binary_model, 2)$$, '22023',
                 'min_support must be between 0 and 1, not 2', 'min_support above 1');
SELECT throws_ok($$SELECT * FROM imp_m, association_rules(binary_model, 0, -0.5)$$, '22023',
                 'min_confidence must be between 0 and 1, not -0.5', 'min_confidence below 0');
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT * FROM ease((SELECT cooccurrence(ARRAY[g, g + 1]) FROM generate_series(1, 400) g))$$, '54000',
                 'EASE dense 401 x 401 item matrix needs 2071 kB, more than ecomai.max_memory (1024 kB)',
                 'EASE beyond ecomai.max_memory: 54000 naming the setting');
RESET ecomai.max_memory;

SELECT * FROM finish();
ROLLBACK;
