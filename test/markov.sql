-- Markov chains: every documented error, parallel = serial, the Citus replay, text and binary
-- round trips (dump/restore), and corrupt input that must fail cleanly.
BEGIN;
SELECT plan(95);

\ir lib/helpers.sql

-- Errors of markov_from_matrix ---------------------------------------------------------------
SELECT throws_ok($$SELECT ecomai.markov_from_matrix(ARRAY['home','category','product','cart','purchase'],
    ARRAY[[0.1,0.5,0.3,0.2,0],[0,0.2,0.6,0.1,0.05],[0,0.1,0.3,0.4,0.15],[0,0,0.1,0.3,0.6],[0,0,0,0,1]]::float8[])$$,
    '22023', 'row 1 ("home") of the transition matrix sums to 1.1, not 1', 'the seed article''s matrix is rejected at row 1');
SELECT throws_ok($$SELECT ecomai.markov_from_matrix(ARRAY['home','category','product','cart','purchase'],
    ARRAY[[0.1,0.5,0.2,0.2,0],[0,0.2,0.6,0.1,0.05],[0,0.1,0.3,0.4,0.15],[0,0,0.1,0.3,0.6],[0,0,0,0,1]]::float8[])$$,
    '22023', 'row 2 ("category") of the transition matrix sums to 0.95, not 1', 'a row summing to 0.95 is named');
SELECT lives_ok($$SELECT ecomai.markov_from_matrix(ARRAY['a','b'], ARRAY[[0.5,0.5+1e-10],[0,1]]::float8[])$$,
    'a row within 1e-9 of 1 is accepted');
SELECT is((SELECT probability FROM ecomai.markov_matrix(ecomai.markov_from_matrix(ARRAY['a','b'],
    ARRAY[[1,3],[0,2]]::float8[], normalize_rows => true)) WHERE from_state = 'a' AND to_state = 'b'),
    0.75::float8, 'normalize_rows => true rescales a row');
SELECT throws_ok($$SELECT ecomai.markov_from_matrix(ARRAY['a','b'], ARRAY[1,0]::float8[])$$,
    '22023', 'transition matrix must be 2 x 2 to match 2 states', 'a matrix of the wrong shape');
SELECT throws_ok($$SELECT ecomai.markov_from_matrix(ARRAY['a',NULL], ARRAY[[1,0],[0,1]]::float8[])$$,
    '22004', 'states must not contain nulls', 'a NULL state name');
SELECT throws_ok($$SELECT ecomai.markov_from_matrix(ARRAY['a','b'], ARRAY[[1,NULL],[0,1]]::float8[])$$,
    '22004', 'transition matrix must not contain nulls', 'a NULL probability');
SELECT throws_ok($$SELECT ecomai.markov_from_matrix(ARRAY['a','b'], ARRAY[[1.5,-0.5],[0,1]]::float8[])$$,
    '22023', 'transition probability in row 1, column 2 must be finite and non-negative', 'a negative probability');
SELECT throws_ok($$SELECT ecomai.markov_from_matrix(ARRAY['a','b'], ARRAY[[1,'NaN'],[0,1]]::float8[])$$,
    '22023', 'transition probability in row 1, column 2 must be finite and non-negative', 'a NaN probability');
SELECT throws_ok($$SELECT ecomai.markov_from_matrix(ARRAY['a','b'], ARRAY[[1,0],[0,0]]::float8[], true)$$,
    '22023', 'row 2 ("b") of the transition matrix is all zeros', 'an all-zero row cannot be normalised');
SELECT throws_ok($$SELECT ecomai.markov_from_matrix(ARRAY['a','a'], ARRAY[[1,0],[0,1]]::float8[])$$,
    '22023', 'duplicate state "a" in markov chain', 'a duplicate state name');
SELECT throws_ok($$SELECT ecomai.markov_from_matrix('{}'::text[], '{}'::float8[])$$,
    '22023', 'states must be a non-empty one-dimensional array', 'no states');

-- Errors of the aggregates ---------------------------------------------------------------------
SELECT throws_ok($$SELECT ecomai.markov_fit(f, t, w) FROM (VALUES ('a','b',-1::float8)) v(f,t,w)$$,
    '22023', 'transition weight must be finite and non-negative, not -1', 'a negative weight');
SELECT throws_ok($$SELECT ecomai.markov_fit(f, t, w) FROM (VALUES ('a','b','NaN'::float8)) v(f,t,w)$$,
    '22023', 'transition weight must be finite and non-negative, not NaN', 'a NaN weight');
