/*
 * recommend_history.c
 *	  recommend(neighbors, history, k, exclude, allowed, fallback, ...): the
 *	  per-request half of every item model.  The customer's items come as an
 *	  array (a customer's purchases, a cart, an anonymous session), of any key
 *	  type; the neighbour relation (item, neighbor, similarity) is read as the
 *	  caller through SPI, one query with item = ANY (history), its rows
 *	  streamed into the candidates without an SPI tuple table; a candidate's
 *	  score is the sum of its weights over the history, only positive scores
 *	  are returned, and popular items from "fallback" fill in what is missing.
 *
 * Written in C rather than PL/pgSQL because the optional arrays must default
 * to NULL: a polymorphic array parameter cannot (its default would be typed
 * anyarray), so they are declared "any" and checked against the history's
 * type here.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"
#include "utils/datum.h"

#include "ecomai.h"
#include "spi_stream.h"
#include "topk.h"

PG_FUNCTION_INFO_V1(ecomai_recommend_history);

/*
 * Hashing and equality of keys of the history's type (private data of the
 * tables).  bigint and integer keys, the common case, are hashed and compared
 * inline, with the very hash values of hashint8 and hashint4, so that the
 * tables (and the order of equal scores) are the same as through fmgr.
 */
typedef enum KeyKind
{
	KEY_GENERIC,
	KEY_INT8,
	KEY_INT4
} KeyKind;

typedef struct KeyOps
{
	FmgrInfo   *hash;
	FmgrInfo   *eq;
	Oid			collation;
	KeyKind		kind;
} KeyOps;

/* A candidate: its summed weight and the history item that gave the most. */
typedef struct Candidate
{
	Datum		key;
	uint32		hash;
	char		status;
	bool		excluded;		/* in the history or excluded: never returned */
	double		score;
	double		best;
	Datum		because;
} Candidate;

static inline uint32
key_hash(const KeyOps *ops, Datum k)
{
	switch (ops->kind)
	{
		case KEY_INT8:
			{
				/* hashint8: the high half folded into the low one */
				int64		v = DatumGetInt64(k);
				uint32		lohalf = (uint32) v;
				uint32		hihalf = (uint32) (v >> 32);

				lohalf ^= (v >= 0) ? hihalf : ~hihalf;
				return hash_bytes_uint32(lohalf);
			}
		case KEY_INT4:
			return hash_bytes_uint32((uint32) DatumGetInt32(k));
		default:
			return DatumGetUInt32(FunctionCall1Coll(ops->hash, ops->collation, k));
	}
}

static inline bool
key_equal(const KeyOps *ops, Datum a, Datum b)
{
	switch (ops->kind)
	{
		case KEY_INT8:
			return DatumGetInt64(a) == DatumGetInt64(b);
		case KEY_INT4:
			return DatumGetInt32(a) == DatumGetInt32(b);
		default:
			return DatumGetBool(FunctionCall2Coll(ops->eq, ops->collation, a, b));
	}
}

#define SH_PREFIX cand
#define SH_ELEMENT_TYPE Candidate
#define SH_KEY_TYPE Datum
#define SH_KEY key
#define SH_HASH_KEY(tb, k) key_hash((const KeyOps *) (tb)->private_data, (k))
#define SH_EQUAL(tb, a, b) key_equal((const KeyOps *) (tb)->private_data, (a), (b))
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Whether the keys are hashed and compared inline (see KeyOps). */
static KeyKind
key_kind(TypeCacheEntry *tc)
{
	if (tc->hash_proc_finfo.fn_oid == F_HASHINT8 && tc->eq_opr_finfo.fn_oid == F_INT8EQ)
		return KEY_INT8;
	if (tc->hash_proc_finfo.fn_oid == F_HASHINT4 && tc->eq_opr_finfo.fn_oid == F_INT4EQ)
		return KEY_INT4;
	return KEY_GENERIC;
}

