/*
 * svec.c
 *	  The sparse vector type ecomai.svec: text and binary I/O, construction
 *	  from arrays, entries, equality and hashing, cosine / dot / norm /
 *	  Jaccard, and the svec_agg aggregate.
 *
 * An svec holds sorted unique bigint keys with finite non-zero float8 values
 * (layout in svec.h).  Because the representation is canonical, equality and
 * hashing work on the bytes.
 *
 * svec_agg's transition state is the svec type itself, so that its text form
 * can travel between nodes (Citus ships partial states as text).  While the
 * aggregate runs, the state is an expanded object in the aggregate context:
 * rows are appended to an unsorted buffer in O(1), and the buffer is sorted,
 * summed and merged into the sorted part only when it fills up (its capacity
 * grows with the sorted part, so the merge work per row stays constant), when
 * another state is combined in, or when the value is flattened for output.
 *
 * The similarity kernels follow src/dense.c: a fast pass with plain sums,
 * and, only when a sum overflowed or may have underflowed, a second pass with
 * every value scaled by a power of two near the largest (exactly, in long
 * double, so that subnormals and values near the top of the range work too).
 * When one argument stays the same from call to call (ORDER BY v <=> $1),
 * a lookup table over its keys replaces the merge; the results are the same
 * bit for bit.
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "parser/scansup.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "agg_state.h"
#include "ecomai.h"
#include "srf.h"
#include "svec.h"

PG_FUNCTION_INFO_V1(ecomai_svec_in);
PG_FUNCTION_INFO_V1(ecomai_svec_out);
PG_FUNCTION_INFO_V1(ecomai_svec_recv);
PG_FUNCTION_INFO_V1(ecomai_svec_send);
PG_FUNCTION_INFO_V1(ecomai_svec_from_arrays);
PG_FUNCTION_INFO_V1(ecomai_svec_entries);
PG_FUNCTION_INFO_V1(ecomai_svec_nnz);
PG_FUNCTION_INFO_V1(ecomai_svec_eq);
PG_FUNCTION_INFO_V1(ecomai_svec_ne);
PG_FUNCTION_INFO_V1(ecomai_svec_cmp);
PG_FUNCTION_INFO_V1(ecomai_svec_lt);
PG_FUNCTION_INFO_V1(ecomai_svec_le);
PG_FUNCTION_INFO_V1(ecomai_svec_ge);
PG_FUNCTION_INFO_V1(ecomai_svec_gt);
PG_FUNCTION_INFO_V1(ecomai_svec_hash);
PG_FUNCTION_INFO_V1(ecomai_svec_hash_extended);
PG_FUNCTION_INFO_V1(ecomai_svec_dot_product);
PG_FUNCTION_INFO_V1(ecomai_svec_cosine_similarity);
PG_FUNCTION_INFO_V1(ecomai_svec_cosine_distance);
PG_FUNCTION_INFO_V1(ecomai_svec_l2_norm);
PG_FUNCTION_INFO_V1(ecomai_svec_jaccard_similarity);
PG_FUNCTION_INFO_V1(ecomai_svec_agg_transfn);
PG_FUNCTION_INFO_V1(ecomai_svec_agg_combine);
PG_FUNCTION_INFO_V1(ecomai_svec_agg_final);

/* Squares below this may have lost precision to underflow: recompute scaled (as dense.c). */
#define TINY_SUM_OF_SQUARES 1e-290

/* Loops over entries check for cancel this often (a power of two, minus one). */
#define INTERRUPT_MASK 0xFFFF

/* Sort entries by key. */
#define ST_SORT sort_svec_entries
#define ST_ELEMENT_TYPE SVecEntry
#define ST_COMPARE(a, b) (((a)->key > (b)->key) - ((a)->key < (b)->key))
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* ----------------------------------------------------------------
 * Layout
 * ---------------------------------------------------------------- */

/* A flat svec with room for nnz entries, header filled in. */
SVec *
ecomai_svec_alloc(int32 nnz)
{
	Size		size = SVEC_SIZE(nnz);
	SVec	   *v;

	Assert(nnz >= 0 && nnz <= SVEC_MAX_NNZ);
	v = (SVec *) palloc(size);
	SET_VARSIZE(v, size);
	v->flags = SVEC_VERSION;
	v->nnz = nnz;
	v->reserved = 0;
	return v;
}

/* Detoast an svec argument and refuse a layout we did not write. */
SVec *
ecomai_svec_detoast(Datum d)
{
	SVec	   *v = (SVec *) PG_DETOAST_DATUM(d);

	if (VARSIZE(v) < SVEC_HDRSZ || v->flags != SVEC_VERSION || v->reserved != 0 ||
		v->nnz < 0 || v->nnz > SVEC_MAX_NNZ || VARSIZE(v) != SVEC_SIZE(v->nnz))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("sparse vector is corrupt"),
				 errdetail("The stored value has %u bytes, layout word %u and %d entries.",
						   (unsigned) VARSIZE(v), v->flags, v->nnz)));
	return v;
}

/* The error for more entries than an svec may hold. */
static void
too_many_entries_error(Size n)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("sparse vector would have %zu entries, more than the limit of %d", n, SVEC_MAX_NNZ)));
}

/* The error for a sum of values that left the double range. */
static void
sum_out_of_range_error(int64 key)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("sparse vector value is out of range for type double precision"),
			 errdetail("The values for key " INT64_FORMAT " add up to more than the double precision range.",
					   key)));
}

/* "NaN", "Infinity" or "-Infinity", for messages. */
static const char *
nonfinite_name(double x)
{
	return isnan(x) ? "NaN" : (x > 0 ? "Infinity" : "-Infinity");
}

/*
 * Sort entries by key, add up duplicates and drop zeros, in place; returns
 * the number of entries left.
 */
