-- item_neighbors / user_neighbors on MovieLens 100k: the top-k lists of a few items and users
-- equal a plain-SQL computation of the same definition (values rank by rank to 1e-12, pairs
-- wherever there is no tie).  The comparison with SciPy on every item is in
-- bench/neighbors_scipy.py (run by bench/neighbors.sh).
BEGIN;
SELECT plan(8);
\ir lib/helpers.sql

CREATE TEMP TABLE ml (user_id int, item_id int, rating int, ts bigint);
CREATE TEMP TABLE ml_skip AS SELECT pg_temp.load_movielens('ml') AS why;

CREATE FUNCTION pg_temp.ml_tests() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE why text := (SELECT why FROM ml_skip);
BEGIN
    IF why IS NOT NULL THEN
        RETURN NEXT skip(why, 8);
        RETURN;
    END IF;

    RETURN NEXT is((SELECT count(*) FROM ml), 100000::bigint, 'u.data has 100000 ratings');

    CREATE TEMP TABLE ml_items ON COMMIT DROP AS SELECT unnest(ARRAY[1, 50, 100, 181, 258, 1000, 1500, 1682]) AS item;
    CREATE TEMP TABLE nb_ours ON COMMIT DROP AS
        SELECT * FROM ecomai.item_neighbors('ml', 'user_id', 'item_id', 'rating', k => 50);

    -- cosine over whole vectors, written in SQL (numeric)
    CREATE TEMP TABLE nb_ref ON COMMIT DROP AS
    WITH nrm AS (SELECT item_id, sqrt(sum(rating::numeric ^ 2)) AS n FROM ml GROUP BY item_id),
    s AS (SELECT a.item_id AS item, b.item_id AS neighbor,
                 sum(a.rating::numeric * b.rating) / (na.n * nb.n) AS sim, count(*) AS support
          FROM ml a JOIN ml b ON a.user_id = b.user_id AND a.item_id <> b.item_id
          JOIN nrm na ON na.item_id = a.item_id JOIN nrm nb ON nb.item_id = b.item_id
          WHERE a.item_id IN (SELECT item FROM ml_items)
          GROUP BY 1, 2, na.n, nb.n)
    SELECT *, row_number() OVER (PARTITION BY item ORDER BY sim DESC, neighbor) AS rk FROM s;

    RETURN NEXT is((SELECT count(*) FROM nb_ours o JOIN ml_items USING (item)),
                   (SELECT count(*) FROM nb_ref WHERE rk <= 50),
                   'as many neighbours as plain SQL for items 1, 50, 100, 181, 258, 1000, 1500, 1682');
    RETURN NEXT is((SELECT count(*) FROM
                      (SELECT item, similarity, row_number() OVER (PARTITION BY item ORDER BY similarity DESC, neighbor) AS rk
                       FROM nb_ours JOIN ml_items USING (item)) o
                    JOIN nb_ref r USING (item, rk)
                    WHERE abs(o.similarity - r.sim) > 1e-12),
                   0::bigint, 'top-50 cosine values equal plain SQL rank by rank (1e-12)');
    -- the same pairs, except where a tie straddles the 50th place
    RETURN NEXT is((SELECT count(*) FROM nb_ours o JOIN ml_items USING (item)
                    LEFT JOIN nb_ref r USING (item, neighbor)
                    WHERE (r.rk IS NULL OR r.rk > 50 OR r.support <> o.support)
                      AND NOT EXISTS (SELECT 1 FROM nb_ref t WHERE t.item = o.item AND t.rk = 50
                                      AND abs(t.sim - o.similarity) <= 1e-12)),
                   0::bigint, 'the same neighbours and supports wherever there is no tie at the 50th place');
    RETURN NEXT ok((SELECT count(DISTINCT item) FROM nb_ours) = 1682 AND (SELECT max(support) FROM nb_ours) > 400,
                   'every movie has neighbours; Star Wars-size supports are there');

    -- user-user pearson over co-rated items (Surprise's convention), two-pass in SQL
    CREATE TEMP TABLE ml_users ON COMMIT DROP AS SELECT unnest(ARRAY[1, 196, 405, 655, 943]) AS user_id;
    CREATE TEMP TABLE up_ours ON COMMIT DROP AS
        SELECT * FROM ecomai.user_neighbors('ml', 'user_id', 'item_id', 'rating', k => 40,
                                            measure => 'pearson', over => 'common', min_support => 5)
        WHERE user_id IN (SELECT user_id FROM ml_users);
    CREATE TEMP TABLE up_ref ON COMMIT DROP AS
    WITH pr AS (SELECT a.user_id AS ua, b.user_id AS ub, avg(a.rating::numeric) AS mx, avg(b.rating::numeric) AS my,
                       count(*) AS n
                FROM ml a JOIN ml b ON a.item_id = b.item_id AND a.user_id <> b.user_id
                WHERE a.user_id IN (SELECT user_id FROM ml_users) GROUP BY 1, 2 HAVING count(*) >= 5),
    c AS (SELECT pr.ua, pr.ub, pr.n, sum((a.rating - pr.mx) * (b.rating - pr.my))
                 / nullif(sqrt(sum((a.rating - pr.mx) ^ 2) * sum((b.rating - pr.my) ^ 2)), 0) AS sim
          FROM pr JOIN ml a ON a.user_id = pr.ua JOIN ml b ON b.user_id = pr.ub AND b.item_id = a.item_id
          GROUP BY 1, 2, 3)
    SELECT ua AS user_id, ub AS neighbor, sim, n,
           row_number() OVER (PARTITION BY ua ORDER BY sim DESC, ub) AS rk FROM c WHERE sim > 0;
    RETURN NEXT is((SELECT count(*) FROM up_ours), (SELECT count(*) FROM up_ref WHERE rk <= 40),
                   'user pearson over common: as many neighbours as plain SQL');
    RETURN NEXT is((SELECT count(*) FROM
                      (SELECT user_id, similarity, row_number() OVER (PARTITION BY user_id ORDER BY similarity DESC, neighbor) AS rk
                       FROM up_ours) o
                    JOIN up_ref r USING (user_id, rk)
                    WHERE abs(o.similarity - r.sim) > 1e-12),
                   0::bigint, 'user pearson over common: top-40 values equal plain SQL (1e-12)');
    RETURN NEXT ok((SELECT min(support) FROM up_ours) >= 5, 'min_support 5 is respected');
END $$;

SELECT * FROM pg_temp.ml_tests();

SELECT * FROM finish();
ROLLBACK;
