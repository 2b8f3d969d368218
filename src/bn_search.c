/*
 * bn_search.c
 *	  Scores of a network's families on a data set (log-likelihood, AIC, BIC,
 *	  BDeu, K2, as bnlearn defines them), the structure searches (hill
 *	  climbing with random restarts, tabu search, Chow-Liu tree, tree-
 *	  augmented and plain naive Bayes) and the parameters of the learned
 *	  network (maximum likelihood or the Dirichlet posterior mean).
 *
 * A score is decomposable: the network's score is the sum of one term per
 * variable given its parents, computed from the counts of the family's
 * configurations over the data's distinct rows.  The hill climber keeps the
 * score change of toggling every possible arc (the "delta" table) and after
 * each move recomputes only the column of the variables whose parents
 * changed, as bnlearn does.
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"

#include "bn_learn.h"
#include "ecomai.h"

/* Families whose table has at most this many cells are counted in a dense array. */
#define DENSE_CELLS (1 << 20)

/* Reusable buffers for counting families. */
typedef struct Scratch
{
	Size		ncells;
	double	   *cells;			/* q * r counts, zero between calls */
	double	   *nj;				/* q row totals, zero between calls */
	int		   *touched;		/* configurations seen, in order */
	int			captouched;
	int64	   *keys;			/* sort path */
	int		   *idx;
	int			capkeys;
} Scratch;

/* One configuration's counts into the score's terms. */
static double
config_term(const double *njk, int r, double nj, BnScoreKind kind, double aj, double ajk)
{
	double		s = 0;
	int			k;

	if (kind == BNS_BDEU || kind == BNS_K2)
	{
		s = lgamma(aj) - lgamma(aj + nj);
		for (k = 0; k < r; k++)
			if (njk[k] > 0)
				s += lgamma(ajk + njk[k]) - lgamma(ajk);
	}
	else
		for (k = 0; k < r; k++)
			if (njk[k] > 0)
				s += njk[k] * log(njk[k] / nj);
	return s;
}

/* The configuration index of parents par in row i (last parent fastest); false when one is missing. */
static inline bool
row_config(const BnData *d, const int *par, int npar, int i, int64 *cfg)
{
	int64		c = 0;
	int			j;

	for (j = 0; j < npar; j++)
	{
		int32		x = d->col[par[j]][i];

		if (x < 0)
			return false;
		c = c * d->card[par[j]] + x;
	}
	*cfg = c;
	return true;
}

/* Order row indexes by their key (sort path). */
static int
cmp_keys(const void *a, const void *b, void *arg)
{
	const int64 *keys = (const int64 *) arg;
	int64		x = keys[*(const int *) a],
				y = keys[*(const int *) b];

	return x < y ? -1 : x > y ? 1 : (*(const int *) a - *(const int *) b);
}

/*
 * The log-likelihood part of family_score, counting in a dense table of
 * q * r cells held in the scratch buffers (cleared again after use).
 */
static double
family_loglik_dense(Scratch *sc, const BnData *d, int v, const int *par, int npar,
					int64 q, BnScoreKind kind, double aj, double ajk)
{
	int			r = d->card[v];
	const int32 *xv = d->col[v];
	double		total = 0;
	int			ntouched = 0;
	int			i;

	if (sc->ncells < (Size) (q * r + q))
	{
		Size		n = Max((Size) (q * r + q), 1024);

		ecomai_check_memory(sizeof(double) * n + sizeof(int) * q, "bn_learn family counts");
		if (sc->cells)
			pfree(sc->cells);
		sc->cells = palloc0(sizeof(double) * n);
		sc->nj = sc->cells + q * r;
		sc->ncells = n;
	}
	sc->nj = sc->cells + q * r;
	if (sc->captouched < q)
	{
		if (sc->touched)
			pfree(sc->touched);
		sc->captouched = Max(q, 1024);
		sc->touched = palloc(sizeof(int) * sc->captouched);
	}
	for (i = 0; i < d->nrows; i++)
	{
		int64		cfg;

		if (xv[i] < 0 || !row_config(d, par, npar, i, &cfg))
			continue;
		if (sc->nj[cfg] == 0)
			sc->touched[ntouched++] = cfg;
		sc->nj[cfg] += d->w[i];
		sc->cells[cfg * r + xv[i]] += d->w[i];
	}
	for (i = 0; i < ntouched; i++)
	{
		int			cfg = sc->touched[i];

		total += config_term(sc->cells + (Size) cfg * r, r, sc->nj[cfg], kind, aj, ajk);
		memset(sc->cells + (Size) cfg * r, 0, sizeof(double) * r);
		sc->nj[cfg] = 0;
	}
	return total;
}

