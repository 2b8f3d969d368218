-- A PL/pgSQL function's check that argument ARG is not NULL, worded as the C functions word it
-- (22004 "ARG must not be null"); one per argument, inside an @each over the arguments:
--   -- @each ARG=source | ARG=k
--   -- @template not_null ARG=@ARG@
--   -- @end
    IF @ARG@ IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = '@ARG@ must not be null';
    END IF;
