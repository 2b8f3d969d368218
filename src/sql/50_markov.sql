-- Markov chains over clickstreams and channel paths (src/markov.c, src/markov_algebra.c).
-- Reference: docs/markov.md.

-- @template base_type TYPE=markov_chain C=ecomai_markov VOLATILITY=IMMUTABLE ALIGNMENT=double STORAGE=extended
COMMENT ON TYPE @extschema@.markov_chain IS
    'Markov chain: state names and weighted transitions; text form {"order":1,"smoothing":0,"transitions":[["from","to",count],...]}';

-- Aggregates ------------------------------------------------------------------

CREATE FUNCTION @extschema@.markov_combine(@extschema@.markov_chain, @extschema@.markov_chain)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_final(@extschema@.markov_chain) RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- markov_fit(from_state, to_state[, weight]) and markov_fit_paths(path, conversions, nulls[,
-- chain_order]): one C transition function each, whatever the arguments.
-- @each FIT=markov_fit TYPES="text, text" ARGS="from_state text, to_state text" \
--     | FIT=markov_fit TYPES="text, text, float8" \
--       ARGS="from_state text, to_state text, weight float8" \
--     | FIT=markov_fit_paths TYPES="text, float8, float8" \
--       ARGS="path text, conversions float8, nulls float8" \
--     | FIT=markov_fit_paths TYPES="text, float8, float8, int" \
--       ARGS="path text, conversions float8, nulls float8, chain_order int"
CREATE FUNCTION @extschema@.@FIT@_accum(@extschema@.markov_chain, @TYPES@)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_@FIT@_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- @template aggregate NAME=@FIT@ ARGS="@ARGS@" SFUNC=@FIT@_accum STYPE=@extschema@.markov_chain \
--     COMBINEFUNC=markov_combine FINALFUNC=markov_final
-- @end
COMMENT ON AGGREGATE @extschema@.markov_fit(text, text) IS
    'first-order chain counting (from_state, to_state) rows; rows with a NULL state are skipped';
COMMENT ON AGGREGATE @extschema@.markov_fit(text, text, float8) IS
    'first-order chain summing weights of (from_state, to_state) rows; NULLs and zero weights skipped';
COMMENT ON AGGREGATE @extschema@.markov_fit_paths(text, float8, float8) IS
    'chain from ChannelAttribution-style path strings "a > b > c" with conversion and null counts';
COMMENT ON AGGREGATE @extschema@.markov_fit_paths(text, float8, float8, int) IS
    'chain of order k from ChannelAttribution-style path strings with conversion and null counts';

-- @template aggregate NAME=markov_merge ARGS=@extschema@.markov_chain SFUNC=markov_combine \
--     STYPE=@extschema@.markov_chain COMBINEFUNC=markov_combine FINALFUNC=markov_final
COMMENT ON AGGREGATE @extschema@.markov_merge(@extschema@.markov_chain) IS
    'sum of chains (transition counts add up); NULLs skipped';

-- markov_path: one session's path, in the aggregate's ORDER BY.  Its state (text[]:
-- order, outcome, pages) cannot be split, so it has no combine function; sum the
-- per-session chains with markov_merge, which is combinable.
CREATE FUNCTION @extschema@.markov_path_final(text[]) RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_path_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- @each TYPES=text ARGS="state text" | TYPES="text, text" ARGS="state text, outcome text" \
--     | TYPES="text, text, int" ARGS="state text, outcome text, chain_order int"
CREATE FUNCTION @extschema@.markov_path_accum(text[], @TYPES@) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ecomai_markov_path_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.markov_path(@ARGS@) (
    SFUNC = @extschema@.markov_path_accum,
    STYPE = text[],
    FINALFUNC = @extschema@.markov_path_final,
    PARALLEL = SAFE
);
-- @end
COMMENT ON AGGREGATE @extschema@.markov_path(text) IS
    'one path (use ORDER BY): (start) -> first state -> ... -> last state; NULL states skipped';
COMMENT ON AGGREGATE @extschema@.markov_path(text, text) IS
    'one path (use ORDER BY) ending in the last non-NULL outcome, e.g. (conversion) or (null)';
COMMENT ON AGGREGATE @extschema@.markov_path(text, text, int) IS
    'one path of order k: states are the last k states joined by " > "';

-- Constructors ----------------------------------------------------------------

CREATE FUNCTION @extschema@.markov_from_matrix(states text[], p float8[], normalize_rows boolean DEFAULT false)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_from_matrix' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_from_matrix(text[], float8[], boolean) IS
    'chain from a row-stochastic matrix (rows must sum to 1 within 1e-9 unless normalize)';

CREATE FUNCTION @extschema@.markov_smooth(m @extschema@.markov_chain, alpha float8)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_smooth' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_smooth(@extschema@.markov_chain, float8) IS
    'the same counts with Laplace smoothing alpha applied by every query (0 removes it)';

-- Queries ---------------------------------------------------------------------
-- (markov_next, markov_probability, markov_path_probability, markov_attribution,
-- touch_attribution and markov_to_dot as 1.0.0 defines them: 51_markov_analysis.sql)

CREATE FUNCTION @extschema@.markov_matrix(m @extschema@.markov_chain)
    RETURNS TABLE (from_state text, to_state text, count float8, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_matrix' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_matrix(@extschema@.markov_chain) IS
    'non-zero transition matrix entries with their counts';

CREATE FUNCTION @extschema@.markov_stationary(m @extschema@.markov_chain)
    RETURNS TABLE (state text, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_stationary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_stationary(@extschema@.markov_chain) IS
    'stationary distribution; ERROR 22023 when it is not unique (more than one closed class)';

CREATE FUNCTION @extschema@.markov_absorption(m @extschema@.markov_chain, absorbing text[])
    RETURNS TABLE (state text, absorbing_state text, probability float8, expected_steps float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_absorption' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_absorption(@extschema@.markov_chain, text[]) IS
    'absorption probabilities and expected steps to absorption (fundamental matrix, LAPACK)';

CREATE FUNCTION @extschema@.markov_first_passage(m @extschema@.markov_chain, to_state text)
    RETURNS TABLE (state text, expected_steps float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_first_passage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_first_passage(@extschema@.markov_chain, text) IS
    'mean first passage time to to_state from every state (mean recurrence time for to_state itself)';
