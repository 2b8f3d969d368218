/*
 * markov_order.c
 *	  markov_choose_order: log-likelihood, AIC and BIC of every order 1..K
 *	  of a chain fitted with order K, to choose the order (markovchain's
 *	  assessOrder and ChannelAttribution's choose_order answer the same
 *	  question).
 *
 * A chain of order K already holds the counts of every lower order: the
 * state of order k at a step is the last k pages of the order-K state (the
 * first states of a path are shorter, identically in both), so truncating
 * every state of every transition to its last k pages and summing gives
 * exactly the chain markov_path / markov_fit_paths would fit with order k.
 * Every order sees the same transitions (one per step of a path), so the
 * log-likelihoods are comparable: LL_k = sum over transitions c log(c / row
 * total).  Free parameters: per state, its distinct successors minus one.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "ecomai.h"
#include "markov.h"
#include "srf.h"

PG_FUNCTION_INFO_V1(ecomai_markov_choose_order);

/* The last k " > "-separated pages of a state name (the name itself when it has at most k). */
static const char *
last_pages(const char *name, int k)
{
	const char *p = name + strlen(name);
	int			seen = 0;
	size_t		seplen = strlen(MARKOV_SEP);

	while (p > name)
	{
		p--;
		if ((size_t) (p - name) + seplen <= strlen(name) && strncmp(p, MARKOV_SEP, seplen) == 0)
		{
			if (++seen == k)
				return p + seplen;
		}
	}
	return name;
}

/*
 * markov_choose_order(m): one row per order 1..order(m) with the number of
 * states, transitions and free parameters, the log-likelihood (natural log)
 * of the observed transitions, AIC = 2p - 2LL and BIC = p ln(n) - 2LL, n
 * the total transition weight.
 */
Datum
ecomai_markov_choose_order(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	MarkovChain *m = PG_GETARG_MARKOV(0);
	int			n = m->nstates;
	const char **trunc = palloc(sizeof(char *) * Max(n, 1));
	int		   *perm = palloc(sizeof(int) * Max(n, 1));
	int		   *id = palloc(sizeof(int) * Max(n, 1));
	MarkovTriple *e = palloc(sizeof(MarkovTriple) * Max(m->ntrans, 1));
	int			k,
				i;

	ecomai_check_memory((Size) n * 24 + (Size) m->ntrans * sizeof(MarkovTriple), "markov order selection");
	for (k = 1; k <= m->order; k++)
	{
		int			nids = 0,
					ne = 0,
					nstates = 0;
		double		ll = 0,
					total = 0,
					params = 0;
		Datum		values[7];

		CHECK_FOR_INTERRUPTS();
		/* states of order k: names truncated to their last k pages, numbered */
		for (i = 0; i < n; i++)
		{
			trunc[i] = last_pages(MC_NAME(m, i), k);
			perm[i] = i;
		}
		qsort_arg(perm, n, sizeof(int), ecomai_markov_cmp_name_index, trunc);
		for (i = 0; i < n; i++)
		{
			if (i == 0 || strcmp(trunc[perm[i]], trunc[perm[i - 1]]) != 0)
				nids++;
			id[perm[i]] = nids - 1;
		}
		/* transitions of order k: summed over the order-K ones they come from */
		for (i = 0; i < m->ntrans; i++)
		{
			e[i].from = id[MC_FROM(m)[i]];
			e[i].to = id[MC_TO(m)[i]];
			e[i].weight = MC_WEIGHT(m)[i];
		}
		qsort(e, m->ntrans, sizeof(MarkovTriple), ecomai_markov_cmp_triple);
		for (i = 0; i < m->ntrans; i++)
		{
			if (ne > 0 && e[ne - 1].from == e[i].from && e[ne - 1].to == e[i].to)
				e[ne - 1].weight += e[i].weight;
			else
				e[ne++] = e[i];
		}
		for (i = 0; i < ne;)
		{
			int			j = i;
			double		row = 0;

			CHECK_FOR_INTERRUPTS();
			while (j < ne && e[j].from == e[i].from)
				row += e[j++].weight;
			params += j - i;
			for (; i < j; i++)
				ll += e[i].weight * log(e[i].weight / row);
			total += row;
			nstates++;
		}
		/* params counted successors; one per state is not free */
		params -= nstates;
		values[0] = Int32GetDatum(k);
		values[1] = Int32GetDatum(nstates);
		values[2] = Int32GetDatum(ne);
		values[3] = Float8GetDatum(params);
		values[4] = Float8GetDatum(ll);
		values[5] = Float8GetDatum(2 * params - 2 * ll);
		values[6] = Float8GetDatum(params * log(Max(total, 1)) - 2 * ll);
		ecomai_srf_row(rsinfo, values);
	}
	return (Datum) 0;
}
