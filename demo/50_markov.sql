-- Showcase: Markov chains over the shop's clickstream (shop.events, shop.sessions).
\echo
\echo '== Markov chains: the session funnel and channel attribution'

-- One chain for the whole shop: each session's pages in time order (markov_path), summed over
-- sessions (markov_merge, combinable and parallel).  Sessions that did not convert end in (exit);
-- converted sessions end at the purchase page.
CREATE TEMP TABLE funnel AS
SELECT ecomai.markov_merge(p) AS m
FROM (SELECT ecomai.markov_path(e.page_type, CASE WHEN NOT s.converted THEN '(exit)' END ORDER BY e.ts) AS p
      FROM shop.events e JOIN shop.sessions s USING (session_id)
      GROUP BY e.session_id) per_session;

\echo '-- From the cart page, what do visitors do next?'
SELECT n.state AS next_page, round(n.probability::numeric, 4) AS probability
FROM funnel, ecomai.markov_next(m, 'cart') n;

\echo '-- From each page type, how likely is a purchase, and in how many more pages on average?'
SELECT a.state AS page, round(a.probability::numeric, 4) AS p_purchase,
       round(a.expected_steps::numeric, 2) AS expected_pages_until_end
FROM funnel, ecomai.markov_absorption(m, ARRAY['purchase']) a
ORDER BY a.probability DESC;

\echo '-- What share of sessions is on the checkout page three clicks after arriving?'
SELECT round(ecomai.markov_probability(m, '(start)', 'checkout', 3)::numeric, 4) AS p_checkout_at_step_3
FROM funnel;

\echo '-- Which channel deserves credit for conversions?  Customers'' session channels in time order,'
\echo '-- cut after each purchase, as ChannelAttribution-style path strings.'
CREATE TEMP TABLE channel_paths AS
WITH touches AS (
    SELECT customer_id, started_at, channel, converted,
           count(*) FILTER (WHERE converted) OVER (PARTITION BY customer_id ORDER BY started_at
                                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS journey
    FROM shop.sessions WHERE customer_id IS NOT NULL
)
SELECT string_agg(channel, ' > ' ORDER BY started_at) AS path,
       bool_or(converted)::int::float8 AS conversions,
       (NOT bool_or(converted))::int::float8 AS nulls
FROM touches GROUP BY customer_id, coalesce(journey, 0);

\echo '-- Markov removal effects (exact absorbing-chain algebra) beside first-, last-touch and linear credit.'
WITH chain AS (SELECT ecomai.markov_fit_paths(path, conversions, nulls) AS m FROM channel_paths),
heuristic AS (
    SELECT t.channel, sum(t.first_touch) AS first_touch, sum(t.last_touch) AS last_touch,
           sum(t.linear_touch) AS linear_touch
    FROM channel_paths, ecomai.touch_attribution(path, conversions) t
    GROUP BY t.channel
)
SELECT a.state AS channel, round(a.removal_effect::numeric, 4) AS removal_effect,
       round(a.conversions::numeric, 1) AS markov, round(h.first_touch::numeric, 1) AS first_touch,
       round(h.last_touch::numeric, 1) AS last_touch, round(h.linear_touch::numeric, 1) AS linear
FROM chain, ecomai.markov_attribution(m) a JOIN heuristic h ON h.channel = a.state
ORDER BY a.conversions DESC;

\echo '-- Simulated journeys (seeded): 100,000 sessions drawn from the chain convert as often as the algebra says.'
SELECT (SELECT round(avg((s.path[cardinality(s.path)] = 'purchase')::int), 4)
        FROM ecomai.markov_simulate(m, '(start)', 100000, 1000, 42) s) AS simulated_purchase_rate,
       (SELECT round(a.probability::numeric, 4) FROM ecomai.markov_absorption(m, ARRAY['purchase']) a
        WHERE a.state = '(start)') AS exact_purchase_rate
FROM funnel;

\echo '-- Sessions recut from the events of known customers: a new session after 30 idle minutes'
\echo '-- (event_id breaks ties between events with the same timestamp).'
SELECT count(*) AS events, count(DISTINCT (customer_id, session)) AS sessions_30min,
       count(DISTINCT session_id) AS sessions_recorded
FROM (SELECT s.customer_id, e.session_id,
             ecomai.sessionize(e.ts, '30 minutes') OVER (PARTITION BY s.customer_id ORDER BY e.ts, e.event_id) AS session
      FROM shop.events e JOIN shop.sessions s USING (session_id)
      WHERE s.customer_id IS NOT NULL) q;

\echo '-- The funnel as a Graphviz picture: the 4 likeliest next pages of each page, pen width by flow,'
\echo '-- purchase and (exit) highlighted (demo-output/markov_funnel.svg and .png).'
SELECT ecomai.markov_to_dot(m, k => 4, edge_width => 'flow', highlight => ARRAY['purchase', '(exit)']) AS dot
FROM funnel \gset
\set dotfile :outdir '/markov_funnel.dot'
SELECT :'dot' AS funnel_dot \g (format=unaligned tuples_only) :dotfile
\setenv MARKOV_DOT :dotfile
\! if command -v dot >/dev/null; then dot -Tsvg -o "${MARKOV_DOT%.dot}.svg" "$MARKOV_DOT" && dot -Tpng -o "${MARKOV_DOT%.dot}.png" "$MARKOV_DOT" && echo "wrote ${MARKOV_DOT%.dot}.svg and .png"; else echo "wrote $MARKOV_DOT (install graphviz to render it)"; fi
