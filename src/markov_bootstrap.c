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

/* qsort_arg comparator: indexes by the names they point to. */
static int
cmp_name_ptr(const void *a, const void *b, void *arg)
{
	char	  **names = (char **) arg;

	return strcmp(names[*(const int *) a], names[*(const int *) b]);
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

/* Build the chain of a replicate from per-row journey counts. */
static MarkovChain *
boot_chain(const BootRow *rows, int nrows, const double *cconv, const double *cnull,
		   int order, int nnames, char **names, int conv_id, int null_id, MarkovTriple *t)
{
	int			nt = 0,
				r,
				i;

	for (r = 0; r < nrows; r++)
	{
		double		total = cconv[r] + cnull[r];
		const BootRow *row = &rows[r];

		if (total == 0)
			continue;
		for (i = 0; i + 1 < row->nstates; i++)
		{
			t[nt].from = row->state[i];
			t[nt].to = row->state[i + 1];
			t[nt++].weight = total;
		}
		if (cconv[r] > 0)
		{
			t[nt].from = row->state[row->nstates - 1];
			t[nt].to = conv_id;
			t[nt++].weight = cconv[r];
		}
		if (cnull[r] > 0)
		{
			t[nt].from = row->state[row->nstates - 1];
			t[nt].to = null_id;
			t[nt++].weight = cnull[r];
		}
	}
	return ecomai_markov_build(order, 0, nnames, names, nt, t, true, ERRCODE_INVALID_PARAMETER_VALUE);
}

/* Index of a channel name in the sorted list, or -1. */
static int
find_channel(const char **channel, int n, const char *name)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = strcmp(channel[mid], name);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * markov_attribution_bootstrap(paths, conversions, nulls, n_boot, seed,
 * level, chain_order): per channel the removal effect and share of the data
 * with their bootstrap intervals.
 */
Datum
ecomai_markov_attribution_bootstrap(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *pa;
	Datum	   *pvals;
	bool	   *pnulls;
	int			nrows,
				n_boot,
				order,
				i,
				r,
				b,
				c;
	int64		seed;
	double		level;
	double	   *conv,
			   *nulls,
			   *cum,
			   *cconv,
			   *cnull;
	double		journeys = 0;
	BootRow    *rows;
	char	  **names;
	int			nnames = 0,
				maxnames = 64,
				conv_id,
				null_id;
	Size		maxtrans = 0;
	MarkovTriple *t;
	MarkovAttribution full;
	double	   *re_boot,
			   *share_boot,
			   *col;
	pg_prng_state prng;
	MemoryContext loopctx,
				old;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < 7; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("arguments of markov_attribution_bootstrap must not be null")));
	pa = PG_GETARG_ARRAYTYPE_P(0);
	n_boot = PG_GETARG_INT32(3);
	seed = PG_GETARG_INT64(4);
	level = PG_GETARG_FLOAT8(5);
	order = PG_GETARG_INT32(6);
	if (n_boot < 2 || n_boot > BOOT_MAX)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("n_boot must be between 2 and %d, not %d", BOOT_MAX, n_boot)));
	if (!(level > 0 && level < 1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("confidence level must be between 0 and 1, not %g", level)));
	if (order < 1 || order > MARKOV_MAX_ORDER)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("markov chain order must be between 1 and %d, not %d", MARKOV_MAX_ORDER, order)));
	if (ARR_NDIM(pa) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("paths must be a one-dimensional array")));
	deconstruct_array(pa, TEXTOID, -1, false, TYPALIGN_INT, &pvals, &pnulls, &nrows);
	conv = float_array_arg(PG_GETARG_ARRAYTYPE_P(1), nrows, "conversions");
	nulls = float_array_arg(PG_GETARG_ARRAYTYPE_P(2), nrows, "nulls");

	/* the paths' states, interned once (names merge in ecomai_markov_build) */
	ecomai_check_memory((Size) nrows * 64, "markov bootstrap paths");
	names = palloc(sizeof(char *) * maxnames);
	names[nnames++] = CONVERSION_NAME;
	names[nnames++] = NULL_NAME;
	conv_id = 0;
	null_id = 1;
	rows = palloc0(sizeof(BootRow) * Max(nrows, 1));
	for (r = 0; r < nrows; r++)
	{
		char	  **channels;
		char	  **st;
		int			nch;

		CHECK_FOR_INTERRUPTS();
		if (pnulls[r])
		{
			conv[r] = nulls[r] = 0; /* a NULL path is skipped, as by markov_fit_paths */
			continue;
		}
		nch = ecomai_markov_split_path(TextDatumGetCString(pvals[r]), true, &channels);
		st = ecomai_markov_path_states(channels, nch, order);
		rows[r].nstates = nch + 1;
		rows[r].state = palloc(sizeof(int) * (nch + 1));
		rows[r].conv = conv[r];
		rows[r].nulls = nulls[r];
		for (i = 0; i <= nch; i++)
		{
			if (nnames == maxnames)
			{
				maxnames *= 2;
				names = repalloc_huge(names, sizeof(char *) * maxnames);
			}
			rows[r].state[i] = nnames;
			names[nnames++] = st[i];
		}
		maxtrans += nch + 2;
		journeys += conv[r] + nulls[r];
	}
	/* one name per distinct state, so that every replicate builds from the short list */
	{
		int		   *perm = palloc(sizeof(int) * nnames);
		int		   *uid = palloc(sizeof(int) * nnames);
		char	  **uname = palloc(sizeof(char *) * nnames);
		int			nu = 0;

		for (i = 0; i < nnames; i++)
			perm[i] = i;
		qsort_arg(perm, nnames, sizeof(int), cmp_name_ptr, names);
		for (i = 0; i < nnames; i++)
		{
			if (i == 0 || strcmp(names[perm[i]], names[perm[i - 1]]) != 0)
				uname[nu++] = names[perm[i]];
			uid[perm[i]] = nu - 1;
		}
		for (r = 0; r < nrows; r++)
			for (i = 0; i < rows[r].nstates; i++)
				rows[r].state[i] = uid[rows[r].state[i]];
		conv_id = uid[conv_id];
		null_id = uid[null_id];
		names = uname;
		nnames = nu;
	}
	if (journeys < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("path data has no journeys to resample")));
	t = palloc(sizeof(MarkovTriple) * Max(maxtrans, 1));

	/* the point estimate on the data */
	{
		MarkovChain *m = boot_chain(rows, nrows, conv, nulls, order, nnames, names,
									conv_id, null_id, t);

		ecomai_markov_attribution_compute(m, CONVERSION_NAME, NULL_NAME, NULL, &full);
	}
	if (full.nch == 0)
		return (Datum) 0;
	ecomai_check_memory((Size) n_boot * full.nch * 2 * sizeof(double), "markov bootstrap replicates");
	re_boot = palloc0(sizeof(double) * n_boot * full.nch);
	share_boot = palloc0(sizeof(double) * n_boot * full.nch);

	/* cumulative journey counts over the cells (row r: 2r conversions, 2r + 1 nulls) */
	cum = palloc(sizeof(double) * 2 * Max(nrows, 1));
	{
		double		s = 0;

		for (r = 0; r < nrows; r++)
		{
			s += rows[r].state ? rows[r].conv : 0;
			cum[2 * r] = s;
			s += rows[r].state ? rows[r].nulls : 0;
			cum[2 * r + 1] = s;
		}
	}
	cconv = palloc(sizeof(double) * Max(nrows, 1));
	cnull = palloc(sizeof(double) * Max(nrows, 1));
	pg_prng_seed(&prng, (uint64) seed);
	loopctx = AllocSetContextCreate(CurrentMemoryContext, "markov bootstrap replicate", ALLOCSET_DEFAULT_SIZES);
	for (b = 0; b < n_boot; b++)
	{
		MarkovChain *m;
		MarkovAttribution rep;
		double		d;

		memset(cconv, 0, sizeof(double) * Max(nrows, 1));
		memset(cnull, 0, sizeof(double) * Max(nrows, 1));
		for (d = 0; d < journeys; d++)
		{
			/* a journey uniformly: the first cell whose cumulative count exceeds u */
			double		u = floor(pg_prng_double(&prng) * journeys);
			int			lo = 0,
						hi = 2 * nrows - 1;

			if (((int64) d & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			while (lo < hi)
			{
				int			mid = lo + (hi - lo) / 2;

				if (cum[mid] > u)
					hi = mid;
				else
					lo = mid + 1;
			}
			if (lo % 2 == 0)
				cconv[lo / 2] += 1;
			else
				cnull[lo / 2] += 1;
		}
		old = MemoryContextSwitchTo(loopctx);
		m = boot_chain(rows, nrows, cconv, cnull, order, nnames, names, conv_id, null_id, t);
		/* a replicate without a conversion has removal effects 0 (and no shares) */
		if (ecomai_markov_find(m, CONVERSION_NAME) >= 0 && ecomai_markov_find(m, MARKOV_START) >= 0)
		{
			ecomai_markov_attribution_compute(m, CONVERSION_NAME, NULL_NAME, NULL, &rep);
			for (c = 0; c < rep.nch; c++)
			{
				int			k = find_channel(full.channel, full.nch, rep.channel[c]);

				if (k < 0)
					continue;
				re_boot[(Size) k * n_boot + b] = rep.re[c];
				if (rep.sum_re > 0)
					share_boot[(Size) k * n_boot + b] = rep.re[c] / rep.sum_re;
			}
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(loopctx);
	}

	col = palloc(sizeof(double) * n_boot);
	for (c = 0; c < full.nch; c++)
	{
		Datum		values[7];
		bool		vnulls[7] = {false, false, false, false, false, false, false};
		double		lq = (1 - level) / 2,
					uq = (1 + level) / 2;

		values[0] = CStringGetTextDatum(full.channel[c]);
		values[1] = Float8GetDatum(full.re[c]);
		memcpy(col, re_boot + (Size) c * n_boot, sizeof(double) * n_boot);
		qsort(col, n_boot, sizeof(double), cmp_double);
		values[2] = Float8GetDatum(quantile7(col, n_boot, lq));
		values[3] = Float8GetDatum(quantile7(col, n_boot, uq));
		vnulls[4] = !(full.sum_re > 0);
		values[4] = Float8GetDatum(full.sum_re > 0 ? full.re[c] / full.sum_re : 0);
		memcpy(col, share_boot + (Size) c * n_boot, sizeof(double) * n_boot);
		qsort(col, n_boot, sizeof(double), cmp_double);
		values[5] = Float8GetDatum(quantile7(col, n_boot, lq));
		values[6] = Float8GetDatum(quantile7(col, n_boot, uq));
		vnulls[1] = !(full.P > 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, vnulls);
	}
	return (Datum) 0;
}
