/*
 * mf_fit.c
 *	  Training of ecomai.mf_model by alternating least squares (ALS):
 *
 *	  - implicit: the weighted ALS of Hu, Koren and Volinsky (2008).  Every
 *		(user, item) cell has preference p = 1 when its value is positive, else
 *		0, and confidence c = 1 + alpha * value (1 for absent cells); each
 *		half-step minimises sum c (p - x.y)^2 + regularization * |x|^2 per row.
 *		The "cg" solver takes three conjugate-gradient steps from the current
 *		factors (Takács, Pilászy and Tikk 2011, as the implicit library does);
 *		"cholesky" solves each row's system exactly (LAPACK dposv).  The Gram
 *		matrix Y'Y + regularization * I is one dsyrk per half-step, so a row
 *		costs O(nnz(row) * f + f^2) with CG.
 *	  - explicit: biased matrix factorisation, rating ~ mean + b_user + b_item
 *		+ x.y, fitted on the observed cells only; each half-step solves, per
 *		row, for its bias and factors jointly with the regularization weighted
 *		by the row's number of ratings (ALS-WR, Zhou et al. 2008).
 *
 * The relation is read through SPI as the caller (privileges and row-level
 * security apply), keys in their text form (any key type), and numbered in
 * byte order of that text, so that the result does not depend on the order
 * of the rows.  Factors start from pg_prng seeded by the user's seed, and
 * OpenBLAS runs one thread: the same data and seed give bit-identical
 * factors.  CHECK_FOR_INTERRUPTS runs between rows.
 */
#include "postgres.h"

#include <math.h>
#include <cblas.h>

#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "ecomai.h"
#include "mf.h"
#include "ratings.h"
#include "topk.h"

PG_FUNCTION_INFO_V1(ecomai_mf_fit);

/* LAPACK from OpenBLAS (Debian 12 ships no lapacke.h). */
extern void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
				   double *b, const int *ldb, int *info);

/* Conjugate-gradient steps per row and half-step (the implicit library's default). */
#define MF_CG_STEPS 3

/* Cells per block of a row's two passes (dot products, then weighted sum). */
#define MF_BLOCK 64

/* Items per validation user in the implicit ranking metric (precision at 10). */
#define MF_VALID_K 10

/* ---------------------------------------------------------------------------
 * Reading the relation
 * ---------------------------------------------------------------------------
 */

/* The keys of a column, numbered in arrival order: name_hash.h. */
#include "name_hash.h"

/* The keys of one column: hash table, and the texts by index. */
typedef struct KeyDict
{
	ecomai_names_hash *map;
	char	  **keys;			/* [n] */
	int			n;
	int			cap;
	Size		bytes;			/* sum of strlen + 1 */
	const char *colname;
} KeyDict;

/* Rows read from the relation: (user, item, value) with dictionary indexes. */
typedef struct MfReader
{
	KeyDict    *users;
	KeyDict    *items;
	bool		add_keys;		/* false: skip rows with unknown keys (validation) */
	bool		has_value;
	bool		implicit;
	const char *value_col;
	MemoryContext batchcxt;
	int32	   *tu;
	int32	   *ti;
	double	   *tv;
	int64		n;
	int64		cap;
	Size		held;			/* bytes accounted for ecomai.max_memory */
} MfReader;

/* Account for "bytes" more memory. */
static void
reader_reserve(MfReader *rd, Size bytes)
{
	rd->held += bytes;
	ecomai_check_memory(rd->held, "mf_fit");
}

/* Index of a key, adding it when new (add) or -1 when unknown. */
static int32
dict_index(MfReader *rd, KeyDict *d, const char *key, bool add)
{
	EcomaiNameEntry *e;
	bool		found;

	if (!add)
	{
		e = ecomai_names_lookup(d->map, key);
		return e ? e->index : -1;
	}
	e = ecomai_names_insert(d->map, key, &found);
	if (!found)
	{
		Size		len = strlen(key) + 1;

		if (d->n == PG_INT32_MAX - 1)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many distinct values in column \"%s\"", d->colname)));
		if (d->n == d->cap)
		{
			int			newcap = d->cap < 1024 ? 1024 : d->cap * 2;

			reader_reserve(rd, (Size) (newcap - d->cap) * (sizeof(char *) + 2 * sizeof(EcomaiNameEntry)));
			d->keys = d->keys ? repalloc_huge(d->keys, sizeof(char *) * newcap)
				: palloc_extended(sizeof(char *) * newcap, MCXT_ALLOC_HUGE);
			d->cap = newcap;
		}
		reader_reserve(rd, len);
		e->name = MemoryContextStrdup(d->map->ctx, key);
		e->index = d->n;
		d->keys[d->n++] = (char *) e->name;
		d->bytes += len;
	}
	return e->index;
}

/* One batch of (user text, item text[, value float8]) rows. */
static void
read_rows(SPITupleTable *tt, uint64 nrows, void *arg)
{
	MfReader   *rd = (MfReader *) arg;
	MemoryContext old;

	if (rd->n + (int64) nrows > rd->cap)
	{
		int64		newcap = Max(rd->cap * 2, Max(rd->n + (int64) nrows, 65536));

		reader_reserve(rd, (Size) (newcap - rd->cap) * (2 * sizeof(int32) + sizeof(double)));
		rd->tu = rd->tu ? repalloc_huge(rd->tu, sizeof(int32) * newcap) : palloc_extended(sizeof(int32) * newcap, MCXT_ALLOC_HUGE);
		rd->ti = rd->ti ? repalloc_huge(rd->ti, sizeof(int32) * newcap) : palloc_extended(sizeof(int32) * newcap, MCXT_ALLOC_HUGE);
		rd->tv = rd->tv ? repalloc_huge(rd->tv, sizeof(double) * newcap) : palloc_extended(sizeof(double) * newcap, MCXT_ALLOC_HUGE);
		rd->cap = newcap;
	}
	MemoryContextReset(rd->batchcxt);
	old = MemoryContextSwitchTo(rd->batchcxt);
	for (uint64 row = 0; row < nrows; row++)
	{
		HeapTuple	tup = tt->vals[row];
		bool		isnull;
		char	   *ukey = TextDatumGetCString(SPI_getbinval(tup, tt->tupdesc, 1, &isnull));
		char	   *ikey = TextDatumGetCString(SPI_getbinval(tup, tt->tupdesc, 2, &isnull));
		double		v = 1.0;
		int32		u,
					i;

		if (rd->has_value)
		{
			Datum		d = SPI_getbinval(tup, tt->tupdesc, 3, &isnull);

			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("column \"%s\" contains a NULL value", rd->value_col),
						 errdetail("Every row with a user and an item needs a value."),
						 errhint("Filter the rows in a view, or use coalesce().")));
			v = DatumGetFloat8(d);
			if (isnan(v) || isinf(v))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("column \"%s\" contains NaN or infinity", rd->value_col),
						 errdetail("Values must be finite numbers.")));
			if (rd->implicit && v < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("column \"%s\" contains a negative value", rd->value_col),
						 errdetail("Implicit feedback values (counts, quantities) must not be negative.")));
		}
		MemoryContextSwitchTo(old);
		u = dict_index(rd, rd->users, ukey, rd->add_keys);
		i = dict_index(rd, rd->items, ikey, rd->add_keys);
		MemoryContextSwitchTo(rd->batchcxt);
		if (u < 0 || i < 0)
			continue;
		rd->tu[rd->n] = u;
		rd->ti[rd->n] = i;
		rd->tv[rd->n] = v;
		rd->n++;
	}
	MemoryContextSwitchTo(old);
}

