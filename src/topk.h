/*
 * topk.h
 *	  Bounded top-k selection of (id, score) pairs: a min-heap of at most k
 *	  entries whose root is the worst kept entry, so that each offer costs
 *	  O(1) when it cannot enter and O(log k) when it can.
 *
 * "Better" means a higher score, or an equal score and a smaller id: the
 * order is total, so the kept set and its order never depend on the order in
 * which candidates are offered (results are deterministic).  Scores must not
 * be NaN (callers filter them out).
 *
 * Usage:
 *		EcomaiTopK	top;
 *		ecomai_topk_init(&top, k);			(pallocs k entries in CurrentMemoryContext)
 *		ecomai_topk_offer(&top, id, score);	(any number of times)
 *		n = ecomai_topk_sort(&top);			(top.items[0..n-1], best first; the heap is consumed)
 *		ecomai_topk_reset(&top);			(empty again, to reuse the storage for the next row)
 */
#ifndef ECOMAI_TOPK_H
#define ECOMAI_TOPK_H

#include "postgres.h"

typedef struct EcomaiTopKItem
{
	int64		id;
	double		score;
} EcomaiTopKItem;

typedef struct EcomaiTopK
{
	int			k;				/* capacity */
	int			n;				/* entries kept */
	EcomaiTopKItem *items;		/* heap while offering; sorted after sort */
} EcomaiTopK;

/* True when a is worse than b: lower score, or equal score and larger id. */
static inline bool
ecomai_topk_worse(const EcomaiTopKItem *a, const EcomaiTopKItem *b)
{
	if (a->score != b->score)
		return a->score < b->score;
	return a->id > b->id;
}

/* Prepare an empty selection of capacity k (k >= 1). */
static inline void
ecomai_topk_init(EcomaiTopK *top, int k)
{
	Assert(k >= 1);
	top->k = k;
	top->n = 0;
	top->items = (EcomaiTopKItem *) palloc(sizeof(EcomaiTopKItem) * (Size) k);
}

/* Forget every kept entry (the storage is kept). */
static inline void
ecomai_topk_reset(EcomaiTopK *top)
{
	top->n = 0;
}

/* Restore the heap property downwards from position i among the first n entries. */
static inline void
ecomai_topk_sift_down(EcomaiTopKItem *h, int n, int i)
{
	EcomaiTopKItem x = h[i];

	for (;;)
	{
		int			c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && ecomai_topk_worse(&h[c + 1], &h[c]))
			c++;
		if (!ecomai_topk_worse(&h[c], &x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

/*
 * Would (id, score) enter the selection?  Lets a caller skip the work of
 * building a candidate that cannot be kept.
 */
static inline bool
ecomai_topk_would_enter(const EcomaiTopK *top, int64 id, double score)
{
	EcomaiTopKItem x;

	if (top->n < top->k)
		return true;
	x.id = id;
	x.score = score;
	return ecomai_topk_worse(&top->items[0], &x);
}

/* Offer a candidate; it is kept if it is among the k best seen so far. */
static inline void
ecomai_topk_offer(EcomaiTopK *top, int64 id, double score)
{
	EcomaiTopKItem *h = top->items;
	EcomaiTopKItem x;

	x.id = id;
	x.score = score;
	if (top->n < top->k)
	{
		/* sift up */
		int			i = top->n++;

		while (i > 0)
		{
			int			p = (i - 1) / 2;

			if (!ecomai_topk_worse(&x, &h[p]))
				break;
			h[i] = h[p];
			i = p;
		}
		h[i] = x;
	}
	else if (ecomai_topk_worse(&h[0], &x))
	{
		h[0] = x;
		ecomai_topk_sift_down(h, top->n, 0);
	}
}

/*
 * Sort the kept entries best first in place (heap sort: repeatedly move the
 * worst to the end) and return their number.  Offer nothing more until reset.
 */
static inline int
ecomai_topk_sort(EcomaiTopK *top)
{
	EcomaiTopKItem *h = top->items;
	int			n;

	for (n = top->n; n > 1; n--)
	{
		EcomaiTopKItem worst = h[0];

		h[0] = h[n - 1];
		h[n - 1] = worst;
		ecomai_topk_sift_down(h, n - 1, 0);
	}
	return top->n;
}

#endif							/* ECOMAI_TOPK_H */
