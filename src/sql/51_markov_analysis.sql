-- since 1.0.0
-- Markov analysis for attribution analysts (src/markov_heuristic.c, src/markov_algebra.c,
-- src/markov_order.c): heuristic models with value, queries by page history on higher-order
-- chains, order selection, confidence intervals.  Reference: docs/markov.md.

CREATE FUNCTION @extschema@.heuristic_attribution(path text, conversions float8 DEFAULT 1,
                                                  conversion_value float8 DEFAULT 0,
                                                  half_life float8 DEFAULT 1)
    RETURNS TABLE (state text, model text, conversions float8, conversion_value float8)
    AS 'MODULE_PATHNAME', 'ecomai_heuristic_attribution' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 25;
COMMENT ON FUNCTION @extschema@.heuristic_attribution(text, float8, float8, float8) IS
    'first_touch, last_touch, linear_touch, time_decay and position_based credit of one path string, conversions and value; sum over paths';

CREATE FUNCTION @extschema@.markov_next(m @extschema@.markov_chain, history text[])
    RETURNS TABLE (state text, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_next' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.markov_next(@extschema@.markov_chain, text[]) IS
    'next-page distribution after a history of pages (its last k pages for order k; lumped when shorter; anchored with (start))';

CREATE FUNCTION @extschema@.markov_probability(m @extschema@.markov_chain, history text[], to_state text,
                                               steps int DEFAULT 1)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_markov_probability' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_probability(@extschema@.markov_chain, text[], text, int) IS
    'probability of being on page to_state steps transitions after a history of pages';

CREATE FUNCTION @extschema@.markov_choose_order(m @extschema@.markov_chain)
    RETURNS TABLE (chain_order int, states int, transitions int, parameters float8,
                   log_likelihood float8, aic float8, bic float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_choose_order' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.markov_choose_order(@extschema@.markov_chain) IS
    'log-likelihood, AIC and BIC of every order 1..k of a chain fitted with order k (lower orders by truncating its states)';

CREATE FUNCTION @extschema@.markov_confidence(m @extschema@.markov_chain, level float8 DEFAULT 0.95)
    RETURNS TABLE (from_state text, to_state text, probability float8, standard_error float8,
                   lower_bound float8, upper_bound float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_confidence' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_confidence(@extschema@.markov_chain, float8) IS
    'R markovchain''s MLE confidence intervals of the observed transition probabilities: p +- z p / sqrt(count), clamped to [0, 1]';

CREATE FUNCTION @extschema@.markov_attribution_bootstrap(paths text[], conversions float8[], nulls float8[],
                                                         n_boot int DEFAULT 200, seed bigint DEFAULT 0,
                                                         level float8 DEFAULT 0.95, chain_order int DEFAULT 1)
    RETURNS TABLE (state text, removal_effect float8, removal_effect_lower float8, removal_effect_upper float8,
                   share float8, share_lower float8, share_upper float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_attribution_bootstrap' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_attribution_bootstrap(text[], float8[], float8[], int, bigint, float8, int) IS
    'percentile bootstrap intervals of Markov removal effects and shares, resampling journeys of ChannelAttribution-style path data (seeded)';
