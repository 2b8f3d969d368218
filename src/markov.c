/*
 * markov.c
 *	  The markov_chain type: canonical building, text and binary I/O, the
 *	  in-place growing aggregate state (an expanded object), and the
 *	  aggregates and constructors that produce chains: markov_fit,
 *	  markov_merge, markov_path, markov_fit_paths, markov_from_matrix,
 *	  markov_smooth; plus the per-path heuristic touch_attribution.
 *
 * The aggregate state is the chain type itself, so Citus and parallel query
 * can ship partial chains as text and combine them.  While an aggregate runs
 * the chain lives as an expanded object in the aggregate context: a hash of
 * state names to indexes and a hash of (from, to) to weight, updated in place
 * per row.  It is flattened (sorted, canonical) only when it leaves the
 * aggregate.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "agg_state.h"
#include "ecomai.h"
#include "markov.h"
#include "srf.h"

PG_FUNCTION_INFO_V1(ecomai_markov_in);
PG_FUNCTION_INFO_V1(ecomai_markov_out);
PG_FUNCTION_INFO_V1(ecomai_markov_recv);
PG_FUNCTION_INFO_V1(ecomai_markov_send);
PG_FUNCTION_INFO_V1(ecomai_markov_fit_accum);
PG_FUNCTION_INFO_V1(ecomai_markov_combine);
PG_FUNCTION_INFO_V1(ecomai_markov_final);
PG_FUNCTION_INFO_V1(ecomai_markov_path_accum);
PG_FUNCTION_INFO_V1(ecomai_markov_path_final);
PG_FUNCTION_INFO_V1(ecomai_markov_fit_paths_accum);
PG_FUNCTION_INFO_V1(ecomai_markov_from_matrix);
PG_FUNCTION_INFO_V1(ecomai_markov_smooth);
PG_FUNCTION_INFO_V1(ecomai_touch_attribution);

#define CONVERSION_STATE	"(conversion)"
#define NULL_STATE			"(null)"

/* ---------------------------------------------------------------------
 * Canonical building
 * --------------------------------------------------------------------- */

/* qsort_arg comparator: state indexes by the bytes of their names. */
int
ecomai_markov_cmp_name_index(const void *a, const void *b, void *arg)
{
	char	  **names = (char **) arg;

	return strcmp(names[*(const int *) a], names[*(const int *) b]);
}

/* qsort comparator: transitions by (from, to). */
int
ecomai_markov_cmp_triple(const void *a, const void *b)
{
	const MarkovTriple *x = a;
	const MarkovTriple *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return 0;
}

/*
 * ecomai_markov_build, phase 1: the distinct state names in byte order.
 * uniq[i] gets the index of input state i among them (a repeated name is an
 * error unless merge); uname the distinct names; returns their number.
 */
static int
markov_distinct_states(int nstates, char **names, bool merge, int sqlstate,
					   int *uniq, char **uname)
{
	int		   *perm = palloc(sizeof(int) * Max(nstates, 1));
	int			nuniq = 0;
	int			i;

	for (i = 0; i < nstates; i++)
		perm[i] = i;
	qsort_arg(perm, nstates, sizeof(int), ecomai_markov_cmp_name_index, names);
	for (i = 0; i < nstates; i++)
	{
		if (i > 0 && strcmp(names[perm[i]], names[perm[i - 1]]) == 0)
		{
			if (!merge)
				ereport(ERROR, (errcode(sqlstate),
								errmsg("duplicate state \"%s\" in markov chain", names[perm[i]])));
			uniq[perm[i]] = nuniq - 1;
		}
		else
		{
			uname[nuniq] = names[perm[i]];
			uniq[perm[i]] = nuniq++;
		}
	}
	pfree(perm);
	return nuniq;
}

/*
 * ecomai_markov_build, phase 2: the transitions over distinct states into t,
 * sorted, duplicates summed (merge) or rejected; returns their number.
 */
static int
markov_distinct_transitions(int nstates, char **names, const int *uniq, char **uname,
							int ntrans, const MarkovTriple *triples, bool merge,
							int sqlstate, MarkovTriple *t)
{
	int			nt = 0;
	int			i;

	for (i = 0; i < ntrans; i++)
	{
		if (triples[i].from < 0 || triples[i].from >= nstates ||
			triples[i].to < 0 || triples[i].to >= nstates)
			ereport(ERROR, (errcode(sqlstate),
							errmsg("markov chain transition refers to a state out of range")));
		if (!isfinite(triples[i].weight) || triples[i].weight <= 0)
			ereport(ERROR, (errcode(sqlstate),
							errmsg("transition weight from \"%s\" to \"%s\" must be finite and positive",
								   names[triples[i].from], names[triples[i].to])));
		t[i].from = uniq[triples[i].from];
		t[i].to = uniq[triples[i].to];
		t[i].weight = triples[i].weight;
	}
	qsort(t, ntrans, sizeof(MarkovTriple), ecomai_markov_cmp_triple);
	for (i = 0; i < ntrans; i++)
	{
		if (nt > 0 && t[nt - 1].from == t[i].from && t[nt - 1].to == t[i].to)
		{
			if (!merge)
				ereport(ERROR, (errcode(sqlstate),
								errmsg("duplicate transition from \"%s\" to \"%s\" in markov chain",
									   uname[t[i].from], uname[t[i].to])));
			t[nt - 1].weight += t[i].weight;
			if (!isfinite(t[nt - 1].weight))
				ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
								errmsg("transition count is out of range for type double precision")));
		}
		else
			t[nt++] = t[i];
	}
	return nt;
}

/*
 * ecomai_markov_build, phase 3: the flat chain of the nt sorted transitions t
 * over the nuniq distinct names uname, keeping only the states they use.
 */
