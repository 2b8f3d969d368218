/*
 * dense.c
 *	  Similarity of dense vectors stored as float8[] or float4[]: cosine
 *	  similarity and distance, dot product, Euclidean norm and distance, and
 *	  the element-wise aggregates vector_sum and vector_avg.
 *
 * Every function makes one fused pass in double that also bounds its own
 * rounding error; when the bound cannot guarantee the result (products
 * that cancel, as for nearly orthogonal vectors, or very long vectors) the
 * sums are recomputed in long double (see dense_kernels.h).  Results stay
 * within 1e-12 relative of an exact reference unless the products cancel
 * by more than about 1.8e7 / (n + 1), where the long double pass's
 * absolute bound, (n + 1) * 2^-64 * sum|a*b|, holds instead.  OpenBLAS's
 * ddot is faster for long vectors (bench/dense_kernel.c) but gives no such
 * guarantee, and its dsdot accumulates float4 products in single precision
 * here; the loop costs less than detoasting the arrays (bench/dense.sh).
 * Non-finite input and overflow are detected from the sums, so the common
 * case pays no per-element test; only then is a second, careful pass made.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "dense_kernels.h"
#include "agg_state.h"
#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_cosine_similarity_f8);
PG_FUNCTION_INFO_V1(ecomai_cosine_similarity_f4);
PG_FUNCTION_INFO_V1(ecomai_cosine_distance_f8);
PG_FUNCTION_INFO_V1(ecomai_cosine_distance_f4);
PG_FUNCTION_INFO_V1(ecomai_dot_product_f8);
PG_FUNCTION_INFO_V1(ecomai_dot_product_f4);
PG_FUNCTION_INFO_V1(ecomai_l2_distance_f8);
PG_FUNCTION_INFO_V1(ecomai_l2_distance_f4);
PG_FUNCTION_INFO_V1(ecomai_l2_norm_f8);
PG_FUNCTION_INFO_V1(ecomai_l2_norm_f4);
PG_FUNCTION_INFO_V1(ecomai_vector_accum);
PG_FUNCTION_INFO_V1(ecomai_vector_combine);
PG_FUNCTION_INFO_V1(ecomai_vector_sum_final);
PG_FUNCTION_INFO_V1(ecomai_vector_avg_final);


/* Squares below this may have lost precision to underflow: recompute scaled. */
#define TINY_SUM_OF_SQUARES 1e-290

/* A validated one-dimensional vector argument. */
typedef struct DenseVec
{
	int			n;
	const void *data;
} DenseVec;

