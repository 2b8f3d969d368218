/*
 * markov_simulate.c
 *	  markov_simulate: random journeys drawn from a markov_chain (R
 *	  markovchain's rmarkovchain), reproducible for a seed.
 *
 * A journey starts in a given state and moves by the chain's transition
 * probabilities (the counts of a row over its total, with the chain's Laplace
 * smoothing spread over every state some transition enters, as every other
 * query sees them) until it enters a state with no outgoing transition (an
 * absorbing state such as "(conversion)", or one whose only transition is to
 * itself) or has made max_steps moves.  The
 * generator is PostgreSQL's pg_prng (xoroshiro128**) seeded with the user's
 * seed, so the same chain, arguments and seed give the same journeys on every
 * platform.
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

PG_FUNCTION_INFO_V1(ecomai_markov_simulate);

/*
 * Sampling tables of a chain: per row, the cumulative stored counts divided
 * by the row's largest entry (so that no row total overflows), and the
 * smoothing mass, likewise scaled, shared equally by the target states.
 */
typedef struct SimTable
{
	int			n;
	int		   *rowptr;			/* stored transitions of row i: rowptr[i] .. rowptr[i+1]-1 */
	double	   *cum;			/* cumulative scaled counts, per stored transition */
	double	   *smooth;			/* scaled smoothing mass of row i (alpha * ntarget / scale) */
	int		   *targets;		/* states entered by some transition, ascending */
	int			ntarget;
	bool	   *absorbing;		/* no way out: no transition, or only a certain self-loop */
} SimTable;

/* Build the sampling tables of a chain (transitions are sorted by (from, to)). */
static void
sim_table_build(const MarkovChain *m, SimTable *st)
{
	const int32 *from = MC_FROM(m);
	const int32 *to = MC_TO(m);
	const double *w = MC_WEIGHT(m);
	double		alpha = m->smoothing;
	bool	   *entered;
	int			i,
				k;

	ecomai_check_memory((Size) m->nstates * 24 + (Size) m->ntrans * 8, "markov simulation tables");
	st->n = m->nstates;
	st->rowptr = palloc0(sizeof(int) * (st->n + 1));
	st->cum = palloc(sizeof(double) * Max(m->ntrans, 1));
	st->smooth = palloc0(sizeof(double) * Max(st->n, 1));
	st->targets = palloc(sizeof(int) * Max(st->n, 1));
	st->absorbing = palloc(sizeof(bool) * Max(st->n, 1));
	entered = palloc0(sizeof(bool) * Max(st->n, 1));
	for (k = 0; k < m->ntrans; k++)
	{
		st->rowptr[from[k] + 1]++;
		entered[to[k]] = true;
	}
	st->ntarget = 0;
	for (i = 0; i < st->n; i++)
	{
		st->rowptr[i + 1] += st->rowptr[i];
		if (entered[i])
			st->targets[st->ntarget++] = i;
	}
	for (i = 0; i < st->n; i++)
	{
		double		scale = alpha,
					sum = 0;

		CHECK_FOR_INTERRUPTS();
		for (k = st->rowptr[i]; k < st->rowptr[i + 1]; k++)
			scale = Max(scale, w[k]);
		for (k = st->rowptr[i]; k < st->rowptr[i + 1]; k++)
		{
			sum += w[k] / scale;
			st->cum[k] = sum;
		}
		if (st->rowptr[i + 1] > st->rowptr[i] && alpha > 0)
			st->smooth[i] = alpha / scale * st->ntarget;
		/* markov_from_matrix writes an absorbing state as a self-loop of probability 1 */
		st->absorbing[i] = st->rowptr[i + 1] == st->rowptr[i] ||
			(st->rowptr[i + 1] == st->rowptr[i] + 1 && to[st->rowptr[i]] == i && alpha == 0);
	}
	pfree(entered);
}

/* One move from a non-absorbing state i: the next state's index. */
static int
sim_step(const SimTable *st, const int32 *to, int i, pg_prng_state *rng)
{
	int			lo = st->rowptr[i],
				hi = st->rowptr[i + 1] - 1;
	double		stored = st->cum[hi];
	double		u = pg_prng_double(rng) * (stored + st->smooth[i]);

	if (u >= stored && st->smooth[i] > 0)
	{
		/* the smoothing mass: every target equally likely */
		int			t = (int) ((u - stored) / st->smooth[i] * st->ntarget);

		return st->targets[Min(t, st->ntarget - 1)];
	}
	/* the first stored transition whose cumulative count exceeds u */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (st->cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return to[lo];
}

/* The page a state stands for: the whole name, or for a higher order its last page. */
static Datum
state_page(const MarkovChain *m, int i)
{
	const char *name = MC_NAME(m, i);
	const char *last = name;
	const char *p;

	if (m->order > 1)
		for (p = strstr(name, MARKOV_SEP); p != NULL; p = strstr(p + 1, MARKOV_SEP))
			last = p + strlen(MARKOV_SEP);
	return CStringGetTextDatum(last);
}

/*
 * markov_simulate(m, start, journeys, max_steps, seed): journeys rows
 * (journey, path), path being the states entered after start, in order.
 */
Datum
ecomai_markov_simulate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MarkovChain *m = PG_GETARG_MARKOV(0);
	char	   *start_name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int32		journeys = PG_GETARG_INT32(2);
	int32		max_steps = PG_GETARG_INT32(3);
	int64		seed = PG_GETARG_INT64(4);
	int			start;
	pg_prng_state rng;
	SimTable	st;
	Datum	   *pages;
	Datum	   *path;
	int			j;

	if (journeys < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("journeys must be non-negative, not %d", journeys)));
	if (max_steps < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("max_steps must be positive, not %d", max_steps)));
	start = ecomai_markov_lookup(m, start_name);
	ecomai_check_memory((Size) max_steps * sizeof(Datum) + (Size) m->nstates * sizeof(Datum),
						"markov simulation path");

	InitMaterializedSRF(fcinfo, 0);
	sim_table_build(m, &st);
	pages = palloc0(sizeof(Datum) * Max(m->nstates, 1));
	path = palloc(sizeof(Datum) * max_steps);
	pg_prng_seed(&rng, (uint64) seed);

	for (j = 0; j < journeys; j++)
	{
		Datum		values[2];
		int			len = 0,
					s = start;

		CHECK_FOR_INTERRUPTS();
		while (len < max_steps && !st.absorbing[s])
		{
			if ((len & 0xFFFF) == 0xFFFF)
				CHECK_FOR_INTERRUPTS();
			s = sim_step(&st, MC_TO(m), s, &rng);
			if (pages[s] == (Datum) 0)
				pages[s] = state_page(m, s);
			path[len++] = pages[s];
		}
		values[0] = Int32GetDatum(j + 1);
		values[1] = PointerGetDatum(construct_array(path, len, TEXTOID, -1, false, TYPALIGN_INT));
		ecomai_srf_row(rsinfo, values);
		pfree(DatumGetPointer(values[1]));
	}
	return (Datum) 0;
}
