-- A combinable aggregate as ecomai declares them all (a concrete state type with a
-- combine function, PARALLEL SAFE):
--   -- @template aggregate NAME=name ARGS="arg type, ..." SFUNC=f STYPE=type COMBINEFUNC=f FINALFUNC=f
-- The functions are in @extschema@; STYPE is written as it is (float8[], @extschema@.svec).
CREATE AGGREGATE @extschema@.@NAME@(@ARGS@) (
    SFUNC = @extschema@.@SFUNC@,
    STYPE = @STYPE@,
    COMBINEFUNC = @extschema@.@COMBINEFUNC@,
    FINALFUNC = @extschema@.@FINALFUNC@,
    PARALLEL = SAFE
);
