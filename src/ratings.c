/*
 * ratings.c
 *	  Load a (user, item[, value]) relation through SPI into compressed
 *	  sparse rows in both orientations (see ratings.h for the contract).
 *
 * The rows are fetched from a cursor in batches (never one giant SPI
 * result), the ids are numbered on arrival with a hash table, and the two
 * orientations are then built by counting sorts (O(rows), interruptible):
 * scattering by item and then by user leaves every user row sorted by item,
 * so repeated (user, item) rows are adjacent and merge in one pass.  Peak
 * memory is 28 bytes per source row plus the slack of the doubling row
 * buffer (up to 16 more) plus about 40 per distinct id, checked against
 * ecomai.max_memory before every allocation.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"

#include "ecomai.h"
#include "ratings.h"

/* Rows fetched from the cursor at a time. */
#define RATINGS_FETCH 10000

/* Interrupt check interval in the O(rows) passes. */
#define RATINGS_CHECK_EVERY 65536

/* id -> provisional index (arrival order) */
typedef struct IdEntry
{
	int64		id;
	int32		index;
	char		status;
} IdEntry;

/* The shared 64-bit mix, folded to 32 bits. */
static inline uint32
ratings_hash_id(int64 id)
{
	uint64		x = ecomai_mix64((uint64) id);

	return (uint32) (x ^ (x >> 32));
}

#define SH_PREFIX idmap
#define SH_ELEMENT_TYPE IdEntry
#define SH_KEY_TYPE int64
#define SH_KEY id
#define SH_HASH_KEY(tb, key) ratings_hash_id(key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Distinct ids seen in one column, numbered in arrival order. */
typedef struct IdNumbering
{
	idmap_hash *map;
	int64	   *ids;			/* [n] id of provisional index */
	int			n;
	int			cap;
	int64		last_id;		/* the id numbered last, and its index: rows */
	int32		last_index;		/* often come grouped by customer or order */
} IdNumbering;

/* Loader state: the memory held so far, for the ecomai.max_memory check. */
typedef struct Loader
{
	MemoryContext cxt;
	const char *what;
	Size		held;
	Size		peak;			/* largest "held", for the DEBUG1 report */
} Loader;

/* Account for "bytes" more memory, failing cleanly beyond ecomai.max_memory. */
static void
loader_reserve(Loader *ld, Size bytes)
{
	ecomai_check_memory(ld->held + bytes, ld->what);
	ld->held += bytes;
	ld->peak = Max(ld->peak, ld->held);
}

/* Allocate an accounted array in the caller's context. */
static void *
loader_alloc(Loader *ld, Size bytes)
{
	loader_reserve(ld, bytes);
	return MemoryContextAllocHuge(ld->cxt, Max(bytes, 1));
}

/* Free an accounted array. */
static void
loader_free(Loader *ld, void *p, Size bytes)
{
	if (p)
		pfree(p);
	ld->held -= Min(bytes, ld->held);
}

/* Grow an accounted array from oldn to newn elements of size elem. */
static void *
loader_grow(Loader *ld, void *p, Size elem, Size oldn, Size newn)
{
	loader_reserve(ld, elem * (newn - oldn));
	if (p == NULL)
		return MemoryContextAllocHuge(ld->cxt, elem * newn);
	return repalloc_huge(p, elem * newn);
}

/* Provisional index of an id, numbering it if new. */
static inline int32
number_id(Loader *ld, IdNumbering *num, int64 id, const char *colname)
{
	bool		found;
	IdEntry    *e;

	if (num->n > 0 && id == num->last_id)
		return num->last_index;
	e = idmap_insert(num->map, id, &found);
	if (!found)
	{
		if (num->n == PG_INT32_MAX - 1)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct values in column \"%s\"", colname),
					 errdetail("At most %d distinct ids are supported.", PG_INT32_MAX - 1)));
		if (num->n == num->cap)
		{
			int			newcap = num->cap < 1024 ? 1024 : (num->cap > PG_INT32_MAX / 2 ? PG_INT32_MAX : num->cap * 2);

			/* the hash table grows alongside: about two 16-byte entries per id */
			loader_reserve(ld, (Size) (newcap - num->cap) * 32);
			num->ids = loader_grow(ld, num->ids, sizeof(int64), num->cap, newcap);
			num->cap = newcap;
		}
		e->index = num->n;
		num->ids[num->n++] = id;
	}
	num->last_id = id;
	num->last_index = e->index;
	return e->index;
}

