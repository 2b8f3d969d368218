/*
 * mf_model.c
 *	  The ecomai.mf_model type: allocation, key dictionaries, and the text and
 *	  binary I/O (see mf.h for the layout).
 *
 * Text form (whitespace between tokens is free; doubles in shortest
 * round-trip form, so text -> model -> text is exact):
 *
 *	 version=1 kind=implicit solver=cg factors=2 iterations=10 seed=0
 *	 regularization=50 alpha=5 global_mean=0 user_type="bigint" item_type="text"
 *	 log 2: 0.51 NaN; 0.43 NaN
 *	 users 2: "1" 0 0.1 0.2; "2" 0 0.3 0.4
 *	 items 1: "a" 0 0.5 0.6
 *
 * Each user or item entry is its key (double-quoted, \" and \\ escaped), its
 * bias, then its factors.  The binary form is the text form (recv parses and
 * validates it like input), so a model can never be read back unchecked.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "parser/parse_type.h"
#include "access/detoast.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "ecomai.h"
#include "mf.h"

PG_FUNCTION_INFO_V1(ecomai_mf_model_in);
PG_FUNCTION_INFO_V1(ecomai_mf_model_out);
PG_FUNCTION_INFO_V1(ecomai_mf_model_recv);
PG_FUNCTION_INFO_V1(ecomai_mf_model_send);

/* "implicit" or "explicit" */
const char *
ecomai_mf_kind_name(int kind)
{
	return kind == MF_EXPLICIT ? "explicit" : "implicit";
}

/* "cg" or "cholesky" */
const char *
ecomai_mf_solver_name(int solver)
{
	return solver == MF_SOLVER_CHOLESKY ? "cholesky" : "cg";
}

/* Bytes of a model with these dimensions; 0 when the size overflows. */
Size
ecomai_mf_size(int factors, int nusers, int nitems, int nlog,
			   Size user_key_bytes, Size item_key_bytes)
{
	double		doubles = ((double) nusers + nitems) * ((double) factors + 1) + 2.0 * nlog;
	double		bytes = MF_HEADER_SIZE + 8.0 * doubles + 4.0 * ((double) nusers + nitems + 2)
		+ (double) user_key_bytes + (double) item_key_bytes;

	if (bytes >= (double) MaxAllocHugeSize)
		return 0;
	return (Size) bytes;
}

/* Allocate a zeroed model with its header filled in (see mf.h). */
MfModel *
ecomai_mf_alloc(const MfModel *header, Size user_key_bytes, Size item_key_bytes, const char *what)
{
	Size		size = ecomai_mf_size(header->factors, header->nusers, header->nitems, header->nlog,
									  user_key_bytes, item_key_bytes);
	MfModel    *m;

	if (size == 0 || size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("matrix factorisation model of %d users, %d items and %d factors is too large",
						header->nusers, header->nitems, header->factors),
				 errdetail("A model value is limited to 1 GB."),
				 errhint("Use fewer factors, or fewer users or items.")));
	m = ecomai_new_value(size, header, sizeof(MfModel), what);
	m->version = MF_VERSION;
	m->user_key_bytes = (int32) user_key_bytes;
	m->item_key_bytes = (int32) item_key_bytes;
	return m;
}

/* Index of key text "key" among n sorted keys, or -1 (binary search). */
int
ecomai_mf_find_key(const int32 *off, const char *keys, int n, const char *key)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = strcmp(keys + off[mid], key);

		if (c < 0)
			lo = mid + 1;
		else if (c > 0)
			hi = mid - 1;
		else
			return mid;
	}
	return -1;
}

/* The model's text form of a key given as a Datum (see mf.h). */
char *
ecomai_mf_key_text(Datum value, Oid argtype, Oid keytype)
{
	Oid			func;
	Oid			ioparam;
	bool		isvarlena;
	char	   *text;

	getTypeOutputInfo(argtype, &func, &isvarlena);
	text = OidOutputFunctionCall(func, value);
	if (argtype == keytype)
		return text;
	getTypeInputInfo(keytype, &func, &ioparam);
	value = OidInputFunctionCall(func, text, ioparam, -1);
	getTypeOutputInfo(keytype, &func, &isvarlena);
	return OidOutputFunctionCall(func, value);
}

