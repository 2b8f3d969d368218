-- Collaborative filtering: scoring (src/cf_score.c), evaluation metrics and reproducible splits
-- (src/metrics.c).  Reference: docs/cf.md.  The functions that read relations (train_test_split,
-- recommend, knn_predict, baselines) are in 45_cf_relations.sql.

-- ---------------------------------------------------------------------------------------
-- Evaluation: error aggregates.  State: float8[] = {pairs, sum of errors} for mae;
-- {pairs, scaled sum of squared errors, binary exponent} for rmse (see src/metrics.c).
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.rmse_accum(state float8[], estimate float8, actual float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_rmse_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.mae_accum(state float8[], estimate float8, actual float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_mae_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.error_combine(a float8[], b float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_error_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.rmse_final(state float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_rmse_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.mae_final(state float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_mae_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- @template aggregate NAME=rmse ARGS="estimate float8, actual float8" SFUNC=rmse_accum \
--     STYPE=float8[] COMBINEFUNC=error_combine FINALFUNC=rmse_final
-- @template aggregate NAME=mae ARGS="estimate float8, actual float8" SFUNC=mae_accum \
--     STYPE=float8[] COMBINEFUNC=error_combine FINALFUNC=mae_final
COMMENT ON AGGREGATE @extschema@.rmse(float8, float8) IS
    'root mean squared error of estimates; pairs with a NULL side skipped; NULL when no pair';
COMMENT ON AGGREGATE @extschema@.mae(float8, float8) IS
    'mean absolute error of estimates; pairs with a NULL side skipped; NULL when no pair';

-- ---------------------------------------------------------------------------------------
-- Evaluation: ranking metrics per user (average them over users with avg()).
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.precision_at_k(recommended bigint[], relevant bigint[], k int) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_precision_at_k' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.recall_at_k(recommended bigint[], relevant bigint[], k int) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_recall_at_k' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.ndcg_at_k(recommended bigint[], relevant bigint[], k int) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_ndcg_at_k' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.hit_rate_at_k(recommended bigint[], relevant bigint[], k int) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_hit_rate_at_k' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.average_precision_at_k(recommended bigint[], relevant bigint[], k int) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_average_precision_at_k' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.precision_at_k(bigint[], bigint[], int) IS
    'relevant items among the first k recommended, divided by k';
COMMENT ON FUNCTION @extschema@.recall_at_k(bigint[], bigint[], int) IS
    'relevant items among the first k recommended, divided by the number of relevant items; NULL when none is relevant';
COMMENT ON FUNCTION @extschema@.ndcg_at_k(bigint[], bigint[], int) IS
    'normalised discounted cumulative gain of the first k recommended (binary relevance); NULL when none is relevant';
COMMENT ON FUNCTION @extschema@.hit_rate_at_k(bigint[], bigint[], int) IS
    '1 when any of the first k recommended is relevant, else 0';
COMMENT ON FUNCTION @extschema@.average_precision_at_k(bigint[], bigint[], int) IS
    'average of the precision at each relevant position in the first k, over min(k, relevant); NULL when none is relevant';

-- ---------------------------------------------------------------------------------------
-- Reproducible train/test splits.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.split_uniform(user_id bigint, item_id bigint, seed int DEFAULT 0) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_split_uniform' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.split_fold(user_id bigint, item_id bigint, folds int, seed int DEFAULT 0) RETURNS int
    AS 'MODULE_PATHNAME', 'ecomai_split_fold' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.split_uniform(bigint, bigint, int) IS
    'a number in [0, 1) fixed by (user, item, seed), the same on every platform: split_uniform(u, i) < 0.2 picks a 20% test set';
COMMENT ON FUNCTION @extschema@.split_fold(bigint, bigint, int, int) IS
    'the fold 0 .. folds-1 of a (user, item) pair for cross-validation, fixed by the seed';

-- ---------------------------------------------------------------------------------------
-- Scoring candidates: cf_score.  State: float8[7] (see src/cf_score.c).
-- ---------------------------------------------------------------------------------------
CREATE TYPE @extschema@.cf_score_result AS (
    score float8,       -- sum of similarity * value
    because bigint,     -- the source item with the largest similarity * value (ties: smaller id)
    support bigint,     -- rows that contributed
    weight float8       -- sum of |similarity|: score / weight is the normalised (weighted-mean) score
);

CREATE FUNCTION @extschema@.cf_score_accum(state float8[], similarity float8, value float8, source bigint)
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_cf_score_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.cf_score_combine(a float8[], b float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_cf_score_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.cf_score_final(state float8[]) RETURNS @extschema@.cf_score_result
    AS 'MODULE_PATHNAME', 'ecomai_cf_score_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- @template aggregate NAME=cf_score ARGS="similarity float8, value float8, source bigint" \
--     SFUNC=cf_score_accum STYPE=float8[] COMBINEFUNC=cf_score_combine FINALFUNC=cf_score_final
COMMENT ON AGGREGATE @extschema@.cf_score(float8, float8, bigint) IS
    'score of a candidate item: sum(similarity * value), the source item that contributed most, support and weight';
