/*
 * bn_learn.c
 *	  The contingency counts of a data set (type ecomai.bn_counts) built by
 *	  an aggregate over rows given as jsonb objects with named columns, and
 *	  the SQL entry points that learn from them: the bn_learn aggregate and
 *	  function, bn_fit over named columns, bn_score.  Also the options and
 *	  model-string readers shared by the learning code.
 *
 * The counts are the sufficient statistics of every score and every
 * parameter estimate: the distinct rows (one value id per variable, -1 when
 * missing) with how often each occurs, and per variable the distinct values
 * seen (kind-prefixed text: "s:" string, "n:" number, "b:" boolean).  They
 * add up across parallel workers and Citus shards; binning of numbers, the
 * structure search and the parameters all happen in the final step.  During
 * aggregation the state is an expanded object in the aggregate context,
 * updated in place; its flat form is its text form, so a partial state
 * survives a trip through text exactly.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "agg_state.h"
#include "bayesnet.h"
#include "bn_learn.h"
#include "ecomai.h"

PG_FUNCTION_INFO_V1(ecomai_bn_counts_in);
PG_FUNCTION_INFO_V1(ecomai_bn_counts_out);
PG_FUNCTION_INFO_V1(ecomai_bn_counts_recv);
PG_FUNCTION_INFO_V1(ecomai_bn_counts_send);
PG_FUNCTION_INFO_V1(ecomai_bn_counts_accum);
PG_FUNCTION_INFO_V1(ecomai_bn_learn_accum);
PG_FUNCTION_INFO_V1(ecomai_bn_fit_named_accum);
PG_FUNCTION_INFO_V1(ecomai_bn_counts_combine);
PG_FUNCTION_INFO_V1(ecomai_bn_counts_final);
PG_FUNCTION_INFO_V1(ecomai_bn_learn_final);
PG_FUNCTION_INFO_V1(ecomai_bn_learn_counts);
PG_FUNCTION_INFO_V1(ecomai_bn_score);

struct CountsState;

/* A distinct row entry: the index of its tuple in the state's arrays. */
typedef struct RowEntry
{
	uint32		idx;
	uint32		hash;
	char		status;
} RowEntry;

static uint32 row_hash(struct CountsState *st, uint32 idx);
static bool row_equal(struct CountsState *st, uint32 a, uint32 b);

#define SH_PREFIX		bnrows
#define SH_ELEMENT_TYPE RowEntry
#define SH_KEY_TYPE		uint32
#define SH_KEY			idx
#define SH_HASH_KEY(tb, k)	row_hash((struct CountsState *) (tb)->private_data, (k))
#define SH_EQUAL(tb, a, b)	row_equal((struct CountsState *) (tb)->private_data, (a), (b))
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* One variable of the counts. */
typedef struct CountsVar
{
	char	   *name;
	int			nvalues;
	int			capvalues;
	char	  **values;
	BnNameIndex *dict;		/* value -> index in values[] */
} CountsVar;

/* The counts. */
typedef struct CountsState
{
	MemoryContext cxt;			/* everything below lives here */
	char	   *options;		/* canonical options text ("" for bn_counts) */
	char	   *raw;			/* the options argument's bytes last seen */
	int			rawlen;
	int			nvars;
	int			capvars;
	CountsVar  *vars;
	BnNameIndex *names;		/* variable name -> index in vars[] */
	int			width;			/* tuple length: nvars */
	int			nrows;			/* distinct rows */
	int			caprows;		/* allocated rows (one more is the probe slot) */
	int32	   *tup;
	int64	   *cnt;
	bnrows_hash *rows;
} CountsState;

/* Hash of the tuple at idx. */
static uint32
row_hash(CountsState *st, uint32 idx)
{
	return hash_bytes((const unsigned char *) (st->tup + (Size) idx * st->width),
					  sizeof(int32) * st->width);
}

/* Are the tuples at a and b equal? */
static bool
row_equal(CountsState *st, uint32 a, uint32 b)
{
	return memcmp(st->tup + (Size) a * st->width, st->tup + (Size) b * st->width,
				  sizeof(int32) * st->width) == 0;
}

/* A new empty state under parent. */
static CountsState *
new_state(MemoryContext parent, const char *options)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "bn_counts state", ALLOCSET_DEFAULT_SIZES);
	CountsState *st = MemoryContextAllocZero(cxt, sizeof(CountsState));
	MemoryContext old;

	st->cxt = cxt;
	st->options = MemoryContextStrdup(cxt, options);
	old = MemoryContextSwitchTo(cxt);
	st->names = ecomai_name_index_create(16);
	MemoryContextSwitchTo(old);
	st->rows = bnrows_create(cxt, 64, st);
	return st;
}

/* Make room for at least one more row (the probe slot) at width w. */
static void
reserve_rows(CountsState *st)
{
	if (st->nrows + 1 >= st->caprows)
	{
		int			cap = Max(64, st->caprows * 2);
		Size		bytes = (Size) cap * (sizeof(int32) * Max(st->width, 1) + sizeof(int64) + 2 * sizeof(RowEntry));

		ecomai_check_memory(bytes, "bn_counts state");
		st->tup = st->tup ? repalloc_huge(st->tup, sizeof(int32) * (Size) cap * Max(st->width, 1))
			: MemoryContextAllocHuge(st->cxt, sizeof(int32) * (Size) cap * Max(st->width, 1));
		st->cnt = st->cnt ? repalloc_huge(st->cnt, sizeof(int64) * (Size) cap)
			: MemoryContextAllocHuge(st->cxt, sizeof(int64) * (Size) cap);
		st->caprows = cap;
	}
}

