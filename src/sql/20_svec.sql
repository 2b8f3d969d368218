-- The sparse vector type ecomai.svec and its functions (src/svec.c, docs/svec.md).

-- @template base_type TYPE=svec C=ecomai_svec VOLATILITY=IMMUTABLE ALIGNMENT=double STORAGE=extended
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
-- @each F=cosine_similarity DOC="cosine of the angle between two sparse vectors; NULL when either is empty" \
--     | F=cosine_distance DOC="1 - cosine_similarity(a, b); NULL when either is empty" \
--     | F=dot_product DOC="sum of a[k] * b[k] over the keys both vectors hold" \
--     | F=jaccard_similarity DOC="shared keys / keys in either (values ignored); NULL when both are empty"
CREATE FUNCTION @extschema@.@F@(a @extschema@.svec, b @extschema@.svec) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_svec_@F@' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.@F@(@extschema@.svec, @extschema@.svec) IS '@DOC@';
-- @end

CREATE FUNCTION @extschema@.l2_norm(a @extschema@.svec) RETURNS float8
    AS 'MODULE_PATHNAME', 'ecomai_svec_l2_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.l2_norm(@extschema@.svec) IS 'Euclidean length of a sparse vector';

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
-- @template equality TYPE=svec C=ecomai_svec

-- A total order (entries compared in turn, key then value; a prefix first) so that
-- count(DISTINCT), ORDER BY, sorted GROUP BY, PARTITION BY and btree indexes work.
-- It has no geometric meaning.
-- @template order_hash TYPE=svec C=ecomai_svec
COMMENT ON FUNCTION @extschema@.svec_cmp(@extschema@.svec, @extschema@.svec) IS
    'btree support: -1, 0 or 1 in the svec sort order (entries in turn, key then value)';
COMMENT ON FUNCTION @extschema@.svec_hash(@extschema@.svec) IS 'hash support: hash of the canonical entries';
COMMENT ON FUNCTION @extschema@.svec_hash_extended(@extschema@.svec, bigint) IS
    'hash support: 64-bit seeded hash of the canonical entries';

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

-- @template aggregate NAME=svec_agg ARGS="key bigint, value float8" SFUNC=svec_agg_transfn \
--     STYPE=@extschema@.svec COMBINEFUNC=svec_agg_combine FINALFUNC=svec_agg_final
COMMENT ON AGGREGATE @extschema@.svec_agg(bigint, float8) IS
    'sparse vector of the values summed per key; rows with a NULL key or value skipped; NULL when no rows';
