-- since 1.0.0
-- Journeys: sessions cut from clickstream events, and journeys simulated from a Markov chain
-- (src/sessionize.c, src/markov_simulate.c).  Reference: docs/markov.md, "Journeys".

-- STABLE for timestamptz: a gap in days or months depends on the session's TimeZone
CREATE FUNCTION @extschema@.sessionize(ts timestamptz, gap interval) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ecomai_sessionize' LANGUAGE C WINDOW STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sessionize(timestamptz, interval) IS
    'window function: session number (from 1) of the row in its partition, a new session after more than gap without events; use OVER (PARTITION BY user ORDER BY ts, tie_break)';
CREATE FUNCTION @extschema@.sessionize(ts timestamp, gap interval) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ecomai_sessionize' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sessionize(timestamp, interval) IS
    'window function: session number (from 1) of the row in its partition, a new session after more than gap without events; use OVER (PARTITION BY user ORDER BY ts, tie_break)';

CREATE FUNCTION @extschema@.markov_simulate(m @extschema@.markov_chain, from_state text DEFAULT '(start)',
                                            journeys int DEFAULT 1, max_steps int DEFAULT 100,
                                            seed bigint DEFAULT 0)
    RETURNS TABLE (journey int, path text[])
    AS 'MODULE_PATHNAME', 'ecomai_markov_simulate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.markov_simulate(@extschema@.markov_chain, text, int, int, bigint) IS
    'random journeys from from_state until an absorbing state or max_steps moves (markovchain''s rmarkovchain); the same seed gives the same journeys';