static Size
normalize_entries(SVecEntry *e, Size n)
{
	Size		out = 0;
	bool		sorted = true;

	for (Size i = 1; i < n && sorted; i++)
		sorted = e[i - 1].key < e[i].key;
	if (!sorted)
		sort_svec_entries(e, n);

	for (Size i = 0; i < n;)
	{
		int64		key = e[i].key;
		double		sum = e[i].val;

		if ((i & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		for (i++; i < n && e[i].key == key; i++)
			sum += e[i].val;
		if (!isfinite(sum))
			sum_out_of_range_error(key);
		if (sum != 0)
		{
			e[out].key = key;
			e[out].val = sum;
			out++;
		}
	}
	return out;
}

/* Build a flat svec from entries in any order (see svec.h). */
SVec *
ecomai_svec_from_entries(SVecEntry *entries, Size n)
{
	SVec	   *v;
	int64	   *keys;
	float8	   *vals;

	n = normalize_entries(entries, n);
	if (n > SVEC_MAX_NNZ)
		too_many_entries_error(n);
	v = ecomai_svec_alloc((int32) n);
	keys = SVEC_KEYS(v);
	vals = SVEC_VALS(v);
	for (Size i = 0; i < n; i++)
	{
		keys[i] = entries[i].key;
		vals[i] = entries[i].val;
	}
	return v;
}

/* ----------------------------------------------------------------
 * Text I/O:  {101:2,205:1.5}   {}
 * ---------------------------------------------------------------- */

/* A parsed entry and where it started, for messages about duplicates. */
typedef struct TextEntry
{
	int64		key;
	float8		val;
	Size		pos;			/* byte offset of the key in the input */
} TextEntry;

#define ST_SORT sort_text_entries
#define ST_ELEMENT_TYPE TextEntry
#define ST_COMPARE(a, b) \
	((a)->key != (b)->key ? (((a)->key > (b)->key) - ((a)->key < (b)->key)) \
	 : (((a)->pos > (b)->pos) - ((a)->pos < (b)->pos)))
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* 1-based character number of byte offset off in str, for messages. */
static int
char_number(const char *str, Size off)
{
	return pg_mbstrlen_with_len(str, (int) off) + 1;
}

/* ERROR 22P02: expected something at p, found something else. */
static void
syntax_error(const char *str, const char *p, const char *expected)
{
	if (*p == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type svec"),
				 errdetail("Expected %s at character %d, found the end of the input.",
						   expected, char_number(str, p - str)),
				 errhint("A sparse vector looks like {101:2,205:1.5}; {} is the empty vector.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type svec"),
			 errdetail("Expected %s at character %d, found \"%.*s\".",
					   expected, char_number(str, p - str), pg_mblen(p), p),
			 errhint("A sparse vector looks like {101:2,205:1.5}; {} is the empty vector.")));
}

static const char *
skip_space(const char *p)
{
	while (scanner_isspace(*p))
		p++;
	return p;
}

/* Parse an entry's key at *pp (just past it on return). */
static int64
parse_key(const char *str, const char **pp)
{
	const char *p = *pp;
	char	   *end;
	int64		key;

	/* strtoll would skip spaces and accept a sign, so insist on a digit or sign here */
	if (!(isdigit((unsigned char) *p) || *p == '-' || *p == '+'))
		syntax_error(str, p, "a key (an integer)");
	errno = 0;
	key = strtoll(p, &end, 10);
	if (end == p)
		syntax_error(str, p, "a key (an integer)");
	if (errno == ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("svec key is out of range for type bigint"),
				 errdetail("The key \"%.*s\" at character %d is too large.",
						   (int) (end - p), p, char_number(str, p - str))));
	*pp = end;
	return key;
}

/*
 * Parse the value of key (whose entry starts at start) at *pp, as float8in
 * (strtod) but refusing NaN and Infinity; just past it on return.
 */
static double
parse_value(const char *str, const char **pp, int64 key, const char *start)
{
	const char *p = *pp;
	char	   *end;
	double		val;

	errno = 0;
	val = strtod(p, &end);
	if (end == p || scanner_isspace(*p))
		syntax_error(str, p, "a value (a number)");
	if (isnan(val) || (isinf(val) && errno != ERANGE))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("svec values must be finite, not %s", nonfinite_name(val)),
				 errdetail("Key " INT64_FORMAT " at character %d has the value %s.",
						   key, char_number(str, start - str), nonfinite_name(val))));
	if (errno == ERANGE && (val == 0.0 || isinf(val)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("svec value is out of range for type double precision"),
				 errdetail("The value \"%.*s\" of key " INT64_FORMAT " at character %d is out of range.",
						   (int) (end - p), p, key, char_number(str, p - str))));
	*pp = end;
	return val;
}

/* ERROR 22P02: key appears at byte offsets pos1 and pos2 of str. */
static void
duplicate_key_error(const char *str, int64 key, Size pos1, Size pos2)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("duplicate key in svec input"),
			 errdetail("Key " INT64_FORMAT " appears at characters %d and %d.",
					   key, char_number(str, pos1), char_number(str, pos2))));
}

