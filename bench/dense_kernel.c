/*
 * dense_kernel.c
 *	  Times ecomai's fused cosine kernel (src/dense_kernels.h) against three
 *	  OpenBLAS cblas_ddot calls (and, for float4, cblas_dsdot), for vector
 *	  lengths from 8 to 16384: the measurement behind dense.c's choice between
 *	  the loop and BLAS.  The last column is dsdot's relative error against a
 *	  long-double sum: nonzero at 1e-7 means it accumulates in single precision.
 *
 *	  cc -O2 -ftree-vectorize -Isrc $(pkg-config --cflags openblas) bench/dense_kernel.c \
 *	     $(pkg-config --libs openblas) -o /tmp/dense_kernel && OPENBLAS_NUM_THREADS=1 /tmp/dense_kernel
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

#include "dense_kernels.h"

typedef double float8;
typedef float float4;

DEFINE_FUSED(f8, float8)
DEFINE_FUSED(f4, float4)

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(void)
{
	static const int lengths[] = {8, 16, 32, 48, 64, 96, 128, 512, 2048, 16384};
	volatile double sink = 0;

	openblas_set_num_threads(1);
	printf("%8s %14s %14s %8s %14s %14s %8s %12s\n", "length", "f8 loop ns", "f8 ddot ns", "ddot/loop",
		   "f4 loop ns", "f4 dsdot ns", "dsdot/loop", "dsdot relerr");
	for (int li = 0; li < (int) (sizeof(lengths) / sizeof(lengths[0])); li++)
	{
		int			n = lengths[li];
		long		reps = 20000000L / n + 1000;
		double	   *a = malloc(sizeof(double) * n);
		double	   *b = malloc(sizeof(double) * n);
		float	   *af = malloc(sizeof(float) * n);
		float	   *bf = malloc(sizeof(float) * n);
		double		t0, t_loop, t_blas, t_loop4, t_blas4;

		for (int i = 0; i < n; i++)
		{
			a[i] = (double) rand() / RAND_MAX - 0.5;
			b[i] = (double) rand() / RAND_MAX - 0.5;
			af[i] = a[i];
			bf[i] = b[i];
		}
		t0 = now_ns();
		for (long r = 0; r < reps; r++)
		{
			double		ab, aa, bb;

			a[r % n] += 1e-300;	/* keep the compiler from hoisting the call */
			fused_f8(a, b, n, 1.0, 1.0, &ab, &aa, &bb);
			sink += ab / (aa * bb);
		}
		t_loop = (now_ns() - t0) / reps;
		t0 = now_ns();
		for (long r = 0; r < reps; r++)
		{
			double		ab, aa, bb;

			a[r % n] += 1e-300;
			ab = cblas_ddot(n, a, 1, b, 1);
			aa = cblas_ddot(n, a, 1, a, 1);
			bb = cblas_ddot(n, b, 1, b, 1);
			sink += ab / (aa * bb);
		}
		t_blas = (now_ns() - t0) / reps;
		t0 = now_ns();
		for (long r = 0; r < reps; r++)
		{
			double		ab, aa, bb;

			af[r % n] += 1e-30f;
			fused_f4(af, bf, n, 1.0, 1.0, &ab, &aa, &bb);
			sink += ab / (aa * bb);
		}
		t_loop4 = (now_ns() - t0) / reps;
		t0 = now_ns();
		for (long r = 0; r < reps; r++)
		{
			double		ab, aa, bb;

			af[r % n] += 1e-30f;
			ab = cblas_dsdot(n, af, 1, bf, 1);
			aa = cblas_dsdot(n, af, 1, af, 1);
			bb = cblas_dsdot(n, bf, 1, bf, 1);
			sink += ab / (aa * bb);
		}
		t_blas4 = (now_ns() - t0) / reps;
		{
			long double exact = 0;

			for (int i = 0; i < n; i++)
				exact += (long double) af[i] * bf[i];
			printf("%8d %14.1f %14.1f %8.2f %14.1f %14.1f %8.2f %12.1e\n", n, t_loop, t_blas, t_blas / t_loop,
				   t_loop4, t_blas4, t_blas4 / t_loop4,
				   (double) fabsl((cblas_dsdot(n, af, 1, bf, 1) - exact) / exact));
		}
		free(a);
		free(b);
		free(af);
		free(bf);
	}
	return sink == 42.0;
}
