/*
 * markov_algebra.c
 *	  Queries over a markov_chain: next-state and n-step probabilities,
 *	  the transition matrix, path log-likelihood, the stationary distribution,
 *	  absorption probabilities and expected steps, mean first passage times,
 *	  Markov channel attribution (removal effects) and Graphviz output.
 *
 * Every query sees the same transition matrix: a row is its counts divided by
 * the row total, after Laplace smoothing (alpha added to every state that
 * some transition enters) when the chain has it; a state with no outgoing
 * transition is absorbing (it stays where it is with probability 1).
 * Dense linear algebra (LAPACK from OpenBLAS; large systems blocked, with
 * interrupt checks between blocks) solves the absorbing and stationary
 * systems; n-step probabilities use sparse vector-matrix products or, when
 * cheaper and the memory bound allows, dense matrix squaring (also blocked).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include <cblas.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "ecomai.h"
#include "markov.h"
#include "srf.h"

/* LAPACK from OpenBLAS (libopenblas-dev ships no lapacke.h on Debian 12). */
extern void dgesv_(const int *n, const int *nrhs, double *a, const int *lda,
				   int *ipiv, double *b, const int *ldb, int *info);
extern void dgetrf_(const int *m, const int *n, double *a, const int *lda,
					int *ipiv, int *info);
extern void dlaswp_(const int *n, double *a, const int *lda, const int *k1,
					const int *k2, const int *ipiv, const int *incx);

PG_FUNCTION_INFO_V1(ecomai_markov_next);
PG_FUNCTION_INFO_V1(ecomai_markov_probability);
PG_FUNCTION_INFO_V1(ecomai_markov_matrix);
PG_FUNCTION_INFO_V1(ecomai_markov_path_probability);
PG_FUNCTION_INFO_V1(ecomai_markov_stationary);
PG_FUNCTION_INFO_V1(ecomai_markov_absorption);
PG_FUNCTION_INFO_V1(ecomai_markov_first_passage);
PG_FUNCTION_INFO_V1(ecomai_markov_attribution);
PG_FUNCTION_INFO_V1(ecomai_markov_to_dot);

/* Classes larger than this use power iteration instead of a dense solve. */
#define STATIONARY_DENSE_MAX	4096
#define POWER_MAX_ITER			1000000
#define POWER_TOL				1e-15
/* Systems up to this much work are one LAPACK call (~0.1 s on one core). */
#define BLAS_BLOCK_FLOPS		5e8
/* Target duration of one uninterruptible BLAS call of a blocked computation. */
#define BLAS_BLOCK_SECONDS		0.05

static void unknown_state_error(const MarkovChain *m, const char *name, const char *what) pg_attribute_noreturn();
static int	state_array(ArrayType *a, const char *what, char ***out);


/*
 * The speed the blocks are sized by, measured on the blocks themselves: on a
 * loaded machine (or a large matrix that misses the caches) a block of a
 * fixed flop count can take many times its nominal duration, so blocks are
 * bounded by time, not only by size.  Starts at the nominal 5 GFLOP/s.
 */
static double blas_flops_per_second = BLAS_BLOCK_FLOPS / 0.1;

/* How many units of flops_per_unit work fit in one block (1 .. total). */
static int
blas_block_units(double flops_per_unit, int total)
{
	double		units = blas_flops_per_second * BLAS_BLOCK_SECONDS / Max(flops_per_unit, 1.0);

	return (int) Max(1.0, Min((double) total, units));
}

/*
 * Record a block of flops that started at start: a slower speed is taken at
 * once, a faster one halfway, so the next block is never sized by an
 * optimistic figure.
 */
static void
blas_block_done(instr_time start, double flops)
{
	instr_time	now;
	double		seconds;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	seconds = INSTR_TIME_GET_DOUBLE(now);
	if (seconds > 1e-3)
	{
		double		rate = flops / seconds;

		blas_flops_per_second = rate < blas_flops_per_second ? rate
			: 0.5 * (blas_flops_per_second + rate);
	}
}

/* Doubles zeroed (and first touched: page faults) between two interrupt checks. */
#define ZERO_BLOCK_DOUBLES		(1024 * 1024)

/*
 * A zeroed dense work array, allowed past 1 GB (the caller checked
 * ecomai.max_memory).  Zeroed in blocks with an interrupt check between
 * them: touching a few hundred MB of fresh pages takes most of a second.
 */
static double *
dense_alloc0(Size n)
{
	double	   *p = MemoryContextAllocHuge(CurrentMemoryContext, Max(n, 1) * sizeof(double));
	Size		i;

	for (i = 0; i < Max(n, 1); i += ZERO_BLOCK_DOUBLES)
	{
		CHECK_FOR_INTERRUPTS();
		memset(p + i, 0, Min((Size) ZERO_BLOCK_DOUBLES, Max(n, 1) - i) * sizeof(double));
	}
	return p;
}

/* The transition matrix of a chain, in CSR form plus the smoothing part. */
typedef struct MarkovModel
{
	const MarkovChain *m;
	int			n;
	int		   *rowptr;			/* stored transitions of row i: rowptr[i] .. rowptr[i+1]-1 */
	const int32 *col;
	double	   *p;				/* stored part of each probability */
	double	   *base;			/* smoothing part, added for every target state */
	double	   *rowcount;
	bool	   *absorbing;		/* no outgoing transition */
	bool	   *target;			/* entered by some transition: receives smoothing */
	int		   *targets;
	int			ntarget;
	bool		smoothed;
} MarkovModel;

/* Build the transition matrix of a chain. */
static void
model_build(const MarkovChain *m, MarkovModel *mm)
{
	int			n = m->nstates;
	int			i,
				k;
	const int32 *from = MC_FROM(m);
	const double *w = MC_WEIGHT(m);

	ecomai_check_memory((Size) n * 40 + (Size) m->ntrans * 8, "markov transition matrix");
	mm->m = m;
	mm->n = n;
	mm->rowptr = palloc0(sizeof(int) * (n + 1));
	mm->col = MC_TO(m);
	mm->p = palloc(sizeof(double) * Max(m->ntrans, 1));
	mm->base = palloc0(sizeof(double) * Max(n, 1));
	mm->rowcount = palloc0(sizeof(double) * Max(n, 1));
	mm->absorbing = palloc(sizeof(bool) * Max(n, 1));
	mm->target = palloc0(sizeof(bool) * Max(n, 1));
	mm->targets = palloc(sizeof(int) * Max(n, 1));
	mm->ntarget = 0;
	for (k = 0; k < m->ntrans; k++)
	{
		mm->rowptr[from[k] + 1]++;
		mm->rowcount[from[k]] += w[k];
		mm->target[mm->col[k]] = true;
	}
	for (i = 0; i < n; i++)
	{
		mm->rowptr[i + 1] += mm->rowptr[i];
		mm->absorbing[i] = (mm->rowptr[i + 1] == mm->rowptr[i]);
		if (mm->target[i])
			mm->targets[mm->ntarget++] = i;
	}
	mm->smoothed = m->smoothing > 0 && mm->ntarget > 0;
	for (i = 0; i < n; i++)
	{
		double		denom,
					scale = 1;

		if (mm->absorbing[i])
			continue;
		denom = mm->rowcount[i] + m->smoothing * mm->ntarget;
		if (unlikely(!isfinite(denom) || denom < DBL_MIN))
		{
			/*
			 * The row total overflows (or is subnormal): divide the row by its
			 * largest entry first, which leaves the probabilities unchanged.
			 */
			scale = m->smoothing;
			for (k = mm->rowptr[i]; k < mm->rowptr[i + 1]; k++)
				scale = Max(scale, w[k]);
			denom = m->smoothing / scale * mm->ntarget;
			for (k = mm->rowptr[i]; k < mm->rowptr[i + 1]; k++)
				denom += w[k] / scale;
		}
		mm->base[i] = m->smoothing / scale / denom;
		for (k = mm->rowptr[i]; k < mm->rowptr[i + 1]; k++)
			mm->p[k] = w[k] / scale / denom;
	}
}

/* P(i -> j) in one step. */
static double
model_prob(const MarkovModel *mm, int i, int j)
{
	int			lo,
				hi;
	double		p;

	if (mm->absorbing[i])
		return i == j ? 1.0 : 0.0;
	p = mm->target[j] ? mm->base[i] : 0.0;
	lo = mm->rowptr[i];
	hi = mm->rowptr[i + 1] - 1;
	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (mm->col[mid] == j)
			return p + mm->p[mid];
		if (mm->col[mid] < j)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return p;
}

