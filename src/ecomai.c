/*
 * ecomai.c
 *	  Module entry point: module magic, settings (GUCs), and the one-thread
 *	  limit on OpenBLAS inside a backend.
 */
#include "postgres.h"

#include <limits.h>

#include <cblas.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "ecomai.h"

PG_MODULE_MAGIC;

/* 1 GB by default: large enough for MovieLens-size models, small enough to protect a server. */
#define MAX_MEMORY_DEFAULT_KB		(1024 * 1024)

/*
 * 4 GB by default: room for a user to raise the bound of one session for one
 * big job, while no call can take more than a DBA would expect of a backend.
 */
#define MAX_MEMORY_LIMIT_DEFAULT_KB	(4 * 1024 * 1024)

/*
 * The effective bound, min(ecomai.max_memory, ecomai.max_memory_limit): kept
 * up to date by the assign hooks of both settings, so that code reading it
 * (and ecomai_check_memory) always sees the smaller of the two.
 */
int			ecomai_max_memory_kb = MAX_MEMORY_DEFAULT_KB;

/* The two settings themselves. */
static int	max_memory_setting_kb = MAX_MEMORY_DEFAULT_KB;
static int	max_memory_limit_kb = MAX_MEMORY_LIMIT_DEFAULT_KB;

void		_PG_init(void);

/*
 * Check hook of ecomai.max_memory: a role that is not a superuser may not set
 * it above ecomai.max_memory_limit (ERROR 42501 for SET, SET clauses of
 * functions, ALTER ROLE/DATABASE SET and connection options).  Values that
 * come from the server's configuration, from ALTER ROLE/DATABASE settings
 * made by a superuser, or from the leader of a parallel query are not
 * checked here: the assign hooks cap the effective bound in every case, so
 * this check only turns a silent cap into a clear error for the user.
 */
static bool
check_max_memory(int *newval, void **extra, GucSource source)
{
	if (*newval <= max_memory_limit_kb)
		return true;
	if (source != PGC_S_CLIENT && source < PGC_S_INTERACTIVE)
		return true;
	if (InitializingParallelWorker || !IsTransactionState() || superuser())
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("permission denied to set ecomai.max_memory above ecomai.max_memory_limit (%d kB)",
					 max_memory_limit_kb);
	GUC_check_errdetail("Only a superuser can raise ecomai.max_memory_limit, the ceiling of ecomai.max_memory.");
	return false;
}

/* Assign hooks: the effective bound is the smaller of the setting and its ceiling. */
static void
assign_max_memory(int newval, void *extra)
{
	ecomai_max_memory_kb = Min(newval, max_memory_limit_kb);
}

static void
assign_max_memory_limit(int newval, void *extra)
{
	ecomai_max_memory_kb = Min(max_memory_setting_kb, newval);
}

/* Register settings and pin OpenBLAS to the calling thread. */
void
_PG_init(void)
{
	/*
	 * A backend is one thread of one process: BLAS worker threads would
	 * compete with other backends for cores and cannot be cancelled.  The
	 * server should also be started with OPENBLAS_NUM_THREADS=1 so that the
	 * library does not even create them (see README, Configuration).
	 */
	openblas_set_num_threads(1);

	/* the ceiling first, so that the setting's check hook sees its value */
	DefineCustomIntVariable("ecomai.max_memory_limit",
							"Ceiling of ecomai.max_memory, set by a superuser.",
							"The bound on one ecomai call's working set is the smaller of "
							"ecomai.max_memory and this setting; only a superuser can set "
							"ecomai.max_memory above it.",
							&max_memory_limit_kb,
							MAX_MEMORY_LIMIT_DEFAULT_KB,
							1024,
							MAX_KILOBYTES,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, assign_max_memory_limit, NULL);
	DefineCustomIntVariable("ecomai.max_memory",
							"Largest working set one ecomai call may build.",
							"Neighbourhood, Markov and Bayesian-network computations fail with an "
							"error instead of exceeding it.  It cannot exceed "
							"ecomai.max_memory_limit.",
							&max_memory_setting_kb,
							MAX_MEMORY_DEFAULT_KB,
							1024,
							MAX_KILOBYTES,
							PGC_USERSET,
							GUC_UNIT_KB,
							check_max_memory, assign_max_memory, NULL);

	MarkGUCPrefixReserved("ecomai");
}

/* Fail cleanly, naming the setting to raise, when a working set would be too large. */
void
ecomai_check_memory(Size bytes, const char *what)
{
	if (bytes / 1024 <= (Size) ecomai_max_memory_kb)
		return;
	if (max_memory_setting_kb > max_memory_limit_kb)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs %zu kB, more than ecomai.max_memory_limit (%d kB)",
						what, (bytes + 1023) / 1024, max_memory_limit_kb),
				 errdetail("ecomai.max_memory (%d kB) is capped by ecomai.max_memory_limit.",
						   max_memory_setting_kb),
				 errhint("A superuser can raise ecomai.max_memory_limit; otherwise reduce the input.")));
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s needs %zu kB, more than ecomai.max_memory (%d kB)",
					what, (bytes + 1023) / 1024, ecomai_max_memory_kb),
			 errhint("Raise ecomai.max_memory (up to ecomai.max_memory_limit, %d kB) "
					 "or reduce the input.", max_memory_limit_kb)));
}

