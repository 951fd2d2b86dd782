/*
 * gp_scan_model — weighted least squares and IRLS (logistic, Poisson) for
 * the scan's risk adjustment. The normal equations X'WX b = X'Wz are
 * accumulated in one pass over the units and solved by Cholesky;
 * covariates are standardised first, so X'WX is well conditioned.
 */
#include "engine/gp_scan_model.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_scan_vec.h"

enum { GP_SCAN_MODEL_BLOCK = 256 }; /* rows a block: the block's columns stay in L1 */

/* The covariates of a fit: n × k values, row by row or column by column. */
typedef struct gp_scan_model_x {
  const double *x; /* the values */
  size_t n;        /* rows (units) */
  size_t k;        /* columns (covariates) */
  bool by_column;  /* covariate j of unit i at x[j * n + i] (else x[i * k + j]) */
} gp_scan_model_x;

/* Covariate j of unit i. */
static double gp_scan_model_at(const gp_scan_model_x *X, size_t i, size_t j) {
  return X->by_column ? X->x[j * X->n + i] : X->x[i * X->k + j];
}

/* Standardises rows i0..i0+m-1 of X into the block r (by column, stride
 * GP_SCAN_MODEL_BLOCK; column 0 the intercept): (x - mean[j+1]) * isd[j+1]. */
static void gp_scan_model_block(size_t i0, size_t m, const gp_scan_model_x *X, const double *mean,
                                const double *isd, double *r) {
  size_t k = X->k;
  for (size_t i = 0; i < m; i++)
    r[i] = 1;
  for (size_t j = 0; j < k; j++) {
    double *rj = r + (j + 1) * GP_SCAN_MODEL_BLOCK, mj = mean[j + 1], sj = isd[j + 1];
    if (X->by_column) {
      gp_scan_vec_affine(m, X->x + j * X->n + i0, mj, sj, rj);
      continue;
    }
    const double *xj = X->x + i0 * k + j;
    for (size_t i = 0; i < m; i++)
      rj[i] = (xj[i * k] - mj) * sj;
  }
}

/* Accumulates A = X'WX (p × p) and b = X'Wz over n rows of the
 * standardised design (intercept column implicit): the covariates x are
 * standardised block by block, (x - mean[j+1]) * isd[j+1], to save a copy
 * of the whole design. r: a block of (k + 1) × GP_SCAN_MODEL_BLOCK. */
static void gp_scan_model_accumulate(const gp_scan_model_x *X, const double *mean,
                                     const double *isd, const double *w, const double *z, double *A,
                                     double *b, double *r) {
  size_t n = X->n, p = X->k + 1;
  memset(A, 0, p * p * sizeof *A);
  memset(b, 0, p * sizeof *b);
  double wz[GP_SCAN_MODEL_BLOCK];
  for (size_t i0 = 0; i0 < n; i0 += GP_SCAN_MODEL_BLOCK) {
    size_t m = n - i0 < GP_SCAN_MODEL_BLOCK ? n - i0 : GP_SCAN_MODEL_BLOCK;
    gp_scan_model_block(i0, m, X, mean, isd, r);
    for (size_t i = 0; i < m; i++)
      wz[i] = w[i0 + i] * z[i0 + i];
    gp_scan_vec_gram(m, p, r, GP_SCAN_MODEL_BLOCK, w + i0, wz, A, b);
  }
  for (size_t a = 0; a < p; a++)
    for (size_t c = a + 1; c < p; c++)
      A[a * p + c] = A[c * p + a];
}

/* What one pass over the units of a GLM computes. */
typedef enum gp_scan_model_mode {
  GP_SCAN_MODEL_ITERATE, /* IRLS weights and working response: A and b */
  GP_SCAN_MODEL_FINAL,   /* the information matrix A and the fitted means */
  GP_SCAN_MODEL_FITTED   /* the fitted means only */
} gp_scan_model_mode;

