-- Cancel: every function that can run long stops within a second of statement_timeout.
-- Each case runs an input that takes seconds without a timeout (figures in
-- docs/hardening-memory.md) under statement_timeout = 200ms; the helper catches the cancel and
-- records the SQLSTATE and the time since the statement started.  (pgTAP's throws_ok cannot
-- catch a cancel: PL/pgSQL's OTHERS excludes query_canceled.)
-- Also: every function that builds a large working set fails with 54000 naming
-- ecomai.max_memory when that set is over the bound.
BEGIN;
SELECT plan(92);
\ir lib/helpers.sql

CREATE TEMP TABLE cancel_log (name text, state text, elapsed float8);
CREATE FUNCTION pg_temp.cancels(name text, query text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE query;
        INSERT INTO cancel_log VALUES (name, 'finished', extract(epoch FROM clock_timestamp() - statement_timestamp()));
    EXCEPTION WHEN query_canceled THEN
        INSERT INTO cancel_log VALUES (name, SQLSTATE, extract(epoch FROM clock_timestamp() - statement_timestamp()));
    END;
END $$;

-- Inputs.  Views are lazy: they cost nothing until a case reads them under the timeout.
CREATE TEMP VIEW c_full AS SELECT u, i FROM generate_series(1, 400) u, generate_series(1, 2500) i;
CREATE TEMP VIEW c_ratings AS
    SELECT u, i, ((u * 7 + i * 13) % 5 + 1)::float8 AS r FROM generate_series(1, 1000) u, generate_series(1, 500) i;
CREATE TEMP VIEW c_pairs AS SELECT u, i FROM generate_series(1, 1000) u, generate_series(1, 500) i;
CREATE TEMP TABLE c_small AS
    SELECT u, i, ((u * 7 + i * 13) % 5 + 1)::float8 AS r FROM generate_series(1, 200) u, generate_series(1, 100) i;
CREATE TEMP VIEW c_nb AS SELECT a AS item, b AS neighbor, 1.0 / (1 + abs(a - b)) AS similarity
    FROM generate_series(1, 3000) a, generate_series(1, 3000) b WHERE a <> b;
CREATE TEMP VIEW c_own AS SELECT 1 AS user_id, i AS item_id FROM generate_series(1, 1500) i;
CREATE TEMP VIEW c_arrays AS SELECT ARRAY[g, 1, 2, 3]::float8[] AS v FROM generate_series(1, 20000000) g;
-- n-state chains: an absorbing one ((start) -> every channel, each channel to two others and
-- to (conversion) or (null)) and an irreducible one (a ring plus chords)
CREATE FUNCTION pg_temp.absorbing_chain(n int) RETURNS ecomai.markov_chain LANGUAGE sql AS $$
SELECT ecomai.markov_fit(f, t) FROM (
          SELECT '(start)' AS f, 'c' || s AS t FROM generate_series(1, n) s
          UNION ALL SELECT 'c' || s, 'c' || (1 + (s * 7) % n) FROM generate_series(1, n) s
          UNION ALL SELECT 'c' || s, 'c' || (1 + (s * 13 + 5) % n) FROM generate_series(1, n) s
          UNION ALL SELECT 'c' || s, CASE WHEN s % 3 = 0 THEN '(conversion)' ELSE '(null)' END
                    FROM generate_series(1, n) s) x $$;
CREATE FUNCTION pg_temp.ring_chain(n int) RETURNS ecomai.markov_chain LANGUAGE sql AS $$
SELECT ecomai.markov_fit(f, t) FROM (
          SELECT 's' || s AS f, 's' || ((s + 1) % n) AS t FROM generate_series(0, n - 1) s
          UNION ALL SELECT 's' || s, 's' || ((s * 7 + 3) % n) FROM generate_series(0, n - 1) s) x $$;
CREATE TEMP TABLE c_chains AS SELECT pg_temp.absorbing_chain(3000) AS absorbing, pg_temp.ring_chain(3000) AS ring;
-- a chain with 200k transitions, merged with itself many times
CREATE TEMP TABLE c_bigchain AS
SELECT ecomai.markov_fit('p' || (g % 2000), 'p' || ((g * 31) % 2000)) AS m FROM generate_series(1, 200000) g;
-- inputs of the 1.0 families: 5,000 channel paths; a co-occurrence model of 3,000 items; the
-- contingency counts of 12 variables
CREATE TEMP TABLE c_boot AS
SELECT array_agg('c' || (g % 50) || ' > c' || (g * 7 % 37) || ' > c' || (g * 3 % 41)) AS paths,
       array_agg((g % 3)::float8) AS conv, array_agg(1::float8) AS nulls FROM generate_series(1, 5000) g;
CREATE TEMP TABLE c_cooc AS
SELECT ecomai.cooccurrence(b) AS m FROM (
    SELECT array_agg(DISTINCT (u * 104729 + j * 7919) % 3000) AS b
    FROM generate_series(1, 3000) u, generate_series(1, 40) j GROUP BY u) t;
CREATE TEMP TABLE c_counts AS
SELECT ecomai.bn_counts(jsonb_build_object('a', g % 3, 'b', g % 5, 'c', (g / 3) % 4, 'd', (g * 7) % 6,
                        'e', (g / 7) % 3, 'f', (g * 13) % 5, 'g', (g / 11) % 4, 'h', (g * 17) % 3,
                        'i', (g / 13) % 5, 'j', (g * 19) % 4, 'k', (g / 17) % 3, 'l', (g * 23) % 6)) AS counts
FROM generate_series(1, 20000) g;
-- grid_bn(nr, nc, ns, nrows): an nr x nc grid network of ns-state variables (ns a power of 2;
-- parents: the cells above and to the left), fitted on nrows pseudo-random rows.  Exact inference
-- needs factors over a whole front of the grid.
CREATE FUNCTION pg_temp.grid_bn(nr int, nc int, ns int, nrows int) RETURNS ecomai.bayesnet LANGUAGE sql AS $$
SELECT ecomai.bn_fit(
         (SELECT string_agg(format('[x%s_%s%s]', r, c,
                     CASE WHEN r = 0 AND c = 0 THEN ''
                          WHEN r = 0 THEN format('|x%s_%s', r, c - 1)
                          WHEN c = 0 THEN format('|x%s_%s', r - 1, c)
                          ELSE format('|x%s_%s:x%s_%s', r - 1, c, r, c - 1) END), '' ORDER BY r, c)
                 || ' pseudo_count=1'
          FROM generate_series(0, nr - 1) r, generate_series(0, nc - 1) c),
         VARIADIC ARRAY(SELECT chr(97 + (hashint4(g * 131 + v) & (ns - 1))) FROM generate_series(0, nr * nc - 1) v ORDER BY v))
FROM generate_series(1, nrows) g $$;
-- a 9 x 9 grid of 4-state variables
CREATE TEMP TABLE c_bn AS SELECT pg_temp.grid_bn(9, 9, 4, 2000) AS bn;

-- At the documented maxima (issue 11 item 4): a 100,000-variable (BN_MAX_VARS) chain as BIF text
-- and as a bn_fit structure; the largest absorbing chain whose dense system fits the default
-- ecomai.max_memory (8,000 transient states: 2 x 8,000^2 doubles = 1 GB) and the largest class
-- markov_stationary solves densely (4,096 states); the largest grid network whose elimination
-- plan fits the default setting (14 x 60 binary cells, a 790 MB working set; see bn_limits.sql).
CREATE TEMP TABLE c_max AS
SELECT 'network chain { }' || E'\n' ||
       (SELECT string_agg(format('variable v%s { type discrete [ 2 ] { yes, no }; }', g), E'\n') FROM generate_series(0, 99999) g)
       || E'\nprobability ( v0 ) { table 0.4, 0.6; }\n' ||
       (SELECT string_agg(format('probability ( v%s | v%s ) { (yes) 0.7, 0.3; (no) 0.2, 0.8; }', g, g - 1), E'\n')
        FROM generate_series(1, 99999) g) AS bif,
       '[v0]' || (SELECT string_agg(format('[v%s|v%s]', g, g - 1), '') FROM generate_series(1, 99999) g) AS structure,
       (SELECT array_agg(CASE WHEN g % 2 = 0 THEN 'yes' ELSE 'no' END ORDER BY g) FROM generate_series(0, 99999) g) AS vals,
       pg_temp.absorbing_chain(8000) AS absorbing, pg_temp.ring_chain(4096) AS ring;
CREATE TEMP TABLE c_grid AS SELECT pg_temp.grid_bn(14, 60, 2, 200) AS bn;

SET LOCAL statement_timeout = '200ms';
SELECT pg_temp.cancels('item_neighbors', $$SELECT count(*) FROM ecomai.item_neighbors('c_full', 'u', 'i', k => 50)$$);
SELECT pg_temp.cancels('user_neighbors', $$SELECT count(*) FROM ecomai.user_neighbors('c_full', 'i', 'u', k => 50)$$);
SELECT pg_temp.cancels('knn_predict', $$SELECT count(*) FROM ecomai.knn_predict('c_ratings', 'c_pairs', 'u', 'i', 'r')$$);
SELECT pg_temp.cancels('baselines', $$SELECT count(*) FROM ecomai.baselines('c_small', 'u', 'i', 'r', n_epochs => 1000000)$$);
SELECT pg_temp.cancels('recommend', $$SELECT count(*) FROM ecomai.recommend('c_own', 'c_nb', 1, 'user_id', 'item_id', k => 10)$$);
SELECT pg_temp.cancels('svec_agg', $$SELECT ecomai.svec_nnz(ecomai.svec_agg(g, 1)) FROM generate_series(1, 10000000) g$$);
SELECT pg_temp.cancels('markov_fit',
    $$SELECT ecomai.markov_fit('s' || (g % 1000), 's' || ((g * 7) % 1000)) IS NULL FROM generate_series(1, 5000000) g$$);
SELECT pg_temp.cancels('markov_merge', $$SELECT ecomai.markov_merge(m) IS NULL FROM c_bigchain, generate_series(1, 100000)$$);
SELECT pg_temp.cancels('markov_absorption',
    $$SELECT count(*) FROM c_chains, ecomai.markov_absorption(absorbing, ARRAY['(conversion)', '(null)'])$$);
SELECT pg_temp.cancels('markov_attribution', $$SELECT count(*) FROM c_chains, ecomai.markov_attribution(absorbing)$$);
SELECT pg_temp.cancels('markov_stationary', $$SELECT count(*) FROM c_chains, ecomai.markov_stationary(ring)$$);
SELECT pg_temp.cancels('markov_first_passage', $$SELECT count(*) FROM c_chains, ecomai.markov_first_passage(ring, 's0')$$);
SELECT pg_temp.cancels('markov_probability (step by step)',
    $$SELECT ecomai.markov_probability(ring, 's0', 's1', 10000000) FROM c_chains$$);
SELECT pg_temp.cancels('markov_probability (matrix squaring)',
    $$SELECT ecomai.markov_probability(ring, 's0', 's1', 2000000000) FROM c_chains$$);
SELECT pg_temp.cancels('bn_fit',
    $$SELECT ecomai.bn_fit('[a][b|a][c|a:b]', (g % 7)::text, (g % 11)::text, (g % 13)::text) IS NULL FROM generate_series(1, 5000000) g$$);
SELECT pg_temp.cancels('bn_query', $$SELECT count(*) FROM c_bn, ecomai.bn_query(bn, 'x8_8')$$);
SELECT pg_temp.cancels('bn_probability', $$SELECT ecomai.bn_probability(bn, '{"x8_8": "a"}') FROM c_bn$$);
SELECT pg_temp.cancels('bn_map', $$SELECT ecomai.bn_map(bn, '{"x0_0": "a"}') FROM c_bn$$);
SELECT pg_temp.cancels('bn_sample', $$SELECT count(*) FROM c_bn, ecomai.bn_sample(bn, 100000000, 1)$$);
SELECT pg_temp.cancels('vector_sum', $$SELECT ecomai.vector_sum(v) IS NULL FROM c_arrays$$);
SELECT pg_temp.cancels('vector_avg', $$SELECT ecomai.vector_avg(v) IS NULL FROM c_arrays$$);
SELECT pg_temp.cancels('train_test_split',
    $$SELECT count(*) FROM ecomai.train_test_split('c_ratings', 'u', 'i', time_col => 'r')$$);
SELECT pg_temp.cancels('bn_from_bif (100,000 variables)', $$SELECT ecomai.bn_from_bif(bif) IS NULL FROM c_max$$);
SELECT pg_temp.cancels('bayesnet text input (100,000 variables)', $$SELECT bif::ecomai.bayesnet IS NULL FROM c_max$$);
SELECT pg_temp.cancels('bn_fit structure (100,000 variables)', $$SELECT ecomai.bn_fit(structure, VARIADIC vals) IS NULL FROM c_max$$);
SELECT pg_temp.cancels('markov_absorption (8,000 states)',
    $$SELECT count(*) FROM c_max, ecomai.markov_absorption(absorbing, ARRAY['(conversion)', '(null)'])$$);
SELECT pg_temp.cancels('markov_attribution (8,000 states)', $$SELECT count(*) FROM c_max, ecomai.markov_attribution(absorbing)$$);
SELECT pg_temp.cancels('markov_stationary (4,096 states, dense)', $$SELECT count(*) FROM c_max, ecomai.markov_stationary(ring)$$);
SELECT pg_temp.cancels('bn_query (14 x 60 grid)', $$SELECT count(*) FROM c_grid, ecomai.bn_query(bn, 'x13_59')$$);
-- the families of 1.0: journeys, bootstrap, co-occurrence and EASE, matrix factorisation,
-- structure learning
SELECT pg_temp.cancels('markov_simulate', $$SELECT count(*) FROM c_chains, ecomai.markov_simulate(absorbing, '(start)', 100000000, 1000, 1)$$);
SELECT pg_temp.cancels('markov_attribution_bootstrap',
    $$SELECT count(*) FROM c_boot, ecomai.markov_attribution_bootstrap(paths, conv, nulls, 100000, 1)$$);
SELECT pg_temp.cancels('cooccurrence', $$SELECT ecomai.cooccurrence(b) IS NULL FROM (SELECT array_agg(i) AS b FROM c_full GROUP BY u) t$$);
SELECT pg_temp.cancels('ease (3,000 items)', $$SELECT count(*) FROM c_cooc, ecomai.ease(m) e$$);
SELECT pg_temp.cancels('mf_fit', $$SELECT ecomai.mf_fit('c_ratings', 'u', 'i', 'r', iterations => 1000) IS NULL$$);
SELECT pg_temp.cancels('bn_learn (tabu, restarts)',
    $$SELECT ecomai.bn_learn(counts, '{"algorithm": "tabu", "restarts": 100000, "max_tabu": 1000}') IS NULL FROM c_counts$$);
RESET statement_timeout;

SELECT is(state, '57014', name || ': statement_timeout cancels it (57014)') FROM cancel_log ORDER BY name;
SELECT cmp_ok(elapsed, '<', 1.2::float8, name || ': stopped within a second of the 0.2 s timeout')
FROM cancel_log ORDER BY name;
-- the table of stop times (seconds since the statement started; the timeout is 0.2 s)
SELECT diag(rpad('case', 45) || ' | state    | stopped after');
SELECT diag(rpad(name, 45) || ' | ' || rpad(state, 8) || ' | ' || to_char(elapsed, '0.000') || ' s') FROM cancel_log ORDER BY name;

-- The blocked dense algebra that makes large solves cancellable gives exact answers: on a
-- 1000-state absorbing chain (a blocked LU) the absorption probabilities B and expected steps t
-- satisfy B = R + Q B and t = 1 + Q t to 1e-12, and on a 1000-state irreducible chain the
-- stationary distribution satisfies pi = pi P.
CREATE TEMP TABLE c_mid AS
SELECT (SELECT ecomai.markov_fit(f, t) FROM (
          SELECT 'c' || s AS f, 'c' || (1 + (s * 7) % 1000) AS t FROM generate_series(1, 1000) s
          UNION ALL SELECT 'c' || s, 'c' || (1 + (s * 13 + 5) % 1000) FROM generate_series(1, 1000) s
          UNION ALL SELECT 'c' || s, CASE WHEN s % 3 = 0 THEN 'buy' ELSE 'exit' END FROM generate_series(1, 1000) s) x) AS m,
       (SELECT ecomai.markov_fit(f, t) FROM (
          SELECT 's' || s AS f, 's' || ((s + 1) % 1000) AS t FROM generate_series(0, 999) s
          UNION ALL SELECT 's' || s, 's' || ((s * 7 + 3) % 1000) FROM generate_series(0, 999) s
          UNION ALL SELECT 's' || s, 's' || ((s * 11 + 1) % 1000) FROM generate_series(0, 999) s WHERE s % 4 = 0) x) AS ring;
CREATE TEMP TABLE c_mid_p AS SELECT x.* FROM c_mid, ecomai.markov_matrix(m) x;
CREATE TEMP TABLE c_mid_b AS SELECT x.* FROM c_mid, ecomai.markov_absorption(m, ARRAY['buy', 'exit']) x;
SELECT cmp_ok((WITH qb AS (SELECT p.from_state AS state, b2.absorbing_state, sum(p.probability * b2.probability) AS s
                            FROM c_mid_p p JOIN c_mid_b b2 ON b2.state = p.to_state GROUP BY 1, 2)
               SELECT max(abs(b.probability - coalesce(r.probability, 0) - coalesce(qb.s, 0)))
               FROM c_mid_b b
               LEFT JOIN c_mid_p r ON r.from_state = b.state AND r.to_state = b.absorbing_state
               LEFT JOIN qb ON qb.state = b.state AND qb.absorbing_state = b.absorbing_state),
              '<', 1e-12::float8, 'blocked solve: absorption probabilities satisfy B = R + Q B');
SELECT cmp_ok((WITH qt AS (SELECT p.from_state AS state, sum(p.probability * b2.expected_steps) AS s
                            FROM c_mid_p p JOIN c_mid_b b2 ON b2.state = p.to_state AND b2.absorbing_state = 'buy'
                            GROUP BY 1)
               SELECT max(abs(b.expected_steps - 1 - coalesce(qt.s, 0)) / b.expected_steps)
               FROM c_mid_b b LEFT JOIN qt USING (state) WHERE b.absorbing_state = 'buy'),
              '<', 1e-12::float8, 'blocked solve: expected steps satisfy t = 1 + Q t (relative error)');
SELECT is((SELECT count(*) FROM c_mid_b), 2000::bigint, 'blocked solve: every transient state has both rows');
CREATE TEMP TABLE c_mid_pi AS SELECT x.* FROM c_mid, ecomai.markov_stationary(ring) x;
SELECT cmp_ok((WITH pp AS (SELECT p.to_state AS state, sum(p.probability * pj.probability) AS s
                            FROM c_mid, ecomai.markov_matrix(ring) p JOIN c_mid_pi pj ON pj.state = p.from_state
                            GROUP BY 1)
               SELECT max(abs(pi.probability - coalesce(pp.s, 0))) FROM c_mid_pi pi LEFT JOIN pp USING (state)),
              '<', 1e-12::float8, 'blocked solve: the stationary distribution satisfies pi = pi P');

-- 80,000 ratings: a few MB of working set in every model built from them
CREATE TEMP VIEW c_mem AS
    SELECT u, i, ((u * 7 + i * 13) % 5 + 1)::float8 AS r FROM generate_series(1, 400) u, generate_series(1, 200) i;
CREATE TEMP VIEW c_mem_pairs AS SELECT u, i FROM generate_series(1, 400) u, generate_series(1, 200) i;
SET LOCAL ecomai.max_memory = '1MB';
CREATE TEMP TABLE mem_cases (name text, query text);
INSERT INTO mem_cases VALUES
    ('item_neighbors', $$SELECT count(*) FROM ecomai.item_neighbors('c_mem', 'u', 'i', 'r')$$),
    ('user_neighbors', $$SELECT count(*) FROM ecomai.user_neighbors('c_mem', 'u', 'i', 'r')$$),
    ('knn_predict', $$SELECT count(*) FROM ecomai.knn_predict('c_mem', 'c_mem_pairs', 'u', 'i', 'r')$$),
    ('baselines', $$SELECT count(*) FROM ecomai.baselines('c_mem', 'u', 'i', 'r')$$),
    ('svec_agg', $$SELECT ecomai.svec_agg(g, 1) IS NULL FROM generate_series(1, 200000) g$$),
    ('svec', $$SELECT ecomai.svec(array_agg(g::bigint), array_agg(1::float8)) IS NULL FROM generate_series(1, 200000) g$$),
    ('markov_fit', $$SELECT ecomai.markov_fit('a' || g, 'b' || g) IS NULL FROM generate_series(1, 100000) g$$),
    ('markov_path', $$SELECT ecomai.markov_path('s' || g ORDER BY g) IS NULL FROM generate_series(1, 100000) g$$),
    ('markov_merge', $$SELECT ecomai.markov_merge(m) IS NULL FROM
        (SELECT ecomai.markov_fit('a' || g, 'b' || g) AS m FROM generate_series(1, 100000) g GROUP BY g % 10) s$$),
    ('markov_from_matrix', $$SELECT ecomai.markov_from_matrix(ARRAY(SELECT 's' || g FROM generate_series(1, 512) g),
        array_fill(1.0::float8 / 512, ARRAY[512, 512])) IS NULL$$),
    ('markov_absorption', $$SELECT count(*) FROM c_chains, ecomai.markov_absorption(absorbing, ARRAY['(conversion)', '(null)'])$$),
    ('markov_attribution', $$SELECT count(*) FROM c_chains, ecomai.markov_attribution(absorbing)$$),
    ('markov_first_passage', $$SELECT count(*) FROM c_chains, ecomai.markov_first_passage(ring, 's0')$$),
    ('bn_fit', $$SELECT ecomai.bn_fit('[a][b|a]', g::text, (g + 1)::text) IS NULL FROM generate_series(1, 50000) g$$),
    ('bn_query', $$SELECT count(*) FROM c_bn, ecomai.bn_query(bn, 'x8_8')$$),
    ('bn_map', $$SELECT ecomai.bn_map(bn, '{"x0_0": "a"}') IS NULL FROM c_bn$$),
    -- a 20 kB BIF text declaring a 2,000,000-row CPT (16 MB)
    ('bn_from_bif', $$SELECT ecomai.bn_from_bif(
        'network n { }' || E'\n' ||
        (SELECT string_agg(format('variable %s { type discrete [ 1000 ] { %s }; }', v,
                                  (SELECT string_agg(v || g, ', ') FROM generate_series(1, 1000) g)), E'\n')
         FROM unnest(ARRAY['a', 'b']) v) || E'\n' ||
        'variable c { type discrete [ 2 ] { yes, no }; }' || E'\n' ||
        'probability ( c | a, b ) { (a1, b1) 0.5, 0.5; }') IS NULL$$),
    ('bayesnet_in', $$SELECT (
        'network n { }' || E'\n' ||
        (SELECT string_agg(format('variable %s { type discrete [ 1000 ] { %s }; }', v,
                                  (SELECT string_agg(v || g, ', ') FROM generate_series(1, 1000) g)), E'\n')
         FROM unnest(ARRAY['a', 'b']) v) || E'\n' ||
        'variable c { type discrete [ 2 ] { yes, no }; }' || E'\n' ||
        'probability ( c | a, b ) { (a1, b1) 0.5, 0.5; }')::ecomai.bayesnet IS NULL$$);
SELECT matches(pg_temp.error_text(query), '^54000: .*more than ecomai\.max_memory \(1024 kB\)',
               name || ': over ecomai.max_memory = 1MB is ERROR 54000 naming the setting')
FROM mem_cases ORDER BY name;
RESET ecomai.max_memory;

SELECT * FROM finish();
ROLLBACK;