SELECT throws_ok($$SELECT ecomai.markov_merge(c) FROM (VALUES
    ('{"order":1,"transitions":[["a","b",1]]}'::ecomai.markov_chain),
    ('{"order":2,"transitions":[["a","b",1]]}')) v(c)$$,
    '22023', 'cannot merge markov chains of order 1 and 2', 'chains of different orders');
SELECT throws_ok($$SELECT ecomai.markov_merge(c) FROM (VALUES
    ('{"order":1,"transitions":[["a","b",1]]}'::ecomai.markov_chain),
    ('{"order":1,"smoothing":1,"transitions":[["a","b",1]]}')) v(c)$$,
    '22023', 'cannot merge markov chains with different smoothing', 'chains with different smoothing');
SELECT throws_ok($$SELECT ecomai.markov_path(p, NULL, 0) FROM (VALUES ('a')) v(p)$$,
    '22023', 'markov chain order must be between 1 and 16, not 0', 'order 0');
SELECT throws_ok($$SELECT ecomai.markov_path(p, NULL, NULL) FROM (VALUES ('a')) v(p)$$,
    '22004', 'markov chain order must not be null', 'a NULL order');
SELECT throws_ok($$SELECT ecomai.markov_path(p, NULL, o ORDER BY o) FROM (VALUES ('a', 1), ('b', 2)) v(p, o)$$,
    '22023', 'markov chain order must be the same in every row', 'markov_path: the order changes');
SELECT throws_ok($$SELECT ecomai.markov_fit_paths(p, 1, 0, o) FROM (VALUES ('a', 1), ('b', 2)) v(p, o)$$,
    '22023', 'markov chain order must be the same in every row', 'markov_fit_paths: the order changes');
SELECT throws_ok($$SELECT ecomai.markov_path(p, NULL, 2) FROM (VALUES ('a > b')) v(p)$$,
    '22023', 'state "a > b" contains " > ", the separator of higher-order states', 'a page with the separator');
SELECT throws_ok($$SELECT ecomai.markov_fit_paths('a > b', -1, 0)$$,
    '22023', 'conversions must be finite and non-negative, not -1', 'negative conversions');
SELECT throws_ok($$SELECT ecomai.markov_fit_paths('a > b', 0, 'Infinity')$$,
    '22023', 'nulls must be finite and non-negative, not Infinity', 'infinite nulls');
SELECT throws_ok($$SELECT ecomai.markov_fit_paths('a >  > b', 1, 0)$$,
    '22023', 'path "a >  > b" has an empty channel', 'an empty channel');
SELECT throws_ok($$SELECT * FROM ecomai.touch_attribution('a >', 1)$$,
    '22023', 'path "a >" has an empty channel', 'touch_attribution: an empty channel');
SELECT throws_ok($$SELECT ecomai.markov_fit_accum(NULL, 'a', 'b')$$,
    '0A000', 'markov_fit_accum called in non-aggregate context', 'a transition function outside an aggregate');
SELECT throws_ok($$SELECT ecomai.markov_path_final('{x}')$$,
    '22000', 'invalid markov_path state', 'a corrupt markov_path state');
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT ecomai.markov_fit('s' || g, 't' || g) FROM generate_series(1, 100000) g$$,
    '54000', NULL, 'a chain larger than ecomai.max_memory');
RESET ecomai.max_memory;

-- Errors of the queries ------------------------------------------------------------------------
CREATE TEMP TABLE w AS SELECT ecomai.markov_from_matrix(ARRAY['sunny','cloudy','rain'],
    ARRAY[[0.70,0.2,0.1],[0.3,0.4,0.3],[0.2,0.45,0.35]]::float8[]) AS m;
SELECT throws_ok($$SELECT ecomai.markov_probability(m, 'sunny', 'rain', -1) FROM w$$,
    '22023', 'steps must be non-negative, not -1', 'negative steps');
SELECT throws_ok($$SELECT * FROM ecomai.markov_stationary('{"order":1,"transitions":[["a","b",1],["a","c",1]]}')$$,
    '22023', 'the markov chain has 2 closed classes, so its stationary distribution is not unique',
    'a chain with two absorbing states has no unique stationary distribution');
SELECT throws_ok($$SELECT ecomai.markov_path_probability(m, ARRAY['sunny', NULL]) FROM w$$,
    '22004', 'path must not contain nulls', 'a NULL state in a path');
