/*
 * model_equality.c
 *	  Equality, a total order and hashing for the model types whose flat form
 *	  is canonical (markov_chain, bayesnet): two values are equal exactly when
 *	  their flat forms are byte for byte the same, so one set of byte-wise
 *	  support functions serves every such type (src/sql/62_model_opclasses.sql
 *	  declares them per type).  With them DISTINCT, GROUP BY, UNION, hash and
 *	  merge joins, ORDER BY and btree and hash indexes work on model columns.
 *
 * The order compares the payloads (the flat form without its varlena
 * header, so short and long headers compare alike) as memcmp does, a prefix
 * first, as bytea does: a total order with no meaning beyond grouping and
 * indexing.  None of these functions raises an error on valid input (a value
 * is only detoasted and read), so the comparisons are LEAKPROOF; the hashes
 * are hash_any over the same bytes, consistent with equality.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/fmgrprotos.h"

#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_model_eq);
PG_FUNCTION_INFO_V1(ecomai_model_ne);
PG_FUNCTION_INFO_V1(ecomai_model_lt);
PG_FUNCTION_INFO_V1(ecomai_model_le);
PG_FUNCTION_INFO_V1(ecomai_model_gt);
PG_FUNCTION_INFO_V1(ecomai_model_ge);
PG_FUNCTION_INFO_V1(ecomai_model_cmp);
PG_FUNCTION_INFO_V1(ecomai_model_hash);
PG_FUNCTION_INFO_V1(ecomai_model_hash_extended);
PG_FUNCTION_INFO_V1(ecomai_bayesnet_eq);
PG_FUNCTION_INFO_V1(ecomai_bayesnet_ne);

/* -1, 0 or 1: the byte order of the payloads of arguments 0 and 1 (see the file header). */
static int
model_compare(FunctionCallInfo fcinfo)
{
	struct varlena *a = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	struct varlena *b = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1));
	Size		la = VARSIZE_ANY_EXHDR(a);
	Size		lb = VARSIZE_ANY_EXHDR(b);
	int			c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	if (c == 0 && la != lb)
		c = la < lb ? -1 : 1;
	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

/* equality: the same flat form */
Datum
ecomai_model_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(model_compare(fcinfo) == 0);
}

Datum
ecomai_model_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(model_compare(fcinfo) != 0);
}

/*
 * bayesnet_eq and bayesnet_ne, the functions of bayesnet's = and <> since
 * 0.1.0 (older than the ones above, which serve every model type): the same
 * byte-wise equality.
 */
Datum
ecomai_bayesnet_eq(PG_FUNCTION_ARGS)
{
	return ecomai_model_eq(fcinfo);
}

Datum
ecomai_bayesnet_ne(PG_FUNCTION_ARGS)
{
	return ecomai_model_ne(fcinfo);
}

Datum
ecomai_model_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(model_compare(fcinfo) < 0);
}

Datum
ecomai_model_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(model_compare(fcinfo) <= 0);
}

Datum
ecomai_model_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(model_compare(fcinfo) > 0);
}

Datum
ecomai_model_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(model_compare(fcinfo) >= 0);
}

/* btree support function 1 */
Datum
ecomai_model_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(model_compare(fcinfo));
}

/* hash support function 1: 32-bit hash of the payload */
Datum
ecomai_model_hash(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	Datum		h = hash_any((unsigned char *) VARDATA_ANY(v), (int) VARSIZE_ANY_EXHDR(v));

	PG_FREE_IF_COPY(v, 0);
	return h;
}

/* hash support function 2: 64-bit seeded hash of the payload */
Datum
ecomai_model_hash_extended(PG_FUNCTION_ARGS)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	Datum		h = hash_any_extended((unsigned char *) VARDATA_ANY(v), (int) VARSIZE_ANY_EXHDR(v),
									  PG_GETARG_INT64(1));

	PG_FREE_IF_COPY(v, 0);
	return h;
}
