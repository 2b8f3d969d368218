-- Bayesian networks: published values from peer libraries, round trips, every documented
-- error, bn_fit against plain SQL, parallel = serial, and the Citus replay.
BEGIN;
SELECT plan(97);

\ir lib/helpers.sql

-- P(target = value | evidence)
CREATE FUNCTION pg_temp.p(bn ecomai.bayesnet, target text, val text, ev jsonb DEFAULT '{}') RETURNS float8
LANGUAGE sql AS $$ SELECT probability FROM ecomai.bn_query(bn, target, ev) WHERE value = val $$;

-- |x - printed| within one unit of the last printed digit
CREATE FUNCTION pg_temp.near(x float8, printed numeric) RETURNS boolean LANGUAGE sql AS $$
    SELECT abs(x::numeric - printed) <= power(10::numeric, -greatest(scale(printed), 1)) $$;

-- The networks of the shared data directory, when it is there.
CREATE TEMP TABLE nets (name text PRIMARY KEY, bn ecomai.bayesnet);
DO $$
DECLARE
    dir text := coalesce(current_setting('ecomai_test.data_dir', true), '');
    f text;
BEGIN
    IF dir = '' THEN RETURN; END IF;
    FOR f IN SELECT pg_ls_dir(dir || '/bnlearn_bif') LOOP
        INSERT INTO nets VALUES (regexp_replace(f, '\.bif$', ''), ecomai.bn_from_bif(pg_read_file(dir || '/bnlearn_bif/' || f)));
    END LOOP;
    FOR f IN SELECT pg_ls_dir(dir || '/bn-reference') LOOP
        INSERT INTO nets VALUES (regexp_replace(f, '\.bif$', ''), ecomai.bn_from_bif(pg_read_file(dir || '/bn-reference/' || f)));
    END LOOP;
END $$;

CREATE FUNCTION pg_temp.peer_checks() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    asia ecomai.bayesnet := (SELECT bn FROM nets WHERE name = 'asia');
    cancer ecomai.bayesnet := (SELECT bn FROM nets WHERE name = 'cancer');
    alarm ecomai.bayesnet := (SELECT bn FROM nets WHERE name = 'alarm');
    ajr ecomai.bayesnet := (SELECT bn FROM nets WHERE name = 'pgmpy_test_AJRQLG');
    snow ecomai.bayesnet := (SELECT bn FROM nets WHERE name = 'pgmpy_test_snow');
    ev jsonb := '{"asia": "yes", "dysp": "yes"}';
    m jsonb;