static MarkovChain *
markov_assemble(int order, double smoothing, int nuniq, char **uname,
				int nt, const MarkovTriple *t)
{
	int		   *final;			/* distinct index -> final index, -1 if unused */
	int			nfinal = 0;
	Size		namebytes = 0;
	Size		size;
	MarkovChain header;
	MarkovChain *m;
	char	   *p;
	int			i,
				k = 0;

	final = palloc(sizeof(int) * Max(nuniq, 1));
	for (i = 0; i < nuniq; i++)
		final[i] = -1;
	for (i = 0; i < nt; i++)
		final[t[i].from] = final[t[i].to] = 0;
	for (i = 0; i < nuniq; i++)
		if (final[i] == 0)
		{
			final[i] = nfinal++;
			namebytes += strlen(uname[i]) + 1;
		}

	size = MAXALIGN(sizeof(MarkovChain)) + (Size) nt * (sizeof(float8) + 2 * sizeof(int32)) +
		(Size) nfinal * sizeof(int32) + namebytes;
	header = (MarkovChain) {
		.version = MARKOV_VERSION, .order = order, .nstates = nfinal, .ntrans = nt,
		.namebytes = namebytes, .smoothing = smoothing
	};
	m = ecomai_new_value(size, &header, sizeof(header), "markov chain");
	for (i = 0; i < nt; i++)
	{
		MC_WEIGHT(m)[i] = t[i].weight;
		MC_FROM(m)[i] = final[t[i].from];
		MC_TO(m)[i] = final[t[i].to];
	}
	p = MC_NAMES(m);
	for (i = 0; i < nuniq; i++)
		if (final[i] >= 0)
		{
			Size		len = strlen(uname[i]) + 1;

			MC_NAMEOFF(m)[k++] = p - MC_NAMES(m);
			memcpy(p, uname[i], len);
			p += len;
		}
	pfree(final);
	return m;
}

/* Build the canonical flat chain (see markov.h). */
MarkovChain *
ecomai_markov_build(int order, double smoothing, int nstates, char **names,
					int ntrans, MarkovTriple *triples, bool merge, int sqlstate)
{
	int		   *uniq;			/* input state -> index among distinct names */
	char	  **uname;
	int			nuniq;
	MarkovTriple *t;
	int			nt;
	MarkovChain *m;

	if (order < 1 || order > MARKOV_MAX_ORDER)
		ereport(ERROR, (errcode(sqlstate),
						errmsg("markov chain order must be between 1 and %d, not %d",
							   MARKOV_MAX_ORDER, order)));
	if (!isfinite(smoothing) || smoothing < 0)
		ereport(ERROR, (errcode(sqlstate),
						errmsg("smoothing must be finite and non-negative")));
	if (nstates > MARKOV_MAX_STATES)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("markov chain has more than %d states", MARKOV_MAX_STATES)));

	uniq = palloc(sizeof(int) * Max(nstates, 1));
	uname = palloc(sizeof(char *) * Max(nstates, 1));
	nuniq = markov_distinct_states(nstates, names, merge, sqlstate, uniq, uname);
	t = palloc(sizeof(MarkovTriple) * Max(ntrans, 1));
	nt = markov_distinct_transitions(nstates, names, uniq, uname, ntrans, triples,
									 merge, sqlstate, t);
	m = markov_assemble(order, smoothing, nuniq, uname, nt, t);
	pfree(uniq);
	pfree(uname);
	pfree(t);
	return m;
}

/* Index of a state name in a chain (binary search), or -1. */
int
ecomai_markov_find(const MarkovChain *m, const char *name)
{
	int			lo = 0,
				hi = m->nstates - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = strcmp(MC_NAME(m, mid), name);

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
 * ERROR 22023 "unknown WHAT "name"" with a detail listing a few of the
 * chain's states: one wording for every Markov function.
 */
void
ecomai_markov_unknown_state(const MarkovChain *m, const char *name, const char *what)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < m->nstates && i < 5; i++)
	{
		appendStringInfoString(&buf, i ? ", " : "");
		appendStringInfoString(&buf, quote_literal_cstr(MC_NAME(m, i)));
	}
	if (m->nstates > 5)
		appendStringInfo(&buf, " and %d more", m->nstates - 5);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown %s \"%s\"", what, name),
			 m->nstates == 0 ? errdetail("The chain has no states.") :
			 errdetail("The chain's states are %s.", buf.data),
			 errhint("State names are case sensitive; list them with markov_matrix.")));
}

/* Index of a state name in a chain; ERROR 22023 naming it, with a few known states, if absent. */
int
ecomai_markov_lookup(const MarkovChain *m, const char *name)
{
	int			i = ecomai_markov_find(m, name);

	if (i < 0)
		ecomai_markov_unknown_state(m, name, "state");
	return i;
}

/* Split "a > b > c" into trimmed channels, optionally collapsing repeats. */
int
ecomai_markov_split_path(const char *path, bool collapse, char ***out)
{
	int			cap = 8,
				n = 0;
	char	  **res = palloc(sizeof(char *) * cap);
	const char *p = path;

	for (;;)
	{
		const char *end = strchr(p, '>');
		const char *s = p;
		const char *e = end ? end : p + strlen(p);
		char	   *ch;

		while (s < e && isspace((unsigned char) *s))
			s++;
		while (e > s && isspace((unsigned char) e[-1]))
			e--;
		if (e == s)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("path \"%s\" has an empty channel", path),
					 errdetail("Channels are separated by \">\" and may not be empty.")));
		ch = pnstrdup(s, e - s);
		if (collapse && n > 0 && strcmp(res[n - 1], ch) == 0)
			pfree(ch);
		else
		{
			if (n == cap)
			{
				cap *= 2;
				res = repalloc(res, sizeof(char *) * cap);
			}
			res[n++] = ch;
		}
		if (!end)
			break;
		p = end + 1;
	}
	*out = res;
	return n;
}

/* ---------------------------------------------------------------------
 * Text I/O: {"order":1,"smoothing":0,"transitions":[["a","b",3],...]}
 * --------------------------------------------------------------------- */

