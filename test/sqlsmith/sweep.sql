-- Argument sweep for tools/sqlsmith.sh, the complement of sqlsmith's random queries: sqlsmith
-- favours parameterless functions and aggregates and passes NULL for most arguments, so the
-- deep ecomai functions (absorption, attribution, inference, neighbourhoods) rarely get real
-- values from it.  This script prints :n calls of every ecomai function and aggregate (type I/O
-- included, transition and combine functions left out: they only work inside their aggregate),
-- each argument drawn from a pool of values of its type: the model tables' values, edge cases
-- and NULL.  Reproducible: setseed(:seed / 2^31) before drawing.
--   psql -At -v n=200 -v seed=20261128 -f sweep.sql > calls.sql
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE TEMP TABLE pool (typ regtype, expr text);
-- A literal on one line (newlines as \n in an E'' string), so that every call is one line.
CREATE FUNCTION pg_temp.lit(v text) RETURNS text LANGUAGE sql IMMUTABLE STRICT
RETURN CASE WHEN quote_literal(v) LIKE 'E%' THEN '' ELSE 'E' END || replace(quote_literal(v), E'\n', '\n');
-- literals, by type
INSERT INTO pool SELECT 'float8', unnest('{0,1,-1,0.5,2,1e308,-1e308,5e-324,NULL,''NaN''::float8,''Infinity''::float8,''-Infinity''::float8}'::text[]);
INSERT INTO pool SELECT 'int4', unnest('{0,1,-1,2,3,5,16,17,100,2147483647,-2147483648,NULL}'::text[]);
INSERT INTO pool SELECT 'int8', unnest('{0,1,-1,7,42,9223372036854775807,-9223372036854775808,NULL}'::text[]);
INSERT INTO pool SELECT 'bool', unnest('{true,false,NULL}'::text[]);
INSERT INTO pool SELECT 'text', pg_temp.lit(v) FROM unnest('{"",cosine,adjusted_cosine,pearson,jaccard,msd,user,item,all,common,none,mean,zscore,baseline,home,cart,purchase,(start),(exit),(conversion),(null),converted,device,channel,segment,nope,"email > social > direct","email > > direct"," > ",[a][b|a],"[channel][device][converted|channel:device]","[a|b][b|a]","[a{x,y}][b|a] pseudo_count=1","[a] pseudo_count=-1"}'::text[]) v;
INSERT INTO pool VALUES ('text', 'NULL'), ('text', 'repeat(''a > '', 5000)'), ('text', 'repeat(''[v'' || ''] '', 300)');
INSERT INTO pool SELECT 'text', pg_temp.lit(bif) FROM models.networks WHERE bif IS NOT NULL GROUP BY bif;
INSERT INTO pool SELECT 'text', pg_temp.lit(p) FROM models.chains, unnest(path) p WHERE name = 'attribution' LIMIT 8;
INSERT INTO pool SELECT 'text[]', pg_temp.lit(v::text) || '::text[]'
FROM (SELECT states FROM models.chains UNION SELECT path FROM models.chains UNION SELECT vals FROM models.fit_states
      UNION SELECT unnest(ARRAY['{}', '{NULL}', '{a,a}', '{{a,b},{c,d}}', '{purchase,(exit)}', '{(conversion),(null)}', '{home,nope}'])::text[]) s(v)
WHERE v IS NOT NULL;
INSERT INTO pool VALUES ('text[]', 'NULL');
INSERT INTO pool SELECT 'float8[]', pg_temp.lit(v::text) || '::float8[]'
FROM (SELECT v8 FROM models.vectors WHERE id < 0 OR id % 20 = 1 UNION SELECT matrix FROM models.chains
      UNION SELECT quantities FROM models.baskets WHERE customer_id < 0 OR customer_id % 50 = 1
      UNION SELECT unnest(ARRAY['{1,2}', '{3,2,1}', '{-1,1e300}', '{1,0,0}', '{5,1,2,3,4,5}'])::float8[]) s(v)
WHERE v IS NOT NULL;
INSERT INTO pool VALUES ('float8[]', 'NULL');
INSERT INTO pool SELECT 'float4[]', pg_temp.lit(v4::text) || '::float4[]' FROM models.vectors WHERE id < 0 OR id % 20 = 1;
INSERT INTO pool SELECT 'int8[]', pg_temp.lit(v::text) || '::int8[]'
FROM (SELECT recommended FROM models.rankings UNION SELECT relevant FROM models.rankings
      UNION SELECT product_ids FROM models.baskets WHERE customer_id < 0 OR customer_id % 50 = 1) s(v) WHERE v IS NOT NULL;
INSERT INTO pool VALUES ('int8[]', 'NULL');
INSERT INTO pool SELECT 'jsonb', pg_temp.lit(v::text) || '::jsonb'
FROM (SELECT evidence FROM models.networks UNION SELECT event FROM models.networks
      UNION SELECT unnest(ARRAY['null', '[]', '{}', '{"a":{"b":1}}', '{"converted":["true"]}', '{"device":"mobile","device":"tablet"}'])::jsonb) s(v)
