/*
 * bn_infer.c
 *	  Exact inference on an ecomai.bayesnet: bn_query (posterior of one
 *	  variable), bn_probability (probability of a joint event), bn_map (most
 *	  probable assignment of all unobserved variables), and bn_sample
 *	  (seeded forward sampling).
 *
 * Inference is variable elimination.  Only the ancestors of the query and
 * evidence variables matter (every other node is barren: its CPT sums to 1
 * over its states and drops out), so they are pruned first.  Evidence is
 * applied by restricting each CPT in place, through strides, without copies.
 * The elimination order is greedy min-fill on the interaction graph, ties
 * broken by min-weight (the size of the factor the step creates).  MAP uses
 * max-product elimination over every variable with argmax tables for the
 * traceback.
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "bayesnet.h"
#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_bn_query);
PG_FUNCTION_INFO_V1(ecomai_bn_probability);
PG_FUNCTION_INFO_V1(ecomai_bn_map);
PG_FUNCTION_INFO_V1(ecomai_bn_sample);

/*
 * A factor: a table over variables vars[0..nv-1] whose entry for digits d
 * is val[sum d[i] * stride[i]].  CPTs become factors without copying (the
 * strides skip observed variables); products are laid out row-major.
 */
typedef struct Factor
{
	int			nv;
	int		   *vars;
	int		   *card;
	int64	   *stride;
	const double *val;
} Factor;

/* One max-product step, kept for the MAP traceback. */
typedef struct MaxStep
{
	int			var;
	int			nv;				/* the scope of the created factor */
	int		   *vars;
	int		   *card;
	int		   *argmax;			/* row-major over that scope */
} MaxStep;

/* Read an evidence or event object {"variable": "state"} into obs[] (-1 = free). */
static void
parse_assignment(const BayesNet *bn, Jsonb *jb, int *obs, const char *what)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			var = -1;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a jsonb object", what),
				 errhint("Write it as {\"variable\": \"state\", ...}.")));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			char	   *name = pnstrdup(v.val.string.val, v.val.string.len);

			var = ecomai_bn_lookup_var(bn, name);
		}
		else if (tok == WJB_VALUE)
		{
			char	   *state;

			switch (v.type)
			{
				case jbvNull:
					continue;	/* null: the variable is not observed */
				case jbvString:
					state = pnstrdup(v.val.string.val, v.val.string.len);
					break;
				case jbvNumeric:
					state = DatumGetCString(DirectFunctionCall1(numeric_out,
																NumericGetDatum(v.val.numeric)));
					break;
				case jbvBool:
					state = v.val.boolean ? "true" : "false";
					break;
				default:
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("%s value for variable \"%s\" must be a state name",
									what, BN_VAR_NAME(bn, var))));
			}
			obs[var] = ecomai_bn_lookup_state(bn, var, state);
		}
	}
}

/* Mark the ancestors of the marked variables (the marked ones included). */
static void
mark_ancestors(const BayesNet *bn, bool *mark)
{
	int		   *stack = palloc(sizeof(int) * bn->nvars);
	int			top = 0,
				v,
				j;

	for (v = 0; v < bn->nvars; v++)
		if (mark[v])
			stack[top++] = v;
	while (top > 0)
	{
		v = stack[--top];
		for (j = 0; j < BN_VARS(bn)[v].nparents; j++)
		{
			int			p = BN_VAR_PARENTS(bn, v)[j];

			if (!mark[p])
			{
				mark[p] = true;
				stack[top++] = p;
			}
		}
	}
	pfree(stack);
}

/* The CPT of v as a factor over its unobserved family members, restricted to obs. */
static Factor *
cpt_factor(const BayesNet *bn, int v, const int *obs)
{
	BnVar	   *var = &BN_VARS(bn)[v];
	const int32 *par = BN_VAR_PARENTS(bn, v);
	Factor	   *f = palloc(sizeof(Factor));
	int64		stride = var->nstates;
	int64		base = 0;
	int			j;

	f->vars = palloc(sizeof(int) * (var->nparents + 1));
	f->card = palloc(sizeof(int) * (var->nparents + 1));
	f->stride = palloc(sizeof(int64) * (var->nparents + 1));
	f->nv = 0;
	if (obs[v] >= 0)
		base = obs[v];
	else
	{
		f->vars[f->nv] = v;
		f->card[f->nv] = var->nstates;
		f->stride[f->nv++] = 1;
	}
	for (j = var->nparents - 1; j >= 0; j--)
	{
		int			p = par[j];

		if (obs[p] >= 0)
			base += obs[p] * stride;
		else
		{
			f->vars[f->nv] = p;
			f->card[f->nv] = BN_VARS(bn)[p].nstates;
			f->stride[f->nv++] = stride;
		}
		stride *= BN_VARS(bn)[p].nstates;
	}
	f->val = BN_VAR_CPT(bn, v) + base;
	return f;
}

