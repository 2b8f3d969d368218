/*
 * spd_inverse.c
 *	  In-place inverse of a dense symmetric positive definite matrix by block
 *	  Gauss-Jordan elimination (the sweep operator of regression software, a
 *	  block of SPD_BLOCK pivots at a time), on its lower triangle.
 *
 * Sweeping pivot block K of the symmetric M (R: every other index) sets
 *	  M_KK ← −D⁻¹,  M_RK ← W = M_RK·D⁻¹,  M_RR ← M_RR − W·M_KR,  D = M_KK;
 * sweeping every block leaves −A⁻¹.  The big step is the rank-SPD_BLOCK
 * product M_RR −= W·M_RKᵀ over the whole lower triangle: n³ flops in all, as
 * dpotrf + dpotri, but nearly all of them in one GEMM-shaped kernel and none
 * in triangular solves over big panels.
 *
 * That kernel is our own where the CPU has AVX-512: OpenBLAS releases that
 * predate a CPU model fall back to their oldest x86-64 kernels on it (0.3.21
 * runs "Prescott" SSE2 code on Sapphire/Emerald Rapids, a third of the
 * speed); elsewhere it is OpenBLAS's dsyrk.  Interrupts are checked
 * between column panels of the update, every few milliseconds.
 */
#include "postgres.h"

#include <cblas.h>

#include "miscadmin.h"

#include "spd_inverse.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SPD_HAVE_AVX512 1
#endif

/* Pivots per sweep: small, so that the triangular work on them stays small. */
#define SPD_BLOCK 64

/* The kernel's tile of the result: MR rows by NR columns. */
#define MR 24
#define NR 8

/* LAPACK (Fortran interface of OpenBLAS) */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
extern void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/* Element (row i, column j) of the column-major matrix a with leading dimension ld. */
#define AT(a, ld, i, j) ((a)[(Size) (j) * (Size) (ld) + (Size) (i)])

#define ROUND_UP(x, r) (((x) + (r) - 1) / (r) * (r))

/* Buffers of one inversion (see ecomai_spd_inverse_workspace). */
typedef struct SpdWork
{
	double	   *u;				/* n × kb: the strip M_RK, then W = M_RK·D⁻¹ */
	double	   *ap;				/* packed rows (MR at a time) of M_RK, then of W; or V, then W */
	double	   *bp;				/* packed rows (NR at a time) of M_RK */
	double	   *dinv;			/* kb × kb: D⁻¹, both triangles */
	double	   *dp;				/* D⁻¹ packed NR rows at a time; or its Cholesky factor */
} SpdWork;

Size
ecomai_spd_inverse_workspace(int n)
{
	Size		nb = Min(n, SPD_BLOCK);

	return (Size) n * nb + ROUND_UP((Size) n, MR) * nb + ROUND_UP((Size) n, NR) * nb +
		nb * nb + ROUND_UP(nb, NR) * nb;
}

/* Rows of x (m × k, leading dimension ld) in panels of r rows: out[panel][p][r], zero-padded. */
static void
pack_rows(const double *x, int ld, int m, int k, int r, double *out)
{
	for (int i0 = 0; i0 < m; i0 += r)
	{
		int			rows = Min(r, m - i0);
		double	   *o = out + (Size) (i0 / r) * k * r;

		for (int p = 0; p < k; p++)
		{
			const double *src = x + (Size) p * ld + i0;
			int			q;

			for (q = 0; q < rows; q++)
				o[(Size) p * r + q] = src[q];
			for (; q < r; q++)
				o[(Size) p * r + q] = 0;
		}
	}
}

#ifdef SPD_HAVE_AVX512
/*
 * The MR × NR tile at c (leading dimension ldc) += alpha·Σp a[p]·b[p]ᵀ over
 * k packed rows; with acc, the sum goes to acc (column-major) instead.
 */
