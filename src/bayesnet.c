/*
 * bayesnet.c
 *	  The ecomai.bayesnet type: validation of a network (acyclic, known
 *	  parents, CPT sizes, rows summing to 1), its flat layout, text I/O (BIF,
 *	  see bif.c), binary send/recv, equality, and the inspection functions
 *	  bn_cpt, bn_variables and bn_to_dot.
 *
 * Every way into the type (text, binary, bn_fit, bn_from_bif) goes through
 * ecomai_bn_build, so a stored network is always valid and inference reads
 * the flat form in place without checks.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "bayesnet.h"
#include "ecomai.h"
#include "srf.h"

PG_FUNCTION_INFO_V1(ecomai_bayesnet_in);
PG_FUNCTION_INFO_V1(ecomai_bayesnet_out);
PG_FUNCTION_INFO_V1(ecomai_bayesnet_recv);
PG_FUNCTION_INFO_V1(ecomai_bayesnet_send);
PG_FUNCTION_INFO_V1(ecomai_bn_from_bif);
PG_FUNCTION_INFO_V1(ecomai_bn_to_bif);
PG_FUNCTION_INFO_V1(ecomai_bn_to_dot);
PG_FUNCTION_INFO_V1(ecomai_bn_cpt);
PG_FUNCTION_INFO_V1(ecomai_bn_variables);

/* Compare two C strings through an index array (for duplicate detection). */
static int
cmp_names(const void *a, const void *b, void *arg)
{
	char	  **names = (char **) arg;

	return strcmp(names[*(const int *) a], names[*(const int *) b]);
}

/* Index of a name that occurs twice in names[0..n-1], or -1. */
static int
find_duplicate(char **names, int n)
{
	int		   *idx;
	int			i,
				dup = -1;

	if (n < 2)
		return -1;
	idx = palloc(sizeof(int) * n);
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_arg(idx, n, sizeof(int), cmp_names, names);
	for (i = 1; i < n && dup < 0; i++)
		if (strcmp(names[idx[i - 1]], names[idx[i]]) == 0)
			dup = idx[i];
	pfree(idx);
	return dup;
}

/*
 * Fail, naming a variable on a cycle, when the parent relation is cyclic
 * (Kahn's algorithm; then a walk up the parents of what is left reaches a
 * cycle).
 */
void
ecomai_bn_check_acyclic(int nvars, const int *nparents, int *const *parents,
						char *const *names, int errcode_sem)
{
	int		   *pending = palloc(sizeof(int) * nvars);
	int		   *nchild = palloc0(sizeof(int) * (nvars + 1));
	int		   *child;
	int		   *fill;
	int		   *queue = palloc(sizeof(int) * nvars);
	int			head = 0,
				tail = 0,
				i,
				j;

	for (i = 0; i < nvars; i++)
	{
		pending[i] = nparents[i];
		for (j = 0; j < nparents[i]; j++)
			nchild[parents[i][j] + 1]++;
	}
	for (i = 0; i < nvars; i++)
		nchild[i + 1] += nchild[i];
	child = palloc(sizeof(int) * Max(nchild[nvars], 1));
	fill = palloc(sizeof(int) * nvars);
	memcpy(fill, nchild, sizeof(int) * nvars);
	for (i = 0; i < nvars; i++)
		for (j = 0; j < nparents[i]; j++)
			child[fill[parents[i][j]]++] = i;
	for (i = 0; i < nvars; i++)
		if (pending[i] == 0)
			queue[tail++] = i;
	while (head < tail)
	{
		int			v = queue[head++];

		CHECK_FOR_INTERRUPTS();
		for (j = nchild[v]; j < nchild[v + 1]; j++)
			if (--pending[child[j]] == 0)
				queue[tail++] = child[j];
	}
	if (tail < nvars)
	{
		bool	   *seen = palloc0(sizeof(bool) * nvars);
		int			v;

		for (v = 0; pending[v] == 0; v++)
			;
		/* walk to a parent that is still pending until one repeats */
		while (!seen[v])
		{
			seen[v] = true;
			for (j = 0; j < nparents[v]; j++)
				if (pending[parents[v][j]] > 0)
					break;
			v = parents[v][j];
		}
		ereport(ERROR,
				(errcode(errcode_sem),
				 errmsg("network has a cycle through variable \"%s\"", names[v]),
				 errdetail("A Bayesian network must be a directed acyclic graph.")));
	}
	pfree(pending);
	pfree(nchild);
	pfree(child);
	pfree(fill);
	pfree(queue);
}

