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
