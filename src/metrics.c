/*
 * metrics.c
 *	  Evaluation of recommenders: the rmse and mae aggregates over
 *	  (estimate, actual) pairs, the per-user ranking metrics precision@k,
 *	  recall@k, nDCG@k, hit rate@k and average precision@k over arrays of
 *	  item ids, and the seeded hash that makes train/test splits
 *	  reproducible.
 *
 * The error aggregates keep a float8[] state: mae {row count, sum of absolute
 * errors}, rmse {row count, scaled sum of squared errors, binary exponent e}
 * with sum of squares = scaled sum * 2^(2e), so that squares of errors below
 * 1e-154 or above 1e154 neither underflow to 0 nor overflow (the scaling is
 * by powers of two, hence exact: for ordinary errors the result is bit for
 * bit the plain sum's).  A two-element rmse state (ecomai 0.2.0) reads as
 * e = 0.  Ordinary arrays, so that Citus can ship partial states as text
 * (float8 output is shortest-exact) and parallel workers can combine them.  The
 * ranking metrics are plain functions, averaged over users with avg().
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

#include "agg_state.h"
#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_rmse_accum);
PG_FUNCTION_INFO_V1(ecomai_mae_accum);
PG_FUNCTION_INFO_V1(ecomai_error_combine);
PG_FUNCTION_INFO_V1(ecomai_rmse_final);
PG_FUNCTION_INFO_V1(ecomai_mae_final);
PG_FUNCTION_INFO_V1(ecomai_precision_at_k);
PG_FUNCTION_INFO_V1(ecomai_recall_at_k);
PG_FUNCTION_INFO_V1(ecomai_ndcg_at_k);
PG_FUNCTION_INFO_V1(ecomai_hit_rate_at_k);
PG_FUNCTION_INFO_V1(ecomai_average_precision_at_k);
PG_FUNCTION_INFO_V1(ecomai_split_fold);
PG_FUNCTION_INFO_V1(ecomai_split_uniform);

/* Row counts above 2^53 would no longer be exact in a double. */

/* ---------------------------------------------------------------------
 * rmse and mae
 * --------------------------------------------------------------------- */

/* Largest |e| of an rmse state: errors are doubles, or differences of two. */
#define MAX_ERROR_EXPONENT 1100

/* Validate an error-aggregate state, which may have come through text. */
static double *
error_state_values(ArrayType *state)
{
	double	   *s = ecomai_counted_state_values(state, 2, 3, NULL, "error aggregate",
												"The state must be a float8[] of a row count, a sum of errors and, for rmse, a scale exponent.");

	if (!(s[1] >= 0 && isfinite(s[1])))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid error aggregate state"),
				 errdetail("The sum of errors %g is not a finite non-negative number.", s[1])));
	if (ARR_DIMS(state)[0] == 3 &&
		!(s[2] == floor(s[2]) && fabs(s[2]) <= MAX_ERROR_EXPONENT))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid error aggregate state"),
				 errdetail("The scale exponent %g is not a whole number between -%d and %d.",
						   s[2], MAX_ERROR_EXPONENT, MAX_ERROR_EXPONENT)));
	return s;
}

/* The scale exponent of a state: 0 for a two-element one. */
static int
error_state_exponent(ArrayType *state)
{
	return ARR_DIMS(state)[0] == 3 ? (int) ((double *) ARR_DATA_PTR(state))[2] : 0;
}

/* A zeroed state of "len" elements in the aggregate's memory context. */
#define error_state_new(aggcontext, len) ecomai_float8_state_new((aggcontext), (len))

static void
sum_of_errors_out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("sum of errors is out of range for type double precision")));
}

/*
 * Add the scaled sum "b" (exponent eb) to s = {count, scaled sum, e}: both
 * are brought to the larger exponent (exactly, by powers of two; a sum that
 * becomes too small to matter rounds away).
 */
static void
scaled_add(double *s, double b, int eb)
{
	int			ea = (int) s[2];
	int			e = s[1] == 0 ? eb : b == 0 ? ea : Max(ea, eb);

	s[1] = ldexp(s[1], 2 * (ea - e)) + ldexp(b, 2 * (eb - e));
	s[2] = e;
	if (!isfinite(s[1]))
		sum_of_errors_out_of_range();
}

/* Add one squared error |est - act|^2 to an rmse state, scaled. */
static void
rmse_add(double *s, double est, double act)
{
	double		d = fabs(est - act);
	int			ed;

	if (d == 0)
		return;
	if (isinf(d))
	{
		/* the difference exceeds the range: halve first (exact for such values) */
		d = fabs(est * 0.5 - act * 0.5);
		(void) frexp(d, &ed);
		d = ldexp(d, -ed);
		ed++;
	}
	else
	{
		(void) frexp(d, &ed);
		d = ldexp(d, -ed);
	}
	/* d in [0.5, 1): its square is d^2 * 2^(2 ed) */
	scaled_add(s, d * d, ed);
}

