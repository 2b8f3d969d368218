/*
 * bif.c
 *	  The Bayesian Interchange Format (BIF) as written by the bnlearn network
 *	  repository: parse into a BnSpec, print a bayesnet, and the small lexer
 *	  that BIF and the bn_fit state text share.
 *
 * Accepted: "network", "variable" blocks with "type discrete [ n ] { ... }",
 * "probability" blocks with "table" (root variables) or one labelled row per
 * parent configuration, "property" lines (ignored), // and C comments.
 * Rows are placed by their labels, in whatever order they are written.
 * Names that are not plain words are written as double-quoted strings with
 * backslash escapes, so any state name round-trips.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "miscadmin.h"
#include "nodes/pg_list.h"

#include "bayesnet.h"
#include "ecomai.h"
#include "name_hash.h"

/* Characters that are tokens by themselves ("=" and ":" are not: child.bif has state ">=7.5"). */
#define PUNCT_CHARS "()[]{}|,;"

/*
 * A map from names to indexes, for the parsers (BIF here, the bn_fit
 * structure in bn_fit.c): a linear search per name made parsing quadratic in
 * the number of variables.  simplehash keyed by the NUL-terminated name,
 * which the caller keeps alive (name_hash.h).
 */
struct BnNameIndex
{
	ecomai_names_hash *tab;
};

/* An empty name index for about "expected" names, in the current memory context. */
BnNameIndex *
ecomai_name_index_create(int expected)
{
	BnNameIndex *ix = palloc(sizeof(BnNameIndex));

	ix->tab = ecomai_names_create(CurrentMemoryContext, Max(expected, 8), NULL);
	return ix;
}

/* Add name with index id; returns the index it already had, or -1 when it is new. */
int
ecomai_name_index_add(BnNameIndex *ix, const char *name, int id)
{
	bool		found;
	EcomaiNameEntry *e = ecomai_names_insert(ix->tab, name, &found);

	if (found)
		return e->index;
	e->index = id;
	return -1;
}

/* The index of name, or -1. */
int
ecomai_name_index_find(BnNameIndex *ix, const char *name)
{
	EcomaiNameEntry *e = ecomai_names_lookup(ix->tab, name);

	return e ? e->index : -1;
}

/* Start lexing input; errors use errcode and name "what". */
void
ecomai_lex_init(BnLexer *lx, const char *input, const char *what, int errcode)
{
	lx->input = input;
	lx->p = input;
	lx->line = 1;
	lx->what = what;
	lx->errcode = errcode;
	initStringInfo(&lx->word);
	ecomai_lex_next(lx);
}

/* Raise a syntax error with the current line. */
void
ecomai_lex_error(BnLexer *lx, const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	ereport(ERROR,
			(errcode(lx->errcode),
			 errmsg("invalid %s at line %d: %s", lx->what, lx->line, buf.data)));
}