/*
 * Compare two ids for the id sort, checking for interrupts: a sort of
 * millions of ids must stay cancellable, and the check is one flag read.
 */
static inline int
cmp_id_interruptible(const int64 *a, const int64 *b)
{
	CHECK_FOR_INTERRUPTS();
	return (*a > *b) - (*a < *b);
}

#define ST_SORT sort_ids
#define ST_ELEMENT_TYPE int64
#define ST_COMPARE(a, b) cmp_id_interruptible(a, b)
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/* Binary search of id in the ascending array ids[0..n-1]: its index or -1. */
int
ecomai_find_id(const int64 *ids, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ids[mid] < id)
			lo = mid + 1;
		else if (ids[mid] > id)
			hi = mid - 1;
		else
			return mid;
	}
	return -1;
}

/* The users' axis of r (users true) or the items' axis. */
EcomaiRatingsAxis
ecomai_ratings_axis(const EcomaiRatings *r, bool users)
{
	EcomaiRatingsAxis by_user = {r->nusers, r->user_ids, r->user_ptr,
								 r->user_items, r->user_vals, r->user_means};
	EcomaiRatingsAxis by_item = {r->nitems, r->item_ids, r->item_ptr,
								 r->item_users, r->item_vals, r->item_means};

	return users ? by_user : by_item;
}

/* Dense index of a user id, or -1 when the id has no cell. */
int
ecomai_ratings_user_index(const EcomaiRatings *r, int64 id)
{
	return ecomai_find_id(r->user_ids, r->nusers, id);
}

/* Dense index of an item id, or -1 when the id has no cell. */
int
ecomai_ratings_item_index(const EcomaiRatings *r, int64 id)
{
	return ecomai_find_id(r->item_ids, r->nitems, id);
}

/*
 * Sort the distinct ids and return rank[provisional index]; the sorted ids
 * replace num->ids.
 */
static int32 *
rank_ids(Loader *ld, IdNumbering *num)
{
	int64	   *sorted = loader_alloc(ld, sizeof(int64) * (Size) num->n);
	int32	   *rank = loader_alloc(ld, sizeof(int32) * (Size) num->n);
	int			p;

	if (num->n == 0)
		return rank;			/* an empty source: memcpy from NULL is undefined */
	memcpy(sorted, num->ids, sizeof(int64) * (Size) num->n);
	sort_ids(sorted, num->n);
	for (p = 0; p < num->n; p++)
	{
		if ((p & (RATINGS_CHECK_EVERY - 1)) == 0)
			CHECK_FOR_INTERRUPTS();
		rank[p] = ecomai_find_id(sorted, num->n, num->ids[p]);
	}
	loader_free(ld, num->ids, sizeof(int64) * (Size) num->cap);
	num->ids = sorted;
	num->cap = num->n;
	return rank;
}

/* Check that a column exists and has an integer (or any numeric) type; return its type. */
Oid
ecomai_ratings_check_column(Oid relid, const char *colname, bool integer_only)
{
	AttrNumber	attnum = get_attnum(relid, colname);
	Oid			type;
	Oid			base;

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						colname, get_rel_name(relid))));
	type = get_atttype(relid, attnum);
	base = getBaseType(type);
	if (base == INT2OID || base == INT4OID || base == INT8OID)
		return type;
	if (!integer_only && (base == FLOAT4OID || base == FLOAT8OID || base == NUMERICOID))
		return type;
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("column \"%s\" of relation \"%s\" has type %s, not %s",
					colname, get_rel_name(relid), format_type_be(type),
					integer_only ? "an integer type" : "a numeric type"),
			 errhint(integer_only
					 ? "Ids must be smallint, integer or bigint."
					 : "Values must be smallint, integer, bigint, real, double precision or numeric.")));
	return InvalidOid;			/* keep compiler quiet */
}

