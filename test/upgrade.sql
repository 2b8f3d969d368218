-- Upgrades: installing each released version and updating must give exactly the objects
-- of a fresh install of the current version (every function with its properties, argument
-- names and defaults, planner support function and source, aggregates, types, operators,
-- operator classes, casts, comments and privileges).  0.1.0 goes through 0.2.0 to the current
-- version, as a user's ALTER EXTENSION UPDATE does.
BEGIN;
SELECT plan(6);

CREATE FUNCTION pg_temp.ext_signature() RETURNS SETOF text LANGUAGE sql AS $$
SELECT pg_describe_object(d.classid, d.objid, 0) || ' | ' || coalesce(CASE d.classid
    WHEN 'pg_proc'::regclass THEN (
        SELECT concat_ws(' ', p.prokind, p.prorettype::regtype, p.proretset, pg_get_function_arguments(p.oid),
                         p.provolatile, p.proparallel, p.proisstrict, p.prosecdef, p.proleakproof,
                         p.proconfig::text, p.prosrc, p.probin, p.procost, p.prorows, p.prosupport::regproc, p.proacl::text,
                         obj_description(p.oid, 'pg_proc'),
                         (SELECT concat_ws(' ', a.aggkind, a.aggnumdirectargs, a.aggtransfn, a.aggcombinefn,
                                           a.aggfinalfn, a.aggfinalextra, a.aggfinalmodify, a.aggtranstype::regtype,
                                           a.agginitval, a.aggserialfn, a.aggdeserialfn, a.aggmtransfn,
                                           a.aggsortop)
                          FROM pg_aggregate a WHERE a.aggfnoid = p.oid))
        FROM pg_proc p WHERE p.oid = d.objid)
    WHEN 'pg_type'::regclass THEN (
        SELECT concat_ws(' ', t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage, t.typcategory,
                         t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout,
                         t.typanalyze, t.typsubscript, t.typelem::regtype, t.typarray::regtype,
                         t.typacl::text, obj_description(t.oid, 'pg_type'))
        FROM pg_type t WHERE t.oid = d.objid)
    WHEN 'pg_operator'::regclass THEN (
        SELECT concat_ws(' ', o.oprcode, o.oprleft::regtype, o.oprright::regtype, o.oprresult::regtype,
                         o.oprcom::regoper, o.oprnegate::regoper, o.oprrest, o.oprjoin, o.oprcanmerge,
                         o.oprcanhash, obj_description(o.oid, 'pg_operator'))
        FROM pg_operator o WHERE o.oid = d.objid)
    WHEN 'pg_opclass'::regclass THEN (
        SELECT concat_ws(' ', c.opcmethod, c.opcintype::regtype, c.opcdefault,
                         (SELECT string_agg(format('%s %s %s', ao.amopstrategy, ao.amopopr::regoperator, ao.amoppurpose),
                                            ',' ORDER BY ao.amopstrategy, ao.amopopr::regoperator::text)
                          FROM pg_amop ao WHERE ao.amopfamily = c.opcfamily),
                         (SELECT string_agg(format('%s %s', ap.amprocnum, ap.amproc::regprocedure),
                                            ',' ORDER BY ap.amprocnum, ap.amproc::regprocedure::text)
                          FROM pg_amproc ap WHERE ap.amprocfamily = c.opcfamily))
        FROM pg_opclass c WHERE c.oid = d.objid)
    WHEN 'pg_cast'::regclass THEN (
        SELECT concat_ws(' ', c.castfunc::regprocedure, c.castcontext, c.castmethod)
        FROM pg_cast c WHERE c.oid = d.objid)
    END, '')
FROM pg_depend d
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ecomai'
WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass
UNION ALL
SELECT 'schema ecomai | ' || coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'ecomai'
$$;

CREATE TEMP TABLE fresh AS SELECT s FROM pg_temp.ext_signature() s;
SELECT cmp_ok((SELECT count(*) FROM fresh), '>', 100::bigint, 'a fresh install has its objects to compare');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'ecomai'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'ecomai'),
          'the test database has the current version');

-- Each released version, installed as released and updated through the steps.
CREATE FUNCTION pg_temp.upgraded_from(old text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL client_min_messages = warning;
    DROP EXTENSION ecomai CASCADE;
    DROP SCHEMA IF EXISTS ecomai CASCADE;
    EXECUTE format('CREATE EXTENSION ecomai VERSION %L', old);
    ALTER EXTENSION ecomai UPDATE;
    RESET client_min_messages;
    RETURN QUERY SELECT pg_temp.ext_signature() || ' (' || extversion || ')'
                 FROM pg_extension WHERE extname = 'ecomai';
END $$;

SELECT v AS old, s INTO TEMP upgraded
FROM unnest(ARRAY['0.1.0', '0.2.0']) v, LATERAL pg_temp.upgraded_from(v) s;
UPDATE upgraded SET s = left(s, length(s) - length(' (' || (SELECT default_version FROM pg_available_extensions WHERE name = 'ecomai') || ')'))
WHERE s LIKE '%(' || (SELECT default_version FROM pg_available_extensions WHERE name = 'ecomai') || ')';

SELECT is((SELECT array_agg(s ORDER BY s) FROM (SELECT s FROM fresh EXCEPT SELECT s FROM upgraded WHERE old = v) x), NULL,
          format('every object of a fresh install exists, identical, after %s and the upgrade steps', v))
FROM unnest(ARRAY['0.1.0', '0.2.0']) v;
SELECT is((SELECT array_agg(s ORDER BY s) FROM (SELECT s FROM upgraded WHERE old = v EXCEPT SELECT s FROM fresh) x), NULL,
          format('the upgrade from %s reaches the current version and leaves nothing that a fresh install lacks', v))
FROM unnest(ARRAY['0.1.0', '0.2.0']) v;

SELECT * FROM finish();
ROLLBACK;
