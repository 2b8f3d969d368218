/*
 * svec.h
 *	  The sparse vector type ecomai.svec: its on-disk layout and the helpers
 *	  other parts of ecomai may use to read and build sparse vectors.
 *
 * A flat svec is a varlena:
 *
 *	  int32  vl_len_     varlena header (4-byte form once detoasted)
 *	  uint32 flags       low 8 bits: layout version (SVEC_VERSION); other bits 0
 *	  int32  nnz         number of stored entries, 0 .. SVEC_MAX_NNZ
 *	  int32  reserved    0; keeps the arrays below 8-byte aligned
 *	  int64  keys[nnz]   strictly ascending
 *	  float8 vals[nnz]   finite and non-zero
 *
 * Every way in (text input, binary receive, svec(), svec_agg) establishes
 * these invariants, so the representation is canonical: two svecs are equal
 * exactly when their bytes are equal.
 */
#ifndef ECOMAI_SVEC_H
#define ECOMAI_SVEC_H

#include "postgres.h"
#include "fmgr.h"

typedef struct SVec
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint32		flags;			/* layout version in the low 8 bits */
	int32		nnz;			/* number of entries */
	int32		reserved;		/* always 0 */
	/* int64 keys[nnz] and float8 vals[nnz] follow */
} SVec;

#define SVEC_VERSION		1
#define SVEC_HDRSZ			((Size) sizeof(SVec))

/*
 * The largest number of entries.  2^24 keeps the flat value at 256 MB, and,
 * more to the point, keeps its text form (at most 46 bytes per entry: a
 * 20-character key, a 24-character shortest double, ':' and ',') under
 * PostgreSQL's 1 GB limit, so every svec can be dumped and shipped as text.
 */
#define SVEC_MAX_NNZ		(1 << 24)

#define SVEC_SIZE(n)		(SVEC_HDRSZ + (Size) (n) * (sizeof(int64) + sizeof(float8)))
#define SVEC_KEYS(v)		((int64 *) ((char *) (v) + SVEC_HDRSZ))
#define SVEC_VALS(v)		((float8 *) (SVEC_KEYS(v) + (v)->nnz))

/* Detoast (and flatten, if expanded) an svec argument and check its layout. */
extern SVec *ecomai_svec_detoast(Datum d);

#define PG_GETARG_SVEC_P(n)	ecomai_svec_detoast(PG_GETARG_DATUM(n))
#define PG_RETURN_SVEC_P(x)	PG_RETURN_POINTER(x)

/* An empty flat svec with room for nnz entries (header filled in, nnz set). */
extern SVec *ecomai_svec_alloc(int32 nnz);

/* One (key, value) entry, the unit that svec builders sort. */
typedef struct SVecEntry
{
	int64		key;
	float8		val;
} SVecEntry;

/*
 * Build an svec from n entries in any order: sorts them (in place), adds up
 * duplicate keys and drops zero sums.  Values must already be finite.
 * ERROR 22003 when a sum overflows, 54000 beyond SVEC_MAX_NNZ entries.
 */
extern SVec *ecomai_svec_from_entries(SVecEntry *entries, Size n);

#endif							/* ECOMAI_SVEC_H */