/* Shared transition: add |estimate - actual| (squared, scaled, for rmse). */
static Datum
error_accum(FunctionCallInfo fcinfo, bool square, const char *name)
{
	MemoryContext aggcontext;
	ArrayType  *state;
	double	   *s;
	double		est;
	double		act;

	aggcontext = ecomai_aggregate_context(fcinfo, name);

	/* a pair with a missing side is not an observation: skip it */
	if (!ecomai_agg_finite_pair(fcinfo, "estimate", "actual", &est, &act))
		ECOMAI_AGG_KEEP_STATE();

	if (PG_ARGISNULL(0))
		state = error_state_new(aggcontext, square ? 3 : 2);
	else
	{
		state = PG_GETARG_ARRAYTYPE_P(0);
		s = error_state_values(state);
		if (square && ARR_DIMS(state)[0] == 2)
		{
			/* an old two-element rmse state: widen it (exponent 0) */
			ArrayType  *wide = error_state_new(aggcontext, 3);

			memcpy(ARR_DATA_PTR(wide), s, 2 * sizeof(float8));
			state = wide;
		}
		else if (!square && ARR_DIMS(state)[0] != 2)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid error aggregate state"),
					 errdetail("A mae state has two elements.")));
	}
	s = (double *) ARR_DATA_PTR(state);
	s[0] += 1;
	if (square)
		rmse_add(s, est, act);
	else
	{
		s[1] += fabs(est - act);
		if (!isfinite(s[1]))
			sum_of_errors_out_of_range();
	}
	PG_RETURN_ARRAYTYPE_P(state);
}

/* Transition of rmse: count the pair and add its squared error. */
Datum
ecomai_rmse_accum(PG_FUNCTION_ARGS)
{
	return error_accum(fcinfo, true, "rmse_accum");
}

/* Transition of mae: count the pair and add its absolute error. */
Datum
ecomai_mae_accum(PG_FUNCTION_ARGS)
{
	return error_accum(fcinfo, false, "mae_accum");
}

/* Combine two partial rmse or mae states (parallel workers, or shards). */
Datum
ecomai_error_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ArrayType  *s1;
	ArrayType  *s2;
	double	   *a;
	const double *b;
	int			len;

	aggcontext = ecomai_aggregate_context(fcinfo, "error_combine");
	if (PG_ARGISNULL(1))
		ECOMAI_AGG_KEEP_STATE();
	s2 = PG_GETARG_ARRAYTYPE_P(1);
	b = error_state_values(s2);
	len = ARR_DIMS(s2)[0];
	if (PG_ARGISNULL(0))
	{
		/* copy: the second state belongs to someone else */
		s1 = ecomai_float8_state_copy(aggcontext, b, len);
		PG_RETURN_ARRAYTYPE_P(s1);
	}
	s1 = PG_GETARG_ARRAYTYPE_P(0);
	a = error_state_values(s1);
	if (ARR_DIMS(s1)[0] == 2 && len == 2)
	{
		a[0] += b[0];
		a[1] += b[1];
		if (!isfinite(a[1]))
			sum_of_errors_out_of_range();
	}
	else
	{
		/* rmse states, one of them maybe an old two-element one */
		if (ARR_DIMS(s1)[0] == 2)
		{
			ArrayType  *wide = error_state_new(aggcontext, 3);

			memcpy(ARR_DATA_PTR(wide), a, 2 * sizeof(float8));
			s1 = wide;
			a = (double *) ARR_DATA_PTR(s1);
		}
		a[0] += b[0];
		scaled_add(a, b[1], error_state_exponent(s2));
	}
	if (a[0] > ECOMAI_MAX_EXACT_COUNT)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of the error aggregate is out of range")));
	PG_RETURN_ARRAYTYPE_P(s1);
}

/* Root of the mean squared error (its sum kept scaled by 2^exponent); NULL when no pair was seen. */
Datum
ecomai_rmse_final(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_ARGISNULL(0) ? NULL : PG_GETARG_ARRAYTYPE_P(0);
	const double *s;

	if (state == NULL)
		PG_RETURN_NULL();
	s = error_state_values(state);
	PG_RETURN_FLOAT8(ecomai_finite_result(ldexp(sqrt(s[1] / s[0]), error_state_exponent(state)),
										  "root mean squared error"));
}

