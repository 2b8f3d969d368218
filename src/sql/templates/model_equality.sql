-- Equality of a model type (src/model_equality.c: the same model when the canonical flat forms
-- are byte for byte the same):
--   -- @template model_equality TYPE=name
-- @template equality TYPE=@TYPE@ C=ecomai_model
COMMENT ON OPERATOR @extschema@.= (@extschema@.@TYPE@, @extschema@.@TYPE@) IS 'the same model: identical canonical flat forms';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.@TYPE@, @extschema@.@TYPE@) IS 'not the same model';
