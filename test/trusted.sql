-- A trusted install (docs/security.md): when ecomai.control says trusted = true, a role with
-- CREATE on the database but no superuser installs the extension; the script runs as the
-- bootstrap superuser, owns every member object, cannot be captured by objects planted in a
-- pre-existing schema ecomai, and the functions work for the installing role.  Skipped while
-- the control file does not say trusted.
BEGIN;
SELECT plan(12);

\ir lib/helpers.sql

-- Every function the extension's types, operators, operator classes and aggregates use, with
-- whether it is a member of the extension owned by the bootstrap superuser.
CREATE FUNCTION pg_temp.foreign_support() RETURNS SETOF text LANGUAGE sql AS $$
    WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'ecomai'),
    members AS (SELECT objid, classid FROM pg_depend, ext WHERE refobjid = ext.oid AND deptype = 'e'),
    used(fn) AS (
        SELECT unnest(ARRAY[a.aggtransfn, a.aggcombinefn, a.aggfinalfn]) FROM pg_aggregate a
        WHERE a.aggfnoid IN (SELECT objid FROM members WHERE classid = 'pg_proc'::regclass)
        UNION ALL
        SELECT unnest(ARRAY[t.typinput, t.typoutput, t.typreceive, t.typsend]) FROM pg_type t
        WHERE t.oid IN (SELECT objid FROM members WHERE classid = 'pg_type'::regclass)
        UNION ALL
        SELECT o.oprcode FROM pg_operator o
        WHERE o.oid IN (SELECT objid FROM members WHERE classid = 'pg_operator'::regclass)
        UNION ALL
        SELECT p.amproc FROM pg_amproc p JOIN pg_opclass c ON c.opcfamily = p.amprocfamily
        WHERE c.oid IN (SELECT objid FROM members WHERE classid = 'pg_opclass'::regclass)),
    support AS (
        SELECT DISTINCT u.fn, p.proowner FROM used u JOIN pg_proc p ON p.oid = u.fn
        WHERE u.fn <> 0 AND p.pronamespace <> 'pg_catalog'::regnamespace)
    SELECT 'only ' || count(*) || ' support functions found' FROM support HAVING count(*) < 20
    UNION ALL
    SELECT 'support function ' || fn::regprocedure::text FROM support
    WHERE proowner <> 10 OR fn NOT IN (SELECT objid FROM members WHERE classid = 'pg_proc'::regclass)
    UNION ALL
    -- no member function takes or returns a type from outside pg_catalog and the extension
    SELECT DISTINCT 'type ' || format_type(t.oid, NULL)
    FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    CROSS JOIN LATERAL unnest(p.proargtypes::oid[] || p.prorettype) u(typ)
    JOIN pg_type t ON t.oid = u.typ
    WHERE t.typnamespace <> 'pg_catalog'::regnamespace
      AND coalesce(nullif(t.typelem, 0), t.oid) NOT IN (SELECT objid FROM members WHERE classid = 'pg_type'::regclass)
$$;

CREATE FUNCTION pg_temp.trusted_install() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    work text := $q$SELECT concat_ws(' | ',
        ecomai.cosine_similarity('{1:4,2:3,3:5}'::ecomai.svec, '{1:5,2:4,3:3}'::ecomai.svec),
        (SELECT ecomai.svec_agg(k, v) FROM (VALUES (1, 2.0), (7, 3.0), (1, 1.0)) t(k, v)),
        (SELECT ecomai.markov_probability(ecomai.markov_fit(a, b), 'home', 'cart')
           FROM (VALUES ('home', 'cart'), ('home', 'search'), ('search', 'cart')) t(a, b)),
        (SELECT ecomai.bn_probability(ecomai.bn_fit('[d][c|d]', d, c), '{"c": "y"}')
           FROM (VALUES ('m', 'y'), ('m', 'n'), ('t', 'y')) t(d, c)),
        (SELECT string_agg(concat_ws(',', item, neighbor, round(similarity::numeric, 6)), ';' ORDER BY item, neighbor)
           FROM ecomai.item_neighbors('public.trusted_orders', 'customer_id', 'product_id')))$q$;
    expected text;
    db text := quote_ident(current_database());