/* y = x P (sparse; y is overwritten). */
static void
model_step(const MarkovModel *mm, const double *x, double *y)
{
	double		spread = 0;
	int			i,
				k;

	memset(y, 0, sizeof(double) * mm->n);
	for (i = 0; i < mm->n; i++)
	{
		double		xi = x[i];

		if (xi == 0)
			continue;
		if (mm->absorbing[i])
		{
			y[i] += xi;
			continue;
		}
		for (k = mm->rowptr[i]; k < mm->rowptr[i + 1]; k++)
			y[mm->col[k]] += xi * mm->p[k];
		spread += xi * mm->base[i];
	}
	if (spread != 0)
		for (k = 0; k < mm->ntarget; k++)
			y[mm->targets[k]] += spread;
}

/* The dense row-major transition matrix (the caller checked the memory). */
static double *
model_dense(const MarkovModel *mm)
{
	int			n = mm->n;
	double	   *P = dense_alloc0((Size) n * n);
	int			i,
				k;

	for (i = 0; i < n; i++)
	{
		double	   *row = P + (Size) i * n;

		if (mm->absorbing[i])
		{
			row[i] = 1;
			continue;
		}
		if (mm->base[i] != 0)
			for (k = 0; k < mm->ntarget; k++)
				row[mm->targets[k]] = mm->base[i];
		for (k = mm->rowptr[i]; k < mm->rowptr[i + 1]; k++)
			row[mm->col[k]] += mm->p[k];
	}
	return P;
}

/* ---------------------------------------------------------------------
 * Graph structure: classes and reachability
 * --------------------------------------------------------------------- */

/*
 * The graph of positive transitions.  Smoothing would add an edge from every
 * observed row to every target; instead one virtual node V (index n) stands
 * for it: i -> V -> each target, which preserves reachability and classes.
 * Absorbing states have no edges.
 */
typedef struct MarkovGraph
{
	int			nn;				/* n, or n + 1 with the virtual node */
	int		   *fptr,
			   *fadj;			/* successors */
	int		   *rptr,
			   *radj;			/* predecessors */
} MarkovGraph;

/* Build forward and reverse adjacency. */
static void
graph_build(const MarkovModel *mm, MarkovGraph *g)
{
	int			n = mm->n;
	int			nn = n + (mm->smoothed ? 1 : 0);
	Size		ne = (Size) mm->m->ntrans + (mm->smoothed ? (Size) n + mm->ntarget : 0);
	int		   *src = palloc(sizeof(int) * Max(ne, 1));
	int		   *dst = palloc(sizeof(int) * Max(ne, 1));
	int		   *fill;
	Size		e = 0,
				k;
	int			i;

	for (i = 0; i < n; i++)
	{
		int			j;

		if (mm->absorbing[i])
			continue;
		for (j = mm->rowptr[i]; j < mm->rowptr[i + 1]; j++)
		{
			src[e] = i;
			dst[e++] = mm->col[j];
		}
		if (mm->smoothed)
		{
			src[e] = i;
			dst[e++] = n;
		}
	}
	if (mm->smoothed)
		for (i = 0; i < mm->ntarget; i++)
		{
			src[e] = n;
			dst[e++] = mm->targets[i];
		}
	g->nn = nn;
	g->fptr = palloc0(sizeof(int) * (nn + 1));
	g->rptr = palloc0(sizeof(int) * (nn + 1));
	g->fadj = palloc(sizeof(int) * Max(e, 1));
	g->radj = palloc(sizeof(int) * Max(e, 1));
	for (k = 0; k < e; k++)
	{
		g->fptr[src[k] + 1]++;
		g->rptr[dst[k] + 1]++;
	}
	for (i = 0; i < nn; i++)
	{
		g->fptr[i + 1] += g->fptr[i];
		g->rptr[i + 1] += g->rptr[i];
	}
	fill = palloc(sizeof(int) * (nn + 1));
	memcpy(fill, g->fptr, sizeof(int) * (nn + 1));
	for (k = 0; k < e; k++)
		g->fadj[fill[src[k]]++] = dst[k];
	memcpy(fill, g->rptr, sizeof(int) * (nn + 1));
	for (k = 0; k < e; k++)
		g->radj[fill[dst[k]]++] = src[k];
	pfree(fill);
	pfree(src);
	pfree(dst);
}

/*
 * Strongly connected components (iterative Tarjan).  comp[v] gets a class
 * number; returns the number of classes.
 */
static int
graph_scc(const MarkovGraph *g, int *comp)
{
	int			nn = g->nn;
	int		   *index = palloc(sizeof(int) * nn);
	int		   *low = palloc(sizeof(int) * nn);
	bool	   *onstack = palloc0(sizeof(bool) * nn);
	int		   *stack = palloc(sizeof(int) * nn);
	int		   *cstack = palloc(sizeof(int) * nn);	/* call stack: node */
	int		   *cedge = palloc(sizeof(int) * nn);	/* call stack: next edge */
	int			sp = 0,
				csp = 0,
				counter = 0,
				ncomp = 0,
				r;

	for (r = 0; r < nn; r++)
		index[r] = -1;
	for (r = 0; r < nn; r++)
	{
		if (index[r] >= 0)
			continue;
		index[r] = low[r] = counter++;
		stack[sp++] = r;
		onstack[r] = true;
		cstack[csp] = r;
		cedge[csp++] = g->fptr[r];
		while (csp > 0)
		{
			int			v = cstack[csp - 1];

			CHECK_FOR_INTERRUPTS();
			if (cedge[csp - 1] < g->fptr[v + 1])
			{
				int			w = g->fadj[cedge[csp - 1]++];

				if (index[w] < 0)
				{
					index[w] = low[w] = counter++;
					stack[sp++] = w;
					onstack[w] = true;
					cstack[csp] = w;
					cedge[csp++] = g->fptr[w];
				}
				else if (onstack[w] && index[w] < low[v])
					low[v] = index[w];
				continue;
			}
			if (low[v] == index[v])
			{
				int			w;

				do
				{
					w = stack[--sp];
					onstack[w] = false;
					comp[w] = ncomp;
				} while (w != v);
				ncomp++;
			}
			csp--;
			if (csp > 0 && low[v] < low[cstack[csp - 1]])
				low[cstack[csp - 1]] = low[v];
		}
	}
	pfree(index);
	pfree(low);
	pfree(onstack);
	pfree(stack);
	pfree(cstack);
	pfree(cedge);
	return ncomp;
}

/*
 * out[v] = v reaches a node in start, moving only through nodes in passable
 * (start nodes count as reached).
 */
static void
graph_reach_back(const MarkovGraph *g, const bool *start, const bool *passable, bool *out)
{
	int		   *queue = palloc(sizeof(int) * g->nn);
	int			head = 0,
				tail = 0,
				v;

	for (v = 0; v < g->nn; v++)
	{
		out[v] = start[v];
		if (start[v])
			queue[tail++] = v;
	}
	while (head < tail)
	{
		int			w = queue[head++],
					k;

		CHECK_FOR_INTERRUPTS();
		for (k = g->rptr[w]; k < g->rptr[w + 1]; k++)
		{
			int			u = g->radj[k];

			if (!out[u] && passable[u])
			{
				out[u] = true;
				queue[tail++] = u;
			}
		}
	}
	pfree(queue);
}

/*
 * C = P * P (row-major n x n), in blocks of rows of about BLAS_BLOCK_SECONDS
 * each: one dgemm over a large matrix cannot be cancelled and runs for
 * seconds, so the interrupt check goes between blocks.
 */
static void
square_blocked(int n, const double *P, double *C)
{
	int			r,
				rows;

	for (r = 0; r < n; r += rows)
	{
		instr_time	start;

		rows = blas_block_units(2.0 * n * n, n - r);
		CHECK_FOR_INTERRUPTS();
		INSTR_TIME_SET_CURRENT(start);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, n, 1.0,
					P + (Size) r * n, n, P, n, 0.0, C + (Size) r * n, n);
		blas_block_done(start, 2.0 * rows * n * n);
	}
}

/* ---------------------------------------------------------------------
 * Dense solves
 * --------------------------------------------------------------------- */

/* ERROR: the system is singular (LAPACK found a zero pivot in this column). */
static void
singular_error(const char *routine, int column)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("the linear system of the markov chain is numerically singular"),
			 errdetail("LAPACK %s found a zero pivot in column %d.", routine, column)));
}

/*
 * Solve A X = B in place (column-major, A n x n, B n x nrhs) by LU with
 * partial pivoting.  A small system is one LAPACK dgesv call.  A large one
 * (a single dgesv on a few thousand states runs for seconds and cannot be
 * cancelled) is blocked: dgetrf on 64-column panels, the trailing update and
 * the triangular solves in pieces sized to take about BLAS_BLOCK_SECONDS at
 * the measured speed, with an interrupt check between pieces.
 */