/* Check that an array is usable as a vector and return its length and data. */
static DenseVec
dense_arg(ArrayType *a, Oid elemtype)
{
	DenseVec	v;

	if (ARR_NDIM(a) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least one element")));
	if (ARR_NDIM(a) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must be a one-dimensional array, not %d-dimensional", ARR_NDIM(a))));
	if (ARR_HASNULL(a) && array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("vector must not contain nulls")));
	if (ARR_ELEMTYPE(a) != elemtype)
		elog(ERROR, "unexpected array element type %u", ARR_ELEMTYPE(a));
	v.n = ARR_DIMS(a)[0];
	v.data = ARR_DATA_PTR(a);
	return v;
}

/* Both vectors must have the same length. */
static void
check_same_length(DenseVec a, DenseVec b)
{
	if (a.n != b.n)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", a.n, b.n)));
}

/* Report the first NaN or infinite element, if any. */
#define DEFINE_CHECK_FINITE(SUFFIX, T) \
static void \
check_finite_##SUFFIX(const T *x, int n, const char *which) \
{ \
	for (int i = 0; i < n; i++) \
	{ \
		if (!isfinite((double) x[i])) \
			ereport(ERROR, \
					(errcode(ERRCODE_DATA_EXCEPTION), \
					 errmsg("vector elements must be finite, not %s", \
							float8out_internal((double) x[i])), \
					 errdetail("Element %d of the %s vector is %s.", i + 1, which, \
							   float8out_internal((double) x[i])))); \
	} \
}

/*
 * The binary exponent e of the largest absolute element, max|x| = f * 2^e
 * with f in [0.5, 1) (0 for a zero vector): multiplying by 2^-e rescales
 * exactly, so that sums neither over- nor underflow.  The exponent, not the
 * power itself, because 2^e need not be a double (2^1024 for 1e308).
 */
#define DEFINE_MAX_EXP(SUFFIX, T) \
static int \
max_exp_##SUFFIX(const T *x, int n) \
{ \
	double		m = 0.0; \
	int			e; \
	for (int i = 0; i < n; i++) \
		m = Max(m, fabs((double) x[i])); \
	if (m == 0.0) \
		return 0; \
	(void) frexp(m, &e); \
	return e; \
}

DEFINE_CHECK_FINITE(f8, float8)
DEFINE_CHECK_FINITE(f4, float4)
DEFINE_MAX_EXP(f8, float8)
DEFINE_MAX_EXP(f4, float4)
DEFINE_FUSED_FAST(f8, float8)
DEFINE_FUSED_FAST(f4, float4)
DEFINE_FUSED_SCALED(f8, float8)
DEFINE_FUSED_SCALED(f4, float4)
DEFINE_FUSED_CAREFUL(f8, float8)
DEFINE_FUSED_CAREFUL(f4, float4)
DEFINE_DOT_CAREFUL(f8, float8)
DEFINE_DOT_CAREFUL(f4, float4)
DEFINE_DIFF(f8, float8)
DEFINE_DIFF(f4, float4)
DEFINE_DIFF_SCALED(f8, float8)
DEFINE_DIFF_SCALED(f4, float4)

/* The quantities every two-vector function needs, computed once, exactly scaled. */
typedef EcomaiPairSums PairSums;

/*
 * Rounding-error bound of the fast pass, relative to sum|a*b| (or to the sums
 * of squares): with four accumulators each product passes through at most
 * m = n/4 + 3 roundings, so the error is at most gamma_m = m*u/(1 - m*u)
 * times that sum (Higham, Accuracy and Stability of Numerical Algorithms,
 * ch. 3).
 */
static double
fast_pass_gamma(int n)
{
	double		m = n / 4 + 3;

	return m * (DBL_EPSILON / 2) / (1 - m * (DBL_EPSILON / 2));
}

/*
 * The slow paths' first step: ERROR 22000 when an element of a or b is
 * infinite or NaN, else the binary exponents of their largest elements.
 */
static void
finite_exponents(DenseVec a, DenseVec b, bool is_f8, int *exp_a, int *exp_b)
{
	if (is_f8)
	{
		check_finite_f8(a.data, a.n, "first");
		check_finite_f8(b.data, b.n, "second");
		*exp_a = max_exp_f8(a.data, a.n);
		*exp_b = max_exp_f8(b.data, b.n);
	}
	else
	{
		check_finite_f4(a.data, a.n, "first");
		check_finite_f4(b.data, b.n, "second");
		*exp_a = max_exp_f4(a.data, a.n);
		*exp_b = max_exp_f4(b.data, b.n);
	}
}

static PairSums
pair_sums(DenseVec a, DenseVec b, bool is_f8)
{
	PairSums	s = {0};
	double		abs_ab;
	long double ab;

	check_same_length(a, b);
	if (is_f8)
		fused_fast_f8(a.data, b.data, a.n, &s.ab, &s.aa, &s.bb, &abs_ab);
	else
		fused_fast_f4(a.data, b.data, a.n, &s.ab, &s.aa, &s.bb, &abs_ab);

	if (likely(isfinite(abs_ab) && isfinite(s.aa) && isfinite(s.bb) &&
			   s.aa > TINY_SUM_OF_SQUARES &&
			   s.bb > TINY_SUM_OF_SQUARES))
	{
		double		gamma = fast_pass_gamma(a.n);

		/* the norms cannot cancel: gamma itself is their relative error */
		if (likely(gamma <= 1e-14))
		{
			/*
			 * The dot product can: keep it if certainly within 5e-13 relative,
			 * which with the norms' error keeps the cosine within 1e-12.
			 */
			if (likely(gamma * abs_ab <= 5e-13 * fabs(s.ab)) || abs_ab == 0)
			{
				s.dot = s.ab;
				return s;
			}
			s.ab = is_f8 ? dot_careful_f8(a.data, b.data, a.n) : dot_careful_f4(a.data, b.data, a.n);
			s.dot = s.ab;
			return s;
		}
		/* a very long vector: everything in long double */
		if (is_f8)
			fused_careful_f8(a.data, b.data, a.n, &s.ab, &s.aa, &s.bb);
		else
			fused_careful_f4(a.data, b.data, a.n, &s.ab, &s.aa, &s.bb);
		s.dot = s.ab;
		return s;
	}

	/* Slow path: reject non-finite input, else rescale so nothing over- or underflows. */
	finite_exponents(a, b, is_f8, &s.exp_a, &s.exp_b);
	if (is_f8)
		fused_scaled_f8(a.data, b.data, a.n, ldexpl(1.0L, -s.exp_a), ldexpl(1.0L, -s.exp_b),
						&ab, &s.aa, &s.bb);
	else
		fused_scaled_f4(a.data, b.data, a.n, ldexpl(1.0L, -s.exp_a), ldexpl(1.0L, -s.exp_b),
						&ab, &s.aa, &s.bb);
	s.ab = (double) ab;
	s.dot = (double) ldexpl(ab, s.exp_a + s.exp_b);
	return s;
}

/*
 * Cosine from sum(a*b), sum(a*a) and sum(b*b), or false when a vector is zero
 * (shared with the sparse vectors, so both give the same answer).
 */
bool
ecomai_cosine_from_sums(double ab, double aa, double bb, double *result)
{
	double		c;

	if (aa == 0 || bb == 0)
		return false;
	/* one square root where the product is safe: 47/sqrt(2500) is exactly 0.94 */
	if (aa * bb < DBL_MAX && aa * bb > DBL_MIN)
		c = ab / sqrt(aa * bb);
	else
		c = ab / (sqrt(aa) * sqrt(bb));
	/* rounding can carry |c| a hair past 1 */
	*result = Max(-1.0, Min(1.0, c));
	return true;
}

static bool
cosine_from_pair(PairSums s, double *result)
{
	return ecomai_cosine_from_sums(s.ab, s.aa, s.bb, result);
}

/* ERROR 22003 for a result beyond the range of double precision. */
void
ecomai_double_out_of_range(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s is out of range for type double precision", what)));
}

#define ARG_F8(i) dense_arg(PG_GETARG_ARRAYTYPE_P(i), FLOAT8OID)
#define ARG_F4(i) dense_arg(PG_GETARG_ARRAYTYPE_P(i), FLOAT4OID)

/* The float8[] and float4[] entry points NAME_f8 and NAME_f4 of a two-vector function. */
#define DEFINE_PAIR_FNS(NAME, COMMON) \
Datum \
NAME##_f8(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_FLOAT8(COMMON(ARG_F8(0), ARG_F8(1), true)); \
} \
Datum \
NAME##_f4(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_FLOAT8(COMMON(ARG_F4(0), ARG_F4(1), false)); \
}