/* The log-likelihood part of family_score, sorting the rows by their cell. */
static double
family_loglik_sparse(Scratch *sc, const BnData *d, int v, const int *par, int npar,
					 BnScoreKind kind, double aj, double ajk)
{
	int			r = d->card[v];
	const int32 *xv = d->col[v];
	double		total = 0;
	int			m = 0;
	int			i;
	double	   *njk = palloc0(sizeof(double) * r);

	if (sc->capkeys < d->nrows)
	{
		ecomai_check_memory((sizeof(int64) + sizeof(int)) * (Size) d->nrows, "bn_learn family counts");
		if (sc->keys)
		{
			pfree(sc->keys);
			pfree(sc->idx);
		}
		sc->capkeys = d->nrows;
		sc->keys = palloc(sizeof(int64) * d->nrows);
		sc->idx = palloc(sizeof(int) * d->nrows);
	}
	for (i = 0; i < d->nrows; i++)
	{
		int64		cfg;

		sc->keys[i] = -1;
		if (xv[i] < 0 || !row_config(d, par, npar, i, &cfg))
			continue;
		sc->keys[i] = cfg * r + xv[i];
		sc->idx[m++] = i;
	}
	qsort_arg(sc->idx, m, sizeof(int), cmp_keys, sc->keys);
	for (i = 0; i < m;)
	{
		int64		cfg = sc->keys[sc->idx[i]] / r;
		double		nj = 0;

		memset(njk, 0, sizeof(double) * r);
		for (; i < m && sc->keys[sc->idx[i]] / r == cfg; i++)
		{
			njk[sc->keys[sc->idx[i]] % r] += d->w[sc->idx[i]];
			nj += d->w[sc->idx[i]];
		}
		total += config_term(njk, r, nj, kind, aj, ajk);
	}
	pfree(njk);
	return total;
}

/*
 * The score of variable v given parents par[0..npar-1] on d; -inf when the
 * family's table would be too large to hold.
 */
static double
family_score(Scratch *sc, const BnData *d, int v, const int *par, int npar,
			 BnScoreKind kind, double iss)
{
	int			r = d->card[v];
	double		qd = 1;
	int64		q = 1;
	double		total = 0;
	double		aj,
				ajk;
	int			j;

	for (j = 0; j < npar; j++)
	{
		qd *= d->card[par[j]];
		if (qd * r > (double) (PG_INT64_MAX / 4))
			return -INFINITY;
	}
	q = (int64) qd;
	if (kind == BNS_K2)
	{
		aj = r;
		ajk = 1;
	}
	else
	{
		aj = iss / qd;
		ajk = iss / (qd * r);
	}
	if (q * r <= DENSE_CELLS)
		total = family_loglik_dense(sc, d, v, par, npar, q, kind, aj, ajk);
	else
		total = family_loglik_sparse(sc, d, v, par, npar, kind, aj, ajk);
	if (kind == BNS_BIC)
		total -= 0.5 * log(d->total) * qd * (r - 1);
	else if (kind == BNS_AIC)
		total -= qd * (r - 1);
	return total;
}

/* Public form: the score of one family, with its own buffers. */
double
ecomai_bn_family_score(const BnData *d, int v, const int *par, int npar, BnScoreKind kind, double iss)
{
	Scratch		sc;

	memset(&sc, 0, sizeof(sc));
	return family_score(&sc, d, v, par, npar, kind, iss);
}

/* State of a search. */
typedef struct Search
{
	const BnData *d;
	const BnLearnOpts *o;
	int			n;
	Scratch		sc;
	int		   *np;
	int		   *par;			/* par[v * n + j] */
	bool	   *adj;			/* adj[u * n + v]: arc u -> v */
	double	   *fam;
	double	   *delta;			/* delta[u * n + v]: change of toggling u in v's parents */
	bool	   *black;
	bool	   *white;
	bool	   *reach;			/* reach[u * n + v]: a directed path u ~> v */
	int		   *stack;
	bool	   *seen;
	uint64	   *zob;			/* hash of each arc */
	uint64		hash;
	uint64	   *tabu;			/* recent network hashes */
	int			ntabu;
	int			tabupos;
	pg_prng_state rng;
} Search;