/* A row's parent configuration as text, e.g. "smoke=yes, asia=no". */
static char *
row_label(const BnSpec *spec, int v, int row)
{
	const BnSpecVar *var = &spec->vars[v];
	StringInfoData buf;
	int		   *digit = palloc(sizeof(int) * Max(var->nparents, 1));
	int			j,
				r = row;

	if (var->nparents == 0)
		return "no parents";
	for (j = var->nparents - 1; j >= 0; j--)
	{
		int			card = spec->vars[var->parents[j]].nstates;

		digit[j] = r % card;
		r /= card;
	}
	initStringInfo(&buf);
	for (j = 0; j < var->nparents; j++)
	{
		const BnSpecVar *p = &spec->vars[var->parents[j]];

		appendStringInfo(&buf, "%s%s=%s", j ? ", " : "", p->name, p->states[digit[j]]);
	}
	return buf.data;
}

/* Sizes of a validated network's flat layout, summed by the checks. */
typedef struct BnSizes
{
	int64		nparent_refs;
	int64		nstate_refs;
	int64		ncpt;
	int64		pool;			/* bytes of the name pool */
} BnSizes;

/*
 * Check one variable's name, states and parent list (not yet the graph or
 * the CPT), adding its names and references to sz.
 */
static void
check_variable(const BnSpec *spec, int v, int errcode_sem, BnSizes *sz)
{
	const BnSpecVar *var = &spec->vars[v];
	int			n = spec->nvars;
	int			j,
				s;

	if (var->name == NULL || var->name[0] == '\0')
		ereport(ERROR,
				(errcode(errcode_sem),
				 errmsg("variable %d has an empty name", v + 1)));
	if (var->nstates < 1 || var->nstates > BN_MAX_STATES)
		ereport(ERROR,
				(errcode(errcode_sem),
				 errmsg("variable \"%s\" has %d states", var->name, var->nstates),
				 errdetail("A variable needs between 1 and %d states.", BN_MAX_STATES)));
	for (s = 0; s < var->nstates; s++)
	{
		if (var->states[s] == NULL || var->states[s][0] == '\0')
			ereport(ERROR,
					(errcode(errcode_sem),
					 errmsg("variable \"%s\" has an empty state name", var->name)));
		sz->pool += strlen(var->states[s]) + 1;
	}
	s = find_duplicate(var->states, var->nstates);
	if (s >= 0)
		ereport(ERROR,
				(errcode(errcode_sem),
				 errmsg("variable \"%s\" has state \"%s\" twice", var->name, var->states[s])));
	if (var->nparents < 0 || var->nparents > n - 1)
		ereport(ERROR,
				(errcode(errcode_sem),
				 errmsg("variable \"%s\" has %d parents", var->name, var->nparents)));
	for (j = 0; j < var->nparents; j++)
	{
		int			k;

		if (var->parents[j] < 0 || var->parents[j] >= n)
			ereport(ERROR,
					(errcode(errcode_sem),
					 errmsg("unknown parent %d of variable \"%s\"", var->parents[j], var->name)));
		if (var->parents[j] == v)
			ereport(ERROR,
					(errcode(errcode_sem),
					 errmsg("variable \"%s\" is its own parent", var->name)));
		for (k = 0; k < j; k++)
			if (var->parents[k] == var->parents[j])
				ereport(ERROR,
						(errcode(errcode_sem),
						 errmsg("variable \"%s\" has parent \"%s\" twice", var->name,
								spec->vars[var->parents[j]].name)));
	}
	sz->pool += strlen(var->name) + 1;
	sz->nparent_refs += var->nparents;
	sz->nstate_refs += var->nstates;
}

/*
 * Check variable v's CPT: its size against its parents' states and the
 * limits, every probability in [0, 1], every row summing to 1; adds its size
 * to sz->ncpt.
 */