/* Raise the text-input error with a detail sentence. */
static void
markov_syntax_error(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type markov_chain"),
			 errdetail("%s", detail),
			 errhint("The text form is {\"order\":1,\"smoothing\":0,\"transitions\":[[\"from\",\"to\",weight],...]}.")));
}

/* A JSON number as a double (exact: numeric keeps the decimal digits). */
static double
jsonb_number(JsonbValue *v, const char *what)
{
	if (v->type != jbvNumeric)
		markov_syntax_error(psprintf("The %s must be a number.", what));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

/* Parse and validate the text form. */
Datum
ecomai_markov_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(str)));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;
	int			order = 1;
	double		smoothing = 0;
	JsonbContainer *trans = NULL;
	int			n,
				i;
	char	  **names;
	MarkovTriple *triples;

	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		markov_syntax_error("A markov chain is a JSON object.");
	it = JsonbIteratorInit(&jb->root);
	r = JsonbIteratorNext(&it, &v, true);
	while ((r = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		JsonbValue	val;

		if (r != WJB_KEY)
			continue;			/* WJB_END_OBJECT */
		key = pnstrdup(v.val.string.val, v.val.string.len);
		r = JsonbIteratorNext(&it, &val, true);
		if (strcmp(key, "order") == 0)
		{
			double		d = jsonb_number(&val, "order");

			if (d != floor(d) || d < 1 || d > MARKOV_MAX_ORDER)
				markov_syntax_error(psprintf("The order must be an integer between 1 and %d.", MARKOV_MAX_ORDER));
			order = (int) d;
		}
		else if (strcmp(key, "smoothing") == 0)
		{
			smoothing = jsonb_number(&val, "smoothing");
			if (!isfinite(smoothing) || smoothing < 0)
				markov_syntax_error("The smoothing must be finite and non-negative.");
		}
		else if (strcmp(key, "transitions") == 0)
		{
			if (val.type != jbvBinary || !JsonContainerIsArray(val.val.binary.data))
				markov_syntax_error("The transitions must be an array.");
			trans = val.val.binary.data;
		}
		else
			markov_syntax_error(psprintf("Unknown key \"%s\".", key));
	}
	if (trans == NULL)
		markov_syntax_error("The key \"transitions\" is missing.");

	n = JsonContainerSize(trans);
	if (n > MaxAllocSize / (2 * sizeof(char *)))
		markov_syntax_error("Too many transitions.");
	names = palloc(sizeof(char *) * Max(2 * n, 1));
	triples = palloc(sizeof(MarkovTriple) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(trans, i);
		JsonbValue *f,
				   *t,
				   *w;

		CHECK_FOR_INTERRUPTS();
		if (e->type != jbvBinary || !JsonContainerIsArray(e->val.binary.data) ||
			JsonContainerSize(e->val.binary.data) != 3)
			markov_syntax_error(psprintf("Transition %d must be an array [from, to, weight].", i + 1));
		f = getIthJsonbValueFromContainer(e->val.binary.data, 0);
		t = getIthJsonbValueFromContainer(e->val.binary.data, 1);
		w = getIthJsonbValueFromContainer(e->val.binary.data, 2);
		if (f->type != jbvString || t->type != jbvString)
			markov_syntax_error(psprintf("The states of transition %d must be strings.", i + 1));
		names[2 * i] = pnstrdup(f->val.string.val, f->val.string.len);
		names[2 * i + 1] = pnstrdup(t->val.string.val, t->val.string.len);
		if (strlen(names[2 * i]) != f->val.string.len || strlen(names[2 * i + 1]) != t->val.string.len)
			markov_syntax_error("A state name may not contain a NUL character.");
		triples[i].from = 2 * i;
		triples[i].to = 2 * i + 1;
		triples[i].weight = jsonb_number(w, "transition weight");
		if (!isfinite(triples[i].weight) || triples[i].weight <= 0)
			markov_syntax_error(psprintf("The weight of transition %d must be finite and positive.", i + 1));
	}

	/* names repeat across transitions, so merge them; duplicate transitions stay errors */
	{
		MarkovChain *m;
		int			nt;

		m = ecomai_markov_build(order, smoothing, 2 * n, names, n, triples, true,
								ERRCODE_INVALID_TEXT_REPRESENTATION);
		/* a transition listed twice was summed by the merge: reject it instead */
		nt = m->ntrans;
		if (nt != n)
			markov_syntax_error("A transition is listed more than once.");
		PG_RETURN_POINTER(m);
	}
}

/* Canonical text: states and transitions in byte order of the names. */
Datum
ecomai_markov_out(PG_FUNCTION_ARGS)
{
	MarkovChain *m = PG_GETARG_MARKOV(0);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"order\":%d,\"smoothing\":", m->order);
	ecomai_append_double(&buf, m->smoothing);
	appendStringInfoString(&buf, ",\"transitions\":[");
	for (i = 0; i < m->ntrans; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoChar(&buf, '[');
		escape_json(&buf, MC_NAME(m, MC_FROM(m)[i]));
		appendStringInfoChar(&buf, ',');
		escape_json(&buf, MC_NAME(m, MC_TO(m)[i]));
		appendStringInfoChar(&buf, ',');
		ecomai_append_double(&buf, MC_WEIGHT(m)[i]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

/* Raise the binary-input error. */
static void
markov_binary_error(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary markov_chain"),
			 errdetail("%s", detail)));
}

/* Read a length-checked int32 from a message, failing cleanly when short. */
static int32
recv_int32(StringInfo buf)
{
	if (buf->len - buf->cursor < 4)
		markov_binary_error("The value is truncated.");
	return pq_getmsgint(buf, 4);
}

/*
 * Binary input: version, order, smoothing, states, transitions.  Everything
 * is checked; the canonical form (sorted, unique, every state used) is
 * required, so that a value read back has the bytes it was sent with.
 */
