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
 * then P = L⁻ᵀL⁻¹ column block by column block (dtrmm, as dlauum).  That is
 * the work of dpotrf + dpotri, with the same flop count.
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


#define EASE_BLOCK 256

/* LAPACK (Fortran interface of OpenBLAS) */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
extern void dtrtri_(const char *uplo, const char *diag, const int *n, double *a, const int *lda, int *info);

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
 * In place: W = L⁻¹ (lower) becomes the lower part of P = WᵀW, column block
 * by column block; tmp holds n × EASE_BLOCK doubles.
 */
static void
blocked_gram_of_inverse(double *a, int n, double *tmp)
{
	for (int j = 0; j < n; j += EASE_BLOCK)
	{
		int			jb = Min(EASE_BLOCK, n - j);
		int			m = n - j;

		CHECK_FOR_INTERRUPTS();
		/* tmp = W[j:, j:j+jb], with the zeros above the diagonal */
		for (int c = 0; c < jb; c++)
			for (int r = 0; r < m; r++)
				tmp[(Size) c * m + r] = r < c ? 0.0 : AT(a, n, j + r, j + c);
		cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit,
					m, jb, 1.0, &AT(a, n, j, j), n, tmp, m);
		for (int c = 0; c < jb; c++)
			for (int r = 0; r < m; r++)
				AT(a, n, j + r, j + c) = tmp[(Size) c * m + r];
	}
}

/*
 * ease(m, lambda, k, key_type): the EASE weights as (item, neighbor,
 * similarity, support) rows, the k largest by absolute value per item
 * (every non-zero weight when k is NULL).
 */
static Datum
ease(FunctionCallInfo fcinfo, int off)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CoocView	v;
	CoocAdjacency adj;
	double		lambda;
	int32		k;
	int			n;
	double	   *a;
	double	   *tmp;
	Datum	   *keys;
	EcomaiTopK	top;
	int64	   *support;
	double	   *dinv;
	double		bytes;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(off + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("lambda must not be NULL")));
	lambda = PG_GETARG_FLOAT8(off + 1);
	if (!(lambda > 0) || !isfinite(lambda))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lambda must be a finite number > 0"),
				 errdetail("lambda is %g.", lambda)));
	k = PG_ARGISNULL(off + 2) ? -1 : PG_GETARG_INT32(off + 2);
	if (!PG_ARGISNULL(off + 2) && k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1"),
				 errdetail("k is %d; pass NULL to keep every weight.", k)));
	if (PG_ARGISNULL(off + 0))
		return (Datum) 0;

	ecomai_cooc_view(PG_GETARG_DATUM(off + 0), &v);
	keys = ecomai_cooc_key_datums(fcinfo, off - 1, &v);
	n = v.nitems;
	if (n == 0)
		return (Datum) 0;

	/* the dense matrix and the block buffer, before anything is allocated */
	bytes = (double) n * n * sizeof(double) + (double) n * EASE_BLOCK * sizeof(double) +
		(double) n * (sizeof(EcomaiTopKItem) + 2 * sizeof(int64));
	if (bytes > (double) (SIZE_MAX / 4))
		bytes = (double) (SIZE_MAX / 4);
	ecomai_check_memory((Size) bytes, psprintf("EASE dense %d x %d item matrix", n, n));
	a = palloc_extended((Size) n * n * sizeof(double), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	tmp = palloc_extended((Size) n * EASE_BLOCK * sizeof(double), MCXT_ALLOC_HUGE);

	/* G + λI, lower triangle */
	for (int i = 0; i < n; i++)
		AT(a, n, i, i) = v.weight[i] + lambda;
	for (int64 p = 0; p < v.npairs; p++)
		AT(a, n, v.pj[p], v.pi[p]) = v.pgram[p];

	blocked_cholesky(a, n);
	blocked_triangular_inverse(a, n);
	blocked_gram_of_inverse(a, n, tmp);
	pfree(tmp);

	/*
	 * B[i][j] = -P[i][j] / P[j][j]; the top k by |B| of each row i.  P is made
	 * whole (upper triangle from the lower, in blocks) so that row i is read
	 * as the contiguous column i.
	 */
	dinv = palloc_extended((Size) n * sizeof(double), MCXT_ALLOC_HUGE);
	for (int j = 0; j < n; j++)
		dinv[j] = 1.0 / AT(a, n, j, j);
	for (int jb = 0; jb < n; jb += 64)
	{
		CHECK_FOR_INTERRUPTS();
		for (int ib = jb; ib < n; ib += 64)
			for (int j = jb; j < Min(jb + 64, n); j++)
				for (int i = Max(ib, j + 1); i < Min(ib + 64, n); i++)
					AT(a, n, j, i) = AT(a, n, i, j);
	}
	ecomai_cooc_adjacency(&v, &adj);
	support = palloc_extended((Size) n * sizeof(int64), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	ecomai_topk_init(&top, k < 0 ? n : Min(k, n));
	for (int i = 0; i < n; i++)
	{
		const double *col = &AT(a, n, 0, i);
		int			cnt;

		CHECK_FOR_INTERRUPTS();
		ecomai_topk_reset(&top);
		for (int j = 0; j < n; j++)
		{
			double		w = -col[j] * dinv[j];

			if (j == i || w == 0 || isnan(w))
				continue;
			if (top.n == top.k && fabs(w) < top.items[0].score)
				continue;		/* cannot enter */
			ecomai_topk_offer(&top, j, fabs(w));
		}
		for (int64 e = adj.off[i]; e < adj.off[i + 1]; e++)
			support[adj.other[e]] = v.pcount[adj.pair[e]];
		cnt = ecomai_topk_sort(&top);
		for (int r = 0; r < cnt; r++)
		{
			int			j = (int) top.items[r].id;
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};

			values[0] = keys[i];
			values[1] = keys[j];
			values[2] = Float8GetDatum(-col[j] * dinv[j]);
			values[3] = Int64GetDatum(support[j]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		for (int64 e = adj.off[i]; e < adj.off[i + 1]; e++)
			support[adj.other[e]] = 0;
	}
	pfree(a);
	return (Datum) 0;
}

ECOMAI_COOC_ENTRY_POINTS(ecomai_ease, ease)