static void
check_cpt(const BnSpec *spec, int v, int errcode_sem, BnSizes *sz)
{
	const BnSpecVar *var = &spec->vars[v];
	int64		rows = 1;
	int			r,
				j,
				s;

	for (j = 0; j < var->nparents; j++)
	{
		rows *= spec->vars[var->parents[j]].nstates;
		if (rows * var->nstates > BN_MAX_CPT)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("CPT of variable \"%s\" has more than %d entries", var->name, BN_MAX_CPT)));
	}
	if (var->cpt == NULL || var->nrows != rows)
		ereport(ERROR,
				(errcode(errcode_sem),
				 errmsg("CPT of variable \"%s\" has %lld probabilities, expected %lld",
						var->name, (long long) (var->cpt ? (int64) var->nrows * var->nstates : 0),
						(long long) (rows * var->nstates)),
				 errdetail("It needs one row of %d probabilities per configuration of its %d parents.",
						   var->nstates, var->nparents)));
	for (r = 0; r < rows; r++)
	{
		const double *row = var->cpt + (int64) r * var->nstates;
		double		sum = 0;

		CHECK_FOR_INTERRUPTS();
		for (s = 0; s < var->nstates; s++)
		{
			if (!(row[s] >= 0.0 && row[s] <= 1.0))	/* also NaN */
				ereport(ERROR,
						(errcode(errcode_sem),
						 errmsg("probability out of range in CPT of variable \"%s\"", var->name),
						 errdetail("Row %d (%s) has %g for state \"%s\"; probabilities lie in [0, 1].",
								   r + 1, row_label(spec, v, r), row[s], var->states[s])));
			sum += row[s];
		}
		if (fabs(sum - 1.0) > BN_ROW_TOLERANCE)
			ereport(ERROR,
					(errcode(errcode_sem),
					 errmsg("CPT row of variable \"%s\" does not sum to 1", var->name),
					 errdetail("Row %d (%s) sums to %.17g.", r + 1, row_label(spec, v, r), sum),
					 errhint("Each row of a CPT must sum to 1 within %g.", BN_ROW_TOLERANCE)));
	}
	sz->ncpt += rows * var->nstates;
	if (sz->ncpt > BN_MAX_CPT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("network has more than %d probabilities", BN_MAX_CPT)));
}

/* Copy a checked network into one flat value of the sizes sz. */
static BayesNet *
lay_out(const BnSpec *spec, const BnSizes *sz)
{
	int			n = spec->nvars;
	int			v,
				j,
				s;
	int64		nparent_refs = 0,
				nstate_refs = 0,
				ncpt = 0;
	Size		off_vars,
				off_cpt,
				off_pool,
				total;
	BayesNet	header;
	BayesNet   *bn;
	BnVar	   *vars;
	int32	   *pref,
			   *sref;
	double	   *cpt;
	char	   *pp;
	int32		pos;

	off_vars = sizeof(BayesNet);
	off_cpt = TYPEALIGN(8, off_vars + sizeof(BnVar) * n + sizeof(int32) * (sz->nparent_refs + sz->nstate_refs));
	off_pool = off_cpt + sizeof(double) * sz->ncpt;
	total = off_pool + sz->pool;
	if (total > MaxAllocSize / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("network needs %zu bytes, too large for one value", total)));
	header = (BayesNet) {
		.magic = BN_MAGIC, .nvars = n, .nparent_refs = sz->nparent_refs,
		.nstate_refs = sz->nstate_refs, .ncpt = sz->ncpt, .off_cpt = off_cpt,
		.off_pool = off_pool, .pool_len = sz->pool
	};
	bn = ecomai_new_value(total, &header, sizeof(header), "Bayesian network");
	vars = BN_VARS(bn);
	pref = BN_PARENTS(bn);
	sref = BN_STATES(bn);
	cpt = BN_CPT(bn);
	pp = BN_POOL(bn);
	pos = 0;
#define POOL_ADD(str) (strcpy(pp + pos, (str)), pos += strlen(str) + 1, pos - (int32) strlen(str) - 1)
	bn->name = POOL_ADD(spec->name ? spec->name : "");
	for (v = 0; v < n; v++)
	{
		const BnSpecVar *var = &spec->vars[v];

		vars[v].name = POOL_ADD(var->name);
		vars[v].nstates = var->nstates;
		vars[v].first_state = nstate_refs;
		for (s = 0; s < var->nstates; s++)
			sref[nstate_refs++] = POOL_ADD(var->states[s]);
		vars[v].nparents = var->nparents;
		vars[v].first_parent = nparent_refs;
		for (j = 0; j < var->nparents; j++)
			pref[nparent_refs++] = var->parents[j];
		vars[v].cpt = ncpt;
		vars[v].nrows = var->nrows;
		memcpy(cpt + ncpt, var->cpt, sizeof(double) * var->nrows * var->nstates);
		ncpt += (int64) var->nrows * var->nstates;
	}
