/*
 * dense_kernels.h
 *	  The arithmetic kernels of dense.c, free of PostgreSQL headers so that
 *	  bench/dense_kernel.c can time exactly the same code against OpenBLAS.
 */
#ifndef DENSE_KERNELS_H
#define DENSE_KERNELS_H

/*
 * One fused pass: sum(a*b), sum(a*a), sum(b*b), each over four interleaved
 * accumulators.  sa and sb scale the elements (1 on the fast path).
 */
#define DEFINE_FUSED(SUFFIX, T) \
static void \
fused_##SUFFIX(const T *a, const T *b, int n, double sa, double sb, \
			   double *ab, double *aa, double *bb) \
{ \
	double		d0 = 0, d1 = 0, d2 = 0, d3 = 0; \
	double		x0 = 0, x1 = 0, x2 = 0, x3 = 0; \
	double		y0 = 0, y1 = 0, y2 = 0, y3 = 0; \
	int			i = 0; \
	for (; i + 4 <= n; i += 4) \
	{ \
		double		a0 = a[i] * sa, a1 = a[i + 1] * sa, a2 = a[i + 2] * sa, a3 = a[i + 3] * sa; \
		double		b0 = b[i] * sb, b1 = b[i + 1] * sb, b2 = b[i + 2] * sb, b3 = b[i + 3] * sb; \
		d0 += a0 * b0; d1 += a1 * b1; d2 += a2 * b2; d3 += a3 * b3; \
		x0 += a0 * a0; x1 += a1 * a1; x2 += a2 * a2; x3 += a3 * a3; \
		y0 += b0 * b0; y1 += b1 * b1; y2 += b2 * b2; y3 += b3 * b3; \
	} \
	for (; i < n; i++) \
	{ \
		double		ai = a[i] * sa, bi = b[i] * sb; \
		d0 += ai * bi; x0 += ai * ai; y0 += bi * bi; \
	} \
	*ab = (d0 + d1) + (d2 + d3); \
	*aa = (x0 + x1) + (x2 + x3); \
	*bb = (y0 + y1) + (y2 + y3); \
}

/* sum((a-b)^2) with scaling, four accumulators. */
#define DEFINE_DIFF(SUFFIX, T) \
static double \
diff_sq_##SUFFIX(const T *a, const T *b, int n, double s) \
{ \
	double		s0 = 0, s1 = 0, s2 = 0, s3 = 0; \
	int			i = 0; \
	for (; i + 4 <= n; i += 4) \
	{ \
		double		e0 = (a[i] * s) - (b[i] * s), e1 = (a[i + 1] * s) - (b[i + 1] * s); \
		double		e2 = (a[i + 2] * s) - (b[i + 2] * s), e3 = (a[i + 3] * s) - (b[i + 3] * s); \
		s0 += e0 * e0; s1 += e1 * e1; s2 += e2 * e2; s3 += e3 * e3; \
	} \
	for (; i < n; i++) \
	{ \
		double		e = (a[i] * s) - (b[i] * s); \
		s0 += e * e; \
	} \
	return (s0 + s1) + (s2 + s3); \
}

#endif							/* DENSE_KERNELS_H */