/* A Datum of type resulttype from a key's text form. */
Datum
ecomai_mf_key_datum(const char *key, Oid resulttype)
{
	Oid			func;
	Oid			ioparam;

	getTypeInputInfo(resulttype, &func, &ioparam);
	return OidInputFunctionCall(func, (char *) key, ioparam, -1);
}

/* Models kept detoasted for the calls of one query (see ecomai_mf_arg). */
#define MF_CACHE_SLOTS 8

typedef struct MfCache
{
	int			next;			/* slot to replace next (round robin) */
	Size		bytes;			/* sum of the cached models' sizes */
	varatt_external ptr[MF_CACHE_SLOTS];
	MfModel    *model[MF_CACHE_SLOTS];
} MfCache;

/*
 * The model of argument argno, detoasted once per query when it is stored
 * out of line: a query scoring many rows against a few models read from a
 * table would otherwise decompress a model per row.  Up to MF_CACHE_SLOTS
 * models are kept in fn_extra, keyed by their TOAST pointers, as long as
 * they fit in ecomai.max_memory together.
 */
MfModel *
ecomai_mf_arg(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	MfCache    *cache = (MfCache *) fcinfo->flinfo->fn_extra;
	varatt_external ptr;
	MfModel    *m;
	MemoryContext old;
	int			s;

	if (!VARATT_IS_EXTERNAL_ONDISK(raw))
		return DatumGetMfModelP(PointerGetDatum(raw));
	VARATT_EXTERNAL_GET_POINTER(ptr, raw);
	if (cache == NULL)
		cache = fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(MfCache));
	for (s = 0; s < MF_CACHE_SLOTS; s++)
		if (cache->model[s] && cache->ptr[s].va_valueid == ptr.va_valueid &&
			cache->ptr[s].va_toastrelid == ptr.va_toastrelid)
			return cache->model[s];
	s = cache->next;
	cache->next = (s + 1) % MF_CACHE_SLOTS;
	if (cache->model[s])
	{
		cache->bytes -= VARSIZE(cache->model[s]);
		pfree(cache->model[s]);
		cache->model[s] = NULL;
	}
	if ((cache->bytes + VARATT_EXTERNAL_GET_EXTSIZE(ptr)) / 1024 > (Size) ecomai_max_memory_kb)
		return DatumGetMfModelP(PointerGetDatum(raw));	/* too big to keep */
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	m = DatumGetMfModelP(PointerGetDatum(raw));
	MemoryContextSwitchTo(old);
	cache->model[s] = m;
	cache->ptr[s] = ptr;
	cache->bytes += VARSIZE(m);
	return m;
}

/* Append "users N: ..." or "items N: ..." entries. */
static void
append_entries(StringInfo buf, const char *label, int n, int factors, const double *f,
			   const double *bias, const int32 *off, const char *keys)
{
	appendStringInfo(buf, "\n%s %d:", label, n);
	for (int r = 0; r < n; r++)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfoString(buf, r == 0 ? " " : "; ");
		ecomai_append_quoted(buf, keys + off[r]);
		appendStringInfoChar(buf, ' ');
		ecomai_append_double(buf, bias[r]);
		for (int c = 0; c < factors; c++)
		{
			appendStringInfoChar(buf, ' ');
			ecomai_append_double(buf, f[(Size) r * factors + c]);
		}
	}
}

/* The text form of a model. */
static char *
mf_model_to_text(const MfModel *m)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "version=%d kind=%s solver=%s factors=%d iterations=%d seed=%d regularization=",
					 m->version, ecomai_mf_kind_name(m->kind), ecomai_mf_solver_name(m->solver),
					 m->factors, m->iterations, m->seed);
	ecomai_append_double(&buf, m->regularization);
	appendStringInfoString(&buf, " alpha=");
	ecomai_append_double(&buf, m->alpha);
	appendStringInfoString(&buf, " global_mean=");
	ecomai_append_double(&buf, m->global_mean);
	appendStringInfoString(&buf, " user_type=");
	ecomai_append_quoted(&buf, format_type_extended(m->user_type, -1, FORMAT_TYPE_FORCE_QUALIFY));
	appendStringInfoString(&buf, " item_type=");
	ecomai_append_quoted(&buf, format_type_extended(m->item_type, -1, FORMAT_TYPE_FORCE_QUALIFY));
	appendStringInfo(&buf, "\nlog %d:", m->nlog);
	for (int r = 0; r < m->nlog; r++)
	{
		appendStringInfoString(&buf, r == 0 ? " " : "; ");
		ecomai_append_double(&buf, mf_log_loss(m)[r]);
		appendStringInfoChar(&buf, ' ');
		if (isnan(mf_log_valid(m)[r]))
			appendStringInfoString(&buf, "NaN");
		else
			ecomai_append_double(&buf, mf_log_valid(m)[r]);
	}
	append_entries(&buf, "users", m->nusers, m->factors, mf_user_factors(m), mf_user_bias(m),
				   mf_user_key_off(m), mf_user_keys(m));
	append_entries(&buf, "items", m->nitems, m->factors, mf_item_factors(m), mf_item_bias(m),
				   mf_item_key_off(m), mf_item_keys(m));
	return buf.data;
}

