-- A PL/pgSQL function's check that argument ARG (a fraction) lies in [0, 1], worded as the C
-- functions word it (22023 "ARG must be between 0 and 1, not x"):
--   -- @template unit_interval ARG=test_fraction
    IF NOT (@ARG@ >= 0 AND @ARG@ <= 1) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('@ARG@ must be between 0 and 1, not %s', @ARG@);
    END IF;
