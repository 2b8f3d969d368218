-- bn_learn, bn_counts, bn_score, bn_shd, bn_predict, named bn_fit: properties against independent
-- computations in plain SQL, parallel = serial, binning, and every error path.
BEGIN;
SELECT plan(52);
\ir lib/helpers.sql

-- A small shop network (our own numbers) and 5000 rows drawn from it.
CREATE TEMP TABLE net AS SELECT ecomai.bn_from_bif($$network shop { }
variable device { type discrete [ 2 ] { desktop, mobile }; }
variable channel { type discrete [ 3 ] { ads, email, organic }; }
variable big { type discrete [ 2 ] { no, yes }; }
variable buy { type discrete [ 2 ] { no, yes }; }
variable returned { type discrete [ 2 ] { no, yes }; }
probability ( device ) { table 0.6, 0.4; }
probability ( channel | device ) { (desktop) 0.3, 0.2, 0.5; (mobile) 0.5, 0.1, 0.4; }
probability ( big | device ) { (desktop) 0.6, 0.4; (mobile) 0.9, 0.1; }
probability ( buy | channel, big ) { (ads, no) 0.9, 0.1; (ads, yes) 0.6, 0.4; (email, no) 0.7, 0.3;
  (email, yes) 0.2, 0.8; (organic, no) 0.8, 0.2; (organic, yes) 0.5, 0.5; }
probability ( returned | buy ) { (no) 0.98, 0.02; (yes) 0.7, 0.3; }
$$) AS bn;
CREATE TEMP TABLE rows AS SELECT row_number() OVER () AS id, x FROM net, ecomai.bn_sample(bn, 5000, 7) x;
CREATE TEMP TABLE cnt AS SELECT ecomai.bn_counts(x) AS c FROM rows;
CREATE TEMP TABLE small AS SELECT ecomai.bn_counts(x) AS c FROM rows WHERE id <= 300;

-- Family counts in plain SQL: (configuration of parents, state, n) over the first m rows.
CREATE FUNCTION pg_temp.fam(var text, pars text[], m int)
RETURNS TABLE (cfg text, state text, n bigint) LANGUAGE sql AS $$
    SELECT coalesce((SELECT string_agg(x->>p, ',' ORDER BY o) FROM unnest(pars) WITH ORDINALITY u(p, o)), ''),
           x->>var, count(*)
    FROM rows WHERE id <= m GROUP BY 1, 2
$$;
-- ln Gamma(a + n) - ln Gamma(a) = sum of ln(a + k), k < n: no lgamma needed.
CREATE FUNCTION pg_temp.lgr(a float8, n bigint) RETURNS float8 LANGUAGE sql AS $$
    SELECT coalesce(sum(ln(a + k)), 0) FROM generate_series(0, n - 1) k
$$;
-- The score of the true network's structure on the first m rows, computed independently.
CREATE FUNCTION pg_temp.score_sql(kind text, iss float8, m int) RETURNS float8 LANGUAGE sql AS $$
    WITH v AS (SELECT variable, states, parents,
                      (SELECT coalesce(exp(sum(ln(cardinality(p.states)))), 1)
                       FROM ecomai.bn_variables((SELECT bn FROM net)) p WHERE p.variable = ANY (v.parents)) AS q,
                      cardinality(states) AS r
               FROM ecomai.bn_variables((SELECT bn FROM net)) v),
    f AS (SELECT v.variable, v.q, v.r, c.cfg, c.state, c.n, sum(c.n) OVER (PARTITION BY v.variable, c.cfg) AS nj
          FROM v, pg_temp.fam(v.variable, v.parents, m) c)
    SELECT CASE kind
        WHEN 'loglik' THEN (SELECT sum(n * ln(n / nj)) FROM f)
        WHEN 'bic' THEN (SELECT sum(n * ln(n / nj)) FROM f) - 0.5 * ln(m) * (SELECT sum(q * (r - 1)) FROM v)
        WHEN 'aic' THEN (SELECT sum(n * ln(n / nj)) FROM f) - (SELECT sum(q * (r - 1)) FROM v)
        WHEN 'k2' THEN (SELECT sum(pg_temp.lgr(1, n::bigint)) FROM f)
             - (SELECT sum(pg_temp.lgr(r::float8, nj::bigint)) FROM (SELECT DISTINCT variable, cfg, r, nj FROM f) j)
        WHEN 'bdeu' THEN (SELECT sum(pg_temp.lgr(iss / (q * r), n::bigint)) FROM f)
             - (SELECT sum(pg_temp.lgr(iss / q, nj::bigint)) FROM (SELECT DISTINCT variable, cfg, q, nj FROM f) j)
        END
