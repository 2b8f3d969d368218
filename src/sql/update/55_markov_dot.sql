-- 1.0.0: markov_to_dot gains k (top-k edges per state), edge_width and highlight; bn_to_dot gains
-- highlight (issue 16 item 7).  Same C entry points, which still accept the 0.2.0 argument lists.
DROP FUNCTION @extschema@.markov_to_dot(@extschema@.markov_chain, float8);
CREATE FUNCTION @extschema@.markov_to_dot(m @extschema@.markov_chain, threshold float8 DEFAULT 0, k int DEFAULT 0,
                                          edge_width text DEFAULT 'none', highlight text[] DEFAULT '{}')
    RETURNS text
    AS 'MODULE_PATHNAME', 'ecomai_markov_to_dot' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_to_dot(@extschema@.markov_chain, float8, int, text, text[]) IS
    'Graphviz digraph of the chain: edges with probability at least threshold, the k most probable per state (0: all), pen width by none | probability | flow, highlight states filled';

DROP FUNCTION @extschema@.bn_to_dot(@extschema@.bayesnet);
CREATE FUNCTION @extschema@.bn_to_dot(bn @extschema@.bayesnet, highlight text[] DEFAULT '{}') RETURNS text
    AS 'MODULE_PATHNAME', 'ecomai_bn_to_dot' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_to_dot(@extschema@.bayesnet, text[]) IS
    'the DAG in Graphviz dot; highlight variables (and the edges out of them) filled';
