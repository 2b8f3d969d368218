-- Privileges for every function that reads a table (every function with a regclass argument,
-- found in the catalog): as a low-privilege role, a table it cannot SELECT is refused with 42501,
-- row-level security filters exactly as filtering the table by hand would, and objects that
-- shadow built-ins in a schema earlier on the caller's search_path do not change the results.
-- SECURITY INVOKER and pinned search_path of every wrapper are checked in test/catalog.sql.
BEGIN;
SET LOCAL client_min_messages = warning;

CREATE TEMP VIEW table_functions AS
SELECT p.oid::regprocedure AS fn,
       (SELECT count(*) FROM unnest(p.proargtypes) t WHERE t = 'regclass'::regtype)::int AS n_tables
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ecomai'
WHERE 'regclass'::regtype = ANY (p.proargtypes);

-- Each table function: the kind of table for each regclass argument, in order (%1$L, %2$L in the
-- query), and a query over its result.
CREATE TEMP TABLE calls(fn text PRIMARY KEY, kinds text[], query text);
INSERT INTO calls VALUES
('ecomai.baselines(regclass,name,name,name,double precision,double precision,integer)', '{ratings}',
 $$SELECT * FROM ecomai.baselines(%1$L, 'user_id', 'item_id', 'rating')$$),
('ecomai.item_neighbors(regclass,name,name,name,integer,text,text,integer,double precision)', '{ratings}',
 $$SELECT * FROM ecomai.item_neighbors(%1$L, 'user_id', 'item_id', 'rating', 5, 'pearson', min_support => 2)$$),
('ecomai.user_neighbors(regclass,name,name,name,integer,text,text,integer,double precision)', '{ratings}',
 $$SELECT * FROM ecomai.user_neighbors(%1$L, 'user_id', 'item_id', NULL, 5)$$),
('ecomai.knn_predict(regclass,regclass,name,name,name,text,integer,integer,text,text,double precision,text,boolean,integer,boolean,name,boolean)',
 '{ratings,pairs}',
 $$SELECT * FROM ecomai.knn_predict(%1$L, %2$L, 'user_id', 'item_id', 'rating', 'item', k => 5, centering => 'baseline')$$),
('ecomai.mf_fit(regclass,name,name,name,text,integer,double precision,double precision,integer,integer,text,regclass)',
 '{ratings,pairs}',
 $$SELECT ecomai.mf_fit(%1$L, 'user_id', 'item_id', 'rating', kind => 'explicit', factors => 3, iterations => 2,
                        solver => 'cholesky', validation => %2$L)::text$$),
('ecomai.recommend(regclass,regclass,bigint,name,name,name,integer)', '{ratings,neighbors}',
 $$SELECT u, r.* FROM generate_series(1, 12) u, ecomai.recommend(%1$L, %2$L, u, 'user_id', 'item_id', 'rating', k => 5) r$$),
-- the deprecated 0.2 spelling (a wrapper over the one above; its notice is not what is tested here)
('ecomai.recommend(regclass,regclass,bigint,integer,name,name,name)', '{ratings,neighbors}',
 $$SELECT u, r.* FROM generate_series(1, 12) u, ecomai.recommend(%1$L, %2$L, u, 5, 'user_id', 'item_id', 'rating') r$$),
('ecomai.recommend_from_history(regclass,anyarray,bigint,"any","any","any",name,name,name)', '{neighbors}',
 $$SELECT u, r.* FROM generate_series(1, 12) u, ecomai.recommend_from_history(%1$L, ARRAY[u, u + 1]::bigint[], 5) r$$),
('ecomai.evaluate_recommendations(regclass,regclass,integer,name,name,name,bigint)', '{pairs,ratings}',
 $$SELECT * FROM ecomai.evaluate_recommendations(%1$L, %2$L, 5, 'user_id', 'item_id', 'rating')$$),
('ecomai.split_interactions(regclass,name,name,anyelement,anycompatible,text,double precision,integer,name,name)', '{ratings}',
 $$SELECT * FROM ecomai.split_interactions(%1$L, 'user_id', 'item_id', NULL::bigint, NULL::bigint, 'random', 0.3, 7)
   UNION ALL
   SELECT * FROM ecomai.split_interactions(%1$L, 'user_id', 'item_id', NULL::bigint, NULL::bigint, 'time', 0.3, time_col => 'ts')$$),
