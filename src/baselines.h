/*
 * baselines.h
 *	  User and item biases of a ratings matrix (the baseline estimates
 *	  b_ui = mu + b_u + b_i of Koren), fitted as Surprise's BaselineOnly does.
 */
#ifndef ECOMAI_BASELINES_H
#define ECOMAI_BASELINES_H

#include "ratings.h"

/* Surprise's ALS defaults. */
#define ECOMAI_BASELINE_REG_U 15.0
#define ECOMAI_BASELINE_REG_I 10.0
#define ECOMAI_BASELINE_EPOCHS 10

/*
 * Fit the biases by alternating least squares: bu[nusers] and bi[nitems]
 * (allocated by the caller) receive the user and item biases.
 */
extern void ecomai_baselines_als(const EcomaiRatings *r, double reg_u, double reg_i, int n_epochs,
								 double *bu, double *bi);

#endif							/* ECOMAI_BASELINES_H */
