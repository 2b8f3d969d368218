-- since 1.0.0
-- Collaborative filtering over relations: train/test split (src/metrics.c), recommendation
-- from a neighbour table, batch prediction and baselines (src/cf_predict.c, src/baselines.c),
-- with their planner support.  Reference: docs/cf.md.
-- All existed in 0.2.0; the naming pass of 1.0.0 (issue 12) renamed their inputs and result
-- columns, so the update from 0.2.0 runs this piece too: src/sql/update/10_naming.sql first drops
-- the 0.2 forms that cannot be changed in place, and the 0.2 recommend is replaced in place (CREATE
-- OR REPLACE: the same object, so views over it survive) by a deprecated wrapper.

-- ---------------------------------------------------------------------------------------
-- Planner support (src/planner_support.c): row estimates of the set-returning functions below.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.rows_from_k(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'ecomai_rows_from_k' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rows_from_k(internal) IS
    'planner support: a top-k function returns at most k rows (k a constant argument)';
CREATE FUNCTION @extschema@.rows_from_relation(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'ecomai_rows_from_relation' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rows_from_relation(internal) IS
    'planner support: one result row per row of the relation argument pairs, or else source';

-- ---------------------------------------------------------------------------------------
-- Reproducible train/test split of a relation (split_uniform: 40_cf.sql).
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.train_test_split(source regclass, user_col name, item_col name,
                                             test_fraction float8 DEFAULT 0.2, seed int DEFAULT 0,
                                             time_col name DEFAULT NULL)
    RETURNS TABLE (user_id bigint, item bigint, is_test boolean)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
    SUPPORT @extschema@.rows_from_relation AS $fn$
DECLARE
    missing text;
BEGIN
    -- @each ARG=source | ARG=user_col | ARG=item_col | ARG=test_fraction | ARG=seed
    -- @template not_null ARG=@ARG@
    -- @end
    -- @template unit_interval ARG=test_fraction
    -- a dropped relation: the same error as the C functions give, not a syntax error on its OID
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = source) THEN
        RAISE EXCEPTION USING ERRCODE = '42P01', MESSAGE = format('relation with OID %s does not exist', source::oid);
    END IF;
    -- missing columns: the C functions' error, not one from inside the query below
    SELECT format('column "%s" of relation "%s" does not exist', c.name, r.relname) INTO missing
      FROM (VALUES (user_col, 1), (item_col, 2), (time_col, 3)) c(name, pos) JOIN pg_class r ON r.oid = source
     WHERE c.name IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = source AND a.attname = c.name
                                                     AND a.attnum > 0 AND NOT a.attisdropped)
     ORDER BY c.pos LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42703', MESSAGE = missing;
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
-- Online recommendation from a neighbour table (item, neighbor, similarity).
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.recommend(source regclass, neighbors regclass, user_id bigint,
                                      user_col name, item_col name, value_col name DEFAULT NULL,
                                      k int DEFAULT 10)
    RETURNS TABLE (item bigint, score float8, because bigint)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
    SUPPORT @extschema@.rows_from_k AS $fn$
DECLARE
    missing text;
    hint text;
BEGIN
    -- @each ARG=source | ARG=neighbors | ARG=user_col | ARG=item_col | ARG=k
    -- @template not_null ARG=@ARG@
    -- @end
    IF k < 1 THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('k must be at least 1, not %s', k);
    END IF;
    -- a dropped relation: the same error as the C functions give, not a syntax error on its OID
    -- @each REL=source | REL=neighbors
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = @REL@) THEN
        RAISE EXCEPTION USING ERRCODE = '42P01', MESSAGE = format('relation with OID %s does not exist', @REL@::oid);
    END IF;
    -- @end
    -- missing columns: the C functions' error, not one from inside the query below
    SELECT format('column "%s" of relation "%s" does not exist', c.name, r.relname),
           CASE WHEN r.oid = neighbors THEN
               'The neighbour table has the columns item, neighbor and similarity, as item_neighbors returns them.' END
      INTO missing, hint
      FROM (VALUES (source, user_col, 1), (source, item_col, 2), (source, value_col, 3),
                   (neighbors, 'item'::name, 4), (neighbors, 'neighbor', 5), (neighbors, 'similarity', 6)) c(rel, name, pos)
      JOIN pg_class r ON r.oid = c.rel
     WHERE c.name IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.rel AND a.attname = c.name
                                                     AND a.attnum > 0 AND NOT a.attisdropped)
     ORDER BY c.pos LIMIT 1;
    IF hint IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42703', MESSAGE = missing, HINT = hint;
    ELSIF missing IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42703', MESSAGE = missing;
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
        source, user_col, neighbors)
        USING recommend.user_id, k;
