/*
 * bn_fit.c
 *	  The bn_fit aggregate: learn the CPTs of a Bayesian network of known
 *	  structure from rows of values, and its state type ecomai.bn_fit_state.
 *
 * The structure is bnlearn's model string, optionally with fixed states and
 * options: '[weather{rainy,sunny}][umbrella|weather][early|weather:umbrella]
 * pseudo_count=1'.  The state holds, per variable, the values seen (in first
 * seen order) and a count per (value, parent values) combination, both
 * found through simplehash tables of ids.  During aggregation it is an expanded object in
 * the aggregate context, updated in place; its flat form is its text form
 * (one serializer, one validating parser), so partial states survive a trip
 * through text exactly, which is how Citus ships them between nodes.
 * The final function sorts the states and turns counts into CPTs.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "agg_state.h"
#include "bayesnet.h"
#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_bn_fit_state_in);
PG_FUNCTION_INFO_V1(ecomai_bn_fit_state_out);
PG_FUNCTION_INFO_V1(ecomai_bn_fit_state_recv);
PG_FUNCTION_INFO_V1(ecomai_bn_fit_state_send);
PG_FUNCTION_INFO_V1(ecomai_bn_fit_accum);
PG_FUNCTION_INFO_V1(ecomai_bn_fit_combine);
PG_FUNCTION_INFO_V1(ecomai_bn_fit_final);

/* One variable of the state: its family, the values seen, the family counts. */
typedef struct FitVar
{
	char	   *name;
	int			nparents;
	int		   *parents;
	int			nfixed;			/* > 0: states fixed by the structure */
	char	  **fixed;
	/* values seen: values[id], found through vtab */
	int			nvalues;
	int			capvalues;
	char	  **values;
	struct fitvals_hash *vtab;
	const char *probe;			/* the value being looked up (id -1 in vtab) */
	int			probelen;
	/* counts of (value, parent values...) keys of klen ids, found through ctab */
	int			klen;
	int			nentries;
	int			capentries;
	int32	   *keys;			/* one spare key at nentries: the key being looked up */
	int64	   *counts;
	struct fitkeys_hash *ctab;
} FitVar;

/*
 * The two hash tables hold ids only (a value's index in values[], an entry's
 * in keys[]), so the arrays can grow without invalidating them; the probe
 * being looked up is id -1 (values) or the spare entry nentries (keys).
 */
typedef struct FitSlot
{
	int32		id;
	uint32		hash;
	char		status;
} FitSlot;

/* The bytes of value id of var (the probe for -1), and their length. */
static inline const char *
fit_value(const FitVar *var, int32 id, int *len)
{
	if (id < 0)
	{
		*len = var->probelen;
		return var->probe;
	}
	*len = strlen(var->values[id]);
	return var->values[id];
}

/* Hash of value id of var. */
static inline uint32
fit_value_hash(const FitVar *var, int32 id)
{
	int			len;
	const char *v = fit_value(var, id, &len);

	return hash_bytes((const unsigned char *) v, len);
}

/* Whether values a and b of var are equal. */
static inline bool
fit_value_eq(const FitVar *var, int32 a, int32 b)
{
	int			la,
				lb;
	const char *va = fit_value(var, a, &la);
	const char *vb = fit_value(var, b, &lb);

	return la == lb && memcmp(va, vb, la) == 0;
}

#define SH_PREFIX fitvals
#define SH_ELEMENT_TYPE FitSlot
#define SH_KEY_TYPE int32
#define SH_KEY id
#define SH_HASH_KEY(tb, key) fit_value_hash((const FitVar *) (tb)->private_data, key)
#define SH_EQUAL(tb, a, b) fit_value_eq((const FitVar *) (tb)->private_data, a, b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

#define FIT_KEY(var, e) ((var)->keys + (Size) (e) * (var)->klen)

#define SH_PREFIX fitkeys
#define SH_ELEMENT_TYPE FitSlot
#define SH_KEY_TYPE int32
#define SH_KEY id
#define SH_HASH_KEY(tb, key) \
	hash_bytes((const unsigned char *) FIT_KEY((const FitVar *) (tb)->private_data, key), \
			   sizeof(int32) * ((const FitVar *) (tb)->private_data)->klen)
