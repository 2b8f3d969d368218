/*
 * cooc_pairs.h
 *	  The counting part of a growing cooccurrence model (the aggregate state
 *	  of cooccurrence.c): a buffer of baskets not yet counted, the fold that
 *	  turns them into pair sums, and the pair sums themselves, kept as sorted
 *	  runs that merge without a comparison sort.
 *
 * Items are int32 indexes into the caller's dictionary.  The fold and the
 * merge of runs need the indexes to follow the items' key order (the caller
 * renumbers its items first, and remaps the buffer and the pairs with the
 * same map).  A pair (i, j) names i before j in key order; a run is a
 * stretch of pairs strictly ascending in key order, so renumbering keeps
 * every run sorted and the canonical order of the flat model is a merge of
 * runs.  Sums of the same pair in two runs add up when they merge, the
 * earlier run's first.
 */
#ifndef ECOMAI_COOC_PAIRS_H
#define ECOMAI_COOC_PAIRS_H

#include "postgres.h"

/* Baskets (two or more distinct items, positive weights) not yet counted. */
typedef struct CoocBaskets
{
	MemoryContext cxt;
	int64		n;				/* entries */
	int64		cap;
	int32	   *item;
	double	   *w;
	int64		nbaskets;
	int64		bcap;
	int64	   *start;			/* basket b: entries start[b] .. start[b + 1] */
	bool		unit;			/* every weight is 1 (array baskets) */
} CoocBaskets;

/* Pair sums: items i, j, baskets holding both, sum of their weight products. */
typedef struct CoocPairs
{
	MemoryContext cxt;
	int64		n;
	int64		cap;
	int32	   *pi;
	int32	   *pj;
	int64	   *count;
	double	   *gram;
	int32		nruns;
	int32		runcap;
	int64	   *run_start;		/* run r: pairs run_start[r] .. run_start[r + 1] (or n) */
} CoocPairs;

/*
 * The buffer holds at most this many entries (or one basket, if larger)
 * before the caller folds it: entry offsets stay int32, and the fold's
 * scratch stays a fraction of the state.
 */
#define COOC_FOLD_ENTRIES	(1 << 24)

extern void ecomai_cooc_baskets_init(CoocBaskets *b, MemoryContext cxt);
extern Size ecomai_cooc_baskets_bytes(const CoocBaskets *b);

/* Append a basket of n >= 2 distinct items (held: the rest of the state, in bytes). */
extern void ecomai_cooc_baskets_add(CoocBaskets *b, const int32 *item, const double *w, int32 n,
									Size held);

/* Renumber the buffered items: item x becomes rank[x]. */
extern void ecomai_cooc_baskets_remap(CoocBaskets *b, const int32 *rank);

extern void ecomai_cooc_pairs_init(CoocPairs *p, MemoryContext cxt);
extern Size ecomai_cooc_pairs_bytes(const CoocPairs *p);

/* Room for more pairs in the last run. */
extern void ecomai_cooc_pairs_reserve(CoocPairs *p, int64 more, Size held);

/* Start a new run (an empty last run is reused). */
extern void ecomai_cooc_pairs_begin_run(CoocPairs *p);

/* Append a pair to the last run, after the reserve that made room for it. */
static inline void
ecomai_cooc_pairs_put(CoocPairs *p, int32 i, int32 j, int64 count, double gram)
{
	p->pi[p->n] = i;
	p->pj[p->n] = j;
	p->count[p->n] = count;
	p->gram[p->n] = gram;
	p->n++;
}

/* Renumber the items of every pair: item x becomes rank[x]. */
extern void ecomai_cooc_pairs_remap(CoocPairs *p, const int32 *rank);

/*
 * Whether the last two runs are due for a merge: runs are kept at least
 * halving in size, so there are O(log pairs) of them and each pair is
 * merged O(log pairs) times.
 */
extern bool ecomai_cooc_pairs_merge_due(const CoocPairs *p);

/* Merge runs (indexes in key order): the due ones, or all into one. */
extern void ecomai_cooc_pairs_merge(CoocPairs *p, bool all, Size held);

/*
 * Count the buffered baskets (indexes in key order, nitems items) into one
 * new run of pairs and empty the buffer.  held: bytes of the rest of the
 * state, for ecomai.max_memory.
 */
extern void ecomai_cooc_fold(CoocBaskets *b, int32 nitems, CoocPairs *p, Size held);

#endif							/* ECOMAI_COOC_PAIRS_H */
