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
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "ecomai.h"
#include "ratings.h"
#include "srf.h"
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
	EcomaiRatingsAxis rows;		/* row -> columns */
	EcomaiRatingsAxis cols;		/* column -> rows */
} NbrView;

static const EcomaiNamedValue measure_names[] = {
	{"cosine", NBR_COSINE}, {"adjusted_cosine", NBR_ADJUSTED_COSINE}, {"pearson", NBR_PEARSON},
	{"msd", NBR_MSD}, {"jaccard", NBR_JACCARD}, {NULL, 0}
};

/* over: similarities over all entries (missing ones are 0) or common ones only */
static const EcomaiNamedValue over_names[] = {{"all", false}, {"common", true}, {NULL, 0}};

/* Parse and validate the parameters k, measure, over, min_support, shrinkage. */
static NbrParams
parse_params(FunctionCallInfo fcinfo)
{
	NbrParams	p;

	/* all 9 but value_col (3) */
	ecomai_require_args(fcinfo, ECOMAI_ARGS_BELOW(9) & ~ECOMAI_ARG(3));

	p.k = PG_GETARG_INT32(4);
	if (p.k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", p.k)));

	p.measure = (NbrMeasure) ecomai_named_value_or_error(measure_names, text_to_cstring(PG_GETARG_TEXT_PP(5)),
														 "measure",
														 "Valid measures are cosine, adjusted_cosine, pearson, msd and jaccard.");
	p.common = ecomai_named_value_or_error(over_names, text_to_cstring(PG_GETARG_TEXT_PP(6)), "value of over",
										   "Valid values are all and common.");
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
				 errmsg("shrinkage must be a finite number >= 0, not %s", float8out_internal(p.shrinkage)),
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

/* Whether the measure multiplies centred values (copies of the stored ones). */
static bool
needs_centring(const NbrParams *p)
{
	return p->measure == NBR_ADJUSTED_COSINE || (p->measure == NBR_PEARSON && !p->common);
}

/*
 * Magnitudes beyond 2^400 (or below 2^-400) would overflow (underflow) the
 * per-pair sums of products: such values are multiplied by a power of two
 * first.  Inside the range nothing is scaled, so ordinary data pays nothing.
 */
#define NBR_SAFE_EXPONENT 400

/*
 * The binary exponent e by which to divide the values (max_abs = max|value|
 * = f * 2^e, f in [0.5, 1)), or 0 when their magnitudes are safe as they are.
 * Every measure but msd is unchanged by scaling (exactly: powers of two); msd
 * scales its result back (see msd_similarity).
 */
static int
value_exponent(double max_abs, const NbrParams *p)
{
	int			e;

	if (p->measure == NBR_JACCARD || max_abs == 0)
		return 0;
	(void) frexp(max_abs, &e);
	return (e > NBR_SAFE_EXPONENT || e < -NBR_SAFE_EXPONENT) ? e : 0;
}

/*
 * The values the product multiplies, in both orientations: the stored
 * values, or centred on the column's mean (adjusted_cosine) or on the row's
 * own mean (pearson over all); all multiplied by 2^-e (e from
 * value_exponent, before centring, so that the difference cannot overflow).
 */
static void
centre_values(const NbrView *v, const NbrParams *p, int e, double **rv, double **cv)
{
	int64		nnz = v->rows.ptr[v->rows.n];
	bool		centre = needs_centring(p);
	double		s = ldexp(1.0, -e);
	int			a,
				u;
	int64		q;

	if (!centre && e == 0)
	{
		*rv = (double *) v->rows.val;
		*cv = (double *) v->cols.val;
		return;
	}
	/* 2^-e itself must be a double: scale in two exact steps when it is not */
	if (e < -1000)
		s = ldexp(1.0, 1000);
	*rv = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * (Size) Max(nnz, 1));
	*cv = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * (Size) Max(nnz, 1));
	for (a = 0; a < v->rows.n; a++)
	{
		CHECK_FOR_INTERRUPTS();
		for (q = v->rows.ptr[a]; q < v->rows.ptr[a + 1]; q++)
		{
			double		mean = !centre ? 0 : p->measure == NBR_ADJUSTED_COSINE
			? v->cols.means[v->rows.idx[q]] : v->rows.means[a];

			(*rv)[q] = v->rows.val[q] * s - mean * s;
			if (e < -1000)
				(*rv)[q] = ldexp((*rv)[q], -e - 1000);
		}
	}
	for (u = 0; u < v->cols.n; u++)
	{
		CHECK_FOR_INTERRUPTS();
		for (q = v->cols.ptr[u]; q < v->cols.ptr[u + 1]; q++)
		{
			double		mean = !centre ? 0 : p->measure == NBR_ADJUSTED_COSINE
			? v->cols.means[u] : v->rows.means[v->cols.idx[q]];

			(*cv)[q] = v->cols.val[q] * s - mean * s;
			if (e < -1000)
				(*cv)[q] = ldexp((*cv)[q], -e - 1000);
		}
	}
}

