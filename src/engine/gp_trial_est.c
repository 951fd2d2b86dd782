/* gp_trial_est — small trial estimators; see gp_trial_est.h. */
#include "engine/gp_trial_est.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_trial_dist.h"
#include "engine/gp_trial_power.h"

void gp_trial_moments_add(gp_trial_moments *m, double y) {
  m->n += 1.0;
  double d = y - m->mean;
  m->mean += d / m->n;
  m->m2 += d * (y - m->mean);
}

double gp_trial_moments_var(const gp_trial_moments *m) {
  return m->n >= 2 ? m->m2 / (m->n - 1.0) : NAN;
}

void gp_trial_moments_merge(gp_trial_moments *a, const gp_trial_moments *b) {
  if (b->n == 0) return;
  if (a->n == 0) {
    *a = *b;
    return;
  }
  double n = a->n + b->n, d = b->mean - a->mean;
  a->m2 += b->m2 + d * d * a->n * b->n / n;
  a->mean += d * b->n / n;
  a->n = n;
}

void gp_trial_seq_path(int n_looks, const int *order, int k, int o, int control,
                       const gp_trial_moments *mom, double tuning, double alpha,
                       gp_trial_look *out) {
  gp_trial_moments *cum = calloc((size_t)k * o, sizeof *cum);
  if (!cum) abort();
  for (int i = 0; i < n_looks; i++) {
    const gp_trial_moments *m = mom + (size_t)order[i] * k * o;
    for (int j = 0; j < k * o; j++)
      gp_trial_moments_merge(&cum[j], &m[j]);
    for (int a = 0; a < k; a++) {
      if (a == control) continue;
      for (int y = 0; y < o; y++) {
        const gp_trial_moments *t = &cum[a * o + y], *c = &cum[control * o + y];
        gp_trial_look *l = &out[((size_t)i * k + a) * o + y];
        l->n = t->n + c->n;
        l->estimate = t->n > 0 && c->n > 0 ? t->mean - c->mean : NAN;
        l->std_error = t->n >= 2 && c->n >= 2
                           ? sqrt(gp_trial_moments_var(t) / t->n + gp_trial_moments_var(c) / c->n)
                           : NAN;
        if (isfinite(l->std_error) && l->std_error > 0) {
          gp_trial_sequential(l->estimate, l->std_error, l->n, tuning, alpha, &l->seq);
        } else {
          l->seq = (gp_trial_seq){NAN, NAN, NAN, NAN};
        }
      }
    }
  }
  free(cum);
}

void gp_trial_test_finish(gp_trial_test *t, double alpha) {
  double q = gp_trial_t_quantile(1.0 - alpha / 2.0, t->df);
  t->statistic = t->estimate / t->std_error;
  t->conf_low = t->estimate - q * t->std_error;
  t->conf_high = t->estimate + q * t->std_error;
  t->p_value = gp_trial_t_p2(t->statistic, t->df);
}

gp_code gp_trial_welch(double n1, double mean1, double var1, double n0, double mean0, double var0,
                       double alpha, gp_trial_test *out, gp_error *err) {
  if (n1 < 2 || n0 < 2)
    return gp_fail(err, GP_EINVAL, "arm", "an arm has fewer than 2 observations");
  double a = var1 / n1, b = var0 / n0;
  out->estimate = mean1 - mean0;
  out->std_error = sqrt(a + b);
  out->df = (a + b) * (a + b) / (a * a / (n1 - 1.0) + b * b / (n0 - 1.0));
  gp_trial_test_finish(out, alpha);
  return GP_OK;
}

gp_code gp_trial_risk_ratio(double s1, double n1, double s0, double n0, double alpha,
                            gp_trial_test *out, gp_error *err) {
  if (s1 <= 0 || s0 <= 0)
    return gp_fail(err, GP_EINVAL, "outcome", "relative risk needs at least one success per arm");
  double lr = log((s1 / n1) / (s0 / n0));
  double se = sqrt(1.0 / s1 - 1.0 / n1 + 1.0 / s0 - 1.0 / n0);
  double z = gp_trial_norm_quantile(1.0 - alpha / 2.0);
  out->estimate = exp(lr);
  out->std_error = se;
  out->df = INFINITY;
  out->statistic = lr / se;
  out->conf_low = exp(lr - z * se);
  out->conf_high = exp(lr + z * se);
  out->p_value = 2.0 * gp_trial_norm_sf(fabs(lr / se));
  return GP_OK;
}

