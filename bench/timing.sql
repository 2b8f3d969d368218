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
