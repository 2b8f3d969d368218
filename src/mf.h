/*
 * mf.h
 *	  The matrix factorisation model (ecomai.mf_model): user and item factors,
 *	  biases, the key dictionaries, the hyper-parameters and the training log,
 *	  in one flat varlena so that a model is a value stored in a table.
 *
 * Layout after the fixed header (every array 8-byte aligned):
 *		double	user_factors[nusers * factors]		row-major, one row per user
 *		double	item_factors[nitems * factors]
 *		double	user_bias[nusers]					zero for implicit models
 *		double	item_bias[nitems]
 *		double	log_loss[nlog]						training loss after each iteration
 *		double	log_valid[nlog]						validation metric (NaN without one)
 *		int32	user_key_off[nusers + 1]			offsets into user_keys
 *		int32	item_key_off[nitems + 1]
 *		char	user_keys[user_key_bytes]			text forms, NUL-terminated,
 *		char	item_keys[item_key_bytes]			strictly ascending (strcmp)
 *
 * Keys are kept in the text form of their type (user_type, item_type), so
 * one model serves integer, text and uuid keys alike; dense indexes follow
 * the byte order of those texts, which makes training independent of the
 * order in which rows arrive.
 */
#ifndef ECOMAI_MF_H
#define ECOMAI_MF_H

#include "postgres.h"
#include "fmgr.h"

#define MF_VERSION 1
#define MF_MAX_FACTORS 1024

#define MF_IMPLICIT 0
#define MF_EXPLICIT 1

#define MF_SOLVER_CG 0
#define MF_SOLVER_CHOLESKY 1

typedef struct MfModel
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		version;
	int32		kind;			/* MF_IMPLICIT or MF_EXPLICIT */
	int32		solver;			/* MF_SOLVER_* */
	int32		factors;
	int32		nusers;
	int32		nitems;
	int32		iterations;		/* requested */
	int32		nlog;			/* iterations run (entries in the log) */
	int32		seed;
	Oid			user_type;
	Oid			item_type;
	int32		user_key_bytes;
	int32		item_key_bytes;
	double		regularization;
	double		alpha;
	double		global_mean;	/* explicit: mean rating; implicit: 0 */
} MfModel;

#define MF_HEADER_SIZE MAXALIGN(sizeof(MfModel))

#define DatumGetMfModelP(X)		((MfModel *) PG_DETOAST_DATUM(X))
#define PG_GETARG_MF_MODEL_P(n) DatumGetMfModelP(PG_GETARG_DATUM(n))

static inline double *
mf_user_factors(const MfModel *m)
{
	return (double *) ((char *) m + MF_HEADER_SIZE);
}

static inline double *
mf_item_factors(const MfModel *m)
{
	return mf_user_factors(m) + (Size) m->nusers * m->factors;
}

static inline double *
mf_user_bias(const MfModel *m)
{
	return mf_item_factors(m) + (Size) m->nitems * m->factors;
}

static inline double *
mf_item_bias(const MfModel *m)
{
	return mf_user_bias(m) + m->nusers;
}

static inline double *
mf_log_loss(const MfModel *m)
{
	return mf_item_bias(m) + m->nitems;
}

static inline double *
mf_log_valid(const MfModel *m)
{
	return mf_log_loss(m) + m->nlog;
}

static inline int32 *
mf_user_key_off(const MfModel *m)
{
	return (int32 *) (mf_log_valid(m) + m->nlog);
}

static inline int32 *
mf_item_key_off(const MfModel *m)
{
	return mf_user_key_off(m) + m->nusers + 1;
}

static inline char *
mf_user_keys(const MfModel *m)
{
	return (char *) (mf_item_key_off(m) + m->nitems + 1);
}

static inline char *
mf_item_keys(const MfModel *m)
{
	return mf_user_keys(m) + m->user_key_bytes;
}

/* The key text of user u / item i. */
static inline const char *
mf_user_key(const MfModel *m, int u)
{
	return mf_user_keys(m) + mf_user_key_off(m)[u];
}

static inline const char *
mf_item_key(const MfModel *m, int i)
{
	return mf_item_keys(m) + mf_item_key_off(m)[i];
}

/*
 * Allocate a zeroed model of header's dimensions (factors, nusers, nitems,
 * nlog) and key text sizes, with a copy of header (ERROR 54000 beyond
 * ecomai.max_memory or the 1 GB limit of a value).  "what" names the caller.
 */
extern MfModel *ecomai_mf_alloc(const MfModel *header, Size user_key_bytes, Size item_key_bytes,
								const char *what);

/* Bytes of a model with these dimensions (no limit check; 0 on overflow). */
extern Size ecomai_mf_size(int factors, int nusers, int nitems, int nlog,
						   Size user_key_bytes, Size item_key_bytes);

/* Index of key text "key" among n sorted keys, or -1. */
extern int	ecomai_mf_find_key(const int32 *off, const char *keys, int n, const char *key);

/*
 * The model's text form of a key given as a Datum of type argtype: the
 * type's output when argtype is the model's key type, else the value is
 * passed through its text form into keytype (so 42::int4 finds a bigint key
 * and '…'::text finds a uuid key); an invalid value raises the key type's
 * input error.
 */
extern char *ecomai_mf_key_text(Datum value, Oid argtype, Oid keytype);

/* A Datum of type resulttype from a key's text (the key type's text form). */
extern Datum ecomai_mf_key_datum(const char *key, Oid resulttype);

/*
 * The model of argument argno, detoasted once per query when it is stored
 * out of line (a model read from a table and used on many rows): the copy
 * is kept in fn_extra, keyed by its TOAST pointer.
 */
extern MfModel *ecomai_mf_arg(FunctionCallInfo fcinfo, int argno);

/* "implicit"/"explicit", "cg"/"cholesky" */
extern const char *ecomai_mf_kind_name(int kind);
extern const char *ecomai_mf_solver_name(int solver);

#endif							/* ECOMAI_MF_H */