/* Build the query text that reads the three columns as bigint, bigint, float8. */
static char *
ratings_query(Oid relid, const char *user_col, const char *item_col, const char *value_col)
{
	StringInfoData q;
	const char *rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												 get_rel_name(relid));
	const char *u = quote_identifier(user_col);
	const char *i = quote_identifier(item_col);

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT %s::pg_catalog.int8, %s::pg_catalog.int8", u, i);
	if (value_col)
		appendStringInfo(&q, ", %s::pg_catalog.float8", quote_identifier(value_col));
	appendStringInfo(&q, " FROM %s WHERE %s IS NOT NULL AND %s IS NOT NULL", rel, u, i);
	if (value_col)
		appendStringInfo(&q, " AND %s IS NOT NULL", quote_identifier(value_col));
	return q.data;
}

/*
 * Run a read-only query as the caller through a cursor and hand every batch
 * of rows to fn, in the caller's memory context (so what fn keeps outlives
 * the batch); interruptible between batches.
 */
void
ecomai_spi_for_each_batch(const char *query, EcomaiSpiBatchFn fn, void *arg)
{
	MemoryContext outer = CurrentMemoryContext;
	SPIPlanPtr	plan;
	Portal		portal;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", query, SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	for (;;)
	{
		SPITupleTable *tt;
		MemoryContext spicxt;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, RATINGS_FETCH);
		if (SPI_processed == 0)
			break;
		tt = SPI_tuptable;
		spicxt = MemoryContextSwitchTo(outer);
		fn(tt, SPI_processed, arg);
		MemoryContextSwitchTo(spicxt);
		SPI_freetuptable(tt);
	}
	SPI_cursor_close(portal);
	SPI_finish();
}

/* The triples read so far, grown as batches arrive. */
typedef struct TripleReader
{
	Loader	   *ld;
	IdNumbering *users;
	IdNumbering *items;
	const char *user_col;
	const char *item_col;
	const char *value_col;
	int32	   *tu;
	int32	   *ti;
	double	   *tv;
	int64		n;
	int64		cap;
} TripleReader;

/* Append one batch of (user, item[, value]) rows, numbering the ids as they come. */
static void
read_triples(SPITupleTable *tt, uint64 nrows, void *arg)
{
	TripleReader *t = (TripleReader *) arg;

	if (t->n + (int64) nrows > t->cap)
	{
		int64		newcap = Max(t->cap * 2, Max(t->n + (int64) nrows, 65536));

		t->tu = loader_grow(t->ld, t->tu, sizeof(int32), t->cap, newcap);
		t->ti = loader_grow(t->ld, t->ti, sizeof(int32), t->cap, newcap);
		if (t->value_col)
			t->tv = loader_grow(t->ld, t->tv, sizeof(double), t->cap, newcap);
		t->cap = newcap;
	}
	for (uint64 row = 0; row < nrows; row++)
	{
		HeapTuple	tup = tt->vals[row];
		bool		isnull;
		int64		uid = DatumGetInt64(SPI_getbinval(tup, tt->tupdesc, 1, &isnull));
		int64		iid = DatumGetInt64(SPI_getbinval(tup, tt->tupdesc, 2, &isnull));

		t->tu[t->n] = number_id(t->ld, t->users, uid, t->user_col);
		t->ti[t->n] = number_id(t->ld, t->items, iid, t->item_col);
		if (t->value_col)
		{
			double		v = DatumGetFloat8(SPI_getbinval(tup, tt->tupdesc, 3, &isnull));

			if (isnan(v) || isinf(v))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("values of column \"%s\" must be finite, not %s", t->value_col,
								float8out_internal(v))));
			t->tv[t->n] = v;
		}
		t->n++;
	}
}

/*
 * Counting sort of n cells into CSR rows by key: cell p (value val[p], or 1
 * when val is NULL) goes to row key[p] of dst, tagged with its source row:
 * src_row[p] when src_ptr is NULL (a flat list), otherwise the CSR row of
 * src_ptr that holds p.  Cells keep their order within a destination row,
 * so a source sorted by row gives destination rows sorted by tag.
 * dst_ptr has nkeys + 1 entries; dst_tag and dst_val n each.
 */
