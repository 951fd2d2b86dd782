/*
 * gp_polis_pca — Pol.is's PCA of the vote matrix and its projection of
 * participants and statements into the opinion plane.
 *
 * The matrix is imputed with each statement's mean vote where a participant
 * has not voted (Pol.is's column-mean imputation), centred, and its first
 * two principal components found by power iteration from a seeded random
 * start. Because imputed entries equal the column mean, the centred matrix
 * is zero wherever nobody voted: every step here runs over the votes only
 * (O(votes) per iteration), never over a dense participants x statements
 * array. The eigenvectors are found by block subspace iteration (6 vectors,
 * Rayleigh-Ritz each step), applying Xc'Xc by passes over the votes or,
 * when cheaper, through the Gram matrix formed once. See
 * docs/methods/deliberation.md.
 */
#ifndef GP_POLIS_PCA_H
#define GP_POLIS_PCA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_polis_gram.h"
#include "engine/gp_polis_matrix.h"

/* Vectors in the subspace iteration's block. */
#define GP_POLIS_PCA_BLOCK 6
#include "util/gp_error.h"

/* Which statements are columns of Pol.is's rating matrix and how. */
typedef struct gp_polis_cols {
  size_t n_cols;      /* statements */
  const bool *used;   /* used[j]: statement j has at least one vote (is a column) */
  const bool *zeroed; /* zeroed[j]: moderated out; Pol.is sets the whole column to 0; may be NULL */
} gp_polis_cols;

/* Options of the PCA. */
typedef struct gp_polis_pca_opts {
  uint64_t seed; /* seeds the random start vectors */
  int max_iters; /* iteration cap (Pol.is: 100 power iterations; we iterate to tol) */
  double tol;    /* stop when no entry of the top two Ritz vectors moves by more than tol */
  int threads;   /* worker threads; the result does not depend on it */
  const gp_polis_gram *stats; /* the votes' Gram statistics kept up to date by the
                                 caller (gp_polis_gram), or NULL: then G is formed from
                                 the votes when that is cheaper than passes over them */
  const double *start_block;  /* GP_POLIS_PCA_BLOCK*n_cols: a warm start (the last fit's
                                 block, ritz[j*B + q]) or NULL; overrides start */
  const double *start;        /* 2*n_cols: a warm start (the last components; Pol.is's
                                 :start-vectors), or NULL for the seeded random start */
} gp_polis_pca_opts;

/* The fitted PCA. */
typedef struct gp_polis_pca {
  size_t n_cols;    /* statements (length of center and each component) */
  size_t n_used;    /* columns of the rating matrix (statements with a vote): Pol.is's n-cmnts */
  size_t n_zeroed;  /* used columns that are moderated out */
  double *center;   /* n_cols: mean vote of each used statement; 0 for unused or zeroed */
  double *comps;    /* 2*n_cols: component c is comps[c*n_cols .. +n_cols); unit length */
  double *block;    /* GP_POLIS_PCA_BLOCK*n_cols: the final Ritz block (for a warm start) */
  double eigval[2]; /* eigenvalues of the centred X'X for the two components */
  int iterations;   /* subspace iterations done */
  bool converged;   /* whether tol was reached before max_iters */
} gp_polis_pca;

/* Fits the two-component PCA. Returns GP_OK, GP_EINVAL if no statement has
 * a vote, or GP_ENOMEM. *out owns its arrays (gp_polis_pca_free). Components
 * are signed so that each one's entry of largest magnitude is positive. */
gp_code gp_polis_pca_fit(const gp_polis_matrix *m, const gp_polis_cols *cols,
                         const gp_polis_pca_opts *o, gp_polis_pca *out, gp_error *err);

/* Frees the arrays of p and zeroes it. NULL is allowed. */
void gp_polis_pca_free(gp_polis_pca *p);

/* Pol.is's sparsity-aware projection of every participant (row):
 * (x, y) = sqrt(n_used / max(n_votes, 1)) * sum over voted j of (v_ij - center_j) comps_j,
 * where n_votes counts the participant's votes on used columns (a zeroed
 * column counts as voted for everyone, as in Pol.is). Writes xy[2*i], xy[2*i+1]. */
void gp_polis_pca_project(const gp_polis_matrix *m, const gp_polis_cols *cols,
                          const gp_polis_pca *p, int threads, double *xy);

/* Pol.is's comment extremity: the length of the projection of a participant
 * who agreed with statement j alone (0 for unused statements). Writes ext[j]. */
void gp_polis_pca_extremity(const gp_polis_cols *cols, const gp_polis_pca *p, double *ext);

/* The next number of a splitmix64 stream (the engine's seeded generator). */
uint64_t gp_polis_rng_next(uint64_t *state);

/* A uniform double in [0, 1) from the stream. */
double gp_polis_rng_uniform(uint64_t *state);

#endif
