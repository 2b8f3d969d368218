-- Discrete Bayesian networks (src/bayesnet.c, src/bif.c, src/bn_infer.c, src/bn_fit.c).
-- Reference: docs/bayesnet.md.

-- @template base_type TYPE=bayesnet C=ecomai_bayesnet VOLATILITY=IMMUTABLE ALIGNMENT=double STORAGE=extended
COMMENT ON TYPE @extschema@.bayesnet IS
    'discrete Bayesian network: variables with states, a DAG and one CPT per variable; text form is BIF';

CREATE FUNCTION @extschema@.bayesnet_eq(@extschema@.bayesnet, @extschema@.bayesnet) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_bayesnet_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bayesnet_ne(@extschema@.bayesnet, @extschema@.bayesnet) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_bayesnet_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.bayesnet, RIGHTARG = @extschema@.bayesnet,
    PROCEDURE = @extschema@.bayesnet_eq, COMMUTATOR = OPERATOR(@extschema@.=),
    NEGATOR = OPERATOR(@extschema@.<>));
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.bayesnet, RIGHTARG = @extschema@.bayesnet,
    PROCEDURE = @extschema@.bayesnet_ne, COMMUTATOR = OPERATOR(@extschema@.<>),
    NEGATOR = OPERATOR(@extschema@.=));

CREATE FUNCTION @extschema@.bn_from_bif(bif text) RETURNS @extschema@.bayesnet
    AS 'MODULE_PATHNAME', 'ecomai_bn_from_bif' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_from_bif(text) IS 'parse and validate a network in BIF';
CREATE FUNCTION @extschema@.bn_to_bif(bn @extschema@.bayesnet) RETURNS text
    AS 'MODULE_PATHNAME', 'ecomai_bn_to_bif' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_to_bif(@extschema@.bayesnet) IS
    'the network in BIF, probabilities in shortest exact form';
CREATE FUNCTION @extschema@.bn_cpt(bn @extschema@.bayesnet, variable text)
    RETURNS TABLE (parents jsonb, state text, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_bn_cpt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION @extschema@.bn_cpt(@extschema@.bayesnet, text) IS
    'the CPT of one variable: a row per parent configuration and state';
CREATE FUNCTION @extschema@.bn_variables(bn @extschema@.bayesnet)
    RETURNS TABLE (variable text, states text[], parents text[])
    AS 'MODULE_PATHNAME', 'ecomai_bn_variables' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION @extschema@.bn_variables(@extschema@.bayesnet) IS
    'the variables of a network in order, with their states and parents';

CREATE FUNCTION @extschema@.bn_query(bn @extschema@.bayesnet, target text, evidence jsonb DEFAULT '{}')
    RETURNS TABLE (value text, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_bn_query' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION @extschema@.bn_query(@extschema@.bayesnet, text, jsonb) IS
    'P(target = value | evidence) for every state, exact (variable elimination)';
CREATE FUNCTION @extschema@.bn_probability(bn @extschema@.bayesnet, event jsonb, evidence jsonb DEFAULT '{}')
    RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_bn_probability' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_probability(@extschema@.bayesnet, jsonb, jsonb) IS
    'P(event | evidence) of a joint event, exact';
CREATE FUNCTION @extschema@.bn_map(bn @extschema@.bayesnet, evidence jsonb DEFAULT '{}') RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ecomai_bn_map' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_map(@extschema@.bayesnet, jsonb) IS
    'most probable assignment of the unobserved variables, with P(assignment, evidence) and P(assignment | evidence)';
CREATE FUNCTION @extschema@.bn_sample(bn @extschema@.bayesnet, k int, seed int DEFAULT NULL)
    RETURNS SETOF jsonb
    AS 'MODULE_PATHNAME', 'ecomai_bn_sample' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.bn_sample(@extschema@.bayesnet, int, int) IS
    'n forward samples as jsonb objects; reproducible for a given seed';

-- bn_fit: learn CPTs from rows, with a concrete, combinable state (its flat form is its text).
-- @template base_type TYPE=bn_fit_state C=ecomai_bn_fit_state VOLATILITY=IMMUTABLE ALIGNMENT=int4 STORAGE=extended
COMMENT ON TYPE @extschema@.bn_fit_state IS
    'partial bn_fit aggregate state: structure, values seen and family counts per variable';

CREATE FUNCTION @extschema@.bn_fit_accum(state @extschema@.bn_fit_state, structure text, VARIADIC vals text[])
    RETURNS @extschema@.bn_fit_state
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bn_fit_combine(a @extschema@.bn_fit_state, b @extschema@.bn_fit_state)
    RETURNS @extschema@.bn_fit_state
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_combine' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bn_fit_final(state @extschema@.bn_fit_state) RETURNS @extschema@.bayesnet
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
-- @template aggregate NAME=bn_fit ARGS="structure text, VARIADIC vals text[]" SFUNC=bn_fit_accum \
--     STYPE=@extschema@.bn_fit_state COMBINEFUNC=bn_fit_combine FINALFUNC=bn_fit_final
COMMENT ON AGGREGATE @extschema@.bn_fit(text, VARIADIC text[]) IS
    'maximum-likelihood (or smoothed) CPTs of a network of given structure from rows of values';