$$;

-- 1-2. the counts state
SELECT is((SELECT c::text::ecomai.bn_counts::text FROM cnt), (SELECT c::text FROM cnt),
          'bn_counts round-trips exactly through its text form');
SELECT throws_ok($$SELECT 'bn_counts "" variable a { "x:1" }; rows;'::ecomai.bn_counts$$, '22P02', NULL,
                 'a malformed bn_counts value is 22P02');

-- 3-7. scores equal the independent computations
SELECT cmp_ok(abs(ecomai.bn_score(n.bn, s.c, 'bdeu', 4) - pg_temp.score_sql('bdeu', 4, 300)), '<',
              1e-9 * abs(pg_temp.score_sql('bdeu', 4, 300)), 'BDeu (iss 4) equals the sum of log-gamma ratios in SQL')
FROM net n, small s;
SELECT cmp_ok(abs(ecomai.bn_score(n.bn, s.c, 'k2') - pg_temp.score_sql('k2', 1, 300)), '<',
              1e-9 * abs(pg_temp.score_sql('k2', 1, 300)), 'K2 equals the sum of log-gamma ratios in SQL')
FROM net n, small s;
SELECT cmp_ok(abs(ecomai.bn_score(n.bn, c.c) - pg_temp.score_sql('bic', 1, 5000)), '<',
              1e-9 * abs(pg_temp.score_sql('bic', 1, 5000)), 'BIC (the default) equals log-likelihood - ln(N)/2 * parameters in SQL')
FROM net n, cnt c;
SELECT cmp_ok(abs(ecomai.bn_score(n.bn, c.c, 'aic') - pg_temp.score_sql('aic', 1, 5000)), '<',
              1e-9 * abs(pg_temp.score_sql('aic', 1, 5000)), 'AIC equals log-likelihood - parameters in SQL')
FROM net n, cnt c;
SELECT cmp_ok(abs(ecomai.bn_score(n.bn, c.c, 'loglik') - pg_temp.score_sql('loglik', 1, 5000)), '<',
              1e-9 * abs(pg_temp.score_sql('loglik', 1, 5000)), 'log-likelihood equals sum n ln(n / n_j) in SQL')
FROM net n, cnt c;

-- 8-11. hill climbing
CREATE TEMP TABLE learned AS SELECT ecomai.bn_learn(c) AS bn FROM cnt;
SELECT cmp_ok(ecomai.bn_score(l.bn, c.c), '>=', ecomai.bn_score(n.bn, c.c) * 1.005,
              'hill climbing reaches a BIC within 0.5% of the true network''s')
FROM learned l, net n, cnt c;
SELECT is((SELECT ecomai.bn_learn(x, '{}') FROM rows)::text, (SELECT bn::text FROM learned),
          'the bn_learn aggregate equals bn_learn over bn_counts');
SELECT is((SELECT ecomai.bn_learn(x) FROM rows)::text, (SELECT bn::text FROM learned),
          'the one-argument bn_learn aggregate uses the default options');
SELECT ok((SELECT ecomai.bn_learn(NULL::jsonb) FROM generate_series(1, 3)) IS NULL, 'bn_learn over only NULL rows is NULL');
SELECT is((SELECT count(*) FROM ecomai.bn_arcs((SELECT bn FROM learned))),
          (SELECT sum(cardinality(parents)) FROM ecomai.bn_variables((SELECT bn FROM learned))),
          'bn_arcs lists every parent of every variable');