static void
dense_solve(int n, int nrhs, double *A, double *B)
{
	const int	nb = 64;
	const int	one = 1;
	int		   *ipiv;
	int			info = 0;
	int			j,
				c,
				w;

	if (n == 0 || nrhs == 0)
		return;
	ipiv = palloc(sizeof(int) * n);
	CHECK_FOR_INTERRUPTS();
	if (2.0 / 3.0 * n * n * n + 2.0 * n * n * nrhs <= BLAS_BLOCK_FLOPS)
	{
		dgesv_(&n, &nrhs, A, &n, ipiv, B, &n, &info);
		if (info < 0)
			elog(ERROR, "dgesv: argument %d is invalid", -info);
		if (info > 0)
			singular_error("dgesv", info);
		pfree(ipiv);
		return;
	}
	for (j = 0; j < n; j += nb)
	{
		int			jb = Min(nb, n - j);
		int			mrows = n - j;
		int			rest = n - j - jb;
		int			k1 = j + 1;
		int			k2 = j + jb;
		int			i;

		CHECK_FOR_INTERRUPTS();
		dgetrf_(&mrows, &jb, A + j + (Size) j * n, &n, ipiv + j, &info);
		if (info < 0)
			elog(ERROR, "dgetrf: argument %d is invalid", -info);
		if (info > 0)
			singular_error("dgetrf", j + info);
		for (i = j; i < j + jb; i++)
			ipiv[i] += j;
		/* the panel's row interchanges, applied to the columns left and right of it */
		if (j > 0)
			dlaswp_(&j, A, &n, &k1, &k2, ipiv, &one);
		if (rest == 0)
			continue;
		dlaswp_(&rest, A + (Size) (j + jb) * n, &n, &k1, &k2, ipiv, &one);
		/* U12 = L11^-1 A12, then A22 -= L21 U12 in column blocks */
		cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasUnit, jb, rest, 1.0,
					A + j + (Size) j * n, n, A + j + (Size) (j + jb) * n, n);
		for (c = 0; c < rest; c += w)
		{
			instr_time	start;

			w = blas_block_units(2.0 * rest * jb, rest - c);
			CHECK_FOR_INTERRUPTS();
			INSTR_TIME_SET_CURRENT(start);
			cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rest, w, jb, -1.0,
						A + (j + jb) + (Size) j * n, n,
						A + j + (Size) (j + jb + c) * n, n, 1.0,
						A + (j + jb) + (Size) (j + jb + c) * n, n);
			blas_block_done(start, 2.0 * rest * w * jb);
		}
	}
	/* X = U^-1 L^-1 P B, in column blocks of B */
	for (c = 0; c < nrhs; c += w)
	{
		int			k1 = 1;
		double	   *Bc = B + (Size) c * n;
		instr_time	start;

		w = blas_block_units(2.0 * n * n, nrhs - c);
		CHECK_FOR_INTERRUPTS();
		INSTR_TIME_SET_CURRENT(start);
		dlaswp_(&w, Bc, &n, &k1, &n, ipiv, &one);
		cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasUnit, n, w, 1.0, A, n, Bc, n);
		cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, n, w, 1.0, A, n, Bc, n);
		blas_block_done(start, 2.0 * n * n * w);
	}
	pfree(ipiv);
}

/*
 * The absorbing system.  Transient states are those not in isabs; of these
 * only the ones that can reach an absorbing state (R) are solved for: the
 * others are never absorbed.  Returns A = I - Q over R (column-major) and
 * sets rindex[state] to its row, or -1; *nr gets |R|.  extra_cols columns
 * of right-hand side are budgeted in the memory check.
 */
static double *
absorb_system(const MarkovModel *mm, const MarkovGraph *g, const bool *isabs,
			  int *rindex, int *rstate, int *nr, int extra_cols)
{
	int			n = mm->n,
				i,
				k,
				r = 0;
	bool	   *start = palloc0(sizeof(bool) * g->nn);
	bool	   *pass = palloc(sizeof(bool) * g->nn);
	bool	   *reach = palloc(sizeof(bool) * g->nn);
	double	   *A;

	for (i = 0; i < g->nn; i++)
	{
		start[i] = i < n && isabs[i];
		pass[i] = !start[i];
	}
	graph_reach_back(g, start, pass, reach);
	for (i = 0; i < n; i++)
	{
		rindex[i] = (!isabs[i] && reach[i]) ? r++ : -1;
		if (rindex[i] >= 0)
			rstate[rindex[i]] = i;
	}
	*nr = r;
	ecomai_check_memory((Size) r * (r + extra_cols) * sizeof(double) * 2,
						"dense absorbing-chain system");
	A = dense_alloc0((Size) r * r);
	for (k = 0; k < r; k++)
	{
		int			s = rstate[k],
					j;

		CHECK_FOR_INTERRUPTS();
		A[k + (Size) k * r] = 1;
		if (mm->base[s] != 0)
			for (j = 0; j < mm->ntarget; j++)
			{
				int			c = rindex[mm->targets[j]];

				if (c >= 0)
					A[k + (Size) c * r] -= mm->base[s];
			}
		for (j = mm->rowptr[s]; j < mm->rowptr[s + 1]; j++)
		{
			int			c = rindex[mm->col[j]];

			if (c >= 0)
				A[k + (Size) c * r] -= mm->p[j];
		}
	}
	pfree(start);
	pfree(pass);
	pfree(reach);
	return A;
}

/* ---------------------------------------------------------------------
 * SQL functions
 * --------------------------------------------------------------------- */

/*
 * ERROR 22023 for a state the chain does not have, naming it and a few states
 * it has (the wording of ecomai_markov_lookup, with what the state was for):
 * a misspelt state must not look like an answer (no rows, NULL).
 */
static void
unknown_state_error(const MarkovChain *m, const char *name, const char *what)
{
	ecomai_markov_unknown_state(m, name, what);
}

/* Index of a text argument's state; ERROR 22023 when the chain lacks it. */
static int
state_arg_required(const MarkovChain *m, FunctionCallInfo fcinfo, int argno, const char *what)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	int			i = ecomai_markov_find(m, name);

	if (i < 0)
		unknown_state_error(m, name, what);
	return i;
}

/* The page a state ends on: its last " > "-separated page for a higher order. */
static const char *
state_last_page(const MarkovChain *m, int s)
{
	const char *name = MC_NAME(m, s);
	const char *p,
			   *last = name;

	if (m->order == 1)
		return name;
	for (p = strstr(name, MARKOV_SEP); p; p = strstr(p + 1, MARKOV_SEP))
		last = p + strlen(MARKOV_SEP);
	return last;
}

/* Join pages h[from..nh-1] with " > ". */
static char *
join_pages(char **h, int from, int nh)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = from; i < nh; i++)
	{
		if (i > from)
			appendStringInfoString(&buf, MARKOV_SEP);
		appendStringInfoString(&buf, h[i]);
	}
	return buf.data;
}

/* Split a " > "-joined state name into its pages (no trimming, repeats kept). */
static int
split_state_pages(const char *name, char ***out)
{
	int			n = 1,
				k = 0;
	const char *p;
	char	  **res;

	for (p = strstr(name, MARKOV_SEP); p; p = strstr(p + strlen(MARKOV_SEP), MARKOV_SEP))
		n++;
	res = palloc(sizeof(char *) * n);
	for (p = name;;)
	{
		const char *e = strstr(p, MARKOV_SEP);

		res[k++] = e ? pnstrdup(p, e - p) : pstrdup(p);
		if (!e)
			break;
		p = e + strlen(MARKOV_SEP);
	}
	*out = res;
	return n;
}

/*
 * The distribution over the chain's states that a history of pages stands
 * for (x, summing to 1).  Order 1: the state of the last page.  Order k: the
 * last k pages name one state exactly; a shorter history stands for every
 * state whose window ends with it (the lumped first-order answer for one
 * page), each weighted by how often it was left (then the lumped answer for
 * one page is the first-order row of that page; states never left count by
 * their visits when nothing else matches).  A history starting
 * with "(start)" is anchored at the session start: its pages are the
 * session's first pages, one exact state.  ERROR 22023 when nothing matches.
 */