Datum
ecomai_markov_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version,
				order,
				nstates,
				ntrans,
				i;
	double		smoothing;
	char	  **names;
	MarkovTriple *triples;
	MarkovChain *m;

	version = recv_int32(buf);
	if (version != MARKOV_VERSION)
		markov_binary_error(psprintf("Unknown version %d.", version));
	order = recv_int32(buf);
	if (order < 1 || order > MARKOV_MAX_ORDER)
		markov_binary_error(psprintf("Order %d is out of range.", order));
	if (buf->len - buf->cursor < 8)
		markov_binary_error("The value is truncated.");
	smoothing = pq_getmsgfloat8(buf);
	if (!isfinite(smoothing) || smoothing < 0)
		markov_binary_error("The smoothing must be finite and non-negative.");
	nstates = recv_int32(buf);
	if (nstates < 0 || nstates > (buf->len - buf->cursor) / 4)
		markov_binary_error("The state count does not match the length of the value.");
	names = palloc(sizeof(char *) * Max(nstates, 1));
	for (i = 0; i < nstates; i++)
	{
		int			len = recv_int32(buf);

		if (len < 0 || len > buf->len - buf->cursor)
			markov_binary_error("A state name is truncated.");
		{
			const char *raw = pq_getmsgbytes(buf, len);

			if (memchr(raw, '\0', len) != NULL)
				markov_binary_error("A state name may not contain a NUL character.");
			/* converts from the client encoding and verifies the bytes */
			names[i] = pg_client_to_server(pnstrdup(raw, len), len);
		}
		if (i > 0 && strcmp(names[i - 1], names[i]) >= 0)
			markov_binary_error("The states are not sorted and unique.");
	}
	ntrans = recv_int32(buf);
	if (ntrans < 0 || ntrans > (buf->len - buf->cursor) / 16)
		markov_binary_error("The transition count does not match the length of the value.");
	triples = palloc(sizeof(MarkovTriple) * Max(ntrans, 1));
	for (i = 0; i < ntrans; i++)
	{
		triples[i].from = recv_int32(buf);
		triples[i].to = recv_int32(buf);
		triples[i].weight = pq_getmsgfloat8(buf);
		if (triples[i].from < 0 || triples[i].from >= nstates ||
			triples[i].to < 0 || triples[i].to >= nstates)
			markov_binary_error("A transition refers to a state out of range.");
		if (!isfinite(triples[i].weight) || triples[i].weight <= 0)
			markov_binary_error("A transition weight is not finite and positive.");
		if (i > 0 && ecomai_markov_cmp_triple(&triples[i - 1], &triples[i]) >= 0)
			markov_binary_error("The transitions are not sorted and unique.");
	}
	if (buf->cursor != buf->len)
		markov_binary_error("The value has trailing bytes.");
	m = ecomai_markov_build(order, smoothing, nstates, names, ntrans, triples, false,
							ERRCODE_INVALID_BINARY_REPRESENTATION);
	if (m->nstates != nstates)
		markov_binary_error("A state is used by no transition.");
	PG_RETURN_POINTER(m);
}