/* The type of a column of rel; 42703 naming it when there is none. */
static Oid
column_type(Oid relid, const char *col)
{
	AttrNumber	att = get_attnum(relid, col);

	if (att == InvalidAttrNumber || att < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", col, get_rel_name(relid))));
	return get_atttype(relid, att);
}

/* An optional array argument: NULL (absent) or an array of the history's type. */
static ArrayType *
optional_array(FunctionCallInfo fcinfo, int argno, Oid arraytype, const char *name)
{
	Oid			t;

	if (PG_ARGISNULL(argno))
		return NULL;
	t = get_fn_expr_argtype(fcinfo->flinfo, argno);
	if (t != arraytype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s must be an array of the history's type %s, not %s",
						name, format_type_be(arraytype), format_type_be(t))));
	return PG_GETARG_ARRAYTYPE_P(argno);
}

/* Elements of an array, NULLs dropped. */
typedef struct ElemList
{
	Datum	   *d;
	int			n;
} ElemList;

static ElemList
elements_of(ArrayType *a, TypeCacheEntry *tc)
{
	ElemList	l = {NULL, 0};
	bool	   *nulls;
	int			n;
	int			m = 0;

	if (a == NULL)
		return l;
	deconstruct_array(a, tc->type_id, tc->typlen, tc->typbyval, tc->typalign, &l.d, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			l.d[m++] = l.d[i];
	l.n = m;
	return l;
}

static bool
contains(const ElemList *l, Datum x, FmgrInfo *eq, Oid collation)
{
	for (int i = 0; i < l->n; i++)
		if (DatumGetBool(FunctionCall2Coll(eq, collation, l->d[i], x)))
			return true;
	return false;
}

/* One request: the lists of keys (NULLs dropped) and how to compare them. */
typedef struct RecRequest
{
	ReturnSetInfo *rsinfo;
	TypeCacheEntry *tc;			/* the item type's hash and equality */
	Oid			collation;
	int64		k;
	ElemList	hist;
	ElemList	excl;
	bool		has_allowed;	/* allowed given (even empty) */
	ElemList	allw;
	ElemList	fb;
	ElemList	recs;			/* the items returned from the neighbours */
} RecRequest;

/*
 * Check the neighbour relation: it exists, its item and neighbour columns
 * are of the history's item type and its similarity column is numeric.
 */
static void
check_neighbors(Oid relid, const char *item_col, const char *neighbor_col, const char *sim_col,
				Oid elemtype)
{
	Oid			simtype;

	if (get_rel_name(relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (column_type(relid, item_col) != elemtype || column_type(relid, neighbor_col) != elemtype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("columns \"%s\" and \"%s\" of %s must be of the history's item type %s",
						item_col, neighbor_col, get_rel_name(relid), format_type_be(elemtype))));
	simtype = column_type(relid, sim_col);
	if (simtype != FLOAT8OID && simtype != FLOAT4OID && simtype != NUMERICOID &&
		simtype != INT4OID && simtype != INT8OID && simtype != INT2OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of %s must be numeric", sim_col, get_rel_name(relid))));
}

/* What the rows of the neighbour query are summed into. */
typedef struct ScoreState
{
	cand_hash  *cands;
	cand_hash  *allowed_set;	/* NULL: everything allowed */
	bool		byval;			/* keys are copied out of the rows unless by value */
	int16		typlen;
	Datum		last_from;		/* the copy of the last history item copied */
	bool		have_from;
} ScoreState;

/* A key of a row that must outlive the row: itself, or a copy. */
static inline Datum
kept_key(ScoreState *st, Datum k)
{
	return st->byval ? k : datumCopy(k, false, st->typlen);
}

/* The history item of a row, kept (one copy per run of equal items). */
static inline Datum
kept_from(ScoreState *st, Datum from)
{
	if (st->byval)
		return from;
	if (!st->have_from || !datumIsEqual(st->last_from, from, false, st->typlen))
	{
		st->last_from = datumCopy(from, false, st->typlen);
		st->have_from = true;
	}
	return st->last_from;
}

/* One neighbour row (item, neighbor, similarity as float8) into the candidates. */
static void
score_row(TupleTableSlot *slot, void *arg)
{
	ScoreState *st = (ScoreState *) arg;
	Datum		from = slot->tts_values[0];
	Datum		to = slot->tts_values[1];
	double		w = DatumGetFloat8(slot->tts_values[2]);
	Candidate  *c;
	bool		found;

	if (slot->tts_isnull[0] || slot->tts_isnull[1] || slot->tts_isnull[2])
		return;
	c = cand_insert(st->cands, to, &found);
	if (!found)
	{
		c->key = kept_key(st, to);
		c->excluded = st->allowed_set != NULL && cand_lookup(st->allowed_set, to) == NULL;
		c->score = 0;
		c->best = -get_float8_infinity();
		c->because = kept_from(st, from);
	}
	if (c->excluded)
		return;
	c->score += w;
	/* the largest weight gives the reason; ties: the first in the rows' order */
	if (w > c->best)
	{
		c->best = w;
		c->because = kept_from(st, from);
	}
}

/*
 * Score the candidates into cands: the neighbour rows of the history items
 * (read through SPI, connected by the caller), summed per neighbour; the
 * history, the excluded items and (with allowed) the items not allowed are
 * marked excluded.
 */
static void
score_candidates(RecRequest *req, cand_hash *cands, KeyOps *ops, Oid relid, ArrayType *history,
				 Oid arraytype, const char *item_col, const char *neighbor_col, const char *sim_col)
{
	Oid			argtypes[1] = {arraytype};
	Datum		values[1] = {PointerGetDatum(history)};
	Oid			coltypes[3] = {req->tc->type_id, req->tc->type_id, FLOAT8OID};
	const char *it = quote_identifier(item_col);
	const char *nb = quote_identifier(neighbor_col);
	const char *sim = quote_identifier(sim_col);
	ScoreState	st = {cands, NULL, req->tc->typbyval, req->tc->typlen, (Datum) 0, false};
	StringInfoData q;

	if (req->has_allowed)
	{
		st.allowed_set = cand_create(CurrentMemoryContext, Max(req->allw.n, 16), ops);
		for (int i = 0; i < req->allw.n; i++)
		{
			bool		found;

			(void) cand_insert(st.allowed_set, req->allw.d[i], &found);
		}
	}
	/* the history and the excluded items: never candidates */
	for (int i = 0; i < req->hist.n + req->excl.n; i++)
	{
		bool		found;
		Candidate  *c;

		c = cand_insert(cands, i < req->hist.n ? req->hist.d[i] : req->excl.d[i - req->hist.n], &found);
		c->excluded = true;
	}

	/*
	 * the neighbour rows of the history items; operators schema-qualified.
	 * Rows with a NULL neighbour or similarity are skipped by score_row
	 * rather than by the query: cheaper per row than two NULL tests in it.
	 */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT n.%s, n.%s, pg_catalog.float8(n.%s) FROM %s n "
					 "WHERE n.%s OPERATOR(pg_catalog.=) ANY ($1)",
					 it, nb, sim,
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid)),
					 it);
	(void) ecomai_spi_stream(q.data, 1, argtypes, values, 3, coltypes, score_row, &st);
}