/* Score of v with u toggled in its parents, minus its current score. */
static double
toggle_delta(Search *s, int u, int v)
{
	int			n = s->n;
	int		   *p = palloc(sizeof(int) * (s->np[v] + 1));
	int			k = 0,
				j;
	double		r;

	for (j = 0; j < s->np[v]; j++)
		if (s->par[v * n + j] != u)
			p[k++] = s->par[v * n + j];
	if (!s->adj[u * n + v])
	{
		int64		cells = s->d->card[v];

		if (s->np[v] >= s->o->max_parents)
		{
			pfree(p);
			return -INFINITY;
		}
		p[k++] = u;
		for (j = 0; j < k; j++)
			cells *= s->d->card[p[j]];
		if (cells > BN_MAX_CPT)
		{
			pfree(p);
			return -INFINITY;
		}
	}
	r = family_score(&s->sc, s->d, v, p, k, s->o->score, s->o->iss) - s->fam[v];
	pfree(p);
	return r;
}

/* Recompute v's score and its column of the delta table. */
static void
refresh(Search *s, int v)
{
	int			u;

	s->fam[v] = family_score(&s->sc, s->d, v, s->par + v * s->n, s->np[v], s->o->score, s->o->iss);
	for (u = 0; u < s->n; u++)
	{
		CHECK_FOR_INTERRUPTS();
		s->delta[u * s->n + v] = u == v ? -INFINITY : toggle_delta(s, u, v);
	}
}

/* Toggle arc u -> v in the structure (no rescoring). */
static void
toggle_arc(Search *s, int u, int v)
{
	int			n = s->n,
				j;

	if (s->adj[u * n + v])
	{
		for (j = 0; s->par[v * n + j] != u; j++)
			;
		for (; j < s->np[v] - 1; j++)
			s->par[v * n + j] = s->par[v * n + j + 1];
		s->np[v]--;
	}
	else
		s->par[v * n + s->np[v]++] = u;
	s->adj[u * n + v] = !s->adj[u * n + v];
	s->hash ^= s->zob[u * n + v];
}

/* Directed reachability between all pairs (a DFS from every variable). */
static void
compute_reach(Search *s)
{
	int			n = s->n,
				a;

	memset(s->reach, 0, sizeof(bool) * n * n);
	for (a = 0; a < n; a++)
	{
		int			top = 0;
		bool	   *ra = s->reach + a * n;

		CHECK_FOR_INTERRUPTS();
		s->stack[top++] = a;
		while (top > 0)
		{
			int			x = s->stack[--top],
						y;

			for (y = 0; y < n; y++)
				if (s->adj[x * n + y] && !ra[y])
				{
					ra[y] = true;
					s->stack[top++] = y;
				}
		}
	}
}

/* Is there a path u ~> v other than the arc u -> v itself? */
static bool
other_path(Search *s, int u, int v)
{
	int			n = s->n,
				top = 0,
				y;

	memset(s->seen, 0, sizeof(bool) * n);
	for (y = 0; y < n; y++)
		if (s->adj[u * n + y] && y != v && !s->seen[y])
		{
			s->seen[y] = true;
			s->stack[top++] = y;
		}
	while (top > 0)
	{
		int			x = s->stack[--top];

		if (x == v || s->reach[x * n + v])
			return true;
		for (y = 0; y < n; y++)
			if (s->adj[x * n + y] && !s->seen[y])
			{
				s->seen[y] = true;
				s->stack[top++] = y;
			}
	}
	return false;
}

/* Is this network hash in the tabu list? */
static bool
is_tabu(Search *s, uint64 h)
{
	int			i;

	for (i = 0; i < s->ntabu; i++)
		if (s->tabu[i] == h)
			return true;
	return false;
}

/* Remember a network in the tabu list (a ring). */
static void
push_tabu(Search *s)
{
	if (s->o->tabu == 0)
		return;
	s->tabu[s->tabupos] = s->hash;
	s->tabupos = (s->tabupos + 1) % s->o->tabu;
	if (s->ntabu < s->o->tabu)
		s->ntabu++;
}

