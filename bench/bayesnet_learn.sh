#!/usr/bin/env bash
# Structure learning benchmark on a throwaway cluster (issue 15).  For each of the bnlearn
# networks asia, sachs, child and alarm: 20,000 rows drawn with bn_sample (seed 1), then
# ecomai.bn_learn (hill climbing, BIC, the default options) timed from the rows (counting plus
# search) and from counts made once; printed: BIC of the learned and of the true network on the
# same rows, the gap in %, the SHD (bn_shd, on equivalence classes) to the true network.
# On child and alarm the same rows go to pomegranate 0.14's greedy search (Debian
# python3-pomegranate, max 4 parents, installed when missing) and its structure is scored by the
# same bn_score; when pomegranate cannot be installed, the figures measured for the issue are
# printed instead and marked as such.  Then, on the online-shoppers sessions: accuracy and AUC of
# naive Bayes, TAN and hill climbing for Revenue beside a hand-written network.
#   bench/bayesnet_learn.sh [rows]        (default 20000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=${ECOMAI_SHARED_DATA:-$(cd "$root/.." && pwd)/shared/data}
rows=${1:-20000}
[ -r "$data/bnlearn_bif/alarm.bif" ] || { echo "bnlearn_bif not found under $data" >&2; exit 1; }
py=/usr/bin/python3
if ! $py -c 'import pomegranate, numpy' 2>/dev/null; then
	echo "installing python3-pomegranate (Debian) ..." >&2
	{ [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pomegranate python3-numpy >/dev/null 2>&1; } ||
		{ command -v sudo >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pomegranate python3-numpy >/dev/null 2>&1; } || true
fi
work=$(mktemp -d /tmp/bayesnet_learn.XXXXXX)
chmod 777 "$work"
trap 'rm -rf "$work"' EXIT
cat > "$work/pom.py" <<'PY'
# pomegranate 0.14 greedy structure search on rows exported as JSON lines; prints the time and
# the learned structure as a bnlearn model string.
import json, sys, time
import numpy as np
from pomegranate import BayesianNetwork
rows = [json.loads(l) for l in open(sys.argv[1])]
cols = sorted(rows[0])
X = np.array([[r[c] for c in cols] for r in rows], dtype=object)
t0 = time.time()
m = BayesianNetwork.from_samples(X, algorithm='greedy', max_parents=4, state_names=cols)
dt = time.time() - t0
model = ''.join('[%s%s]' % (cols[i], ('|' + ':'.join(cols[j] for j in ps)) if ps else '')
                for i, ps in enumerate(m.structure))
print('%.3f %s' % (dt, model))
PY
cat > "$work/run.sh" <<'RUN'
set -euo pipefail
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
q -v data="$DATA" -v rows="$ROWS" <<'SQL'
CREATE EXTENSION ecomai;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE nets AS
SELECT n AS name, ecomai.bn_from_bif(pg_read_file(:'data' || '/bnlearn_bif/' || n || '.bif')) AS bn
FROM unnest(ARRAY['asia', 'sachs', 'child', 'alarm']) n;
CREATE TABLE samples AS SELECT name, x FROM nets, ecomai.bn_sample(bn, :rows, 1) x;
CREATE TABLE results (name text, bic_true float8, bic float8, shd int, ms_rows float8, ms_search float8);
DO $$
DECLARE
    r record;
    t0 timestamptz;
    t1 float8;
    t2 float8;
    learned ecomai.bayesnet;
    cnt ecomai.bn_counts;
BEGIN
    FOR r IN SELECT * FROM nets LOOP
        t0 := clock_timestamp();
        SELECT ecomai.bn_learn(x, '{}') INTO learned FROM samples WHERE name = r.name;
        t1 := extract(epoch FROM clock_timestamp() - t0) * 1000;
        SELECT ecomai.bn_counts(x) INTO cnt FROM samples WHERE name = r.name;
        t0 := clock_timestamp();
        PERFORM ecomai.bn_learn(cnt, '{}');
        t2 := extract(epoch FROM clock_timestamp() - t0) * 1000;
        INSERT INTO results VALUES (r.name, ecomai.bn_score(r.bn, cnt), ecomai.bn_score(learned, cnt),
                                    ecomai.bn_shd(learned, r.bn), t1, t2);
    END LOOP;
END $$;
SQL
for n in child alarm; do
	q -c "\\copy (SELECT x FROM samples WHERE name = '$n') TO '$WORK/$n.jsonl'"
done
RUN
cat >> "$work/run.sh" <<RUN
echo "ecomai.bn_learn, hill climbing with BIC (default options), $rows rows sampled from each network (seed 1):"
q -F ' | ' -P footer=off -A -c "SELECT rpad(name, 6) AS network, round(bic_true::numeric, 1) AS bic_true,
       round(bic::numeric, 1) AS bic_learned, round((100 * (bic_true - bic) / abs(bic_true))::numeric, 3) AS gap_pct,
       shd, round(ms_rows::numeric) AS ms_from_rows, round(ms_search::numeric) AS ms_from_counts
FROM results ORDER BY array_position(ARRAY['asia','sachs','child','alarm'], name)" | column -t -s '|'
echo
if $py -c 'import pomegranate' 2>/dev/null; then
	echo "pomegranate \$($py -c 'import pomegranate; print(pomegranate.__version__)') greedy search (max_parents=4) on the same rows, scored by ecomai.bn_score:"
	printf '%-7s %14s %14s %5s %10s %10s %8s\n' network bic_pomegranate bic_ecomai shd_pom s_pom s_ecomai speedup
	for n in child alarm; do
		out=\$($py "$work/pom.py" "$work/\$n.jsonl")
		secs=\${out%% *}
		model=\${out#* }
		q -v model="\$model" -v n="\$n" -v secs="\$secs" <<'SQL' | while IFS='|' read -r a b c d e f g; do printf '%-7s %14s %14s %5s %10s %10s %8s\n' "\$a" "\$b" "\$c" "\$d" "\$e" "\$f" "\$g"; done
WITH p AS (SELECT ecomai.bn_fit(:'model', x) AS bn, ecomai.bn_counts(x) AS c FROM samples WHERE name = :'n')
SELECT :'n', round(ecomai.bn_score(p.bn, p.c)::numeric, 1), round(r.bic::numeric, 1),
       ecomai.bn_shd(p.bn, t.bn), round(:'secs'::numeric, 2), round((r.ms_rows / 1000)::numeric, 2),
       round(:'secs'::numeric / (r.ms_rows / 1000)::numeric, 1) || 'x'
FROM p, results r, nets t WHERE r.name = :'n' AND t.name = :'n'
SQL
	done
else
	echo "pomegranate could not be installed here: its figures as measured for issue 15 (not from this run):"
	echo "  child: BIC -247188 vs true -245505 (SHD 22) in 2.6 s; alarm: BIC -213337 vs true -211063 (SHD 23) in 50 s"
fi
RUN
cat >> "$work/run.sh" <<'RUN'
echo
echo "online shoppers (Revenue): trained on 4/5 of the sessions (id % 5 <> 0), scored on the rest with bn_predict:"
sed "s|\$DATA|$DATA|" "$WORK/shop.sql" | psql -X -q -v ON_ERROR_STOP=1 -d postgres
RUN
cat > "$work/shop.sql" <<'SHOP'
CREATE TEMP TABLE shop_raw (Administrative int, Administrative_Duration float8, Informational int, Informational_Duration float8,
  ProductRelated int, ProductRelated_Duration float8, BounceRates float8, ExitRates float8, pagevalues float8, SpecialDay float8,
  Month text, OperatingSystems int, Browser int, Region int, TrafficType int, visitortype text, Weekend boolean, Revenue boolean);
\copy shop_raw FROM '$DATA/online-shoppers-intention/online_shoppers_intention.csv' CSV HEADER
CREATE TEMP TABLE shop AS SELECT row_number() OVER () AS id, * FROM shop_raw;
CREATE TEMP TABLE models (name text, bn ecomai.bayesnet, ms float8);
CREATE FUNCTION pg_temp.train(name text, o jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); b ecomai.bayesnet;
BEGIN
  SELECT ecomai.bn_learn(to_jsonb(s) - 'id', o) INTO b FROM shop s WHERE id % 5 <> 0;
  INSERT INTO models VALUES (name, b, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;
SET client_min_messages = warning;
\o /dev/null
SELECT pg_temp.train('hand-written [revenue|pagevalues:month:visitortype]', '{"algorithm": "none", "start": "[pagevalues][month][visitortype][revenue|pagevalues:month:visitortype]", "bins": {"pagevalues": [0, 10, 30]}, "pseudo_count": 1}');
SELECT pg_temp.train('naive Bayes', '{"algorithm": "naive_bayes", "target": "revenue", "params": "bayes"}');
SELECT pg_temp.train('TAN', '{"algorithm": "tan", "target": "revenue", "params": "bayes"}');
SELECT pg_temp.train('hill climbing (BIC)', '{"params": "bayes"}');
\o
CREATE TEMP TABLE preds AS
SELECT m.name, s.revenue, CASE WHEN p.value = 'true' THEN p.probability ELSE 1 - p.probability END AS p_true
FROM models m, shop s, LATERAL ecomai.bn_predict(m.bn, 'revenue', to_jsonb(s) - 'id' - 'revenue') p WHERE s.id % 5 = 0;
WITH r AS (SELECT name, revenue, p_true, rank() OVER (PARTITION BY name ORDER BY p_true) + (count(*) OVER (PARTITION BY name, p_true) - 1) / 2.0 AS rk FROM preds)
SELECT name, round(avg(((p_true > 0.5) = revenue)::int)::numeric, 4) AS accuracy,
       round(((sum(rk) FILTER (WHERE revenue) - count(*) FILTER (WHERE revenue) * (count(*) FILTER (WHERE revenue) + 1) / 2.0)
        / (count(*) FILTER (WHERE revenue) * count(*) FILTER (WHERE NOT revenue)))::numeric, 4) AS auc,
       (SELECT round(ms::numeric) FROM models m WHERE m.name = r.name) AS train_ms
FROM r GROUP BY name ORDER BY auc;
SHOP
exec "$root/tools/with-cluster.sh" env DATA="$data" ROWS="$rows" WORK="$work" py="$py" bash "$work/run.sh"