BEGIN
    IF (SELECT count(*) FROM nets) = 0 THEN
        RETURN NEXT skip('shared data directory absent: peer checks on the BIF networks skipped', 37);
        RETURN;
    END IF;
    RETURN NEXT is((SELECT count(*) FROM nets), 10::bigint, 'every BIF file of bnlearn_bif/ and bn-reference/ loads');
    RETURN NEXT is((SELECT count(*) FROM nets WHERE ecomai.bn_from_bif(ecomai.bn_to_bif(bn)) OPERATOR(ecomai.=) bn), 10::bigint,
        'bn_from_bif(bn_to_bif(x)) = x for every network');
    RETURN NEXT is((SELECT count(*) FROM nets WHERE ecomai.bn_to_bif(ecomai.bn_from_bif(ecomai.bn_to_bif(bn))) = ecomai.bn_to_bif(bn)), 10::bigint,
        'BIF text is a fixed point');
    RETURN NEXT is((SELECT count(*) FROM ecomai.bn_variables(alarm)), 37::bigint, 'alarm has 37 variables');
    -- asia (gRain)
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'tub', 'yes'), 0.0104), 'asia: P(tub) = 0.0104');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'lung', 'yes'), 0.055), 'asia: P(lung) = 0.055');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'bronc', 'yes'), 0.45), 'asia: P(bronc) = 0.45');
    RETURN NEXT ok(pg_temp.near(ecomai.bn_probability(asia, '{"tub": "yes", "lung": "yes", "bronc": "yes"}'), 0.0003276),
        'asia: P(tub, lung, bronc) = 0.0003276');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'tub', 'yes', ev), 0.08775), 'asia | asia, dysp: tub 0.08775');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'lung', 'yes', ev), 0.09953), 'asia | asia, dysp: lung 0.09953');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'either', 'yes', ev), 0.18230), 'asia | asia, dysp: either 0.18230');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'bronc', 'yes', ev), 0.81140), 'asia | asia, dysp: bronc 0.81140');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'smoke', 'yes', ev), 0.62592), 'asia | asia, dysp: smoke 0.62592');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'xray', 'yes', ev), 0.21954), 'asia | asia, dysp: xray 0.21954');
    RETURN NEXT ok(pg_temp.near(ecomai.bn_probability(asia, ev), 0.004501375), 'asia: P(asia, dysp) = 0.004501375');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'lung', 'yes', '{"smoke": "yes"}'), 0.1)
               AND pg_temp.near(pg_temp.p(asia, 'bronc', 'yes', '{"smoke": "yes"}'), 0.6), 'asia | smoke: lung 0.1, bronc 0.6');
    RETURN NEXT is(ecomai.bn_probability(asia, '{"either": "no", "tub": "yes"}'), 0::float8, 'asia: P(either=no, tub=yes) = 0');
    RETURN NEXT ok((SELECT bool_and(probability IS NULL) FROM ecomai.bn_query(asia, 'lung', '{"either": "no", "tub": "yes"}')),
        'asia: posteriors given impossible evidence are NULL');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(asia, 'bronc', 'yes', '{"smoke": "no"}'), 0.3)
               AND pg_temp.near(pg_temp.p(asia, 'bronc', 'no', '{"smoke": "no"}'), 0.7), 'asia: P(bronc | smoke=no) = (0.3, 0.7)');
    RETURN NEXT is((SELECT value FROM ecomai.bn_query(asia, 'bronc', '{"smoke": "no"}') ORDER BY probability DESC LIMIT 1), 'no',
        'asia: MAP of bronc given smoke=no is no');
    -- cancer (SamIam)
    RETURN NEXT ok(pg_temp.near(pg_temp.p(cancer, 'Cancer', 'False', '{"Pollution": "high", "Smoker": "True"}'), 0.95),
        'cancer: P(Cancer=False | high, smoker) = 0.95');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(cancer, 'Xray', 'positive', '{"Pollution": "high", "Smoker": "True"}'), 0.2350),
        'cancer: P(Xray=positive | high, smoker) = 0.2350');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(cancer, 'Cancer', 'True', '{"Pollution": "high", "Smoker": "True", "Xray": "positive"}'), 0.19148936),
        'cancer: P(Cancer=True | high, smoker, positive) = 0.19148936');
    -- alarm priors (SamIam)
    RETURN NEXT ok(pg_temp.near(pg_temp.p(alarm, 'PAP', 'LOW'), 0.0496), 'alarm: P(PAP=LOW) = 0.0496');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(alarm, 'SHUNT', 'HIGH'), 0.10309499), 'alarm: P(SHUNT=HIGH) = 0.10309499');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(alarm, 'CO', 'NORMAL'), 0.18446735), 'alarm: P(CO=NORMAL) = 0.18446735');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(alarm, 'STROKEVOLUME', 'NORMAL'), 0.7788), 'alarm: P(STROKEVOLUME=NORMAL) = 0.7788');
    -- pgmpy AJRQLG
    RETURN NEXT ok(pg_temp.near(pg_temp.p(ajr, 'J', '0'), 0.416) AND pg_temp.near(pg_temp.p(ajr, 'J', '1'), 0.584),
        'AJRQLG: P(J) = (0.416, 0.584)');
    RETURN NEXT ok(pg_temp.near(ecomai.bn_probability(ajr, '{"J": "0", "Q": "0"}'), 0.3744)
               AND pg_temp.near(ecomai.bn_probability(ajr, '{"J": "0", "Q": "1"}'), 0.0416)
               AND pg_temp.near(ecomai.bn_probability(ajr, '{"J": "1", "Q": "0"}'), 0.1168)
               AND pg_temp.near(ecomai.bn_probability(ajr, '{"J": "1", "Q": "1"}'), 0.4672), 'AJRQLG: joint P(J, Q)');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(ajr, 'J', '0', '{"A": 0, "R": 1}'), 0.6) AND pg_temp.near(pg_temp.p(ajr, 'J', '1', '{"A": 0, "R": 1}'), 0.4),
        'AJRQLG: P(J | A=0, R=1) = (0.6, 0.4), numbers accepted as state names');
    RETURN NEXT ok(pg_temp.near(ecomai.bn_probability(ajr, '{"J": "0", "Q": "0"}', '{"A": "0", "R": "0", "G": "0", "L": "1"}'), 0.73636364)
               AND pg_temp.near(ecomai.bn_probability(ajr, '{"J": "0", "Q": "1"}', '{"A": "0", "R": "0", "G": "0", "L": "1"}'), 0.08181818)
               AND pg_temp.near(ecomai.bn_probability(ajr, '{"J": "1", "Q": "0"}', '{"A": "0", "R": "0", "G": "0", "L": "1"}'), 0.03636364)
               AND pg_temp.near(ecomai.bn_probability(ajr, '{"J": "1", "Q": "1"}', '{"A": "0", "R": "0", "G": "0", "L": "1"}'), 0.14545455),
        'AJRQLG: P(J, Q | A=0, R=0, G=0, L=1)');
    m := ecomai.bn_map(ajr);
    RETURN NEXT is(m->'assignment', '{"A": "1", "R": "1", "J": "1", "Q": "1", "G": "0", "L": "0"}'::jsonb, 'AJRQLG: MAP over all variables');
    RETURN NEXT ok(abs((m->>'probability')::float8 - 0.165888) < 1e-12, 'AJRQLG: MAP probability 0.165888 (joint)');
    -- pgmpy Snow
    RETURN NEXT ok(pg_temp.near(pg_temp.p(snow, 'Snow', 'yes', '{"Traffic": "slow"}'), 0.533333)
               AND pg_temp.near(pg_temp.p(snow, 'Snow', 'no', '{"Traffic": "slow"}'), 0.466667), 'Snow: Snow | slow');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(snow, 'Risk', 'yes', '{"Traffic": "slow"}'), 0.613333)
               AND pg_temp.near(pg_temp.p(snow, 'Risk', 'no', '{"Traffic": "slow"}'), 0.386667), 'Snow: Risk | slow');
    RETURN NEXT ok(pg_temp.near(pg_temp.p(snow, 'Late', 'yes', '{"Traffic": "slow"}'), 0.7920)
               AND pg_temp.near(pg_temp.p(snow, 'Late', 'no', '{"Traffic": "slow"}'), 0.2080), 'Snow: Late | slow');
    -- brute force on alarm: the posterior sums to 1 and agrees with P(x, e) / P(e)
    RETURN NEXT ok(abs(pg_temp.p(alarm, 'HYPOVOLEMIA', 'TRUE', '{"BP": "LOW", "HRBP": "HIGH"}')
                   - ecomai.bn_probability(alarm, '{"HYPOVOLEMIA": "TRUE", "BP": "LOW", "HRBP": "HIGH"}')
                     / ecomai.bn_probability(alarm, '{"BP": "LOW", "HRBP": "HIGH"}')) < 1e-12,
        'alarm: bn_query agrees with the ratio of two bn_probability calls');
