/*
 * baselines.c
 *	  Baseline estimates b_ui = mu + b_u + b_i: the SQL function
 *	  ecomai.baselines(), and the ALS fit that knn_predict uses for
 *	  centering => 'baseline' and measure => 'pearson_baseline'.
 *
 * The fit is Surprise's baseline_als (itself after MyMediaLite): each epoch
 * sets every item bias from the current user biases, then every user bias
 * from the new item biases, with ridge terms reg_i and reg_u:
 *   b_i = sum_u (r_ui - mu - b_u) / (reg_i + |U_i|)
 *   b_u = sum_i (r_ui - mu - b_i) / (reg_u + |I_u|)
 * starting from zero biases.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/tuplestore.h"

#include "ecomai.h"
#include "baselines.h"

PG_FUNCTION_INFO_V1(ecomai_baselines);

/*
 * One half of an ALS sweep: the bias of each row of the axis given the
 * biases of its columns, the regularised mean of its cells' residuals.
 */
static void
als_half_step(EcomaiRatingsAxis rows, const double *col_bias, double mu, double reg, double *row_bias)
{
	for (int a = 0; a < rows.n; a++)
	{
		double		dev = 0;

		CHECK_FOR_INTERRUPTS();
		for (int64 p = rows.ptr[a]; p < rows.ptr[a + 1]; p++)
			dev += rows.val[p] - mu - col_bias[rows.idx[p]];
		row_bias[a] = dev / (reg + (double) (rows.ptr[a + 1] - rows.ptr[a]));
	}
}

/* Fit user and item biases by alternating least squares (see the file header). */
void
ecomai_baselines_als(const EcomaiRatings *r, double reg_u, double reg_i, int n_epochs,
					 double *bu, double *bi)
{
	EcomaiRatingsAxis users = ecomai_ratings_axis(r, true);
	EcomaiRatingsAxis items = ecomai_ratings_axis(r, false);

	memset(bu, 0, sizeof(double) * (Size) Max(r->nusers, 1));
	memset(bi, 0, sizeof(double) * (Size) Max(r->nitems, 1));
	for (int epoch = 0; epoch < n_epochs; epoch++)
	{
		als_half_step(items, bu, r->global_mean, reg_i, bi);
		als_half_step(users, bi, r->global_mean, reg_u, bu);
	}
}

/*
 * baselines(source, user_col, item_col, value_col, reg_u, reg_i, n_epochs)
 * RETURNS TABLE (kind text, id bigint, bias float8): one 'global' row (the
 * mean, id NULL), then a row per user and per item, in id order.
 */
Datum
ecomai_baselines(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	const char *user_col;
	const char *item_col;
	const char *value_col;
	double		reg_u;
	double		reg_i;
	int			n_epochs;
	EcomaiRatings *r;
	double	   *bu;
	double	   *bi;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	ecomai_require_args(fcinfo, ECOMAI_ARGS_BELOW(7));
	relid = PG_GETARG_OID(0);
	user_col = NameStr(*PG_GETARG_NAME(1));
	item_col = NameStr(*PG_GETARG_NAME(2));
	value_col = NameStr(*PG_GETARG_NAME(3));
	reg_u = PG_GETARG_FLOAT8(4);
	reg_i = PG_GETARG_FLOAT8(5);
	n_epochs = PG_GETARG_INT32(6);
	if (!(reg_u >= 0) || isinf(reg_u))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reg_u must be a finite number >= 0, not %s", float8out_internal(reg_u))));
	if (!(reg_i >= 0) || isinf(reg_i))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reg_i must be a finite number >= 0, not %s", float8out_internal(reg_i))));
	if (n_epochs < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_epochs must be at least 1, not %d", n_epochs)));

	InitMaterializedSRF(fcinfo, 0);
	r = ecomai_ratings_load(relid, user_col, item_col, value_col, "baselines");
	ecomai_check_memory(sizeof(double) * ((Size) r->nusers + r->nitems), "baselines");
	bu = palloc(sizeof(double) * (Size) Max(r->nusers, 1));
	bi = palloc(sizeof(double) * (Size) Max(r->nitems, 1));
	ecomai_baselines_als(r, reg_u, reg_i, n_epochs, bu, bi);

	if (r->nnz == 0)
		return (Datum) 0;		/* no ratings: no mean either */
	values[0] = CStringGetTextDatum("global");
	nulls[1] = true;
	values[2] = Float8GetDatum(r->global_mean);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	nulls[1] = false;
	values[0] = CStringGetTextDatum("user");
	for (int u = 0; u < r->nusers; u++)
	{
		values[1] = Int64GetDatum(r->user_ids[u]);
		values[2] = Float8GetDatum(bu[u]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	values[0] = CStringGetTextDatum("item");
	for (int i = 0; i < r->nitems; i++)
	{
		values[1] = Int64GetDatum(r->item_ids[i]);
		values[2] = Float8GetDatum(bi[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
