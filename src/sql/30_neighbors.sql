-- Item-item and user-user neighbourhoods (src/neighbors.c, src/ratings.c; docs/neighbors.md).
-- They read the source through SPI as the caller (SECURITY INVOKER): privileges and row-level
-- security apply.  STABLE (they read tables), PARALLEL RESTRICTED (a worker cannot read the
-- leader's temporary tables), not STRICT (value_col NULL means implicit feedback).

-- @each WHO=item ID=item | WHO=user ID=user_id
CREATE FUNCTION @extschema@.@WHO@_neighbors(source regclass, user_col name, item_col name,
        value_col name DEFAULT NULL, k int DEFAULT 50, measure text DEFAULT 'cosine',
        over text DEFAULT 'all', min_support int DEFAULT 1, shrinkage float8 DEFAULT 0)
    RETURNS TABLE (@ID@ bigint, neighbor bigint, similarity float8, support int)
    AS 'MODULE_PATHNAME', 'ecomai_@WHO@_neighbors'
    LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 10000;
COMMENT ON FUNCTION @extschema@.@WHO@_neighbors(regclass, name, name, name, int, text, text, int, float8) IS
    'top-k most similar @WHO@s of every @WHO@, from (user, item[, value]) rows';
-- @end
