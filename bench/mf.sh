#!/usr/bin/env bash
# Benchmarks of ecomai.mf_fit (matrix factorisation by ALS), printed in one run on a throwaway
# cluster:
#   bench/mf.sh          MovieLens 100k:
#                        - implicit (every rating an interaction), per-user random 75/25 split,
#                          top-10 with the user's training items removed: NDCG@10 and P@10 of
#                          ecomai (CG and Cholesky) and of the NumPy implementation of the same
#                          algorithm in bench/mf_numpy.py; seconds per ALS iteration of both
#                        - explicit biased MF on the five folds u1..u5: RMSE and MAE beside
#                          Surprise's published rows
#                        - reproducibility: two fits with one seed give the same text
#   bench/mf.sh big      the 10M-line synthetic order table of bench/neighbors.sh big
#                        (1M customers, 100k products): seconds per implicit ALS iteration of
#                        ecomai; NumPy on the same data too with MF_BENCH_NUMPY_BIG=1 (its
#                        Python loop over 1.1M rows takes minutes per iteration)
# Installs python3-scipy (Debian) when it is missing.  Timings are wall-clock on whatever else the
# machine is doing: compare the ratios, not the seconds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_in_cluster "python3-scipy" "$@"
mode=${1:-movielens}
bench_workdir 777

# implicit hyper-parameters of the issue's NumPy prototype
F=64 REG=50 ALPHA=5 ITER=10

psql_q <<'SQL'
CREATE EXTENSION ecomai;
-- wall-clock seconds of one run of a statement
-- CPU seconds (user + system) of this backend so far
CREATE FUNCTION backend_cpu() RETURNS float8 LANGUAGE sql AS $$
    SELECT (s[14]::float8 + s[15]::float8) / 100
    FROM string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') a(s0),
         LATERAL (SELECT ARRAY['', ''] || s0 AS s) x $$;
-- "wall cpu" seconds per iteration: fits of 1 and 1 + n iterations, difference / n, each fit
-- the fastest of reps runs (wall and CPU separately)
CREATE FUNCTION per_iteration(src text, ucol text, icol text, vcol text, f int, reg float8, alpha float8, n int, reps int)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE it int; c float8; w timestamptz; c1 float8 := 'infinity'; w1 float8 := 'infinity'; cn float8 := 'infinity'; wn float8 := 'infinity';
BEGIN
    FOR r IN 1 .. reps LOOP
        FOREACH it IN ARRAY ARRAY[1, 1 + n] LOOP
            c := backend_cpu(); w := clock_timestamp();
            PERFORM ecomai.mf_fit(src::regclass, ucol, icol, vcol, factors => f, regularization => reg, alpha => alpha, iterations => it);
            c := backend_cpu() - c;
            IF it = 1 THEN
                c1 := least(c1, c); w1 := least(w1, extract(epoch FROM clock_timestamp() - w));
            ELSE
                cn := least(cn, c); wn := least(wn, extract(epoch FROM clock_timestamp() - w));
            END IF;
        END LOOP;
    END LOOP;
    RETURN format('%s %s', (wn - w1) / n, (cn - c1) / n);
END $$;
SQL

