-- since 1.0.0
-- Implicit-feedback recommendation: the co-occurrence model and its aggregates
-- (src/cooccurrence.c), item-item models derived from it (src/item_models.c, src/ease.c),
-- recommendation from a history array, evaluation and splits.  Reference: docs/recommend.md.

-- @template base_type TYPE=cooccurrence C=ecomai_cooc VOLATILITY=STABLE ALIGNMENT=double STORAGE=external
COMMENT ON TYPE @extschema@.cooccurrence IS
    'co-occurrence model of baskets: item counts, the sparse item-item Gram matrix, the number of baskets';

CREATE FUNCTION @extschema@.cooccurrence_combine(a @extschema@.cooccurrence, b @extschema@.cooccurrence)
    RETURNS @extschema@.cooccurrence
    AS 'MODULE_PATHNAME', 'ecomai_cooc_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cooccurrence_final(state @extschema@.cooccurrence) RETURNS @extschema@.cooccurrence
    AS 'MODULE_PATHNAME', 'ecomai_cooc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- cooccurrence(basket): baskets as svecs or as arrays of any type.
-- @each KIND=svec BASKET=@extschema@.svec | KIND=array BASKET=anyarray
CREATE FUNCTION @extschema@.cooccurrence_@KIND@_transfn(state @extschema@.cooccurrence, basket @BASKET@)
    RETURNS @extschema@.cooccurrence
    AS 'MODULE_PATHNAME', 'ecomai_cooc_@KIND@_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE @extschema@.cooccurrence(basket @BASKET@) (
    SFUNC = @extschema@.cooccurrence_@KIND@_transfn,
    STYPE = @extschema@.cooccurrence,
    INITCOND = 'key_type="" baskets=0 items={} pairs={}',
    COMBINEFUNC = @extschema@.cooccurrence_combine,
    FINALFUNC = @extschema@.cooccurrence_final,
    PARALLEL = SAFE
);
-- @end
COMMENT ON AGGREGATE @extschema@.cooccurrence(@extschema@.svec) IS
    'co-occurrence model of weighted baskets (one svec per customer, positive values count); NULL without baskets';
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
CREATE FUNCTION @extschema@.relation_column_type(rel oid, col name) RETURNS regtype
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    t regtype;
    relname name;
BEGIN
    -- @each ARG=rel | ARG=col
    -- @template not_null ARG=@ARG@
    -- @end
    SELECT c.relname INTO relname FROM pg_class c WHERE c.oid = rel;
    IF relname IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42P01', MESSAGE = format('relation with OID %s does not exist', rel);
    END IF;
    SELECT a.atttypid INTO t FROM pg_attribute a
     WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF t IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42703',
            MESSAGE = format('column "%s" of relation "%s" does not exist', col, relname);
    END IF;
    RETURN t;
END
$fn$;
COMMENT ON FUNCTION @extschema@.relation_column_type(oid, name) IS
    'the type of a column of a relation; 42703 when the relation has no such column';

-- exclude, allowed and fallback are arrays of the history's type, declared "any" (checked in C,
-- 42804) because a polymorphic array parameter cannot default to an untyped NULL.  Not an overload
-- of recommend(source, neighbors, user_id, user_col, item_col, ...): with untyped literals the two
-- could not be told apart (a regclass or an anyarray second argument).
CREATE FUNCTION @extschema@.recommend_from_history(neighbors regclass, history anyarray, k bigint,
    exclude "any" DEFAULT NULL, allowed "any" DEFAULT NULL, fallback "any" DEFAULT NULL,
    item_col name DEFAULT 'item', neighbor_col name DEFAULT 'neighbor', similarity_col name DEFAULT 'similarity')
    RETURNS TABLE (item anyelement, score float8, because anyelement, is_fallback boolean)
    AS 'MODULE_PATHNAME', 'ecomai_recommend_history' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION @extschema@.recommend_from_history(regclass, anyarray, bigint, "any", "any", "any", name, name, name) IS
    'top-k items for a history of items of any type (a customer, a cart, a session): sum of neighbour weights, positive scores only, filtered, filled from fallback';