/* One pass of a GLM (logistic or Poisson) at the standardised coefficients
 * bs, block by block: the standardised rows, the linear predictor, its mean
 * (one vectorised exp a block), and per mode the IRLS normal equations
 * (weights w = m p(1-p) or mu, working response z = eta + (y - mu)/(dmu/deta))
 * accumulated on the standardised design, and/or the fitted means. r: a block
 * of (k + 1) × GP_SCAN_MODEL_BLOCK. */
static void gp_scan_model_pass(gp_scan_model_family fam, gp_scan_model_mode mode,
                               const gp_scan_model_x *X, const double *y, const double *extra,
                               const double *mean, const double *isd, const double *bs, double *A,
                               double *b, double *fitted, double *r) {
  size_t n = X->n, p = X->k + 1;
  if (mode != GP_SCAN_MODEL_FITTED) {
    memset(A, 0, p * p * sizeof *A);
    memset(b, 0, p * sizeof *b);
  }
  double eta[GP_SCAN_MODEL_BLOCK], ex[GP_SCAN_MODEL_BLOCK], w[GP_SCAN_MODEL_BLOCK];
  double wz[GP_SCAN_MODEL_BLOCK];
  bool logistic = fam == GP_SCAN_MODEL_LOGISTIC;
  for (size_t i0 = 0; i0 < n; i0 += GP_SCAN_MODEL_BLOCK) {
    size_t m = n - i0 < GP_SCAN_MODEL_BLOCK ? n - i0 : GP_SCAN_MODEL_BLOCK;
    gp_scan_model_block(i0, m, X, mean, isd, r);
    gp_scan_vec_lincomb(m, p, r, GP_SCAN_MODEL_BLOCK, bs, eta);
    for (size_t i = 0; i < m; i++)
      ex[i] = logistic ? -eta[i] : eta[i];
    gp_scan_vec_exp(ex, ex, m);
    if (logistic && mode == GP_SCAN_MODEL_ITERATE) {
      gp_scan_vec_logit_irls(m, eta, ex, y + i0, extra + i0, w, wz);
    } else {
      for (size_t i = 0; i < m; i++) {
        size_t u = i0 + i;
        if (logistic) {
          double mi = extra[u];
          double pr = 1 / (1 + ex[i]);
          w[i] = mi * pr * (1 - pr);
          if (fitted) fitted[u] = mi * pr;
        } else {
          double off = extra ? extra[u] : 1;
          double mu = off * ex[i];
          w[i] = mu;
          if (mode == GP_SCAN_MODEL_ITERATE)
            wz[i] = mu * (eta[i] + (y[u] - mu) / mu);
          else if (fitted)
            fitted[u] = mu;
        }
      }
    }
    if (mode == GP_SCAN_MODEL_FITTED) continue;
    gp_scan_vec_gram(m, p, r, GP_SCAN_MODEL_BLOCK, w, mode == GP_SCAN_MODEL_ITERATE ? wz : NULL, A,
                     b);
  }
  if (mode == GP_SCAN_MODEL_FITTED) return;
  for (size_t a = 0; a < p; a++)
    for (size_t c = a + 1; c < p; c++)
      A[a * p + c] = A[c * p + a];
}

/* Solves A beta = b (A symmetric positive definite, p × p) by Cholesky
 * decomposition A = L L' (a few lines for p <= 61 instead of GSL, whose
 * error handler is process-wide state and not safe to switch per thread);
 * fills inv with A⁻¹ when non-NULL. Returns false when A is not positive
 * definite. */