__attribute__((target("avx512f")))
static void
tile_product(int k, const double *a, const double *b, double *c, int ldc,
			 double alpha, double *acc)
{
	__m512d		sum[MR / 8][NR];	/* 24 accumulators, of the 32 registers */
	__m512d		al = _mm512_set1_pd(alpha);

#pragma GCC unroll 8
	for (int q = 0; q < NR; q++)
#pragma GCC unroll 3
		for (int h = 0; h < MR / 8; h++)
			sum[h][q] = _mm512_setzero_pd();
	for (int p = 0; p < k; p++)
	{
		__m512d		av[MR / 8];

#pragma GCC unroll 3
		for (int h = 0; h < MR / 8; h++)
			av[h] = _mm512_loadu_pd(a + MR * p + 8 * h);
#pragma GCC unroll 8
		for (int q = 0; q < NR; q++)
		{
			__m512d		bq = _mm512_set1_pd(b[NR * p + q]);

#pragma GCC unroll 3
			for (int h = 0; h < MR / 8; h++)
				sum[h][q] = _mm512_fmadd_pd(av[h], bq, sum[h][q]);
		}
	}
#pragma GCC unroll 8
	for (int q = 0; q < NR; q++)
#pragma GCC unroll 3
		for (int h = 0; h < MR / 8; h++)
		{
			if (acc != NULL)
				_mm512_storeu_pd(acc + MR * q + 8 * h, sum[h][q]);
			else
			{
				double	   *cc = c + (Size) q * ldc + 8 * h;

				_mm512_storeu_pd(cc, _mm512_fmadd_pd(al, sum[h][q], _mm512_loadu_pd(cc)));
			}
		}
}

/*
 * C (m × nn, leading dimension ldc) += alpha·A·Bᵀ, A and B packed by
 * pack_rows (MR and NR rows a panel, k columns); only C's lower triangle
 * (i >= j) when lower.
 */
__attribute__((target("avx512f")))
static void
packed_product(int m, int nn, int k, const double *ap, const double *bp,
			   double *c, int ldc, double alpha, bool lower)
{
	double		acc[MR * NR];

	for (int j0 = 0; j0 < nn; j0 += NR)
	{
		const double *b = bp + (Size) (j0 / NR) * k * NR;
		int			cols = Min(NR, nn - j0);

		if ((j0 & 127) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int i0 = lower ? j0 / MR * MR : 0; i0 < m; i0 += MR)
		{
			int			rows = Min(MR, m - i0);
			const double *a = ap + (Size) (i0 / MR) * k * MR;

			if (rows == MR && cols == NR && (!lower || i0 >= j0 + NR - 1))
			{
				tile_product(k, a, b, &AT(c, ldc, i0, j0), ldc, alpha, NULL);
				continue;
			}
			/* an edge tile, or one the diagonal crosses */
			tile_product(k, a, b, NULL, 0, 0, acc);
			for (int q = 0; q < cols; q++)
				for (int r = 0; r < rows; r++)
					if (!lower || i0 + r >= j0 + q)
						AT(c, ldc, i0 + r, j0 + q) += alpha * acc[MR * q + r];
		}
	}
}
#endif							/* SPD_HAVE_AVX512 */

/* Our kernel or OpenBLAS's: decided once, from the CPU. */
static bool
use_own_kernel(void)
{
#ifdef SPD_HAVE_AVX512
	static int	have = -1;

	if (have < 0)
		have = __builtin_cpu_supports("avx512f") ? 1 : 0;
	return have == 1;
#else
	return false;
#endif
}

/*
 * The strip M_RK of pivot block K = k0 .. k0+kb-1 into u (n × kb, zero on
 * K's rows): rows above K are row block K of the lower triangle, rows below
 * are column block K.
 */
static void
gather_strip(const double *a, int n, int k0, int kb, double *u)
{
	for (int x = 0; x < k0; x++)
		for (int c = 0; c < kb; c++)
			u[(Size) c * n + x] = AT(a, n, k0 + c, x);
	for (int c = 0; c < kb; c++)
	{
		memset(&u[(Size) c * n + k0], 0, kb * sizeof(double));
		memcpy(&u[(Size) c * n + k0 + kb], &AT(a, n, k0 + kb, k0 + c),
			   (Size) (n - k0 - kb) * sizeof(double));
	}
}

/* The way back: u's rows outside K into the strip of a. */
static void
scatter_strip(double *a, int n, int k0, int kb, const double *u)
{
	for (int x = 0; x < k0; x++)
		for (int c = 0; c < kb; c++)
			AT(a, n, k0 + c, x) = u[(Size) c * n + x];
	for (int c = 0; c < kb; c++)
		memcpy(&AT(a, n, k0 + kb, k0 + c), &u[(Size) c * n + k0 + kb],
			   (Size) (n - k0 - kb) * sizeof(double));
}

/*
 * D⁻¹ of the pivot block D = M_KK into w->dinv (both triangles); dpotrf's
 * info when D is not positive definite, else 0.
 */