#define SH_EQUAL(tb, a, b) \
	(memcmp(FIT_KEY((const FitVar *) (tb)->private_data, a), FIT_KEY((const FitVar *) (tb)->private_data, b), \
			sizeof(int32) * ((const FitVar *) (tb)->private_data)->klen) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct FitState
{
	MemoryContext cxt;			/* everything below lives here */
	char	   *structure;		/* canonical structure string */
	char	   *raw;			/* the structure text last seen in a row */
	int			rawlen;
	double		pseudo_count;
	int			nvars;
	FitVar	   *vars;
} FitState;

/* Raise a structure error (22023). */
static void
structure_error(const char *structure, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid network structure \"%s\"", structure),
			 errdetail("%s", detail),
			 errhint("Write it as bnlearn does, e.g. '[weather][umbrella|weather][early|weather:umbrella]', "
					 "optionally with fixed states '[weather{rainy,sunny}]' and options 'pseudo_count=1'.")));
}

/* Read a trimmed name up to the next structure character. */
static char *
read_name(const char **pp, const char *structure, const char *what)
{
	char	   *name = ecomai_read_trimmed_name(pp, "[]|:{},");

	if (name == NULL)
		structure_error(structure, psprintf("A %s is empty or missing.", what));
	return name;
}

/* Read names separated by sep. */
static List *
read_names(const char **pp, char sep, const char *structure, const char *what)
{
	List	   *names = NIL;

	for (;;)
	{
		names = lappend(names, read_name(pp, structure, what));
		if (**pp != sep)
			return names;
		(*pp)++;
	}
}

/* The nodes of a structure string as read, before their names are resolved. */
typedef struct StructNodes
{
	List	   *names;			/* of char * */
	List	   *fixed;			/* of List * of char *: the states listed, if any */
	List	   *parents;		/* of List * of char * */
} StructNodes;

/* Step over the closing character c at *pp, or a structure error with detail. */
static void
skip_closing(const char **pp, char c, const char *s, const char *detail)
{
	if (**pp != c)
		structure_error(s, detail);
	(*pp)++;
}

/* Read the "[name{states}|parents]" nodes of structure s from *pp. */
static void
read_nodes(const char **pp, const char *s, StructNodes *nodes)
{
	const char *p = ecomai_skip_blank(*pp);

	nodes->names = nodes->fixed = nodes->parents = NIL;
	while (*p == '[')
	{
		List	   *fx = NIL;
		List	   *pa = NIL;

		CHECK_FOR_INTERRUPTS();
		p++;
		nodes->names = lappend(nodes->names, read_name(&p, s, "variable name"));
		if (*p == '{')
		{
			p++;
			fx = read_names(&p, ',', s, "state name");
			skip_closing(&p, '}', s, "A list of states lacks its \"}\".");
			while (*p == ' ')
				p++;
		}
		if (*p == '|')
		{
			p++;
			pa = read_names(&p, ':', s, "parent name");
		}
		skip_closing(&p, ']', s, "A node lacks its \"]\".");
		nodes->fixed = lappend(nodes->fixed, fx);
		nodes->parents = lappend(nodes->parents, pa);
		p = ecomai_skip_blank(p);
	}
	if (nodes->names == NIL)
		structure_error(s, "It has no nodes.");
	*pp = p;
}

/* Read the options after the nodes (only pseudo_count=x) into st. */
static void
read_options(const char *p, const char *s, FitState *st)
{
	st->pseudo_count = 0;
	while (*p)
	{
		const char *start = p;
		char	   *opt;
		char	   *eq;

		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		opt = pnstrdup(start, p - start);
		eq = strchr(opt, '=');
		if (eq && strncmp(opt, "pseudo_count", eq - opt) == 0 && eq - opt == strlen("pseudo_count"))
		{
			char	   *end;

			st->pseudo_count = strtod(eq + 1, &end);
			if (end == eq + 1 || *end != '\0' || !isfinite(st->pseudo_count) || st->pseudo_count < 0)
				structure_error(s, "pseudo_count must be a finite number >= 0.");
		}
		else
			structure_error(s, psprintf("Unknown option \"%s\"; the only option is pseudo_count.", opt));
		p = ecomai_skip_blank(p);
	}
}