-- ---------------------------------------------------------------------------------------
-- Evaluation in one call, and splits, on any key type.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.evaluate_recommendations(test regclass, recommendations regclass, k integer DEFAULT 10,
    user_col name DEFAULT 'user_id', item_col name DEFAULT 'item', score_col name DEFAULT 'score',
    catalog_size bigint DEFAULT NULL)
    RETURNS TABLE (users bigint, precision_at_k float8, recall_at_k float8, ndcg_at_k float8, map float8,
                   hit_rate float8, coverage float8)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    -- @each ARG=test | ARG=recommendations | ARG=k | ARG=user_col | ARG=item_col | ARG=score_col
    -- @template not_null ARG=@ARG@
    -- @end
    IF k < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('k must be at least 1, not %s', k);
    END IF;
    IF catalog_size IS NOT NULL AND catalog_size < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('catalog_size must be at least 1, not %s', catalog_size);
    END IF;
    -- the columns; an unknown one is raised again from here, so that no statement of ours shows
    -- in the error's context
    BEGIN
        IF @extschema@.relation_column_type(test, user_col) <> @extschema@.relation_column_type(recommendations, user_col)
           OR @extschema@.relation_column_type(test, item_col) <> @extschema@.relation_column_type(recommendations, item_col) THEN
            RAISE EXCEPTION USING ERRCODE = '42804',
                MESSAGE = format('columns %I and %I must have the same types in %s and %s', user_col, item_col, test, recommendations);
        END IF;
        PERFORM @extschema@.relation_column_type(recommendations, score_col);
    EXCEPTION WHEN undefined_column THEN
        RAISE EXCEPTION USING ERRCODE = '42703', MESSAGE = SQLERRM;
    END;
    RETURN QUERY EXECUTE format($q$
        WITH rel AS (
            SELECT DISTINCT t.%3$I AS u, t.%4$I AS i FROM %1$s t WHERE t.%3$I IS NOT NULL AND t.%4$I IS NOT NULL),
        nrel AS (SELECT u, count(*) AS n FROM rel GROUP BY u),
        ranked AS (
            SELECT u, i, row_number() OVER (PARTITION BY u ORDER BY s DESC NULLS LAST, i) AS rnk
              FROM (SELECT r.%3$I AS u, r.%4$I AS i, max(r.%5$I) AS s FROM %2$s r
                     WHERE r.%3$I IS NOT NULL AND r.%4$I IS NOT NULL GROUP BY 1, 2) d),
        top AS (SELECT u, i, rnk FROM ranked WHERE rnk <= $1),
        common AS (SELECT u, n FROM nrel WHERE u IN (SELECT u FROM top)),
        hits AS (
            SELECT top.u, top.rnk, row_number() OVER (PARTITION BY top.u ORDER BY top.rnk) AS nth
              FROM top JOIN rel ON rel.u = top.u AND rel.i = top.i),
        per_user AS (
            SELECT c.u, c.n, count(h.rnk) AS nhit,
                   coalesce(sum(1 / log(2, h.rnk + 1)), 0) AS dcg,
                   (SELECT sum(1 / log(2, j + 1)) FROM generate_series(1, least(c.n, $1)) j) AS idcg,
                   coalesce(sum(h.nth::float8 / h.rnk), 0) AS ap
              FROM common c LEFT JOIN hits h ON h.u = c.u GROUP BY c.u, c.n)
        SELECT count(*), avg(nhit::float8 / $1), avg(nhit::float8 / n), avg((dcg / idcg)::float8),
               avg(ap / n), avg((nhit > 0)::int::float8),
               (SELECT count(DISTINCT i) FROM top)::float8 / coalesce($2, (SELECT count(DISTINCT i) FROM rel))
          FROM per_user $q$, test, recommendations, user_col, item_col, score_col)
        USING k, catalog_size;
END
$fn$;
COMMENT ON FUNCTION @extschema@.evaluate_recommendations(regclass, regclass, integer, name, name, name, bigint) IS
    'precision, recall, NDCG, MAP and hit rate at k over the users of both relations, and catalogue coverage (Microsoft Recommenders definitions)';

CREATE FUNCTION @extschema@.split_interactions(source regclass, user_col name, item_col name,
    user_type anyelement, item_type anycompatible, method text DEFAULT 'random', test_fraction float8 DEFAULT 0.25,
    seed integer DEFAULT 0, time_col name DEFAULT NULL, basket_col name DEFAULT NULL)
    RETURNS TABLE (user_id anyelement, item anycompatible, is_test boolean)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    src text;