/* Advance to the next token. */
void
ecomai_lex_next(BnLexer *lx)
{
	const char *p = lx->p;

	for (;;)
	{
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' || *p == '\v')
		{
			if (*p == '\n')
				lx->line++;
			p++;
		}
		if (p[0] == '/' && p[1] == '/')
		{
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*')
		{
			p += 2;
			while (*p && !(p[0] == '*' && p[1] == '/'))
			{
				if (*p == '\n')
					lx->line++;
				p++;
			}
			if (!*p)
			{
				lx->p = p;
				ecomai_lex_error(lx, "unterminated comment");
			}
			p += 2;
			continue;
		}
		break;
	}
	resetStringInfo(&lx->word);
	lx->quoted = false;
	if (*p == '\0')
		lx->kind = BNT_EOF;
	else if (strchr(PUNCT_CHARS, *p))
	{
		lx->kind = BNT_PUNCT;
		lx->punct = *p++;
	}
	else if (*p == '"')
	{
		p++;
		while (*p != '"')
		{
			if (*p == '\0')
			{
				lx->p = p;
				ecomai_lex_error(lx, "unterminated quoted string");
			}
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (*p == '\n')
				lx->line++;
			appendStringInfoChar(&lx->word, *p++);
		}
		p++;
		lx->kind = BNT_WORD;
		lx->quoted = true;
	}
	else
	{
		while (*p && !strchr(PUNCT_CHARS, *p) && *p != '"' &&
			   !(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' || *p == '\v'))
			appendStringInfoChar(&lx->word, *p++);
		lx->kind = BNT_WORD;
	}
	lx->p = p;
}

/* Is the current token the punctuation c? */
bool
ecomai_lex_is_punct(BnLexer *lx, char c)
{
	return lx->kind == BNT_PUNCT && lx->punct == c;
}

/* Is the current token the unquoted word kw? */
bool
ecomai_lex_is_keyword(BnLexer *lx, const char *kw)
{
	return lx->kind == BNT_WORD && !lx->quoted && strcmp(lx->word.data, kw) == 0;
}

/* Describe the current token for an error message. */
static const char *
token_text(BnLexer *lx)
{
	if (lx->kind == BNT_EOF)
		return "end of input";
	if (lx->kind == BNT_PUNCT)
		return psprintf("\"%c\"", lx->punct);
	return psprintf("\"%s\"", lx->word.data);
}

/* Consume the punctuation c or fail. */
void
ecomai_lex_expect_punct(BnLexer *lx, char c)
{
	if (!ecomai_lex_is_punct(lx, c))
		ecomai_lex_error(lx, "expected \"%c\", found %s", c, token_text(lx));
	ecomai_lex_next(lx);
}

/* Consume a word (a copy is returned) or fail, saying what was expected. */
char *
ecomai_lex_expect_word(BnLexer *lx, const char *expected)
{
	char	   *w;

	if (lx->kind != BNT_WORD)
		ecomai_lex_error(lx, "expected %s, found %s", expected, token_text(lx));
	w = pstrdup(lx->word.data);
	ecomai_lex_next(lx);
	return w;
}

/* The first line of a text state (see ecomai_append_state_header): its name. */
char *
ecomai_lex_state_header(BnLexer *lx, const char *keyword, const char *what)
{
	if (!ecomai_lex_is_keyword(lx, keyword))
		ecomai_lex_error(lx, "expected \"%s\"", keyword);
	ecomai_lex_next(lx);
	return ecomai_lex_expect_word(lx, what);
}

/*
 * A state text's variable line, as ecomai_append_variable_values writes it:
 * ecomai_lex_variable reads "variable NAME {" and returns NAME, then each
 * ecomai_lex_value the next value, or NULL once it has read the closing "}".
 */
char *
ecomai_lex_variable(BnLexer *lx)
{
	char	   *name;

	if (!ecomai_lex_is_keyword(lx, "variable"))
		ecomai_lex_error(lx, "expected \"variable\"");
	ecomai_lex_next(lx);
	name = ecomai_lex_expect_word(lx, "a variable name");
	ecomai_lex_expect_punct(lx, '{');
	return name;
}

char *
ecomai_lex_value(BnLexer *lx)
{
	char	   *value;

	if (ecomai_lex_is_punct(lx, '}'))
	{
		ecomai_lex_next(lx);
		return NULL;
	}
	value = ecomai_lex_expect_word(lx, "a value");
	if (ecomai_lex_is_punct(lx, ','))
		ecomai_lex_next(lx);
	return value;
}

/* p past any blanks (spaces, tabs, line ends). */
const char *
ecomai_skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/*
 * The name at *pp of a structure string, up to the next character of stops
 * or the end, blanks trimmed from both sides; *pp is left at the stop.  NULL
 * for an empty name.
 */
char *
ecomai_read_trimmed_name(const char **pp, const char *stops)
{
	const char *start = ecomai_skip_blank(*pp);
	const char *p = start;
	const char *end;

	while (*p && !strchr(stops, *p))
		p++;
	end = p;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*pp = p;
	return end == start ? NULL : pnstrdup(start, end - start);
}

/* A finite number from a word, or a syntax error. */
double
ecomai_lex_number(BnLexer *lx, const char *word)
{
	char	   *end;
	double		x;

	errno = 0;
	x = strtod(word, &end);
	if (end == word || *end != '\0' || !isfinite(x))
		ecomai_lex_error(lx, "invalid number \"%s\"", word);
	return x;
}

/* An integer word in [lo, hi] (consumed), or a syntax error. */
int64
ecomai_lex_int(BnLexer *lx, int64 lo, int64 hi)
{
	char	   *end;
	long long	x;

	if (lx->kind != BNT_WORD || lx->quoted)
		ecomai_lex_error(lx, "expected an integer");
	errno = 0;
	x = strtoll(lx->word.data, &end, 10);
	if (errno != 0 || end == lx->word.data || *end != '\0' || x < lo || x > hi)
		ecomai_lex_error(lx, "integer \"%s\" out of range", lx->word.data);
	ecomai_lex_next(lx);
	return x;
}

/* Append "variable NAME { V1, V2 }" (names quoted where needed), the state texts' variable line. */
void
ecomai_append_variable_values(StringInfo buf, const char *name, char *const *values, int nvalues)
{
	appendStringInfoString(buf, "variable ");
	ecomai_append_name(buf, name);
	appendStringInfoString(buf, " {");
	for (int i = 0; i < nvalues; i++)
	{
		appendStringInfoString(buf, i ? ", " : " ");
		ecomai_append_name(buf, values[i]);
	}
	appendStringInfoString(buf, " }");
}

/* Append a name, quoted unless it is a plain word. */
void
ecomai_append_name(StringInfo buf, const char *name)
{
	const char *p;
	bool		plain = name[0] != '\0';

	for (p = name; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-' || *p == '+';
	if (plain)
		appendStringInfoString(buf, name);
	else
		ecomai_append_quoted(buf, name);
}

/*
 * The first line of a text state (bn_fit_state, bn_counts): its keyword and
 * a name (the structure, the options).
 */
void
ecomai_append_state_header(StringInfo buf, const char *keyword, const char *name)
{
	appendStringInfoString(buf, keyword);
	appendStringInfoChar(buf, ' ');
	ecomai_append_name(buf, name);
	appendStringInfoChar(buf, '\n');
}

/*
 * Two text states combine only when their header names (the structure, the
 * options) are the same.
 */
void
ecomai_check_states_match(const char *keyword, const char *what, const char *a, const char *b)
{
	if (strcmp(a, b) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine %s states with different %s", keyword, what),
				 errdetail("One has %s, the other %s.", a, b)));
}

/* The rest of a count of a text state after its "(": the n value ids of its key, the count, ")". */
void
ecomai_append_key_count(StringInfo buf, const int32 *key, int n, int64 count)
{
	for (int k = 0; k < n; k++)
		appendStringInfo(buf, "%d ", key[k]);
	appendStringInfo(buf, INT64_FORMAT ")", count);
}

/* A probability block as parsed, resolved after all blocks are read. */
typedef struct BifProb
{
	char	   *child;
	List	   *parents;		/* of char * */
	int			line;
	List	   *rows;			/* of BifRow *; label NIL for "table" */
} BifProb;

typedef struct BifRow
{
	List	   *labels;			/* of char *, NIL for a table */
	List	   *values;			/* of double * */
	int			line;
} BifRow;

/* Skip a "property ... ;" line. */
static void
skip_property(BnLexer *lx)
{
	while (lx->kind != BNT_EOF && !ecomai_lex_is_punct(lx, ';'))
		ecomai_lex_next(lx);
	ecomai_lex_expect_punct(lx, ';');
}

/* One or more words separated by commas ("what" names a word in errors). */
static List *
read_word_list(BnLexer *lx, const char *what)
{
	List	   *words = NIL;

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		words = lappend(words, ecomai_lex_expect_word(lx, what));
		if (!ecomai_lex_is_punct(lx, ','))
			return words;
		ecomai_lex_next(lx);
	}
}

/* Read numbers up to ";" (commas optional). */
static List *
read_numbers(BnLexer *lx)
{
	List	   *vals = NIL;

	while (!ecomai_lex_is_punct(lx, ';'))
	{
		double	   *x = palloc(sizeof(double));

		CHECK_FOR_INTERRUPTS();
		if (lx->kind != BNT_WORD)
			ecomai_lex_error(lx, "expected a probability, found %s", token_text(lx));
		*x = ecomai_lex_number(lx, lx->word.data);
		vals = lappend(vals, x);
		ecomai_lex_next(lx);
		if (ecomai_lex_is_punct(lx, ','))
			ecomai_lex_next(lx);
	}
	ecomai_lex_next(lx);
	return vals;
}

/* Parse a "variable NAME { type discrete [ n ] { s, ... }; }" block. */
static void
parse_variable(BnLexer *lx, BnSpecVar *var)
{
	List	   *states = NIL;
	int			declared = -1;
	ListCell   *lc;
	int			i;

	var->name = ecomai_lex_expect_word(lx, "a variable name");
	var->nstates = 0;
	ecomai_lex_expect_punct(lx, '{');
	while (!ecomai_lex_is_punct(lx, '}'))
	{
		if (ecomai_lex_is_keyword(lx, "property"))
		{
			skip_property(lx);
			continue;
		}
		if (!ecomai_lex_is_keyword(lx, "type"))
			ecomai_lex_error(lx, "expected \"type\" or \"property\", found %s", token_text(lx));
		if (states != NIL)
			ecomai_lex_error(lx, "variable \"%s\" has two types", var->name);
		ecomai_lex_next(lx);
		if (!ecomai_lex_is_keyword(lx, "discrete"))
			ecomai_lex_error(lx, "only discrete variables are supported, found %s", token_text(lx));
		ecomai_lex_next(lx);
		ecomai_lex_expect_punct(lx, '[');
		if (lx->kind != BNT_WORD)
			ecomai_lex_error(lx, "expected a number of states, found %s", token_text(lx));
		declared = (int) Min(ecomai_lex_number(lx, lx->word.data), (double) INT_MAX);
		if (declared < 1 || declared > BN_MAX_STATES)
			ecomai_lex_error(lx, "invalid number of states for variable \"%s\"", var->name);
		ecomai_lex_next(lx);
		ecomai_lex_expect_punct(lx, ']');
		ecomai_lex_expect_punct(lx, '{');
		states = read_word_list(lx, "a state name");
		ecomai_lex_expect_punct(lx, '}');
		ecomai_lex_expect_punct(lx, ';');
		if (list_length(states) != declared)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("variable \"%s\" declares %d states but lists %d",
							var->name, declared, list_length(states))));
	}
	ecomai_lex_next(lx);
	if (states == NIL)
		ecomai_lex_error(lx, "variable \"%s\" has no type", var->name);
	var->nstates = list_length(states);
	var->states = palloc(sizeof(char *) * var->nstates);
	i = 0;
	foreach(lc, states)
		var->states[i++] = lfirst(lc);
}