/* Parse the text form.  Keys may come in any order; duplicates are an error. */
Datum
ecomai_svec_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p;
	Size		maxn = 0;
	Size		n = 0;
	bool		ascending = true;
	TextEntry  *e = NULL;
	SVecEntry  *out;

	/* An entry has one ':', so this bounds the count before anything is allocated. */
	for (p = str; *p; p++)
		maxn += (*p == ':');
	if (maxn > SVEC_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("svec input has too many entries"),
				 errdetail("The input has %zu entries; a sparse vector holds at most %d.",
						   maxn, SVEC_MAX_NNZ)));
	if (maxn > 0)
	{
		ecomai_check_memory(maxn * sizeof(TextEntry), "svec input");
		e = palloc(maxn * sizeof(TextEntry));
	}

	p = skip_space(str);
	if (*p != '{')
		syntax_error(str, p, "\"{\"");
	p = skip_space(p + 1);
	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			const char *start = p;
			int64		key;
			double		val;

			if ((n & INTERRUPT_MASK) == 0)
				CHECK_FOR_INTERRUPTS();
			key = parse_key(str, &p);
			p = skip_space(p);
			if (*p != ':')
				syntax_error(str, p, "\":\"");
			p = skip_space(p + 1);
			val = parse_value(str, &p, key, start);

			Assert(n < maxn);
			if (n > 0 && key <= e[n - 1].key)
			{
				if (key == e[n - 1].key)
					duplicate_key_error(str, key, e[n - 1].pos, start - str);
				ascending = false;
			}
			e[n].key = key;
			e[n].val = val;
			e[n].pos = start - str;
			n++;

			p = skip_space(p);
			if (*p == ',')
			{
				p = skip_space(p + 1);
				continue;
			}
			if (*p == '}')
			{
				p++;
				break;
			}
			syntax_error(str, p, "\",\" or \"}\"");
		}
	}
	p = skip_space(p);
	if (*p != '\0')
		syntax_error(str, p, "the end of the input after \"}\"");

	if (!ascending)
	{
		sort_text_entries(e, n);
		for (Size i = 1; i < n; i++)
			if (e[i].key == e[i - 1].key)
				duplicate_key_error(str, e[i].key, e[i - 1].pos, e[i].pos);
	}

	/* now sorted and unique: compact to (key, value) and drop zeros */
	out = (SVecEntry *) e;
	for (Size i = 0; i < n; i++)
	{
		out[i].key = e[i].key;
		out[i].val = e[i].val;
	}
	PG_RETURN_SVEC_P(ecomai_svec_from_entries(out, n));
}

/*
 * Append v's entries, keys ascending, to buf: "key:value" separated by commas
 * (values in shortest exact form, so text round-trips bit for bit), or in the
 * binary form, an int64 key and a float8 value each.
 */
