/*
 * bayesnet.h
 *	  The ecomai.bayesnet type: a discrete Bayesian network (variables with
 *	  named states, a DAG, one conditional probability table per variable)
 *	  in one flat varlena that inference reads in place, plus the unflattened
 *	  "spec" form that the BIF parser, binary receive and bn_fit build before
 *	  validation, and the small lexer shared by BIF and the bn_fit state text.
 */
#ifndef ECOMAI_BAYESNET_H
#define ECOMAI_BAYESNET_H

#include "postgres.h"
#include "fmgr.h"
#include "lib/stringinfo.h"

/* "BNT1": layout version of the flat form. */
#define BN_MAGIC 0x31544E42

/* Bounds that keep every index an int32 and every table allocatable. */
#define BN_MAX_VARS 100000
#define BN_MAX_STATES 100000
#define BN_MAX_CPT (64 * 1024 * 1024)

/* A CPT row must sum to 1 within this. */
#define BN_ROW_TOLERANCE 1e-6

/*
 * One variable of the flat form.  Its CPT has nrows rows, one per parent
 * configuration (parents in declared order, the last parent varying
 * fastest), each with nstates probabilities.
 */
typedef struct BnVar
{
	int32		name;			/* offset of its NUL-terminated name in the pool */
	int32		nstates;
	int32		first_state;	/* index of its first entry in the state table */
	int32		nparents;
	int32		first_parent;	/* index of its first entry in the parent table */
	int32		cpt;			/* index of its first probability */
	int32		nrows;
} BnVar;

/*
 * The flat form.  After the header: BnVar vars[nvars], int32
 * parents[nparent_refs] (variable indexes), int32 states[nstate_refs] (pool
 * offsets of state names), padding to 8, double cpt[ncpt], char pool[].
 */
typedef struct BayesNet
{
	int32		vl_len_;
	uint32		magic;
	int32		nvars;
	int32		nparent_refs;
	int32		nstate_refs;
	int32		ncpt;
	int32		off_cpt;		/* byte offset of the CPT doubles (multiple of 8) */
	int32		off_pool;		/* byte offset of the string pool */
	int32		pool_len;
	int32		name;			/* pool offset of the network's name */
} BayesNet;

#define BN_VARS(bn) ((BnVar *) ((char *) (bn) + sizeof(BayesNet)))
#define BN_PARENTS(bn) ((int32 *) (BN_VARS(bn) + (bn)->nvars))
#define BN_STATES(bn) (BN_PARENTS(bn) + (bn)->nparent_refs)
#define BN_CPT(bn) ((double *) ((char *) (bn) + (bn)->off_cpt))
#define BN_POOL(bn) ((char *) (bn) + (bn)->off_pool)
#define BN_VAR_NAME(bn, v) (BN_POOL(bn) + BN_VARS(bn)[v].name)
#define BN_STATE_NAME(bn, v, s) (BN_POOL(bn) + BN_STATES(bn)[BN_VARS(bn)[v].first_state + (s)])
#define BN_VAR_PARENTS(bn, v) (BN_PARENTS(bn) + BN_VARS(bn)[v].first_parent)
#define BN_VAR_CPT(bn, v) (BN_CPT(bn) + BN_VARS(bn)[v].cpt)

#define DatumGetBayesNet(d) ((BayesNet *) PG_DETOAST_DATUM(d))
#define PG_GETARG_BAYESNET(n) DatumGetBayesNet(PG_GETARG_DATUM(n))

/* One variable before validation. */
typedef struct BnSpecVar
{
	char	   *name;
	int			nstates;
	char	  **states;
	int			nparents;
	int		   *parents;		/* variable indexes */
	int			nrows;
	double	   *cpt;			/* nrows * nstates, may be NULL until filled */
} BnSpecVar;

/* A network before validation. */
typedef struct BnSpec
{
	char	   *name;
	int			nvars;
	BnSpecVar  *vars;
} BnSpec;

/* bayesnet.c */
extern BayesNet *ecomai_bn_build(const BnSpec *spec, int errcode_sem);
extern int	ecomai_bn_find_var(const BayesNet *bn, const char *name);
extern int	ecomai_bn_find_state(const BayesNet *bn, int v, const char *name);
extern int	ecomai_bn_lookup_var(const BayesNet *bn, const char *name);
extern int	ecomai_bn_lookup_state(const BayesNet *bn, int v, const char *name);
extern void ecomai_bn_topo_order(const BayesNet *bn, int *order);
struct JsonbParseState;
extern void ecomai_jsonb_push_string(struct JsonbParseState **st, const char *key, const char *val);
extern void ecomai_bn_check_acyclic(int nvars, const int *nparents, int *const *parents,
									char *const *names, int errcode_sem);

/* bif.c: a name -> index map (simplehash) for the parsers */
typedef struct BnNameIndex BnNameIndex;
extern BnNameIndex *ecomai_name_index_create(int expected);
extern int	ecomai_name_index_add(BnNameIndex *ix, const char *name, int id);
extern int	ecomai_name_index_find(BnNameIndex *ix, const char *name);

/* bif.c: BIF text in and out, and the lexer */
extern BnSpec *ecomai_bif_parse(const char *text);
extern void ecomai_bif_print(StringInfo buf, const BayesNet *bn);
extern void ecomai_append_name(StringInfo buf, const char *name);
extern void ecomai_append_variable_values(StringInfo buf, const char *name, char *const *values,
										  int nvalues);
extern void ecomai_append_state_header(StringInfo buf, const char *keyword, const char *name);
extern void ecomai_check_states_match(const char *keyword, const char *what, const char *a,
									  const char *b);
extern void ecomai_append_key_count(StringInfo buf, const int32 *key, int n, int64 count);

typedef enum BnTokKind
{
	BNT_EOF,
	BNT_WORD,					/* identifier, number or quoted string */
	BNT_PUNCT					/* one character of ( ) [ ] { } | , ; */
} BnTokKind;

typedef struct BnLexer
{
	const char *input;
	const char *p;
	int			line;
	BnTokKind	kind;
	bool		quoted;			/* the word was a quoted string */
	char		punct;
	StringInfoData word;
	const char *what;			/* "BIF" or "bn_fit state": for error messages */
	int			errcode;
} BnLexer;

extern void ecomai_lex_init(BnLexer *lx, const char *input, const char *what, int errcode);
extern void ecomai_lex_next(BnLexer *lx);
extern void ecomai_lex_expect_punct(BnLexer *lx, char c);
extern char *ecomai_lex_expect_word(BnLexer *lx, const char *expected);
extern bool ecomai_lex_is_punct(BnLexer *lx, char c);
extern bool ecomai_lex_is_keyword(BnLexer *lx, const char *kw);
extern double ecomai_lex_number(BnLexer *lx, const char *word);
extern int64 ecomai_lex_int(BnLexer *lx, int64 lo, int64 hi);
extern void ecomai_lex_error(BnLexer *lx, const char *fmt,...) pg_attribute_printf(2, 3) pg_attribute_noreturn();
extern char *ecomai_lex_state_header(BnLexer *lx, const char *keyword, const char *what);
extern const char *ecomai_skip_blank(const char *p);
extern char *ecomai_read_trimmed_name(const char **pp, const char *stops);
extern char *ecomai_lex_variable(BnLexer *lx);
extern char *ecomai_lex_value(BnLexer *lx);

#endif							/* ECOMAI_BAYESNET_H */
