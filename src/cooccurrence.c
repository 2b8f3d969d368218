/*
 * cooccurrence.c
 *	  The co-occurrence model type ecomai.cooccurrence (text and binary I/O)
 *	  and its aggregates over per-customer baskets:
 *
 *		cooccurrence(basket svec)      integer items, weighted (svec values)
 *		cooccurrence(basket anyarray)  items of any type, each present once
 *
 * The state is the model itself (a concrete type, so parallel workers and
 * Citus shards ship partial models as text and combine them); while the
 * aggregate runs it is an expanded object in the aggregate context: a hash
 * table from keys to item indexes, the per-item sums, a buffer of baskets,
 * and the pair sums as sorted runs (cooc_pairs.c).  The buffer is folded
 * into a run by a row-by-row sparse product (XᵀX with a dense accumulator
 * per item) after the items are renumbered in key order, so that a run is
 * already in the flat form's order and runs (from several folds or merged
 * partial models) merge without sorting; the canonical flat form
 * (cooccurrence.h) is written only when flattened.  Only positive weights
 * put an item in a basket: a line netted to zero (or below) by returns
 * counts as nothing.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "parser/parse_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "agg_state.h"
#include "cooc_pairs.h"
#include "cooccurrence.h"
#include "ecomai.h"
#include "svec.h"

PG_FUNCTION_INFO_V1(ecomai_cooc_in);
PG_FUNCTION_INFO_V1(ecomai_cooc_out);
PG_FUNCTION_INFO_V1(ecomai_cooc_recv);
PG_FUNCTION_INFO_V1(ecomai_cooc_send);
PG_FUNCTION_INFO_V1(ecomai_cooc_svec_transfn);
PG_FUNCTION_INFO_V1(ecomai_cooc_array_transfn);
PG_FUNCTION_INFO_V1(ecomai_cooc_combine);
PG_FUNCTION_INFO_V1(ecomai_cooc_final);
PG_FUNCTION_INFO_V1(ecomai_cooc_summary);

#define COOC_HDRSZ		MAXALIGN(sizeof(Cooc))
#define INTERRUPT_MASK	0xFFFF

/* integer key -> item index */
typedef struct ItemIntEntry
{
	int64		key;
	int32		idx;
	char		status;
} ItemIntEntry;

#define SH_PREFIX itemint
#define SH_ELEMENT_TYPE ItemIntEntry
#define SH_KEY_TYPE int64
#define SH_KEY key
#define SH_HASH_KEY(tb, k) murmurhash32((uint32) ((uint64) (k) ^ ((uint64) (k) >> 32)))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* key text -> item index: name_hash.h */
#include "name_hash.h"


/* ----------------------------------------------------------------
 * Flat form: one writer (with or without validation) and a reader
 * ---------------------------------------------------------------- */

bool
ecomai_cooc_intkey_type(Oid keytype)
{
	return keytype == INT8OID || keytype == INT4OID || keytype == INT2OID;
}

/* The parts of a model to be written flat, in canonical order. */
typedef struct CoocParts
{
	Oid			keytype;
	int32		nitems;
	int64		nbaskets;
	int64		npairs;
	int64	   *ikeys;
	char	  **skeys;
	int64	   *count;
	double	   *weight;
	int64	   *pcount;
	double	   *pgram;
	int32	   *pi;
	int32	   *pj;
} CoocParts;

static void
invalid_model(int code, const char *detail)
{
	ereport(ERROR,
			(errcode(code),
			 errmsg("invalid cooccurrence model"),
			 errdetail("%s", detail)));
}

/*
 * Check the invariants of parts read from outside (text or binary): keys
 * strictly ascending and in range of the key type, counts within the
 * baskets, finite positive sums, pairs ordered.  code is the SQLSTATE.
 */