#undef POOL_ADD
	Assert(pos == sz->pool);
	return bn;
}

/*
 * Validate a network and lay it out flat.  Errors about the network's
 * meaning use errcode_sem (22023 for text input and constructors, 22P03 for
 * binary receive).
 */
BayesNet *
ecomai_bn_build(const BnSpec *spec, int errcode_sem)
{
	int			n = spec->nvars;
	int			v;
	BnSizes		sz = {0, 0, 0, 0};
	char	  **names;
	int		   *nparents;
	int		  **parents;

	if (n < 1)
		ereport(ERROR,
				(errcode(errcode_sem),
				 errmsg("network has no variables")));
	if (n > BN_MAX_VARS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("network has %d variables, more than the limit of %d", n, BN_MAX_VARS)));
	names = palloc(sizeof(char *) * n);
	nparents = palloc(sizeof(int) * n);
	parents = palloc(sizeof(int *) * n);
	sz.pool += strlen(spec->name ? spec->name : "") + 1;
	for (v = 0; v < n; v++)
	{
		CHECK_FOR_INTERRUPTS();
		check_variable(spec, v, errcode_sem, &sz);
		names[v] = spec->vars[v].name;
		nparents[v] = spec->vars[v].nparents;
		parents[v] = spec->vars[v].parents;
	}
	v = find_duplicate(names, n);
	if (v >= 0)
		ereport(ERROR,
				(errcode(errcode_sem),
				 errmsg("variable \"%s\" is declared twice", names[v])));
	ecomai_bn_check_acyclic(n, nparents, parents, names, errcode_sem);

	for (v = 0; v < n; v++)
		check_cpt(spec, v, errcode_sem, &sz);

	return lay_out(spec, &sz);
}

/* Index of a variable by name, or -1. */
int
ecomai_bn_find_var(const BayesNet *bn, const char *name)
{
	int			v;

	for (v = 0; v < bn->nvars; v++)
		if (strcmp(BN_VAR_NAME(bn, v), name) == 0)
			return v;
	return -1;
}

/* Index of a state of variable v by name, or -1. */
int
ecomai_bn_find_state(const BayesNet *bn, int v, const char *name)
{
	int			s;

	for (s = 0; s < BN_VARS(bn)[v].nstates; s++)
		if (strcmp(BN_STATE_NAME(bn, v, s), name) == 0)
			return s;
	return -1;
}

/* Index of a variable by name; ERROR 22023 when the network has none such. */
int
ecomai_bn_lookup_var(const BayesNet *bn, const char *name)
{
	int			v = ecomai_bn_find_var(bn, name);

	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown variable \"%s\"", name),
				 errhint("bn_variables(network) lists the variables.")));
	return v;
}

/* Index of a state of variable v by name; ERROR 22023 when unknown. */
int
ecomai_bn_lookup_state(const BayesNet *bn, int v, const char *name)
{
	int			s = ecomai_bn_find_state(bn, v, name);

	if (s < 0)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (s = 0; s < BN_VARS(bn)[v].nstates; s++)
			appendStringInfo(&buf, "%s%s", s ? ", " : "", BN_STATE_NAME(bn, v, s));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown state \"%s\" of variable \"%s\"", name, BN_VAR_NAME(bn, v)),
				 errdetail("Its states are: %s.", buf.data)));
	}
	return s;
}

/* Fill order[] with the variables so that parents come before children. */
void
ecomai_bn_topo_order(const BayesNet *bn, int *order)
{
	int			n = bn->nvars;
	bool	   *done = palloc0(sizeof(bool) * n);
	int			k = 0;

	/* networks are small: repeated sweeps are simpler than Kahn here */
	while (k < n)
	{
		int			v;

		CHECK_FOR_INTERRUPTS();
		for (v = 0; v < n; v++)
		{
			int			j;
			const int32 *par = BN_VAR_PARENTS(bn, v);

			if (done[v])
				continue;
			for (j = 0; j < BN_VARS(bn)[v].nparents; j++)
				if (!done[par[j]])
					break;
			if (j == BN_VARS(bn)[v].nparents)
			{
				done[v] = true;
				order[k++] = v;
			}
		}
	}
	pfree(done);
}

