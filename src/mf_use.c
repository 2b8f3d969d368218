/*
 * mf_use.c
 *	  Using an ecomai.mf_model: predictions, top-k recommendations for a
 *	  known user or for a history folded in as a new user, similar items,
 *	  factor export as float8[] rows, and the training log.
 *
 * Keys come in as any type (polymorphic arguments) and are matched through
 * their text form in the model's key type; keys go out in the type of the
 * result column, which SQL fixes from a typed argument (an exclude/allowed
 * array, a history array, or a typed NULL such as NULL::uuid).
 */
#include "postgres.h"

#include <math.h>
#include <cblas.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "ecomai.h"
#include "mf.h"
#include "srf.h"
#include "topk.h"

PG_FUNCTION_INFO_V1(ecomai_mf_predict);
PG_FUNCTION_INFO_V1(ecomai_mf_recommend_user);
PG_FUNCTION_INFO_V1(ecomai_mf_recommend_history);
PG_FUNCTION_INFO_V1(ecomai_mf_similar_items);
PG_FUNCTION_INFO_V1(ecomai_mf_user_factors);
PG_FUNCTION_INFO_V1(ecomai_mf_item_factors);
PG_FUNCTION_INFO_V1(ecomai_mf_training_log);

/* LAPACK from OpenBLAS (Debian 12 ships no lapacke.h). */
extern void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
				   double *b, const int *ldb, int *info);

/* Index of a user given as argument argno, or -1 when unknown. */
static int
user_index(FunctionCallInfo fcinfo, const MfModel *m, int argno)
{
	char	   *key = ecomai_mf_key_text(PG_GETARG_DATUM(argno),
										 get_fn_expr_argtype(fcinfo->flinfo, argno), m->user_type);

	return ecomai_mf_find_key(mf_user_key_off(m), mf_user_keys(m), m->nusers, key);
}

/* Index of an item given as a Datum of type type, or -1 when unknown. */
static int
item_index(const MfModel *m, Datum value, Oid type)
{
	char	   *key = ecomai_mf_key_text(value, type, m->item_type);

	return ecomai_mf_find_key(mf_item_key_off(m), mf_item_keys(m), m->nitems, key);
}

/* ERROR 22023 for k < 1. */
static void
check_k(int k)
{
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k)));
}

/* The score of user u for item i (implicit: x.y; explicit: the predicted rating). */
static double
score_of(const MfModel *m, int u, int i)
{
	int			f = m->factors;
	double		s = cblas_ddot(f, mf_user_factors(m) + (Size) u * f, 1,
							   mf_item_factors(m) + (Size) i * f, 1);

	if (m->kind == MF_EXPLICIT)
		s += m->global_mean + mf_user_bias(m)[u] + mf_item_bias(m)[i];
	return s;
}

/* mf_predict(model, user_id, item): the score, NULL when the user or the item is unknown */
Datum
ecomai_mf_predict(PG_FUNCTION_ARGS)
{
	MfModel    *m = ecomai_mf_arg(fcinfo, 0);
	int			u = user_index(fcinfo, m, 1);
	int			i = item_index(m, PG_GETARG_DATUM(2), get_fn_expr_argtype(fcinfo->flinfo, 2));

	if (u < 0 || i < 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(score_of(m, u, i));
}

/* Return the selected items, best first, as (item, score) rows of type restype. */
static void
emit_items(ReturnSetInfo *rsinfo, const MfModel *m, EcomaiTopK *top, Oid restype)
{
	int			n = ecomai_topk_sort(top);

	for (int r = 0; r < n; r++)
	{
		Datum		values[2];

		values[0] = ecomai_mf_key_datum(mf_item_key(m, (int) top->items[r].id), restype);
		values[1] = Float8GetDatum(top->items[r].score);
		ecomai_srf_row(rsinfo, values);
	}
}

/*
 * Mark the items of an array argument (unknown ones ignored) in mask with
 * value; returns how many were known.  A NULL argument marks nothing.
 */
static int
mark_items(FunctionCallInfo fcinfo, const MfModel *m, int argno, bool *mask, double *counts)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				known = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (PG_ARGISNULL(argno))
		return 0;
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &n);
	for (int e = 0; e < n; e++)
	{
		int			i;

		if (nulls[e])
			continue;
		CHECK_FOR_INTERRUPTS();
		i = item_index(m, elems[e], ARR_ELEMTYPE(arr));
		if (i < 0)
			continue;
		known++;
		if (mask)
			mask[i] = true;
		if (counts)
			counts[i] += 1.0;
	}
	return known;
}

/*
 * Return the k best items for user factors x (and bias bu for explicit
 * models) as (item, score) rows; items in exclude (argument ex) are left
 * out, and when allowed (argument al) is not NULL only its items compete.
 */
