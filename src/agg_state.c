/*
 * agg_state.c
 *	  Aggregate-state helpers shared by every ecomai aggregate (see
 *	  agg_state.h): the ownership test of expanded states, the shared state
 *	  context of a call site, text-form expanded states and float8[] states.
 *
 * Written once so that every aggregate decides "may I update this state in
 * place?" the same way: only a read/write expanded object of its own kind
 * whose context is a child of the current aggregate context.  Anything else
 * (a flat state from a worker, a state that came through text from another
 * node, one owned by another aggregate context) is copied first.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "agg_state.h"
#include "ecomai.h"

/* Is d an expanded object with these methods? */
static inline bool
is_expanded_of(Datum d, const ExpandedObjectMethods *methods)
{
	return VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)) &&
		DatumGetEOHP(d)->eoh_methods == methods;
}

/* The expanded object d when it may be updated in place, else NULL. */
ExpandedObjectHeader *
ecomai_agg_state_owned(Datum d, const ExpandedObjectMethods *methods, MemoryContext aggcontext)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != methods || MemoryContextGetParent(eoh->eoh_context) != aggcontext)
		return NULL;
	return eoh;
}

/*
 * The shared state context of a call site.
 *
 * nodeAgg keeps an expanded state in place only when its context is a child
 * of the aggregate context.  One child per state would do, but hash
 * aggregation measures its memory after every new group by walking all the
 * children of that context, which made GROUP BY quadratic in the number of
 * groups (150 us per group at 10,000 groups).  So all states of a call site
 * share one child, found through fn_extra; a reset callback forgets it when
 * the aggregate context is reset or deleted (per group in sorted mode, per
 * batch in hash mode).
 */
#define STATE_CONTEXT_SLOTS 4

typedef struct StateContextSlot
{
	MemoryContext aggcontext;	/* the aggregate context the child belongs to */
	MemoryContext states;		/* the shared child, or NULL when forgotten */
} StateContextSlot;

typedef struct StateContextCache
{
	StateContextSlot slots[STATE_CONTEXT_SLOTS];
	int			next;			/* slot to reuse when all are live */
} StateContextCache;

/* Reset callback of a shared child: it is going away, forget it. */
static void
forget_state_context(void *arg)
{
	StateContextSlot *slot = (StateContextSlot *) arg;

	slot->aggcontext = NULL;
	slot->states = NULL;
}

