-- since 1.0.0
-- A network's DAG in Graphviz dot (src/bayesnet.c).  Reference: docs/bayesnet.md.  1.0.0 added
-- highlight: the update from 0.2.0 drops the 0.2 form first (src/sql/update/55_markov_dot.sql).
CREATE FUNCTION @extschema@.bn_to_dot(bn @extschema@.bayesnet, highlight text[] DEFAULT '{}') RETURNS text
    AS 'MODULE_PATHNAME', 'ecomai_bn_to_dot' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_to_dot(@extschema@.bayesnet, text[]) IS
    'the DAG in Graphviz dot; highlight variables (and the edges out of them) filled';