/* Widen every tuple to the current number of variables (new ones missing). */
static void
widen(CountsState *st)
{
	int			neww = st->nvars;
	int32	   *t;
	int			i,
				k;

	if (neww == st->width)
		return;
	ecomai_check_memory(sizeof(int32) * (Size) Max(st->caprows, 1) * neww, "bn_counts state");
	t = MemoryContextAllocHuge(st->cxt, sizeof(int32) * (Size) Max(st->caprows, 1) * neww);
	for (i = 0; i < st->nrows; i++)
		for (k = 0; k < neww; k++)
			t[(Size) i * neww + k] = k < st->width ? st->tup[(Size) i * st->width + k] : -1;
	if (st->tup)
		pfree(st->tup);
	st->tup = t;
	st->width = neww;
	/* rebuild the row table: hashes changed */
	bnrows_destroy(st->rows);
	st->rows = bnrows_create(st->cxt, Max(64, st->nrows * 2), st);
	for (i = 0; i < st->nrows; i++)
	{
		bool		found;

		CHECK_FOR_INTERRUPTS();
		bnrows_insert(st->rows, (uint32) i, &found);
	}
}

/* Index of a variable by name, adding it when new. */
static int
var_id(CountsState *st, const char *name, int len)
{
	char	   *s = pnstrdup(name, len);
	int			id = ecomai_name_index_find(st->names, s);
	CountsVar  *var;
	MemoryContext old;

	if (id >= 0)
	{
		pfree(s);
		return id;
	}
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bn_learn row has a column with an empty name")));
	if (st->nvars >= BN_MAX_VARS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bn_learn rows have more than %d columns", BN_MAX_VARS)));
	if (st->nvars >= st->capvars)
	{
		st->capvars = Max(16, st->capvars * 2);
		st->vars = st->vars ? repalloc(st->vars, sizeof(CountsVar) * st->capvars)
			: MemoryContextAlloc(st->cxt, sizeof(CountsVar) * st->capvars);
	}
	var = &st->vars[st->nvars];
	memset(var, 0, sizeof(CountsVar));
	var->name = MemoryContextStrdup(st->cxt, s);
	old = MemoryContextSwitchTo(st->cxt);
	var->dict = ecomai_name_index_create(8);
	MemoryContextSwitchTo(old);
	(void) ecomai_name_index_add(st->names, var->name, st->nvars);
	pfree(s);
	return st->nvars++;
}

/* Id of a (kind-prefixed) value of variable v, adding it when new. */
static int
value_id(CountsState *st, int v, const char *value)
{
	CountsVar  *var = &st->vars[v];
	int			id = ecomai_name_index_find(var->dict, value);

	if (id >= 0)
		return id;
	if (var->nvalues >= PG_INT32_MAX / 4)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column \"%s\" has too many distinct values", var->name)));
	if (var->nvalues >= var->capvalues)
	{
		var->capvalues = Max(8, var->capvalues * 2);
		ecomai_check_memory(sizeof(char *) * (Size) var->capvalues, "bn_counts state");
		var->values = var->values ? repalloc_huge(var->values, sizeof(char *) * var->capvalues)
			: MemoryContextAlloc(st->cxt, sizeof(char *) * var->capvalues);
	}
	var->values[var->nvalues] = MemoryContextStrdup(st->cxt, value);
	(void) ecomai_name_index_add(var->dict, var->values[var->nvalues], var->nvalues);
	return var->nvalues++;
}

/* Add n to the count of the tuple in the probe slot (tup[nrows]). */
static void
add_probe(CountsState *st, int64 n)
{
	bool		found;
	RowEntry   *e = bnrows_insert(st->rows, (uint32) st->nrows, &found);

	if (found)
	{
		if (st->cnt[e->idx] > PG_INT64_MAX - n)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bn_counts count out of range")));
		st->cnt[e->idx] += n;
	}
	else
	{
		st->cnt[st->nrows] = n;
		st->nrows++;
		reserve_rows(st);
	}
}

/* The kind-prefixed text of a scalar jsonb value, or NULL for null. */
static char *
value_text(const JsonbValue *jv, const char *column)
{
	switch (jv->type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			if (jv->val.string.len == 0)
				return NULL;	/* an empty string is missing too */
			return psprintf("s:%.*s", jv->val.string.len, jv->val.string.val);
		case jbvBool:
			return jv->val.boolean ? "b:true" : "b:false";
		case jbvNumeric:
			return psprintf("n:%s", DatumGetCString(DirectFunctionCall1(numeric_out,
																		NumericGetDatum(jv->val.numeric))));
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of column \"%s\" is not a scalar", column),
					 errdetail("Bayesian network variables take strings, numbers or booleans."),
					 errhint("Remove the column from the row (to_jsonb(t) - '%s') or turn it into text.", column)));
	}
	return NULL;
}

/* Count one row. */
static void
add_row(CountsState *st, Jsonb *row)
{
	JsonbIterator *it;
	JsonbValue	jv;
	JsonbIteratorToken tok;
	MemoryContext old;
	char	   *column = NULL;
	int			v = -1,
				k;
	int32	   *probe;

	if (!JB_ROOT_IS_OBJECT(row) || JB_ROOT_IS_SCALAR(row))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bn_learn row must be a jsonb object"),
				 errhint("Pass the row as to_jsonb(t), e.g. to_jsonb(t) - 'id'.")));
	old = MemoryContextSwitchTo(st->cxt);
	/* first pass: new columns widen the tuples */
	it = JsonbIteratorInit(&row->root);
	while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
		if (tok == WJB_KEY)
			var_id(st, jv.val.string.val, jv.val.string.len);
	widen(st);
	reserve_rows(st);
	probe = st->tup + (Size) st->nrows * st->width;
	for (k = 0; k < st->width; k++)
		probe[k] = -1;
	it = JsonbIteratorInit(&row->root);
	while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			v = var_id(st, jv.val.string.val, jv.val.string.len);
			column = st->vars[v].name;
		}
		else if (tok == WJB_VALUE)
		{
			char	   *s = value_text(&jv, column);

			probe[v] = s ? value_id(st, v, s) : -1;
		}
		else if (tok != WJB_BEGIN_OBJECT && tok != WJB_END_OBJECT)
			value_text(&jv, column);	/* a nested value: the error */
	}
	add_probe(st, 1);
	MemoryContextSwitchTo(old);
}

