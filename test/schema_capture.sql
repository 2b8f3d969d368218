-- The capture of superusers' calls (docs/security.md): after a trusted install by a database
-- owner, that role must not be able to add or replace objects in schema ecomai.  The attack as
-- reported: the installing role creates overloads that win over the real functions even in
-- schema-qualified calls (a text evidence for bn_query, a text relation for item_neighbors, int[]
-- vectors for cosine_similarity, an integer key for svec_agg), each of which would make its
-- caller grant it SUPERUSER; a superuser then runs the README's own calls.  Also: an existing
-- 0.2.0 install where such overloads were planted refuses the update until a superuser removes
-- them.  Skipped while the control file does not say trusted.
BEGIN;
SELECT plan(20);

\ir lib/helpers.sql

-- The four planted overloads of the report; each, if ever called, makes capture_owner superuser.
CREATE TEMP TABLE plants(name text, ddl text);
INSERT INTO plants VALUES
('bn_query', $q$CREATE FUNCTION ecomai.bn_query(bn ecomai.bayesnet, target text, evidence text)
    RETURNS TABLE(value text, probability float8) LANGUAGE plpgsql AS
    $b$BEGIN EXECUTE 'ALTER ROLE capture_owner SUPERUSER'; END$b$$q$),
('item_neighbors', $q$CREATE FUNCTION ecomai.item_neighbors(source text, user_col name, item_col name)
    RETURNS TABLE(item bigint, neighbor bigint, similarity float8, support int) LANGUAGE plpgsql AS
    $b$BEGIN EXECUTE 'ALTER ROLE capture_owner SUPERUSER'; END$b$$q$),
('cosine_similarity', $q$CREATE FUNCTION ecomai.cosine_similarity(a int[], b int[])
    RETURNS float8 LANGUAGE plpgsql AS
    $b$BEGIN EXECUTE 'ALTER ROLE capture_owner SUPERUSER'; RETURN 1; END$b$$q$),
('svec_agg', $q$CREATE FUNCTION ecomai.capture_step(s ecomai.svec, k int, v float8)
    RETURNS ecomai.svec LANGUAGE plpgsql AS
    $b$BEGIN EXECUTE 'ALTER ROLE capture_owner SUPERUSER'; RETURN s; END$b$;
  CREATE AGGREGATE ecomai.svec_agg(int, float8) (SFUNC = ecomai.capture_step, STYPE = ecomai.svec)$q$);

CREATE TABLE public.capture_orders(customer_id bigint, product_id bigint);
INSERT INTO public.capture_orders VALUES (1, 10), (1, 11), (2, 10), (2, 11), (2, 12), (3, 12);

-- The README's calls, as a superuser would run them, in one string.
CREATE FUNCTION pg_temp.superuser_calls() RETURNS text LANGUAGE sql AS $$
SELECT concat_ws(' | ',
    (SELECT string_agg(q.value || '=' || round(q.probability::numeric, 4), ',' ORDER BY q.value)
       FROM (SELECT ecomai.bn_fit('[device][purchase|device]', d, p) AS bn
               FROM (VALUES ('mobile', 'yes'), ('mobile', 'no'), ('desktop', 'yes')) r(d, p)) m,
            ecomai.bn_query(m.bn, 'purchase', '{"device":"mobile"}') q),
    (SELECT count(*) FROM ecomai.item_neighbors('capture_orders', 'customer_id', 'product_id')),
    ecomai.cosine_similarity('{1,2,3}'::float8[], '{1,2,4}'::float8[]),
    (SELECT ecomai.svec_agg(k, v)::text FROM (VALUES (1, 1.0), (2, 2.0)) t(k, v)))
$$;

CREATE FUNCTION pg_temp.capture() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    db text := quote_ident(current_database());
    honest text;
    plant record;
