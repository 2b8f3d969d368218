/*
 * cf_predict.c
 *	  knn_predict: batch rating prediction by k nearest neighbours, with the
 *	  rules of Surprise's KNNBasic, KNNWithMeans, KNNWithZScore and
 *	  KNNBaseline (centering none, mean, zscore, baseline), user- or
 *	  item-based.
 *
 * The train relation is loaded once into sparse rows in both orientations
 * (ratings.c).  Call x the entity whose neighbours are sought (the user for
 * kind 'user') and y the other one.  The pairs to predict are grouped by
 * their x; for each distinct x one sparse product (x's row against the
 * columns of the y's it rated) accumulates the per-neighbour sums of the
 * measure, over co-rated entries, in dense accumulators, so only one row of
 * the similarity matrix exists at a time: memory O(nonzeros + x count).
 * Then for each pair (x, y), the k most similar x2 among those who rated y,
 * positive similarities only, give
 *   none:     sum(sim * r) / sum(sim)
 *   mean:     mu_x + sum(sim * (r - mu_x2)) / sum(sim)
 *   zscore:   mu_x + sigma_x * sum(sim * (r - mu_x2) / sigma_x2) / sum(sim)
 *   baseline: b_xy + sum(sim * (r - b_x2y)) / sum(sim)
 * with Surprise's fallbacks (see docs/cf.md) and clipping to the train's
 * rating range.  The similarity formulas are Surprise's term by term (its
 * pearson is n*sum(ab) - sum(a)sum(b) over sqrt of the two variances, its
 * cosine sum(ab) / sqrt(sum(a^2) * sum(b^2))), so that its published test
 * values reproduce to 1e-9.  Ties at the k-th place go to the smaller
 * neighbour id (Surprise keeps the one that comes first in its file).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "baselines.h"
#include "ecomai.h"
#include "ratings.h"
#include "srf.h"
#include "topk.h"

PG_FUNCTION_INFO_V1(ecomai_knn_predict);

typedef enum
{
	M_COSINE, M_ADJUSTED_COSINE, M_PEARSON, M_PEARSON_BASELINE, M_MSD, M_JACCARD
} Measure;

typedef enum
{
	C_NONE, C_MEAN, C_ZSCORE, C_BASELINE
} Centering;

/* The validated parameters. */
typedef struct KnnParams
{
	bool		user_based;
	int			k;
	int			min_k;
	Measure		measure;
	bool		common;
	double		shrinkage;
	Centering	centering;
	bool		clip;
	int			min_support;
	bool		normalize;
	bool		self_neighbor;	/* x is its own neighbour (similarity 1) when (x, y) is in train */
} KnnParams;

/* One orientation of the train matrix: x rows over y columns, and its statistics. */
typedef struct Orient
{
	EcomaiRatingsAxis x;		/* the model's rows: users (user-based) or items */
	EcomaiRatingsAxis y;		/* the other axis */
	double		mu;
	double	   *bx;				/* biases, when the measure or centering needs them */
	double	   *by;
	double	   *sigma;			/* per-x standard deviation, for zscore */
	const double *cx;			/* values as the measure sees them, x-major */
	const double *cy;			/* the same values, y-major */
	double	   *sq;				/* per-x sum of cx^2 (norms over all entries) */
	int64	   *perm;			/* per y column, positions in tie-break order (NULL: id order) */
} Orient;

/* Dense per-neighbour accumulators for one row of the similarity matrix. */
typedef struct SimRow
{
	int32	   *cnt;
	double	   *sxy;
	double	   *sxx;
	double	   *syy;
	double	   *sx;
	double	   *sy;
	double	   *sqd;
	double	   *sim;
	int32	   *touched;
	int			ntouched;
} SimRow;

/* The pairs to predict, as read from the pairs relation. */
typedef struct Pairs
{
	int64		n;
	int64		cap;
	int64	   *user_id;
	int64	   *item_id;
	double	   *actual;
	bool	   *nulls;			/* [3 * n]: user, item, actual */
} Pairs;

/*
 * The position of text argument "what" in a NULL-terminated list of valid
 * values (the list's order is the enum's); ERROR 22023 "unknown <noun>"
 * listing them otherwise.
 */
