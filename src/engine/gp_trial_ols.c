/* gp_trial_ols — streaming OLS with HC2/CR2; see gp_trial_ols.h. */
#include "engine/gp_trial_ols.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

gp_code gp_trial_ols_init(gp_trial_ols *o, int p, int ny, int ng, gp_error *err) {
  memset(o, 0, sizeof *o);
  o->p = p;
  o->ny = ny;
  o->ng = ng;
  size_t pp = (size_t)p * (size_t)p;
  o->xtx = calloc(pp, sizeof(double));
  o->xty = calloc((size_t)p * (size_t)ny, sizeof(double));
  o->minv = calloc(pp, sizeof(double));
  o->lfac = calloc(pp, sizeof(double));
  o->beta = calloc((size_t)p * (size_t)ny, sizeof(double));
  o->meat = calloc(pp * (size_t)ny, sizeof(double));
  if (ng > 0) {
    o->sg = calloc(pp * (size_t)ng, sizeof(double));
    o->tg = calloc((size_t)p * (size_t)ny * (size_t)ng, sizeof(double));
  }
  if (!o->xtx || !o->xty || !o->minv || !o->lfac || !o->beta || !o->meat ||
      (ng > 0 && (!o->sg || !o->tg))) {
    gp_trial_ols_free(o);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory for a regression with %d columns", p);
  }
  return GP_OK;
}

void gp_trial_ols_free(gp_trial_ols *o) {
  free(o->xtx), free(o->xty), free(o->minv), free(o->lfac), free(o->beta), free(o->meat);
  free(o->sg), free(o->tg);
  memset(o, 0, sizeof *o);
}

void gp_trial_ols_add_row(gp_trial_ols *o, int g, const double *x, const double *y) {
  int p = o->p, ny = o->ny;
  o->n += 1;
  double *sg = o->ng ? o->sg + (size_t)g * p * p : NULL;
  double *tg = o->ng ? o->tg + (size_t)g * p * ny : NULL;
  for (int i = 0; i < p; i++) {
    if (x[i] == 0) continue;
    for (int j = i; j < p; j++) {
      double v = x[i] * x[j];
      o->xtx[i * p + j] += v;
      if (sg) sg[i * p + j] += v;
    }
    for (int k = 0; k < ny; k++) {
      o->xty[i * ny + k] += x[i] * y[k];
      if (tg) tg[i * ny + k] += x[i] * y[k];
    }
  }
}

void gp_trial_ols_add_sums(gp_trial_ols *o, int g, double w, const double *xtx, const double *xty) {
  int p = o->p, ny = o->ny;
  o->n += w;
  double *sg = o->ng ? o->sg + (size_t)g * p * p : NULL;
  double *tg = o->ng ? o->tg + (size_t)g * p * ny : NULL;
  for (int i = 0; i < p; i++) {
    for (int j = i; j < p; j++) {
      o->xtx[i * p + j] += xtx[i * p + j];
      if (sg) sg[i * p + j] += xtx[i * p + j];
    }
    for (int k = 0; k < ny; k++) {
      o->xty[i * ny + k] += xty[i * ny + k];
      if (tg) tg[i * ny + k] += xty[i * ny + k];
    }
  }
}

/* Fills the lower triangle of a p×p matrix stored in its upper triangle. */
static void gp_symmetrise(double *a, int p) {
  for (int i = 0; i < p; i++)
    for (int j = 0; j < i; j++)
      a[i * p + j] = a[j * p + i];
}

