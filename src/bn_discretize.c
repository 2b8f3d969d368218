/*
 * bn_discretize.c
 *	  From the values a column takes to the states of its variable: text,
 *	  booleans and few distinct numbers are categories; numbers with a bins
 *	  option (or more distinct values than max_states) are cut into intervals
 *	  by quantiles, equal widths or the user's edges.
 *
 * A binned variable's states are its intervals, labelled "(-inf,e1]",
 * "(e1,e2]", ..., "(ek,inf)" with the edges in shortest exact form, so the
 * network itself carries its bins (BIF export keeps them as state names)
 * and a raw number maps to the same state when a row is scored later.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "bn_learn.h"
#include "ecomai.h"

/*
 * Parse an interval label "(lo,hi]" or "(lo,hi)" (lo may be -inf, hi inf);
 * false when the label is not one.
 */
bool
ecomai_bn_parse_bin(const char *label, double *lo, double *hi)
{
	const char *p = label;
	char	   *end;

	if (*p++ != '(')
		return false;
	*lo = strtod(p, &end);
	if (end == p || *end != ',' || isnan(*lo))
		return false;
	p = end + 1;
	*hi = strtod(p, &end);
	if (end == p || (*end != ']' && *end != ')') || end[1] != '\0' || isnan(*hi))
		return false;
	return *lo < *hi;
}

/* Order of state labels: intervals by their lower edge first, then bytewise. */
int
ecomai_bn_cmp_labels(const char *a, const char *b)
{
	double		la,
				ha,
				lb,
				hb;
	bool		ia = ecomai_bn_parse_bin(a, &la, &ha),
				ib = ecomai_bn_parse_bin(b, &lb, &hb);

	if (ia && ib && la != lb)
		return la < lb ? -1 : 1;
	if (ia != ib)
		return ia ? -1 : 1;
	return strcmp(a, b);
}

/* Are the states of variable v intervals that tile the real line in order? */
bool
ecomai_bn_is_binned(const BayesNet *bn, int v)
{
	int			s,
				k = BN_VARS(bn)[v].nstates;
	double		lo,
				hi,
				prev = -INFINITY;

	for (s = 0; s < k; s++)
	{
		if (!ecomai_bn_parse_bin(BN_STATE_NAME(bn, v, s), &lo, &hi) || lo != prev)
			return false;
		prev = hi;
	}
	return prev == INFINITY;
}

/* The state (interval) of a binned variable holding x, or -1 for NaN. */
int
ecomai_bn_bin_of(const BayesNet *bn, int v, double x)
{
	int			s,
				k = BN_VARS(bn)[v].nstates;
	double		lo,
				hi;

	if (isnan(x))
		return -1;
	for (s = 0; s < k - 1; s++)
	{
		ecomai_bn_parse_bin(BN_STATE_NAME(bn, v, s), &lo, &hi);
		if (x <= hi)
			return s;
	}
	return k - 1;
}

/* A numeric value with its weight. */
typedef struct NumW
{
	double		x;
	double		w;
} NumW;

static int
cmp_numw(const void *a, const void *b)
{
	double		x = ((const NumW *) a)->x,
				y = ((const NumW *) b)->x;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* The value of rank h (0-based) of the weighted sample (weights are counts). */
static double
rank_value(const NumW *nv, int m, double h)
{
	double		cum = 0;
	int			i;

	for (i = 0; i < m; i++)
	{
		cum += nv[i].w;
		if (h < cum)
			return nv[i].x;
	}
	return nv[m - 1].x;
}

/*
 * Inner edges of nbreaks bins: quantiles (R's type 7, as bnlearn's
 * discretize) or equal widths between the minimum and the maximum; equal
 * edges collapse.
 */
static int
compute_edges(NumW *nv, int m, int nbreaks, bool quantile, double *edges)
{
	double		total = 0;
	int			i,
				k = 0;

	qsort(nv, m, sizeof(NumW), cmp_numw);
	for (i = 0; i < m; i++)
		total += nv[i].w;
	for (i = 1; i < nbreaks; i++)
	{
		double		p = (double) i / nbreaks,
					e;

		if (quantile)
		{
			double		h = (total - 1) * p;
			double		fl = floor(h);
			double		a = rank_value(nv, m, fl),
						b = rank_value(nv, m, fl + 1);

			e = a + (h - fl) * (b - a);
		}
		else
			e = nv[0].x + p * (nv[m - 1].x - nv[0].x);
		if (k == 0 || e > edges[k - 1])
			edges[k++] = e;
	}
	return k;
}

/* Labels of the bins of inner edges e[0..k-1]. */
static char **
bin_labels(const double *e, int k)
{
	char	  **labels = palloc(sizeof(char *) * (k + 1));
	int			i;

	for (i = 0; i <= k; i++)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoChar(&buf, '(');
		if (i == 0)
			appendStringInfoString(&buf, "-inf");
		else
			ecomai_append_double(&buf, e[i - 1]);
		appendStringInfoChar(&buf, ',');
		if (i == k)
			appendStringInfoString(&buf, "inf)");
		else
		{
			ecomai_append_double(&buf, e[i]);
			appendStringInfoChar(&buf, ']');
		}
		labels[i] = buf.data;
	}
	return labels;
}