/* Binary output, the mirror of recv. */
Datum
ecomai_markov_send(PG_FUNCTION_ARGS)
{
	MarkovChain *m = PG_GETARG_MARKOV(0);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, m->version);
	pq_sendint32(&buf, m->order);
	pq_sendfloat8(&buf, m->smoothing);
	pq_sendint32(&buf, m->nstates);
	for (i = 0; i < m->nstates; i++)
	{
		const char *s = MC_NAME(m, i);
		char	   *c = pg_server_to_client(s, strlen(s));
		int			len = strlen(c);

		pq_sendint32(&buf, len);
		pq_sendbytes(&buf, c, len);
	}
	pq_sendint32(&buf, m->ntrans);
	for (i = 0; i < m->ntrans; i++)
	{
		pq_sendint32(&buf, MC_FROM(m)[i]);
		pq_sendint32(&buf, MC_TO(m)[i]);
		pq_sendfloat8(&buf, MC_WEIGHT(m)[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------------
 * The expanded (growing) form used as aggregate state
 * --------------------------------------------------------------------- */

typedef struct NameKey
{
	const char *s;
	uint32		len;
} NameKey;

typedef struct NameEntry
{
	NameKey		key;
	uint32		hash;
	int32		index;
	char		status;
} NameEntry;

#define SH_PREFIX		mknames
#define SH_ELEMENT_TYPE NameEntry
#define SH_KEY_TYPE		NameKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k)	hash_bytes((const unsigned char *) (k).s, (k).len)
#define SH_EQUAL(tb, a, b)	((a).len == (b).len && memcmp((a).s, (b).s, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct PairEntry
{
	uint64		key;			/* from << 32 | to */
	double		weight;
	char		status;
} PairEntry;

/* A cheap, well-mixed hash of a (from, to) pair: ecomai's one 64-bit mixer. */
static inline uint32
pair_hash(uint64 x)
{
	return (uint32) ecomai_mix64(x);
}

#define SH_PREFIX		mkpairs
#define SH_ELEMENT_TYPE PairEntry
#define SH_KEY_TYPE		uint64
#define SH_KEY			key
#define SH_HASH_KEY(tb, k)	pair_hash(k)
#define SH_EQUAL(tb, a, b)	((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct MarkovExpanded
{
	ExpandedObjectHeader hdr;
	int			order;
	double		smoothing;
	int			nstates;
	int			maxstates;
	char	  **names;			/* by index, NUL-terminated, in the object's context */
	uint32	   *lens;
	Size		namebytes;
	mknames_hash *byname;
	mkpairs_hash *pairs;
	int			last;			/* index of the last state looked up (a lag() pair repeats it) */
	Size		next_check;		/* size at which to ask ecomai_check_memory again */
	MarkovChain *flat;			/* cached flat form, NULL when changed since */
} MarkovExpanded;

static Size markov_get_flat_size(ExpandedObjectHeader *eohptr);
static void markov_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods markov_methods = {
	markov_get_flat_size,
	markov_flatten_into
};

/*
 * A new, empty growing chain in ctx: the shared context of a call site's
 * states (see markov_state_context), a child of the aggregate context.
 */
static MarkovExpanded *
markov_expanded_new(MemoryContext ctx, int order, double smoothing)
{
	MarkovExpanded *e = MemoryContextAllocZero(ctx, sizeof(MarkovExpanded));

	EOH_init_header(&e->hdr, &markov_methods, ctx);
	e->order = order;
	e->smoothing = smoothing;
	e->maxstates = 64;
	e->names = MemoryContextAlloc(ctx, sizeof(char *) * e->maxstates);
	e->lens = MemoryContextAlloc(ctx, sizeof(uint32) * e->maxstates);
	e->byname = mknames_create(ctx, 64, NULL);
	e->pairs = mkpairs_create(ctx, 256, NULL);
	e->last = -1;
	e->next_check = 1024 * 1024;
	return e;
}

/* Rough bytes held by a growing chain, for the ecomai.max_memory bound. */
static Size
markov_expanded_bytes(MarkovExpanded *e)
{
	return e->namebytes + (Size) e->byname->size * sizeof(NameEntry) +
		(Size) e->pairs->size * sizeof(PairEntry) + (Size) e->maxstates * (sizeof(char *) + 4);
}

/* Check the memory bound when the chain has grown past the last checkpoint. */
static inline void
markov_expanded_grew(MarkovExpanded *e)
{
	Size		bytes = markov_expanded_bytes(e);

	if (bytes >= e->next_check)
	{
		ecomai_check_memory(bytes, "markov chain");
		e->next_check = bytes * 2;
	}
}

/* Index of a state, adding it if new. */
static int
markov_expanded_state(MarkovExpanded *e, const char *s, uint32 len)
{
	NameKey		key;
	NameEntry  *ent;
	bool		found;
	char	   *copy;

	if (e->last >= 0 && e->lens[e->last] == len && memcmp(e->names[e->last], s, len) == 0)
		return e->last;
	key.s = s;
	key.len = len;
	ent = mknames_insert(e->byname, key, &found);
	if (!found)
	{
		if (e->nstates >= MARKOV_MAX_STATES)
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							errmsg("markov chain has more than %d states", MARKOV_MAX_STATES)));
		if (memchr(s, '\0', len) != NULL)
			ereport(ERROR, (errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
							errmsg("a state name may not contain a NUL character")));
		if (e->nstates == e->maxstates)
		{
			e->maxstates *= 2;
			e->names = repalloc(e->names, sizeof(char *) * e->maxstates);
			e->lens = repalloc(e->lens, sizeof(uint32) * e->maxstates);
		}
		copy = MemoryContextAlloc(e->hdr.eoh_context, len + 1);
		memcpy(copy, s, len);
		copy[len] = '\0';
		ent->key.s = copy;
		ent->index = e->nstates;
		e->names[e->nstates] = copy;
		e->lens[e->nstates] = len;
		e->nstates++;
		e->namebytes += len + 1;
		markov_expanded_grew(e);
	}
	e->last = ent->index;
	return ent->index;
}

/* Add weight to the transition from -> to. */
static inline void
markov_expanded_add(MarkovExpanded *e, int from, int to, double w)
{
	bool		found;
	PairEntry  *p = mkpairs_insert(e->pairs, ((uint64) from << 32) | (uint32) to, &found);

	if (!found)
	{
		p->weight = w;
		markov_expanded_grew(e);
	}
	else
	{
		p->weight += w;
		if (unlikely(!isfinite(p->weight)))
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("transition count is out of range for type double precision")));
	}
	if (e->flat)
	{
		pfree(e->flat);
		e->flat = NULL;
	}
}

/* Add a transition given by names. */
static void
markov_expanded_add_names(MarkovExpanded *e, const char *from, const char *to, double w)
{
	int			f = markov_expanded_state(e, from, strlen(from));
	int			t = markov_expanded_state(e, to, strlen(to));

	markov_expanded_add(e, f, t, w);
}

/* Check that two chains can be summed. */
static void
markov_check_compatible(int order1, double smooth1, int order2, double smooth2)
{
	if (order1 != order2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge markov chains of order %d and %d", order1, order2)));
	if (smooth1 != smooth2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge markov chains with different smoothing"),
				 errhint("Merge the unsmoothed chains, then apply markov_smooth once.")));
}

/* Add every transition of a flat chain. */
static void
markov_expanded_merge(MarkovExpanded *e, const MarkovChain *m)
{
	int		   *map;
	int			i;

	markov_check_compatible(e->order, e->smoothing, m->order, m->smoothing);
	map = palloc(sizeof(int) * Max(m->nstates, 1));
	for (i = 0; i < m->nstates; i++)
		map[i] = markov_expanded_state(e, MC_NAME(m, i), strlen(MC_NAME(m, i)));
	for (i = 0; i < m->ntrans; i++)
	{
		CHECK_FOR_INTERRUPTS();
		markov_expanded_add(e, map[MC_FROM(m)[i]], map[MC_TO(m)[i]], MC_WEIGHT(m)[i]);
	}
	pfree(map);
}

/* The canonical flat form, built in the current memory context. */
static MarkovChain *
markov_expanded_flatten(MarkovExpanded *e)
{
	MarkovTriple *t = palloc(sizeof(MarkovTriple) * Max(e->pairs->members, 1));
	mkpairs_iterator it;
	PairEntry  *p;
	int			n = 0;
	MarkovChain *m;

	mkpairs_start_iterate(e->pairs, &it);
	while ((p = mkpairs_iterate(e->pairs, &it)) != NULL)
	{
		t[n].from = (int32) (p->key >> 32);
		t[n].to = (int32) (p->key & 0xFFFFFFFF);
		t[n].weight = p->weight;
		n++;
	}
	m = ecomai_markov_build(e->order, e->smoothing, e->nstates, e->names, n, t, false,
							ERRCODE_INTERNAL_ERROR);
	pfree(t);
	return m;
}

