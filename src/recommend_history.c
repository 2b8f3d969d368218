/*
 * recommend_history.c
 *	  recommend(neighbors, history, k, exclude, allowed, fallback, ...): the
 *	  per-request half of every item model.  The customer's items come as an
 *	  array (a customer's purchases, a cart, an anonymous session), of any key
 *	  type; the neighbour relation (item, neighbor, similarity) is read as the
 *	  caller through SPI, one indexed lookup per history item; a candidate's
 *	  score is the sum of its weights over the history, only positive scores
 *	  are returned, and popular items from "fallback" fill in what is missing.
 *
 * Written in C rather than PL/pgSQL because the optional arrays must default
 * to NULL: a polymorphic array parameter cannot (its default would be typed
 * anyarray), so they are declared "any" and checked against the history's
 * type here.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_recommend_history);

/* The type of a column of rel; 42703 naming it when there is none. */
static Oid
column_type(Oid relid, const char *col)
{
	AttrNumber	att = get_attnum(relid, col);

	if (att == InvalidAttrNumber || att < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation %s does not exist", col, get_rel_name(relid))));
	return get_atttype(relid, att);
}

/* An optional array argument: NULL (absent) or an array of the history's type. */
static ArrayType *
optional_array(FunctionCallInfo fcinfo, int argno, Oid arraytype, const char *name)
{
	Oid			t;

	if (PG_ARGISNULL(argno))
		return NULL;
	t = get_fn_expr_argtype(fcinfo->flinfo, argno);
	if (t != arraytype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s must be an array of the history's type %s, not %s",
						name, format_type_be(arraytype), format_type_be(t))));
	return PG_GETARG_ARRAYTYPE_P(argno);
}

/* Elements of an array, NULLs dropped. */
typedef struct ElemList
{
	Datum	   *d;
	int			n;
} ElemList;