gp_code gp_trial_ols_solve(gp_trial_ols *o, int *bad_col, gp_error *err) {
  int p = o->p, ny = o->ny;
  gp_symmetrise(o->xtx, p);
  for (int g = 0; g < o->ng; g++)
    gp_symmetrise(o->sg + (size_t)g * p * p, p);
  /* Cholesky X'X = C C' (C lower), stored in c. */
  double *c = calloc((size_t)p * p, sizeof(double));
  double *ci = calloc((size_t)p * p, sizeof(double));
  if (!c || !ci) {
    free(c), free(ci);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (int j = 0; j < p; j++) {
    double d = o->xtx[j * p + j];
    for (int k = 0; k < j; k++)
      d -= c[j * p + k] * c[j * p + k];
    if (!(o->xtx[j * p + j] > 0) || !(d > 1e-10 * o->xtx[j * p + j])) {
      free(c), free(ci);
      if (bad_col) *bad_col = j;
      return gp_fail(err, GP_EINVAL, NULL,
                     "the design is singular: column %d is constant or a combination of others", j);
    }
    double s = sqrt(d);
    c[j * p + j] = s;
    for (int i = j + 1; i < p; i++) {
      double v = o->xtx[i * p + j];
      for (int k = 0; k < j; k++)
        v -= c[i * p + k] * c[j * p + k];
      c[i * p + j] = v / s;
    }
  }
  /* ci = C⁻¹ (lower triangular), by forward substitution on the identity. */
  for (int col = 0; col < p; col++) {
    for (int i = col; i < p; i++) {
      double v = (i == col) ? 1.0 : 0.0;
      for (int k = col; k < i; k++)
        v -= c[i * p + k] * ci[k * p + col];
      ci[i * p + col] = v / c[i * p + i];
    }
  }
  /* M = C⁻ᵀ C⁻¹; L = C⁻ᵀ so that L L' = M. */
  for (int i = 0; i < p; i++)
    for (int j = 0; j < p; j++) {
      double v = 0;
      for (int k = (i > j ? i : j); k < p; k++)
        v += ci[k * p + i] * ci[k * p + j];
      o->minv[i * p + j] = v;
      o->lfac[i * p + j] = ci[j * p + i];
    }
  for (int k = 0; k < ny; k++)
    for (int i = 0; i < p; i++) {
      double v = 0;
      for (int j = 0; j < p; j++)
        v += o->minv[i * p + j] * o->xty[j * ny + k];
      o->beta[i * ny + k] = v;
    }
  free(c), free(ci);
  o->solved = true;
  return GP_OK;
}

void gp_trial_ols_add_hc2(gp_trial_ols *o, const double *x, const double *y) {
  int p = o->p, ny = o->ny;
  int nzi[256], *nz = nzi, m = 0;
  if (p > 256) nz = malloc((size_t)p * sizeof *nz);
  if (!nz) {
    o->lev_one = true; /* cannot happen in practice; makes the result an error, not wrong */
    return;
  }
  for (int i = 0; i < p; i++)
    if (x[i] != 0) nz[m++] = i;
  /* h = x'Mx over the non-zero entries (indicator columns are mostly 0) */
  double h = 0;
  for (int a = 0; a < m; a++) {
    const double *row = o->minv + (size_t)nz[a] * p;
    double r = 0;
    for (int b = 0; b < m; b++)
      r += row[nz[b]] * x[nz[b]];
    h += x[nz[a]] * r;
  }
  if (!(h < 1.0 - 1e-12)) {
    o->lev_one = true;
    if (nz != nzi) free(nz);
    return;
  }
  o->hc2_rows += 1;
  for (int k = 0; k < ny; k++) {
    double e = y[k];
    for (int a = 0; a < m; a++)
      e -= x[nz[a]] * o->beta[nz[a] * ny + k];
    double w = e * e / (1.0 - h);
    double *mt = o->meat + (size_t)k * p * p;
    for (int a = 0; a < m; a++) {
      double wi = w * x[nz[a]];
      double *row = mt + (size_t)nz[a] * p;
      for (int b = a; b < m; b++)
        row[nz[b]] += wi * x[nz[b]];
    }
  }
  if (nz != nzi) free(nz);
}

/* y = A x for p×p A. */
static void gp_mv(int p, const double *a, const double *x, double *y) {
  for (int i = 0; i < p; i++) {
    double v = 0;
    for (int j = 0; j < p; j++)
      v += a[i * p + j] * x[j];
    y[i] = v;
  }
}

/* y = A' x for p×p A. */
static void gp_mtv(int p, const double *a, const double *x, double *y) {
  for (int j = 0; j < p; j++) {
    double v = 0;
    for (int i = 0; i < p; i++)
      v += a[i * p + j] * x[i];
    y[j] = v;
  }
}

static double gp_dot(int p, const double *a, const double *b) {
  double v = 0;
  for (int i = 0; i < p; i++)
    v += a[i] * b[i];
  return v;
}

/* ((1−λ)^(−1/2) − 1)/λ, or −1/λ when 1 − λ <= 1e-12 (estimatr's cut-off). */
static double gp_g1(double l) {
  if (1.0 - l <= 1e-12) return -1.0 / l;
  if (fabs(l) < 1e-6) return 0.5 + 0.375 * l;
  return (1.0 / sqrt(1.0 - l) - 1.0) / l;
}

/* (1/(1−λ) − 1)/λ = 1/(1−λ), or −1/λ past the cut-off. */
static double gp_g2(double l) {
  if (1.0 - l <= 1e-12) return -1.0 / l;
  return 1.0 / (1.0 - l);
}

/* CR2 variance and df for contrast c of outcome k. */
static gp_code gp_cr2(const gp_trial_ols *o, int k, const double *c, double *var, double *df,
                      gp_error *err) {
  int p = o->p, ny = o->ny;
  size_t pp = (size_t)p * p;
  double *m = calloc((size_t)p, sizeof(double)); /* M c */
  double *buf = calloc(pp * 4 + (size_t)p * 12, sizeof(double));
  gsl_matrix *km = gsl_matrix_alloc((size_t)p, (size_t)p);
  gsl_matrix *evec = gsl_matrix_alloc((size_t)p, (size_t)p);
  gsl_vector *eval = gsl_vector_alloc((size_t)p);
  gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc((size_t)p);
  if (!m || !buf || !km || !evec || !eval || !ws) {
    free(m), free(buf);
    if (km) gsl_matrix_free(km);
    if (evec) gsl_matrix_free(evec);
    if (eval) gsl_vector_free(eval);
    if (ws) gsl_eigen_symmv_free(ws);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  double *tmp = buf;    /* p×p */
  double *w = tmp + pp; /* p×p W = L V */
  double *rr = w + pp;  /* p×p R = Σ q q' */
  double *mr = rr + pp; /* p×p M R */
  double *u = mr + pp;  /* p: u_g = X_g'e_g */
  double *sm = u + p;   /* p: S_g m */
  double *a1 = sm + p;  /* p: W' u */
  double *a2 = a1 + p;  /* p: W' S_g m */
  double *wv = a2 + p;  /* p: w_g */
  double *qv = wv + p;  /* p: q_g */
  double *t1 = qv + p;  /* p scratch */
  double *mq = t1 + p;  /* p: M q */
  gp_mv(p, o->minv, c, m);
  double sum_a = 0, sum_qmq = 0, sum_a2 = 0, sum_aqmq = 0, v = 0;
  for (int g = 0; g < o->ng; g++) {
    const double *s = o->sg + (size_t)g * pp;
    const double *t = o->tg + (size_t)g * p * ny;
    /* u = X_g'y_g − S_g β */
    for (int i = 0; i < p; i++) {
      double e = t[i * ny + k];
      for (int j = 0; j < p; j++)
        e -= s[i * p + j] * o->beta[j * ny + k];
      u[i] = e;
    }
    /* K = L' S L, eigen K = V Λ V'; W = L V. */
    for (int i = 0; i < p; i++) /* tmp = S L */
      for (int j = 0; j < p; j++) {
        double x = 0;
        for (int l = 0; l < p; l++)
          x += s[i * p + l] * o->lfac[l * p + j];
        tmp[i * p + j] = x;
      }
    for (int i = 0; i < p; i++)
      for (int j = i; j < p; j++) {
        double x = 0;
        for (int l = 0; l < p; l++)
          x += o->lfac[l * p + i] * tmp[l * p + j];
        gsl_matrix_set(km, (size_t)i, (size_t)j, x);
        gsl_matrix_set(km, (size_t)j, (size_t)i, x);
      }
    gsl_eigen_symmv(km, eval, evec, ws);
    for (int i = 0; i < p; i++)
      for (int j = 0; j < p; j++) {
        double x = 0;
        for (int l = 0; l < p; l++)
          x += o->lfac[i * p + l] * gsl_matrix_get(evec, (size_t)l, (size_t)j);
        w[i * p + j] = x;
      }
    /* w_g = u + S W diag(g1) W' u */
    gp_mtv(p, w, u, a1);
    for (int j = 0; j < p; j++)
      a1[j] *= gp_g1(gsl_vector_get(eval, (size_t)j));
    gp_mv(p, w, a1, t1);
    gp_mv(p, s, t1, wv);
    for (int i = 0; i < p; i++)
      wv[i] += u[i];
    double cmw = gp_dot(p, m, wv);
    v += cmw * cmw;
    /* a_g and q_g */
    gp_mv(p, s, m, sm);
    gp_mtv(p, w, sm, a2);
    double ag = gp_dot(p, m, sm);
    for (int j = 0; j < p; j++) {
      double l = gsl_vector_get(eval, (size_t)j);
      ag += a2[j] * a2[j] * gp_g2(l);
      a2[j] *= gp_g1(l);
    }
    gp_mv(p, w, a2, t1);
    gp_mv(p, s, t1, qv);
    for (int i = 0; i < p; i++)
      qv[i] += sm[i];
    gp_mv(p, o->minv, qv, mq);
    double qmq = gp_dot(p, qv, mq);
    sum_a += ag;
    sum_a2 += ag * ag;
    sum_qmq += qmq;
    sum_aqmq += ag * qmq;
    for (int i = 0; i < p; i++)
      for (int j = 0; j < p; j++)
        rr[i * p + j] += qv[i] * qv[j];
  }
  /* tr(MRMR) */
  for (int i = 0; i < p; i++)
    for (int j = 0; j < p; j++) {
      double x = 0;
      for (int l = 0; l < p; l++)
        x += o->minv[i * p + l] * rr[l * p + j];
      mr[i * p + j] = x;
    }
  double trmrmr = 0;
  for (int i = 0; i < p; i++)
    for (int j = 0; j < p; j++)
      trmrmr += mr[i * p + j] * mr[j * p + i];
  double tr = sum_a - sum_qmq;
  double tr2 = sum_a2 - 2.0 * sum_aqmq + trmrmr;
  *var = v;
  *df = tr * tr / tr2;
  free(m), free(buf);
  gsl_matrix_free(km), gsl_matrix_free(evec), gsl_vector_free(eval);
  gsl_eigen_symmv_free(ws);
  return GP_OK;
}

gp_code gp_trial_ols_contrast(const gp_trial_ols *o, int k, const double *c, double alpha,
                              gp_trial_test *out, gp_error *err) {
  int p = o->p, ny = o->ny;
  if (!o->solved) return gp_fail(err, GP_EINTERNAL, NULL, "regression not solved");
  double est = 0;
  for (int i = 0; i < p; i++)
    est += c[i] * o->beta[i * ny + k];
  double var = 0, df = 0;
  if (o->ng > 0) {
    if (o->ng < 2)
      return gp_fail(err, GP_EINVAL, "--cluster",
                     "only one cluster: cluster-robust errors need at least 2");
    gp_code rc = gp_cr2(o, k, c, &var, &df, err);
    if (rc) return rc;
  } else {
    if (o->lev_one)
      return gp_fail(err, GP_EINVAL, NULL,
                     "an observation has leverage 1 (e.g. alone in its arm within a stratum): "
                     "HC2 standard errors are undefined");
    double *m = calloc((size_t)p, sizeof(double));
    if (!m) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    gp_mv(p, o->minv, c, m);
    const double *mt = o->meat + (size_t)k * p * p;
    var = 0;
    for (int i = 0; i < p; i++)
      for (int j = 0; j < p; j++) {
        double x = i <= j ? mt[i * p + j] : mt[j * p + i];
        var += m[i] * x * m[j];
      }
    free(m);
    df = o->n - p;
  }
  out->estimate = est;
  out->std_error = sqrt(var);
  out->df = df;
  gp_trial_test_finish(out, alpha);
  return GP_OK;
}
