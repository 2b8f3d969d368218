-- since 1.0.0
-- Matrix factorisation by alternating least squares on OpenBLAS (src/mf_model.c, src/mf_fit.c,
-- src/mf_use.c): implicit feedback (weighted ALS of Hu, Koren and Volinsky, conjugate gradient as
-- in the implicit library) and ratings (biased MF).  Reference: docs/mf.md.
--
-- Keys of any type: mf_fit keeps each key in the text form of its column's type.  Functions
-- taking a key are polymorphic; functions returning items or users take their result type from
-- a typed argument (a history, exclude or allowed array, or a typed NULL witness such as
-- NULL::uuid, as jsonb_populate_record does).

-- @template base_type TYPE=mf_model C=ecomai_mf_model VOLATILITY=STABLE ALIGNMENT=double STORAGE=extended
COMMENT ON TYPE @extschema@.mf_model IS
    'matrix factorisation model: user and item factors and biases, key dictionaries, hyper-parameters, training log';

-- Equality, a total order and hashing (the byte-wise support functions of src/model_equality.c;
-- the flat form of a model is canonical: keys in byte order, zeroed padding): DISTINCT, GROUP BY,
-- hash and merge joins, ORDER BY and btree and hash indexes work on model columns.
-- @template model_equality TYPE=mf_model
-- @template model_order_hash TYPE=mf_model

-- Training reads the source (and the validation relation) through SPI as the caller: STABLE,
-- PARALLEL RESTRICTED (a worker cannot read the leader's temporary tables), not STRICT
-- (value_col, regularization and validation may be NULL).
CREATE FUNCTION @extschema@.mf_fit(source regclass, user_col name, item_col name,
        value_col name DEFAULT NULL, kind text DEFAULT 'implicit', factors int DEFAULT 64,
        regularization float8 DEFAULT NULL, alpha float8 DEFAULT 1, iterations int DEFAULT 15,
        seed int DEFAULT 0, solver text DEFAULT 'cg', validation regclass DEFAULT NULL)
    RETURNS @extschema@.mf_model
    AS 'MODULE_PATHNAME', 'ecomai_mf_fit'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.mf_fit(regclass, name, name, name, text, int, float8, float8, int, int, text, regclass) IS
    'train a matrix factorisation model by ALS from (user, item[, value]) rows: implicit (weighted ALS) or explicit (biased MF)';

CREATE FUNCTION @extschema@.mf_predict(model @extschema@.mf_model, user_id anyelement, item anycompatible)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_mf_predict' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mf_predict(@extschema@.mf_model, anyelement, anycompatible) IS
    'score of a (user, item) pair: x.y for implicit models, the predicted rating for explicit ones; NULL when either is unknown';

-- mf_recommend for a known user (ecomai_mf_recommend_user) or a history folded in
-- (ecomai_mf_recommend_history), optionally with exclude and allowed arrays.
-- @each ARGS="user_id anynonarray, k int, item_type anycompatible" FOR=user \
--     | ARGS="user_id anynonarray, k int, exclude anycompatiblearray, allowed anycompatiblearray" \
--       FOR=user \
--     | ARGS="history anycompatiblearray, k int" FOR=history \
--     | ARGS="history anycompatiblearray, k int, exclude anycompatiblearray, allowed anycompatiblearray" \
--       FOR=history
CREATE FUNCTION @extschema@.mf_recommend(model @extschema@.mf_model, @ARGS@)
    RETURNS TABLE (item anycompatible, score float8)
    AS 'MODULE_PATHNAME', 'ecomai_mf_recommend_@FOR@' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
-- @end
COMMENT ON FUNCTION @extschema@.mf_recommend(@extschema@.mf_model, anynonarray, int, anycompatible) IS
    'top-k items of a known user, best first; item_type (e.g. NULL::text) fixes the type of the item column';
COMMENT ON FUNCTION @extschema@.mf_recommend(@extschema@.mf_model, anynonarray, int, anycompatiblearray, anycompatiblearray) IS
    'top-k items of a known user without the excluded items, among the allowed ones when allowed is not NULL';
COMMENT ON FUNCTION @extschema@.mf_recommend(@extschema@.mf_model, anycompatiblearray, int) IS
    'top-k items for a new user folded in from a history of items (one ALS solve), history items left out';
COMMENT ON FUNCTION @extschema@.mf_recommend(@extschema@.mf_model, anycompatiblearray, int, anycompatiblearray, anycompatiblearray) IS
    'top-k items for a history folded in, without the excluded items, among the allowed ones when allowed is not NULL';

CREATE FUNCTION @extschema@.mf_similar_items(model @extschema@.mf_model, item anyelement, k int DEFAULT 10)
    RETURNS TABLE (neighbor anyelement, similarity float8)
    AS 'MODULE_PATHNAME', 'ecomai_mf_similar_items' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.mf_similar_items(@extschema@.mf_model, anyelement, int) IS
    'top-k items by cosine similarity of their factors; no rows for an unknown item';

CREATE FUNCTION @extschema@.mf_user_factors(model @extschema@.mf_model, user_type anyelement)
    RETURNS TABLE (user_id anyelement, bias float8, factors float8[])
    AS 'MODULE_PATHNAME', 'ecomai_mf_user_factors' LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.mf_user_factors(@extschema@.mf_model, anyelement) IS
    'every user''s bias and factor vector; user_type (e.g. NULL::uuid) fixes the type of the user_id column';

CREATE FUNCTION @extschema@.mf_item_factors(model @extschema@.mf_model, item_type anyelement)
    RETURNS TABLE (item anyelement, bias float8, factors float8[])
    AS 'MODULE_PATHNAME', 'ecomai_mf_item_factors' LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.mf_item_factors(@extschema@.mf_model, anyelement) IS
    'every item''s bias and factor vector; item_type (e.g. NULL::text) fixes the type of the item column';

CREATE FUNCTION @extschema@.mf_training_log(model @extschema@.mf_model)
    RETURNS TABLE (iteration int, loss float8, validation float8)
    AS 'MODULE_PATHNAME', 'ecomai_mf_training_log' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 15;
COMMENT ON FUNCTION @extschema@.mf_training_log(@extschema@.mf_model) IS
    'training loss and validation metric (RMSE or precision at 10; NULL without validation) after each iteration';
