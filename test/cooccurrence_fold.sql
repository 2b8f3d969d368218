-- The cooccurrence aggregate past its basket buffer (COOC_FOLD_ENTRIES, 2^24 item entries,
-- src/cooc_pairs.h): the buffer is folded into a run of pair sums in the middle of the
-- aggregation, and the final fold merges that run with the rest.  1,000 distinct baskets
-- repeated 1,900 times must give exactly 1,900 times the counts of the 1,000 baskets once,
-- and the same similarities.  About 5 s.
BEGIN;
SELECT plan(6);
\ir lib/helpers.sql
-- one state sees every basket (a parallel plan would split them below the threshold)
SET LOCAL max_parallel_workers_per_gather = 0;

CREATE TEMP TABLE fold_baskets AS
SELECT i AS basket, ARRAY(SELECT DISTINCT (i * 7 + j * j * 13) % 300 FROM generate_series(1, 9) j) AS items
FROM generate_series(1, 1000) i;
CREATE TEMP TABLE fold_models AS
SELECT (SELECT ecomai.cooccurrence(items) FROM fold_baskets) AS once,
       (SELECT ecomai.cooccurrence(items) FROM fold_baskets, generate_series(1, 1900) r) AS repeated;

-- 1. the precondition: the repeated baskets overflow the buffer, so it folds before the end
SELECT cmp_ok((SELECT 1900 * sum(cardinality(items)) FROM fold_baskets)::bigint, '>', (1 << 24)::bigint,
              'the repeated baskets hold more item entries than the buffer (2^24)');

-- 2. baskets, items and pairs
SELECT is((SELECT (s.baskets, s.items, s.pairs)::text FROM fold_models, ecomai.cooccurrence_summary(repeated) s),
          (SELECT (1900 * s.baskets, s.items, s.pairs)::text FROM fold_models, ecomai.cooccurrence_summary(once) s),
          'folded mid-way: 1,900 times the baskets, the same items and pairs');

-- 3. item counts, exactly
SELECT is_empty($$
    SELECT item, support * 1900 FROM fold_models, ecomai.popular_items(once, 300)
    EXCEPT
    SELECT item, support FROM fold_models, ecomai.popular_items(repeated, 300)$$,
    'every item count is 1,900 times its count in the baskets once');

-- 4. pair sums (the dot measure is the Gram entry), exactly
SELECT is_empty($$
    SELECT item, neighbor, similarity * 1900, support * 1900 FROM fold_models, ecomai.item_similarities(once, 'dot', 300)
    EXCEPT
    SELECT item, neighbor, similarity, support FROM fold_models, ecomai.item_similarities(repeated, 'dot', 300)$$,
    'every pair sum and pair count is 1,900 times its value in the baskets once');

-- 5. the number of pairs listed
SELECT is((SELECT count(*) FROM fold_models, ecomai.item_similarities(repeated, 'dot', 300)),
          (SELECT count(*) FROM fold_models, ecomai.item_similarities(once, 'dot', 300)),
          'the same number of pairs');

-- 6. a scale-free measure is unchanged
SELECT is((SELECT max(abs(a.similarity - b.similarity))
           FROM fold_models f, ecomai.item_similarities(f.once, 'cosine', 20) a
           JOIN ecomai.item_similarities(f.repeated, 'cosine', 20) b USING (item, neighbor)) < 1e-12, true,
          'cosine similarities equal those of the baskets once (1e-12)');

SELECT * FROM finish();
ROLLBACK;