BEGIN
    IF NOT coalesce((SELECT trusted FROM pg_available_extension_versions v JOIN pg_available_extensions a USING (name)
                     WHERE v.name = 'ecomai' AND v.version = a.default_version), false) THEN
        RETURN NEXT skip('ecomai.control does not say trusted = true (see docs/security.md)', 12);
        RETURN;
    END IF;

    CREATE TABLE public.trusted_orders(customer_id bigint, product_id bigint);
    INSERT INTO public.trusted_orders VALUES (1, 10), (1, 11), (2, 10), (2, 11), (2, 12), (3, 12);
    expected := pg_temp.as_role(current_user, work);

    CREATE ROLE trusted_nobody;
    CREATE ROLE trusted_owner;
    CREATE ROLE trusted_planter;
    EXECUTE format('GRANT CREATE ON DATABASE %s TO trusted_owner, trusted_planter', db);
    GRANT SELECT ON public.trusted_orders TO trusted_owner;
    DROP EXTENSION ecomai;
    DROP SCHEMA ecomai;

    RETURN NEXT is(pg_temp.as_role('trusted_nobody', 'CREATE EXTENSION ecomai'),
                   '42501: permission denied for database ' || current_database(),
                   'a role without CREATE on the database cannot install it');

    -- A user with CREATE on the database pre-creates the schema and plants near-matches of
    -- names the script uses: the install refuses a schema holding objects that are not its own.
    RETURN NEXT is(pg_temp.as_role('trusted_planter', $q$
        DO $plant$ BEGIN
            CREATE SCHEMA ecomai;
            CREATE FUNCTION ecomai.vector_accum(float8[], numeric[]) RETURNS float8[] LANGUAGE sql AS 'SELECT $1';
            CREATE FUNCTION ecomai.vector_combine(numeric[], numeric[]) RETURNS float8[] LANGUAGE sql AS 'SELECT NULL::float8[]';
            CREATE FUNCTION ecomai.eqsel(text) RETURNS float8 LANGUAGE sql AS 'SELECT 0::float8';
            CREATE FUNCTION ecomai.cosine_distance(text, text) RETURNS float8 LANGUAGE sql AS 'SELECT 0::float8';
            CREATE TYPE ecomai.float8 AS (x int);
            CREATE TYPE ecomai.text AS (x int);
        END $plant$$q$), 'ok', 'a role with CREATE on the database pre-creates schema ecomai with planted objects');
    RETURN NEXT is(pg_temp.as_role('trusted_owner', 'CREATE EXTENSION ecomai'),
                   '42501: schema "ecomai" holds objects that are not part of extension ecomai',
                   'a non-superuser''s install into it is refused');
    -- Emptied, but open to everyone: refused too.
    PERFORM pg_temp.as_role('trusted_planter', $q$
        DO $clear$ BEGIN
            DROP FUNCTION ecomai.vector_accum(float8[], numeric[]), ecomai.vector_combine(numeric[], numeric[]),
                          ecomai.eqsel(text), ecomai.cosine_distance(text, text);
            DROP TYPE ecomai.float8, ecomai.text;
            GRANT CREATE ON SCHEMA ecomai TO PUBLIC;
        END $clear$$q$);
    RETURN NEXT is(pg_temp.as_role('trusted_owner', 'CREATE EXTENSION ecomai'),
                   '42501: schema "ecomai" grants privileges beyond USAGE',
                   'an install into a schema where others may create objects is refused');
    -- Empty and private: the install takes it over.
    PERFORM pg_temp.as_role('trusted_planter', 'REVOKE CREATE ON SCHEMA ecomai FROM PUBLIC');
    RETURN NEXT is(pg_temp.as_role('trusted_owner', 'CREATE EXTENSION ecomai'), 'ok',
                   'a non-superuser installs ecomai into an empty pre-created schema');
    RETURN NEXT is(pg_temp.as_role('trusted_planter', $q$CREATE FUNCTION ecomai.eqsel(text) RETURNS float8 LANGUAGE sql AS 'SELECT 0::float8'$q$),
                   '42501: permission denied for schema ecomai',
                   '... which then belongs to the superuser: its creator can no longer plant objects');
    RETURN NEXT is((SELECT array_agg(f ORDER BY f) FROM pg_temp.foreign_support() f), NULL,
                   'every type, operator, operator class and aggregate of the extension uses member functions');
    RETURN NEXT is(pg_temp.as_role('trusted_owner', work),
                   CASE WHEN expected ~ '^[0-9A-Z]{5}: ' THEN 'results, not ' || expected ELSE expected END,
                   '... and the functions give the superuser''s results');
    RETURN NEXT diag('results: ' || expected);
    RETURN NEXT is(pg_temp.as_role('trusted_owner', 'DROP EXTENSION ecomai'), 'ok', 'the installing role may drop it');
    SET LOCAL client_min_messages = warning;
    DROP SCHEMA ecomai CASCADE;
    RESET client_min_messages;

    -- The ordinary case: the schema is created by CREATE EXTENSION, owned by the installer.
    RETURN NEXT is(pg_temp.as_role('trusted_owner', 'CREATE EXTENSION ecomai'), 'ok',
                   'a non-superuser with CREATE on the database installs ecomai');
    RETURN NEXT is(
        (SELECT array_agg(DISTINCT (p.proowner::regrole)::text) FROM pg_proc p WHERE p.pronamespace = 'ecomai'::regnamespace)
          || (SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'ecomai'),
        ARRAY[(SELECT 10::regrole::text), 'trusted_owner'],
        'member functions belong to the bootstrap superuser, the extension to the installing role');
    RETURN NEXT is(pg_temp.as_role('trusted_owner',
                       $q$CREATE OR REPLACE FUNCTION ecomai.markov_to_dot(m ecomai.markov_chain, threshold float8 DEFAULT 0)
                          RETURNS text LANGUAGE sql AS 'SELECT ''hijacked'''$q$),
                   '42501: permission denied for schema ecomai',
                   'the installing role cannot replace a member function');
END $f$;

SELECT * FROM pg_temp.trusted_install();

SELECT * FROM finish();
ROLLBACK;