/* cosine_similarity(a, b) and cosine_distance(a, b): NULL when either vector is zero. */
#define DEFINE_COSINE_FN(NAME, ARG, IS_F8, DISTANCE) \
Datum \
NAME(PG_FUNCTION_ARGS) \
{ \
	double		c; \
	DenseVec	a = ARG(0); \
	DenseVec	b = ARG(1); \
	if (!cosine_from_pair(pair_sums(a, b, IS_F8), &c)) \
		PG_RETURN_NULL(); \
	PG_RETURN_FLOAT8(DISTANCE ? 1.0 - c : c); \
}

DEFINE_COSINE_FN(ecomai_cosine_similarity_f8, ARG_F8, true, false)
DEFINE_COSINE_FN(ecomai_cosine_similarity_f4, ARG_F4, false, false)
DEFINE_COSINE_FN(ecomai_cosine_distance_f8, ARG_F8, true, true)
DEFINE_COSINE_FN(ecomai_cosine_distance_f4, ARG_F4, false, true)

/* dot_product(a, b) = sum(a[i]*b[i]). */
static double
dot_common(DenseVec a, DenseVec b, bool is_f8)
{
	return ecomai_finite_result(pair_sums(a, b, is_f8).dot, "dot product");
}

DEFINE_PAIR_FNS(ecomai_dot_product, dot_common)

/* l2_distance(a, b) = sqrt(sum((a[i]-b[i])^2)). */
static double
l2_distance_common(DenseVec a, DenseVec b, bool is_f8)
{
	double		ss;
	int			ea,
				eb,
				e;

	check_same_length(a, b);
	ss = is_f8 ? diff_sq_f8(a.data, b.data, a.n) : diff_sq_f4(a.data, b.data, a.n);
	if (likely(isfinite(ss) && ss > TINY_SUM_OF_SQUARES))
		return sqrt(ss);

	/* overflow, underflow or equal vectors: recompute scaled by the largest element */
	finite_exponents(a, b, is_f8, &ea, &eb);
	e = Max(ea, eb);
	ss = is_f8 ? diff_sq_scaled_f8(a.data, b.data, a.n, ldexpl(1.0L, -e)) :
		diff_sq_scaled_f4(a.data, b.data, a.n, ldexpl(1.0L, -e));
	return ecomai_finite_result(ldexp(sqrt(ss), e), "distance");
}

DEFINE_PAIR_FNS(ecomai_l2_distance, l2_distance_common)