static void
history_distribution(const MarkovChain *m, const MarkovModel *mm, char **h, int nh, double *x)
{
	int			k = m->order;
	bool		anchored = false;
	int			i,
				nmatch = 0;
	double		total = 0;

	memset(x, 0, sizeof(double) * Max(mm->n, 1));
	if (nh == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("history must not be empty")));
	if (nh > 1 && strcmp(h[0], MARKOV_START) == 0)
	{
		anchored = true;
		h++;
		nh--;
	}
	if (k == 1 || anchored || nh >= k)
	{
		char	   *name = join_pages(h, Max(0, nh - k), nh);
		int			s = ecomai_markov_find(m, name);

		if (s < 0)
			unknown_state_error(m, name, "state");
		x[s] = 1;
		return;
	}
	else
	{
		char	   *suffix = join_pages(h, 0, nh);
		char	   *tail = psprintf("%s%s", MARKOV_SEP, suffix);
		size_t		tlen = strlen(tail);
		double	   *visits = palloc0(sizeof(double) * Max(mm->n, 1));

		double		left = 0;

		for (i = 0; i < m->ntrans; i++)
			visits[MC_TO(m)[i]] += MC_WEIGHT(m)[i];
		/* weight: how often each matching state was left (so that the lumped answer equals the order-1 row) */
		for (i = 0; i < mm->n; i++)
		{
			const char *name = MC_NAME(m, i);
			size_t		len = strlen(name);

			CHECK_FOR_INTERRUPTS();
			if (strcmp(name, suffix) == 0 ||
				(len > tlen && strcmp(name + len - tlen, tail) == 0))
			{
				x[i] = mm->rowcount[i];
				visits[i] = -visits[i] - 1;	/* mark as matching */
				left += x[i];
				nmatch++;
			}
		}
		if (nmatch == 0)
			unknown_state_error(m, suffix, "state");
		/* only never-left (absorbing) states match: weigh them by their visits */
		for (i = 0; i < mm->n; i++)
		{
			if (left == 0 && visits[i] < 0)
				x[i] = -visits[i] - 1;
			total += x[i];
		}
		for (i = 0; i < mm->n; i++)
			x[i] /= total;
	}
}

/* A history argument: a text state (split into pages for a higher order) or a text[] of pages. */
static int
history_arg(const MarkovChain *m, FunctionCallInfo fcinfo, int argno, char ***out)
{
	if (get_fn_expr_argtype(fcinfo->flinfo, argno) == TEXTOID)
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(argno));

		if (m->order == 1)
		{
			*out = palloc(sizeof(char *));
			(*out)[0] = name;
			return 1;
		}
		return split_state_pages(name, out);
	}
	return state_array(PG_GETARG_ARRAYTYPE_P(argno), "history", out);
}

/*
 * A row of a sorted listing: a page or channel name (NULL where rows are
 * told apart by state alone), the state it came from and a probability.
 */
typedef struct StateRow
{
	const char *name;
	int			state;
	double		p;
} StateRow;

/* By name (where both rows have one), then state. */
static int
cmp_name_state(const void *a, const void *b)
{
	const StateRow *x = a;
	const StateRow *y = b;
	int			c = x->name && y->name ? strcmp(x->name, y->name) : 0;

	return c != 0 ? c : x->state - y->state;
}

/* By probability descending, then as cmp_name_state. */
static int
cmp_prob_desc(const void *a, const void *b)
{
	const StateRow *x = a;
	const StateRow *y = b;

	if (x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return cmp_name_state(a, b);
}

/*
 * A distribution over states summed by the page each state ends on, in
 * page-name order; returns the number of pages with positive probability.
 */
static int
lump_pages(const MarkovChain *m, const double *y, int n, StateRow **out)
{
	StateRow   *rows = palloc(sizeof(StateRow) * Max(n, 1));
	int			nrows = 0,
				i,
				k = 0;

	for (i = 0; i < n; i++)
		if (y[i] > 0)
		{
			rows[nrows].name = state_last_page(m, i);
			rows[nrows].state = i;
			rows[nrows++].p = y[i];
		}
	qsort(rows, nrows, sizeof(StateRow), cmp_name_state);
	for (i = 0; i < nrows; i++)
	{
		if (k > 0 && strcmp(rows[k - 1].name, rows[i].name) == 0)
			rows[k - 1].p += rows[i].p;
		else
			rows[k++] = rows[i];
	}
	*out = rows;
	return k;
}

/*
 * markov_next(m, history): the distribution of the next page after a
 * history (see history_distribution), most likely first.  For order 1 and
 * one state this is the row of the transition matrix.
 */
Datum
ecomai_markov_next(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	MarkovChain *m = PG_GETARG_MARKOV(0);
	MarkovModel mm;
	char	  **h;
	int			nh = history_arg(m, fcinfo, 1, &h);
	double	   *x,
			   *y;
	StateRow   *rows;
	int			nrows,
				j;

	model_build(m, &mm);
	x = palloc(sizeof(double) * Max(mm.n, 1));
	y = palloc(sizeof(double) * Max(mm.n, 1));
	history_distribution(m, &mm, h, nh, x);
	model_step(&mm, x, y);
	nrows = lump_pages(m, y, mm.n, &rows);
	qsort(rows, nrows, sizeof(StateRow), cmp_prob_desc);
	for (j = 0; j < nrows; j++)
	{
		Datum		values[2];

		values[0] = CStringGetTextDatum(rows[j].name);
		values[1] = Float8GetDatum(rows[j].p);
		ecomai_srf_row(rsinfo, values);
	}
	return (Datum) 0;
}

/*
 * markov_probability(m, history, to, steps): P(the page steps transitions
 * later is to | history).  For order 1 and one state, P(X_steps = to | X_0 =
 * from).  ERROR 22023 for an unknown state or page.
 */
Datum
ecomai_markov_probability(PG_FUNCTION_ARGS)
{
	MarkovChain *m = PG_GETARG_MARKOV(0);
	char	  **h;
	int			nh = history_arg(m, fcinfo, 1, &h);
	char	   *to = text_to_cstring(PG_GETARG_TEXT_PP(2));
	int			steps = PG_GETARG_INT32(3);
	MarkovModel mm;
	int			n,
				i;
	double	   *x,
			   *y;
	double		dense_cost,
				sparse_cost,
				result = 0;
	Size		dense_bytes;
	bool		known = false;

	if (steps < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("steps must be non-negative, not %d", steps)));
	for (i = 0; i < m->nstates && !known; i++)
		known = strcmp(state_last_page(m, i), to) == 0;
	if (!known)
		unknown_state_error(m, to, "state");
	model_build(m, &mm);
	n = mm.n;
	x = palloc(sizeof(double) * Max(n, 1));
	y = palloc(sizeof(double) * Max(n, 1));
	history_distribution(m, &mm, h, nh, x);

	/* dense squaring costs ~2 n^3 per squaring; sparse costs one pass per step */
	dense_cost = 4.0 * (double) n * n * n * ceil(log2((double) Max(steps, 1)));
	sparse_cost = (double) steps * ((double) m->ntrans + n + (mm.smoothed ? mm.ntarget : 0)) * 4;
	dense_bytes = (Size) 3 * n * n * sizeof(double);
	if (steps > 1 && dense_cost < sparse_cost && dense_bytes / 1024 <= (Size) ecomai_max_memory_kb)
	{
		double	   *P = model_dense(&mm);
		double	   *C = dense_alloc0((Size) n * n);
		int			e = steps;

		for (;;)
		{
			CHECK_FOR_INTERRUPTS();
			if (e & 1)
			{
				/* y = x P, i.e. P^T x */
				cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, P, n, x, 1, 0.0, y, 1);
				memcpy(x, y, sizeof(double) * n);
			}
			e >>= 1;
			if (e == 0)
				break;
			square_blocked(n, P, C);
			memcpy(P, C, sizeof(double) * (Size) n * n);
		}
	}
	else
	{
		int			s;

		for (s = 0; s < steps; s++)
		{
			double	   *tmp;

			CHECK_FOR_INTERRUPTS();
			model_step(&mm, x, y);
			tmp = x;
			x = y;
			y = tmp;
		}
	}
	for (i = 0; i < n; i++)
		if (x[i] != 0 && strcmp(state_last_page(m, i), to) == 0)
			result += x[i];
	PG_RETURN_FLOAT8(result);
}

/* Emit one markov_matrix row. */
static void
matrix_row(ReturnSetInfo *rsinfo, const MarkovChain *m, int i, int j, double count, double p)
{
	Datum		values[4];

	values[0] = CStringGetTextDatum(MC_NAME(m, i));
	values[1] = CStringGetTextDatum(MC_NAME(m, j));
	values[2] = Float8GetDatum(count);
	values[3] = Float8GetDatum(p);
	ecomai_srf_row(rsinfo, values);
}