/* Kinds of moves. */
#define OP_ADD 0
#define OP_DEL 1
#define OP_REV 2

/*
 * The best legal move (largest score change), skipping networks in the tabu
 * list when use_tabu; false when there is no legal move.
 */
static bool
best_move(Search *s, bool use_tabu, int *op, int *bu, int *bv, double *bd)
{
	int			n = s->n,
				u,
				v;
	bool		any = false;

	compute_reach(s);
	*bd = -INFINITY;
	for (u = 0; u < n; u++)
	{
		CHECK_FOR_INTERRUPTS();
		for (v = 0; v < n; v++)
		{
			double		dl;

			if (u == v)
				continue;
			if (!s->adj[u * n + v])
			{
				/* add u -> v */
				if (s->adj[v * n + u] || s->black[u * n + v] || s->reach[v * n + u])
					continue;
				dl = s->delta[u * n + v];
				if (dl == -INFINITY || (use_tabu && is_tabu(s, s->hash ^ s->zob[u * n + v])))
					continue;
				if (dl > *bd)
				{
					*bd = dl;
					*op = OP_ADD;
					*bu = u;
					*bv = v;
					any = true;
				}
				continue;
			}
			if (s->white[u * n + v])
				continue;
			/* delete u -> v */
			dl = s->delta[u * n + v];
			if (!(use_tabu && is_tabu(s, s->hash ^ s->zob[u * n + v])) && dl > *bd)
			{
				*bd = dl;
				*op = OP_DEL;
				*bu = u;
				*bv = v;
				any = true;
			}
			/* reverse u -> v into v -> u */
			if (s->black[v * n + u] || s->delta[v * n + u] == -INFINITY)
				continue;
			dl = s->delta[u * n + v] + s->delta[v * n + u];
			if (dl <= *bd || (use_tabu && is_tabu(s, s->hash ^ s->zob[u * n + v] ^ s->zob[v * n + u])))
				continue;
			if (other_path(s, u, v))
				continue;
			*bd = dl;
			*op = OP_REV;
			*bu = u;
			*bv = v;
			any = true;
		}
	}
	return any;
}

/* Apply a move and rescore what it changed. */
static void
apply_move(Search *s, int op, int u, int v)
{
	toggle_arc(s, u, v);
	if (op == OP_REV)
		toggle_arc(s, v, u);
	refresh(s, v);
	if (op == OP_REV)
		refresh(s, u);
}

/* Sum of the family scores. */
static double
total_score(Search *s)
{
	double		t = 0;
	int			v;

	for (v = 0; v < s->n; v++)
		t += s->fam[v];
	return t;
}

/* Improvement below this is no improvement (rounding of sums of logs). */
#define SCORE_EPS(total) (1e-9 * (1.0 + fabs(total)))

/* Greedy ascent from the current network until no move improves it. */
static void
climb(Search *s, int *iter)
{
	int			op = 0,
				u = 0,
				v = 0;
	double		dl;

	while (*iter < s->o->max_iter && best_move(s, false, &op, &u, &v, &dl) &&
		   dl > SCORE_EPS(total_score(s)))
	{
		apply_move(s, op, u, v);
		(*iter)++;
	}
}

/* A copy of the current structure. */
typedef struct Snapshot
{
	int		   *np;
	int		   *par;
	double		score;
} Snapshot;

static void
save(Search *s, Snapshot *snap)
{
	int			n = s->n;

	if (snap->np == NULL)
	{
		snap->np = palloc(sizeof(int) * n);
		snap->par = palloc(sizeof(int) * n * n);
	}
	memcpy(snap->np, s->np, sizeof(int) * n);
	memcpy(snap->par, s->par, sizeof(int) * n * n);
	snap->score = total_score(s);
}

/* Make the current structure a snapshot's, rescoring it. */
static void
restore(Search *s, const Snapshot *snap)
{
	int			n = s->n,
				v,
				j;

	memset(s->adj, 0, sizeof(bool) * n * n);
	s->hash = 0;
	memcpy(s->np, snap->np, sizeof(int) * n);
	memcpy(s->par, snap->par, sizeof(int) * n * n);
	for (v = 0; v < n; v++)
		for (j = 0; j < s->np[v]; j++)
		{
			s->adj[s->par[v * n + j] * n + v] = true;
			s->hash ^= s->zob[s->par[v * n + j] * n + v];
		}
	for (v = 0; v < n; v++)
		refresh(s, v);
}

