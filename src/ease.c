/*
 * ease.c
 *	  EASE (Steck 2019), the closed-form item-item model, from a co-occurrence
 *	  model: with G = XᵀX + λI and P = G⁻¹, the weights are
 *	  B = I − P·diagMat(1/diag(P)), i.e. B[i][j] = −P[i][j] / P[j][j] off the
 *	  diagonal and 0 on it.  A customer's score for item j is Σ over the items
 *	  i they have of B[i][j].
 *
 * P is computed with OpenBLAS/LAPACK on the dense n×n matrix (column-major,
 * lower triangle), in blocks of EASE_BLOCK columns so that interrupts are
 * checked between BLAS calls: a right-looking blocked Cholesky (dpotrf on the
 * diagonal blocks, dtrsm, dsyrk), then the inverse of the factor (the blocked
 * algorithm of LAPACK's dtrtri: dtrmm, dtrsm, dtrtri on diagonal blocks),
 * then P = L⁻ᵀL⁻¹ in place (the blocked algorithm of LAPACK's dlauum: dtrmm,
 * dgemm, dsyrk, dlauum on diagonal blocks).  That is dpotrf + dpotri, with
 * their flop count (n³ in all) and no other buffer.
 *
 * The strictly upper triangle, which none of these touch, holds each pair's
 * basket count meanwhile: the support column of the result, read in O(1).
 */
#include "postgres.h"

#include <math.h>

#include <cblas.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"

#include "cooccurrence.h"
#include "ecomai.h"
#include "topk.h"


/*
 * Columns per BLAS step: wide enough that the level-3 calls run at the
 * kernel's speed, narrow enough that a cancel waits for one step only.
 */
#define EASE_BLOCK 256

/* Rows of P gathered at a time, contiguously, for the top-k pass. */
#define EASE_PANEL 256

/* LAPACK (Fortran interface of OpenBLAS) */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
extern void dtrtri_(const char *uplo, const char *diag, const int *n, double *a, const int *lda, int *info);
extern void dlauum_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/* Element (row i, column j) of the column-major n×n matrix a. */
#define AT(a, n, i, j) ((a)[(Size) (j) * (Size) (n) + (Size) (i)])

static void
not_positive_definite(int info)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("the regularised Gram matrix is not positive definite"),
			 errdetail("The Cholesky factorisation failed at column %d.", info),
			 errhint("Use a larger lambda.")));
}

/* In place: the lower triangle of a (n×n) becomes its Cholesky factor L. */
static void
blocked_cholesky(double *a, int n)
{
	for (int j = 0; j < n; j += EASE_BLOCK)
	{
		int			jb = Min(EASE_BLOCK, n - j);
		int			rest = n - j - jb;
		int			info = 0;

		CHECK_FOR_INTERRUPTS();
		dpotrf_("L", &jb, &AT(a, n, j, j), &n, &info);
		if (info != 0)
			not_positive_definite(j + info);
		if (rest > 0)
		{
			cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit,
						rest, jb, 1.0, &AT(a, n, j, j), n, &AT(a, n, j + jb, j), n);
			CHECK_FOR_INTERRUPTS();
			cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, rest, jb,
						-1.0, &AT(a, n, j + jb, j), n, 1.0, &AT(a, n, j + jb, j + jb), n);
		}
	}
}

/* In place: the lower-triangular factor L becomes L⁻¹. */
static void
blocked_triangular_inverse(double *a, int n)
{
	int			last = ((n - 1) / EASE_BLOCK) * EASE_BLOCK;

	for (int j = last; j >= 0; j -= EASE_BLOCK)
	{
		int			jb = Min(EASE_BLOCK, n - j);
		int			rest = n - j - jb;
		int			info = 0;

		CHECK_FOR_INTERRUPTS();
		if (rest > 0)
		{
			cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit,
						rest, jb, 1.0, &AT(a, n, j + jb, j + jb), n, &AT(a, n, j + jb, j), n);
			cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit,
						rest, jb, -1.0, &AT(a, n, j, j), n, &AT(a, n, j + jb, j), n);
		}
		dtrtri_("L", "N", &jb, &AT(a, n, j, j), &n, &info);
		if (info != 0)
			not_positive_definite(j + info);
	}
}