/* Position of variable x in a factor's scope, or -1. */
static int
factor_pos(const Factor *f, int x)
{
	int			i;

	for (i = 0; i < f->nv; i++)
		if (f->vars[i] == x)
			return i;
	return -1;
}

/* Bytes of a factor's values (and, when maximising, its argmax table) per entry. */
#define FACTOR_ENTRY_BYTES(maximize) (sizeof(double) + ((maximize) ? sizeof(int) : 0))

/* A size in bytes as a Size, saturating (estimates are kept in doubles). */
static Size
bytes_clamped(double bytes)
{
	return bytes >= (double) (PG_INT64_MAX / 2) ? (Size) (PG_INT64_MAX / 2) : (Size) bytes;
}

/* Free a factor built by combine (CPT factors point into the network and are not). */
static void
factor_free(Factor *f)
{
	pfree(f->vars);
	pfree(f->card);
	pfree(f->stride);
	pfree((double *) f->val);
	pfree(f);
}

/*
 * Multiply factors fs[0..m-1] and sum (or, with maximize, max) out variable
 * elim (-1: none).  With maximize, *argmax receives the maximising state of
 * elim per entry of the result.  The result's tables are allocated in the
 * current memory context, whose whole size counts against ecomai.max_memory
 * (the caller runs the elimination in a context of its own).
 */
