-- since 1.0.0
-- Equality, a total order and hashing for the model types markov_chain and bayesnet
-- (src/model_equality.c): equal exactly when the canonical flat forms are byte for byte the
-- same; the order is a byte order with no meaning beyond grouping, sorting and indexing.
-- DISTINCT, GROUP BY, UNION, hash and merge joins, ORDER BY and btree and hash indexes work on
-- model columns.  bayesnet's = and <> (src/sql/60_bayesnet.sql, since 0.1.0) gain selectivity
-- estimators, LEAKPROOF and the operator classes here.  The declarations are those of every
-- model type (src/sql/templates/model_equality.sql, model_order_hash.sql; mf_model in 75_mf.sql).

-- markov_chain
-- @template model_equality TYPE=markov_chain
-- @template model_order_hash TYPE=markov_chain

-- bayesnet: its = and <> exist (bayesnet_eq/bayesnet_ne compare the flat forms byte for byte,
-- as the functions here do, and raise no error: LEAKPROOF holds).
ALTER FUNCTION @extschema@.bayesnet_eq(@extschema@.bayesnet, @extschema@.bayesnet) LEAKPROOF;
ALTER FUNCTION @extschema@.bayesnet_ne(@extschema@.bayesnet, @extschema@.bayesnet) LEAKPROOF;
ALTER OPERATOR @extschema@.= (@extschema@.bayesnet, @extschema@.bayesnet) SET (RESTRICT = eqsel, JOIN = eqjoinsel);
ALTER OPERATOR @extschema@.<> (@extschema@.bayesnet, @extschema@.bayesnet) SET (RESTRICT = neqsel, JOIN = neqjoinsel);
-- @template model_order_hash TYPE=bayesnet
