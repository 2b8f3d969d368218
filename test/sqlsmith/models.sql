-- Tables of ecomai values for tools/sqlsmith.sh, built from the (shrunk) demo shop.
-- sqlsmith writes constants only for int4 and bool (everything else is NULL or a cast NULL), so
-- the ecomai functions get real arguments only from columns and from other functions' results:
-- these tables hold svec, markov_chain, bayesnet and bn_fit_state values, vectors, state names,
-- matrices, evidence, rankings and table names, normal ones and edge cases (empty, zero, NaN,
-- unknown names, mismatched dimensions), so that random queries reach past the argument checks.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS models CASCADE;
CREATE SCHEMA models;
RESET client_min_messages;

-- Dense vectors: product embeddings as float4[] and float8[], plus odd shapes and values.
CREATE TABLE models.vectors (id bigint, v4 float4[], v8 float8[], weight float8);
INSERT INTO models.vectors
SELECT product_id, embedding, embedding::float8[], price::float8 FROM shop.products WHERE product_id <= 60;
INSERT INTO models.vectors VALUES
 (-1, '{}', '{}', 0), (-2, '{0,0,0}', '{0,0,0}', -1), (-3, '{1,2,3}', '{1,2,3}', 1e308),
 (-4, '{NaN,1}', '{NaN,1}', 'NaN'), (-5, '{Infinity,-Infinity}', '{Infinity,-Infinity}', 'Infinity'),
 (-6, '{1,NULL,3}', '{1,NULL,3}', NULL), (-7, '{{1,2},{3,4}}', '{{1,2},{3,4}}', 2),
 (-8, '{3.4e38,3.4e38}', '{1e308,1e308}', -1e308), (-9, '[0:2]={1,2,3}', '[0:2]={1,2,3}', 0.5),
 (-10, '{1e-45,1e-45}', '{5e-324,5e-324}', 5e-324);

-- Sparse vectors: each customer's basket over product ids, each product's buyers, edge cases.
CREATE TABLE models.baskets (customer_id bigint, basket ecomai.svec, product_ids bigint[], quantities float8[]);
INSERT INTO models.baskets
SELECT customer_id, ecomai.svec_agg(product_id, quantity), array_agg(product_id ORDER BY line_no, order_id),
       array_agg(quantity::float8 ORDER BY line_no, order_id)
FROM shop.order_items GROUP BY customer_id;
INSERT INTO models.baskets
SELECT -product_id, ecomai.svec_agg(customer_id, 1), array_agg(customer_id), array_agg(1::float8)
FROM shop.order_items WHERE product_id <= 50 GROUP BY product_id;
INSERT INTO models.baskets VALUES
 (0, '{}', '{}', '{}'), (-1000, '{1:0.5}', '{1,1,2}', '{1,2}'),
 (-1001, '{-9223372036854775808:1e308,9223372036854775807:-1e308}', '{-9223372036854775808,9223372036854775807}', '{NaN,Infinity}'),
 (-1002, '{1:5e-324,2:-5e-324}', '{NULL,2}', '{1,NULL}'), (-1003, NULL, NULL, NULL);

-- Markov chains: the page funnel, per-channel transition fits, an attribution chain, higher
-- order chains, one from a matrix, smoothed, and edge cases.
CREATE TABLE models.chains (name text, chain ecomai.markov_chain, state text, states text[],
                            matrix float8[], path text[], steps int);
INSERT INTO models.chains (name, chain)
SELECT 'funnel', ecomai.markov_merge(p)
FROM (SELECT ecomai.markov_path(e.page_type, CASE WHEN NOT s.converted THEN '(exit)' END ORDER BY e.ts) AS p
      FROM shop.events e JOIN shop.sessions s USING (session_id) GROUP BY e.session_id) per_session;
INSERT INTO models.chains (name, chain)
SELECT 'funnel2', ecomai.markov_merge(p)
FROM (SELECT ecomai.markov_path(e.page_type, CASE WHEN NOT s.converted THEN '(exit)' END, 2 ORDER BY e.ts) AS p
      FROM shop.events e JOIN shop.sessions s USING (session_id) GROUP BY e.session_id) per_session;
INSERT INTO models.chains (name, chain)
SELECT 'channel ' || channel, ecomai.markov_fit(from_page, to_page)
FROM (SELECT s.channel, e.page_type AS from_page,
             lead(e.page_type) OVER (PARTITION BY e.session_id ORDER BY e.ts) AS to_page
      FROM shop.events e JOIN shop.sessions s USING (session_id)) t