/* Resolve variable v's parent names (through the name index) and its fixed states. */
static void
resolve_node(FitState *st, int v, List *pa, List *fx, BnNameIndex *ix, const char *s)
{
	FitVar	   *var = &st->vars[v];
	BnNameIndex *seen;
	ListCell   *lp;
	int			j = 0,
				k;

	var->nparents = list_length(pa);
	var->parents = palloc(sizeof(int) * Max(var->nparents, 1));
	foreach(lp, pa)
	{
		k = ecomai_name_index_find(ix, lfirst(lp));
		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown parent \"%s\" of variable \"%s\"", (char *) lfirst(lp), var->name),
					 errdetail("Every parent must be a node of the structure.")));
		if (k == v)
			structure_error(s, psprintf("Variable \"%s\" is its own parent.", var->name));
		var->parents[j++] = k;
	}
	seen = ecomai_name_index_create(var->nparents);
	for (j = 0; j < var->nparents; j++)
		if (ecomai_name_index_add(seen, st->vars[var->parents[j]].name, j) >= 0)
			structure_error(s, psprintf("Variable \"%s\" has a parent twice.", var->name));
	var->klen = 1 + var->nparents;
	var->nfixed = list_length(fx);
	var->fixed = palloc(sizeof(char *) * Max(var->nfixed, 1));
	seen = ecomai_name_index_create(var->nfixed);
	j = 0;
	foreach(lp, fx)
	{
		var->fixed[j] = lfirst(lp);
		if (ecomai_name_index_add(seen, var->fixed[j], j) >= 0)
			structure_error(s, psprintf("Variable \"%s\" lists state \"%s\" twice.",
										var->name, var->fixed[j]));
		j++;
	}
}

/* The canonical text of a parsed structure: what two equal structures share. */
static char *
canonical_structure(const FitState *st)
{
	StringInfoData buf;
	int			v,
				j;

	initStringInfo(&buf);
	for (v = 0; v < st->nvars; v++)
	{
		FitVar	   *var = &st->vars[v];

		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&buf, "[%s", var->name);
		if (var->nfixed > 0)
		{
			appendStringInfoChar(&buf, '{');
			for (j = 0; j < var->nfixed; j++)
				appendStringInfo(&buf, "%s%s", j ? "," : "", var->fixed[j]);
			appendStringInfoChar(&buf, '}');
		}
		for (j = 0; j < var->nparents; j++)
			appendStringInfo(&buf, "%s%s", j ? ":" : "|", st->vars[var->parents[j]].name);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, " pseudo_count=");
	ecomai_append_double(&buf, st->pseudo_count);
	return buf.data;
}

/*
 * Parse a structure string into an empty state (allocating in the current
 * context): read the nodes and options, hash the names, resolve each node's
 * parents and states, check acyclicity, and keep the canonical text.  Linear
 * in the size of the structure (names are hashed) and cancellable.
 */
static void
parse_structure(FitState *st, const char *s)
{
	const char *p = s;
	StructNodes nodes;
	BnNameIndex *ix;
	ListCell   *lc;
	int			v;
	int		   *npar;
	int		  **par;
	char	  **vn;

	read_nodes(&p, s, &nodes);
	read_options(p, s, st);
	st->nvars = list_length(nodes.names);
	if (st->nvars > BN_MAX_VARS)
		structure_error(s, "It has too many nodes.");
	st->vars = palloc0(sizeof(FitVar) * st->nvars);
	npar = palloc(sizeof(int) * st->nvars);
	par = palloc(sizeof(int *) * st->nvars);
	vn = palloc(sizeof(char *) * st->nvars);
	ix = ecomai_name_index_create(st->nvars);
	v = 0;
	foreach(lc, nodes.names)
	{
		st->vars[v].name = lfirst(lc);
		vn[v] = st->vars[v].name;
		if (ecomai_name_index_add(ix, vn[v], v) >= 0)
			structure_error(s, psprintf("Variable \"%s\" appears twice.", vn[v]));
		v++;
	}
	for (v = 0; v < st->nvars; v++)
	{
		CHECK_FOR_INTERRUPTS();
		resolve_node(st, v, list_nth(nodes.parents, v), list_nth(nodes.fixed, v), ix, s);
		npar[v] = st->vars[v].nparents;
		par[v] = st->vars[v].parents;
	}
	ecomai_bn_check_acyclic(st->nvars, npar, par, vn, ERRCODE_INVALID_PARAMETER_VALUE);
	st->structure = canonical_structure(st);
}

/*
 * Id of a value of a variable, adding it when new (len bytes at s).  With
 * fixed states, an unknown value is an error.  The tables are created in the
 * current memory context (the state's) on first use.
 */