/*
 * msd's similarity 1 / (mean squared difference + 1) from the mean of the
 * scaled squared differences (values divided by 2^e): the true mean is
 * msd_scaled * 2^(2e), and when that overflows the result is its reciprocal
 * (the + 1 is then far below rounding).
 */
static double
msd_similarity(double msd_scaled, int e)
{
	double		msd;

	if (e == 0)
		return 1.0 / (msd_scaled + 1.0);
	msd = ldexp(msd_scaled, 2 * e);
	if (isinf(msd))
		return ldexp(1.0 / msd_scaled, -2 * e);
	return 1.0 / (msd + 1.0);
}

/*
 * Per-row accumulator layout: row b's slots are acc[b * width .. b * width +
 * width - 1], so that one visit of b touches one cache line (the rows are
 * visited in random order: separate arrays would cost a cache miss each).
 * Slot 0 counts the co-rating columns (the support, exact in a double); the
 * sums follow; per-row constants the scoring needs sit after them and are
 * never cleared.
 */
typedef struct NbrLayout
{
	int			width;			/* doubles per row */
	int			nsums;			/* sums in slots 1 .. nsums */
} NbrLayout;

/* The accumulator layout of each kind of sums. */
static NbrLayout
layout_of(NbrSums sums)
{
	NbrLayout	l = {2, 0};

	switch (sums)
	{
		case SUMS_COUNT:		/* n, |row| */
			l.width = 2;
			l.nsums = 0;
			break;
		case SUMS_DOT:			/* n, sum xy, norm (sum of squares for msd), |row| */
			l.width = 4;
			l.nsums = 1;
			break;
		case SUMS_DOT_NORMS:	/* n, sum xy, sum x^2, sum y^2 */
			l.width = 4;
			l.nsums = 3;
			break;
		case SUMS_FULL:			/* n, sum xy, sum x, sum y, sum x^2, sum y^2, (2 unused) */
			l.width = 8;
			l.nsums = 5;
			break;
		case SUMS_SQDIFF:		/* n, sum (x - y)^2 */
			l.width = 2;
			l.nsums = 1;
			break;
	}
	return l;
}

/*
 * Fill each row's constants after its sums: the whole-vector norm (or sum of
 * squares, for msd) and the row length.
 */
static void
init_row_constants(const NbrView *v, const NbrParams *p, NbrSums sums, NbrLayout lay,
				   const double *rv, double *acc)
{
	int			a;

	for (a = 0; a < v->rows.n; a++)
	{
		double	   *aa = acc + (Size) a * lay.width;
		int64		len = v->rows.ptr[a + 1] - v->rows.ptr[a];

		if (sums == SUMS_COUNT)
			aa[1] = (double) len;
		else if (sums == SUMS_DOT)
		{
			double		sq = 0;
			int64		q;

			for (q = v->rows.ptr[a]; q < v->rows.ptr[a + 1]; q++)
				sq += rv[q] * rv[q];
			aa[2] = p->measure == NBR_MSD ? sq : sqrt(sq);
			aa[3] = (double) len;
		}
	}
}

/*
 * Sparse product of row a with every row: accumulate the per-pair sums into
 * acc and list each row touched once in touched[]; returns how many.
 */
