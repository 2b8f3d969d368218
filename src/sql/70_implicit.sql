-- since 1.0.0
-- Implicit-feedback recommendation: the co-occurrence model and its aggregates
-- (src/cooccurrence.c), item-item models derived from it (src/item_models.c, src/ease.c),
-- recommendation from a history array, evaluation and splits.  Reference: docs/recommend.md.

CREATE TYPE @extschema@.cooccurrence;

CREATE FUNCTION @extschema@.cooccurrence_in(cstring) RETURNS @extschema@.cooccurrence
    AS 'MODULE_PATHNAME', 'ecomai_cooc_in' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cooccurrence_out(@extschema@.cooccurrence) RETURNS cstring
    AS 'MODULE_PATHNAME', 'ecomai_cooc_out' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cooccurrence_recv(internal) RETURNS @extschema@.cooccurrence
    AS 'MODULE_PATHNAME', 'ecomai_cooc_recv' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cooccurrence_send(@extschema@.cooccurrence) RETURNS bytea
    AS 'MODULE_PATHNAME', 'ecomai_cooc_send' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.cooccurrence (
    INPUT = @extschema@.cooccurrence_in,
    OUTPUT = @extschema@.cooccurrence_out,
    RECEIVE = @extschema@.cooccurrence_recv,
    SEND = @extschema@.cooccurrence_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.cooccurrence IS
    'co-occurrence model of baskets: item counts, the sparse item-item Gram matrix, the number of baskets';

CREATE FUNCTION @extschema@.cooccurrence_svec_transfn(state @extschema@.cooccurrence, basket @extschema@.svec)
    RETURNS @extschema@.cooccurrence
    AS 'MODULE_PATHNAME', 'ecomai_cooc_svec_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cooccurrence_array_transfn(state @extschema@.cooccurrence, basket anyarray)
    RETURNS @extschema@.cooccurrence
    AS 'MODULE_PATHNAME', 'ecomai_cooc_array_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cooccurrence_combine(a @extschema@.cooccurrence, b @extschema@.cooccurrence)
    RETURNS @extschema@.cooccurrence
    AS 'MODULE_PATHNAME', 'ecomai_cooc_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cooccurrence_final(state @extschema@.cooccurrence) RETURNS @extschema@.cooccurrence
    AS 'MODULE_PATHNAME', 'ecomai_cooc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE @extschema@.cooccurrence(basket @extschema@.svec) (
    SFUNC = @extschema@.cooccurrence_svec_transfn,
    STYPE = @extschema@.cooccurrence,
    INITCOND = 'key_type="" baskets=0 items={} pairs={}',
    COMBINEFUNC = @extschema@.cooccurrence_combine,
    FINALFUNC = @extschema@.cooccurrence_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cooccurrence(@extschema@.svec) IS
    'co-occurrence model of weighted baskets (one svec per customer, positive values count); NULL without baskets';

CREATE AGGREGATE @extschema@.cooccurrence(basket anyarray) (
    SFUNC = @extschema@.cooccurrence_array_transfn,
    STYPE = @extschema@.cooccurrence,
    INITCOND = 'key_type="" baskets=0 items={} pairs={}',
    COMBINEFUNC = @extschema@.cooccurrence_combine,
    FINALFUNC = @extschema@.cooccurrence_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cooccurrence(anyarray) IS
    'co-occurrence model of baskets given as arrays of items of any type (each item once); NULL without baskets';

CREATE FUNCTION @extschema@.cooccurrence_summary(m @extschema@.cooccurrence,
    OUT key_type regtype, OUT baskets bigint, OUT items integer, OUT pairs bigint)
    AS 'MODULE_PATHNAME', 'ecomai_cooc_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cooccurrence_summary(@extschema@.cooccurrence) IS
    'the key type and the numbers of baskets, items and item pairs of a co-occurrence model';

-- ---------------------------------------------------------------------------------------
-- Item-item models from a co-occurrence model.  Two forms of each: the model first, with
-- bigint items (integer keys); or a typed NULL first, key_type (as jsonb_populate_record takes
-- a row), with items of that type: item_similarities(NULL::text, m) for text SKUs.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.item_similarities(m @extschema@.cooccurrence, measure text DEFAULT 'cosine',
    k integer DEFAULT 50, min_support bigint DEFAULT 1, shrinkage float8 DEFAULT 0, alpha float8 DEFAULT 0)
    RETURNS TABLE (item bigint, neighbor bigint, similarity float8, support bigint)
    AS 'MODULE_PATHNAME', 'ecomai_item_similarities' LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.item_similarities(@extschema@.cooccurrence, text, integer, bigint, float8, float8) IS
    'the k most similar neighbours of every item of a co-occurrence model with integer items (cosine, jaccard, lift, conditional, dot); no rows for a NULL model';
CREATE FUNCTION @extschema@.item_similarities(key_type anyelement, m @extschema@.cooccurrence,
    measure text DEFAULT 'cosine', k integer DEFAULT 50, min_support bigint DEFAULT 1, shrinkage float8 DEFAULT 0,
    alpha float8 DEFAULT 0)
    RETURNS TABLE (item anyelement, neighbor anyelement, similarity float8, support bigint)
    AS 'MODULE_PATHNAME', 'ecomai_item_similarities_typed' LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.item_similarities(anyelement, @extschema@.cooccurrence, text, integer, bigint, float8, float8) IS
    'item_similarities with items of the type of key_type (a typed NULL such as NULL::text)';

CREATE FUNCTION @extschema@.association_rules(m @extschema@.cooccurrence, min_support float8 DEFAULT 0,
    min_confidence float8 DEFAULT 0, min_lift float8 DEFAULT 0)
    RETURNS TABLE (antecedent bigint, consequent bigint, support float8, confidence float8,
                   lift float8, leverage float8, conviction float8, n_both bigint)
    AS 'MODULE_PATHNAME', 'ecomai_association_rules' LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.association_rules(@extschema@.cooccurrence, float8, float8, float8) IS
    'two-item association rules (frequently bought together) of a co-occurrence model with integer items; no rows for a NULL model';
CREATE FUNCTION @extschema@.association_rules(key_type anyelement, m @extschema@.cooccurrence,
    min_support float8 DEFAULT 0, min_confidence float8 DEFAULT 0, min_lift float8 DEFAULT 0)
    RETURNS TABLE (antecedent anyelement, consequent anyelement, support float8, confidence float8,
                   lift float8, leverage float8, conviction float8, n_both bigint)
    AS 'MODULE_PATHNAME', 'ecomai_association_rules_typed' LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.association_rules(anyelement, @extschema@.cooccurrence, float8, float8, float8) IS
    'association_rules with items of the type of key_type (a typed NULL such as NULL::text)';

CREATE FUNCTION @extschema@.popular_items(m @extschema@.cooccurrence, k integer DEFAULT 10)
    RETURNS TABLE (item bigint, support bigint)
    AS 'MODULE_PATHNAME', 'ecomai_popular_items' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.popular_items(@extschema@.cooccurrence, integer) IS
    'the k items in the most baskets, most popular first (the cold-start fallback); no rows for a NULL model';
CREATE FUNCTION @extschema@.popular_items(key_type anyelement, m @extschema@.cooccurrence, k integer DEFAULT 10)
    RETURNS TABLE (item anyelement, support bigint)
    AS 'MODULE_PATHNAME', 'ecomai_popular_items_typed' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.popular_items(anyelement, @extschema@.cooccurrence, integer) IS
    'popular_items with items of the type of key_type (a typed NULL such as NULL::text)';

CREATE FUNCTION @extschema@.ease(m @extschema@.cooccurrence, lambda float8 DEFAULT 250, k integer DEFAULT 200)
    RETURNS TABLE (item bigint, neighbor bigint, similarity float8, support bigint)
    AS 'MODULE_PATHNAME', 'ecomai_ease' LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.ease(@extschema@.cooccurrence, float8, integer) IS
    'EASE item-item weights (Steck 2019) of a co-occurrence model with integer items, the k largest by absolute value per item (all when k is NULL)';
CREATE FUNCTION @extschema@.ease(key_type anyelement, m @extschema@.cooccurrence, lambda float8 DEFAULT 250,
    k integer DEFAULT 200)
    RETURNS TABLE (item anyelement, neighbor anyelement, similarity float8, support bigint)
    AS 'MODULE_PATHNAME', 'ecomai_ease_typed' LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.ease(anyelement, @extschema@.cooccurrence, float8, integer) IS
    'ease with items of the type of key_type (a typed NULL such as NULL::text)';

-- ---------------------------------------------------------------------------------------
-- Serving: recommend from a history array (any key type), with filters and a fallback.
-- ---------------------------------------------------------------------------------------
-- The type of a column of a relation the caller names; 42703 naming it when it is missing
-- (so that no internal query text reaches the caller).
CREATE FUNCTION @extschema@.relation_column_type(rel regclass, col name) RETURNS regtype
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE t regtype;
BEGIN
    SELECT a.atttypid INTO t FROM pg_attribute a
     WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF t IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42703',
            MESSAGE = format('column "%s" of relation %s does not exist', col, rel);
    END IF;
    RETURN t;
END
$fn$;
COMMENT ON FUNCTION @extschema@.relation_column_type(regclass, name) IS
    'the type of a column of a relation; 42703 when the relation has no such column';

-- exclude, allowed and fallback are arrays of the history's type, declared "any" (checked in C,
-- 42804) because a polymorphic array parameter cannot default to an untyped NULL.  k is bigint so
-- that calls of recommend(ratings, neighbors, user_id, ...) keep resolving to that function.
CREATE FUNCTION @extschema@.recommend(neighbors regclass, history anyarray, k bigint,
    exclude "any" DEFAULT NULL, allowed "any" DEFAULT NULL, fallback "any" DEFAULT NULL,
    item_col name DEFAULT 'item', neighbor_col name DEFAULT 'neighbor', similarity_col name DEFAULT 'similarity')
    RETURNS TABLE (item anyelement, score float8, because anyelement, is_fallback boolean)
    AS 'MODULE_PATHNAME', 'ecomai_recommend_history' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION @extschema@.recommend(regclass, anyarray, bigint, "any", "any", "any", name, name, name) IS
    'top-k items for a history of items of any type (a customer, a cart, a session): sum of neighbour weights, positive scores only, filtered, filled from fallback';