/* The state's text form. */
static void
print_state(StringInfo buf, const void *arg)
{
	const CountsState *st = arg;

	ecomai_append_state_header(buf, "bn_counts", st->options);
	for (int v = 0; v < st->nvars; v++)
	{
		ecomai_append_variable_values(buf, st->vars[v].name, st->vars[v].values, st->vars[v].nvalues);
		appendStringInfoString(buf, ";\n");
	}
	appendStringInfoString(buf, "rows");
	for (int i = 0; i < st->nrows; i++)
	{
		appendStringInfoString(buf, i % 8 ? " (" : "\n(");
		ecomai_append_key_count(buf, st->tup + (Size) i * st->width, st->width, st->cnt[i]);
	}
	appendStringInfoString(buf, ";\n");
}

/* Is a stored value well formed (a kind prefix, a number for "n:")? */
static bool
valid_value(const char *s)
{
	char	   *end;

	if (s[0] == '\0' || s[1] != ':' || s[2] == '\0')
		return false;
	switch (s[0])
	{
		case 's':
			return true;
		case 'b':
			return strcmp(s + 2, "true") == 0 || strcmp(s + 2, "false") == 0;
		case 'n':
			errno = 0;
			(void) strtod(s + 2, &end);
			return *end == '\0';
		default:
			return false;
	}
}

/* Parse and validate a state's text form into a new state under parent. */
static void *
parse_state(MemoryContext parent, const char *text, int code)
{
	BnLexer		lx;
	CountsState *st;
	MemoryContext old;
	int			v,
				k;

	ecomai_lex_init(&lx, text, "bn_counts state", code);
	st = new_state(parent, ecomai_lex_state_header(&lx, "bn_counts", "the options"));
	old = MemoryContextSwitchTo(st->cxt);
	while (ecomai_lex_is_keyword(&lx, "variable"))
	{
		char	   *name = ecomai_lex_variable(&lx);
		char	   *val;

		CHECK_FOR_INTERRUPTS();
		v = st->nvars;
		if (var_id(st, name, strlen(name)) != v)
			ecomai_lex_error(&lx, "variable \"%s\" listed twice", name);
		while ((val = ecomai_lex_value(&lx)) != NULL)
		{
			int			id = st->vars[v].nvalues;

			if (!valid_value(val))
				ecomai_lex_error(&lx, "malformed value \"%s\"", val);
			if (value_id(st, v, val) != id)
				ecomai_lex_error(&lx, "variable \"%s\" lists value \"%s\" twice", name, val);
		}
		ecomai_lex_expect_punct(&lx, ';');
	}
	widen(st);
	if (!ecomai_lex_is_keyword(&lx, "rows"))
		ecomai_lex_error(&lx, "expected \"rows\"");
	ecomai_lex_next(&lx);
	reserve_rows(st);
	while (ecomai_lex_is_punct(&lx, '('))
	{
		int32	   *probe;

		CHECK_FOR_INTERRUPTS();
		ecomai_lex_next(&lx);
		probe = st->tup + (Size) st->nrows * st->width;
		for (k = 0; k < st->width; k++)
			probe[k] = ecomai_lex_int(&lx, -1, st->vars[k].nvalues - 1);
		add_probe(st, ecomai_lex_int(&lx, 1, PG_INT64_MAX));
		ecomai_lex_expect_punct(&lx, ')');
	}
	ecomai_lex_expect_punct(&lx, ';');
	if (lx.kind != BNT_EOF)
		ecomai_lex_error(&lx, "unexpected text after the rows");
	MemoryContextSwitchTo(old);
	return st;
}

/* An empty state like src (same options) under parent. */
static void *
empty_like(MemoryContext parent, const void *srcp)
{
	const CountsState *src = srcp;

	return new_state(parent, src->options);
}

static void merge_into(void *dstp, const void *srcp);

/* How the aggregate-state module prints, parses, copies and merges this state. */
static const EcomaiTextStateKind counts_kind = {
	"bn_counts", print_state, parse_state, offsetof(CountsState, cxt), empty_like, merge_into
};

/* Read access to a state datum: the expanded state itself, or a parsed copy. */
#define state_of(d) ((CountsState *) ecomai_text_state_read((d), &counts_kind))

/* The state's canonical text as a varlena. */
#define state_text(st) ecomai_text_state_text(&counts_kind, (st))

/* The type's text and binary I/O functions. */
ECOMAI_TEXT_STATE_IO(ecomai_bn_counts, counts_kind)

/*
 * Shared transition: count the row (argument 1) under the options whose
 * canonical text canon() gives from the raw argument optarg (bytes compared
 * first, so the options are read once per group).
 */
static Datum
accum(FunctionCallInfo fcinfo, const char *fname, int optarg, char *(*canon) (Datum))
{
	MemoryContext aggcxt = ecomai_aggregate_context(fcinfo, fname);
	EcomaiTextState *e;
	CountsState *st;
	struct varlena *raw = NULL;

	if (optarg > 0)
	{
		if (PG_ARGISNULL(optarg))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("options must not be null")));
		raw = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(optarg));
	}
	if (PG_ARGISNULL(0))
		e = ecomai_text_state_expand(&counts_kind, new_state(aggcxt, optarg > 0 ? canon(PointerGetDatum(raw)) : ""));
	else
		e = ecomai_text_state_for_update(PG_GETARG_DATUM(0), &counts_kind, aggcxt);
	st = e->st;
	if (raw && (VARSIZE_ANY(raw) != st->rawlen || memcmp(raw, st->raw, st->rawlen) != 0))
	{
		char	   *c = canon(PointerGetDatum(raw));

		if (strcmp(c, st->options) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s options must be the same in every row", fname),
					 errdetail("Got %s after %s.", c, st->options)));
		st->raw = MemoryContextAlloc(st->cxt, VARSIZE_ANY(raw));
		memcpy(st->raw, raw, VARSIZE_ANY(raw));
		st->rawlen = VARSIZE_ANY(raw);
	}
	if (!PG_ARGISNULL(1))
		add_row(st, PG_GETARG_JSONB_P(1));
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* Canonical text of jsonb options (validated). */
static char *
canon_options(Datum d)
{
	Jsonb	   *jb = DatumGetJsonbP(d);
	BnLearnOpts o;

	ecomai_bn_parse_options(jb, &o);
	return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
}