SELECT ok((SELECT bool_and(ecomai.bn_score(l.bn, c.c, 'bdeu', 10) >= ecomai.bn_score(n.bn, c.c, 'bdeu', 10) * 1.005)
           FROM (SELECT ecomai.bn_learn(c, o) AS bn FROM cnt, unnest(ARRAY[
                   '{"algorithm": "tabu", "score": "bdeu", "iss": 10}',
                   '{"score": "bdeu", "iss": 10, "start": "empty", "restarts": 3, "perturb": 2, "seed": 5}']::jsonb[]) o) l,
                net n, cnt c),
          'tabu search and restarts under BDeu reach its score of the true network within 0.5%');

-- 12-14. whitelist, blacklist, max_parents
SELECT ok(EXISTS (SELECT 1 FROM cnt, ecomai.bn_arcs(ecomai.bn_learn(c, '{"whitelist": [["returned", "device"]]}'))
                  WHERE parent = 'returned' AND child = 'device'), 'a whitelisted arc is in the result');
SELECT ok(NOT EXISTS (SELECT 1 FROM cnt, ecomai.bn_arcs(ecomai.bn_learn(c, '{"blacklist": [["buy", "returned"], ["returned", "buy"]]}'))
                      WHERE (parent, child) IN (('buy', 'returned'), ('returned', 'buy'))), 'blacklisted arcs are not');
SELECT is((SELECT max(cardinality(parents)) FROM cnt, ecomai.bn_variables(ecomai.bn_learn(c, '{"max_parents": 1}'))), 1,
          'max_parents bounds the parents');

-- 15-17. Chow-Liu = maximum spanning tree of pairwise mutual information computed in SQL (Prim)
CREATE TEMP TABLE mi AS
WITH cols AS (SELECT DISTINCT k FROM rows, jsonb_object_keys(x) k),
     pairs AS (SELECT a.k AS a, b.k AS b FROM cols a, cols b WHERE a.k < b.k),
     j AS (SELECT p.a, p.b, x->>p.a AS xa, x->>p.b AS xb, count(*)::float8 AS n FROM pairs p, rows GROUP BY 1, 2, 3, 4),
     m AS (SELECT *, sum(n) OVER (PARTITION BY a, b, xa) AS na, sum(n) OVER (PARTITION BY a, b, xb) AS nb,
                  sum(n) OVER (PARTITION BY a, b) AS nn FROM j)
SELECT a, b, sum(n / nn * ln(n * nn / (na * nb))) AS w FROM m GROUP BY a, b;
CREATE FUNCTION pg_temp.prim() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE intree text[] := ARRAY[(SELECT min(a) FROM mi)]; edges text[] := '{}'; e record;
BEGIN
    LOOP
        SELECT a, b INTO e FROM mi WHERE (a = ANY (intree)) <> (b = ANY (intree)) ORDER BY w DESC LIMIT 1;
        EXIT WHEN NOT FOUND;
        edges := edges || (e.a || '-' || e.b);
        intree := intree || CASE WHEN e.a = ANY (intree) THEN e.b ELSE e.a END;
    END LOOP;
    RETURN (SELECT array_agg(x ORDER BY x COLLATE "C") FROM unnest(edges) x);
END $$;
SELECT is((SELECT array_agg(least(parent, child) || '-' || greatest(parent, child) ORDER BY least(parent, child) || '-' || greatest(parent, child) COLLATE "C")
           FROM cnt, ecomai.bn_arcs(ecomai.bn_learn(c, '{"algorithm": "chow_liu"}'))), pg_temp.prim(),
          'Chow-Liu is the maximum-weight spanning tree of mutual information computed in SQL');
SELECT is((SELECT array_agg(parent || '>' || child ORDER BY child)
           FROM cnt, ecomai.bn_arcs(ecomai.bn_learn(c, '{"algorithm": "naive_bayes", "target": "buy"}'))),
          ARRAY['buy>big', 'buy>channel', 'buy>device', 'buy>returned'], 'naive Bayes: the target is the only parent');
SELECT ok((SELECT count(*) = 7 AND count(*) FILTER (WHERE parent = 'buy') = 4
           FROM cnt, ecomai.bn_arcs(ecomai.bn_learn(c, '{"algorithm": "tan", "target": "buy"}'))),
          'TAN: the target plus a tree over the features');

