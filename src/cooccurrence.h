/*
 * cooccurrence.h
 *	  The co-occurrence model ecomai.cooccurrence: the sufficient statistics of
 *	  every implicit-feedback item model (the item-item Gram matrix XᵀX of the
 *	  basket-by-item matrix X, the per-item counts, the number of baskets), and
 *	  the helpers the model functions (item_models.c, ease.c) use to read it.
 *
 * Items are keys of one SQL type, the model's key type: integer keys (smallint,
 * integer, bigint; held as int64) or any other type, held as the text its
 * output function gives (two keys are the same item when their texts are
 * equal).  So a model built from uuid or text baskets hands its items back in
 * that type, with no mapping table.
 *
 * A flat model is a varlena, every array 8-byte aligned:
 *
 *	  int32  vl_len_     varlena header
 *	  uint32 flags       layout version (COOC_VERSION)
 *	  Oid    keytype     InvalidOid for an empty model that has seen no basket
 *	  int32  nitems
 *	  int32  reserved    0
 *	  int64  nbaskets    baskets with at least one positive item
 *	  int64  npairs      item pairs seen together (i < j)
 *	  int64  keybytes    bytes of the text key area (0 for integer keys)
 *	  int64  count[nitems]   baskets holding the item
 *	  float8 weight[nitems]  sum of the squared weights (the Gram diagonal)
 *	  int64  pcount[npairs]  baskets holding both items of the pair
 *	  float8 pgram[npairs]   sum of the products of their weights (Gram entry)
 *	  int32  pi[npairs], pj[npairs]   item indexes, i < j, pairs in (i, j) order
 *	  then either int64 ikeys[nitems] (integer keys, strictly ascending)
 *	  or int64 koff[nitems + 1] and the key texts, NUL-terminated, strictly
 *	  ascending in byte order, padded to 8 bytes.
 *
 * Every way in (aggregate, text input, binary receive) establishes these
 * invariants, so equal models have equal bytes.
 */
#ifndef ECOMAI_COOCCURRENCE_H
#define ECOMAI_COOCCURRENCE_H

#include "postgres.h"
#include "fmgr.h"

typedef struct Cooc
{
	int32		vl_len_;
	uint32		flags;
	Oid			keytype;
	int32		nitems;
	int32		reserved;
	int64		nbaskets;
	int64		npairs;
	int64		keybytes;
} Cooc;

#define COOC_VERSION 1

/* Read access to the arrays of a flat model. */
typedef struct CoocView
{
	Cooc	   *m;
	Oid			keytype;
	bool		intkeys;		/* integer keys (ikeys) rather than texts */
	int32		nitems;
	int64		nbaskets;
	int64		npairs;
	int64	   *count;
	float8	   *weight;
	int64	   *pcount;
	float8	   *pgram;
	int32	   *pi;
	int32	   *pj;
	int64	   *ikeys;
	int64	   *koff;
	char	   *kdata;
} CoocView;

/* Whether keys of this type are held as integers. */
extern bool ecomai_cooc_intkey_type(Oid keytype);

/* Detoast a model argument and set up a view of its arrays. */
extern void ecomai_cooc_view(Datum d, CoocView *v);

/*
 * Item keys as Datums, for set-returning functions with a polymorphic
 * "key_type" witness argument at argno (a typed NULL): checks that its type
 * is the model's key type (ERROR 42804 otherwise).  argno < 0: the function
 * returns bigint items, which integer keys of any width can be.  Allocated in
 * the current context.
 */
extern Datum *ecomai_cooc_key_datums(FunctionCallInfo fcinfo, int argno, const CoocView *v);

/* The text of item i's key (for messages). */
extern char *ecomai_cooc_key_text(const CoocView *v, int32 i);

/*
 * Adjacency of the symmetric pair set: for item i, the pairs it is part of
 * are adj[off[i] .. off[i+1]) (pair indexes), with the other item in other[].
 */
typedef struct CoocAdjacency
{
	int64	   *off;
	int64	   *pair;
	int32	   *other;
} CoocAdjacency;

extern void ecomai_cooc_adjacency(const CoocView *v, CoocAdjacency *adj);

/*
 * The two SQL entry points of a model function impl(fcinfo, off): "name",
 * the model first and bigint items (off 0), and "name_typed", a typed NULL
 * first naming the items' type (off 1, as jsonb_populate_record takes a row).
 */
#define ECOMAI_COOC_ENTRY_POINTS(name, impl) \
	PG_FUNCTION_INFO_V1(name); \
	PG_FUNCTION_INFO_V1(name##_typed); \
	Datum name(PG_FUNCTION_ARGS) { return impl(fcinfo, 0); } \
	Datum name##_typed(PG_FUNCTION_ARGS) { return impl(fcinfo, 1); }

#endif							/* ECOMAI_COOCCURRENCE_H */
