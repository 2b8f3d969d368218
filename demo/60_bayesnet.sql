-- Showcase: a Bayesian network over session attributes, learned with bn_fit, queried exactly.
\echo
\echo '== Bayesian networks: what drives a purchase?'

-- One row per session: device, channel, pages seen (bucketed), reached cart, converted.
CREATE TEMP TABLE bn_sessions AS
SELECT s.device, s.channel,
       CASE WHEN e.pages <= 2 THEN '1-2' WHEN e.pages <= 5 THEN '3-5' ELSE '6+' END AS pages,
       CASE WHEN e.cart THEN 'yes' ELSE 'no' END AS cart,
       CASE WHEN s.converted THEN 'yes' ELSE 'no' END AS purchase
FROM shop.sessions s
JOIN (SELECT session_id, count(*) FILTER (WHERE page_type NOT IN ('cart', 'checkout', 'purchase')) AS pages,
             bool_or(page_type = 'cart') AS cart
      FROM shop.events GROUP BY session_id) e USING (session_id);

\echo '-- Learn the CPTs: channel -> device -> pages -> cart -> purchase, purchase also depending on channel and device (one pass, parallel safe).'
CREATE TEMP TABLE bn_model AS
SELECT ecomai.bn_fit('[channel][device|channel][pages|channel:device][cart|pages:device][purchase|cart:channel:device] pseudo_count=1',
                     channel, device, pages, cart, purchase) AS bn
FROM bn_sessions;
SELECT variable, states, parents FROM ecomai.bn_variables((SELECT bn FROM bn_model));

\echo '-- Given a mobile visitor from paid_search who added to cart, how likely is a purchase?'
SELECT value AS purchase, round(probability::numeric, 4) AS probability
FROM ecomai.bn_query((SELECT bn FROM bn_model), 'purchase',
                     '{"device": "mobile", "channel": "paid_search", "cart": "yes"}');

\echo '-- The same question for every device: where does the cart convert best?'
SELECT d.device,
       round(ecomai.bn_probability(bn, '{"purchase": "yes"}',
             jsonb_build_object('device', d.device, 'channel', 'paid_search', 'cart', 'yes'))::numeric, 4) AS p_purchase
FROM bn_model, (VALUES ('desktop'), ('mobile'), ('tablet')) d(device)
ORDER BY p_purchase DESC;

\echo '-- Reasoning backwards: which channel is most likely behind a purchase?'
SELECT value AS channel, round(probability::numeric, 4) AS p_given_purchase
FROM ecomai.bn_query((SELECT bn FROM bn_model), 'channel', '{"purchase": "yes"}')
ORDER BY probability DESC;

\echo '-- The most probable profile of a buying session (MAP), and its probability'
SELECT ecomai.bn_map(bn, '{"purchase": "yes"}') FROM bn_model;

\echo '-- Check: purchase depends on (cart, channel, device) directly, so the answer above is the raw rate of that slice, smoothed by pseudo_count=1'
SELECT count(*) AS sessions, round(avg((purchase = 'yes')::int), 4) AS observed_rate
FROM bn_sessions WHERE device = 'mobile' AND channel = 'paid_search' AND cart = 'yes';

\echo '-- What-if data: 5 synthetic sessions drawn from the model (seeded, reproducible)'
SELECT * FROM ecomai.bn_sample((SELECT bn FROM bn_model), 5, 42);

\echo '-- The network as a Graphviz picture, purchase highlighted (demo-output/bayesnet.svg and .png)'
SELECT ecomai.bn_to_dot(bn, ARRAY['purchase']) AS dot FROM bn_model \gset
\set dotfile :outdir '/bayesnet.dot'
\o :dotfile
\qecho :dot
\o
\setenv BN_DOT :dotfile
\! if command -v dot >/dev/null; then dot -Tsvg -o "${BN_DOT%.dot}.svg" "$BN_DOT" && dot -Tpng -o "${BN_DOT%.dot}.png" "$BN_DOT" && echo "wrote ${BN_DOT%.dot}.svg and .png"; else echo "wrote $BN_DOT (install graphviz to render it)"; fi
