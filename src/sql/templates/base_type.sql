-- A variable-length base type with text and binary I/O in C (@C@_in, _out, _recv, _send):
--   -- @template base_type TYPE=name C=c_prefix VOLATILITY=IMMUTABLE|STABLE ALIGNMENT=double|int4
--                         STORAGE=extended|external
-- The I/O functions are STABLE when the text form depends on settings (keys in a type's text).
CREATE TYPE @extschema@.@TYPE@;
CREATE FUNCTION @extschema@.@TYPE@_in(cstring) RETURNS @extschema@.@TYPE@
    AS 'MODULE_PATHNAME', '@C@_in' LANGUAGE C @VOLATILITY@ STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.@TYPE@_out(@extschema@.@TYPE@) RETURNS cstring
    AS 'MODULE_PATHNAME', '@C@_out' LANGUAGE C @VOLATILITY@ STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.@TYPE@_recv(internal) RETURNS @extschema@.@TYPE@
    AS 'MODULE_PATHNAME', '@C@_recv' LANGUAGE C @VOLATILITY@ STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.@TYPE@_send(@extschema@.@TYPE@) RETURNS bytea
    AS 'MODULE_PATHNAME', '@C@_send' LANGUAGE C @VOLATILITY@ STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.@TYPE@ (
    INPUT = @extschema@.@TYPE@_in, OUTPUT = @extschema@.@TYPE@_out,
    RECEIVE = @extschema@.@TYPE@_recv, SEND = @extschema@.@TYPE@_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = @ALIGNMENT@, STORAGE = @STORAGE@);
