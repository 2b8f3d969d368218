-- Argument names that were SQL keywords or broke the 1.0 naming rules, renamed in place: the
-- functions keep their OIDs, so views and materialized views that use them survive the update
-- (dropping and creating them would be refused while such a view exists).  Named calls with the
-- old names stop working (CHANGELOG); an aggregate's argument names cannot be used in a call.
UPDATE pg_catalog.pg_proc SET proargnames = pg_catalog.array_replace(proargnames, 'order', 'chain_order')
 WHERE oid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.markov_path(text,text,integer)',
           '@extschema@.markov_fit_paths(text,double precision,double precision,integer)']::pg_catalog.regprocedure[]);
UPDATE pg_catalog.pg_proc SET proargnames = pg_catalog.array_replace(proargnames, 'normalize', 'normalize_rows')
 WHERE oid OPERATOR(pg_catalog.=) '@extschema@.markov_from_matrix(text[],double precision[],boolean)'::pg_catalog.regprocedure;
UPDATE pg_catalog.pg_proc SET proargnames = pg_catalog.array_replace(proargnames, 'n', 'k')
 WHERE oid OPERATOR(pg_catalog.=) '@extschema@.bn_sample(@extschema@.bayesnet,integer,integer)'::pg_catalog.regprocedure;
