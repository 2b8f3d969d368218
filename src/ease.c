/*
 * ease.c
 *	  EASE (Steck 2019), the closed-form item-item model, from a co-occurrence
 *	  model: with G = XᵀX + λI and P = G⁻¹, the weights are
 *	  B = I − P·diagMat(1/diag(P)), i.e. B[i][j] = −P[i][j] / P[j][j] off the
 *	  diagonal and 0 on it.  A customer's score for item j is Σ over the items
 *	  i they have of B[i][j].
 *
 * P is computed in place on the lower triangle of the dense n×n matrix
 * (column-major) by spd_inverse.c: n³ flops, as dpotrf + dpotri, cancellable
 * every few milliseconds.  The strictly upper triangle, which it never
 * touches, holds each pair's basket count meanwhile: the support column of
 * the result, read in O(1).  Then P is read a panel of rows at a time, and
 * each row's k largest weights are selected in O(n) and sorted.
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"

#include "cooccurrence.h"
#include "ecomai.h"
#include "spd_inverse.h"
#include "topk.h"


/* Rows of P gathered at a time, contiguously, for the top-k pass. */
#define EASE_PANEL 256

/* Element (row i, column j) of the column-major n×n matrix a. */
#define AT(a, n, i, j) ((a)[(Size) (j) * (Size) (n) + (Size) (i)])

/*
 * G + λI in the lower triangle of the zeroed matrix a, and each pair's basket
 * count in the strictly upper one (exact: counts are far below 2^53).
 */
