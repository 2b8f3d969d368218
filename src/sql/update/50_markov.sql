-- Markov family, 0.2.0 -> 1.0.0 (issue 16).
-- markov_attribution: value columns added, an optional value chain argument; no longer STRICT (NULL
-- conversion_value means no value columns).  Created again by src/sql/51_markov_analysis.sql, which
-- also gives markov_next, markov_probability, markov_path_probability and touch_attribution their
-- 1.0 descriptions (unknown states are errors now; histories for higher orders).
DROP FUNCTION @extschema@.markov_attribution(@extschema@.markov_chain, text, text);