END $$;
SELECT * FROM pg_temp.peer_checks();

-- A small network for the error and I/O checks
CREATE TEMP TABLE small AS SELECT ecomai.bn_from_bif($$
network small { property "origin = test"; }
variable a { type discrete [ 2 ] { t, f }; property "x"; }
variable b { type discrete [ 3 ] { "low 1", "mid \"2\"", hi }; }
/* a comment */
probability ( a ) { table 0.25, 0.75; }
probability ( b | a ) { (f) 0.2, 0.3, 0.5; (t) 0.1, 0.1, 0.8; }  // rows in any order
$$) AS bn;
SELECT is((SELECT bn::text::ecomai.bayesnet OPERATOR(ecomai.=) bn FROM small), true, 'quoted state names round-trip through text');
SELECT is((SELECT probability FROM ecomai.bn_cpt((SELECT bn FROM small), 'b') WHERE parents->>'a' = 't' AND state = 'mid "2"'), 0.1::float8,
    'rows are placed by their labels');

-- The per-call-site answer cache: repeated evidence gives the same answers, a new network empties it
SELECT is((SELECT array_agg(round(q.probability::numeric, 6) ORDER BY v.k) FROM (VALUES
        (1, 'variable a { type discrete [ 2 ] { t, f }; } probability ( a ) { table 0.25, 0.75; }'::ecomai.bayesnet),
        (2, 'variable a { type discrete [ 2 ] { t, f }; } probability ( a ) { table 0.6, 0.4; }'::ecomai.bayesnet),
        (3, 'variable a { type discrete [ 2 ] { t, f }; } probability ( a ) { table 0.25, 0.75; }'::ecomai.bayesnet)) v(k, bn),
    LATERAL ecomai.bn_query(v.bn, 'a') q WHERE q.value = 't'), '{0.25,0.6,0.25}'::numeric[],
    'bn_query answers follow the network row by row');