static int
choice_param(FunctionCallInfo fcinfo, int argno, const char *noun, const char *what,
			 const char *const *valid)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	StringInfoData list;

	for (int i = 0; valid[i]; i++)
		if (strcmp(s, valid[i]) == 0)
			return i;
	initStringInfo(&list);
	for (int i = 0; valid[i]; i++)
		appendStringInfo(&list, "%s%s", i == 0 ? "" : (valid[i + 1] ? ", " : " and "), valid[i]);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown %s \"%s\"", noun, s),
			 errhint("Valid values of %s are %s.", what, list.data)));
	return -1;					/* keep compiler quiet */
}

/* An integer argument that must be at least "min"; ERROR 22023 otherwise. */
static int
int_param(FunctionCallInfo fcinfo, int argno, const char *what, int min)
{
	int			v = PG_GETARG_INT32(argno);

	if (v < min)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least %d, not %d", what, min, v)));
	return v;
}

/* Parse and validate every parameter but the relations and columns. */
static KnnParams
knn_params(FunctionCallInfo fcinfo)
{
	static const char *const kinds[] = {"user", "item", NULL};
	static const char *const measures[] = {"cosine", "adjusted_cosine", "pearson", "pearson_baseline",
	"msd", "jaccard", NULL};
	static const char *const overs[] = {"common", "all", NULL};
	static const char *const centerings[] = {"none", "mean", "zscore", "baseline", NULL};
	KnnParams	p;

	/* all 17 but shrinkage (10) and order_col (15) */
	ecomai_require_args(fcinfo, ECOMAI_ARGS_BELOW(17) & ~ECOMAI_ARG(10) & ~ECOMAI_ARG(15));

	p.user_based = choice_param(fcinfo, 5, "kind", "kind", kinds) == 0;
	p.k = int_param(fcinfo, 6, "k", 1);
	p.min_k = int_param(fcinfo, 7, "min_k", 0);
	p.measure = (Measure) choice_param(fcinfo, 8, "measure", "measure", measures);
	p.common = choice_param(fcinfo, 9, "value of over", "over", overs) == 0;
	if (p.measure == M_JACCARD && p.common)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("measure jaccard is defined over all entries only"),
				 errhint("Use over => 'all' with jaccard.")));
	if (p.measure == M_PEARSON_BASELINE && !p.common)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("measure pearson_baseline is defined over common entries only"),
				 errhint("Use over => 'common' with pearson_baseline.")));

	if (PG_ARGISNULL(10))
		p.shrinkage = p.measure == M_PEARSON_BASELINE ? 100.0 : 0.0;
	else
	{
		p.shrinkage = PG_GETARG_FLOAT8(10);
		if (!(p.shrinkage >= 0) || isinf(p.shrinkage))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("shrinkage must be a finite number >= 0 or NULL, not %s",
							float8out_internal(p.shrinkage))));
	}

	p.centering = (Centering) choice_param(fcinfo, 11, "centering", "centering", centerings);
	p.clip = PG_GETARG_BOOL(12);
	p.min_support = int_param(fcinfo, 13, "min_support", 1);
	/* Surprise: a Pearson baseline correlation needs two points */
	if (p.measure == M_PEARSON_BASELINE)
		p.min_support = Max(p.min_support, 2);
	p.normalize = PG_GETARG_BOOL(14);
	p.self_neighbor = PG_GETARG_BOOL(16);
	return p;
}

/* A per-row visitor over ecomai_spi_for_each_batch. */
typedef struct RowVisitor
{
	void		(*fn) (HeapTuple tup, TupleDesc desc, void *arg);
	void	   *arg;
} RowVisitor;

static void
visit_rows(SPITupleTable *tt, uint64 nrows, void *arg)
{
	RowVisitor *v = (RowVisitor *) arg;

	for (uint64 row = 0; row < nrows; row++)
		v->fn(tt->vals[row], tt->tupdesc, v->arg);
}