static Factor *
combine(Factor **fs, int m, int elim, int elim_card, bool maximize, int **argmax)
{
	Factor	   *r = palloc(sizeof(Factor));
	int			maxv = 0,
				i,
				k,
				u;
	double		size_d = 1;
	int64		size;
	int64	  **su;				/* su[i][u]: stride of result variable u in factor i */
	int64	   *se;				/* stride of elim in factor i */
	int64	   *idx;
	int		   *digit;
	double	   *out;
	int		   *am = NULL;
	int64		pos;

	for (i = 0; i < m; i++)
		maxv += fs[i]->nv;
	r->vars = palloc(sizeof(int) * Max(maxv, 1));
	r->card = palloc(sizeof(int) * Max(maxv, 1));
	r->nv = 0;
	for (i = 0; i < m; i++)
		for (k = 0; k < fs[i]->nv; k++)
		{
			int			x = fs[i]->vars[k];

			if (x == elim || factor_pos(r, x) >= 0)
				continue;
			r->vars[r->nv] = x;
			r->card[r->nv++] = fs[i]->card[k];
			size_d *= fs[i]->card[k];
		}
	/* the plan checked this already; the running total is the guarantee */
	ecomai_check_memory(MemoryContextMemAllocated(CurrentMemoryContext, true) +
						bytes_clamped(size_d * FACTOR_ENTRY_BYTES(maximize)),
						"variable elimination");
	size = (int64) size_d;
	r->stride = palloc(sizeof(int64) * Max(r->nv, 1));
	for (u = r->nv - 1, pos = 1; u >= 0; u--)
	{
		r->stride[u] = pos;
		pos *= r->card[u];
	}
	su = palloc(sizeof(int64 *) * m);
	se = palloc0(sizeof(int64) * m);
	idx = palloc0(sizeof(int64) * m);
	for (i = 0; i < m; i++)
	{
		su[i] = palloc0(sizeof(int64) * Max(r->nv, 1));
		for (k = 0; k < fs[i]->nv; k++)
		{
			if (fs[i]->vars[k] == elim)
				se[i] = fs[i]->stride[k];
			else
				su[i][factor_pos(r, fs[i]->vars[k])] = fs[i]->stride[k];
		}
	}
	/* huge allocations: the setting, not MaxAllocSize, bounds a factor */
	out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * size);
	if (maximize)
		am = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int) * size);
	digit = palloc0(sizeof(int) * Max(r->nv, 1));
	if (elim < 0)
		elim_card = 1;
	for (pos = 0; pos < size; pos++)
	{
		double		acc = maximize ? -1.0 : 0.0;
		int			best = 0;
		int			s;

		if ((pos & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		for (s = 0; s < elim_card; s++)
		{
			double		p = 1.0;

			for (i = 0; i < m; i++)
				p *= fs[i]->val[idx[i] + s * se[i]];
			if (!maximize)
				acc += p;
			else if (p > acc)
			{
				acc = p;
				best = s;
			}
		}
		out[pos] = acc;
		if (maximize)
			am[pos] = best;
		/* next result entry: the last variable fastest */
		for (u = r->nv - 1; u >= 0; u--)
		{
			for (i = 0; i < m; i++)
				idx[i] += su[i][u];
			if (++digit[u] < r->card[u])
				break;
			for (i = 0; i < m; i++)
				idx[i] -= su[i][u] * r->card[u];
			digit[u] = 0;
		}
	}
	for (i = 0; i < m; i++)
		pfree(su[i]);
	pfree(su);
	pfree(se);
	pfree(idx);
	pfree(digit);
	r->val = out;
	if (argmax)
		*argmax = am;
	return r;
}

/*
 * The plan of one variable elimination, made on the interaction graph before
 * any factor is built: the order, and what running it will hold at most.
 */
typedef struct ElimPlan
{
	int			nsteps;
	int		   *order;			/* the variables to eliminate, in order */
	double		peak;			/* bytes of the largest working set */
	double		largest;		/* entries of the largest factor */
	int			width;			/* variables in the largest factor's scope */
} ElimPlan;

/*
 * The interaction graph of a variable elimination: one node per relevant
 * unobserved variable, an edge between two that share a factor.  Dense
 * (m * m bytes, counted against the setting): elimination is only feasible
 * on networks whose relevant part is small anyway.
 */
typedef struct ElimGraph
{
	int			m;
	int		   *l2g;			/* node -> variable */
	int		   *g2l;			/* variable -> node, or -1 */
	bool	   *adj;
	bool	   *todo;			/* nodes still to eliminate */
	int			ntodo;
	int		   *nb;				/* scratch: a node's neighbours */
} ElimGraph;

/* Build the interaction graph of the CPTs of rel[], restricted to obs. */
static void
graph_build(const BayesNet *bn, const bool *rel, const int *obs, int keep, ElimGraph *g)
{
	int			n = bn->nvars;
	int			v,
				j,
				k,
				m = 0;

	g->g2l = palloc(sizeof(int) * n);
	g->l2g = palloc(sizeof(int) * n);
	for (v = 0; v < n; v++)
	{
		g->g2l[v] = -1;
		if (rel[v] && obs[v] < 0)
		{
			g->g2l[v] = m;
			g->l2g[m++] = v;
		}
	}
	g->m = m;
	ecomai_check_memory((Size) m * m, "variable elimination graph");
	g->adj = MemoryContextAllocExtended(CurrentMemoryContext, (Size) Max(m, 1) * Max(m, 1),
										MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	g->todo = palloc0(sizeof(bool) * Max(m, 1));
	g->nb = palloc(sizeof(int) * Max(m, 1));
	g->ntodo = 0;
	for (v = 0; v < n; v++)
	{
		BnVar	   *var = &BN_VARS(bn)[v];
		int			nfam = 0;

		if (!rel[v])
			continue;
		CHECK_FOR_INTERRUPTS();
		/* the unobserved members of v's family form a clique */
		if (obs[v] < 0)
			g->nb[nfam++] = g->g2l[v];
		for (j = 0; j < var->nparents; j++)
			if (obs[BN_VAR_PARENTS(bn, v)[j]] < 0)
				g->nb[nfam++] = g->g2l[BN_VAR_PARENTS(bn, v)[j]];
		for (j = 0; j < nfam; j++)
			for (k = 0; k < nfam; k++)
				if (j != k)
					g->adj[(Size) g->nb[j] * m + g->nb[k]] = true;
		if (obs[v] < 0 && v != keep)
		{
			g->todo[g->g2l[v]] = true;
			g->ntodo++;
		}
	}
}

/* The next node to eliminate: greedy min-fill, ties by min-weight, then by index. */
static int
graph_choose(const BayesNet *bn, ElimGraph *g)
{
	int			m = g->m;
	int			best = -1;
	int64		best_fill = PG_INT64_MAX;
	double		best_weight = 0;
	int			x,
				i,
				k;

	for (x = 0; x < m; x++)
	{
		int64		fill = 0;
		double		weight = 1;
		int			deg = 0;

		if (!g->todo[x])
			continue;
		for (i = 0; i < m; i++)
			if (g->adj[(Size) x * m + i])
			{
				g->nb[deg++] = i;
				weight *= BN_VARS(bn)[g->l2g[i]].nstates;
			}
		for (i = 0; i < deg && fill <= best_fill; i++)
			for (k = i + 1; k < deg; k++)
				if (!g->adj[(Size) g->nb[i] * m + g->nb[k]])
					fill++;
		if (fill < best_fill || (fill == best_fill && weight < best_weight))
		{
			best = x;
			best_fill = fill;
			best_weight = weight;
		}
	}
	return best;
}

/* Eliminate node x from the graph: its neighbours into nb[] (returns their count), connected. */
static int
graph_eliminate(ElimGraph *g, int x)
{
	int			m = g->m;
	int			deg = 0,
				i,
				k;

	for (i = 0; i < m; i++)
		if (g->adj[(Size) x * m + i])
			g->nb[deg++] = i;
	for (i = 0; i < deg; i++)
		for (k = 0; k < deg; k++)
			if (i != k)
				g->adj[(Size) g->nb[i] * m + g->nb[k]] = true;
	for (i = 0; i < m; i++)
		g->adj[(Size) x * m + i] = g->adj[(Size) i * m + x] = false;
	g->todo[x] = false;
	g->ntodo--;
	return deg;
}

/*
 * Plan the elimination of every relevant unobserved variable except keep:
 * choose the order on the interaction graph and follow the factors it will
 * create, symbolically.  Eliminating x creates a factor over x's neighbours
 * at that point (an edge means a live factor holds both ends), and consumes
 * the created factors that mention x; so the working set at each step is
 * known before anything is built.  Refuses with 54000 up front when the
 * largest working set (the factors alive together, the argmax tables MAP
 * keeps, and the graph) is over ecomai.max_memory.
 */
static void
plan_elimination(const BayesNet *bn, const bool *rel, const int *obs, int keep, bool maximize,
				 ElimPlan *plan)
{
	ElimGraph	g;
	int		  **pscope;			/* the created factors still alive: their scopes */
	int		   *pn;
	double	   *pbytes;
	int			npend = 0;
	double		live = 0,		/* bytes of the created factors alive */
				kept = 0,		/* bytes of argmax tables kept for the traceback */
				graph_bytes,
				last;
	int			i,
				j,
				k;

	graph_build(bn, rel, obs, keep, &g);
	graph_bytes = (double) g.m * g.m;
	plan->order = palloc(sizeof(int) * Max(g.ntodo, 1));
	plan->nsteps = 0;
	plan->peak = graph_bytes;
	plan->largest = 1;
	plan->width = 0;
	pscope = palloc(sizeof(int *) * Max(g.ntodo, 1));
	pn = palloc(sizeof(int) * Max(g.ntodo, 1));
	pbytes = palloc(sizeof(double) * Max(g.ntodo, 1));
	while (g.ntodo > 0)
	{
		int			x = graph_choose(bn, &g);
		int			deg = graph_eliminate(&g, x);
		double		entries = 1;

		CHECK_FOR_INTERRUPTS();
		plan->order[plan->nsteps++] = g.l2g[x];
		for (i = 0; i < deg; i++)
			entries *= BN_VARS(bn)[g.l2g[g.nb[i]]].nstates;
		if (entries > plan->largest || (entries == plan->largest && deg > plan->width))
		{
			plan->largest = entries;
			plan->width = deg;
		}
		/* while it is built, the factors it consumes are still alive */
		kept += maximize ? entries * sizeof(int) : 0;
		plan->peak = Max(plan->peak, graph_bytes + live + kept + entries * sizeof(double));
		for (i = 0, j = 0; i < npend; i++)
		{
			bool		consumed = false;

			for (k = 0; k < pn[i] && !consumed; k++)
				consumed = pscope[i][k] == x;
			if (consumed)
			{
				live -= pbytes[i];
				pfree(pscope[i]);
				continue;
			}
			pscope[j] = pscope[i];
			pn[j] = pn[i];
			pbytes[j++] = pbytes[i];
		}
		npend = j;
		pscope[npend] = palloc(sizeof(int) * Max(deg, 1));
		memcpy(pscope[npend], g.nb, sizeof(int) * deg);
		pn[npend] = deg;
		pbytes[npend] = entries * sizeof(double);
		live += pbytes[npend++];
	}
	/* the final product over keep (or a scalar) */
	last = (keep >= 0 && obs[keep] < 0) ? BN_VARS(bn)[keep].nstates : 1;
	plan->peak = Max(plan->peak, graph_bytes + live + kept + last * sizeof(double));
	for (i = 0; i < npend; i++)
		pfree(pscope[i]);
	pfree(pscope);
	pfree(pn);
	pfree(pbytes);
	pfree(g.adj);
	pfree(g.todo);
	pfree(g.nb);
	pfree(g.g2l);
	pfree(g.l2g);
	if (plan->peak / 1024 > (double) ecomai_max_memory_kb)
		ecomai_check_memory(bytes_clamped(plan->peak),
							psprintf("variable elimination (largest factor: %.0f entries over %d variables)",
									 plan->largest, plan->width));
}

/*
 * Variable elimination over the CPTs of the variables in rel[] (an
 * ancestral set), restricted to obs, eliminating every relevant unobserved
 * variable except keep (-1: none).  Returns the final factor (over keep, or
 * a scalar).  With steps, maximises instead of summing and records the
 * argmax tables.  The order and the working set are planned first (54000
 * before anything large is built); each created factor is freed as soon as
 * the step that consumes it has run.  Call it in a memory context of its
 * own: the running check counts that whole context.
 */
static Factor *
eliminate(const BayesNet *bn, const bool *rel, const int *obs, int keep, List **steps)
{
	ElimPlan	plan;
	Factor	  **fs = palloc(sizeof(Factor *) * bn->nvars);
	Factor	  **with = palloc(sizeof(Factor *) * bn->nvars);
	bool	   *owned = palloc0(sizeof(bool) * bn->nvars);	/* fs[i] built by combine */
	bool	   *with_owned = palloc(sizeof(bool) * bn->nvars);
	int			nf = 0,
				step,
				i,
				j,
				v;

	plan_elimination(bn, rel, obs, keep, steps != NULL, &plan);
	for (v = 0; v < bn->nvars; v++)
		if (rel[v])
			fs[nf++] = cpt_factor(bn, v, obs);
	for (step = 0; step < plan.nsteps; step++)
	{
		int			nwith = 0;
		int		   *am;
		Factor	   *r;

		CHECK_FOR_INTERRUPTS();
		/* multiply the factors that mention it and eliminate it */
		v = plan.order[step];
		for (i = 0, j = 0; i < nf; i++)
		{
			if (factor_pos(fs[i], v) >= 0)
			{
				with_owned[nwith] = owned[i];
				with[nwith++] = fs[i];
			}
			else
			{
				owned[j] = owned[i];
				fs[j++] = fs[i];
			}
		}
		nf = j;
		r = combine(with, nwith, v, BN_VARS(bn)[v].nstates, steps != NULL, &am);
		for (i = 0; i < nwith; i++)
			if (with_owned[i])
				factor_free(with[i]);
		if (steps)
		{
			MaxStep    *st = palloc(sizeof(MaxStep));

			st->var = v;
			st->nv = r->nv;
			st->vars = palloc(sizeof(int) * Max(r->nv, 1));
			st->card = palloc(sizeof(int) * Max(r->nv, 1));
			memcpy(st->vars, r->vars, sizeof(int) * r->nv);
			memcpy(st->card, r->card, sizeof(int) * r->nv);
			st->argmax = am;
			*steps = lappend(*steps, st);
		}
		owned[nf] = true;
		fs[nf++] = r;
	}
	return combine(fs, nf, -1, 1, false, NULL);
}

/* A memory context for one elimination: freeing it frees its whole working set. */
static MemoryContext
elimination_context(void)
{
	return AllocSetContextCreate(CurrentMemoryContext, "variable elimination",
								 ALLOCSET_DEFAULT_SIZES);
}

/*
 * Unnormalised P(keep, obs) as a vector over keep's states (or a scalar P(obs)
 * when keep is -1), using only the ancestors of keep and the observed
 * variables.
 */
static double *
joint_with(const BayesNet *bn, const int *obs, int keep)
{
	MemoryContext cxt = elimination_context();
	MemoryContext old = MemoryContextSwitchTo(cxt);
	bool	   *rel = palloc0(sizeof(bool) * bn->nvars);
	Factor	   *f;
	int64		len = 1;
	double	   *result;
	int			v;

	for (v = 0; v < bn->nvars; v++)
		rel[v] = obs[v] >= 0 || v == keep;
	mark_ancestors(bn, rel);
	f = eliminate(bn, rel, obs, keep, NULL);
	for (v = 0; v < f->nv; v++)
		len *= f->card[v];
	MemoryContextSwitchTo(old);
	result = palloc(sizeof(double) * len);
	memcpy(result, f->val, sizeof(double) * len);
	MemoryContextDelete(cxt);
	return result;
}

/* obs[] with every variable free. */
static int *
free_obs(const BayesNet *bn)
{
	int		   *obs = palloc(sizeof(int) * bn->nvars);
	int			v;

	for (v = 0; v < bn->nvars; v++)
		obs[v] = -1;
	return obs;
}

/* Say that the evidence is impossible (the caller then returns NULL). */
static void
notice_impossible(void)
{
	ereport(NOTICE,
			(errmsg("evidence has probability 0"),
			 errdetail("Probabilities conditional on impossible evidence are undefined; the result is NULL.")));
}

/*
 * A cache of answers per call site (fn_extra), for the common pattern of one
 * network queried row by row with few distinct evidence combinations, e.g.
 * scoring every session by its device and channel.  Keyed by the argument
 * bytes (jsonb is canonical); emptied when the network changes.
 */
#define BN_CACHE_ENTRIES 64
#define BN_CACHE_MAX_NET (1024 * 1024)

typedef struct BnCache
{
	BayesNet   *bn;				/* copy of the network the entries belong to */
	struct varlena *raw;		/* its argument as passed (maybe compressed or a TOAST pointer) */
	Size		rawlen;
	int			n;
	int			next;			/* round-robin replacement */
	char	   *key[BN_CACHE_ENTRIES];
	Size		keylen[BN_CACHE_ENTRIES];
	double	   *vals[BN_CACHE_ENTRIES];
	bool		isnull[BN_CACHE_ENTRIES];
} BnCache;

/*
 * The network argument, detoasted, and the call site's cache for it (NULL
 * for networks too large to keep).  When the argument's bytes as passed are
 * those of the previous call (the same compressed value or TOAST pointer,
 * typically a scalar subquery's result), the kept copy is used and neither
 * detoasting nor comparing the whole network is needed.
 */
static BayesNet *
cached_network(FunctionCallInfo fcinfo, int argno, BnCache **cache)
{
	struct varlena *r = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	BnCache    *c = (BnCache *) fcinfo->flinfo->fn_extra;
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	bool		rawok = !VARATT_IS_EXTERNAL(r) || VARATT_IS_EXTERNAL_ONDISK(r);
	Size		rawlen = VARSIZE_ANY(r);
	BayesNet   *bn;
	int			i;

	if (c && c->raw && rawok && c->rawlen == rawlen && memcmp(c->raw, r, rawlen) == 0)
	{
		*cache = c;
		return c->bn;
	}
	bn = PG_GETARG_BAYESNET(argno);
	*cache = NULL;
	if (VARSIZE(bn) > BN_CACHE_MAX_NET)
		return bn;
	if (c == NULL)
	{
		c = MemoryContextAllocZero(mcxt, sizeof(BnCache));
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->raw)
	{
		pfree(c->raw);
		c->raw = NULL;
	}
	if (c->bn == NULL || VARSIZE(c->bn) != VARSIZE(bn) || memcmp(c->bn, bn, VARSIZE(bn)) != 0)
	{
		for (i = 0; i < c->n; i++)
		{
			pfree(c->key[i]);
			pfree(c->vals[i]);
		}
		if (c->bn)
			pfree(c->bn);
		c->bn = MemoryContextAlloc(mcxt, VARSIZE(bn));
		memcpy(c->bn, bn, VARSIZE(bn));
		c->n = c->next = 0;
	}
	if (rawok && rawlen <= BN_CACHE_MAX_NET)
	{
		c->raw = MemoryContextAlloc(mcxt, rawlen);
		memcpy(c->raw, r, rawlen);
		c->rawlen = rawlen;
	}
	*cache = c;
	return c->bn;
}

/* The cached answer for a key, or NULL. */
static double *
cache_lookup(BnCache *c, const StringInfo key, bool *isnull)
{
	int			i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < c->n; i++)
		if (c->keylen[i] == key->len && memcmp(c->key[i], key->data, key->len) == 0)
		{
			*isnull = c->isnull[i];
			return c->vals[i];
		}
	return NULL;
}

/* Remember an answer, replacing the oldest entry when full. */
static void
cache_store(FunctionCallInfo fcinfo, BnCache *c, const StringInfo key, const double *vals, int nvals, bool isnull)
{
	int			i;

	if (c == NULL)
		return;
	if (c->n < BN_CACHE_ENTRIES)
		i = c->n++;
	else
	{
		i = c->next;
		c->next = (c->next + 1) % BN_CACHE_ENTRIES;
		pfree(c->key[i]);
		pfree(c->vals[i]);
	}
	c->key[i] = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, Max(key->len, 1));
	memcpy(c->key[i], key->data, key->len);
	c->keylen[i] = key->len;
	c->vals[i] = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * Max(nvals, 1));
	memcpy(c->vals[i], vals, sizeof(double) * nvals);
	c->isnull[i] = isnull;
}

