/*
 * markov_confidence.c
 *	  markov_confidence: R markovchain's MLE confidence intervals for the
 *	  transition probabilities of a fitted chain (markovchainFit(method =
 *	  "mle")$confidenceInterval), entry by entry.
 *
 * For a transition i -> j seen n_ij times out of n_i, markovchain 0.10.3
 * (generateCI in src/fittingFunctions.cpp) uses
 *		p = n_ij / n_i,  SE = p / sqrt(n_ij),  z = qnorm(1 - (1 - level) / 2),
 *		lower = max(0, p - z SE),  upper = min(1, p + z SE),
 * with the quantile level 1 - (1 - level) / 2 rounded to single precision
 * (it is a C float there).  We round it the same way so that the intervals
 * agree to 1e-9; the effect on z is about 4e-7.  The quantile itself is
 * found by Newton's method on the upper tail 0.5 erfc(z / sqrt 2), which is
 * accurate to a few units in the last place for any level in (0, 1).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "markov.h"
#include "srf.h"

PG_FUNCTION_INFO_V1(ecomai_markov_confidence);

/* The standard normal quantile of p in (0, 1). */
double
ecomai_normal_quantile(double p)
{
	double		q = p > 0.5 ? 1 - p : p;	/* the smaller tail, computed directly */
	double		z = sqrt(-2 * log(q));	/* a start above the root */
	int			i;

	for (i = 0; i < 100; i++)
	{
		double		tail = 0.5 * erfc(z / M_SQRT2);
		double		dens = exp(-0.5 * z * z) / sqrt(2 * M_PI);
		double		step = (tail - q) / dens;

		z += step;
		if (fabs(step) <= 1e-16 * Max(1, fabs(z)))
			break;
	}
	return p > 0.5 ? z : -z;
}

/*
 * markov_confidence(m, level): one row per observed transition with its
 * MLE probability, standard error and interval (see the file comment).
 * Probabilities are the plain count ratios (the chain's smoothing is not
 * applied: markovchain's intervals are for the MLE).
 */
Datum
ecomai_markov_confidence(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MarkovChain *m = PG_GETARG_MARKOV(0);
	double		level = PG_GETARG_FLOAT8(1);
	float		half = 1 - (1 - level) / 2.0;	/* single precision, as markovchain */
	double		z;
	const double *w = MC_WEIGHT(m);
	const int32 *from = MC_FROM(m);
	int			i = 0;

	if (!(level > 0 && level < 1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("confidence level must be between 0 and 1, not %g", level)));
	z = ecomai_normal_quantile((double) half);
	InitMaterializedSRF(fcinfo, 0);
	while (i < m->ntrans)
	{
		int			j = i;
		double		row = 0;

		CHECK_FOR_INTERRUPTS();
		while (j < m->ntrans && from[j] == from[i])
			row += w[j++];
		for (; i < j; i++)
		{
			Datum		values[6];
			double		p = w[i] / row;
			double		se = p / sqrt(w[i]);

			values[0] = CStringGetTextDatum(MC_NAME(m, from[i]));
			values[1] = CStringGetTextDatum(MC_NAME(m, MC_TO(m)[i]));
			values[2] = Float8GetDatum(p);
			values[3] = Float8GetDatum(se);
			values[4] = Float8GetDatum(Max(0, p - z * se));
			values[5] = Float8GetDatum(Min(1, p + z * se));
			ecomai_srf_row(rsinfo, values);
		}
	}
	return (Datum) 0;
}
