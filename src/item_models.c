/*
 * item_models.c
 *	  Item-item models read off a co-occurrence model (cooccurrence.h), each
 *	  returned as rows that recommend() and a materialized view take:
 *
 *		item_similarities(m, measure, k, ...)   cosine, jaccard, lift,
 *		                                        conditional, dot
 *		association_rules(m, ...)               frequently bought together
 *		popular_items(m, k)                     the cold-start fallback
 *
 * Every one is a pass over the sparse pairs of the model: no data is read
 * again.  Items come back in the model's key type, named by the polymorphic
 * key_type argument (a typed NULL, as jsonb_populate_record takes a row).
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/tuplestore.h"

#include "cooccurrence.h"
#include "ecomai.h"
#include "srf.h"
#include "topk.h"


typedef enum SimMeasure
{
	SIM_COSINE,
	SIM_JACCARD,
	SIM_LIFT,
	SIM_CONDITIONAL,
	SIM_DOT
} SimMeasure;

static const EcomaiNamedValue measure_names[] = {
	{"cosine", SIM_COSINE}, {"jaccard", SIM_JACCARD}, {"lift", SIM_LIFT},
	{"conditional", SIM_CONDITIONAL}, {"dot", SIM_DOT}, {NULL, 0}
};

static SimMeasure
parse_measure(text *t)
{
	return (SimMeasure) ecomai_named_value_or_error(measure_names, text_to_cstring(t), "measure",
													"Use cosine, jaccard, lift, conditional or dot.");
}

/* Argument argno (0 when NULL), which must be a finite number >= 0. */
static double
nonnegative_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	double		x = PG_ARGISNULL(argno) ? 0 : PG_GETARG_FLOAT8(argno);

	if (!(x >= 0) || isinf(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number >= 0, not %g", name, x)));
	return x;
}

/* A call's result set and the model m its rows are read from. */
typedef struct ModelRows
{
	ReturnSetInfo *rsinfo;		/* the result set */
	CoocView	v;				/* the model */
	Datum	   *keys;			/* its items as Datums of the result's key type */
} ModelRows;

/*
 * Begin the result set and view the model (argument off) in m; false when
 * the model is NULL (then there are no rows).
 */
static bool
begin_rows(FunctionCallInfo fcinfo, int off, ModelRows *m)
{
	m->rsinfo = ecomai_srf_begin(fcinfo);
	if (PG_ARGISNULL(off))
		return false;
	ecomai_cooc_view(PG_GETARG_DATUM(off), &m->v);
	m->keys = ecomai_cooc_key_datums(fcinfo, off - 1, &m->v);
	return true;
}

/*
 * Similarity of neighbor j for item i (pair k), or false when undefined.
 * Counts are baskets; cosine and dot use the weighted Gram entries.
 */
static inline bool
similarity_of(const CoocView *v, SimMeasure measure, double alpha, int32 i, int32 j, int64 k, double *out)
{
	double		nij = (double) v->pcount[k];

	switch (measure)
	{
		case SIM_COSINE:
			return ecomai_cosine_from_sums(v->pgram[k], v->weight[i], v->weight[j], out);
		case SIM_JACCARD:
			*out = nij / ((double) v->count[i] + (double) v->count[j] - nij);
			return true;
		case SIM_LIFT:
			*out = nij * (double) v->nbaskets / ((double) v->count[i] * (double) v->count[j]);
			return true;
		case SIM_CONDITIONAL:
			*out = nij / ((double) v->count[i] * (alpha == 0 ? 1.0 : pow((double) v->count[j], alpha)));
			return true;
		case SIM_DOT:
			*out = v->pgram[k];
			return true;
	}
	return false;
}

/*
 * item_similarities(m, measure, k, min_support, shrinkage, alpha, key_type):
 * the k most similar neighbours of every item, with their co-occurrence
 * count as support; shrinkage multiplies by support / (support + shrinkage).
 */
static Datum
item_similarities(FunctionCallInfo fcinfo, int off)
{
	ModelRows	m;
	CoocAdjacency adj;
	SimMeasure	measure;
	int32		k;
	int64		min_support;
	double		shrinkage;
	double		alpha;
	EcomaiTopK	top;
	int64	   *pair_of;

	ecomai_require_args(fcinfo, ECOMAI_ARG(off + 1));
	measure = parse_measure(PG_GETARG_TEXT_PP(off + 1));
	k = PG_ARGISNULL(off + 2) ? -1 : PG_GETARG_INT32(off + 2);
	if (!PG_ARGISNULL(off + 2) && k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k),
				 errhint("Pass NULL to keep every neighbour.")));
	min_support = PG_ARGISNULL(off + 3) ? 1 : PG_GETARG_INT64(off + 3);
	shrinkage = nonnegative_arg(fcinfo, off + 4, "shrinkage");
	alpha = PG_ARGISNULL(off + 5) ? 0 : PG_GETARG_FLOAT8(off + 5);
	if (!(alpha >= 0 && alpha <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("alpha must be between 0 and 1")));
	if (!begin_rows(fcinfo, off, &m))
		return (Datum) 0;
	ecomai_cooc_adjacency(&m.v, &adj);
	ecomai_topk_init(&top, k < 0 ? Max(m.v.nitems, 1) : Min(k, Max(m.v.nitems, 1)));
	pair_of = palloc_extended(Max(m.v.nitems, 1) * sizeof(int64), MCXT_ALLOC_HUGE);

	for (int32 i = 0; i < m.v.nitems; i++)
	{
		int			n;

		CHECK_FOR_INTERRUPTS();
		ecomai_topk_reset(&top);
		for (int64 a = adj.off[i]; a < adj.off[i + 1]; a++)
		{
			int64		pk = adj.pair[a];
			int32		j = adj.other[a];
			double		s;

			if (m.v.pcount[pk] < min_support)
				continue;
			if (!similarity_of(&m.v, measure, alpha, i, j, pk, &s) || isnan(s))
				continue;
			if (shrinkage > 0)
				s *= (double) m.v.pcount[pk] / ((double) m.v.pcount[pk] + shrinkage);
			pair_of[j] = pk;
			ecomai_topk_offer(&top, j, s);
		}
		n = ecomai_topk_sort(&top);
		for (int r = 0; r < n; r++)
		{
			int32		j = (int32) top.items[r].id;
			Datum		values[4];

			values[0] = m.keys[i];
			values[1] = m.keys[j];
			values[2] = Float8GetDatum(top.items[r].score);
			values[3] = Int64GetDatum(m.v.pcount[pair_of[j]]);
			ecomai_srf_row(m.rsinfo, values);
		}
	}
	return (Datum) 0;
}