/* Canonical options of bn_fit(structure, row): the structure as a start, no search. */
static char *
canon_structure(Datum d)
{
	char	   *s = TextDatumGetCString(d);
	JsonbParseState *ps = NULL;
	JsonbValue *res;
	Jsonb	   *jb;

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	ecomai_jsonb_push_string(&ps, "algorithm", "none");
	ecomai_jsonb_push_string(&ps, "start", s);
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	jb = JsonbValueToJsonb(res);
	return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
}

/* bn_counts(row) transition. */
Datum
ecomai_bn_counts_accum(PG_FUNCTION_ARGS)
{
	return accum(fcinfo, "bn_counts_accum", 0, NULL);
}

/* bn_learn(row, options) transition. */
Datum
ecomai_bn_learn_accum(PG_FUNCTION_ARGS)
{
	return accum(fcinfo, "bn_learn_accum", 2, canon_options);
}

/* bn_fit(structure, row) transition (structure first, as in the positional bn_fit). */
Datum
ecomai_bn_fit_named_accum(PG_FUNCTION_ARGS)
{
	/* arguments: state, structure, row: swap into the shared order */
	LOCAL_FCINFO(inner, 3);

	InitFunctionCallInfoData(*inner, fcinfo->flinfo, 3, fcinfo->fncollation, fcinfo->context, NULL);
	inner->args[0] = fcinfo->args[0];
	inner->args[1] = fcinfo->args[2];
	inner->args[2] = fcinfo->args[1];
	return accum(inner, "bn_fit_named_accum", 2, canon_structure);
}

/* Add the rows of src into dst, mapping value ids by name. */
static void
merge_into(void *dstp, const void *srcp)
{
	CountsState *dst = dstp;
	const CountsState *src = srcp;
	MemoryContext old;
	int		   *vmap;
	int		  **map;
	int			v,
				i;

	ecomai_check_states_match("bn_counts", "options", dst->options, src->options);
	old = MemoryContextSwitchTo(dst->cxt);
	vmap = palloc(sizeof(int) * Max(src->nvars, 1));
	map = palloc(sizeof(int *) * Max(src->nvars, 1));
	for (v = 0; v < src->nvars; v++)
		vmap[v] = var_id(dst, src->vars[v].name, strlen(src->vars[v].name));
	widen(dst);
	for (v = 0; v < src->nvars; v++)
	{
		map[v] = palloc(sizeof(int) * Max(src->vars[v].nvalues, 1));
		for (i = 0; i < src->vars[v].nvalues; i++)
			map[v][i] = value_id(dst, vmap[v], src->vars[v].values[i]);
	}
	for (i = 0; i < src->nrows; i++)
	{
		int32	   *probe;
		int			k;

		CHECK_FOR_INTERRUPTS();
		reserve_rows(dst);
		probe = dst->tup + (Size) dst->nrows * dst->width;
		for (k = 0; k < dst->width; k++)
			probe[k] = -1;
		for (v = 0; v < src->nvars; v++)
		{
			int32		id = src->tup[(Size) i * src->width + v];

			probe[vmap[v]] = id < 0 ? -1 : map[v][id];
		}
		add_probe(dst, src->cnt[i]);
	}
	MemoryContextSwitchTo(old);
}

/* Combine: the sum of two partial states. */
Datum
ecomai_bn_counts_combine(PG_FUNCTION_ARGS)
{
	return ecomai_text_state_combine(fcinfo, &counts_kind, "bn_counts_combine");
}

/* bn_counts final: the state as a value (its flat text). */
Datum
ecomai_bn_counts_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(state_text(state_of(PG_GETARG_DATUM(0))));
}

/* Order of variable indexes by name. */
static int
cmp_names_idx(const void *a, const void *b, void *arg)
{
	char	  **names = (char **) arg;

	return strcmp(names[*(const int *) a], names[*(const int *) b]);
}

/* Lexicographic order of rows of a data set (for a canonical, order-free data set). */
static int
cmp_rows(const void *a, const void *b, void *arg)
{
	const BnData *d = (const BnData *) arg;
	int			i = *(const int *) a,
				j = *(const int *) b,
				v;

	for (v = 0; v < d->nvars; v++)
		if (d->col[v][i] != d->col[v][j])
			return d->col[v][i] < d->col[v][j] ? -1 : 1;
	return 0;
}

