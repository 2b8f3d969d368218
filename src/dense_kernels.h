/*
 * dense_kernels.h
 *	  The arithmetic kernels of dense.c, free of PostgreSQL headers so that
 *	  bench/dense_kernel.c can time exactly the same code against OpenBLAS.
 */
#ifndef DENSE_KERNELS_H
#define DENSE_KERNELS_H

#include <math.h>
#include <string.h>

/*
 * The fast pass, in double: sum(a*b), sum(a*a), sum(b*b) and sum(|a*b|) (the
 * last bounds the rounding error of the first; see dense.c).  Four lanes per
 * sum, as two 2-wide vectors (GCC vector extensions: SSE2 on x86-64, NEON on
 * arm64, plain code elsewhere), so each lane adds every fourth product.
 */
typedef double dense_v2df __attribute__((vector_size(16)));
typedef long long dense_v2di __attribute__((vector_size(16)));
typedef float dense_v2sf __attribute__((vector_size(8)));

/* two consecutive elements as doubles, from any alignment */
static inline dense_v2df
dense_load2_f8(const double *p)
{
	dense_v2df	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline dense_v2df
dense_load2_f4(const float *p)
{
	dense_v2sf	v;

	memcpy(&v, p, sizeof(v));
	return __builtin_convertvector(v, dense_v2df);
}

static inline double
dense_hsum(dense_v2df u, dense_v2df v)
{
	dense_v2df	w = u + v;

	return w[0] + w[1];
}

#define DEFINE_FUSED_FAST(SUFFIX, T) \
static void \
fused_fast_##SUFFIX(const T *a, const T *b, int n, \
					double *ab, double *aa, double *bb, double *abs_ab) \
{ \
	const dense_v2di nosign = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL}; \
	dense_v2df	d0 = {0, 0}, d1 = {0, 0}, x0 = {0, 0}, x1 = {0, 0}; \
	dense_v2df	y0 = {0, 0}, y1 = {0, 0}, z0 = {0, 0}, z1 = {0, 0}; \
	double		dt = 0, xt = 0, yt = 0, zt = 0; \
	int			i = 0; \
	for (; i + 4 <= n; i += 4) \
	{ \
		dense_v2df	a0 = dense_load2_##SUFFIX(a + i), a1 = dense_load2_##SUFFIX(a + i + 2); \
		dense_v2df	b0 = dense_load2_##SUFFIX(b + i), b1 = dense_load2_##SUFFIX(b + i + 2); \
		dense_v2df	p0 = a0 * b0, p1 = a1 * b1; \
		d0 += p0; d1 += p1; \
		z0 += (dense_v2df) ((dense_v2di) p0 & nosign); \
		z1 += (dense_v2df) ((dense_v2di) p1 & nosign); \
		x0 += a0 * a0; x1 += a1 * a1; \
		y0 += b0 * b0; y1 += b1 * b1; \
	} \
	for (; i < n; i++) \
	{ \
		double		ai = a[i], bi = b[i]; \
		dt += ai * bi; zt += fabs(ai * bi); xt += ai * ai; yt += bi * bi; \
	} \
	*ab = dense_hsum(d0, d1) + dt; \
	*aa = dense_hsum(x0, x1) + xt; \
	*bb = dense_hsum(y0, y1) + yt; \
	*abs_ab = dense_hsum(z0, z1) + zt; \
}

/*
 * The scaled pass, for extreme magnitudes (a sum that overflowed, or squares
 * that underflowed): the sums accumulated in long double, one accumulator
 * each, of the elements multiplied by sa and sb, powers of two that bring the
 * largest element of each vector into [0.5, 1).  The factors are long double because they need not fit a double
 * (2^1029 for a vector of subnormals), and scaling by them is exact.  The
 * dot product stays long double: scaled, it may be far below the range of a
 * double (1e-300 * 1e300 next to 1e308 * 0) and only scaling back tells.
 */
#define DEFINE_FUSED_SCALED(SUFFIX, T) \
static void \
fused_scaled_##SUFFIX(const T *a, const T *b, int n, long double sa, long double sb, \
					  long double *ab, double *aa, double *bb) \
{ \
	long double d = 0, x = 0, y = 0; \
	for (int i = 0; i < n; i++) \
	{ \
		long double ai = (long double) a[i] * sa; \
		long double bi = (long double) b[i] * sb; \
		d += ai * bi; \
		x += ai * ai; \
		y += bi * bi; \
	} \
	*ab = d; \
	*aa = (double) x; \
	*bb = (double) y; \
}

/*
 * The careful pass: the same sums accumulated in long double, which is the
 * scaled pass with both factors 1 (exact; the compiler drops the products by
 * 1).  Used when the fast pass cannot guarantee its result (cancellation,
 * long vectors).  One accumulator each: more would spill the x87
 * eight-register stack (measured several times slower).
 */
#define DEFINE_FUSED_CAREFUL(SUFFIX, T) \
static void \
fused_careful_##SUFFIX(const T *a, const T *b, int n, \
					   double *ab, double *aa, double *bb) \
{ \
	long double d; \
	fused_scaled_##SUFFIX(a, b, n, 1.0L, 1.0L, &d, aa, bb); \
	*ab = (double) d; \
}

/*
 * sum(a*b) alone in long double, two chains (four x87 registers): the fast
 * pass's norms are accurate, only its dot product can lose to cancellation.
 */
#define DEFINE_DOT_CAREFUL(SUFFIX, T) \
static double \
dot_careful_##SUFFIX(const T *a, const T *b, int n) \
{ \
	long double d0 = 0, d1 = 0; \
	int			i = 0; \
	for (; i + 2 <= n; i += 2) \
	{ \
		d0 += (long double) a[i] * b[i]; \
		d1 += (long double) a[i + 1] * b[i + 1]; \
	} \
	if (i < n) \
		d0 += (long double) a[i] * b[i]; \
	return (double) (d0 + d1); \
}

/* sum((a-b)^2), four accumulators. */
#define DEFINE_DIFF(SUFFIX, T) \
static double \
diff_sq_##SUFFIX(const T *a, const T *b, int n) \
{ \
	double		s0 = 0, s1 = 0, s2 = 0, s3 = 0; \
	int			i = 0; \
	for (; i + 4 <= n; i += 4) \
	{ \
		double		e0 = (double) a[i] - b[i], e1 = (double) a[i + 1] - b[i + 1]; \
		double		e2 = (double) a[i + 2] - b[i + 2], e3 = (double) a[i + 3] - b[i + 3]; \
		s0 += e0 * e0; s1 += e1 * e1; s2 += e2 * e2; s3 += e3 * e3; \
	} \
	for (; i < n; i++) \
	{ \
		double		e = (double) a[i] - b[i]; \
		s0 += e * e; \
	} \
	return (s0 + s1) + (s2 + s3); \
}

/* sum((a*s - b*s)^2) in long double, s a power of two (see the scaled pass). */
#define DEFINE_DIFF_SCALED(SUFFIX, T) \
static double \
diff_sq_scaled_##SUFFIX(const T *a, const T *b, int n, long double s) \
{ \
	long double sum = 0; \
	for (int i = 0; i < n; i++) \
	{ \
		long double e = (long double) a[i] * s - (long double) b[i] * s; \
		sum += e * e; \
	} \
	return (double) sum; \
}

#endif							/* DENSE_KERNELS_H */