static bool gp_scan_model_solve(size_t p, const double *A, const double *b, double *beta,
                                double *inv) {
  double L[61 * 61], y[61];
  memset(L, 0, p * p * sizeof *L);
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j <= i; j++) {
      double sum = A[i * p + j];
      for (size_t k = 0; k < j; k++)
        sum -= L[i * p + k] * L[j * p + k];
      if (i == j) {
        if (!(sum > 1e-13 * fabs(A[i * p + i])) || !(sum > 0)) return false;
        L[i * p + i] = sqrt(sum);
      } else {
        L[i * p + j] = sum / L[j * p + j];
      }
    }
  /* L y = b, L' beta = y */
  for (size_t i = 0; i < p; i++) {
    double sum = b[i];
    for (size_t k = 0; k < i; k++)
      sum -= L[i * p + k] * y[k];
    y[i] = sum / L[i * p + i];
  }
  for (size_t i = p; i-- > 0;) {
    double sum = y[i];
    for (size_t k = i + 1; k < p; k++)
      sum -= L[k * p + i] * beta[k];
    beta[i] = sum / L[i * p + i];
  }
  if (inv) {
    /* column c of A⁻¹ solves A x = e_c */
    for (size_t c = 0; c < p; c++) {
      double e[61], x[61];
      for (size_t i = 0; i < p; i++) {
        double sum = i == c ? 1 : 0;
        for (size_t k = 0; k < i; k++)
          sum -= L[i * p + k] * e[k];
        e[i] = sum / L[i * p + i];
      }
      for (size_t i = p; i-- > 0;) {
        double sum = e[i];
        for (size_t k = i + 1; k < p; k++)
          sum -= L[k * p + i] * x[k];
        x[i] = sum / L[i * p + i];
      }
      for (size_t i = 0; i < p; i++)
        inv[i * p + c] = x[i];
    }
  }
  return true;
}

void gp_scan_model_free(gp_scan_model_fit *fit) {
  if (!fit) return;
  free(fit->beta);
  free(fit->se);
  free(fit->fitted);
  memset(fit, 0, sizeof *fit);
}

gp_code gp_scan_model_fit_run(gp_scan_model_family fam, size_t n, size_t k, const double *x,
                              const double *y, const double *extra, gp_scan_model_fit *fit,
                              gp_error *err) {
  return gp_scan_model_fit_opt(fam, n, k, x, false, y, extra, NULL, true, fit, err);
}

gp_code gp_scan_model_fit_from(gp_scan_model_family fam, size_t n, size_t k, const double *x,
                               const double *y, const double *extra, const double *start,
                               gp_scan_model_fit *fit, gp_error *err) {
  return gp_scan_model_fit_opt(fam, n, k, x, false, y, extra, start, true, fit, err);
}

