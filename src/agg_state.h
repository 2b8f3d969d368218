/*
 * agg_state.h
 *	  Aggregate-state helpers shared by every ecomai aggregate: the
 *	  "skip this row" return, the ownership test of a growing expanded state,
 *	  the one memory context that holds a call site's expanded states, an
 *	  expanded object for states whose flat form is their text (bn_fit,
 *	  bn_counts), and fixed-size float8[] states (vector_sum, rmse/mae,
 *	  cf_score).
 *
 * Usage (an expanded state of its own kind, e.g. svec_agg, markov_fit):
 *		if (PG_ARGISNULL(1)) ECOMAI_AGG_KEEP_STATE();
 *		eoh = ecomai_agg_state_owned(PG_GETARG_DATUM(0), &my_methods, aggcontext);
 *		if (eoh == NULL) ... make a new one in
 *			ecomai_agg_state_context(fcinfo, aggcontext, "my states"), copying
 *			the flat state ...
 *		PG_RETURN_DATUM(EOHPGetRWDatum(eoh));
 *
 * Usage (a text-form state):
 *		static const EcomaiTextStateKind kind = {"bn_fit", print, parse,
 *			offsetof(FitState, cxt), empty_like, merge};
 *		ECOMAI_TEXT_STATE_IO(ecomai_bn_fit_state, kind)		the type's in/out/recv/send
 *		e = ecomai_text_state_for_update(PG_GETARG_DATUM(0), &kind, aggcontext);
 *		... change e->st ...
 *		PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
 */
#ifndef ECOMAI_AGG_STATE_H
#define ECOMAI_AGG_STATE_H

#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/expandeddatum.h"

/*
 * In a transition or combine function: the row (or the other state) is
 * skipped, so hand back the state of argument 0 unchanged (NULL stays NULL).
 */
#define ECOMAI_AGG_KEEP_STATE() \
	do { \
		if (PG_ARGISNULL(0)) \
			PG_RETURN_NULL(); \
		PG_RETURN_DATUM(PG_GETARG_DATUM(0)); \
	} while (0)

/*
 * The expanded object d when it may be updated in place: a read/write
 * expanded object with these methods whose context is a child of the
 * aggregate context (nodeAgg keeps such a state without copying); NULL
 * otherwise (a flat state, or one that belongs to someone else: copy it).
 */
extern ExpandedObjectHeader *ecomai_agg_state_owned(Datum d, const ExpandedObjectMethods *methods,
													MemoryContext aggcontext);

/*
 * The one child of aggcontext that holds every expanded state of this call
 * site (found through fn_extra, forgotten when aggcontext is reset), so that
 * hash aggregation does not walk one context per group.  States in it are
 * never deleted one by one: transition and combine functions must hand back
 * the object they were given.  name (a string constant) identifies the
 * context in pg_backend_memory_contexts.
 */
extern MemoryContext ecomai_agg_state_context(FunctionCallInfo fcinfo, MemoryContext aggcontext,
											  const char *name);

/* ---- states whose flat form is their canonical text ---- */

/* How to print, parse, copy and merge one kind of text state. */
typedef struct EcomaiTextStateKind
{
	const char *name;			/* the type, e.g. "bn_fit" (in messages) */
	/* append the canonical text of a state */
	void		(*print) (StringInfo buf, const void *st);
	/* parse and validate text into a new state in its own child of parent; errors use code */
	void	   *(*parse) (MemoryContext parent, const char *text, int code);
	/* offset in the state of the MemoryContext that holds it and nothing else */
	Size		cxt_offset;
	/* a new empty state compatible with src, in its own child of parent */
	void	   *(*empty_like) (MemoryContext parent, const void *src);
	/* add src into dst (compatible states) */
	void		(*merge) (void *dst, const void *src);
} EcomaiTextStateKind;

/* The expanded form: the state and a cache of its text. */
typedef struct EcomaiTextState
{
	ExpandedObjectHeader hdr;
	const EcomaiTextStateKind *kind;
	void	   *st;
	char	   *flat;			/* the text, NULL until needed after a change */
	Size		flatlen;
} EcomaiTextState;

