-- BM25 and TF-IDF weighting as in the implicit library's item-kNN (docs/recommend.md): written as
-- the weight expression of svec_agg, the model's Gram entries equal implicit's
-- sum_u w_ui * w_uj computed from the formulas in plain SQL (relative 1e-12), for every pair.
BEGIN;
SET client_min_messages = warning;
SELECT plan(6);

-- 400 customers, 60 products, 1 to 12 distinct products each, quantities 1..4, some returns
CREATE TEMP TABLE lines AS
SELECT c AS customer_id, 1 + (hashint4(c * 31 + j) & 1023) % 60 AS product_id,
       1 + (hashint4(c * 7 + j) & 3) AS quantity
FROM generate_series(1, 400) c, generate_series(1, 1 + (hashint4(c) & 1023) % 12) j;
INSERT INTO lines SELECT customer_id, product_id, -quantity FROM lines WHERE (customer_id + product_id) % 11 = 0;

CREATE TEMP TABLE x AS
SELECT customer_id, product_id, sum(quantity)::float8 AS x FROM lines GROUP BY 1, 2 HAVING sum(quantity) > 0;
CREATE TEMP TABLE w AS
WITH items AS (SELECT product_id, sum(x) AS tot FROM x GROUP BY 1),
     customers AS (SELECT customer_id, count(*) AS len FROM x GROUP BY 1),
     c AS (SELECT count(*)::float8 AS n, avg(tot) AS avg_tot FROM items)
SELECT x.customer_id, x.product_id,
       x.x * (100 + 1) / (100 * ((1 - 0.8) + 0.8 * i.tot / c.avg_tot) + x.x) * ln(c.n / (1 + u.len)) AS bm25,
       sqrt(x.x) * ln(c.n / (1 + u.len)) AS tfidf
FROM x JOIN items i USING (product_id) JOIN customers u USING (customer_id), c;

SELECT is((SELECT count(*) FROM w WHERE bm25 <= 0 OR tfidf <= 0), 0::bigint,
          'every weight is positive here (no customer holds nearly every product)');

CREATE TEMP TABLE m AS
SELECT (SELECT ecomai.cooccurrence(b) FROM (SELECT ecomai.svec_agg(product_id, bm25) b FROM w GROUP BY customer_id) t) AS bm25,
       (SELECT ecomai.cooccurrence(b) FROM (SELECT ecomai.svec_agg(product_id, tfidf) b FROM w GROUP BY customer_id) t) AS tfidf;

-- implicit: dot products of the weighted item rows (BM25), of the normalised rows (TF-IDF)
CREATE TEMP TABLE ref AS
SELECT a.product_id AS item, b.product_id AS neighbor, sum(a.bm25 * b.bm25) AS bm25,
       sum(a.tfidf * b.tfidf) / (sqrt(na.s) * sqrt(nb.s)) AS tfidf, count(*) AS support
FROM w a JOIN w b ON a.customer_id = b.customer_id AND a.product_id <> b.product_id
JOIN (SELECT product_id, sum(tfidf * tfidf) s FROM w GROUP BY 1) na ON na.product_id = a.product_id
JOIN (SELECT product_id, sum(tfidf * tfidf) s FROM w GROUP BY 1) nb ON nb.product_id = b.product_id
GROUP BY a.product_id, b.product_id, na.s, nb.s;

SELECT cmp_ok((SELECT count(*) FROM ref), '>', 1000::bigint, 'the data has over a thousand item pairs');
SELECT is((SELECT count(*) FROM m, ecomai.item_similarities(bm25, 'dot', NULL) s
           FULL JOIN ref r USING (item, neighbor)
           WHERE s.item IS NULL OR r.item IS NULL OR s.support <> r.support
              OR abs(s.similarity - r.bm25) > 1e-12 * abs(r.bm25)),
          0::bigint, 'BM25: every pair''s dot product equals implicit''s formula');
SELECT is((SELECT count(*) FROM m, ecomai.item_similarities(tfidf, 'cosine', NULL) s
           FULL JOIN ref r USING (item, neighbor)
           WHERE s.item IS NULL OR r.item IS NULL OR abs(s.similarity - r.tfidf) > 1e-12 * abs(r.tfidf)),
          0::bigint, 'TF-IDF: every pair''s cosine equals implicit''s formula');
SELECT is((SELECT array_agg(s.neighbor ORDER BY s.similarity DESC, s.neighbor)
           FROM m, ecomai.item_similarities(bm25, 'dot', 5) s WHERE s.item = 7),
          (SELECT array_agg(neighbor::bigint) FROM (SELECT neighbor FROM ref WHERE item = 7
                                           ORDER BY bm25 DESC, neighbor LIMIT 5) t),
          'BM25 top 5 neighbours of an item equal the plain-SQL ranking');
SELECT isnt((SELECT array_agg(s.neighbor ORDER BY s.similarity DESC, s.neighbor)
             FROM m, ecomai.item_similarities(bm25, 'dot', 10) s WHERE s.item = 7),
            (SELECT array_agg(s.neighbor ORDER BY s.similarity DESC, s.neighbor)
             FROM (SELECT ecomai.cooccurrence(b) AS m FROM (SELECT ecomai.svec_agg(product_id, x) b FROM x GROUP BY customer_id) t) u,
                  ecomai.item_similarities(u.m, 'dot', 10) s WHERE s.item = 7),
            'the weighting changes the ranking (unweighted dot products rank differently)');

SELECT * FROM finish();
ROLLBACK;
