/*
 * cf_score.c
 *	  The cf_score aggregate: scores one candidate item from the rows that
 *	  join a user's items to the neighbour table, as
 *	  score = sum(similarity * value), and remembers which of the user's
 *	  items contributed most (the "because you bought ..." of a shop).
 *
 * The state is a float8[] of seven elements, an ordinary array so that
 * parallel workers and Citus shards can ship it as text:
 *   {rows, sum(similarity * value), sum(|similarity|), has_because,
 *    best contribution, because id high 32 bits, because id low 32 bits}.
 * The id is split in two halves because a double holds every 32-bit integer
 * exactly but not every 64-bit one.  The best contribution is the largest
 * similarity * value, ties going to the smaller id, so that the answer does
 * not depend on the order in which rows or partial states arrive.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/float.h"

#include "agg_state.h"
#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_cf_score_accum);
PG_FUNCTION_INFO_V1(ecomai_cf_score_combine);
PG_FUNCTION_INFO_V1(ecomai_cf_score_final);

#define CF_STATE_LEN 7

enum
{
	ST_ROWS, ST_SCORE, ST_WEIGHT, ST_HAS_BECAUSE, ST_BEST, ST_ID_HI, ST_ID_LO
};

static void
bad_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid cf_score state"),
			 errdetail("%s", detail)));
}

/* Validate a state (it may have come through text from another node). */
static double *
cf_state_values(ArrayType *state)
{
	double	   *s = ecomai_float8_state_values(state, CF_STATE_LEN, CF_STATE_LEN, NULL);

	if (s == NULL)
		bad_state("The state must be a float8[] of seven elements without nulls.");
	for (int i = 0; i < CF_STATE_LEN; i++)
		if (!isfinite(s[i]))
			bad_state("Every element of the state must be finite.");
	if (!ecomai_state_count_valid(s[ST_ROWS]))
		bad_state("The row count must be a positive whole number.");
	if (s[ST_WEIGHT] < 0)
		bad_state("The similarity weight must not be negative.");
	if (s[ST_HAS_BECAUSE] != 0 && s[ST_HAS_BECAUSE] != 1)
		bad_state("The has_because flag must be 0 or 1.");
	if (s[ST_ID_HI] != floor(s[ST_ID_HI]) || s[ST_ID_HI] < -2147483648.0 || s[ST_ID_HI] > 2147483647.0 ||
		s[ST_ID_LO] != floor(s[ST_ID_LO]) || s[ST_ID_LO] < 0 || s[ST_ID_LO] > 4294967295.0)
		bad_state("The because id halves must be a signed and an unsigned 32-bit whole number.");
	return s;
}

static int64
state_because(const double *s)
{
	return (int64) (((uint64) (int64) s[ST_ID_HI] << 32) | (uint64) s[ST_ID_LO]);
}

static void
set_because(double *s, int64 id, double contribution)
{
	s[ST_HAS_BECAUSE] = 1;
	s[ST_BEST] = contribution;
	s[ST_ID_HI] = (double) (int32) (id >> 32);
	s[ST_ID_LO] = (double) (uint32) ((uint64) id & 0xffffffff);
}

/* Does (contribution, id) beat the state's current explanation? */
static bool
beats(const double *s, double contribution, int64 id)
{
	if (s[ST_HAS_BECAUSE] == 0)
		return true;
	if (contribution != s[ST_BEST])
		return contribution > s[ST_BEST];
	return id < state_because(s);
}

static void
check_sums(const double *s)
{
	if (!isfinite(s[ST_SCORE]) || !isfinite(s[ST_WEIGHT]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cf_score is out of range for type double precision")));
}

/*
 * Transition: add similarity * value to the score; the source item (may be
 * NULL: then it cannot be the explanation) competes to be "because".
 */
Datum
ecomai_cf_score_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ArrayType  *state;
	double	   *s;
	double		sim;
	double		value;
	double		contribution;

	aggcontext = ecomai_aggregate_context(fcinfo, "cf_score_accum");
	if (!ecomai_agg_finite_pair(fcinfo, "similarity", "value", &sim, &value))
		ECOMAI_AGG_KEEP_STATE();

	if (PG_ARGISNULL(0))
		state = ecomai_float8_state_new(aggcontext, CF_STATE_LEN);
	else
	{
		state = PG_GETARG_ARRAYTYPE_P(0);
		(void) cf_state_values(state);
	}
	s = (double *) ARR_DATA_PTR(state);
	contribution = sim * value;
	s[ST_ROWS] += 1;
	s[ST_SCORE] += contribution;
	s[ST_WEIGHT] += fabs(sim);
	check_sums(s);
	if (!PG_ARGISNULL(3) && beats(s, contribution, PG_GETARG_INT64(3)))
		set_because(s, PG_GETARG_INT64(3), contribution);
	PG_RETURN_ARRAYTYPE_P(state);
}

/* Combine two partial states: add the sums, keep the better explanation. */
Datum
ecomai_cf_score_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ArrayType  *s1;
	double	   *a;
	const double *b;

	aggcontext = ecomai_aggregate_context(fcinfo, "cf_score_combine");
	if (PG_ARGISNULL(1))
		ECOMAI_AGG_KEEP_STATE();
	b = cf_state_values(PG_GETARG_ARRAYTYPE_P(1));
	if (PG_ARGISNULL(0))
	{
		/* copy: the second state belongs to someone else */
		s1 = ecomai_float8_state_copy(aggcontext, b, CF_STATE_LEN);
		PG_RETURN_ARRAYTYPE_P(s1);
	}
	s1 = PG_GETARG_ARRAYTYPE_P(0);
	a = cf_state_values(s1);
	a[ST_ROWS] += b[ST_ROWS];
	a[ST_SCORE] += b[ST_SCORE];
	a[ST_WEIGHT] += b[ST_WEIGHT];
	if (a[ST_ROWS] > ECOMAI_MAX_EXACT_COUNT)
		bad_state("The row count overflowed.");
	check_sums(a);
	if (b[ST_HAS_BECAUSE] == 1 && beats(a, b[ST_BEST], state_because(b)))
		set_because(a, state_because(b), b[ST_BEST]);
	PG_RETURN_ARRAYTYPE_P(s1);
}

/* The result row (score, because, support, weight); NULL when no row was seen. */
Datum
ecomai_cf_score_final(PG_FUNCTION_ARGS)
{
	const double *s;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = cf_state_values(PG_GETARG_ARRAYTYPE_P(0));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "cf_score_final must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Float8GetDatum(s[ST_SCORE]);
	if (s[ST_HAS_BECAUSE] == 1)
		values[1] = Int64GetDatum(state_because(s));
	else
		nulls[1] = true;
	values[2] = Int64GetDatum((int64) s[ST_ROWS]);
	values[3] = Float8GetDatum(s[ST_WEIGHT]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
