/*
 * planner_support.c
 *	  Planner support functions (prosupport) that give the planner a row
 *	  estimate for set-returning functions whose result size is known from
 *	  their arguments, instead of the fixed ROWS of the declaration:
 *
 *	  rows_from_k         the value of the argument named k (or n, the 0.2
 *	                      spelling of recommend) when it is a constant, so
 *	                      that recommend(..., k => 10) is estimated at 10 rows
 *	                      and a LATERAL over 900 users at 9,000.
 *	  rows_from_relation  the planner's row count of the relation named by the
 *	                      argument pairs (knn_predict) or else source
 *	                      (train_test_split): one result row per input row.
 *
 * Both answer SupportRequestRows only; any other request, an argument that
 * is not a constant, or a relation without statistics leaves the declared
 * ROWS in force.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "nodes/nodeFuncs.h"
#include "nodes/primnodes.h"
#include "nodes/supportnodes.h"
#include "utils/syscache.h"

#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_rows_from_k);
PG_FUNCTION_INFO_V1(ecomai_rows_from_relation);

/*
 * The constant passed as the input argument called "name" (the first of the
 * NULL-terminated names that the function has), or NULL when the function
 * has none of them or the argument is not a non-null constant.  The planner
 * has already put named and defaulted arguments in their positions.
 */
static Const *
const_argument(FuncExpr *fexpr, const char *const *names)
{
	HeapTuple	tup;
	Datum		argnames;
	Datum		argmodes;
	bool		isnull;
	char	  **innames = NULL;
	int			nin = 0;
	Const	   *result = NULL;

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fexpr->funcid));
	if (!HeapTupleIsValid(tup))
		return NULL;
	argnames = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_proargnames, &isnull);
	if (!isnull)
	{
		argmodes = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_proargmodes, &isnull);
		nin = get_func_input_arg_names(argnames, isnull ? PointerGetDatum(NULL) : argmodes, &innames);
	}
	ReleaseSysCache(tup);

	for (int n = 0; names[n] && result == NULL; n++)
		for (int a = 0; a < nin && a < list_length(fexpr->args); a++)
		{
			Node	   *arg = (Node *) list_nth(fexpr->args, a);

			if (innames[a] && strcmp(innames[a], names[n]) == 0)
			{
				if (IsA(arg, Const) && !((Const *) arg)->constisnull)
					result = (Const *) arg;
				break;
			}
		}
	return result;
}

/*
 * The constant argument named by names of the function a support request is
 * about, or NULL when the request is not SupportRequestRows on a function
 * call or the argument is not a non-null constant of the given type.
 */
static Const *
rows_request_argument(Node *rawreq, const char *const *names, Oid type)
{
	SupportRequestRows *req = (SupportRequestRows *) rawreq;
	Const	   *c;

	if (!IsA(rawreq, SupportRequestRows) || !IsA(req->node, FuncExpr))
		return NULL;
	c = const_argument((FuncExpr *) req->node, names);
	return c != NULL && c->consttype == type ? c : NULL;
}

/* rows_from_k(internal): the constant k of a top-k function (see the file header). */
Datum
ecomai_rows_from_k(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"k", "n", NULL};
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	Const	   *k = rows_request_argument(rawreq, names, INT4OID);

	if (k == NULL || DatumGetInt32(k->constvalue) < 1)
		PG_RETURN_POINTER(NULL);
	((SupportRequestRows *) rawreq)->rows = DatumGetInt32(k->constvalue);
	PG_RETURN_POINTER(rawreq);
}

/* rows_from_relation(internal): the row count of the input relation (see the file header). */
Datum
ecomai_rows_from_relation(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"pairs", "source", NULL};
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	Const	   *rel = rows_request_argument(rawreq, names, REGCLASSOID);
	HeapTuple	tup;
	double		rows = -1;

	if (rel == NULL)
		PG_RETURN_POINTER(NULL);
	tup = SearchSysCache1(RELOID, rel->constvalue);
	if (!HeapTupleIsValid(tup))
		PG_RETURN_POINTER(NULL);
	/* reltuples is -1 for a table never vacuumed or analyzed, and 0 for a view */
	if (((Form_pg_class) GETSTRUCT(tup))->relkind != RELKIND_VIEW)
		rows = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
	ReleaseSysCache(tup);
	if (rows <= 0)
		PG_RETURN_POINTER(NULL);
	((SupportRequestRows *) rawreq)->rows = rows;
	PG_RETURN_POINTER(rawreq);
}