/*
 * markov_matrix(m): every non-zero entry of the transition matrix with its
 * count (0 for entries due only to smoothing, and for the self-loop of an
 * absorbing state).
 */
Datum
ecomai_markov_matrix(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	MarkovChain *m = PG_GETARG_MARKOV(0);
	MarkovModel mm;
	int			i;

	model_build(m, &mm);
	for (i = 0; i < mm.n; i++)
	{
		int			k = mm.rowptr[i],
					t = 0;

		CHECK_FOR_INTERRUPTS();
		if (mm.absorbing[i])
		{
			matrix_row(rsinfo, m, i, i, 0, 1);
			continue;
		}
		/* merge the stored columns with the smoothing targets, both ascending */
		while (k < mm.rowptr[i + 1] || (mm.base[i] != 0 && t < mm.ntarget))
		{
			int			cs = k < mm.rowptr[i + 1] ? mm.col[k] : INT_MAX;
			int			ct = (mm.base[i] != 0 && t < mm.ntarget) ? mm.targets[t] : INT_MAX;

			if (cs <= ct)
			{
				matrix_row(rsinfo, m, i, cs, MC_WEIGHT(m)[k], mm.p[k] + (cs == ct ? mm.base[i] : 0));
				k++;
				if (cs == ct)
					t++;
			}
			else
			{
				matrix_row(rsinfo, m, i, ct, 0, mm.base[i]);
				t++;
			}
		}
	}
	return (Datum) 0;
}

/* Deconstruct a text[] of states, rejecting NULL elements. */
static int
state_array(ArrayType *a, const char *what, char ***out)
{
	Datum	   *vals;
	bool	   *nulls;
	int			n,
				i;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s must be a one-dimensional array", what)));
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &vals, &nulls, &n);
	*out = palloc(sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("%s must not contain nulls", what)));
		(*out)[i] = TextDatumGetCString(vals[i]);
	}
	return n;
}

/*
 * markov_path_probability(m, states): natural log of the probability of the
 * sequence of transitions; ERROR 22023 for an unknown state, -Infinity when a
 * transition is impossible, 0 for fewer than two states.
 */
Datum
ecomai_markov_path_probability(PG_FUNCTION_ARGS)
{
	MarkovChain *m = PG_GETARG_MARKOV(0);
	char	  **names;
	int			n = state_array(PG_GETARG_ARRAYTYPE_P(1), "path", &names);
	int		   *idx = palloc(sizeof(int) * Max(n, 1));
	MarkovModel mm;
	double		ll = 0;
	int			i;

	for (i = 0; i < n; i++)
		if ((idx[i] = ecomai_markov_find(m, names[i])) < 0)
			unknown_state_error(m, names[i], "state");
	if (n < 2)
		PG_RETURN_FLOAT8(0);
	model_build(m, &mm);
	for (i = 0; i + 1 < n; i++)
		ll += log(model_prob(&mm, idx[i], idx[i + 1]));
	PG_RETURN_FLOAT8(ll);
}

/* Emit a (state, value) row, value NULL when isnull. */
static void
state_value_row(ReturnSetInfo *rsinfo, const char *state, double v, bool isnull)
{
	Datum		values[2];
	bool		nulls[2] = {false, isnull};

	values[0] = CStringGetTextDatum(state);
	values[1] = Float8GetDatum(v);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * Stationary distribution restricted to one closed class by power iteration
 * on the lazy chain (P + I) / 2, which has the same stationary distribution
 * and is aperiodic.
 */
static void
stationary_power(const MarkovModel *mm, const int *members, int c, double *pi)
{
	int			n = mm->n,
				it,
				i;
	double	   *x = palloc0(sizeof(double) * n);
	double	   *y = palloc(sizeof(double) * n);

	for (i = 0; i < c; i++)
		x[members[i]] = 1.0 / c;
	for (it = 0; it < POWER_MAX_ITER; it++)
	{
		double		diff = 0;

		CHECK_FOR_INTERRUPTS();
		model_step(mm, x, y);
		for (i = 0; i < n; i++)
		{
			double		v = 0.5 * (x[i] + y[i]);

			diff += fabs(v - x[i]);
			x[i] = v;
		}
		if (diff < POWER_TOL)
			break;
	}
	if (it == POWER_MAX_ITER)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("stationary distribution did not converge in %d iterations", POWER_MAX_ITER),
				 errhint("Classes of more than %d states are solved by power iteration; this one mixes too slowly.",
						 STATIONARY_DENSE_MAX)));
	memcpy(pi, x, sizeof(double) * n);
}

/*
 * markov_stationary(m): the stationary distribution.  It is unique exactly
 * when the chain has one closed class; states outside it get 0.  With more
 * than one closed class (e.g. two absorbing states) it is an error.
 */
Datum
ecomai_markov_stationary(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MarkovChain *m = PG_GETARG_MARKOV(0);
	MarkovModel mm;
	MarkovGraph g;
	int		   *comp;
	bool	   *closed;
	bool	   *hasreal;
	int			ncomp,
				nclosed = 0,
				theclass = -1,
				c = 0,
				i,
				k;
	int		   *members;
	double	   *pi;

	InitMaterializedSRF(fcinfo, 0);
	if (m->nstates == 0)
		return (Datum) 0;
	model_build(m, &mm);
	graph_build(&mm, &g);
	comp = palloc(sizeof(int) * g.nn);
	ncomp = graph_scc(&g, comp);
	closed = palloc(sizeof(bool) * ncomp);
	hasreal = palloc0(sizeof(bool) * ncomp);
	for (i = 0; i < ncomp; i++)
		closed[i] = true;
	for (i = 0; i < g.nn; i++)
	{
		if (i < mm.n)
			hasreal[comp[i]] = true;
		for (k = g.fptr[i]; k < g.fptr[i + 1]; k++)
			if (comp[g.fadj[k]] != comp[i])
				closed[comp[i]] = false;
	}
	for (i = 0; i < ncomp; i++)
		if (closed[i] && hasreal[i])
		{
			nclosed++;
			theclass = i;
		}
	if (nclosed != 1)
	{
		StringInfoData buf;
		int			shown = 0;

		initStringInfo(&buf);
		for (i = 0; i < mm.n && shown < 5; i++)
			if (closed[comp[i]])
			{
				/* name the first state of each closed class */
				for (k = 0; k < i; k++)
					if (comp[k] == comp[i])
						break;
				if (k < i)
					continue;
				appendStringInfo(&buf, "%s\"%s\"", shown ? ", " : "", MC_NAME(m, i));
				shown++;
			}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the markov chain has %d closed classes, so its stationary distribution is not unique",
						nclosed),
				 errdetail("Closed classes include the ones containing %s.", buf.data),
				 errhint("An absorbing state is a closed class of its own: use markov_absorption for "
						 "absorbing chains, or fit the chain on a set of states that all communicate.")));
	}
	members = palloc(sizeof(int) * mm.n);
	for (i = 0; i < mm.n; i++)
		if (comp[i] == theclass)
			members[c++] = i;
	pi = palloc0(sizeof(double) * mm.n);
	if (c == 1)
		pi[members[0]] = 1;
	else if (c <= STATIONARY_DENSE_MAX &&
			 (Size) c * c * sizeof(double) / 1024 <= (Size) ecomai_max_memory_kb)
	{
		/* (P_C^T - I) pi = 0 with the last equation replaced by sum(pi) = 1 */
		double	   *A = dense_alloc0((Size) c * c);
		double	   *b = palloc0(sizeof(double) * c);
		int			r,
					s;

		for (s = 0; s < c; s++)
		{
			CHECK_FOR_INTERRUPTS();
			for (r = 0; r < c - 1; r++)
				A[r + (Size) s * c] = model_prob(&mm, members[s], members[r]) - (r == s ? 1 : 0);
			A[(c - 1) + (Size) s * c] = 1;
		}
		b[c - 1] = 1;
		dense_solve(c, 1, A, b);
		for (s = 0; s < c; s++)
			pi[members[s]] = b[s] < 0 ? 0 : b[s];	/* rounding below zero */
	}
	else
		stationary_power(&mm, members, c, pi);
	for (i = 0; i < mm.n; i++)
		state_value_row(rsinfo, MC_NAME(m, i), pi[i], false);
	return (Datum) 0;
}

/*
 * Expected steps of the absorbing system are finite only for states that
 * cannot wander into a transient state that is never absorbed.  Sets
 * finite[state] for states in R.  With avoid, states that can reach an
 * absorbing state in avoid are not finite either (first passage to a target
 * never happens from them with probability 1).
 */
