/*
 * cooc_pairs.c
 *	  Counting the item pairs of baskets for the cooccurrence aggregate (see
 *	  cooc_pairs.h): the basket buffer, the fold, and the runs of pair sums.
 *
 * The fold is the sparse product XᵀX row by row, as item_neighbors computes
 * it: the buffered baskets (each sorted by item index, i.e. by key) are
 * transposed into, for each item i, the places where it occurs; the items
 * after i in those baskets go into dense per-item accumulators; the touched
 * items then come out in ascending order (from a bitmap when they are dense
 * in their range, else sorted), which is the canonical order of the flat
 * model, so a single fold writes the model's pairs as they will be stored.
 * The work is half the sum of the squared basket sizes, and each pair of
 * (i, basket) reads one contiguous stretch of the basket.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/memutils.h"

#include "cooc_pairs.h"
#include "ecomai.h"

#define INTERRUPT_MASK	0xFFFF

/* One buffered entry, for sorting a basket. */
typedef struct BasketEntry
{
	int32		item;
	double		w;
} BasketEntry;

#define ST_SORT sort_basket_entries
#define ST_ELEMENT_TYPE BasketEntry
#define ST_COMPARE(a, b) (((a)->item > (b)->item) - ((a)->item < (b)->item))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

#define ST_SORT sort_items
#define ST_ELEMENT_TYPE int32
#define ST_COMPARE(a, b) ((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* A new allocation, or ptr grown, in cxt; any size ecomai.max_memory allows. */
static void *
grow(MemoryContext cxt, void *ptr, Size bytes)
{
	if (ptr == NULL)
		return MemoryContextAllocHuge(cxt, Max(bytes, 1));
	return repalloc_huge(ptr, Max(bytes, 1));
}

