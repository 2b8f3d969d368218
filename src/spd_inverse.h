/*
 * spd_inverse.h
 *	  In-place inverse of a dense symmetric positive definite matrix (EASE's
 *	  regularised Gram matrix), interruptible, with no BLAS threads.
 */
#ifndef ECOMAI_SPD_INVERSE_H
#define ECOMAI_SPD_INVERSE_H

#include "postgres.h"

/* Doubles of working memory ecomai_spd_inverse needs for an n×n matrix. */
extern Size ecomai_spd_inverse_workspace(int n);

/*
 * The lower triangle of the column-major n×n matrix a becomes the lower
 * triangle of a⁻¹; the strictly upper triangle is neither read nor written.
 * Returns 0, or k when the leading k×k block is not positive definite (a is
 * then garbage).
 */
extern int	ecomai_spd_inverse(double *a, int n);

#endif							/* ECOMAI_SPD_INVERSE_H */