SELECT throws_ok($$SELECT * FROM w, ecomai.markov_absorption(m, ARRAY[NULL, 'rain'])$$,
    '22004', 'absorbing states must not contain nulls', 'a NULL absorbing state');
SELECT throws_ok($$SELECT ecomai.markov_smooth(m, -1) FROM w$$,
    '22023', 'smoothing must be finite and non-negative, not -1', 'negative smoothing');
SELECT throws_ok($$SELECT ecomai.markov_to_dot(m, 'NaN') FROM w$$,
    '22023', 'threshold must not be NaN', 'a NaN threshold');

-- Algebra checked against plain SQL over markov_matrix, on a random smoothed chain ---------------
CREATE TEMP TABLE rnd AS
SELECT ecomai.markov_smooth(ecomai.markov_fit('s' || (g % 23), 's' || ((g * g * 7 + 3) % 29), 1 + g % 5), 0.3) AS m
FROM generate_series(1, 400) g;
CREATE TEMP TABLE rnd_p AS SELECT t.* FROM rnd, ecomai.markov_matrix(m) t;
SELECT is(count(*), 0::bigint, '2-step probabilities equal the matrix product in SQL (smoothing included)')
FROM (SELECT a.from_state, b.to_state, sum(a.probability * b.probability) AS p2
      FROM rnd_p a JOIN rnd_p b ON b.from_state = a.to_state GROUP BY 1, 2) q, rnd
WHERE abs(ecomai.markov_probability(m, from_state, to_state, 2) - p2) > 1e-12;
SELECT is(count(*), 0::bigint, 'every row of the smoothed matrix sums to 1')
FROM (SELECT from_state, sum(probability) s FROM rnd_p GROUP BY 1) q WHERE abs(s - 1) > 1e-12;
CREATE TEMP TABLE rnd2 AS
SELECT ecomai.markov_smooth(ecomai.markov_fit('s' || (g % 23), 's' || ((g * g * 7 + 3) % 23), 1 + g % 5), 0.3) AS m
FROM generate_series(1, 400) g;
CREATE TEMP TABLE rnd2_p AS SELECT t.* FROM rnd2, ecomai.markov_matrix(m) t;
SELECT is(count(*), 0::bigint, 'the stationary distribution satisfies pi P = pi (SQL residual < 1e-12)')
FROM (SELECT p.to_state, sum(s.probability * p.probability) AS pp
      FROM rnd2, ecomai.markov_stationary(m) s JOIN rnd2_p p ON p.from_state = s.state GROUP BY 1) q,
     rnd2, ecomai.markov_stationary(m) s2
WHERE s2.state = q.to_state AND abs(s2.probability - q.pp) > 1e-12;
SELECT is(count(*), 0::bigint, 'absorption probabilities satisfy B = R + Q B (SQL residual < 1e-12)')
FROM (SELECT a.state, a.absorbing_state, a.probability,
             (SELECT coalesce(sum(p.probability * CASE WHEN p.to_state = a.absorbing_state THEN 1
                                                       WHEN p.to_state IN ('s0', 's1') THEN 0
                                                       ELSE b.probability END), 0)
              FROM rnd_p p LEFT JOIN ecomai.markov_absorption(r.m, ARRAY['s0', 's1']) b
                ON b.state = p.to_state AND b.absorbing_state = a.absorbing_state
              WHERE p.from_state = a.state) AS rhs
      FROM rnd r, ecomai.markov_absorption(r.m, ARRAY['s0', 's1']) a) q
WHERE abs(probability - rhs) > 1e-12;
SELECT lives_ok($$SELECT * FROM ecomai.markov_attribution(
    '{"order":2,"transitions":[["(start)","a > b > c > d",1],["a > b > c > d","(conversion)",1],["(start)","b",1],["b","(null)",1]]}')$$,
    'attribution over hand-written higher-order states with more pages than the order');