/* Run a read-only query as the caller and hand every row to fn. */
static void
spi_for_each_row(const char *query, void (*fn) (HeapTuple tup, TupleDesc desc, void *arg), void *arg)
{
	RowVisitor	v = {fn, arg};

	ecomai_spi_for_each_batch(query, visit_rows, &v);
}

/* The quoted, schema-qualified name of a relation. */
static const char *
rel_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

/* Append one (user, item, actual) row of the pairs relation. */
static void
add_pair(HeapTuple tup, TupleDesc desc, void *arg)
{
	Pairs	   *pr = (Pairs *) arg;
	bool	   *nl;
	Datum		d;

	if (pr->n == pr->cap)
	{
		int64		cap = pr->cap * 2;

		ecomai_check_memory((sizeof(int64) * 2 + sizeof(double) + 3) * (Size) cap, "knn_predict pairs");
		pr->user_id = repalloc_huge(pr->user_id, sizeof(int64) * cap);
		pr->item_id = repalloc_huge(pr->item_id, sizeof(int64) * cap);
		pr->actual = repalloc_huge(pr->actual, sizeof(double) * cap);
		pr->nulls = repalloc_huge(pr->nulls, sizeof(bool) * 3 * cap);
		pr->cap = cap;
	}
	nl = &pr->nulls[3 * pr->n];
	d = SPI_getbinval(tup, desc, 1, &nl[0]);
	pr->user_id[pr->n] = nl[0] ? 0 : DatumGetInt64(d);
	d = SPI_getbinval(tup, desc, 2, &nl[1]);
	pr->item_id[pr->n] = nl[1] ? 0 : DatumGetInt64(d);
	d = SPI_getbinval(tup, desc, 3, &nl[2]);
	pr->actual[pr->n] = nl[2] ? 0 : DatumGetFloat8(d);
	pr->n++;
}

/*
 * Read the pairs relation: (user, item[, value]) as the caller.  Its columns
 * are named as in the source relation, or user_id and item as
 * train_test_split returns them (then without a value: actual is NULL).
 */
static void
read_pairs(Oid relid, const char *user_col, const char *item_col, const char *value_col, Pairs *pr)
{
	bool		has_actual;

	if (get_rel_name(relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (get_attnum(relid, user_col) == InvalidAttrNumber &&
		get_attnum(relid, item_col) == InvalidAttrNumber &&
		get_attnum(relid, "user_id") != InvalidAttrNumber &&
		get_attnum(relid, "item") != InvalidAttrNumber)
	{
		user_col = "user_id";
		item_col = "item";
	}
	else if (get_attnum(relid, user_col) == InvalidAttrNumber ||
			 get_attnum(relid, item_col) == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						get_attnum(relid, user_col) == InvalidAttrNumber ? user_col : item_col,
						get_rel_name(relid)),
				 errhint("The pairs relation names its columns as the source does (%s, %s) or user_id and item as train_test_split returns them.",
						 user_col, item_col)));
	has_actual = get_attnum(relid, value_col) != InvalidAttrNumber;
	ecomai_ratings_check_column(relid, user_col, true);
	ecomai_ratings_check_column(relid, item_col, true);
	if (has_actual)
		ecomai_ratings_check_column(relid, value_col, false);

	pr->n = 0;
	pr->cap = 1024;
	pr->user_id = palloc(sizeof(int64) * pr->cap);
	pr->item_id = palloc(sizeof(int64) * pr->cap);
	pr->actual = palloc(sizeof(double) * pr->cap);
	pr->nulls = palloc(sizeof(bool) * 3 * pr->cap);
	spi_for_each_row(psprintf("SELECT %s::pg_catalog.int8, %s::pg_catalog.int8, %s FROM %s",
							  quote_identifier(user_col), quote_identifier(item_col),
							  has_actual ? psprintf("%s::pg_catalog.float8", quote_identifier(value_col))
							  : "NULL::pg_catalog.float8",
							  rel_name(relid)),
					 add_pair, pr);
}