# seconds per ALS iteration of mf_fit on table $1 (user col $2, item col $3, value col $4), wall
# clock and CPU time of the backend: (time of 1 + n iterations - time of 1 iteration) / n with
# n = $5, each the fastest of $6 runs, so reading the table is not counted.  Prints "wall cpu".
per_iteration() {
	psql_q -At <<SQL
SET client_min_messages = warning;
SET ecomai.max_memory = '8GB';
SELECT per_iteration('$1', '$2', '$3', '$4', $F, $REG, $ALPHA, $5, $6);
SQL
}
# run bench/mf_numpy.py on train file $1 (test file $2 or -, $3 iterations) and print its figures
# and the ratios to ecomai's per-iteration seconds $ours (wall) and $ours_cpu.  ecomai's iteration
# includes the training loss it logs; NumPy's is timed both without it (its own loop) and with
# the same loss computed after every iteration, so both ratios are printed.
numpy_vs_ours() {
	local out np np_cpu npl npl_cpu
	out=$(OPENBLAS_NUM_THREADS=1 "$PY" "$root/bench/mf_numpy.py" "$1" "$2" $F $REG $ALPHA "$3")
	echo "$out" | sed 's/^/NumPy: /'
	np=$(echo "$out" | sed -n 's/^numpy_seconds_per_iteration \([0-9.]*\).*/\1/p')
	np_cpu=$(echo "$out" | sed -n 's/^numpy_cpu_seconds_per_iteration \([0-9.]*\).*/\1/p')
	npl=$(echo "$out" | sed -n 's/^numpy_seconds_per_iteration_with_loss \([0-9.]*\).*/\1/p')
	npl_cpu=$(echo "$out" | sed -n 's/^numpy_cpu_seconds_per_iteration_with_loss \([0-9.]*\).*/\1/p')
	awk -v o="$ours" -v n="$np" -v oc="$ours_cpu" -v nc="$np_cpu" -v nl="$npl" -v nlc="$npl_cpu" 'BEGIN {
		printf "NumPy / ecomai per iteration            wall %6.1f x  cpu %6.1f x  (> 1: ecomai faster; NumPy without the loss)\n", n / o, nc / oc
		printf "NumPy / ecomai per iteration, both with the training loss  wall %6.1f x  cpu %6.1f x\n", nl / o, nlc / oc }'
}

if [ "$mode" = movielens ]; then
	udata=$data/movielens-100k/u.data
	[ -r "$udata" ] || { echo "no $udata: set ECOMAI_SHARED_DATA" >&2; exit 1; }
	psql_q -c "CREATE TABLE ml (user_id int, item_id int, rating int, ts bigint)" -c "\\copy ml FROM '$udata'"
	for k in 1 2 3 4 5; do
		psql_q -c "CREATE TABLE u${k}_base (user_id int, item_id int, rating int, ts bigint)" \
			-c "CREATE TABLE u${k}_test (LIKE u${k}_base)" \
			-c "\\copy u${k}_base FROM '$data/movielens-100k/u$k.base'" \
			-c "\\copy u${k}_test FROM '$data/movielens-100k/u$k.test'"
	done
	psql_q <<'SQL'
-- per user: a random 75% of the interactions (by split_uniform with seed 42) to train, 25% to test
CREATE TABLE split AS
SELECT user_id, item_id,
       row_number() OVER (PARTITION BY user_id ORDER BY ecomai.split_uniform(user_id, item_id, 42))
       <= round(0.75 * count(*) OVER (PARTITION BY user_id)) AS is_train
FROM ml;
CREATE TABLE train AS SELECT user_id, item_id, 1 AS v FROM split WHERE is_train;
CREATE TABLE test AS SELECT user_id, item_id FROM split WHERE NOT is_train;
CREATE TABLE seen AS SELECT user_id, array_agg(item_id) AS items FROM train GROUP BY user_id;
CREATE TABLE relevant AS SELECT user_id, array_agg(item_id::bigint) AS items FROM test GROUP BY user_id;
SQL
	psql_q -c "\\copy train TO '$work/train.tsv'" -c "\\copy test TO '$work/test.tsv'"

	echo "== MovieLens 100k implicit: per-user random 75/25 split, top-10 without training items"
	echo "   (alpha $ALPHA, $F factors, regularization $REG, $ITER iterations)"
	psql_q -At <<SQL
SET client_min_messages = warning;
CREATE TABLE models AS
SELECT s AS solver, ecomai.mf_fit('train', 'user_id', 'item_id', 'v', factors => $F, regularization => $REG,
                                  alpha => $ALPHA, iterations => $ITER, solver => s) AS m