WHERE to_page IS NOT NULL GROUP BY channel;
INSERT INTO models.chains (name, chain)
SELECT 'weighted', ecomai.markov_fit(page_type, channel, session_id::float8) FROM shop.events JOIN shop.sessions USING (session_id);
CREATE TEMP TABLE channel_paths AS
SELECT string_agg(channel, ' > ' ORDER BY started_at) AS path, bool_or(converted)::int::float8 AS conversions,
       (NOT bool_or(converted))::int::float8 AS nulls
FROM shop.sessions WHERE customer_id IS NOT NULL GROUP BY customer_id;
INSERT INTO models.chains (name, chain, path)
SELECT 'attribution', ecomai.markov_fit_paths(path, conversions, nulls), array_agg(path) FROM channel_paths;
INSERT INTO models.chains (name, chain)
SELECT 'attribution3', ecomai.markov_fit_paths(path, conversions, nulls, 3) FROM channel_paths;
INSERT INTO models.chains (name, chain, states, matrix)
VALUES ('matrix', ecomai.markov_from_matrix('{a,b,c}', '{{0.5,0.5,0},{0,0.5,0.5},{0,0,1}}'),
        '{a,b,c}', '{{0.5,0.5,0},{0,0.5,0.5},{0,0,1}}'),
       ('periodic', ecomai.markov_from_matrix('{x,y}', '{{0,1},{1,0}}'), '{x,y}', '{{0,1},{1,0}}'),
       ('bad matrix', NULL, '{home,cart}', '{{0.5,0.6},{1,0}}'),
       ('nan matrix', NULL, '{a,b}', '{{NaN,1},{1,0}}'),
       ('flat matrix', NULL, '{a}', '{1}');
INSERT INTO models.chains (name, chain)
SELECT 'smoothed', ecomai.markov_smooth(chain, 0.5) FROM models.chains WHERE name = 'funnel';
INSERT INTO models.chains (name, chain)
SELECT 'single', ecomai.markov_fit('home', 'home');
UPDATE models.chains SET state = (ARRAY['home','cart','purchase','(start)','(exit)','(conversion)','(null)','nope','', 'email', 'a'])[1 + (abs(hashtext(name)) % 11)],
                         steps = (ARRAY[0, 1, 3, 100, -1, 2147483647])[1 + (abs(hashtext(name)) % 6)];
UPDATE models.chains SET states = ARRAY['purchase'] WHERE states IS NULL AND name LIKE 'funnel%';
UPDATE models.chains SET states = ARRAY['(conversion)', '(null)'] WHERE states IS NULL AND name LIKE 'attribution%';
UPDATE models.chains SET path = ARRAY['(start)', 'home', 'search', 'product', 'cart'] WHERE path IS NULL AND name <> 'single';

-- Bayesian networks: learned from sessions and customers, from BIF, with evidence and events.
CREATE TABLE models.networks (name text, bn ecomai.bayesnet, target text, evidence jsonb, event jsonb, bif text);
INSERT INTO models.networks (name, bn)
SELECT 'sessions', ecomai.bn_fit('[channel][device][converted|channel:device]', channel, device, converted::text)
FROM shop.sessions;
INSERT INTO models.networks (name, bn)
SELECT 'customers', ecomai.bn_fit('[segment][country|segment] pseudo_count=1', segment, country) FROM shop.customers;
INSERT INTO models.networks (name, bn)
SELECT 'orders', ecomai.bn_fit('[device{desktop,mobile,tablet}][channel|device]', device, channel) FROM shop.orders;
UPDATE models.networks SET bif = ecomai.bn_to_bif(bn);
INSERT INTO models.networks (name, bn, bif)
SELECT 'from bif', ecomai.bn_from_bif(bif), bif FROM models.networks WHERE name = 'sessions';
INSERT INTO models.networks (name, bif) VALUES
 ('bad bif', 'network x { } variable a { type discrete [ 2 ] { y, n }; } probability ( a ) { table 0.5, 0.6; }'),
 ('empty bif', ''), ('cyclic bif', 'network x { } variable a { type discrete [ 2 ] { y, n }; } variable b { type discrete [ 2 ] { y, n }; } probability ( a | b ) { (y) 0.5, 0.5; (n) 0.5, 0.5; } probability ( b | a ) { (y) 0.5, 0.5; (n) 0.5, 0.5; }');