/* Find the position of x in the (ascending) column y, or -1. */
static int64
column_position(const Orient *o, int y, int x)
{
	int64		lo = o->y.ptr[y];
	int64		hi = o->y.ptr[y + 1] - 1;

	while (lo <= hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (o->y.idx[mid] == x)
			return mid;
		if (o->y.idx[mid] < x)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int64 *perm_keys;

static int
cmp_perm(const void *a, const void *b)
{
	int64		i = *(const int64 *) a;
	int64		j = *(const int64 *) b;

	if (perm_keys[i] != perm_keys[j])
		return perm_keys[i] < perm_keys[j] ? -1 : 1;
	return (i > j) - (i < j);
}

/* What add_tie_key needs: the model and the per-cell keys being filled. */
typedef struct TieLoad
{
	const Orient *o;
	const EcomaiRatings *r;
	bool		user_based;
	int64	   *key;
} TieLoad;

/* Keep the smallest order_col value of each train cell. */
static void
add_tie_key(HeapTuple tup, TupleDesc desc, void *arg)
{
	TieLoad    *tl = (TieLoad *) arg;
	bool		isnull;
	int			ui = ecomai_ratings_user_index(tl->r, DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull)));
	int			ii = ecomai_ratings_item_index(tl->r, DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull)));
	int64		ord = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
	int64		pos;

	if (ui < 0 || ii < 0)
		return;					/* changed under us: the loader did not see it */
	pos = tl->user_based ? column_position(tl->o, ii, ui) : column_position(tl->o, ui, ii);
	if (pos >= 0 && ord < tl->key[pos])
		tl->key[pos] = ord;
}

/*
 * Tie-break order from order_col: within each y column, the cells sorted by
 * the smallest order_col value of their train rows (Surprise keeps, among
 * equally similar neighbours, the one read first from its file: a line
 * number column reproduces it).
 */
static void
load_tie_order(Orient *o, const EcomaiRatings *r, bool user_based, Oid relid, const char *user_col,
			   const char *item_col, const char *value_col, const char *order_col, int64 nnz)
{
	TieLoad		tl;
	const char *u = quote_identifier(user_col);
	const char *i = quote_identifier(item_col);
	const char *oc = quote_identifier(order_col);

	ecomai_ratings_check_column(relid, order_col, true);
	ecomai_check_memory(2 * sizeof(int64) * (Size) Max(nnz, 1), "knn_predict tie order");
	tl.o = o;
	tl.r = r;
	tl.user_based = user_based;
	tl.key = palloc(sizeof(int64) * Max(nnz, 1));
	for (int64 t = 0; t < nnz; t++)
		tl.key[t] = PG_INT64_MAX;
	spi_for_each_row(psprintf("SELECT %s::pg_catalog.int8, %s::pg_catalog.int8, %s::pg_catalog.int8 FROM %s "
							  "WHERE %s IS NOT NULL AND %s IS NOT NULL AND %s IS NOT NULL AND %s IS NOT NULL",
							  u, i, oc, rel_name(relid), u, i, oc, quote_identifier(value_col)),
					 add_tie_key, &tl);

	o->perm = palloc(sizeof(int64) * Max(nnz, 1));
	for (int64 t = 0; t < nnz; t++)
		o->perm[t] = t;
	perm_keys = tl.key;
	for (int y = 0; y < o->y.n; y++)
	{
		CHECK_FOR_INTERRUPTS();
		qsort(o->perm + o->y.ptr[y], o->y.ptr[y + 1] - o->y.ptr[y], sizeof(int64), cmp_perm);
	}
	perm_keys = NULL;
	pfree(tl.key);
}

/* Per-x population standard deviation; a constant x gets the overall one (Surprise). */
static double *
x_sigmas(const Orient *o, const EcomaiRatings *r)
{
	double	   *sigma = palloc(sizeof(double) * Max(o->x.n, 1));
	double		all = 0;

	for (int x = 0; x < r->nusers; x++)
		for (int64 p = r->user_ptr[x]; p < r->user_ptr[x + 1]; p++)
			all += (r->user_vals[p] - r->global_mean) * (r->user_vals[p] - r->global_mean);
	all = r->nnz > 0 ? sqrt(all / (double) r->nnz) : 0;
	for (int x = 0; x < o->x.n; x++)
	{
		double		ss = 0;
		int64		n = o->x.ptr[x + 1] - o->x.ptr[x];

		for (int64 p = o->x.ptr[x]; p < o->x.ptr[x + 1]; p++)
			ss += (o->x.val[p] - o->x.means[x]) * (o->x.val[p] - o->x.means[x]);
		sigma[x] = ss == 0 ? all : sqrt(ss / (double) n);
	}
	return sigma;
}

