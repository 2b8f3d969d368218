/*
 * markov_heuristic.c
 *	  heuristic_attribution: the rule-based attribution models analysts
 *	  compare Markov attribution with (first touch, last touch, linear touch,
 *	  time decay, position based), for one path string, with conversions and
 *	  conversion value credited in the same shape as markov_attribution.
 *
 * Each model gives the touches of a path weights that sum to 1; a channel's
 * credit is the sum of the weights of its touches times the path's
 * conversions (and value).  Summing the rows over all paths (GROUP BY
 * channel, model) gives the models' totals; every total adds up to the
 * conversions (value) observed.  Touches are taken as written: repeated
 * channels are not collapsed (ChannelAttribution's heuristic_models does the
 * same).
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "markov.h"
#include "srf.h"

PG_FUNCTION_INFO_V1(ecomai_heuristic_attribution);

#define NMODELS 5
static const char *const model_names[NMODELS] = {
	"first_touch", "last_touch", "linear_touch", "time_decay", "position_based"
};

/*
 * Weight of touch i of n under each model.  time_decay halves the weight
 * every half_life touches back from the last one; position_based (U-shaped)
 * gives 40% each to the first and last touch and spreads 20% over the
 * middle ones (half each with two touches, all with one).
 */
static void
touch_weights(int n, double half_life, double *w)
{
	double		decay_sum = 0;
	int			i;

	for (i = 0; i < n; i++)
		decay_sum += pow(2.0, -(double) (n - 1 - i) / half_life);
	for (i = 0; i < n; i++)
	{
		double	   *wi = w + (Size) i * NMODELS;

		wi[0] = i == 0 ? 1 : 0;
		wi[1] = i == n - 1 ? 1 : 0;
		wi[2] = 1.0 / n;
		wi[3] = pow(2.0, -(double) (n - 1 - i) / half_life) / decay_sum;
		if (n == 1)
			wi[4] = 1;
		else if (n == 2)
			wi[4] = 0.5;
		else
			wi[4] = (i == 0 || i == n - 1) ? 0.4 : 0.2 / (n - 2);
	}
}

/*
 * heuristic_attribution(path, conversions, conversion_value, half_life):
 * one row per distinct channel of the path (first appearance order) and
 * model.  NULL path: no rows; NULL conversions or value count as 0.
 */
Datum
ecomai_heuristic_attribution(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	double		conv,
				value,
				half_life;
	char	  **ch;
	int			n,
				i,
				j,
				k;
	double	   *w;

	if (PG_ARGISNULL(0))
		return (Datum) 0;
	conv = ecomai_markov_count_arg(fcinfo, 1, "conversions");
	value = ecomai_markov_count_arg(fcinfo, 2, "conversion_value");
	if (PG_ARGISNULL(3))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("half_life must not be null")));
	half_life = PG_GETARG_FLOAT8(3);
	if (!isfinite(half_life) || half_life <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("half_life must be finite and positive, not %g", half_life)));
	n = ecomai_markov_split_path(text_to_cstring(PG_GETARG_TEXT_PP(0)), false, &ch);
	w = palloc(sizeof(double) * n * NMODELS);
	touch_weights(n, half_life, w);
	for (i = 0; i < n; i++)
	{
		double		credit[NMODELS] = {0, 0, 0, 0, 0};

		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < i; j++)
			if (strcmp(ch[j], ch[i]) == 0)
				break;
		if (j < i)
			continue;			/* reported at its first appearance */
		for (j = i; j < n; j++)
			if (strcmp(ch[j], ch[i]) == 0)
				for (k = 0; k < NMODELS; k++)
					credit[k] += w[(Size) j * NMODELS + k];
		for (k = 0; k < NMODELS; k++)
		{
			Datum		values[4];

			values[0] = CStringGetTextDatum(ch[i]);
			values[1] = CStringGetTextDatum(model_names[k]);
			values[2] = Float8GetDatum(credit[k] * conv);
			values[3] = Float8GetDatum(credit[k] * value);
			ecomai_srf_row(rsinfo, values);
		}
	}
	return (Datum) 0;
}