SELECT is((SELECT array_agg(round(ecomai.bn_probability(bn, jsonb_build_object('b', st), jsonb_build_object('a', ev))::numeric, 12) ORDER BY g)
           FROM small, generate_series(1, 6) g, LATERAL (SELECT CASE WHEN g % 2 = 0 THEN 't' ELSE 'f' END AS ev,
                                                           CASE WHEN g % 3 = 0 THEN 'hi' ELSE 'low 1' END AS st) x),
    ARRAY[0.2, 0.1, 0.5, 0.1, 0.2, 0.8]::numeric[], 'bn_probability with repeated evidence row by row');

-- Binary round trip (COPY BINARY) and corrupt binary input
CREATE TEMP TABLE bin_out AS SELECT bn FROM small;
CREATE FUNCTION pg_temp.copy_binary(payload bytea) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/ecomai_bn_copy_' || pg_backend_pid() || '.bin';
    lo oid;
BEGIN
    lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
        || '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea);
    PERFORM lo_export(lo, path);
    PERFORM lo_unlink(lo);
    EXECUTE format('COPY bin_out FROM %L (FORMAT binary)', path);
END $$;
SELECT lives_ok($$SELECT pg_temp.copy_binary(ecomai.bayesnet_send(bn)) FROM small$$, 'a sent network is received');
SELECT is((SELECT count(DISTINCT bn::text) FROM bin_out), 1::bigint, 'binary round trip gives the same network');
SELECT throws_ok($$SELECT pg_temp.copy_binary(substr(ecomai.bayesnet_send(bn), 1, 40)) FROM small$$,
    '22P03', NULL, 'truncated binary input: 22P03');
SELECT throws_ok($$SELECT pg_temp.copy_binary('\x00000000'::bytea || substr(ecomai.bayesnet_send(bn), 5)) FROM small$$,
    '22P03', 'invalid binary bayesnet: unknown format version', 'wrong magic: 22P03');
SELECT throws_ok($$SELECT pg_temp.copy_binary(overlay(ecomai.bayesnet_send(bn) placing float8send(0.9) from length(ecomai.bayesnet_send(bn)) - 7)) FROM small$$,
    '22P03', 'CPT row of variable "b" does not sum to 1', 'a CPT row broken in binary input: 22P03');
SELECT throws_ok($$SELECT pg_temp.copy_binary(ecomai.bayesnet_send(bn) || '\x00'::bytea) FROM small$$,
    '22P03', 'invalid binary bayesnet: trailing bytes', 'trailing bytes: 22P03');

-- Every documented error
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } probability ( a ) { table 0.5, 0.6; }')$$,
    '22023', 'CPT row of variable "a" does not sum to 1', 'row not summing to 1: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } probability ( a ) { table 1.5, -0.5; }')$$,
    '22023', 'probability out of range in CPT of variable "a"', 'probability outside [0, 1]: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } variable b { type discrete [ 2 ] { t, f }; }
    probability ( a | b ) { (t) 0.5, 0.5; (f) 0.5, 0.5; } probability ( b | a ) { (t) 0.5, 0.5; (f) 0.5, 0.5; }')$$,
    '22023', 'network has a cycle through variable "a"', 'cycle: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } probability ( a | zz ) { (t) 0.5, 0.5; }')$$,
    '22023', 'unknown parent "zz" of variable "a"', 'unknown parent: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } probability ( a ) { table 0.5, 0.3, 0.2; }')$$,
    '22023', 'wrong CPT size for variable "a"', 'wrong CPT size: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } variable b { type discrete [ 2 ] { t, f }; }
    probability ( a ) { table 0.5, 0.5; } probability ( b | a ) { (t) 0.5, 0.5; }')$$,
    '22023', 'wrong CPT size for variable "b"', 'a missing CPT row: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } variable b { type discrete [ 2 ] { t, f }; }
    probability ( a ) { table 0.5, 0.5; } probability ( b | a ) { (t) 0.5, 0.5; (t) 0.5, 0.5; }')$$,
    '22023', 'CPT of variable "b" has row (t) twice', 'a duplicated CPT row: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; }')$$,
    '22023', 'variable "a" has no probability block', 'a variable without CPT: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, t }; } probability ( a ) { table 0.5, 0.5; }')$$,
    '22023', 'variable "a" has state "t" twice', 'duplicate state: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f } probability ( a ) { table 1, 0; }')$$,
    '22P02', 'invalid BIF at line 1: expected ";", found "probability"', 'BIF syntax error: 22P02');
