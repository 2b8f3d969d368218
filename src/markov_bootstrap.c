/*
 * markov_bootstrap.c
 *	  markov_attribution_bootstrap: percentile bootstrap intervals for the
 *	  Markov removal effects and shares of ChannelAttribution-style path
 *	  data, resampling journeys (seeded, reproducible).
 *
 * The data are rows (path, conversions, nulls): each row stands for
 * conversions + nulls journeys with that path, conversions of which
 * converted.  A replicate draws as many journeys as there are, with
 * replacement, each journey equally likely (a multinomial draw over the
 * (row, outcome) cells), fits the chain of the requested order exactly as
 * markov_fit_paths would, and computes the exact removal effects
 * (ecomai_markov_attribution_compute).  A channel that no drawn journey
 * visits has removal effect 0 in that replicate.  Interval ends are the
 * (1 - level) / 2 and (1 + level) / 2 quantiles of the replicates (linear
 * interpolation between order statistics, R's default type 7).  Random
 * numbers: pg_prng seeded from the user's seed, so the same call gives the
 * same intervals.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "ecomai.h"
#include "markov.h"
#include "srf.h"

PG_FUNCTION_INFO_V1(ecomai_markov_attribution_bootstrap);

#define BOOT_MAX			100000
#define CONVERSION_NAME		"(conversion)"
#define NULL_NAME			"(null)"

/* One data row: its path's state ids and its two cells. */
typedef struct BootRow
{
	int			nstates;		/* path states including (start) */
	int		   *state;
	double		conv;
	double		nulls;
} BootRow;

/* Deconstruct a float8[] argument of the expected length (NULL elements read as 0). */
static double *
float_array_arg(ArrayType *a, int n, const char *what)
{
	Datum	   *vals;
	bool	   *nulls;
	int			len,
				i;
	double	   *out;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s must be a one-dimensional array", what)));
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &vals, &nulls, &len);
	if (len != n)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s has %d elements, the paths %d", what, len, n)));
	out = palloc(sizeof(double) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		double		v = nulls[i] ? 0 : DatumGetFloat8(vals[i]);

		if (!isfinite(v) || v < 0 || v != floor(v))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("%s must be whole non-negative numbers of journeys, not %g", what, v)));
		out[i] = v;
	}
	return out;
}

/* R's type-7 quantile of sorted x[0..n-1]. */
static double
quantile7(const double *x, int n, double q)
{
	double		h = (n - 1) * q;
	int			lo = (int) floor(h);

	if (lo >= n - 1)
		return x[n - 1];
	return x[lo] + (h - lo) * (x[lo + 1] - x[lo]);
}

/* qsort comparator for doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * The distinct transitions of all paths, numbered once, so that a replicate
 * adds its journey counts into a short weight vector instead of building
 * the chain from every path again.  Slot s of the per-row lists: path edges
 * first (rowptr), then one conversion and one null edge per row.
 */
typedef struct BootEdges
{
	int			nedges;
	MarkovTriple *edge;			/* from, to of each edge (weight unused) */
	int		   *rowptr;			/* path edges of row r: eid[rowptr[r] .. rowptr[r + 1] - 1] */
	int		   *eid;
	int		   *conv_eid;
	int		   *null_eid;
} BootEdges;