static void
append_entries(StringInfo buf, const SVec *v, bool binary)
{
	const int64 *keys = SVEC_KEYS(v);
	const float8 *vals = SVEC_VALS(v);
	char		tmp[MAXINT8LEN + 1];

	enlargeStringInfo(buf, 16 * v->nnz);
	for (int32 i = 0; i < v->nnz; i++)
	{
		if ((i & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (binary)
		{
			pq_sendint64(buf, keys[i]);
			pq_sendfloat8(buf, vals[i]);
			continue;
		}
		if (i > 0)
			appendStringInfoChar(buf, ',');
		appendBinaryStringInfo(buf, tmp, pg_lltoa(keys[i], tmp));
		appendStringInfoChar(buf, ':');
		ecomai_append_double(buf, vals[i]);
	}
}

/* Text form: {key:value,...}, keys ascending. */
Datum
ecomai_svec_out(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	append_entries(&buf, PG_GETARG_SVEC_P(0), false);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

/* ----------------------------------------------------------------
 * Binary I/O: int32 version, int32 nnz, then nnz × (int64 key, float8 value)
 * ---------------------------------------------------------------- */

#define SVEC_SEND_VERSION 1

static void
binary_error(const char *msg, const char *detail_fmt, int64 a, int64 b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("%s", msg),
			 errdetail(detail_fmt, a, b)));
}

/* Read the binary form, trusting nothing in it. */
Datum
ecomai_svec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		remaining = buf->len - buf->cursor;
	uint32		version;
	int32		nnz;
	SVec	   *v;
	int64	   *keys;
	float8	   *vals;

	if (remaining < 8)
		binary_error("svec binary data is truncated",
					 "The header needs 8 bytes, " INT64_FORMAT " remain.", remaining, 0);
	version = pq_getmsgint(buf, 4);
	if (version != SVEC_SEND_VERSION)
		binary_error("unsupported svec binary format version",
					 "The data says version " INT64_FORMAT "; this ecomai reads version " INT64_FORMAT ".",
					 version, SVEC_SEND_VERSION);
	nnz = (int32) pq_getmsgint(buf, 4);
	if (nnz < 0 || nnz > SVEC_MAX_NNZ)
		binary_error("invalid entry count in svec binary data",
					 "The count is " INT64_FORMAT "; it must be between 0 and " INT64_FORMAT ".",
					 nnz, SVEC_MAX_NNZ);
	remaining = buf->len - buf->cursor;
	if (remaining != (int64) nnz * 16)
		binary_error(remaining < (int64) nnz * 16 ? "svec binary data is truncated"
					 : "svec binary data has trailing bytes",
					 "The entries need " INT64_FORMAT " bytes, " INT64_FORMAT " remain.",
					 (int64) nnz * 16, remaining);

	v = ecomai_svec_alloc(nnz);
	keys = SVEC_KEYS(v);
	vals = SVEC_VALS(v);
	for (int32 i = 0; i < nnz; i++)
	{
		if ((i & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		keys[i] = pq_getmsgint64(buf);
		vals[i] = pq_getmsgfloat8(buf);
		if (i > 0 && keys[i] <= keys[i - 1])
			binary_error(keys[i] == keys[i - 1] ? "svec binary data has a duplicate key"
						 : "svec binary data has keys out of order",
						 "Entry " INT64_FORMAT " has key " INT64_FORMAT " after a key not smaller.",
						 i + 1, keys[i]);
		if (!isfinite(vals[i]))
			binary_error("svec binary data has a non-finite value",
						 "Entry " INT64_FORMAT " (key " INT64_FORMAT ") is NaN or infinite.",
						 i + 1, keys[i]);
		if (vals[i] == 0)
			binary_error("svec binary data has a zero value",
						 "Entry " INT64_FORMAT " (key " INT64_FORMAT ") is zero; zeros are never stored.",
						 i + 1, keys[i]);
	}
	PG_RETURN_SVEC_P(v);
}

/* Write the binary form. */
Datum
ecomai_svec_send(PG_FUNCTION_ARGS)
{
	SVec	   *v = PG_GETARG_SVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, SVEC_SEND_VERSION);
	pq_sendint32(&buf, v->nnz);
	append_entries(&buf, v, true);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 * Construction and inspection
 * ---------------------------------------------------------------- */

/* Check that an array argument is a usable list: one dimension (or empty), no NULLs. */
static int
list_arg(ArrayType *a, const char *what)
{
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array, not %d-dimensional", what, ARR_NDIM(a))));
	if (ARR_HASNULL(a) && array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain nulls", what)));
	return ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
}

/* svec(keys, vals): any order, duplicate keys added up, zeros dropped. */
Datum
ecomai_svec_from_arrays(PG_FUNCTION_ARGS)
{
	ArrayType  *ka = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *va = PG_GETARG_ARRAYTYPE_P(1);
	int			nk = list_arg(ka, "keys");
	int			nv = list_arg(va, "values");
	const int64 *keys;
	const float8 *vals;
	SVecEntry  *e;

	if (ARR_ELEMTYPE(ka) != INT8OID || ARR_ELEMTYPE(va) != FLOAT8OID)
		elog(ERROR, "unexpected array element types %u and %u", ARR_ELEMTYPE(ka), ARR_ELEMTYPE(va));
	if (nk != nv)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("keys and values have different lengths %d and %d", nk, nv)));
	keys = (const int64 *) ARR_DATA_PTR(ka);
	vals = (const float8 *) ARR_DATA_PTR(va);
	ecomai_check_memory((Size) nk * sizeof(SVecEntry), "svec()");
	e = palloc_extended(Max(nk, 1) * sizeof(SVecEntry), MCXT_ALLOC_HUGE);
	for (int i = 0; i < nk; i++)
	{
		if ((i & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (!isfinite(vals[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("svec values must be finite, not %s", nonfinite_name(vals[i])),
					 errdetail("Value %d (key " INT64_FORMAT ") is %s.", i + 1, keys[i],
							   nonfinite_name(vals[i]))));
		e[i].key = keys[i];
		e[i].val = vals[i];
	}
	PG_RETURN_SVEC_P(ecomai_svec_from_entries(e, nk));
}

/* svec_entries(v): one row per stored entry, keys ascending. */
Datum
ecomai_svec_entries(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = ecomai_srf_begin(fcinfo);
	SVec	   *v = PG_GETARG_SVEC_P(0);
	const int64 *keys = SVEC_KEYS(v);
	const float8 *vals = SVEC_VALS(v);

	for (int32 i = 0; i < v->nnz; i++)
	{
		Datum		values[2];

		if ((i & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		values[0] = Int64GetDatum(keys[i]);
		values[1] = Float8GetDatum(vals[i]);
		ecomai_srf_row(rsinfo, values);
	}
	return (Datum) 0;
}

/* svec_nnz(v): the number of stored (non-zero) entries. */
Datum
ecomai_svec_nnz(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_SVEC_P(0)->nnz);
}

/* ----------------------------------------------------------------
 * Equality, ordering and hashing: exact, on the canonical representation
 * ---------------------------------------------------------------- */

static bool
svec_equal(SVec *a, SVec *b)
{
	return a->nnz == b->nnz &&
		memcmp(SVEC_KEYS(a), SVEC_KEYS(b), SVEC_SIZE(a->nnz) - SVEC_HDRSZ) == 0;
}

Datum
ecomai_svec_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(svec_equal(PG_GETARG_SVEC_P(0), PG_GETARG_SVEC_P(1)));
}

Datum
ecomai_svec_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!svec_equal(PG_GETARG_SVEC_P(0), PG_GETARG_SVEC_P(1)));
}

/*
 * A total order for sorting (DISTINCT, GROUP BY, ORDER BY, btree indexes):
 * entries compared in turn, key first, then value; a prefix sorts first.
 * It is consistent with equality because values are never NaN or -0.
 */
static int
svec_compare(SVec *a, SVec *b)
{
	const int64 *ka = SVEC_KEYS(a);
	const int64 *kb = SVEC_KEYS(b);
	const float8 *va = SVEC_VALS(a);
	const float8 *vb = SVEC_VALS(b);
	int32		n = Min(a->nnz, b->nnz);

	for (int32 i = 0; i < n; i++)
	{
		if ((i & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	}
	return (a->nnz > b->nnz) - (a->nnz < b->nnz);
}

Datum
ecomai_svec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(svec_compare(PG_GETARG_SVEC_P(0), PG_GETARG_SVEC_P(1)));
}

Datum
ecomai_svec_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(svec_compare(PG_GETARG_SVEC_P(0), PG_GETARG_SVEC_P(1)) < 0);
}

Datum
ecomai_svec_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(svec_compare(PG_GETARG_SVEC_P(0), PG_GETARG_SVEC_P(1)) <= 0);
}

Datum
ecomai_svec_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(svec_compare(PG_GETARG_SVEC_P(0), PG_GETARG_SVEC_P(1)) >= 0);
}

Datum
ecomai_svec_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(svec_compare(PG_GETARG_SVEC_P(0), PG_GETARG_SVEC_P(1)) > 0);
}

/* Hash of the canonical bytes (equal vectors have equal bytes). */
Datum
ecomai_svec_hash(PG_FUNCTION_ARGS)
{
	SVec	   *v = PG_GETARG_SVEC_P(0);

	return hash_any((const unsigned char *) SVEC_KEYS(v), SVEC_SIZE(v->nnz) - SVEC_HDRSZ);
}

Datum
ecomai_svec_hash_extended(PG_FUNCTION_ARGS)
{
	SVec	   *v = PG_GETARG_SVEC_P(0);

	return hash_any_extended((const unsigned char *) SVEC_KEYS(v),
							 SVEC_SIZE(v->nnz) - SVEC_HDRSZ, PG_GETARG_INT64(1));
}