SELECT throws_ok($$SELECT 'network x { }'::ecomai.bayesnet$$,
    '22P02', 'invalid BIF at line 1: no variables', 'no variables: 22P02');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } variable b { type discrete [ 2 ] { t, f }; }
    probability ( a ) { table 0.5, 0.5; } probability ( b | a ) { table 0.5, 0.5, 0.5, 0.5; }')$$,
    '0A000', '"table" for variable "b" with parents is not supported', 'conditional table form: 0A000');
SELECT throws_ok($$SELECT * FROM ecomai.bn_query((SELECT bn FROM small), 'zz')$$,
    '22023', 'unknown variable "zz"', 'unknown target: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.bn_query((SELECT bn FROM small), 'b', '{"zz": "t"}')$$,
    '22023', 'unknown variable "zz"', 'unknown evidence variable: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.bn_query((SELECT bn FROM small), 'b', '{"a": "maybe"}')$$,
    '22023', 'unknown state "maybe" of variable "a"', 'unknown state: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.bn_query((SELECT bn FROM small), 'b', '["a"]')$$,
    '22023', 'evidence must be a jsonb object', 'evidence not an object: 22023');
SELECT throws_ok($$SELECT ecomai.bn_probability((SELECT bn FROM small), '{"a": ["t"]}')$$,
    '22023', 'event value for variable "a" must be a state name', 'event value not a scalar: 22023');
SELECT throws_ok($$SELECT ecomai.bn_map((SELECT bn FROM small), '{"b": "nope"}')$$,
    '22023', 'unknown state "nope" of variable "b"', 'bn_map unknown state: 22023');
SELECT throws_ok($$SELECT ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } variable a { type discrete [ 2 ] { t, f }; }
    probability ( a ) { table 0.5, 0.5; }')$$,
    '22023', 'variable "a" is declared twice', 'a variable declared twice: 22023');
SELECT throws_ok($$SELECT * FROM ecomai.bn_cpt((SELECT bn FROM small), 'zz')$$,
    '22023', 'unknown variable "zz"', 'bn_cpt unknown variable: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a][b]', VARIADIC NULL::text[])$$,
    '22004', 'bn_fit values must not be a NULL array', 'bn_fit NULL value array: 22004');
SELECT is(ecomai.bn_probability(ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } probability ( a ) { table 1, 0; }'),
    '{"a": "t"}', '{"a": "f"}'), NULL, 'bn_probability given impossible evidence is NULL');
SELECT is(ecomai.bn_map(ecomai.bn_from_bif('variable a { type discrete [ 2 ] { t, f }; } variable b { type discrete [ 2 ] { t, f }; }
    probability ( a ) { table 1, 0; } probability ( b | a ) { (t) 0.5, 0.5; (f) 0.5, 0.5; }'), '{"a": "f"}'), NULL,
    'bn_map given impossible evidence is NULL');
SELECT throws_ok($$SELECT ecomai.bn_sample((SELECT bn FROM small), -1)$$,
    '22023', 'k must be at least 0, not -1', 'negative sample size: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a][b|c]', 'x', 'y')$$, '22023', 'unknown parent "c" of variable "b"', 'bn_fit unknown parent: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a|b][b|a]', 'x', 'y')$$, '22023', 'network has a cycle through variable "a"', 'bn_fit cycle: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a][b|a]', 'x')$$, '22023', 'bn_fit got 1 values for 2 variables', 'bn_fit wrong arity: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a][b|a', 'x', 'y')$$, '22023', 'invalid network structure "[a][b|a"', 'bn_fit bad structure: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a][b|a] smooth=1', 'x', 'y')$$, '22023', 'invalid network structure "[a][b|a] smooth=1"', 'bn_fit unknown option: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit(s, 'x', 'y') FROM (VALUES ('[a][b|a]'), ('[a][b]')) t(s)$$,
    '22023', 'bn_fit structure must be the same in every row', 'bn_fit structure changing between rows: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a{x,y}][b]', 'z', 'y')$$,
    '22023', 'value "z" of variable "a" is not one of its states', 'bn_fit value outside fixed states: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a][b]', '', 'y')$$,
    '22023', 'value of variable "a" is an empty string', 'bn_fit empty value: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a][b]', NULL, 'y')$$,
    '22023', 'variable "a" has no observed values', 'bn_fit variable never observed: 22023');