/* Number the distinct transitions of the rows (see BootEdges). */
static void
boot_edges(const BootRow *rows, int nrows, int conv_id, int null_id, BootEdges *be)
{
	Size		npath = 0,
				nslots,
				k = 0,
				i;
	int			r,
				j;
	MarkovTriple *t;

	be->rowptr = palloc(sizeof(int) * (nrows + 1));
	for (r = 0; r < nrows; r++)
	{
		be->rowptr[r] = npath;
		if (rows[r].state)
			npath += rows[r].nstates - 1;
	}
	be->rowptr[nrows] = npath;
	nslots = npath + 2 * (Size) nrows;
	t = palloc(sizeof(MarkovTriple) * Max(nslots, 1));
	be->eid = palloc(sizeof(int) * Max(npath, 1));
	be->conv_eid = palloc(sizeof(int) * Max(nrows, 1));
	be->null_eid = palloc(sizeof(int) * Max(nrows, 1));
	for (r = 0; r < nrows; r++)
	{
		be->conv_eid[r] = be->null_eid[r] = -1;
		if (!rows[r].state)
			continue;
		for (j = 0; j + 1 < rows[r].nstates; j++)
		{
			t[k].from = rows[r].state[j];
			t[k].to = rows[r].state[j + 1];
			t[k++].weight = be->rowptr[r] + j;
		}
		t[k].from = rows[r].state[rows[r].nstates - 1];
		t[k].to = conv_id;
		t[k++].weight = npath + r;
		t[k].from = rows[r].state[rows[r].nstates - 1];
		t[k].to = null_id;
		t[k++].weight = npath + nrows + r;
	}
	qsort(t, k, sizeof(MarkovTriple), ecomai_markov_cmp_triple);
	be->edge = palloc(sizeof(MarkovTriple) * Max(k, 1));
	be->nedges = 0;
	for (i = 0; i < k; i++)
	{
		Size		slot = (Size) t[i].weight;

		if (i == 0 || ecomai_markov_cmp_triple(&t[i], &t[i - 1]) != 0)
			be->edge[be->nedges++] = t[i];
		if (slot < npath)
			be->eid[slot] = be->nedges - 1;
		else if (slot < npath + nrows)
			be->conv_eid[slot - npath] = be->nedges - 1;
		else
			be->null_eid[slot - npath - nrows] = be->nedges - 1;
	}
	pfree(t);
}

/* The chain of a replicate from per-row journey counts, through the edge table. */
static MarkovChain *
boot_chain_edges(const BootEdges *be, int nrows, const double *cconv, const double *cnull,
				 double *w, int order, int nnames, char **names, MarkovTriple *t)
{
	int			r,
				j,
				nt = 0;

	memset(w, 0, sizeof(double) * Max(be->nedges, 1));
	for (r = 0; r < nrows; r++)
	{
		double		total = cconv[r] + cnull[r];

		if (total == 0)
			continue;
		for (j = be->rowptr[r]; j < be->rowptr[r + 1]; j++)
			w[be->eid[j]] += total;
		if (cconv[r] > 0)
			w[be->conv_eid[r]] += cconv[r];
		if (cnull[r] > 0)
			w[be->null_eid[r]] += cnull[r];
	}
	for (j = 0; j < be->nedges; j++)
		if (w[j] > 0)
		{
			t[nt] = be->edge[j];
			t[nt++].weight = w[j];
		}
	return ecomai_markov_build(order, 0, nnames, names, nt, t, false, ERRCODE_INVALID_PARAMETER_VALUE);
}

/* bsearch comparator: a name against an element of a sorted array of names. */
static int
cmp_name_key(const void *key, const void *elem)
{
	return strcmp(*(const char *const *) key, *(const char *const *) elem);
}

/* The data of a bootstrap: rows, their journey counts and the distinct state names. */
typedef struct BootData
{
	int			nrows;
	int			order;
	BootRow    *rows;
	double	   *conv;			/* per row: converted journeys */
	double	   *nulls;			/* per row: journeys that did not convert */
	double		journeys;		/* sum of conv and nulls */
	char	  **names;			/* distinct state names, in byte order */
	int			nnames;
	int			conv_id;		/* the conversion and null states among names */
	int			null_id;
	Size		maxtrans;		/* bound on the transitions of one chain */
} BootData;

/*
 * Replace the interned state names of the rows by one name per distinct
 * state (so that every replicate builds from the short list); the state ids
 * of the rows and the conversion and null ids follow.
 */
