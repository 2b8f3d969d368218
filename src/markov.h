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

/* Index of a state name in a chain (binary search), or -1. */
extern int	ecomai_markov_find(const MarkovChain *m, const char *name);

/* Index of a state name in a chain; ERROR 22023 naming it (and a few known states) if absent. */
extern int	ecomai_markov_lookup(const MarkovChain *m, const char *name);

/*
 * Split a path string "a > b > c" into channels (trimmed; an empty channel is
 * an error), collapsing consecutive repeats when collapse is set.  Returns the
 * count; *out gets palloc'd NUL-terminated copies.
 */
extern int	ecomai_markov_split_path(const char *path, bool collapse, char ***out);

#endif							/* ECOMAI_MARKOV_H */
