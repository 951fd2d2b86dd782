/* gp_trial_power — power and sample size; see gp_trial_power.h. */
#include "engine/gp_trial_power.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>

#include "engine/gp_trial_dist.h"

double gp_trial_seq_multiplier(double n_total, double tuning, double alpha) {
  double la = -2.0 * log(alpha);
  double rho2 = (la + log(la + 1.0)) / tuning;
  double nr = n_total * rho2 + 1.0;
  double disc = 2.0 * nr * log(sqrt(nr) / alpha) / (n_total * n_total * rho2);
  return sqrt(n_total * disc);
}

double gp_trial_power_normal(double effect, double se, double alpha, bool two_sided,
                             bool sequential, double n_total, double tuning) {
  if (sequential) {
    se = se * gp_trial_seq_multiplier(n_total, tuning, alpha) /
         gp_trial_norm_quantile(1.0 - 0.5 * alpha);
  }
  double z =
      two_sided ? gp_trial_norm_quantile(1.0 - 0.5 * alpha) : gp_trial_norm_quantile(1.0 - alpha);
  double s = effect / se;
  double p = gp_trial_norm_sf(z - s);
  if (two_sided) p += gp_trial_norm_cdf(-z - s);
  return p;
}

static double gp_deff(const gp_trial_power_spec *s) {
  return 1.0 + (s->cluster_size - 1.0) * s->icc;
}

/* Cohen's h for the effect mde over p0 (NAN when p0 + mde leaves [0,1]). */
static double gp_cohen_h(double p0, double mde) {
  double p1 = p0 + mde;
  if (p1 < 0 || p1 > 1) return NAN;
  return 2.0 * asin(sqrt(p1)) - 2.0 * asin(sqrt(p0));
}

/* Power with an effective control-arm size ne and standardised effect es. */
static double gp_power_es(const gp_trial_power_spec *s, double ne, double es) {
  double n1 = ne, n2 = s->ratio * ne;
  bool two = !s->one_sided;
  if (two) es = fabs(es);
  if (s->sequential) {
    /* GrowthBook: the variance of each arm is sd² (or p0(1−p0)); effect on the
     * outcome scale. es·sd is the effect, se = sd·sqrt(1/n1 + 1/n2). */
    return gp_trial_power_normal(es, sqrt(1.0 / n1 + 1.0 / n2), s->alpha, two, true, n1 + n2,
                                 s->tuning);
  }
  if (s->kind == GP_TRIAL_PROPORTIONS) {
    double k = es * sqrt(n1 * n2 / (n1 + n2));
    if (two) {
      double z = gp_trial_norm_quantile(1.0 - s->alpha / 2.0);
      return gp_trial_norm_sf(z - k) + gp_trial_norm_cdf(-z - k);
    }
    double z = gp_trial_norm_quantile(1.0 - s->alpha);
    return gp_trial_norm_sf(z - k);
  }
  double df = n1 + n2 - 2.0;
  double ncp = es / sqrt(1.0 / n1 + 1.0 / n2);
  if (two) {
    double q = gp_trial_t_quantile(1.0 - s->alpha / 2.0, df);
    return gp_trial_nct_sf(q, df, ncp) + gp_trial_nct_cdf(-q, df, ncp);
  }
  double q = gp_trial_t_quantile(1.0 - s->alpha, df);
  return gp_trial_nct_sf(q, df, ncp);
}

/* The standardised effect: d = mde/sd, or h; in sequential mode the effect
 * is measured in units of the arm standard deviation as well. */
static double gp_es(const gp_trial_power_spec *s, double mde) {
  if (s->kind == GP_TRIAL_MEANS) return mde / s->sd;
  if (s->sequential) return mde / sqrt(s->p0 * (1.0 - s->p0));
  return gp_cohen_h(s->p0, mde);
}

double gp_trial_power_at(const gp_trial_power_spec *spec, double n, double mde) {
  return gp_power_es(spec, n / gp_deff(spec), gp_es(spec, mde));
}

/* Root finding context. */
typedef struct gp_root_ctx {
  const gp_trial_power_spec *s; /* the spec */
  double target;                /* the power wanted */
  double es;                    /* standardised effect (when solving n) */
  double ne;                    /* effective n (when solving the effect) */
} gp_root_ctx;

static double gp_f_n(double ne, void *vp) {
  const gp_root_ctx *c = vp;
  return gp_power_es(c->s, ne, c->es) - c->target;
}

static double gp_f_es(double es, void *vp) {
  const gp_root_ctx *c = vp;
  return gp_power_es(c->s, c->ne, es) - c->target;
}

/* Brent's method on [lo, hi]; returns NAN if the root is not bracketed. */
static double gp_brent(double (*f)(double, void *), void *ctx, double lo, double hi) {
  double flo = f(lo, ctx), fhi = f(hi, ctx);
  if (!(flo * fhi <= 0)) return NAN;
  gsl_function F = {f, ctx};
  gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
  gsl_error_handler_t *old = gsl_set_error_handler_off();
  gsl_root_fsolver_set(s, &F, lo, hi);
  double r = NAN;
  for (int i = 0; i < 500; i++) {
    gsl_root_fsolver_iterate(s);
    r = gsl_root_fsolver_root(s);
    double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
    if (gsl_root_test_interval(a, b, 0.0, 1e-14) == GSL_SUCCESS) break;
  }
  gsl_set_error_handler(old);
  gsl_root_fsolver_free(s);
  return r;
}