static void
fill_gram_and_support(const CoocView *v, double lambda, double *a, int n)
{
	for (int i = 0; i < n; i++)
		AT(a, n, i, i) = v->weight[i] + lambda;
	for (int64 p = 0; p < v->npairs; p++)
	{
		if ((p & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		AT(a, n, v->pj[p], v->pi[p]) = v->pgram[p];
		AT(a, n, v->pi[p], v->pj[p]) = (double) v->pcount[p];
	}
}

/*
 * Rows r0 .. r0 + rows - 1 of the symmetric P, of which a holds the lower
 * triangle, as the contiguous columns of panel (n × rows): below the diagonal
 * a row is its column, left of it a strided row, transposed tile by tile.
 */
static void
gather_rows(const double *a, int n, int r0, int rows, double *panel)
{
	for (int c = 0; c < rows; c++)
		memcpy(&panel[(Size) c * n + r0 + c], &AT(a, n, r0 + c, r0 + c),
			   (Size) (n - r0 - c) * sizeof(double));
	for (int j0 = 0; j0 < r0 + rows; j0 += 16)
	{
		int			j1 = Min(j0 + 16, r0 + rows);

		for (int c = 0; c < rows; c++)
			for (int j = j0; j < Min(j1, r0 + c); j++)
				panel[(Size) c * n + j] = AT(a, n, r0 + c, j);
	}
}

/* The bits of a double, as an integer. */
static inline uint64
double_bits(double x)
{
	uint64		u;

	memcpy(&u, &x, sizeof(u));
	return u;
}

/* Best first: a larger |weight|, or an equal one and a smaller item (topk.h's order). */
static inline int
compare_best_first(const EcomaiTopKItem *a, const EcomaiTopKItem *b)
{
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

#define ST_SORT sort_best_first
#define ST_ELEMENT_TYPE EcomaiTopKItem
#define ST_COMPARE(a, b) compare_best_first(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Sort c[0..m) best first, given room for m more entries at tmp and c in
 * ascending item order: a stable LSD radix sort on the bits of the scores
 * (non-negative doubles order as their bit patterns), one byte a pass,
 * skipping the bytes every score shares.
 */
static void
radix_sort_best_first(EcomaiTopKItem *c, int m, EcomaiTopKItem *tmp)
{
	uint32		count[8][256];
	EcomaiTopKItem *from = c;
	EcomaiTopKItem *to = tmp;

	memset(count, 0, sizeof(count));
	for (int x = 0; x < m; x++)
	{
		uint64		key = ~double_bits(c[x].score);

		for (int d = 0; d < 8; d++)
			count[d][(key >> (8 * d)) & 0xFF]++;
	}
	for (int d = 0; d < 8; d++)
	{
		uint32		sum = 0;

		if (count[d][(~double_bits(c[0].score) >> (8 * d)) & 0xFF] == (uint32) m)
			continue;
		for (int b = 0; b < 256; b++)
		{
			uint32		here = count[d][b];

			count[d][b] = sum;
			sum += here;
		}
		for (int x = 0; x < m; x++)
			to[count[d][(~double_bits(from[x].score) >> (8 * d)) & 0xFF]++] = from[x];
		to = from;
		from = (from == c) ? tmp : c;
	}
	if (from != c)
		memcpy(c, from, (Size) m * sizeof(EcomaiTopKItem));
}

/*
 * The k-th largest of s[0..m) (1 <= k <= m, no NaN), reordering s:
 * quickselect with median-of-three pivots and branch-free partitions (the
 * larger values first, then the pivot's equals), O(m) on average.
 */
static double
kth_largest(double *s, int m, int k)
{
	int			lo = 0;
	int			hi = m;
	int			t = k - 1;

	while (hi - lo > 1)
	{
		double		p0 = s[lo];
		double		p1 = s[lo + (hi - lo) / 2];
		double		p2 = s[hi - 1];
		double		pivot = Max(Min(p0, p1), Min(Max(p0, p1), p2));
		int			above = lo;
		int			equal;

		for (int x = lo; x < hi; x++)
		{
			double		v = s[x];

			s[x] = s[above];
			s[above] = v;
			above += v > pivot;
		}
		if (t < above)
		{
			hi = above;			/* the pivot is not in there: progress */
			continue;
		}
		equal = above;
		for (int x = above; x < hi; x++)
		{
			double		v = s[x];

			s[x] = s[equal];
			s[equal] = v;
			equal += v == pivot;
		}
		if (t < equal)
			return pivot;
		lo = equal;
	}
	return s[lo];
}

/*
 * Row i of B, B[i][j] = −P[i][j] / P[j][j] from prow, row i of P: its k
 * largest weights by absolute value (every non-zero one when k >= n) into c,
 * best first, ties to the smaller item (topk.h's order); scratch holds n
 * doubles.  Returns their number.
 */
static int
top_weights(const double *prow, const double *dinv, int i, int n, int k,
			EcomaiTopKItem *c, double *scratch)
{
	double		kth = -1;		/* below every |weight|: keep them all */
	int			ties = 0;
	int			m = 0;

	/* |weight|, or -1 for the diagonal, a zero and NaN */
	for (int j = 0; j < n; j++)
	{
		double		w = fabs(prow[j] * dinv[j]);

		scratch[j] = (j != i && w != 0 && !isnan(w)) ? w : -1;
	}
	if (k < n)
	{
		int			above = 0;

		kth = kth_largest(scratch, n, k);
		for (int j = 0; j < n; j++)
		{
			double		w = fabs(prow[j] * dinv[j]);

			above += j != i && w != 0 && w > kth;
		}
		ties = k - above;
	}
	/* those above the k-th value, then the ties with the smallest items */
	for (int j = 0; j < n; j++)
	{
		double		w = fabs(prow[j] * dinv[j]);
		bool		keep = j != i && w != 0 && !isnan(w) &&
			(w > kth || (w == kth && ties-- > 0));

		c[m].id = j;
		c[m].score = w;
		m += keep;
	}
	if (m > 0 && 2 * m <= n)
		radix_sort_best_first(c, m, c + m);
	else
		sort_best_first(c, m);
	return m;
}

/* Check lambda and k of ease(); returns k, -1 for NULL (keep every weight). */
static int32
ease_arguments(FunctionCallInfo fcinfo, int off, double *lambda)
{
	int32		k = PG_ARGISNULL(off + 2) ? -1 : PG_GETARG_INT32(off + 2);

	ecomai_require_args(fcinfo, ECOMAI_ARG(off + 1));
	*lambda = PG_GETARG_FLOAT8(off + 1);
	if (!(*lambda > 0) || !isfinite(*lambda))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambda must be a finite number > 0, not %g", *lambda)));
	if (!PG_ARGISNULL(off + 2) && k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k),
				 errhint("Pass NULL to keep every weight.")));
	return k;
}

/*
 * The rows of the result from P (lower triangle of a, each pair's basket
 * count above it): the k largest weights of every item, best first.
 */
static void
emit_top_weights(ReturnSetInfo *rsinfo, const Datum *keys, const double *a, int n, int k)
{
	double	   *dinv = palloc_extended((Size) n * sizeof(double), MCXT_ALLOC_HUGE);
	double	   *scratch = palloc_extended((Size) n * sizeof(double), MCXT_ALLOC_HUGE);
	EcomaiTopKItem *best = palloc_extended((Size) n * sizeof(EcomaiTopKItem), MCXT_ALLOC_HUGE);
	double	   *panel = palloc_extended((Size) n * Min(n, EASE_PANEL) * sizeof(double),
										MCXT_ALLOC_HUGE);
	bool		nulls[4] = {false, false, false, false};

	for (int j = 0; j < n; j++)
		dinv[j] = 1.0 / AT(a, n, j, j);
	for (int r0 = 0; r0 < n; r0 += EASE_PANEL)
	{
		int			rows = Min(EASE_PANEL, n - r0);

		CHECK_FOR_INTERRUPTS();
		gather_rows(a, n, r0, rows, panel);
		for (int i = r0; i < r0 + rows; i++)
		{
			const double *prow = &panel[(Size) (i - r0) * n];
			int			cnt = top_weights(prow, dinv, i, n, k, best, scratch);

			CHECK_FOR_INTERRUPTS();

			/*
			 * Each pair's basket count, from the upper triangle, in place of
			 * the score: all the (scattered) loads first, so that they overlap.
			 */
			for (int r = 0; r < cnt; r++)
			{
				int			j = (int) best[r].id;

				best[r].score = AT(a, n, Min(i, j), Max(i, j));
			}
			for (int r = 0; r < cnt; r++)
			{
				int			j = (int) best[r].id;
				Datum		values[4];

				values[0] = keys[i];
				values[1] = keys[j];
				values[2] = Float8GetDatum(-prow[j] * dinv[j]);
				values[3] = Int64GetDatum((int64) best[r].score);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
		}
	}
	pfree(panel);
	pfree(best);
	pfree(scratch);
	pfree(dinv);
}

/*
 * ERROR 54000 unless ecomai.max_memory holds the dense matrix, the inverse's
 * workspace or later the row panel, and per item a candidate, its |weight|
 * again and 1/P[j][j].
 */
static void
check_ease_memory(int n)
{
	double		bytes = (double) n * n * sizeof(double) +
		(double) Max((Size) n * EASE_PANEL, ecomai_spd_inverse_workspace(n)) * sizeof(double) +
		(double) n * (sizeof(EcomaiTopKItem) + 2 * sizeof(double));

	if (bytes > (double) (SIZE_MAX / 4))
		bytes = (double) (SIZE_MAX / 4);
	ecomai_check_memory((Size) bytes, psprintf("EASE dense %d x %d item matrix", n, n));
}

/*
 * ease(m, lambda, k, key_type): the EASE weights as (item, neighbor,
 * similarity, support) rows, the k largest by absolute value per item
 * (every non-zero weight when k is NULL).
 */
static Datum
ease(FunctionCallInfo fcinfo, int off)
{
	double		lambda;
	int32		k = ease_arguments(fcinfo, off, &lambda);
	CoocView	v;
	Datum	   *keys;
	int			n;
	double	   *a;
	int			failed;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(off + 0))
		return (Datum) 0;
	ecomai_cooc_view(PG_GETARG_DATUM(off + 0), &v);
	keys = ecomai_cooc_key_datums(fcinfo, off - 1, &v);
	n = v.nitems;
	if (n == 0)
		return (Datum) 0;
	if (k < 0 || k > n)
		k = n;
	check_ease_memory(n);
	a = palloc_extended((Size) n * n * sizeof(double), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	fill_gram_and_support(&v, lambda, a, n);
	if ((failed = ecomai_spd_inverse(a, n)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the regularised Gram matrix is not positive definite"),
				 errdetail("Its leading %d x %d block is not.", failed, failed),
				 errhint("Use a larger lambda.")));
	emit_top_weights((ReturnSetInfo *) fcinfo->resultinfo, keys, a, n, k);
	pfree(a);
	return (Datum) 0;
}

ECOMAI_COOC_ENTRY_POINTS(ecomai_ease, ease)
