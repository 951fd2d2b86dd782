/*
 * gp_polis_gram — vote statistics that make the PCA of a running
 * conversation incremental.
 *
 * The centred Gram matrix the PCA needs, G = Xc'Xc with Xc the votes minus
 * their column means mu, is
 *   G_jk = S_jk - mu_k A_jk - mu_j B_jk + mu_j mu_k N_jk
 * over the participants who voted on both j and k: S the sum of v_j v_k,
 * A the sum of v_j, B the sum of v_k, N their number. S, A, B and N do not
 * depend on mu, are integers (exact), and change only where participants
 * voted: when votes arrive, each changed participant's old row is taken out
 * and the new one put in (O(votes^2) for that participant), and G is formed
 * again in O(statements^2) without reading the other votes.
 * Upper triangles only (j <= k), int32 counts (up to 2^31 - 1 participants).
 */
#ifndef GP_POLIS_GRAM_H
#define GP_POLIS_GRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_polis_matrix.h"
#include "util/gp_error.h"

/* Most statements the statistics are kept for (4 x 4 bytes x n^2: 256 MB). */
#define GP_POLIS_GRAM_MAX 4096

/* The statistics, n x n row-major (entries with j <= k used). */
typedef struct gp_polis_gram {
  size_t n;   /* statements */
  int32_t *S; /* sum of v_j v_k over participants who voted on j and k */
  int32_t *A; /* sum of v_j over them */
  int32_t *B; /* sum of v_k over them */
  int32_t *N; /* how many they are */
} gp_polis_gram;

/* Zero statistics for n statements. Returns GP_OK, GP_ETOOBIG for more
 * than GP_POLIS_GRAM_MAX statements, or GP_ENOMEM. */
gp_code gp_polis_gram_init(gp_polis_gram *g, size_t n, gp_error *err);

/* Frees g's arrays and zeroes it. NULL is allowed. */
void gp_polis_gram_free(gp_polis_gram *g);

/* Adds (sign +1) or takes out (sign -1) every row of m, on up to `threads`
 * threads (the result is exact whatever the number). */
void gp_polis_gram_add(gp_polis_gram *g, const gp_polis_matrix *m, int sign, int threads);

/* Brings g from the votes of `before` to those of `after` (same statements;
 * after may have more rows): only the rows that differ are touched. */
void gp_polis_gram_update(gp_polis_gram *g, const gp_polis_matrix *before,
                          const gp_polis_matrix *after);

/* Forms the full centred Gram matrix G (n x n) for column means mu; rows and
 * columns where live[j] is false are 0. */
void gp_polis_gram_center(const gp_polis_gram *g, const double *mu, const bool *live, double *G);

#endif