/* EOH method: size of the flat form (built once and cached). */
static Size
markov_get_flat_size(ExpandedObjectHeader *eohptr)
{
	MarkovExpanded *e = (MarkovExpanded *) eohptr;

	if (e->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(e->hdr.eoh_context);

		e->flat = markov_expanded_flatten(e);
		MemoryContextSwitchTo(old);
	}
	return VARSIZE(e->flat);
}

/* EOH method: copy the cached flat form out. */
static void
markov_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	MarkovExpanded *e = (MarkovExpanded *) eohptr;

	Assert(e->flat != NULL && allocated_size == VARSIZE(e->flat));
	memcpy(result, e->flat, allocated_size);
}

/* The context of this call site's growing chains (see agg_state.h). */
#define markov_state_context(fcinfo, aggctx) \
	ecomai_agg_state_context((fcinfo), (aggctx), "markov chain states")

/*
 * The aggregate state at argument argno (not NULL), updatable in place: our
 * own read-write expanded object in the aggregate context, or a new one
 * copying the chain (a flat chain, e.g. a partial state from a worker, or
 * one that belongs to someone else).
 */
static MarkovExpanded *
markov_agg_state(FunctionCallInfo fcinfo, int argno, MemoryContext aggctx)
{
	Datum		d = PG_GETARG_DATUM(argno);
	MarkovChain *m;
	MarkovExpanded *e;

	e = (MarkovExpanded *) ecomai_agg_state_owned(d, &markov_methods, aggctx);
	if (e != NULL)
		return e;
	m = DatumGetMarkovChain(d);
	e = markov_expanded_new(markov_state_context(fcinfo, aggctx), m->order, m->smoothing);
	markov_expanded_merge(e, m);
	return e;
}

/* markov_fit transition: add one (from, to [, weight]) row; NULLs skipped. */
Datum
ecomai_markov_fit_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = ecomai_aggregate_context(fcinfo, "markov_fit_accum");
	MarkovExpanded *e;
	double		w = 1.0;
	text	   *from,
			   *to;
	int			f,
				t;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || (PG_NARGS() > 3 && PG_ARGISNULL(3)))
		ECOMAI_AGG_KEEP_STATE();
	if (PG_NARGS() > 3)
	{
		w = PG_GETARG_FLOAT8(3);
		if (!isfinite(w) || w < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("transition weight must be finite and non-negative, not %g", w)));
	}
	if (w == 0)
		ECOMAI_AGG_KEEP_STATE();
	e = PG_ARGISNULL(0) ? markov_expanded_new(markov_state_context(fcinfo, aggctx), 1, 0) : markov_agg_state(fcinfo, 0, aggctx);
	from = PG_GETARG_TEXT_PP(1);
	to = PG_GETARG_TEXT_PP(2);
	f = markov_expanded_state(e, VARDATA_ANY(from), VARSIZE_ANY_EXHDR(from));
	t = markov_expanded_state(e, VARDATA_ANY(to), VARSIZE_ANY_EXHDR(to));
	markov_expanded_add(e, f, t, w);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* Combine (and markov_merge transition): add the second chain to the first. */
Datum
ecomai_markov_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = ecomai_aggregate_context(fcinfo, "markov_combine");
	MarkovExpanded *e;
	MarkovChain *b;

	if (PG_ARGISNULL(1))
		ECOMAI_AGG_KEEP_STATE();
	b = PG_GETARG_MARKOV(1);
	if (PG_ARGISNULL(0))
		e = markov_expanded_new(markov_state_context(fcinfo, aggctx), b->order, b->smoothing);
	else
		e = markov_agg_state(fcinfo, 0, aggctx);
	markov_expanded_merge(e, b);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* Final function: the canonical flat chain. */
Datum
ecomai_markov_final(PG_FUNCTION_ARGS)
{
	Datum		d;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = PG_GETARG_DATUM(0);
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		MarkovExpanded *e = (MarkovExpanded *) DatumGetEOHP(d);

		if (e->hdr.eoh_methods == &markov_methods)
			PG_RETURN_POINTER(markov_expanded_flatten(e));
	}
	PG_RETURN_POINTER(PG_DETOAST_DATUM_COPY(d));
}

/* ---------------------------------------------------------------------
 * Paths: markov_path (per session, ordered) and markov_fit_paths
 * --------------------------------------------------------------------- */

/* Check a requested order. */
static int
markov_order_arg(FunctionCallInfo fcinfo, int argno)
{
	int			order;

	if (PG_NARGS() <= argno)
		return 1;
	if (PG_ARGISNULL(argno))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("markov chain order must not be null")));
	order = PG_GETARG_INT32(argno);
	if (order < 1 || order > MARKOV_MAX_ORDER)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("markov chain order must be between 1 and %d, not %d",
							   MARKOV_MAX_ORDER, order)));
	return order;
}

/*
 * The state names of a path of pages for a chain of the given order: page t
 * becomes the last min(t, order) pages joined by " > ".  names[0] is
 * "(start)"; the result has npages + 1 names.
 */
char	  **
ecomai_markov_path_states(char **pages, int npages, int order)
{
	char	  **names = palloc(sizeof(char *) * (npages + 2));
	int			t;

	names[0] = pstrdup(MARKOV_START);
	for (t = 0; t < npages; t++)
	{
		StringInfoData buf;
		int			k;

		if (order == 1)
		{
			names[t + 1] = pages[t];
			continue;
		}
		if (strstr(pages[t], MARKOV_SEP) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("state \"%s\" contains \"%s\", the separator of higher-order states",
							pages[t], MARKOV_SEP),
					 errhint("Rename the state, or fit a chain of order 1.")));
		initStringInfo(&buf);
		for (k = Max(0, t - order + 1); k <= t; k++)
		{
			if (buf.len > 0)
				appendStringInfoString(&buf, MARKOV_SEP);
			appendStringInfoString(&buf, pages[k]);
		}
		names[t + 1] = buf.data;
	}
	return names;
}