/* Mean absolute error; NULL when no pair was seen. */
Datum
ecomai_mae_final(PG_FUNCTION_ARGS)
{
	const double *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = error_state_values(PG_GETARG_ARRAYTYPE_P(0));
	PG_RETURN_FLOAT8(s[1] / s[0]);
}

/* ---------------------------------------------------------------------
 * Ranking metrics
 * --------------------------------------------------------------------- */

/* A validated list of ids. */
typedef struct IdList
{
	int			n;
	int64	   *ids;
} IdList;

/* Check a bigint[] argument and return its elements. */
static IdList
id_list_arg(ArrayType *a, const char *what)
{
	IdList		l;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must be a one-dimensional array", what)));
	if (ARR_HASNULL(a) && array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", what)));
	if (ARR_ELEMTYPE(a) != INT8OID)
		elog(ERROR, "unexpected array element type %u", ARR_ELEMTYPE(a));
	l.n = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	l.ids = (int64 *) ARR_DATA_PTR(a);
	return l;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * The relevant set: sorted, duplicates removed, so that membership is a
 * binary search and |relevant| counts distinct items.
 */
static IdList
relevant_set(ArrayType *a)
{
	IdList		in = id_list_arg(a, "relevant");
	IdList		out;
	int			m = 0;

	out.ids = palloc(sizeof(int64) * Max(in.n, 1));
	memcpy(out.ids, in.ids, sizeof(int64) * in.n);
	qsort(out.ids, in.n, sizeof(int64), cmp_int64);
	for (int i = 0; i < in.n; i++)
		if (m == 0 || out.ids[m - 1] != out.ids[i])
			out.ids[m++] = out.ids[i];
	out.n = m;
	return out;
}

static bool
id_in(const IdList *set, int64 id)
{
	return bsearch(&id, set->ids, set->n, sizeof(int64), cmp_int64) != NULL;
}

/* The k of a metric: a positive integer. */
static int
k_arg(FunctionCallInfo fcinfo, int argno)
{
	int			k = PG_GETARG_INT32(argno);

	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k)));
	return k;
}

/* A recommended id with its position, for finding first occurrences. */
typedef struct IdPos
{
	int64		id;
	int			pos;
} IdPos;

/* By id, then by position: each id's first occurrence leads its group. */
static int
cmp_id_pos(const void *a, const void *b)
{
	const IdPos *x = (const IdPos *) a;
	const IdPos *y = (const IdPos *) b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Walk the first k recommendations and mark, per position, whether it is a
 * hit: relevant and not already recommended higher up (a repeated id counts
 * once, as in the usual definitions).  Returns the number of hits; "hit"
 * receives k flags (positions past the end of the list are misses).  The
 * relevant positions are sorted by (id, position), so that finding each id's
 * first occurrence is O(k log k), not a scan of the positions before it.
 */
static int
mark_hits(const IdList *rec, const IdList *rel, int k, bool *hit)
{
	int			hits = 0;
	int			top = Min(k, rec->n);
	int			m = 0;
	IdPos	   *cand = palloc(sizeof(IdPos) * Max(top, 1));

	for (int i = 0; i < k; i++)
		hit[i] = false;
	for (int i = 0; i < top; i++)
	{
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (id_in(rel, rec->ids[i]))
		{
			cand[m].id = rec->ids[i];
			cand[m].pos = i;
			m++;
		}
	}
	qsort(cand, m, sizeof(IdPos), cmp_id_pos);
	for (int j = 0; j < m; j++)
		if (j == 0 || cand[j].id != cand[j - 1].id)
		{
			hit[cand[j].pos] = true;
			hits++;
		}
	pfree(cand);
	return hits;
}

/* Everything a ranking metric needs: the lists, k and the hit flags. */
typedef struct RankArgs
{
	IdList		rec;
	IdList		rel;
	int			k;
	int			top;			/* positions looked at: min(k, |recommended|) */
	int			ideal;			/* most hits possible: min(k, |relevant|) */
	bool	   *hit;			/* [top] */
	int			hits;
} RankArgs;

static RankArgs
rank_args(FunctionCallInfo fcinfo)
{
	RankArgs	r;

	r.rec = id_list_arg(PG_GETARG_ARRAYTYPE_P(0), "recommended");
	r.rel = relevant_set(PG_GETARG_ARRAYTYPE_P(1));
	r.k = k_arg(fcinfo, 2);
	/* only the first k positions matter, so bound the work by the list */
	r.top = Min(r.k, r.rec.n);
	r.ideal = Min(r.k, r.rel.n);
	r.hit = palloc(sizeof(bool) * Max(r.top, 1));
	r.hits = mark_hits(&r.rec, &r.rel, r.top, r.hit);
	return r;
}

/* The gain of a hit at position pos (from 0), the seen-th hit from the top. */
typedef double (*HitGain) (int pos, int seen);

/* Sum of gain over the hits of the top k, from the top. */
static double
sum_over_hits(const RankArgs *r, HitGain gain)
{
	double		sum = 0;
	int			seen = 0;

	for (int i = 0; i < r->top; i++)
		if (r->hit[i])
			sum += gain(i, ++seen);
	return sum;
}

/* DCG: a hit at position pos is worth 1/log2(pos + 2). */
static double
discounted_gain(int pos, int seen)
{
	return 1.0 / log2(pos + 2.0);
}

/* AP: a hit is worth the precision of the list down to it. */
static double
precision_gain(int pos, int seen)
{
	return (double) seen / (pos + 1);
}

/* Share of the top k that is relevant: hits / k. */
Datum
ecomai_precision_at_k(PG_FUNCTION_ARGS)
{
	RankArgs	r = rank_args(fcinfo);

	PG_RETURN_FLOAT8((double) r.hits / r.k);
}

/* Share of the relevant items found in the top k; NULL when nothing is relevant. */
Datum
ecomai_recall_at_k(PG_FUNCTION_ARGS)
{
	RankArgs	r = rank_args(fcinfo);

	if (r.rel.n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) r.hits / r.rel.n);
}