/*
 * In place: W = L⁻¹ (lower) becomes the lower part of P = WᵀW, one block row
 * at a time: rows i..i+ib of P are Wᵢᵢᵀ times W's rows i..i+ib, plus the
 * product of the columns of W below them.
 */
static void
blocked_gram_of_inverse(double *a, int n)
{
	for (int i = 0; i < n; i += EASE_BLOCK)
	{
		int			ib = Min(EASE_BLOCK, n - i);
		int			rest = n - i - ib;
		int			info = 0;

		CHECK_FOR_INTERRUPTS();
		if (i > 0)
			cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit,
						ib, i, 1.0, &AT(a, n, i, i), n, &AT(a, n, i, 0), n);
		dlauum_("L", &ib, &AT(a, n, i, i), &n, &info);
		if (rest > 0)
		{
			if (i > 0)
				cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ib, i, rest,
							1.0, &AT(a, n, i + ib, i), n, &AT(a, n, i + ib, 0), n,
							1.0, &AT(a, n, i, 0), n);
			CHECK_FOR_INTERRUPTS();
			cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, ib, rest,
						1.0, &AT(a, n, i + ib, i), n, 1.0, &AT(a, n, i, i), n);
		}
	}
}

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

#define SWAP_ITEMS(c, x, y) \
	do { EcomaiTopKItem t_ = (c)[x]; (c)[x] = (c)[y]; (c)[y] = t_; } while (0)

/*
 * Move the k best of c[0..m) (k < m) to c[0..k), in some order: quickselect
 * with median-of-three pivots, O(m) on average.
 */
static void
select_best(EcomaiTopKItem *c, int m, int k)
{
	int			lo = 0;
	int			hi = m - 1;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			store = lo;

		/* order c[lo], c[mid], c[hi] best first, then the median is the pivot, at hi */
		if (compare_best_first(&c[mid], &c[lo]) < 0)
			SWAP_ITEMS(c, lo, mid);
		if (compare_best_first(&c[hi], &c[lo]) < 0)
			SWAP_ITEMS(c, lo, hi);
		if (compare_best_first(&c[hi], &c[mid]) < 0)
			SWAP_ITEMS(c, mid, hi);
		SWAP_ITEMS(c, mid, hi);
		for (int x = lo; x < hi; x++)
			if (compare_best_first(&c[x], &c[hi]) < 0)
			{
				SWAP_ITEMS(c, x, store);
				store++;
			}
		SWAP_ITEMS(c, store, hi);
		/* c[lo..store) are better than c[store], c(store..hi] worse */
		if (store == k - 1)
			break;
		if (store > k - 1)
			hi = store - 1;
		else
			lo = store + 1;
	}
}

/*
 * Row i of B, B[i][j] = −P[i][j] / P[j][j] from prow, row i of P: its k
 * largest weights by absolute value (every non-zero one when k >= n) into c
 * (room for n), best first.  Returns their number.
 */
static int
top_weights(const double *prow, const double *dinv, int i, int n, int k, EcomaiTopKItem *c)
{
	int			m = 0;

	for (int j = 0; j < n; j++)
	{
		double		w = fabs(prow[j] * dinv[j]);

		c[m].id = j;
		c[m].score = w;
		m += (j != i && w != 0 && !isnan(w));
	}
	if (m > k)
	{
		select_best(c, m, k);
		m = k;
	}
	sort_best_first(c, m);
	return m;
}

/*
 * ease(m, lambda, k, key_type): the EASE weights as (item, neighbor,
 * similarity, support) rows, the k largest by absolute value per item
 * (every non-zero weight when k is NULL).  Returns k, -1 for NULL.
 */
