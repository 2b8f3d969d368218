-- Shared by the bench/ scripts: bench.median_ms(query, runs) runs a query "runs" times after one
-- warm-up run and returns the median wall time in milliseconds.
CREATE SCHEMA IF NOT EXISTS bench;
CREATE OR REPLACE FUNCTION bench.median_ms(query text, runs int DEFAULT 5) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    times float8[] := '{}';
BEGIN
    EXECUTE query;
    FOR i IN 1..runs LOOP
        t0 := clock_timestamp();
        EXECUTE query;
        times := times || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
    END LOOP;
    RETURN (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(times) t);
END $$;

-- bench.medians_ms(queries, runs): the queries run in turn, "runs" rounds after one warm-up
-- round, so that a noisy machine slows them alike; the median of each, in milliseconds.
CREATE OR REPLACE FUNCTION bench.medians_ms(queries text[], runs int DEFAULT 5) RETURNS float8[]
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    times float8[] := array_fill(0::float8, ARRAY[array_length(queries, 1), runs]);
    result float8[] := '{}';
BEGIN
    FOR q IN 1..array_length(queries, 1) LOOP EXECUTE queries[q]; END LOOP;
    FOR r IN 1..runs LOOP
        FOR q IN 1..array_length(queries, 1) LOOP
            t0 := clock_timestamp();
            EXECUTE queries[q];
            times[q][r] := extract(epoch FROM clock_timestamp() - t0) * 1000;
        END LOOP;
    END LOOP;
    FOR q IN 1..array_length(queries, 1) LOOP
        result := result || (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY t)
                             FROM unnest(times[q:q][1:runs]) t);
    END LOOP;
    RETURN result;
END $$;

-- bench.best_seconds(query, reps): the best wall time of "reps" runs of a query, in seconds (for
-- long runs, where a warm-up and a median would cost too much).
CREATE OR REPLACE FUNCTION bench.best_seconds(query text, reps int DEFAULT 3) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE best float8; t0 timestamptz; s float8;
BEGIN
    FOR r IN 1..reps LOOP
        t0 := clock_timestamp();
        EXECUTE query;
        s := extract(epoch FROM clock_timestamp() - t0);
        best := least(best, s);
    END LOOP;
    RETURN best;
END $$;
