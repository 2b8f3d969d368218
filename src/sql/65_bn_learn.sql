-- since 1.0.0
-- Bayesian networks learned from data (src/bn_learn.c, src/bn_search.c, src/bn_discretize.c,
-- src/bn_predict.c). Reference: docs/bn_learn.md.

-- The contingency counts of rows with named columns: a concrete, combinable state whose text is its
-- flat form (distinct rows with their counts, the values seen per column, the options).
-- @template base_type TYPE=bn_counts C=ecomai_bn_counts VOLATILITY=IMMUTABLE ALIGNMENT=int4 STORAGE=extended
COMMENT ON TYPE @extschema@.bn_counts IS
    'contingency counts of rows with named columns: distinct rows and their counts (bn_learn state)';

-- The transition functions of bn_counts(row_values), bn_learn(row_values, options) and
-- bn_fit(structure, row_values), and the final functions: counts, or the network learned.
-- @each AGG=bn_counts ARGS="row_values jsonb" | AGG=bn_learn ARGS="row_values jsonb, options jsonb" \
--     | AGG=bn_fit_named ARGS="structure text, row_values jsonb"
CREATE FUNCTION @extschema@.@AGG@_accum(state @extschema@.bn_counts, @ARGS@)
    RETURNS @extschema@.bn_counts
    AS 'MODULE_PATHNAME', 'ecomai_@AGG@_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
-- @end
CREATE FUNCTION @extschema@.bn_counts_combine(a @extschema@.bn_counts, b @extschema@.bn_counts)
    RETURNS @extschema@.bn_counts
    AS 'MODULE_PATHNAME', 'ecomai_bn_counts_combine' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
-- @each AGG=bn_counts RESULT=bn_counts | AGG=bn_learn RESULT=bayesnet
CREATE FUNCTION @extschema@.@AGG@_final(state @extschema@.bn_counts) RETURNS @extschema@.@RESULT@
    AS 'MODULE_PATHNAME', 'ecomai_@AGG@_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
-- @end

-- @template aggregate NAME=bn_counts ARGS="row_values jsonb" SFUNC=bn_counts_accum \
--     STYPE=@extschema@.bn_counts COMBINEFUNC=bn_counts_combine FINALFUNC=bn_counts_final
COMMENT ON AGGREGATE @extschema@.bn_counts(jsonb) IS
    'contingency counts of rows given as jsonb objects (column: value), for bn_learn and bn_score';

-- @template aggregate NAME=bn_learn ARGS="row_values jsonb, options jsonb" SFUNC=bn_learn_accum \
--     STYPE=@extschema@.bn_counts COMBINEFUNC=bn_counts_combine FINALFUNC=bn_learn_final
COMMENT ON AGGREGATE @extschema@.bn_learn(jsonb, jsonb) IS
    'learn a Bayesian network (structure and CPTs) from rows given as jsonb objects; options as jsonb';

-- @template aggregate NAME=bn_learn ARGS="row_values jsonb" SFUNC=bn_counts_accum \
--     STYPE=@extschema@.bn_counts COMBINEFUNC=bn_counts_combine FINALFUNC=bn_learn_final
COMMENT ON AGGREGATE @extschema@.bn_learn(jsonb) IS
    'learn a Bayesian network (hill climbing, BIC) from rows given as jsonb objects, default options';

CREATE FUNCTION @extschema@.bn_learn(counts @extschema@.bn_counts, options jsonb DEFAULT '{}')
    RETURNS @extschema@.bayesnet
    AS 'MODULE_PATHNAME', 'ecomai_bn_learn_counts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_learn(@extschema@.bn_counts, jsonb) IS
    'learn a Bayesian network from counts made once by bn_counts';

-- @template aggregate NAME=bn_fit ARGS="structure text, row_values jsonb" \
--     SFUNC=bn_fit_named_accum STYPE=@extschema@.bn_counts COMBINEFUNC=bn_counts_combine \
--     FINALFUNC=bn_learn_final
COMMENT ON AGGREGATE @extschema@.bn_fit(text, jsonb) IS
    'maximum-likelihood (or smoothed) CPTs of a network of given structure from rows with named columns';

CREATE FUNCTION @extschema@.bn_score(bn @extschema@.bayesnet, counts @extschema@.bn_counts,
                                     score text DEFAULT 'bic', iss float8 DEFAULT 1)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_bn_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_score(@extschema@.bayesnet, @extschema@.bn_counts, text, float8) IS
    'score of a network''s structure on data: bic, aic, loglik, bdeu (equivalent sample size iss) or k2';

CREATE FUNCTION @extschema@.bn_arcs(bn @extschema@.bayesnet)
    RETURNS TABLE (parent text, child text)
    AS 'MODULE_PATHNAME', 'ecomai_bn_arcs' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION @extschema@.bn_arcs(@extschema@.bayesnet) IS 'the arcs of a network, one row each';

CREATE FUNCTION @extschema@.bn_shd(a @extschema@.bayesnet, b @extschema@.bayesnet) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_bn_shd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_shd(@extschema@.bayesnet, @extschema@.bayesnet) IS
    'structural Hamming distance between the equivalence classes (CPDAGs) of two networks';

CREATE FUNCTION @extschema@.bn_predict(bn @extschema@.bayesnet, target text, row_values jsonb,
                                       OUT value text, OUT probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_bn_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_predict(@extschema@.bayesnet, text, jsonb) IS
    'most probable state of target given a row''s named values, with its probability; unknown values are missing evidence';