/*
 * Normalised discounted cumulative gain with binary relevance:
 * sum over hits at position i of 1/log2(i + 1), divided by the same sum for
 * an ideal list (min(k, |relevant|) hits first).  NULL when nothing is relevant.
 */
Datum
ecomai_ndcg_at_k(PG_FUNCTION_ARGS)
{
	RankArgs	r = rank_args(fcinfo);
	double		idcg = 0;

	if (r.rel.n == 0)
		PG_RETURN_NULL();
	for (int i = 0; i < r.ideal; i++)
		idcg += discounted_gain(i, i + 1);
	PG_RETURN_FLOAT8(sum_over_hits(&r, discounted_gain) / idcg);
}

/* 1 when any of the top k is relevant, else 0. */
Datum
ecomai_hit_rate_at_k(PG_FUNCTION_ARGS)
{
	RankArgs	r = rank_args(fcinfo);

	PG_RETURN_FLOAT8(r.hits > 0 ? 1.0 : 0.0);
}

/*
 * Average precision at k: the precision at each hit's position, summed and
 * divided by min(k, |relevant|) (the usual AP@k, e.g. ml_metrics' apk).
 * NULL when nothing is relevant.
 */
Datum
ecomai_average_precision_at_k(PG_FUNCTION_ARGS)
{
	RankArgs	r = rank_args(fcinfo);

	if (r.rel.n == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(sum_over_hits(&r, precision_gain) / r.ideal);
}

/* ---------------------------------------------------------------------
 * Reproducible splits
 * --------------------------------------------------------------------- */

/*
 * A uniform number in [0, 1) fixed by (user, item, seed).  The hash is our
 * own, not PostgreSQL's, so that a split is the same on every server version
 * and platform.  Not pg_prng: a draw must depend on the pair alone, not on
 * the order in which rows arrive (a stream generator would tie each row's
 * fold to its position in the scan, and change released splits).
 */
static double
split_uniform(int64 user_id, int64 item_id, int64 seed)
{
	uint64		h;

	h = ecomai_mix64((uint64) seed + ECOMAI_GOLDEN64);
	h = ecomai_mix64(h ^ (uint64) user_id);
	h = ecomai_mix64(h ^ ((uint64) item_id + ECOMAI_GOLDEN64));
	return (double) (h >> 11) * (1.0 / 9007199254740992.0);
}

/* SQL split_uniform(user, item, seed): the pair's reproducible draw in [0, 1). */
Datum
ecomai_split_uniform(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(split_uniform(PG_GETARG_INT64(0), PG_GETARG_INT64(1), PG_GETARG_INT32(2)));
}

/* SQL split_fold(user, item, folds, seed): the pair's fold, 0 .. folds-1. */
Datum
ecomai_split_fold(PG_FUNCTION_ARGS)
{
	int32		folds = PG_GETARG_INT32(2);
	double		u;

	if (folds < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("folds must be at least 1, not %d", folds)));
	u = split_uniform(PG_GETARG_INT64(0), PG_GETARG_INT64(1), PG_GETARG_INT32(3));
	PG_RETURN_INT32(Min((int32) (u * folds), folds - 1));
}
