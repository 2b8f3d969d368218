-- since 1.0.0
-- Equality, a total order and hashing for the model types markov_chain and bayesnet
-- (src/model_equality.c): equal exactly when the canonical flat forms are byte for byte the
-- same; the order is a byte order with no meaning beyond grouping, sorting and indexing.
-- DISTINCT, GROUP BY, UNION, hash and merge joins, ORDER BY and btree and hash indexes work on
-- model columns.  bayesnet's = and <> (src/sql/60_bayesnet.sql, since 0.1.0) gain selectivity
-- estimators, LEAKPROOF and the operator classes here.

-- markov_chain
CREATE FUNCTION @extschema@.markov_chain_eq(a @extschema@.markov_chain, b @extschema@.markov_chain) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.markov_chain_ne(a @extschema@.markov_chain, b @extschema@.markov_chain) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.markov_chain_lt(a @extschema@.markov_chain, b @extschema@.markov_chain) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.markov_chain_le(a @extschema@.markov_chain, b @extschema@.markov_chain) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.markov_chain_gt(a @extschema@.markov_chain, b @extschema@.markov_chain) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.markov_chain_ge(a @extschema@.markov_chain, b @extschema@.markov_chain) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.markov_chain_cmp(a @extschema@.markov_chain, b @extschema@.markov_chain) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_model_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.markov_chain_hash(v @extschema@.markov_chain) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_model_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_chain_hash_extended(v @extschema@.markov_chain, seed bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ecomai_model_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_chain_cmp(@extschema@.markov_chain, @extschema@.markov_chain) IS
    'btree support: -1, 0 or 1 in the markov_chain byte order';
COMMENT ON FUNCTION @extschema@.markov_chain_hash(@extschema@.markov_chain) IS 'hash support: hash of the canonical flat form';
COMMENT ON FUNCTION @extschema@.markov_chain_hash_extended(@extschema@.markov_chain, bigint) IS
    'hash support: 64-bit seeded hash of the canonical flat form';
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.markov_chain, RIGHTARG = @extschema@.markov_chain, FUNCTION = @extschema@.markov_chain_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.markov_chain, RIGHTARG = @extschema@.markov_chain, FUNCTION = @extschema@.markov_chain_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR @extschema@.= (@extschema@.markov_chain, @extschema@.markov_chain) IS 'the same model: identical canonical flat forms';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.markov_chain, @extschema@.markov_chain) IS 'not the same model';
CREATE OPERATOR @extschema@.< (LEFTARG = @extschema@.markov_chain, RIGHTARG = @extschema@.markov_chain,
    FUNCTION = @extschema@.markov_chain_lt, COMMUTATOR = OPERATOR(@extschema@.>),
    NEGATOR = OPERATOR(@extschema@.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR @extschema@.<= (LEFTARG = @extschema@.markov_chain, RIGHTARG = @extschema@.markov_chain,
    FUNCTION = @extschema@.markov_chain_le, COMMUTATOR = OPERATOR(@extschema@.>=),
    NEGATOR = OPERATOR(@extschema@.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR @extschema@.>= (LEFTARG = @extschema@.markov_chain, RIGHTARG = @extschema@.markov_chain,
    FUNCTION = @extschema@.markov_chain_ge, COMMUTATOR = OPERATOR(@extschema@.<=),
    NEGATOR = OPERATOR(@extschema@.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR @extschema@.> (LEFTARG = @extschema@.markov_chain, RIGHTARG = @extschema@.markov_chain,
    FUNCTION = @extschema@.markov_chain_gt, COMMUTATOR = OPERATOR(@extschema@.<),
    NEGATOR = OPERATOR(@extschema@.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR CLASS @extschema@.markov_chain_btree_ops DEFAULT FOR TYPE @extschema@.markov_chain USING btree AS
    OPERATOR 1 @extschema@.< ,
    OPERATOR 2 @extschema@.<= ,
    OPERATOR 3 @extschema@.= ,
    OPERATOR 4 @extschema@.>= ,
    OPERATOR 5 @extschema@.> ,
    FUNCTION 1 @extschema@.markov_chain_cmp(@extschema@.markov_chain, @extschema@.markov_chain);
CREATE OPERATOR CLASS @extschema@.markov_chain_hash_ops DEFAULT FOR TYPE @extschema@.markov_chain USING hash AS
    OPERATOR 1 @extschema@.= (@extschema@.markov_chain, @extschema@.markov_chain),
    FUNCTION 1 @extschema@.markov_chain_hash(@extschema@.markov_chain),
    FUNCTION 2 @extschema@.markov_chain_hash_extended(@extschema@.markov_chain, bigint);

-- bayesnet: its = and <> exist (bayesnet_eq/bayesnet_ne compare the flat forms byte for byte,
-- as the functions here do, and raise no error: LEAKPROOF holds).
ALTER FUNCTION @extschema@.bayesnet_eq(@extschema@.bayesnet, @extschema@.bayesnet) LEAKPROOF;
ALTER FUNCTION @extschema@.bayesnet_ne(@extschema@.bayesnet, @extschema@.bayesnet) LEAKPROOF;
ALTER OPERATOR @extschema@.= (@extschema@.bayesnet, @extschema@.bayesnet) SET (RESTRICT = eqsel, JOIN = eqjoinsel);
ALTER OPERATOR @extschema@.<> (@extschema@.bayesnet, @extschema@.bayesnet) SET (RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE FUNCTION @extschema@.bayesnet_lt(a @extschema@.bayesnet, b @extschema@.bayesnet) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.bayesnet_le(a @extschema@.bayesnet, b @extschema@.bayesnet) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.bayesnet_gt(a @extschema@.bayesnet, b @extschema@.bayesnet) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.bayesnet_ge(a @extschema@.bayesnet, b @extschema@.bayesnet) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.bayesnet_cmp(a @extschema@.bayesnet, b @extschema@.bayesnet) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_model_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.bayesnet_hash(v @extschema@.bayesnet) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_model_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bayesnet_hash_extended(v @extschema@.bayesnet, seed bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ecomai_model_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bayesnet_cmp(@extschema@.bayesnet, @extschema@.bayesnet) IS
    'btree support: -1, 0 or 1 in the bayesnet byte order';
COMMENT ON FUNCTION @extschema@.bayesnet_hash(@extschema@.bayesnet) IS 'hash support: hash of the canonical flat form';
COMMENT ON FUNCTION @extschema@.bayesnet_hash_extended(@extschema@.bayesnet, bigint) IS
    'hash support: 64-bit seeded hash of the canonical flat form';
CREATE OPERATOR @extschema@.< (LEFTARG = @extschema@.bayesnet, RIGHTARG = @extschema@.bayesnet,
    FUNCTION = @extschema@.bayesnet_lt, COMMUTATOR = OPERATOR(@extschema@.>),
    NEGATOR = OPERATOR(@extschema@.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR @extschema@.<= (LEFTARG = @extschema@.bayesnet, RIGHTARG = @extschema@.bayesnet,
    FUNCTION = @extschema@.bayesnet_le, COMMUTATOR = OPERATOR(@extschema@.>=),
    NEGATOR = OPERATOR(@extschema@.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR @extschema@.>= (LEFTARG = @extschema@.bayesnet, RIGHTARG = @extschema@.bayesnet,
    FUNCTION = @extschema@.bayesnet_ge, COMMUTATOR = OPERATOR(@extschema@.<=),
    NEGATOR = OPERATOR(@extschema@.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR @extschema@.> (LEFTARG = @extschema@.bayesnet, RIGHTARG = @extschema@.bayesnet,
    FUNCTION = @extschema@.bayesnet_gt, COMMUTATOR = OPERATOR(@extschema@.<),
    NEGATOR = OPERATOR(@extschema@.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR CLASS @extschema@.bayesnet_btree_ops DEFAULT FOR TYPE @extschema@.bayesnet USING btree AS
    OPERATOR 1 @extschema@.< ,
    OPERATOR 2 @extschema@.<= ,
    OPERATOR 3 @extschema@.= ,
    OPERATOR 4 @extschema@.>= ,
    OPERATOR 5 @extschema@.> ,
    FUNCTION 1 @extschema@.bayesnet_cmp(@extschema@.bayesnet, @extschema@.bayesnet);
CREATE OPERATOR CLASS @extschema@.bayesnet_hash_ops DEFAULT FOR TYPE @extschema@.bayesnet USING hash AS
    OPERATOR 1 @extschema@.= (@extschema@.bayesnet, @extschema@.bayesnet),
    FUNCTION 1 @extschema@.bayesnet_hash(@extschema@.bayesnet),
    FUNCTION 2 @extschema@.bayesnet_hash_extended(@extschema@.bayesnet, bigint);
