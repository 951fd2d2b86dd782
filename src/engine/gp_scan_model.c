/*
 * gp_scan_model — weighted least squares and IRLS (logistic, Poisson) for
 * the scan's risk adjustment. The normal equations X'WX b = X'Wz are
 * accumulated in one pass over the units and solved by Cholesky;
 * covariates are standardised first, so X'WX is well conditioned.
 */
#include "engine/gp_scan_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Accumulates A = X'WX (p × p) and b = X'Wz over n rows of the
 * standardised design (intercept column implicit): the covariates x are
 * standardised on the fly, (x - mean[j+1]) * isd[j+1], to save a copy. */
static void gp_scan_model_accumulate(size_t n, size_t k, const double *x, const double *mean,
                                     const double *isd, const double *w, const double *z, double *A,
                                     double *b) {
  size_t p = k + 1;
  memset(A, 0, p * p * sizeof *A);
  memset(b, 0, p * sizeof *b);
  double row[64];
  for (size_t i = 0; i < n; i++) {
    double wi = w[i];
    if (wi == 0) continue;
    row[0] = 1;
    for (size_t j = 0; j < k; j++)
      row[j + 1] = (x[i * k + j] - mean[j + 1]) * isd[j + 1];
    double wz = wi * z[i];
    for (size_t a = 0; a < p; a++) {
      double wa = wi * row[a];
      b[a] += row[a] * wz;
      for (size_t c = 0; c <= a; c++)
        A[a * p + c] += wa * row[c];
    }
  }
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

/* The linear predictor on the raw covariates: b0 + sum b_j (x_j - m_j) s_j =
 * c0 + sum c_j x_j with c_j = b_j s_j; returns c0 and fills c. */
static double gp_scan_model_fold(const double *bs, const double *mean, const double *isd, size_t k,
                                 double *c) {
  double c0 = bs[0];
  for (size_t j = 0; j < k; j++) {
    c[j] = bs[j + 1] * isd[j + 1];
    c0 -= c[j] * mean[j + 1];
  }
  return c0;
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
  return gp_scan_model_fit_from(fam, n, k, x, y, extra, NULL, fit, err);
}

gp_code gp_scan_model_fit_from(gp_scan_model_family fam, size_t n, size_t k, const double *x,
                               const double *y, const double *extra, const double *start,
                               gp_scan_model_fit *fit, gp_error *err) {
  memset(fit, 0, sizeof *fit);
  if (k > 60) return gp_fail(err, GP_EINVAL, "adjust", "at most 60 covariates");
  size_t p = k + 1;
  if (n <= p)
    return gp_fail(err, GP_EINVAL, "model", "%zu units cannot fit %zu coefficients", n, p);
  /* standardise covariates */
  double *mean = calloc(p, sizeof *mean), *sd = calloc(p, sizeof *sd);
  double *isd = calloc(p, sizeof *isd);
  double *w = malloc(n * sizeof *w), *z = malloc(n * sizeof *z);
  double *A = malloc(p * p * sizeof *A), *b = malloc(p * sizeof *b), *bs = calloc(p, sizeof *bs);
  double *inv = malloc(p * p * sizeof *inv);
  fit->beta = calloc(p, sizeof *fit->beta);
  fit->se = calloc(p, sizeof *fit->se);
  fit->fitted = malloc(n * sizeof *fit->fitted);
  if (!mean || !sd || !isd || !w || !z || !A || !b || !bs || !inv || !fit->beta || !fit->se ||
      !fit->fitted)
    abort();
  gp_code rc = GP_OK;
  for (size_t j = 0; j < k; j++) {
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) {
      double v = x[i * k + j];
      if (!isfinite(v)) {
        rc = gp_fail(err, GP_EINVAL, "adjust",
                     "covariate %zu is missing or not finite for unit %zu", j + 1, i + 1);
        goto done;
      }
      s += v;
    }
    double m = s / (double)n;
    for (size_t i = 0; i < n; i++)
      ss += (x[i * k + j] - m) * (x[i * k + j] - m);
    double sdj = sqrt(ss / (double)n);
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

  if (fam == GP_SCAN_MODEL_LINEAR) {
    for (size_t i = 0; i < n; i++) {
      w[i] = extra ? extra[i] : 1;
      z[i] = y[i];
    }
    gp_scan_model_accumulate(n, k, x, mean, isd, w, z, A, b);
    if (!gp_scan_model_solve(p, A, b, bs, inv)) {
      rc = gp_fail(err, GP_EINVAL, "adjust", "the covariates are collinear");
      goto done;
    }
    double rss = 0;
    for (size_t i = 0; i < n; i++) {
      double f = bs[0];
      for (size_t j = 0; j < k; j++)
        f += bs[j + 1] * (x[i * k + j] - mean[j + 1]) * isd[j + 1];
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
     * 1e-10 (relative to its size) */
    int it;
    double bn[64];
    double cf[64];
    for (it = 1; it <= 100; it++) {
      double c0 = gp_scan_model_fold(bs, mean, isd, k, cf);
      for (size_t i = 0; i < n; i++) {
        double e = c0;
        for (size_t j = 0; j < k; j++)
          e += cf[j] * x[i * k + j];
        if (fam == GP_SCAN_MODEL_LOGISTIC) {
          double m = extra[i];
          double pr = 1 / (1 + exp(-e));
          double var = pr * (1 - pr);
          if (var < 1e-300) var = 1e-300;
          w[i] = m * var;
          z[i] = e + (y[i] / m - pr) / var;
        } else {
          double off = extra ? extra[i] : 1;
          double mu = off * exp(e);
          w[i] = mu;
          z[i] = e + (y[i] - mu) / mu;
        }
      }
      gp_scan_model_accumulate(n, k, x, mean, isd, w, z, A, b);
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
    /* final weights at the converged beta for the information matrix */
    double c0 = gp_scan_model_fold(bs, mean, isd, k, cf);
    for (size_t i = 0; i < n; i++) {
      double e = c0;
      for (size_t j = 0; j < k; j++)
        e += cf[j] * x[i * k + j];
      if (fam == GP_SCAN_MODEL_LOGISTIC) {
        double m = extra[i];
        double pr = 1 / (1 + exp(-e));
        w[i] = m * pr * (1 - pr);
        fit->fitted[i] = m * pr;
      } else {
        double off = extra ? extra[i] : 1;
        double mu = off * exp(e);
        w[i] = mu;
        fit->fitted[i] = mu;
      }
      z[i] = 0;
    }
    gp_scan_model_accumulate(n, k, x, mean, isd, w, z, A, b);
    double dummy[64];
    if (!gp_scan_model_solve(p, A, b, dummy, inv)) {
      rc = gp_fail(err, GP_EINVAL, "adjust", "the covariates are collinear");
      goto done;
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
  if (rc != GP_OK) gp_scan_model_free(fit);
  return rc;
}
