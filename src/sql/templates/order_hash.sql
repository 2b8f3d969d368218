-- A total order and hashing of a type that has = (equality.sql): < <= >= >, the default btree
-- and hash operator classes, from C functions @C@_cmp, _lt, _le, _ge, _gt (LEAKPROOF), @C@_hash
-- and @C@_hash_extended:
--   -- @template order_hash TYPE=name C=c_prefix
CREATE FUNCTION @extschema@.@TYPE@_cmp(a @extschema@.@TYPE@, b @extschema@.@TYPE@) RETURNS integer
    AS 'MODULE_PATHNAME', '@C@_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
-- @each OP=lt | OP=le | OP=ge | OP=gt
CREATE FUNCTION @extschema@.@TYPE@_@OP@(a @extschema@.@TYPE@, b @extschema@.@TYPE@) RETURNS boolean
    AS 'MODULE_PATHNAME', '@C@_@OP@' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
-- @end
CREATE FUNCTION @extschema@.@TYPE@_hash(v @extschema@.@TYPE@) RETURNS integer
    AS 'MODULE_PATHNAME', '@C@_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.@TYPE@_hash_extended(v @extschema@.@TYPE@, seed bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', '@C@_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR @extschema@.< (LEFTARG = @extschema@.@TYPE@, RIGHTARG = @extschema@.@TYPE@,
    FUNCTION = @extschema@.@TYPE@_lt, COMMUTATOR = OPERATOR(@extschema@.>),
    NEGATOR = OPERATOR(@extschema@.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR @extschema@.<= (LEFTARG = @extschema@.@TYPE@, RIGHTARG = @extschema@.@TYPE@,
    FUNCTION = @extschema@.@TYPE@_le, COMMUTATOR = OPERATOR(@extschema@.>=),
    NEGATOR = OPERATOR(@extschema@.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR @extschema@.>= (LEFTARG = @extschema@.@TYPE@, RIGHTARG = @extschema@.@TYPE@,
    FUNCTION = @extschema@.@TYPE@_ge, COMMUTATOR = OPERATOR(@extschema@.<=),
    NEGATOR = OPERATOR(@extschema@.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR @extschema@.> (LEFTARG = @extschema@.@TYPE@, RIGHTARG = @extschema@.@TYPE@,
    FUNCTION = @extschema@.@TYPE@_gt, COMMUTATOR = OPERATOR(@extschema@.<),
    NEGATOR = OPERATOR(@extschema@.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR CLASS @extschema@.@TYPE@_btree_ops DEFAULT FOR TYPE @extschema@.@TYPE@ USING btree AS
    OPERATOR 1 @extschema@.< ,
    OPERATOR 2 @extschema@.<= ,
    OPERATOR 3 @extschema@.= ,
    OPERATOR 4 @extschema@.>= ,
    OPERATOR 5 @extschema@.> ,
    FUNCTION 1 @extschema@.@TYPE@_cmp(@extschema@.@TYPE@, @extschema@.@TYPE@);
CREATE OPERATOR CLASS @extschema@.@TYPE@_hash_ops DEFAULT FOR TYPE @extschema@.@TYPE@ USING hash AS
    OPERATOR 1 @extschema@.= (@extschema@.@TYPE@, @extschema@.@TYPE@),
    FUNCTION 1 @extschema@.@TYPE@_hash(@extschema@.@TYPE@),
    FUNCTION 2 @extschema@.@TYPE@_hash_extended(@extschema@.@TYPE@, bigint);