-- 18-19. parameters: named bn_fit equals the positional bn_fit; bayes is the BDeu posterior mean
SELECT ok((SELECT ecomai.bn_fit('[device][channel|device][buy|channel:device] pseudo_count=0.5', x) FROM rows)
          OPERATOR(ecomai.=)
          (SELECT ecomai.bn_fit('[device][channel|device][buy|channel:device] pseudo_count=0.5', x->>'device', x->>'channel', x->>'buy') FROM rows),
          'bn_fit over named columns equals the positional bn_fit');
SELECT ok((SELECT ecomai.bn_fit('[device][channel|device]', x || jsonb_build_object('session', 's' || id, 'basket', '[1]'::jsonb->0)) FROM rows)
          OPERATOR(ecomai.=) (SELECT ecomai.bn_fit('[device][channel|device]', x) FROM rows),
          'bn_fit over named columns ignores the columns that are not in the structure (here a 5000-value key)');
SELECT cmp_ok(abs((SELECT probability FROM cnt,
                   ecomai.bn_cpt(ecomai.bn_learn(c, '{"algorithm": "none", "start": "[device][channel|device]", "params": "bayes", "iss": 6}'), 'channel')
                   WHERE parents->>'device' = 'mobile' AND state = 'email')
                  - (SELECT (count(*) FILTER (WHERE x->>'channel' = 'email') + 1.0) / (count(*) + 3.0)
                     FROM rows WHERE x->>'device' = 'mobile')), '<', 1e-12::float8,
          'params bayes: (n_jk + iss/(q r)) / (n_j + iss/q)');

-- 20-21. parallel = serial
CREATE TEMP TABLE serial AS SELECT bn FROM learned;
CREATE TABLE prows AS SELECT * FROM rows;
SELECT pg_temp.force_parallel();
SELECT ok(bool_or(plan ~ 'Partial Aggregate'), 'the bn_learn plan aggregates partially in workers')
FROM pg_temp.explain_lines($$SELECT ecomai.bn_learn(x, '{}') FROM prows$$) plan;
SELECT is((SELECT ecomai.bn_learn(x, '{}') FROM prows)::text, (SELECT bn::text FROM serial),
          'bn_learn under a forced parallel plan equals the serial result');
SELECT pg_temp.reset_parallel();

-- 22-25. numbers: a numeric column and its binned form give the same network and predictions
CREATE TEMP TABLE nrows AS
SELECT id, x || jsonb_build_object('amount', CASE WHEN x->>'big' = 'yes' THEN 80 + id % 50 ELSE id % 70 END + 0.5,
                                   'vip', id % 3 = 0) AS x
FROM rows;
CREATE TEMP TABLE brows AS
SELECT id, x || jsonb_build_object('amount', CASE WHEN (x->>'amount')::numeric <= 40 THEN '(-inf,40]'
                                                  WHEN (x->>'amount')::numeric <= 90.5 THEN '(40,90.5]'
                                                  ELSE '(90.5,inf)' END) AS x
FROM nrows;
CREATE TEMP TABLE nb AS
SELECT (SELECT ecomai.bn_learn(x - 'big', '{"bins": {"amount": [40, 90.5]}}') FROM nrows) AS num,
       (SELECT ecomai.bn_learn(x - 'big', '{}') FROM brows) AS bin;
SELECT ok(num OPERATOR(ecomai.=) bin, 'a numeric column binned by the network equals its binned text form') FROM nb;
SELECT is((SELECT count(*) FROM nb, nrows n JOIN brows b USING (id)
           WHERE ecomai.bn_predict(num, 'buy', n.x) IS DISTINCT FROM ecomai.bn_predict(bin, 'buy', b.x)), 0::bigint,
          'bn_predict gives the same answers on raw numbers and on their bins');