/* The one child of aggcontext holding this call site's expanded states. */
MemoryContext
ecomai_agg_state_context(FunctionCallInfo fcinfo, MemoryContext aggcontext, const char *name)
{
	StateContextCache *cache = (StateContextCache *) fcinfo->flinfo->fn_extra;
	StateContextSlot *slot = NULL;
	MemoryContextCallback *cb;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(StateContextCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	for (int i = 0; i < STATE_CONTEXT_SLOTS; i++)
	{
		if (cache->slots[i].states != NULL && cache->slots[i].aggcontext == aggcontext)
			return cache->slots[i].states;
		if (cache->slots[i].states == NULL && slot == NULL)
			slot = &cache->slots[i];
	}
	if (slot == NULL)
	{
		/*
		 * All slots live (several grouping sets): reuse one.  Its old child
		 * stays valid for the states in it; if that child's callback fires
		 * later it merely makes us forget the new one too, which is safe.
		 */
		slot = &cache->slots[cache->next];
		cache->next = (cache->next + 1) % STATE_CONTEXT_SLOTS;
	}
	slot->states = AllocSetContextCreate(aggcontext, "ecomai aggregate states", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSetIdentifier(slot->states, name);
	slot->aggcontext = aggcontext;
	cb = MemoryContextAlloc(slot->states, sizeof(MemoryContextCallback));
	cb->func = forget_state_context;
	cb->arg = slot;
	MemoryContextRegisterResetCallback(slot->states, cb);
	return slot->states;
}

/* ---- text-form states ---- */

static Size text_state_get_flat_size(ExpandedObjectHeader *eohptr);
static void text_state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods text_state_methods = {
	text_state_get_flat_size,
	text_state_flatten_into
};

/* Flat size of the expanded state: its text, computed once per change. */
static Size
text_state_get_flat_size(ExpandedObjectHeader *eohptr)
{
	EcomaiTextState *e = (EcomaiTextState *) eohptr;

	if (e->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(e->hdr.eoh_context);
		StringInfoData buf;

		initStringInfo(&buf);
		e->kind->print(&buf, e->st);
		e->flat = buf.data;
		e->flatlen = buf.len;
		MemoryContextSwitchTo(old);
	}
	return VARHDRSZ + e->flatlen;
}

/* Write the flat (text) form into result. */
static void
text_state_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	EcomaiTextState *e = (EcomaiTextState *) eohptr;

	Assert(e->flat != NULL && allocated_size == VARHDRSZ + e->flatlen);
	memcpy(VARDATA(result), e->flat, e->flatlen);
	SET_VARSIZE(result, allocated_size);
}

/* The expanded text state d of this kind, or NULL. */
static EcomaiTextState *
text_state_of_kind(Datum d, const EcomaiTextStateKind *kind)
{
	if (!is_expanded_of(d, &text_state_methods))
		return NULL;
	if (((EcomaiTextState *) DatumGetEOHP(d))->kind != kind)
		return NULL;
	return (EcomaiTextState *) DatumGetEOHP(d);
}

/* Wrap a state as an expanded object living in the state's own context. */
EcomaiTextState *
ecomai_text_state_expand(const EcomaiTextStateKind *kind, void *st)
{
	MemoryContext cxt = *(MemoryContext *) ((char *) st + kind->cxt_offset);
	EcomaiTextState *e = MemoryContextAllocZero(cxt, sizeof(EcomaiTextState));

	EOH_init_header(&e->hdr, &text_state_methods, cxt);
	e->kind = kind;
	e->st = st;
	return e;
}

/* Read access to a state datum: the expanded state itself, or a parsed copy. */
void *
ecomai_text_state_read(Datum d, const EcomaiTextStateKind *kind)
{
	EcomaiTextState *e = text_state_of_kind(d, kind);

	if (e)
		return e->st;
	return kind->parse(CurrentMemoryContext, text_to_cstring((text *) PG_DETOAST_DATUM(d)),
					   ERRCODE_INVALID_TEXT_REPRESENTATION);
}

/* The state to update in place: d when we own it, else an expanded parsed copy. */
EcomaiTextState *
ecomai_text_state_for_update(Datum d, const EcomaiTextStateKind *kind, MemoryContext aggcontext)
{
	EcomaiTextState *e = text_state_of_kind(d, kind);

	if (e && ecomai_agg_state_owned(d, &text_state_methods, aggcontext) != NULL)
	{
		if (e->flat)
			pfree(e->flat);
		e->flat = NULL;
		return e;
	}
	return ecomai_text_state_expand(kind,
									kind->parse(aggcontext,
												text_to_cstring((text *) PG_DETOAST_DATUM(d)),
												ERRCODE_INVALID_TEXT_REPRESENTATION));
}

/* A state's canonical text as a varlena. */
text *
ecomai_text_state_text(const EcomaiTextStateKind *kind, const void *st)
{
	StringInfoData buf;

	initStringInfo(&buf);
	kind->print(&buf, st);
	return cstring_to_text_with_len(buf.data, buf.len);
}

/* Text input: parse, validate (22P02) and store the canonical text. */
text *
ecomai_text_state_in(const EcomaiTextStateKind *kind, const char *str)
{
	return ecomai_text_state_text(kind, kind->parse(CurrentMemoryContext, str,
													ERRCODE_INVALID_TEXT_REPRESENTATION));
}

/* Text output: the flat form is already the text; an expanded one is printed. */
char *
ecomai_text_state_out(const EcomaiTextStateKind *kind, Datum d)
{
	EcomaiTextState *e = text_state_of_kind(d, kind);

	if (e)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		kind->print(&buf, e->st);
		return buf.data;
	}
	return text_to_cstring((text *) PG_DETOAST_DATUM(d));
}

/* Binary input: the text form as bytes, validated the same way (22P03). */
text *
ecomai_text_state_recv(const EcomaiTextStateKind *kind, StringInfo buf)
{
	char	   *str = pnstrdup(buf->data + buf->cursor, buf->len - buf->cursor);

	if (strlen(str) != buf->len - buf->cursor ||
		!pg_verify_mbstr(GetDatabaseEncoding(), str, strlen(str), true))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary %s state", kind->name)));
	buf->cursor = buf->len;
	return ecomai_text_state_text(kind, kind->parse(CurrentMemoryContext, str,
													ERRCODE_INVALID_BINARY_REPRESENTATION));
}