/* Append a varlena's bytes (its length header included, so keys are unambiguous). */
static void
key_append(StringInfo key, const void *v)
{
	appendBinaryStringInfo(key, (const char *) v, VARSIZE_ANY(v));
}

/* P(target = s | evidence) for each state into p; false when the evidence is impossible. */
static bool
posterior(const BayesNet *bn, int t, const int *obs, double *p)
{
	int			nstates = BN_VARS(bn)[t].nstates;
	double		z = 0;
	int			s;

	if (obs[t] >= 0)
	{
		/* observed target: a point mass, if the evidence is possible */
		z = *joint_with(bn, obs, -1);
		memset(p, 0, sizeof(double) * nstates);
		p[obs[t]] = 1;
	}
	else
	{
		double	   *q = joint_with(bn, obs, t);

		for (s = 0; s < nstates; s++)
			z += q[s];
		for (s = 0; s < nstates; s++)
			p[s] = z > 0 ? q[s] / z : 0;
	}
	return z > 0;
}

/*
 * bn_query(bn, target, evidence): P(target = s | evidence) for every state
 * s; NULL probabilities (with a NOTICE) when the evidence is impossible.
 */
Datum
ecomai_bn_query(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BnCache    *cache;
	BayesNet   *bn = cached_network(fcinfo, 0, &cache);
	text	   *target_t = PG_GETARG_TEXT_PP(1);
	Jsonb	   *ev = PG_GETARG_JSONB_P(2);
	StringInfoData key;
	char	   *target = text_to_cstring(target_t);
	int			t = ecomai_bn_lookup_var(bn, target);
	int			nstates = BN_VARS(bn)[t].nstates;
	double	   *p;
	bool		impossible = false;
	int			s;

	initStringInfo(&key);
	key_append(&key, target_t);
	key_append(&key, ev);
	p = cache_lookup(cache, &key, &impossible);
	if (p == NULL)
	{
		int		   *obs = free_obs(bn);

		p = palloc(sizeof(double) * nstates);
		parse_assignment(bn, ev, obs, "evidence");
		impossible = !posterior(bn, t, obs, p);
		cache_store(fcinfo, cache, &key, p, nstates, impossible);
	}
	if (impossible)
		notice_impossible();

	InitMaterializedSRF(fcinfo, 0);
	for (s = 0; s < nstates; s++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, impossible};

		values[0] = CStringGetTextDatum(BN_STATE_NAME(bn, t, s));
		values[1] = Float8GetDatum(impossible ? 0 : p[s]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * bn_probability(bn, event, evidence): P(event | evidence), the probability
 * of the joint event itself when evidence is {}.
 */
Datum
ecomai_bn_probability(PG_FUNCTION_ARGS)
{
	BnCache    *cache;
	BayesNet   *bn = cached_network(fcinfo, 0, &cache);
	Jsonb	   *event = PG_GETARG_JSONB_P(1);
	Jsonb	   *ev = PG_GETARG_JSONB_P(2);
	StringInfoData key;
	double	   *hit;
	double		result;
	bool		impossible = false;

	initStringInfo(&key);
	key_append(&key, event);
	key_append(&key, ev);
	hit = cache_lookup(cache, &key, &impossible);
	if (hit)
		result = *hit;
	else
	{
		int		   *obs = free_obs(bn);
		int		   *both = free_obs(bn);
		double		den;
		bool		conflict = false;
		int			v;

		parse_assignment(bn, ev, obs, "evidence");
		parse_assignment(bn, event, both, "event");
		for (v = 0; v < bn->nvars; v++)
		{
			if (obs[v] >= 0 && both[v] >= 0 && obs[v] != both[v])
				conflict = true;
			if (obs[v] >= 0)
				both[v] = obs[v];
		}
		den = *joint_with(bn, obs, -1);
		impossible = !(den > 0);
		if (impossible || conflict)
			result = 0;
		else
			result = *joint_with(bn, both, -1) / den;
		cache_store(fcinfo, cache, &key, &result, 1, impossible);
	}
	if (impossible)
	{
		notice_impossible();
		PG_RETURN_NULL();
	}
	PG_RETURN_FLOAT8(result);
}

/* Append a double to a jsonb object under construction, exactly. */
static void
push_number(JsonbParseState **st, const char *key, double x)
{
	JsonbValue	k,
				val;
	StringInfoData buf;

	initStringInfo(&buf);
	ecomai_append_double(&buf, x);
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	val.type = jbvNumeric;
	val.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(buf.data),
														  ObjectIdGetDatum(InvalidOid),
														  Int32GetDatum(-1)));
	pushJsonbValue(st, WJB_KEY, &k);
	pushJsonbValue(st, WJB_VALUE, &val);
}