/* Parse a "probability ( X | P, ... ) { ... }" block. */
static BifProb *
parse_probability(BnLexer *lx)
{
	BifProb    *pr = palloc0(sizeof(BifProb));

	pr->line = lx->line;
	ecomai_lex_expect_punct(lx, '(');
	pr->child = ecomai_lex_expect_word(lx, "a variable name");
	if (ecomai_lex_is_punct(lx, '|'))
	{
		ecomai_lex_next(lx);
		pr->parents = read_word_list(lx, "a parent name");
	}
	ecomai_lex_expect_punct(lx, ')');
	ecomai_lex_expect_punct(lx, '{');
	while (!ecomai_lex_is_punct(lx, '}'))
	{
		BifRow	   *row = palloc0(sizeof(BifRow));

		CHECK_FOR_INTERRUPTS();
		row->line = lx->line;
		if (ecomai_lex_is_keyword(lx, "property"))
		{
			skip_property(lx);
			continue;
		}
		if (ecomai_lex_is_keyword(lx, "table"))
			ecomai_lex_next(lx);
		else if (ecomai_lex_is_punct(lx, '('))
		{
			ecomai_lex_next(lx);
			row->labels = read_word_list(lx, "a state name");
			ecomai_lex_expect_punct(lx, ')');
		}
		else
			ecomai_lex_error(lx, "expected \"table\", \"(\" or \"property\", found %s", token_text(lx));
		row->values = read_numbers(lx);
		pr->rows = lappend(pr->rows, row);
	}
	ecomai_lex_next(lx);
	return pr;
}

