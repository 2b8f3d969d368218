-- Memory: no growth of the backend's memory across 10,000 calls of every SQL-callable ecomai
-- function and aggregate in one session.  For each entry of mem_calls, a PL/pgSQL loop runs the
-- call 10,000 times (after a warm-up batch, so that plans, caches and compiled functions count
-- once) and sum(total_bytes) of pg_backend_memory_contexts before and after must differ by less
-- than 1 MB, i.e. less than ~100 bytes per call.  Calls use the loop counter i so that every call
-- sees new input and nothing is folded into a constant.  The table must cover every function of
-- the extension in the catalog (type I/O and aggregate support functions are reached through the
-- types and aggregates; operators through their functions).
BEGIN;
SELECT plan(3);
-- the deprecated recommend spelling raises a notice per call
SET LOCAL client_min_messages = warning;

-- fixtures (small inputs so that 10,000 calls stay fast)
CREATE TEMP TABLE m_r AS
    SELECT u, i, ((u * 7 + i * 3) % 5 + 1)::float8 AS r FROM generate_series(1, 12) u, generate_series(1, 8) i
    WHERE (u + i) % 3 <> 0;
CREATE TEMP TABLE m_pairs AS SELECT u, i FROM generate_series(1, 12) u, generate_series(1, 8) i WHERE (u + i) % 3 = 0;
CREATE TEMP TABLE m_nb AS SELECT * FROM ecomai.item_neighbors('m_r', 'u', 'i', 'r', k => 5);
CREATE TEMP TABLE m_fix AS
SELECT (SELECT ecomai.markov_fit(a, b) FROM (VALUES ('home', 'cart'), ('home', 'search'), ('search', 'cart'),
            ('search', '(exit)'), ('cart', 'buy'), ('cart', '(exit)'), ('search', 'home')) v(a, b)) AS m,
       (SELECT ecomai.markov_fit(a, b) FROM (VALUES ('a', 'b'), ('b', 'c'), ('c', 'a'), ('b', 'a')) v(a, b)) AS ring,
       (SELECT ecomai.markov_fit_paths(p, c, n) FROM (VALUES ('email > social', 2, 1), ('direct', 1, 3),
            ('social > direct', 1, 0)) v(p, c, n)) AS attr,
       (SELECT ecomai.bn_fit('[weather][umbrella|weather][early|weather:umbrella] pseudo_count=1', w, u, e)
          FROM (VALUES ('rain', 'yes', 'no'), ('sun', 'no', 'yes'), ('rain', 'no', 'no'), ('sun', 'no', 'no'),
                       ('sun', 'yes', 'yes')) v(w, u, e)) AS bn;
ALTER TABLE m_fix ADD COLUMN counts ecomai.bn_counts;
UPDATE m_fix SET counts = (SELECT ecomai.bn_counts(jsonb_build_object('weather', w, 'umbrella', u, 'early', e))
    FROM (VALUES ('rain', 'yes', 'no'), ('sun', 'no', 'yes'), ('rain', 'no', 'no'), ('sun', 'no', 'no'),
                 ('sun', 'yes', 'yes')) v(w, u, e));
ALTER TABLE m_fix ADD COLUMN bif text;
UPDATE m_fix SET bif = ecomai.bn_to_bif(bn);
ALTER TABLE m_fix ADD COLUMN mf ecomai.mf_model;
UPDATE m_fix SET mf = ecomai.mf_fit('m_r', 'u', 'i', 'r', factors => 2, regularization => 0.1, iterations => 2);
CREATE FUNCTION pg_temp.sv(i int) RETURNS ecomai.svec LANGUAGE sql AS
    $$SELECT ecomai.svec(ARRAY[i, i + 3, 100]::bigint[], ARRAY[1, 2.5, i]::float8[])$$;