SELECT ok(position('"(40,90.5]"' IN ecomai.bn_to_bif(num)) > 0, 'BIF export keeps the bin labels') FROM nb;
SELECT is((SELECT states FROM ecomai.bn_variables(
              (SELECT ecomai.bn_learn(x, '{"algorithm": "none", "start": "[amount]", "bins": {"amount": 4}}') FROM nrows))),
          (SELECT ARRAY['(-inf,' || q[1] || ']', '(' || q[1] || ',' || q[2] || ']', '(' || q[2] || ',' || q[3] || ']', '(' || q[3] || ',inf)']
           FROM (SELECT percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY (x->>'amount')::float8) AS q FROM nrows) p),
          'quantile bins: the edges are the quartiles (percentile_cont)');

-- 26-29. bn_predict: typed values; unknown categories, columns and nulls are missing evidence
SELECT is(ecomai.bn_predict(num, 'buy', '{"vip": true, "channel": "email"}'),
          ecomai.bn_predict(num, 'buy', '{"vip": "true", "channel": "email"}'), 'a jsonb boolean is the state "true"') FROM nb;
SELECT is(ecomai.bn_predict(bn, 'buy', '{"channel": "fax", "device": "mobile", "id": 17, "returned": null}'),
          ecomai.bn_predict(bn, 'buy', '{"device": "mobile"}'), 'unknown categories, columns and nulls are missing evidence')
FROM net;
SELECT is((ecomai.bn_predict(bn, 'buy', '{"channel": "email", "big": "yes"}')).probability,
          (SELECT max(probability) FROM ecomai.bn_query(bn, 'buy', '{"channel": "email", "big": "yes"}')),
          'bn_predict is the most probable state of bn_query') FROM net;
SELECT is(ecomai.bn_predict(bn, 'buy', '{"buy": "yes", "channel": "email"}'), ecomai.bn_predict(bn, 'buy', '{"channel": "email"}'),
          'the target''s own value in the row is ignored') FROM net;

-- 30-31. structural Hamming distance on equivalence classes
CREATE TEMP TABLE tri AS SELECT jsonb_build_object('a', g % 2, 'b', g % 3, 'c', g % 5) AS x FROM generate_series(1, 60) g;
SELECT is(ecomai.bn_shd((SELECT ecomai.bn_fit('[a][b|a][c|b]', x) FROM tri), (SELECT ecomai.bn_fit('[c][b|c][a|b]', x) FROM tri)), 0,
          'bn_shd of Markov-equivalent networks is 0');
SELECT is(ecomai.bn_shd((SELECT ecomai.bn_fit('[a][b][c|a:b]', x) FROM tri), (SELECT ecomai.bn_fit('[a][c|a][b|c]', x) FROM tri)), 2,
          'bn_shd of a v-structure and a chain is 2 (two edges differ in orientation)');

-- 32-39. errors
SELECT throws_ok($$SELECT ecomai.bn_learn(x, '{}') FROM (VALUES ('{"a": [1, 2]}'::jsonb)) v(x)$$, '22023',
                 'value of column "a" is not a scalar', 'a non-scalar value is 22023');
SELECT throws_ok($$SELECT ecomai.bn_learn(jsonb_build_object('a', 's' || g, 'b', g % 2), '{}') FROM generate_series(1, 200) g$$, '54000',
                 'column "a" has 200 distinct values, more than max_states (64)', 'too many states is 54000');
SELECT throws_ok($$SELECT ecomai.bn_learn(c, '{"whitelist": [["a", "b"]], "blacklist": [["a", "b"]]}') FROM cnt$$, '22023',
                 'arc "a" -> "b" is in both the whitelist and the blacklist', 'an arc in both lists is 22023');
SELECT throws_ok($$SELECT ecomai.bn_learn(c, '{"start": "[device|buy][buy|device]"}') FROM cnt$$, '22023',
                 'network has a cycle through variable "buy"', 'a cyclic start structure is 22023');
SELECT throws_ok($$SELECT ecomai.bn_learn(c, '{"scor": "bic"}') FROM cnt$$, '22023',
                 'invalid bn_learn option "scor"', 'an unknown option is 22023');
SELECT throws_ok($$SELECT ecomai.bn_score(bn, c, 'mdl') FROM net, cnt$$, '22023', 'unknown score "mdl"', 'an unknown score is 22023');
SELECT throws_ok($$SELECT ecomai.bn_learn(c, '{"bins": {"channel": 3}}') FROM cnt$$, '22023',
                 'column "channel" has values that are not numbers and cannot be binned', 'binning text is 22023');
