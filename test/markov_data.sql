-- Markov chains on the shared reference data (PEER_CHECKS.md): Alofi rain (R markovchain) and
-- ChannelAttribution's PathData.  Skips when ../shared/data is absent.
BEGIN;
SELECT plan(9);
SELECT coalesce(current_setting('ecomai_test.data_dir', true), '') AS data_dir,
       coalesce(current_setting('ecomai_test.data_dir', true), '') <> '' AS have_data \gset
\if :have_data

-- Alofi Island daily rainfall, states "0", "1-5", "6+", in file order.
CREATE TEMP TABLE rain (day serial, v1 int, rain text);
SELECT format('COPY rain (v1, rain) FROM %L (FORMAT csv, HEADER)', :'data_dir' || '/markovchain-r/rain.csv') AS copy_rain \gset
:copy_rain;
CREATE TEMP TABLE rain_chain AS
SELECT ecomai.markov_fit(rain, next_rain) AS m
FROM (SELECT rain, lead(rain) OVER (ORDER BY day) AS next_rain FROM rain) q;
SELECT is(max(abs(t.probability - r.p)) < 5e-8, true,
    'Alofi MLE rows match markovchain (0.6605839, 0.2299270, 0.1094891 / 0.4625850, ... / ..., 0.4901186)')
FROM rain_chain, ecomai.markov_matrix(m) t
JOIN (VALUES ('0', '0', 0.6605839), ('0', '1-5', 0.2299270), ('0', '6+', 0.1094891),
             ('1-5', '0', 0.4625850), ('1-5', '1-5', 0.3061224), ('1-5', '6+', 0.2312925),
             ('6+', '0', 0.1976285), ('6+', '1-5', 0.3122530), ('6+', '6+', 0.4901186)) r(f, t, p)
  ON r.f = t.from_state AND r.t = t.to_state;
SELECT is(count(*), 9::bigint, 'Alofi chain has the 9 transitions')
FROM rain_chain, ecomai.markov_matrix(m);
SELECT is(max(abs(s.probability - r.p)) < 5e-8, true,
    'Alofi steady state matches markovchain (0.5008871, 0.2693656, 0.2297473)')
FROM rain_chain, ecomai.markov_stationary(m) s
JOIN (VALUES ('0', 0.5008871), ('1-5', 0.2693656), ('6+', 0.2297473)) r(st, p) ON r.st = s.state;
-- The MLE is the exact ratio of counts: compare with plain SQL counting.
SELECT is(count(*), 0::bigint, 'Alofi probabilities equal count / row total computed in SQL')
FROM rain_chain, ecomai.markov_matrix(m) t
FULL JOIN (SELECT rain AS f, next_rain AS t, count(*)::float8 / sum(count(*)) OVER (PARTITION BY rain) AS p
           FROM (SELECT rain, lead(rain) OVER (ORDER BY day) AS next_rain FROM rain) q
           WHERE next_rain IS NOT NULL GROUP BY 1, 2) c ON c.f = t.from_state AND c.t = t.to_state
WHERE c.p IS DISTINCT FROM t.probability;

-- ChannelAttribution's PathData and its own transition matrix (package 2.2.4).
CREATE TEMP TABLE path_data (path text, conversions float8, value float8, nulls float8);
SELECT format('COPY path_data FROM %L (FORMAT csv, HEADER)', :'data_dir' || '/channelattribution/PathData.csv') AS copy_paths \gset
:copy_paths;
CREATE TEMP TABLE ca_matrix (from_state text, to_state text, p float8);
SELECT format('COPY ca_matrix FROM %L (FORMAT csv, HEADER)',
    :'data_dir' || '/channelattribution/PathData_transition_matrix_ChannelAttribution_2.2.4.csv') AS copy_matrix \gset
:copy_matrix;
CREATE TEMP TABLE path_chain AS
SELECT ecomai.markov_fit_paths(path, conversions, nulls) AS m1,
       ecomai.markov_fit_paths(path, conversions, nulls, 2) AS m2
FROM path_data;
SELECT is(count(*), 0::bigint, 'PathData transition matrix equals ChannelAttribution''s to 1e-9, entry for entry')
FROM (SELECT t.* FROM path_chain, ecomai.markov_matrix(m1) t WHERE t.count > 0) t
FULL JOIN ca_matrix c USING (from_state, to_state)
WHERE c.p IS NULL OR t.probability IS NULL OR abs(c.p - t.probability) > 1e-9;
SELECT is(round(sum(a.conversions)::numeric, 6), 19785::numeric,
    'attributed conversions add up to the 19,785 observed')
FROM path_chain, ecomai.markov_attribution(m1) a;

-- Removal effects checked by brute force: rebuild the chain with every edge into the channel's
-- states sent to (null) and its states' rows dropped, then solve for P(conversion) again.
CREATE FUNCTION pg_temp.brute_removal(m ecomai.markov_chain) RETURNS TABLE (channel text, removal_effect float8)
LANGUAGE sql AS $$
    WITH mat AS (SELECT * FROM ecomai.markov_matrix(m) WHERE count > 0),
    channels AS (SELECT DISTINCT c FROM mat, regexp_split_to_table(from_state, ' > ') c
                 WHERE from_state <> '(start)'),
    p AS (SELECT probability FROM ecomai.markov_absorption(m, ARRAY['(conversion)']) WHERE state = '(start)')
    SELECT c, 1 - (SELECT a.probability FROM ecomai.markov_absorption(
               (SELECT ecomai.markov_fit(from_state,
                        CASE WHEN ' > ' || to_state || ' > ' LIKE '% > ' || c || ' > %' THEN '(null)' ELSE to_state END,
                        count)
                FROM mat WHERE ' > ' || from_state || ' > ' NOT LIKE '% > ' || c || ' > %'),
               ARRAY['(conversion)']) a WHERE a.state = '(start)') / (SELECT probability FROM p)
    FROM channels
$$;
SELECT is(count(*), 12::bigint, 'order 1: removal effects of the 12 channels equal brute-force re-solves to 1e-12')
FROM path_chain, ecomai.markov_attribution(m1) a JOIN pg_temp.brute_removal(m1) b ON b.channel = a.state
WHERE abs(a.removal_effect - b.removal_effect) < 1e-12;
SELECT is(count(*), 12::bigint, 'order 2: removal effects equal brute-force re-solves to 1e-12')
FROM path_chain, ecomai.markov_attribution(m2) a JOIN pg_temp.brute_removal(m2) b ON b.channel = a.state
WHERE abs(a.removal_effect - b.removal_effect) < 1e-12;
SELECT is(round(sum(a.share)::numeric, 12), 1::numeric, 'shares sum to 1')
FROM path_chain, ecomai.markov_attribution(m2) a;

\else
SELECT skip('shared data directory not configured (ecomai_test.data_dir): Alofi rain and PathData checks', 9);
\endif

SELECT * FROM finish();
ROLLBACK;
