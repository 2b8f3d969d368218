-- The schema ecomai is created by CREATE EXTENSION (ecomai.control: schema = ecomai).
-- Functions are executable by PUBLIC by default; the schema must be usable too, or no
-- ordinary role could call them.  Revoke either to restrict who may use the models.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