static void
absorb_finite(const MarkovModel *mm, const MarkovGraph *g, const bool *isabs,
			  const int *rindex, const bool *avoid, bool *finite)
{
	bool	   *bad = palloc0(sizeof(bool) * g->nn);
	bool	   *pass = palloc(sizeof(bool) * g->nn);
	bool	   *reach = palloc(sizeof(bool) * g->nn);
	int			i;

	for (i = 0; i < g->nn; i++)
	{
		bool		transient = i >= mm->n || !isabs[i];

		bad[i] = (i < mm->n && transient && rindex[i] < 0) || (avoid && i < mm->n && avoid[i]);
		pass[i] = transient;
	}
	graph_reach_back(g, bad, pass, reach);
	for (i = 0; i < mm->n; i++)
		finite[i] = rindex[i] >= 0 && !reach[i];
	pfree(bad);
	pfree(pass);
	pfree(reach);
}

/*
 * markov_absorption(m, absorbing): for every transient state, the probability
 * of ending in each listed absorbing state and the expected number of steps
 * until absorption (NULL when infinite).  States with no outgoing transition
 * are absorbing too; an unknown name is ERROR 22023.
 */
Datum
ecomai_markov_absorption(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	MarkovChain *m = PG_GETARG_MARKOV(0);
	char	  **names;
	int			nlist = state_array(PG_GETARG_ARRAYTYPE_P(1), "absorbing states", &names);
	int		   *abs = palloc(sizeof(int) * Max(nlist, 1));
	int			na = 0,
				nr,
				i,
				a;
	MarkovModel mm;
	MarkovGraph g;
	bool	   *isabs;
	bool	   *finite;
	int		   *rindex,
			   *rstate;
	double	   *A,
			   *B;

	for (i = 0; i < nlist; i++)
	{
		int			s = ecomai_markov_find(m, names[i]);

		if (s < 0)
			unknown_state_error(m, names[i], "absorbing state");
		for (a = 0; a < na && s >= 0; a++)
			if (abs[a] == s)
				s = -1;
		if (s >= 0)
			abs[na++] = s;
	}
	if (na == 0)
		return (Datum) 0;
	model_build(m, &mm);
	graph_build(&mm, &g);
	isabs = palloc(sizeof(bool) * mm.n);
	for (i = 0; i < mm.n; i++)
		isabs[i] = mm.absorbing[i];
	for (a = 0; a < na; a++)
		isabs[abs[a]] = true;
	rindex = palloc(sizeof(int) * mm.n);
	rstate = palloc(sizeof(int) * mm.n);
	A = absorb_system(&mm, &g, isabs, rindex, rstate, &nr, na + 1);
	B = dense_alloc0((Size) nr * (na + 1));
	for (i = 0; i < nr; i++)
	{
		for (a = 0; a < na; a++)
			B[i + (Size) a * nr] = model_prob(&mm, rstate[i], abs[a]);
		B[i + (Size) na * nr] = 1;
	}
	dense_solve(nr, na + 1, A, B);
	finite = palloc(sizeof(bool) * mm.n);
	absorb_finite(&mm, &g, isabs, rindex, NULL, finite);
	for (i = 0; i < mm.n; i++)
	{
		int			r = rindex[i];

		if (isabs[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		for (a = 0; a < na; a++)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};
			double		p = r >= 0 ? B[r + (Size) a * nr] : 0;

			values[0] = CStringGetTextDatum(MC_NAME(m, i));
			values[1] = CStringGetTextDatum(MC_NAME(m, abs[a]));
			values[2] = Float8GetDatum(p < 0 ? 0 : (p > 1 ? 1 : p));
			values[3] = Float8GetDatum(finite[i] ? B[r + (Size) na * nr] : 0);
			nulls[3] = !finite[i];
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/*
 * markov_first_passage(m, to_state): expected steps to first reach to_state
 * from each state; for to_state itself the mean recurrence (return) time.
 * NULL where the target is not reached with probability 1.
 */
Datum
ecomai_markov_first_passage(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	MarkovChain *m = PG_GETARG_MARKOV(0);
	int			target = state_arg_required(m, fcinfo, 1, "state");
	MarkovModel mm;
	MarkovGraph g;
	bool	   *isabs,
			   *avoid,
			   *finite;
	int		   *rindex,
			   *rstate;
	int			nr,
				i;
	double	   *A,
			   *b;
	double		recur = 1;
	bool		recur_finite = true;

	model_build(m, &mm);
	graph_build(&mm, &g);
	isabs = palloc(sizeof(bool) * mm.n);
	avoid = palloc(sizeof(bool) * mm.n);
	for (i = 0; i < mm.n; i++)
	{
		isabs[i] = mm.absorbing[i] || i == target;
		avoid[i] = isabs[i] && i != target;
	}
	rindex = palloc(sizeof(int) * mm.n);
	rstate = palloc(sizeof(int) * mm.n);
	A = absorb_system(&mm, &g, isabs, rindex, rstate, &nr, 1);
	b = palloc(sizeof(double) * Max(nr, 1));
	for (i = 0; i < nr; i++)
		b[i] = 1;
	dense_solve(nr, 1, A, b);
	finite = palloc(sizeof(bool) * mm.n);
	absorb_finite(&mm, &g, isabs, rindex, avoid, finite);

	/* return time: one step, then the passage time from where that step lands */
	if (!mm.absorbing[target])
	{
		for (i = 0; i < mm.n; i++)
		{
			double		p = model_prob(&mm, target, i);

			if (p == 0 || i == target)
				continue;
			if (!finite[i])
				recur_finite = false;
			else
				recur += p * b[rindex[i]];
		}
	}
	for (i = 0; i < mm.n; i++)
	{
		if (i == target)
			state_value_row(rsinfo, MC_NAME(m, i), recur, !recur_finite);
		else
			state_value_row(rsinfo, MC_NAME(m, i), finite[i] ? b[rindex[i]] : 0, !finite[i]);
	}
	return (Datum) 0;
}

/*
 * The channels of a state: the state itself for a first-order chain, the
 * distinct pages of its window " > "-separated for a higher order.
 */
static int
state_channels(const MarkovChain *m, int s, const char ***out)
{
	const char *name = MC_NAME(m, s);
	const char **res;
	int			n = 0,
				ntok = 1;
	const char *p;

	if (m->order == 1)
	{
		res = palloc(sizeof(char *));
		res[0] = name;
		*out = res;
		return 1;
	}
	for (p = strstr(name, MARKOV_SEP); p; p = strstr(p + strlen(MARKOV_SEP), MARKOV_SEP))
		ntok++;
	res = palloc(sizeof(char *) * ntok);
	for (p = name;;)
	{
		const char *e = strstr(p, MARKOV_SEP);
		char	   *ch = e ? pnstrdup(p, e - p) : pstrdup(p);
		int			k;

		for (k = 0; k < n; k++)
			if (strcmp(res[k], ch) == 0)
				break;
		if (k == n)
			res[n++] = ch;
		if (!e)
			break;
		p = e + strlen(MARKOV_SEP);
	}
	*out = res;
	return n;
}

/*
 * Conversion value per step into the conversion state: rv[s] = P(s ->
 * conversion) times the mean value per conversion of paths whose last state
 * is s (the value chain's weight of s -> conversion divided by the counting
 * chain's).  This is ChannelAttribution's definition (a simulated conversion
 * draws its value from the paths ending in the same last channel), exactly.
 * Returns the total value observed; rv is indexed by state of m.
 */
static double
attribution_values(const MarkovChain *m, const MarkovModel *mm, int conv,
				   const MarkovChain *v, const char *convname, double *rv)
{
	int			vconv = ecomai_markov_find(v, convname);
	double		total = 0;
	int			k;

	memset(rv, 0, sizeof(double) * Max(mm->n, 1));
	if (vconv < 0)
		return 0;				/* no value entered the conversion state */
	for (k = 0; k < v->ntrans; k++)
	{
		const char *from;
		int			s,
					j;
		double		c = 0;

		if (MC_TO(v)[k] != vconv)
			continue;
		from = MC_NAME(v, MC_FROM(v)[k]);
		s = ecomai_markov_find(m, from);
		if (s >= 0)
			for (j = mm->rowptr[s]; j < mm->rowptr[s + 1]; j++)
				if (mm->col[j] == conv)
					c = MC_WEIGHT(m)[j];
		if (!(c > 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("conversion value enters \"%s\" from state \"%s\", which has no conversions in the chain",
							convname, from),
					 errdetail("The value chain must be fitted on the same paths as the chain, with the value in place of the conversions."),
					 errhint("Fit both in one query: markov_fit_paths(path, conversions, nulls) and markov_fit_paths(path, conversion_value, 0).")));
		rv[s] = model_prob(mm, s, conv) * MC_WEIGHT(v)[k] / c;
		total += MC_WEIGHT(v)[k];
	}
	return total;
}

/*
 * The conversions observed: the counts entering the conversion state.  Past
 * the double range they are summed at 2^-64 (exact) and *conv_exp says so
 * (each channel's part is scaled back).
 */
static double
attribution_total_conversions(const MarkovChain *m, int conv, int *conv_exp)
{
	double		total_conv = 0;
	int			k;

	*conv_exp = 0;
	for (k = 0; k < m->ntrans; k++)
		if (MC_TO(m)[k] == conv)
			total_conv += MC_WEIGHT(m)[k];
	if (!isfinite(total_conv))
	{
		*conv_exp = 64;
		total_conv = 0;
		for (k = 0; k < m->ntrans; k++)
			if (MC_TO(m)[k] == conv)
				total_conv += ldexp(MC_WEIGHT(m)[k], -*conv_exp);
	}
	return total_conv;
}

/*
 * Solve the absorbing system with the conversion and null states absorbing:
 * the nr x nrhs result is [N | h | hv] for the right-hand side
 * [I | r_conv | r_value] (hv only when rv is given).  rindex maps a state to
 * its row (-1 when absorbing); *nr gets the number of rows.
 */
static double *
attribution_solve(const MarkovModel *mm, const MarkovGraph *g, int conv, int nullst,
				  const double *rv, int *rindex, int *nr)
{
	bool	   *isabs;
	int		   *rstate;
	double	   *A,
			   *B;
	int			nrhs,
				i;

	isabs = palloc(sizeof(bool) * mm->n);
	for (i = 0; i < mm->n; i++)
		isabs[i] = mm->absorbing[i] || i == conv || i == nullst;
	rstate = palloc(sizeof(int) * mm->n);
	A = absorb_system(mm, g, isabs, rindex, rstate, nr, 0);
	nrhs = *nr + (rv ? 2 : 1);
	ecomai_check_memory((Size) *nr * nrhs * sizeof(double), "markov attribution inverse");
	B = dense_alloc0((Size) *nr * nrhs);
	for (i = 0; i < *nr; i++)
	{
		B[i + (Size) i * *nr] = 1;
		B[i + (Size) *nr * *nr] = model_prob(mm, rstate[i], conv);
		if (rv)
			B[i + (Size) (*nr + 1) * *nr] = rv[rstate[i]];
	}
	dense_solve(*nr, nrhs, A, B);
	return B;
}

/*
 * The (channel, state) pairs of every state other than start, conversion
 * and null, sorted by channel; *npairs gets their number.
 */
static StateRow *
attribution_channel_states(const MarkovChain *m, int n, int start, int conv, int nullst,
						   int *npairs)
{
	int			maxpairs = Max(n, 1);
	StateRow   *pairs = palloc(sizeof(StateRow) * maxpairs);
	int			i;

	*npairs = 0;
	for (i = 0; i < n; i++)
	{
		const char **chs;
		int			c,
					j;

		if (i == start || i == conv || i == nullst)
			continue;
		c = state_channels(m, i, &chs);
		for (j = 0; j < c; j++)
		{
			if (*npairs == maxpairs)
			{
				maxpairs *= 2;
				pairs = repalloc_huge(pairs, sizeof(StateRow) * maxpairs);
			}
			pairs[*npairs].name = chs[j];
			pairs[(*npairs)++].state = i;
		}
	}
	qsort(pairs, *npairs, sizeof(StateRow), cmp_name_state);
	return pairs;
}

/*
 * Remove the ns transient rows S (one channel's states) of the solution B
 * (see attribution_solve): subtract N[start,S] N[S,S]^-1 h[S] from *Pc and
 * the same with hv from *Pvc (hv NULL: no value chain).
 */
static void
attribution_remove(const double *B, int nr, const double *h, const double *hv,
				   const int *S, int ns, int s0, double *Pc, double *Pvc)
{
	double	   *M;
	double	   *y = palloc(sizeof(double) * ns * 2);
	int			a,
				b;

	ecomai_check_memory((Size) ns * ns * sizeof(double), "markov attribution removal system");
	M = dense_alloc0((Size) ns * ns);

	for (a = 0; a < ns; a++)
	{
		y[a] = h[S[a]];
		y[a + ns] = hv ? hv[S[a]] : 0;
		for (b = 0; b < ns; b++)
			M[a + (Size) b * ns] = B[S[a] + (Size) S[b] * nr];
	}
	dense_solve(ns, hv ? 2 : 1, M, y);
	for (a = 0; a < ns; a++)
	{
		*Pc -= B[s0 + (Size) S[a] * nr] * y[a];
		*Pvc -= B[s0 + (Size) S[a] * nr] * y[a + ns];
	}
	pfree(M);
	pfree(y);
}

/*
 * markov_attribution(m, conversion, null_state [, conversion_value]): Markov
 * removal effects.  P = probability of reaching the conversion state from
 * (start).  Removing a channel sends every visit to it (every state
 * containing it, for a higher order) to the null state.  With N = (I - Q)^-1
 * and h the conversion probabilities, making the set S of a channel's states
 * fail gives exactly P_S = h_start - N[start,S] N[S,S]^-1 h[S].
 * removal_effect = 1 - P_S / P; share = removal_effect / sum of removal
 * effects; conversions = share times the conversions observed (the counts
 * entering the conversion state).  With a value chain, conversion_value =
 * share times the total value (ChannelAttribution's published figures), and
 * the same algebra runs on the expected value hv = N rv (see
 * attribution_values): value_removal_effect = 1 - Pv_S / Pv, the removal
 * effect on the conversion value rather than on the conversion count.
 */
void
ecomai_markov_attribution_compute(const MarkovChain *m, const char *convname,
								  const char *nullname, const MarkovChain *v,
								  MarkovAttribution *res)
{
	int			conv,
				nullst,
				start;
	MarkovModel mm;
	MarkovGraph g;
	int		   *rindex;
	int			nr,
				i,
				k,
				npairs,
				nch = 0;
	double	   *B,
			   *h,
			   *hv = NULL,
			   *rv = NULL;
	double		P = 0,
				Pv = 0,
				total_conv,
				total_value = 0,
				sum_re = 0;
	StateRow   *pairs;
	const char **chname;
	double	   *re,
			   *rev;
	bool		with_value = v != NULL;
	int			conv_exp;		/* total_conv is scaled by 2^-conv_exp */

	conv = ecomai_markov_find(m, convname);
	if (conv < 0)
		unknown_state_error(m, convname, "conversion state");
	nullst = ecomai_markov_find(m, nullname);
	start = ecomai_markov_find(m, MARKOV_START);
	if (start < 0)
		unknown_state_error(m, MARKOV_START, "start state");
	if (conv == start)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the conversion state must not be \"%s\"", MARKOV_START)));
	model_build(m, &mm);
	graph_build(&mm, &g);
	total_conv = attribution_total_conversions(m, conv, &conv_exp);
	if (with_value)
	{
		rv = palloc(sizeof(double) * Max(mm.n, 1));
		total_value = attribution_values(m, &mm, conv, v, convname, rv);
	}

	rindex = palloc(sizeof(int) * mm.n);
	B = attribution_solve(&mm, &g, conv, nullst, rv, rindex, &nr);
	h = B + (Size) nr * nr;
	if (with_value)
		hv = B + (Size) (nr + 1) * nr;
	if (rindex[start] >= 0)
	{
		P = h[rindex[start]];
		if (with_value)
			Pv = hv[rindex[start]];
	}

	/* channels and the states that carry them */
	pairs = attribution_channel_states(m, mm.n, start, conv, nullst, &npairs);
	chname = palloc(sizeof(char *) * Max(npairs, 1));
	re = palloc(sizeof(double) * Max(npairs, 1));
	rev = palloc(sizeof(double) * Max(npairs, 1));
	for (i = 0; i < npairs;)
	{
		int			j = i,
					ns = 0;
		int		   *S;
		double		Pc = P,
					Pvc = Pv;

		CHECK_FOR_INTERRUPTS();
		while (j < npairs && strcmp(pairs[j].name, pairs[i].name) == 0)
			j++;
		S = palloc(sizeof(int) * (j - i));
		for (k = i; k < j; k++)
			if (rindex[pairs[k].state] >= 0)
				S[ns++] = rindex[pairs[k].state];
		if (ns > 0 && rindex[start] >= 0)
			attribution_remove(B, nr, h, hv, S, ns, rindex[start], &Pc, &Pvc);
		chname[nch] = pairs[i].name;
		/* exact values lie in [0, 1]; clamp rounding */
		re[nch] = P > 0 ? Min(1, Max(0, 1 - Pc / P)) : 0;
		rev[nch] = Pv > 0 ? Min(1, Max(0, 1 - Pvc / Pv)) : 0;
		if (P > 0)
			sum_re += re[nch];
		nch++;
		pfree(S);
		i = j;
	}
	res->nch = nch;
	res->channel = chname;
	res->re = re;
	res->rev = rev;
	res->P = P;
	res->Pv = Pv;
	res->sum_re = sum_re;
	res->total_conv = total_conv;
	res->total_value = total_value;
	res->conv_exp = conv_exp;
}