WHERE v IS NOT NULL;
INSERT INTO pool VALUES ('jsonb', 'NULL');
INSERT INTO pool SELECT 'ecomai.svec', pg_temp.lit(basket::text) || '::ecomai.svec'
FROM models.baskets WHERE basket IS NOT NULL AND (customer_id < 0 OR customer_id % 25 = 1);
INSERT INTO pool SELECT 'ecomai.markov_chain', pg_temp.lit(chain::text) || '::ecomai.markov_chain' FROM models.chains WHERE chain IS NOT NULL;
INSERT INTO pool SELECT 'ecomai.bayesnet', pg_temp.lit(bn::text) || '::ecomai.bayesnet'
FROM (SELECT DISTINCT ON (name) bn FROM models.networks WHERE bn IS NOT NULL ORDER BY name) s;
INSERT INTO pool SELECT 'ecomai.bn_fit_state', pg_temp.lit(state::text) || '::ecomai.bn_fit_state' FROM models.fit_states WHERE state IS NOT NULL;
INSERT INTO pool SELECT t, 'NULL' FROM unnest('{ecomai.svec,ecomai.markov_chain,ecomai.bayesnet,ecomai.bn_fit_state}'::regtype[]) t;
INSERT INTO pool SELECT 'regclass', pg_temp.lit(v) || '::regclass'
FROM unnest('{shop.order_items,shop.reviews,shop.events,shop.products,models.item_sim,models.vectors,models.rankings,pg_catalog.pg_class}'::text[]) v;
INSERT INTO pool VALUES ('regclass', 'NULL');
INSERT INTO pool SELECT 'name', pg_temp.lit(v) || '::name'
FROM unnest('{customer_id,product_id,quantity,rating,unit_price,item,neighbor,similarity,session_id,event_id,name,embedding,nope,""}'::text[]) v;
INSERT INTO pool VALUES ('name', 'NULL');
INSERT INTO pool SELECT 'cstring', pg_temp.lit(v) || '::cstring'
FROM unnest(ARRAY['', '{}', '{1:2,3:4}', '{3:1,1:2}', '{1:2,1:3}', '{1:nan}', '{1:1e309}', '{9223372036854775808:1}', '{1:2',
                  'markov_chain', 'bayesnet', 'network x { }']) v;
INSERT INTO pool SELECT 'cstring', pg_temp.lit(v::text) || '::cstring' FROM (SELECT chain::text FROM models.chains WHERE chain IS NOT NULL LIMIT 3) s(v);
INSERT INTO pool SELECT 'cstring', pg_temp.lit(v::text) || '::cstring' FROM (SELECT bn::text FROM models.networks WHERE bn IS NOT NULL LIMIT 2) s(v);
INSERT INTO pool SELECT 'cstring', pg_temp.lit(v::text) || '::cstring' FROM (SELECT state::text FROM models.fit_states WHERE state IS NOT NULL LIMIT 2) s(v);
CREATE TEMP TABLE pool_arr AS SELECT typ, array_agg(expr ORDER BY expr) AS exprs FROM pool GROUP BY typ;

SELECT setseed(:seed / 2147483648.0);
-- One call: each argument a random pick from its type's pool; aggregates over three rows that
-- share their first argument (a structure, a state name, a key) and draw the others per row.
WITH funcs AS (
    SELECT p.oid, p.proname, p.prokind, p.proretset, p.provariadic <> 0 AS variadic, p.proargtypes::oid[] AS args
    FROM pg_proc p
    WHERE p.pronamespace = 'ecomai'::regnamespace AND p.prokind IN ('f', 'a')
      AND p.proname !~ '(_accum|_combine|_transfn)$'
      AND NOT 'internal'::regtype = ANY (p.proargtypes::oid[])
), calls AS (
    SELECT f.*, i, random() AS r0 FROM funcs f, generate_series(1, :n) i
)
SELECT CASE WHEN c.prokind = 'a' THEN
            format('SELECT ecomai.%I(%s) FROM (VALUES %s) v(%s);', c.proname,
                   (SELECT string_agg(CASE WHEN c.variadic AND k = array_upper(c.args, 1) THEN 'VARIADIC ' ELSE '' END
                                      || 'c' || k, ', ' ORDER BY k) FROM generate_subscripts(c.args, 1) k),
                   (SELECT string_agg('(' || (SELECT string_agg(
                               '(' || coalesce((SELECT exprs[1 + floor(CASE WHEN k = 0 THEN c.r0 ELSE random() END * cardinality(exprs))::int]
                                                 FROM pool_arr WHERE typ = c.args[k] AND r = r), 'NULL')
                               || ')::' || format_type(c.args[k], NULL), ', ' ORDER BY k)
                            FROM generate_subscripts(c.args, 1) k) || ')', ', ')
                    FROM generate_series(1, 3) r),
                   (SELECT string_agg('c' || k, ', ' ORDER BY k) FROM generate_subscripts(c.args, 1) k))
       ELSE
            format('SELECT %s ecomai.%I(%s);', CASE WHEN c.proretset THEN '* FROM' ELSE '' END, c.proname,
                   (SELECT string_agg(CASE WHEN c.variadic AND k = array_upper(c.args, 1) THEN 'VARIADIC ' ELSE '' END
                                      || '(' || coalesce((SELECT exprs[1 + floor(random() * cardinality(exprs))::int]
                                                   FROM pool_arr WHERE typ = c.args[k] AND c.i = c.i), 'NULL')
                                      || ')::' || format_type(c.args[k], NULL), ', ' ORDER BY k)
                    FROM generate_subscripts(c.args, 1) k))
       END
FROM calls c ORDER BY c.proname, c.oid, c.i;
