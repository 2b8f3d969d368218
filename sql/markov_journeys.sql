-- Journeys: sessions from events (sessionize) and the warning for events that nothing orders,
-- and simulated journeys (markov_simulate) for a fixed seed.
SET client_min_messages = warning;
CREATE TABLE clicks (user_id int, event_id int, ts timestamptz, page text);
INSERT INTO clicks VALUES
    (1, 1, '2026-05-01 10:00:00+00', 'home'),
    (1, 2, '2026-05-01 10:05:00+00', 'product'),
    (1, 3, '2026-05-01 10:05:00+00', 'cart'),        -- same second as event 2
    (1, 4, '2026-05-01 11:00:00+00', 'home'),        -- 55 minutes later: a new session
    (2, 5, '2026-05-01 09:00:00+00', 'search'),
    (2, 6, '2026-05-01 09:29:59+00', 'product'),
    (2, 7, '2026-05-01 10:00:00+00', 'cart');
SET TIME ZONE 'UTC';

-- with a tie-break column: no warning
SELECT user_id, event_id, page,
       ecomai.sessionize(ts, '30 minutes') OVER (PARTITION BY user_id ORDER BY ts, event_id) AS session
FROM clicks ORDER BY user_id, event_id;

-- ordered by the timestamp alone, events 2 and 3 are peers: their order depends on the plan
SELECT count(DISTINCT (user_id, session)) AS sessions
FROM (SELECT user_id, ecomai.sessionize(ts, '30 minutes') OVER (PARTITION BY user_id ORDER BY ts) AS session
      FROM clicks) s;

-- the session paths
SELECT user_id, session, string_agg(page, ' > ' ORDER BY ts, event_id) AS path
FROM (SELECT *, ecomai.sessionize(ts, '30 minutes') OVER (PARTITION BY user_id ORDER BY ts, event_id) AS session
      FROM clicks) s
GROUP BY 1, 2 ORDER BY 1, 2;

-- simulated journeys from a chain given by its matrix
SELECT journey, array_to_string(path, ' > ') AS path
FROM ecomai.markov_simulate(
    ecomai.markov_from_matrix(ARRAY['(start)', 'home', 'cart', '(conversion)', '(exit)'],
        ARRAY[[0, 1, 0, 0, 0], [0, 0.2, 0.5, 0, 0.3], [0, 0.3, 0, 0.4, 0.3],
              [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]::float8[]),
    '(start)', journeys => 8, max_steps => 20, seed => 7);

DROP TABLE clicks;
