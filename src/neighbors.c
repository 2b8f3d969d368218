/*
 * neighbors.c
 *	  Item-item and user-user neighbourhoods: the top-k most similar items (or
 *	  users) of every item (user), from a (user, item[, value]) relation.
 *
 * The relation is loaded once into compressed sparse rows in both
 * orientations (ratings.c).  Then, for each row a (an item, for
 * item_neighbors), a sparse product visits every row b that shares a column
 * with a (a user who bought both) and accumulates the per-pair sums that the
 * measure needs in dense per-row accumulators; the touched rows are scored
 * and offered to a bounded top-k heap (topk.h), and the accumulators of the
 * touched rows only are cleared.  Memory is O(nonzeros + rows * k): the full
 * row x row similarity matrix never exists.  The work is
 * sum over columns of (column length)^2, the same as SciPy's X @ X.T.
 *
 * The measures are defined in docs/neighbors.md; the code follows those
 * definitions term by term.  Per-entry centring (adjusted_cosine, and
 * pearson over 'all') is applied to the stored values before the product,
 * so those measures reduce to a cosine of centred values.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "ecomai.h"
#include "ratings.h"
#include "topk.h"

PG_FUNCTION_INFO_V1(ecomai_item_neighbors);
PG_FUNCTION_INFO_V1(ecomai_user_neighbors);

/*
 * A centred variance below this fraction of the sum of squares is rounding
 * noise of a constant vector, not a variance: such a pair has no Pearson
 * correlation.
 */
#define NBR_CONSTANT_EPS 1e-12

typedef enum NbrMeasure
{
	NBR_COSINE,
	NBR_ADJUSTED_COSINE,
	NBR_PEARSON,
	NBR_MSD,
	NBR_JACCARD
} NbrMeasure;

/* What the per-pair accumulators hold. */
typedef enum NbrSums
{
	SUMS_COUNT,					/* n */
	SUMS_DOT,					/* n, sum xy */
	SUMS_DOT_NORMS,				/* n, sum xy, sum x^2, sum y^2 */
	SUMS_FULL,					/* n, sum xy, sum x, sum y, sum x^2, sum y^2 */
	SUMS_SQDIFF					/* n, sum (x - y)^2 */
} NbrSums;

typedef struct NbrParams
{
	int			k;
	NbrMeasure	measure;
	bool		common;			/* over = 'common' */
	int			min_support;
	double		shrinkage;
} NbrParams;

/* One orientation of the matrix: rows are the entities whose neighbours we want. */
typedef struct NbrView
{
	int			nrows;
	const int64 *row_ids;
	const int64 *rptr;			/* row -> columns */
	const int32 *ridx;
	const double *rval;
	const double *row_means;
	int			ncols;
	const int64 *cptr;			/* column -> rows */
	const int32 *cidx;
	const double *cval;
	const double *col_means;
} NbrView;

/* Read a text argument that must not be NULL. */
static char *
text_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* Parse and validate the parameters k, measure, over, min_support, shrinkage. */
static NbrParams
parse_params(FunctionCallInfo fcinfo)
{
	NbrParams	p;
	char	   *measure;
	char	   *over;
	int			i;

	for (i = 0; i < 9; i++)
	{
		static const char *const names[] = {"source", "user_col", "item_col", NULL, "k",
		"measure", "over", "min_support", "shrinkage"};

		if (names[i] && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", names[i])));
	}

	p.k = PG_GETARG_INT32(4);
	if (p.k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", p.k)));

	measure = text_arg(fcinfo, 5, "measure");
	if (strcmp(measure, "cosine") == 0)
		p.measure = NBR_COSINE;
	else if (strcmp(measure, "adjusted_cosine") == 0)
		p.measure = NBR_ADJUSTED_COSINE;
	else if (strcmp(measure, "pearson") == 0)
		p.measure = NBR_PEARSON;
	else if (strcmp(measure, "msd") == 0)
		p.measure = NBR_MSD;
	else if (strcmp(measure, "jaccard") == 0)
		p.measure = NBR_JACCARD;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown measure \"%s\"", measure),
				 errhint("Valid measures are cosine, adjusted_cosine, pearson, msd and jaccard.")));

	over = text_arg(fcinfo, 6, "over");
	if (strcmp(over, "all") == 0)
		p.common = false;
	else if (strcmp(over, "common") == 0)
		p.common = true;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown value of over \"%s\"", over),
				 errhint("Valid values are all and common.")));
	if (p.measure == NBR_JACCARD && p.common)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("measure jaccard is defined over all entries only"),
				 errdetail("Over common entries every Jaccard similarity would be 1."),
				 errhint("Use over => 'all' with jaccard.")));

	p.min_support = PG_GETARG_INT32(7);
	if (p.min_support < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_support must be at least 1, not %d", p.min_support)));

	p.shrinkage = PG_GETARG_FLOAT8(8);
	if (!(p.shrinkage >= 0) || isinf(p.shrinkage))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shrinkage must be a finite number >= 0"),
				 errdetail("shrinkage scales a similarity by support / (support + shrinkage).")));
	return p;
}