gp_code gp_trial_power_solve(const gp_trial_power_spec *s, gp_trial_power_result *out,
                             gp_error *err) {
  if (s->kind == GP_TRIAL_MEANS && !(s->sd > 0 && isfinite(s->sd)))
    return gp_fail(err, GP_EINVAL, "--sd", "must be a number > 0");
  if (s->kind == GP_TRIAL_PROPORTIONS && !(s->p0 > 0 && s->p0 < 1))
    return gp_fail(err, GP_EINVAL, "--p0", "must be a probability strictly between 0 and 1");
  if (!(s->alpha > 0 && s->alpha < 1))
    return gp_fail(err, GP_EINVAL, "--alpha", "must be strictly between 0 and 1");
  if (!(s->icc >= 0 && s->icc <= 1))
    return gp_fail(err, GP_EINVAL, "--icc", "must be between 0 and 1");
  if (!(s->cluster_size >= 1)) return gp_fail(err, GP_EINVAL, "--cluster-size", "must be >= 1");
  if (!(s->ratio > 0 && isfinite(s->ratio)))
    return gp_fail(err, GP_EINVAL, "--ratio", "must be a number > 0");
  if (s->sequential && !(s->tuning > 0)) return gp_fail(err, GP_EINVAL, "--tuning", "must be > 0");
  int unknown = isnan(s->n) + isnan(s->mde) + isnan(s->power);
  if (unknown != 1)
    return gp_fail(err, GP_EINVAL, "--n/--mde/--power",
                   "give exactly two of --n, --mde and --power (the third is solved for)");
  if (!isnan(s->power) && !(s->power > 0 && s->power < 1))
    return gp_fail(err, GP_EINVAL, "--power", "must be strictly between 0 and 1");
  if (!isnan(s->power) && !(s->power > s->alpha / (s->one_sided ? 1.0 : 2.0)))
    return gp_fail(err, GP_EINVAL, "--power", "must exceed the significance level");
  double deff = gp_deff(s);
  if (!isnan(s->n) && !(s->n * (1.0 + s->ratio) / deff > 2.0 + 1e-9) && !s->sequential)
    return gp_fail(err, GP_EINVAL, "--n", "too small: fewer than 2 effective observations");
  if (!isnan(s->n) && !(s->n > 0)) return gp_fail(err, GP_EINVAL, "--n", "must be > 0");
  if (!isnan(s->mde)) {
    if (s->mde == 0) return gp_fail(err, GP_EINVAL, "--mde", "must not be 0");
    if (s->kind == GP_TRIAL_PROPORTIONS && !(s->p0 + s->mde > 0 && s->p0 + s->mde < 1))
      return gp_fail(err, GP_EINVAL, "--mde", "p0 + mde must be strictly between 0 and 1");
    if (s->one_sided && s->mde < 0)
      return gp_fail(err, GP_EINVAL, "--mde",
                     "a one-sided test looks for an increase: must be > 0");
  }

  out->design_effect = deff;
  out->method = s->sequential
                    ? "sequential (GrowthBook asymptotic confidence sequence, normal)"
                    : (s->kind == GP_TRIAL_MEANS ? "two-sample t test (noncentral t, pwr.t2n.test)"
                                                 : "two proportions (arcsine h, pwr.2p2n.test)");
  gp_root_ctx c = {s, s->power, 0, 0};
  if (isnan(s->power)) {
    out->n_per_arm = s->n;
    out->mde = s->mde;
    out->power = gp_trial_power_at(s, s->n, s->mde);
  } else if (isnan(s->n)) {
    c.es = gp_es(s, s->mde);
    /* pwr searches n in [2 + 1e-10, 1e9]; we search the effective control-arm
     * size from where both arms have 2 units. */
    double lo = (s->ratio < 1 ? 2.0 / s->ratio : 2.0) + 1e-10;
    if (s->sequential) lo = 1e-6;
    double ne = gp_brent(gp_f_n, &c, lo, 1e12);
    if (isnan(ne))
      return gp_fail(err, GP_EINVAL, "--mde", "no sample size reaches that power for that effect");
    out->n_per_arm = ne * deff;
    out->mde = s->mde;
    out->power = s->power;
  } else {
    c.ne = s->n / deff;
    double hi;
    if (s->kind == GP_TRIAL_MEANS)
      hi = 1e4;
    else if (s->sequential)
      hi = (1.0 - s->p0) / sqrt(s->p0 * (1.0 - s->p0));
    else
      hi = gp_cohen_h(s->p0, 1.0 - s->p0);
    double es = gp_brent(gp_f_es, &c, 1e-12, hi);
    if (isnan(es))
      return gp_fail(err, GP_EINVAL, "--n", "no effect within range reaches that power at this n");
    double mde;
    if (s->kind == GP_TRIAL_MEANS)
      mde = es * s->sd;
    else if (s->sequential)
      mde = es * sqrt(s->p0 * (1.0 - s->p0));
    else {
      double a = asin(sqrt(s->p0)) + es / 2.0;
      mde = sin(a) * sin(a) - s->p0;
    }
    out->n_per_arm = s->n;
    out->mde = mde;
    out->power = s->power;
  }
  out->n_treatment = out->n_per_arm * s->ratio;
  out->clusters_per_arm = out->n_per_arm / s->cluster_size;
  out->effect_size = gp_es(s, out->mde);
  return GP_OK;
}
