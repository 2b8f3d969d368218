/*
 * bn_predict.c
 *	  Using a learned network: bn_predict scores one row given as jsonb with
 *	  named, typed values (numbers fall into the network's bins; unknown
 *	  columns, unknown categories and nulls are missing evidence, never an
 *	  error), bn_arcs lists the arcs, and bn_shd is the structural Hamming
 *	  distance between the equivalence classes of two networks (bnlearn's
 *	  shd).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "bn_learn.h"
#include "ecomai.h"
#include "srf.h"

PG_FUNCTION_INFO_V1(ecomai_bn_predict);
PG_FUNCTION_INFO_V1(ecomai_bn_arcs);
PG_FUNCTION_INFO_V1(ecomai_bn_shd);

/* bn_infer.c's SQL entry point, called through fmgr so that its cache works. */
extern Datum ecomai_bn_probability(PG_FUNCTION_ARGS);

/* A state of v matching a number: its bin, its label, or a label equal as a number. */
static int
number_state(const BayesNet *bn, int v, const char *text)
{
	char	   *end;
	double		x = strtod(text, &end);
	int			s;

	if (end == text || *end != '\0')
		return -1;
	if (ecomai_bn_is_binned(bn, v))
		return ecomai_bn_bin_of(bn, v, x);
	s = ecomai_bn_find_state(bn, v, text);
	if (s >= 0)
		return s;
	for (s = 0; s < BN_VARS(bn)[v].nstates; s++)
	{
		const char *label = BN_STATE_NAME(bn, v, s);
		double		y = strtod(label, &end);

		if (end != label && *end == '\0' && y == x)
			return s;
	}
	return -1;
}

/* The state of v that a scalar jsonb value names, or -1 (missing evidence). */
static int
value_state(const BayesNet *bn, int v, const JsonbValue *jv)
{
	char	   *s;
	int			st;

	switch (jv->type)
	{
		case jbvString:
			s = pnstrdup(jv->val.string.val, jv->val.string.len);
			st = ecomai_bn_find_state(bn, v, s);
			if (st < 0 && ecomai_bn_is_binned(bn, v))
				st = number_state(bn, v, s);
			return st;
		case jbvBool:
			return ecomai_bn_find_state(bn, v, jv->val.boolean ? "true" : "false");
		case jbvNumeric:
			s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(jv->val.numeric)));
			return number_state(bn, v, s);
		default:
			return -1;
	}
}

/*
 * bn_predict(bn, target, row): the most probable state of target given the
 * row's other values, and its posterior probability.  NULLs when the
 * evidence is impossible under the network.
 */