/* bytes zeroed, in the current context. */
static void *
scratch_zero(Size bytes)
{
	return MemoryContextAllocExtended(CurrentMemoryContext, Max(bytes, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

/* ----------------------------------------------------------------
 * The basket buffer
 * ---------------------------------------------------------------- */

void
ecomai_cooc_baskets_init(CoocBaskets *b, MemoryContext cxt)
{
	memset(b, 0, sizeof(*b));
	b->cxt = cxt;
	b->unit = true;
}

Size
ecomai_cooc_baskets_bytes(const CoocBaskets *b)
{
	return (Size) b->cap * (sizeof(int32) + sizeof(double)) + (Size) b->bcap * sizeof(int64);
}

void
ecomai_cooc_baskets_add(CoocBaskets *b, const int32 *item, const double *w, int32 n, Size held)
{
	if (b->n + n > b->cap || b->nbaskets + 2 > b->bcap)
	{
		int64		ncap = Max(b->cap, 1024);
		int64		nbcap = Max(b->bcap, 256);

		while (ncap < b->n + n)
			ncap *= 2;
		while (nbcap < b->nbaskets + 2)
			nbcap *= 2;
		ecomai_check_memory(held + (Size) ncap * 12 + (Size) nbcap * 8, "cooccurrence state");
		b->item = grow(b->cxt, b->item, ncap * sizeof(int32));
		b->w = grow(b->cxt, b->w, ncap * sizeof(double));
		if (b->start == NULL)
		{
			b->start = grow(b->cxt, NULL, nbcap * sizeof(int64));
			b->start[0] = 0;
		}
		else
			b->start = grow(b->cxt, b->start, nbcap * sizeof(int64));
		b->cap = ncap;
		b->bcap = nbcap;
	}
	memcpy(b->item + b->n, item, n * sizeof(int32));
	memcpy(b->w + b->n, w, n * sizeof(double));
	for (int32 a = 0; a < n && b->unit; a++)
		b->unit = (w[a] == 1.0);
	b->n += n;
	b->nbaskets++;
	b->start[b->nbaskets] = b->n;
}

/* Renumber items in place: x becomes rank[x]. */
static void
remap_items(int32 *items, int64 n, const int32 *rank)
{
	for (int64 a = 0; a < n; a++)
	{
		if ((a & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		items[a] = rank[items[a]];
	}
}

void
ecomai_cooc_baskets_remap(CoocBaskets *b, const int32 *rank)
{
	remap_items(b->item, b->n, rank);
}

/* Sort the baskets that renumbering left out of index order. */
static void
sort_baskets(CoocBaskets *b)
{
	BasketEntry *tmp = NULL;
	int64		tmpcap = 0;

	for (int64 k = 0; k < b->nbaskets; k++)
	{
		int64		s = b->start[k];
		int64		e = b->start[k + 1];
		int64		a;

		if ((k & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		for (a = s + 1; a < e && b->item[a - 1] < b->item[a]; a++)
			;
		if (a == e)
			continue;
		if (tmpcap < e - s)
		{
			tmpcap = Max(e - s, 2 * tmpcap);
			tmp = grow(CurrentMemoryContext, tmp, tmpcap * sizeof(BasketEntry));
		}
		for (a = s; a < e; a++)
		{
			tmp[a - s].item = b->item[a];
			tmp[a - s].w = b->w[a];
		}
		sort_basket_entries(tmp, e - s);
		for (a = s; a < e; a++)
		{
			b->item[a] = tmp[a - s].item;
			b->w[a] = tmp[a - s].w;
		}
	}
	if (tmp)
		pfree(tmp);
}

/* ----------------------------------------------------------------
 * Runs of pair sums
 * ---------------------------------------------------------------- */

void
ecomai_cooc_pairs_init(CoocPairs *p, MemoryContext cxt)
{
	memset(p, 0, sizeof(*p));
	p->cxt = cxt;
}

Size
ecomai_cooc_pairs_bytes(const CoocPairs *p)
{
	return (Size) p->cap * 24 + (Size) p->runcap * sizeof(int64);
}

void
ecomai_cooc_pairs_reserve(CoocPairs *p, int64 more, Size held)
{
	int64		ncap;

	if (p->n + more <= p->cap)
		return;
	ncap = Max(Max(p->cap * 2, 256), p->n + more);
	/* while the arrays grow, the old ones are still there */
	ecomai_check_memory(held + ecomai_cooc_pairs_bytes(p) + (Size) ncap * 24, "cooccurrence state");
	p->pi = grow(p->cxt, p->pi, ncap * sizeof(int32));
	p->pj = grow(p->cxt, p->pj, ncap * sizeof(int32));
	p->count = grow(p->cxt, p->count, ncap * sizeof(int64));
	p->gram = grow(p->cxt, p->gram, ncap * sizeof(double));
	p->cap = ncap;
}

void
ecomai_cooc_pairs_begin_run(CoocPairs *p)
{
	if (p->nruns > 0 && p->run_start[p->nruns - 1] == p->n)
		return;
	if (p->nruns == p->runcap)
	{
		p->runcap = Max(8, 2 * p->runcap);
		p->run_start = grow(p->cxt, p->run_start, p->runcap * sizeof(int64));
	}
	p->run_start[p->nruns++] = p->n;
}

void
ecomai_cooc_pairs_remap(CoocPairs *p, const int32 *rank)
{
	/* a pair names its items in key order, which the new indexes follow */
	remap_items(p->pi, p->n, rank);
	remap_items(p->pj, p->n, rank);
}

static int64
run_length(const CoocPairs *p, int32 r)
{
	return (r + 1 < p->nruns ? p->run_start[r + 1] : p->n) - p->run_start[r];
}

bool
ecomai_cooc_pairs_merge_due(const CoocPairs *p)
{
	return p->nruns >= 2 && run_length(p, p->nruns - 2) <= 2 * run_length(p, p->nruns - 1);
}

/* The pair at k as one sortable number: i, then j. */
static inline uint64
pair_key(const CoocPairs *p, int64 k)
{
	return ((uint64) (uint32) p->pi[k] << 32) | (uint32) p->pj[k];
}

/* Merge the last two runs into one, adding up the sums of pairs in both. */
static void
merge_last_two(CoocPairs *p, Size held)
{
	int64		s0 = p->run_start[p->nruns - 2];
	int64		s1 = p->run_start[p->nruns - 1];
	int64		s2 = p->n;
	int64		a = s0;
	int64		b = s1;
	int64		m = 0;
	CoocPairs	t;

	ecomai_check_memory(held + ecomai_cooc_pairs_bytes(p) + (Size) (s2 - s0) * 24, "cooccurrence state");
	ecomai_cooc_pairs_init(&t, CurrentMemoryContext);
	ecomai_cooc_pairs_reserve(&t, s2 - s0, 0);
	while (a < s1 || b < s2)
	{
		uint64		ka = a < s1 ? pair_key(p, a) : PG_UINT64_MAX;
		uint64		kb = b < s2 ? pair_key(p, b) : PG_UINT64_MAX;

		if ((m & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (ka <= kb)
		{
			ecomai_cooc_pairs_put(&t, p->pi[a], p->pj[a], p->count[a], p->gram[a]);
			if (ka == kb)
			{
				t.count[m] += p->count[b];
				t.gram[m] += p->gram[b++];
				if (unlikely(!isfinite(t.gram[m])))
					ecomai_double_out_of_range("cooccurrence weight");
			}
			a++;
		}
		else
		{
			ecomai_cooc_pairs_put(&t, p->pi[b], p->pj[b], p->count[b], p->gram[b]);
			b++;
		}
		m++;
	}
	memcpy(p->pi + s0, t.pi, m * sizeof(int32));
	memcpy(p->pj + s0, t.pj, m * sizeof(int32));
	memcpy(p->count + s0, t.count, m * sizeof(int64));
	memcpy(p->gram + s0, t.gram, m * sizeof(double));
	pfree(t.pi);
	pfree(t.pj);
	pfree(t.count);
	pfree(t.gram);
	p->n = s0 + m;
	p->nruns--;
}

void
ecomai_cooc_pairs_merge(CoocPairs *p, bool all, Size held)
{
	while (p->nruns >= 2 && (all || ecomai_cooc_pairs_merge_due(p)))
		merge_last_two(p, held);
}

/* ----------------------------------------------------------------
 * The fold
 * ---------------------------------------------------------------- */

/* An occurrence of an item that has items after it in its basket: entries from .. to. */
typedef struct Occurrence
{
	int32		from;
	int32		to;
} Occurrence;

/* The fold's working arrays, in the current memory context. */
typedef struct FoldScratch
{
	int64	   *off;			/* item i's occurrences: occ[off[i] .. off[i + 1]) */
	Occurrence *occ;
	int32	   *acc_n;			/* the current row's dense accumulators */
	double	   *acc_g;
	int32	   *touched;		/* items with acc_n > 0, in order of first touch */
	int32		nt;
	uint64	   *seen;			/* the same items as a bitmap */
} FoldScratch;

/* The occurrences of every item, grouped by item (a counting sort). */
static void
transpose(const CoocBaskets *b, int32 nitems, FoldScratch *s)
{
	int64	   *fill;

	s->off = scratch_zero((Size) (nitems + 1) * sizeof(int64));
	for (int64 k = 0; k < b->nbaskets; k++)
	{
		if ((k & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int64 a = b->start[k]; a < b->start[k + 1] - 1; a++)
			s->off[b->item[a] + 1]++;
	}
	for (int32 i = 0; i < nitems; i++)
		s->off[i + 1] += s->off[i];
	fill = MemoryContextAllocHuge(CurrentMemoryContext, (Size) (nitems + 1) * sizeof(int64));
	memcpy(fill, s->off, (Size) (nitems + 1) * sizeof(int64));
	s->occ = MemoryContextAllocHuge(CurrentMemoryContext, Max(s->off[nitems], 1) * sizeof(Occurrence));
	for (int64 k = 0; k < b->nbaskets; k++)
	{
		int32		end = (int32) b->start[k + 1];

		if ((k & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int64 a = b->start[k]; a < end - 1; a++)
		{
			Occurrence *o = &s->occ[fill[b->item[a]]++];

			o->from = (int32) a + 1;
			o->to = end;
		}
	}
	pfree(fill);
}

/* Mark item j touched in the current row when it is new there. */
#define TOUCH(s, j) \
	do { \
		if ((s)->acc_n[j]++ == 0) \
		{ \
			(s)->touched[(s)->nt++] = (j); \
			(s)->seen[(j) >> 6] |= UINT64CONST(1) << ((j) & 63); \
		} \
	} while (0)

/*
 * Occurrences this far ahead have their basket stretch prefetched: each one
 * is a cache miss in a buffer far larger than the cache, and the row loop
 * would otherwise wait for every one of them.
 */
#define PREFETCH_DISTANCE 16
#if defined(__GNUC__)
#define prefetch(addr) __builtin_prefetch(addr)
#else
#define prefetch(addr) ((void) 0)
#endif

/* Row i of XᵀX, items after i: counts, and sums of weight products. */
static void
accumulate_row(const CoocBaskets *b, FoldScratch *s, int32 i)
{
	int64		end = s->off[i + 1];

	for (int64 q = s->off[i]; q < end; q++)
	{
		int32		to = s->occ[q].to;
		int32		a = s->occ[q].from;

		if (q + PREFETCH_DISTANCE < end)
		{
			int32		ahead = s->occ[q + PREFETCH_DISTANCE].from;

			prefetch(&b->item[ahead]);
			if (!b->unit)
				prefetch(&b->w[ahead - 1]);
		}
		if (b->unit)
		{
			for (; a < to; a++)
			{
				int32		j = b->item[a];

				TOUCH(s, j);
			}
		}
		else
		{
			double		wi = b->w[a - 1];

			for (; a < to; a++)
			{
				int32		j = b->item[a];

				TOUCH(s, j);
				s->acc_g[j] += wi * b->w[a];
			}
		}
	}
}

/* Append pair (i, j) from the accumulators and clear them. */
static inline void
emit_pair(FoldScratch *s, CoocPairs *p, int32 i, int32 j, bool unit)
{
	/* with unit weights, the Gram entry is the count (exact below 2^53) */
	ecomai_cooc_pairs_put(p, i, j, s->acc_n[j], unit ? (double) s->acc_n[j] : s->acc_g[j]);
	s->acc_n[j] = 0;
	s->acc_g[j] = 0;
}

/* Append row i's pairs in ascending j and clear the row. */
static void
emit_row(FoldScratch *s, int32 i, bool unit, CoocPairs *p, Size held)
{
	int32		lo = PG_INT32_MAX;
	int32		hi = -1;

	ecomai_cooc_pairs_reserve(p, s->nt, held);
	for (int32 t = 0; t < s->nt; t++)
	{
		lo = Min(lo, s->touched[t]);
		hi = Max(hi, s->touched[t]);
	}
	/* scanning the bitmap costs its words; sorting, about nt log nt */
	if ((hi >> 6) - (lo >> 6) < 16 * (int64) s->nt)
	{
		for (int32 wd = lo >> 6; wd <= hi >> 6; wd++)
		{
			uint64		bits = s->seen[wd];

			s->seen[wd] = 0;
			while (bits != 0)
			{
				emit_pair(s, p, i, wd * 64 + pg_rightmost_one_pos64(bits), unit);
				bits &= bits - 1;
			}
		}
	}
	else
	{
		sort_items(s->touched, s->nt);
		for (int32 t = 0; t < s->nt; t++)
		{
			s->seen[s->touched[t] >> 6] = 0;
			emit_pair(s, p, i, s->touched[t], unit);
		}
	}
	s->nt = 0;
}

void
ecomai_cooc_fold(CoocBaskets *b, int32 nitems, CoocPairs *p, Size held)
{
	FoldScratch s;
	Size		busy;

	if (b->nbaskets == 0)
		return;
	/* the rest of the state, the buffer, and the scratch below */
	busy = held + ecomai_cooc_baskets_bytes(b) + (Size) b->n * sizeof(Occurrence) +
		(Size) (nitems + 1) * (2 * sizeof(int64) + 2 * sizeof(int32) + sizeof(double)) +
		(Size) (nitems / 64 + 1) * sizeof(uint64);
	ecomai_check_memory(busy + ecomai_cooc_pairs_bytes(p), "cooccurrence state");
	sort_baskets(b);
	transpose(b, nitems, &s);
	s.acc_n = scratch_zero((Size) nitems * sizeof(int32));
	s.acc_g = scratch_zero((Size) nitems * sizeof(double));
	s.touched = MemoryContextAllocHuge(CurrentMemoryContext, Max(nitems, 1) * sizeof(int32));
	s.seen = scratch_zero((Size) (nitems / 64 + 1) * sizeof(uint64));
	s.nt = 0;
	ecomai_cooc_pairs_begin_run(p);
	for (int32 i = 0; i < nitems; i++)
	{
		if ((i & 0xFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (s.off[i] == s.off[i + 1])
			continue;
		accumulate_row(b, &s, i);
		emit_row(&s, i, b->unit, p, busy);
	}
	pfree(s.off);
	pfree(s.occ);
	pfree(s.acc_n);
	pfree(s.acc_g);
	pfree(s.touched);
	pfree(s.seen);
	b->n = 0;
	b->nbaskets = 0;
	b->unit = true;
}
