/*
 * ecomai.h
 *	  Declarations shared by every part of ecomai: settings, the memory bound,
 *	  and small helpers for exact text output of doubles.
 */
#ifndef ECOMAI_H
#define ECOMAI_H

#include "postgres.h"

#include <math.h>
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
 * ERROR 22004 "<name> must not be null" for the first NULL argument among
 * those whose bit is set in required (ECOMAI_ARG(argno), ECOMAI_ARGS_BELOW(n)
 * for arguments 0 .. n - 1), named as the function's declaration names it.
 */
#define ECOMAI_ARG(argno)		(UINT64CONST(1) << (argno))
#define ECOMAI_ARGS_BELOW(n)	(ECOMAI_ARG(n) - 1)
extern void ecomai_require_args(FunctionCallInfo fcinfo, uint64 required);

/*
 * A new value of size bytes with the header_size bytes of header after its
 * length word, the rest zero (ERROR 54000 beyond the 1 GB limit of a value or
 * ecomai.max_memory; "what" names the value).
 */
extern void *ecomai_new_value(Size size, const void *header, Size header_size, const char *what);

/*
 * Append the shortest decimal text that reads back as exactly the same
 * double (the text form used by every ecomai type, so that states survive a
 * trip through text bit for bit).
 */
extern void ecomai_append_double(StringInfo buf, double value);

/*
 * Double-quoted strings of the text forms (cooccurrence, mf_model): a
 * double quote or a backslash inside is escaped with a backslash.
 * ecomai_append_quoted writes one; ecomai_read_quoted reads one at *pp,
 * returning its text (palloc'd) with *pp past the closing quote, or raises
 * the syntax error of type_name (ecomai_syntax_error, positions counted from
 * start) saying what was expected: `what` when there is no opening quote.
 */
extern void ecomai_append_quoted(StringInfo buf, const char *s);
extern char *ecomai_read_quoted(const char **pp, const char *start, const char *type_name,
								const char *what);

/*
 * ERROR 22P02 "invalid input syntax for type <type_name>" whose detail says
 * what was expected at which character of the input (at points into the
 * string that starts at start).
 */
extern void ecomai_syntax_error(const char *type_name, const char *start, const char *at,
								const char *expected) pg_attribute_noreturn();

/*
 * A Graphviz double-quoted string (bn_to_dot, markov_to_dot): as
 * ecomai_append_quoted, but each newline is written as "newline" ("\\n"
 * keeps the line break in a label, " " flattens it).
 */
extern void ecomai_append_dot_string(StringInfo buf, const char *s, const char *newline);

/*
 * The names of the values of a text option, e.g. a measure: a table ended by
 * a NULL name (several names may stand for one value).
 */
typedef struct EcomaiNamedValue
{
	const char *name;
	int			value;
} EcomaiNamedValue;

/* The value named s in table, or -1 when s names none. */
extern int	ecomai_named_value(const EcomaiNamedValue *table, const char *s);

/*
 * The value named s in table; when s names none, ERROR 22023
 * "unknown <what> "<s>"" with hint (a whole sentence listing the names).
 */
extern int	ecomai_named_value_or_error(const EcomaiNamedValue *table, const char *s,
										const char *what, const char *hint);

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

/* r itself when it is finite; otherwise ecomai_double_out_of_range(what). */
static inline double
ecomai_finite_result(double r, const char *what)
{
	if (unlikely(!isfinite(r)))
		ecomai_double_out_of_range(what);
	return r;
}

/*
 * The aggregate memory context of a transition or combine function; called
 * directly from SQL rather than by its aggregate, ERROR 0A000 naming "fname".
 */
extern MemoryContext ecomai_aggregate_context(FunctionCallInfo fcinfo, const char *fname);

/* The 64-bit golden-ratio increment of splitmix64 (2^64 / phi, odd). */
#define ECOMAI_GOLDEN64 UINT64CONST(0x9E3779B97F4A7C15)

/*
 * splitmix64's finaliser: a fixed, platform-independent, well-mixed 64-bit
 * hash of a 64-bit key.  The one mixer of ecomai (hash keys of simplehash
 * tables, reproducible splits, generator seeding): its output is part of
 * documented results (train_test_split, bn_sample), so it never changes.
 */
static inline uint64
ecomai_mix64(uint64 z)
{
	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

#endif							/* ECOMAI_H */
