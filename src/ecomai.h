/*
 * ecomai.h
 *	  Declarations shared by every part of ecomai: settings, the memory bound,
 *	  and small helpers for exact text output of doubles.
 */
#ifndef ECOMAI_H
#define ECOMAI_H

#include "postgres.h"
#include "fmgr.h"
#include "lib/stringinfo.h"

/* ecomai.max_memory, in kilobytes: the bound on any one large working set. */
extern int	ecomai_max_memory_kb;

/*
 * Raise ERROR 54000 naming ecomai.max_memory when a working set of "bytes"
 * would exceed it.  "what" says what was being built, e.g. "item neighbour
 * accumulator".
 */
extern void ecomai_check_memory(Size bytes, const char *what);

/*
 * Append the shortest decimal text that reads back as exactly the same
 * double (the text form used by every ecomai type, so that states survive a
 * trip through text bit for bit).
 */
extern void ecomai_append_double(StringInfo buf, double value);

/*
 * What every two-vector function of dense.c and svec.c needs, computed once:
 * the sums over values scaled by 2^-exp (exactly; exp is 0 unless a plain sum
 * over- or underflowed), and the dot product itself, scaled back.
 */
typedef struct EcomaiPairSums
{
	double		dot;			/* sum(a*b), infinite when beyond the range */
	double		ab;				/* sum(a*b) / 2^(exp_a + exp_b) */
	double		aa;				/* sum(a*a) / 2^(2 exp_a) */
	double		bb;				/* sum(b*b) / 2^(2 exp_b) */
	int			exp_a;			/* 0, or the exponent of max|a| when rescaled */
	int			exp_b;
	int32		nshared;		/* sparse vectors: keys present in both */
} EcomaiPairSums;

/*
 * Cosine similarity from sum(a*b), sum(a*a), sum(b*b), clamped to [-1, 1];
 * false when a vector is zero (dense.c; the sparse vectors use it too).
 */
extern bool ecomai_cosine_from_sums(double ab, double aa, double bb, double *result);

/* ERROR 22003 "<what> is out of range for type double precision". */
extern void ecomai_double_out_of_range(const char *what) pg_attribute_noreturn();

/*
 * The aggregate memory context of a transition or combine function; called
 * directly from SQL rather than by its aggregate, ERROR 0A000 naming "fname".
 */
extern MemoryContext ecomai_aggregate_context(FunctionCallInfo fcinfo, const char *fname);

#endif							/* ECOMAI_H */