BEGIN
    IF NOT coalesce((SELECT trusted FROM pg_available_extension_versions v JOIN pg_available_extensions a USING (name)
                     WHERE v.name = 'ecomai' AND v.version = a.default_version), false) THEN
        RETURN NEXT skip('ecomai.control does not say trusted = true (see docs/security.md)', 20);
        RETURN;
    END IF;

    honest := pg_temp.superuser_calls();

    CREATE ROLE capture_owner;
    EXECUTE format('GRANT CREATE ON DATABASE %s TO capture_owner', db);
    SET LOCAL client_min_messages = warning;
    DROP EXTENSION ecomai;
    DROP SCHEMA ecomai;
    RESET client_min_messages;

    RETURN NEXT is(pg_temp.as_role('capture_owner', 'CREATE EXTENSION ecomai'), 'ok',
                   'a database owner without superuser installs ecomai (trusted)');
    RETURN NEXT is((SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'ecomai'),
                   (SELECT 10::regrole::text), 'schema ecomai belongs to the bootstrap superuser, not the installing role');
    RETURN NEXT is((SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'ecomai'),
                   'capture_owner', 'the extension itself belongs to the installing role');

    FOR plant IN SELECT * FROM plants ORDER BY name LOOP
        RETURN NEXT is(pg_temp.as_role('capture_owner', plant.ddl), '42501: permission denied for schema ecomai',
                       format('the installing role cannot plant an overload of %s', plant.name));
    END LOOP;
    SET LOCAL client_min_messages = error;
    PERFORM pg_temp.as_role('capture_owner', 'GRANT CREATE ON SCHEMA ecomai TO capture_owner');
    RESET client_min_messages;
    RETURN NEXT is(has_schema_privilege('capture_owner', 'ecomai', 'CREATE'), false,
                   'nor grant itself CREATE on the schema');
    RETURN NEXT is(pg_temp.as_role('capture_owner', 'ALTER SCHEMA ecomai OWNER TO capture_owner'),
                   '42501: must be owner of schema ecomai', 'nor take the schema over');
    RETURN NEXT is(pg_temp.as_role('capture_owner', 'ALTER SCHEMA ecomai RENAME TO ecomai_old'),
                   '42501: must be owner of schema ecomai', 'nor rename it to put its own ecomai in place');

    RETURN NEXT is(pg_temp.superuser_calls(), honest, 'the superuser''s calls give the real results');
    RETURN NEXT is((SELECT rolsuper FROM pg_roles WHERE rolname = 'capture_owner'), false,
                   '... and the installing role did not become superuser');
    RETURN NEXT is(pg_temp.as_role('capture_owner', 'DROP EXTENSION ecomai'), 'ok',
                   'the installing role may still drop the extension');
    RETURN NEXT is(pg_temp.as_role('capture_owner', 'CREATE EXTENSION ecomai'), 'ok',
                   '... and install it again into the schema left behind');

    -- An install of 0.2.0 made by the role, with every overload planted, then updated.
    SET LOCAL client_min_messages = warning;
    DROP EXTENSION ecomai;
    DROP SCHEMA ecomai;
    RESET client_min_messages;
    PERFORM pg_temp.as_role('capture_owner', $q$CREATE EXTENSION ecomai VERSION '0.2.0'$q$);
    FOR plant IN SELECT * FROM plants ORDER BY name LOOP
        RETURN NEXT is(pg_temp.as_role('capture_owner', plant.ddl), 'ok',
                       format('in a 0.2.0 install the installing role could plant an overload of %s', plant.name));
    END LOOP;
    RETURN NEXT is(pg_temp.as_role('capture_owner', 'ALTER EXTENSION ecomai UPDATE'),
                   '42501: schema "ecomai" holds objects that are not part of extension ecomai',
                   'the update of a 0.2.0 install with planted overloads is refused');
    RETURN NEXT is((SELECT extversion FROM pg_extension WHERE extname = 'ecomai'), '0.2.0',
                   '... and leaves it at 0.2.0');
END $f$;

SELECT * FROM pg_temp.capture();

SELECT * FROM finish();
ROLLBACK;
