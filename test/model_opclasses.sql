-- Equality, order and hashing of the model types markov_chain and bayesnet
-- (src/model_equality.c, src/sql/62_model_opclasses.sql): = is "the same canonical model",
-- hashing agrees with it, and DISTINCT, GROUP BY (hashed and sorted), hash and merge joins,
-- ORDER BY and btree and hash indexes work on model columns.
BEGIN;
SELECT plan(24);
\ir lib/helpers.sql

-- Models: c1 and c1b are the same chain fitted from rows in another order; c2 differs in one
-- weight; n1 and n1b the same network (its BIF text printed and parsed again), n2 another.
CREATE TEMP TABLE chains (id int, m ecomai.markov_chain);
INSERT INTO chains
SELECT 1, ecomai.markov_fit(f, t) FROM (VALUES ('home', 'cart'), ('cart', 'buy'), ('home', 'search')) v(f, t)
UNION ALL
SELECT 2, ecomai.markov_fit(f, t) FROM (VALUES ('home', 'search'), ('cart', 'buy'), ('home', 'cart')) v(f, t)
UNION ALL
SELECT 3, ecomai.markov_fit(f, t) FROM (VALUES ('home', 'search'), ('cart', 'buy'), ('home', 'cart'), ('home', 'cart')) v(f, t);
CREATE TEMP TABLE nets (id int, bn ecomai.bayesnet);
INSERT INTO nets
SELECT 1, ecomai.bn_fit('[weather][umbrella|weather]', w, u)
FROM (VALUES ('rain', 'yes'), ('sun', 'no'), ('rain', 'no')) v(w, u);
INSERT INTO nets SELECT 2, ecomai.bn_from_bif(ecomai.bn_to_bif(bn)) FROM nets WHERE id = 1;
INSERT INTO nets
SELECT 3, ecomai.bn_fit('[weather][umbrella|weather]', w, u)
FROM (VALUES ('rain', 'yes'), ('sun', 'no'), ('rain', 'yes')) v(w, u);

SET LOCAL search_path = public, ecomai;

-- markov_chain
SELECT ok((SELECT a.m = b.m FROM chains a, chains b WHERE a.id = 1 AND b.id = 2),
          'markov_chain: the same transitions in another row order are equal');
SELECT ok((SELECT a.m <> b.m FROM chains a, chains b WHERE a.id = 1 AND b.id = 3),
          'markov_chain: another weight is not equal');
SELECT is((SELECT count(DISTINCT m) FROM chains), 2::bigint, 'markov_chain: count(DISTINCT) sorts by the btree class');
SELECT is((SELECT count(*) FROM (SELECT m FROM chains GROUP BY m) g), 2::bigint, 'markov_chain: GROUP BY');
SELECT is((SELECT count(*) FROM (SELECT m FROM chains UNION SELECT m FROM chains) u), 2::bigint, 'markov_chain: UNION');
SELECT is((SELECT count(*) FROM chains a JOIN chains b ON a.m = b.m), 5::bigint, 'markov_chain: join on =');
SELECT ok((SELECT a.markov_chain_hash = b.markov_chain_hash
           FROM (SELECT ecomai.markov_chain_hash(m) FROM chains WHERE id = 1) a,
                (SELECT ecomai.markov_chain_hash(m) FROM chains WHERE id = 2) b)
          AND (SELECT a.h = b.h FROM (SELECT ecomai.markov_chain_hash_extended(m, 7) h FROM chains WHERE id = 1) a,
                                     (SELECT ecomai.markov_chain_hash_extended(m, 7) h FROM chains WHERE id = 2) b),
          'markov_chain: equal chains hash alike (32 and 64 bits)');
SELECT is((SELECT array_agg(sign(ecomai.markov_chain_cmp(a.m, b.m))::int ORDER BY a.id, b.id) FROM chains a, chains b)
          = (SELECT array_agg(CASE WHEN a.m < b.m THEN -1 WHEN a.m = b.m THEN 0 ELSE 1 END ORDER BY a.id, b.id)
             FROM chains a, chains b), true, 'markov_chain: cmp agrees with < and =');
SELECT is((SELECT count(*) FROM chains a, chains b WHERE (a.m < b.m)::int + (a.m = b.m)::int + (a.m > b.m)::int <> 1),
          0::bigint, 'markov_chain: exactly one of <, =, > holds for every pair');
CREATE INDEX chains_btree ON chains (m);
CREATE INDEX chains_hash ON chains USING hash (m);
SET LOCAL enable_seqscan = off;
SELECT is((SELECT count(*) FROM chains WHERE m = (SELECT m FROM chains WHERE id = 1)), 2::bigint,
          'markov_chain: lookups through the indexes');
