-- association_rules on MovieLens 100k baskets (every rating one interaction, a basket per user):
-- every rule with support >= 0.05 and every measure equal the same counts done in plain SQL
-- (1e-12), and the model's item and basket counts equal plain-SQL counts.
BEGIN;
SELECT plan(4);
\ir lib/helpers.sql

CREATE TEMP TABLE ml (user_id int, item_id int, rating int, ts bigint);
CREATE TEMP TABLE ml_skip AS SELECT pg_temp.load_movielens('ml') AS why;

CREATE FUNCTION pg_temp.ml_tests() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE why text := (SELECT why FROM ml_skip);
BEGIN
    IF why IS NOT NULL THEN
        RETURN NEXT skip(why, 4);
        RETURN;
    END IF;
    RETURN NEXT is((SELECT count(*) FROM ml), 100000::bigint, 'u.data has 100000 ratings');

    CREATE TEMP TABLE ml_model ON COMMIT DROP AS
    SELECT ecomai.cooccurrence(items) AS m FROM (SELECT array_agg(item_id) AS items FROM ml GROUP BY user_id) t;
    -- plain SQL: baskets, baskets per item, baskets per ordered pair
    CREATE TEMP TABLE ref_n ON COMMIT DROP AS SELECT count(DISTINCT user_id) AS n FROM ml;
    CREATE TEMP TABLE ref_items ON COMMIT DROP AS SELECT item_id, count(DISTINCT user_id) AS n FROM ml GROUP BY 1;
    CREATE TEMP TABLE ref_pairs ON COMMIT DROP AS
    SELECT a.item_id AS a, b.item_id AS b, count(*) AS n
    FROM ml a JOIN ml b ON a.user_id = b.user_id AND a.item_id <> b.item_id
    GROUP BY 1, 2 HAVING count(*) >= 0.05 * (SELECT n FROM ref_n);

    RETURN NEXT is((SELECT count(*) FROM ml_model, ecomai.popular_items(m, 100000) p
                    FULL JOIN ref_items r ON r.item_id = p.item
                    WHERE p.item IS NULL OR r.item_id IS NULL OR p.support <> r.n),
                   0::bigint, 'every item''s basket count equals plain SQL');
    RETURN NEXT cmp_ok((SELECT count(*) FROM ref_pairs), '>', 1000::bigint,
                       'plain SQL finds over a thousand rules with support >= 0.05');
    RETURN NEXT is(pg_temp.association_rule_mismatches(
                       'SELECT r.* FROM ml_model, ecomai.association_rules(m, min_support => 0.05) r',
                       'SELECT a, b, n FROM ref_pairs', 'SELECT item_id AS item, n FROM ref_items',
                       (SELECT n FROM ref_n)),
                   0::bigint, 'association_rules on MovieLens baskets: every rule and measure equals the plain-SQL counts');
END $$;

SELECT * FROM pg_temp.ml_tests();
SELECT * FROM finish();
ROLLBACK;
