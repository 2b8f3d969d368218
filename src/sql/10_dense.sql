-- Dense-vector similarity over float8[] and float4[] (src/dense.c): each function for both
-- element types (C functions ..._f8 and ..._f4).
-- All are STRICT (a NULL argument gives NULL), IMMUTABLE and PARALLEL SAFE.

-- @each ELEM=float8 C=f8 | ELEM=float4 C=f4
CREATE FUNCTION @extschema@.cosine_similarity(a @ELEM@[], b @ELEM@[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_cosine_similarity_@C@' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cosine_similarity(@ELEM@[], @ELEM@[]) IS
    'cosine of the angle between two vectors; NULL when either is a zero vector';
CREATE FUNCTION @extschema@.cosine_distance(a @ELEM@[], b @ELEM@[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_cosine_distance_@C@' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cosine_distance(@ELEM@[], @ELEM@[]) IS
    '1 - cosine_similarity(a, b); NULL when either is a zero vector';
CREATE FUNCTION @extschema@.dot_product(a @ELEM@[], b @ELEM@[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_dot_product_@C@' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dot_product(@ELEM@[], @ELEM@[]) IS 'sum of a[i] * b[i]';
CREATE FUNCTION @extschema@.l2_distance(a @ELEM@[], b @ELEM@[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_l2_distance_@C@' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.l2_distance(@ELEM@[], @ELEM@[]) IS 'Euclidean distance';
CREATE FUNCTION @extschema@.l2_norm(a @ELEM@[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_l2_norm_@C@' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.l2_norm(@ELEM@[]) IS 'Euclidean length of a vector';
-- @end

-- Element-wise aggregates.  State: float8[] = {row count, sum_1, ..., sum_d}.
CREATE FUNCTION @extschema@.vector_accum(state float8[], v float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_vector_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.vector_combine(a float8[], b float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_vector_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.vector_sum_final(state float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_vector_sum_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.vector_avg_final(state float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'ecomai_vector_avg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- @template aggregate NAME=vector_sum ARGS=float8[] SFUNC=vector_accum STYPE=float8[] \
--     COMBINEFUNC=vector_combine FINALFUNC=vector_sum_final
-- @template aggregate NAME=vector_avg ARGS=float8[] SFUNC=vector_accum STYPE=float8[] \
--     COMBINEFUNC=vector_combine FINALFUNC=vector_avg_final
COMMENT ON AGGREGATE @extschema@.vector_sum(float8[]) IS
    'element-wise sum of vectors; NULL rows skipped; NULL when there are no rows';
COMMENT ON AGGREGATE @extschema@.vector_avg(float8[]) IS
    'element-wise mean of vectors; NULL rows skipped; NULL when there are no rows';
