-- The role sqlsmith runs as: an ordinary login role, like an analyst's, that may read and change
-- the shop and the model tables (sqlsmith also generates INSERT/UPDATE/DELETE, always rolled
-- back).  Not a superuser, so the superuser-only catalog functions (file access, signalling
-- other backends) stay out of the way, as they would for a real caller of ecomai.
\set ON_ERROR_STOP on
CREATE ROLE smith LOGIN;
GRANT USAGE ON SCHEMA shop, models TO smith;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA shop, models TO smith;
-- A statement of this role still running 4 s after sqlsmith's 1 s statement_timeout did not
-- respond to the cancel: log it (tools/sqlsmith.sh reports it as a hang).
ALTER ROLE smith SET log_min_duration_statement = 5000;