SELECT throws_ok($$SELECT ecomai.bn_learn(c, '{"algorithm": "tan"}') FROM cnt$$, '22023', 'tan needs a target', 'TAN without a target is 22023');

-- 40. memory bound and cancel
CREATE TEMP TABLE wide AS
SELECT ecomai.bn_counts((SELECT jsonb_object_agg('v' || k, (hashint4(g * 64 + k) & 3)::text) FROM generate_series(1, 60) k)) AS c
FROM generate_series(1, 20000) g;
SET LOCAL ecomai.max_memory = '1MB';
SELECT matches(pg_temp.error_text($$SELECT ecomai.bn_learn(c) FROM wide$$), '^54000: .*ecomai\.max_memory',
               'over ecomai.max_memory is 54000 naming the setting');
RESET ecomai.max_memory;
SET LOCAL statement_timeout = '200ms';
CREATE TEMP TABLE cancel_log AS
SELECT pg_temp.error_text($$SELECT ecomai.bn_learn(c, '{"algorithm": "tabu", "restarts": 100000, "perturb": 10}') FROM wide$$) AS state,
       extract(epoch FROM clock_timestamp() - statement_timestamp())::float8 AS elapsed;
RESET statement_timeout;
SELECT matches(state, '^57014: ', 'statement_timeout cancels a long search (57014)') FROM cancel_log;
SELECT cmp_ok(elapsed, '<', 1.2::float8, 'the search stops within a second of the 0.2 s timeout') FROM cancel_log;

-- 46-52. the states' variable lines, read by the one reader beside their one writer
SELECT throws_ok(format('SELECT %L::ecomai.%s', state, typ), '22P02', format('invalid %s at line 1: %s', what, msg),
                 format('%s: %s is 22P02', what, msg))
FROM (VALUES ('bn_counts', 'bn_counts state', 'bn_counts "" variable a { "s:x", "s:x" }; rows;',
              'variable "a" lists value "s:x" twice'),
             ('bn_counts', 'bn_counts state', 'bn_counts "" variable a { "s:x" }; variable a { "s:y" }; rows;',
              'variable "a" listed twice'),
             ('bn_fit_state', 'bn_fit state', 'bn_fit_state "[a] pseudo_count=0" variable b { x } (0 1);',
              'variable "b" where "a" was expected'),
             ('bn_fit_state', 'bn_fit state', 'bn_fit_state "[a] pseudo_count=0" variable a { x, x } (0 1);',
              'variable "a" lists value "x" twice')) t(typ, what, state, msg);
SELECT is('bn_counts "" variable a { }; variable b { "b:true", "n:2.5" }; rows;'::ecomai.bn_counts::text,
          E'bn_counts ""\nvariable a { };\nvariable b { "b:true", "n:2.5" };\nrows;\n',
          'a variable with no values, and one with two, round-trip');
CREATE AGGREGATE pg_temp.counts_merge(ecomai.bn_counts) (SFUNC = ecomai.bn_counts_combine, STYPE = ecomai.bn_counts);
SELECT throws_ok($$SELECT pg_temp.counts_merge(c) FROM (VALUES
                     ('bn_counts "{}" variable a { "s:x" }; rows (0 1);'::ecomai.bn_counts),
                     ('bn_counts "{\"bins\": 3}" variable a { "s:x" }; rows (0 1);'::ecomai.bn_counts)) t(c)$$,
                 '22023', 'cannot combine bn_counts states with different options',
                 'combining bn_counts states with different options is 22023');
SELECT is(pg_temp.error_detail($$SELECT pg_temp.counts_merge(c) FROM (VALUES
              ('bn_counts "{}" variable a { "s:x" }; rows (0 1);'::ecomai.bn_counts),
              ('bn_counts "{\"bins\": 3}" variable a { "s:x" }; rows (0 1);'::ecomai.bn_counts)) t(c)$$),
          'One has {}, the other {"bins": 3}.', 'the error shows both options');

SELECT * FROM finish();
ROLLBACK;
