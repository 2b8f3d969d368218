-- since 1.0.0
-- Markov analysis for attribution analysts (src/markov.c, src/markov_heuristic.c,
-- src/markov_algebra.c, src/markov_order.c): attribution with value, heuristic models with
-- value, queries by page history on higher-order chains, order selection, confidence intervals,
-- Graphviz output.  Reference: docs/markov.md.
-- Some of these existed in 0.2.0 and are defined here as 1.0.0 has them, for the update from
-- 0.2.0 as for a fresh install: markov_next, markov_probability, markov_path_probability and
-- touch_attribution by CREATE OR REPLACE (the same objects, new descriptions); markov_attribution
-- and markov_to_dot, whose signatures changed, after src/sql/update/ dropped their 0.2 forms.

CREATE FUNCTION @extschema@.markov_attribution(m @extschema@.markov_chain,
                                               conversion text DEFAULT '(conversion)',
                                               null_state text DEFAULT '(null)',
                                               conversion_value @extschema@.markov_chain DEFAULT NULL)
    RETURNS TABLE (state text, removal_effect float8, share float8, conversions float8,
                   conversion_value float8, value_removal_effect float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_attribution' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_attribution(@extschema@.markov_chain, text, text, @extschema@.markov_chain) IS
    'Markov channel attribution: exact removal effects from (start), shares, attributed conversions and (with a value chain) conversion value';

CREATE OR REPLACE FUNCTION @extschema@.touch_attribution(path text, conversions float8 DEFAULT 1)
    RETURNS TABLE (channel text, first_touch float8, last_touch float8, linear_touch float8)
    AS 'MODULE_PATHNAME', 'ecomai_touch_attribution' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION @extschema@.touch_attribution(text, float8) IS
    'deprecated: use heuristic_attribution; first-touch, last-touch and linear credit of one path string';

CREATE FUNCTION @extschema@.heuristic_attribution(path text, conversions float8 DEFAULT 1,
                                                  conversion_value float8 DEFAULT 0,
                                                  half_life float8 DEFAULT 1)
    RETURNS TABLE (state text, model text, conversions float8, conversion_value float8)
    AS 'MODULE_PATHNAME', 'ecomai_heuristic_attribution' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 25;
COMMENT ON FUNCTION @extschema@.heuristic_attribution(text, float8, float8, float8) IS
    'first_touch, last_touch, linear_touch, time_decay and position_based credit of one path string, conversions and value; sum over paths';

CREATE OR REPLACE FUNCTION @extschema@.markov_next(m @extschema@.markov_chain, state text)
    RETURNS TABLE (state text, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_next' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.markov_next(@extschema@.markov_chain, text) IS
    'next-page distribution after a state (order k: a page sequence, lumped over longer histories when shorter than k), most likely first; ERROR 22023 for an unknown state';

CREATE OR REPLACE FUNCTION @extschema@.markov_probability(m @extschema@.markov_chain, from_state text, to_state text,
                                               steps int DEFAULT 1)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_markov_probability' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_probability(@extschema@.markov_chain, text, text, int) IS
    'probability of being on page to_state steps transitions after from_state; ERROR 22023 for unknown states';

CREATE OR REPLACE FUNCTION @extschema@.markov_path_probability(m @extschema@.markov_chain, path text[])
    RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_markov_path_probability' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_path_probability(@extschema@.markov_chain, text[]) IS
    'log-likelihood (natural log) of a sequence of states; ERROR 22023 for an unknown state';

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

CREATE FUNCTION @extschema@.markov_to_dot(m @extschema@.markov_chain, threshold float8 DEFAULT 0, k int DEFAULT 0,
                                          edge_width text DEFAULT 'none', highlight text[] DEFAULT '{}')
    RETURNS text
    AS 'MODULE_PATHNAME', 'ecomai_markov_to_dot' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_to_dot(@extschema@.markov_chain, float8, int, text, text[]) IS
    'Graphviz digraph of the chain: edges with probability at least threshold, the k most probable per state (0: all), pen width by none | probability | flow, highlight states filled';
