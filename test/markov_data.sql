-- Markov chains on the shared reference data (PEER_CHECKS.md): Alofi rain (R markovchain) and
-- ChannelAttribution's PathData.  Skips when ../shared/data is absent.
BEGIN;
SELECT plan(28);
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

-- Conversion value (issue 16).  -- Independent answer: the transition probabilities and conversion values counted in plain SQL
-- from the path strings (ChannelAttribution's conventions), and a Gauss-Jordan solve of
-- (I - Q) h = r in PL/pgSQL, once for the full chain and once per removed channel.
CREATE TEMP TABLE pd AS SELECT row_number() OVER () AS id, * FROM path_data;
CREATE TEMP TABLE touches AS
SELECT id, row_number() OVER (PARTITION BY id ORDER BY o) AS pos,
       count(*) OVER (PARTITION BY id) AS len, ch
FROM (SELECT id, o, ch, lag(ch) OVER (PARTITION BY id ORDER BY o) AS prev
      FROM pd, regexp_split_to_table(pd.path, '\s*>\s*') WITH ORDINALITY t(ch, o)) x
WHERE prev IS DISTINCT FROM ch;
CREATE TEMP TABLE edges AS
SELECT f, t, sum(w) AS w FROM (
  SELECT coalesce(lag(ch) OVER (PARTITION BY id ORDER BY pos), '(start)') AS f, ch AS t, conversions + nulls AS w
  FROM touches JOIN pd USING (id)
  UNION ALL SELECT ch, '(conversion)', conversions FROM touches JOIN pd USING (id) WHERE pos = len AND conversions > 0
  UNION ALL SELECT ch, '(null)', nulls FROM touches JOIN pd USING (id) WHERE pos = len AND nulls > 0) e
GROUP BY f, t;
CREATE TEMP TABLE state_rhs AS
SELECT e.f AS s, row_number() OVER (ORDER BY e.f) AS i,
       coalesce(sum(e.w) FILTER (WHERE e.t = '(conversion)'), 0) / sum(e.w) AS rc,
       coalesce((SELECT sum(value) FROM touches JOIN pd USING (id) WHERE pos = len AND ch = e.f), 0) / sum(e.w) AS rv
FROM edges e GROUP BY e.f;
CREATE FUNCTION pg_temp.removal_check() RETURNS TABLE (state text, p float8, pv float8) LANGUAGE plpgsql AS $$
DECLARE
    n int := (SELECT count(*) FROM state_rhs);
    s0 int := (SELECT i FROM state_rhs WHERE s = '(start)');
    a float8[]; f float8; piv int; tmp float8; r record; c record; i int; j int; k int;
BEGIN
    FOR c IN SELECT '' AS ch UNION ALL SELECT s FROM state_rhs WHERE s <> '(start)' ORDER BY 1 LOOP
        -- augmented [I - Q | rc | rv]; a removed channel's row is the identity with zero right-hand side
        a := array_fill(0::float8, ARRAY[n, n + 2]);
        FOR i IN 1..n LOOP a[i][i] := 1; END LOOP;
        FOR r IN SELECT x.i AS fi, y.i AS ti, e.w / sum(e.w) OVER (PARTITION BY e.f) AS q, e.f
                 FROM edges e JOIN state_rhs x ON x.s = e.f LEFT JOIN state_rhs y ON y.s = e.t LOOP
            IF r.ti IS NOT NULL AND r.f <> c.ch THEN a[r.fi][r.ti] := a[r.fi][r.ti] - r.q; END IF;
        END LOOP;
        FOR r IN SELECT * FROM state_rhs LOOP
            IF r.s <> c.ch THEN a[r.i][n + 1] := r.rc; a[r.i][n + 2] := r.rv; END IF;
        END LOOP;
        FOR k IN 1..n LOOP
            piv := k;
            FOR i IN k + 1..n LOOP IF abs(a[i][k]) > abs(a[piv][k]) THEN piv := i; END IF; END LOOP;
            FOR j IN 1..n + 2 LOOP tmp := a[k][j]; a[k][j] := a[piv][j]; a[piv][j] := tmp; END LOOP;
            FOR i IN 1..n LOOP
                IF i <> k AND a[i][k] <> 0 THEN
                    f := a[i][k] / a[k][k];
                    FOR j IN k..n + 2 LOOP a[i][j] := a[i][j] - f * a[k][j]; END LOOP;
                END IF;
            END LOOP;
        END LOOP;
        state := c.ch; p := a[s0][n + 1] / a[s0][s0]; pv := a[s0][n + 2] / a[s0][s0];
        RETURN NEXT;
    END LOOP;
END $$;
CREATE TEMP TABLE removal AS
SELECT r.state, 1 - r.p / fl.p AS re, 1 - r.pv / fl.pv AS rev
FROM pg_temp.removal_check() r, pg_temp.removal_check() fl WHERE fl.state = '' AND r.state <> '';

CREATE TEMP TABLE value_attr AS
SELECT a.* FROM (SELECT ecomai.markov_fit_paths(path, conversions, nulls) AS m,
                        ecomai.markov_fit_paths(path, value, 0) AS v FROM path_data) c,
     ecomai.markov_attribution(c.m, conversion_value => c.v) a;
SELECT is(count(*), 12::bigint, 'removal effects equal the plain-SQL Gauss-Jordan solve to 1e-12')
FROM value_attr a JOIN removal r USING (state) WHERE abs(a.removal_effect - r.re) < 1e-12;
SELECT is(count(*), 12::bigint, 'value removal effects (paths weighted by their value per conversion) equal the solve to 1e-12')
FROM value_attr a JOIN removal r USING (state) WHERE abs(a.value_removal_effect - r.rev) < 1e-12;
SELECT is(count(*), 12::bigint, 'conversion_value = total value x removal-effect share, equal to the solve to 1e-8')
FROM value_attr a JOIN (SELECT state, re / sum(re) OVER () * (SELECT sum(value) FROM path_data) AS v FROM removal) r
  USING (state) WHERE abs(a.conversion_value - r.v) < 1e-8;
SELECT ok(abs(removal_effect - 0.558) < 0.00558 AND abs(conversion_value - 20208) < 202.08,
    'alpha: removal effect 0.558 and value 20,208 (ChannelAttribution''s published figures) within 1%')
FROM value_attr WHERE state = 'alpha';
SELECT is(round(sum(conversion_value)::numeric, 6), round(max(t.value)::numeric, 6),
    'attributed value adds up to the 74,802.97 observed')
FROM value_attr, (SELECT sum(value) AS value FROM path_data) t;

-- Heuristic models against plain SQL over the touches as written (repeats kept).
CREATE TEMP TABLE raw_touches AS
SELECT pd.id, t.o AS pos, count(*) OVER (PARTITION BY pd.id) AS len, t.ch, pd.conversions, pd.value
FROM pd, regexp_split_to_table(pd.path, '\s*>\s*') WITH ORDINALITY t(ch, o);
CREATE TEMP TABLE sql_heuristic AS
SELECT ch AS state, model, sum(w * conversions) AS conversions, sum(w * value) AS conversion_value
FROM (SELECT ch, conversions, value, 'first_touch' AS model, CASE WHEN pos = 1 THEN 1 ELSE 0 END::float8 AS w FROM raw_touches
      UNION ALL SELECT ch, conversions, value, 'last_touch', CASE WHEN pos = len THEN 1 ELSE 0 END FROM raw_touches
      UNION ALL SELECT ch, conversions, value, 'linear_touch', 1.0 / len FROM raw_touches
      UNION ALL SELECT ch, conversions, value, 'time_decay',
                       power(2, pos - len) / sum(power(2, pos - len)) OVER (PARTITION BY id) FROM raw_touches
      UNION ALL SELECT ch, conversions, value, 'position_based',
                       CASE WHEN len = 1 THEN 1 WHEN len = 2 THEN 0.5 WHEN pos IN (1, len) THEN 0.4
                            ELSE 0.2 / (len - 2) END FROM raw_touches) x
GROUP BY ch, model;
SELECT is(count(*), 0::bigint, 'heuristic_attribution (5 models, conversions and value) equals plain SQL to 1e-8')
FROM sql_heuristic s
FULL JOIN (SELECT h.state, h.model, sum(h.conversions) AS conversions, sum(h.conversion_value) AS conversion_value
           FROM path_data p, ecomai.heuristic_attribution(p.path, p.conversions, p.value) h GROUP BY 1, 2) h
  USING (state, model)
WHERE NOT (abs(s.conversions - h.conversions) < 1e-8 AND abs(s.conversion_value - h.conversion_value) < 1e-8);

-- Order selection (issue 16): log-likelihood per order equals the plain-SQL k-gram count.
-- Plain SQL: the k-gram transitions of every path, for k = 1..4 (ChannelAttribution's
-- conventions: consecutive repeats collapse; start and channel edges weigh conversions + nulls).
CREATE TEMP TABLE pd_o AS SELECT row_number() OVER () AS id, * FROM path_data;
CREATE TEMP TABLE kgram AS
WITH t AS (
  SELECT id, row_number() OVER (PARTITION BY id ORDER BY o) AS pos, ch
  FROM (SELECT id, o, ch, lag(ch) OVER (PARTITION BY id ORDER BY o) AS prev
        FROM pd_o, regexp_split_to_table(pd_o.path, '\s*>\s*') WITH ORDINALITY s(ch, o)) x
  WHERE prev IS DISTINCT FROM ch),
st AS (
  SELECT k, id, pos, count(*) OVER (PARTITION BY k, id) AS len,
         array_to_string((array_agg(ch) OVER (PARTITION BY k, id ORDER BY pos))[greatest(1, pos - k + 1):pos], ' > ') AS s
  FROM t, generate_series(1, 4) k),
tr AS (
  SELECT k, coalesce(lag(s) OVER (PARTITION BY k, id ORDER BY pos), '(start)') AS f, s AS t, conversions + nulls AS w
  FROM st JOIN pd_o USING (id)
  UNION ALL SELECT k, s, '(conversion)', conversions FROM st JOIN pd_o USING (id) WHERE pos = len AND conversions > 0
  UNION ALL SELECT k, s, '(null)', nulls FROM st JOIN pd_o USING (id) WHERE pos = len AND nulls > 0)
SELECT k, f, t, sum(w) AS c FROM tr GROUP BY k, f, t;
CREATE TEMP TABLE sql_ll AS
SELECT k, sum(c * ln(c / rowtot)) AS ll, count(*) AS transitions
FROM (SELECT k, c, sum(c) OVER (PARTITION BY k, f) AS rowtot FROM kgram) x GROUP BY k;

SELECT is(count(*), 4::bigint, 'PathData: markov_choose_order log-likelihood of orders 1-4 equals plain-SQL k-gram counts (1e-9 relative)')
FROM ecomai.markov_choose_order((SELECT ecomai.markov_fit_paths(path, conversions, nulls, 4) FROM path_data)) o
JOIN sql_ll s ON s.k = o.chain_order
WHERE abs(o.log_likelihood - s.ll) <= 1e-9 * abs(s.ll) AND o.transitions = s.transitions;
SELECT is(count(*), 12::bigint, 'order 3: removal effects equal brute-force re-solves to 1e-12')
FROM ecomai.markov_attribution((SELECT ecomai.markov_fit_paths(path, conversions, nulls, 3) FROM path_data)) a
JOIN pg_temp.brute_removal((SELECT ecomai.markov_fit_paths(path, conversions, nulls, 3) FROM path_data)) b ON b.channel = a.state
WHERE abs(a.removal_effect - b.removal_effect) < 1e-12;

-- The retentioneering clickstream: sessions as markov_path (no collapsing, no outcome), ties in
-- timestamps broken by the file's line order.
CREATE TEMP TABLE ecom (line serial, user_id text, session_id text, event text, ts timestamp, platform text,
                        channel text, cohort text, lifecycle text);
SELECT format('COPY ecom (user_id, session_id, event, ts, platform, channel, cohort, lifecycle) FROM %L (FORMAT csv, HEADER)',
    :'data_dir' || '/retentioneering-ecom/ecom.csv') AS copy_ecom \gset
:copy_ecom;
CREATE TEMP TABLE ecom_chains AS
SELECT k, ecomai.markov_merge(p) AS m
FROM (SELECT k, ecomai.markov_path(event, NULL, k ORDER BY ts, line) AS p
      FROM ecom, generate_series(1, 4) k GROUP BY k, session_id) s GROUP BY k;
CREATE TEMP TABLE ecom_ll AS
WITH st AS (
  SELECT k, session_id, row_number() OVER w AS pos,
         array_to_string((array_agg(event) OVER w)[greatest(1, row_number() OVER w - k + 1):row_number() OVER w], ' > ') AS s
  FROM ecom, generate_series(1, 4) k WINDOW w AS (PARTITION BY k, session_id ORDER BY ts, line)),
tr AS (SELECT k, coalesce(lag(s) OVER (PARTITION BY k, session_id ORDER BY pos), '(start)') AS f, s AS t FROM st),
c AS (SELECT k, f, t, count(*)::float8 AS c FROM tr GROUP BY k, f, t)
SELECT k, sum(c * ln(c / rowtot)) AS ll, count(*) AS transitions
FROM (SELECT k, c, sum(c) OVER (PARTITION BY k, f) AS rowtot FROM c) x GROUP BY k;
SELECT is(count(*), 4::bigint, 'ecom.csv: log-likelihood of orders 1-4 equals plain-SQL k-gram counts (1e-9 relative)')
FROM ecom_chains e, ecomai.markov_choose_order(e.m) o JOIN ecom_ll s ON s.k = o.chain_order
WHERE e.k = 4 AND abs(o.log_likelihood - s.ll) <= 1e-9 * abs(s.ll) AND o.transitions = s.transitions;
SELECT is(count(*), 0::bigint, 'lower orders by truncation equal chains fitted with that order (same log-likelihood)')
FROM ecom_chains e4, ecomai.markov_choose_order(e4.m) o, ecom_chains ek, ecomai.markov_choose_order(ek.m) ok
WHERE e4.k = 4 AND ek.k = o.chain_order AND ok.chain_order = ek.k AND abs(ok.log_likelihood - o.log_likelihood) > 1e-9 * abs(o.log_likelihood);
-- Asked with one page, a higher-order chain gives the lumped first-order answer.
SELECT is(count(*), 0::bigint, 'markov_next(order k, ''cart'') equals the order-1 row of cart for k = 2, 3, 4 (1e-12)')
FROM ecom_chains ek, ecom_chains e1, ecomai.markov_next(e1.m, 'cart') n1
FULL JOIN LATERAL (SELECT * FROM ecomai.markov_next(ek.m, 'cart')) nk ON nk.state = n1.state
WHERE e1.k = 1 AND ek.k > 1 AND (nk.probability IS NULL OR abs(nk.probability - n1.probability) > 1e-12);
SELECT is(count(*), 0::bigint, 'markov_probability(order k, ARRAY[''cart''], page, 3) equals the order-1 answer (1e-12)')
FROM ecom_chains ek, ecom_chains e1, (SELECT DISTINCT event FROM ecom) ev
WHERE e1.k = 1 AND ek.k > 1 AND abs(ecomai.markov_probability(ek.m, ARRAY['cart'], ev.event, 1)
                                    - ecomai.markov_probability(e1.m, 'cart', ev.event, 1)) > 1e-12;

-- markovchain's MLE confidence intervals (issue 16 item 4): p +- z p / sqrt(n_ij), clamped to [0, 1],
-- z = qnorm(1 - (1 - level) / 2) with that level in single precision as markovchain computes it.
-- z values from Python's statistics.NormalDist().inv_cdf (an independent implementation):
-- float32(0.975) = 0.9750000238418579 -> 1.9599643924763865; float32(0.95) -> 1.6448535113665228.
SELECT is(count(*), 0::bigint, 'Alofi rain: 95% intervals equal markovchain''s formula to 1e-9 (9 transitions)')
FROM rain_chain, ecomai.markov_confidence(m) c
FULL JOIN (SELECT rain AS f, next_rain AS t, n / sum(n) OVER (PARTITION BY rain) AS p, n
           FROM (SELECT rain, next_rain, count(*)::float8 AS n
                 FROM (SELECT rain, lead(rain) OVER (ORDER BY day) AS next_rain FROM rain) q
                 WHERE next_rain IS NOT NULL GROUP BY 1, 2) x) r ON r.f = c.from_state AND r.t = c.to_state
WHERE NOT (abs(c.standard_error - r.p / sqrt(r.n)) < 1e-9
           AND abs(c.lower_bound - greatest(0, r.p - 1.9599643924763865 * r.p / sqrt(r.n))) < 1e-9
           AND abs(c.upper_bound - least(1, r.p + 1.9599643924763865 * r.p / sqrt(r.n))) < 1e-9) OR c.from_state IS NULL OR r.f IS NULL;
SELECT is(count(*), 9::bigint, 'Alofi rain: 90% intervals equal the formula to 1e-9')
FROM rain_chain, ecomai.markov_confidence(m, 0.9) c
WHERE abs(c.lower_bound - greatest(0, c.probability - 1.6448535113665228 * c.standard_error)) < 1e-9
  AND abs(c.upper_bound - least(1, c.probability + 1.6448535113665228 * c.standard_error)) < 1e-9;

-- The same intervals as printed by R markovchain 0.9.1 (Debian r-cran-markovchain, R 4.2.2):
-- markovchainFit(data = rain$rain, method = "mle", confidencelevel = 0.95 and 0.90) on data(rain),
-- standardError / lowerEndpointMatrix / upperEndpointMatrix with %.17g. bench/markov_confidence_r.sh
-- reproduces them (it installs R and the package) and compares: max abs difference 1.1e-16. With the
-- unrounded z = qnorm(0.975) the endpoints would differ from these by up to 1.8e-8.
SELECT is(count(*), 0::bigint, 'Alofi rain: 95% and 90% intervals equal R markovchain 0.9.1''s printed endpoints to 1e-9 (18 cells)')
FROM (SELECT v.level, c.* FROM rain_chain, (VALUES (0.95::float8), (0.9)) v(level), ecomai.markov_confidence(m, v.level) c) c
FULL JOIN (VALUES
  (0.95, '0', '0', 0.034719521150438776, 0.59253491642714862, 0.72863296678453027),
  (0.95, '0', '1-5', 0.020483525840003326, 0.1897800260204936, 0.27007398857804654),
  (0.95, '0', '6+', 0.014134975716085463, 0.081785002002844595, 0.13719310018693642),
  (0.95, '1-5', '0', 0.039666339420716332, 0.38484042116911904, 0.54032964685809193),
  (0.95, '1-5', '1-5', 0.03226813938947326, 0.24287804476475952, 0.36936685319442419),
  (0.95, '1-5', '6+', 0.028048337589235788, 0.17631877406374361, 0.28626625994986182),
  (0.95, '6+', '0', 0.027948884631879348, 0.14284963981010967, 0.25240727718593775),
  (0.95, '6+', '1-5', 0.035131203230496399, 0.24339705703025311, 0.38110887182350178),
  (0.95, '6+', '6+', 0.044013947532253142, 0.40385280713955873, 0.5763843470106389),
  (0.9, '0', '0', 0.034719521150438776, 0.60347541532857596, 0.71769246788310292),
  (0.9, '0', '1-5', 0.020483525840003326, 0.1962346078961737, 0.26361940670236644),
  (0.9, '0', '6+', 0.014134975716085463, 0.086239086655206812, 0.13273901553457423),
  (0.9, '1-5', '0', 0.039666339420716332, 0.39733971633438386, 0.52783035169282699),
  (0.9, '1-5', '1-5', 0.03226813938947326, 0.25304608659955236, 0.35919881135963133),
  (0.9, '1-5', '6+', 0.028048337589235788, 0.18515711043515462, 0.27742792357845086),
  (0.9, '6+', '0', 0.027948884631879348, 0.15165663747249913, 0.24360027952354829),
  (0.9, '6+', '1-5', 0.035131203230496399, 0.25446728143466452, 0.37003864741909037),
  (0.9, '6+', '6+', 0.044013947532253142, 0.41772208092757035, 0.56251507322262728)
) r(level, f, t, se, lo, hi) ON r.level = c.level AND r.f = c.from_state AND r.t = c.to_state
WHERE c.from_state IS NULL OR r.f IS NULL
   OR NOT (abs(c.standard_error - r.se) < 1e-9 AND abs(c.lower_bound - r.lo) < 1e-9 AND abs(c.upper_bound - r.hi) < 1e-9);

-- Bootstrap intervals of removal effects (resampling journeys, seeded): reproducible.
CREATE TEMP TABLE path_arrays AS
SELECT array_agg(path) AS p, array_agg(conversions) AS c, array_agg(nulls) AS n FROM path_data;
CREATE TEMP TABLE boot AS
SELECT b.* FROM path_arrays d, ecomai.markov_attribution_bootstrap(d.p, d.c, d.n, 30, 42) b;
SELECT is((SELECT array_agg(b ORDER BY state)::text FROM path_arrays d, ecomai.markov_attribution_bootstrap(d.p, d.c, d.n, 30, 42) b),
          (SELECT array_agg(b ORDER BY state)::text FROM boot b), 'the same seed gives the same intervals');
SELECT isnt((SELECT array_agg(b ORDER BY state)::text FROM path_arrays d, ecomai.markov_attribution_bootstrap(d.p, d.c, d.n, 30, 43) b),
          (SELECT array_agg(b ORDER BY state)::text FROM boot b), 'another seed gives other intervals');
SELECT is(count(*), 12::bigint, 'point estimates equal markov_attribution (1e-12); every interval is ordered and within [0, 1]')
FROM boot b JOIN value_attr a USING (state)
WHERE abs(b.removal_effect - a.removal_effect) < 1e-12 AND abs(b.share - a.share) < 1e-12
  AND 0 <= b.removal_effect_lower AND b.removal_effect_lower <= b.removal_effect_upper AND b.removal_effect_upper <= 1
  AND b.share_lower <= b.share_upper;
SELECT ok(removal_effect_lower < removal_effect AND removal_effect < removal_effect_upper
          AND removal_effect_upper - removal_effect_lower < 0.05,
    'alpha: the 95% interval holds the estimate and is narrow (88,387 journeys)')
FROM boot WHERE state = 'alpha';

\else
SELECT skip('shared data directory not configured (ecomai_test.data_dir): Alofi rain and PathData checks', 28);
\endif

SELECT * FROM finish();
ROLLBACK;