/* The network in BIF text, parsed and validated (22023 for its meaning). */
static BayesNet *
network_from_bif(const char *str)
{
	return ecomai_bn_build(ecomai_bif_parse(str), ERRCODE_INVALID_PARAMETER_VALUE);
}

/* Text input: a network in BIF. */
Datum
ecomai_bayesnet_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(network_from_bif(PG_GETARG_CSTRING(0)));
}

/* bn_from_bif(text): parse and validate a BIF network. */
Datum
ecomai_bn_from_bif(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(network_from_bif(text_to_cstring(PG_GETARG_TEXT_PP(0))));
}

/* The network as BIF, doubles in shortest exact form. */
static StringInfo
network_to_bif(const BayesNet *bn)
{
	StringInfo	buf = makeStringInfo();

	ecomai_bif_print(buf, bn);
	return buf;
}

/* Text output: the network in BIF, doubles in shortest exact form. */
Datum
ecomai_bayesnet_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(network_to_bif(PG_GETARG_BAYESNET(0))->data);
}

/* bn_to_bif(bayesnet): the network as BIF text. */
Datum
ecomai_bn_to_bif(PG_FUNCTION_ARGS)
{
	StringInfo	buf = network_to_bif(PG_GETARG_BAYESNET(0));

	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf->data, buf->len));
}

/* Send a length-prefixed string. */
static void
send_string(StringInfo buf, const char *s)
{
	int			len = strlen(s);

	pq_sendint32(buf, len);
	pq_sendbytes(buf, s, len);
}

/*
 * Binary output: magic, name, number of variables, then per variable its
 * name, states, parent indexes and CPT (a count, then the doubles).
 */