/* Tabu search from the current network: best non-tabu moves, keeping the best network seen. */
static void
tabu_walk(Search *s, int *iter, Snapshot *best)
{
	int			stale = 0,
				op = 0,
				u = 0,
				v = 0;
	double		dl;

	save(s, best);
	push_tabu(s);
	while (*iter < s->o->max_iter && stale <= s->o->max_tabu &&
		   best_move(s, true, &op, &u, &v, &dl))
	{
		apply_move(s, op, u, v);
		push_tabu(s);
		(*iter)++;
		if (total_score(s) > best->score + SCORE_EPS(best->score))
		{
			save(s, best);
			stale = 0;
		}
		else
			stale++;
	}
	restore(s, best);
}

/* Random legal moves (the restart perturbation). */
static void
perturb(Search *s)
{
	int			n = s->n,
				done = 0,
				tries = 0;

	while (done < s->o->perturb && tries < 100 * s->o->perturb + 100)
	{
		int			u = pg_prng_uint64_range(&s->rng, 0, n - 1);
		int			v = pg_prng_uint64_range(&s->rng, 0, n - 1);

		tries++;
		CHECK_FOR_INTERRUPTS();
		if (u == v)
			continue;
		compute_reach(s);
		if (!s->adj[u * n + v])
		{
			if (s->adj[v * n + u] || s->black[u * n + v] || s->reach[v * n + u] ||
				s->delta[u * n + v] == -INFINITY)
				continue;
			apply_move(s, OP_ADD, u, v);
		}
		else if (s->white[u * n + v])
			continue;
		else if (pg_prng_bool(&s->rng) || s->black[v * n + u] || s->delta[v * n + u] == -INFINITY ||
				 other_path(s, u, v))
			apply_move(s, OP_DEL, u, v);
		else
			apply_move(s, OP_REV, u, v);
		done++;
	}
}

/* Name of a data variable pair list entry, resolved; ERROR 22023 when unknown. */
static void
mark_arcs(const BnData *d, char **names, int narcs, bool *m, const char *what)
{
	int			i;

	for (i = 0; i < narcs; i++)
	{
		int			u = ecomai_bn_data_var(d, names[2 * i], what);
		int			v = ecomai_bn_data_var(d, names[2 * i + 1], what);

		if (u == v)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("arc \"%s\" -> \"%s\" in the %s is a loop", names[2 * i], names[2 * i + 1], what)));
		m[u * d->nvars + v] = true;
	}
}

static void tree_search(const BnData *d, const BnLearnOpts *o, int *nparents, int **parents);

/*
 * The default start of the score search: the Chow-Liu tree (rooted at the
 * first variable), without blacklisted arcs, added to the whitelist unless
 * that makes a cycle.  Greedy search from a tree that already links the
 * strongest pairs escapes many of the local optima of the empty start.
 */
static void
tree_start(Search *s)
{
	int			n = s->n,
				v,
				j,
				a;
	int		   *np = palloc0(sizeof(int) * n);
	int		  **par = palloc(sizeof(int *) * n);
	BnLearnOpts cl = *s->o;

	cl.algorithm = BNA_CHOW_LIU;
	cl.root = NULL;
	for (v = 0; v < n; v++)
		par[v] = palloc(sizeof(int) * n);
	tree_search(s->d, &cl, np, par);
	for (v = 0; v < n; v++)
		for (j = 0; j < np[v]; j++)
		{
			int			u = par[v][j];

			if (!s->black[u * n + v] && !s->adj[u * n + v] && !s->adj[v * n + u])
				toggle_arc(s, u, v);
		}
	compute_reach(s);
	for (a = 0; a < n; a++)
		if (s->reach[a * n + a])
		{
			/* a cycle with the whitelist: back to the whitelist alone */
			for (v = 0; v < n; v++)
				for (j = 0; j < np[v]; j++)
				{
					int			u = par[v][j];

					if (s->adj[u * n + v] && !s->white[u * n + v])
						toggle_arc(s, u, v);
				}
			break;
		}
}