-- (function or aggregate, one call using i)
CREATE TEMP TABLE mem_calls (fn regprocedure PRIMARY KEY, call text);
INSERT INTO mem_calls VALUES
-- dense vectors
('ecomai.cosine_similarity(float8[],float8[])', $$SELECT ecomai.cosine_similarity(ARRAY[i, 2, 3]::float8[], ARRAY[1, 2, i]::float8[])$$),
('ecomai.cosine_similarity(float4[],float4[])', $$SELECT ecomai.cosine_similarity(ARRAY[i, 2, 3]::float4[], ARRAY[1, 2, i]::float4[])$$),
('ecomai.cosine_distance(float8[],float8[])', $$SELECT ecomai.cosine_distance(ARRAY[i, 2, 3]::float8[], ARRAY[1, 2, i]::float8[])$$),
('ecomai.cosine_distance(float4[],float4[])', $$SELECT ecomai.cosine_distance(ARRAY[i, 2, 3]::float4[], ARRAY[1, 2, i]::float4[])$$),
('ecomai.dot_product(float8[],float8[])', $$SELECT ecomai.dot_product(ARRAY[i, 2, 3]::float8[], ARRAY[1, 2, i]::float8[])$$),
('ecomai.dot_product(float4[],float4[])', $$SELECT ecomai.dot_product(ARRAY[i, 2, 3]::float4[], ARRAY[1, 2, i]::float4[])$$),
('ecomai.l2_distance(float8[],float8[])', $$SELECT ecomai.l2_distance(ARRAY[i, 2, 3]::float8[], ARRAY[1, 2, i]::float8[])$$),
('ecomai.l2_distance(float4[],float4[])', $$SELECT ecomai.l2_distance(ARRAY[i, 2, 3]::float4[], ARRAY[1, 2, i]::float4[])$$),
('ecomai.l2_norm(float8[])', $$SELECT ecomai.l2_norm(ARRAY[i, 2, 3]::float8[])$$),
('ecomai.l2_norm(float4[])', $$SELECT ecomai.l2_norm(ARRAY[i, 2, 3]::float4[])$$),
('ecomai.vector_sum(float8[])', $$SELECT ecomai.vector_sum(ARRAY[g, i]::float8[]) FROM generate_series(1, 3) g$$),
('ecomai.vector_avg(float8[])', $$SELECT ecomai.vector_avg(ARRAY[g, i]::float8[]) FROM generate_series(1, 3) g$$),
-- sparse vectors (svec_in, svec_out through text casts)
('ecomai.svec_in(cstring)', $$SELECT ('{' || i || ':1.5,' || (i + 7) || ':-2}')::ecomai.svec$$),
('ecomai.svec_out(ecomai.svec)', $$SELECT pg_temp.sv(i)::text$$),
('ecomai.svec(bigint[],float8[])', $$SELECT ecomai.svec(ARRAY[i, i + 3]::bigint[], ARRAY[1, 2]::float8[])$$),
('ecomai.svec_entries(ecomai.svec)', $$SELECT * FROM ecomai.svec_entries(pg_temp.sv(i))$$),
('ecomai.svec_nnz(ecomai.svec)', $$SELECT ecomai.svec_nnz(pg_temp.sv(i))$$),
('ecomai.cosine_similarity(ecomai.svec,ecomai.svec)', $$SELECT ecomai.cosine_similarity(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.cosine_distance(ecomai.svec,ecomai.svec)', $$SELECT ecomai.cosine_distance(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.dot_product(ecomai.svec,ecomai.svec)', $$SELECT ecomai.dot_product(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.l2_norm(ecomai.svec)', $$SELECT ecomai.l2_norm(pg_temp.sv(i))$$),
('ecomai.jaccard_similarity(ecomai.svec,ecomai.svec)', $$SELECT ecomai.jaccard_similarity(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.svec_eq(ecomai.svec,ecomai.svec)', $$SELECT ecomai.svec_eq(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.svec_ne(ecomai.svec,ecomai.svec)', $$SELECT ecomai.svec_ne(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.svec_hash(ecomai.svec)', $$SELECT ecomai.svec_hash(pg_temp.sv(i))$$),
('ecomai.svec_hash_extended(ecomai.svec,bigint)', $$SELECT ecomai.svec_hash_extended(pg_temp.sv(i), i)$$),
('ecomai.svec_cmp(ecomai.svec,ecomai.svec)', $$SELECT ecomai.svec_cmp(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.svec_lt(ecomai.svec,ecomai.svec)', $$SELECT ecomai.svec_lt(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.svec_le(ecomai.svec,ecomai.svec)', $$SELECT ecomai.svec_le(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.svec_ge(ecomai.svec,ecomai.svec)', $$SELECT ecomai.svec_ge(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.svec_gt(ecomai.svec,ecomai.svec)', $$SELECT ecomai.svec_gt(pg_temp.sv(i), pg_temp.sv(i + 1))$$),
('ecomai.svec_agg(bigint,float8)', $$SELECT ecomai.svec_agg(g * i, g) FROM generate_series(1, 5) g$$),
-- neighbours, collaborative filtering, evaluation
('ecomai.item_neighbors(regclass,name,name,name,int,text,text,int,float8)',
    $$SELECT * FROM ecomai.item_neighbors('m_r', 'u', 'i', 'r', k => 1 + i % 5)$$),
('ecomai.user_neighbors(regclass,name,name,name,int,text,text,int,float8)',
    $$SELECT * FROM ecomai.user_neighbors('m_r', 'u', 'i', 'r', k => 1 + i % 5)$$),
('ecomai.rmse(float8,float8)', $$SELECT ecomai.rmse(g, g + i) FROM generate_series(1, 3) g$$),
('ecomai.mae(float8,float8)', $$SELECT ecomai.mae(g, g + i) FROM generate_series(1, 3) g$$),
('ecomai.precision_at_k(bigint[],bigint[],int)', $$SELECT ecomai.precision_at_k(ARRAY[1, 2, i]::bigint[], ARRAY[2, 3]::bigint[], 2)$$),
('ecomai.recall_at_k(bigint[],bigint[],int)', $$SELECT ecomai.recall_at_k(ARRAY[1, 2, i]::bigint[], ARRAY[2, 3]::bigint[], 2)$$),
('ecomai.ndcg_at_k(bigint[],bigint[],int)', $$SELECT ecomai.ndcg_at_k(ARRAY[1, 2, i]::bigint[], ARRAY[2, 3]::bigint[], 2)$$),
('ecomai.hit_rate_at_k(bigint[],bigint[],int)', $$SELECT ecomai.hit_rate_at_k(ARRAY[1, 2, i]::bigint[], ARRAY[2, 3]::bigint[], 2)$$),
('ecomai.average_precision_at_k(bigint[],bigint[],int)',
    $$SELECT ecomai.average_precision_at_k(ARRAY[1, 2, i]::bigint[], ARRAY[2, 3]::bigint[], 2)$$),
('ecomai.split_uniform(bigint,bigint,int)', $$SELECT ecomai.split_uniform(i, 7)$$),
('ecomai.split_fold(bigint,bigint,int,int)', $$SELECT ecomai.split_fold(i, 7, 5)$$),
('ecomai.train_test_split(regclass,name,name,float8,int,name)', $$SELECT * FROM ecomai.train_test_split('m_r', 'u', 'i', seed => i)$$),
('ecomai.cf_score(float8,float8,bigint)', $$SELECT ecomai.cf_score(0.5, g, g + i) FROM generate_series(1, 3) g$$),
('ecomai.recommend(regclass,regclass,bigint,name,name,name,int)',
    $$SELECT * FROM ecomai.recommend('m_r', 'm_nb', 1 + i % 12, 'u', 'i', 'r', 5)$$),
('ecomai.recommend(regclass,regclass,bigint,int,name,name,name)',
    $$SELECT * FROM ecomai.recommend('m_r', 'm_nb', 1 + i % 12, 5, 'u', 'i', 'r')$$),
('ecomai.knn_predict(regclass,regclass,name,name,name,text,int,int,text,text,float8,text,boolean,int,boolean,name,boolean)',
    $$SELECT * FROM ecomai.knn_predict('m_r', 'm_pairs', 'u', 'i', 'r', k => 1 + i % 5)$$),
('ecomai.baselines(regclass,name,name,name,float8,float8,int)', $$SELECT * FROM ecomai.baselines('m_r', 'u', 'i', 'r', n_epochs => 1 + i % 3)$$),
-- Markov chains (markov_chain_in, markov_chain_out through text casts)
('ecomai.markov_chain_in(cstring)', $$SELECT m::text::ecomai.markov_chain FROM m_fix$$),
('ecomai.markov_chain_out(ecomai.markov_chain)', $$SELECT m::text FROM m_fix$$),
('ecomai.markov_fit(text,text)', $$SELECT ecomai.markov_fit(a, b) FROM (VALUES ('home', 'cart'), ('cart', 'buy'), ('home', 'p' || i % 7)) v(a, b)$$),
('ecomai.markov_fit(text,text,float8)',
    $$SELECT ecomai.markov_fit(a, b, w) FROM (VALUES ('home', 'cart', 1), ('cart', 'buy', 2), ('home', 'p' || i % 7, i)) v(a, b, w)$$),
('ecomai.markov_merge(ecomai.markov_chain)', $$SELECT ecomai.markov_merge(c) FROM m_fix, LATERAL (VALUES (m), (ring), (m)) v(c)$$),
('ecomai.markov_path(text)', $$SELECT ecomai.markov_path(s ORDER BY o) FROM (VALUES (1, 'home'), (2, 'p' || i % 7), (3, 'buy')) v(o, s)$$),
('ecomai.markov_path(text,text)',
    $$SELECT ecomai.markov_path(s, '(exit)' ORDER BY o) FROM (VALUES (1, 'home'), (2, 'p' || i % 7)) v(o, s)$$),
('ecomai.markov_path(text,text,int)',
    $$SELECT ecomai.markov_path(s, NULL, 2 ORDER BY o) FROM (VALUES (1, 'home'), (2, 'p' || i % 7), (3, 'buy')) v(o, s)$$),
('ecomai.markov_fit_paths(text,float8,float8)',
    $$SELECT ecomai.markov_fit_paths(p, c, x) FROM (VALUES ('email > social', 2, 1), ('direct', i, 3)) v(p, c, x)$$),
('ecomai.markov_fit_paths(text,float8,float8,int)',
    $$SELECT ecomai.markov_fit_paths(p, c, x, 2) FROM (VALUES ('email > social > direct', 2, 1), ('direct', i, 3)) v(p, c, x)$$),
('ecomai.markov_from_matrix(text[],float8[],boolean)',
    $$SELECT ecomai.markov_from_matrix(ARRAY['a', 'b'], ARRAY[[0.5, 0.5], [1.0 / (1 + i % 4), 1 - 1.0 / (1 + i % 4)]]::float8[])$$),
('ecomai.markov_smooth(ecomai.markov_chain,float8)', $$SELECT ecomai.markov_smooth(m, 1.0 / i) FROM m_fix$$),
('ecomai.markov_next(ecomai.markov_chain,text)', $$SELECT n.* FROM m_fix, ecomai.markov_next(m, CASE WHEN i % 2 = 0 THEN 'home' ELSE 'cart' END) n$$),
('ecomai.markov_probability(ecomai.markov_chain,text,text,int)', $$SELECT ecomai.markov_probability(m, 'home', 'buy', 1 + i % 5) FROM m_fix$$),
('ecomai.markov_matrix(ecomai.markov_chain)', $$SELECT x.* FROM m_fix, ecomai.markov_matrix(m) x$$),
('ecomai.markov_path_probability(ecomai.markov_chain,text[])',
    $$SELECT ecomai.markov_path_probability(m, ARRAY['home', 'search', 'cart']) FROM m_fix$$),
('ecomai.markov_stationary(ecomai.markov_chain)', $$SELECT x.* FROM m_fix, ecomai.markov_stationary(ring) x$$),
('ecomai.markov_absorption(ecomai.markov_chain,text[])', $$SELECT x.* FROM m_fix, ecomai.markov_absorption(m, ARRAY['buy', '(exit)']) x$$),
('ecomai.markov_first_passage(ecomai.markov_chain,text)', $$SELECT x.* FROM m_fix, ecomai.markov_first_passage(ring, 'a') x$$),
('ecomai.markov_attribution(ecomai.markov_chain,text,text,ecomai.markov_chain)', $$SELECT x.* FROM m_fix, ecomai.markov_attribution(attr, conversion_value => attr) x$$),
('ecomai.heuristic_attribution(text,float8,float8,float8)', $$SELECT * FROM ecomai.heuristic_attribution('email > social > direct', i, 2 * i)$$),
('ecomai.markov_next(ecomai.markov_chain,text[])', $$SELECT n.* FROM m_fix, ecomai.markov_next(m, ARRAY['search', CASE WHEN i % 2 = 0 THEN 'home' ELSE 'cart' END]) n$$),
('ecomai.markov_probability(ecomai.markov_chain,text[],text,int)', $$SELECT ecomai.markov_probability(m, ARRAY['home'], 'buy', 1 + i % 5) FROM m_fix$$),
('ecomai.markov_choose_order(ecomai.markov_chain)', $$SELECT x.* FROM m_fix, ecomai.markov_choose_order((SELECT ecomai.markov_fit_paths('email > social > direct', i, 1, 3))) x$$),
('ecomai.markov_confidence(ecomai.markov_chain,float8)', $$SELECT x.* FROM m_fix, ecomai.markov_confidence(m, 0.5 + 0.01 * (i % 40)) x$$),
('ecomai.markov_attribution_bootstrap(text[],float8[],float8[],int,bigint,float8,int)',
    $$SELECT * FROM ecomai.markov_attribution_bootstrap(ARRAY['email > social', 'direct'], ARRAY[2, i % 3], ARRAY[1, 3], 5, i)$$),
('ecomai.touch_attribution(text,float8)', $$SELECT * FROM ecomai.touch_attribution('email > social > direct', i)$$),
('ecomai.markov_to_dot(ecomai.markov_chain,float8,int,text,text[])',
    $$SELECT ecomai.markov_to_dot(m, 0.001 * (i % 3), i % 3, 'flow', ARRAY['buy']) FROM m_fix$$),
('ecomai.markov_simulate(ecomai.markov_chain,text,int,int,bigint)', $$SELECT x.* FROM m_fix, ecomai.markov_simulate(m, 'home', 3, 20, i) x$$),
('ecomai.sessionize(timestamptz,interval)',
    $$SELECT ecomai.sessionize(t, '1 minute') OVER (ORDER BY t) FROM (VALUES (now()), (now() + make_interval(secs => i))) v(t)$$),
('ecomai.sessionize(timestamp,interval)',
    $$SELECT ecomai.sessionize(t, '1 minute') OVER (ORDER BY t) FROM (VALUES (localtimestamp), (localtimestamp + make_interval(secs => i))) v(t)$$),
-- implicit feedback (tiny models built in each call)
('ecomai.cooccurrence(anyarray)', $$SELECT ecomai.cooccurrence(b) FROM (VALUES (ARRAY[1, 2, i % 5]), (ARRAY[2, 3])) v(b)$$),
('ecomai.cooccurrence(ecomai.svec)', $$SELECT ecomai.cooccurrence(b) FROM (VALUES (pg_temp.sv(i)), (pg_temp.sv(i + 1))) v(b)$$),
('ecomai.cooccurrence_summary(ecomai.cooccurrence)', $$SELECT ecomai.cooccurrence_summary(m) FROM (SELECT ecomai.cooccurrence(b) AS m FROM (VALUES (ARRAY[1, 2, 3 + i % 3]), (ARRAY[1, 3]), (ARRAY[2, 3])) v(b)) f$$),
('ecomai.item_similarities(ecomai.cooccurrence,text,integer,bigint,float8,float8)',
    $$SELECT x.* FROM (SELECT ecomai.cooccurrence(b) AS m FROM (VALUES (ARRAY[1, 2, 3 + i % 3]), (ARRAY[1, 3]), (ARRAY[2, 3])) v(b)) f, ecomai.item_similarities(m, 'cosine', 2) x$$),
('ecomai.item_similarities(anyelement,ecomai.cooccurrence,text,integer,bigint,float8,float8)',
    $$SELECT x.* FROM (SELECT ecomai.cooccurrence(b) AS m FROM (VALUES (ARRAY['a', 'b', 'c' || i % 3]), (ARRAY['a', 'c0'])) v(b)) f, ecomai.item_similarities(NULL::text, m, 'conditional', 2, alpha => 0.5) x$$),
('ecomai.association_rules(ecomai.cooccurrence,float8,float8,float8)', $$SELECT x.* FROM (SELECT ecomai.cooccurrence(b) AS m FROM (VALUES (ARRAY[1, 2, 3 + i % 3]), (ARRAY[1, 3]), (ARRAY[2, 3])) v(b)) f, ecomai.association_rules(m) x$$),
('ecomai.association_rules(anyelement,ecomai.cooccurrence,float8,float8,float8)',
    $$SELECT x.* FROM (SELECT ecomai.cooccurrence(b) AS m FROM (VALUES (ARRAY['a', 'b', 'c' || i % 3]), (ARRAY['a', 'c0'])) v(b)) f, ecomai.association_rules(NULL::text, m, 0.1) x$$),
('ecomai.popular_items(ecomai.cooccurrence,integer)', $$SELECT x.* FROM (SELECT ecomai.cooccurrence(b) AS m FROM (VALUES (ARRAY[1, 2, 3 + i % 3]), (ARRAY[1, 3]), (ARRAY[2, 3])) v(b)) f, ecomai.popular_items(m, 2) x$$),
('ecomai.popular_items(anyelement,ecomai.cooccurrence,integer)', $$SELECT x.* FROM (SELECT ecomai.cooccurrence(b) AS m FROM (VALUES (ARRAY['a', 'b', 'c' || i % 3]), (ARRAY['a', 'c0'])) v(b)) f, ecomai.popular_items(NULL::text, m, 2) x$$),
('ecomai.ease(ecomai.cooccurrence,float8,integer)', $$SELECT x.* FROM (SELECT ecomai.cooccurrence(b) AS m FROM (VALUES (ARRAY[1, 2, 3 + i % 3]), (ARRAY[1, 3]), (ARRAY[2, 3])) v(b)) f, ecomai.ease(m, 1 + i % 3, 2) x$$),
('ecomai.ease(anyelement,ecomai.cooccurrence,float8,integer)', $$SELECT x.* FROM (SELECT ecomai.cooccurrence(b) AS m FROM (VALUES (ARRAY['a', 'b', 'c' || i % 3]), (ARRAY['a', 'c0'])) v(b)) f, ecomai.ease(NULL::text, m, 2, NULL) x$$),
('ecomai.recommend_from_history(regclass,anyarray,bigint,"any","any","any",name,name,name)',
    $$SELECT x.* FROM ecomai.recommend_from_history('m_nb', ARRAY[1 + i % 8, 2]::bigint[], 3, exclude => ARRAY[3]::bigint[], fallback => ARRAY[1, 2, 4, 5]::bigint[]) x$$),
('ecomai.evaluate_recommendations(regclass,regclass,integer,name,name,name,bigint)',
    $$SELECT x.* FROM ecomai.evaluate_recommendations('m_pairs', 'm_r', 1 + i % 3, 'u', 'i', 'r') x$$),
('ecomai.split_interactions(regclass,name,name,anyelement,anycompatible,text,float8,integer,name,name)',
    $$SELECT x.* FROM ecomai.split_interactions('m_r', 'u', 'i', NULL::int, NULL::int, 'random', 0.25, i) x$$),
('ecomai.relation_column_type(oid,name)', $$SELECT ecomai.relation_column_type('m_r'::regclass, CASE WHEN i % 2 = 0 THEN 'u' ELSE 'r' END)$$),
-- Bayesian networks (bayesnet_in/out and bn_fit_state_in/out through text casts)
('ecomai.bayesnet_in(cstring)', $$SELECT bn::text::ecomai.bayesnet FROM m_fix$$),
('ecomai.bayesnet_out(ecomai.bayesnet)', $$SELECT bn::text FROM m_fix$$),
('ecomai.bn_fit_state_in(cstring)',
    $$SELECT ecomai.bn_fit_accum(NULL, '[a][b|a]', VARIADIC ARRAY['x', 'u' || i % 3])::text::ecomai.bn_fit_state IS NULL$$),
('ecomai.bayesnet_eq(ecomai.bayesnet,ecomai.bayesnet)', $$SELECT ecomai.bayesnet_eq(bn, bn) FROM m_fix$$),
('ecomai.bayesnet_ne(ecomai.bayesnet,ecomai.bayesnet)', $$SELECT ecomai.bayesnet_ne(bn, bn) FROM m_fix$$),
-- equality, order and hashing of the model types (src/model_equality.c)
('ecomai.markov_chain_eq(ecomai.markov_chain,ecomai.markov_chain)', $$SELECT ecomai.markov_chain_eq(m, m) FROM m_fix$$),
('ecomai.markov_chain_ne(ecomai.markov_chain,ecomai.markov_chain)', $$SELECT ecomai.markov_chain_ne(m, m) FROM m_fix$$),
('ecomai.markov_chain_lt(ecomai.markov_chain,ecomai.markov_chain)', $$SELECT ecomai.markov_chain_lt(m, m) FROM m_fix$$),
('ecomai.markov_chain_le(ecomai.markov_chain,ecomai.markov_chain)', $$SELECT ecomai.markov_chain_le(m, m) FROM m_fix$$),
('ecomai.markov_chain_gt(ecomai.markov_chain,ecomai.markov_chain)', $$SELECT ecomai.markov_chain_gt(m, m) FROM m_fix$$),
('ecomai.markov_chain_ge(ecomai.markov_chain,ecomai.markov_chain)', $$SELECT ecomai.markov_chain_ge(m, m) FROM m_fix$$),
('ecomai.markov_chain_cmp(ecomai.markov_chain,ecomai.markov_chain)', $$SELECT ecomai.markov_chain_cmp(m, m) FROM m_fix$$),
('ecomai.markov_chain_hash(ecomai.markov_chain)', $$SELECT ecomai.markov_chain_hash(m) FROM m_fix$$),
('ecomai.markov_chain_hash_extended(ecomai.markov_chain,bigint)', $$SELECT ecomai.markov_chain_hash_extended(m, i) FROM m_fix$$),
('ecomai.bayesnet_lt(ecomai.bayesnet,ecomai.bayesnet)', $$SELECT ecomai.bayesnet_lt(bn, bn) FROM m_fix$$),
('ecomai.bayesnet_le(ecomai.bayesnet,ecomai.bayesnet)', $$SELECT ecomai.bayesnet_le(bn, bn) FROM m_fix$$),
('ecomai.bayesnet_gt(ecomai.bayesnet,ecomai.bayesnet)', $$SELECT ecomai.bayesnet_gt(bn, bn) FROM m_fix$$),
('ecomai.bayesnet_ge(ecomai.bayesnet,ecomai.bayesnet)', $$SELECT ecomai.bayesnet_ge(bn, bn) FROM m_fix$$),
('ecomai.bayesnet_cmp(ecomai.bayesnet,ecomai.bayesnet)', $$SELECT ecomai.bayesnet_cmp(bn, bn) FROM m_fix$$),
('ecomai.bayesnet_hash(ecomai.bayesnet)', $$SELECT ecomai.bayesnet_hash(bn) FROM m_fix$$),
('ecomai.bayesnet_hash_extended(ecomai.bayesnet,bigint)', $$SELECT ecomai.bayesnet_hash_extended(bn, i) FROM m_fix$$),
('ecomai.bn_from_bif(text)', $$SELECT ecomai.bn_from_bif(bif) FROM m_fix$$),
('ecomai.bn_to_bif(ecomai.bayesnet)', $$SELECT ecomai.bn_to_bif(bn) FROM m_fix$$),
('ecomai.bn_to_dot(ecomai.bayesnet,text[])', $$SELECT ecomai.bn_to_dot(bn, ARRAY['weather']) FROM m_fix$$),
('ecomai.bn_cpt(ecomai.bayesnet,text)', $$SELECT x.* FROM m_fix, ecomai.bn_cpt(bn, CASE WHEN i % 2 = 0 THEN 'early' ELSE 'weather' END) x$$),
('ecomai.bn_variables(ecomai.bayesnet)', $$SELECT x.* FROM m_fix, ecomai.bn_variables(bn) x$$),
('ecomai.bn_query(ecomai.bayesnet,text,jsonb)',
    $$SELECT x.* FROM m_fix, ecomai.bn_query(bn, 'early', jsonb_build_object('umbrella', CASE WHEN i % 2 = 0 THEN 'yes' ELSE 'no' END)) x$$),
('ecomai.bn_probability(ecomai.bayesnet,jsonb,jsonb)',
    $$SELECT ecomai.bn_probability(bn, '{"early": "yes"}', jsonb_build_object('weather', CASE WHEN i % 2 = 0 THEN 'sun' ELSE 'rain' END)) FROM m_fix$$),
('ecomai.bn_map(ecomai.bayesnet,jsonb)', $$SELECT ecomai.bn_map(bn, jsonb_build_object('early', CASE WHEN i % 2 = 0 THEN 'yes' ELSE 'no' END)) FROM m_fix$$),
('ecomai.bn_sample(ecomai.bayesnet,int,int)', $$SELECT x.* FROM m_fix, ecomai.bn_sample(bn, 3, i) x$$),
('ecomai.bn_fit(text,text[])',
    $$SELECT ecomai.bn_fit('[a][b|a]', a, b) FROM (VALUES ('x', 'u'), ('y', 'v'), ('x', 'w' || i % 3)) v(a, b)$$),
-- matrix factorisation (mf_model_in/out through text casts)
('ecomai.mf_model_in(cstring)', $$SELECT mf::text::ecomai.mf_model IS NULL FROM m_fix WHERE i > 0$$),
('ecomai.mf_model_out(ecomai.mf_model)', $$SELECT length(mf::text) + i FROM m_fix$$),
('ecomai.mf_fit(regclass,name,name,name,text,int,float8,float8,int,int,text,regclass)',
    $$SELECT ecomai.mf_fit('m_r', 'u', 'i', 'r', factors => 2, iterations => 1, seed => i) IS NULL$$),
('ecomai.mf_predict(ecomai.mf_model,anyelement,anycompatible)', $$SELECT ecomai.mf_predict(mf, 1 + i % 12, 1 + i % 8) FROM m_fix$$),
('ecomai.mf_recommend(ecomai.mf_model,anynonarray,int,anycompatible)',
    $$SELECT x.* FROM m_fix, ecomai.mf_recommend(mf, 1 + i % 12, 3, NULL::int) x$$),
('ecomai.mf_recommend(ecomai.mf_model,anynonarray,int,anycompatiblearray,anycompatiblearray)',
    $$SELECT x.* FROM m_fix, ecomai.mf_recommend(mf, 1 + i % 12, 3, ARRAY[i % 8], NULL) x$$),
('ecomai.mf_recommend(ecomai.mf_model,anycompatiblearray,int)',
    $$SELECT x.* FROM m_fix, ecomai.mf_recommend(mf, ARRAY[1 + i % 8, 2], 3) x$$),
('ecomai.mf_recommend(ecomai.mf_model,anycompatiblearray,int,anycompatiblearray,anycompatiblearray)',
    $$SELECT x.* FROM m_fix, ecomai.mf_recommend(mf, ARRAY[1 + i % 8], 3, NULL, ARRAY[1, 2, 3, i % 8]) x$$),
('ecomai.mf_similar_items(ecomai.mf_model,anyelement,int)', $$SELECT x.* FROM m_fix, ecomai.mf_similar_items(mf, 1 + i % 8, 3) x$$),
('ecomai.mf_user_factors(ecomai.mf_model,anyelement)', $$SELECT x.* FROM m_fix, ecomai.mf_user_factors(mf, NULL::int) x WHERE x.user_id <> i$$),
('ecomai.mf_item_factors(ecomai.mf_model,anyelement)', $$SELECT x.* FROM m_fix, ecomai.mf_item_factors(mf, NULL::int) x WHERE x.item <> i$$),
('ecomai.mf_model_eq(ecomai.mf_model,ecomai.mf_model)', $$SELECT ecomai.mf_model_eq(mf, mf) AND i > 0 FROM m_fix$$),
('ecomai.mf_model_ne(ecomai.mf_model,ecomai.mf_model)', $$SELECT ecomai.mf_model_ne(mf, mf) AND i > 0 FROM m_fix$$),
('ecomai.mf_model_lt(ecomai.mf_model,ecomai.mf_model)', $$SELECT ecomai.mf_model_lt(mf, mf) AND i > 0 FROM m_fix$$),
('ecomai.mf_model_le(ecomai.mf_model,ecomai.mf_model)', $$SELECT ecomai.mf_model_le(mf, mf) AND i > 0 FROM m_fix$$),
('ecomai.mf_model_gt(ecomai.mf_model,ecomai.mf_model)', $$SELECT ecomai.mf_model_gt(mf, mf) AND i > 0 FROM m_fix$$),
('ecomai.mf_model_ge(ecomai.mf_model,ecomai.mf_model)', $$SELECT ecomai.mf_model_ge(mf, mf) AND i > 0 FROM m_fix$$),
('ecomai.mf_model_cmp(ecomai.mf_model,ecomai.mf_model)', $$SELECT ecomai.mf_model_cmp(mf, mf) + i FROM m_fix$$),
('ecomai.mf_model_hash(ecomai.mf_model)', $$SELECT ecomai.mf_model_hash(mf) + i FROM m_fix$$),
('ecomai.mf_model_hash_extended(ecomai.mf_model,bigint)', $$SELECT ecomai.mf_model_hash_extended(mf, i) FROM m_fix$$),
('ecomai.mf_training_log(ecomai.mf_model)', $$SELECT x.* FROM m_fix, ecomai.mf_training_log(mf) x WHERE x.iteration <> i$$),
-- structure learning (bn_counts_in/out through text casts)
('ecomai.bn_counts(jsonb)',
    $$SELECT ecomai.bn_counts(r)::text::ecomai.bn_counts IS NULL FROM (VALUES ('{"a": "x", "b": 1}'::jsonb), (jsonb_build_object('a', 'y', 'b', i % 3))) v(r)$$),
('ecomai.bn_learn(jsonb)',
    $$SELECT ecomai.bn_learn(r) FROM (VALUES ('{"a": "x", "b": 1}'::jsonb), ('{"a": "x", "b": 2}'), (jsonb_build_object('a', 'y', 'b', i % 3))) v(r)$$),
('ecomai.bn_learn(jsonb,jsonb)',
    $$SELECT ecomai.bn_learn(r, '{"algorithm": "tabu", "score": "bdeu", "restarts": 2}') FROM (VALUES ('{"a": "x", "b": 1}'::jsonb), ('{"a": "x", "b": 2.5}'), (jsonb_build_object('a', 'y', 'b', i % 3))) v(r)$$),
('ecomai.bn_fit(text,jsonb)',
    $$SELECT ecomai.bn_fit('[a][b|a]', r) FROM (VALUES ('{"a": "x", "b": true}'::jsonb), (jsonb_build_object('a', 'y', 'b', i % 2 = 0))) v(r)$$),
('ecomai.bn_learn(ecomai.bn_counts,jsonb)',
    $$SELECT ecomai.bn_learn(counts, CASE WHEN i % 2 = 0 THEN '{"algorithm": "chow_liu"}' ELSE '{"algorithm": "tan", "target": "early"}' END::jsonb) FROM m_fix$$),
('ecomai.bn_score(ecomai.bayesnet,ecomai.bn_counts,text,float8)',
    $$SELECT ecomai.bn_score(bn, counts, CASE WHEN i % 2 = 0 THEN 'bic' ELSE 'bdeu' END, i % 5 + 1) FROM m_fix$$),
('ecomai.bn_arcs(ecomai.bayesnet)', $$SELECT x.* FROM m_fix, ecomai.bn_arcs(bn) x$$),
('ecomai.bn_shd(ecomai.bayesnet,ecomai.bayesnet)', $$SELECT ecomai.bn_shd(bn, bn) FROM m_fix$$),
('ecomai.bn_predict(ecomai.bayesnet,text,jsonb)',
    $$SELECT x.* FROM m_fix, ecomai.bn_predict(bn, 'early', jsonb_build_object('weather', CASE WHEN i % 2 = 0 THEN 'sun' ELSE 'rain' END, 'umbrella', i % 3)) x$$);

SELECT is(array_agg(f.oid::regprocedure::text ORDER BY f.oid::regprocedure::text), NULL,
    'every function and aggregate of the extension has a memory test call')
FROM pg_proc f
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = f.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ecomai'
WHERE NOT EXISTS (SELECT 1 FROM mem_calls c WHERE c.fn = f.oid)
  AND NOT EXISTS (SELECT 1 FROM pg_aggregate a
                  WHERE f.oid IN (a.aggtransfn, a.aggcombinefn, a.aggfinalfn, a.aggserialfn, a.aggdeserialfn))
  AND NOT EXISTS (SELECT 1 FROM pg_type t
                  WHERE f.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout, t.typanalyze))
  -- planner support functions run while the calls above are planned
  AND NOT EXISTS (SELECT 1 FROM pg_proc s WHERE s.prosupport = f.oid);

-- sum(total_bytes) of this backend's memory contexts
CREATE FUNCTION pg_temp.backend_bytes() RETURNS bigint LANGUAGE sql AS
    $$SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts$$;

-- Growth in bytes over n calls of a call, after a warm-up batch of warm calls.
CREATE FUNCTION pg_temp.growth(call text, warm int, n int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    b0 bigint;
    b1 bigint;
BEGIN
    EXECUTE format('CREATE OR REPLACE FUNCTION pg_temp.mem_loop(n int) RETURNS bigint LANGUAGE plpgsql AS %L',
                   format('DECLARE rows_seen bigint := 0; BEGIN FOR i IN 1 .. n LOOP rows_seen := rows_seen + (SELECT count(*) FROM (%s) q); END LOOP; RETURN rows_seen; END', call));
    PERFORM pg_temp.mem_loop(warm);
    b0 := pg_temp.backend_bytes();
    PERFORM pg_temp.mem_loop(n);
    b1 := pg_temp.backend_bytes();
    RETURN b1 - b0;
END $$;

-- the harness alone, measured first (one-time setup of the measuring statements lands here)
CREATE TEMP TABLE mem_empty AS SELECT pg_temp.growth($$SELECT 1$$, 500, 10000) AS bytes;
SELECT diag('harness alone (SELECT 1): ' || bytes) FROM mem_empty;

CREATE TEMP TABLE mem_growth AS
SELECT fn, pg_temp.growth(call, 500, 10000) AS bytes FROM mem_calls;

SELECT is(array_agg(fn::text || ': ' || bytes || ' bytes' ORDER BY fn::text), NULL,
    'no function grows the backend''s memory by 1 MB or more over 10,000 calls')
FROM mem_growth WHERE bytes >= 1024 * 1024;

-- The measurement sees growth: a control that keeps 10,000 advisory locks (the lock table and
-- the resource owner grow until the transaction ends) must show it.
CREATE TEMP TABLE mem_control AS
SELECT pg_temp.growth($$SELECT pg_advisory_xact_lock(1000000 + i)$$, 500, 10000) AS bytes;
SELECT cmp_ok(bytes, '>=', 100000::bigint, 'the control that holds 10,000 locks shows growth (the measurement can fail)')
FROM mem_control;
SELECT diag('control (10,000 advisory locks held): ' || bytes) FROM mem_control;

SELECT diag(fn::text || ': ' || bytes) FROM mem_growth WHERE bytes <> 0 ORDER BY bytes DESC;

SELECT * FROM finish();
ROLLBACK;