/* Does a model string '[a][b|a:c] ...' name the variable? */
static bool
model_mentions(const char *model, const char *name)
{
	const char *end = strrchr(model, ']');
	const char *p = model;
	int			len = strlen(name);

	if (end == NULL)
		return false;
	while (p < end)
	{
		const char *a,
				   *b;

		while (p < end && strchr("[]|:", *p))
			p++;
		a = p;
		while (p < end && !strchr("[]|:", *p))
			p++;
		b = p;
		while (a < b && (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' || b[-1] == '\r'))
			b--;
		if (b - a == len && strncmp(a, name, len) == 0)
			return true;
	}
	return false;
}

/*
 * The data set of a state under options: values mapped to states (numbers
 * binned), variables ordered by name, rows in canonical order with equal
 * ones merged.
 */
static BnData *
make_data(const CountsState *st, BnLearnOpts *o)
{
	BnData	   *d = palloc0(sizeof(BnData));
	BnData		tmp;
	int		   *order = palloc(sizeof(int) * Max(st->nvars, 1));
	char	  **names = palloc(sizeof(char *) * Max(st->nvars, 1));
	int		  **vmap = palloc(sizeof(int *) * Max(st->nvars, 1));
	int		   *rorder;
	int			v,
				i,
				m;

	if (st->nvars == 0 || st->nrows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bn_learn got no rows with columns")));
	for (v = 0; v < st->nvars; v++)
	{
		order[v] = v;
		names[v] = st->vars[v].name;
	}
	qsort_arg(order, st->nvars, sizeof(int), cmp_names_idx, names);
	d->nvars = st->nvars;
	if (o->algorithm == BNA_NONE && o->start)
	{
		/* a given structure: the other columns are not read (nor checked) */
		int			k = 0;

		for (m = 0; m < st->nvars; m++)
			if (model_mentions(o->start, st->vars[order[m]].name))
				order[k++] = order[m];
		d->nvars = k;
		if (k == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("no column of the rows is a variable of the structure \"%s\"", o->start)));
	}
	d->names = palloc(sizeof(char *) * d->nvars);
	d->card = palloc(sizeof(int) * d->nvars);
	d->states = palloc(sizeof(char **) * d->nvars);
	for (m = 0; m < d->nvars; m++)
	{
		const CountsVar *cv = &st->vars[order[m]];
		BnRawVar	rv;

		CHECK_FOR_INTERRUPTS();
		rv.name = cv->name;
		rv.nvalues = cv->nvalues;
		rv.values = cv->values;
		rv.weight = palloc0(sizeof(double) * Max(cv->nvalues, 1));
		for (i = 0; i < st->nrows; i++)
		{
			int32		id = st->tup[(Size) i * st->width + order[m]];

			if (id >= 0)
				rv.weight[id] += (double) st->cnt[i];
		}
		d->names[m] = cv->name;
		vmap[m] = ecomai_bn_map_values(&rv, o, &d->card[m], &d->states[m]);
	}
	ecomai_check_memory((Size) st->nrows * (sizeof(int32) * d->nvars + sizeof(double) + sizeof(int)) * 2,
						"bn_learn data set");
	tmp.nvars = d->nvars;
	tmp.nrows = st->nrows;
	tmp.col = palloc(sizeof(int32 *) * d->nvars);
	for (m = 0; m < d->nvars; m++)
	{
		tmp.col[m] = palloc(sizeof(int32) * st->nrows);
		for (i = 0; i < st->nrows; i++)
		{
			int32		id = st->tup[(Size) i * st->width + order[m]];

			tmp.col[m][i] = id < 0 ? -1 : vmap[m][id];
		}
	}
	rorder = palloc(sizeof(int) * st->nrows);
	for (i = 0; i < st->nrows; i++)
		rorder[i] = i;
	qsort_arg(rorder, st->nrows, sizeof(int), cmp_rows, &tmp);
	d->col = palloc(sizeof(int32 *) * d->nvars);
	for (m = 0; m < d->nvars; m++)
		d->col[m] = palloc(sizeof(int32) * st->nrows);
	d->w = palloc(sizeof(double) * st->nrows);
	d->nrows = 0;
	d->total = 0;
	for (i = 0; i < st->nrows; i++)
	{
		int			r = rorder[i];

		if (d->nrows > 0 && cmp_rows(&rorder[i - 1], &r, &tmp) == 0)
			d->w[d->nrows - 1] += (double) st->cnt[r];
		else
		{
			for (m = 0; m < d->nvars; m++)
				d->col[m][d->nrows] = tmp.col[m][r];
			d->w[d->nrows++] = (double) st->cnt[r];
		}
		d->total += (double) st->cnt[r];
	}
	for (m = 0; m < d->nvars; m++)
		pfree(tmp.col[m]);
	return d;
}

/* Index of a variable of a data set by name; ERROR 22023 naming a few known ones. */
int
ecomai_bn_data_var(const BnData *d, const char *name, const char *what)
{
	int			v;
	StringInfoData buf;

	for (v = 0; v < d->nvars; v++)
		if (strcmp(d->names[v], name) == 0)
			return v;
	initStringInfo(&buf);
	for (v = 0; v < d->nvars && v < 8; v++)
		appendStringInfo(&buf, "%s\"%s\"", v ? ", " : "", d->names[v]);
	if (d->nvars > 8)
		appendStringInfoString(&buf, ", ...");
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown variable \"%s\" in %s", name, what),
			 errdetail("The data has the columns %s.", buf.data)));
	return -1;
}

/*
 * Learn a network from a state under options: the data set, the structure
 * (given, searched or built), the parameters.
 */
static BayesNet *
learn(const CountsState *st, BnLearnOpts *o)
{
	BnData	   *d = make_data(st, o);
	int		   *nparents = palloc0(sizeof(int) * d->nvars);
	int		  **parents = palloc0(sizeof(int *) * d->nvars);
	int		   *order = NULL;
	int			v;

	for (v = 0; v < d->nvars; v++)
		parents[v] = palloc(sizeof(int) * d->nvars);
	if (o->start)
		ecomai_bn_parse_model(o->start, d, &nparents, &parents, o);
	else if (o->empty_start)
		o->start = "";			/* no tree start in the search */
	if (o->algorithm != BNA_NONE)
		ecomai_bn_search(d, o, nparents, parents);
	if (o->order != NIL)
	{
		ListCell   *lc;
		int			k = 0;

		order = palloc(sizeof(int) * list_length(o->order));
		foreach(lc, o->order)
			order[k++] = lfirst_int(lc);
	}
	return ecomai_bn_fit_params(d, o, nparents, parents, order);
}

/* bn_learn aggregate final (and bn_fit over named columns). */
Datum
ecomai_bn_learn_final(PG_FUNCTION_ARGS)
{
	CountsState *st;
	BnLearnOpts o;
	Jsonb	   *jb;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = state_of(PG_GETARG_DATUM(0));
	if (st->nrows == 0)
		PG_RETURN_NULL();		/* only NULL rows */
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(st->options[0] ? st->options : "{}")));
	ecomai_bn_parse_options(jb, &o);
	PG_RETURN_POINTER(learn(st, &o));
}

/* bn_learn(counts, options): learn from counts built once by bn_counts. */
Datum
ecomai_bn_learn_counts(PG_FUNCTION_ARGS)
{
	CountsState *st = state_of(PG_GETARG_DATUM(0));
	BnLearnOpts o;

	ecomai_bn_parse_options(PG_GETARG_JSONB_P(1), &o);
	PG_RETURN_POINTER(learn(st, &o));
}