static void
recommend_rows(FunctionCallInfo fcinfo, const MfModel *m, const double *x, double bu, int k,
			   int ex, int al, const bool *history)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	int			ni = m->nitems;
	bool	   *skip = palloc0(sizeof(bool) * ni);
	bool	   *allow = NULL;
	double	   *scores;
	EcomaiTopK	top;
	Oid			restype;

	restype = TupleDescAttr(rsinfo->setDesc, 0)->atttypid;
	if (history)
		memcpy(skip, history, sizeof(bool) * ni);
	if (ex >= 0)
		mark_items(fcinfo, m, ex, skip, NULL);
	if (al >= 0 && !PG_ARGISNULL(al))
	{
		allow = palloc0(sizeof(bool) * ni);
		mark_items(fcinfo, m, al, allow, NULL);
	}
	ecomai_check_memory(sizeof(double) * (Size) ni, "mf_recommend");
	scores = palloc(sizeof(double) * ni);
	cblas_dgemv(CblasRowMajor, CblasNoTrans, ni, m->factors, 1.0, mf_item_factors(m), m->factors,
				x, 1, 0.0, scores, 1);
	ecomai_topk_init(&top, Min(k, ni));
	for (int i = 0; i < ni; i++)
	{
		double		s = scores[i];

		if (skip[i] || (allow && !allow[i]))
			continue;
		if (m->kind == MF_EXPLICIT)
			s += m->global_mean + bu + mf_item_bias(m)[i];
		ecomai_topk_offer(&top, i, s);
	}
	emit_items(rsinfo, m, &top, restype);
}

/*
 * mf_recommend(model, user_id, k, item_type) or
 * mf_recommend(model, user_id, k, exclude, allowed): the k best items of a
 * known user; no rows for an unknown user or a NULL model, user or k.
 */
Datum
ecomai_mf_recommend_user(PG_FUNCTION_ARGS)
{
	MfModel    *m;
	int			u;
	int			k;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		InitMaterializedSRF(fcinfo, 0);
		return (Datum) 0;
	}
	if (PG_NARGS() == 4 && type_is_array(get_fn_expr_argtype(fcinfo->flinfo, 3)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("item_type must be a single value, not an array"),
				 errhint("Pass exclude and allowed together (NULL for the one not needed), "
						 "or a typed NULL such as NULL::text as item_type.")));
	m = ecomai_mf_arg(fcinfo, 0);
	k = PG_GETARG_INT32(2);
	check_k(k);
	u = user_index(fcinfo, m, 1);
	if (u < 0)
	{
		InitMaterializedSRF(fcinfo, 0);
		return (Datum) 0;
	}
	recommend_rows(fcinfo, m, mf_user_factors(m) + (Size) u * m->factors, mf_user_bias(m)[u], k,
				   PG_NARGS() == 5 ? 3 : -1, PG_NARGS() == 5 ? 4 : -1, NULL);
	return (Datum) 0;
}

/*
 * Fold a new user into an implicit model from the counts of its items: one
 * exact ALS solve (Y'Y + reg I + sum alpha c y y') x = sum (1 + alpha c) y,
 * the implicit library's recalculate_user.
 */
static void
fold_in(const MfModel *m, const double *counts, double *x)
{
	int			f = m->factors;
	int			ni = m->nitems;
	const double *Y = mf_item_factors(m);
	double	   *A = palloc(sizeof(double) * f * f);
	int			one = 1,
				info = 0;

	CHECK_FOR_INTERRUPTS();
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, f, ni, 1.0, Y, f, 0.0, A, f);
	for (int d = 0; d < f; d++)
		A[d * f + d] += m->regularization;
	memset(x, 0, sizeof(double) * f);
	for (int i = 0; i < ni; i++)
	{
		double		c1;

		if (counts[i] == 0)
			continue;
		c1 = m->alpha * counts[i];
		if (c1 != 0)
			cblas_dsyr(CblasRowMajor, CblasUpper, f, c1, Y + (Size) i * f, 1, A, f);
		cblas_daxpy(f, 1.0 + c1, Y + (Size) i * f, 1, x, 1);
	}
	dposv_("L", &f, &one, A, &f, x, &f, &info);
	if (info != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("least-squares system of the history is singular"),
				 errhint("The model was trained without regularization; retrain with a positive one.")));
}

/*
 * mf_recommend(model, history, k[, exclude, allowed]): the k best items for
 * a user folded in from a history array (any item type); the history's own
 * items are left out.  No rows when no history item is known.
 */