/*
 * A new value of size bytes: its varlena length set, then the header_size
 * bytes of header after the length word copied in, the rest zero.  The one
 * place the model types (markov_chain, bayesnet, mf_model) check the 1 GB
 * limit of a value and ecomai.max_memory before building one.
 */
void *
ecomai_new_value(Size size, const void *header, Size header_size, const char *what)
{
	char	   *value;

	Assert(header_size >= VARHDRSZ && header_size <= size);
	if (size > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s would need %zu bytes, more than the 1 GB limit of a value", what, size)));
	ecomai_check_memory(size, what);
	value = palloc0(size);
	memcpy(value + VARHDRSZ, (const char *) header + VARHDRSZ, header_size - VARHDRSZ);
	SET_VARSIZE(value, size);
	return value;
}

/* The declared name of input argument argno of the running function, or "argument N". */
static char *
argument_name(FunctionCallInfo fcinfo, int argno)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fcinfo->flinfo->fn_oid));
	char	   *name = NULL;

	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		names = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_proargnames, &isnull);
		Datum		modes;
		char	  **argnames;

		if (!isnull)
		{
			modes = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_proargmodes, &isnull);
			if (argno < get_func_input_arg_names(names, isnull ? (Datum) 0 : modes, &argnames) &&
				argnames[argno] != NULL)
				name = pstrdup(argnames[argno]);
		}
		ReleaseSysCache(tup);
	}
	return name ? name : psprintf("argument %d", argno + 1);
}

/*
 * ERROR 22004 "<name> must not be null" for the first NULL among the
 * arguments whose bit is set in required, named as the function declares
 * it: the catalog is read only when there is a NULL to report.
 */
void
ecomai_require_args(FunctionCallInfo fcinfo, uint64 required)
{
	for (int i = 0; i < fcinfo->nargs && i < 64; i++)
		if ((required & (UINT64CONST(1) << i)) && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", argument_name(fcinfo, i))));
}

/* Append the shortest text that reads back as exactly this double. */
void
ecomai_append_double(StringInfo buf, double value)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(value, tmp);
	appendStringInfoString(buf, tmp);
}

/* Append s double-quoted, escaping " and \ with a backslash, each newline written as "newline". */
static void
append_quoted(StringInfo buf, const char *s, const char *newline)
{
	appendStringInfoChar(buf, '"');
	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			appendStringInfoChar(buf, '\\');
		if (*s == '\n')
			appendStringInfoString(buf, newline);
		else
			appendStringInfoChar(buf, *s);
	}
	appendStringInfoChar(buf, '"');
}

/* Append s double-quoted, escaping " and \ (see ecomai.h). */
void
ecomai_append_quoted(StringInfo buf, const char *s)
{
	append_quoted(buf, s, "\n");
}

/* Append a Graphviz double-quoted string (see ecomai.h). */
void
ecomai_append_dot_string(StringInfo buf, const char *s, const char *newline)
{
	append_quoted(buf, s, newline);
}

/* The value named s in table (ended by a NULL name), or -1. */
int
ecomai_named_value(const EcomaiNamedValue *table, const char *s)
{
	for (; table->name; table++)
		if (strcmp(s, table->name) == 0)
			return table->value;
	return -1;
}

/* The value named s in table; ERROR 22023 naming it, with the hint, if absent. */
int
ecomai_named_value_or_error(const EcomaiNamedValue *table, const char *s, const char *what,
							const char *hint)
{
	int			value = ecomai_named_value(table, s);

	if (value < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown %s \"%s\"", what, s),
				 errhint("%s", hint)));
	return value;
}

/* A text form's syntax error (see ecomai.h). */
void
ecomai_syntax_error(const char *type_name, const char *start, const char *at, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s", type_name),
			 errdetail("Expected %s at character %d.", expected, (int) (at - start) + 1)));
}

/* Read a double-quoted string (see ecomai.h). */
char *
ecomai_read_quoted(const char **pp, const char *start, const char *type_name, const char *what)
{
	const char *p = *pp;
	StringInfoData out;

	if (*p != '"')
		ecomai_syntax_error(type_name, start, p, what);
	p++;
	initStringInfo(&out);
	for (;;)
	{
		if (*p == '\0')
			ecomai_syntax_error(type_name, start, p, "a closing double quote");
		if (*p == '"')
			break;
		if (*p == '\\')
		{
			p++;
			if (*p != '"' && *p != '\\')
				ecomai_syntax_error(type_name, start, p, "\\\" or \\\\ after a backslash");
		}
		appendStringInfoChar(&out, *p++);
	}
	*pp = p + 1;
	return out.data;
}

/*
 * PostgreSQL's own support functions report a direct call with elog (XX000,
 * an internal error); sqlsmith reaches ours from SQL, so they say it with a
 * code that a client and a log monitor read as a usage error.
 */
MemoryContext
ecomai_aggregate_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname),
				 errhint("It is a support function of an ecomai aggregate; call the aggregate.")));
	return aggcontext;
}
