-- Catalog-wide contracts over every object of the extension: scale-out readiness of every
-- aggregate (what Citus needs to split it across shards), security of every function, and
-- dump-readiness of every type.  New objects are covered automatically.
BEGIN;
SELECT plan(11);

CREATE TEMP VIEW ext_functions AS
SELECT p.oid, p.oid::regprocedure AS fn, p.prokind, p.prosecdef, p.proconfig, p.prosrc, l.lanname, p.proparallel
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ecomai'
JOIN pg_language l ON l.oid = p.prolang;

-- Aggregates that cannot be split by design (their input order matters); each is documented
-- with the combinable aggregate that scales instead.
CREATE TEMP TABLE unsplittable(agg text);
INSERT INTO unsplittable VALUES ('markov_path');

CREATE TEMP VIEW ext_aggregates AS
SELECT f.fn, p.proname, a.aggcombinefn, a.aggkind, t.typtype, t.typname AS state_type, p.pronargs, f.proparallel
FROM ext_functions f JOIN pg_aggregate a ON a.aggfnoid = f.oid
JOIN pg_proc p ON p.oid = f.oid JOIN pg_type t ON t.oid = a.aggtranstype;

SELECT cmp_ok((SELECT count(*) FROM ext_aggregates), '>=', 2::bigint, 'the extension has aggregates to check');

SELECT is(array_agg(fn::text ORDER BY fn::text), NULL,
    'every aggregate has a combine function, so Citus and parallel query can split it')
FROM ext_aggregates WHERE aggcombinefn = 0 AND proname NOT IN (SELECT agg FROM unsplittable);

SELECT is(array_agg(fn::text || ': ' || state_type ORDER BY fn::text), NULL,
    'no aggregate has a pseudo-type state such as internal (Citus ships states as text)')
FROM ext_aggregates WHERE typtype = 'p';

SELECT is(array_agg(fn::text ORDER BY fn::text), NULL,
    'every aggregate is an ordinary aggregate with at least one argument, parallel safe')
FROM ext_aggregates
WHERE (aggkind <> 'n' OR pronargs = 0 OR proparallel <> 's') AND proname NOT IN (SELECT agg FROM unsplittable);

SELECT is(array_agg(fn::text ORDER BY fn::text), NULL, 'no function is SECURITY DEFINER')
FROM ext_functions WHERE prosecdef;

SELECT is(array_agg(fn::text ORDER BY fn::text), NULL,
    'every C function names an ecomai_ symbol (modules load with RTLD_GLOBAL)')
FROM ext_functions WHERE lanname = 'c' AND prosrc NOT LIKE 'ecomai\_%';

SELECT is(array_agg(fn::text ORDER BY fn::text), NULL,
    'every SQL or PL/pgSQL function pins search_path')
FROM ext_functions
WHERE lanname IN ('sql', 'plpgsql')
  AND NOT EXISTS (SELECT 1 FROM unnest(proconfig) c WHERE c LIKE 'search_path=%');

SELECT is(array_agg(fn::text ORDER BY fn::text), NULL, 'every function and aggregate has a comment')
FROM ext_functions f
WHERE obj_description(f.oid, 'pg_proc') IS NULL
  -- support functions of aggregates and types are described by the object they serve
  AND NOT EXISTS (SELECT 1 FROM pg_aggregate a
                  WHERE f.oid IN (a.aggtransfn, a.aggcombinefn, a.aggfinalfn, a.aggserialfn, a.aggdeserialfn))
  AND NOT EXISTS (SELECT 1 FROM pg_type t
                  WHERE f.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout, t.typanalyze))
  AND NOT EXISTS (SELECT 1 FROM pg_operator o WHERE o.oprcode = f.oid);

SELECT is(array_agg(t.typname::text ORDER BY t.typname), NULL,
    'every base type has binary send and receive functions (COPY BINARY, pg_dump -Fc)')
FROM pg_type t
JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'ecomai'
WHERE t.typtype = 'b' AND (t.typsend = 0 OR t.typreceive = 0);

-- A transition or combine function called by hand, outside its aggregate, is a usage error
-- (0A000) with a message naming it, not an internal error (XX000) or a crash.
CREATE FUNCTION pg_temp.direct_support_calls(OUT checked int, OUT bad text[]) LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	checked := 0;
	bad := '{}';
	FOR r IN
		SELECT DISTINCT p.oid::regprocedure::text AS fn, p.oid::regproc::text AS name,
		       (SELECT string_agg(CASE WHEN o = p.pronargs AND p.provariadic <> 0 THEN 'VARIADIC ' ELSE '' END
		                   || 'NULL::' || format_type(t, NULL), ', ' ORDER BY o)
		        FROM unnest(p.proargtypes) WITH ORDINALITY u(t, o)) AS args
		FROM ext_aggregates x JOIN pg_aggregate a ON a.aggfnoid = x.fn
		JOIN pg_proc p ON p.oid IN (a.aggtransfn, a.aggcombinefn)
		WHERE NOT p.proisstrict
		ORDER BY 1
	LOOP
		checked := checked + 1;
		BEGIN
			EXECUTE format('SELECT %s(%s)', r.name, r.args);
			bad := bad || (r.fn || ': no error');
		EXCEPTION WHEN OTHERS THEN
			IF SQLSTATE <> '0A000' OR SQLERRM NOT LIKE '%called in non-aggregate context' THEN
				bad := bad || (r.fn || ': ' || SQLSTATE || ' ' || SQLERRM);
			END IF;
		END;
	END LOOP;
END $$;

SELECT cmp_ok((SELECT checked FROM pg_temp.direct_support_calls()), '>=', 10,
    'the non-strict transition and combine functions are checked');
SELECT is((SELECT bad FROM pg_temp.direct_support_calls()), '{}'::text[],
    'every transition and combine function called outside its aggregate raises 0A000');

SELECT * FROM finish();
ROLLBACK;