/* Sorting helper: indices by p-value. */
typedef struct gp_pidx {
  double p; /* p-value */
  size_t i; /* its position */
} gp_pidx;

static int gp_pidx_cmp(const void *a, const void *b) {
  const gp_pidx *x = a, *y = b;
  if (x->p < y->p) return -1;
  if (x->p > y->p) return 1;
  return x->i < y->i ? -1 : (x->i > y->i);
}

static gp_pidx *gp_sorted(size_t n, const double *p) {
  gp_pidx *s = malloc((n ? n : 1) * sizeof *s);
  if (!s) abort();
  for (size_t i = 0; i < n; i++)
    s[i] = (gp_pidx){p[i], i};
  qsort(s, n, sizeof *s, gp_pidx_cmp);
  return s;
}

void gp_trial_holm(size_t n, const double *p, double *out) {
  gp_pidx *s = gp_sorted(n, p);
  double run = 0;
  for (size_t r = 0; r < n; r++) {
    double v = (double)(n - r) * s[r].p;
    if (v > 1) v = 1;
    if (v > run) run = v;
    out[s[r].i] = run;
  }
  free(s);
}

void gp_trial_bh(size_t n, const double *p, double *out) {
  gp_pidx *s = gp_sorted(n, p);
  double run = 1;
  for (size_t r = n; r-- > 0;) {
    double v = (double)n / (double)(r + 1) * s[r].p;
    if (v < run) run = v;
    out[s[r].i] = run > 1 ? 1 : run;
  }
  free(s);
}

gp_code gp_trial_srm_test(int k, const double *counts, const double *ratio, gp_trial_srm *out,
                          gp_error *err) {
  double total = 0, rs = 0;
  for (int j = 0; j < k; j++) {
    if (!(ratio[j] > 0)) return gp_fail(err, GP_EINVAL, "--ratio", "ratios must be > 0");
    total += counts[j];
    rs += ratio[j];
  }
  out->chi2 = 0;
  for (int j = 0; j < k; j++) {
    double e = total * ratio[j] / rs;
    out->chi2 += (counts[j] - e) * (counts[j] - e) / e;
  }
  out->df = k - 1;
  out->p_value = gp_trial_chisq_sf(out->chi2, out->df);
  out->flag = out->p_value < 0.001;
  return GP_OK;
}

void gp_trial_sequential(double estimate, double se, double n, double tuning, double alpha,
                         gp_trial_seq *out) {
  out->halfwidth = se * gp_trial_seq_multiplier(n, tuning, alpha);
  out->conf_low = estimate - out->halfwidth;
  out->conf_high = estimate + out->halfwidth;
  double la = -2.0 * log(alpha);
  double rho2 = (la + log(la + 1.0)) / tuning;
  double st2 = estimate * estimate * n / (se * se);
  double tr2p1 = n * rho2 + 1.0;
  /* 1/E computed on the log scale to avoid overflow. */
  double log_e = rho2 * st2 / (2.0 * tr2p1) - 0.5 * log(tr2p1);
  out->p_value = log_e <= 0 ? 1.0 : exp(-log_e);
}

void gp_trial_bayes_normal(double estimate, double se, double prior_mean, double prior_sd,
                           double threshold, double alpha, gp_trial_bayes *out) {
  double prec = 1.0 / (se * se), num = estimate * prec;
  if (prior_sd > 0 && isfinite(prior_sd)) {
    double pp = 1.0 / (prior_sd * prior_sd);
    num += prior_mean * pp;
    prec += pp;
  }
  out->mean = num / prec;
  out->sd = sqrt(1.0 / prec);
  double z = gp_trial_norm_quantile(1.0 - alpha / 2.0);
  out->conf_low = out->mean - z * out->sd;
  out->conf_high = out->mean + z * out->sd;
  out->prob_positive = gp_trial_norm_sf(-out->mean / out->sd);
  out->prob_above = gp_trial_norm_sf((threshold - out->mean) / out->sd);
}
