-- 1.0.0: markov_to_dot gains k (top-k edges per state), edge_width and highlight; bn_to_dot gains
-- highlight (issue 16 item 7).  Same C entry points, which still accept the 0.2.0 argument lists.
-- Created again by src/sql/51_markov_analysis.sql and src/sql/61_bayesnet_dot.sql.
DROP FUNCTION @extschema@.markov_to_dot(@extschema@.markov_chain, float8);
DROP FUNCTION @extschema@.bn_to_dot(@extschema@.bayesnet);