/*
 * Return the k best positive scores of cands (ties by the candidates' order
 * of arrival, then resolved by key) and remember them in req->recs; returns
 * their number.
 */
static int64
emit_best(RecRequest *req, cand_hash *cands)
{
	cand_iterator iter;
	Candidate  *c;
	EcomaiTopK	top;
	Candidate **byid;
	int64		ncand = 0;
	int			n;

	byid = palloc(Max(cands->members, 1) * sizeof(Candidate *));
	ecomai_topk_init(&top, (int) Min(req->k, Max(cands->members, 1)));
	cand_start_iterate(cands, &iter);
	while ((c = cand_iterate(cands, &iter)) != NULL)
	{
		if (c->excluded || !(c->score > 0) || isnan(c->score))
			continue;
		byid[ncand] = c;
		ecomai_topk_offer(&top, ncand, c->score);
		ncand++;
	}
	n = ecomai_topk_sort(&top);
	req->recs.d = palloc(Max(n, 1) * sizeof(Datum));
	for (int r = 0; r < n; r++)
	{
		Datum		out[4];
		bool		onull[4] = {false, false, false, false};

		c = byid[top.items[r].id];
		out[0] = c->key;
		out[1] = Float8GetDatum(c->score);
		out[2] = c->because;
		out[3] = BoolGetDatum(false);
		tuplestore_putvalues(req->rsinfo->setResult, req->rsinfo->setDesc, out, onull);
		req->recs.d[req->recs.n++] = c->key;
	}
	return n;
}

/*
 * Fill up to k rows from the fallback list, in its order, skipping the
 * history, the excluded, the not allowed, the already returned and repeats.
 */