/* Hill climbing or tabu search from the given parents (updated in place). */
static void
score_search(const BnData *d, const BnLearnOpts *o, int *nparents, int **parents)
{
	Search		s;
	Snapshot	best = {0},
				cur = {0};
	int			n = d->nvars,
				v,
				j,
				u,
				iter = 0,
				r;
	int		   *wnp = palloc(sizeof(int) * n);
	int		  **wpar = palloc(sizeof(int *) * n);
	Size		bytes = (Size) n * n * (sizeof(int) + 4 * sizeof(bool) + sizeof(double) + sizeof(uint64));

	memset(&s, 0, sizeof(s));
	ecomai_check_memory(bytes, "bn_learn search");
	s.d = d;
	s.o = o;
	s.n = n;
	s.np = palloc0(sizeof(int) * n);
	s.par = palloc(sizeof(int) * n * n);
	s.adj = palloc0(sizeof(bool) * n * n);
	s.fam = palloc(sizeof(double) * n);
	s.delta = palloc(sizeof(double) * n * n);
	s.black = palloc0(sizeof(bool) * n * n);
	s.white = palloc0(sizeof(bool) * n * n);
	s.reach = palloc(sizeof(bool) * n * n);
	s.stack = palloc(sizeof(int) * n * n + sizeof(int));
	s.seen = palloc(sizeof(bool) * n);
	s.zob = palloc(sizeof(uint64) * n * n);
	s.tabu = palloc(sizeof(uint64) * Max(o->tabu, 1));
	pg_prng_seed(&s.rng, (uint64) o->seed);
	for (j = 0; j < n * n; j++)
		s.zob[j] = pg_prng_uint64(&s.rng);
	mark_arcs(d, o->black, o->nblack, s.black, "blacklist");
	mark_arcs(d, o->white, o->nwhite, s.white, "whitelist");
	/* the start: given parents plus the whitelist */
	for (v = 0; v < n; v++)
	{
		for (j = 0; j < nparents[v]; j++)
		{
			u = parents[v][j];
			if (s.black[u * n + v])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("start structure has the blacklisted arc \"%s\" -> \"%s\"",
								d->names[u], d->names[v])));
			toggle_arc(&s, u, v);
		}
	}
	for (u = 0; u < n; u++)
		for (v = 0; v < n; v++)
			if (s.white[u * n + v] && !s.adj[u * n + v])
				toggle_arc(&s, u, v);
	if (o->start == NULL && n > 1)
		tree_start(&s);
	for (v = 0; v < n; v++)
	{
		wnp[v] = s.np[v];
		wpar[v] = s.par + v * n;
	}
	ecomai_bn_check_acyclic(n, wnp, wpar, d->names, ERRCODE_INVALID_PARAMETER_VALUE);
	for (v = 0; v < n; v++)
		refresh(&s, v);

	climb(&s, &iter);
	if (o->algorithm == BNA_TABU)
		tabu_walk(&s, &iter, &best);
	save(&s, &best);
	for (r = 0; r < o->restarts; r++)
	{
		CHECK_FOR_INTERRUPTS();
		restore(&s, &best);
		perturb(&s);
		climb(&s, &iter);
		if (o->algorithm == BNA_TABU)
			tabu_walk(&s, &iter, &cur);
		if (total_score(&s) > best.score + SCORE_EPS(best.score))
			save(&s, &best);
	}
	for (v = 0; v < n; v++)
	{
		nparents[v] = best.np[v];
		memcpy(parents[v], best.par + v * n, sizeof(int) * best.np[v]);
	}
}

/* Joint counts of (a, b) or, with c >= 0, of (a, b, c), over rows where all are observed. */
static double *
joint_counts(const BnData *d, int a, int b, int c)
{
	int			ka = d->card[a],
				kb = d->card[b],
				kc = c >= 0 ? d->card[c] : 1;
	double	   *t;
	int			i;

	ecomai_check_memory(sizeof(double) * (Size) ka * kb * kc, "bn_learn mutual information");
	t = palloc0(sizeof(double) * (Size) ka * kb * kc);
	for (i = 0; i < d->nrows; i++)
	{
		int32		x = d->col[a][i],
					y = d->col[b][i],
					z = c >= 0 ? d->col[c][i] : 0;

		if (x >= 0 && y >= 0 && z >= 0)
			t[((Size) z * ka + x) * kb + y] += d->w[i];
	}
	return t;
}

