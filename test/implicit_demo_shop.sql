-- association_rules on the demo shop (demo/shop.sql, scale 1: a basket per customer, a product in
-- it when the customer's quantities for it sum above zero): every rule and every measure equal the
-- same counts done in plain SQL (1e-12), at a support low enough to keep thousands of rules; and the
-- model's item and basket counts equal plain-SQL counts.  Returns are netted: a customer whose lines
-- of a product sum to zero does not have it.
BEGIN;
\o /dev/null
\set scale 1
\ir ../demo/shop.sql
\o
SET client_min_messages = warning;
SELECT plan(6);
\ir lib/helpers.sql

-- returns: one customer's only line of a product cancelled by a negative line, so that
-- customer's basket must not hold it
CREATE TEMP TABLE lines AS SELECT customer_id, product_id, quantity FROM shop.order_items;
INSERT INTO lines
SELECT customer_id, product_id, -sum(quantity) FROM shop.order_items
WHERE customer_id IN (SELECT customer_id FROM shop.order_items GROUP BY 1 HAVING count(DISTINCT product_id) > 5 LIMIT 50)
  AND (customer_id + product_id) % 3 = 0
GROUP BY 1, 2;

CREATE TEMP TABLE shop_model AS
SELECT ecomai.cooccurrence(b) AS m
FROM (SELECT ecomai.svec_agg(product_id, quantity) AS b FROM lines GROUP BY customer_id) t;

-- plain SQL: netted baskets, baskets per product, baskets per ordered pair
CREATE TEMP TABLE ref_has AS
SELECT customer_id, product_id FROM lines GROUP BY 1, 2 HAVING sum(quantity) > 0;
CREATE TEMP TABLE ref_n AS SELECT count(DISTINCT customer_id) AS n FROM ref_has;
CREATE TEMP TABLE ref_items AS SELECT product_id, count(*) AS n FROM ref_has GROUP BY 1;
CREATE TEMP TABLE ref_pairs AS
SELECT a.product_id AS a, b.product_id AS b, count(*) AS n
FROM ref_has a JOIN ref_has b ON a.customer_id = b.customer_id AND a.product_id <> b.product_id
GROUP BY 1, 2 HAVING count(*) >= 0.001 * (SELECT n FROM ref_n);

SELECT cmp_ok((SELECT count(*) FROM lines l JOIN ref_has h USING (customer_id, product_id)),
              '<', (SELECT count(*) FROM lines), 'the returned lines are in the data and net some baskets out');
SELECT is((SELECT (ecomai.cooccurrence_summary(m)).baskets FROM shop_model), (SELECT n FROM ref_n),
          'the model counts the customers with a non-empty netted basket');
SELECT is((SELECT count(*) FROM shop_model, ecomai.popular_items(m, 100000) p
           FULL JOIN ref_items r ON r.product_id = p.item
           WHERE p.item IS NULL OR r.product_id IS NULL OR p.support <> r.n),
          0::bigint, 'every product''s basket count equals plain SQL (netted-out products count as nothing)');
SELECT cmp_ok((SELECT count(*) FROM ref_pairs), '>', 1000::bigint,
              'plain SQL finds over a thousand rules with support >= 0.001');
SELECT is(pg_temp.association_rule_mismatches(
              'SELECT r.* FROM shop_model, ecomai.association_rules(m, min_support => 0.001) r',
              'SELECT a, b, n FROM ref_pairs', 'SELECT product_id AS item, n FROM ref_items', (SELECT n FROM ref_n)),
          0::bigint, 'association_rules on the demo shop: every rule and measure equals the plain-SQL counts');
SELECT is((SELECT count(*) FROM shop_model, ecomai.association_rules(m, 0.001, 0.2, 3)),
          (SELECT count(*) FROM ref_pairs p JOIN ref_items ia ON ia.product_id = p.a
                JOIN ref_items ib ON ib.product_id = p.b, ref_n
           WHERE p.n::float8 / ia.n >= 0.2 AND (p.n::float8 / ia.n) / (ib.n::float8 / ref_n.n) >= 3),
          'min_confidence and min_lift keep exactly the rules plain SQL keeps');

SELECT * FROM finish();
ROLLBACK;