/*
 * The names of a parsed network, hashed: its variables, and the states of
 * each variable used as a parent (built when first needed).
 */
typedef struct SpecIndex
{
	BnSpec	   *spec;
	BnNameIndex *vars;
	BnNameIndex **states;		/* per variable, NULL until needed */
} SpecIndex;

/* Index of a variable in the spec by name, or -1. */
static int
spec_var(SpecIndex *si, const char *name)
{
	return ecomai_name_index_find(si->vars, name);
}

/* Index of a state of variable v by name, or -1. */
static int
spec_state(SpecIndex *si, int v, const char *name)
{
	BnSpecVar  *var = &si->spec->vars[v];

	if (si->states[v] == NULL)
	{
		int			s;

		si->states[v] = ecomai_name_index_create(var->nstates);
		for (s = 0; s < var->nstates; s++)
		{
			CHECK_FOR_INTERRUPTS();
			/* a repeated state name: the first one, as a linear search found */
			(void) ecomai_name_index_add(si->states[v], var->states[s], s);
		}
	}
	return ecomai_name_index_find(si->states[v], name);
}

/*
 * The CPT row of a labelled row "(s1, s2, ...) p, q, ...;" of variable var:
 * its parents' states, the last varying fastest.  Checks the label and the
 * number of probabilities, and that the row was not filled before.
 */
