/*
 * spi_stream.c
 *	  A query's rows streamed to a callback through a DestReceiver given to
 *	  SPI_execute_extended: no SPI tuple table, so no heap tuple is formed
 *	  and copied per row (what SPI_execute_with_args costs a per-request
 *	  function that reads thousands of rows).  The query still runs through
 *	  the executor as the caller, so privileges and row-level security apply
 *	  as to any query.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "parser/parse_param.h"
#include "tcop/dest.h"
#include "utils/builtins.h"

#include "spi_stream.h"

/* The receiver: the callback and what to check and where to run it. */
typedef struct StreamReceiver
{
	DestReceiver pub;
	EcomaiSpiRowFn fn;
	void	   *arg;
	MemoryContext cxt;			/* the caller's */
	int			natts;
	const Oid  *coltypes;
	uint64		rows;
} StreamReceiver;

/* The parameter types of the query, for parse analysis. */
typedef struct FixedParams
{
	const Oid  *types;
	int			n;
} FixedParams;

/* The result's columns must be those the caller reads. */
static void
stream_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	StreamReceiver *r = (StreamReceiver *) self;

	if (typeinfo->natts != r->natts)
		elog(ERROR, "streamed query returned %d columns, expected %d", typeinfo->natts, r->natts);
	for (int i = 0; i < r->natts; i++)
		if (TupleDescAttr(typeinfo, i)->atttypid != r->coltypes[i])
			elog(ERROR, "streamed query returned type %s in column %d, expected %s",
				 format_type_be(TupleDescAttr(typeinfo, i)->atttypid), i + 1,
				 format_type_be(r->coltypes[i]));
}

/* One row: deformed, then handed to the callback in the caller's context. */
static bool
stream_receive(TupleTableSlot *slot, DestReceiver *self)
{
	StreamReceiver *r = (StreamReceiver *) self;
	MemoryContext old;

	if ((++r->rows & 0xFFF) == 0)
		CHECK_FOR_INTERRUPTS();
	slot_getsomeattrs(slot, r->natts);
	old = MemoryContextSwitchTo(r->cxt);
	r->fn(slot, r->arg);
	MemoryContextSwitchTo(old);
	return true;
}

static void
stream_noop(DestReceiver *self)
{
}

/* Parse analysis with fixed parameter types (as SPI_execute_with_args does). */
static void
fixed_params_setup(struct ParseState *pstate, void *arg)
{
	FixedParams *fp = (FixedParams *) arg;

	setup_parse_fixed_parameters(pstate, fp->types, fp->n);
}

uint64
ecomai_spi_stream(const char *query, int nargs, const Oid *argtypes, const Datum *values,
				  int natts, const Oid *coltypes, EcomaiSpiRowFn fn, void *arg)
{
	StreamReceiver r;
	FixedParams fp = {argtypes, nargs};
	SPIExecuteOptions options;
	ParamListInfo params = makeParamList(nargs);
	int			rc;

	for (int i = 0; i < nargs; i++)
	{
		/* constants for the planner, as SPI_execute_with_args passes them */
		params->params[i].value = values[i];
		params->params[i].isnull = false;
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = argtypes[i];
	}
	params->parserSetup = fixed_params_setup;
	params->parserSetupArg = &fp;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = stream_receive;
	r.pub.rStartup = stream_startup;
	r.pub.rShutdown = stream_noop;
	r.pub.rDestroy = stream_noop;
	/* not DestSPI (SPI would look for its tuple table); SPI then reports SPI_OK_UTILITY */
	r.pub.mydest = DestNone;
	r.fn = fn;
	r.arg = arg;
	r.cxt = CurrentMemoryContext;
	r.natts = natts;
	r.coltypes = coltypes;

	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = true;
	options.dest = &r.pub;
	rc = SPI_execute_extended(query, &options);
	if (rc != SPI_OK_UTILITY && rc != SPI_OK_SELECT)
		elog(ERROR, "streamed query failed: %s", SPI_result_code_string(rc));
	return r.rows;
}