static void
boot_distinct_names(BootData *bd)
{
	int		   *perm = palloc(sizeof(int) * bd->nnames);
	int		   *uid = palloc(sizeof(int) * bd->nnames);
	char	  **uname = palloc(sizeof(char *) * bd->nnames);
	int			nu = 0,
				i,
				r;

	for (i = 0; i < bd->nnames; i++)
		perm[i] = i;
	qsort_arg(perm, bd->nnames, sizeof(int), ecomai_markov_cmp_name_index, bd->names);
	for (i = 0; i < bd->nnames; i++)
	{
		if (i == 0 || strcmp(bd->names[perm[i]], bd->names[perm[i - 1]]) != 0)
			uname[nu++] = bd->names[perm[i]];
		uid[perm[i]] = nu - 1;
	}
	for (r = 0; r < bd->nrows; r++)
		for (i = 0; i < bd->rows[r].nstates; i++)
			bd->rows[r].state[i] = uid[bd->rows[r].state[i]];
	bd->conv_id = uid[bd->conv_id];
	bd->null_id = uid[bd->null_id];
	bd->names = uname;
	bd->nnames = nu;
}

/*
 * Read the paths (nrows text values, NULL ones skipped as by
 * markov_fit_paths) into bd->rows with their states of order bd->order,
 * interned once (names merge in ecomai_markov_build).  bd->conv and
 * bd->nulls are set; a NULL path's counts become 0.
 */
static void
boot_read_paths(BootData *bd, const Datum *pvals, const bool *pnulls)
{
	int			maxnames = 64,
				r,
				i;

	ecomai_check_memory((Size) bd->nrows * 64, "markov bootstrap paths");
	bd->names = palloc(sizeof(char *) * maxnames);
	bd->nnames = 0;
	bd->names[bd->nnames++] = CONVERSION_NAME;
	bd->names[bd->nnames++] = NULL_NAME;
	bd->conv_id = 0;
	bd->null_id = 1;
	bd->maxtrans = 0;
	bd->journeys = 0;
	bd->rows = palloc0(sizeof(BootRow) * Max(bd->nrows, 1));
	for (r = 0; r < bd->nrows; r++)
	{
		char	  **channels;
		char	  **st;
		int			nch;

		CHECK_FOR_INTERRUPTS();
		if (pnulls[r])
		{
			bd->conv[r] = bd->nulls[r] = 0; /* a NULL path is skipped, as by markov_fit_paths */
			continue;
		}
		nch = ecomai_markov_split_path(TextDatumGetCString(pvals[r]), true, &channels);
		st = ecomai_markov_path_states(channels, nch, bd->order);
		bd->rows[r].nstates = nch + 1;
		bd->rows[r].state = palloc(sizeof(int) * (nch + 1));
		bd->rows[r].conv = bd->conv[r];
		bd->rows[r].nulls = bd->nulls[r];
		for (i = 0; i <= nch; i++)
		{
			if (bd->nnames == maxnames)
			{
				maxnames *= 2;
				bd->names = repalloc_huge(bd->names, sizeof(char *) * maxnames);
			}
			bd->rows[r].state[i] = bd->nnames;
			bd->names[bd->nnames++] = st[i];
		}
		bd->maxtrans += nch + 2;
		bd->journeys += bd->conv[r] + bd->nulls[r];
	}
	boot_distinct_names(bd);
}

/*
 * Vose's alias table over the cells (row r: 2r conversions, 2r + 1 nulls),
 * each cell weighted by its journeys: a draw is O(1).  Returns the number
 * of cells; *aprob and *alias get the table.
 */