/* Rating v of cell (x, y) less what the measure centres on: y's mean, x's mean or the baseline. */
static inline double
centred_value(const Orient *o, const KnnParams *p, double v, int x, int y)
{
	if (p->measure == M_ADJUSTED_COSINE)
		return v - o->y.means[y];
	if (p->measure == M_PEARSON)
		return v - o->x.means[x];
	return v - (o->mu + o->by[y] + o->bx[x]);
}

/*
 * The values the measure compares: raw, or centred on the y's mean
 * (adjusted_cosine), on the x's mean (pearson over all entries), or on the
 * baseline (pearson_baseline).  Fills o->cx, o->cy and the per-x norms.
 */
static void
measure_values(Orient *o, const KnnParams *p, int64 nnz)
{
	double	   *cx;
	double	   *cy;
	bool		centred = p->measure == M_ADJUSTED_COSINE || p->measure == M_PEARSON_BASELINE ||
		(p->measure == M_PEARSON && !p->common);

	if (!centred)
	{
		o->cx = o->x.val;
		o->cy = o->y.val;
	}
	else
	{
		cx = palloc(sizeof(double) * Max(nnz, 1));
		cy = palloc(sizeof(double) * Max(nnz, 1));
		/* the same cells twice: x-major for the rows, y-major for the columns */
		for (int x = 0; x < o->x.n; x++)
		{
			CHECK_FOR_INTERRUPTS();
			for (int64 q = o->x.ptr[x]; q < o->x.ptr[x + 1]; q++)
				cx[q] = centred_value(o, p, o->x.val[q], x, o->x.idx[q]);
		}
		for (int y = 0; y < o->y.n; y++)
		{
			CHECK_FOR_INTERRUPTS();
			for (int64 q = o->y.ptr[y]; q < o->y.ptr[y + 1]; q++)
				cy[q] = centred_value(o, p, o->y.val[q], o->y.idx[q], y);
		}
		o->cx = cx;
		o->cy = cy;
	}
	o->sq = palloc0(sizeof(double) * Max(o->x.n, 1));
	for (int x = 0; x < o->x.n; x++)
		for (int64 q = o->x.ptr[x]; q < o->x.ptr[x + 1]; q++)
			o->sq[x] += o->cx[q] * o->cx[q];
}

static SimRow
simrow_new(int nx)
{
	SimRow		s;
	Size		n = Max(nx, 1);

	/* and the neighbour heap of at most nx entries */
	ecomai_check_memory(n * (7 * sizeof(double) + 2 * sizeof(int32) + sizeof(EcomaiTopKItem)),
						"knn_predict similarity row");
	s.cnt = palloc0(sizeof(int32) * n);
	s.sxy = palloc0(sizeof(double) * n);
	s.sxx = palloc0(sizeof(double) * n);
	s.syy = palloc0(sizeof(double) * n);
	s.sx = palloc0(sizeof(double) * n);
	s.sy = palloc0(sizeof(double) * n);
	s.sqd = palloc0(sizeof(double) * n);
	s.sim = palloc0(sizeof(double) * n);
	s.touched = palloc(sizeof(int32) * n);
	s.ntouched = 0;
	return s;
}

