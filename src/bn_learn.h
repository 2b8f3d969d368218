/*
 * bn_learn.h
 *	  Structure learning of Bayesian networks from data: the data set that the
 *	  bn_counts state turns into (one column of state indexes per variable and
 *	  a weight per distinct row), the learning options, and the entry points
 *	  shared by bn_learn.c (state, aggregates), bn_discretize.c (values to
 *	  states, bins), bn_search.c (scores, searches, parameters) and
 *	  bn_predict.c (scoring rows, arcs, SHD).
 */
#ifndef ECOMAI_BN_LEARN_H
#define ECOMAI_BN_LEARN_H

#include "postgres.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"

#include "bayesnet.h"

/* Scores (bnlearn's names). */
typedef enum BnScoreKind
{
	BNS_BIC,
	BNS_AIC,
	BNS_LOGLIK,
	BNS_BDEU,
	BNS_K2
} BnScoreKind;

/* Algorithms. */
typedef enum BnAlgorithm
{
	BNA_HC,						/* hill climbing (with restarts) */
	BNA_TABU,					/* hill climbing, then tabu search */
	BNA_CHOW_LIU,
	BNA_TAN,
	BNA_NAIVE_BAYES,
	BNA_NONE					/* parameters only, for the given structure */
} BnAlgorithm;

/* Numeric column binning. */
typedef struct BnBins
{
	char	   *name;
	int			nbreaks;		/* > 0: this many bins by the method */
	int			nedges;			/* or these inner edges, increasing */
	double	   *edges;
} BnBins;

/* Options of bn_learn, read from its jsonb options. */
typedef struct BnLearnOpts
{
	BnAlgorithm algorithm;
	BnScoreKind score;
	double		iss;			/* BDeu equivalent sample size, and the bayes prior */
	int			max_parents;
	int			restarts;
	int			perturb;
	int			tabu;			/* tabu list length */
	int			max_tabu;		/* worsening steps without improvement */
	int			max_iter;
	int64		seed;
	bool		bayes;			/* parameters by the Dirichlet posterior mean */
	double		pseudo_count;	/* mle smoothing as bn_fit's pseudo_count */
	int			max_states;
	char	   *target;			/* TAN and naive Bayes */
	char	   *root;			/* Chow-Liu and TAN tree root */
	char	   *start;			/* model string */
	bool		empty_start;	/* start from the empty graph, not the Chow-Liu tree */
	int			nwhite;
	char	  **white;			/* pairs from, to */
	int			nblack;
	char	  **black;
	bool		quantile;		/* default binning method (else equal width) */
	int			breaks;			/* default number of bins */
	int			nbins;
	BnBins	   *bins;
	List	   *order;			/* variable order of the result (bn_fit), or NIL: by name */
} BnLearnOpts;

/* A data set: distinct rows with weights, one int32 column per variable. */
typedef struct BnData
{
	int			nvars;
	char	  **names;
	int		   *card;
	char	 ***states;
	int			nrows;
	int32	  **col;			/* col[v][i] in [0, card[v]) or -1 (missing) */
	double	   *w;
	double		total;			/* number of rows */
} BnData;

/* A parsed raw variable of the counts state, as the discretiser sees it. */
typedef struct BnRawVar
{
	char	   *name;
	int			nvalues;
	char	  **values;			/* kind prefixed: "s:", "n:", "b:" */
	double	   *weight;			/* rows with each value */
} BnRawVar;

/* bn_learn.c */
extern void ecomai_bn_parse_options(Jsonb *jb, BnLearnOpts *o);
extern void ecomai_bn_parse_model(const char *model, const BnData *d, int **nparents, int ***parents,
								  BnLearnOpts *o);
extern int	ecomai_bn_data_var(const BnData *d, const char *name, const char *what);

/* bn_discretize.c */
extern int *ecomai_bn_map_values(const BnRawVar *rv, const BnLearnOpts *o, int *card, char ***states);
extern bool ecomai_bn_parse_bin(const char *label, double *lo, double *hi);
extern int	ecomai_bn_bin_of(const BayesNet *bn, int v, double x);
extern bool ecomai_bn_is_binned(const BayesNet *bn, int v);
extern int	ecomai_bn_cmp_labels(const char *a, const char *b);

/* bn_search.c */
extern double ecomai_bn_family_score(const BnData *d, int v, const int *par, int npar,
									 BnScoreKind kind, double iss);
extern void ecomai_bn_search(const BnData *d, const BnLearnOpts *o, int *nparents, int **parents);
extern BayesNet *ecomai_bn_fit_params(const BnData *d, const BnLearnOpts *o, const int *nparents,
									  int *const *parents, const int *order);
extern BnScoreKind ecomai_bn_score_kind(const char *name);

#endif							/* ECOMAI_BN_LEARN_H */