static int64
labelled_row(SpecIndex *si, BnSpecVar *var, BifRow *row, const bool *filled)
{
	StringInfoData lab;
	ListCell   *ll;
	int64		r = 0;
	int			j = 0;

	if (list_length(row->labels) != var->nparents)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wrong CPT row label for variable \"%s\"", var->name),
				 errdetail("Line %d names %d parent states; the variable has %d parents.",
						   row->line, list_length(row->labels), var->nparents)));
	initStringInfo(&lab);
	foreach(ll, row->labels)
	{
		BnSpecVar  *p = &si->spec->vars[var->parents[j]];
		int			s = spec_state(si, var->parents[j], lfirst(ll));

		if (s < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown state \"%s\" of parent \"%s\" in CPT of variable \"%s\"",
							(char *) lfirst(ll), p->name, var->name),
					 errdetail("Line %d.", row->line)));
		r = r * p->nstates + s;
		appendStringInfo(&lab, "%s%s", j ? ", " : "", (char *) lfirst(ll));
		j++;
	}
	if (filled[r])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("CPT of variable \"%s\" has row (%s) twice", var->name, lab.data),
				 errdetail("Line %d.", row->line)));
	if (list_length(row->values) != var->nstates)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wrong CPT size for variable \"%s\"", var->name),
				 errdetail("Row (%s) on line %d has %d probabilities; the variable has %d states.",
						   lab.data, row->line, list_length(row->values), var->nstates)));
	pfree(lab.data);
	return r;
}

/*
 * Fill a variable's parents and CPT from its probability block.  *held is the
 * size of the CPTs allocated so far: a short text can declare tables of
 * millions of rows, so their total is bounded by ecomai.max_memory before
 * they are allocated.
 */
