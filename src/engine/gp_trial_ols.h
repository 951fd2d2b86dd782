/*
 * gp_trial_ols — least squares with heteroskedasticity-robust (HC2) or
 * cluster-robust (CR2) standard errors, fed by streaming sums so memory does
 * not grow with the rows.
 *
 *   β = (X'X)⁻¹X'y, M = (X'X)⁻¹.
 *   HC2 (MacKinnon & White 1985): V = M [Σ e_i²/(1−h_ii) x_i x_i'] M,
 *     h_ii = x_i'M x_i; needs a second pass over the rows (gp_trial_ols_add_hc2);
 *     df = n − p, as R's estimatr::lm_robust.
 *   CR2 (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018), as estimatr:
 *     V = M [Σ_g X_g'A_g e_g e_g'A_g X_g] M, A_g = (I − H_gg)^(−1/2)
 *     (eigenvalues of I − H_gg at or below 1e-12 get 0, as estimatr does),
 *     df for a contrast c: (tr P)²/tr(P²), P = diag(a_g) − Q'MQ with
 *     a_g = c'M X_g'A_g²X_g M c and q_g = X_g'A_g X_g M c.
 *   Because H_gg = X_g M X_g' has rank ≤ p, every cluster quantity is
 *   computed from the cluster's sums S_g = X_g'X_g and X_g'y_g through the
 *   eigen-decomposition of the p×p matrix L'S_gL (LL' = M): one pass.
 * Memory: O(p²·ny) without clusters, O(G·p·(p+ny)) with G clusters.
 */
#ifndef GP_TRIAL_OLS_H
#define GP_TRIAL_OLS_H

#include <stdbool.h>

#include "engine/gp_trial_est.h"
#include "util/gp_error.h"

/* A regression being accumulated and then solved. Owns its arrays. */
typedef struct gp_trial_ols {
  int p;           /* number of columns of X */
  int ny;          /* number of outcomes fitted on the same X */
  double n;        /* rows added */
  double *xtx;     /* p×p X'X (row-major) */
  double *xty;     /* p×ny X'y */
  double *minv;    /* p×p (X'X)⁻¹ after solve */
  double *lfac;    /* p×p L with LL' = (X'X)⁻¹ after solve */
  double *beta;    /* p×ny coefficients after solve */
  double *meat;    /* ny×p×p HC2 meat (second pass) */
  double hc2_rows; /* rows added in the second pass */
  bool lev_one;    /* a row had leverage 1 (HC2 undefined) */
  int ng;          /* clusters (0: not clustered) */
  double *sg;      /* ng×p×p per-cluster X_g'X_g */
  double *tg;      /* ng×p×ny per-cluster X_g'y_g */
  bool solved;     /* gp_trial_ols_solve succeeded */
} gp_trial_ols;

/* Prepares o for p columns, ny outcomes and ng clusters (0: none).
 * Returns GP_OK or GP_ENOMEM. Free with gp_trial_ols_free. */
gp_code gp_trial_ols_init(gp_trial_ols *o, int p, int ny, int ng, gp_error *err);

/* Frees the arrays (o may be zeroed or partially initialised). */
void gp_trial_ols_free(gp_trial_ols *o);

/* Adds one row x[0..p-1] with outcomes y[0..ny-1] in cluster g (ignored
 * when not clustered). */
void gp_trial_ols_add_row(gp_trial_ols *o, int g, const double *x, const double *y);

/* Adds precomputed sums of w rows: xtx (p×p) and xty (p×ny) to the totals
 * and to cluster g. */
void gp_trial_ols_add_sums(gp_trial_ols *o, int g, double w, const double *xtx, const double *xty);

/* Solves the normal equations by Cholesky. Returns GP_OK, or GP_EINVAL with
 * *bad_col set to the first column that is (numerically) a linear
 * combination of the ones before it; the caller names it. */
gp_code gp_trial_ols_solve(gp_trial_ols *o, int *bad_col, gp_error *err);

/* Second pass for HC2: adds row x with outcomes y to the meat. */
void gp_trial_ols_add_hc2(gp_trial_ols *o, const double *x, const double *y);

/* Inference for the contrast c'β of outcome k: estimate, robust standard
 * error (HC2 if not clustered, else CR2), df, limits and p at 1 − alpha.
 * Returns GP_OK, or GP_EINVAL when HC2 leverages reached 1 or there are
 * fewer than 2 clusters. */
gp_code gp_trial_ols_contrast(const gp_trial_ols *o, int k, const double *c, double alpha,
                              gp_trial_test *out, gp_error *err);

#endif