Datum
ecomai_bn_predict(PG_FUNCTION_ARGS)
{
	BayesNet   *bn = PG_GETARG_BAYESNET(0);
	char	   *target = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Jsonb	   *row = PG_GETARG_JSONB_P(2);
	int			t = ecomai_bn_lookup_var(bn, target);
	int			nstates = BN_VARS(bn)[t].nstates;
	FmgrInfo   *prob = (FmgrInfo *) fcinfo->flinfo->fn_extra;
	JsonbParseState *ps = NULL;
	JsonbIterator *it;
	JsonbValue	jv;
	JsonbIteratorToken tok;
	Jsonb	   *evidence;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int			var = -1,
				best = -1,
				s;
	double		bestp = -1;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "bn_predict must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (prob == NULL)
	{
		prob = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FmgrInfo));
		prob->fn_addr = ecomai_bn_probability;
		prob->fn_oid = InvalidOid;
		prob->fn_nargs = 3;
		prob->fn_strict = true;
		prob->fn_mcxt = fcinfo->flinfo->fn_mcxt;
		fcinfo->flinfo->fn_extra = prob;
	}

	/* evidence: the row's known variables with known states */
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	if (JB_ROOT_IS_OBJECT(row) && !JB_ROOT_IS_SCALAR(row))
	{
		it = JsonbIteratorInit(&row->root);
		while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				char	   *name = pnstrdup(jv.val.string.val, jv.val.string.len);

				var = ecomai_bn_find_var(bn, name);
				if (var == t)
					var = -1;
			}
			else if (tok == WJB_VALUE && var >= 0)
			{
				int			st = value_state(bn, var, &jv);

				if (st >= 0)
					ecomai_jsonb_push_string(&ps, BN_VAR_NAME(bn, var), BN_STATE_NAME(bn, var, st));
				var = -1;
			}
		}
	}
	evidence = JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL));

	for (s = 0; s < nstates; s++)
	{
		LOCAL_FCINFO(inner, 3);
		JsonbParseState *es = NULL;
		Jsonb	   *event;
		Datum		p;

		CHECK_FOR_INTERRUPTS();
		pushJsonbValue(&es, WJB_BEGIN_OBJECT, NULL);
		ecomai_jsonb_push_string(&es, BN_VAR_NAME(bn, t), BN_STATE_NAME(bn, t, s));
		event = JsonbValueToJsonb(pushJsonbValue(&es, WJB_END_OBJECT, NULL));
		InitFunctionCallInfoData(*inner, prob, 3, InvalidOid, NULL, NULL);
		inner->args[0].value = PointerGetDatum(bn);
		inner->args[0].isnull = false;
		inner->args[1].value = JsonbPGetDatum(event);
		inner->args[1].isnull = false;
		inner->args[2].value = JsonbPGetDatum(evidence);
		inner->args[2].isnull = false;
		p = FunctionCallInvoke(inner);
		if (inner->isnull)
		{
			best = -1;
			break;
		}
		if (DatumGetFloat8(p) > bestp)
		{
			bestp = DatumGetFloat8(p);
			best = s;
		}
	}
	if (best < 0)
	{
		nulls[0] = nulls[1] = true;
		values[0] = values[1] = (Datum) 0;
	}
	else
	{
		values[0] = CStringGetTextDatum(BN_STATE_NAME(bn, t, best));
		values[1] = Float8GetDatum(Min(bestp, 1.0));	/* a ratio of sums may round above 1 */
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* bn_arcs(bn): one row per arc (parent, child), in variable then parent order. */
Datum
ecomai_bn_arcs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	BayesNet   *bn = PG_GETARG_BAYESNET(0);
	int			v,
				j;

	for (v = 0; v < bn->nvars; v++)
		for (j = 0; j < BN_VARS(bn)[v].nparents; j++)
		{
			Datum		values[2];

			CHECK_FOR_INTERRUPTS();
			values[0] = CStringGetTextDatum(BN_VAR_NAME(bn, BN_VAR_PARENTS(bn, v)[j]));
			values[1] = CStringGetTextDatum(BN_VAR_NAME(bn, v));
			ecomai_srf_row(rsinfo, values);
		}
	return (Datum) 0;
}

/*
 * The completed partially directed graph (CPDAG) of a DAG given as an
 * adjacency matrix adj[u * n + v] (arc u -> v): arcs in v-structures are
 * directed, then Meek's rules 1-3 orient what they force.  Out: dir[u * n
 * + v] for directed arcs, und[] symmetric for undirected edges.
 */