static void
scatter_by_key(int64 n, const int64 *src_ptr, const int32 *src_row,
			   const int32 *key, const double *val, int nkeys,
			   int64 *dst_ptr, int32 *dst_tag, double *dst_val)
{
	int64		p;
	int			x;
	int32		row = 0;

	memset(dst_ptr, 0, sizeof(int64) * ((Size) nkeys + 1));
	for (p = 0; p < n; p++)
		dst_ptr[key[p] + 1]++;
	for (x = 0; x < nkeys; x++)
		dst_ptr[x + 1] += dst_ptr[x];
	for (p = 0; p < n; p++)
	{
		int64		pos = dst_ptr[key[p]]++;

		if ((p & (RATINGS_CHECK_EVERY - 1)) == 0)
			CHECK_FOR_INTERRUPTS();
		if (src_ptr)
		{
			while (p >= src_ptr[row + 1])
				row++;
			dst_tag[pos] = row;
		}
		else
			dst_tag[pos] = src_row[p];
		dst_val[pos] = val ? val[p] : 1.0;
	}
	for (x = nkeys; x > 0; x--)
		dst_ptr[x] = dst_ptr[x - 1];
	dst_ptr[0] = 0;
}

/*
 * Merge repeated (user, item) cells of the user rows, adjacent because rows
 * are sorted by item, compacting in place (values summed, or kept at 1 for
 * implicit feedback); sets r->nnz.
 */
static void
merge_repeated_cells(EcomaiRatings *r)
{
	int64		nnz = 0;
	int64		p;
	int			x;

	for (x = 0; x < r->nusers; x++)
	{
		int64		start = r->user_ptr[x],
					end = r->user_ptr[x + 1];

		if ((x & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		r->user_ptr[x] = nnz;
		for (p = start; p < end; p++)
		{
			if (nnz > r->user_ptr[x] && r->user_items[nnz - 1] == r->user_items[p])
			{
				if (!r->implicit)
					r->user_vals[nnz - 1] += r->user_vals[p];
				continue;
			}
			r->user_items[nnz] = r->user_items[p];
			r->user_vals[nnz] = r->user_vals[p];
			nnz++;
		}
	}
	r->user_ptr[r->nusers] = nnz;
	r->nnz = nnz;
}

/* Means and range over the stored cells (sum overflow is ERROR 22003). */
static void
compute_means(Loader *ld, EcomaiRatings *r, const char *value_col)
{
	double		total = 0;
	int64		p;
	int			x;

	r->user_means = loader_alloc(ld, sizeof(double) * (Size) Max(r->nusers, 1));
	r->item_means = loader_alloc(ld, sizeof(double) * (Size) Max(r->nitems, 1));
	r->min_value = r->nnz > 0 ? r->user_vals[0] : 0;
	r->max_value = r->min_value;
	for (x = 0; x < r->nusers; x++)
	{
		double		s = 0;

		for (p = r->user_ptr[x]; p < r->user_ptr[x + 1]; p++)
		{
			double		v = r->user_vals[p];

			s += v;
			if (v < r->min_value)
				r->min_value = v;
			if (v > r->max_value)
				r->max_value = v;
		}
		if (isinf(s) || isinf(r->min_value) || isinf(r->max_value))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("sum of values in column \"%s\" is out of range", value_col)));
		r->user_means[x] = s / (double) (r->user_ptr[x + 1] - r->user_ptr[x]);
		total += s;
	}
	r->global_mean = r->nnz > 0 ? total / (double) r->nnz : 0;
	for (x = 0; x < r->nitems; x++)
	{
		double		s = 0;

		for (p = r->item_ptr[x]; p < r->item_ptr[x + 1]; p++)
			s += r->item_vals[p];
		r->item_means[x] = s / (double) (r->item_ptr[x + 1] - r->item_ptr[x]);
	}
}

/*
 * Read the source's triples through SPI, numbering ids on arrival, and turn
 * the provisional indexes into dense ones in id order; fills r's counts and
 * id maps and returns the reader holding the triples.
 */