-- Text input errors ----------------------------------------------------------------------------
SELECT throws_ok($$SELECT 'garbage'::ecomai.markov_chain$$, '22P02', 'invalid input syntax for type json', 'not JSON');
SELECT throws_ok($$SELECT '[1]'::ecomai.markov_chain$$, '22P02', 'invalid input syntax for type markov_chain', 'not an object');
SELECT throws_ok($$SELECT '{"order":1}'::ecomai.markov_chain$$, '22P02', 'invalid input syntax for type markov_chain', 'no transitions');
SELECT throws_ok($$SELECT '{"order":1.5,"transitions":[]}'::ecomai.markov_chain$$, '22P02', 'invalid input syntax for type markov_chain', 'a fractional order');
SELECT throws_ok($$SELECT '{"transitions":[["a","b",0]]}'::ecomai.markov_chain$$, '22P02', 'invalid input syntax for type markov_chain', 'a zero weight');
SELECT throws_ok($$SELECT '{"transitions":[["a",1,1]]}'::ecomai.markov_chain$$, '22P02', 'invalid input syntax for type markov_chain', 'a state that is not a string');
SELECT throws_ok($$SELECT '{"transitions":[["a","b",1],["a","b",2]]}'::ecomai.markov_chain$$, '22P02', 'invalid input syntax for type markov_chain', 'a transition listed twice');
SELECT throws_ok($$SELECT '{"transitions":[["a","b",1]],"extra":true}'::ecomai.markov_chain$$, '22P02', 'invalid input syntax for type markov_chain', 'an unknown key');
SELECT throws_ok($$SELECT '{"smoothing":-1,"transitions":[]}'::ecomai.markov_chain$$, '22P02', 'invalid input syntax for type markov_chain', 'negative smoothing');

-- Text round trip: canonical and exact ---------------------------------------------------------
CREATE TEMP TABLE chains AS
SELECT ecomai.markov_fit(f, t, w) AS m
FROM (SELECT 's' || (g % 37) AS f, 's' || (g * 7 % 41) AS t, random() * 10 + 1e-300 AS w
      FROM generate_series(1, 3000) g) q;
SELECT is((SELECT m::text::ecomai.markov_chain::text FROM chains), (SELECT m::text FROM chains),
    'text output reads back to the same text');
SELECT is((SELECT ecomai.markov_chain_send(m::text::ecomai.markov_chain) FROM chains),
          (SELECT ecomai.markov_chain_send(m) FROM chains), 'text round trip keeps every bit (binary forms equal)');
SELECT is(
    (SELECT ecomai.markov_chain_send(ecomai.markov_fit(f, t)) FROM (VALUES ('b','a'),('a','b'),('c','a')) v(f,t)),
    (SELECT ecomai.markov_chain_send(ecomai.markov_fit(f, t)) FROM (VALUES ('c','a'),('a','b'),('b','a')) v(f,t)),
    'equal chains have equal bytes whatever the input order');

-- Dump and restore through COPY, text and binary ----------------------------------------------
CREATE TEMP TABLE dump_src AS SELECT m FROM chains UNION ALL SELECT m FROM w
    UNION ALL SELECT '{"order":3,"smoothing":0.5,"transitions":[["\u00e9\"x","y\\z",1e-300]]}'::ecomai.markov_chain;
