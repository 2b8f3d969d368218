-- ecomai 0.1.0 -> 0.2.0: hardening release.
-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION ecomai UPDATE TO '0.2.0'" to load this file. \quit

-- Ordinary roles may use the schema (its functions were already executable by PUBLIC).
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