/* Wrap a state as an expanded object living in the state's own context. */
extern EcomaiTextState *ecomai_text_state_expand(const EcomaiTextStateKind *kind, void *st);

/* Read access to a state datum: the expanded state itself, or a parsed copy. */
extern void *ecomai_text_state_read(Datum d, const EcomaiTextStateKind *kind);

/*
 * The state to update in place (its text cache dropped): d itself when we
 * own it, else an expanded copy parsed into aggcontext.
 */
extern EcomaiTextState *ecomai_text_state_for_update(Datum d, const EcomaiTextStateKind *kind,
													 MemoryContext aggcontext);

/* A state's canonical text as a varlena. */
extern text *ecomai_text_state_text(const EcomaiTextStateKind *kind, const void *st);

/* The type's I/O functions: input canonicalises, output prints, recv validates (22P03). */
extern text *ecomai_text_state_in(const EcomaiTextStateKind *kind, const char *str);
extern char *ecomai_text_state_out(const EcomaiTextStateKind *kind, Datum d);
extern text *ecomai_text_state_recv(const EcomaiTextStateKind *kind, StringInfo buf);
extern bytea *ecomai_text_state_send(const EcomaiTextStateKind *kind, Datum d);

/* The combine function of a text state (fname names it in errors). */
extern Datum ecomai_text_state_combine(FunctionCallInfo fcinfo, const EcomaiTextStateKind *kind,
									   const char *fname);

/* Define prefix_in, prefix_out, prefix_recv and prefix_send of a text-state type. */
#define ECOMAI_TEXT_STATE_IO(prefix, kind) \
Datum \
prefix##_in(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_TEXT_P(ecomai_text_state_in(&(kind), PG_GETARG_CSTRING(0))); \
} \
Datum \
prefix##_out(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_CSTRING(ecomai_text_state_out(&(kind), PG_GETARG_DATUM(0))); \
} \
Datum \
prefix##_recv(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_TEXT_P(ecomai_text_state_recv(&(kind), (StringInfo) PG_GETARG_POINTER(0))); \
} \
Datum \
prefix##_send(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BYTEA_P(ecomai_text_state_send(&(kind), PG_GETARG_DATUM(0))); \
}

/* ---- fixed-size float8[] states ---- */

/* A zeroed one-dimensional float8[] of len elements in cxt. */
extern ArrayType *ecomai_float8_state_new(MemoryContext cxt, int len);

/* A copy of the len values s as a new state in cxt (a combine's first state). */
extern ArrayType *ecomai_float8_state_copy(MemoryContext cxt, const double *s, int len);

/*
 * The values of a state that may have come through text from another node,
 * or NULL when it is not a one-dimensional float8[] without nulls of minlen
 * to maxlen elements (the caller raises its own error); *len gets the length.
 */
extern double *ecomai_float8_state_values(ArrayType *state, int minlen, int maxlen, int *len);

/*
 * The values of a state whose first element is a row count (vector_sum,
 * rmse/mae): as ecomai_float8_state_values, but a malformed state is ERROR
 * 22000 "invalid <what> state" with the detail layout (a sentence saying
 * what the state must be), or with the row count when that is not a whole
 * number from 1 to 2^53.
 */
extern double *ecomai_counted_state_values(ArrayType *state, int minlen, int maxlen, int *len,
										   const char *what, const char *layout);

/*
 * Arguments 1 and 2 of a transition function over pairs of doubles (rmse,
 * cf_score) into *x1 and *x2: false when either is NULL (the row is
 * skipped), ERROR 22000 "<name> must be finite, not <value>" naming the
 * first one that is infinite or NaN.
 */
extern bool ecomai_agg_finite_pair(FunctionCallInfo fcinfo, const char *name1, const char *name2,
								   double *x1, double *x2);

/* The largest row count a double holds exactly along with every smaller one: 2^53. */
#define ECOMAI_MAX_EXACT_COUNT 9007199254740992.0

/* Is c a row count: a whole number from 1 to 2^53? */
static inline bool
ecomai_state_count_valid(double c)
{
	return c >= 1 && c == floor(c) && c <= ECOMAI_MAX_EXACT_COUNT;
}

#endif							/* ECOMAI_AGG_STATE_H */
