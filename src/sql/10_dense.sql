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