END
$fn$;
COMMENT ON FUNCTION @extschema@.recommend(regclass, regclass, bigint, name, name, name, int) IS
    'top-k unseen items for a user, scored by sum(similarity * value) over the user''s items, with the item that contributed most';

-- The 0.2 spelling (ratings, n, default columns user_id/item_id), kept for one release.
CREATE OR REPLACE FUNCTION @extschema@.recommend(ratings regclass, neighbors regclass, user_id bigint, n int DEFAULT 10,
                                      user_col name DEFAULT 'user_id', item_col name DEFAULT 'item_id',
                                      value_col name DEFAULT NULL)
    RETURNS TABLE (item bigint, score float8, because bigint)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
    SUPPORT @extschema@.rows_from_k AS $fn$
BEGIN
    RAISE NOTICE USING
        MESSAGE = 'recommend(ratings, neighbors, user_id, n, ...) is deprecated and will be removed in ecomai 1.1',
        HINT = 'Call recommend(source, neighbors, user_id, user_col, item_col, value_col, k): the column names are required and the size is k.';
    RETURN QUERY SELECT * FROM @extschema@.recommend(source => ratings, neighbors => neighbors,
        user_id => recommend.user_id, user_col => user_col, item_col => item_col, value_col => value_col, k => n);
END
$fn$;
COMMENT ON FUNCTION @extschema@.recommend(regclass, regclass, bigint, int, name, name, name) IS
    'deprecated (removed in 1.1): recommend(ratings, neighbors, user_id, n, user_col, item_col, value_col) calls recommend(source, neighbors, user_id, user_col, item_col, value_col, k)';

-- ---------------------------------------------------------------------------------------
-- Batch prediction (Surprise's k-NN rules) and baselines.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION @extschema@.knn_predict(source regclass, pairs regclass, user_col name, item_col name,
                                        value_col name, kind text DEFAULT 'user',
                                        k int DEFAULT 40, min_k int DEFAULT 1,
                                        measure text DEFAULT 'msd', over text DEFAULT 'common',
                                        shrinkage float8 DEFAULT NULL,
                                        centering text DEFAULT 'none',
                                        clip boolean DEFAULT true,
                                        min_support int DEFAULT 1,
                                        normalized boolean DEFAULT true,
                                        order_col name DEFAULT NULL,
                                        self_neighbor boolean DEFAULT true)
    RETURNS TABLE (user_id bigint, item bigint, actual float8, estimate float8, k_used int)
    AS 'MODULE_PATHNAME', 'ecomai_knn_predict' LANGUAGE C STABLE PARALLEL RESTRICTED
    SUPPORT @extschema@.rows_from_relation;
COMMENT ON FUNCTION @extschema@.knn_predict(regclass, regclass, name, name, name, text, int, int, text, text,
                                            float8, text, boolean, int, boolean, name, boolean) IS
    'k-nearest-neighbour rating predictions for every (user, item) row of pairs (columns named as in source, or user_id and item as train_test_split returns them), as Surprise''s KNNBasic/KNNWithMeans/KNNWithZScore/KNNBaseline';

CREATE FUNCTION @extschema@.baselines(source regclass, user_col name, item_col name, value_col name,
                                      reg_u float8 DEFAULT 15, reg_i float8 DEFAULT 10,
                                      n_epochs int DEFAULT 10)
    RETURNS TABLE (kind text, id bigint, bias float8)
    AS 'MODULE_PATHNAME', 'ecomai_baselines' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.baselines(regclass, name, name, name, float8, float8, int) IS
    'global mean and user and item biases fitted by ALS as Surprise''s BaselineOnly: b_ui = mean + b_u + b_i';