static void
cpdag(int n, const bool *adj, bool *dir, bool *und)
{
	int			a,
				b,
				c,
				d;
	bool		changed = true;

#define ADJ(x, y) (adj[(x) * n + (y)] || adj[(y) * n + (x)])
	memset(dir, 0, sizeof(bool) * n * n);
	memset(und, 0, sizeof(bool) * n * n);
	for (a = 0; a < n; a++)
		for (b = 0; b < n; b++)
			if (adj[a * n + b])
			{
				bool		compelled = false;

				for (c = 0; c < n && !compelled; c++)
					if (c != a && adj[c * n + b] && !ADJ(a, c))
						compelled = true;
				if (compelled)
					dir[a * n + b] = true;
				else
					und[a * n + b] = und[b * n + a] = true;
			}
	while (changed)
	{
		changed = false;
		CHECK_FOR_INTERRUPTS();
		for (a = 0; a < n; a++)
			for (b = 0; b < n; b++)
			{
				bool		orient = false;

				if (!und[a * n + b])
					continue;
				/* R1: c -> a, a - b, c and b not adjacent */
				for (c = 0; c < n && !orient; c++)
					if (dir[c * n + a] && c != b && !ADJ(c, b))
						orient = true;
				/* R2: a -> c -> b */
				for (c = 0; c < n && !orient; c++)
					if (dir[a * n + c] && dir[c * n + b])
						orient = true;
				/* R3: a - c -> b, a - d -> b, c and d not adjacent */
				for (c = 0; c < n && !orient; c++)
					if (und[a * n + c] && dir[c * n + b])
						for (d = c + 1; d < n && !orient; d++)
							if (und[a * n + d] && dir[d * n + b] && !ADJ(c, d))
								orient = true;
				if (orient)
				{
					und[a * n + b] = und[b * n + a] = false;
					dir[a * n + b] = true;
					changed = true;
				}
			}
	}
#undef ADJ
}

/*
 * bn_shd(a, b): structural Hamming distance between the CPDAGs of two
 * networks over the same variables: the number of variable pairs whose
 * edge (none, either direction, undirected) differs.
 */
Datum
ecomai_bn_shd(PG_FUNCTION_ARGS)
{
	BayesNet   *x = PG_GETARG_BAYESNET(0);
	BayesNet   *y = PG_GETARG_BAYESNET(1);
	int			n = x->nvars;
	int		   *map = palloc(sizeof(int) * n);
	bool	   *ax,
			   *ay,
			   *dx,
			   *ux,
			   *dy,
			   *uy;
	int			u,
				v,
				j,
				shd = 0;

	if (y->nvars != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("networks have %d and %d variables", n, y->nvars),
				 errdetail("The structural Hamming distance compares networks over the same variables.")));
	ecomai_check_memory(sizeof(bool) * 6 * (Size) n * n, "bn_shd graphs");
	/* map x's variables onto y's by name */
	for (v = 0; v < n; v++)
	{
		map[v] = ecomai_bn_find_var(y, BN_VAR_NAME(x, v));
		if (map[v] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("variable \"%s\" of the first network is not in the second", BN_VAR_NAME(x, v))));
	}
	ax = palloc0(sizeof(bool) * n * n);
	ay = palloc0(sizeof(bool) * n * n);
	dx = palloc(sizeof(bool) * n * n);
	ux = palloc(sizeof(bool) * n * n);
	dy = palloc(sizeof(bool) * n * n);
	uy = palloc(sizeof(bool) * n * n);
	for (v = 0; v < n; v++)
	{
		for (j = 0; j < BN_VARS(x)[v].nparents; j++)
			ax[BN_VAR_PARENTS(x, v)[j] * n + v] = true;
	}
	{
		int		   *inv = palloc(sizeof(int) * n);

		for (v = 0; v < n; v++)
			inv[map[v]] = v;
		for (v = 0; v < n; v++)
			for (j = 0; j < BN_VARS(y)[v].nparents; j++)
				ay[inv[BN_VAR_PARENTS(y, v)[j]] * n + inv[v]] = true;
	}
	cpdag(n, ax, dx, ux);
	cpdag(n, ay, dy, uy);
	for (u = 0; u < n; u++)
		for (v = u + 1; v < n; v++)
		{
			int			ex = dx[u * n + v] ? 1 : dx[v * n + u] ? 2 : ux[u * n + v] ? 3 : 0;
			int			ey = dy[u * n + v] ? 1 : dy[v * n + u] ? 2 : uy[u * n + v] ? 3 : 0;

			if (ex != ey)
				shd++;
		}
	PG_RETURN_INT32(shd);
}