SELECT throws_ok($$SELECT ecomai.bn_fit(NULL, 'x', 'y')$$,
    '22004', 'structure must not be null', 'bn_fit NULL structure: 22004');
SELECT throws_ok($$SELECT ecomai.bn_fit('[a]', g::text) FROM generate_series(1, 100001) g$$,
    '54000', 'variable "a" has more than 100000 distinct values', 'too many distinct values: 54000');
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT ecomai.bn_fit('[a][b|a]', (g % 300)::text, (g / 300)::text) FROM generate_series(1, 90000) g$$,
    '54000', NULL, 'a bn_fit state over ecomai.max_memory: 54000');
RESET ecomai.max_memory;
-- A network of treewidth 3 (four 60-state roots, a child per pair): eliminating needs a
-- 60^3-entry factor (1.7 MB), over ecomai.max_memory = 1MB.
CREATE TEMP TABLE k4 AS SELECT ecomai.bn_from_bif(
    (SELECT string_agg(format('variable X%s { type discrete [ 60 ] { %s }; } probability ( X%s ) { table %s; }', i,
                              (SELECT string_agg('s' || j, ', ') FROM generate_series(1, 60) j), i,
                              (SELECT string_agg((1.0::float8 / 60)::text, ', ') FROM generate_series(1, 60) j)), ' ')
     FROM generate_series(1, 4) i)
    || (SELECT string_agg(format('variable C%s%s { type discrete [ 2 ] { t, f }; } probability ( C%s%s | X%s, X%s ) { %s }',
                                 a, b, a, b, a, b,
                                 (SELECT string_agg(format('(s%s, s%s) 0.5, 0.5;', u, v), ' ')
                                  FROM generate_series(1, 60) u, generate_series(1, 60) v)), ' ')
        FROM generate_series(1, 4) a, generate_series(1, 4) b WHERE a < b)) AS bn;
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT ecomai.bn_probability(bn, '{"C12": "t", "C13": "t", "C14": "t", "C23": "t", "C24": "t", "C34": "t"}') FROM k4$$,
    '54000', NULL, 'an elimination factor over ecomai.max_memory: 54000');
RESET ecomai.max_memory;
SELECT ok(abs(ecomai.bn_probability(bn, '{"C12": "t", "C13": "t", "C14": "t", "C23": "t", "C24": "t", "C34": "t"}') - 1.0 / 64) < 1e-12,
    'with the default limit it runs: 0.5^6') FROM k4;
SELECT throws_ok($$SELECT 'bn_fit_state "[a] pseudo_count=0" variable a { x } (0 1) (0 2);'::ecomai.bn_fit_state$$,
    '22P02', 'invalid bn_fit state: variable "a" has a count twice', 'corrupt state text (duplicate key): 22P02');
SELECT throws_ok($$SELECT 'bn_fit_state "[a] pseudo_count=0" variable a { x } (1 1);'::ecomai.bn_fit_state$$,
    '22P02', 'invalid bn_fit state at line 1: integer "1" out of range', 'corrupt state text (unknown value id): 22P02');
SELECT is(ecomai.bn_fit_state_in(ecomai.bn_fit_state_out('bn_fit_state "[a][b|a] pseudo_count=0.5" variable a { x, "y z" } (0 3) (1 1); variable b { q } (0 0 3);'))::text,
    E'bn_fit_state "[a][b|a] pseudo_count=0.5"\nvariable a { x, "y z" } (0 3) (1 1);\nvariable b { q } (0 0 3);\n', 'a state text round-trips');