static void
emit_fallback(RecRequest *req, int64 got)
{
	FmgrInfo   *eq = &req->tc->eq_opr_finfo;
	Oid			collation = req->collation;

	for (int i = 0; i < req->fb.n && got < req->k; i++)
	{
		Datum		x = req->fb.d[i];
		ElemList	before = {req->fb.d, i};
		Datum		out[4];
		bool		onull[4] = {false, true, true, false};

		CHECK_FOR_INTERRUPTS();
		if (contains(&req->hist, x, eq, collation) ||
			contains(&req->excl, x, eq, collation) ||
			(req->has_allowed && !contains(&req->allw, x, eq, collation)) ||
			contains(&req->recs, x, eq, collation) ||
			contains(&before, x, eq, collation))
			continue;
		out[0] = x;
		out[1] = (Datum) 0;
		out[2] = (Datum) 0;
		out[3] = BoolGetDatum(true);
		tuplestore_putvalues(req->rsinfo->setResult, req->rsinfo->setDesc, out, onull);
		got++;
	}
}

/*
 * recommend_from_history(neighbors regclass, history anyarray, k bigint, exclude "any",
 * allowed "any", fallback "any", item_col name, neighbor_col name,
 * similarity_col name)
 *	RETURNS TABLE (item anyelement, score float8, because anyelement, is_fallback boolean)
 */
Datum
ecomai_recommend_history(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			arraytype;
	Oid			elemtype;
	ArrayType  *history;
	ArrayType  *exclude;
	ArrayType  *allowed;
	ArrayType  *fallback;
	char	   *item_col;
	char	   *neighbor_col;
	char	   *sim_col;
	RecRequest	req = {0};
	int64		got = 0;

	InitMaterializedSRF(fcinfo, 0);
	req.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	/* neighbors, k, item_col, neighbor_col, similarity_col */
	ecomai_require_args(fcinfo, ECOMAI_ARG(0) | ECOMAI_ARG(2) | ECOMAI_ARG(6) | ECOMAI_ARG(7) | ECOMAI_ARG(8));
	relid = PG_GETARG_OID(0);
	req.k = PG_GETARG_INT64(2);
	if (req.k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be at least 1, not " INT64_FORMAT, req.k)));
	arraytype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	elemtype = get_element_type(arraytype);
	if (!OidIsValid(elemtype))
		elog(ERROR, "could not determine the history's element type");
	history = PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1);
	exclude = optional_array(fcinfo, 3, arraytype, "exclude");
	allowed = optional_array(fcinfo, 4, arraytype, "allowed");
	fallback = optional_array(fcinfo, 5, arraytype, "fallback");
	item_col = NameStr(*PG_GETARG_NAME(6));
	neighbor_col = NameStr(*PG_GETARG_NAME(7));
	sim_col = NameStr(*PG_GETARG_NAME(8));
	check_neighbors(relid, item_col, neighbor_col, sim_col, elemtype);

	req.tc = lookup_type_cache(elemtype, TYPECACHE_EQ_OPR_FINFO | TYPECACHE_HASH_PROC_FINFO);
	if (!OidIsValid(req.tc->eq_opr_finfo.fn_oid) || !OidIsValid(req.tc->hash_proc_finfo.fn_oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not identify hash and equality functions for type %s", format_type_be(elemtype))));
	req.collation = get_typcollation(elemtype);
	if (OidIsValid(req.collation))
		req.collation = DEFAULT_COLLATION_OID;
	req.hist = elements_of(history, req.tc);
	req.excl = elements_of(exclude, req.tc);
	req.has_allowed = allowed != NULL;
	req.allw = elements_of(allowed, req.tc);
	req.fb = elements_of(fallback, req.tc);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (req.hist.n > 0)
	{
		KeyOps		ops = {&req.tc->hash_proc_finfo, &req.tc->eq_opr_finfo, req.collation, key_kind(req.tc)};
		cand_hash  *cands = cand_create(CurrentMemoryContext, 1024, &ops);

		score_candidates(&req, cands, &ops, relid, history, arraytype, item_col, neighbor_col, sim_col);
		got = emit_best(&req, cands);
	}
	emit_fallback(&req, got);
	SPI_finish();
	return (Datum) 0;
}
