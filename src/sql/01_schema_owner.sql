-- since 1.0.0
-- The schema ecomai belongs to a superuser, never to the installing role (docs/security.md).
-- After a trusted install by a database owner, PostgreSQL leaves the schema that CREATE EXTENSION
-- made owned by that role, who could then add overloads that win over the extension's own
-- functions even in schema-qualified calls, and so run code as any superuser calling them.  The
-- script runs as a superuser (the bootstrap superuser in a trusted install), so it takes the
-- schema over; and it refuses a schema that already holds objects which are not the extension's,
-- or grants anything beyond USAGE to anyone but its owner: those are how a capture is planted.
-- Runs on install and in the update from 0.2.0 (an existing install is checked the same way).
DO $owner$
DECLARE
    schema_oid pg_catalog.oid := pg_catalog.to_regnamespace('@extschema@')::pg_catalog.oid;
    ext_oid pg_catalog.oid := (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'ecomai');
    strangers text;
    grants text;
BEGIN
    -- every object that depends on the schema and is neither a member of the extension nor
    -- part of a member (an array type, a row type)
    SELECT pg_catalog.string_agg(pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid), ', '
                                 ORDER BY pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid))
      INTO strangers
      FROM pg_catalog.pg_depend d
     WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
       AND d.refobjid OPERATOR(pg_catalog.=) schema_oid
       AND d.classid OPERATOR(pg_catalog.<>) 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND NOT EXISTS (
           SELECT FROM pg_catalog.pg_depend m
            WHERE m.classid OPERATOR(pg_catalog.=) d.classid AND m.objid OPERATOR(pg_catalog.=) d.objid
              AND ((m.deptype OPERATOR(pg_catalog.=) 'e' AND m.refobjid OPERATOR(pg_catalog.=) ext_oid)
                   OR (m.deptype OPERATOR(pg_catalog.=) ANY ('{i,a}'::"char"[]) AND EXISTS (
                       SELECT FROM pg_catalog.pg_depend p
                        WHERE p.classid OPERATOR(pg_catalog.=) m.refclassid
                          AND p.objid OPERATOR(pg_catalog.=) m.refobjid
                          AND p.deptype OPERATOR(pg_catalog.=) 'e'
                          AND p.refobjid OPERATOR(pg_catalog.=) ext_oid))));
    IF strangers IS NOT NULL THEN
        RAISE EXCEPTION 'schema "@extschema@" holds objects that are not part of extension ecomai'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Found: ' OPERATOR(pg_catalog.||) strangers OPERATOR(pg_catalog.||) '.',
                  HINT = 'Objects in the extension''s schema could capture calls to its functions. '
                         'A superuser should review and drop them, then retry.';
    END IF;

    SELECT pg_catalog.string_agg(pg_catalog.format('%s to %s',
               a.privilege_type,
               CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                    ELSE pg_catalog.quote_ident(a.grantee::pg_catalog.regrole::text) END), ', ')
      INTO grants
      FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
     WHERE n.oid OPERATOR(pg_catalog.=) schema_oid
       AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
       AND a.privilege_type OPERATOR(pg_catalog.<>) 'USAGE';
    IF grants IS NOT NULL THEN
        RAISE EXCEPTION 'schema "@extschema@" grants privileges beyond USAGE'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Granted: ' OPERATOR(pg_catalog.||) grants OPERATOR(pg_catalog.||) '.',
                  HINT = 'Only the schema''s owner may create objects in it. Revoke the grants, then retry.';
    END IF;
END
$owner$;

ALTER SCHEMA @extschema@ OWNER TO CURRENT_USER;
