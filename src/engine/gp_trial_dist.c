/* gp_trial_dist — distributions for the trial engine; see gp_trial_dist.h. */
#include "engine/gp_trial_dist.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <math.h>

/* Above this df the t distribution is the normal to double precision. */
#define GP_TRIAL_DF_NORMAL 1e10

double gp_trial_norm_cdf(double z) { return gsl_cdf_ugaussian_P(z); }
double gp_trial_norm_sf(double z) { return gsl_cdf_ugaussian_Q(z); }
double gp_trial_norm_quantile(double p) {
  if (!(p > 0 && p < 1)) return NAN;
  return gsl_cdf_ugaussian_Pinv(p);
}

double gp_trial_t_cdf(double t, double df) {
  if (isnan(t) || !(df > 0)) return NAN;
  if (!(df < GP_TRIAL_DF_NORMAL)) return gsl_cdf_ugaussian_P(t);
  return gsl_cdf_tdist_P(t, df);
}

double gp_trial_t_sf(double t, double df) {
  if (isnan(t) || !(df > 0)) return NAN;
  if (!(df < GP_TRIAL_DF_NORMAL)) return gsl_cdf_ugaussian_Q(t);
  return gsl_cdf_tdist_Q(t, df);
}

double gp_trial_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return NAN;
  if (!(df < GP_TRIAL_DF_NORMAL)) return gsl_cdf_ugaussian_Pinv(p);
  gsl_error_handler_t *old = gsl_set_error_handler_off();
  double x = gsl_cdf_tdist_Pinv(p, df);
  gsl_set_error_handler(old);
  if (isfinite(x)) return x;
  /* GSL did not converge (tiny df): bisection on the cdf. */
  double lo = -1.0, hi = 1.0;
  while (gsl_cdf_tdist_P(lo, df) > p && lo > -1e300)
    lo *= 2;
  while (gsl_cdf_tdist_P(hi, df) < p && hi < 1e300)
    hi *= 2;
  for (int i = 0; i < 2000 && hi - lo > 1e-15 * fabs(hi); i++) {
    double mid = 0.5 * (lo + hi);
    if (gsl_cdf_tdist_P(mid, df) < p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

double gp_trial_t_p2(double t, double df) {
  double p = 2.0 * gp_trial_t_sf(fabs(t), df);
  return p > 1.0 ? 1.0 : p;
}

double gp_trial_chisq_sf(double x, double df) {
  if (isnan(x) || !(df > 0)) return NAN;
  return gsl_cdf_chisq_Q(x, df);
}

/* Integrand parameters for the noncentral t mixture. */
typedef struct gp_nct_par {
  double t;   /* the point */
  double df;  /* degrees of freedom */
  double ncp; /* noncentrality */
  int upper;  /* 1: integrate the upper tail Φc, 0: the lower Φ */
} gp_nct_par;

/* Stirling's error lgamma(k+1) − (k+½)log k + k − log sqrt(2π), by its
 * asymptotic series for k > 15 (Loader 2000, "Fast and accurate computation
 * of binomial probabilities"). */
static double gp_stirlerr(double k) {
  const double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188;
  double k2 = k * k;
  if (k <= 15) return lgamma(k + 1) - (k + 0.5) * log(k) + k - 0.5 * log(2 * M_PI);
  if (k > 500) return (s0 - s1 / k2) / k;
  if (k > 80) return (s0 - (s1 - s2 / k2) / k2) / k;
  if (k > 35) return (s0 - (s1 - (s2 - s3 / k2) / k2) / k2) / k;
  return (s0 - (s1 - (s2 - (s3 - s4 / k2) / k2) / k2) / k2) / k;
}

/* The deviance term x·log(x/m) + m − x, accurate when x ≈ m (Loader 2000). */
static double gp_bd0(double x, double m) {
  if (fabs(x - m) < 0.1 * (x + m)) {
    double v = (x - m) / (x + m), s = (x - m) * v, ej = 2 * x * v;
    v = v * v;
    for (int j = 1; j < 1000; j++) {
      ej *= v;
      double s1 = s + ej / (2 * j + 1);
      if (s1 == s) return s1;
      s = s1;
    }
    return s;
  }
  return x * log(x / m) + m - x;
}

/* The chi-square density at v with df degrees of freedom, without the
 * cancellation of the textbook formula at large df: with k = df/2 and
 * x = v/2 it is (k/x)·dpois(k; x)/2, dpois(k; x) = exp(−stirlerr(k) −
 * bd0(k, x))/sqrt(2πk). */
static double gp_chisq_pdf(double v, double df) {
  if (df <= 30 || v <= 0) return gsl_ran_chisq_pdf(v, df);
  double k = df / 2, x = v / 2;
  double dp = exp(-gp_stirlerr(k) - gp_bd0(k, x)) / sqrt(2 * M_PI * k);
  return 0.5 * (k / x) * dp;
}

static double gp_nct_integrand(double v, void *vp) {
  const gp_nct_par *p = vp;
  double z = p->t * sqrt(v / p->df) - p->ncp;
  double phi = p->upper ? gsl_cdf_ugaussian_Q(z) : gsl_cdf_ugaussian_P(z);
  return phi * gp_chisq_pdf(v, p->df);
}

static double gp_nct_tail(double t, double df, double ncp, int upper) {
  if (isnan(t) || isnan(ncp) || !(df > 0)) return NAN;
  if (!(df < GP_TRIAL_DF_NORMAL)) {
    return upper ? gsl_cdf_ugaussian_Q(t - ncp) : gsl_cdf_ugaussian_P(t - ncp);
  }
  /* V ~ chi-square(df): integrate over ±12 standard normal units of the
   * Wilson–Hilferty approximation (mass left out < 1e-30), split at the
   * approximate median. */
  double c = 2.0 / (9.0 * df), r0 = 1.0 - c, sq = sqrt(c);
  double lo = r0 - 12.0 * sq, hi = r0 + 12.0 * sq;
  lo = lo > 0 ? df * lo * lo * lo : 0.0;
  hi = df * hi * hi * hi;
  double mid = df * r0 * r0 * r0;
  if (!(mid > lo)) mid = 0.5 * (lo + hi);
  gp_nct_par par = {t, df, ncp, upper};
  gsl_function f = {gp_nct_integrand, &par};
  gsl_integration_workspace *w = gsl_integration_workspace_alloc(2000);
  gsl_error_handler_t *old = gsl_set_error_handler_off();
  double pts[3] = {lo, mid, hi};
  double r = 0, e = 0;
  gsl_integration_qagp(&f, pts, 3, 0.0, 1e-13, 2000, w, &r, &e);
  gsl_set_error_handler(old);
  gsl_integration_workspace_free(w);
  if (r < 0) r = 0;
  if (r > 1) r = 1;
  return r;
}

double gp_trial_nct_cdf(double t, double df, double ncp) { return gp_nct_tail(t, df, ncp, 0); }
double gp_trial_nct_sf(double t, double df, double ncp) { return gp_nct_tail(t, df, ncp, 1); }