/* The similarity of x2 to a from the accumulated sums (Surprise's formulas). */
static double
similarity(const Orient *o, const KnnParams *p, const SimRow *s, int a, int b)
{
	int32		n = s->cnt[b];
	double		sim;

	if (n < p->min_support)
		return 0;
	switch (p->measure)
	{
		case M_COSINE:
		case M_ADJUSTED_COSINE:
		case M_PEARSON_BASELINE:
			{
				double		den = p->common ? sqrt(s->sxx[b] * s->syy[b]) : sqrt(o->sq[a]) * sqrt(o->sq[b]);

				sim = den > 0 ? s->sxy[b] / den : 0;
			}
			break;
		case M_PEARSON:
			if (p->common)
			{
				double		num = n * s->sxy[b] - s->sx[b] * s->sy[b];
				double		den = sqrt((n * s->sxx[b] - s->sx[b] * s->sx[b]) *
									   (n * s->syy[b] - s->sy[b] * s->sy[b]));

				sim = den > 0 ? num / den : 0;
			}
			else
			{
				double		den = sqrt(o->sq[a]) * sqrt(o->sq[b]);

				sim = den > 0 ? s->sxy[b] / den : 0;
			}
			break;
		case M_MSD:
			if (p->common)
				sim = 1.0 / (s->sqd[b] / n + 1.0);
			else
			{
				/* missing entries count as 0, the mean is over the union */
				double		sd = Max(o->sq[a] + o->sq[b] - 2.0 * s->sxy[b], 0);
				int64		uni = (o->x.ptr[a + 1] - o->x.ptr[a]) + (o->x.ptr[b + 1] - o->x.ptr[b]) - n;

				sim = 1.0 / (sd / (double) uni + 1.0);
			}
			break;
		case M_JACCARD:
			sim = (double) n / (double) ((o->x.ptr[a + 1] - o->x.ptr[a]) + (o->x.ptr[b + 1] - o->x.ptr[b]) - n);
			break;
		default:
			sim = 0;			/* keep compiler quiet */
	}
	if (p->shrinkage > 0)
	{
		/* Surprise shrinks its Pearson baseline by (n - 1), everything else by n */
		double		m = p->measure == M_PEARSON_BASELINE ? n - 1 : n;

		sim *= m / (m + p->shrinkage);
	}
	return sim;
}

/* Fill s->sim with the similarities of every x to a (a itself: 1). */
static void
similarity_row(const Orient *o, const KnnParams *p, SimRow *s, int a)
{
	for (int64 q = o->x.ptr[a]; q < o->x.ptr[a + 1]; q++)
	{
		int			y = o->x.idx[q];
		double		va = o->cx[q];

		CHECK_FOR_INTERRUPTS();
		for (int64 t = o->y.ptr[y]; t < o->y.ptr[y + 1]; t++)
		{
			int			b = o->y.idx[t];
			double		vb = o->cy[t];

			if (s->cnt[b]++ == 0)
				s->touched[s->ntouched++] = b;
			s->sxy[b] += va * vb;
			s->sxx[b] += va * va;
			s->syy[b] += vb * vb;
			s->sx[b] += va;
			s->sy[b] += vb;
			s->sqd[b] += (va - vb) * (va - vb);
		}
	}
	for (int t = 0; t < s->ntouched; t++)
	{
		int			b = s->touched[t];

		s->sim[b] = similarity(o, p, s, a, b);
	}
	s->sim[a] = 1.0;			/* as Surprise: a rated pair in pairs sees itself */
}

/* Clear the accumulators that similarity_row touched. */
static void
similarity_row_reset(SimRow *s, int a)
{
	for (int t = 0; t < s->ntouched; t++)
	{
		int			b = s->touched[t];

		s->cnt[b] = 0;
		s->sxy[b] = s->sxx[b] = s->syy[b] = s->sx[b] = s->sy[b] = s->sqd[b] = 0;
		s->sim[b] = 0;
	}
	s->sim[a] = 0;
	s->ntouched = 0;
}

/* The rating r of neighbour b for y, as the centering sees it. */
static inline double
deviation(const Orient *o, Centering c, int b, int y, double r)
{
	switch (c)
	{
		case C_MEAN:
			return r - o->x.means[b];
		case C_ZSCORE:
			return (r - o->x.means[b]) / o->sigma[b];
		case C_BASELINE:
			return r - (o->mu + o->bx[b] + o->by[y]);
		default:
			return r;
	}
}

/*
 * Estimate the rating of known x a for known y: the neighbour aggregate.
 * Returns the estimate before clipping and sets *k_used.
 */
