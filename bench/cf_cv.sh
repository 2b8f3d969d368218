#!/usr/bin/env bash
# MovieLens 100k 5-fold cross-validation of ecomai.knn_predict (user-based, msd, k=40, min_k=1:
# Surprise's defaults) for every centering, on the official folds u1..u5 (base/test), and of
# the baselines alone.  Prints RMSE and MAE averaged over the folds, as docs/cf.md reports them.
#   bench/cf_cv.sh                 (needs ../shared/data/movielens-100k, or ECOMAI_SHARED_DATA)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
data=${ECOMAI_SHARED_DATA:-$(cd "$here/.." && pwd)/shared/data}/movielens-100k
[ -r "$data/u1.base" ] || { echo "MovieLens 100k folds not found in $data" >&2; exit 1; }
exec "$here/tools/with-cluster.sh" bash -c "psql -X -q -v ON_ERROR_STOP=1 -d postgres" <<SQL
CREATE EXTENSION ecomai;
CREATE TABLE base (fold int, user_id int, item_id int, rating float8, ts bigint);
CREATE TABLE test (fold int, user_id int, item_id int, rating float8, ts bigint);
$(for f in 1 2 3 4 5; do
  echo "COPY base (user_id, item_id, rating, ts) FROM '$data/u$f.base'; UPDATE base SET fold = $f WHERE fold IS NULL;"
  echo "COPY test (user_id, item_id, rating, ts) FROM '$data/u$f.test'; UPDATE test SET fold = $f WHERE fold IS NULL;"
done)
CREATE TABLE results (ord serial, algo text, fold int, rmse float8, mae float8, seconds float8);
DO \$\$
DECLARE
    f int; c text; t0 timestamptz; r record;
BEGIN
    FOR f IN 1..5 LOOP
        EXECUTE format('CREATE OR REPLACE VIEW tr AS SELECT user_id, item_id, rating FROM base WHERE fold = %s', f);
        EXECUTE format('CREATE OR REPLACE VIEW te AS SELECT user_id, item_id, rating FROM test WHERE fold = %s', f);
        FOREACH c IN ARRAY ARRAY['none', 'mean', 'zscore', 'baseline'] LOOP
            t0 := clock_timestamp();
            SELECT ecomai.rmse(estimate, actual) AS rmse, ecomai.mae(estimate, actual) AS mae INTO r
            FROM ecomai.knn_predict('tr', 'te', 'user_id', 'item_id', 'rating', centering => c);
            INSERT INTO results (algo, fold, rmse, mae, seconds) VALUES ('knn_predict centering => ''' || c || '''', f, r.rmse, r.mae,
                                        extract(epoch FROM clock_timestamp() - t0));
        END LOOP;
        t0 := clock_timestamp();
        SELECT ecomai.rmse(estimate, actual) AS rmse, ecomai.mae(estimate, actual) AS mae INTO r
        FROM ecomai.knn_predict('tr', 'te', 'user_id', 'item_id', 'rating', centering => 'baseline',
                                measure => 'pearson_baseline');
        INSERT INTO results (algo, fold, rmse, mae, seconds) VALUES ('knn_predict centering => ''baseline'', pearson_baseline', f, r.rmse, r.mae,
                                    extract(epoch FROM clock_timestamp() - t0));
        t0 := clock_timestamp();
        WITH b AS (SELECT * FROM ecomai.baselines('tr', 'user_id', 'item_id', 'rating'))
        SELECT ecomai.rmse(e, rating) AS rmse, ecomai.mae(e, rating) AS mae INTO r
        FROM (SELECT least(greatest(g.bias + coalesce(u.bias, 0) + coalesce(i.bias, 0), 1), 5) AS e, t.rating
              FROM te t CROSS JOIN (SELECT bias FROM b WHERE kind = 'global') g
              LEFT JOIN b u ON u.kind = 'user' AND u.id = t.user_id
              LEFT JOIN b i ON i.kind = 'item' AND i.id = t.item_id) q;
        INSERT INTO results (algo, fold, rmse, mae, seconds) VALUES ('baselines (BaselineOnly)', f, r.rmse, r.mae, extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
END \$\$;
\pset footer off
\echo 'MovieLens 100k, folds u1..u5, user-based, k=40, min_k=1 (means over the 5 folds)'
SELECT algo, round(avg(rmse)::numeric, 4) AS rmse, round(avg(mae)::numeric, 4) AS mae,
       round(avg(seconds)::numeric, 2) AS seconds_per_fold
FROM results GROUP BY algo ORDER BY min(ord);
SQL
