/*
 * gp_scan_model — the risk-adjustment models of the funnel-plot scan:
 * weighted linear regression (for scores), and logistic (binomial) and
 * Poisson regression fitted by iteratively reweighted least squares (for
 * proportions and counts). Each model has an intercept plus the given
 * covariates and is fitted on all units given. Pure computation, no I/O.
 * Formulas and sources: docs/methods/scan.md ("Risk adjustment").
 */
#ifndef GP_SCAN_MODEL_H
#define GP_SCAN_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/gp_error.h"

typedef enum gp_scan_model_family {
  GP_SCAN_MODEL_LINEAR,   /* y = Xb + e, weights w (1/se²): weighted least squares */
  GP_SCAN_MODEL_LOGISTIC, /* y successes of m trials, logit(p) = Xb */
  GP_SCAN_MODEL_POISSON   /* y counts, log(mu) = log(offset) + Xb */
} gp_scan_model_family;

/* What a fit gives back. Arrays are malloc'd; free with gp_scan_model_free. */
typedef struct gp_scan_model_fit {
  size_t p;       /* number of coefficients: 1 + number of covariates */
  double *beta;   /* p coefficients, intercept first, on the covariates' own scale */
  double *se;     /* p standard errors: inverse Fisher information (GLMs); for the
                     linear model scaled by the residual variance, as statsmodels WLS */
  double *fitted; /* n fitted means: Xb (linear), m·p (logistic), offset·exp(Xb) (Poisson) */
  int iterations; /* IRLS iterations used (1 for the linear model) */
} gp_scan_model_fit;

/* Fits the model to n units with k covariates x (row-major n × k, may be
 * NULL when k = 0), outcome y and per-family extra:
 *  - LINEAR: extra = weights (NULL: all 1);
 *  - LOGISTIC: extra = trials m[i] >= y[i] (> 0);
 *  - POISSON: extra = offset (exposure or expected count, > 0; NULL: all 1).
 * Covariates are centred and scaled internally for stability; the
 * coefficients are reported on the original scale.
 * Returns GP_OK with *fit filled (caller frees with gp_scan_model_free), or
 * GP_EINVAL with path "adjust[j]" when covariate j is constant or not finite,
 * or "model" when n <= k + 1 or IRLS does not converge in 100 iterations
 * (it stops when no standardised coefficient moves by more than 1e-10 relative)
 * (e.g. perfect separation). */
gp_code gp_scan_model_fit_run(gp_scan_model_family fam, size_t n, size_t k, const double *x,
                              const double *y, const double *extra, gp_scan_model_fit *fit,
                              gp_error *err);

/* As gp_scan_model_fit_run, IRLS starting from the p coefficients start
 * (original scale, intercept first; e.g. last period's fit) instead of the
 * pooled rate: the same estimates, in fewer iterations when start is close.
 * start may be NULL; non-finite values are ignored. */
gp_code gp_scan_model_fit_from(gp_scan_model_family fam, size_t n, size_t k, const double *x,
                               const double *y, const double *extra, const double *start,
                               gp_scan_model_fit *fit, gp_error *err);

/* As gp_scan_model_fit_from; with by_column x is k × n (covariate j of
 * unit i at x[j * n + i]; its sums then in 4-wide partial sums); with
 * want_se false the standard errors are NaN and the information matrix is
 * not computed (one pass over the units fewer), for scans that need only the
 * fitted means. */
gp_code gp_scan_model_fit_opt(gp_scan_model_family fam, size_t n, size_t k, const double *x,
                              bool by_column, const double *y, const double *extra,
                              const double *start, bool want_se, gp_scan_model_fit *fit,
                              gp_error *err);

/* Frees the arrays of *fit (which may be zeroed). */
void gp_scan_model_free(gp_scan_model_fit *fit);

#endif