/* ERROR 42703 unless column colname of relid exists. */
static void
check_key_column(Oid relid, const char *colname)
{
	if (get_attnum(relid, colname) == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						colname, get_rel_name(relid))));
}

/* Type of an existing column. */
static Oid
column_type(Oid relid, const char *colname)
{
	return get_atttype(relid, get_attnum(relid, colname));
}

/* Read (user, item[, value]) rows of relid into rd (rows with a NULL key skipped). */
static void
read_relation(MfReader *rd, Oid relid, const char *user_col, const char *item_col,
			  const char *value_col)
{
	StringInfoData q;
	const char *rel;
	const char *u = quote_identifier(user_col);
	const char *i = quote_identifier(item_col);

	if (get_rel_name(relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	check_key_column(relid, user_col);
	check_key_column(relid, item_col);
	if (value_col)
		ecomai_ratings_check_column(relid, value_col, false);
	rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
	initStringInfo(&q);
	appendStringInfo(&q, "SELECT %s::pg_catalog.text, %s::pg_catalog.text", u, i);
	if (value_col)
		appendStringInfo(&q, ", %s::pg_catalog.float8", quote_identifier(value_col));
	appendStringInfo(&q, " FROM %s WHERE %s IS NOT NULL AND %s IS NOT NULL", rel, u, i);
	rd->has_value = (value_col != NULL);
	rd->value_col = value_col;
	rd->batchcxt = AllocSetContextCreate(CurrentMemoryContext, "mf_fit batch", ALLOCSET_DEFAULT_SIZES);
	ecomai_spi_for_each_batch(q.data, read_rows, rd);
	MemoryContextDelete(rd->batchcxt);
}

/* qsort_arg comparator: key indexes by the byte order of their texts */
static int
cmp_key_index(const void *a, const void *b, void *arg)
{
	char	  **keys = (char **) arg;

	return strcmp(keys[*(const int32 *) a], keys[*(const int32 *) b]);
}

/* Renumber a dictionary in byte order of its keys; returns rank[arrival index]. */
static int32 *
sort_dict(KeyDict *d)
{
	int32	   *order = palloc_extended(sizeof(int32) * (Size) Max(d->n, 1), MCXT_ALLOC_HUGE);
	int32	   *rank = palloc_extended(sizeof(int32) * (Size) Max(d->n, 1), MCXT_ALLOC_HUGE);
	char	  **sorted = palloc_extended(sizeof(char *) * (Size) Max(d->n, 1), MCXT_ALLOC_HUGE);

	for (int k = 0; k < d->n; k++)
		order[k] = k;
	qsort_arg(order, d->n, sizeof(int32), cmp_key_index, d->keys);
	for (int k = 0; k < d->n; k++)
	{
		EcomaiNameEntry *e = ecomai_names_lookup(d->map, d->keys[order[k]]);

		rank[order[k]] = k;
		sorted[k] = d->keys[order[k]];
		e->index = k;
	}
	pfree(d->keys);
	pfree(order);
	d->keys = sorted;
	return rank;
}

/* Copy a sorted dictionary's keys into a model's offsets and key bytes. */
static void
copy_keys(const KeyDict *d, int32 *off, char *keys)
{
	Size		pos = 0;

	for (int k = 0; k < d->n; k++)
	{
		Size		len = strlen(d->keys[k]) + 1;

		off[k] = (int32) pos;
		memcpy(keys + pos, d->keys[k], len);
		pos += len;
	}
	off[d->n] = (int32) pos;
}

/* Sparse rows: row r's cells are ptr[r] .. ptr[r+1]-1. */
typedef struct MfCsr
{
	int			n;
	int64	   *ptr;
	int32	   *idx;
	double	   *val;
} MfCsr;

/* Scatter (row[p], col[p], val[p]) into CSR rows, in order of p. */
static MfCsr
scatter(int n, int64 nnz, const int32 *row, const int32 *col, const double *val)
{
	MfCsr		c;

	c.n = n;
	c.ptr = palloc_extended(sizeof(int64) * ((Size) n + 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	c.idx = palloc_extended(sizeof(int32) * (Size) Max(nnz, 1), MCXT_ALLOC_HUGE);
	c.val = palloc_extended(sizeof(double) * (Size) Max(nnz, 1), MCXT_ALLOC_HUGE);
	for (int64 p = 0; p < nnz; p++)
		c.ptr[row[p] + 1]++;
	for (int r = 0; r < n; r++)
		c.ptr[r + 1] += c.ptr[r];
	for (int64 p = 0; p < nnz; p++)
	{
		int64		pos = c.ptr[row[p]]++;

		if ((p & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
		c.idx[pos] = col[p];
		c.val[pos] = val[p];
	}
	for (int r = n; r > 0; r--)
		c.ptr[r] = c.ptr[r - 1];
	c.ptr[0] = 0;
	return c;
}

/*
 * Both orientations of the training cells, repeated (user, item) rows merged:
 * summed for implicit feedback, averaged for ratings.
 */
static void
build_cells(MfReader *rd, int nu, int ni, bool implicit, MfCsr *byuser, MfCsr *byitem)
{
	MfCsr		tmp;
	int32	   *ru,
			   *ri;
	int64		nnz = 0;

	reader_reserve(rd, (Size) rd->n * 2 * (sizeof(int32) + sizeof(double)) + ((Size) nu + ni) * 16);
	/* item-major first, then walking items in order into user rows sorts each row by item */
	tmp = scatter(ni, rd->n, rd->ti, rd->tu, rd->tv);
	ru = palloc_extended(sizeof(int32) * (Size) Max(rd->n, 1), MCXT_ALLOC_HUGE);
	ri = palloc_extended(sizeof(int32) * (Size) Max(rd->n, 1), MCXT_ALLOC_HUGE);
	for (int i = 0; i < ni; i++)
		for (int64 p = tmp.ptr[i]; p < tmp.ptr[i + 1]; p++)
		{
			ru[p] = tmp.idx[p];
			ri[p] = i;
		}
	*byuser = scatter(nu, rd->n, ru, ri, tmp.val);
	pfree(ru);
	pfree(ri);
	pfree(tmp.ptr);
	pfree(tmp.idx);
	pfree(tmp.val);

	/* merge adjacent repeats in place */
	for (int u = 0; u < nu; u++)
	{
		int64		start = byuser->ptr[u],
					end = byuser->ptr[u + 1];
		int			count = 0;

		byuser->ptr[u] = nnz;
		for (int64 p = start; p < end; p++)
		{
			if (nnz > byuser->ptr[u] && byuser->idx[nnz - 1] == byuser->idx[p])
			{
				byuser->val[nnz - 1] += byuser->val[p];
				count++;
				continue;
			}
			if (!implicit && count > 1)
				byuser->val[nnz - 1] /= count;
			byuser->idx[nnz] = byuser->idx[p];
			byuser->val[nnz] = byuser->val[p];
			nnz++;
			count = 1;
		}
		if (!implicit && count > 1)
			byuser->val[nnz - 1] /= count;
	}
	byuser->ptr[nu] = nnz;
	for (int64 p = 0; p < nnz; p++)
		if (isinf(byuser->val[p]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("sum of values in column \"%s\" is out of range", rd->value_col)));

	/* item-major from the merged rows */
	ru = palloc_extended(sizeof(int32) * (Size) Max(nnz, 1), MCXT_ALLOC_HUGE);
	for (int u = 0; u < nu; u++)
		for (int64 p = byuser->ptr[u]; p < byuser->ptr[u + 1]; p++)
			ru[p] = u;
	*byitem = scatter(ni, nnz, byuser->idx, ru, byuser->val);
	pfree(ru);
}

/*
 * Short dot products and axpy over one row of factors (f is small: the call
 * overhead of BLAS level 1 would dominate).  They work on blocks of
 * MF_VEC doubles in GCC's generic vector type, which the compiler maps to
 * whatever vector registers the target has (two AVX2 registers, four SSE2
 * ones); the dot product keeps two blocks of partial sums, so that the
 * multiply-adds of consecutive blocks do not wait for each other.  The order
 * of operations is fixed, so results are reproducible.
 */
#define MF_VEC 4
typedef double mf_vec __attribute__((vector_size(MF_VEC * sizeof(double)), aligned(sizeof(double))));

/* The block at a (any double alignment), and a store of one. */
#define MF_LOAD(a) (*(const mf_vec *) (a))
#define MF_STORE(a, v) (*(mf_vec *) (a) = (v))

/* The sum of a block's elements. */
static pg_attribute_always_inline double
mf_vec_sum(const mf_vec *s)
{
	return ((*s)[0] + (*s)[1]) + ((*s)[2] + (*s)[3]);
}

/* The dot product of a[d..n-1] and b[d..n-1], the elements after the last whole block. */
static pg_attribute_always_inline double
mf_dot_tail(int d, int n, const double *a, const double *b)
{
	double		sum = 0;

	for (; d < n; d++)
		sum += a[d] * b[d];
	return sum;
}

static pg_attribute_always_inline double
mf_dot(int n, const double *restrict a, const double *restrict b)
{
	mf_vec		s0 = {0},
				s1 = {0},
				s2 = {0},
				s3 = {0};
	int			d = 0;

	for (; d + 4 * MF_VEC <= n; d += 4 * MF_VEC)
	{
		s0 += MF_LOAD(a + d) * MF_LOAD(b + d);
		s1 += MF_LOAD(a + d + MF_VEC) * MF_LOAD(b + d + MF_VEC);
		s2 += MF_LOAD(a + d + 2 * MF_VEC) * MF_LOAD(b + d + 2 * MF_VEC);
		s3 += MF_LOAD(a + d + 3 * MF_VEC) * MF_LOAD(b + d + 3 * MF_VEC);
	}
	for (; d + MF_VEC <= n; d += MF_VEC)
		s0 += MF_LOAD(a + d) * MF_LOAD(b + d);
	s0 = (s0 + s1) + (s2 + s3);
	return mf_vec_sum(&s0) + mf_dot_tail(d, n, a, b);
}

/* y += a * x */
static pg_attribute_always_inline void
mf_axpy(int n, double a, const double *restrict x, double *restrict y)
{
	int			d = 0;

	for (; d + MF_VEC <= n; d += MF_VEC)
		MF_STORE(y + d, MF_LOAD(y + d) + a * MF_LOAD(x + d));
	for (; d < n; d++)
		y[d] += a * x[d];
}

/*
 * out[k] = Y[rows[k]] . v for n rows of f factors: four rows at a time, so
 * that each block of v is loaded once for four multiply-adds, with two
 * blocks of partial sums per row.
 */
static pg_attribute_always_inline void
mf_rows_dot(int f, const double *Y, const int32 *rows, int n, const double *restrict v,
			double *restrict out)
{
	int			k = 0;

	for (; k + 4 <= n; k += 4)
	{
		const double *y0 = Y + (Size) rows[k] * f;
		const double *y1 = Y + (Size) rows[k + 1] * f;
		const double *y2 = Y + (Size) rows[k + 2] * f;
		const double *y3 = Y + (Size) rows[k + 3] * f;
		mf_vec		a0 = {0},
					a1 = {0},
					a2 = {0},
					a3 = {0},
					b0 = {0},
					b1 = {0},
					b2 = {0},
					b3 = {0};
		int			d = 0;

		for (; d + 2 * MF_VEC <= f; d += 2 * MF_VEC)
		{
			mf_vec		v0 = MF_LOAD(v + d),
						v1 = MF_LOAD(v + d + MF_VEC);

			a0 += MF_LOAD(y0 + d) * v0;
			a1 += MF_LOAD(y1 + d) * v0;
			a2 += MF_LOAD(y2 + d) * v0;
			a3 += MF_LOAD(y3 + d) * v0;
			b0 += MF_LOAD(y0 + d + MF_VEC) * v1;
			b1 += MF_LOAD(y1 + d + MF_VEC) * v1;
			b2 += MF_LOAD(y2 + d + MF_VEC) * v1;
			b3 += MF_LOAD(y3 + d + MF_VEC) * v1;
		}
		if (d + MF_VEC <= f)
		{
			mf_vec		v0 = MF_LOAD(v + d);

			a0 += MF_LOAD(y0 + d) * v0;
			a1 += MF_LOAD(y1 + d) * v0;
			a2 += MF_LOAD(y2 + d) * v0;
			a3 += MF_LOAD(y3 + d) * v0;
			d += MF_VEC;
		}
		a0 += b0;
		a1 += b1;
		a2 += b2;
		a3 += b3;
		out[k] = mf_vec_sum(&a0) + mf_dot_tail(d, f, y0, v);
		out[k + 1] = mf_vec_sum(&a1) + mf_dot_tail(d, f, y1, v);
		out[k + 2] = mf_vec_sum(&a2) + mf_dot_tail(d, f, y2, v);
		out[k + 3] = mf_vec_sum(&a3) + mf_dot_tail(d, f, y3, v);
	}
	for (; k < n; k++)
		out[k] = mf_dot(f, Y + (Size) rows[k] * f, v);
}

/*
 * out += sum over k of w[k] * Y[rows[k]] for n rows of f factors: out is
 * taken in stripes of eight blocks held in registers while the rows stream
 * through, so each multiply-add costs one load.
 */
static pg_attribute_always_inline void
mf_rows_axpy(int f, const double *Y, const int32 *rows, int n, const double *restrict w,
			 double *restrict out)
{
	int			d = 0;

	for (; d + 8 * MF_VEC <= f; d += 8 * MF_VEC)
	{
		mf_vec		o[8];

#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			o[j] = MF_LOAD(out + d + j * MF_VEC);
		for (int k = 0; k < n; k++)
		{
			const double *y = Y + (Size) rows[k] * f + d;

#pragma GCC unroll 8
			for (int j = 0; j < 8; j++)
				o[j] += w[k] * MF_LOAD(y + j * MF_VEC);
		}
#pragma GCC unroll 8
		for (int j = 0; j < 8; j++)
			MF_STORE(out + d + j * MF_VEC, o[j]);
	}
	for (; d + MF_VEC <= f; d += MF_VEC)
	{
		mf_vec		o = MF_LOAD(out + d);

		for (int k = 0; k < n; k++)
			o += w[k] * MF_LOAD(Y + (Size) rows[k] * f + d);
		MF_STORE(out + d, o);
	}
	for (; d < f; d++)
	{
		double		o = out[d];

		for (int k = 0; k < n; k++)
			o += w[k] * Y[(Size) rows[k] * f + d];
		out[d] = o;
	}
}

/*
 * The Gram matrix Y'Y of Y's m rows plus reg on the diagonal, both triangles
 * filled (the rows of a product with mf_rows_axpy).
 */
static void
mf_gram(int f, int m, const double *Y, double reg, double *G)
{
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, f, m, 1.0, Y, f, 0.0, G, f);
	for (int d = 0; d < f; d++)
	{
		G[d * f + d] += reg;
		for (int e = d + 1; e < f; e++)
			G[e * f + d] = G[d * f + e];
	}
}

/* ---------------------------------------------------------------------------
 * ALS
 * ---------------------------------------------------------------------------
 */

/* Hyper-parameters and workspace of one training run. */
typedef struct MfTrain
{
	int			kind;
	int			solver;
	int			f;
	double		reg;
	double		alpha;
	double		mu;
	double	   *gram;			/* f x f (implicit) */
	double	   *A;				/* (f+1) x (f+1) */
	double	   *b;				/* f + 1 */
	double	   *r;
	double	   *p;
	double	   *Ap;
	double	   *yt;				/* f + 1: [1, y] */
	double	   *w;				/* MF_BLOCK: a block of cells' weights */
	int32	   *rows;			/* f: 0, 1, ..., f - 1 (the rows of gram) */
} MfTrain;

/* ERROR: a row's system was not positive definite (only possible without regularization). */
static void
not_positive_definite(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("least-squares system is singular"),
			 errdetail("A user's or an item's normal equations are not positive definite."),
			 errhint("Use a positive regularization.")));
}

/* Solve A z = b (upper triangle of row-major A, i.e. lower in LAPACK's column-major). */
static void
solve_spd(double *A, double *b, int n)
{
	int			one = 1,
				info = 0;

	dposv_("L", &n, &one, A, &n, b, &n, &info);
	if (info != 0)
		not_positive_definite();
}

/*
 * On x86-64 the row loops are also compiled for x86-64-v3 (AVX2 with fused
 * multiply-add, where each mf_vec is one register) and the CPU picks the
 * version at load time (GCC function multi-versioning): the build stays
 * portable, and one machine always runs the same code, so results stay
 * bit-identical there.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MF_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MF_MULTIVERSION
#endif

/*
 * out += Yu' diag(c1) Yu v over a row's cells [start, end): the cells'
 * products with v, then the weighted sum of their factor rows, MF_BLOCK cells
 * at a time (their rows stay in cache between the two passes).
 */
static pg_attribute_always_inline void
implicit_cells_times(MfTrain *t, const double *Y, const MfCsr *csr, int64 start, int64 end,
					 const double *restrict v, double *restrict out)
{
	for (int64 q0 = start; q0 < end; q0 += MF_BLOCK)
	{
		int			n = (int) Min(end - q0, MF_BLOCK);

		mf_rows_dot(t->f, Y, csr->idx + q0, n, v, t->w);
		for (int k = 0; k < n; k++)
			t->w[k] *= t->alpha * csr->val[q0 + k];
		mf_rows_axpy(t->f, Y, csr->idx + q0, n, t->w, out);
	}
}

/*
 * r = b - A x for one row x: b = Yu' (1 + C1) p and A = G + Yu' C1 Yu,
 * with G = Y'Y + reg I and C1 = alpha * value.
 */
static pg_attribute_always_inline void
implicit_residual(MfTrain *t, const double *x, const double *Y, const MfCsr *csr,
				  int64 start, int64 end, double *restrict r)
{
	int			f = t->f;

	for (int d = 0; d < f; d++)
		t->b[d] = -x[d];
	memset(r, 0, sizeof(double) * f);
	mf_rows_axpy(f, t->gram, t->rows, f, t->b, r);
	for (int64 q0 = start; q0 < end; q0 += MF_BLOCK)
	{
		int			n = (int) Min(end - q0, MF_BLOCK);

		mf_rows_dot(f, Y, csr->idx + q0, n, x, t->w);
		for (int k = 0; k < n; k++)
		{
			double		val = csr->val[q0 + k];
			double		c1 = t->alpha * val;

			t->w[k] = (1.0 + c1) * (val > 0 ? 1.0 : 0.0) - c1 * t->w[k];
		}
		mf_rows_axpy(f, Y, csr->idx + q0, n, t->w, r);
	}
}

/*
 * Three conjugate-gradient steps for one row x (its cells [start, end) over
 * the other side's factors Y) on A x = b (implicit_residual): the Gram part
 * of A p is one product with G, the rest passes over the row's cells only.
 */
static pg_attribute_always_inline void
implicit_row_cg(MfTrain *t, double *restrict x, const double *Y, const MfCsr *csr,
				int64 start, int64 end)
{
	int			f = t->f;
	double	   *restrict r = t->r;
	double	   *restrict p = t->p;
	double	   *restrict Ap = t->Ap;
	double		rsold,
				rsnew;

	implicit_residual(t, x, Y, csr, start, end, r);
	memcpy(p, r, sizeof(double) * f);
	rsold = mf_dot(f, r, r);
	if (rsold < 1e-20)
		return;
	for (int s = 0; s < MF_CG_STEPS; s++)
	{
		double		step,
					beta,
					pAp;

		memset(Ap, 0, sizeof(double) * f);
		mf_rows_axpy(f, t->gram, t->rows, f, p, Ap);
		implicit_cells_times(t, Y, csr, start, end, p, Ap);
		pAp = mf_dot(f, p, Ap);
		if (!(pAp > 0))
			break;
		step = rsold / pAp;
		mf_axpy(f, step, p, x);
		mf_axpy(f, -step, Ap, r);
		rsnew = mf_dot(f, r, r);
		if (rsnew < 1e-20)
			break;
		beta = rsnew / rsold;
		for (int d = 0; d < f; d++)
			p[d] = r[d] + beta * p[d];
		rsold = rsnew;
	}
}

/*
 * The exact solution for one row x: (G + Yu' C1 Yu) x = Yu' (1 + C1) p by
 * Cholesky factorisation.
 */
static pg_attribute_always_inline void
implicit_row_cholesky(MfTrain *t, double *restrict x, const double *Y, const MfCsr *csr,
					  int64 start, int64 end)
{
	int			f = t->f;

	memcpy(t->A, t->gram, sizeof(double) * f * f);
	memset(x, 0, sizeof(double) * f);
	for (int64 q = start; q < end; q++)
	{
		const double *y = Y + (Size) csr->idx[q] * f;
		double		c1 = t->alpha * csr->val[q];

		if (c1 != 0)
			cblas_dsyr(CblasRowMajor, CblasUpper, f, c1, y, 1, t->A, f);
		if (csr->val[q] > 0)
			mf_axpy(f, 1.0 + c1, y, x);
	}
	solve_spd(t->A, x, f);
}

/*
 * One implicit half-step: every row of X (n rows, cells in csr) from the
 * other side's factors Y (m rows).
 */
MF_MULTIVERSION
static void
implicit_step(MfTrain *t, double *X, const double *Y, int m, const MfCsr *csr)
{
	int			f = t->f;

	mf_gram(f, m, Y, t->reg, t->gram);
	for (int u = 0; u < csr->n; u++)
	{
		CHECK_FOR_INTERRUPTS();
		if (t->solver == MF_SOLVER_CHOLESKY)
			implicit_row_cholesky(t, X + (Size) u * f, Y, csr, csr->ptr[u], csr->ptr[u + 1]);
		else
			implicit_row_cg(t, X + (Size) u * f, Y, csr, csr->ptr[u], csr->ptr[u + 1]);
	}
}

/*
 * One explicit half-step: every row's bias and factors (X, bx) from the
 * other side's (Y, by): minimise sum (r - mu - by - bx - x.y)^2 +
 * reg * n_row * (bx^2 + |x|^2).
 */
static void
explicit_step(MfTrain *t, double *X, double *bx, const double *Y, const double *by,
			  const MfCsr *csr)
{
	int			f = t->f;
	int			g = f + 1;

	for (int u = 0; u < csr->n; u++)
	{
		int64		start = csr->ptr[u],
					end = csr->ptr[u + 1];
		double		lambda = t->reg * (double) (end - start);
		double	   *x = X + (Size) u * f;

		CHECK_FOR_INTERRUPTS();
		memset(t->A, 0, sizeof(double) * g * g);
		memset(t->b, 0, sizeof(double) * g);
		for (int64 q = start; q < end; q++)
		{
			int			i = csr->idx[q];

			t->yt[0] = 1.0;
			memcpy(t->yt + 1, Y + (Size) i * f, sizeof(double) * f);
			cblas_dsyr(CblasRowMajor, CblasUpper, g, 1.0, t->yt, 1, t->A, g);
			cblas_daxpy(g, csr->val[q] - t->mu - by[i], t->yt, 1, t->b, 1);
		}
		for (int d = 0; d < g; d++)
			t->A[d * g + d] += lambda;
		if (t->solver == MF_SOLVER_CHOLESKY)
		{
			solve_spd(t->A, t->b, g);
			bx[u] = t->b[0];
			memcpy(x, t->b + 1, sizeof(double) * f);
		}
		else
		{
			double	   *z = t->yt;
			double		rsold,
						rsnew;

			z[0] = bx[u];
			memcpy(z + 1, x, sizeof(double) * f);
			cblas_dsymv(CblasRowMajor, CblasUpper, g, -1.0, t->A, g, z, 1, 1.0, t->b, 1);
			memcpy(t->p, t->b, sizeof(double) * g);
			rsold = cblas_ddot(g, t->b, 1, t->b, 1);
			for (int s = 0; s < MF_CG_STEPS && rsold >= 1e-20; s++)
			{
				double		pAp,
							step;

				cblas_dsymv(CblasRowMajor, CblasUpper, g, 1.0, t->A, g, t->p, 1, 0.0, t->Ap, 1);
				pAp = cblas_ddot(g, t->p, 1, t->Ap, 1);
				if (!(pAp > 0))
					break;
				step = rsold / pAp;
				cblas_daxpy(g, step, t->p, 1, z, 1);
				cblas_daxpy(g, -step, t->Ap, 1, t->b, 1);
				rsnew = cblas_ddot(g, t->b, 1, t->b, 1);
				cblas_dscal(g, rsnew / rsold, t->p, 1);
				cblas_daxpy(g, 1.0, t->b, 1, t->p, 1);
				rsold = rsnew;
			}
			bx[u] = z[0];
			memcpy(x, z + 1, sizeof(double) * f);
		}
	}
}

/*
 * The implicit training loss: sum over all cells of c (p - x.y)^2 plus the
 * regularization, divided by the total confidence (as the implicit library
 * reports it).  The absent cells' sum of (x.y)^2 is x'(Y'Y)x per user, less
 * the observed cells' share.
 */
MF_MULTIVERSION
static double
implicit_loss(MfTrain *t, const double *X, const double *Y, const MfCsr *byuser, int ni)
{
	int			f = t->f;
	double		loss = 0,
				norms = 0,
				total_conf = 0,
				weight;

	mf_gram(f, ni, Y, 0.0, t->gram);
	for (int u = 0; u < byuser->n; u++)
	{
		const double *x = X + (Size) u * f;

		CHECK_FOR_INTERRUPTS();
		memset(t->r, 0, sizeof(double) * f);
		mf_rows_axpy(f, t->gram, t->rows, f, x, t->r);
		loss += mf_dot(f, x, t->r);
		for (int64 q0 = byuser->ptr[u]; q0 < byuser->ptr[u + 1]; q0 += MF_BLOCK)
		{
			int			n = (int) Min(byuser->ptr[u + 1] - q0, MF_BLOCK);

			mf_rows_dot(f, Y, byuser->idx + q0, n, x, t->w);
			for (int k = 0; k < n; k++)
			{
				double		s = t->w[k];
				double		c = 1.0 + t->alpha * byuser->val[q0 + k];
				double		pref = byuser->val[q0 + k] > 0 ? 1.0 : 0.0;

				loss += c * (pref - s) * (pref - s) - s * s;
				total_conf += c;
			}
		}
		norms += mf_dot(f, x, x);
	}
	for (int i = 0; i < ni; i++)
		norms += mf_dot(f, Y + (Size) i * f, Y + (Size) i * f);
	weight = total_conf + (double) byuser->n * ni - (double) byuser->ptr[byuser->n];
	return (loss + t->reg * norms) / weight;
}

/*
 * Training loss after an iteration.  Implicit: implicit_loss.  Explicit: the
 * regularized squared error divided by the number of ratings.
 */
static double
training_loss(MfTrain *t, const double *X, const double *bu, const double *Y, const double *bi,
			  const MfCsr *byuser, int ni)
{
	int			f = t->f;
	double		loss = 0,
				norms = 0,
				weight = 0;

	if (t->kind == MF_IMPLICIT)
		return implicit_loss(t, X, Y, byuser, ni);
	for (int u = 0; u < byuser->n; u++)
	{
		const double *x = X + (Size) u * f;
		double		n_u = (double) (byuser->ptr[u + 1] - byuser->ptr[u]);

		CHECK_FOR_INTERRUPTS();
		for (int64 q = byuser->ptr[u]; q < byuser->ptr[u + 1]; q++)
		{
			int			i = byuser->idx[q];
			double		e = byuser->val[q] - t->mu - bu[u] - bi[i] - mf_dot(f, x, Y + (Size) i * f);

			loss += e * e;
		}
		norms += n_u * (bu[u] * bu[u] + mf_dot(f, x, x));
	}
	/* each item's norm weighted by its count: sum over cells of the item side */
	for (int u = 0; u < byuser->n; u++)
		for (int64 q = byuser->ptr[u]; q < byuser->ptr[u + 1]; q++)
		{
			int			i = byuser->idx[q];

			norms += bi[i] * bi[i] + mf_dot(f, Y + (Size) i * f, Y + (Size) i * f);
		}
	weight = (double) byuser->ptr[byuser->n];
	return (loss + t->reg * norms) / weight;
}

/* Validation cells (dictionary indexes) as CSR by user, or n = 0. */
typedef struct MfValidation
{
	MfCsr		cells;
	int64		nnz;
} MfValidation;

/*
 * The validation metric: explicit, the RMSE over the validation cells
 * (lower is better); implicit, precision at 10 over validation users, with
 * their training items left out of the ranking (higher is better).
 */
static double
validation_metric(MfTrain *t, const MfValidation *v, const double *X, const double *bu,
				  const double *Y, const double *bi, const MfCsr *byuser, int ni,
				  double *scores, bool *relevant)
{
	int			f = t->f;
	double		sum = 0;
	int64		count = 0;

	for (int u = 0; u < v->cells.n; u++)
	{
		const double *x = X + (Size) u * f;
		int64		start = v->cells.ptr[u],
					end = v->cells.ptr[u + 1];

		if (start == end)
			continue;
		CHECK_FOR_INTERRUPTS();
		if (t->kind == MF_EXPLICIT)
		{
			for (int64 q = start; q < end; q++)
			{
				int			i = v->cells.idx[q];
				double		e = v->cells.val[q] - t->mu - bu[u] - bi[i] - cblas_ddot(f, x, 1, Y + (Size) i * f, 1);

				sum += e * e;
				count++;
			}
		}
		else
		{
			EcomaiTopK	top;
			int			hits = 0,
						n;

			cblas_dgemv(CblasRowMajor, CblasNoTrans, ni, f, 1.0, Y, f, x, 1, 0.0, scores, 1);
			for (int64 q = byuser->ptr[u]; q < byuser->ptr[u + 1]; q++)
				scores[byuser->idx[q]] = -INFINITY;
			for (int64 q = start; q < end; q++)
				relevant[v->cells.idx[q]] = true;
			ecomai_topk_init(&top, MF_VALID_K);
			for (int i = 0; i < ni; i++)
				if (scores[i] > -INFINITY)
					ecomai_topk_offer(&top, i, scores[i]);
			n = ecomai_topk_sort(&top);
			for (int k = 0; k < n; k++)
				hits += relevant[top.items[k].id] ? 1 : 0;
			for (int64 q = start; q < end; q++)
				relevant[v->cells.idx[q]] = false;
			pfree(top.items);
			sum += (double) hits / MF_VALID_K;
			count++;
		}
	}
	if (count == 0)
		return NAN;
	return t->kind == MF_EXPLICIT ? sqrt(sum / count) : sum / count;
}

/* A standard normal draw (Box-Muller on pg_prng). */
static double
normal_draw(pg_prng_state *rng)
{
	double		u1 = 1.0 - pg_prng_double(rng);	/* (0, 1] */
	double		u2 = pg_prng_double(rng);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Text argument, lower-cased check against two choices; returns 0 or 1. */
static int
choice_arg(text *arg, const char *param, const char *a, const char *b)
{
	char	   *s = text_to_cstring(arg);

	if (strcmp(s, a) == 0)
		return 0;
	if (strcmp(s, b) == 0)
		return 1;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", param, s),
			 errhint("Use '%s' or '%s'.", a, b)));
	return 0;
}

/* One training run: the data, the factors being trained, the best iteration and the log. */
typedef struct MfRun
{
	MfTrain		t;
	int			nu;
	int			ni;
	MfCsr		byuser;
	MfCsr		byitem;
	bool		has_valid;
	MfValidation valid;
	double	   *X;				/* the model's factors and biases */
	double	   *Y;
	double	   *bu;
	double	   *bi;
	double	   *bestX;			/* the best iteration's (with validation) */
	double	   *bestY;
	double	   *bestbu;
	double	   *bestbi;
	double	   *scores;			/* implicit validation: [ni] scratch */
	bool	   *relevant;
	double	   *logloss;		/* [iterations] */
	double	   *logvalid;
	int			nlog;
} MfRun;

/*
 * Read the training relation into rd (keys into users and items, numbered
 * in byte order) and its cells by user and by item into run.
 */
static void
mf_read_training(MfRun *run, MfReader *rd, KeyDict *users, KeyDict *items, Oid relid,
				 const char *user_col, const char *item_col, const char *value_col)
{
	int32	   *urank,
			   *irank;

	users->colname = user_col;
	items->colname = item_col;
	users->map = ecomai_names_create(CurrentMemoryContext, 1024, NULL);
	items->map = ecomai_names_create(CurrentMemoryContext, 1024, NULL);
	rd->users = users;
	rd->items = items;
	rd->add_keys = true;
	rd->implicit = (run->t.kind == MF_IMPLICIT);
	read_relation(rd, relid, user_col, item_col, value_col);
	if (rd->n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no rows to train on", get_rel_name(relid)),
				 errdetail("Rows with a NULL user or item are skipped.")));
	run->nu = users->n;
	run->ni = items->n;
	urank = sort_dict(users);
	irank = sort_dict(items);
	for (int64 p = 0; p < rd->n; p++)
	{
		rd->tu[p] = urank[rd->tu[p]];
		rd->ti[p] = irank[rd->ti[p]];
	}
	build_cells(rd, run->nu, run->ni, run->t.kind == MF_IMPLICIT, &run->byuser, &run->byitem);
}

/*
 * Read the validation relation: its cells by user (keys unknown to training
 * skipped), the metric's scratch and room for the best iteration's factors;
 * bytes is the size of the model, counted against ecomai.max_memory.
 */
static void
mf_read_validation(MfRun *run, MfReader *rd, KeyDict *users, KeyDict *items, Oid relid,
				   const char *user_col, const char *item_col, const char *value_col,
				   Size bytes)
{
	MfReader	vr = {0};
	int			nu = run->nu,
				ni = run->ni,
				f = run->t.f;

	vr.users = users;
	vr.items = items;
	vr.add_keys = false;
	vr.implicit = (run->t.kind == MF_IMPLICIT);
	vr.held = rd->held + bytes;
	read_relation(&vr, relid, user_col, item_col, value_col);
	run->valid.cells = scatter(nu, vr.n, vr.tu, vr.ti, vr.tv);
	run->valid.nnz = vr.n;
	if (run->t.kind == MF_IMPLICIT)
	{
		reader_reserve(rd, (Size) ni * (sizeof(double) + sizeof(bool)));
		run->scores = palloc(sizeof(double) * ni);
		run->relevant = palloc0(sizeof(bool) * ni);
	}
	reader_reserve(rd, bytes);
	run->bestX = palloc_extended(sizeof(double) * (Size) nu * f, MCXT_ALLOC_HUGE);
	run->bestY = palloc_extended(sizeof(double) * (Size) ni * f, MCXT_ALLOC_HUGE);
	run->bestbu = palloc(sizeof(double) * nu);
	run->bestbi = palloc(sizeof(double) * ni);
}

/* The solver's workspace for f factors (t's kind, solver, f, reg and alpha set). */
static void
mf_workspace(MfTrain *t)
{
	int			g = t->f + 1;

	t->mu = 0;
	t->gram = palloc(sizeof(double) * t->f * t->f);
	t->A = palloc(sizeof(double) * g * g);
	t->b = palloc(sizeof(double) * g);
	t->r = palloc(sizeof(double) * g);
	t->p = palloc(sizeof(double) * g);
	t->Ap = palloc(sizeof(double) * g);
	t->yt = palloc(sizeof(double) * g);
	t->w = palloc(sizeof(double) * MF_BLOCK);
	t->rows = palloc(sizeof(int32) * t->f);
	for (int d = 0; d < t->f; d++)
		t->rows[d] = d;
}

/*
 * After an iteration with validation metric metric: remember the factors
 * when it is the best so far (*best), else put the best back and return
 * true (early stop).
 */
static bool
mf_keep_best(MfRun *run, double metric, double *best, int it)
{
	int			f = run->t.f;
	bool		better = isnan(*best) || (run->t.kind == MF_EXPLICIT ? metric < *best : metric > *best);

	if (better)
	{
		*best = metric;
		memcpy(run->bestX, run->X, sizeof(double) * (Size) run->nu * f);
		memcpy(run->bestY, run->Y, sizeof(double) * (Size) run->ni * f);
		memcpy(run->bestbu, run->bu, sizeof(double) * run->nu);
		memcpy(run->bestbi, run->bi, sizeof(double) * run->ni);
		return false;
	}
	/* early stop: keep the best iteration's factors */
	memcpy(run->X, run->bestX, sizeof(double) * (Size) run->nu * f);
	memcpy(run->Y, run->bestY, sizeof(double) * (Size) run->ni * f);
	memcpy(run->bu, run->bestbu, sizeof(double) * run->nu);
	memcpy(run->bi, run->bestbi, sizeof(double) * run->ni);
	ereport(NOTICE,
			(errmsg("mf_fit stops early after iteration %d: validation got worse; the model keeps iteration %d",
					it + 1, it)));
	return true;
}

/*
 * Initial factors from the seed, then up to iterations ALS iterations, each
 * logged (run->logloss, run->logvalid, run->nlog) and reported as a NOTICE;
 * with validation, stop when the metric gets worse.
 */
static void
mf_iterate(MfRun *run, int iterations, int seed)
{
	MfTrain    *t = &run->t;
	int			f = t->f;
	double		best = NAN;
	pg_prng_state rng;
	double		scale = t->kind == MF_IMPLICIT ? 0.01 : 0.1;

	pg_prng_seed(&rng, (uint64) (int64) seed);
	for (Size p = 0; p < (Size) run->nu * f; p++)
		run->X[p] = scale * normal_draw(&rng);
	for (Size p = 0; p < (Size) run->ni * f; p++)
		run->Y[p] = scale * normal_draw(&rng);

	for (int it = 0; it < iterations; it++)
	{
		double		loss,
					metric = NAN;

		if (t->kind == MF_IMPLICIT)
		{
			implicit_step(t, run->X, run->Y, run->ni, &run->byuser);
			implicit_step(t, run->Y, run->X, run->nu, &run->byitem);
		}
		else
		{
			explicit_step(t, run->X, run->bu, run->Y, run->bi, &run->byuser);
			explicit_step(t, run->Y, run->bi, run->X, run->bu, &run->byitem);
		}
		loss = training_loss(t, run->X, run->bu, run->Y, run->bi, &run->byuser, run->ni);
		if (run->has_valid)
			metric = validation_metric(t, &run->valid, run->X, run->bu, run->Y, run->bi,
									   &run->byuser, run->ni, run->scores, run->relevant);
		run->logloss[run->nlog] = loss;
		run->logvalid[run->nlog] = metric;
		run->nlog++;
		if (run->has_valid)
			ereport(NOTICE,
					(errmsg("mf_fit iteration %d: loss %.6g, validation %s %.6g",
							it + 1, loss, t->kind == MF_EXPLICIT ? "rmse" : "precision@10", metric)));
		else
			ereport(NOTICE, (errmsg("mf_fit iteration %d: loss %.6g", it + 1, loss)));

		if (run->has_valid && !isnan(metric) && mf_keep_best(run, metric, &best, it))
			break;
	}
}

/*
 * The model with the run's log: the log sits between the biases and the key
 * offsets, so a run that stopped early is copied into a model with nlog
 * entries.
 */
static MfModel *
mf_with_log(MfModel *m, const MfRun *run, int iterations, const KeyDict *users,
			const KeyDict *items)
{
	int			nlog = run->nlog;

	if (nlog < iterations)
	{
		MfModel		header = *m;
		MfModel    *m2;
		Size		head = (char *) mf_log_loss(m) - (char *) m;

		header.nlog = nlog;
		m2 = ecomai_mf_alloc(&header, users->bytes, items->bytes, "mf_fit");
		memcpy((char *) m2 + VARHDRSZ, (char *) m + VARHDRSZ, head - VARHDRSZ);
		m2->nlog = nlog;
		memcpy(mf_user_key_off(m2), mf_user_key_off(m),
			   sizeof(int32) * ((Size) run->nu + run->ni + 2) + users->bytes + items->bytes);
		pfree(m);
		m = m2;
	}
	memcpy(mf_log_loss(m), run->logloss, sizeof(double) * nlog);
	memcpy(mf_log_valid(m), run->logvalid, sizeof(double) * nlog);
	return m;
}

/*
 * mf_fit(source, user_col, item_col, value_col, kind, factors,
 *		  regularization, alpha, iterations, seed, solver, validation)
 */
Datum
ecomai_mf_fit(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *user_col,
			   *item_col,
			   *value_col;
	int			kind,
				solver,
				f,
				iterations,
				seed;
	double		reg,
				alpha;
	KeyDict		users = {0},
				items = {0};
	MfReader	rd = {0};
	MfRun		run = {0};
	MfModel		header;
	MfModel    *m;
	Size		bytes;

	/* all but value_col (3), regularization (6) and validation (11) */
	ecomai_require_args(fcinfo, ECOMAI_ARGS_BELOW(11) & ~ECOMAI_ARG(3) & ~ECOMAI_ARG(6));
	relid = PG_GETARG_OID(0);
	user_col = NameStr(*PG_GETARG_NAME(1));
	item_col = NameStr(*PG_GETARG_NAME(2));
	value_col = PG_ARGISNULL(3) ? NULL : NameStr(*PG_GETARG_NAME(3));
	kind = choice_arg(PG_GETARG_TEXT_PP(4), "kind", "implicit", "explicit") == 0 ? MF_IMPLICIT : MF_EXPLICIT;
	f = PG_GETARG_INT32(5);
	reg = PG_ARGISNULL(6) ? (kind == MF_IMPLICIT ? 0.01 : 0.05) : PG_GETARG_FLOAT8(6);
	alpha = PG_GETARG_FLOAT8(7);
	iterations = PG_GETARG_INT32(8);
	seed = PG_GETARG_INT32(9);
	solver = choice_arg(PG_GETARG_TEXT_PP(10), "solver", "cg", "cholesky") == 0 ? MF_SOLVER_CG : MF_SOLVER_CHOLESKY;
	run.has_valid = !PG_ARGISNULL(11);

	if (f < 1 || f > MF_MAX_FACTORS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("factors must be between 1 and %d, not %d", MF_MAX_FACTORS, f)));
	if (isnan(reg) || isinf(reg) || reg < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("regularization must be a finite number of at least 0")));
	if (isnan(alpha) || isinf(alpha) || alpha < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha must be a finite number of at least 0")));
	if (iterations < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("iterations must be at least 1, not %d", iterations)));
	if (kind == MF_EXPLICIT && value_col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("explicit matrix factorisation needs a value column"),
				 errhint("Pass the ratings column as value_col, or use kind => 'implicit'.")));
	run.t.kind = kind;
	run.t.solver = solver;
	run.t.f = f;
	run.t.reg = reg;
	run.t.alpha = alpha;

	mf_read_training(&run, &rd, &users, &items, relid, user_col, item_col, value_col);

	/* the model holds the factors being trained */
	header = (MfModel) {
		.kind = kind, .solver = solver, .factors = f, .nusers = run.nu, .nitems = run.ni,
		.iterations = iterations, .nlog = iterations, .seed = seed,
		.user_type = column_type(relid, user_col), .item_type = column_type(relid, item_col),
		.regularization = reg, .alpha = alpha
	};
	m = ecomai_mf_alloc(&header, users.bytes, items.bytes, "mf_fit");
	bytes = VARSIZE(m);
	run.X = mf_user_factors(m);
	run.Y = mf_item_factors(m);
	run.bu = mf_user_bias(m);
	run.bi = mf_item_bias(m);
	run.logloss = palloc(sizeof(double) * iterations);
	run.logvalid = palloc(sizeof(double) * iterations);

	copy_keys(&users, mf_user_key_off(m), mf_user_keys(m));
	copy_keys(&items, mf_item_key_off(m), mf_item_keys(m));

	if (run.has_valid)
		mf_read_validation(&run, &rd, &users, &items, PG_GETARG_OID(11), user_col, item_col,
						   value_col, bytes);

	mf_workspace(&run.t);
	if (kind == MF_EXPLICIT)
	{
		double		s = 0;

		for (int64 p = 0; p < run.byuser.ptr[run.nu]; p++)
			s += run.byuser.val[p];
		run.t.mu = s / (double) run.byuser.ptr[run.nu];
		m->global_mean = run.t.mu;
	}

	mf_iterate(&run, iterations, seed);
	PG_RETURN_POINTER(mf_with_log(m, &run, iterations, &users, &items));
}