-- bn_fit on 100k rows sampled from asia: equal to GROUP BY counts, and close to the CPTs
CREATE FUNCTION pg_temp.asia_bif() RETURNS text LANGUAGE sql AS $b$ SELECT $$
variable asia { type discrete [ 2 ] { yes, no }; }
variable tub { type discrete [ 2 ] { yes, no }; }
variable smoke { type discrete [ 2 ] { yes, no }; }
variable lung { type discrete [ 2 ] { yes, no }; }
variable bronc { type discrete [ 2 ] { yes, no }; }
variable either { type discrete [ 2 ] { yes, no }; }
variable xray { type discrete [ 2 ] { yes, no }; }
variable dysp { type discrete [ 2 ] { yes, no }; }
probability ( asia ) { table 0.01, 0.99; }
probability ( tub | asia ) { (yes) 0.05, 0.95; (no) 0.01, 0.99; }
probability ( smoke ) { table 0.5, 0.5; }
probability ( lung | smoke ) { (yes) 0.1, 0.9; (no) 0.01, 0.99; }
probability ( bronc | smoke ) { (yes) 0.6, 0.4; (no) 0.3, 0.7; }
probability ( either | lung, tub ) { (yes, yes) 1.0, 0.0; (no, yes) 1.0, 0.0; (yes, no) 1.0, 0.0; (no, no) 0.0, 1.0; }
probability ( xray | either ) { (yes) 0.98, 0.02; (no) 0.05, 0.95; }
probability ( dysp | bronc, either ) { (yes, yes) 0.9, 0.1; (no, yes) 0.7, 0.3; (yes, no) 0.8, 0.2; (no, no) 0.1, 0.9; }
$$ $b$;
-- bn_map against brute force over all 256 joint assignments of asia (with and without evidence)
CREATE TEMP TABLE asia_joint AS
SELECT j, ecomai.bn_probability(ecomai.bn_from_bif(pg_temp.asia_bif()), j) AS p
FROM (SELECT jsonb_build_object('asia', a, 'tub', b, 'smoke', c, 'lung', d, 'bronc', e, 'either', f, 'xray', g, 'dysp', h) AS j
      FROM unnest(ARRAY['yes','no']) a, unnest(ARRAY['yes','no']) b, unnest(ARRAY['yes','no']) c, unnest(ARRAY['yes','no']) d,
           unnest(ARRAY['yes','no']) e, unnest(ARRAY['yes','no']) f, unnest(ARRAY['yes','no']) g, unnest(ARRAY['yes','no']) h) t;
SELECT ok(abs((SELECT sum(p) FROM asia_joint) - 1) < 1e-12
          AND (SELECT j FROM asia_joint ORDER BY p DESC LIMIT 1) = ecomai.bn_map(ecomai.bn_from_bif(pg_temp.asia_bif()))->'assignment'
          AND abs((SELECT max(p) FROM asia_joint) - (ecomai.bn_map(ecomai.bn_from_bif(pg_temp.asia_bif()))->>'probability')::float8) < 1e-15,
    'asia: the joint sums to 1 and bn_map is the brute-force maximum');
SELECT ok((SELECT j - 'dysp' - 'xray' FROM asia_joint WHERE j @> '{"dysp": "yes", "xray": "no"}' ORDER BY p DESC LIMIT 1)
          = ecomai.bn_map(ecomai.bn_from_bif(pg_temp.asia_bif()), '{"dysp": "yes", "xray": "no"}')->'assignment'
          AND abs((SELECT max(p) / sum(p) FROM asia_joint WHERE j @> '{"dysp": "yes", "xray": "no"}')
                  - (ecomai.bn_map(ecomai.bn_from_bif(pg_temp.asia_bif()), '{"dysp": "yes", "xray": "no"}')->>'posterior')::float8) < 1e-12,
    'asia: bn_map with evidence is the brute-force maximum, posterior = max / P(evidence)');
CREATE TABLE bn_asia_rows AS
SELECT i AS id, s FROM ecomai.bn_sample(ecomai.bn_from_bif(pg_temp.asia_bif()), 100000, 2026) WITH ORDINALITY AS t(s, i);
ANALYZE bn_asia_rows;
SELECT is((SELECT count(*) FROM ecomai.bn_sample(ecomai.bn_from_bif(pg_temp.asia_bif()), 1000, 5) WITH ORDINALITY a(x, i)
           JOIN ecomai.bn_sample(ecomai.bn_from_bif(pg_temp.asia_bif()), 1000, 5) WITH ORDINALITY b(y, i) USING (i)
           WHERE a.x = b.y), 1000::bigint, 'the same seed gives the same samples');
CREATE TEMP TABLE asia_fit AS SELECT ecomai.bn_fit(
    '[asia][tub|asia][smoke][lung|smoke][bronc|smoke][either|lung:tub][xray|either][dysp|bronc:either]',
    s->>'asia', s->>'tub', s->>'smoke', s->>'lung', s->>'bronc', s->>'either', s->>'xray', s->>'dysp') AS bn FROM bn_asia_rows;