static int
value_id(FitVar *var, const char *s, int len, bool add)
{
	FitSlot    *slot;
	bool		found;

	if (var->vtab == NULL)
		var->vtab = fitvals_create(CurrentMemoryContext, 8, var);
	var->probe = s;
	var->probelen = len;
	slot = fitvals_lookup(var->vtab, -1);
	if (slot)
		return slot->id;
	if (!add)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value \"%.*s\" of variable \"%s\" is not one of its states", len, s, var->name),
				 errhint("The structure fixes the states of this variable; add the value there or map it.")));
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of variable \"%s\" is an empty string", var->name),
				 errhint("Use NULL for a missing value.")));
	if (var->nvalues >= BN_MAX_STATES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("variable \"%s\" has more than %d distinct values", var->name, BN_MAX_STATES)));
	if (var->nvalues >= var->capvalues)
	{
		var->capvalues = Max(8, var->capvalues * 2);
		var->values = var->values ? repalloc(var->values, sizeof(char *) * var->capvalues)
			: palloc(sizeof(char *) * var->capvalues);
	}
	var->values[var->nvalues] = pnstrdup(s, len);
	slot = fitvals_insert(var->vtab, var->nvalues, &found);
	Assert(!found);
	return var->nvalues++;
}

/* Add n to the count of a key; fails on a duplicate when unique is set. */
static void
add_count(FitVar *var, const int32 *key, int64 n, bool unique)
{
	FitSlot    *slot;
	bool		found;

	/* room for the entry, which is also where the probe goes */
	if (var->nentries >= var->capentries)
	{
		Size		bytes;

		var->capentries = Max(16, var->capentries * 2);
		bytes = (Size) var->capentries * (sizeof(int32) * var->klen + sizeof(int64) + 2 * sizeof(FitSlot));
		ecomai_check_memory(bytes, "bn_fit state");
		var->keys = var->keys ? repalloc(var->keys, sizeof(int32) * var->klen * var->capentries)
			: palloc(sizeof(int32) * var->klen * var->capentries);
		var->counts = var->counts ? repalloc(var->counts, sizeof(int64) * var->capentries)
			: palloc(sizeof(int64) * var->capentries);
	}
	if (var->ctab == NULL)
		var->ctab = fitkeys_create(CurrentMemoryContext, 16, var);
	memcpy(FIT_KEY(var, var->nentries), key, sizeof(int32) * var->klen);
	slot = fitkeys_insert(var->ctab, var->nentries, &found);
	if (!found)
	{
		var->counts[var->nentries++] = n;
		return;
	}
	if (unique)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid bn_fit state: variable \"%s\" has a count twice", var->name)));
	if (var->counts[slot->id] > PG_INT64_MAX - n)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("bn_fit count out of range")));
	var->counts[slot->id] += n;
}

/* A new empty state for a structure, in its own context under parent. */
static FitState *
new_state(MemoryContext parent, const char *structure, int rawlen)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "bn_fit state", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	FitState   *st = palloc0(sizeof(FitState));
	int			v,
				j;

	st->cxt = cxt;
	parse_structure(st, structure);
	st->raw = pnstrdup(structure, rawlen);
	st->rawlen = rawlen;
	for (v = 0; v < st->nvars; v++)
		for (j = 0; j < st->vars[v].nfixed; j++)
			value_id(&st->vars[v], st->vars[v].fixed[j], strlen(st->vars[v].fixed[j]), true);
	MemoryContextSwitchTo(old);
	return st;
}

/* The state's text form. */
static void
print_state(StringInfo buf, const void *arg)
{
	const FitState *st = arg;
	int			v,
				i;

	ecomai_append_state_header(buf, "bn_fit_state", st->structure);
	for (v = 0; v < st->nvars; v++)
	{
		const FitVar *var = &st->vars[v];

		ecomai_append_variable_values(buf, var->name, var->values, var->nvalues);
		for (i = 0; i < var->nentries; i++)
		{
			appendStringInfoString(buf, " (");
			ecomai_append_key_count(buf, var->keys + (Size) i * var->klen, var->klen, var->counts[i]);
		}
		appendStringInfoString(buf, ";\n");
	}
}

