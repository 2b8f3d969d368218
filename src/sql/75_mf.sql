-- since 1.0.0
-- Matrix factorisation by alternating least squares on OpenBLAS (src/mf_model.c, src/mf_fit.c,
-- src/mf_use.c): implicit feedback (weighted ALS of Hu, Koren and Volinsky, conjugate gradient as
-- in the implicit library) and ratings (biased MF).  Reference: docs/mf.md.
--
-- Keys of any type: mf_fit keeps each key in the text form of its column's type.  Functions
-- taking a key are polymorphic; functions returning items or users take their result type from
-- a typed argument (a history, exclude or allowed array, or a typed NULL witness such as
-- NULL::uuid, as jsonb_populate_record does).

CREATE TYPE @extschema@.mf_model;

CREATE FUNCTION @extschema@.mf_model_in(cstring) RETURNS @extschema@.mf_model
    AS 'MODULE_PATHNAME', 'ecomai_mf_model_in' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.mf_model_out(@extschema@.mf_model) RETURNS cstring
    AS 'MODULE_PATHNAME', 'ecomai_mf_model_out' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.mf_model_recv(internal) RETURNS @extschema@.mf_model
    AS 'MODULE_PATHNAME', 'ecomai_mf_model_recv' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.mf_model_send(@extschema@.mf_model) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ecomai_mf_model_send' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.mf_model (
    INPUT = @extschema@.mf_model_in,
    OUTPUT = @extschema@.mf_model_out,
    RECEIVE = @extschema@.mf_model_recv,
    SEND = @extschema@.mf_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.mf_model IS
    'matrix factorisation model: user and item factors and biases, key dictionaries, hyper-parameters, training log';

-- Equality, a total order and hashing (the byte-wise support functions of src/model_equality.c;
-- the flat form of a model is canonical: keys in byte order, zeroed padding): DISTINCT, GROUP BY,
-- hash and merge joins, ORDER BY and btree and hash indexes work on model columns.
CREATE FUNCTION @extschema@.mf_model_eq(a @extschema@.mf_model, b @extschema@.mf_model) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.mf_model_ne(a @extschema@.mf_model, b @extschema@.mf_model) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.mf_model_lt(a @extschema@.mf_model, b @extschema@.mf_model) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.mf_model_le(a @extschema@.mf_model, b @extschema@.mf_model) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.mf_model_gt(a @extschema@.mf_model, b @extschema@.mf_model) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.mf_model_ge(a @extschema@.mf_model, b @extschema@.mf_model) RETURNS boolean
    AS 'MODULE_PATHNAME', 'ecomai_model_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.mf_model_cmp(a @extschema@.mf_model, b @extschema@.mf_model) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_model_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.mf_model_hash(v @extschema@.mf_model) RETURNS integer
    AS 'MODULE_PATHNAME', 'ecomai_model_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.mf_model_hash_extended(v @extschema@.mf_model, seed bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ecomai_model_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mf_model_cmp(@extschema@.mf_model, @extschema@.mf_model) IS
    'btree support: -1, 0 or 1 in the mf_model byte order';
