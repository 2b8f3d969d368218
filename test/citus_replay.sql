-- Citus's path for EVERY aggregate of the extension, replayed on plain PostgreSQL: each of 32
-- hash buckets is aggregated with the transition function alone (worker_partial_agg), the
-- partial states travel as their text form and back, the coordinator combines them with the
-- combine function and applies the final function (coord_combine_agg); the result must equal a
-- single pass of the real aggregate.  The temporary aggregates are built from pg_aggregate, so
-- the test follows the catalog: a new aggregate without a sample below fails it.
BEGIN;

-- Aggregates that cannot be split by design (input order matters); see docs/scale-out.md.
CREATE TEMP TABLE unsplittable(agg text);
INSERT INTO unsplittable VALUES ('markov_path');

CREATE TEMP VIEW ext_aggregates AS
SELECT p.oid::regprocedure AS agg, p.proname
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ecomai'
WHERE p.prokind = 'a' AND p.proname NOT IN (SELECT agg FROM unsplittable);

-- Numbers in two text forms agree to a relative tolerance and everything else is identical:
-- for results that are sums of non-dyadic floats, whose last bit depends on the order of the
-- additions (as for sum(float8) under a parallel plan).
CREATE FUNCTION pg_temp.close_text(a text, b text, tol float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    WITH pat(p) AS (VALUES ('-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|NaN|-?Infinity'))
    SELECT a IS NOT DISTINCT FROM b OR (
        regexp_replace(a, p, '#', 'g') = regexp_replace(b, p, '#', 'g')
        AND (SELECT bool_and(x = y OR abs(x - y) <= tol * greatest(abs(x), abs(y)))
             FROM unnest(ARRAY(SELECT m[1]::float8 FROM regexp_matches(a, '(' || p || ')', 'g') m),
                         ARRAY(SELECT m[1]::float8 FROM regexp_matches(b, '(' || p || ')', 'g') m)) u(x, y)))
    FROM pat
$$;

-- ChannelAttribution-style paths with conversion and non-conversion counts (two samples)
CREATE TEMP VIEW channel_paths AS
SELECT hashint8(i) & 31 AS bucket,
       array_to_string(ARRAY(SELECT (ARRAY['organic','paid_search','social','email','direct','affiliate'])[1 + abs(hashint8(i * 8 + j)) % 6]
                             FROM generate_series(1, 1 + (i % 4)::int) j), ' > ') AS path,
       (i % 3)::float8 AS conversions, (i % 5)::float8 AS nulls
FROM generate_series(1::bigint, 5000) i;

-- One entry per aggregate: a sample query with a bucket column (bigint hash of the row or group,
-- & 31 gives the 32 shards), the argument list of the call over the sample's columns, and the
-- comparison of the combined result with the single pass (columns combined and single).
CREATE TEMP TABLE samples(agg text PRIMARY KEY, sample text, args text, cmp text);
INSERT INTO samples VALUES
-- 8-d embeddings: float sums, the order of the additions shows in the last bits
('ecomai.vector_sum(double precision[])',
 $$SELECT hashint8(i) & 31 AS bucket,
          ARRAY(SELECT sin(i * j) * 0.1 FROM generate_series(1, 8) j)::float8[] AS v
   FROM generate_series(1::bigint, 5000) i$$,
 'v', 'pg_temp.close_text(combined::text, single::text, 1e-12)'),
('ecomai.vector_avg(double precision[])',
 $$SELECT hashint8(i) & 31 AS bucket,
          ARRAY(SELECT cos(i + j) FROM generate_series(1, 8) j)::float8[] AS v
   FROM generate_series(1::bigint, 5000) i$$,
 'v', 'pg_temp.close_text(combined::text, single::text, 1e-12)'),
-- baskets: product ids and integer quantities (exact sums), some NULL keys
('ecomai.svec_agg(bigint,double precision)',
 $$SELECT hashint8(i) & 31 AS bucket,
          CASE WHEN i % 97 <> 0 THEN 1000 + (i * 7919) % 300 END AS product_id,
          (1 + i % 5)::float8 AS quantity
   FROM generate_series(1::bigint, 5000) i$$,
 'product_id, quantity', 'combined::text = single::text'),
-- predicted vs actual ratings
('ecomai.rmse(double precision,double precision)',
 $$SELECT hashint8(i) & 31 AS bucket, 3 + 2 * sin(i) AS estimate,
          (1 + i % 5)::float8 AS actual
   FROM generate_series(1::bigint, 5000) i$$,
 'estimate, actual', 'pg_temp.close_text(combined::text, single::text, 1e-12)'),
('ecomai.mae(double precision,double precision)',
 $$SELECT hashint8(i) & 31 AS bucket, 3 + 2 * cos(i) AS estimate,
          CASE WHEN i % 41 <> 0 THEN (1 + i % 5)::float8 END AS actual
   FROM generate_series(1::bigint, 5000) i$$,
 'estimate, actual', 'pg_temp.close_text(combined::text, single::text, 1e-12)'),
-- one candidate's neighbour rows: similarities, quantities, source products (ties in the
-- "because" product across buckets: the smaller id must win whatever the combine order)
('ecomai.cf_score(double precision,double precision,bigint)',
 $$SELECT hashint8(i) & 31 AS bucket, (1 + i % 97) / 97.0::float8 AS similarity,
          CASE WHEN i % 50 <> 0 THEN (1 + i % 3)::float8 END AS value,
          (5000 - i % 211)::bigint AS source
   FROM generate_series(1::bigint, 5000) i$$,
 'similarity, value, source', 'pg_temp.close_text(combined::text, single::text, 1e-12)'),