/* l2_norm(a) = sqrt(sum(a[i]^2)). */
static double
l2_norm_common(DenseVec a, bool is_f8)
{
	PairSums	s = pair_sums(a, a, is_f8);

	return ecomai_finite_result(ldexp(sqrt(s.aa), s.exp_a), "norm");
}

Datum
ecomai_l2_norm_f8(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(l2_norm_common(ARG_F8(0), true));
}

Datum
ecomai_l2_norm_f4(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(l2_norm_common(ARG_F4(0), false));
}

/*
 * vector_sum / vector_avg aggregates.
 *
 * The state is a float8[] of length d+1: the row count, then the element
 * sums.  It is an ordinary array so that its text form travels between
 * nodes exactly (float8 output is shortest-exact), and it is updated in
 * place inside the aggregate context.
 */

/* Validate a state array (it may have come through text from another node). */
static int
vector_state_dim(ArrayType *state)
{
	int			len;

	(void) ecomai_counted_state_values(state, 2, PG_INT32_MAX, &len, "vector aggregate",
									   "The state must be a float8[] holding a row count and at least one sum.");
	return len - 1;
}

static void
check_sums_finite(const double *s, int dim)
{
	for (int i = 1; i <= dim; i++)
		if (!isfinite(s[i]))
			ecomai_double_out_of_range("vector sum");
}

/* The sums of a state that must hold dim-element vectors. */
static double *
vector_state_sums(ArrayType *state, int dim)
{
	int			state_dim = vector_state_dim(state);

	if (state_dim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", state_dim, dim)));
	return (double *) ARR_DATA_PTR(state);
}

/* Transition: add one vector to the running sums. */
Datum
ecomai_vector_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = ecomai_aggregate_context(fcinfo, "vector_accum");
	ArrayType  *state;
	DenseVec	v;
	const double *x;
	double	   *s;

	if (PG_ARGISNULL(1))
		ECOMAI_AGG_KEEP_STATE();
	v = ARG_F8(1);
	x = v.data;
	check_finite_f8(x, v.n, "input");
	if (PG_ARGISNULL(0))
	{
		state = ecomai_float8_state_new(aggcontext, v.n + 1);
		s = (double *) ARR_DATA_PTR(state);
	}
	else
	{
		state = PG_GETARG_ARRAYTYPE_P(0);
		s = vector_state_sums(state, v.n);
	}
	s[0] += 1;
	for (int i = 0; i < v.n; i++)
		s[i + 1] += x[i];
	check_sums_finite(s, v.n);
	PG_RETURN_ARRAYTYPE_P(state);
}

/* Combine two partial states (parallel workers, or shards). */
Datum
ecomai_vector_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = ecomai_aggregate_context(fcinfo, "vector_combine");
	ArrayType  *s1;
	ArrayType  *s2;
	int			dim;
	double	   *a;
	const double *b;

	if (PG_ARGISNULL(1))
		ECOMAI_AGG_KEEP_STATE();
	s2 = PG_GETARG_ARRAYTYPE_P(1);
	dim = vector_state_dim(s2);
	b = (const double *) ARR_DATA_PTR(s2);
	if (PG_ARGISNULL(0))
	{
		/* copy: the second state belongs to someone else */
		s1 = ecomai_float8_state_copy(aggcontext, b, dim + 1);
		check_sums_finite((double *) ARR_DATA_PTR(s1), dim);
		PG_RETURN_ARRAYTYPE_P(s1);
	}
	s1 = PG_GETARG_ARRAYTYPE_P(0);
	a = vector_state_sums(s1, dim);
	for (int i = 0; i <= dim; i++)
		a[i] += b[i];
	check_sums_finite(a, dim);
	PG_RETURN_ARRAYTYPE_P(s1);
}

/* The sums (divided by the row count for the average) as a float8[]. */
static Datum
vector_final(ArrayType *state, bool average)
{
	int			dim = vector_state_dim(state);
	const double *s = (const double *) ARR_DATA_PTR(state);
	Datum	   *elems = palloc(sizeof(Datum) * dim);

	for (int i = 0; i < dim; i++)
		elems[i] = Float8GetDatum(average ? s[i + 1] / s[0] : s[i + 1]);
	return PointerGetDatum(construct_array(elems, dim, FLOAT8OID, sizeof(float8),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum
ecomai_vector_sum_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(vector_final(PG_GETARG_ARRAYTYPE_P(0), false));
}

Datum
ecomai_vector_avg_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(vector_final(PG_GETARG_ARRAYTYPE_P(0), true));
}