/* ----------------------------------------------------------------
 * Similarity
 * ---------------------------------------------------------------- */

/* sum(x[i]^2) with four accumulators, as dense.c does. */
static double
sum_squares(const float8 *x, int32 n)
{
	double		s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int32		i = 0;

	while (i < n)
	{
		int32		stop = Min(n, i + INTERRUPT_MASK + 1);

		CHECK_FOR_INTERRUPTS();
		for (; i + 4 <= stop; i += 4)
		{
			double		a0 = x[i], a1 = x[i + 1], a2 = x[i + 2], a3 = x[i + 3];

			s0 += a0 * a0;
			s1 += a1 * a1;
			s2 += a2 * a2;
			s3 += a3 * a3;
		}
		for (; i < stop; i++)
			s0 += x[i] * x[i];
	}
	return (s0 + s1) + (s2 + s3);
}

/* First index in keys[lo..n) whose key is >= k (binary search). */
static int32
lower_bound(const int64 *keys, int32 lo, int32 n, int64 k)
{
	int32		hi = n;

	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (keys[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Over the keys two vectors share: sum(a*b) and how many there are.  A
 * linear merge, or a binary search of the longer vector when one is much
 * shorter (a basket against a catalogue-wide vector).
 */
static double
shared_dot(const SVec *a, const SVec *b, int32 *nshared)
{
	const int64 *ka = SVEC_KEYS(a);
	const int64 *kb = SVEC_KEYS(b);
	const float8 *va = SVEC_VALS(a);
	const float8 *vb = SVEC_VALS(b);
	int32		na = a->nnz;
	int32		nb = b->nnz;
	double		d0 = 0;
	int32		count = 0;
	int32		i = 0;
	int32		j = 0;

	if ((double) na * 16 < nb || (double) nb * 16 < na)
	{
		bool		a_short = na < nb;
		const int64 *ks = a_short ? ka : kb;
		const int64 *kl = a_short ? kb : ka;
		const float8 *vs = a_short ? va : vb;
		const float8 *vl = a_short ? vb : va;
		int32		ns = a_short ? na : nb;
		int32		nl = a_short ? nb : na;

		for (; i < ns && j < nl; i++)
		{
			CHECK_FOR_INTERRUPTS();
			j = lower_bound(kl, j, nl, ks[i]);
			if (j < nl && kl[j] == ks[i])
			{
				d0 += vs[i] * vl[j];
				count++;
				j++;
			}
		}
	}
	else
	{
		/*
		 * Branch-free steps: which side advances depends on data the CPU
		 * cannot predict, and a mispredicted branch per step cost more than
		 * the whole arithmetic of a 20-item basket.
		 */
		while (i < na && j < nb)
		{
			int32		stop = Min(na - i, nb - j);

			CHECK_FOR_INTERRUPTS();
			/* i and j each advance at most once per step: no bounds test inside */
			stop = Min(stop, INTERRUPT_MASK + 1);
			for (int32 s = 0; s < stop; s++)
			{
				int64		x = ka[i];
				int64		y = kb[j];
				bool		eq = (x == y);

				d0 += eq ? va[i] * vb[j] : 0.0;
				count += eq;
				i += (x <= y);
				j += (y <= x);
			}
		}
	}
	*nshared = count;
	return d0;
}

/*
 * The binary exponent e of max|x|, max|x| = f * 2^e with f in [0.5, 1) (0
 * for an empty vector): scaling by 2^-e is exact (see dense.c's max_exp).
 */
static int
max_exp_of(const SVec *v)
{
	const float8 *x = SVEC_VALS(v);
	double		m = 0.0;
	int			e;

	for (int32 i = 0; i < v->nnz; i++)
		m = Max(m, fabs(x[i]));
	if (m == 0.0)
		return 0;
	(void) frexp(m, &e);
	return e;
}

/* The sums every two-vector function needs, exactly scaled (as dense.c's). */
typedef EcomaiPairSums SparseSums;

/*
 * The slow path, for extreme magnitudes: the three sums in long double over
 * one merge of the keys, every value scaled by 2^-exponent of its vector's
 * largest (the factors need not fit a double: 2^1029 for subnormals).
 */
static void
scaled_sums(const SVec *a, const SVec *b, SparseSums *s)
{
	long double sa,
				sb;
	long double d = 0,
				x = 0,
				y = 0;
	const int64 *ka = SVEC_KEYS(a);
	const int64 *kb = SVEC_KEYS(b);
	const float8 *va = SVEC_VALS(a);
	const float8 *vb = SVEC_VALS(b);
	int32		i = 0,
				j = 0,
				count = 0;
	uint32		steps = 0;

	s->exp_a = max_exp_of(a);
	s->exp_b = max_exp_of(b);
	sa = ldexpl(1.0L, -s->exp_a);
	sb = ldexpl(1.0L, -s->exp_b);
	while (i < a->nnz || j < b->nnz)
	{
		long double ai = 0,
					bj = 0;

		if ((steps++ & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (j >= b->nnz || (i < a->nnz && ka[i] < kb[j]))
			ai = va[i++] * sa;
		else if (i >= a->nnz || kb[j] < ka[i])
			bj = vb[j++] * sb;
		else
		{
			ai = va[i++] * sa;
			bj = vb[j++] * sb;
			d += ai * bj;
			count++;
		}
		x += ai * ai;
		y += bj * bj;
	}
	/* d stays long double until scaled back: it may be far below a double's range */
	s->ab = (double) d;
	s->dot = (double) ldexpl(d, s->exp_a + s->exp_b);
	s->aa = (double) x;
	s->bb = (double) y;
	s->nshared = count;
}

static SparseSums
sparse_sums(const SVec *a, const SVec *b)
{
	SparseSums	s = {0};

	s.ab = shared_dot(a, b, &s.nshared);
	s.aa = sum_squares(SVEC_VALS(a), a->nnz);
	s.bb = sum_squares(SVEC_VALS(b), b->nnz);
	s.dot = s.ab;
	if (likely(isfinite(s.ab) && isfinite(s.aa) && isfinite(s.bb) &&
			   s.aa > TINY_SUM_OF_SQUARES && s.bb > TINY_SUM_OF_SQUARES))
		return s;

	/* values are finite by construction: only over- or underflow brings us here */
	scaled_sums(a, b, &s);
	return s;
}

/*
 * The one-fixed-vector case.  "ORDER BY basket <=> $1" and "cosine(basket,
 * const)" compare every row with the same vector.  After that vector has
 * come back, content-equal, we keep a copy with its sum of squares and a
 * dense table over its key range, and the per-row work becomes one pass over
 * the other vector with direct lookups, instead of a merge whose every step
 * waits for the previous one.  The products are added in the same order
 * (ascending shared keys) as the merge does, so the results are identical.
 * Every use compares the whole argument with the copy, so a cache hit is
 * never a guess.
 */
#define FIXED_MAX_BYTES		(1024 * 1024)	/* larger vectors are not copied */
#define FIXED_MAX_RANGE		(1 << 20)		/* dense table of at most 8 MB */

typedef struct FixedArgCache
{
	const void *seen[2];		/* each argument's pointer in the previous call */
	int			argno;			/* position of the cached vector, -1 when none */
	SVec	   *vec;			/* the copy (in fn_mcxt) */
	double		sumsq;			/* sum of squares of its values */
	bool		hit;			/* it has come back at least once */
	int			wasted;			/* copies in a row that never came back */
	int64		kmin;			/* dense table: dense[k - kmin] for k in range */
	uint64		range;			/* 0 when there is no table */
	float8	   *dense;
} FixedArgCache;

/* Remember v (argument argno) as the fixed vector. */
static void
fixed_remember(FixedArgCache *c, MemoryContext mcxt, const SVec *v, int argno)
{
	if (c->vec)
	{
		/* a repeating address with changing contents: after a few, stop copying */
		c->wasted = c->hit ? 0 : c->wasted + 1;
		pfree(c->vec);
	}
	if (c->dense)
		pfree(c->dense);
	c->vec = MemoryContextAlloc(mcxt, VARSIZE(v));
	memcpy(c->vec, v, VARSIZE(v));
	c->argno = argno;
	c->sumsq = sum_squares(SVEC_VALS(v), v->nnz);
	c->hit = false;
	c->range = 0;
	c->dense = NULL;
}

/* Build the dense table of the cached vector if its key range is compact enough. */
static void
fixed_build_table(FixedArgCache *c, MemoryContext mcxt)
{
	const SVec *v = c->vec;
	const int64 *k = SVEC_KEYS(v);
	const float8 *x = SVEC_VALS(v);
	uint64		range;

	c->hit = true;
	if (v->nnz == 0)
		return;
	range = (uint64) k[v->nnz - 1] - (uint64) k[0] + 1;
	if (range == 0 || range > FIXED_MAX_RANGE || range > Max((uint64) v->nnz * 16, 4096))
		return;
	c->dense = MemoryContextAllocZero(mcxt, range * sizeof(float8));
	c->kmin = k[0];
	c->range = range;
	for (int32 i = 0; i < v->nnz; i++)
		c->dense[(uint64) k[i] - (uint64) c->kmin] = x[i];
}

/* sum over shared keys of o[k] * fixed[k], by table lookup, in ascending key order. */
static double
fixed_dot(const FixedArgCache *c, const SVec *o)
{
	const int64 *k = SVEC_KEYS(o);
	const float8 *x = SVEC_VALS(o);
	double		d = 0;
	int32		i = 0;

	while (i < o->nnz)
	{
		int32		stop = Min(o->nnz, i + INTERRUPT_MASK + 1);

		CHECK_FOR_INTERRUPTS();
		for (; i < stop; i++)
		{
			uint64		off = (uint64) k[i] - (uint64) c->kmin;

			/* an absent key reads 0 and adds +-0: the sum is unchanged, as in the merge */
			if (off < c->range)
				d += x[i] * c->dense[off];
		}
	}
	return d;
}

/* The sums for a pair of arguments, through the fixed-vector cache when one repeats. */
static SparseSums
pair_sums(FunctionCallInfo fcinfo)
{
	const void *pa = DatumGetPointer(PG_GETARG_DATUM(0));
	const void *pb = DatumGetPointer(PG_GETARG_DATUM(1));
	SVec	   *a = PG_GETARG_SVEC_P(0);
	SVec	   *b = PG_GETARG_SVEC_P(1);
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	FixedArgCache *c = (FixedArgCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(mcxt, sizeof(FixedArgCache));
		c->argno = -1;
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->argno >= 0)
	{
		SVec	   *v = c->argno == 1 ? b : a;

		if (VARSIZE(v) == VARSIZE(c->vec) && memcmp(v, c->vec, VARSIZE(v)) == 0)
		{
			SVec	   *o = c->argno == 1 ? a : b;
			SparseSums	s = {0};
			double		so;

			if (!c->hit)
				fixed_build_table(c, mcxt);
			if (c->range > 0)
			{
				s.ab = fixed_dot(c, o);
				so = sum_squares(SVEC_VALS(o), o->nnz);
				s.aa = c->argno == 1 ? so : c->sumsq;
				s.bb = c->argno == 1 ? c->sumsq : so;
				s.dot = s.ab;
				if (likely(isfinite(s.ab) && isfinite(s.aa) && isfinite(s.bb) &&
						   s.aa > TINY_SUM_OF_SQUARES && s.bb > TINY_SUM_OF_SQUARES))
					return s;
			}
			return sparse_sums(a, b);
		}
	}
	/* a pointer that repeats is a constant, a parameter or an outer row: remember it */
	if (c->wasted < 8)
	{
		if (pb == c->seen[1] && VARSIZE(b) <= FIXED_MAX_BYTES)
			fixed_remember(c, mcxt, b, 1);
		else if (pa == c->seen[0] && VARSIZE(a) <= FIXED_MAX_BYTES)
			fixed_remember(c, mcxt, a, 0);
	}
	c->seen[0] = pa;
	c->seen[1] = pb;
	return sparse_sums(a, b);
}

/* Cosine from the sums, or false when a vector is zero (the arithmetic of dense.c). */
static bool
cosine_of(SparseSums s, double *result)
{
	return ecomai_cosine_from_sums(s.ab, s.aa, s.bb, result);
}

/* cosine_similarity(a, b); NULL when either vector is empty. */
Datum
ecomai_svec_cosine_similarity(PG_FUNCTION_ARGS)
{
	double		c;

	if (!cosine_of(pair_sums(fcinfo), &c))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(c);
}

/* a <=> b = 1 - cosine_similarity(a, b); NULL when either vector is empty. */
Datum
ecomai_svec_cosine_distance(PG_FUNCTION_ARGS)
{
	double		c;

	if (!cosine_of(pair_sums(fcinfo), &c))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(1.0 - c);
}

/* dot_product(a, b) = sum over shared keys of a[k]*b[k]. */
Datum
ecomai_svec_dot_product(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(ecomai_finite_result(pair_sums(fcinfo).dot, "dot product"));
}

/* l2_norm(a) = sqrt(sum(a[k]^2)). */
Datum
ecomai_svec_l2_norm(PG_FUNCTION_ARGS)
{
	SVec	   *a = PG_GETARG_SVEC_P(0);
	double		ss = sum_squares(SVEC_VALS(a), a->nnz);
	SparseSums	s;

	if (likely(isfinite(ss) && ss > TINY_SUM_OF_SQUARES))
		PG_RETURN_FLOAT8(sqrt(ss));
	if (a->nnz == 0)
		PG_RETURN_FLOAT8(0.0);
	scaled_sums(a, a, &s);
	PG_RETURN_FLOAT8(ecomai_finite_result(ldexp(sqrt(s.aa), s.exp_a), "norm"));
}

/* |keys(a) ∩ keys(b)| / |keys(a) ∪ keys(b)|; NULL when both are empty. */
Datum
ecomai_svec_jaccard_similarity(PG_FUNCTION_ARGS)
{
	SVec	   *a = PG_GETARG_SVEC_P(0);
	SVec	   *b = PG_GETARG_SVEC_P(1);
	int32		shared;

	if (a->nnz == 0 && b->nnz == 0)
		PG_RETURN_NULL();
	/* the products may overflow to infinity: only the count is used */
	(void) shared_dot(a, b, &shared);
	PG_RETURN_FLOAT8((double) shared / ((double) a->nnz + (double) b->nnz - shared));
}

/* ----------------------------------------------------------------
 * svec_agg: the state is an svec, expanded while the aggregate runs
 * ---------------------------------------------------------------- */

typedef struct ExpandedSVec
{
	ExpandedObjectHeader hdr;
	/* sorted part: ascending unique keys, non-zero values */
	int32		nsorted;
	int64	   *keys;
	float8	   *vals;
	/* rows not yet merged, in arrival order */
	Size		nbuf;
	Size		buf_cap;
	SVecEntry  *buf;
} ExpandedSVec;

#define SVEC_AGG_INITIAL_BUFFER 16

static Size svec_get_flat_size(ExpandedObjectHeader *eohptr);
static void svec_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods svec_expanded_methods = {
	svec_get_flat_size,
	svec_flatten_into
};

/* The context of this call site's svec_agg states (see agg_state.h). */
#define state_context(fcinfo, aggcontext) \
	ecomai_agg_state_context((fcinfo), (aggcontext), "svec_agg states")

/* A new, empty expanded svec in cxt (a child of the aggregate context). */
static ExpandedSVec *
expanded_new(MemoryContext cxt)
{
	ExpandedSVec *es = MemoryContextAllocZero(cxt, sizeof(ExpandedSVec));

	EOH_init_header(&es->hdr, &svec_expanded_methods, cxt);
	es->buf_cap = SVEC_AGG_INITIAL_BUFFER;
	es->buf = MemoryContextAlloc(cxt, es->buf_cap * sizeof(SVecEntry));
	return es;
}

/*
 * Merge sorted unique entries (keys kb[i*stride], values vb[i*stride]) into
 * the sorted part: equal keys add up, zero sums disappear.
 */
static void
expanded_merge(ExpandedSVec *es, const int64 *kb, const float8 *vb, Size m, Size stride)
{
	Size		cap = (Size) es->nsorted + m;
	int64	   *nk;
	float8	   *nv;
	Size		i = 0;
	Size		j = 0;
	Size		n = 0;

	if (m == 0)
		return;
	ecomai_check_memory(cap * 2 * sizeof(int64) + es->buf_cap * sizeof(SVecEntry) +
						(Size) es->nsorted * 2 * sizeof(int64), "svec_agg state");
	nk = MemoryContextAllocHuge(es->hdr.eoh_context, cap * sizeof(int64));
	nv = MemoryContextAllocHuge(es->hdr.eoh_context, cap * sizeof(float8));
	while (i < (Size) es->nsorted || j < m)
	{
		if ((n & INTERRUPT_MASK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (j == m || (i < (Size) es->nsorted && es->keys[i] < kb[j * stride]))
		{
			nk[n] = es->keys[i];
			nv[n++] = es->vals[i++];
		}
		else if (i == (Size) es->nsorted || kb[j * stride] < es->keys[i])
		{
			nk[n] = kb[j * stride];
			nv[n++] = vb[j * stride];
			j++;
		}
		else
		{
			double		sum = es->vals[i] + vb[j * stride];

			if (!isfinite(sum))
				sum_out_of_range_error(es->keys[i]);
			if (sum != 0)
			{
				nk[n] = es->keys[i];
				nv[n++] = sum;
			}
			i++;
			j++;
		}
	}
	if (n > SVEC_MAX_NNZ)
		too_many_entries_error(n);
	if (es->keys)
	{
		pfree(es->keys);
		pfree(es->vals);
	}
	es->keys = nk;
	es->vals = nv;
	es->nsorted = (int32) n;
}

/* Sort the buffer, add up its duplicates, and merge it into the sorted part. */
static void
expanded_compact(ExpandedSVec *es)
{
	Size		m;

	if (es->nbuf == 0)
		return;
	m = normalize_entries(es->buf, es->nbuf);
	es->nbuf = 0;
	expanded_merge(es, &es->buf[0].key, &es->buf[0].val, m, sizeof(SVecEntry) / sizeof(int64));
}

/* Append one row; O(1) amortised. */
static inline void
expanded_append(ExpandedSVec *es, int64 key, double val)
{
	if (unlikely(es->nbuf == es->buf_cap))
	{
		/*
		 * Grow the buffer while it is smaller than the sorted part, so that
		 * each merge is paid for by as many new rows as it touches; else merge.
		 */
		if (es->buf_cap < (Size) es->nsorted && es->buf_cap < SVEC_MAX_NNZ)
		{
			Size		newcap = es->buf_cap * 2;

			ecomai_check_memory(newcap * sizeof(SVecEntry) + (Size) es->nsorted * 2 * sizeof(int64),
								"svec_agg state");
			es->buf = repalloc_huge(es->buf, newcap * sizeof(SVecEntry));
			es->buf_cap = newcap;
		}
		else
			expanded_compact(es);
	}
	es->buf[es->nbuf].key = key;
	es->buf[es->nbuf].val = val;
	es->nbuf++;
}

/* Expanded-object method: bytes of the flat form (merges the buffer first). */
static Size
svec_get_flat_size(ExpandedObjectHeader *eohptr)
{
	ExpandedSVec *es = (ExpandedSVec *) eohptr;

	expanded_compact(es);
	return SVEC_SIZE(es->nsorted);
}

/* Expanded-object method: write the flat form. */
static void
svec_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	ExpandedSVec *es = (ExpandedSVec *) eohptr;
	SVec	   *v = (SVec *) result;

	expanded_compact(es);
	if (allocated_size != SVEC_SIZE(es->nsorted))
		elog(ERROR, "svec flatten: %zu bytes allocated, %zu needed",
			 allocated_size, SVEC_SIZE(es->nsorted));
	SET_VARSIZE(v, allocated_size);
	v->flags = SVEC_VERSION;
	v->nnz = es->nsorted;
	v->reserved = 0;
	if (es->nsorted > 0)
	{
		memcpy(SVEC_KEYS(v), es->keys, es->nsorted * sizeof(int64));
		memcpy(SVEC_VALS(v), es->vals, es->nsorted * sizeof(float8));
	}
}

/*
 * The state of argument argno ready to be updated in place: ours when it is
 * our read/write object in the aggregate context, else a new one (a copy of
 * a flat state that came from elsewhere, e.g. through text).
 */
static ExpandedSVec *
state_for_update(FunctionCallInfo fcinfo, int argno, MemoryContext aggcontext)
{
	Datum		d;
	ExpandedSVec *es;
	SVec	   *flat;

	if (PG_ARGISNULL(argno))
		return expanded_new(state_context(fcinfo, aggcontext));
	d = PG_GETARG_DATUM(argno);
	es = (ExpandedSVec *) ecomai_agg_state_owned(d, &svec_expanded_methods, aggcontext);
	if (es)
		return es;
	flat = ecomai_svec_detoast(d);
	es = expanded_new(state_context(fcinfo, aggcontext));
	expanded_merge(es, SVEC_KEYS(flat), SVEC_VALS(flat), flat->nnz, 1);
	return es;
}

/* Transition: add value at key.  NULL key or value: the row is skipped. */
Datum
ecomai_svec_agg_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ExpandedSVec *es;
	int64		key;
	double		val;

	aggcontext = ecomai_aggregate_context(fcinfo, "svec_agg_transfn");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ECOMAI_AGG_KEEP_STATE();
	key = PG_GETARG_INT64(1);
	val = PG_GETARG_FLOAT8(2);
	if (!isfinite(val))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("svec values must be finite, not %s", nonfinite_name(val)),
				 errdetail("The value for key " INT64_FORMAT " is %s.", key, nonfinite_name(val))));
	es = state_for_update(fcinfo, 0, aggcontext);
	if (val != 0)
		expanded_append(es, key, val);
	PG_RETURN_DATUM(EOHPGetRWDatum(&es->hdr));
}

/* Combine two partial states; the first NULL means "copy the second". */
Datum
ecomai_svec_agg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ExpandedSVec *es;
	SVec	   *other;

	aggcontext = ecomai_aggregate_context(fcinfo, "svec_agg_combine");
	if (PG_ARGISNULL(1))
		ECOMAI_AGG_KEEP_STATE();
	other = PG_GETARG_SVEC_P(1);
	es = state_for_update(fcinfo, 0, aggcontext);
	expanded_compact(es);
	expanded_merge(es, SVEC_KEYS(other), SVEC_VALS(other), other->nnz, 1);
	PG_RETURN_DATUM(EOHPGetRWDatum(&es->hdr));
}

/* Final: the state as a flat svec of its own. */
Datum
ecomai_svec_agg_final(PG_FUNCTION_ARGS)
{
	Datum		d = PG_GETARG_DATUM(0);
	SVec	   *v = ecomai_svec_detoast(d);

	/* a flat state is returned as a copy: the state belongs to the aggregate */
	if (PointerGetDatum(v) == d)
	{
		SVec	   *copy = palloc(VARSIZE(v));

		memcpy(copy, v, VARSIZE(v));
		v = copy;
	}
	PG_RETURN_SVEC_P(v);
}
