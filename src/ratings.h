/*
 * ratings.h
 *	  A user x item matrix loaded from any table or view through SPI, held as
 *	  compressed sparse rows in both orientations (user -> items and
 *	  item -> users), with dense internal indexes and the maps back to the
 *	  bigint ids.  Shared by the neighbourhood and the prediction code.
 *
 * Usage:
 *		EcomaiRatings *r = ecomai_ratings_load(relid, "customer_id", "product_id",
 *											   "quantity"   (or NULL: implicit),
 *											   "item_neighbors");
 *		for (u = 0; u < r->nusers; u++)					user index u has id r->user_ids[u]
 *			for (p = r->user_ptr[u]; p < r->user_ptr[u + 1]; p++)
 *				item index r->user_items[p], value r->user_vals[p]
 *		for (i = 0; i < r->nitems; i++)					item index i has id r->item_ids[i]
 *			for (p = r->item_ptr[i]; p < r->item_ptr[i + 1]; p++)
 *				user index r->item_users[p], value r->item_vals[p]
 *		u = ecomai_ratings_user_index(r, id);			-1 when the id is not in the data
 *		i = ecomai_ratings_item_index(r, id);
 *		r->global_mean, r->user_means[u], r->item_means[i], r->min_value, r->max_value
 *
 * Guarantees:
 *	- Dense indexes follow the ids in ascending order (index order = id
 *	  order), so ties broken by index are ties broken by id.
 *	- Within each row, entries are sorted by ascending column index and each
 *	  (user, item) cell appears once: with a value column, repeated rows of
 *	  one pair are summed; without one (implicit feedback), every present
 *	  pair has value 1.
 *	- Rows whose user id, item id or value is NULL are skipped; a NaN or
 *	  infinite value is an ERROR (22000).
 *	- The source is read as the caller (privileges and row-level security
 *	  apply); unknown columns give ERROR 42703, ids that are not integers or
 *	  values that are not numeric give ERROR 42804.
 *	- All memory is allocated in CurrentMemoryContext and bounded by
 *	  ecomai.max_memory (ERROR 54000); the load calls CHECK_FOR_INTERRUPTS.
 *	- Means are over the stored cells (after summing repeats): global_mean
 *	  over all cells, user_means[u] over user u's cells, item_means[i] over
 *	  item i's cells.  An empty source gives nusers = nitems = nnz = 0 and
 *	  global_mean = min_value = max_value = 0.
 */
#ifndef ECOMAI_RATINGS_H
#define ECOMAI_RATINGS_H

#include "postgres.h"

typedef struct EcomaiRatings
{
	int			nusers;
	int			nitems;
	int64		nnz;			/* stored (user, item) cells */
	bool		implicit;		/* no value column: every value is 1 */

	int64	   *user_ids;		/* [nusers], ascending */
	int64	   *item_ids;		/* [nitems], ascending */

	int64	   *user_ptr;		/* [nusers + 1]: user u's cells are user_ptr[u] .. user_ptr[u+1]-1 */
	int32	   *user_items;		/* [nnz] item index, ascending within a user */
	double	   *user_vals;		/* [nnz] */

	int64	   *item_ptr;		/* [nitems + 1] */
	int32	   *item_users;		/* [nnz] user index, ascending within an item */
	double	   *item_vals;		/* [nnz] */

	double		global_mean;
	double	   *user_means;		/* [nusers] */
	double	   *item_means;		/* [nitems] */
	double		min_value;		/* smallest stored value */
	double		max_value;		/* largest stored value */

	Size		bytes;			/* memory held by the arrays above */
} EcomaiRatings;

/*
 * Load (user_col, item_col[, value_col]) from relation relid, read as the
 * current user.  value_col NULL means implicit feedback.  "what" names the
 * calling function in memory-limit errors.
 */
extern EcomaiRatings *ecomai_ratings_load(Oid relid, const char *user_col, const char *item_col,
										  const char *value_col, const char *what);

/*
 * One axis of the ratings in CSR form: the users with their items, or the
 * items with their users (row a's cells are ptr[a] .. ptr[a+1]-1, their
 * column indexes idx[], values val[]).  A user-based model reads the users'
 * axis as rows and the items' axis as columns; an item-based one the reverse.
 */
typedef struct EcomaiRatingsAxis
{
	int			n;
	const int64 *ids;			/* [n], ascending */
	const int64 *ptr;			/* [n + 1] */
	const int32 *idx;			/* [nnz] */
	const double *val;			/* [nnz] */
	const double *means;		/* [n] */
} EcomaiRatingsAxis;

/* The users' axis of r (users true) or the items' axis. */
extern EcomaiRatingsAxis ecomai_ratings_axis(const EcomaiRatings *r, bool users);

/* Dense index of a user id, or -1 when the id has no cell. */
extern int	ecomai_ratings_user_index(const EcomaiRatings *r, int64 id);

/* Dense index of an item id, or -1 when the id has no cell. */
extern int	ecomai_ratings_item_index(const EcomaiRatings *r, int64 id);

/* Visit a read-only query's rows (as the caller) in batches, in the caller's memory context. */
struct SPITupleTable;
typedef void (*EcomaiSpiBatchFn) (struct SPITupleTable *tuptable, uint64 nrows, void *arg);
extern void ecomai_spi_for_each_batch(const char *query, EcomaiSpiBatchFn fn, void *arg);

/*
 * Check that column colname of relid exists (ERROR 42703 naming it) and has
 * an integer type (integer_only) or any numeric type (ERROR 42804); returns
 * the column's type.  Exposed for callers that read other tables the same way.
 */
extern Oid	ecomai_ratings_check_column(Oid relid, const char *colname, bool integer_only);

/* Binary search of id in the ascending array ids[0..n-1]: its index or -1. */
extern int	ecomai_find_id(const int64 *ids, int n, int64 id);

#endif							/* ECOMAI_RATINGS_H */