BEGIN
    -- @each ARG=source | ARG=user_col | ARG=item_col | ARG=method | ARG=test_fraction | ARG=seed
    -- @template not_null ARG=@ARG@
    -- @end
    -- @template unit_interval ARG=test_fraction
    -- the columns (as in evaluate_recommendations: an unknown one is raised again from here)
    BEGIN
        IF @extschema@.relation_column_type(source, user_col) <> pg_typeof(user_type)
           OR @extschema@.relation_column_type(source, item_col) <> pg_typeof(item_type) THEN
            RAISE EXCEPTION USING ERRCODE = '42804',
                MESSAGE = format('columns %I and %I of %s are of types %s and %s, not %s and %s', user_col, item_col, source,
                                 @extschema@.relation_column_type(source, user_col), @extschema@.relation_column_type(source, item_col),
                                 pg_typeof(user_type), pg_typeof(item_type));
        END IF;
        IF time_col IS NOT NULL AND method IN ('time', 'last_basket') THEN
            PERFORM @extschema@.relation_column_type(source, time_col);
        END IF;
        IF basket_col IS NOT NULL AND method = 'last_basket' THEN
            PERFORM @extschema@.relation_column_type(source, basket_col);
        END IF;
    EXCEPTION WHEN undefined_column THEN
        RAISE EXCEPTION USING ERRCODE = '42703', MESSAGE = SQLERRM;
    END;
    src := format('SELECT s.%2$I AS u, s.%3$I AS i FROM %1$s s WHERE s.%2$I IS NOT NULL AND s.%3$I IS NOT NULL',
                  source, user_col, item_col);
    IF method = 'random' THEN
        -- per user, a seeded shuffle of the user's distinct items; the last round(n * fraction) are test
        RETURN QUERY EXECUTE format($q$
            SELECT u, i, rn > n - round(n * $1) FROM (
                SELECT u, i, count(*) OVER (PARTITION BY u) AS n,
                       row_number() OVER (PARTITION BY u ORDER BY hashtextextended(u::text || chr(31) || i::text, $2), i) AS rn
                  FROM (SELECT DISTINCT u, i FROM (%s) x) d) q $q$, src)
            USING test_fraction, seed;
    ELSIF method = 'time' THEN
        IF time_col IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'method time needs time_col';
        END IF;
        -- per user, the items last bought most recently are test
        RETURN QUERY EXECUTE format($q$
            SELECT u, i, rn > n - round(n * $1) FROM (
                SELECT u, i, count(*) OVER (PARTITION BY u) AS n,
                       row_number() OVER (PARTITION BY u ORDER BY t, i) AS rn
                  FROM (SELECT s.%2$I AS u, s.%3$I AS i, max(s.%4$I) AS t FROM %1$s s
                         WHERE s.%2$I IS NOT NULL AND s.%3$I IS NOT NULL AND s.%4$I IS NOT NULL GROUP BY 1, 2) d) q $q$,
            source, user_col, item_col, time_col)
            USING test_fraction;
    ELSIF method = 'last_basket' THEN
        IF basket_col IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'method last_basket needs basket_col';
        END IF;
        -- per user with two baskets or more, the items of the last basket (latest time_col, else
        -- largest basket key) are test
        RETURN QUERY EXECUTE format($q$
            WITH l AS (SELECT s.%2$I AS u, s.%3$I AS i, s.%4$I AS b, %5$s AS t FROM %1$s s
                        WHERE s.%2$I IS NOT NULL AND s.%3$I IS NOT NULL AND s.%4$I IS NOT NULL),
            lastb AS (SELECT DISTINCT ON (u) u, b FROM (SELECT u, b, max(t) AS t FROM l GROUP BY u, b) x
                      ORDER BY u, t DESC NULLS LAST, b DESC),
            nb AS (SELECT u, count(DISTINCT b) AS n FROM l GROUP BY u)
            SELECT l.u, l.i, bool_or(l.b = lastb.b AND nb.n > 1)
              FROM l JOIN lastb ON lastb.u = l.u JOIN nb ON nb.u = l.u GROUP BY l.u, l.i $q$,
            source, user_col, item_col, basket_col, CASE WHEN time_col IS NULL THEN 'NULL::int' ELSE format('s.%I', time_col) END);
    ELSE
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = format('unknown method "%s"', method), HINT = 'Use random, time or last_basket.';
    END IF;
END
$fn$;
COMMENT ON FUNCTION @extschema@.split_interactions(regclass, name, name, anyelement, anycompatible, text, float8, integer, name, name) IS
    'train/test split of the distinct (user, item) pairs of source, keys of any type: per-user seeded random, by time, or leave-last-basket-out';