Datum
ecomai_bayesnet_send(PG_FUNCTION_ARGS)
{
	BayesNet   *bn = PG_GETARG_BAYESNET(0);
	StringInfoData buf;
	int			v,
				j;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, BN_MAGIC);
	send_string(&buf, BN_POOL(bn) + bn->name);
	pq_sendint32(&buf, bn->nvars);
	for (v = 0; v < bn->nvars; v++)
	{
		BnVar	   *var = &BN_VARS(bn)[v];
		int			ncpt = var->nrows * var->nstates;

		send_string(&buf, BN_VAR_NAME(bn, v));
		pq_sendint32(&buf, var->nstates);
		for (j = 0; j < var->nstates; j++)
			send_string(&buf, BN_STATE_NAME(bn, v, j));
		pq_sendint32(&buf, var->nparents);
		for (j = 0; j < var->nparents; j++)
			pq_sendint32(&buf, BN_VAR_PARENTS(bn, v)[j]);
		pq_sendint32(&buf, ncpt);
		for (j = 0; j < ncpt; j++)
			pq_sendfloat8(&buf, BN_VAR_CPT(bn, v)[j]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Raise the error for corrupt binary input. */
static void
bad_binary(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary bayesnet: %s", what)));
}

/* Read an int32 in [lo, hi] from binary input. */
static int
recv_int(StringInfo buf, int lo, int hi, const char *what)
{
	int32		x;

	if (buf->len - buf->cursor < 4)
		bad_binary("truncated");
	x = pq_getmsgint(buf, 4);
	if (x < lo || x > hi)
		bad_binary(what);
	return x;
}

/* Read a length-prefixed string (valid in the database encoding, no NUL). */
static char *
recv_string(StringInfo buf)
{
	int			len = recv_int(buf, 0, buf->len - buf->cursor - 4 >= 0 ? buf->len - buf->cursor - 4 : 0,
							   "bad string length");
	char	   *s = palloc(len + 1);

	memcpy(s, buf->data + buf->cursor, len);
	s[len] = '\0';
	buf->cursor += len;
	if (strlen(s) != len || !pg_verify_mbstr(GetDatabaseEncoding(), s, len, true))
		bad_binary("bad string");
	return s;
}

/* Binary input: read the send format, then validate it like text input. */
Datum
ecomai_bayesnet_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	BnSpec		spec;
	int			v,
				j;

	if (recv_int(buf, PG_INT32_MIN, PG_INT32_MAX, "") != (int32) BN_MAGIC)
		bad_binary("unknown format version");
	spec.name = recv_string(buf);
	/* every variable takes at least 16 bytes: bounds the allocation */
	spec.nvars = recv_int(buf, 1, Min(BN_MAX_VARS, (buf->len - buf->cursor) / 16), "bad number of variables");
	spec.vars = palloc0(sizeof(BnSpecVar) * spec.nvars);
	for (v = 0; v < spec.nvars; v++)
	{
		BnSpecVar  *var = &spec.vars[v];
		int			ncpt;

		CHECK_FOR_INTERRUPTS();
		var->name = recv_string(buf);
		var->nstates = recv_int(buf, 1, Min(BN_MAX_STATES, (buf->len - buf->cursor) / 4), "bad number of states");
		var->states = palloc(sizeof(char *) * var->nstates);
		for (j = 0; j < var->nstates; j++)
			var->states[j] = recv_string(buf);
		var->nparents = recv_int(buf, 0, Min(spec.nvars - 1, (buf->len - buf->cursor) / 4), "bad number of parents");
		var->parents = palloc(sizeof(int) * Max(var->nparents, 1));
		for (j = 0; j < var->nparents; j++)
			var->parents[j] = recv_int(buf, 0, spec.nvars - 1, "parent index out of range");
		ncpt = recv_int(buf, 1, Min(BN_MAX_CPT, Max(buf->len - buf->cursor - 4, 0) / 8), "bad CPT size");
		if (ncpt % var->nstates != 0)
			bad_binary("CPT size is not a multiple of the number of states");
		var->nrows = ncpt / var->nstates;
		var->cpt = palloc(sizeof(double) * ncpt);
		for (j = 0; j < ncpt; j++)
			var->cpt[j] = pq_getmsgfloat8(buf);
	}
	if (buf->cursor != buf->len)
		bad_binary("trailing bytes");
	PG_RETURN_POINTER(ecomai_bn_build(&spec, ERRCODE_INVALID_BINARY_REPRESENTATION));
}

/*
 * bn_to_dot(bayesnet, highlight): the DAG in Graphviz dot; the highlight
 * variables (a query's target and evidence, say) are filled, each in its own
 * colour, and so are the edges out of them.  Called through the 0.2.0
 * declaration it has one argument.
 */
Datum
ecomai_bn_to_dot(PG_FUNCTION_ARGS)
{
	static const char *const colors[][2] = {
		{"#b7e4c7", "#2d6a4f"}, {"#f4c7c3", "#c0392b"}, {"#c6dbef", "#2171b5"},
		{"#fde2a7", "#b8860b"}, {"#d9c9e8", "#6a3d9a"}
	};
	BayesNet   *bn = PG_GETARG_BAYESNET(0);
	StringInfoData buf;
	int		   *color = palloc(sizeof(int) * Max(bn->nvars, 1));
	int			v,
				j;

	for (v = 0; v < bn->nvars; v++)
		color[v] = -1;
	if (PG_NARGS() > 1)
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(1);
		Datum	   *names;
		bool	   *nulls;
		int			n;

		if (ARR_NDIM(a) > 1)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("highlight must be a one-dimensional array")));
		deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &names, &nulls, &n);
		for (j = 0; j < n; j++)
		{
			if (nulls[j])
				ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
								errmsg("highlight must not contain nulls")));
			v = ecomai_bn_lookup_var(bn, TextDatumGetCString(names[j]));
			if (color[v] < 0)
				color[v] = j % lengthof(colors);
		}
	}

	initStringInfo(&buf);
	appendStringInfoString(&buf, "digraph ");
	ecomai_append_dot_string(&buf, BN_POOL(bn) + bn->name, " ");
	appendStringInfoString(&buf, " {\n");
	for (v = 0; v < bn->nvars; v++)
	{
		appendStringInfoString(&buf, "  ");
		ecomai_append_dot_string(&buf, BN_VAR_NAME(bn, v), " ");
		if (color[v] >= 0)
			appendStringInfo(&buf, " [style=filled, fillcolor=\"%s\"]", colors[color[v]][0]);
		appendStringInfoString(&buf, ";\n");
	}
	for (v = 0; v < bn->nvars; v++)
		for (j = 0; j < BN_VARS(bn)[v].nparents; j++)
		{
			int			parent = BN_VAR_PARENTS(bn, v)[j];

			appendStringInfoString(&buf, "  ");
			ecomai_append_dot_string(&buf, BN_VAR_NAME(bn, parent), " ");
			appendStringInfoString(&buf, " -> ");
			ecomai_append_dot_string(&buf, BN_VAR_NAME(bn, v), " ");
			if (color[parent] >= 0)
				appendStringInfo(&buf, " [color=\"%s\", penwidth=2]", colors[color[parent]][1]);
			appendStringInfoString(&buf, ";\n");
		}
	appendStringInfoString(&buf, "}\n");
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/* Push one "key": "string" pair into a jsonb object under construction. */
void
ecomai_jsonb_push_string(JsonbParseState **st, const char *key, const char *val)
{
	JsonbValue	k,
				x;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	x.type = jbvString;
	x.val.string.val = (char *) val;
	x.val.string.len = strlen(val);
	pushJsonbValue(st, WJB_KEY, &k);
	pushJsonbValue(st, WJB_VALUE, &x);
}