static void
resolve_probability(SpecIndex *si, BifProb *pr, Size *held)
{
	BnSpec	   *spec = si->spec;
	int			v = spec_var(si, pr->child);
	BnSpecVar  *var;
	ListCell   *lc;
	int			j;
	int64		nrows = 1;
	bool	   *filled;

	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probability block for unknown variable \"%s\"", pr->child),
				 errdetail("The block starts at line %d.", pr->line)));
	var = &spec->vars[v];
	if (var->cpt != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("variable \"%s\" has two probability blocks", var->name),
				 errdetail("The second starts at line %d.", pr->line)));
	var->nparents = list_length(pr->parents);
	var->parents = palloc(sizeof(int) * Max(var->nparents, 1));
	j = 0;
	foreach(lc, pr->parents)
	{
		int			p = spec_var(si, lfirst(lc));

		if (p < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown parent \"%s\" of variable \"%s\"", (char *) lfirst(lc), var->name)));
		var->parents[j++] = p;
		nrows *= spec->vars[p].nstates;
		if (nrows * var->nstates > BN_MAX_CPT)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("CPT of variable \"%s\" has more than %d entries", var->name, BN_MAX_CPT)));
	}
	var->nrows = nrows;
	*held += (sizeof(double) * var->nstates + sizeof(bool)) * (Size) nrows;
	ecomai_check_memory(*held, "BIF probability tables");
	var->cpt = palloc0(sizeof(double) * nrows * var->nstates);
	filled = palloc0(sizeof(bool) * nrows);
	foreach(lc, pr->rows)
	{
		BifRow	   *row = lfirst(lc);
		int64		r = 0;
		int			i;
		ListCell   *lv;

		CHECK_FOR_INTERRUPTS();
		if (row->labels == NIL)
		{
			/* "table": the whole CPT of a root variable */
			if (var->nparents > 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("\"table\" for variable \"%s\" with parents is not supported", var->name),
						 errdetail("Line %d.", row->line),
						 errhint("Write one labelled row per parent configuration, as bnlearn does.")));
			if (list_length(row->values) != var->nstates || list_length(pr->rows) != 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("wrong CPT size for variable \"%s\"", var->name),
						 errdetail("Line %d has %d probabilities; the variable has %d states.",
								   row->line, list_length(row->values), var->nstates)));
			r = 0;
		}
		else
			r = labelled_row(si, var, row, filled);
		filled[r] = true;
		i = 0;
		foreach(lv, row->values)
			var->cpt[r * var->nstates + i++] = *(double *) lfirst(lv);
	}
	for (j = 0; j < nrows; j++)
		if (!filled[j])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("wrong CPT size for variable \"%s\"", var->name),
					 errdetail("Its CPT has %d of %lld rows (parent configurations).",
							   list_length(pr->rows), (long long) nrows)));
}

/* Parse BIF text into an unvalidated network. */
BnSpec *
ecomai_bif_parse(const char *text)
{
	BnLexer		lx;
	BnSpec	   *spec = palloc0(sizeof(BnSpec));
	List	   *vars = NIL;
	List	   *probs = NIL;
	ListCell   *lc;
	int			v;
	Size		held = 0;
	SpecIndex	si;

	ecomai_lex_init(&lx, text, "BIF", ERRCODE_INVALID_TEXT_REPRESENTATION);
	spec->name = "unknown";
	while (lx.kind != BNT_EOF)
	{
		CHECK_FOR_INTERRUPTS();
		if (ecomai_lex_is_keyword(&lx, "network"))
		{
			ecomai_lex_next(&lx);
			spec->name = ecomai_lex_expect_word(&lx, "a network name");
			ecomai_lex_expect_punct(&lx, '{');
			while (!ecomai_lex_is_punct(&lx, '}'))
			{
				if (!ecomai_lex_is_keyword(&lx, "property"))
					ecomai_lex_error(&lx, "expected \"property\" or \"}\", found %s", token_text(&lx));
				skip_property(&lx);
			}
			ecomai_lex_next(&lx);
		}
		else if (ecomai_lex_is_keyword(&lx, "variable"))
		{
			BnSpecVar  *var = palloc0(sizeof(BnSpecVar));

			ecomai_lex_next(&lx);
			parse_variable(&lx, var);
			vars = lappend(vars, var);
		}
		else if (ecomai_lex_is_keyword(&lx, "probability"))
		{
			ecomai_lex_next(&lx);
			probs = lappend(probs, parse_probability(&lx));
		}
		else
			ecomai_lex_error(&lx, "expected \"network\", \"variable\" or \"probability\", found %s",
							 token_text(&lx));
	}
	spec->nvars = list_length(vars);
	if (spec->nvars == 0)
		ecomai_lex_error(&lx, "no variables");
	if (spec->nvars > BN_MAX_VARS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("network has more than %d variables", BN_MAX_VARS)));
	spec->vars = palloc(sizeof(BnSpecVar) * spec->nvars);
	si.spec = spec;
	si.vars = ecomai_name_index_create(spec->nvars);
	si.states = palloc0(sizeof(BnNameIndex *) * spec->nvars);
	v = 0;
	foreach(lc, vars)
	{
		CHECK_FOR_INTERRUPTS();
		spec->vars[v] = *(BnSpecVar *) lfirst(lc);
		if (ecomai_name_index_add(si.vars, spec->vars[v].name, v) >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("variable \"%s\" is declared twice", spec->vars[v].name)));
		v++;
	}
	foreach(lc, probs)
	{
		CHECK_FOR_INTERRUPTS();
		resolve_probability(&si, lfirst(lc), &held);
	}
	for (v = 0; v < spec->nvars; v++)
		if (spec->vars[v].cpt == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("variable \"%s\" has no probability block", spec->vars[v].name)));
	return spec;
}