static double
estimate(const Orient *o, const KnnParams *p, const SimRow *s, EcomaiTopK *top, int a, int y,
		 int *k_used)
{
	double		sum_sim = 0;
	double		sum = 0;
	int			n;
	double		base;
	double		agg;

	ecomai_topk_reset(top);
	for (int64 t = o->y.ptr[y]; t < o->y.ptr[y + 1]; t++)
	{
		int64		q = o->perm ? o->perm[t] : t;
		double		sim = s->sim[o->y.idx[q]];

		if (o->y.idx[q] == a && !p->self_neighbor)
			continue;

		/*
		 * t orders like the neighbour's id, or like order_col: ties go to the
		 * smaller
		 */
		if (sim > 0)
			ecomai_topk_offer(top, t, sim);
	}
	n = ecomai_topk_sort(top);
	for (int i = 0; i < n; i++)
	{
		int64		q = o->perm ? o->perm[top->items[i].id] : top->items[i].id;
		double		sim = top->items[i].score;

		sum_sim += sim;
		sum += sim * deviation(o, p->centering, o->y.idx[q], y, o->y.val[q]);
	}
	*k_used = n;

	switch (p->centering)
	{
		case C_NONE:
			base = 0;
			break;
		case C_BASELINE:
			base = o->mu + o->bx[a] + o->by[y];
			break;
		default:
			base = o->x.means[a];
	}
	if (n < p->min_k || !(sum_sim > 0))
	{
		/* impossible: KNNBasic falls back on the global mean, the others on their base */
		return p->centering == C_NONE ? o->mu : base;
	}
	agg = p->normalize ? sum / sum_sim : sum;
	if (p->centering == C_ZSCORE)
		agg *= o->sigma[a];
	return base + agg;
}

/* Estimate for a pair whose user or item is not in train (Surprise's rules). */
static double
estimate_unknown(const Orient *o, const KnnParams *p, int xi, int yi)
{
	double		est = o->mu;

	if (p->centering != C_BASELINE)
		return est;
	if (xi >= 0)
		est += o->bx[xi];
	if (yi >= 0)
		est += o->by[yi];
	return est;
}

/* Order pair indexes by their x index (unknown x last); arg is the x indexes. */
static int
cmp_pair_x(const void *a, const void *b, void *arg)
{
	const int32 *keys = (const int32 *) arg;
	int64		i = *(const int64 *) a;
	int64		j = *(const int64 *) b;
	uint32		xi = (uint32) keys[i];
	uint32		xj = (uint32) keys[j];

	if (xi != xj)
		return xi < xj ? -1 : 1;
	return (i > j) - (i < j);
}

/*
 * The model of knn_predict: the ratings seen from x (the users of a
 * user-based model, else the items), with the baselines, deviations and
 * measure values that p asks for.
 */
static void
orient_ratings(Orient *o, const KnnParams *p, const EcomaiRatings *r)
{
	memset(o, 0, sizeof(*o));
	o->mu = r->global_mean;
	o->x = ecomai_ratings_axis(r, p->user_based);
	o->y = ecomai_ratings_axis(r, !p->user_based);
	ecomai_check_memory(sizeof(double) * (4 * (Size) r->nnz + 4 * ((Size) r->nusers + r->nitems)),
						"knn_predict model");
	if (p->centering == C_BASELINE || p->measure == M_PEARSON_BASELINE)
	{
		double	   *bu = palloc(sizeof(double) * Max(r->nusers, 1));
		double	   *bi = palloc(sizeof(double) * Max(r->nitems, 1));

		ecomai_baselines_als(r, ECOMAI_BASELINE_REG_U, ECOMAI_BASELINE_REG_I, ECOMAI_BASELINE_EPOCHS, bu, bi);
		o->bx = p->user_based ? bu : bi;
		o->by = p->user_based ? bi : bu;
	}
	if (p->centering == C_ZSCORE)
		o->sigma = x_sigmas(o, r);
	measure_values(o, p, r->nnz);
}

/*
 * knn_predict(source, pairs, user_col, item_col, value_col, kind, k, min_k,
 *			   measure, over, shrinkage, centering, clip, min_support, normalized,
 *			   order_col, self_neighbor)
 * RETURNS TABLE (user_id, item, actual, estimate, k_used), one row per
 * row of pairs, in the order they were read.
 */