static int
accumulate_row(const NbrView *v, NbrSums sums, const double *rv, const double *cv,
			   int a, double *acc, int32 *touched)
{
	int			nt = 0;
	int64		pa;

	for (pa = v->rows.ptr[a]; pa < v->rows.ptr[a + 1]; pa++)
	{
		int32		u = v->rows.idx[pa];
		double		x = rv[pa];
		int64		q,
					qend = v->cols.ptr[u + 1];

		CHECK_FOR_INTERRUPTS();

		/*
		 * One loop per kind of sums, with a constant width, so that the hot
		 * loop of each measure does only its own arithmetic.  Each visits the
		 * rows b that have column u, counting b and remembering it when first
		 * touched.
		 */
#define FOR_EACH_ROW_OF_COLUMN(width, body) \
		for (q = v->cols.ptr[u]; q < qend; q++) \
		{ \
			int32		b = v->cols.idx[q]; \
			double		y = cv[q]; \
			double	   *ab = acc + (Size) b * (width); \
			\
			if (ab[0]++ == 0) \
				touched[nt++] = b; \
			body; \
		}
		switch (sums)
		{
			case SUMS_COUNT:
				FOR_EACH_ROW_OF_COLUMN(2, (void) y);
				break;
			case SUMS_DOT:
				FOR_EACH_ROW_OF_COLUMN(4, ab[1] += x * y);
				break;
			case SUMS_DOT_NORMS:
				FOR_EACH_ROW_OF_COLUMN(4, ab[1] += x * y; ab[2] += x * x; ab[3] += y * y);
				break;
			case SUMS_FULL:
				FOR_EACH_ROW_OF_COLUMN(8, ab[1] += x * y; ab[2] += x; ab[3] += y;
									   ab[4] += x * x; ab[5] += y * y);
				break;
			case SUMS_SQDIFF:
				FOR_EACH_ROW_OF_COLUMN(2, ab[1] += (x - y) * (x - y));
				break;
		}
#undef FOR_EACH_ROW_OF_COLUMN
	}
	return nt;
}

/*
 * The similarity of rows a and b from a's constants aa and the pair's sums
 * ab (n = ab[0] co-rated columns); false when it is undefined (a zero norm
 * or a constant row).
 */
static inline bool
pair_similarity(const NbrParams *p, NbrSums sums, const double *aa, const double *ab,
				int e, double *simp)
{
	double		n = ab[0];
	double		sim;

	switch (sums)
	{
		case SUMS_DOT:
			if (p->measure == NBR_MSD)
			{
				/* over the union of both rows, a missing entry counting 0 */
				double		sd = aa[2] + ab[2] - 2.0 * ab[1];

				if (sd < 0)
					sd = 0;
				sim = msd_similarity(sd / (aa[3] + ab[3] - n), e);
			}
			else
			{
				/* a cosine of (possibly centred) values, whole-vector norms */
				double		den = aa[2] * ab[2];

				if (!(den > 0))
					return false;
				sim = ab[1] / den;
			}
			break;
		case SUMS_DOT_NORMS:
			{
				/* a cosine over the co-rated entries */
				double		den = sqrt(ab[2] * ab[3]);

				if (!(den > 0))
					return false;
				sim = ab[1] / den;
			}
			break;
		case SUMS_FULL:
			{
				/* correlation over the co-rated entries, means over them too */
				double		num = ab[1] - ab[2] * ab[3] / n;
				double		va = ab[4] - ab[2] * ab[2] / n;
				double		vb = ab[5] - ab[3] * ab[3] / n;

				if (!(va > NBR_CONSTANT_EPS * ab[4]) || !(vb > NBR_CONSTANT_EPS * ab[5]))
					return false;
				sim = num / sqrt(va * vb);
			}
			break;
		case SUMS_SQDIFF:
			sim = msd_similarity(ab[1] / n, e);
			break;
		case SUMS_COUNT:
			sim = n / (aa[1] + ab[1] - n);
			break;
		default:
			sim = 0;			/* keep compiler quiet */
	}
	*simp = sim;
	return true;
}

/* Append row a's kept neighbours to the tuplestore, best first (ties by index = by id). */
static void
emit_row(const NbrView *v, int a, EcomaiTopK *top, const double *acc, NbrLayout lay,
		 Tuplestorestate *ts, TupleDesc desc)
{
	int			nkept = ecomai_topk_sort(top);
	int			t;

	for (t = 0; t < nkept; t++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		int32		b = (int32) top->items[t].id;

		values[0] = Int64GetDatum(v->rows.ids[a]);
		values[1] = Int64GetDatum(v->rows.ids[b]);
		values[2] = Float8GetDatum(top->items[t].score);
		values[3] = Int32GetDatum((int32) acc[(Size) b * lay.width]);
		tuplestore_putvalues(ts, desc, values, nulls);
	}
}