static int
pivot_inverse(const double *a, int n, int k0, int kb, SpdWork *w)
{
	int			info = 0;

	for (int c = 0; c < kb; c++)
		for (int r = c; r < kb; r++)
			AT(w->dinv, kb, r, c) = AT(a, n, k0 + r, k0 + c);
	dpotrf_("L", &kb, w->dinv, &kb, &info);
	if (info != 0)
		return info;
	dpotri_("L", &kb, w->dinv, &kb, &info);
	if (info != 0)
		return info;
	for (int c = 0; c < kb; c++)
		for (int r = 0; r < c; r++)
			AT(w->dinv, kb, r, c) = AT(w->dinv, kb, c, r);
	return 0;
}

/*
 * Sweep pivot block K = k0 .. k0+kb-1; returns 0, or the order of the leading
 * block found not positive definite.
 */
static int
sweep_block(double *a, int n, int k0, int kb, SpdWork *w)
{
	int			info = pivot_inverse(a, n, k0, kb, w);

	if (info != 0)
		return k0 + info;
	gather_strip(a, n, k0, kb, w->u);
#ifdef SPD_HAVE_AVX512
	if (use_own_kernel())
	{
		/* W = M_RK·D⁻¹ replaces M_RK in u, once M_RK is packed both ways */
		pack_rows(w->u, n, n, kb, MR, w->ap);
		pack_rows(w->u, n, n, kb, NR, w->bp);
		pack_rows(w->dinv, kb, kb, kb, NR, w->dp);
		memset(w->u, 0, (Size) n * kb * sizeof(double));
		packed_product(n, kb, kb, w->ap, w->dp, w->u, n, 1.0, false);
		/* M_RR −= W·M_RKᵀ (both zero on K's rows) */
		pack_rows(w->u, n, n, kb, MR, w->ap);
		packed_product(n, n, kb, w->ap, w->bp, a, n, -1.0, true);
	}
	else
#endif
	{
		/* with OpenBLAS: D⁻¹ = C·Cᵀ, M_RR −= V·Vᵀ with V = M_RK·C (in ap) */
		int			cinfo = 0;

		memcpy(w->dp, w->dinv, (Size) kb * kb * sizeof(double));
		dpotrf_("L", &kb, w->dp, &kb, &cinfo);
		if (cinfo != 0)
			return k0 + cinfo;
		memcpy(w->ap, w->u, (Size) n * kb * sizeof(double));
		cblas_dtrmm(CblasColMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit,
					n, kb, 1.0, w->dp, kb, w->ap, n);
		CHECK_FOR_INTERRUPTS();
		cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, kb,
					-1.0, w->ap, n, 1.0, a, n);
		/* W = M_RK·D⁻¹ */
		cblas_dsymm(CblasColMajor, CblasRight, CblasLower, n, kb,
					1.0, w->dinv, kb, w->u, n, 0.0, w->ap, n);
		memcpy(w->u, w->ap, (Size) n * kb * sizeof(double));
	}
	scatter_strip(a, n, k0, kb, w->u);
	/* M_KK = −D⁻¹ */
	for (int c = 0; c < kb; c++)
		for (int r = c; r < kb; r++)
			AT(a, n, k0 + r, k0 + c) = -AT(w->dinv, kb, r, c);
	return 0;
}

int
ecomai_spd_inverse(double *a, int n)
{
	int			nb = Min(n, SPD_BLOCK);
	SpdWork		w;

	w.u = palloc_extended((Size) n * nb * sizeof(double), MCXT_ALLOC_HUGE);
	w.ap = palloc_extended(ROUND_UP((Size) n, MR) * nb * sizeof(double), MCXT_ALLOC_HUGE);
	w.bp = palloc_extended(ROUND_UP((Size) n, NR) * nb * sizeof(double), MCXT_ALLOC_HUGE);
	w.dinv = palloc((Size) nb * nb * sizeof(double));
	w.dp = palloc(ROUND_UP((Size) nb, NR) * nb * sizeof(double));
	for (int k0 = 0; k0 < n; k0 += nb)
	{
		int			failed;

		CHECK_FOR_INTERRUPTS();
		failed = sweep_block(a, n, k0, Min(nb, n - k0), &w);
		if (failed != 0)
			return failed;
	}
	/* the sweeps leave −A⁻¹ */
	for (int j = 0; j < n; j++)
		for (int i = j; i < n; i++)
			AT(a, n, i, j) = -AT(a, n, i, j);
	pfree(w.u);
	pfree(w.ap);
	pfree(w.bp);
	pfree(w.dinv);
	pfree(w.dp);
	return 0;
}