FROM unnest(ARRAY['cg', 'cholesky']) s;
SELECT format('ecomai %-9s NDCG@10 %s  P@10 %s  (%s users)', solver, round(avg(ecomai.ndcg_at_k(r.rec, rel.items, 10))::numeric, 4),
              round(avg(ecomai.precision_at_k(r.rec, rel.items, 10))::numeric, 4), count(*))
FROM models, relevant rel JOIN seen USING (user_id),
     LATERAL (SELECT array_agg(item::bigint ORDER BY score DESC, item) AS rec
              FROM ecomai.mf_recommend(models.m, rel.user_id, 10, seen.items, NULL)) r
GROUP BY solver ORDER BY solver;
SELECT 'same seed, same factors: ' || (ecomai.mf_fit('train', 'user_id', 'item_id', 'v', factors => $F, regularization => $REG,
                                                     alpha => $ALPHA, iterations => $ITER)::text = m::text)
FROM models WHERE solver = 'cg';
SQL
	read -r ours ours_cpu <<<"$(per_iteration train user_id item_id v 20 3)"
	printf 'ecomai seconds per ALS iteration (cg, mean of 20, best of 3 runs)  wall %8.4f  cpu %8.4f\n' "$ours" "$ours_cpu"
	numpy_vs_ours "$work/train.tsv" "$work/test.tsv" $ITER

	echo
	echo "== MovieLens 100k explicit biased MF, 5 folds u1..u5 (factors 50, regularization 0.12 per rating, 20 iterations)"
	psql_q -At <<'SQL'
SET client_min_messages = warning;
CREATE TABLE folds AS
SELECT k, ecomai.mf_fit(format('u%s_base', k), 'user_id', 'item_id', 'rating', kind => 'explicit', factors => 50,
                        regularization => 0.12, iterations => 20, solver => 'cholesky') AS m
FROM generate_series(1, 5) k;
CREATE FUNCTION fold_errors(k int, m ecomai.mf_model, OUT rmse float8, OUT mae float8) LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT ecomai.rmse(ecomai.mf_predict($1, user_id, item_id), rating),
                           ecomai.mae(ecomai.mf_predict($1, user_id, item_id), rating) FROM u%s_test', k)
        INTO rmse, mae USING m;
END $$;
CREATE TABLE errs AS SELECT k, e.* FROM folds, fold_errors(k, m) e;
SELECT format('fold u%s  RMSE %s  MAE %s', k, round(rmse::numeric, 4), round(mae::numeric, 4)) FROM errs ORDER BY k;
SELECT format('| ecomai mf_fit explicit (ALS, 50 factors) | %s | %s |', round(avg(rmse)::numeric, 3), round(avg(mae)::numeric, 3)) FROM errs;
SQL
	echo "| Surprise SVD (published) | 0.934 | 0.737 |"
	echo "| Surprise SVD++ (published) | 0.919 | 0.721 |"
	echo "| Surprise KNNBaseline (published) | 0.931 | 0.733 |"

elif [ "$mode" = big ]; then
	echo "== synthetic orders of bench/neighbors.sh big: 10M lines, 1M customers, 100k products"
	bench_big_orders
	n=${MF_BENCH_BIG_ITERATIONS:-2}
	read -r ours ours_cpu <<<"$(per_iteration big_orders customer_id product_id quantity "$n" 1)"
	printf 'ecomai seconds per ALS iteration (cg, %s factors, mean of %s)  wall %8.2f  cpu %8.2f\n' $F "$n" "$ours" "$ours_cpu"
	if [ -n "${MF_BENCH_NUMPY_BIG:-}" ]; then
		psql_q -c "\\copy big_orders TO '$work/big.tsv'"
		numpy_vs_ours "$work/big.tsv" - 1
	fi
else
	echo "usage: bench/mf.sh [big]" >&2
	exit 2
fi