/*
 * Compute every row's top-k neighbours and append them to the tuplestore;
 * max_abs is the largest |value| (for the scaling of extreme magnitudes).
 */
static void
compute_neighbors(const NbrView *v, const NbrParams *p, const char *what,
				  Size loaded_bytes, double max_abs, Tuplestorestate *ts, TupleDesc desc)
{
	NbrSums		sums = sums_needed(p);
	NbrLayout	lay = layout_of(sums);
	int			nrows = v->rows.n;
	Size		extra;
	double	   *rv,
			   *cv;
	double	   *acc;
	int32	   *touched;
	EcomaiTopK	top;
	int			a;
	int			e;

	if (nrows == 0)
		return;

	/* accumulators, touched list, heap, and maybe centred or scaled copies */
	e = value_exponent(max_abs, p);
	extra = (Size) nrows * (sizeof(double) * lay.width + sizeof(int32)) +
		sizeof(EcomaiTopKItem) * (Size) Min(p->k, nrows);
	if (needs_centring(p) || e != 0)
		extra += 2 * sizeof(double) * (Size) v->rows.ptr[nrows];
	ecomai_check_memory(loaded_bytes + extra, what);
	elog(DEBUG1, "%s: working set %zu kB", what, (loaded_bytes + extra) / 1024);

	centre_values(v, p, e, &rv, &cv);
	acc = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * lay.width * (Size) nrows);
	memset(acc, 0, sizeof(double) * lay.width * (Size) nrows);
	touched = palloc(sizeof(int32) * nrows);
	init_row_constants(v, p, sums, lay, rv, acc);
	ecomai_topk_init(&top, Min(p->k, nrows));

	for (a = 0; a < nrows; a++)
	{
		const double *aa = acc + (Size) a * lay.width;
		int			nt;
		int			t;

		CHECK_FOR_INTERRUPTS();
		nt = accumulate_row(v, sums, rv, cv, a, acc, touched);

		/* score the touched rows */
		for (t = 0; t < nt; t++)
		{
			int32		b = touched[t];
			const double *ab = acc + (Size) b * lay.width;
			double		n = ab[0];
			double		sim;

			if (b == a || n < p->min_support)
				continue;
			if (!pair_similarity(p, sums, aa, ab, e, &sim))
				continue;
			if (p->shrinkage > 0)
				sim *= n / (n + p->shrinkage);
			if (!(sim > 0))
				continue;
			ecomai_topk_offer(&top, b, sim);
		}

		emit_row(v, a, &top, acc, lay, ts, desc);
		ecomai_topk_reset(&top);

		/* clear the count and sums of what this row touched (constants stay) */
		for (t = 0; t < nt; t++)
		{
			double	   *ab = acc + (Size) touched[t] * lay.width;
			int			s;

			for (s = 0; s <= lay.nsums; s++)
				ab[s] = 0;
		}
	}
}

/* Shared body of item_neighbors and user_neighbors. */
static Datum
neighbors_srf(FunctionCallInfo fcinfo, bool by_item)
{
	const char *what = by_item ? "item_neighbors" : "user_neighbors";
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	NbrParams	p = parse_params(fcinfo);
	Oid			relid = PG_GETARG_OID(0);
	char	   *user_col = pstrdup(NameStr(*PG_GETARG_NAME(1)));
	char	   *item_col = pstrdup(NameStr(*PG_GETARG_NAME(2)));
	char	   *value_col = PG_ARGISNULL(3) ? NULL : pstrdup(NameStr(*PG_GETARG_NAME(3)));
	MemoryContext work,
				old;
	EcomaiRatings *r;
	NbrView		v;

	/* everything but the result lives in a context freed at the end */
	work = AllocSetContextCreate(CurrentMemoryContext, "ecomai neighbours", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);

	r = ecomai_ratings_load(relid, user_col, item_col, value_col, what);
	v.rows = ecomai_ratings_axis(r, !by_item);
	v.cols = ecomai_ratings_axis(r, by_item);
	compute_neighbors(&v, &p, what, r->bytes, Max(fabs(r->min_value), fabs(r->max_value)),
					  rsinfo->setResult, rsinfo->setDesc);

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
