-- ecomai 0.2.0 install script, generated from src/sql/*.sql by the Makefile.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION ecomai" to load this file. \quit

-- from src/sql/00_schema.sql
-- The schema ecomai is created by CREATE EXTENSION (ecomai.control: schema = ecomai).
-- Functions are executable by PUBLIC by default; the schema must be usable too, or no
-- ordinary role could call them.  Revoke either to restrict who may use the models.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- from src/sql/10_dense.sql
-- Dense-vector similarity over float8[] and float4[] (src/dense.c).
-- All are STRICT (a NULL argument gives NULL), IMMUTABLE and PARALLEL SAFE.

CREATE FUNCTION @extschema@.cosine_similarity(a float8[], b float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_cosine_similarity_f8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cosine_similarity(a float4[], b float4[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_cosine_similarity_f4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cosine_similarity(float8[], float8[]) IS
    'cosine of the angle between two vectors; NULL when either is a zero vector';
COMMENT ON FUNCTION @extschema@.cosine_similarity(float4[], float4[]) IS
    'cosine of the angle between two vectors; NULL when either is a zero vector';

CREATE FUNCTION @extschema@.cosine_distance(a float8[], b float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_cosine_distance_f8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cosine_distance(a float4[], b float4[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_cosine_distance_f4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cosine_distance(float8[], float8[]) IS
    '1 - cosine_similarity(a, b); NULL when either is a zero vector';
COMMENT ON FUNCTION @extschema@.cosine_distance(float4[], float4[]) IS
    '1 - cosine_similarity(a, b); NULL when either is a zero vector';

CREATE FUNCTION @extschema@.dot_product(a float8[], b float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_dot_product_f8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.dot_product(a float4[], b float4[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_dot_product_f4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dot_product(float8[], float8[]) IS 'sum of a[i] * b[i]';
COMMENT ON FUNCTION @extschema@.dot_product(float4[], float4[]) IS 'sum of a[i] * b[i]';

CREATE FUNCTION @extschema@.l2_distance(a float8[], b float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_l2_distance_f8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.l2_distance(a float4[], b float4[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_l2_distance_f4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.l2_distance(float8[], float8[]) IS 'Euclidean distance';
COMMENT ON FUNCTION @extschema@.l2_distance(float4[], float4[]) IS 'Euclidean distance';

CREATE FUNCTION @extschema@.l2_norm(a float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_l2_norm_f8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.l2_norm(a float4[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_l2_norm_f4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.l2_norm(float8[]) IS 'Euclidean length of a vector';
COMMENT ON FUNCTION @extschema@.l2_norm(float4[]) IS 'Euclidean length of a vector';

-- Element-wise aggregates.  State: float8[] = {row count, sum_1, ..., sum_d}.
CREATE FUNCTION @extschema@.vector_accum(state float8[], v float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_vector_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.vector_combine(a float8[], b float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_vector_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.vector_sum_final(state float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_vector_sum_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.vector_avg_final(state float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_vector_avg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.vector_sum(float8[]) (
    SFUNC = @extschema@.vector_accum,
    STYPE = float8[],
    COMBINEFUNC = @extschema@.vector_combine,
    FINALFUNC = @extschema@.vector_sum_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.vector_avg(float8[]) (
    SFUNC = @extschema@.vector_accum,
    STYPE = float8[],
    COMBINEFUNC = @extschema@.vector_combine,
    FINALFUNC = @extschema@.vector_avg_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.vector_sum(float8[]) IS
    'element-wise sum of vectors; NULL rows skipped; NULL when there are no rows';
COMMENT ON AGGREGATE @extschema@.vector_avg(float8[]) IS
    'element-wise mean of vectors; NULL rows skipped; NULL when there are no rows';

-- from src/sql/20_svec.sql
-- The sparse vector type ecomai.svec and its functions (src/svec.c, docs/svec.md).

CREATE TYPE @extschema@.svec;

CREATE FUNCTION @extschema@.svec_in(cstring) RETURNS @extschema@.svec
    AS 'MODULE_PATHNAME', 'ecomai_svec_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.svec_out(@extschema@.svec) RETURNS cstring
    AS 'MODULE_PATHNAME', 'ecomai_svec_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.svec_recv(internal) RETURNS @extschema@.svec
    AS 'MODULE_PATHNAME', 'ecomai_svec_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.svec_send(@extschema@.svec) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ecomai_svec_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.svec (
    INPUT = @extschema@.svec_in,
    OUTPUT = @extschema@.svec_out,
    RECEIVE = @extschema@.svec_recv,
    SEND = @extschema@.svec_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.svec IS
    'sparse vector: sorted unique bigint keys with non-zero float8 values, text form {101:2,205:1.5}';

-- Construction and inspection.
CREATE FUNCTION @extschema@.svec(keys bigint[], vals float8[]) RETURNS @extschema@.svec
    AS 'MODULE_PATHNAME', 'ecomai_svec_from_arrays' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.svec(bigint[], float8[]) IS
    'sparse vector from parallel key and value arrays; keys in any order, duplicates added up, zeros dropped';

CREATE FUNCTION @extschema@.svec_entries(v @extschema@.svec, OUT key bigint, OUT value float8)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'ecomai_svec_entries' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION @extschema@.svec_entries(@extschema@.svec) IS
    'the entries of a sparse vector as rows, keys ascending';

CREATE FUNCTION @extschema@.svec_nnz(v @extschema@.svec) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_svec_nnz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.svec_nnz(@extschema@.svec) IS 'number of stored (non-zero) entries';

-- Similarity.  All STRICT (NULL in, NULL out), IMMUTABLE, PARALLEL SAFE.
CREATE FUNCTION @extschema@.cosine_similarity(a @extschema@.svec, b @extschema@.svec) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_svec_cosine_similarity' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cosine_similarity(@extschema@.svec, @extschema@.svec) IS
    'cosine of the angle between two sparse vectors; NULL when either is empty';

CREATE FUNCTION @extschema@.cosine_distance(a @extschema@.svec, b @extschema@.svec) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_svec_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cosine_distance(@extschema@.svec, @extschema@.svec) IS
    '1 - cosine_similarity(a, b); NULL when either is empty';

CREATE FUNCTION @extschema@.dot_product(a @extschema@.svec, b @extschema@.svec) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_svec_dot_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dot_product(@extschema@.svec, @extschema@.svec) IS
    'sum of a[k] * b[k] over the keys both vectors hold';

CREATE FUNCTION @extschema@.l2_norm(a @extschema@.svec) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_svec_l2_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.l2_norm(@extschema@.svec) IS 'Euclidean length of a sparse vector';

CREATE FUNCTION @extschema@.jaccard_similarity(a @extschema@.svec, b @extschema@.svec) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_svec_jaccard_similarity' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.jaccard_similarity(@extschema@.svec, @extschema@.svec) IS
    'shared keys / keys in either (values ignored); NULL when both are empty';

CREATE OPERATOR @extschema@.<=> (
    LEFTARG = @extschema@.svec,
    RIGHTARG = @extschema@.svec,
    FUNCTION = @extschema@.cosine_distance,
    COMMUTATOR = OPERATOR(@extschema@.<=>)
);
COMMENT ON OPERATOR @extschema@.<=> (@extschema@.svec, @extschema@.svec) IS
    'cosine distance, 1 - cosine_similarity; NULL when either vector is empty';

-- Equality is exact (same keys, bit-identical values), with hash and btree support:
-- DISTINCT, GROUP BY, UNION, joins and indexes work on svec columns.
CREATE FUNCTION @extschema@.svec_eq(a @extschema@.svec, b @extschema@.svec) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_svec_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.svec_ne(a @extschema@.svec, b @extschema@.svec) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_svec_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.svec_hash(v @extschema@.svec) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_svec_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.svec_hash_extended(v @extschema@.svec, seed bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ecomai_svec_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.svec,
    RIGHTARG = @extschema@.svec,
    FUNCTION = @extschema@.svec_eq,
    COMMUTATOR = OPERATOR(@extschema@.=),
    NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = eqsel,
    JOIN = eqjoinsel,
    HASHES,
    MERGES
);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.svec,
    RIGHTARG = @extschema@.svec,
    FUNCTION = @extschema@.svec_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>),
    NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = neqsel,
    JOIN = neqjoinsel
);

-- A total order (entries compared in turn, key then value; a prefix first) so that
-- count(DISTINCT), ORDER BY, sorted GROUP BY, PARTITION BY and btree indexes work.
-- It has no geometric meaning.
CREATE FUNCTION @extschema@.svec_cmp(a @extschema@.svec, b @extschema@.svec) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_svec_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.svec_lt(a @extschema@.svec, b @extschema@.svec) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_svec_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.svec_le(a @extschema@.svec, b @extschema@.svec) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_svec_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.svec_ge(a @extschema@.svec, b @extschema@.svec) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_svec_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.svec_gt(a @extschema@.svec, b @extschema@.svec) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_svec_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OPERATOR @extschema@.< (LEFTARG = @extschema@.svec, RIGHTARG = @extschema@.svec,
    FUNCTION = @extschema@.svec_lt, COMMUTATOR = OPERATOR(@extschema@.>),
    NEGATOR = OPERATOR(@extschema@.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR @extschema@.<= (LEFTARG = @extschema@.svec, RIGHTARG = @extschema@.svec,
    FUNCTION = @extschema@.svec_le, COMMUTATOR = OPERATOR(@extschema@.>=),
    NEGATOR = OPERATOR(@extschema@.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR @extschema@.>= (LEFTARG = @extschema@.svec, RIGHTARG = @extschema@.svec,
    FUNCTION = @extschema@.svec_ge, COMMUTATOR = OPERATOR(@extschema@.<=),
    NEGATOR = OPERATOR(@extschema@.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR @extschema@.> (LEFTARG = @extschema@.svec, RIGHTARG = @extschema@.svec,
    FUNCTION = @extschema@.svec_gt, COMMUTATOR = OPERATOR(@extschema@.<),
    NEGATOR = OPERATOR(@extschema@.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR CLASS @extschema@.svec_btree_ops DEFAULT FOR TYPE @extschema@.svec USING btree AS
    OPERATOR 1 @extschema@.< ,
    OPERATOR 2 @extschema@.<= ,
    OPERATOR 3 @extschema@.= ,
    OPERATOR 4 @extschema@.>= ,
    OPERATOR 5 @extschema@.> ,
    FUNCTION 1 @extschema@.svec_cmp(@extschema@.svec, @extschema@.svec);
CREATE OPERATOR CLASS @extschema@.svec_hash_ops DEFAULT FOR TYPE @extschema@.svec USING hash AS
    OPERATOR 1 @extschema@.= (@extschema@.svec, @extschema@.svec),
    FUNCTION 1 @extschema@.svec_hash(@extschema@.svec),
    FUNCTION 2 @extschema@.svec_hash_extended(@extschema@.svec, bigint);

-- svec_agg(key, value): the state is an svec (expanded in memory while the aggregate runs),
-- so partial states travel as text between nodes.
CREATE FUNCTION @extschema@.svec_agg_transfn(state @extschema@.svec, key bigint, value float8)
    RETURNS @extschema@.svec
    AS 'MODULE_PATHNAME', 'ecomai_svec_agg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.svec_agg_combine(a @extschema@.svec, b @extschema@.svec)
    RETURNS @extschema@.svec
    AS 'MODULE_PATHNAME', 'ecomai_svec_agg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.svec_agg_final(state @extschema@.svec) RETURNS @extschema@.svec
    AS 'MODULE_PATHNAME', 'ecomai_svec_agg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE @extschema@.svec_agg(key bigint, value float8) (
    SFUNC = @extschema@.svec_agg_transfn,
    STYPE = @extschema@.svec,
    COMBINEFUNC = @extschema@.svec_agg_combine,
    FINALFUNC = @extschema@.svec_agg_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.svec_agg(bigint, float8) IS
    'sparse vector of the values summed per key; rows with a NULL key or value skipped; NULL when no rows';

COMMENT ON FUNCTION @extschema@.svec_cmp(@extschema@.svec, @extschema@.svec) IS
    'btree support: -1, 0 or 1 in the svec sort order (entries in turn, key then value)';
COMMENT ON FUNCTION @extschema@.svec_hash(@extschema@.svec) IS 'hash support: hash of the canonical entries';
COMMENT ON FUNCTION @extschema@.svec_hash_extended(@extschema@.svec, bigint) IS
    'hash support: 64-bit seeded hash of the canonical entries';

-- from src/sql/30_neighbors.sql
-- Item-item and user-user neighbourhoods (src/neighbors.c, src/ratings.c; docs/neighbors.md).
-- They read the source through SPI as the caller (SECURITY INVOKER): privileges and row-level
-- security apply.  STABLE (they read tables), PARALLEL RESTRICTED (a worker cannot read the
-- leader's temporary tables), not STRICT (value_col NULL means implicit feedback).

CREATE FUNCTION @extschema@.item_neighbors(source regclass, user_col name, item_col name,
        value_col name DEFAULT NULL, k int DEFAULT 50, measure text DEFAULT 'cosine',
        over text DEFAULT 'all', min_support int DEFAULT 1, shrinkage float8 DEFAULT 0)
    RETURNS TABLE (item bigint, neighbor bigint, similarity float8, support int)
    AS 'MODULE_PATHNAME', 'ecomai_item_neighbors'
    LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 10000;
COMMENT ON FUNCTION @extschema@.item_neighbors(regclass, name, name, name, int, text, text, int, float8) IS
    'top-k most similar items of every item, from (user, item[, value]) rows';

CREATE FUNCTION @extschema@.user_neighbors(source regclass, user_col name, item_col name,
        value_col name DEFAULT NULL, k int DEFAULT 50, measure text DEFAULT 'cosine',
        over text DEFAULT 'all', min_support int DEFAULT 1, shrinkage float8 DEFAULT 0)
    RETURNS TABLE (user_id bigint, neighbor bigint, similarity float8, support int)
    AS 'MODULE_PATHNAME', 'ecomai_user_neighbors'
    LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 10000;
COMMENT ON FUNCTION @extschema@.user_neighbors(regclass, name, name, name, int, text, text, int, float8) IS
    'top-k most similar users of every user, from (user, item[, value]) rows';

-- from src/sql/40_cf.sql
-- Collaborative filtering: scoring and recommendation (src/cf_score.c), evaluation metrics
-- and reproducible splits (src/metrics.c), batch prediction and baselines (src/cf_predict.c,
-- src/baselines.c).  Reference: docs/cf.md.

-- ---------------------------------------------------------------------------------------
-- Evaluation: error aggregates.  State: float8[] = {pairs, sum of (squared) errors}.
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

CREATE AGGREGATE @extschema@.rmse(estimate float8, actual float8) (
    SFUNC = @extschema@.rmse_accum,
    STYPE = float8[],
    COMBINEFUNC = @extschema@.error_combine,
    FINALFUNC = @extschema@.rmse_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.mae(estimate float8, actual float8) (
    SFUNC = @extschema@.mae_accum,
    STYPE = float8[],
    COMBINEFUNC = @extschema@.error_combine,
    FINALFUNC = @extschema@.mae_final,
    PARALLEL = SAFE
);
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

CREATE FUNCTION @extschema@.train_test_split(source regclass, user_col name, item_col name,
                                             test_fraction float8 DEFAULT 0.2, seed int DEFAULT 0,
                                             time_col name DEFAULT NULL)
    RETURNS TABLE (user_id bigint, item_id bigint, is_test boolean)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF source IS NULL OR user_col IS NULL OR item_col IS NULL OR test_fraction IS NULL OR seed IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = 'source, user_col, item_col, test_fraction and seed must not be null';
    END IF;
    IF NOT (test_fraction >= 0 AND test_fraction <= 1) THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('test_fraction must be between 0 and 1, not %s', test_fraction);
    END IF;
    IF time_col IS NULL THEN
        -- a seeded hash of (user, item): reproducible, independent of row order
        RETURN QUERY EXECUTE format(
            'SELECT s.%1$I::bigint, s.%2$I::bigint, @extschema@.split_uniform(s.%1$I, s.%2$I, $2) < $1
               FROM %3$s s WHERE s.%1$I IS NOT NULL AND s.%2$I IS NOT NULL',
            user_col, item_col, source) USING test_fraction, seed;
    ELSE
        -- by time: each user's newest round(test_fraction * n) rows (ties by item id) are the test set
        RETURN QUERY EXECUTE format(
            'SELECT u, i, rn > n - round($1 * n) FROM (
                 SELECT s.%1$I::bigint AS u, s.%2$I::bigint AS i,
                        row_number() OVER w AS rn, count(*) OVER (PARTITION BY s.%1$I) AS n
                   FROM %3$s s
                  WHERE s.%1$I IS NOT NULL AND s.%2$I IS NOT NULL AND s.%4$I IS NOT NULL
                 WINDOW w AS (PARTITION BY s.%1$I ORDER BY s.%4$I, s.%2$I)) q',
            user_col, item_col, source, time_col) USING test_fraction;
    END IF;
END
$fn$;
COMMENT ON FUNCTION @extschema@.train_test_split(regclass, name, name, float8, int, name) IS
    'assigns each (user, item) row of source to train or test: by a seeded hash, or by time per user when time_col is given';

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

CREATE AGGREGATE @extschema@.cf_score(similarity float8, value float8, source bigint) (
    SFUNC = @extschema@.cf_score_accum,
    STYPE = float8[],
    COMBINEFUNC = @extschema@.cf_score_combine,
    FINALFUNC = @extschema@.cf_score_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cf_score(float8, float8, bigint) IS
    'score of a candidate item: sum(similarity * value), the source item that contributed most, support and weight';

-- ---------------------------------------------------------------------------------------
-- Online recommendation from a neighbour table (item, neighbor, similarity).
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.recommend(ratings regclass, neighbors regclass, user_id bigint, n int DEFAULT 10,
                                      user_col name DEFAULT 'user_id', item_col name DEFAULT 'item_id',
                                      value_col name DEFAULT NULL)
    RETURNS TABLE (item bigint, score float8, because bigint)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF ratings IS NULL OR neighbors IS NULL OR user_col IS NULL OR item_col IS NULL OR n IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004',
            MESSAGE = 'ratings, neighbors, n, user_col and item_col must not be null';
    END IF;
    IF n < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('n must be at least 1, not %s', n);
    END IF;
    IF recommend.user_id IS NULL THEN
        RETURN;                 -- an anonymous visitor has no history: nothing to recommend
    END IF;
    RETURN QUERY EXECUTE format(
        'WITH mine AS (
             SELECT r.%1$I::bigint AS item, %2$s AS value
               FROM %3$s r WHERE r.%4$I = $1 AND r.%1$I IS NOT NULL GROUP BY 1)
         SELECT c.neighbor, (c.s).score, (c.s).because FROM (
             SELECT nb.neighbor::bigint AS neighbor,
                    @extschema@.cf_score(nb.similarity::float8, m.value, m.item) AS s
               FROM mine m JOIN %5$s nb ON nb.item = m.item
              WHERE nb.neighbor IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM mine o WHERE o.item = nb.neighbor)
              GROUP BY nb.neighbor) c
          WHERE c.s IS NOT NULL
          ORDER BY 2 DESC, 1
          LIMIT $2',
        item_col,
        CASE WHEN value_col IS NULL THEN '1::float8' ELSE format('sum(r.%I)::float8', value_col) END,
        ratings, user_col, neighbors)
        USING recommend.user_id, n;
END
$fn$;
COMMENT ON FUNCTION @extschema@.recommend(regclass, regclass, bigint, int, name, name, name) IS
    'top-n unseen items for a user, scored by sum(similarity * value) over the user''s items, with the item that contributed most';

-- ---------------------------------------------------------------------------------------
-- Batch prediction (Surprise's k-NN rules) and baselines.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.knn_predict(train regclass, pairs regclass, user_col name, item_col name,
                                        rating_col name, kind text DEFAULT 'user',
                                        k int DEFAULT 40, min_k int DEFAULT 1,
                                        measure text DEFAULT 'msd', over text DEFAULT 'common',
                                        shrinkage float8 DEFAULT NULL,
                                        centering text DEFAULT 'none',
                                        clip boolean DEFAULT true,
                                        min_support int DEFAULT 1,
                                        normalized boolean DEFAULT true,
                                        order_col name DEFAULT NULL,
                                        self_neighbor boolean DEFAULT true)
    RETURNS TABLE (user_id bigint, item_id bigint, actual float8, estimate float8, k_used int)
    AS 'MODULE_PATHNAME', 'ecomai_knn_predict' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.knn_predict(regclass, regclass, name, name, name, text, int, int, text, text,
                                            float8, text, boolean, int, boolean, name, boolean) IS
    'k-nearest-neighbour rating predictions for every (user, item) row of pairs, as Surprise''s KNNBasic/KNNWithMeans/KNNWithZScore/KNNBaseline';

CREATE FUNCTION @extschema@.baselines(train regclass, user_col name, item_col name, rating_col name,
                                      reg_u float8 DEFAULT 15, reg_i float8 DEFAULT 10,
                                      n_epochs int DEFAULT 10)
    RETURNS TABLE (kind text, id bigint, bias float8)
    AS 'MODULE_PATHNAME', 'ecomai_baselines' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.baselines(regclass, name, name, name, float8, float8, int) IS
    'global mean and user and item biases fitted by ALS as Surprise''s BaselineOnly: b_ui = mean + b_u + b_i';

-- from src/sql/50_markov.sql
-- Markov chains over clickstreams and channel paths (src/markov.c, src/markov_algebra.c).
-- Reference: docs/markov.md.

CREATE TYPE @extschema@.markov_chain;

CREATE FUNCTION @extschema@.markov_chain_in(cstring) RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_chain_out(@extschema@.markov_chain) RETURNS cstring
    AS 'MODULE_PATHNAME', 'ecomai_markov_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_chain_recv(internal) RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_chain_send(@extschema@.markov_chain) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ecomai_markov_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.markov_chain (
    INPUT = @extschema@.markov_chain_in,
    OUTPUT = @extschema@.markov_chain_out,
    RECEIVE = @extschema@.markov_chain_recv,
    SEND = @extschema@.markov_chain_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.markov_chain IS
    'Markov chain: state names and weighted transitions; text form {"order":1,"smoothing":0,"transitions":[["from","to",count],...]}';

-- Aggregates ------------------------------------------------------------------

CREATE FUNCTION @extschema@.markov_fit_accum(@extschema@.markov_chain, text, text)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_fit_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_fit_accum(@extschema@.markov_chain, text, text, float8)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_fit_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_combine(@extschema@.markov_chain, @extschema@.markov_chain)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_final(@extschema@.markov_chain) RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.markov_fit(from_state text, to_state text) (
    SFUNC = @extschema@.markov_fit_accum,
    STYPE = @extschema@.markov_chain,
    COMBINEFUNC = @extschema@.markov_combine,
    FINALFUNC = @extschema@.markov_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.markov_fit(from_state text, to_state text, weight float8) (
    SFUNC = @extschema@.markov_fit_accum,
    STYPE = @extschema@.markov_chain,
    COMBINEFUNC = @extschema@.markov_combine,
    FINALFUNC = @extschema@.markov_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.markov_fit(text, text) IS
    'first-order chain counting (from_state, to_state) rows; rows with a NULL state are skipped';
COMMENT ON AGGREGATE @extschema@.markov_fit(text, text, float8) IS
    'first-order chain summing weights of (from_state, to_state) rows; NULLs and zero weights skipped';

CREATE AGGREGATE @extschema@.markov_merge(@extschema@.markov_chain) (
    SFUNC = @extschema@.markov_combine,
    STYPE = @extschema@.markov_chain,
    COMBINEFUNC = @extschema@.markov_combine,
    FINALFUNC = @extschema@.markov_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.markov_merge(@extschema@.markov_chain) IS
    'sum of chains (transition counts add up); NULLs skipped';

-- markov_path: one session's path, in the aggregate's ORDER BY.  Its state (text[]:
-- order, outcome, pages) cannot be split, so it has no combine function; sum the
-- per-session chains with markov_merge, which is combinable.
CREATE FUNCTION @extschema@.markov_path_accum(text[], text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ecomai_markov_path_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_path_accum(text[], text, text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ecomai_markov_path_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_path_accum(text[], text, text, int) RETURNS text[]
    AS 'MODULE_PATHNAME', 'ecomai_markov_path_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_path_final(text[]) RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_path_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.markov_path(state text) (
    SFUNC = @extschema@.markov_path_accum,
    STYPE = text[],
    FINALFUNC = @extschema@.markov_path_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.markov_path(state text, outcome text) (
    SFUNC = @extschema@.markov_path_accum,
    STYPE = text[],
    FINALFUNC = @extschema@.markov_path_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.markov_path(state text, outcome text, "order" int) (
    SFUNC = @extschema@.markov_path_accum,
    STYPE = text[],
    FINALFUNC = @extschema@.markov_path_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.markov_path(text) IS
    'one path (use ORDER BY): (start) -> first state -> ... -> last state; NULL states skipped';
COMMENT ON AGGREGATE @extschema@.markov_path(text, text) IS
    'one path (use ORDER BY) ending in the last non-NULL outcome, e.g. (conversion) or (null)';
COMMENT ON AGGREGATE @extschema@.markov_path(text, text, int) IS
    'one path of order k: states are the last k states joined by " > "';

CREATE FUNCTION @extschema@.markov_fit_paths_accum(@extschema@.markov_chain, text, float8, float8)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_fit_paths_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.markov_fit_paths_accum(@extschema@.markov_chain, text, float8, float8, int)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_fit_paths_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.markov_fit_paths(path text, conversions float8, nulls float8) (
    SFUNC = @extschema@.markov_fit_paths_accum,
    STYPE = @extschema@.markov_chain,
    COMBINEFUNC = @extschema@.markov_combine,
    FINALFUNC = @extschema@.markov_final,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.markov_fit_paths(path text, conversions float8, nulls float8, "order" int) (
    SFUNC = @extschema@.markov_fit_paths_accum,
    STYPE = @extschema@.markov_chain,
    COMBINEFUNC = @extschema@.markov_combine,
    FINALFUNC = @extschema@.markov_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.markov_fit_paths(text, float8, float8) IS
    'chain from ChannelAttribution-style path strings "a > b > c" with conversion and null counts';
COMMENT ON AGGREGATE @extschema@.markov_fit_paths(text, float8, float8, int) IS
    'chain of order k from ChannelAttribution-style path strings with conversion and null counts';

-- Constructors ----------------------------------------------------------------

CREATE FUNCTION @extschema@.markov_from_matrix(states text[], p float8[], "normalize" boolean DEFAULT false)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_from_matrix' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_from_matrix(text[], float8[], boolean) IS
    'chain from a row-stochastic matrix (rows must sum to 1 within 1e-9 unless normalize)';

CREATE FUNCTION @extschema@.markov_smooth(m @extschema@.markov_chain, alpha float8)
    RETURNS @extschema@.markov_chain
    AS 'MODULE_PATHNAME', 'ecomai_markov_smooth' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_smooth(@extschema@.markov_chain, float8) IS
    'the same counts with Laplace smoothing alpha applied by every query (0 removes it)';

-- Queries ---------------------------------------------------------------------

CREATE FUNCTION @extschema@.markov_next(m @extschema@.markov_chain, state text)
    RETURNS TABLE (state text, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_next' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.markov_next(@extschema@.markov_chain, text) IS
    'next-state distribution, most likely first; no rows for an unknown state';

CREATE FUNCTION @extschema@.markov_probability(m @extschema@.markov_chain, from_state text, to_state text,
                                               steps int DEFAULT 1)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_markov_probability' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_probability(@extschema@.markov_chain, text, text, int) IS
    'probability of being in to_state steps transitions after from_state; NULL for unknown states';

CREATE FUNCTION @extschema@.markov_matrix(m @extschema@.markov_chain)
    RETURNS TABLE (from_state text, to_state text, count float8, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_matrix' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_matrix(@extschema@.markov_chain) IS
    'non-zero transition matrix entries with their counts';

CREATE FUNCTION @extschema@.markov_path_probability(m @extschema@.markov_chain, path text[])
    RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_markov_path_probability' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_path_probability(@extschema@.markov_chain, text[]) IS
    'log-likelihood (natural log) of a sequence of states; NULL if a state is unknown';

CREATE FUNCTION @extschema@.markov_stationary(m @extschema@.markov_chain)
    RETURNS TABLE (state text, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_stationary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_stationary(@extschema@.markov_chain) IS
    'stationary distribution; ERROR 22023 when it is not unique (more than one closed class)';

CREATE FUNCTION @extschema@.markov_absorption(m @extschema@.markov_chain, absorbing text[])
    RETURNS TABLE (state text, absorbing_state text, probability float8, expected_steps float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_absorption' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_absorption(@extschema@.markov_chain, text[]) IS
    'absorption probabilities and expected steps to absorption (fundamental matrix, LAPACK)';

CREATE FUNCTION @extschema@.markov_first_passage(m @extschema@.markov_chain, to_state text)
    RETURNS TABLE (state text, expected_steps float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_first_passage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_first_passage(@extschema@.markov_chain, text) IS
    'mean first passage time to to_state from every state (mean recurrence time for to_state itself)';

CREATE FUNCTION @extschema@.markov_attribution(m @extschema@.markov_chain,
                                               conversion text DEFAULT '(conversion)',
                                               null_state text DEFAULT '(null)')
    RETURNS TABLE (state text, removal_effect float8, share float8, conversions float8)
    AS 'MODULE_PATHNAME', 'ecomai_markov_attribution' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_attribution(@extschema@.markov_chain, text, text) IS
    'Markov channel attribution: exact removal effects from (start), shares and attributed conversions';

CREATE FUNCTION @extschema@.touch_attribution(path text, conversions float8 DEFAULT 1)
    RETURNS TABLE (channel text, first_touch float8, last_touch float8, linear_touch float8)
    AS 'MODULE_PATHNAME', 'ecomai_touch_attribution' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION @extschema@.touch_attribution(text, float8) IS
    'first-touch, last-touch and linear credit of one path string "a > b > c"; sum over paths';

CREATE FUNCTION @extschema@.markov_to_dot(m @extschema@.markov_chain, threshold float8 DEFAULT 0)
    RETURNS text
    AS 'MODULE_PATHNAME', 'ecomai_markov_to_dot' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.markov_to_dot(@extschema@.markov_chain, float8) IS
    'Graphviz digraph of the chain, edges labelled with probabilities at least threshold';

-- from src/sql/60_bayesnet.sql
-- Discrete Bayesian networks (src/bayesnet.c, src/bif.c, src/bn_infer.c, src/bn_fit.c).
-- Reference: docs/bayesnet.md.

CREATE TYPE @extschema@.bayesnet;
CREATE FUNCTION @extschema@.bayesnet_in(cstring) RETURNS @extschema@.bayesnet
    AS 'MODULE_PATHNAME', 'ecomai_bayesnet_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bayesnet_out(@extschema@.bayesnet) RETURNS cstring
    AS 'MODULE_PATHNAME', 'ecomai_bayesnet_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bayesnet_recv(internal) RETURNS @extschema@.bayesnet
    AS 'MODULE_PATHNAME', 'ecomai_bayesnet_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bayesnet_send(@extschema@.bayesnet) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ecomai_bayesnet_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.bayesnet (
    INPUT = @extschema@.bayesnet_in, OUTPUT = @extschema@.bayesnet_out,
    RECEIVE = @extschema@.bayesnet_recv, SEND = @extschema@.bayesnet_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE @extschema@.bayesnet IS
    'discrete Bayesian network: variables with states, a DAG and one CPT per variable; text form is BIF';

CREATE FUNCTION @extschema@.bayesnet_eq(@extschema@.bayesnet, @extschema@.bayesnet) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_bayesnet_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bayesnet_ne(@extschema@.bayesnet, @extschema@.bayesnet) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_bayesnet_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.bayesnet, RIGHTARG = @extschema@.bayesnet,
    PROCEDURE = @extschema@.bayesnet_eq, COMMUTATOR = OPERATOR(@extschema@.=),
    NEGATOR = OPERATOR(@extschema@.<>));
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.bayesnet, RIGHTARG = @extschema@.bayesnet,
    PROCEDURE = @extschema@.bayesnet_ne, COMMUTATOR = OPERATOR(@extschema@.<>),
    NEGATOR = OPERATOR(@extschema@.=));

CREATE FUNCTION @extschema@.bn_from_bif(bif text) RETURNS @extschema@.bayesnet
    AS 'MODULE_PATHNAME', 'ecomai_bn_from_bif' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_from_bif(text) IS 'parse and validate a network in BIF';
CREATE FUNCTION @extschema@.bn_to_bif(bn @extschema@.bayesnet) RETURNS text
    AS 'MODULE_PATHNAME', 'ecomai_bn_to_bif' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_to_bif(@extschema@.bayesnet) IS
    'the network in BIF, probabilities in shortest exact form';
CREATE FUNCTION @extschema@.bn_to_dot(bn @extschema@.bayesnet) RETURNS text
    AS 'MODULE_PATHNAME', 'ecomai_bn_to_dot' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_to_dot(@extschema@.bayesnet) IS 'the DAG in Graphviz dot';
CREATE FUNCTION @extschema@.bn_cpt(bn @extschema@.bayesnet, variable text)
    RETURNS TABLE (parents jsonb, state text, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_bn_cpt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION @extschema@.bn_cpt(@extschema@.bayesnet, text) IS
    'the CPT of one variable: a row per parent configuration and state';
CREATE FUNCTION @extschema@.bn_variables(bn @extschema@.bayesnet)
    RETURNS TABLE (variable text, states text[], parents text[])
    AS 'MODULE_PATHNAME', 'ecomai_bn_variables' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION @extschema@.bn_variables(@extschema@.bayesnet) IS
    'the variables of a network in order, with their states and parents';

CREATE FUNCTION @extschema@.bn_query(bn @extschema@.bayesnet, target text, evidence jsonb DEFAULT '{}')
    RETURNS TABLE (value text, probability float8)
    AS 'MODULE_PATHNAME', 'ecomai_bn_query' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION @extschema@.bn_query(@extschema@.bayesnet, text, jsonb) IS
    'P(target = value | evidence) for every state, exact (variable elimination)';
CREATE FUNCTION @extschema@.bn_probability(bn @extschema@.bayesnet, event jsonb, evidence jsonb DEFAULT '{}')
    RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_bn_probability' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_probability(@extschema@.bayesnet, jsonb, jsonb) IS
    'P(event | evidence) of a joint event, exact';
CREATE FUNCTION @extschema@.bn_map(bn @extschema@.bayesnet, evidence jsonb DEFAULT '{}') RETURNS jsonb
    AS 'MODULE_PATHNAME', 'ecomai_bn_map' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bn_map(@extschema@.bayesnet, jsonb) IS
    'most probable assignment of the unobserved variables, with P(assignment, evidence) and P(assignment | evidence)';
CREATE FUNCTION @extschema@.bn_sample(bn @extschema@.bayesnet, n int, seed int DEFAULT NULL)
    RETURNS SETOF jsonb
    AS 'MODULE_PATHNAME', 'ecomai_bn_sample' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.bn_sample(@extschema@.bayesnet, int, int) IS
    'n forward samples as jsonb objects; reproducible for a given seed';

-- bn_fit: learn CPTs from rows, with a concrete, combinable state (its flat form is its text).
CREATE TYPE @extschema@.bn_fit_state;
CREATE FUNCTION @extschema@.bn_fit_state_in(cstring) RETURNS @extschema@.bn_fit_state
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bn_fit_state_out(@extschema@.bn_fit_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bn_fit_state_recv(internal) RETURNS @extschema@.bn_fit_state
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bn_fit_state_send(@extschema@.bn_fit_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.bn_fit_state (
    INPUT = @extschema@.bn_fit_state_in, OUTPUT = @extschema@.bn_fit_state_out,
    RECEIVE = @extschema@.bn_fit_state_recv, SEND = @extschema@.bn_fit_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = int4, STORAGE = extended);
COMMENT ON TYPE @extschema@.bn_fit_state IS
    'partial bn_fit aggregate state: structure, values seen and family counts per variable';

CREATE FUNCTION @extschema@.bn_fit_accum(state @extschema@.bn_fit_state, structure text, VARIADIC vals text[])
    RETURNS @extschema@.bn_fit_state
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_accum' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bn_fit_combine(a @extschema@.bn_fit_state, b @extschema@.bn_fit_state)
    RETURNS @extschema@.bn_fit_state
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_combine' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION @extschema@.bn_fit_final(state @extschema@.bn_fit_state) RETURNS @extschema@.bayesnet
    AS 'MODULE_PATHNAME', 'ecomai_bn_fit_final' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE AGGREGATE @extschema@.bn_fit(structure text, VARIADIC vals text[]) (
    SFUNC = @extschema@.bn_fit_accum,
    STYPE = @extschema@.bn_fit_state,
    COMBINEFUNC = @extschema@.bn_fit_combine,
    FINALFUNC = @extschema@.bn_fit_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.bn_fit(text, VARIADIC text[]) IS
    'maximum-likelihood (or smoothed) CPTs of a network of given structure from rows of values';