/*
 * association_rules(m, min_support, min_confidence, min_lift, key_type): both
 * directions of every pair seen together, with the measures of mlxtend's
 * association_rules on two-item sets (support is a fraction of the baskets).
 */
static Datum
association_rules(FunctionCallInfo fcinfo, int off)
{
	ModelRows	m;
	double		min_support = PG_ARGISNULL(off + 1) ? 0 : PG_GETARG_FLOAT8(off + 1);
	double		min_confidence = PG_ARGISNULL(off + 2) ? 0 : PG_GETARG_FLOAT8(off + 2);
	double		min_lift;
	CoocAdjacency adj;
	double		nb;

	if (!(min_support >= 0 && min_support <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_support must be between 0 and 1, not %g", min_support)));
	if (!(min_confidence >= 0 && min_confidence <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_confidence must be between 0 and 1, not %g", min_confidence)));
	min_lift = nonnegative_arg(fcinfo, off + 3, "min_lift");
	if (!begin_rows(fcinfo, off, &m))
		return (Datum) 0;
	ecomai_cooc_adjacency(&m.v, &adj);
	nb = (double) m.v.nbaskets;

	for (int32 a = 0; a < m.v.nitems; a++)
	{
		double		sa = (double) m.v.count[a] / nb;

		CHECK_FOR_INTERRUPTS();
		for (int64 e = adj.off[a]; e < adj.off[a + 1]; e++)
		{
			int64		pk = adj.pair[e];
			int32		c = adj.other[e];
			double		nboth = (double) m.v.pcount[pk];
			double		support = nboth / nb;
			double		confidence = nboth / (double) m.v.count[a];
			double		sc = (double) m.v.count[c] / nb;
			double		lift = confidence / sc;
			Datum		values[8];

			if (support < min_support || confidence < min_confidence || lift < min_lift)
				continue;
			values[0] = m.keys[a];
			values[1] = m.keys[c];
			values[2] = Float8GetDatum(support);
			values[3] = Float8GetDatum(confidence);
			values[4] = Float8GetDatum(lift);
			values[5] = Float8GetDatum(support - sa * sc);
			/* conviction: infinite when the rule always holds */
			values[6] = Float8GetDatum(confidence >= 1 ? get_float8_infinity() : (1 - sc) / (1 - confidence));
			values[7] = Int64GetDatum(m.v.pcount[pk]);
			ecomai_srf_row(m.rsinfo, values);
		}
	}
	return (Datum) 0;
}

/* popular_items(m, k, key_type): the k items in the most baskets. */
static Datum
popular_items(FunctionCallInfo fcinfo, int off)
{
	ModelRows	m;
	int32		k;
	EcomaiTopK	top;
	int			n;

	ecomai_require_args(fcinfo, ECOMAI_ARG(off + 1));
	k = PG_GETARG_INT32(off + 1);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not %d", k)));
	if (!begin_rows(fcinfo, off, &m))
		return (Datum) 0;
	ecomai_topk_init(&top, Min(k, Max(m.v.nitems, 1)));
	for (int32 i = 0; i < m.v.nitems; i++)
		ecomai_topk_offer(&top, i, (double) m.v.count[i]);
	n = ecomai_topk_sort(&top);
	for (int r = 0; r < n; r++)
	{
		Datum		values[2];

		values[0] = m.keys[top.items[r].id];
		values[1] = Int64GetDatum(m.v.count[top.items[r].id]);
		ecomai_srf_row(m.rsinfo, values);
	}
	return (Datum) 0;
}

ECOMAI_COOC_ENTRY_POINTS(ecomai_item_similarities, item_similarities)
ECOMAI_COOC_ENTRY_POINTS(ecomai_association_rules, association_rules)
ECOMAI_COOC_ENTRY_POINTS(ecomai_popular_items, popular_items)