/* ---------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------------
 */
typedef struct MfParser
{
	const char *start;
	const char *p;
	char	   *token;			/* last token read (palloc'd) */
} MfParser;

/* ERROR 22P02 saying what was expected where. */
static void
mf_syntax(MfParser *ps, const char *expected)
{
	ecomai_syntax_error("mf_model", ps->start, ps->p, expected);
}

/* ERROR 22P02 for a well-formed but invalid model. */
static void
mf_invalid(const char *detail, const char *arg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid mf_model"),
			 errdetail(detail, arg)));
}

static void
skip_ws(MfParser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r')
		ps->p++;
}

/* Consume character c (after whitespace) if present. */
static bool
accept_char(MfParser *ps, char c)
{
	skip_ws(ps);
	if (*ps->p != c)
		return false;
	ps->p++;
	return true;
}

static void
expect_char(MfParser *ps, char c, const char *what)
{
	if (!accept_char(ps, c))
		mf_syntax(ps, what);
}

/* A bare word: letters, digits, '_', '.', '+', '-'. */
static const char *
read_word(MfParser *ps, const char *what)
{
	const char *s;

	skip_ws(ps);
	s = ps->p;
	while ((*ps->p >= 'a' && *ps->p <= 'z') || (*ps->p >= 'A' && *ps->p <= 'Z') ||
		   (*ps->p >= '0' && *ps->p <= '9') || *ps->p == '_' || *ps->p == '.' ||
		   *ps->p == '+' || *ps->p == '-')
		ps->p++;
	if (ps->p == s)
		mf_syntax(ps, what);
	ps->token = pnstrdup(s, ps->p - s);
	return ps->token;
}

static const EcomaiNamedValue kind_names[] = {
	{"implicit", MF_IMPLICIT}, {"explicit", MF_EXPLICIT}, {NULL, 0}
};

static const EcomaiNamedValue solver_names[] = {
	{"cg", MF_SOLVER_CG}, {"cholesky", MF_SOLVER_CHOLESKY}, {NULL, 0}
};

/*
 * A word naming a value of table (names lists them, e.g. "cg or cholesky");
 * any other word is an invalid model, "<field> must be <names>, found ...".
 */
static int
read_named(MfParser *ps, const EcomaiNamedValue *table, const char *names, const char *field)
{
	const char *w = read_word(ps, names);
	int			value = ecomai_named_value(table, w);

	if (value < 0)
		mf_invalid(psprintf("%s must be %s, found \"%%s\".", field, names), w);
	return value;
}

/* "name=" */
static void
expect_field(MfParser *ps, const char *name)
{
	const char *at = ps->p;

	if (strcmp(read_word(ps, name), name) != 0)
	{
		ps->p = at;
		skip_ws(ps);
		mf_syntax(ps, psprintf("\"%s=\"", name));
	}
	expect_char(ps, '=', "\"=\"");
}

/* A double; NaN only when allowed; never infinite. */
static double
read_double(MfParser *ps, bool allow_nan, const char *what)
{
	const char *w = read_word(ps, what);
	char	   *end;
	double		v;

	errno = 0;
	v = strtod(w, &end);
	if (*end != '\0' || end == w)
		mf_syntax(ps, what);
	if (isinf(v) || (isnan(v) && !allow_nan))
		mf_invalid("Every number must be finite, found \"%s\".", w);
	return v;
}