static int32
ease_arguments(FunctionCallInfo fcinfo, int off, double *lambda)
{
	int32		k = PG_ARGISNULL(off + 2) ? -1 : PG_GETARG_INT32(off + 2);

	if (PG_ARGISNULL(off + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("lambda must not be NULL")));
	*lambda = PG_GETARG_FLOAT8(off + 1);
	if (!(*lambda > 0) || !isfinite(*lambda))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambda must be a finite number > 0"),
				 errdetail("lambda is %g.", *lambda)));
	if (!PG_ARGISNULL(off + 2) && k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1"),
				 errdetail("k is %d; pass NULL to keep every weight.", k)));
	return k;
}

static Datum
ease(FunctionCallInfo fcinfo, int off)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CoocView	v;
	double		lambda;
	int32		k;
	int			n;
	double	   *a;
	double	   *panel;
	Datum	   *keys;
	EcomaiTopKItem *best;
	double	   *dinv;
	double		bytes;

	InitMaterializedSRF(fcinfo, 0);
	k = ease_arguments(fcinfo, off, &lambda);
	if (PG_ARGISNULL(off + 0))
		return (Datum) 0;
	ecomai_cooc_view(PG_GETARG_DATUM(off + 0), &v);
	keys = ecomai_cooc_key_datums(fcinfo, off - 1, &v);
	n = v.nitems;
	if (n == 0)
		return (Datum) 0;
	if (k < 0 || k > n)
		k = n;

	/* the dense matrix, the row panel, and per item a candidate, 1/P[j][j] and its key */
	bytes = (double) n * n * sizeof(double) + (double) n * EASE_PANEL * sizeof(double) +
		(double) n * (sizeof(EcomaiTopKItem) + sizeof(double) + sizeof(Datum));
	if (bytes > (double) (SIZE_MAX / 4))
		bytes = (double) (SIZE_MAX / 4);
	ecomai_check_memory((Size) bytes, psprintf("EASE dense %d x %d item matrix", n, n));
	a = palloc_extended((Size) n * n * sizeof(double), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	fill_gram_and_support(&v, lambda, a, n);
	blocked_cholesky(a, n);
	blocked_triangular_inverse(a, n);
	blocked_gram_of_inverse(a, n);

	dinv = palloc_extended((Size) n * sizeof(double), MCXT_ALLOC_HUGE);
	for (int j = 0; j < n; j++)
		dinv[j] = 1.0 / AT(a, n, j, j);
	best = palloc_extended((Size) n * sizeof(EcomaiTopKItem), MCXT_ALLOC_HUGE);
	panel = palloc_extended((Size) n * Min(n, EASE_PANEL) * sizeof(double), MCXT_ALLOC_HUGE);
	for (int r0 = 0; r0 < n; r0 += EASE_PANEL)
	{
		int			rows = Min(EASE_PANEL, n - r0);

		CHECK_FOR_INTERRUPTS();
		gather_rows(a, n, r0, rows, panel);
		for (int c = 0; c < rows; c++)
		{
			int			i = r0 + c;
			const double *prow = &panel[(Size) c * n];
			int			cnt;

			CHECK_FOR_INTERRUPTS();
			cnt = top_weights(prow, dinv, i, n, k, best);
			for (int r = 0; r < cnt; r++)
			{
				int			j = (int) best[r].id;
				Datum		values[4];
				bool		nulls[4] = {false, false, false, false};

				values[0] = keys[i];
				values[1] = keys[j];
				values[2] = Float8GetDatum(-prow[j] * dinv[j]);
				/* the pair's basket count, from the upper triangle */
				values[3] = Int64GetDatum((int64) AT(a, n, Min(i, j), Max(i, j)));
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
		}
	}
	pfree(panel);
	pfree(a);
	return (Datum) 0;
}

ECOMAI_COOC_ENTRY_POINTS(ecomai_ease, ease)
