-- ecomai 0.2.0 -> 1.0.0: the naming pass (issue 12).  One name per role in every family: the
-- input relation is source, the value column value_col, the result size k, result columns item
-- and user_id; user_col and item_col have no defaults anywhere.  A renamed input parameter or
-- result column cannot be changed in place (CREATE OR REPLACE refuses), so those functions are
-- dropped here and created again by src/sql/45_cf_relations.sql (with the planner support
-- functions and the new recommend): a view of the user's over knn_predict, baselines or
-- train_test_split has to be dropped before the update and created after it (the CHANGELOG
-- says so).  recommend keeps its 0.2 signature as a deprecated wrapper (replaced in place there,
-- the same object, so views over it survive).

-- train_test_split: result column item_id -> item; 42P01 on a dropped relation; row estimate.
DROP FUNCTION @extschema@.train_test_split(regclass, name, name, float8, int, name);

-- knn_predict: train -> source, rating_col -> value_col, result column item_id -> item.
DROP FUNCTION @extschema@.knn_predict(regclass, regclass, name, name, name, text, int, int, text, text,
                                      float8, text, boolean, int, boolean, name, boolean);

-- baselines: train -> source, rating_col -> value_col.
DROP FUNCTION @extschema@.baselines(regclass, name, name, name, float8, float8, int);
