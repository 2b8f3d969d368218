/*
 * ecomai.c
 *	  Module entry point: module magic, settings (GUCs), and the one-thread
 *	  limit on OpenBLAS inside a backend.
 */
#include "postgres.h"

#include <limits.h>

#include <cblas.h>

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "utils/guc.h"

#include "ecomai.h"

PG_MODULE_MAGIC;

/* 1 GB by default: large enough for MovieLens-size models, small enough to protect a server. */
int			ecomai_max_memory_kb = 1024 * 1024;

void		_PG_init(void);

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

	DefineCustomIntVariable("ecomai.max_memory",
							"Largest working set one ecomai call may build.",
							"Neighbourhood, Markov and Bayesian-network computations fail with an "
							"error instead of exceeding it.",
							&ecomai_max_memory_kb,
							1024 * 1024,
							1024,
							MAX_KILOBYTES,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("ecomai");
}

/* Fail cleanly, naming the setting to raise, when a working set would be too large. */
void
ecomai_check_memory(Size bytes, const char *what)
{
	if (bytes / 1024 > (Size) ecomai_max_memory_kb)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs %zu kB, more than ecomai.max_memory (%d kB)",
						what, (bytes + 1023) / 1024, ecomai_max_memory_kb),
				 errhint("Raise ecomai.max_memory, for example SET ecomai.max_memory = '4GB', "
						 "or reduce the input.")));
}

/* Append the shortest text that reads back as exactly this double. */
void
ecomai_append_double(StringInfo buf, double value)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(value, tmp);
	appendStringInfoString(buf, tmp);
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
