-- item_neighbors / user_neighbors: a worked example small enough to check by hand.
-- Three customers, three products; customer 3 bought product 30 twice (quantities add up);
-- rows with a NULL id or quantity are skipped.
CREATE TABLE nb_example (customer int, product bigint, qty numeric);
INSERT INTO nb_example VALUES
    (1, 10, 5), (1, 20, 3),
    (2, 10, 4), (2, 20, 1), (2, 30, 2),
    (3, 20, 2), (3, 30, 5), (3, 30, 1),
    (NULL, 10, 1), (4, NULL, 1), (4, 10, NULL);

-- Product vectors over customers (1, 2, 3): 10 = (5, 4, 0), 20 = (3, 1, 2), 30 = (0, 2, 6).
-- cosine(10, 20) = (15 + 4) / (sqrt(41) sqrt(14)) = 19 / sqrt(574) = 0.79304467757...
-- cosine(20, 30) = (2 + 12) / (sqrt(14) sqrt(40)) = 14 / sqrt(560) = 0.59160797830...
-- cosine(10, 30) = 8 / (sqrt(41) sqrt(40)) = 8 / sqrt(1640) = 0.19754591932...
SELECT * FROM ecomai.item_neighbors('nb_example', 'customer', 'product', 'qty');

-- k = 1 keeps the best neighbour of each product.
SELECT * FROM ecomai.item_neighbors('nb_example', 'customer', 'product', 'qty', k => 1);

-- Over co-rated customers only (Surprise's convention):
-- cosine(10, 20) over customers 1, 2 = 19 / (sqrt(41) sqrt(10)) = 0.93834312...
-- cosine(10, 30) over customer 2 = 8 / (2 * 4) = 1;  cosine(20, 30) over 2, 3 = 14 / (sqrt(5) sqrt(40)) = 0.98994949...
SELECT * FROM ecomai.item_neighbors('nb_example', 'customer', 'product', 'qty', over => 'common');

-- min_support => 2 drops pairs bought together by a single customer; shrinkage 2 scales
-- by support / (support + 2) = 1/2: 0.79304467757.../2 = 0.39652233878..., 0.59160797830.../2.
SELECT * FROM ecomai.item_neighbors('nb_example', 'customer', 'product', 'qty',
                                    min_support => 2, shrinkage => 2);

-- Implicit feedback (no value column): every bought pair counts 1, also the row (4, 10, NULL).
-- Buyers: 10 = {1, 2, 4}, 20 = {1, 2, 3}, 30 = {2, 3}.
-- jaccard(10, 20) = 2 / 4 = 0.5; jaccard(20, 30) = 2 / 3; jaccard(10, 30) = 1 / 4.
SELECT * FROM ecomai.item_neighbors('nb_example', 'customer', 'product', measure => 'jaccard');

-- Customers' neighbours: msd over co-bought products (Surprise): customers 1, 2 share
-- 10 and 20: msd = ((5-4)^2 + (3-1)^2) / 2 = 2.5, similarity 1 / 3.5 = 0.28571428571...;
-- 2, 3 share 20, 30: ((1-2)^2 + (2-6)^2) / 2 = 8.5, 1 / 9.5 = 0.10526315789...;
-- 1, 3 share 20: (3-2)^2 = 1, 1 / 2 = 0.5.
SELECT * FROM ecomai.user_neighbors('nb_example', 'customer', 'product', 'qty',
                                    measure => 'msd', over => 'common');

-- An empty source gives no rows.
CREATE TABLE nb_empty (customer int, product int);
SELECT count(*) FROM ecomai.item_neighbors('nb_empty', 'customer', 'product');

-- Errors name the problem.
SELECT * FROM ecomai.item_neighbors('nb_example', 'customer', 'sku');
SELECT * FROM ecomai.item_neighbors('nb_example', 'customer', 'product', measure => 'euclid');
SELECT * FROM ecomai.item_neighbors('nb_example', 'customer', 'product', over => 'some');

DROP TABLE nb_example, nb_empty;