/*
 * Mutual information I(a; b), or I(a; b | c) with c >= 0, in nats, from the
 * empirical distribution of the rows where the variables are observed.
 */
static double
mutual_information(const BnData *d, int a, int b, int c)
{
	int			ka = d->card[a],
				kb = d->card[b],
				kc = c >= 0 ? d->card[c] : 1,
				x,
				y,
				z;
	double	   *t = joint_counts(d, a, b, c);
	double	   *ma = palloc(sizeof(double) * ka);
	double	   *mb = palloc(sizeof(double) * kb);
	double		total = 0,
				mi = 0;

	for (z = 0; z < kc; z++)
		for (x = 0; x < ka; x++)
			for (y = 0; y < kb; y++)
				total += t[((Size) z * ka + x) * kb + y];
	if (total <= 0)
		return 0;
	for (z = 0; z < kc; z++)
	{
		const double *tz = t + (Size) z * ka * kb;
		double		nz = 0;

		memset(ma, 0, sizeof(double) * ka);
		memset(mb, 0, sizeof(double) * kb);
		for (x = 0; x < ka; x++)
			for (y = 0; y < kb; y++)
			{
				ma[x] += tz[x * kb + y];
				mb[y] += tz[x * kb + y];
				nz += tz[x * kb + y];
			}
		for (x = 0; x < ka; x++)
			for (y = 0; y < kb; y++)
				if (tz[x * kb + y] > 0)
					mi += tz[x * kb + y] / total * log(tz[x * kb + y] * nz / (ma[x] * mb[y]));
	}
	pfree(t);
	pfree(ma);
	pfree(mb);
	return mi;
}

/*
 * Maximum-weight spanning tree (Prim) over the variables vs[0..m-1] by
 * mutual information (conditional on c when c >= 0), oriented away from
 * vs[root]; the tree's arcs are appended to the parents.
 */
static void
mi_tree(const BnData *d, const int *vs, int m, int root, int c, int *nparents, int **parents)
{
	double	   *w = palloc(sizeof(double) * m * m);
	double	   *best = palloc(sizeof(double) * m);
	int		   *from = palloc(sizeof(int) * m);
	bool	   *in = palloc0(sizeof(bool) * m);
	int			i,
				j,
				k;

	ecomai_check_memory(sizeof(double) * (Size) m * m, "bn_learn mutual information");
	for (i = 0; i < m; i++)
		for (j = i + 1; j < m; j++)
		{
			CHECK_FOR_INTERRUPTS();
			w[i * m + j] = w[j * m + i] = mutual_information(d, vs[i], vs[j], c);
		}
	for (i = 0; i < m; i++)
	{
		best[i] = -INFINITY;
		from[i] = -1;
	}
	best[root] = 0;
	for (k = 0; k < m; k++)
	{
		int			x = -1;

		for (i = 0; i < m; i++)
			if (!in[i] && (x < 0 || best[i] > best[x]))
				x = i;
		in[x] = true;
		if (from[x] >= 0)
			parents[vs[x]][nparents[vs[x]]++] = vs[from[x]];
		for (i = 0; i < m; i++)
			if (!in[i] && w[x * m + i] > best[i])
			{
				best[i] = w[x * m + i];
				from[i] = x;
			}
	}
}

/* Chow-Liu, TAN and naive Bayes: structures built from mutual information. */
static void
tree_search(const BnData *d, const BnLearnOpts *o, int *nparents, int **parents)
{
	int			n = d->nvars;
	int		   *vs = palloc(sizeof(int) * n);
	int			m = 0,
				root = 0,
				t = -1,
				v;

	for (v = 0; v < n; v++)
		nparents[v] = 0;
	if (o->target)
		t = ecomai_bn_data_var(d, o->target, "the target option");
	for (v = 0; v < n; v++)
		if (v != t || o->algorithm == BNA_CHOW_LIU)
			vs[m++] = v;
	if (o->root)
	{
		int			rv = ecomai_bn_data_var(d, o->root, "the root option");

		for (root = 0; root < m && vs[root] != rv; root++)
			;
		if (root == m)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the root \"%s\" cannot be the target", o->root)));
	}
	if (o->algorithm == BNA_CHOW_LIU)
		mi_tree(d, vs, m, root, -1, nparents, parents);
	else
	{
		for (v = 0; v < m; v++)
			parents[vs[v]][nparents[vs[v]]++] = t;
		if (o->algorithm == BNA_TAN && m > 1)
			mi_tree(d, vs, m, root, t, nparents, parents);
	}
}