SELECT ok(bool_or(plan ~ 'Index|Bitmap'), 'markov_chain: the lookup uses an index')
FROM pg_temp.explain_lines($$SELECT * FROM chains WHERE m = (SELECT m FROM chains WHERE id = 1)$$) plan;
RESET enable_seqscan;
SET LOCAL enable_sort = off;
SELECT ok(bool_or(plan ~ 'HashAggregate'), 'markov_chain: GROUP BY can hash')
FROM pg_temp.explain_lines('SELECT m, count(*) FROM chains GROUP BY m') plan;
RESET enable_sort;
SET LOCAL enable_hashjoin = off; SET LOCAL enable_nestloop = off;
SELECT is((SELECT count(*) FROM chains a JOIN chains b ON a.m = b.m), 5::bigint, 'markov_chain: merge join');
RESET enable_hashjoin; RESET enable_nestloop;

-- bayesnet
SELECT ok((SELECT a.bn = b.bn FROM nets a, nets b WHERE a.id = 1 AND b.id = 2),
          'bayesnet: a network and its BIF round trip are equal');
SELECT ok((SELECT a.bn <> b.bn FROM nets a, nets b WHERE a.id = 1 AND b.id = 3), 'bayesnet: other CPTs are not equal');
SELECT is((SELECT count(DISTINCT bn) FROM nets), 2::bigint, 'bayesnet: count(DISTINCT)');
SELECT is((SELECT count(*) FROM (SELECT bn FROM nets GROUP BY bn) g), 2::bigint, 'bayesnet: GROUP BY');
SELECT ok((SELECT a.h = b.h FROM (SELECT ecomai.bayesnet_hash(bn) h FROM nets WHERE id = 1) a,
                                 (SELECT ecomai.bayesnet_hash(bn) h FROM nets WHERE id = 2) b),
          'bayesnet: equal networks hash alike');
SELECT is((SELECT count(*) FROM nets a, nets b WHERE (a.bn < b.bn)::int + (a.bn = b.bn)::int + (a.bn > b.bn)::int <> 1),
          0::bigint, 'bayesnet: exactly one of <, =, > holds for every pair');
CREATE INDEX nets_btree ON nets (bn);
CREATE INDEX nets_hash ON nets USING hash (bn);
SET LOCAL enable_seqscan = off;
SELECT is((SELECT count(*) FROM nets WHERE bn = (SELECT bn FROM nets WHERE id = 1)), 2::bigint,
          'bayesnet: lookups through the indexes');
RESET enable_seqscan;
SET LOCAL enable_sort = off;
SELECT ok(bool_or(plan ~ 'HashAggregate'), 'bayesnet: GROUP BY can hash')
FROM pg_temp.explain_lines('SELECT bn, count(*) FROM nets GROUP BY bn') plan;
RESET enable_sort;

-- catalog: every base type of the extension has default btree and hash classes, and every
-- comparison function of an operator of theirs is LEAKPROOF
SELECT is(array_agg(t.typname::text ORDER BY t.typname), NULL,
          'every base type has a default btree and a default hash operator class')
FROM pg_type t
JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ecomai'
WHERE t.typtype = 'b'
  AND t.typname NOT IN ('bn_fit_state', 'bn_counts', 'cooccurrence')   -- aggregate states, not values users compare
  AND (NOT EXISTS (SELECT 1 FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
                   WHERE c.opcintype = t.oid AND c.opcdefault AND a.amname = 'btree')
       OR NOT EXISTS (SELECT 1 FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
                      WHERE c.opcintype = t.oid AND c.opcdefault AND a.amname = 'hash'));
SELECT is(array_agg(o.oid::regoperator::text ORDER BY o.oid::regoperator::text), NULL,
          'the =, <>, <, <=, >, >= of the model types are LEAKPROOF')
FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode
WHERE o.oprleft IN ('ecomai.markov_chain'::regtype, 'ecomai.bayesnet'::regtype, 'ecomai.svec'::regtype)
  AND o.oprname IN ('=', '<>', '<', '<=', '>', '>=') AND NOT p.proleakproof;
SELECT is(array_agg(o.oid::regoperator::text ORDER BY o.oid::regoperator::text), NULL,
          'the = of every model type can hash and merge')
FROM pg_operator o
WHERE o.oprleft IN ('ecomai.markov_chain'::regtype, 'ecomai.svec'::regtype)
  AND o.oprname = '=' AND NOT (o.oprcanhash AND o.oprcanmerge);

SELECT * FROM finish();
ROLLBACK;
