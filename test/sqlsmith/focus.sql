-- Focus for tools/sqlsmith.sh: views named pg_proc and pg_type in schema sqlsmith_focus, put
-- before pg_catalog on the search_path of sqlsmith's connection.  sqlsmith loads its routines and
-- aggregates with an unqualified "FROM pg_proc", so it then sees
--   * every ecomai function and aggregate; set-returning ones (markov_next, bn_query,
--     item_neighbors ...) are shown with proretset = false, because sqlsmith skips set-returning
--     functions, and in a select list PostgreSQL runs them all the same;
--   * the pg_catalog functions and aggregates that return a type some ecomai function takes
--     (the producers of its arguments: text, float8, bigint, arrays, jsonb, name, regclass),
--     with at most two arguments and no pseudo-type argument, minus pg_sleep; bool and int4 come from sqlsmith's own
--     constants, and textout (text -> cstring) feeds the type input functions.
-- Out of the ~3,000 catalog functions a plain run picks from, ecomai's ~130 are otherwise a 4 %
-- chance per call.  The queries themselves name every function with its schema, so the view
-- changes nothing but sqlsmith's choices; the plain mode (tools/sqlsmith.sh N SEED catalog)
-- runs without it.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS sqlsmith_focus CASCADE;
CREATE SCHEMA sqlsmith_focus;
RESET client_min_messages;
DO $$
DECLARE
    cols text;
BEGIN
    SELECT string_agg(CASE WHEN attname = 'proretset' THEN 'CASE WHEN n.nspname = ''ecomai'' THEN false ELSE p.proretset END AS proretset'
                           ELSE 'p.' || quote_ident(attname) END, ', ' ORDER BY attnum)
    INTO cols
    FROM pg_attribute WHERE attrelid = 'pg_catalog.pg_proc'::regclass AND attnum > 0 AND NOT attisdropped;
    EXECUTE format($v$
        CREATE VIEW sqlsmith_focus.pg_proc AS
        WITH ecomai_types AS (
            SELECT DISTINCT t FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace,
                   unnest(p.proargtypes::oid[] || p.prorettype) t
            WHERE n.nspname = 'ecomai'
        )
        SELECT %s
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'ecomai'
           OR (n.nspname = 'pg_catalog' AND p.prorettype IN (SELECT t FROM ecomai_types)
               AND p.prorettype NOT IN ('bool'::regtype, 'int4'::regtype, 'cstring'::regtype,
                                        'bytea'::regtype, 'record'::regtype, 'internal'::regtype)
               AND p.pronargs <= 2 AND p.proname !~ '^pg_sleep|^pg_current_logfile'
               AND NOT EXISTS (SELECT FROM unnest(p.proargtypes::oid[]) a JOIN pg_catalog.pg_type t ON t.oid = a
                               WHERE t.typtype = 'p'))
           OR p.oid = 'pg_catalog.textout'::regproc$v$, cols);
END
$$;

-- sqlsmith also loads its types with an unqualified "FROM pg_type".  The operators over the
-- polymorphic pseudo-types (which it reads from pg_catalog.pg_operator, qualified) make it write
-- comparisons such as "cast(null as anymultirange) = ..." that PostgreSQL rejects (42804, 42846)
-- before running anything: 60 % of the queries of a first run.  Hiding those types crashes
-- sqlsmith (the operators then point to no type), so the view renames them to concrete types
-- instead: the ranges to int8range/int8multirange, anyenum to an enum of page types.
CREATE TYPE sqlsmith_focus.page_kind AS ENUM ('home', 'search', 'category', 'product', 'cart', 'checkout', 'purchase');
DO $$
DECLARE
    cols text;
BEGIN
    SELECT string_agg(CASE WHEN attname = 'typname' THEN $c$CASE t.typname
                WHEN 'anyrange' THEN 'int8range' WHEN 'anycompatiblerange' THEN 'int8range'
                WHEN 'anymultirange' THEN 'int8multirange' WHEN 'anycompatiblemultirange' THEN 'int8multirange'
                WHEN 'anyenum' THEN 'page_kind'
                ELSE t.typname END::name AS typname$c$
                           ELSE 't.' || quote_ident(attname) END, ', ' ORDER BY attnum)
    INTO cols
    FROM pg_attribute WHERE attrelid = 'pg_catalog.pg_type'::regclass AND attnum > 0 AND NOT attisdropped;
    EXECUTE format('CREATE VIEW sqlsmith_focus.pg_type AS SELECT %s FROM pg_catalog.pg_type t', cols);
END
$$;
GRANT USAGE ON SCHEMA sqlsmith_focus TO PUBLIC;
GRANT SELECT ON sqlsmith_focus.pg_proc, sqlsmith_focus.pg_type TO PUBLIC;
SELECT count(*) FILTER (WHERE pronamespace = 'ecomai'::regnamespace) AS ecomai_routines,
       count(*) FILTER (WHERE pronamespace = 'pg_catalog'::regnamespace) AS catalog_routines,
       (SELECT count(*) FROM pg_catalog.pg_proc) AS all_routines
FROM sqlsmith_focus.pg_proc;
