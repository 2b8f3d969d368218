-- Markov family, 0.2.0 -> 1.0.0 (issue 16).
-- markov_attribution: value columns added, an optional value chain argument; no longer STRICT (NULL conversion_value means no value columns).
DROP FUNCTION @extschema@.markov_attribution(@extschema@.markov_chain, text, text);
CREATE FUNCTION @extschema@.markov_attribution(m @extschema@.markov_chain,
                                               conversion text DEFAULT '(conversion)',
                                               null_state text DEFAULT '(null)',
                                               conversion_value @extschema@.markov_chain DEFAULT NULL)
    RETURNS TABLE (state text, removal_effect float8, share float8, conversions float8,
                   conversion_value float8, value_removal_effect float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_attribution' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_attribution(@extschema@.markov_chain, text, text, @extschema@.markov_chain) IS
    'Markov channel attribution: exact removal effects from (start), shares, attributed conversions and (with a value chain) conversion value';

-- Unknown states are errors now; histories for higher orders.
COMMENT ON FUNCTION @extschema@.markov_next(@extschema@.markov_chain, text) IS
    'next-page distribution after a state (order k: a page sequence, lumped over longer histories when shorter than k), most likely first; ERROR 22023 for an unknown state';
COMMENT ON FUNCTION @extschema@.markov_probability(@extschema@.markov_chain, text, text, int) IS
    'probability of being on page to_state steps transitions after from_state; ERROR 22023 for unknown states';
COMMENT ON FUNCTION @extschema@.touch_attribution(text, float8) IS
    'deprecated: use heuristic_attribution; first-touch, last-touch and linear credit of one path string';
COMMENT ON FUNCTION @extschema@.markov_path_probability(@extschema@.markov_chain, text[]) IS
    'log-likelihood (natural log) of a sequence of states; ERROR 22023 for an unknown state';