/*
 * markov_path transition.  The state is text[]: {order, outcome, page, ...},
 * an expanded array appended to in place.  NULL pages are skipped; the last
 * non-NULL outcome wins.
 */
Datum
ecomai_markov_path_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = ecomai_aggregate_context(fcinfo, "markov_path_accum");
	int			order = markov_order_arg(fcinfo, 3);
	Datum		d;
	ExpandedArrayHeader *eah;
	int			idx;

	if (PG_ARGISNULL(0))
	{
		eah = construct_empty_expanded_array(TEXTOID, aggctx, NULL);
		d = EOHPGetRWDatum(&eah->hdr);
		idx = 1;
		d = array_set_element(d, 1, &idx, PointerGetDatum(cstring_to_text(psprintf("%d", order))),
							  false, -1, -1, false, TYPALIGN_INT);
		idx = 2;
		d = array_set_element(d, 1, &idx, (Datum) 0, true, -1, -1, false, TYPALIGN_INT);
	}
	else
	{
		d = PG_GETARG_DATUM(0);
		if (!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
			d = expand_array(d, aggctx, NULL);
	}
	eah = (ExpandedArrayHeader *) DatumGetEOHP(d);
	if (eah->ndims != 1)
		elog(ERROR, "corrupt markov_path state");
	deconstruct_expanded_array(eah);	/* a no-op once the array is in element form */
	if (PG_NARGS() > 3 && !PG_ARGISNULL(0) &&
		((eah->dnulls && eah->dnulls[0]) || atoi(TextDatumGetCString(eah->dvalues[0])) != order))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("markov chain order must be the same in every row")));
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
	{
		idx = 2;
		d = array_set_element(d, 1, &idx, PG_GETARG_DATUM(2), false, -1, -1, false, TYPALIGN_INT);
	}
	if (!PG_ARGISNULL(1))
	{
		idx = eah->dims[0] + 1;
		d = array_set_element(d, 1, &idx, PG_GETARG_DATUM(1), false, -1, -1, false, TYPALIGN_INT);
		/* a path grows by one state per row: bound it like every other working set */
		if (idx % 1024 == 0)
			ecomai_check_memory(MemoryContextMemAllocated(eah->hdr.eoh_context, true),
								"markov_path state");
	}
	PG_RETURN_DATUM(d);
}

/* markov_path final: the session's chain, or NULL when it has no transition. */
Datum
ecomai_markov_path_final(PG_FUNCTION_ARGS)
{
	Datum	   *values;
	bool	   *nulls;
	int			n,
				i,
				npages = 0,
				order,
				nnames;
	char	  **pages;
	char	  **names;
	char	   *endp;
	MarkovTriple *t;
	long		o;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		ExpandedArrayHeader *eah = (ExpandedArrayHeader *) DatumGetEOHP(PG_GETARG_DATUM(0));

		deconstruct_expanded_array(eah);
		values = eah->dvalues;
		nulls = eah->dnulls;
		n = eah->nelems;
	}
	else
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);

		if (ARR_NDIM(a) > 1)
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("invalid markov_path state")));
		deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &n);
	}
	if (n < 2 || (nulls && nulls[0]))
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("invalid markov_path state")));
	o = strtol(TextDatumGetCString(values[0]), &endp, 10);
	if (*endp != '\0' || o < 1 || o > MARKOV_MAX_ORDER)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("invalid markov_path state")));
	order = (int) o;

	pages = palloc(sizeof(char *) * n);
	for (i = 2; i < n; i++)
		if (!(nulls && nulls[i]))
			pages[npages++] = TextDatumGetCString(values[i]);
	names = ecomai_markov_path_states(pages, npages, order);
	nnames = npages + 1;
	if (!(nulls && nulls[1]))
		names[nnames++] = TextDatumGetCString(values[1]);
	if (nnames < 2)
		PG_RETURN_NULL();
	t = palloc(sizeof(MarkovTriple) * nnames);
	for (i = 0; i + 1 < nnames; i++)
	{
		t[i].from = i;
		t[i].to = i + 1;
		t[i].weight = 1;
	}
	PG_RETURN_POINTER(ecomai_markov_build(order, 0, nnames, names, nnames - 1, t, true,
										  ERRCODE_INVALID_PARAMETER_VALUE));
}

