-- Graphviz options of markov_to_dot and bn_to_dot (issue 16 item 7): top-k edges per state,
-- pen width by probability or flow, highlighted states; the edges drawn are checked against
-- markov_matrix, the widths against their formula, every error.
BEGIN;
SELECT plan(14);

-- page pairs of a few sessions (the five pages lead to each other unevenly), ending in (conversion)
CREATE TEMP TABLE funnel AS
SELECT ecomai.markov_fit(split_part(pair, '/', 1), split_part(pair, '/', 2)) AS m
FROM unnest(string_to_array('(start)/search (start)/search (start)/display (start)/email search/email search/email '
    'search/display search/(null) email/(conversion) email/search email/(null) display/search display/(null) '
    'display/(null) display/email (start)/email search/(conversion)', ' ')) pair;
-- the edges of a dot text: (from, to, label, penwidth)
CREATE FUNCTION pg_temp.edges(dot text) RETURNS TABLE (f text, t text, label float8, penwidth float8)
LANGUAGE sql AS $$
    SELECT r[1], r[2], r[3]::float8, r[4]::float8
    FROM regexp_matches(dot, '"([^"]*)" -> "([^"]*)" \[label="([^"]*)"(?:, penwidth=([0-9.]+))?', 'g') r
$$;

SELECT is((SELECT count(*) FROM funnel, pg_temp.edges(ecomai.markov_to_dot(m))),
          (SELECT count(*) FROM funnel, ecomai.markov_matrix(m) x WHERE x.from_state <> x.to_state OR x.count > 0),
    'default: every transition is drawn (absorbing self-loops left out)');
SELECT is((SELECT count(*) FROM funnel, pg_temp.edges(ecomai.markov_to_dot(m, k => 2))),
          (SELECT sum(least(2, n)) FROM (SELECT count(*) AS n FROM funnel, ecomai.markov_matrix(m) x
                                         WHERE x.count > 0 GROUP BY from_state) q)::bigint,
    'k => 2: at most two edges out of each state');
SELECT is((SELECT array_agg(f || '->' || t ORDER BY f) FROM funnel, pg_temp.edges(ecomai.markov_to_dot(m, k => 1))),
          (SELECT array_agg(from_state || '->' || to_state ORDER BY from_state) FROM (
               SELECT DISTINCT ON (from_state) from_state, to_state FROM funnel, ecomai.markov_matrix(m) x
               WHERE x.count > 0 ORDER BY from_state, probability DESC, to_state) q),
    'k => 1: the most probable edge of each state');
SELECT is((SELECT count(*) FROM funnel, pg_temp.edges(ecomai.markov_to_dot(m, 0.3, 1))
           WHERE label < 0.3), 0::bigint, 'threshold and k together');
SELECT is((SELECT max(abs(e.penwidth - round((0.5 + 7.5 * x.probability)::numeric, 2)::float8))
           FROM funnel, pg_temp.edges(ecomai.markov_to_dot(m, edge_width => 'probability')) e
           JOIN ecomai.markov_matrix(m) x ON x.from_state = e.f AND x.to_state = e.t), 0::float8,
    'edge_width => probability: pen width 0.5 + 7.5 p');
SELECT is((SELECT max(abs(e.penwidth - round((0.5 + 7.5 * x.count / (SELECT max(count) FROM ecomai.markov_matrix(m)))::numeric, 2)::float8))
           FROM funnel, pg_temp.edges(ecomai.markov_to_dot(m, edge_width => 'flow')) e
           JOIN ecomai.markov_matrix(m) x ON x.from_state = e.f AND x.to_state = e.t), 0::float8,
    'edge_width => flow: pen width 0.5 + 7.5 count / largest count');
SELECT ok((SELECT ecomai.markov_to_dot(m, highlight => ARRAY['(conversion)', 'email']) FROM funnel)
          ~ '"\(conversion\)" \[shape=doublecircle, style="rounded,filled", fillcolor="#b7e4c7"\]',
    'highlight: an absorbing state is filled with the first colour');
SELECT is((SELECT count(*) FROM funnel, regexp_matches(ecomai.markov_to_dot(m, highlight => ARRAY['(conversion)']),
                                                        '-> "\(conversion\)" [^\n]*color="#2d6a4f"', 'g')),
          (SELECT count(*) FROM funnel, ecomai.markov_matrix(m) x WHERE to_state = '(conversion)' AND from_state <> to_state),
    'highlight: every edge into a highlighted state takes its colour');
SELECT throws_ok($$SELECT ecomai.markov_to_dot(m, highlight => ARRAY['Purchase']) FROM funnel$$,
    '22023', 'unknown state "Purchase"', 'an unknown highlight state is named');
SELECT throws_ok($$SELECT ecomai.markov_to_dot(m, edge_width => 'thick') FROM funnel$$,
    '22023', 'unknown edge_width "thick"', 'an unknown edge_width');
SELECT throws_ok($$SELECT ecomai.markov_to_dot(m, k => -1) FROM funnel$$,
    '22023', 'k must be non-negative, not -1', 'a negative k');

-- bn_to_dot
CREATE TEMP TABLE net AS
SELECT ecomai.bn_from_bif('network n { } variable a { type discrete [ 2 ] { x, y }; } variable b { type discrete [ 2 ] { u, v }; }
    probability ( a ) { table 0.3, 0.7; } probability ( b | a ) { (x) 0.1, 0.9; (y) 0.5, 0.5; }') AS bn;
SELECT ok((SELECT ecomai.bn_to_dot(bn, ARRAY['a']) FROM net) ~ '"a" \[style=filled, fillcolor="#b7e4c7"\];\n  "b";\n  "a" -> "b" \[color="#2d6a4f", penwidth=2\];',
    'bn_to_dot: a highlighted variable and the edges out of it are coloured');
SELECT is((SELECT ecomai.bn_to_dot(bn) FROM net), (SELECT ecomai.bn_to_dot(bn, '{}') FROM net),
    'bn_to_dot without highlight is the plain DAG');
SELECT throws_ok($$SELECT ecomai.bn_to_dot(bn, ARRAY['c']) FROM net$$,
    '22023', 'unknown variable "c"', 'bn_to_dot: an unknown variable');

SELECT * FROM finish();
ROLLBACK;
