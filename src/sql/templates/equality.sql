-- Equality of a type, with hash and merge joins (the operator classes: order_hash.sql), from C
-- functions @C@_eq and @C@_ne that raise no error (LEAKPROOF):
--   -- @template equality TYPE=name C=c_prefix
CREATE FUNCTION @extschema@.@TYPE@_eq(a @extschema@.@TYPE@, b @extschema@.@TYPE@) RETURNS boolean
    AS 'MODULE_PATHNAME', '@C@_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.@TYPE@_ne(a @extschema@.@TYPE@, b @extschema@.@TYPE@) RETURNS boolean
    AS 'MODULE_PATHNAME', '@C@_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.@TYPE@, RIGHTARG = @extschema@.@TYPE@, FUNCTION = @extschema@.@TYPE@_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.@TYPE@, RIGHTARG = @extschema@.@TYPE@, FUNCTION = @extschema@.@TYPE@_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = neqsel, JOIN = neqjoinsel);