CREATE TEMP TABLE grouped AS
SELECT v.variable, coalesce((SELECT jsonb_object_agg(p, r.s->>p) FROM unnest(v.parents) p), '{}') AS parents,
       r.s->>v.variable AS state, count(*) AS n
FROM bn_asia_rows r, ecomai.bn_variables((SELECT bn FROM asia_fit)) v
GROUP BY 1, 2, 3;
SELECT is((SELECT count(*) FROM ecomai.bn_variables((SELECT bn FROM asia_fit)) v
           CROSS JOIN LATERAL ecomai.bn_cpt((SELECT bn FROM asia_fit), v.variable) c
           LEFT JOIN (SELECT variable, parents, state, n::float8 / sum(n) OVER (PARTITION BY variable, parents) AS p FROM grouped) g
             ON g.variable = v.variable AND g.parents = c.parents AND g.state = c.state
           WHERE coalesce(g.p, 0) = c.probability), 36::bigint,
    'bn_fit CPTs equal n(x, parents) / n(parents) of a plain GROUP BY, exactly, for all 36 entries');
SELECT is((SELECT count(*) FROM ecomai.bn_variables((SELECT bn FROM asia_fit)) v,
                  ecomai.bn_cpt((SELECT bn FROM asia_fit), v.variable) c,
                  ecomai.bn_cpt(ecomai.bn_from_bif(pg_temp.asia_bif()), v.variable) t
           WHERE t.parents = c.parents AND t.state = c.state
             AND abs(c.probability - t.probability) <= 5 * sqrt(t.probability * (1 - t.probability)
                 / (SELECT sum(n) FROM grouped g WHERE g.variable = v.variable AND g.parents = c.parents))), 36::bigint,
    'bn_fit recovers every asia CPT entry within 5 standard errors');

-- Parallel = serial
CREATE TEMP TABLE serial_fit AS SELECT bn FROM asia_fit;
SELECT pg_temp.force_parallel();
SELECT ok(bool_or(plan ~ 'Partial Aggregate'), 'the bn_fit plan aggregates partially in workers')
FROM pg_temp.explain_lines($$SELECT ecomai.bn_fit('[asia][tub|asia]', s->>'asia', s->>'tub') FROM bn_asia_rows$$) plan;
SELECT ok((SELECT ecomai.bn_fit(
    '[asia][tub|asia][smoke][lung|smoke][bronc|smoke][either|lung:tub][xray|either][dysp|bronc:either]',
    s->>'asia', s->>'tub', s->>'smoke', s->>'lung', s->>'bronc', s->>'either', s->>'xray', s->>'dysp') FROM bn_asia_rows)
    OPERATOR(ecomai.=) (SELECT bn FROM serial_fit), 'bn_fit under a forced parallel plan equals the serial result');
SELECT pg_temp.reset_parallel();

-- Citus's path: partial states per hash bucket, each through text and back, then combined.
CREATE AGGREGATE pg_temp.bn_partial(text, VARIADIC text[]) (SFUNC = ecomai.bn_fit_accum, STYPE = ecomai.bn_fit_state);
CREATE AGGREGATE pg_temp.bn_merge(ecomai.bn_fit_state) (
    SFUNC = ecomai.bn_fit_combine, STYPE = ecomai.bn_fit_state, FINALFUNC = ecomai.bn_fit_final);
SELECT ok((SELECT pg_temp.bn_merge(st::text::ecomai.bn_fit_state) FROM (
    SELECT pg_temp.bn_partial(
        '[asia][tub|asia][smoke][lung|smoke][bronc|smoke][either|lung:tub][xray|either][dysp|bronc:either]',
        s->>'asia', s->>'tub', s->>'smoke', s->>'lung', s->>'bronc', s->>'either', s->>'xray', s->>'dysp') AS st
    FROM bn_asia_rows GROUP BY hashint8(id) & 31) b) OPERATOR(ecomai.=) (SELECT bn FROM serial_fit),
    'bn_fit over 32 buckets with text-shipped states equals one pass');
SELECT throws_ok($$SELECT pg_temp.bn_merge(st) FROM (VALUES
        ('bn_fit_state "[a] pseudo_count=0" variable a { x } (0 1);'::ecomai.bn_fit_state),
        ('bn_fit_state "[b] pseudo_count=0" variable b { x } (0 1);'::ecomai.bn_fit_state)) t(st)$$,
    '22023', 'cannot combine bn_fit states with different structures', 'combining states of different structures: 22023');

SELECT * FROM finish();
ROLLBACK;