static int
boot_alias_table(const BootData *bd, double **aprob_out, int **alias_out)
{
	int			ncells = 2 * Max(bd->nrows, 1);
	double	   *aprob = palloc(sizeof(double) * ncells);
	int		   *alias = palloc(sizeof(int) * ncells);
	int		   *small = palloc(sizeof(int) * ncells);
	int		   *large = palloc(sizeof(int) * ncells);
	int			ns = 0,
				nl = 0,
				i;

	for (i = 0; i < ncells; i++)
	{
		double		wgt = i / 2 < bd->nrows ? (i % 2 == 0 ? bd->conv[i / 2] : bd->nulls[i / 2]) : 0;

		aprob[i] = wgt * ncells / bd->journeys;
		alias[i] = i;
		if (aprob[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns > 0 && nl > 0)
	{
		int			sm = small[--ns];
		int			lg = large[nl - 1];

		alias[sm] = lg;
		aprob[lg] -= 1 - aprob[sm];
		if (aprob[lg] < 1)
		{
			nl--;
			small[ns++] = lg;
		}
	}
	/* what is left is 1 up to rounding */
	while (nl > 0)
		aprob[large[--nl]] = 1;
	while (ns > 0)
		aprob[small[--ns]] = 1;
	pfree(small);
	pfree(large);
	*aprob_out = aprob;
	*alias_out = alias;
	return ncells;
}

/*
 * The n_boot replicates: each draws bd->journeys journeys through the alias
 * table, fits its chain through the edge table be and stores per channel of
 * full its removal effect and share at [k * n_boot + b] of re_boot and
 * share_boot (zeroed by the caller: a channel no drawn journey visits, or a
 * replicate without a conversion, keeps 0).
 */
static void
boot_replicates(const BootData *bd, const BootEdges *be, const MarkovAttribution *full,
				int n_boot, int64 seed, double *re_boot, double *share_boot)
{
	double	   *aprob;
	int		   *alias;
	int			ncells = boot_alias_table(bd, &aprob, &alias);
	double	   *cconv = palloc(sizeof(double) * Max(bd->nrows, 1));
	double	   *cnull = palloc(sizeof(double) * Max(bd->nrows, 1));
	double	   *ew = palloc(sizeof(double) * Max(be->nedges, 1));
	MarkovTriple *t = palloc(sizeof(MarkovTriple) * Max(bd->maxtrans, 1));
	pg_prng_state prng;
	MemoryContext loopctx,
				old;
	int			b,
				c;

	pg_prng_seed(&prng, (uint64) seed);
	loopctx = AllocSetContextCreate(CurrentMemoryContext, "markov bootstrap replicate", ALLOCSET_DEFAULT_SIZES);
	for (b = 0; b < n_boot; b++)
	{
		MarkovChain *m;
		MarkovAttribution rep;
		double		d;

		memset(cconv, 0, sizeof(double) * Max(bd->nrows, 1));
		memset(cnull, 0, sizeof(double) * Max(bd->nrows, 1));
		for (d = 0; d < bd->journeys; d++)
		{
			/* a journey uniformly: a cell by the alias table (one uniform draw) */
			double		x = pg_prng_double(&prng) * ncells;
			int			cell = (int) x;

			if (((int64) d & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			if (cell >= ncells)
				cell = ncells - 1;
			if (x - cell >= aprob[cell])
				cell = alias[cell];
			if (cell % 2 == 0)
				cconv[cell / 2] += 1;
			else
				cnull[cell / 2] += 1;
		}
		old = MemoryContextSwitchTo(loopctx);
		m = boot_chain_edges(be, bd->nrows, cconv, cnull, ew, bd->order, bd->nnames, bd->names, t);
		/* a replicate without a conversion has removal effects 0 (and no shares) */
		if (ecomai_markov_find(m, CONVERSION_NAME) >= 0 && ecomai_markov_find(m, MARKOV_START) >= 0)
		{
			ecomai_markov_attribution_compute(m, CONVERSION_NAME, NULL_NAME, NULL, &rep);
			for (c = 0; c < rep.nch; c++)
			{
				const char **hit = bsearch(&rep.channel[c], full->channel, full->nch,
										   sizeof(char *), cmp_name_key);
				int			k;

				if (hit == NULL)
					continue;
				k = hit - full->channel;
				re_boot[(Size) k * n_boot + b] = rep.re[c];
				if (rep.sum_re > 0)
					share_boot[(Size) k * n_boot + b] = rep.re[c] / rep.sum_re;
			}
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(loopctx);
	}
	MemoryContextDelete(loopctx);
}

/* The result rows: per channel of full its estimates and the replicates' quantiles. */
static void
boot_emit(ReturnSetInfo *rsinfo, const MarkovAttribution *full, const double *re_boot,
		  const double *share_boot, int n_boot, double level)
{
	double	   *col = palloc(sizeof(double) * n_boot);
	int			c;

	for (c = 0; c < full->nch; c++)
	{
		Datum		values[7];
		bool		vnulls[7] = {false, false, false, false, false, false, false};
		double		lq = (1 - level) / 2,
					uq = (1 + level) / 2;

		values[0] = CStringGetTextDatum(full->channel[c]);
		values[1] = Float8GetDatum(full->re[c]);
		memcpy(col, re_boot + (Size) c * n_boot, sizeof(double) * n_boot);
		qsort(col, n_boot, sizeof(double), cmp_double);
		values[2] = Float8GetDatum(quantile7(col, n_boot, lq));
		values[3] = Float8GetDatum(quantile7(col, n_boot, uq));
		vnulls[4] = !(full->sum_re > 0);
		values[4] = Float8GetDatum(full->sum_re > 0 ? full->re[c] / full->sum_re : 0);
		memcpy(col, share_boot + (Size) c * n_boot, sizeof(double) * n_boot);
		qsort(col, n_boot, sizeof(double), cmp_double);
		values[5] = Float8GetDatum(quantile7(col, n_boot, lq));
		values[6] = Float8GetDatum(quantile7(col, n_boot, uq));
		vnulls[1] = !(full->P > 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, vnulls);
	}
}

/*
 * markov_attribution_bootstrap(paths, conversions, nulls, n_boot, seed,
 * level, chain_order): per channel the removal effect and share of the data
 * with their bootstrap intervals.
 */
Datum
ecomai_markov_attribution_bootstrap(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	ArrayType  *pa;
	Datum	   *pvals;
	bool	   *pnulls;
	int			n_boot;
	int64		seed;
	double		level;
	BootData	bd;
	BootEdges	be;
	MarkovAttribution full;
	double	   *re_boot,
			   *share_boot;

	ecomai_require_args(fcinfo, ECOMAI_ARGS_BELOW(7));
	pa = PG_GETARG_ARRAYTYPE_P(0);
	n_boot = PG_GETARG_INT32(3);
	seed = PG_GETARG_INT64(4);
	level = PG_GETARG_FLOAT8(5);
	bd.order = PG_GETARG_INT32(6);
	if (n_boot < 2 || n_boot > BOOT_MAX)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("n_boot must be between 2 and %d, not %d", BOOT_MAX, n_boot)));
	if (!(level > 0 && level < 1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("confidence level must be between 0 and 1, not %g", level)));
	if (bd.order < 1 || bd.order > MARKOV_MAX_ORDER)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("markov chain order must be between 1 and %d, not %d", MARKOV_MAX_ORDER, bd.order)));
	if (ARR_NDIM(pa) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("paths must be a one-dimensional array")));
	deconstruct_array(pa, TEXTOID, -1, false, TYPALIGN_INT, &pvals, &pnulls, &bd.nrows);
	bd.conv = float_array_arg(PG_GETARG_ARRAYTYPE_P(1), bd.nrows, "conversions");
	bd.nulls = float_array_arg(PG_GETARG_ARRAYTYPE_P(2), bd.nrows, "nulls");
	boot_read_paths(&bd, pvals, pnulls);
	if (bd.journeys < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("path data has no journeys to resample")));

	/* the point estimate on the data */
	{
		MarkovChain *m;
		double	   *ew;
		MarkovTriple *t = palloc(sizeof(MarkovTriple) * Max(bd.maxtrans, 1));

		boot_edges(bd.rows, bd.nrows, bd.conv_id, bd.null_id, &be);
		ew = palloc(sizeof(double) * Max(be.nedges, 1));
		m = boot_chain_edges(&be, bd.nrows, bd.conv, bd.nulls, ew, bd.order, bd.nnames, bd.names, t);

		ecomai_markov_attribution_compute(m, CONVERSION_NAME, NULL_NAME, NULL, &full);
	}
	if (full.nch == 0)
		return (Datum) 0;
	ecomai_check_memory((Size) n_boot * full.nch * 2 * sizeof(double), "markov bootstrap replicates");
	re_boot = palloc0(sizeof(double) * n_boot * full.nch);
	share_boot = palloc0(sizeof(double) * n_boot * full.nch);
	boot_replicates(&bd, &be, &full, n_boot, seed, re_boot, share_boot);
	boot_emit(rsinfo, &full, re_boot, share_boot, n_boot, level);
	return (Datum) 0;
}
