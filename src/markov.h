/*
 * markov.h
 *	  The markov_chain type shared by markov.c (type, I/O, aggregates) and
 *	  markov_algebra.c (probabilities, stationary distribution, absorption,
 *	  attribution).
 *
 * A chain is a state dictionary and weighted transitions.  On disk it is one
 * varlena in canonical form: states sorted by their bytes, transitions sorted
 * by (from, to), every state used by some transition, every weight finite and
 * positive, padding zeroed.  Equal chains therefore have equal bytes and
 * equal text.  Probabilities are never stored: a row is normalised by its
 * total when queried, after the chain's Laplace smoothing (if any).
 */
#ifndef ECOMAI_MARKOV_H
#define ECOMAI_MARKOV_H

#include "postgres.h"

#include "fmgr.h"

#define MARKOV_VERSION		1
#define MARKOV_MAX_ORDER	16
#define MARKOV_MAX_STATES	(64 * 1024 * 1024)
#define MARKOV_START		"(start)"
/* separator of the pages of a higher-order state, and of channels in a path string */
#define MARKOV_SEP			" > "

/* The flat, canonical form.  Arrays follow the header in this order. */
typedef struct MarkovChain
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint16		version;		/* MARKOV_VERSION */
	uint16		order;			/* pages per state: 1 for a first-order chain */
	int32		nstates;
	int32		ntrans;
	int32		namebytes;		/* bytes of the NUL-terminated names */
	int32		reserved;		/* zero: the padding before smoothing, named so that
								 * an initialiser zeroes it and the bytes stay canonical */
	float8		smoothing;		/* Laplace alpha added to observed rows at query time */
	/* float8 weight[ntrans]; int32 from[ntrans]; int32 to[ntrans]; */
	/* int32 nameoff[nstates]; char names[namebytes] */
} MarkovChain;

#define MC_WEIGHT(m)	((float8 *) ((char *) (m) + MAXALIGN(sizeof(MarkovChain))))
#define MC_FROM(m)		((int32 *) (MC_WEIGHT(m) + (m)->ntrans))
#define MC_TO(m)		(MC_FROM(m) + (m)->ntrans)
#define MC_NAMEOFF(m)	(MC_TO(m) + (m)->ntrans)
#define MC_NAMES(m)		((char *) (MC_NAMEOFF(m) + (m)->nstates))
#define MC_NAME(m, i)	(MC_NAMES(m) + MC_NAMEOFF(m)[i])

#define DatumGetMarkovChain(d)	((MarkovChain *) PG_DETOAST_DATUM(d))
#define PG_GETARG_MARKOV(n)		DatumGetMarkovChain(PG_GETARG_DATUM(n))

/* A transition before canonicalisation. */
typedef struct MarkovTriple
{
	int32		from;
	int32		to;
	float8		weight;
} MarkovTriple;

/*
 * Build the canonical chain from states (NUL-terminated names, any order)
 * and transitions indexing them.  With merge, equal names become one state
 * and duplicate transitions add up; without, they are errors with SQLSTATE
 * sqlstate (22P02 for text input, 22P03 for binary, 22023 for arguments).
 * Weights must be finite and positive; states no transition uses are dropped.
 */
extern MarkovChain *ecomai_markov_build(int order, double smoothing,
										int nstates, char **names,
										int ntrans, MarkovTriple *triples,
										bool merge, int sqlstate);

/* qsort_arg comparator: int indexes into the char ** arg, by the names' bytes. */
extern int	ecomai_markov_cmp_name_index(const void *a, const void *b, void *arg);

/* qsort comparator: MarkovTriples by (from, to). */
extern int	ecomai_markov_cmp_triple(const void *a, const void *b);

/* Index of a state name in a chain (binary search), or -1. */
extern int	ecomai_markov_find(const MarkovChain *m, const char *name);

/* Index of a state name in a chain; ERROR 22023 naming it (and a few known states) if absent. */
extern int	ecomai_markov_lookup(const MarkovChain *m, const char *name);

/* ERROR 22023 "unknown WHAT "name"", detail listing a few of the chain's states. */
extern void ecomai_markov_unknown_state(const MarkovChain *m, const char *name, const char *what) pg_attribute_noreturn();

/*
 * Split a path string "a > b > c" into channels (trimmed; an empty channel is
 * an error), collapsing consecutive repeats when collapse is set.  Returns the
 * count; *out gets palloc'd NUL-terminated copies.
 */
extern int	ecomai_markov_split_path(const char *path, bool collapse, char ***out);

/*
 * A non-negative count argument (conversions, nulls, a value): NULL counts
 * as 0; negative, NaN or infinite is ERROR 22023 "WHAT must be finite and
 * non-negative".
 */
extern double ecomai_markov_count_arg(FunctionCallInfo fcinfo, int argno, const char *what);

/*
 * The state names of a path of pages for a chain of the given order: names[0]
 * is "(start)", names[t] the last min(t, order) pages joined by " > ".
 */
extern char **ecomai_markov_path_states(char **pages, int npages, int order);

/*
 * Markov removal effects of every channel of a chain (markov_algebra.c): the
 * channels sorted by name, their removal effects and value removal effects
 * (0 when the conversion probability is 0), P and Pv, the observed
 * conversions and value.  v (a value chain) may be NULL.
 */
typedef struct MarkovAttribution
{
	int			nch;
	const char **channel;
	double	   *re;
	double	   *rev;
	double		P;
	double		Pv;
	double		sum_re;
	double		total_conv;		/* scaled by 2^-conv_exp when the sum overflows */
	int			conv_exp;
	double		total_value;
} MarkovAttribution;

extern void ecomai_markov_attribution_compute(const MarkovChain *m, const char *convname,
											  const char *nullname, const MarkovChain *v,
											  MarkovAttribution *res);

/* The standard normal quantile of p in (0, 1) (markov_confidence.c). */
extern double ecomai_normal_quantile(double p);

#endif							/* ECOMAI_MARKOV_H */