static void
validate_parts(const CoocParts *p, int code)
{
	bool		intkeys = ecomai_cooc_intkey_type(p->keytype);

	if (p->nbaskets < 0 || p->nitems < 0 || p->npairs < 0)
		invalid_model(code, "A count is negative.");
	if (p->keytype == InvalidOid && (p->nitems > 0 || p->nbaskets > 0))
		invalid_model(code, "A model with items must have a key type.");
	for (int32 i = 0; i < p->nitems; i++)
	{
		if ((i & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (intkeys)
		{
			int64		k = p->ikeys[i];

			if ((p->keytype == INT4OID && (k < PG_INT32_MIN || k > PG_INT32_MAX)) ||
				(p->keytype == INT2OID && (k < PG_INT16_MIN || k > PG_INT16_MAX)))
				invalid_model(code, "An item key is out of range for the key type.");
			if (i > 0 && p->ikeys[i - 1] >= k)
				invalid_model(code, "Item keys must be strictly ascending.");
		}
		else if (i > 0 && strcmp(p->skeys[i - 1], p->skeys[i]) >= 0)
			invalid_model(code, "Item keys must be strictly ascending.");
		if (p->count[i] < 1 || p->count[i] > p->nbaskets)
			invalid_model(code, "An item count must be between 1 and the number of baskets.");
		if (!isfinite(p->weight[i]) || !(p->weight[i] > 0))
			invalid_model(code, "An item weight must be finite and positive.");
	}
	for (int64 k = 0; k < p->npairs; k++)
	{
		int32		i = p->pi[k];
		int32		j = p->pj[k];

		if ((k & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i < 0 || j <= i || j >= p->nitems)
			invalid_model(code, "A pair must name two items i < j of the model.");
		if (k > 0 && (p->pi[k - 1] > i || (p->pi[k - 1] == i && p->pj[k - 1] >= j)))
			invalid_model(code, "Pairs must be strictly ascending.");
		if (p->pcount[k] < 1 || p->pcount[k] > Min(p->count[i], p->count[j]))
			invalid_model(code, "A pair count must be between 1 and the counts of its items.");
		if (!isfinite(p->pgram[k]) || !(p->pgram[k] > 0))
			invalid_model(code, "A pair weight must be finite and positive.");
	}
}

/* Bytes of the key area of text keys. */
static int64
key_area_bytes(const CoocParts *p)
{
	int64		bytes = 0;

	if (ecomai_cooc_intkey_type(p->keytype))
		return 0;
	for (int32 i = 0; i < p->nitems; i++)
		bytes += strlen(p->skeys[i]) + 1;
	return MAXALIGN(bytes);
}

static Size
flat_size(const CoocParts *p, int64 keybytes)
{
	double		sz;

	sz = (double) COOC_HDRSZ + (double) p->nitems * 16.0 + (double) p->npairs * 24.0;
	if (ecomai_cooc_intkey_type(p->keytype))
		sz += (double) p->nitems * 8.0;
	else if (p->keytype != InvalidOid)
		sz += (double) (p->nitems + 1) * 8.0 + (double) keybytes;
	if (sz > (double) (MaxAllocSize - VARHDRSZ))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cooccurrence model too large"),
				 errdetail("The model of %d items and " INT64_FORMAT " pairs needs %.0f bytes; a value holds at most 1 GB.",
						   p->nitems, p->npairs, sz)));
	return (Size) sz;
}

/* Write parts (canonical order already) into result of size bytes. */
static void
write_flat(const CoocParts *p, int64 keybytes, Cooc *m, Size size)
{
	char	   *ptr;

	memset(m, 0, COOC_HDRSZ);
	SET_VARSIZE(m, size);
	m->flags = COOC_VERSION;
	m->keytype = p->keytype;
	m->nitems = p->nitems;
	m->nbaskets = p->nbaskets;
	m->npairs = p->npairs;
	m->keybytes = keybytes;
	ptr = (char *) m + COOC_HDRSZ;
#define PUT(src, bytes) do { if ((bytes) > 0) memcpy(ptr, (src), (bytes)); ptr += (bytes); } while (0)
	PUT(p->count, p->nitems * sizeof(int64));
	PUT(p->weight, p->nitems * sizeof(double));
	PUT(p->pcount, p->npairs * sizeof(int64));
	PUT(p->pgram, p->npairs * sizeof(double));
	PUT(p->pi, p->npairs * sizeof(int32));
	PUT(p->pj, p->npairs * sizeof(int32));
	if (ecomai_cooc_intkey_type(p->keytype))
		PUT(p->ikeys, p->nitems * sizeof(int64));
	else if (p->keytype != InvalidOid)
	{
		int64	   *koff = (int64 *) ptr;
		char	   *kdata = ptr + (p->nitems + 1) * sizeof(int64);
		int64		off = 0;

		for (int32 i = 0; i < p->nitems; i++)
		{
			Size		len = strlen(p->skeys[i]) + 1;

			koff[i] = off;
			memcpy(kdata + off, p->skeys[i], len);
			off += len;
		}
		koff[p->nitems] = off;
		memset(kdata + off, 0, keybytes - off);
		ptr = kdata + keybytes;
	}
#undef PUT
	Assert(ptr == (char *) m + size);
}

/* A new palloc'd flat model from parts. */
static Cooc *
flat_from_parts(const CoocParts *p)
{
	int64		keybytes = key_area_bytes(p);
	Size		size = flat_size(p, keybytes);
	Cooc	   *m = palloc_extended(size, MCXT_ALLOC_HUGE);

	write_flat(p, keybytes, m, size);
	return m;
}

/* The array of the flat layout at *ptr, and *ptr moved past its bytes. */
static inline void *
next_array(char **ptr, Size bytes)
{
	void	   *array = *ptr;

	*ptr += bytes;
	return array;
}

void
ecomai_cooc_view(Datum d, CoocView *v)
{
	Cooc	   *m = (Cooc *) PG_DETOAST_DATUM(d);
	char	   *ptr;

	if ((m->flags & 0xFF) != COOC_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("unsupported cooccurrence layout version %u", m->flags & 0xFF)));
	v->m = m;
	v->keytype = m->keytype;
	v->intkeys = ecomai_cooc_intkey_type(m->keytype);
	v->nitems = m->nitems;
	v->nbaskets = m->nbaskets;
	v->npairs = m->npairs;
	ptr = (char *) m + COOC_HDRSZ;
	v->count = next_array(&ptr, m->nitems * sizeof(int64));
	v->weight = next_array(&ptr, m->nitems * sizeof(float8));
	v->pcount = next_array(&ptr, m->npairs * sizeof(int64));
	v->pgram = next_array(&ptr, m->npairs * sizeof(float8));
	v->pi = next_array(&ptr, m->npairs * sizeof(int32));
	v->pj = next_array(&ptr, m->npairs * sizeof(int32));
	v->ikeys = NULL;
	v->koff = NULL;
	v->kdata = NULL;
	if (v->intkeys)
		v->ikeys = (int64 *) ptr;
	else
	{
		v->koff = (int64 *) ptr;
		v->kdata = ptr + (m->nitems + 1) * sizeof(int64);
	}
}

char *
ecomai_cooc_key_text(const CoocView *v, int32 i)
{
	if (v->intkeys)
		return psprintf(INT64_FORMAT, v->ikeys[i]);
	return v->kdata + v->koff[i];
}