static void
read_source(Loader *ld, Oid relid, const char *user_col, const char *item_col,
			const char *value_col, EcomaiRatings *r, TripleReader *reader)
{
	IdNumbering users = {0},
				items = {0};
	int32	   *urank,
			   *irank;
	int64		p;

	users.map = idmap_create(ld->cxt, 1024, NULL);
	items.map = idmap_create(ld->cxt, 1024, NULL);
	reader->ld = ld;
	reader->users = &users;
	reader->items = &items;
	reader->user_col = user_col;
	reader->item_col = item_col;
	reader->value_col = value_col;
	ecomai_spi_for_each_batch(ratings_query(relid, user_col, item_col, value_col),
							  read_triples, reader);
	reader->users = reader->items = NULL;

	idmap_destroy(users.map);
	idmap_destroy(items.map);
	ld->held -= Min(ld->held, (Size) (users.cap + items.cap) * 32);

	r->nusers = users.n;
	r->nitems = items.n;

	/* dense indexes in id order */
	urank = rank_ids(ld, &users);
	irank = rank_ids(ld, &items);
	r->user_ids = users.ids;
	r->item_ids = items.ids;
	for (p = 0; p < reader->n; p++)
	{
		if ((p & (RATINGS_CHECK_EVERY - 1)) == 0)
			CHECK_FOR_INTERRUPTS();
		reader->tu[p] = urank[reader->tu[p]];
		reader->ti[p] = irank[reader->ti[p]];
	}
	loader_free(ld, urank, sizeof(int32) * (Size) r->nusers);
	loader_free(ld, irank, sizeof(int32) * (Size) r->nitems);
}

/* Load a relation into both sparse orientations (see ratings.h). */
EcomaiRatings *
ecomai_ratings_load(Oid relid, const char *user_col, const char *item_col,
					const char *value_col, const char *what)
{
	Loader		ld;
	TripleReader reader = {0};
	EcomaiRatings *r;
	int64	   *cptr;			/* item-major intermediate */
	int32	   *cusr;
	double	   *cval;
	int64		n;
	int			nu,
				ni;

	if (get_rel_name(relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	ecomai_ratings_check_column(relid, user_col, true);
	ecomai_ratings_check_column(relid, item_col, true);
	if (value_col)
		ecomai_ratings_check_column(relid, value_col, false);

	ld.cxt = CurrentMemoryContext;
	ld.what = what;
	ld.held = 0;
	ld.peak = 0;

	r = palloc0(sizeof(EcomaiRatings));
	r->implicit = (value_col == NULL);
	read_source(&ld, relid, user_col, item_col, value_col, r, &reader);
	n = reader.n;
	nu = r->nusers;
	ni = r->nitems;

	/* scatter by item: item-major, users in arrival order */
	cptr = loader_alloc(&ld, sizeof(int64) * ((Size) ni + 1));
	cusr = loader_alloc(&ld, sizeof(int32) * (Size) Max(n, 1));
	cval = loader_alloc(&ld, sizeof(double) * (Size) Max(n, 1));
	scatter_by_key(n, NULL, reader.tu, reader.ti, reader.tv, ni, cptr, cusr, cval);
	loader_free(&ld, reader.tu, sizeof(int32) * (Size) reader.cap);
	loader_free(&ld, reader.ti, sizeof(int32) * (Size) reader.cap);
	if (reader.tv)
		loader_free(&ld, reader.tv, sizeof(double) * (Size) reader.cap);

	/* scatter by user, walking items in order: user rows come out sorted by item */
	r->user_ptr = loader_alloc(&ld, sizeof(int64) * ((Size) nu + 1));
	r->user_items = loader_alloc(&ld, sizeof(int32) * (Size) Max(n, 1));
	r->user_vals = loader_alloc(&ld, sizeof(double) * (Size) Max(n, 1));
	scatter_by_key(n, cptr, NULL, cusr, cval, nu, r->user_ptr, r->user_items, r->user_vals);

	merge_repeated_cells(r);

	/* item-major again from the merged user rows: user indexes ascending */
	scatter_by_key(r->nnz, r->user_ptr, NULL, r->user_items, r->user_vals, ni, cptr, cusr, cval);
	r->item_ptr = cptr;
	r->item_users = cusr;
	r->item_vals = cval;

	compute_means(&ld, r, value_col);

	r->bytes = ld.held;
	elog(DEBUG1, "%s: read %lld rows: %d users, %d items, %lld cells; %zu kB held, %zu kB at the peak of loading",
		 what, (long long) n, nu, ni, (long long) r->nnz, r->bytes / 1024, ld.peak / 1024);
	return r;
}