/* Read a non-negative count argument; NULL counts as 0. */
double
ecomai_markov_count_arg(FunctionCallInfo fcinfo, int argno, const char *what)
{
	double		v;

	if (PG_ARGISNULL(argno))
		return 0;
	v = PG_GETARG_FLOAT8(argno);
	if (!isfinite(v) || v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be finite and non-negative, not %g", what, v)));
	return v;
}

/*
 * markov_fit_paths transition: one ChannelAttribution-style row (path
 * "a > b > c", conversions, nulls).  Repeated consecutive channels collapse;
 * (start) and channel-to-channel edges weigh conversions + nulls, the last
 * channel's edges to (conversion) and (null) weigh conversions and nulls.
 */
Datum
ecomai_markov_fit_paths_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = ecomai_aggregate_context(fcinfo, "markov_fit_paths_accum");
	int			order = markov_order_arg(fcinfo, 4);
	MarkovExpanded *e;
	double		conv,
				nulls,
				total;
	char	  **channels;
	char	  **names;
	int			n,
				i;
	MemoryContext tmp,
				old;

	if (PG_ARGISNULL(1))
		ECOMAI_AGG_KEEP_STATE();
	conv = ecomai_markov_count_arg(fcinfo, 2, "conversions");
	nulls = ecomai_markov_count_arg(fcinfo, 3, "nulls");
	total = conv + nulls;
	if (!isfinite(total))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("conversions plus nulls is out of range for type double precision")));
	if (PG_ARGISNULL(0))
		e = markov_expanded_new(markov_state_context(fcinfo, aggctx), order, 0);
	else
	{
		e = markov_agg_state(fcinfo, 0, aggctx);
		if (e->order != order)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("markov chain order must be the same in every row")));
	}
	if (total == 0)
		PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));

	/* per-row scratch: the split path and the state names */
	tmp = AllocSetContextCreate(CurrentMemoryContext, "markov path", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(tmp);
	n = ecomai_markov_split_path(text_to_cstring(PG_GETARG_TEXT_PP(1)), true, &channels);
	names = ecomai_markov_path_states(channels, n, order);
	for (i = 0; i < n; i++)
		markov_expanded_add_names(e, names[i], names[i + 1], total);
	if (conv > 0)
		markov_expanded_add_names(e, names[n], CONVERSION_STATE, conv);
	if (nulls > 0)
		markov_expanded_add_names(e, names[n], NULL_STATE, nulls);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* ---------------------------------------------------------------------
 * Constructors
 * --------------------------------------------------------------------- */

/* markov_from_matrix(states, p, normalize): a chain from a row-stochastic matrix. */
Datum
ecomai_markov_from_matrix(PG_FUNCTION_ARGS)
{
	ArrayType  *sa = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *pa = PG_GETARG_ARRAYTYPE_P(1);
	bool		normalize = PG_GETARG_BOOL(2);
	Datum	   *svals;
	bool	   *snulls;
	int			n,
				i,
				j,
				nt = 0;
	char	  **names;
	double	   *p;
	MarkovTriple *t;

	if (ARR_NDIM(sa) != 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("states must be a non-empty one-dimensional array")));
	deconstruct_array(sa, TEXTOID, -1, false, TYPALIGN_INT, &svals, &snulls, &n);
	names = palloc(sizeof(char *) * n);
	for (i = 0; i < n; i++)
	{
		if (snulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("states must not contain nulls")));
		names[i] = TextDatumGetCString(svals[i]);
	}
	if (ARR_NDIM(pa) != 2 || ARR_DIMS(pa)[0] != n || ARR_DIMS(pa)[1] != n)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("transition matrix must be %d x %d to match %d states", n, n, n),
						errdetail("It has %d dimensions%s.", ARR_NDIM(pa),
								  ARR_NDIM(pa) == 2 ? psprintf(", %d x %d", ARR_DIMS(pa)[0], ARR_DIMS(pa)[1]) : "")));
	if (array_contains_nulls(pa))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("transition matrix must not contain nulls")));
	if (ARR_ELEMTYPE(pa) != FLOAT8OID)
		elog(ERROR, "transition matrix must be float8[]");
	p = (double *) ARR_DATA_PTR(pa);
	for (i = 0; i < n * n; i++)
		if (p[i] > 0)
			nt++;
	ecomai_check_memory((Size) nt * sizeof(MarkovTriple) * 2, "markov chain from a matrix");
	t = palloc(sizeof(MarkovTriple) * Max(nt, 1));
	nt = 0;
	for (i = 0; i < n; i++)
	{
		double		sum = 0;

		for (j = 0; j < n; j++)
		{
			double		v = p[(Size) i * n + j];

			if (!isfinite(v) || v < 0)
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("transition probability in row %d, column %d must be finite and non-negative",
									   i + 1, j + 1)));
			sum += v;
		}
		if (sum == 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("row %d (\"%s\") of the transition matrix is all zeros", i + 1, names[i]),
							errhint("Give an absorbing state a probability of 1 of staying in itself.")));
		if (!normalize && fabs(sum - 1) > 1e-9)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("row %d (\"%s\") of the transition matrix sums to %.15g, not 1",
								   i + 1, names[i], sum),
							errdetail("Each row holds the probabilities of leaving its state and must sum to 1 within 1e-9."),
							errhint("Pass true as the third argument (\"normalize\") to rescale every row to sum to 1.")));
		for (j = 0; j < n; j++)
		{
			double		v = p[(Size) i * n + j];

			if (v > 0)
			{
				t[nt].from = i;
				t[nt].to = j;
				t[nt].weight = normalize ? v / sum : v;
				nt++;
			}
		}
	}
	PG_RETURN_POINTER(ecomai_markov_build(1, 0, n, names, nt, t, false,
										  ERRCODE_INVALID_PARAMETER_VALUE));
}

/* markov_smooth(m, alpha): the same counts with Laplace smoothing alpha. */
Datum
ecomai_markov_smooth(PG_FUNCTION_ARGS)
{
	MarkovChain *m = (MarkovChain *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));
	double		alpha = PG_GETARG_FLOAT8(1);

	if (!isfinite(alpha) || alpha < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("smoothing must be finite and non-negative, not %g", alpha)));
	m->smoothing = alpha;
	PG_RETURN_POINTER(m);
}

/*
 * touch_attribution(path, conversions): first-touch, last-touch and linear
 * credit of one path string, one row per distinct channel (first appearance
 * order).  Linear credit splits the conversions equally over the touches,
 * repeated touches included.
 */
Datum
ecomai_touch_attribution(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	char	   *path = text_to_cstring(PG_GETARG_TEXT_PP(0));
	double		conv = ecomai_markov_count_arg(fcinfo, 1, "conversions");
	char	  **ch;
	int			n = ecomai_markov_split_path(path, false, &ch);
	int			i,
				j;

	for (i = 0; i < n; i++)
	{
		Datum		values[4];
		int			touches = 0;

		for (j = 0; j < i; j++)
			if (strcmp(ch[j], ch[i]) == 0)
				break;
		if (j < i)
			continue;			/* reported at its first appearance */
		for (j = 0; j < n; j++)
			if (strcmp(ch[j], ch[i]) == 0)
				touches++;
		values[0] = CStringGetTextDatum(ch[i]);
		values[1] = Float8GetDatum(i == 0 ? conv : 0);
		values[2] = Float8GetDatum(strcmp(ch[n - 1], ch[i]) == 0 ? conv : 0);
		/* conv * touches can overflow where the share of it cannot */
		values[3] = Float8GetDatum(isfinite(conv * touches) ? conv * touches / n :
								   conv / n * touches);
		ecomai_srf_row(rsinfo, values);
	}
	return (Datum) 0;
}