Datum
ecomai_mf_recommend_history(PG_FUNCTION_ARGS)
{
	MfModel    *m;
	int			k;
	double	   *counts;
	bool	   *seen;
	double	   *x;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		InitMaterializedSRF(fcinfo, 0);
		return (Datum) 0;
	}
	m = ecomai_mf_arg(fcinfo, 0);
	k = PG_GETARG_INT32(2);
	check_k(k);
	if (m->kind != MF_IMPLICIT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("folding in a history needs an implicit model"),
				 errdetail("An explicit model needs the new user's ratings, which a history array does not carry."),
				 errhint("Recommend for a known user, or train with kind => 'implicit'.")));
	counts = palloc0(sizeof(double) * m->nitems);
	seen = palloc0(sizeof(bool) * m->nitems);
	if (mark_items(fcinfo, m, 1, seen, counts) == 0)
	{
		InitMaterializedSRF(fcinfo, 0);
		return (Datum) 0;
	}
	x = palloc(sizeof(double) * m->factors);
	fold_in(m, counts, x);
	recommend_rows(fcinfo, m, x, 0.0, k, PG_NARGS() == 5 ? 3 : -1, PG_NARGS() == 5 ? 4 : -1, seen);
	return (Datum) 0;
}

/*
 * mf_similar_items(model, item, k): the k items whose factors have the
 * highest cosine similarity with the item's; no rows for an unknown item.
 */
Datum
ecomai_mf_similar_items(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	MfModel    *m;
	int			k,
				i,
				f;
	const double *Y;
	double	   *dots;
	double		norm_i;
	EcomaiTopK	top;
	Oid			restype;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return (Datum) 0;
	m = ecomai_mf_arg(fcinfo, 0);
	k = PG_GETARG_INT32(2);
	check_k(k);
	restype = TupleDescAttr(rsinfo->setDesc, 0)->atttypid;
	i = item_index(m, PG_GETARG_DATUM(1), get_fn_expr_argtype(fcinfo->flinfo, 1));
	if (i < 0)
		return (Datum) 0;
	f = m->factors;
	Y = mf_item_factors(m);
	ecomai_check_memory(sizeof(double) * (Size) m->nitems, "mf_similar_items");
	dots = palloc(sizeof(double) * m->nitems);
	cblas_dgemv(CblasRowMajor, CblasNoTrans, m->nitems, f, 1.0, Y, f, Y + (Size) i * f, 1, 0.0, dots, 1);
	norm_i = dots[i];
	ecomai_topk_init(&top, Min(k, m->nitems));
	for (int j = 0; j < m->nitems; j++)
	{
		double		nj = cblas_ddot(f, Y + (Size) j * f, 1, Y + (Size) j * f, 1);
		double		sim;

		if ((j & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (j == i || !ecomai_cosine_from_sums(dots[j], norm_i, nj, &sim))
			continue;
		ecomai_topk_offer(&top, j, sim);
	}
	emit_items(rsinfo, m, &top, restype);
	return (Datum) 0;
}

/* (key, bias, factors) rows of one side of the model. */
static void
factor_rows(FunctionCallInfo fcinfo, bool users)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	MfModel    *m;
	int			n,
				f;
	Oid			restype;
	const double *F;
	const double *bias;
	Datum	   *elems;

	if (PG_ARGISNULL(0))
		return;
	m = ecomai_mf_arg(fcinfo, 0);
	restype = TupleDescAttr(rsinfo->setDesc, 0)->atttypid;
	n = users ? m->nusers : m->nitems;
	f = m->factors;
	F = users ? mf_user_factors(m) : mf_item_factors(m);
	bias = users ? mf_user_bias(m) : mf_item_bias(m);
	elems = palloc(sizeof(Datum) * f);
	for (int r = 0; r < n; r++)
	{
		Datum		values[3];

		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < f; c++)
			elems[c] = Float8GetDatum(F[(Size) r * f + c]);
		values[0] = ecomai_mf_key_datum(users ? mf_user_key(m, r) : mf_item_key(m, r), restype);
		values[1] = Float8GetDatum(bias[r]);
		values[2] = PointerGetDatum(construct_array(elems, f, FLOAT8OID, sizeof(float8),
													FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		ecomai_srf_row(rsinfo, values);
	}
}

/* mf_user_factors(model, user_type): (user_id, bias, factors) of every user */
Datum
ecomai_mf_user_factors(PG_FUNCTION_ARGS)
{
	factor_rows(fcinfo, true);
	return (Datum) 0;
}

/* mf_item_factors(model, item_type): (item, bias, factors) of every item */
Datum
ecomai_mf_item_factors(PG_FUNCTION_ARGS)
{
	factor_rows(fcinfo, false);
	return (Datum) 0;
}

/* mf_training_log(model): (iteration, loss, validation) per iteration run */
Datum
ecomai_mf_training_log(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	MfModel    *m = ecomai_mf_arg(fcinfo, 0);

	for (int r = 0; r < m->nlog; r++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		double		v = mf_log_valid(m)[r];

		values[0] = Int32GetDatum(r + 1);
		values[1] = Float8GetDatum(mf_log_loss(m)[r]);
		values[2] = Float8GetDatum(v);
		nulls[2] = isnan(v);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