/* Which sums the measure needs. */
static NbrSums
sums_needed(const NbrParams *p)
{
	switch (p->measure)
	{
		case NBR_COSINE:
		case NBR_ADJUSTED_COSINE:
			return p->common ? SUMS_DOT_NORMS : SUMS_DOT;
		case NBR_PEARSON:
			return p->common ? SUMS_FULL : SUMS_DOT;
		case NBR_MSD:
			return p->common ? SUMS_SQDIFF : SUMS_DOT;
		case NBR_JACCARD:
			return SUMS_COUNT;
	}
	return SUMS_COUNT;			/* keep compiler quiet */
}

/*
 * The values the product multiplies, in both orientations: the stored
 * values, or centred on the column's mean (adjusted_cosine) or on the row's
 * own mean (pearson over all).
 */
static void
centre_values(const NbrView *v, const NbrParams *p, double **rv, double **cv)
{
	int64		nnz = v->rptr[v->nrows];
	int			a,
				u;
	int64		q;

	if (!(p->measure == NBR_ADJUSTED_COSINE || (p->measure == NBR_PEARSON && !p->common)))
	{
		*rv = (double *) v->rval;
		*cv = (double *) v->cval;
		return;
	}
	*rv = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * (Size) Max(nnz, 1));
	*cv = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * (Size) Max(nnz, 1));
	for (a = 0; a < v->nrows; a++)
	{
		CHECK_FOR_INTERRUPTS();
		for (q = v->rptr[a]; q < v->rptr[a + 1]; q++)
			(*rv)[q] = v->rval[q] - (p->measure == NBR_ADJUSTED_COSINE
									 ? v->col_means[v->ridx[q]] : v->row_means[a]);
	}
	for (u = 0; u < v->ncols; u++)
	{
		CHECK_FOR_INTERRUPTS();
		for (q = v->cptr[u]; q < v->cptr[u + 1]; q++)
			(*cv)[q] = v->cval[q] - (p->measure == NBR_ADJUSTED_COSINE
									 ? v->col_means[u] : v->row_means[v->cidx[q]]);
	}
}

