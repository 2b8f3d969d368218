-- Shared helpers of the pgTAP tests, loaded by each test file after BEGIN and plan() with
--   \ir lib/helpers.sql
-- Everything is created in pg_temp (gone with the test's session) and prints nothing.
--   pg_temp.explain_lines(query)   the lines of EXPLAIN (COSTS OFF) query
--   pg_temp.plan_rows(query)       the planner's row estimate of query's top node
--   pg_temp.force_parallel()       settings under which an aggregate over a table of a few
--                                  thousand rows runs as Partial Aggregate in two workers with
--                                  the leader only gathering (SET LOCAL: until the transaction
--                                  ends or pg_temp.reset_parallel())
--   pg_temp.reset_parallel()       back to the session's settings
--   pg_temp.as_role(role, query)   runs query as role (SET LOCAL ROLE, then back): its single
--                                  result as text ('ok' for a statement that is not a SELECT),
--                                  or 'SQLSTATE: message' of its error
--   pg_temp.error_text(query)      'SQLSTATE: message' of the error query raises (a cancel
--                                  too), or 'finished'
--   pg_temp.error_hint(query)      the hint of the error query raises (NULL without one)
--   pg_temp.error_detail(query)    the detail of the error query raises (NULL without one)
--   pg_temp.error_context(query)   the context lines of the error query raises
--                                  (the three through pg_temp.error_fields(query))
--   pg_temp.copy_through_file(query, tbl, options)
--                                  COPY query out to a file of the server and back into tbl
--                                  (options such as '(FORMAT binary)'), as a dump and restore
--                                  do; the file is removed
--   pg_temp.load_movielens(tbl)    copies MovieLens 100k's u.data from the shared data directory
--                                  (setting ecomai_test.data_dir) into tbl; NULL when loaded, else
--                                  why the data-driven tests skip
--   pg_temp.association_rule_mismatches(rules, pairs, items, nbaskets)
--                                  how many rules of the query rules (association_rules' columns)
--                                  differ from plain-SQL counts: pairs (a, b, n: baskets with
--                                  both), items (item, n) and the number of baskets; a rule
--                                  missing on either side, another n_both, or a measure more than
--                                  1e-12 away (conviction relative)
-- (Test files live in test/ and are named test/NAME*.sql; this one is in test/lib/ so that no
-- runner takes it for a test.)

CREATE FUNCTION pg_temp.explain_lines(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP RETURN NEXT line; END LOOP;
END $$;

CREATE FUNCTION pg_temp.plan_rows(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO j;
    RETURN (j -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END $$;

CREATE FUNCTION pg_temp.as_role(r text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    BEGIN
        IF query ~* '^\s*select' THEN
            EXECUTE query INTO result;
        ELSE
            EXECUTE query;
            result := 'ok';
        END IF;
    EXCEPTION WHEN OTHERS THEN
        result := SQLSTATE || ': ' || SQLERRM;
    END;
    RESET ROLE;
    RETURN result;
END $$;

CREATE FUNCTION pg_temp.force_parallel() RETURNS void LANGUAGE sql AS $$
    SELECT set_config('parallel_setup_cost', '0', true);
    SELECT set_config('parallel_tuple_cost', '0', true);
    SELECT set_config('min_parallel_table_scan_size', '0', true);
    SELECT set_config('max_parallel_workers_per_gather', '2', true);
    SELECT set_config('parallel_leader_participation', 'off', true);
$$;

CREATE FUNCTION pg_temp.reset_parallel() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RESET parallel_setup_cost;
    RESET parallel_tuple_cost;
    RESET min_parallel_table_scan_size;
    RESET max_parallel_workers_per_gather;
    RESET parallel_leader_participation;
END $$;

CREATE FUNCTION pg_temp.error_text(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'finished';
EXCEPTION WHEN query_canceled OR OTHERS THEN  -- OTHERS alone lets a cancel through
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the detail, hint and context of the error query raises (all NULL when it finishes)
CREATE FUNCTION pg_temp.error_fields(query text, OUT detail text, OUT hint text, OUT context text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT, context = PG_EXCEPTION_CONTEXT;
END $$;
CREATE FUNCTION pg_temp.error_hint(query text) RETURNS text LANGUAGE sql AS $$ SELECT (pg_temp.error_fields(query)).hint $$;
CREATE FUNCTION pg_temp.error_detail(query text) RETURNS text LANGUAGE sql AS $$ SELECT (pg_temp.error_fields(query)).detail $$;
CREATE FUNCTION pg_temp.error_context(query text) RETURNS text LANGUAGE sql AS $$ SELECT (pg_temp.error_fields(query)).context $$;

CREATE FUNCTION pg_temp.association_rule_mismatches(rules text, pairs text, items text, nbaskets bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format($q$
        SELECT count(*) FROM (%s) r
        FULL JOIN (SELECT p.a, p.b, p.n, p.n::float8 / $1 AS support, p.n::float8 / ia.n AS confidence,
                          (p.n::float8 / ia.n) / (ib.n::float8 / $1) AS lift,
                          p.n::float8 / $1 - (ia.n::float8 / $1) * (ib.n::float8 / $1) AS leverage,
                          CASE WHEN p.n = ia.n THEN 'Infinity'::float8
                               ELSE (1 - ib.n::float8 / $1) / (1 - p.n::float8 / ia.n) END AS conviction
                   FROM (%s) p JOIN (%s) ia ON ia.item = p.a JOIN (%s) ib ON ib.item = p.b) q
          ON q.a = r.antecedent AND q.b = r.consequent
        WHERE q.a IS NULL OR r.antecedent IS NULL OR r.n_both <> q.n
           OR abs(r.support - q.support) > 1e-12 OR abs(r.confidence - q.confidence) > 1e-12
           OR abs(r.lift - q.lift) > 1e-12 OR abs(r.leverage - q.leverage) > 1e-12
           OR NOT (r.conviction = q.conviction OR abs(r.conviction - q.conviction) <= 1e-12 * q.conviction)
    $q$, rules, pairs, items, items) INTO n USING nbaskets;
    RETURN n;
END $$;

CREATE FUNCTION pg_temp.load_movielens(tbl regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE dir text := coalesce(current_setting('ecomai_test.data_dir', true), '');
BEGIN
    IF dir = '' THEN
        RETURN 'ecomai_test.data_dir is not set: MovieLens tests skipped';
    END IF;
    EXECUTE format('COPY %s FROM %L', tbl, dir || '/movielens-100k/u.data');
    RETURN NULL;
END $$;

CREATE FUNCTION pg_temp.copy_through_file(query text, tbl regclass, options text DEFAULT '')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE f text := current_setting('data_directory') || '/ecomai_test_' || pg_backend_pid() || '.copy';
BEGIN
    EXECUTE format('COPY (%s) TO %L %s', query, f, options);
    EXECUTE format('COPY %s FROM %L %s', tbl, f, options);
    -- the program reads its input before removing the file: rm alone could close the pipe first
    EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'cat >/dev/null; rm -f ' || f);
END $$;