('ecomai.train_test_split(regclass,name,name,double precision,integer,name)', '{ratings}',
 $$SELECT 'hash' AS how, * FROM ecomai.train_test_split(%1$L, 'user_id', 'item_id', 0.3, 7)
   UNION ALL
   SELECT 'time', * FROM ecomai.train_test_split(%1$L, 'user_id', 'item_id', 0.3, time_col => 'ts')$$);

SELECT plan(3 + (SELECT count(*)::int FROM table_functions) + 3 * (SELECT sum(n_tables)::int FROM table_functions));

SELECT is(
    (SELECT array_agg(coalesce(f.fn::text, 'stale entry ' || c.fn) ORDER BY 1)
     FROM table_functions f FULL JOIN calls c ON c.fn = f.fn::text
     WHERE c.fn IS NULL OR f.fn IS NULL OR cardinality(c.kinds) <> f.n_tables),
    NULL, 'every function with a regclass argument has a call here, with a table for each such argument');

-- Each kind of table in four variants: _all (readable), _rls (readable, a policy hides rows),
-- _cut (readable, the same rows removed by hand), _secret (not readable).
CREATE ROLE priv_low;
CREATE TABLE priv_ratings_all AS
SELECT u::bigint AS user_id, i::bigint AS item_id, (1 + abs(hashint8(u * 100 + i)) % 5)::float8 AS rating,
       timestamptz '2024-01-01 00:00+00' + (abs(hashint8(u * 7 + i)) % 1000) * interval '1 hour' AS ts
FROM generate_series(1, 40) u, generate_series(1, 30) i WHERE abs(hashint8(u * 1000 + i)) % 5 < 2
ORDER BY u, i;
CREATE TABLE priv_pairs_all AS
SELECT u::bigint AS user_id, i::bigint AS item_id, (1 + abs(hashint8(u * 100 + i)) % 5)::float8 AS rating
FROM generate_series(1, 40) u, generate_series(1, 30) i WHERE abs(hashint8(u * 1000 + i)) % 5 = 2
ORDER BY u, i;
CREATE TABLE priv_neighbors_all AS
SELECT item, neighbor, similarity FROM ecomai.item_neighbors('priv_ratings_all', 'user_id', 'item_id', 'rating', 10)
ORDER BY item, neighbor;