gp_code gp_scan_model_fit_opt(gp_scan_model_family fam, size_t n, size_t k, const double *x,
                              bool by_column, const double *y, const double *extra,
                              const double *start, bool want_se, gp_scan_model_fit *fit,
                              gp_error *err) {
  gp_scan_model_x X = {x, n, k, by_column};
  memset(fit, 0, sizeof *fit);
  if (k > 60) return gp_fail(err, GP_EINVAL, "adjust", "at most 60 covariates");
  size_t p = k + 1;
  if (n <= p)
    return gp_fail(err, GP_EINVAL, "model", "%zu units cannot fit %zu coefficients", n, p);
  bool linear = fam == GP_SCAN_MODEL_LINEAR;
  /* standardise covariates */
  double *mean = calloc(p, sizeof *mean), *sd = calloc(p, sizeof *sd);
  double *isd = calloc(p, sizeof *isd);
  double *w = linear ? malloc(n * sizeof *w) : NULL, *z = linear ? malloc(n * sizeof *z) : NULL;
  double *A = malloc(p * p * sizeof *A), *b = malloc(p * sizeof *b), *bs = calloc(p, sizeof *bs);
  double *inv = malloc(p * p * sizeof *inv);
  double *r = malloc(p * GP_SCAN_MODEL_BLOCK * sizeof *r);
  fit->beta = calloc(p, sizeof *fit->beta);
  fit->se = calloc(p, sizeof *fit->se);
  fit->fitted = malloc(n * sizeof *fit->fitted);
  if (!mean || !sd || !isd || (linear && (!w || !z)) || !A || !b || !bs || !inv || !r ||
      !fit->beta || !fit->se || !fit->fitted)
    abort();
  gp_code rc = GP_OK;
  if (by_column) {
    /* each covariate contiguous: its sums in 4-wide partial sums */
    for (size_t j = 0; j < k; j++) {
      const double *xj = x + j * n;
      for (size_t i = 0; i < n; i++)
        if (!isfinite(xj[i])) {
          rc = gp_fail(err, GP_EINVAL, "adjust",
                       "covariate %zu is missing or not finite for unit %zu", j + 1, i + 1);
          goto done;
        }
      double m = gp_scan_vec_sum(n, xj) / (double)n;
      double sdj = sqrt(gp_scan_vec_sumsq_dev(n, xj, m) / (double)n);
      if (!(sdj > 1e-12 * (fabs(m) + 1))) {
        char path[32];
        snprintf(path, sizeof path, "adjust[%zu]", j);
        rc = gp_fail(err, GP_EINVAL, path, "covariate %zu is constant across all units", j + 1);
        goto done;
      }
      mean[j + 1] = m;
      sd[j + 1] = sdj;
      isd[j + 1] = 1 / sdj;
    }
  } else {
    /* the sums of every covariate in one pass over the rows (each sum in row order) */
    double s[64] = {0}, ss[64] = {0}, m[64];
    for (size_t i = 0; i < n; i++) {
      const double *xi = x + i * k;
      for (size_t j = 0; j < k; j++) {
        if (!isfinite(xi[j])) {
          rc = gp_fail(err, GP_EINVAL, "adjust",
                       "covariate %zu is missing or not finite for unit %zu", j + 1, i + 1);
          goto done;
        }
        s[j] += xi[j];
      }
    }
    for (size_t j = 0; j < k; j++)
      m[j] = s[j] / (double)n;
    for (size_t i = 0; i < n; i++) {
      const double *xi = x + i * k;
      for (size_t j = 0; j < k; j++)
        ss[j] += (xi[j] - m[j]) * (xi[j] - m[j]);
    }
    for (size_t j = 0; j < k; j++) {
      double sdj = sqrt(ss[j] / (double)n);
      if (!(sdj > 1e-12 * (fabs(m[j]) + 1))) {
        char path[32];
        snprintf(path, sizeof path, "adjust[%zu]", j);
        rc = gp_fail(err, GP_EINVAL, path, "covariate %zu is constant across all units", j + 1);
        goto done;
      }
      mean[j + 1] = m[j];
      sd[j + 1] = sdj;
      isd[j + 1] = 1 / sdj;
    }
  }

  if (linear) {
    for (size_t i = 0; i < n; i++) {
      w[i] = extra ? extra[i] : 1;
      z[i] = y[i];
    }
    gp_scan_model_accumulate(&X, mean, isd, w, z, A, b, r);
    if (!gp_scan_model_solve(p, A, b, bs, inv)) {
      rc = gp_fail(err, GP_EINVAL, "adjust", "the covariates are collinear");
      goto done;
    }
    double rss = 0;
    for (size_t i = 0; i < n; i++) {
      double f = bs[0];
      for (size_t j = 0; j < k; j++)
        f += bs[j + 1] * (gp_scan_model_at(&X, i, j) - mean[j + 1]) * isd[j + 1];
      fit->fitted[i] = f;
      rss += w[i] * (y[i] - f) * (y[i] - f);
    }
    double scale = rss / (double)(n - p);
    for (size_t a = 0; a < p * p; a++)
      inv[a] *= scale;
    fit->iterations = 1;
  } else {
    /* IRLS; start from the pooled rate */
    double sy = 0, se = 0;
    for (size_t i = 0; i < n; i++) {
      sy += y[i];
      se += extra ? extra[i] : 1;
    }
    double r0 = sy / se;
    if (fam == GP_SCAN_MODEL_LOGISTIC) {
      if (r0 <= 0 || r0 >= 1) {
        rc = gp_fail(err, GP_EINVAL, "model", "every unit has a proportion of %g: nothing to model",
                     r0);
        goto done;
      }
      bs[0] = log(r0 / (1 - r0));
    } else {
      if (r0 <= 0) {
        rc = gp_fail(err, GP_EINVAL, "model", "every count is zero: nothing to model");
        goto done;
      }
      bs[0] = log(r0);
    }
    if (start) {
      /* start from given coefficients (original scale) moved to the standardised one */
      bool ok = true;
      for (size_t j = 0; j < p; j++)
        ok = ok && isfinite(start[j]);
      if (ok) {
        bs[0] = start[0];
        for (size_t j = 1; j < p; j++) {
          bs[j] = start[j] * sd[j];
          bs[0] += start[j] * mean[j];
        }
      }
    }
    /* iterate until no coefficient (standardised scale) moves by more than
     * 1e-10 (relative to its size); each iteration is one fused pass */
    int it;
    double bn[64];
    for (it = 1; it <= 100; it++) {
      gp_scan_model_pass(fam, GP_SCAN_MODEL_ITERATE, &X, y, extra, mean, isd, bs, A, b, NULL, r);
      if (!gp_scan_model_solve(p, A, b, bn, NULL)) {
        rc = gp_fail(err, GP_EINVAL, "adjust", "the covariates are collinear");
        goto done;
      }
      double delta = 0;
      for (size_t j = 0; j < p; j++) {
        double d = fabs(bn[j] - bs[j]) / (1 + fabs(bn[j]));
        if (d > delta) delta = d;
        bs[j] = bn[j];
      }
      if (!isfinite(delta)) it = 101;
      if (delta <= 1e-10 || it > 100) break;
    }
    if (it > 100) {
      rc = gp_fail(err, GP_EINVAL, "model",
                   "the regression did not converge in 100 iterations (perfect separation?)");
      goto done;
    }
    fit->iterations = it;
    /* the fitted means and (want_se) the information matrix at the converged beta */
    gp_scan_model_pass(fam, want_se ? GP_SCAN_MODEL_FINAL : GP_SCAN_MODEL_FITTED, &X, y, extra,
                       mean, isd, bs, A, b, fit->fitted, r);
    if (!want_se) {
      for (size_t a = 0; a < p * p; a++)
        inv[a] = NAN;
    } else {
      memset(b, 0, p * sizeof *b);
      double dummy[64];
      if (!gp_scan_model_solve(p, A, b, dummy, inv)) {
        rc = gp_fail(err, GP_EINVAL, "adjust", "the covariates are collinear");
        goto done;
      }
    }
  }
  /* back to the original scale: b_j = bs_j / sd_j, b_0 = bs_0 - sum b_j mean_j;
   * Var(b) = T Var(bs) T' with T the linear map. */
  {
    double T[61 * 61];
    memset(T, 0, p * p * sizeof *T);
    T[0] = 1;
    for (size_t j = 1; j < p; j++) {
      T[j * p + j] = 1 / sd[j];
      T[0 * p + j] = -mean[j] / sd[j];
    }
    for (size_t a = 0; a < p; a++) {
      double s = 0;
      for (size_t c = 0; c < p; c++)
        s += T[a * p + c] * bs[c];
      fit->beta[a] = s;
    }
    for (size_t a = 0; a < p; a++) {
      double v = 0;
      for (size_t c = 0; c < p; c++)
        for (size_t d = 0; d < p; d++)
          v += T[a * p + c] * inv[c * p + d] * T[a * p + d];
      fit->se[a] = sqrt(v);
    }
  }
  fit->p = p;
done:
  free(mean);
  free(sd);
  free(isd);
  free(w);
  free(z);
  free(A);
  free(b);
  free(bs);
  free(inv);
  free(r);
  if (rc != GP_OK) gp_scan_model_free(fit);
  return rc;
}