static ElemList
elements_of(ArrayType *a, TypeCacheEntry *tc)
{
	ElemList	l = {NULL, 0};
	bool	   *nulls;
	int			n;
	int			m = 0;

	if (a == NULL)
		return l;
	deconstruct_array(a, tc->type_id, tc->typlen, tc->typbyval, tc->typalign, &l.d, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			l.d[m++] = l.d[i];
	l.n = m;
	return l;
}

static bool
contains(const ElemList *l, Datum x, FmgrInfo *eq, Oid collation)
{
	for (int i = 0; i < l->n; i++)
		if (DatumGetBool(FunctionCall2Coll(eq, collation, l->d[i], x)))
			return true;
	return false;
}

/*
 * recommend(neighbors regclass, history anyarray, k bigint, exclude "any",
 * allowed "any", fallback "any", item_col name, neighbor_col name,
 * similarity_col name)
 *	RETURNS TABLE (item anyelement, score float8, because anyelement, is_fallback boolean)
 */
Datum
ecomai_recommend_history(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	Oid			arraytype;
	Oid			elemtype;
	Oid			simtype;
	int64		k;
	ArrayType  *history;
	ArrayType  *exclude;
	ArrayType  *allowed;
	ArrayType  *fallback;
	char	   *item_col;
	char	   *neighbor_col;
	char	   *sim_col;
	TypeCacheEntry *tc;
	Oid			collation;
	ElemList	hist;
	ElemList	excl;
	ElemList	allw;
	ElemList	fb;
	ElemList	recs = {NULL, 0};
	StringInfoData q;
	int64		got = 0;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < 9; i++)
		if (PG_ARGISNULL(i) && (i == 0 || i == 2 || i >= 6))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("neighbors, k, item_col, neighbor_col and similarity_col must not be NULL")));
	relid = PG_GETARG_OID(0);
	k = PG_GETARG_INT64(2);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1"),
				 errdetail("k is " INT64_FORMAT ".", k)));
	arraytype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	elemtype = get_element_type(arraytype);
	if (!OidIsValid(elemtype))
		elog(ERROR, "could not determine the history's element type");
	history = PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1);
	exclude = optional_array(fcinfo, 3, arraytype, "exclude");
	allowed = optional_array(fcinfo, 4, arraytype, "allowed");
	fallback = optional_array(fcinfo, 5, arraytype, "fallback");
	item_col = NameStr(*PG_GETARG_NAME(6));
	neighbor_col = NameStr(*PG_GETARG_NAME(7));
	sim_col = NameStr(*PG_GETARG_NAME(8));

	if (get_rel_name(relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (column_type(relid, item_col) != elemtype || column_type(relid, neighbor_col) != elemtype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("columns \"%s\" and \"%s\" of %s must be of the history's item type %s",
						item_col, neighbor_col, get_rel_name(relid), format_type_be(elemtype))));
	simtype = column_type(relid, sim_col);
	if (simtype != FLOAT8OID && simtype != FLOAT4OID && simtype != NUMERICOID &&
		simtype != INT4OID && simtype != INT8OID && simtype != INT2OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of %s must be numeric", sim_col, get_rel_name(relid))));

	tc = lookup_type_cache(elemtype, TYPECACHE_EQ_OPR_FINFO);
	if (!OidIsValid(tc->eq_opr_finfo.fn_oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not identify an equality operator for type %s", format_type_be(elemtype))));
	collation = get_typcollation(elemtype);
	if (OidIsValid(collation))
		collation = DEFAULT_COLLATION_OID;
	hist = elements_of(history, tc);
	excl = elements_of(exclude, tc);
	allw = elements_of(allowed, tc);
	fb = elements_of(fallback, tc);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (hist.n > 0)
	{
		Oid			argtypes[4] = {arraytype, arraytype, arraytype, INT8OID};
		Datum		values[4];
		char		nulls[4] = {' ', ' ', ' ', ' '};
		const char *it = quote_identifier(item_col);
		const char *nb = quote_identifier(neighbor_col);
		const char *sim = quote_identifier(sim_col);
		int			rc;

		/* operators and functions schema-qualified: the caller's search_path must not matter */
		initStringInfo(&q);
		appendStringInfo(&q,
						 "SELECT c, s, b FROM ("
						 "SELECT DISTINCT ON (n.%s) n.%s AS c, "
						 "pg_catalog.float8(pg_catalog.sum(n.%s) OVER (PARTITION BY n.%s)) AS s, n.%s AS b "
						 "FROM %s n "
						 "WHERE n.%s OPERATOR(pg_catalog.=) ANY ($1) AND n.%s IS NOT NULL "
						 "AND NOT (n.%s OPERATOR(pg_catalog.=) ANY ($1)) "
						 "AND ($2 IS NULL OR NOT (n.%s OPERATOR(pg_catalog.=) ANY ($2))) "
						 "AND ($3 IS NULL OR n.%s OPERATOR(pg_catalog.=) ANY ($3)) "
						 "ORDER BY n.%s, n.%s DESC, n.%s) q "
						 "WHERE s OPERATOR(pg_catalog.>) 0 "
						 "ORDER BY s DESC, c LIMIT $4",
						 nb, nb, sim, nb, it,
						 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid)),
						 it, nb, nb, nb, nb, nb, sim, it);
		values[0] = PointerGetDatum(history);
		values[1] = exclude ? PointerGetDatum(exclude) : (Datum) 0;
		values[2] = allowed ? PointerGetDatum(allowed) : (Datum) 0;
		values[3] = Int64GetDatum(k);
		if (!exclude)
			nulls[1] = 'n';
		if (!allowed)
			nulls[2] = 'n';
		rc = SPI_execute_with_args(q.data, 4, argtypes, values, nulls, true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "recommend query failed: %s", SPI_result_code_string(rc));
		recs.d = palloc(Max(SPI_processed, 1) * sizeof(Datum));
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			Datum		out[4];
			bool		onull[4] = {false, false, false, false};

			out[0] = SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &onull[0]);
			out[1] = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &onull[1]);
			out[2] = SPI_getbinval(tup, SPI_tuptable->tupdesc, 3, &onull[2]);
			out[3] = BoolGetDatum(false);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, onull);
			recs.d[recs.n++] = out[0];
		}
		got = (int64) SPI_processed;
	}

	/* fill from the fallback list, in its order */
	for (int i = 0; i < fb.n && got < k; i++)
	{
		Datum		x = fb.d[i];
		ElemList	before = {fb.d, i};
		Datum		out[4];
		bool		onull[4] = {false, true, true, false};

		CHECK_FOR_INTERRUPTS();
		if (contains(&hist, x, &tc->eq_opr_finfo, collation) ||
			contains(&excl, x, &tc->eq_opr_finfo, collation) ||
			(allowed != NULL && !contains(&allw, x, &tc->eq_opr_finfo, collation)) ||
			contains(&recs, x, &tc->eq_opr_finfo, collation) ||
			contains(&before, x, &tc->eq_opr_finfo, collation))
			continue;
		out[0] = x;
		out[1] = (Datum) 0;
		out[2] = (Datum) 0;
		out[3] = BoolGetDatum(true);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, onull);
		got++;
	}
	SPI_finish();
	return (Datum) 0;
}