CREATE FUNCTION pg_temp.variants(kind text, hidden text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE priv_%1$s_rls AS SELECT * FROM priv_%1$s_all', kind);
    EXECUTE format('CREATE TABLE priv_%1$s_cut AS SELECT * FROM priv_%1$s_all WHERE NOT (%2$s)', kind, hidden);
    EXECUTE format('CREATE TABLE priv_%1$s_secret AS SELECT * FROM priv_%1$s_all', kind);
    EXECUTE format('ALTER TABLE priv_%1$s_rls ENABLE ROW LEVEL SECURITY', kind);
    EXECUTE format('CREATE POLICY hide ON priv_%1$s_rls FOR SELECT USING (NOT (%2$s))', kind, hidden);
    EXECUTE format('GRANT SELECT ON priv_%1$s_all, priv_%1$s_rls, priv_%1$s_cut TO priv_low', kind);
END $$;
SELECT pg_temp.variants('ratings', 'item_id % 4 = 0');
SELECT pg_temp.variants('pairs', 'user_id % 3 = 0');
SELECT pg_temp.variants('neighbors', 'neighbor % 3 = 0');

-- Shadows of built-ins the functions' queries could resolve by name: comparison operators,
-- round(), sum(float8).  A caller may have such a schema first on its path (pg_catalog
-- listed after it), e.g. one owned by another user.
CREATE SCHEMA priv_evil;
GRANT USAGE ON SCHEMA priv_evil TO PUBLIC;
CREATE FUNCTION priv_evil.yes(float8, float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE FUNCTION priv_evil.yes(bigint, bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE FUNCTION priv_evil.yes(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR priv_evil.< (LEFTARG = float8, RIGHTARG = float8, FUNCTION = priv_evil.yes);
CREATE OPERATOR priv_evil.> (LEFTARG = float8, RIGHTARG = float8, FUNCTION = priv_evil.yes);
CREATE OPERATOR priv_evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = priv_evil.yes);
CREATE OPERATOR priv_evil.<> (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = priv_evil.yes);
CREATE OPERATOR priv_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = priv_evil.yes);
CREATE FUNCTION priv_evil.round(float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT 0::float8';
CREATE FUNCTION priv_evil.sqrt(float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT 1::float8';
CREATE FUNCTION priv_evil.abs(float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT 0::float8';
CREATE AGGREGATE priv_evil.sum(float8) (SFUNC = float8pl, STYPE = float8, INITCOND = '1000');
CREATE AGGREGATE priv_evil.avg(float8) (SFUNC = float8pl, STYPE = float8, INITCOND = '1000');

-- Runs a query as priv_low (with a search_path when given) and returns its rows as sorted
-- text, or its SQLSTATE and message.
CREATE FUNCTION pg_temp.as_low(query text, path text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
    old_path text := current_setting('search_path');
BEGIN
    SET LOCAL ROLE priv_low;
    IF path IS NOT NULL THEN
        PERFORM set_config('search_path', path, true);
    END IF;
    BEGIN
        EXECUTE format('SELECT array_agg(q::text ORDER BY q::text)::text FROM (%s) q', query) INTO result;
    EXCEPTION WHEN OTHERS THEN
        result := SQLSTATE || ': ' || SQLERRM;
    END;
    RESET ROLE;
    PERFORM set_config('search_path', old_path, true);
    RETURN result;
END $$;

SELECT is(pg_temp.as_low('SELECT count(*) FROM priv_ratings_rls') || ' of ' || pg_temp.as_low('SELECT count(*) FROM priv_ratings_all'),
          pg_temp.as_low('SELECT count(*) FROM priv_ratings_cut') || ' of ' || (SELECT '{(' || count(*) || ')}' FROM priv_ratings_all),
          'the policy hides rows from priv_low (the hand-filtered count, of all rows)');
SELECT is(pg_temp.as_low($q$SELECT 2::float8 < 1::float8, 1::bigint = 2::bigint, sum(x), round(0.7::float8)
                           FROM (VALUES (1::float8)) t(x)$q$, 'priv_evil, pg_catalog, public'),
          '{"(t,t,1001,0)"}', 'the shadows take over an unprotected query on that path');

-- The query of one call with the variant of each table: all tables in variant base, except the
-- one at position pos in variant alt.
CREATE FUNCTION pg_temp.call(c calls, base text, pos int DEFAULT 0, alt text DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
    SELECT format(c.query, VARIADIC ARRAY(
        SELECT format('public.priv_%s_%s', k, CASE WHEN o = pos THEN alt ELSE base END)
        FROM unnest(c.kinds) WITH ORDINALITY u(k, o) ORDER BY o))
$$;

CREATE FUNCTION pg_temp.check_call(c calls) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    pos int;
    on_rls text;
    on_cut text;
    on_all text;
BEGIN
    FOR pos IN 1 .. cardinality(c.kinds) LOOP
        RETURN NEXT is(pg_temp.as_low(pg_temp.call(c, 'all', pos, 'secret')),
                       format('42501: permission denied for table priv_%s_secret', c.kinds[pos]),
                       format('%s without SELECT on its %s table: 42501', c.fn, c.kinds[pos]));
        on_rls := pg_temp.as_low(pg_temp.call(c, 'all', pos, 'rls'));
        on_cut := pg_temp.as_low(pg_temp.call(c, 'all', pos, 'cut'));
        on_all := pg_temp.as_low(pg_temp.call(c, 'all'));
        RETURN NEXT is(on_rls, CASE WHEN on_cut LIKE '{%' THEN on_cut ELSE 'rows, not ' || coalesce(on_cut, 'none') END,
                       format('%s: a policy on its %s table gives the result of filtering by hand', c.fn, c.kinds[pos]));
        RETURN NEXT ok(on_rls IS DISTINCT FROM on_all AND on_all LIKE '{%',
                       format('%s: ... and the policy changes the result', c.fn));
    END LOOP;
    on_all := pg_temp.as_low(pg_temp.call(c, 'all'));
    RETURN NEXT is(pg_temp.as_low(pg_temp.call(c, 'all'), 'priv_evil, pg_catalog, public'),
                   CASE WHEN on_all LIKE '{%' THEN on_all ELSE 'rows, not ' || coalesce(on_all, 'none') END,
                   format('%s: shadowed built-ins on the caller''s search_path change nothing', c.fn));
END $$;

SELECT pg_temp.check_call(c) FROM calls c ORDER BY c.fn;

SELECT * FROM finish();
ROLLBACK;