/*
 * bn_score(bn, counts, score, iss): the score of a network's structure on
 * data, the sum of its families' scores (the network's states and bins map
 * the data; values it does not know are missing).
 */
Datum
ecomai_bn_score(PG_FUNCTION_ARGS)
{
	BayesNet   *bn = PG_GETARG_BAYESNET(0);
	CountsState *st = state_of(PG_GETARG_DATUM(1));
	BnScoreKind kind = ecomai_bn_score_kind(text_to_cstring(PG_GETARG_TEXT_PP(2)));
	double		iss = PG_GETARG_FLOAT8(3);
	BnLearnOpts o;
	BnData	   *d;
	int		   *map;
	int		   *par = palloc(sizeof(int) * bn->nvars);
	double		total = 0;
	int			v,
				j;
	Jsonb	   *empty = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));

	if (!(iss > 0) || isinf(iss))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("iss must be positive and finite")));
	ecomai_bn_parse_options(empty, &o);
	o.max_states = BN_MAX_STATES;
	/* the network's own bins for binned variables */
	o.bins = palloc0(sizeof(BnBins) * bn->nvars);
	for (v = 0; v < bn->nvars; v++)
		if (ecomai_bn_is_binned(bn, v))
		{
			BnBins	   *b = &o.bins[o.nbins++];
			double		lo,
						hi;

			b->name = BN_VAR_NAME(bn, v);
			b->nedges = BN_VARS(bn)[v].nstates - 1;
			b->edges = palloc(sizeof(double) * Max(b->nedges, 1));
			for (j = 0; j < b->nedges; j++)
			{
				ecomai_bn_parse_bin(BN_STATE_NAME(bn, v, j), &lo, &hi);
				b->edges[j] = hi;
			}
		}
	d = make_data(st, &o);
	/* remap the data's states onto the network's */
	map = palloc(sizeof(int) * bn->nvars);
	for (v = 0; v < bn->nvars; v++)
	{
		int			dv = ecomai_bn_data_var(d, BN_VAR_NAME(bn, v), "the data of bn_score");
		int		   *smap = palloc(sizeof(int) * Max(d->card[dv], 1));
		int			i;

		map[v] = dv;
		for (j = 0; j < d->card[dv]; j++)
			smap[j] = ecomai_bn_find_state(bn, v, d->states[dv][j]);
		for (i = 0; i < d->nrows; i++)
			if (d->col[dv][i] >= 0)
				d->col[dv][i] = smap[d->col[dv][i]];
		d->card[dv] = BN_VARS(bn)[v].nstates;
	}
	for (v = 0; v < bn->nvars; v++)
	{
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < BN_VARS(bn)[v].nparents; j++)
			par[j] = map[BN_VAR_PARENTS(bn, v)[j]];
		total += ecomai_bn_family_score(d, map[v], par, BN_VARS(bn)[v].nparents, kind, iss);
	}
	PG_RETURN_FLOAT8(total);
}

/* ---- options ---- */

/* Raise an options error. */
static void
option_error(const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid bn_learn option \"%s\"", key),
			 errdetail("%s", detail),
			 errhint("docs/bn_learn.md lists the options.")));
}

/* A jsonb value as an integer in [lo, hi]. */
static int64
opt_int(const char *key, JsonbValue *v, int64 lo, int64 hi)
{
	double		x;

	if (v->type != jbvNumeric)
		option_error(key, "It must be a number.");
	x = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
	if (x != floor(x) || x < lo || x > hi)
		option_error(key, psprintf("It must be an integer between " INT64_FORMAT " and " INT64_FORMAT ".", lo, hi));
	return (int64) x;
}

/* A jsonb value as a finite double. */
static double
opt_double(const char *key, JsonbValue *v)
{
	double		x;

	if (v->type != jbvNumeric)
		option_error(key, "It must be a number.");
	x = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
	if (isnan(x) || isinf(x))
		option_error(key, "It must be finite.");
	return x;
}

/* A jsonb value as a string. */
static char *
opt_string(const char *key, JsonbValue *v)
{
	if (v->type != jbvString)
		option_error(key, "It must be a string.");
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* Read an arc list [["from","to"], ...] into pairs. */
static int
opt_arcs(const char *key, JsonbValue *v, char ***out)
{
	JsonbIterator *it;
	JsonbValue	x;
	JsonbIteratorToken tok;
	List	   *names = NIL;
	int			depth = 0,
				k = 0,
				inner = 0;
	ListCell   *lc;

	if (v->type != jbvBinary)
		option_error(key, "It must be an array of [\"from\", \"to\"] pairs.");
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &x, false)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_ARRAY)
		{
			depth++;
			inner = 0;
			if (depth > 2)
				option_error(key, "It must be an array of [\"from\", \"to\"] pairs.");
		}
		else if (tok == WJB_END_ARRAY)
		{
			if (depth == 2 && inner != 2)
				option_error(key, "Each arc is a pair [\"from\", \"to\"].");
			depth--;
		}
		else if (tok == WJB_ELEM && depth == 2 && x.type == jbvString)
		{
			names = lappend(names, pnstrdup(x.val.string.val, x.val.string.len));
			inner++;
		}
		else
			option_error(key, "It must be an array of [\"from\", \"to\"] pairs of names.");
	}
	*out = palloc(sizeof(char *) * Max(list_length(names), 1));
	foreach(lc, names)
		(*out)[k++] = lfirst(lc);
	return k / 2;
}