/* Order label indexes. */
static int
cmp_label_idx(const void *a, const void *b, void *arg)
{
	char	  **labels = (char **) arg;

	return ecomai_bn_cmp_labels(labels[*(const int *) a], labels[*(const int *) b]);
}

/*
 * The states of a column and the map from its raw value ids to them.
 * Categories are sorted (intervals by edge, the rest bytewise); more than
 * max_states of them is ERROR 54000.
 */
int *
ecomai_bn_map_values(const BnRawVar *rv, const BnLearnOpts *o, int *card, char ***states)
{
	int		   *map = palloc(sizeof(int) * Max(rv->nvalues, 1));
	const BnBins *bins = NULL;
	bool		numeric = rv->nvalues > 0;
	int			i,
				k;

	for (i = 0; i < o->nbins; i++)
		if (strcmp(o->bins[i].name, rv->name) == 0)
			bins = &o->bins[i];
	for (i = 0; i < rv->nvalues && numeric; i++)
		numeric = rv->values[i][0] == 'n';
	if (rv->nvalues == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" has no observed values", rv->name),
				 errhint("Remove it from the rows, e.g. to_jsonb(t) - '%s'.", rv->name)));
	if (bins && !numeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column \"%s\" has values that are not numbers and cannot be binned", rv->name)));
	if (numeric && (bins || rv->nvalues > o->max_states))
	{
		NumW	   *nv = palloc(sizeof(NumW) * rv->nvalues);
		double	   *edges;
		int			nedges;

		for (i = 0; i < rv->nvalues; i++)
		{
			nv[i].x = strtod(rv->values[i] + 2, NULL);
			nv[i].w = rv->weight[i];
		}
		if (bins && bins->nedges > 0)
		{
			edges = bins->edges;
			nedges = bins->nedges;
		}
		else
		{
			int			nb = bins ? bins->nbreaks : o->breaks;

			if (!bins)
				ereport(NOTICE,
						(errmsg("numeric column \"%s\" has %d distinct values: cut into %d %s bins",
								rv->name, rv->nvalues, nb, o->quantile ? "quantile" : "equal-width"),
						 errhint("Set \"bins\" in the options to choose the bins.")));
			edges = palloc(sizeof(double) * Max(nb, 1));
			nedges = compute_edges(nv, rv->nvalues, nb, o->quantile, edges);
		}
		*card = nedges + 1;
		*states = bin_labels(edges, nedges);
		for (i = 0; i < rv->nvalues; i++)
		{
			double		x = strtod(rv->values[i] + 2, NULL);

			for (k = 0; k < nedges && x > edges[k]; k++)
				;
			map[i] = k;
		}
		return map;
	}
	else
	{
		/* categories: labels without the kind prefix; "1" and 1 are the same state */
		char	  **labels = palloc(sizeof(char *) * rv->nvalues);
		int		   *idx = palloc(sizeof(int) * rv->nvalues);
		int			m = 0;

		for (i = 0; i < rv->nvalues; i++)
		{
			labels[i] = rv->values[i] + 2;
			idx[i] = i;
		}
		qsort_arg(idx, rv->nvalues, sizeof(int), cmp_label_idx, labels);
		*states = palloc(sizeof(char *) * rv->nvalues);
		for (i = 0; i < rv->nvalues; i++)
		{
			if (m == 0 || strcmp((*states)[m - 1], labels[idx[i]]) != 0)
				(*states)[m++] = labels[idx[i]];
			map[idx[i]] = m - 1;
		}
		if (m > o->max_states)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("column \"%s\" has %d distinct values, more than max_states (%d)",
							rv->name, m, o->max_states),
					 errhint("Remove the column, group its rare values, bin it, or raise \"max_states\" in the options.")));
		*card = m;
		return map;
	}
}