/* Binary output: the text form as bytes. */
bytea *
ecomai_text_state_send(const EcomaiTextStateKind *kind, Datum d)
{
	char	   *s = ecomai_text_state_out(kind, d);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, s, strlen(s));
	return pq_endtypsend(&buf);
}

/*
 * The combine function of a text state: a NULL second state keeps the
 * first, a NULL first one becomes a copy of the second (it belongs to
 * someone else), otherwise the second is merged into the first in place.
 */
Datum
ecomai_text_state_combine(FunctionCallInfo fcinfo, const EcomaiTextStateKind *kind, const char *fname)
{
	MemoryContext aggcontext = ecomai_aggregate_context(fcinfo, fname);
	EcomaiTextState *e;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		e = ecomai_text_state_for_update(PG_GETARG_DATUM(0), kind, aggcontext);
		PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
	}
	if (PG_ARGISNULL(0))
	{
		void	   *src = ecomai_text_state_read(PG_GETARG_DATUM(1), kind);

		e = ecomai_text_state_expand(kind, kind->empty_like(aggcontext, src));
		kind->merge(e->st, src);
		PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
	}
	e = ecomai_text_state_for_update(PG_GETARG_DATUM(0), kind, aggcontext);
	kind->merge(e->st, ecomai_text_state_read(PG_GETARG_DATUM(1), kind));
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* ---- float8[] states ---- */

/* A zeroed one-dimensional float8[] of len elements in cxt. */
ArrayType *
ecomai_float8_state_new(MemoryContext cxt, int len)
{
	Size		nbytes = ARR_OVERHEAD_NONULLS(1) + sizeof(float8) * (Size) len;
	ArrayType  *st = (ArrayType *) MemoryContextAllocZero(cxt, nbytes);

	SET_VARSIZE(st, nbytes);
	st->ndim = 1;
	st->dataoffset = 0;
	st->elemtype = FLOAT8OID;
	ARR_DIMS(st)[0] = len;
	ARR_LBOUND(st)[0] = 1;
	return st;
}

/* A copy of the len values s as a new state in cxt. */
ArrayType *
ecomai_float8_state_copy(MemoryContext cxt, const double *s, int len)
{
	ArrayType  *st = ecomai_float8_state_new(cxt, len);

	memcpy(ARR_DATA_PTR(st), s, sizeof(float8) * (Size) len);
	return st;
}

/* The values of a well-formed state of minlen..maxlen elements, else NULL. */
double *
ecomai_float8_state_values(ArrayType *state, int minlen, int maxlen, int *len)
{
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] < minlen || ARR_DIMS(state)[0] > maxlen ||
		ARR_ELEMTYPE(state) != FLOAT8OID || ARR_HASNULL(state))
		return NULL;
	if (len)
		*len = ARR_DIMS(state)[0];
	return (double *) ARR_DATA_PTR(state);
}

/* The values of a counted state, or ERROR 22000 naming what is wrong (see agg_state.h). */
double *
ecomai_counted_state_values(ArrayType *state, int minlen, int maxlen, int *len,
							const char *what, const char *layout)
{
	double	   *s = ecomai_float8_state_values(state, minlen, maxlen, len);

	if (s == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid %s state", what),
				 errdetail("%s", layout)));
	if (!ecomai_state_count_valid(s[0]))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid %s state", what),
				 errdetail("The row count %g is not a positive whole number.", s[0])));
	return s;
}

/* Arguments 1 and 2 of a transition function, both finite (see agg_state.h). */
bool
ecomai_agg_finite_pair(FunctionCallInfo fcinfo, const char *name1, const char *name2,
					   double *x1, double *x2)
{
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return false;
	*x1 = PG_GETARG_FLOAT8(1);
	*x2 = PG_GETARG_FLOAT8(2);
	if (!isfinite(*x1) || !isfinite(*x2))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must be finite, not %s", isfinite(*x1) ? name2 : name1,
						float8out_internal(isfinite(*x1) ? *x2 : *x1))));
	return true;
}