/* Parse and validate a state's text form into a new state under parent. */
static void *
parse_state(MemoryContext parent, const char *text, int code)
{
	BnLexer		lx;
	FitState   *st;
	MemoryContext old;
	int			v;
	char	   *structure;

	ecomai_lex_init(&lx, text, "bn_fit state", code);
	structure = ecomai_lex_state_header(&lx, "bn_fit_state", "the structure");
	st = new_state(parent, structure, strlen(structure));
	old = MemoryContextSwitchTo(st->cxt);
	for (v = 0; v < st->nvars; v++)
	{
		FitVar	   *var = &st->vars[v];
		int32	   *key = palloc(sizeof(int32) * var->klen);
		int			nseen = 0;
		char	   *name;
		char	   *val;

		CHECK_FOR_INTERRUPTS();
		name = ecomai_lex_variable(&lx);
		if (strcmp(name, var->name) != 0)
			ecomai_lex_error(&lx, "variable \"%s\" where \"%s\" was expected", name, var->name);
		while ((val = ecomai_lex_value(&lx)) != NULL)
		{
			int			id;

			if (nseen < var->nfixed)
			{
				if (strcmp(val, var->fixed[nseen]) != 0)
					ecomai_lex_error(&lx, "the values of \"%s\" must start with its fixed states", var->name);
			}
			else
			{
				if (var->nfixed > 0)
					ecomai_lex_error(&lx, "variable \"%s\" has a value beyond its fixed states", var->name);
				id = var->nvalues;
				if (value_id(var, val, strlen(val), true) != id)
					ecomai_lex_error(&lx, "variable \"%s\" lists value \"%s\" twice", var->name, val);
			}
			nseen++;
		}
		if (nseen < var->nfixed)
			ecomai_lex_error(&lx, "variable \"%s\" lacks some of its fixed states", var->name);
		while (ecomai_lex_is_punct(&lx, '('))
		{
			int			k;

			ecomai_lex_next(&lx);
			key[0] = ecomai_lex_int(&lx, 0, var->nvalues - 1);
			for (k = 1; k < var->klen; k++)
				key[k] = ecomai_lex_int(&lx, 0, BN_MAX_STATES);	/* checked below */
			add_count(var, key, ecomai_lex_int(&lx, 1, PG_INT64_MAX), true);
			ecomai_lex_expect_punct(&lx, ')');
		}
		ecomai_lex_expect_punct(&lx, ';');
	}
	if (lx.kind != BNT_EOF)
		ecomai_lex_error(&lx, "unexpected text after the last variable");
	/* parent ids of later variables could only be checked now */
	for (v = 0; v < st->nvars; v++)
	{
		FitVar	   *var = &st->vars[v];
		int			i,
					k;

		for (i = 0; i < var->nentries; i++)
			for (k = 1; k < var->klen; k++)
				if (var->keys[(Size) i * var->klen + k] >= st->vars[var->parents[k - 1]].nvalues)
					ereport(ERROR,
							(errcode(code),
							 errmsg("invalid bn_fit state: a count of variable \"%s\" names an unknown value of \"%s\"",
									var->name, st->vars[var->parents[k - 1]].name)));
	}
	MemoryContextSwitchTo(old);
	return st;
}

/* An empty state like src (same structure) under parent. */
static void *
empty_like(MemoryContext parent, const void *srcp)
{
	const FitState *src = srcp;

	return new_state(parent, src->structure, strlen(src->structure));
}

static void merge_into(void *dstp, const void *srcp);

/* How the aggregate-state module prints, parses, copies and merges this state. */
static const EcomaiTextStateKind fit_kind = {
	"bn_fit", print_state, parse_state, offsetof(FitState, cxt), empty_like, merge_into
};

/* Read access to a state datum: the expanded state itself, or a parsed copy. */
#define state_of(d) ((FitState *) ecomai_text_state_read((d), &fit_kind))

/* The type's text and binary I/O functions. */
ECOMAI_TEXT_STATE_IO(ecomai_bn_fit_state, fit_kind)

/*
 * bn_fit transition: count one row.  A NULL value skips the counts of the
 * families it belongs to (its own and its children's).
 */