/* An integer in [lo, hi]. */
static int
read_int(MfParser *ps, int lo, int hi, const char *what)
{
	const char *w = read_word(ps, what);
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(w, &end, 10);
	if (*end != '\0' || end == w || errno != 0)
		mf_syntax(ps, what);
	if (v < lo || v > hi)
		mf_invalid(psprintf("%s must be between %d and %d, found %%s.", what, lo, hi), w);
	return (int) v;
}

/* A double-quoted string with \" and \\ escapes. */
static char *
read_quoted(MfParser *ps, const char *what)
{
	skip_ws(ps);
	return ecomai_read_quoted(&ps->p, ps->start, "mf_model", what);
}

/* A type name, which must exist. */
static Oid
read_type(MfParser *ps, const char *field)
{
	char	   *name;
	Oid			type;
	int32		typmod;

	expect_field(ps, field);
	name = read_quoted(ps, "a quoted type name");
	parseTypeString(name, &type, &typmod, false);
	if (get_typtype(type) == TYPTYPE_PSEUDO)
		mf_invalid("Key type %s is a pseudo-type.", name);
	return type;
}

/* Entries of one side (users or items) read from the text form. */
typedef struct MfSide
{
	int			n;
	double	   *factors;
	double	   *bias;
	int32	   *off;
	StringInfoData keys;
} MfSide;

/* Parse "label N: entries" for one side; keys must be canonical and ascending. */
static void
read_side(MfParser *ps, const char *label, int factors, Oid keytype, MfSide *side)
{
	Oid			infunc,
				ioparam,
				outfunc;
	bool		isvarlena;
	const char *prev = NULL;
	const char *w = read_word(ps, label);
	int			maxn = (int) Min((Size) PG_INT32_MAX - 1, strlen(ps->p) / 2 + 1);

	if (strcmp(w, label) != 0)
		mf_syntax(ps, psprintf("\"%s\"", label));
	/* each entry takes at least two characters: a bound on what to allocate */
	side->n = read_int(ps, 1, maxn, label);
	expect_char(ps, ':', "\":\"");
	ecomai_check_memory(((Size) factors + 1) * 8 * side->n, "mf_model input");
	side->factors = palloc_extended((Size) side->n * factors * sizeof(double), MCXT_ALLOC_HUGE);
	side->bias = palloc((Size) side->n * sizeof(double));
	side->off = palloc(((Size) side->n + 1) * sizeof(int32));
	initStringInfo(&side->keys);
	getTypeInputInfo(keytype, &infunc, &ioparam);
	getTypeOutputInfo(keytype, &outfunc, &isvarlena);
	for (int r = 0; r < side->n; r++)
	{
		char	   *key;
		char	   *canon;

		CHECK_FOR_INTERRUPTS();
		if (r > 0)
			expect_char(ps, ';', "\";\"");
		key = read_quoted(ps, "a quoted key");
		canon = OidOutputFunctionCall(outfunc, OidInputFunctionCall(infunc, key, ioparam, -1));
		if (strcmp(canon, key) != 0)
			mf_invalid("Key \"%s\" is not in the canonical text form of its type.", key);
		if (prev && strcmp(prev, key) >= 0)
			mf_invalid("Keys must be distinct and in ascending byte order; \"%s\" is out of order.", key);
		if (side->keys.len > PG_INT32_MAX / 2)
			mf_invalid("Keys of %s take too much space.", label);
		side->off[r] = side->keys.len;
		appendBinaryStringInfo(&side->keys, key, strlen(key) + 1);
		prev = side->keys.data + side->off[r];
		side->bias[r] = read_double(ps, false, "a bias");
		for (int c = 0; c < factors; c++)
			side->factors[(Size) r * factors + c] = read_double(ps, false, "a factor");
	}
	side->off[side->n] = side->keys.len;
}

/* Copy one side into the model's arrays. */
static void
store_side(const MfSide *side, int factors, double *f, double *bias, int32 *off, char *keys)
{
	memcpy(f, side->factors, (Size) side->n * factors * sizeof(double));
	memcpy(bias, side->bias, (Size) side->n * sizeof(double));
	memcpy(off, side->off, ((Size) side->n + 1) * sizeof(int32));
	memcpy(keys, side->keys.data, side->keys.len);
}