Datum *
ecomai_cooc_key_datums(FunctionCallInfo fcinfo, int argno, const CoocView *v)
{
	Oid			want = argno < 0 ? INT8OID : get_fn_expr_argtype(fcinfo->flinfo, argno);
	Datum	   *keys;

	if (!OidIsValid(want))
		elog(ERROR, "could not determine the type of the key_type argument");
	if (v->nitems > 0 && want != v->keytype && !(argno < 0 && v->intkeys))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the model's items are of type %s, not %s",
						format_type_be(v->keytype), format_type_be(want)),
				 errhint("Pass a typed NULL of the items' type first, e.g. %s(NULL::%s, m, ...).",
						 get_func_name(fcinfo->flinfo->fn_oid), format_type_be(v->keytype))));
	keys = palloc_extended(Max(v->nitems, 1) * sizeof(Datum), MCXT_ALLOC_HUGE);
	if (v->intkeys)
	{
		for (int32 i = 0; i < v->nitems; i++)
			keys[i] = want == INT8OID ? Int64GetDatum(v->ikeys[i]) :
				want == INT4OID ? Int32GetDatum((int32) v->ikeys[i]) :
				Int16GetDatum((int16) v->ikeys[i]);
	}
	else if (v->nitems > 0)
	{
		Oid			typinput;
		Oid			typioparam;
		FmgrInfo	flinfo;

		getTypeInputInfo(v->keytype, &typinput, &typioparam);
		fmgr_info(typinput, &flinfo);
		for (int32 i = 0; i < v->nitems; i++)
		{
			if ((i & 0xFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			keys[i] = InputFunctionCall(&flinfo, v->kdata + v->koff[i], typioparam, -1);
		}
	}
	return keys;
}

void
ecomai_cooc_adjacency(const CoocView *v, CoocAdjacency *adj)
{
	int64	   *fill;

	ecomai_check_memory((Size) (v->nitems + 1) * 16 + (Size) v->npairs * 24, "item adjacency");
	adj->off = palloc_extended((v->nitems + 1) * sizeof(int64), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	adj->pair = palloc_extended(Max(v->npairs, 1) * 2 * sizeof(int64), MCXT_ALLOC_HUGE);
	adj->other = palloc_extended(Max(v->npairs, 1) * 2 * sizeof(int32), MCXT_ALLOC_HUGE);
	for (int64 k = 0; k < v->npairs; k++)
	{
		adj->off[v->pi[k] + 1]++;
		adj->off[v->pj[k] + 1]++;
	}
	for (int32 i = 0; i < v->nitems; i++)
		adj->off[i + 1] += adj->off[i];
	fill = palloc_extended((v->nitems + 1) * sizeof(int64), MCXT_ALLOC_HUGE);
	memcpy(fill, adj->off, (v->nitems + 1) * sizeof(int64));
	for (int64 k = 0; k < v->npairs; k++)
	{
		int32		i = v->pi[k];
		int32		j = v->pj[k];

		if ((k & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		adj->pair[fill[i]] = k;
		adj->other[fill[i]++] = j;
		adj->pair[fill[j]] = k;
		adj->other[fill[j]++] = i;
	}
	pfree(fill);
}

/* ----------------------------------------------------------------
 * Text I/O:  key_type="bigint" baskets=3 items={101:2:2,205:1:1} pairs={0:1:1:1}
 * Items are key:count:weight, pairs i:j:count:gram (item indexes); text keys
 * and the type name are double-quoted with \" and \\ escaped.
 * ---------------------------------------------------------------- */

/* The type name as written in text and binary forms ("" for no type yet). */
static char *
keytype_name(Oid keytype)
{
	if (keytype == InvalidOid)
		return "";
	return format_type_be_qualified(keytype);
}

static Oid
keytype_from_name(const char *name, int code)
{
	Oid			typid;
	int32		typmod;

	if (name[0] == '\0')
		return InvalidOid;
	parseTypeString(name, &typid, &typmod, true);
	if (!OidIsValid(typid))
		ereport(ERROR,
				(errcode(code),
				 errmsg("invalid cooccurrence model"),
				 errdetail("Unknown key type \"%s\".", name)));
	return typid;
}

Datum
ecomai_cooc_out(PG_FUNCTION_ARGS)
{
	CoocView	v;
	StringInfoData buf;

	ecomai_cooc_view(PG_GETARG_DATUM(0), &v);
	initStringInfo(&buf);
	appendStringInfoString(&buf, "key_type=");
	ecomai_append_quoted(&buf, keytype_name(v.keytype));
	appendStringInfo(&buf, " baskets=" INT64_FORMAT " items={", v.nbaskets);
	for (int32 i = 0; i < v.nitems; i++)
	{
		if ((i & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		if (v.intkeys)
			appendStringInfo(&buf, INT64_FORMAT, v.ikeys[i]);
		else
			ecomai_append_quoted(&buf, v.kdata + v.koff[i]);
		appendStringInfo(&buf, ":" INT64_FORMAT ":", v.count[i]);
		ecomai_append_double(&buf, v.weight[i]);
	}
	appendStringInfoString(&buf, "} pairs={");
	for (int64 k = 0; k < v.npairs; k++)
	{
		if ((k & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (k > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfo(&buf, "%d:%d:" INT64_FORMAT ":", v.pi[k], v.pj[k], v.pcount[k]);
		ecomai_append_double(&buf, v.pgram[k]);
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* A cursor over the text form. */
typedef struct TextCursor
{
	const char *start;
	const char *p;
} TextCursor;

static void
text_syntax_error(TextCursor *c, const char *expected)
{
	ecomai_syntax_error("cooccurrence", c->start, c->p, expected);
}

static void
expect(TextCursor *c, const char *lit)
{
	Size		len = strlen(lit);

	while (*c->p == ' ' || *c->p == '\n' || *c->p == '\t')
		c->p++;
	if (strncmp(c->p, lit, len) != 0)
		text_syntax_error(c, psprintf("\"%s\"", lit));
	c->p += len;
}

static bool
accept_char(TextCursor *c, char ch)
{
	if (*c->p == ch)
	{
		c->p++;
		return true;
	}
	return false;
}

static char *
read_quoted(TextCursor *c)
{
	return ecomai_read_quoted(&c->p, c->start, "cooccurrence", "a double-quoted string");
}

static int64
read_int64(TextCursor *c)
{
	char	   *end;
	int64		x;

	errno = 0;
	if (!(*c->p == '-' || (*c->p >= '0' && *c->p <= '9')))
		text_syntax_error(c, "an integer");
	x = strtoi64(c->p, &end, 10);
	if (errno == ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value is out of range for type bigint in cooccurrence input")));
	if (end == c->p)
		text_syntax_error(c, "an integer");
	c->p = end;
	return x;
}

static double
read_double(TextCursor *c)
{
	char	   *end;
	double		x;

	errno = 0;
	x = strtod(c->p, &end);
	if (end == c->p)
		text_syntax_error(c, "a number");
	if (errno == ERANGE || !isfinite(x))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cooccurrence weight is out of range for type double precision")));
	c->p = end;
	return x;
}

/* Allocate the parts' arrays for nitems items and npairs pairs (at least one each). */
static void
parts_alloc(CoocParts *p, int32 nitems, int64 npairs)
{
	Size		ni = Max(nitems, 1);
	Size		np = Max(npairs, 1);

	p->ikeys = palloc_extended(ni * sizeof(int64), MCXT_ALLOC_HUGE);
	p->skeys = palloc_extended(ni * sizeof(char *), MCXT_ALLOC_HUGE);
	p->count = palloc_extended(ni * sizeof(int64), MCXT_ALLOC_HUGE);
	p->weight = palloc_extended(ni * sizeof(double), MCXT_ALLOC_HUGE);
	p->pcount = palloc_extended(np * sizeof(int64), MCXT_ALLOC_HUGE);
	p->pgram = palloc_extended(np * sizeof(double), MCXT_ALLOC_HUGE);
	p->pi = palloc_extended(np * sizeof(int32), MCXT_ALLOC_HUGE);
	p->pj = palloc_extended(np * sizeof(int32), MCXT_ALLOC_HUGE);
}

/* The text input being parsed: the cursor, the parts, their capacities. */
typedef struct TextInput
{
	TextCursor	c;
	CoocParts	p;
	bool		intkeys;
	int32		icap;
	int64		pcap;
} TextInput;

/* ":count:sum", the tail of an item and of a pair. */
static void
read_count_and_sum(TextCursor *c, int64 *count, double *sum)
{
	expect(c, ":");
	*count = read_int64(c);
	expect(c, ":");
	*sum = read_double(c);
}

/* key:count:weight */
static void
read_item(TextInput *in)
{
	CoocParts  *p = &in->p;

	if (p->keytype == InvalidOid)
		text_syntax_error(&in->c, "no items in a model without a key type");
	if (p->nitems == in->icap)
	{
		if (in->icap >= MaxAllocHugeSize / 16 / 2)
			elog(ERROR, "too many items");
		in->icap *= 2;
		if (in->intkeys)
			p->ikeys = repalloc_huge(p->ikeys, in->icap * sizeof(int64));
		else
			p->skeys = repalloc_huge(p->skeys, in->icap * sizeof(char *));
		p->count = repalloc_huge(p->count, in->icap * sizeof(int64));
		p->weight = repalloc_huge(p->weight, in->icap * sizeof(double));
	}
	if (in->intkeys)
		p->ikeys[p->nitems] = read_int64(&in->c);
	else
		p->skeys[p->nitems] = read_quoted(&in->c);
	read_count_and_sum(&in->c, &p->count[p->nitems], &p->weight[p->nitems]);
	p->nitems++;
}

/* i:j:count:gram */
static void
read_pair(TextInput *in)
{
	CoocParts  *p = &in->p;
	int64		i;
	int64		j;

	if (p->npairs == in->pcap)
	{
		in->pcap *= 2;
		ecomai_check_memory(in->pcap * 24, "cooccurrence input");
		p->pcount = repalloc_huge(p->pcount, in->pcap * sizeof(int64));
		p->pgram = repalloc_huge(p->pgram, in->pcap * sizeof(double));
		p->pi = repalloc_huge(p->pi, in->pcap * sizeof(int32));
		p->pj = repalloc_huge(p->pj, in->pcap * sizeof(int32));
	}
	i = read_int64(&in->c);
	expect(&in->c, ":");
	j = read_int64(&in->c);
	if (i < 0 || i > PG_INT32_MAX || j < 0 || j > PG_INT32_MAX)
		invalid_model(ERRCODE_INVALID_TEXT_REPRESENTATION, "A pair must name two items i < j of the model.");
	p->pi[p->npairs] = (int32) i;
	p->pj[p->npairs] = (int32) j;
	read_count_and_sum(&in->c, &p->pcount[p->npairs], &p->pgram[p->npairs]);
	p->npairs++;
}

/* opening (e.g. "items={"), then elements separated by commas, then "}". */
static void
read_list(TextInput *in, const char *opening, void (*read_element) (TextInput *in))
{
	expect(&in->c, opening);
	if (accept_char(&in->c, '}'))
		return;
	do
	{
		CHECK_FOR_INTERRUPTS();
		read_element(in);
	} while (accept_char(&in->c, ','));
	expect(&in->c, "}");
}

Datum
ecomai_cooc_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	TextInput	in;

	memset(&in, 0, sizeof(in));
	in.c.start = in.c.p = str;
	in.icap = 16;
	in.pcap = 16;
	parts_alloc(&in.p, in.icap, in.pcap);
	expect(&in.c, "key_type=");
	in.p.keytype = keytype_from_name(read_quoted(&in.c), ERRCODE_INVALID_TEXT_REPRESENTATION);
	in.intkeys = ecomai_cooc_intkey_type(in.p.keytype);
	expect(&in.c, "baskets=");
	in.p.nbaskets = read_int64(&in.c);
	read_list(&in, "items={", read_item);
	read_list(&in, "pairs={", read_pair);
	while (*in.c.p == ' ' || *in.c.p == '\n' || *in.c.p == '\t')
		in.c.p++;
	if (*in.c.p != '\0')
		text_syntax_error(&in.c, "the end of the input");
	validate_parts(&in.p, ERRCODE_INVALID_TEXT_REPRESENTATION);
	PG_RETURN_POINTER(flat_from_parts(&in.p));
}

/* ----------------------------------------------------------------
 * Binary I/O: version byte, type name, counts, then the arrays as written
 * in the text form (keys as int64 or strings).
 * ---------------------------------------------------------------- */

Datum
ecomai_cooc_send(PG_FUNCTION_ARGS)
{
	CoocView	v;
	StringInfoData buf;

	ecomai_cooc_view(PG_GETARG_DATUM(0), &v);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, COOC_VERSION);
	pq_sendstring(&buf, keytype_name(v.keytype));
	pq_sendint64(&buf, v.nbaskets);
	pq_sendint32(&buf, v.nitems);
	pq_sendint64(&buf, v.npairs);
	for (int32 i = 0; i < v.nitems; i++)
	{
		if (v.intkeys)
			pq_sendint64(&buf, v.ikeys[i]);
		else
			pq_sendstring(&buf, v.kdata + v.koff[i]);
		pq_sendint64(&buf, v.count[i]);
		pq_sendfloat8(&buf, v.weight[i]);
	}
	for (int64 k = 0; k < v.npairs; k++)
	{
		pq_sendint32(&buf, v.pi[k]);
		pq_sendint32(&buf, v.pj[k]);
		pq_sendint64(&buf, v.pcount[k]);
		pq_sendfloat8(&buf, v.pgram[k]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
ecomai_cooc_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	CoocParts	p;
	int			version;
	bool		intkeys;
	int64		remaining;

	memset(&p, 0, sizeof(p));
	version = pq_getmsgbyte(buf);
	if (version != COOC_VERSION)
		invalid_model(ERRCODE_INVALID_BINARY_REPRESENTATION, "Unsupported layout version.");
	p.keytype = keytype_from_name(pq_getmsgstring(buf), ERRCODE_INVALID_BINARY_REPRESENTATION);
	intkeys = ecomai_cooc_intkey_type(p.keytype);
	p.nbaskets = pq_getmsgint64(buf);
	p.nitems = pq_getmsgint(buf, 4);
	p.npairs = pq_getmsgint64(buf);
	remaining = buf->len - buf->cursor;
	/* each item takes at least 17 bytes, each pair 24: check before allocating */
	if (p.nitems < 0 || p.npairs < 0 || (double) p.nitems * 17 + (double) p.npairs * 24 > (double) remaining)
		invalid_model(ERRCODE_INVALID_BINARY_REPRESENTATION, "The counts do not match the length of the data.");
	parts_alloc(&p, p.nitems, p.npairs);
	if (p.keytype == InvalidOid && p.nitems > 0)
		invalid_model(ERRCODE_INVALID_BINARY_REPRESENTATION, "A model with items must have a key type.");
	for (int32 i = 0; i < p.nitems; i++)
	{
		if ((i & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (intkeys)
			p.ikeys[i] = pq_getmsgint64(buf);
		else
			p.skeys[i] = pstrdup(pq_getmsgstring(buf));
		p.count[i] = pq_getmsgint64(buf);
		p.weight[i] = pq_getmsgfloat8(buf);
	}
	for (int64 k = 0; k < p.npairs; k++)
	{
		if ((k & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		p.pi[k] = pq_getmsgint(buf, 4);
		p.pj[k] = pq_getmsgint(buf, 4);
		p.pcount[k] = pq_getmsgint64(buf);
		p.pgram[k] = pq_getmsgfloat8(buf);
	}
	if (buf->cursor != buf->len)
		invalid_model(ERRCODE_INVALID_BINARY_REPRESENTATION, "Trailing bytes after the model.");
	validate_parts(&p, ERRCODE_INVALID_BINARY_REPRESENTATION);
	PG_RETURN_POINTER(flat_from_parts(&p));
}

/* ----------------------------------------------------------------
 * The aggregate state: an expanded model
 * ---------------------------------------------------------------- */

typedef struct ExpandedCooc
{
	ExpandedObjectHeader hdr;
	Oid			keytype;
	bool		intkeys;
	bool		keyordered;		/* item indexes follow the keys' order */
	int64		nbaskets;
	int32		nitems;
	int32		cap;
	int64	   *ikeys;
	char	  **skeys;
	int64	   *count;
	double	   *weight;
	int64	   *stamp;			/* per item: the last array basket it was in */
	int64		nstamps;		/* array baskets seen */
	itemint_hash *ih;
	ecomai_names_hash *sh;
	int32	   *dense;			/* integer key k -> index + 1 (0: not noted), k < dense_cap */
	int64		dense_cap;
	/* scratch: the current basket's item indexes and weights */
	int32		bcap;
	int32	   *bidx;
	double	   *bw;
	CoocBaskets baskets;		/* baskets not yet counted in pairs */
	CoocPairs	pairs;			/* pair sums, as sorted runs (cooc_pairs.h) */
} ExpandedCooc;

/* The expanded-object methods (cooc_get_flat_size, cooc_flatten_into), defined below them. */
static const ExpandedObjectMethods cooc_expanded_methods;

static ExpandedCooc *
expanded_new(MemoryContext aggcontext)
{
	MemoryContext cxt = AllocSetContextCreate(aggcontext, "cooccurrence state", ALLOCSET_DEFAULT_SIZES);
	ExpandedCooc *e = MemoryContextAllocZero(cxt, sizeof(ExpandedCooc));

	EOH_init_header(&e->hdr, &cooc_expanded_methods, cxt);
	e->keyordered = true;
	e->cap = 64;
	e->ikeys = MemoryContextAlloc(cxt, e->cap * sizeof(int64));
	e->skeys = MemoryContextAlloc(cxt, e->cap * sizeof(char *));
	e->count = MemoryContextAllocZero(cxt, e->cap * sizeof(int64));
	e->weight = MemoryContextAllocZero(cxt, e->cap * sizeof(double));
	e->stamp = MemoryContextAllocZero(cxt, e->cap * sizeof(int64));
	e->ih = itemint_create(cxt, 64, NULL);
	e->sh = ecomai_names_create(cxt, 64, NULL);
	e->bcap = 64;
	e->bidx = MemoryContextAlloc(cxt, e->bcap * sizeof(int32));
	e->bw = MemoryContextAlloc(cxt, e->bcap * sizeof(double));
	ecomai_cooc_baskets_init(&e->baskets, cxt);
	ecomai_cooc_pairs_init(&e->pairs, cxt);
	return e;
}

/* Adopt or check the key type of the incoming items. */
static void
set_keytype(ExpandedCooc *e, Oid keytype)
{
	if (e->keytype == keytype)
		return;
	if (e->keytype != InvalidOid && keytype != InvalidOid)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("items of type %s cannot be added to a cooccurrence model of %s items",
						format_type_be(keytype), format_type_be(e->keytype))));
	if (e->keytype == InvalidOid)
	{
		e->keytype = keytype;
		e->intkeys = ecomai_cooc_intkey_type(keytype);
	}
}

/* Bytes held by the state besides its basket buffer and its pairs. */
static Size
items_bytes(const ExpandedCooc *e)
{
	return (Size) e->cap * 48 + (Size) e->ih->size * sizeof(ItemIntEntry) +
		(Size) e->sh->size * sizeof(EcomaiNameEntry) + (Size) e->bcap * 12 +
		(Size) e->dense_cap * sizeof(int32);
}

/* Grow the per-item arrays to ncap items (new entries zeroed). */
static void
grow_items_to(ExpandedCooc *e, int32 ncap)
{
	ecomai_check_memory(items_bytes(e) + (Size) ncap * 48 + ecomai_cooc_baskets_bytes(&e->baskets) +
						ecomai_cooc_pairs_bytes(&e->pairs), "cooccurrence state");
	e->ikeys = repalloc_huge(e->ikeys, ncap * sizeof(int64));
	e->skeys = repalloc_huge(e->skeys, ncap * sizeof(char *));
	e->count = repalloc_huge(e->count, ncap * sizeof(int64));
	e->weight = repalloc_huge(e->weight, ncap * sizeof(double));
	e->stamp = repalloc_huge(e->stamp, ncap * sizeof(int64));
	memset(e->count + e->cap, 0, (ncap - e->cap) * sizeof(int64));
	memset(e->weight + e->cap, 0, (ncap - e->cap) * sizeof(double));
	memset(e->stamp + e->cap, 0, (ncap - e->cap) * sizeof(int64));
	e->cap = ncap;
}

/*
 * Integer keys from 0 to DENSE_KEYS_PER_ITEM per item (plus DENSE_KEYS_MIN)
 * are also noted in a plain array, which answers the lookups of known items
 * from a few hundred kB rather than from the hash table: product ids are
 * usually such small numbers.
 */
#define DENSE_KEYS_PER_ITEM 8
#define DENSE_KEYS_MIN		65536

/* Note integer key -> idx in the dense array, when the key is in its range. */
static void
dense_note(ExpandedCooc *e, int64 key, int32 idx)
{
	int64		limit = (int64) e->nitems * DENSE_KEYS_PER_ITEM + DENSE_KEYS_MIN;

	if (key < 0 || key >= limit)
		return;					/* the hash table answers for it (until the range grows) */
	if (key >= e->dense_cap)
	{
		int64		ncap = Min(Max(2 * e->dense_cap, key + 1), limit);

		ecomai_check_memory(items_bytes(e) + (Size) ncap * sizeof(int32) + ecomai_cooc_baskets_bytes(&e->baskets) +
							ecomai_cooc_pairs_bytes(&e->pairs), "cooccurrence state");
		if (e->dense == NULL)
			e->dense = MemoryContextAllocHuge(e->hdr.eoh_context, ncap * sizeof(int32));
		else
			e->dense = repalloc_huge(e->dense, ncap * sizeof(int32));
		memset(e->dense + e->dense_cap, 0, (ncap - e->dense_cap) * sizeof(int32));
		e->dense_cap = ncap;
	}
	e->dense[key] = idx + 1;
}

static int32 item_index_hashed(ExpandedCooc *e, int64 ikey, const char *skey);

/* The index of an item (integer key ikey, or text key skey), adding it when new. */
static inline int32
item_index(ExpandedCooc *e, int64 ikey, const char *skey)
{
	int32		idx;

	if (!e->intkeys)
		return item_index_hashed(e, 0, skey);
	if (ikey >= 0 && ikey < e->dense_cap && e->dense[ikey] > 0)
		return e->dense[ikey] - 1;
	idx = item_index_hashed(e, ikey, NULL);
	dense_note(e, ikey, idx);
	return idx;
}

/* The index of an item from the hash tables, adding it when new. */
static int32
item_index_hashed(ExpandedCooc *e, int64 ikey, const char *skey)
{
	bool		found;
	int32	   *idxp;

	if (e->intkeys)
	{
		ItemIntEntry *ent = itemint_insert(e->ih, ikey, &found);

		idxp = &ent->idx;
	}
	else
	{
		EcomaiNameEntry *ent = ecomai_names_insert(e->sh, skey, &found);

		if (!found)
			ent->name = MemoryContextStrdup(e->hdr.eoh_context, skey);
		idxp = &ent->index;
	}
	if (found)
		return *idxp;
	if (e->nitems == e->cap)
	{
		if (e->cap >= PG_INT32_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many items for a cooccurrence model")));
		grow_items_to(e, e->cap * 2);
	}
	*idxp = e->nitems;
	if (e->intkeys)
	{
		e->keyordered = e->keyordered && (e->nitems == 0 || ikey > e->ikeys[e->nitems - 1]);
		e->ikeys[e->nitems] = ikey;
	}
	else
	{
		/* the hash table's copy of the key serves as the dictionary's */
		EcomaiNameEntry *ent = ecomai_names_lookup(e->sh, skey);

		e->keyordered = e->keyordered && (e->nitems == 0 || strcmp(skey, e->skeys[e->nitems - 1]) > 0);
		e->skeys[e->nitems] = (char *) ent->name;
	}
	return e->nitems++;
}

static void
weight_out_of_range(void)
{
	ecomai_double_out_of_range("cooccurrence weight");
}

/* Items in key order: a permutation of the item indexes. */
#define ST_SORT sort_by_int_key
#define ST_ELEMENT_TYPE int32
#define ST_COMPARE_ARG_TYPE int64
#define ST_COMPARE(a, b, keys) (((keys)[*(a)] > (keys)[*(b)]) - ((keys)[*(a)] < (keys)[*(b)]))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

static int
cmp_text_keys(const void *a, const void *b, void *arg)
{
	char	  **keys = (char **) arg;

	return strcmp(keys[*(const int32 *) a], keys[*(const int32 *) b]);
}

/* Reorder the per-item arrays: new item r is old item order[r]. */
static void
permute_items(ExpandedCooc *e, const int32 *order)
{
	MemoryContext cxt = e->hdr.eoh_context;
	int64	   *ikeys = NULL;
	char	  **skeys = NULL;
	int64	   *count = MemoryContextAllocExtended(cxt, e->cap * sizeof(int64), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	double	   *weight = MemoryContextAllocExtended(cxt, e->cap * sizeof(double), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	if (e->intkeys)
		ikeys = MemoryContextAllocHuge(cxt, e->cap * sizeof(int64));
	else
		skeys = MemoryContextAllocHuge(cxt, e->cap * sizeof(char *));
	for (int32 r = 0; r < e->nitems; r++)
	{
		if (e->intkeys)
			ikeys[r] = e->ikeys[order[r]];
		else
			skeys[r] = e->skeys[order[r]];
		count[r] = e->count[order[r]];
		weight[r] = e->weight[order[r]];
	}
	if (e->intkeys)
	{
		pfree(e->ikeys);
		e->ikeys = ikeys;
	}
	else
	{
		pfree(e->skeys);
		e->skeys = skeys;
	}
	pfree(e->count);
	pfree(e->weight);
	e->count = count;
	e->weight = weight;
}

/*
 * Renumber the items in key order, as the fold and the merge of pair runs
 * need them: the dictionaries, the per-item arrays, the buffered baskets
 * and the pairs all follow.  (Array-basket stamps need not: they are only
 * compared with the current basket's.)
 */
static void
renumber_items(ExpandedCooc *e)
{
	int32		n = e->nitems;
	int32	   *order;
	int32	   *rank;

	if (e->keyordered)
		return;
	ecomai_check_memory(items_bytes(e) + (Size) e->cap * 32 + ecomai_cooc_baskets_bytes(&e->baskets) +
						ecomai_cooc_pairs_bytes(&e->pairs), "cooccurrence state");
	order = MemoryContextAllocHuge(CurrentMemoryContext, Max(n, 1) * sizeof(int32));
	rank = MemoryContextAllocHuge(CurrentMemoryContext, Max(n, 1) * sizeof(int32));
	for (int32 i = 0; i < n; i++)
		order[i] = i;
	if (e->intkeys)
		sort_by_int_key(order, n, e->ikeys);
	else
		qsort_arg(order, n, sizeof(int32), cmp_text_keys, e->skeys);
	for (int32 r = 0; r < n; r++)
		rank[order[r]] = r;
	CHECK_FOR_INTERRUPTS();
	permute_items(e, order);
	if (e->intkeys)
	{
		itemint_iterator it;
		ItemIntEntry *ent;

		itemint_start_iterate(e->ih, &it);
		while ((ent = itemint_iterate(e->ih, &it)) != NULL)
			ent->idx = rank[ent->idx];
	}
	else
	{
		ecomai_names_iterator it;
		EcomaiNameEntry *ent;

		ecomai_names_start_iterate(e->sh, &it);
		while ((ent = ecomai_names_iterate(e->sh, &it)) != NULL)
			ent->index = rank[ent->index];
	}
	for (int32 r = 0; r < n && e->intkeys; r++)
		if (e->ikeys[r] >= 0 && e->ikeys[r] < e->dense_cap)
			e->dense[e->ikeys[r]] = r + 1;
	ecomai_cooc_baskets_remap(&e->baskets, rank);
	ecomai_cooc_pairs_remap(&e->pairs, rank);
	e->keyordered = true;
	pfree(order);
	pfree(rank);
}

/* Merge the pair runs that are due (or all of them into one). */
static void
merge_runs(ExpandedCooc *e, bool all)
{
	if (all ? e->pairs.nruns < 2 : !ecomai_cooc_pairs_merge_due(&e->pairs))
		return;
	renumber_items(e);
	ecomai_cooc_pairs_merge(&e->pairs, all, items_bytes(e) + ecomai_cooc_baskets_bytes(&e->baskets));
}

/* Count the buffered baskets into the pair sums (cooc_pairs.c). */
static void
fold_baskets(ExpandedCooc *e)
{
	if (e->baskets.nbaskets == 0)
		return;
	renumber_items(e);
	ecomai_cooc_fold(&e->baskets, e->nitems, &e->pairs, items_bytes(e));
	merge_runs(e, false);
}

/* Fold, renumber and merge: the state as the flat form lays it out. */
static void
canonicalise(ExpandedCooc *e)
{
	fold_baskets(e);
	renumber_items(e);
	merge_runs(e, true);
}

/*
 * Make room for a basket of up to n items: the scratch, and a fold of the
 * buffer when the basket would overflow it (before the basket's items get
 * their indexes, which the fold's renumbering changes).
 */
static void
basket_reserve(ExpandedCooc *e, int32 n)
{
	if (e->baskets.n > 0 && e->baskets.n + n > COOC_FOLD_ENTRIES)
		fold_baskets(e);
	if (n <= e->bcap)
		return;
	e->bcap = Max(n, e->bcap * 2);
	e->bidx = repalloc_huge(e->bidx, e->bcap * sizeof(int32));
	e->bw = repalloc_huge(e->bw, e->bcap * sizeof(double));
}

/* Add the basket in e->bidx/bw[0..n) (distinct items, positive weights). */
static void
add_basket(ExpandedCooc *e, int32 n)
{
	if (n == 0)
		return;
	e->nbaskets++;
	for (int32 a = 0; a < n; a++)
	{
		int32		i = e->bidx[a];

		e->count[i]++;
		e->weight[i] += e->bw[a] * e->bw[a];
		if (unlikely(!isfinite(e->weight[i])))
			weight_out_of_range();
	}
	if (n < 2)
		return;					/* no pair */
	/* buffer it (basket_reserve made room); pairs are counted when the buffer is folded */
	ecomai_cooc_baskets_add(&e->baskets, e->bidx, e->bw, n,
							items_bytes(e) + ecomai_cooc_pairs_bytes(&e->pairs));
}

/* Add a flat model (from another worker or shard) to the state. */
static void
merge_flat(ExpandedCooc *e, const CoocView *v)
{
	int32	   *map;

	set_keytype(e, v->keytype);
	e->nbaskets += v->nbaskets;
	map = palloc_extended(Max(v->nitems, 1) * sizeof(int32), MCXT_ALLOC_HUGE);
	for (int32 i = 0; i < v->nitems; i++)
	{
		int32		idx;

		if ((i & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		idx = item_index(e, v->intkeys ? v->ikeys[i] : 0, v->intkeys ? NULL : v->kdata + v->koff[i]);
		map[i] = idx;
		e->count[idx] += v->count[i];
		e->weight[idx] += v->weight[i];
		if (!isfinite(e->weight[idx]))
			weight_out_of_range();
	}
	/* the model's pairs are in key order: one more sorted run */
	ecomai_cooc_pairs_begin_run(&e->pairs);
	ecomai_cooc_pairs_reserve(&e->pairs, v->npairs, items_bytes(e) + ecomai_cooc_baskets_bytes(&e->baskets));
	for (int64 k = 0; k < v->npairs; k++)
	{
		if ((k & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		ecomai_cooc_pairs_put(&e->pairs, map[v->pi[k]], map[v->pj[k]], v->pcount[k], v->pgram[k]);
	}
	pfree(map);
	merge_runs(e, false);
}

/* The state of argument 0 ready for update in place (see agg_state.h). */
static ExpandedCooc *
state_for_update(FunctionCallInfo fcinfo, MemoryContext aggcontext)
{
	Datum		d = PG_GETARG_DATUM(0);
	ExpandedCooc *e;
	CoocView	v;

	e = (ExpandedCooc *) ecomai_agg_state_owned(d, &cooc_expanded_methods, aggcontext);
	if (e != NULL)
		return e;
	e = expanded_new(aggcontext);
	ecomai_cooc_view(d, &v);
	merge_flat(e, &v);
	return e;
}

static int64
expanded_keybytes(ExpandedCooc *e)
{
	int64		bytes = 0;

	if (e->intkeys || e->keytype == InvalidOid)
		return 0;
	for (int32 i = 0; i < e->nitems; i++)
		bytes += strlen(e->skeys[i]) + 1;
	return MAXALIGN(bytes);
}

/* The canonical state as the parts of a flat model (pointing into the state). */
static void
expanded_parts(ExpandedCooc *e, CoocParts *p)
{
	canonicalise(e);
	memset(p, 0, sizeof(*p));
	p->keytype = e->keytype;
	p->nitems = e->nitems;
	p->nbaskets = e->nbaskets;
	p->npairs = e->pairs.n;
	p->ikeys = e->ikeys;
	p->skeys = e->skeys;
	p->count = e->count;
	p->weight = e->weight;
	p->pcount = e->pairs.count;
	p->pgram = e->pairs.gram;
	p->pi = e->pairs.pi;
	p->pj = e->pairs.pj;
}

static Size
cooc_get_flat_size(ExpandedObjectHeader *eohptr)
{
	ExpandedCooc *e = (ExpandedCooc *) eohptr;
	CoocParts	p;

	expanded_parts(e, &p);
	return flat_size(&p, expanded_keybytes(e));
}

static void
cooc_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	ExpandedCooc *e = (ExpandedCooc *) eohptr;
	CoocParts	p;
	int64		keybytes;

	expanded_parts(e, &p);
	keybytes = expanded_keybytes(e);
	if (allocated_size != flat_size(&p, keybytes))
		elog(ERROR, "cooccurrence flatten: %zu bytes allocated, %zu needed",
			 allocated_size, flat_size(&p, keybytes));
	write_flat(&p, keybytes, (Cooc *) result, allocated_size);
}

static const ExpandedObjectMethods cooc_expanded_methods = {
	cooc_get_flat_size,
	cooc_flatten_into
};

/* ----------------------------------------------------------------
 * Aggregate support functions
 * ---------------------------------------------------------------- */

/*
 * A transition function's state, ready for update in place; fname names the
 * function.  Neither argument is NULL: the functions are strict, and the
 * initial condition is an empty model.
 */
static ExpandedCooc *
transition_state(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext = ecomai_aggregate_context(fcinfo, fname);

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		elog(ERROR, "%s called with a NULL argument", fname);
	return state_for_update(fcinfo, aggcontext);
}

/* Transition over an svec basket: integer items, positive values as weights. */
Datum
ecomai_cooc_svec_transfn(PG_FUNCTION_ARGS)
{
	ExpandedCooc *e;
	SVec	   *basket;
	int64	   *keys;
	float8	   *vals;
	int32		n = 0;

	e = transition_state(fcinfo, "cooccurrence_svec_transfn");
	basket = PG_GETARG_SVEC_P(1);
	keys = SVEC_KEYS(basket);
	vals = SVEC_VALS(basket);
	set_keytype(e, INT8OID);
	basket_reserve(e, basket->nnz);
	for (int32 a = 0; a < basket->nnz; a++)
	{
		if (vals[a] > 0)
		{
			e->bidx[n] = item_index(e, keys[a], NULL);
			e->bw[n++] = vals[a];
		}
	}
	add_basket(e, n);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* Output function of an array element type, cached per call site. */
typedef struct ElemOutCache
{
	Oid			elemtype;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	FmgrInfo	out;
} ElemOutCache;

/* Transition over an array basket: items of any type, each counted once. */
Datum
ecomai_cooc_array_transfn(PG_FUNCTION_ARGS)
{
	ExpandedCooc *e;
	ArrayType  *arr;
	Oid			elemtype;
	ElemOutCache *cache;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int32		n = 0;

	e = transition_state(fcinfo, "cooccurrence_array_transfn");
	arr = PG_GETARG_ARRAYTYPE_P(1);
	elemtype = ARR_ELEMTYPE(arr);
	set_keytype(e, elemtype);
	cache = (ElemOutCache *) fcinfo->flinfo->fn_extra;
	if (cache == NULL || cache->elemtype != elemtype)
	{
		Oid			outfn;
		bool		isvarlena;

		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ElemOutCache));
		cache->elemtype = elemtype;
		get_typlenbyvalalign(elemtype, &cache->typlen, &cache->typbyval, &cache->typalign);
		getTypeOutputInfo(elemtype, &outfn, &isvarlena);
		fmgr_info_cxt(outfn, &cache->out, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = cache;
	}
	deconstruct_array(arr, elemtype, cache->typlen, cache->typbyval, cache->typalign,
					  &elems, &nulls, &nelems);
	basket_reserve(e, nelems);
	/* an item listed twice is in the basket once: stamp each item with the basket */
	e->nstamps++;
	for (int a = 0; a < nelems; a++)
	{
		int32		idx;

		if (nulls[a])
			continue;
		if (e->intkeys)
			idx = item_index(e, elemtype == INT8OID ? DatumGetInt64(elems[a]) :
							 elemtype == INT4OID ? DatumGetInt32(elems[a]) :
							 DatumGetInt16(elems[a]), NULL);
		else
		{
			char	   *s = OutputFunctionCall(&cache->out, elems[a]);

			idx = item_index(e, 0, s);
			pfree(s);
		}
		if (e->stamp[idx] == e->nstamps)
			continue;
		e->stamp[idx] = e->nstamps;
		e->bidx[n] = idx;
		e->bw[n++] = 1.0;
	}
	add_basket(e, n);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* Combine two partial models. */
Datum
ecomai_cooc_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = ecomai_aggregate_context(fcinfo, "cooccurrence_combine");
	ExpandedCooc *e;
	CoocView	v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		elog(ERROR, "cooccurrence state is NULL");
	e = state_for_update(fcinfo, aggcontext);
	ecomai_cooc_view(PG_GETARG_DATUM(1), &v);
	merge_flat(e, &v);
	PG_RETURN_DATUM(EOHPGetRWDatum(&e->hdr));
}

/* Final: the model as a flat value of its own; NULL when no basket had an item. */
Datum
ecomai_cooc_final(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	Cooc	   *m;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		ExpandedCooc *e = (ExpandedCooc *) DatumGetEOHP(d);

		if (e->nbaskets == 0)
			PG_RETURN_NULL();
	}
	m = (Cooc *) PG_DETOAST_DATUM_COPY(d);
	if (m->nbaskets == 0)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(m);
}

/* Summary of a model: key type, baskets, items, pairs. */
Datum
ecomai_cooc_summary(PG_FUNCTION_ARGS)
{
	CoocView	v;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	ecomai_cooc_view(PG_GETARG_DATUM(0), &v);
	if (v.keytype == InvalidOid)
		nulls[0] = true;
	else
		values[0] = ObjectIdGetDatum(v.keytype);
	values[1] = Int64GetDatum(v.nbaskets);
	values[2] = Int32GetDatum(v.nitems);
	values[3] = Int64GetDatum(v.npairs);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
