-- The byte order and hashing of a model type (src/model_equality.c), for grouping, sorting and
-- indexing; the order means nothing else:
--   -- @template model_order_hash TYPE=name
-- @template order_hash TYPE=@TYPE@ C=ecomai_model
COMMENT ON FUNCTION @extschema@.@TYPE@_cmp(@extschema@.@TYPE@, @extschema@.@TYPE@) IS
    'btree support: -1, 0 or 1 in the @TYPE@ byte order';
COMMENT ON FUNCTION @extschema@.@TYPE@_hash(@extschema@.@TYPE@) IS 'hash support: hash of the canonical flat form';
COMMENT ON FUNCTION @extschema@.@TYPE@_hash_extended(@extschema@.@TYPE@, bigint) IS
    'hash support: 64-bit seeded hash of the canonical flat form';