UPDATE models.networks SET target = (ARRAY['converted','device','channel','segment','country','nope',''])[1 + (abs(hashtext(name)) % 7)];
INSERT INTO models.networks (name, bn, target, evidence, event)
SELECT n.name || ' ' || e.i, n.bn, n.target, e.evidence, e.event
FROM models.networks n
CROSS JOIN (VALUES (1, '{}'::jsonb, '{"converted":"true"}'::jsonb),
                   (2, '{"device":"mobile"}', '{"channel":"email"}'),
                   (3, '{"channel":"email","device":"desktop"}', '{"converted":"false","device":"desktop"}'),
                   (4, '{"nope":"x"}', '{"device":"phone"}'),
                   (5, '[1,2]', '"device"'),
                   (6, '{"device":5}', '{"device":null}'),
                   (7, '{"segment":"vip"}', '{"country":"DE"}')) e(i, evidence, event)
WHERE n.bn IS NOT NULL;

-- Partial bn_fit states (the aggregate's concrete state type), made by an aggregate without
-- the final function, as a Citus worker would ship them.
CREATE AGGREGATE models.bn_fit_partial(text, VARIADIC text[]) (SFUNC = ecomai.bn_fit_accum, STYPE = ecomai.bn_fit_state);
CREATE TABLE models.fit_states (name text, state ecomai.bn_fit_state, structure text, vals text[]);
INSERT INTO models.fit_states
SELECT 'sessions ' || device, models.bn_fit_partial('[channel][device][converted|channel:device]', channel, device, converted::text),
       '[channel][device][converted|channel:device]', '{email,mobile,true}'
FROM shop.sessions GROUP BY device;
INSERT INTO models.fit_states
SELECT 'customers', models.bn_fit_partial('[segment][country|segment]', segment, country), '[segment][country|segment]', '{vip,DE}'
FROM shop.customers;
INSERT INTO models.fit_states (name, structure, vals) VALUES
 ('pair', '[a][b|a]', '{x,y}'), ('bad structure', '[a|b][b|a]', '{x,y}'), ('short', '[a][b]', '{x}');
DROP AGGREGATE models.bn_fit_partial(text, VARIADIC text[]);

-- Rankings for the evaluation metrics.
CREATE TABLE models.rankings (customer_id bigint, recommended bigint[], relevant bigint[], k int);
INSERT INTO models.rankings
SELECT customer_id, (SELECT array_agg(p ORDER BY p) FROM generate_series(1, 10) p), array_agg(DISTINCT product_id), 5
FROM shop.order_items WHERE customer_id <= 50 GROUP BY customer_id;
INSERT INTO models.rankings VALUES (-1, '{}', '{}', 0), (-2, '{1,1,1}', '{1}', -1), (-3, '{1,NULL}', '{NULL}', 2147483647),
 (-4, NULL, '{1}', 1), (-5, '{{1,2},{3,4}}', '{1}', 2);

-- Table and column names for the table-reading functions.
CREATE TABLE models.sources (tab regclass, user_col name, item_col name, value_col name, measure text, kind text);
INSERT INTO models.sources VALUES
 ('shop.order_items', 'customer_id', 'product_id', 'quantity', 'cosine', 'user'),
 ('shop.reviews', 'customer_id', 'product_id', 'rating', 'pearson', 'item'),
 ('shop.reviews', 'customer_id', 'product_id', NULL, 'jaccard', 'user'),
 ('shop.order_items', 'customer_id', 'product_id', 'unit_price', 'adjusted_cosine', 'item'),
 ('shop.events', 'session_id', 'product_id', 'event_id', 'msd', 'nope'),
 ('shop.products', 'product_id', 'name', 'price', 'nope', 'user'),
 ('models.vectors', 'id', 'weight', 'nope', 'cosine', 'user');

-- Item neighbours, the serving table of recommend().
CREATE TABLE models.item_sim AS
SELECT * FROM ecomai.item_neighbors('shop.order_items', 'customer_id', 'product_id', k => 10);
ANALYZE models.vectors, models.baskets, models.chains, models.networks, models.fit_states, models.rankings,
        models.sources, models.item_sim;
SELECT (SELECT count(*) FROM models.vectors) AS vectors, (SELECT count(*) FROM models.baskets) AS baskets,
       (SELECT count(*) FROM models.chains) AS chains, (SELECT count(*) FROM models.networks) AS networks,
       (SELECT count(*) FROM models.item_sim) AS item_sim;