-- page-to-page transitions of a clickstream (counts: exact)
('ecomai.markov_fit(text,text)',
 $$SELECT hashint8(i) & 31 AS bucket,
          (ARRAY['home','search','category','product','cart','checkout'])[1 + abs(hashint8(i)) % 6] AS from_page,
          (ARRAY['search','category','product','cart','checkout','purchase', NULL])[1 + abs(hashint8(-i)) % 7] AS to_page
   FROM generate_series(1::bigint, 5000) i$$,
 'from_page, to_page', 'combined::text = single::text'),
-- weighted transitions, dyadic weights: exact whatever the order
('ecomai.markov_fit(text,text,double precision)',
 $$SELECT hashint8(i) & 31 AS bucket,
          (ARRAY['home','search','category','product','cart','checkout'])[1 + abs(hashint8(i)) % 6] AS from_page,
          (ARRAY['search','category','product','cart','checkout','purchase'])[1 + abs(hashint8(-i)) % 6] AS to_page,
          (i % 8) * 0.25 AS weight
   FROM generate_series(1::bigint, 5000) i$$,
 'from_page, to_page, weight', 'combined::text = single::text'),
-- the two-level funnel: one chain per session from markov_path, merged (bucket per session)
('ecomai.markov_merge(ecomai.markov_chain)',
 $$SELECT hashint8(s) & 31 AS bucket,
          ecomai.markov_path((ARRAY['home','search','category','product','cart','checkout'])[1 + abs(hashint8(s * 10 + step)) % 6],
                             CASE WHEN s % 3 = 0 THEN 'purchase' ELSE '(exit)' END ORDER BY step) AS session_chain
   FROM generate_series(1::bigint, 1000) s, generate_series(1, 1 + (s % 7)::int) step
   GROUP BY s$$,
 'session_chain', 'combined::text = single::text'),
-- channel paths (the view above)
('ecomai.markov_fit_paths(text,double precision,double precision)',
 'SELECT * FROM channel_paths',
 'path, conversions, nulls', 'combined::text = single::text'),
('ecomai.markov_fit_paths(text,double precision,double precision,integer)',
 'SELECT * FROM channel_paths',
 'path, conversions, nulls, 2', 'combined::text = single::text'),
-- co-occurrence models of per-customer baskets (one bucket per customer, as when lines are
-- distributed by customer): integer weights (exact sums) and text SKUs
('ecomai.cooccurrence(ecomai.svec)',
 $$SELECT hashint8(c) & 31 AS bucket,
          ecomai.svec_agg(1 + abs(hashint8(c * 16 + l)) % 60, (1 + l % 3)::float8) AS basket
   FROM generate_series(1::bigint, 2000) c, generate_series(1, 1 + (c % 6)::int) l
   GROUP BY c$$,
 'basket', 'combined::text = single::text'),
('ecomai.cooccurrence(anyarray)',
 $$SELECT hashint8(c) & 31 AS bucket,
          array_agg('sku-' || (1 + abs(hashint8(c * 16 + l)) % 60)) AS basket
   FROM generate_series(1::bigint, 2000) c, generate_series(1, 1 + (c % 6)::int) l
   GROUP BY c$$,
 'basket', 'combined::text = single::text'),