CREATE TEMP TABLE dump_dst (m ecomai.markov_chain);
CREATE FUNCTION pg_temp.dump_restore(fmt text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE f text := current_setting('data_directory') || '/ecomai_markov_dump_' || pg_backend_pid() || '.' || fmt; n bigint;
BEGIN
    TRUNCATE dump_dst;
    EXECUTE format('COPY dump_src TO %L (FORMAT %s)', f, fmt);
    EXECUTE format('COPY dump_dst FROM %L (FORMAT %s)', f, fmt);
    SELECT count(*) INTO n FROM (SELECT m::text FROM dump_src EXCEPT ALL SELECT m::text FROM dump_dst) d;
    RETURN n + abs((SELECT count(*) FROM dump_src) - (SELECT count(*) FROM dump_dst));
END $$;
SELECT is(pg_temp.dump_restore('text'), 0::bigint, 'COPY text dump and restore');
SELECT is(pg_temp.dump_restore('binary'), 0::bigint, 'COPY binary dump and restore');

-- Corrupt binary input: every single-byte mutation and every truncation fails cleanly or reads back
-- a valid chain; never a crash.
CREATE TEMP TABLE recv_t (m ecomai.markov_chain);
CREATE FUNCTION pg_temp.recv(payload bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE f text := current_setting('data_directory') || '/ecomai_markov_recv_' || pg_backend_pid() || '.bin'; lo oid;
BEGIN
    lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
        || '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea);
    PERFORM lo_export(lo, f);
    PERFORM lo_unlink(lo);
    TRUNCATE recv_t;
    EXECUTE format('COPY recv_t FROM %L (FORMAT binary)', f);
    RETURN (SELECT m::text FROM recv_t);
END $$;
CREATE FUNCTION pg_temp.mutations(payload bytea) RETURNS TABLE (outcome text, n bigint) LANGUAGE plpgsql AS $$
DECLARE i int; v int; r text; res text[] := '{}';
BEGIN
    FOR i IN 0 .. length(payload) - 1 LOOP
        FOREACH v IN ARRAY ARRAY[0, 1, 127, 128, 255, (get_byte(payload, i) + 1) % 256] LOOP
            BEGIN
                r := pg_temp.recv(set_byte(payload, i, v));
                res := res || CASE WHEN r::ecomai.markov_chain::text = r THEN 'valid' ELSE 'INVALID' END;
            EXCEPTION WHEN others THEN
                res := res || SQLSTATE;
            END;
        END LOOP;
    END LOOP;
    FOR i IN 0 .. length(payload) - 1 LOOP
        BEGIN
            r := pg_temp.recv(substring(payload FROM 1 FOR i));
            res := res || 'TRUNCATED-ACCEPTED';
        EXCEPTION WHEN others THEN
            res := res || SQLSTATE;
        END;
    END LOOP;
    RETURN QUERY SELECT x, count(*) FROM unnest(res) x GROUP BY x ORDER BY x;
END $$;
SELECT is(pg_temp.recv(ecomai.markov_chain_send(m)), m::text, 'binary send/recv round trip')
FROM (VALUES ('{"order":2,"smoothing":0.25,"transitions":[["(start)","a",3],["a","a > b",1e-300],["a > b","(null)",2]]}'::ecomai.markov_chain)) v(m);
SELECT is(
    (SELECT array_agg(outcome ORDER BY outcome) FROM pg_temp.mutations(ecomai.markov_chain_send(
        '{"order":2,"smoothing":0.25,"transitions":[["(start)","a",3],["a","a > b",1e-300],["a > b","(null)",2]]}'::ecomai.markov_chain))
     WHERE outcome NOT IN ('valid', '22P03', '22021')),
    NULL, 'mutated and truncated binary chains are rejected with 22P03 (or read back as valid chains)');
SELECT ok((SELECT n FROM pg_temp.mutations(ecomai.markov_chain_send('{"transitions":[["a","b",1]]}'::ecomai.markov_chain))
     WHERE outcome = '22P03') > 10, 'most mutations are detected');

-- Corrupt text input: single-character mutations are rejected or read back exactly.
CREATE FUNCTION pg_temp.text_mutations(src text) RETURNS TABLE (outcome text, n bigint) LANGUAGE plpgsql AS $$
DECLARE i int; c text; r text; res text[] := '{}';
BEGIN
    FOR i IN 1 .. length(src) LOOP
        FOREACH c IN ARRAY ARRAY['"', ']', '[', '1', '-', 'x', '\', '9', ',', ''] LOOP
            BEGIN
                r := (overlay(src PLACING c FROM i FOR 1))::ecomai.markov_chain::text;
                res := res || CASE WHEN r::ecomai.markov_chain::text = r THEN 'valid' ELSE 'INVALID' END;
            EXCEPTION WHEN others THEN
                res := res || SQLSTATE;
            END;
        END LOOP;
    END LOOP;
    RETURN QUERY SELECT x, count(*) FROM unnest(res) x GROUP BY x ORDER BY x;
END $$;
SELECT is(
    (SELECT array_agg(outcome ORDER BY outcome) FROM pg_temp.text_mutations(
        '{"order":2,"smoothing":0.25,"transitions":[["(start)","a",3],["a","a > b",1e-300],["a > b","(null)",2]]}')
     WHERE outcome NOT IN ('valid', '22P02', '22003')),
    NULL, 'mutated text chains are rejected with 22P02 (22003 for an out-of-range number) or read back exactly');

-- Parallel = serial ----------------------------------------------------------------------------
-- Integer counts make every sum exact whatever the order, so the chains must be identical.
CREATE TABLE markov_edges AS
SELECT g % 5 AS grp, 'p' || (g * 7 % 13) AS f, 'p' || (g * 11 % 17) AS t, (g % 3)::float8 AS w
FROM generate_series(1, 200000) g;
CREATE TABLE markov_paths AS
SELECT g AS id, g % 4 AS grp,
       (SELECT string_agg('c' || ((g * k * 7) % 9), ' > ') FROM generate_series(1, 1 + g % 5) k) AS path,
       (g % 3 = 0)::int::float8 AS conv, (g % 3 <> 0)::int::float8 AS nul
FROM generate_series(1, 50000) g;
CREATE TABLE markov_sessions AS
SELECT s AS session, s % 3 AS grp, e AS ts, 'page' || ((s * e * 13) % 7) AS page
FROM generate_series(1, 20000) s, generate_series(1, 1 + s % 6) e;
CREATE TABLE markov_session_chains AS
SELECT session, min(grp) AS grp, ecomai.markov_path(page, CASE WHEN session % 2 = 0 THEN '(exit)' END ORDER BY ts) AS c
FROM markov_sessions GROUP BY session;
ANALYZE markov_edges; ANALYZE markov_paths; ANALYZE markov_session_chains;
CREATE TEMP TABLE serial_fit AS SELECT grp, ecomai.markov_fit(f, t)::text AS a, ecomai.markov_fit(f, t, w)::text AS b
    FROM markov_edges GROUP BY grp;
CREATE TEMP TABLE serial_all AS SELECT ecomai.markov_fit(f, t)::text AS fit,
    (SELECT ecomai.markov_fit_paths(path, conv, nul)::text FROM markov_paths) AS paths,
    (SELECT ecomai.markov_merge(c)::text FROM markov_session_chains) AS merged
    FROM markov_edges;
SELECT pg_temp.force_parallel();
SELECT ok(bool_or(plan ~ 'Partial (Hash|Group)?Aggregate'), 'markov_fit aggregates partially in workers')
FROM pg_temp.explain_lines('SELECT grp, ecomai.markov_fit(f, t) FROM markov_edges GROUP BY grp') plan;
SELECT is(count(*), 0::bigint, 'markov_fit per group: parallel equals serial')
FROM serial_fit s FULL JOIN (SELECT grp, ecomai.markov_fit(f, t)::text AS a, ecomai.markov_fit(f, t, w)::text AS b
                             FROM markov_edges GROUP BY grp) p USING (grp)
WHERE s.a IS DISTINCT FROM p.a OR s.b IS DISTINCT FROM p.b;
SELECT is((SELECT ecomai.markov_fit(f, t)::text FROM markov_edges), (SELECT fit FROM serial_all),
    'markov_fit over the whole table: parallel equals serial');
SELECT ok(bool_or(plan ~ 'Partial Aggregate'), 'markov_fit_paths aggregates partially in workers')
FROM pg_temp.explain_lines('SELECT ecomai.markov_fit_paths(path, conv, nul) FROM markov_paths') plan;
SELECT is((SELECT ecomai.markov_fit_paths(path, conv, nul)::text FROM markov_paths), (SELECT paths FROM serial_all),
    'markov_fit_paths: parallel equals serial');
SELECT ok(bool_or(plan ~ 'Partial Aggregate'), 'markov_merge aggregates partially in workers')
FROM pg_temp.explain_lines('SELECT ecomai.markov_merge(c) FROM markov_session_chains') plan;
SELECT is((SELECT ecomai.markov_merge(c)::text FROM markov_session_chains), (SELECT merged FROM serial_all),
    'markov_merge: parallel equals serial');
SELECT pg_temp.reset_parallel();

-- As window aggregates the in-place state must not leak between frames.
CREATE TEMP TABLE small_edges AS SELECT g AS i, 'p' || (g % 4) AS f, 'p' || (g * 3 % 5) AS t FROM generate_series(1, 40) g;
SELECT is(count(*), 0::bigint, 'markov_fit as a running window aggregate equals the aggregate of each prefix')
FROM (SELECT i, (ecomai.markov_fit(f, t) OVER (ORDER BY i))::text AS w FROM small_edges) a
WHERE w IS DISTINCT FROM (SELECT ecomai.markov_fit(f, t)::text FROM small_edges b WHERE b.i <= a.i);
SELECT is(count(*), 0::bigint, 'markov_fit over a sliding frame equals the aggregate of each frame')
FROM (SELECT i, (ecomai.markov_fit(f, t) OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW))::text AS w
      FROM small_edges) a
WHERE w IS DISTINCT FROM (SELECT ecomai.markov_fit(f, t)::text FROM small_edges b WHERE b.i BETWEEN a.i - 2 AND a.i);

-- Citus's path: partial states per hash bucket, each through text, then combined ---------------
CREATE AGGREGATE pg_temp.fit_partial(text, text) (SFUNC = ecomai.markov_fit_accum, STYPE = ecomai.markov_chain);
CREATE AGGREGATE pg_temp.fit_paths_partial(text, float8, float8) (
    SFUNC = ecomai.markov_fit_paths_accum, STYPE = ecomai.markov_chain);
CREATE AGGREGATE pg_temp.merge_partial(ecomai.markov_chain) (SFUNC = ecomai.markov_combine, STYPE = ecomai.markov_chain);
CREATE AGGREGATE pg_temp.chain_combine(ecomai.markov_chain) (
    SFUNC = ecomai.markov_combine, STYPE = ecomai.markov_chain, FINALFUNC = ecomai.markov_final);
SELECT is(
    (SELECT pg_temp.chain_combine(st::text::ecomai.markov_chain)::text FROM
        (SELECT pg_temp.fit_partial(f, t) st FROM markov_edges GROUP BY hashtext(f || t || grp) & 31) b),
    (SELECT fit FROM serial_all), 'markov_fit over 32 buckets with text-shipped states equals one pass');
SELECT is(
    (SELECT pg_temp.chain_combine(st::text::ecomai.markov_chain)::text FROM
        (SELECT pg_temp.fit_paths_partial(path, conv, nul) st FROM markov_paths GROUP BY hashint4(id) & 31) b),
    (SELECT paths FROM serial_all), 'markov_fit_paths over 32 buckets with text-shipped states equals one pass');
SELECT is(
    (SELECT pg_temp.chain_combine(st::text::ecomai.markov_chain)::text FROM
        (SELECT pg_temp.merge_partial(c) st FROM markov_session_chains GROUP BY hashint4(session) & 31) b),
    (SELECT merged FROM serial_all), 'markov_merge over 32 buckets with text-shipped states equals one pass');

-- The two-level form: markov_merge of per-session markov_path equals markov_fit over lag() pairs
-- with the (start) and outcome edges added.
SELECT is(
    (SELECT ecomai.markov_merge(c)::text FROM markov_session_chains),
    (SELECT ecomai.markov_fit(f, t)::text FROM (
        SELECT coalesce(lag(page) OVER w, '(start)') AS f, page AS t FROM markov_sessions WINDOW w AS (PARTITION BY session ORDER BY ts)
        UNION ALL
        (SELECT DISTINCT ON (session) page, '(exit)' FROM markov_sessions WHERE session % 2 = 0 ORDER BY session, ts DESC)) e),
    'markov_path + markov_merge equals markov_fit over lag() pairs plus start and exit edges');

-- Issue 16: errors of the new and changed functions.
SELECT throws_ok($$SELECT ecomai.markov_fit_paths('a > b', 1, 0, 17)$$,
    '22023', 'markov chain order must be between 1 and 16, not 17', 'order 17');
SELECT throws_ok($$SELECT * FROM ecomai.heuristic_attribution('a > b', 1, -5)$$,
    '22023', 'conversion_value must be finite and non-negative, not -5', 'heuristic_attribution: negative value');
SELECT throws_ok($$SELECT * FROM ecomai.heuristic_attribution('a > b', 1, 1, 0)$$,
    '22023', 'half_life must be finite and positive, not 0', 'heuristic_attribution: half_life 0');
SELECT is((SELECT count(*) FROM ecomai.heuristic_attribution(NULL, 1, 1)), 0::bigint, 'heuristic_attribution: a NULL path gives no rows');
SELECT is((SELECT sum(conversions) FROM ecomai.heuristic_attribution('a > b', NULL, 1)), 0::float8, 'heuristic_attribution: NULL conversions count as 0');
SELECT throws_ok($$SELECT * FROM ecomai.markov_attribution((SELECT ecomai.markov_fit_paths('a > b', 1, 1)), '(conversion)', '(null)',
                       (SELECT ecomai.markov_fit_paths('b > a', 5, 0)))$$,
    '22023', 'conversion value enters "(conversion)" from state "a", which has no conversions in the chain', 'value chain from other paths');
SELECT throws_ok($$SELECT * FROM ecomai.markov_attribution('{"transitions":[["a","(conversion)",1]]}')$$,
    '22023', 'unknown start state "(start)"', 'attribution without (start)');
SELECT throws_ok($$SELECT * FROM ecomai.markov_next('{"transitions":[["a","b",1]]}', ARRAY[]::text[])$$,
    '22023', 'history must not be empty', 'empty history');
SELECT throws_ok($$SELECT * FROM ecomai.markov_next('{"order":2,"transitions":[["a","a > b",1]]}', ARRAY['c', 'b'])$$,
    '22023', 'unknown state "c > b"', 'unknown history of order 2');
SELECT throws_ok($$SELECT * FROM ecomai.markov_next('{"order":2,"transitions":[["a","a > b",1]]}', 'x')$$,
    '22023', 'unknown state "x"', 'unknown page of order 2');
SELECT throws_ok($$SELECT ecomai.markov_probability('{"order":2,"transitions":[["a","a > b",1]]}', 'a', 'x')$$,
    '22023', 'unknown state "x"', 'unknown target page of order 2');
SELECT throws_ok($$SELECT * FROM ecomai.markov_next('{"transitions":[["a","b",1]]}', ARRAY['a', NULL])$$,
    '22004', 'history must not contain nulls', 'NULL in a history');
-- Order-2 histories: exact with k pages, lumped with fewer, anchored with (start).
CREATE TEMP TABLE o2 AS SELECT ecomai.markov_fit_paths(p, c, n, 2) AS m
FROM (VALUES ('a > b > c', 3::float8, 1::float8), ('b > c', 0, 4), ('b > d', 2, 2)) v(p, c, n);
SELECT is((SELECT array_agg(state || '=' || probability ORDER BY state) FROM o2, ecomai.markov_next(m, ARRAY['a', 'b'])),
    ARRAY['c=1'], 'exact history a, b');
SELECT is((SELECT array_agg(state || '=' || round(probability::numeric, 12) ORDER BY state) FROM o2, ecomai.markov_next(m, 'b')),
    ARRAY['c=0.666666666667', 'd=0.333333333333'], 'lumped history b: (4 + 4) / 12 to c, 4 / 12 to d');
SELECT is((SELECT array_agg(state || '=' || probability ORDER BY state) FROM o2, ecomai.markov_next(m, ARRAY['(start)', 'b'])),
    ARRAY['c=0.5', 'd=0.5'], 'anchored history (start), b: the sessions that began on b');
SELECT ok((SELECT abs(ecomai.markov_probability(m, 'b', '(conversion)', 2) - 5.0 / 12) < 1e-15 FROM o2),
    'lumped two-step probability from b to (conversion): (4 * 3/4 + 0 + 4 * 1/2) / 12');

SELECT throws_ok($$SELECT * FROM ecomai.markov_confidence('{"transitions":[["a","b",1]]}', 1)$$,
    '22023', 'confidence level must be between 0 and 1, not 1', 'confidence level 1');
SELECT throws_ok($$SELECT * FROM ecomai.markov_confidence('{"transitions":[["a","b",1]]}', 'NaN')$$,
    '22023', 'confidence level must be between 0 and 1, not NaN', 'confidence level NaN');
SELECT throws_ok($$SELECT * FROM ecomai.markov_attribution_bootstrap(ARRAY['a'], ARRAY[1], ARRAY[1], 1)$$,
    '22023', 'n_boot must be between 2 and 100000, not 1', 'bootstrap: n_boot 1');
SELECT throws_ok($$SELECT * FROM ecomai.markov_attribution_bootstrap(ARRAY['a'], ARRAY[1, 2], ARRAY[1])$$,
    '22023', 'conversions has 2 elements, the paths 1', 'bootstrap: arrays of different lengths');
SELECT throws_ok($$SELECT * FROM ecomai.markov_attribution_bootstrap(ARRAY['a'], ARRAY[1.5], ARRAY[1])$$,
    '22023', 'conversions must be whole non-negative numbers of journeys, not 1.5', 'bootstrap: a fractional count');
SELECT throws_ok($$SELECT * FROM ecomai.markov_attribution_bootstrap(ARRAY['a'], ARRAY[-1], ARRAY[1])$$,
    '22023', 'conversions must be whole non-negative numbers of journeys, not -1', 'bootstrap: a negative count');
SELECT throws_ok($$SELECT * FROM ecomai.markov_attribution_bootstrap(ARRAY['a'], ARRAY[1], ARRAY[1], 10, 1, 0.95, 17)$$,
    '22023', 'markov chain order must be between 1 and 16, not 17', 'bootstrap: order 17');
SELECT throws_ok($$SELECT * FROM ecomai.markov_attribution_bootstrap(ARRAY['a'], ARRAY[1], ARRAY[1], NULL)$$,
    '22004', 'n_boot must not be null', 'bootstrap: a NULL n_boot is named');
SELECT is((SELECT count(*) FROM ecomai.markov_attribution_bootstrap(ARRAY['a > b', NULL], ARRAY[1, 5], ARRAY[1, 5], 10)),
    2::bigint, 'bootstrap: a NULL path is skipped');
SELECT * FROM finish();
ROLLBACK;
