/*
 * spi_stream.h
 *	  A read-only query run as the caller through SPI whose rows are handed
 *	  to a callback one at a time, instead of being copied into an SPI tuple
 *	  table first.
 */
#ifndef ECOMAI_SPI_STREAM_H
#define ECOMAI_SPI_STREAM_H

#include "postgres.h"
#include "executor/tuptable.h"

/*
 * Called once per row with the row's first natts attributes deformed
 * (slot->tts_values, slot->tts_isnull), in the memory context that was
 * current when ecomai_spi_stream was called.  By-reference values point
 * into the row: copy what must outlive the call.
 */
typedef void (*EcomaiSpiRowFn) (TupleTableSlot *slot, void *arg);

/*
 * Run query (parameters $1..$nargs of types argtypes, never NULL) exactly
 * as SPI_execute_with_args(query, ..., read_only = true, 0) would, planned
 * afresh for these parameter values, and hand each row to fn.  The result
 * must have natts columns of types coltypes (elog ERROR otherwise).  SPI
 * must be connected.  Returns the number of rows.
 */
extern uint64 ecomai_spi_stream(const char *query, int nargs, const Oid *argtypes, const Datum *values,
								int natts, const Oid *coltypes, EcomaiSpiRowFn fn, void *arg);

#endif							/* ECOMAI_SPI_STREAM_H */