-- sessions: device, channel, basket size, converted; a structure with fixed states and a prior
-- (the structure is the aggregate's first argument, the values its VARIADIC rest), NULL values
('ecomai.bn_fit(text,text[])',
 $$SELECT hashint8(i) & 31 AS bucket,
          '[device{desktop,mobile,tablet}][channel][big|device][converted|channel:big] pseudo_count=0.5' AS structure,
          (ARRAY['desktop','mobile','tablet'])[1 + abs(hashint8(i)) % 3] AS device,
          CASE WHEN i % 37 <> 0 THEN (ARRAY['organic','paid_search','social','email','direct','affiliate'])[1 + abs(hashint8(i + 1)) % 6] END AS channel,
          (abs(hashint8(i + 2)) % 4 = 0)::text AS big,
          (abs(hashint8(i + 3)) % 5 = 0)::text AS converted
   FROM generate_series(1::bigint, 5000) i$$,
 'structure, device, channel, big, converted', 'combined::text = single::text'),
('ecomai.bn_counts(jsonb)', 'SELECT * FROM bn_json_sessions', 'r',
 'ecomai.bn_learn(combined) OPERATOR(ecomai.=) ecomai.bn_learn(single)'),
('ecomai.bn_learn(jsonb)', 'SELECT * FROM bn_json_sessions', 'r', 'combined::text = single::text'),
('ecomai.bn_learn(jsonb,jsonb)',
 $$SELECT *, '{"algorithm": "tabu", "score": "bdeu", "iss": 5, "params": "bayes"}'::jsonb AS o FROM bn_json_sessions$$,
 'r, o', 'combined::text = single::text'),
('ecomai.bn_fit(text,jsonb)',
 $$SELECT *, '[device][channel][converted|device:channel] pseudo_count=0.5' AS structure FROM bn_json_sessions$$,
 'structure, r', 'combined::text = single::text');

SELECT plan(1 + 2 * (SELECT count(*)::int FROM ext_aggregates));

SELECT is(
    (SELECT array_agg(coalesce(a.agg::text, 'stale entry ' || s.agg) ORDER BY 1)
     FROM ext_aggregates a FULL JOIN samples s ON s.agg = a.agg::text
     WHERE s.agg IS NULL OR a.agg IS NULL),
    NULL, 'every splittable aggregate has a replay sample, and every sample an aggregate');

-- The schema-qualified name of a function, and the options of a temporary aggregate with it as
-- transition function.
-- the bn_fit sessions as jsonb rows with named, typed columns (a number, a boolean, NULLs) for
-- bn_counts, bn_learn and the named bn_fit; the counts' text lists rows in first-seen order, so
-- bn_counts states compare by what is learned from them
CREATE TEMP VIEW bn_json_sessions AS
SELECT hashint8(i) & 31 AS bucket,
       jsonb_build_object('device', (ARRAY['desktop','mobile','tablet'])[1 + abs(hashint8(i)) % 3],
                          'channel', CASE WHEN i % 37 <> 0 THEN (ARRAY['organic','paid_search','social','email'])[1 + abs(hashint8(i + 1)) % 4] END,
                          'items', abs(hashint8(i + 2)) % 4,
                          'converted', abs(hashint8(i + 3)) % 5 = 0) AS r
FROM generate_series(1::bigint, 5000) i;
CREATE FUNCTION pg_temp.qualified(f regproc) RETURNS text LANGUAGE sql AS $$
    SELECT format('%I.%I', n.nspname, p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.oid = f
$$;
CREATE FUNCTION pg_temp.agg_options(sfunc regproc, stype text, initval text) RETURNS text LANGUAGE sql AS $$
    SELECT format('SFUNC = %s, STYPE = %s', pg_temp.qualified(sfunc), stype)
           || CASE WHEN initval IS NULL THEN '' ELSE format(', INITCOND = %L', initval) END
$$;

-- Builds pg_temp.replay_partial_N, replay_combine_N and replay_merge_N from the catalog entry
-- of one aggregate, runs the 32-bucket replay and returns two TAP lines.
CREATE FUNCTION pg_temp.replay(n int, fn regprocedure, sample text, args text, cmp text)
RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    a pg_aggregate;
    stype text;
    rtype text;
    arglist text := pg_get_function_identity_arguments(fn);
    opts text;
    final_call text;
    n_states bigint;
    n_bad bigint;
    combined text;
    single text;
    combined_state_ok boolean;
    ok boolean;
    extra_nulls text;
BEGIN
    IF sample IS NULL THEN
        RETURN NEXT fail(fn::text || ': no replay sample');
        RETURN NEXT fail(fn::text || ': no replay sample');
        RETURN;
    END IF;
    SELECT * INTO a FROM pg_aggregate WHERE aggfnoid = fn;
    stype := format_type(a.aggtranstype, NULL);
    rtype := format_type((SELECT prorettype FROM pg_proc WHERE oid = fn), NULL);

    -- worker side: the transition function alone, returning the state
    EXECUTE format('CREATE AGGREGATE pg_temp.replay_partial_%s(%s) (%s)', n, arglist,
                   pg_temp.agg_options(a.aggtransfn, stype, a.agginitval));

    -- coordinator side: the combine function as transition over shipped states, then the real
    -- final function (called on the result when it takes the aggregate's arguments as extra
    -- NULLs, which a one-argument aggregate over states cannot pass)
    opts := pg_temp.agg_options(a.aggcombinefn, stype, a.agginitval);
    final_call := '%s';
    IF a.aggfinalfn <> 0 AND NOT a.aggfinalextra THEN
        opts := opts || format(', FINALFUNC = %s, FINALFUNC_MODIFY = %s', pg_temp.qualified(a.aggfinalfn),
                               CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END);
    ELSIF a.aggfinalfn <> 0 THEN
        SELECT string_agg(format(', NULL::%s', format_type(t, NULL)), '' ORDER BY o)
        INTO extra_nulls
        FROM pg_proc p, unnest(p.proargtypes) WITH ORDINALITY u(t, o) WHERE p.oid = fn;
        final_call := pg_temp.qualified(a.aggfinalfn) || '(%s' || extra_nulls || ')';
    END IF;
    EXECUTE format('CREATE AGGREGATE pg_temp.replay_combine_%s(%s) (%s)', n, stype, opts);
    -- and the combined state itself, before the final function
    EXECUTE format('CREATE AGGREGATE pg_temp.replay_merge_%s(%s) (%s)', n, stype,
                   pg_temp.agg_options(a.aggcombinefn, stype, a.agginitval));

    -- 32 partial states, shipped as text
    EXECUTE format('CREATE TEMP TABLE replay_states_%s AS
                    SELECT bucket, (pg_temp.replay_partial_%s(%s))::text AS st FROM (%s) s GROUP BY bucket',
                   n, n, args, sample);
    EXECUTE format('SELECT count(*), count(*) FILTER (WHERE st IS NULL OR st::%s::text IS DISTINCT FROM st)
                    FROM replay_states_%s', stype, n)
    INTO n_states, n_bad;
    EXECUTE format('SELECT s::text = s::text::%1$s::text
                    FROM (SELECT pg_temp.replay_merge_%2$s(st::%1$s ORDER BY md5(st)) s FROM replay_states_%2$s) c',
                   stype, n)
    INTO combined_state_ok;
    RETURN NEXT ok(n_states = 32 AND n_bad = 0 AND combined_state_ok,
        format('%s: 32 partial states and their combination round-trip exactly through text', fn));
    IF NOT (n_states = 32 AND n_bad = 0 AND combined_state_ok) THEN
        RETURN NEXT diag(format('states %s, not round-tripping %s, combined state round-trips %s',
                                n_states, n_bad, combined_state_ok));
    END IF;

    -- combine in a shuffled order (the coordinator gets them in arrival order), finalize, compare
    EXECUTE format('SELECT combined::text, single::text, coalesce(%s, false) AND single IS NOT NULL
                    FROM (SELECT (SELECT %s FROM (SELECT pg_temp.replay_combine_%s(st::%s ORDER BY md5(st)) c
                                                  FROM replay_states_%s) cs)::%s AS combined,
                                 (SELECT %s(%s) FROM (%s) s)::%s AS single) x',
                   cmp, format(final_call, 'c'), n, stype, n, rtype,
                   pg_temp.qualified(fn::oid::regproc), args, sample, rtype)
    INTO combined, single, ok;
    RETURN NEXT ok(ok, format('%s: 32 text-shipped partial states combined equal one pass', fn));
    IF NOT ok THEN
        RETURN NEXT diag(format(E'combined: %s\n  single: %s', left(combined, 2000), left(single, 2000)));
    END IF;
END
$f$;

SELECT pg_temp.replay(n::int, agg, sample, args, cmp)
FROM (SELECT row_number() OVER (ORDER BY a.agg::text) AS n, a.agg, s.sample, s.args, s.cmp
      FROM ext_aggregates a LEFT JOIN samples s ON s.agg = a.agg::text) e
ORDER BY n;

SELECT * FROM finish();
ROLLBACK;