/* Append the probabilities of one CPT row, comma separated. */
static void
append_row(StringInfo buf, const double *row, int n)
{
	int			s;

	for (s = 0; s < n; s++)
	{
		if (s)
			appendStringInfoString(buf, ", ");
		ecomai_append_double(buf, row[s]);
	}
	appendStringInfoString(buf, ";\n");
}

/* Print a network as BIF (the bnlearn layout), exact doubles. */
void
ecomai_bif_print(StringInfo buf, const BayesNet *bn)
{
	int			v,
				j,
				s;
	int		   *digit;

	appendStringInfoString(buf, "network ");
	ecomai_append_name(buf, BN_POOL(bn) + bn->name);
	appendStringInfoString(buf, " {\n}\n");
	for (v = 0; v < bn->nvars; v++)
	{
		BnVar	   *var = &BN_VARS(bn)[v];

		appendStringInfoString(buf, "variable ");
		ecomai_append_name(buf, BN_VAR_NAME(bn, v));
		appendStringInfo(buf, " {\n  type discrete [ %d ] { ", var->nstates);
		for (s = 0; s < var->nstates; s++)
		{
			if (s)
				appendStringInfoString(buf, ", ");
			ecomai_append_name(buf, BN_STATE_NAME(bn, v, s));
		}
		appendStringInfoString(buf, " };\n}\n");
	}
	digit = palloc(sizeof(int) * bn->nvars);
	for (v = 0; v < bn->nvars; v++)
	{
		BnVar	   *var = &BN_VARS(bn)[v];
		const int32 *par = BN_VAR_PARENTS(bn, v);
		int			r;

		CHECK_FOR_INTERRUPTS();
		appendStringInfoString(buf, "probability ( ");
		ecomai_append_name(buf, BN_VAR_NAME(bn, v));
		for (j = 0; j < var->nparents; j++)
		{
			appendStringInfoString(buf, j ? ", " : " | ");
			ecomai_append_name(buf, BN_VAR_NAME(bn, par[j]));
		}
		appendStringInfoString(buf, " ) {\n");
		if (var->nparents == 0)
		{
			appendStringInfoString(buf, "  table ");
			append_row(buf, BN_VAR_CPT(bn, v), var->nstates);
		}
		else
		{
			for (j = 0; j < var->nparents; j++)
				digit[j] = 0;
			for (r = 0; r < var->nrows; r++)
			{
				appendStringInfoString(buf, "  (");
				for (j = 0; j < var->nparents; j++)
				{
					if (j)
						appendStringInfoString(buf, ", ");
					ecomai_append_name(buf, BN_STATE_NAME(bn, par[j], digit[j]));
				}
				appendStringInfoString(buf, ") ");
				append_row(buf, BN_VAR_CPT(bn, v) + (int64) r * var->nstates, var->nstates);
				/* next configuration, the last parent fastest */
				for (j = var->nparents - 1; j >= 0; j--)
				{
					if (++digit[j] < BN_VARS(bn)[par[j]].nstates)
						break;
					digit[j] = 0;
				}
			}
		}
		appendStringInfoString(buf, "}\n");
	}
	pfree(digit);
}