Datum
ecomai_bn_fit_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	EcomaiTextState *e;
	FitState   *st;
	text	   *structure;
	ArrayType  *vals;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems,
				v,
				k;
	int		   *ids;
	int32	   *key;

	aggcxt = ecomai_aggregate_context(fcinfo, "bn_fit_accum");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("structure must not be null")));
	structure = PG_GETARG_TEXT_PP(1);
	if (PG_ARGISNULL(0))
	{
		char	   *s = text_to_cstring(structure);

		e = ecomai_text_state_expand(&fit_kind, new_state(aggcxt, s, strlen(s)));
	}
	else
		e = ecomai_text_state_for_update(PG_GETARG_DATUM(0), &fit_kind, aggcxt);
	st = e->st;

	/* the structure must be the same in every row (cheap check first) */
	if (VARSIZE_ANY_EXHDR(structure) != st->rawlen ||
		memcmp(VARDATA_ANY(structure), st->raw, st->rawlen) != 0)
	{
		char	   *s = text_to_cstring(structure);
		FitState   *other = new_state(CurrentMemoryContext, s, strlen(s));

		if (strcmp(other->structure, st->structure) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bn_fit structure must be the same in every row"),
					 errdetail("Got \"%s\" after \"%s\".", other->structure, st->structure)));
		st->raw = MemoryContextStrdup(st->cxt, s);
		st->rawlen = strlen(s);
		MemoryContextDelete(other->cxt);
	}

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("bn_fit values must not be a NULL array")));
	vals = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(vals) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bn_fit values must be a one-dimensional array")));
	deconstruct_array(vals, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	if (nelems != st->nvars)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bn_fit got %d values for %d variables", nelems, st->nvars),
				 errdetail("The i-th value belongs to the i-th variable of the structure %s.", st->structure)));

	ids = palloc(sizeof(int) * st->nvars);
	key = palloc(sizeof(int32) * (st->nvars + 1));
	{
		MemoryContext old = MemoryContextSwitchTo(st->cxt);

		for (v = 0; v < st->nvars; v++)
		{
			if (nulls[v])
				ids[v] = -1;
			else
			{
				text	   *t = DatumGetTextPP(elems[v]);

				ids[v] = value_id(&st->vars[v], VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
								  st->vars[v].nfixed == 0);
			}
		}
		for (v = 0; v < st->nvars; v++)
		{
			FitVar	   *var = &st->vars[v];

			if (ids[v] < 0)
				continue;
			key[0] = ids[v];
			for (k = 0; k < var->nparents; k++)
			{
				key[k + 1] = ids[var->parents[k]];
				if (key[k + 1] < 0)
					break;
			}
			if (k == var->nparents)
				add_count(var, key, 1, false);
		}
		MemoryContextSwitchTo(old);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* Add the counts of src into dst (same structure), mapping value ids by name. */
static void
merge_into(void *dstp, const void *srcp)
{
	FitState *dst = dstp;
	const FitState *src = srcp;
	MemoryContext old;
	int			v,
				i,
				k;

	ecomai_check_states_match("bn_fit", "structures", dst->structure, src->structure);
	old = MemoryContextSwitchTo(dst->cxt);
	for (v = 0; v < dst->nvars; v++)
	{
		FitVar	   *d = &dst->vars[v];
		const FitVar *s = &src->vars[v];
		int32	   *key = palloc(sizeof(int32) * d->klen);
		int		  **map = palloc(sizeof(int *) * d->klen);

		CHECK_FOR_INTERRUPTS();
		/* values of the family members of v, in src ids -> dst ids */
		for (k = 0; k < d->klen; k++)
		{
			FitVar	   *dv = &dst->vars[k == 0 ? v : d->parents[k - 1]];
			const FitVar *sv = &src->vars[k == 0 ? v : d->parents[k - 1]];

			map[k] = palloc(sizeof(int) * Max(sv->nvalues, 1));
			for (i = 0; i < sv->nvalues; i++)
				map[k][i] = value_id(dv, sv->values[i], strlen(sv->values[i]), dv->nfixed == 0);
		}
		for (i = 0; i < s->nentries; i++)
		{
			for (k = 0; k < d->klen; k++)
				key[k] = map[k][s->keys[(Size) i * s->klen + k]];
			add_count(d, key, s->counts[i], false);
		}
	}
	/* values seen only where a family had a NULL still count as seen */
	for (v = 0; v < dst->nvars; v++)
		for (i = 0; i < src->vars[v].nvalues; i++)
			value_id(&dst->vars[v], src->vars[v].values[i], strlen(src->vars[v].values[i]),
					 dst->vars[v].nfixed == 0);
	MemoryContextSwitchTo(old);
}

/* bn_fit combine: the sum of two partial states. */
Datum
ecomai_bn_fit_combine(PG_FUNCTION_ARGS)
{
	return ecomai_text_state_combine(fcinfo, &fit_kind, "bn_fit_combine");
}

/* Order value ids by their text (bytewise). */
static int
cmp_value_ids(const void *a, const void *b, void *arg)
{
	char	  **values = (char **) arg;

	return strcmp(values[*(const int *) a], values[*(const int *) b]);
}

/*
 * bn_fit final: CPTs from counts, (n(x, u) + a) / (n(u) + k a) with a the
 * pseudo-count and k the number of states; a parent configuration never
 * seen (with a = 0) gets a uniform row and a NOTICE.
 */
Datum
ecomai_bn_fit_final(PG_FUNCTION_ARGS)
{
	FitState   *st;
	BnSpec		spec;
	int		  **rank;
	int			v,
				i,
				k;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = state_of(PG_GETARG_DATUM(0));
	spec.name = "unknown";
	spec.nvars = st->nvars;
	spec.vars = palloc0(sizeof(BnSpecVar) * st->nvars);
	rank = palloc(sizeof(int *) * st->nvars);
	for (v = 0; v < st->nvars; v++)
	{
		FitVar	   *var = &st->vars[v];
		BnSpecVar  *sv = &spec.vars[v];
		int		   *order = palloc(sizeof(int) * Max(var->nvalues, 1));

		if (var->nvalues == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("variable \"%s\" has no observed values", var->name),
					 errhint("Fix its states in the structure, e.g. [%s{a,b}].", var->name)));
		for (i = 0; i < var->nvalues; i++)
			order[i] = i;
		/* fixed states keep their order; seen values are sorted */
		if (var->nfixed == 0)
			qsort_arg(order, var->nvalues, sizeof(int), cmp_value_ids, var->values);
		rank[v] = palloc(sizeof(int) * var->nvalues);
		sv->name = var->name;
		sv->nstates = var->nvalues;
		sv->states = palloc(sizeof(char *) * var->nvalues);
		for (i = 0; i < var->nvalues; i++)
		{
			rank[v][order[i]] = i;
			sv->states[i] = var->values[order[i]];
		}
		sv->nparents = var->nparents;
		sv->parents = var->parents;
	}
	for (v = 0; v < st->nvars; v++)
	{
		FitVar	   *var = &st->vars[v];
		BnSpecVar  *sv = &spec.vars[v];
		int64		nrows = 1;
		double	   *cnt;
		double		a = st->pseudo_count;
		int64		unseen = 0;
		int64		r;

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < var->nparents; k++)
		{
			nrows *= spec.vars[var->parents[k]].nstates;
			if (nrows * sv->nstates > BN_MAX_CPT)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("CPT of variable \"%s\" has more than %d entries", var->name, BN_MAX_CPT)));
		}
		ecomai_check_memory(sizeof(double) * nrows * sv->nstates, "bn_fit CPT");
		cnt = palloc0(sizeof(double) * nrows * sv->nstates);
		for (i = 0; i < var->nentries; i++)
		{
			const int32 *key = var->keys + (Size) i * var->klen;

			r = 0;
			for (k = 0; k < var->nparents; k++)
				r = r * spec.vars[var->parents[k]].nstates + rank[var->parents[k]][key[k + 1]];
			cnt[r * sv->nstates + rank[v][key[0]]] += (double) var->counts[i];
		}
		for (r = 0; r < nrows; r++)
		{
			double	   *row = cnt + r * sv->nstates;
			double		n = 0;
			int			s;

			for (s = 0; s < sv->nstates; s++)
				n += row[s];
			if (n + sv->nstates * a > 0)
				for (s = 0; s < sv->nstates; s++)
					row[s] = (row[s] + a) / (n + sv->nstates * a);
			else
			{
				unseen++;
				for (s = 0; s < sv->nstates; s++)
					row[s] = 1.0 / sv->nstates;
			}
		}
		if (unseen > 0)
			ereport(NOTICE,
					(errmsg("variable \"%s\": %lld of %lld parent configurations never seen",
							var->name, (long long) unseen, (long long) nrows),
					 errdetail("Their CPT rows are uniform."),
					 errhint("A pseudo_count > 0 in the structure smooths every row.")));
		sv->nrows = nrows;
		sv->cpt = cnt;
	}
	PG_RETURN_POINTER(ecomai_bn_build(&spec, ERRCODE_INVALID_PARAMETER_VALUE));
}
