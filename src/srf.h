/*
 * srf.h
 *	  The materialized result set of an ecomai set-returning function, begun
 *	  and filled in one line each:
 *
 *		ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
 *		...
 *		values[0] = ...; values[1] = ...;
 *		ecomai_srf_row(rsinfo, values);			a row without NULLs
 *
 * A row with NULLs goes in with tuplestore_putvalues itself.
 */
#ifndef ECOMAI_SRF_H
#define ECOMAI_SRF_H

#include "postgres.h"

#include "funcapi.h"
#include "utils/tuplestore.h"

/* The most columns of a row that ecomai_srf_row adds. */
#define ECOMAI_SRF_MAX_COLUMNS 16

/* Begin the result set (InitMaterializedSRF): the ReturnSetInfo to add rows to. */
static inline ReturnSetInfo *
ecomai_srf_begin(FunctionCallInfo fcinfo)
{
	InitMaterializedSRF(fcinfo, 0);
	return (ReturnSetInfo *) fcinfo->resultinfo;
}

/* Add a row without NULLs: values holds one Datum per column. */
static inline void
ecomai_srf_row(ReturnSetInfo *rsinfo, Datum *values)
{
	bool		nulls[ECOMAI_SRF_MAX_COLUMNS] = {false};

	if (rsinfo->setDesc->natts > ECOMAI_SRF_MAX_COLUMNS)
		elog(ERROR, "result row of %d columns, more than %d", rsinfo->setDesc->natts,
			 ECOMAI_SRF_MAX_COLUMNS);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

#endif							/* ECOMAI_SRF_H */