/* Compute every row's top-k neighbours and append them to the tuplestore. */
static void
compute_neighbors(const NbrView *v, const NbrParams *p, const char *what,
				  Size loaded_bytes, Tuplestorestate *ts, TupleDesc desc)
{
	NbrSums		sums = sums_needed(p);
	int			nrows = v->nrows;
	int			narrays;
	Size		extra;
	double	   *rv,
			   *cv;
	double	   *sq = NULL;		/* per row: sum of squared values (whole vector) */
	int32	   *cnt;
	double	   *sxy = NULL,
			   *sx = NULL,
			   *sy = NULL,
			   *sxx = NULL,
			   *syy = NULL;
	int32	   *touched;
	EcomaiTopK	top;
	int			a;

	if (nrows == 0)
		return;

	/* accumulators, row norms, touched list, heap, and maybe centred copies */
	narrays = sums == SUMS_FULL ? 5 : sums == SUMS_DOT_NORMS ? 3 : sums == SUMS_COUNT ? 0 : 1;
	extra = (Size) nrows * (sizeof(double) * (narrays + 1) + 2 * sizeof(int32)) +
		sizeof(EcomaiTopKItem) * (Size) Min(p->k, nrows);
	if (p->measure == NBR_ADJUSTED_COSINE || (p->measure == NBR_PEARSON && !p->common))
		extra += 2 * sizeof(double) * (Size) v->rptr[nrows];
	ecomai_check_memory(loaded_bytes + extra, what);

	centre_values(v, p, &rv, &cv);
	cnt = palloc0(sizeof(int32) * nrows);
	touched = palloc(sizeof(int32) * nrows);
	if (sums != SUMS_COUNT)
		sxy = palloc0(sizeof(double) * nrows);	/* sum (x - y)^2 for SUMS_SQDIFF */
	if (sums == SUMS_DOT_NORMS || sums == SUMS_FULL)
	{
		sxx = palloc0(sizeof(double) * nrows);
		syy = palloc0(sizeof(double) * nrows);
	}
	if (sums == SUMS_FULL)
	{
		sx = palloc0(sizeof(double) * nrows);
		sy = palloc0(sizeof(double) * nrows);
	}
	if (sums == SUMS_DOT)
	{
		sq = palloc(sizeof(double) * nrows);
		for (a = 0; a < nrows; a++)
		{
			double		s = 0;
			int64		q;

			for (q = v->rptr[a]; q < v->rptr[a + 1]; q++)
				s += rv[q] * rv[q];
			sq[a] = s;
		}
	}
	ecomai_topk_init(&top, Min(p->k, nrows));

	for (a = 0; a < nrows; a++)
	{
		int			nt = 0;
		int			t;
		int64		pa;
		int			nkept;
		int64		len_a = v->rptr[a + 1] - v->rptr[a];

		CHECK_FOR_INTERRUPTS();

		/* sparse product of row a with every row: accumulate per-pair sums */
		for (pa = v->rptr[a]; pa < v->rptr[a + 1]; pa++)
		{
			int32		u = v->ridx[pa];
			double		x = rv[pa];
			int64		q,
						qend = v->cptr[u + 1];

			CHECK_FOR_INTERRUPTS();
			switch (sums)
			{
				case SUMS_COUNT:
					for (q = v->cptr[u]; q < qend; q++)
					{
						int32		b = v->cidx[q];

						if (cnt[b]++ == 0)
							touched[nt++] = b;
					}
					break;
				case SUMS_DOT:
					for (q = v->cptr[u]; q < qend; q++)
					{
						int32		b = v->cidx[q];

						if (cnt[b]++ == 0)
							touched[nt++] = b;
						sxy[b] += x * cv[q];
					}
					break;
				case SUMS_DOT_NORMS:
					for (q = v->cptr[u]; q < qend; q++)
					{
						int32		b = v->cidx[q];
						double		y = cv[q];

						if (cnt[b]++ == 0)
							touched[nt++] = b;
						sxy[b] += x * y;
						sxx[b] += x * x;
						syy[b] += y * y;
					}
					break;
				case SUMS_FULL:
					for (q = v->cptr[u]; q < qend; q++)
					{
						int32		b = v->cidx[q];
						double		y = cv[q];

						if (cnt[b]++ == 0)
							touched[nt++] = b;
						sxy[b] += x * y;
						sx[b] += x;
						sy[b] += y;
						sxx[b] += x * x;
						syy[b] += y * y;
					}
					break;
				case SUMS_SQDIFF:
					for (q = v->cptr[u]; q < qend; q++)
					{
						int32		b = v->cidx[q];
						double		d = x - cv[q];

						if (cnt[b]++ == 0)
							touched[nt++] = b;
						sxy[b] += d * d;
					}
					break;
			}
		}

		/* score the touched rows */
		for (t = 0; t < nt; t++)
		{
			int32		b = touched[t];
			int32		n = cnt[b];
			double		sim;

			if (b == a || n < p->min_support)
				continue;
			switch (p->measure)
			{
				case NBR_COSINE:
				case NBR_ADJUSTED_COSINE:
					{
						double		den = p->common ? sqrt(sxx[b] * syy[b]) : sqrt(sq[a]) * sqrt(sq[b]);

						if (!(den > 0))
							continue;
						sim = sxy[b] / den;
					}
					break;
				case NBR_PEARSON:
					if (p->common)
					{
						double		num = sxy[b] - sx[b] * sy[b] / n;
						double		va = sxx[b] - sx[b] * sx[b] / n;
						double		vb = syy[b] - sy[b] * sy[b] / n;

						if (!(va > NBR_CONSTANT_EPS * sxx[b]) || !(vb > NBR_CONSTANT_EPS * syy[b]))
							continue;
						sim = num / sqrt(va * vb);
					}
					else
					{
						double		den = sqrt(sq[a]) * sqrt(sq[b]);

						if (!(den > 0))
							continue;
						sim = sxy[b] / den;
					}
					break;
				case NBR_MSD:
					if (p->common)
						sim = 1.0 / (sxy[b] / n + 1.0);
					else
					{
						int64		len_b = v->rptr[b + 1] - v->rptr[b];
						double		sd = sq[a] + sq[b] - 2.0 * sxy[b];

						if (sd < 0)
							sd = 0;
						sim = 1.0 / (sd / (double) (len_a + len_b - n) + 1.0);
					}
					break;
				case NBR_JACCARD:
					{
						int64		len_b = v->rptr[b + 1] - v->rptr[b];

						sim = (double) n / (double) (len_a + len_b - n);
					}
					break;
				default:
					sim = 0;	/* keep compiler quiet */
			}
			if (p->shrinkage > 0)
				sim *= (double) n / ((double) n + p->shrinkage);
			if (!(sim > 0))
				continue;
			ecomai_topk_offer(&top, b, sim);
		}

		/* emit, best first (ties by index = by id) */
		nkept = ecomai_topk_sort(&top);
		for (t = 0; t < nkept; t++)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};
			int32		b = (int32) top.items[t].id;

			values[0] = Int64GetDatum(v->row_ids[a]);
			values[1] = Int64GetDatum(v->row_ids[b]);
			values[2] = Float8GetDatum(top.items[t].score);
			values[3] = Int32GetDatum(cnt[b]);
			tuplestore_putvalues(ts, desc, values, nulls);
		}
		ecomai_topk_reset(&top);

		/* clear only what this row touched */
		for (t = 0; t < nt; t++)
		{
			int32		b = touched[t];

			cnt[b] = 0;
			if (sxy)
				sxy[b] = 0;
			if (sxx)
			{
				sxx[b] = 0;
				syy[b] = 0;
			}
			if (sx)
			{
				sx[b] = 0;
				sy[b] = 0;
			}
		}
	}
}