/* markov_attribution(m, conversion, null_state [, conversion_value]): the rows of the above. */
Datum
ecomai_markov_attribution(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	MarkovAttribution r;
	bool		with_value;
	int			i;

	/* NULL chain, conversion or null state: no rows (documented NULL behaviour) */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return (Datum) 0;
	with_value = PG_NARGS() > 3 && !PG_ARGISNULL(3);
	ecomai_markov_attribution_compute(PG_GETARG_MARKOV(0), text_to_cstring(PG_GETARG_TEXT_PP(1)),
									  text_to_cstring(PG_GETARG_TEXT_PP(2)),
									  with_value ? PG_GETARG_MARKOV(3) : NULL, &r);
	for (i = 0; i < r.nch; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		int			natts = rsinfo->setDesc->natts;

		values[0] = CStringGetTextDatum(r.channel[i]);
		values[1] = Float8GetDatum(r.re[i]);
		nulls[1] = !(r.P > 0);
		nulls[2] = nulls[3] = !(r.P > 0) || !(r.sum_re > 0);
		if (!nulls[2])
		{
			double		c = ldexp(r.re[i] / r.sum_re * r.total_conv, r.conv_exp);

			values[2] = Float8GetDatum(r.re[i] / r.sum_re);
			if (!isfinite(c))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("conversions attributed to \"%s\" are out of range for type double precision",
								r.channel[i])));
			values[3] = Float8GetDatum(c);
		}
		/* the 1.0 result adds the value columns (0.2.0's has four columns) */
		if (natts >= 6)
		{
			nulls[4] = !with_value || nulls[2];
			if (!nulls[4])
				values[4] = Float8GetDatum(r.re[i] / r.sum_re * r.total_value);
			nulls[5] = !with_value || !(r.Pv > 0);
			if (!nulls[5])
				values[5] = Float8GetDatum(r.rev[i]);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Colours of highlighted states (fill, and a darker one for edges), in the order given. */
static const char *const dot_colors[][2] = {
	{"#b7e4c7", "#2d6a4f"}, {"#f4c7c3", "#c0392b"}, {"#c6dbef", "#2171b5"},
	{"#fde2a7", "#b8860b"}, {"#d9c9e8", "#6a3d9a"}
};

/* markov_to_dot's edge_width argument: 0 none, 1 probability, 2 flow. */
static const EcomaiNamedValue dot_width_names[] = {
	{"none", 0}, {"probability", 1}, {"flow", 2}, {NULL, 0}
};

/*
 * markov_to_dot(m, threshold, k, edge_width, highlight): Graphviz digraph,
 * edges labelled with their probability (3 significant digits).  Edges below
 * threshold are left out, and so are the self-loops of absorbing states
 * (drawn as double circles); k > 0 keeps the k most probable edges out of
 * each state; edge_width 'probability' or 'flow' draws an edge's pen width in
 * proportion to its probability or to its count (relative to the largest
 * count); the highlight states are filled, each in its own colour, and so are
 * the edges into them.  Called through the 0.2.0 declaration it has two
 * arguments and the defaults for the rest.
 */
Datum
ecomai_markov_to_dot(PG_FUNCTION_ARGS)
{
	MarkovChain *m = PG_GETARG_MARKOV(0);
	double		threshold = PG_GETARG_FLOAT8(1);
	int			topk = PG_NARGS() > 2 ? PG_GETARG_INT32(2) : 0;
	int			width = PG_NARGS() > 3 ?
		ecomai_named_value_or_error(dot_width_names, text_to_cstring(PG_GETARG_TEXT_PP(3)), "edge_width",
									"Use 'none', 'probability' or 'flow'.") : 0;
	MarkovModel mm;
	StringInfoData buf;
	int		   *color;			/* per state: index into dot_colors, or -1 */
	StateRow   *rows;
	double	   *count;
	double		maxcount = 0;
	int			i,
				j,
				k;

	if (isnan(threshold))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("threshold must not be NaN")));
	if (topk < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("k must be non-negative, not %d", topk),
						errhint("Pass 0 to keep every edge.")));
	model_build(m, &mm);
	color = palloc(sizeof(int) * Max(mm.n, 1));
	for (i = 0; i < mm.n; i++)
		color[i] = -1;
	if (PG_NARGS() > 4)
	{
		char	  **names;
		int			nh = state_array(PG_GETARG_ARRAYTYPE_P(4), "highlight", &names);

		for (i = 0; i < nh; i++)
		{
			int			s = ecomai_markov_lookup(m, names[i]);

			if (color[s] < 0)
				color[s] = i % lengthof(dot_colors);
		}
	}
	for (k = 0; k < m->ntrans; k++)
		maxcount = Max(maxcount, MC_WEIGHT(m)[k]);
	rows = palloc(sizeof(StateRow) * Max(mm.n, 1));
	count = palloc0(sizeof(double) * Max(mm.n, 1));

	initStringInfo(&buf);
	appendStringInfoString(&buf, "digraph markov_chain {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
	for (i = 0; i < mm.n; i++)
		if (mm.absorbing[i] || color[i] >= 0)
		{
			appendStringInfoString(&buf, "  ");
			ecomai_append_dot_string(&buf, MC_NAME(m, i), "\\n");
			appendStringInfoString(&buf, " [");
			if (mm.absorbing[i])
				appendStringInfoString(&buf, "shape=doublecircle");
			if (color[i] >= 0)
				appendStringInfo(&buf, "%sstyle=\"rounded,filled\", fillcolor=\"%s\"",
								 mm.absorbing[i] ? ", " : "", dot_colors[color[i]][0]);
			appendStringInfoString(&buf, "];\n");
		}
	for (i = 0; i < mm.n; i++)
	{
		int			nj = mm.base[i] == 0 ? mm.rowptr[i + 1] - mm.rowptr[i] : mm.ntarget;
		int			nrows = 0;

		if (mm.absorbing[i])
			continue;
		for (k = 0; k < nj; k++)
		{
			double		p;

			CHECK_FOR_INTERRUPTS();
			/* without smoothing only the stored transitions are non-zero */
			j = mm.base[i] == 0 ? mm.col[mm.rowptr[i] + k] : mm.targets[k];
			p = model_prob(&mm, i, j);
			if (p <= 0 || p < threshold)
				continue;
			rows[nrows].name = NULL;
			rows[nrows].state = j;
			rows[nrows++].p = p;
		}
		if (topk > 0 && nrows > topk)
		{
			/* the k most probable (ties to the first state), then back in state order */
			qsort(rows, nrows, sizeof(StateRow), cmp_prob_desc);
			nrows = topk;
			qsort(rows, nrows, sizeof(StateRow), cmp_name_state);
		}
		/* this row's counts by target state (0 where only smoothing leads) */
		for (k = mm.rowptr[i]; k < mm.rowptr[i + 1]; k++)
			count[mm.col[k]] = MC_WEIGHT(m)[k];
		for (k = 0; k < nrows; k++)
		{
			j = rows[k].state;
			appendStringInfoString(&buf, "  ");
			ecomai_append_dot_string(&buf, MC_NAME(m, i), "\\n");
			appendStringInfoString(&buf, " -> ");
			ecomai_append_dot_string(&buf, MC_NAME(m, j), "\\n");
			appendStringInfo(&buf, " [label=\"%.3g\"", rows[k].p);
			if (width > 0)
			{
				double		x = width == 1 ? rows[k].p : count[j] / maxcount;

				appendStringInfo(&buf, ", penwidth=%.2f", 0.5 + 7.5 * x);
			}
			if (color[j] >= 0)
				appendStringInfo(&buf, ", color=\"%s\"", dot_colors[color[j]][1]);
			appendStringInfoString(&buf, "];\n");
		}
		for (k = mm.rowptr[i]; k < mm.rowptr[i + 1]; k++)
			count[mm.col[k]] = 0;
	}
	appendStringInfoString(&buf, "}\n");
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}