/* Read the bins object {"column": 4 | [edge, ...]}. */
static void
opt_bins(JsonbValue *v, BnLearnOpts *o)
{
	JsonbIterator *it;
	JsonbValue	x;
	JsonbIteratorToken tok;
	List	   *edges = NIL;
	BnBins	   *cur = NULL;
	int			cap = 0,
				depth = 0;

	if (v->type != jbvBinary)
		option_error("bins", "It must be an object {\"column\": number of bins or [edges]}.");
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &x, false)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_OBJECT:
				if (++depth > 1)
					option_error("bins", "Give a number of bins or an array of edges per column.");
				break;
			case WJB_END_OBJECT:
				depth--;
				break;
			case WJB_KEY:
				if (o->nbins >= cap)
				{
					cap = Max(8, cap * 2);
					o->bins = o->bins ? repalloc(o->bins, sizeof(BnBins) * cap) : palloc(sizeof(BnBins) * cap);
				}
				cur = &o->bins[o->nbins++];
				memset(cur, 0, sizeof(BnBins));
				cur->name = pnstrdup(x.val.string.val, x.val.string.len);
				break;
			case WJB_VALUE:
				cur->nbreaks = opt_int("bins", &x, 1, BN_MAX_STATES);
				break;
			case WJB_BEGIN_ARRAY:
				if (++depth != 2)
					option_error("bins", "Give a number of bins or an array of edges per column.");
				edges = NIL;
				break;
			case WJB_ELEM:
				{
					double	   *e = palloc(sizeof(double));

					*e = opt_double("bins", &x);
					edges = lappend(edges, e);
					break;
				}
			case WJB_END_ARRAY:
				{
					ListCell   *lc;
					int			k = 0;

					depth--;
					if (edges == NIL || list_length(edges) >= BN_MAX_STATES)
						option_error("bins", "An array of edges needs at least one edge.");
					cur->nedges = list_length(edges);
					cur->edges = palloc(sizeof(double) * cur->nedges);
					foreach(lc, edges)
					{
						cur->edges[k] = *(double *) lfirst(lc);
						if (k > 0 && !(cur->edges[k] > cur->edges[k - 1]))
							option_error("bins", psprintf("The edges of \"%s\" must increase.", cur->name));
						k++;
					}
					break;
				}
			default:
				break;
		}
	}
}

static const EcomaiNamedValue score_names[] = {
	{"bic", BNS_BIC}, {"aic", BNS_AIC}, {"loglik", BNS_LOGLIK},
	{"bde", BNS_BDEU}, {"bdeu", BNS_BDEU}, {"k2", BNS_K2}, {NULL, 0}
};

static const EcomaiNamedValue algorithm_names[] = {
	{"hc", BNA_HC}, {"tabu", BNA_TABU}, {"chow_liu", BNA_CHOW_LIU}, {"chow.liu", BNA_CHOW_LIU},
	{"tan", BNA_TAN}, {"naive_bayes", BNA_NAIVE_BAYES}, {"naive.bayes", BNA_NAIVE_BAYES},
	{"none", BNA_NONE}, {NULL, 0}
};

/* BnScoreKind from its name; ERROR 22023 listing the names. */
BnScoreKind
ecomai_bn_score_kind(const char *s)
{
	return (BnScoreKind) ecomai_named_value_or_error(score_names, s, "score",
													 "The scores are bic, aic, loglik, bdeu (or bde) and k2.");
}

static const EcomaiNamedValue param_methods[] = {{"mle", false}, {"bayes", true}, {NULL, 0}};

static const EcomaiNamedValue binning_methods[] = {{"quantile", true}, {"interval", false}, {NULL, 0}};

/* A string option naming a value of table; otherwise an options error with detail. */
static int
opt_named(const char *key, JsonbValue *v, const EcomaiNamedValue *table, const char *detail)
{
	int			value = ecomai_named_value(table, opt_string(key, v));

	if (value < 0)
		option_error(key, detail);
	return value;
}

/* bn_learn's default options. */
static void
default_options(BnLearnOpts *o)
{
	memset(o, 0, sizeof(BnLearnOpts));
	o->algorithm = BNA_HC;
	o->score = BNS_BIC;
	o->iss = 1;
	o->max_parents = BN_MAX_VARS;
	o->perturb = 1;
	o->tabu = 10;
	o->max_tabu = 10;
	o->max_iter = PG_INT32_MAX;
	o->max_states = 64;
	o->quantile = true;
	o->breaks = 3;
}

/* Check the options against each other once all are read. */
static void
check_option_combinations(const BnLearnOpts *o)
{
	int			i,
				j;

	for (i = 0; i < o->nwhite; i++)
		for (j = 0; j < o->nblack; j++)
			if (strcmp(o->white[2 * i], o->black[2 * j]) == 0 &&
				strcmp(o->white[2 * i + 1], o->black[2 * j + 1]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("arc \"%s\" -> \"%s\" is in both the whitelist and the blacklist",
								o->white[2 * i], o->white[2 * i + 1])));
	if ((o->algorithm == BNA_TAN || o->algorithm == BNA_NAIVE_BAYES) && o->target == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a target", o->algorithm == BNA_TAN ? "tan" : "naive_bayes"),
				 errhint("Add \"target\": \"column\" to the options.")));
	if (o->algorithm == BNA_NONE && o->start == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("algorithm none needs a start structure"),
				 errhint("Add \"start\": \"[a][b|a]\" to the options.")));
}

