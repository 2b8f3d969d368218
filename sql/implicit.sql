-- Implicit-feedback recommendation, worked by hand: three customers' baskets.
--   ann: tea, cups        bob: tea, cups, honey        cy: honey, tea (and a returned tea)
-- Baskets: 3; tea in 3, cups in 2, honey in 2; pairs: tea-cups 2, tea-honey 2, cups-honey 1.
CREATE TABLE demo_lines (customer text, sku text, qty int);
INSERT INTO demo_lines VALUES
    ('ann', 'tea', 1), ('ann', 'cups', 2),
    ('bob', 'tea', 1), ('bob', 'cups', 1), ('bob', 'honey', 1),
    ('cy', 'honey', 1), ('cy', 'tea', 1), ('cy', 'tea', 1), ('cy', 'tea', -1);
CREATE TABLE demo_model AS
SELECT ecomai.cooccurrence(items) AS m
FROM (SELECT customer, array_agg(sku) AS items
        FROM (SELECT customer, sku FROM demo_lines GROUP BY 1, 2 HAVING sum(qty) > 0) net
       GROUP BY customer) baskets;
-- the model's text form: items with their basket counts, pairs by item index
SELECT m FROM demo_model;
SELECT * FROM ecomai.cooccurrence_summary((SELECT m FROM demo_model));
-- cosine: tea-cups = 2 / sqrt(3 * 2) = 0.816..., cups-honey = 1 / sqrt(2 * 2) = 0.5
SELECT item, neighbor, round(similarity::numeric, 6) AS similarity, support
FROM demo_model, ecomai.item_similarities(NULL::text, m, 'cosine') ORDER BY 1, 2;
-- conditional P(neighbor | item): P(tea | cups) = 2/2 = 1, P(cups | tea) = 2/3
SELECT item, neighbor, round(similarity::numeric, 6) AS similarity
FROM demo_model, ecomai.item_similarities(NULL::text, m, 'conditional') ORDER BY 1, 2;
-- rules: cups -> tea has confidence 1, lift 1 (tea is in every basket), conviction infinite
SELECT antecedent, consequent, round(support::numeric, 6) AS support, round(confidence::numeric, 6) AS confidence,
       round(lift::numeric, 6) AS lift, round(leverage::numeric, 6) AS leverage, conviction, n_both
FROM demo_model, ecomai.association_rules(NULL::text, m) ORDER BY 1, 2;
-- EASE with lambda 2: G + 2I = [[5,2,2],[2,4,1],[2,1,4]] (tea, cups, honey), its inverse
-- P = [[15,-6,-6],[-6,16,-1],[-6,-1,16]] / 51, B[i][j] = -P[i][j] / P[j][j]:
-- tea->cups 6/16 = 0.375, cups->tea 6/15 = 0.4, cups->honey 1/16 = 0.0625
SELECT item, neighbor, round(similarity::numeric, 6) AS similarity, support
FROM demo_model, ecomai.ease(NULL::text, m, 2) ORDER BY 1, 2;
CREATE TABLE demo_ease AS SELECT e.* FROM demo_model, ecomai.ease(NULL::text, m, 2) e;
-- a cart with cups: tea 0.4 and honey 0.0625, both because of cups; an anonymous visitor gets
-- the popular items, marked as fallback
SELECT item, round(score::numeric, 6) AS score, because, is_fallback FROM ecomai.recommend_from_history('demo_ease', ARRAY['cups'], 3);
SELECT * FROM ecomai.recommend_from_history('demo_ease', '{}'::text[], 2,
                               fallback => ARRAY(SELECT item FROM demo_model, ecomai.popular_items(NULL::text, m, 5)));
-- text items need the typed NULL first
SELECT * FROM ecomai.popular_items((SELECT m FROM demo_model));