Datum
ecomai_knn_predict(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	KnnParams	p = knn_params(fcinfo);
	Oid			source = PG_GETARG_OID(0);
	Oid			pairs_rel = PG_GETARG_OID(1);
	const char *user_col = NameStr(*PG_GETARG_NAME(2));
	const char *item_col = NameStr(*PG_GETARG_NAME(3));
	const char *value_col = NameStr(*PG_GETARG_NAME(4));
	EcomaiRatings *r;
	Orient		o;
	Pairs		pr;
	int32	   *xs;
	int32	   *ys;
	int64	   *order;
	double	   *est;
	int32	   *kused;
	SimRow		srow;
	EcomaiTopK	top;
	int			cur = -1;

	r = ecomai_ratings_load(source, user_col, item_col, value_col, "knn_predict");
	read_pairs(pairs_rel, user_col, item_col, value_col, &pr);

	orient_ratings(&o, &p, r);
	if (!PG_ARGISNULL(15))
		load_tie_order(&o, r, p.user_based, source, user_col, item_col, value_col,
					   NameStr(*PG_GETARG_NAME(15)), r->nnz);

	/* map the pairs to dense indexes and group them by x */
	ecomai_check_memory((2 * sizeof(int32) + sizeof(int64) + sizeof(double) + sizeof(int32)) * (Size) Max(pr.n, 1),
						"knn_predict pairs");
	xs = palloc(sizeof(int32) * Max(pr.n, 1));
	ys = palloc(sizeof(int32) * Max(pr.n, 1));
	order = palloc(sizeof(int64) * Max(pr.n, 1));
	est = palloc(sizeof(double) * Max(pr.n, 1));
	kused = palloc0(sizeof(int32) * Max(pr.n, 1));
	for (int64 i = 0; i < pr.n; i++)
	{
		int			ui = pr.nulls[3 * i] ? -1 : ecomai_ratings_user_index(r, pr.user_id[i]);
		int			ii = pr.nulls[3 * i + 1] ? -1 : ecomai_ratings_item_index(r, pr.item_id[i]);

		xs[i] = p.user_based ? ui : ii;
		ys[i] = p.user_based ? ii : ui;
		order[i] = i;
	}
	qsort_arg(order, pr.n, sizeof(int64), cmp_pair_x, xs);

	/*
	 * The heap holds neighbours of one x among those who rated a y: never
	 * more than there are x, so a larger k (1e9 for "all") costs nothing
	 * more; simrow_new counted it.
	 */
	srow = simrow_new(o.x.n);
	ecomai_topk_init(&top, Min(p.k, Max(o.x.n, 1)));
	for (int64 t = 0; t < pr.n; t++)
	{
		int64		i = order[t];
		int			x = xs[i];
		int			y = ys[i];
		int			k_used = 0;
		double		e;

		CHECK_FOR_INTERRUPTS();
		if (x < 0 || y < 0)
			e = estimate_unknown(&o, &p, x, y);
		else
		{
			if (x != cur)
			{
				if (cur >= 0)
					similarity_row_reset(&srow, cur);
				similarity_row(&o, &p, &srow, x);
				cur = x;
			}
			e = estimate(&o, &p, &srow, &top, x, y, &k_used);
		}
		if (p.clip && r->nnz > 0)
			e = Min(Max(e, r->min_value), r->max_value);
		est[i] = e;
		kused[i] = k_used;
	}

	for (int64 i = 0; i < pr.n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int64GetDatum(pr.user_id[i]);
		nulls[0] = pr.nulls[3 * i];
		values[1] = Int64GetDatum(pr.item_id[i]);
		nulls[1] = pr.nulls[3 * i + 1];
		values[2] = Float8GetDatum(pr.actual[i]);
		nulls[2] = pr.nulls[3 * i + 2];
		/* no estimate without an id, nor from an empty train */
		values[3] = Float8GetDatum(est[i]);
		nulls[3] = nulls[0] || nulls[1] || r->nnz == 0;
		values[4] = Int32GetDatum(kused[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