/* Parse and validate the text form of a model. */
static MfModel *
mf_model_from_text(const char *text)
{
	MfParser	ps = {text, text, NULL};
	int			kind,
				solver,
				factors,
				iterations,
				seed,
				nlog;
	double		regularization,
				alpha,
				global_mean;
	Oid			user_type,
				item_type;
	double	   *loss,
			   *valid;
	MfSide		users,
				items;
	MfModel		header;
	MfModel    *m;
	const char *w;

	expect_field(&ps, "version");
	if (read_int(&ps, 0, PG_INT32_MAX, "version") != MF_VERSION)
		mf_invalid("Version %s is not supported; this build reads version 1.", ps.token);
	expect_field(&ps, "kind");
	kind = read_named(&ps, kind_names, "implicit or explicit", "Kind");
	expect_field(&ps, "solver");
	solver = read_named(&ps, solver_names, "cg or cholesky", "Solver");
	expect_field(&ps, "factors");
	factors = read_int(&ps, 1, MF_MAX_FACTORS, "factors");
	expect_field(&ps, "iterations");
	iterations = read_int(&ps, 1, PG_INT32_MAX, "iterations");
	expect_field(&ps, "seed");
	seed = read_int(&ps, PG_INT32_MIN, PG_INT32_MAX, "seed");
	expect_field(&ps, "regularization");
	regularization = read_double(&ps, false, "a number");
	expect_field(&ps, "alpha");
	alpha = read_double(&ps, false, "a number");
	if (regularization < 0 || alpha < 0)
		mf_invalid("Regularization and alpha must not be negative%s.", "");
	expect_field(&ps, "global_mean");
	global_mean = read_double(&ps, false, "a number");
	user_type = read_type(&ps, "user_type");
	item_type = read_type(&ps, "item_type");

	w = read_word(&ps, "log");
	if (strcmp(w, "log") != 0)
		mf_syntax(&ps, "\"log\"");
	nlog = read_int(&ps, 0, iterations, "log entries");
	expect_char(&ps, ':', "\":\"");
	loss = palloc(sizeof(double) * (Size) Max(nlog, 1));
	valid = palloc(sizeof(double) * (Size) Max(nlog, 1));
	for (int r = 0; r < nlog; r++)
	{
		if (r > 0)
			expect_char(&ps, ';', "\";\"");
		loss[r] = read_double(&ps, false, "a loss");
		valid[r] = read_double(&ps, true, "a validation metric or NaN");
	}
	read_side(&ps, "users", factors, user_type, &users);
	read_side(&ps, "items", factors, item_type, &items);
	skip_ws(&ps);
	if (*ps.p != '\0')
		mf_syntax(&ps, "the end of input");

	header = (MfModel) {
		.kind = kind, .solver = solver, .factors = factors, .nusers = users.n, .nitems = items.n,
		.iterations = iterations, .nlog = nlog, .seed = seed, .user_type = user_type,
		.item_type = item_type, .regularization = regularization, .alpha = alpha,
		.global_mean = global_mean
	};
	m = ecomai_mf_alloc(&header, users.keys.len, items.keys.len, "mf_model input");
	if (nlog > 0)
	{
		memcpy(mf_log_loss(m), loss, sizeof(double) * nlog);
		memcpy(mf_log_valid(m), valid, sizeof(double) * nlog);
	}
	store_side(&users, factors, mf_user_factors(m), mf_user_bias(m), mf_user_key_off(m), mf_user_keys(m));
	store_side(&items, factors, mf_item_factors(m), mf_item_bias(m), mf_item_key_off(m), mf_item_keys(m));
	return m;
}

/* mf_model text input */
Datum
ecomai_mf_model_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(mf_model_from_text(PG_GETARG_CSTRING(0)));
}

/* mf_model text output */
Datum
ecomai_mf_model_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(mf_model_to_text(PG_GETARG_MF_MODEL_P(0)));
}

/* mf_model binary input: the text form, validated like text input */
Datum
ecomai_mf_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *text = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);

	PG_RETURN_POINTER(mf_model_from_text(text));
}

/* mf_model binary output: the text form */
Datum
ecomai_mf_model_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	{
		char	   *text = mf_model_to_text(PG_GETARG_MF_MODEL_P(0));

		pq_sendtext(&buf, text, strlen(text));
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