COMMENT ON FUNCTION @extschema@.mf_model_hash(@extschema@.mf_model) IS 'hash support: hash of the canonical flat form';
COMMENT ON FUNCTION @extschema@.mf_model_hash_extended(@extschema@.mf_model, bigint) IS
    'hash support: 64-bit seeded hash of the canonical flat form';
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.mf_model, RIGHTARG = @extschema@.mf_model, FUNCTION = @extschema@.mf_model_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.mf_model, RIGHTARG = @extschema@.mf_model, FUNCTION = @extschema@.mf_model_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR @extschema@.= (@extschema@.mf_model, @extschema@.mf_model) IS 'the same model: identical canonical flat forms';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.mf_model, @extschema@.mf_model) IS 'not the same model';
CREATE OPERATOR @extschema@.< (LEFTARG = @extschema@.mf_model, RIGHTARG = @extschema@.mf_model,
    FUNCTION = @extschema@.mf_model_lt, COMMUTATOR = OPERATOR(@extschema@.>),
    NEGATOR = OPERATOR(@extschema@.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR @extschema@.<= (LEFTARG = @extschema@.mf_model, RIGHTARG = @extschema@.mf_model,
    FUNCTION = @extschema@.mf_model_le, COMMUTATOR = OPERATOR(@extschema@.>=),
    NEGATOR = OPERATOR(@extschema@.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR @extschema@.>= (LEFTARG = @extschema@.mf_model, RIGHTARG = @extschema@.mf_model,
    FUNCTION = @extschema@.mf_model_ge, COMMUTATOR = OPERATOR(@extschema@.<=),
    NEGATOR = OPERATOR(@extschema@.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR @extschema@.> (LEFTARG = @extschema@.mf_model, RIGHTARG = @extschema@.mf_model,
    FUNCTION = @extschema@.mf_model_gt, COMMUTATOR = OPERATOR(@extschema@.<),
    NEGATOR = OPERATOR(@extschema@.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR CLASS @extschema@.mf_model_btree_ops DEFAULT FOR TYPE @extschema@.mf_model USING btree AS
    OPERATOR 1 @extschema@.< ,
    OPERATOR 2 @extschema@.<= ,
    OPERATOR 3 @extschema@.= ,
    OPERATOR 4 @extschema@.>= ,
    OPERATOR 5 @extschema@.> ,
    FUNCTION 1 @extschema@.mf_model_cmp(@extschema@.mf_model, @extschema@.mf_model);
CREATE OPERATOR CLASS @extschema@.mf_model_hash_ops DEFAULT FOR TYPE @extschema@.mf_model USING hash AS
    OPERATOR 1 @extschema@.= (@extschema@.mf_model, @extschema@.mf_model),
    FUNCTION 1 @extschema@.mf_model_hash(@extschema@.mf_model),
    FUNCTION 2 @extschema@.mf_model_hash_extended(@extschema@.mf_model, bigint);

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

CREATE FUNCTION @extschema@.mf_recommend(model @extschema@.mf_model, user_id anynonarray, k int,
        item_type anycompatible)
    RETURNS TABLE (item anycompatible, score float8)
    AS 'MODULE_PATHNAME', 'ecomai_mf_recommend_user' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.mf_recommend(@extschema@.mf_model, anynonarray, int, anycompatible) IS
    'top-k items of a known user, best first; item_type (e.g. NULL::text) fixes the type of the item column';

CREATE FUNCTION @extschema@.mf_recommend(model @extschema@.mf_model, user_id anynonarray, k int,
        exclude anycompatiblearray, allowed anycompatiblearray)
    RETURNS TABLE (item anycompatible, score float8)
    AS 'MODULE_PATHNAME', 'ecomai_mf_recommend_user' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.mf_recommend(@extschema@.mf_model, anynonarray, int, anycompatiblearray, anycompatiblearray) IS
    'top-k items of a known user without the excluded items, among the allowed ones when allowed is not NULL';

CREATE FUNCTION @extschema@.mf_recommend(model @extschema@.mf_model, history anycompatiblearray, k int)
    RETURNS TABLE (item anycompatible, score float8)
    AS 'MODULE_PATHNAME', 'ecomai_mf_recommend_history' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.mf_recommend(@extschema@.mf_model, anycompatiblearray, int) IS
    'top-k items for a new user folded in from a history of items (one ALS solve), history items left out';

CREATE FUNCTION @extschema@.mf_recommend(model @extschema@.mf_model, history anycompatiblearray, k int,
        exclude anycompatiblearray, allowed anycompatiblearray)
    RETURNS TABLE (item anycompatible, score float8)
    AS 'MODULE_PATHNAME', 'ecomai_mf_recommend_history' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
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