/* Run the algorithm of the options from the given parents (in place). */
void
ecomai_bn_search(const BnData *d, const BnLearnOpts *o, int *nparents, int **parents)
{
	if (o->algorithm == BNA_HC || o->algorithm == BNA_TABU)
		score_search(d, o, nparents, parents);
	else if (o->algorithm != BNA_NONE)
		tree_search(d, o, nparents, parents);
}

/* Ascending ints. */
static int
cmp_int(const void *a, const void *b)
{
	return *(const int *) a - *(const int *) b;
}

/*
 * The network with its parameters: (n_jk + a) / (n_j + r a) with a the
 * pseudo-count for mle, or with the BDeu prior iss / (q r) for bayes; a
 * parent configuration never seen gets a uniform row.  order lists the data
 * variables of the network (NULL: all of them, by name); the parents of a
 * searched network are in name order.
 */
BayesNet *
ecomai_bn_fit_params(const BnData *d, const BnLearnOpts *o, const int *nparents,
					 int *const *parents, const int *order)
{
	int			n = order ? list_length(o->order) : d->nvars;
	int		   *pos = palloc(sizeof(int) * d->nvars);
	BnSpec		spec;
	int			k,
				j,
				i;

	for (k = 0; k < d->nvars; k++)
		pos[k] = order ? -1 : k;
	if (order)
		for (k = 0; k < n; k++)
			pos[order[k]] = k;
	spec.name = "unknown";
	spec.nvars = n;
	spec.vars = palloc0(sizeof(BnSpecVar) * n);
	for (k = 0; k < n; k++)
	{
		int			v = order ? order[k] : k;
		BnSpecVar  *sv = &spec.vars[k];
		int64		q = 1;
		int			r = d->card[v];
		double		a,
					ajk;
		double	   *cpt;
		int64		c;

		CHECK_FOR_INTERRUPTS();
		sv->name = d->names[v];
		sv->nstates = r;
		sv->states = d->states[v];
		sv->nparents = nparents[v];
		sv->parents = palloc(sizeof(int) * Max(nparents[v], 1));
		for (j = 0; j < nparents[v]; j++)
			sv->parents[j] = parents[v][j];
		if (o->algorithm != BNA_NONE)
			qsort(sv->parents, sv->nparents, sizeof(int), cmp_int);
		for (j = 0; j < nparents[v]; j++)
		{
			q *= d->card[sv->parents[j]];
			if (q * r > BN_MAX_CPT)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("CPT of variable \"%s\" has more than %d entries", sv->name, BN_MAX_CPT)));
		}
		ecomai_check_memory(sizeof(double) * q * r, "bn_learn CPT");
		cpt = palloc0(sizeof(double) * q * r);
		for (i = 0; i < d->nrows; i++)
		{
			int64		cfg;

			if (d->col[v][i] >= 0 && row_config(d, sv->parents, sv->nparents, i, &cfg))
				cpt[cfg * r + d->col[v][i]] += d->w[i];
		}
		ajk = o->bayes ? o->iss / ((double) q * r) : o->pseudo_count;
		for (c = 0; c < q; c++)
		{
			double	   *row = cpt + c * r;
			double		nj = 0;
			int			s;

			for (s = 0; s < r; s++)
				nj += row[s];
			a = nj + r * ajk;
			for (s = 0; s < r; s++)
				row[s] = a > 0 ? (row[s] + ajk) / a : 1.0 / r;
		}
		for (j = 0; j < sv->nparents; j++)
		{
			if (pos[sv->parents[j]] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parent \"%s\" of \"%s\" is not in the network", d->names[sv->parents[j]], sv->name)));
			sv->parents[j] = pos[sv->parents[j]];
		}
		sv->nrows = q;
		sv->cpt = cpt;
	}
	return ecomai_bn_build(&spec, ERRCODE_INVALID_PARAMETER_VALUE);
}