/*
 * The most probable assignment of every unobserved variable into x[] (the
 * observed ones copied from obs), by max-product elimination over the whole
 * network and a traceback through the argmax tables; returns its probability
 * P(x, obs).  The working set lives in a context of its own, freed here.
 */
static double
map_assignment(const BayesNet *bn, const int *obs, int *x)
{
	MemoryContext cxt = elimination_context();
	MemoryContext old = MemoryContextSwitchTo(cxt);
	bool	   *rel = palloc(sizeof(bool) * bn->nvars);
	List	   *steps = NIL;
	Factor	   *f;
	double		best;
	int			v,
				i;

	for (v = 0; v < bn->nvars; v++)
		rel[v] = true;
	f = eliminate(bn, rel, obs, -1, &steps);
	best = f->val[0];
	memcpy(x, obs, sizeof(int) * bn->nvars);
	for (i = list_length(steps) - 1; i >= 0; i--)
	{
		MaxStep    *ms = list_nth(steps, i);
		int64		pos = 0;
		int			k;

		for (k = 0; k < ms->nv; k++)
			pos = pos * ms->card[k] + x[ms->vars[k]];
		x[ms->var] = ms->argmax[pos];
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return best;
}

/*
 * bn_map(bn, evidence): the most probable assignment of every unobserved
 * variable, as {"assignment": {...}, "probability": P(assignment, evidence),
 * "posterior": P(assignment | evidence)}; ties go to the earlier state.
 */
Datum
ecomai_bn_map(PG_FUNCTION_ARGS)
{
	BayesNet   *bn = PG_GETARG_BAYESNET(0);
	Jsonb	   *ev = PG_GETARG_JSONB_P(1);
	int		   *obs = free_obs(bn);
	int		   *x = palloc(sizeof(int) * bn->nvars);
	double		pe,
				best;
	int			v;
	JsonbParseState *st = NULL;
	JsonbValue	key;
	JsonbValue *res;

	parse_assignment(bn, ev, obs, "evidence");
	pe = *joint_with(bn, obs, -1);
	if (!(pe > 0))
	{
		notice_impossible();
		PG_RETURN_NULL();
	}
	best = map_assignment(bn, obs, x);

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	key.type = jbvString;
	key.val.string.val = "assignment";
	key.val.string.len = strlen("assignment");
	pushJsonbValue(&st, WJB_KEY, &key);
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (v = 0; v < bn->nvars; v++)
		if (obs[v] < 0)
			ecomai_jsonb_push_string(&st, BN_VAR_NAME(bn, v), BN_STATE_NAME(bn, v, x[v]));
	pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	push_number(&st, "probability", best);
	push_number(&st, "posterior", best / pe);
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}

/*
 * xoshiro256** state, seeded through splitmix64.  Our own generator rather
 * than pg_prng (xoroshiro128**) on purpose: docs/bayesnet.md documents that
 * bn_sample's rows for a seed are these generator's on every platform, and
 * released results (expected/bayesnet.out, user pipelines) depend on them;
 * switching would change every sample drawn with a seed.
 */
typedef struct Rng
{
	uint64		s[4];
} Rng;

/* splitmix64: expands one seed into well-mixed words. */
static uint64
splitmix64(uint64 *x)
{
	return ecomai_mix64(*x += ECOMAI_GOLDEN64);
}

/* Rotate left. */
static inline uint64
rotl(uint64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* A uniform double in [0, 1) from xoshiro256**. */
static double
rng_uniform(Rng *r)
{
	uint64		result = rotl(r->s[1] * 5, 7) * 9;
	uint64		t = r->s[1] << 17;

	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rotl(r->s[3], 45);
	return (result >> 11) * 0x1.0p-53;
}

/*
 * bn_sample(bn, n, seed): n joint samples as jsonb objects, by forward
 * sampling in topological order.  The same seed gives the same samples; a
 * NULL seed draws one from the server's generator.
 */
Datum
ecomai_bn_sample(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BayesNet   *bn;
	int64		n;
	uint64		seed;
	Rng			rng;
	int		   *order;
	int		   *x;
	int64		i;
	int			k;
	MemoryContext rowcxt;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
		return (Datum) 0;
	}
	bn = PG_GETARG_BAYESNET(0);
	n = PG_GETARG_INT32(1);
	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 0, not " INT64_FORMAT, n)));
	seed = PG_ARGISNULL(2) ? pg_prng_uint64(&pg_global_prng_state) : (uint64) (int64) PG_GETARG_INT32(2);
	for (k = 0; k < 4; k++)
		rng.s[k] = splitmix64(&seed);
	order = palloc(sizeof(int) * bn->nvars);
	x = palloc(sizeof(int) * bn->nvars);
	ecomai_bn_topo_order(bn, order);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "bn_sample row", ALLOCSET_SMALL_SIZES);
	for (i = 0; i < n; i++)
	{
		JsonbParseState *st = NULL;
		JsonbValue *res;
		Datum		value;
		bool		isnull = false;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < bn->nvars; k++)
		{
			int			v = order[k];
			BnVar	   *var = &BN_VARS(bn)[v];
			const int32 *par = BN_VAR_PARENTS(bn, v);
			int64		row = 0;
			const double *p;
			double		total = 0,
						u,
						acc = 0;
			int			j,
						s,
						last = 0;

			for (j = 0; j < var->nparents; j++)
				row = row * BN_VARS(bn)[par[j]].nstates + x[par[j]];
			p = BN_VAR_CPT(bn, v) + row * var->nstates;
			for (s = 0; s < var->nstates; s++)
			{
				total += p[s];
				if (p[s] > 0)
					last = s;
			}
			/* scale by the row's sum: rows may miss 1 by rounding */
			u = rng_uniform(&rng) * total;
			for (s = 0; s < var->nstates; s++)
			{
				acc += p[s];
				if (u < acc && p[s] > 0)
					break;
			}
			x[v] = s < var->nstates ? s : last;
		}
		old = MemoryContextSwitchTo(rowcxt);
		pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		for (k = 0; k < bn->nvars; k++)
			ecomai_jsonb_push_string(&st, BN_VAR_NAME(bn, k), BN_STATE_NAME(bn, k, x[k]));
		res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
		value = JsonbPGetDatum(JsonbValueToJsonb(res));
		MemoryContextSwitchTo(old);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
		MemoryContextReset(rowcxt);
	}
	return (Datum) 0;
}