/* Read bn_learn's options (a jsonb object; {} gives the defaults). */
void
ecomai_bn_parse_options(Jsonb *jb, BnLearnOpts *o)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	default_options(o);
	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bn_learn options must be a jsonb object"),
				 errhint("For example '{\"score\": \"bdeu\", \"iss\": 10}'.")));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		if (strcmp(key, "algorithm") == 0)
			o->algorithm = opt_named(key, &v, algorithm_names,
									 "The algorithms are hc, tabu, chow_liu, tan, naive_bayes and none.");
		else if (strcmp(key, "score") == 0)
			o->score = ecomai_bn_score_kind(opt_string(key, &v));
		else if (strcmp(key, "iss") == 0)
		{
			o->iss = opt_double(key, &v);
			if (!(o->iss > 0))
				option_error(key, "It must be positive.");
		}
		else if (strcmp(key, "max_parents") == 0)
			o->max_parents = opt_int(key, &v, 0, BN_MAX_VARS);
		else if (strcmp(key, "restarts") == 0)
			o->restarts = opt_int(key, &v, 0, 100000);
		else if (strcmp(key, "perturb") == 0)
			o->perturb = opt_int(key, &v, 1, 100000);
		else if (strcmp(key, "tabu") == 0)
			o->tabu = opt_int(key, &v, 0, 100000);
		else if (strcmp(key, "max_tabu") == 0)
			o->max_tabu = opt_int(key, &v, 0, 100000);
		else if (strcmp(key, "max_iter") == 0)
			o->max_iter = opt_int(key, &v, 0, PG_INT32_MAX);
		else if (strcmp(key, "seed") == 0)
			o->seed = opt_int(key, &v, PG_INT64_MIN / 2, PG_INT64_MAX / 2);
		else if (strcmp(key, "params") == 0 || strcmp(key, "method") == 0)
			o->bayes = opt_named(key, &v, param_methods, "The parameter methods are mle and bayes.");
		else if (strcmp(key, "pseudo_count") == 0)
		{
			o->pseudo_count = opt_double(key, &v);
			if (o->pseudo_count < 0)
				option_error(key, "It must not be negative.");
		}
		else if (strcmp(key, "max_states") == 0)
			o->max_states = opt_int(key, &v, 1, BN_MAX_STATES);
		else if (strcmp(key, "target") == 0)
			o->target = opt_string(key, &v);
		else if (strcmp(key, "root") == 0)
			o->root = opt_string(key, &v);
		else if (strcmp(key, "start") == 0)
		{
			o->start = opt_string(key, &v);
			if (strcmp(o->start, "empty") == 0)
			{
				o->start = NULL;
				o->empty_start = true;
			}
			else if (strcmp(o->start, "chow_liu") == 0)
				o->start = NULL;
		}
		else if (strcmp(key, "whitelist") == 0)
			o->nwhite = opt_arcs(key, &v, &o->white);
		else if (strcmp(key, "blacklist") == 0)
			o->nblack = opt_arcs(key, &v, &o->black);
		else if (strcmp(key, "discretize") == 0)
			o->quantile = opt_named(key, &v, binning_methods,
									"The binning methods are quantile and interval.");
		else if (strcmp(key, "breaks") == 0)
			o->breaks = opt_int(key, &v, 1, BN_MAX_STATES);
		else if (strcmp(key, "bins") == 0)
			opt_bins(&v, o);
		else
			option_error(key, "The options are algorithm, score, iss, max_parents, restarts, perturb, tabu, "
						 "max_tabu, max_iter, seed, params, pseudo_count, max_states, target, root, start, "
						 "whitelist, blacklist, discretize, breaks and bins.");
	}
	check_option_combinations(o);
}

/* Raise a model-string error. */
static void
model_error(const char *model, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid network structure \"%s\"", model),
			 errdetail("%s", detail),
			 errhint("Write it as bnlearn does, e.g. '[weather][umbrella|weather][early|weather:umbrella]'.")));
}

/* Read a trimmed name up to the next structure character. */
static char *
model_name(const char **pp, const char *model)
{
	char	   *name = ecomai_read_trimmed_name(pp, "[]|:");

	if (name == NULL)
		model_error(model, "A name is empty or missing.");
	return name;
}

/*
 * Read a model string '[a][b|a][c|a:b]' over the variables of d into the
 * parent lists (a cyclic structure is ERROR 22023).  Variables it does not
 * name have no parents; when the algorithm is none, the network is exactly
 * the named variables, in the string's order (o->order).  A trailing
 * 'pseudo_count=x' sets the mle smoothing, as in the positional bn_fit.
 */
void
ecomai_bn_parse_model(const char *model, const BnData *d, int **nparents, int ***parents,
					  BnLearnOpts *o)
{
	const char *p = ecomai_skip_blank(model);
	bool	   *named = palloc0(sizeof(bool) * d->nvars);
	int			v,
				j;

	if (*p != '[')
		model_error(model, "It has no nodes.");
	while (*p == '[')
	{
		char	   *name;

		p++;
		name = model_name(&p, model);
		v = ecomai_bn_data_var(d, name, "the structure");
		if (named[v])
			model_error(model, psprintf("Variable \"%s\" appears twice.", name));
		named[v] = true;
		if (o->algorithm == BNA_NONE)
			o->order = lappend_int(o->order, v);
		if (*p == '|')
		{
			p++;
			for (;;)
			{
				char	   *pn = model_name(&p, model);
				int			u = ecomai_bn_data_var(d, pn, "the structure");

				if (u == v)
					model_error(model, psprintf("Variable \"%s\" is its own parent.", pn));
				for (j = 0; j < (*nparents)[v]; j++)
					if ((*parents)[v][j] == u)
						model_error(model, psprintf("Variable \"%s\" has parent \"%s\" twice.", name, pn));
				(*parents)[v][(*nparents)[v]++] = u;
				if (*p != ':')
					break;
				p++;
			}
		}
		if (*p != ']')
			model_error(model, "A node lacks its \"]\".");
		p = ecomai_skip_blank(p + 1);
	}
	if (strncmp(p, "pseudo_count=", 13) == 0)
	{
		char	   *end;

		o->pseudo_count = strtod(p + 13, &end);
		if (end == p + 13 || !(o->pseudo_count >= 0) || isinf(o->pseudo_count))
			model_error(model, "pseudo_count must be a number >= 0.");
		p = ecomai_skip_blank(end);
	}
	if (*p)
		model_error(model, "Unexpected text after the last node.");
	if (o->algorithm == BNA_NONE)
		for (v = 0; v < d->nvars; v++)
			for (j = 0; j < (*nparents)[v]; j++)
				if (!named[(*parents)[v][j]])
					model_error(model, psprintf("Parent \"%s\" is not a node of the structure.",
												d->names[(*parents)[v][j]]));
	ecomai_bn_check_acyclic(d->nvars, *nparents, *parents, d->names, ERRCODE_INVALID_PARAMETER_VALUE);
}