/*
 * bn_cpt(bayesnet, variable): one row per parent configuration and state,
 * the configuration as jsonb {"parent": "state"} ({} for a root).
 */
Datum
ecomai_bn_cpt(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	BayesNet   *bn = PG_GETARG_BAYESNET(0);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int			v = ecomai_bn_lookup_var(bn, name);
	BnVar	   *var = &BN_VARS(bn)[v];
	const int32 *par = BN_VAR_PARENTS(bn, v);
	int		   *digit = palloc0(sizeof(int) * Max(var->nparents, 1));
	int			r,
				s,
				j;

	for (r = 0; r < var->nrows; r++)
	{
		JsonbParseState *st = NULL;
		JsonbValue *res;
		Jsonb	   *cfg;
		int			rr = r;

		CHECK_FOR_INTERRUPTS();
		for (j = var->nparents - 1; j >= 0; j--)
		{
			digit[j] = rr % BN_VARS(bn)[par[j]].nstates;
			rr /= BN_VARS(bn)[par[j]].nstates;
		}
		pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		for (j = 0; j < var->nparents; j++)
			ecomai_jsonb_push_string(&st, BN_VAR_NAME(bn, par[j]), BN_STATE_NAME(bn, par[j], digit[j]));
		res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
		cfg = JsonbValueToJsonb(res);
		for (s = 0; s < var->nstates; s++)
		{
			Datum		values[3];

			values[0] = JsonbPGetDatum(cfg);
			values[1] = CStringGetTextDatum(BN_STATE_NAME(bn, v, s));
			values[2] = Float8GetDatum(BN_VAR_CPT(bn, v)[(int64) r * var->nstates + s]);
			ecomai_srf_row(rsinfo, values);
		}
	}
	return (Datum) 0;
}

/* The names of variable v's states (states true) or of its parents, as a text[]. */
static Datum
names_array(const BayesNet *bn, int v, bool states)
{
	int			n = states ? BN_VARS(bn)[v].nstates : BN_VARS(bn)[v].nparents;
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int j = 0; j < n; j++)
		d[j] = CStringGetTextDatum(states ? BN_STATE_NAME(bn, v, j) :
								   BN_VAR_NAME(bn, BN_VAR_PARENTS(bn, v)[j]));
	return PointerGetDatum(construct_array(d, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* bn_variables(bayesnet): each variable with its states and parents, in order. */
Datum
ecomai_bn_variables(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	BayesNet   *bn = PG_GETARG_BAYESNET(0);

	for (int v = 0; v < bn->nvars; v++)
	{
		Datum		values[3];

		CHECK_FOR_INTERRUPTS();
		values[0] = CStringGetTextDatum(BN_VAR_NAME(bn, v));
		values[1] = names_array(bn, v, true);
		values[2] = names_array(bn, v, false);
		ecomai_srf_row(rsinfo, values);
	}
	return (Datum) 0;
}