/* Shared body of item_neighbors and user_neighbors. */
static Datum
neighbors_srf(FunctionCallInfo fcinfo, bool by_item)
{
	const char *what = by_item ? "item_neighbors" : "user_neighbors";
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NbrParams	p = parse_params(fcinfo);
	Oid			relid = PG_GETARG_OID(0);
	char	   *user_col = pstrdup(NameStr(*PG_GETARG_NAME(1)));
	char	   *item_col = pstrdup(NameStr(*PG_GETARG_NAME(2)));
	char	   *value_col = PG_ARGISNULL(3) ? NULL : pstrdup(NameStr(*PG_GETARG_NAME(3)));
	MemoryContext work,
				old;
	EcomaiRatings *r;
	NbrView		v;

	InitMaterializedSRF(fcinfo, 0);

	/* everything but the result lives in a context freed at the end */
	work = AllocSetContextCreate(CurrentMemoryContext, "ecomai neighbours", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);

	r = ecomai_ratings_load(relid, user_col, item_col, value_col, what);
	if (by_item)
	{
		v.nrows = r->nitems;
		v.row_ids = r->item_ids;
		v.rptr = r->item_ptr;
		v.ridx = r->item_users;
		v.rval = r->item_vals;
		v.row_means = r->item_means;
		v.ncols = r->nusers;
		v.cptr = r->user_ptr;
		v.cidx = r->user_items;
		v.cval = r->user_vals;
		v.col_means = r->user_means;
	}
	else
	{
		v.nrows = r->nusers;
		v.row_ids = r->user_ids;
		v.rptr = r->user_ptr;
		v.ridx = r->user_items;
		v.rval = r->user_vals;
		v.row_means = r->user_means;
		v.ncols = r->nitems;
		v.cptr = r->item_ptr;
		v.cidx = r->item_users;
		v.cval = r->item_vals;
		v.col_means = r->item_means;
	}
	compute_neighbors(&v, &p, what, r->bytes, rsinfo->setResult, rsinfo->setDesc);

	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	return (Datum) 0;
}

/* item_neighbors(source, user_col, item_col, value_col, k, measure, over, min_support, shrinkage) */
Datum
ecomai_item_neighbors(PG_FUNCTION_ARGS)
{
	return neighbors_srf(fcinfo, true);
}

/* user_neighbors(source, user_col, item_col, value_col, k, measure, over, min_support, shrinkage) */
Datum
ecomai_user_neighbors(PG_FUNCTION_ARGS)
{
	return neighbors_srf(fcinfo, false);
}
