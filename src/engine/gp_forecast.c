/*
 * gp_forecast — "are we on track?": trajectories, the OLS linear-trend
 * forecast with its Student-t prediction interval, the probability of
 * meeting a target, the rating, and the Open SDG (Statistics Canada)
 * progress status. See gp_forecast.h for the contracts and
 * docs/methods/forecast.md for the formulas, their sources and every edge
 * case. Pure computation: no I/O, no allocation.
 */
#include "engine/gp_forecast.h"

#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>

/* ---- OLS forecast ------------------------------------------------------- */

/* Fills the prediction part of *f (mean, se_pred, intervals) at t0 from the
 * fitted intercept, slope, sigma, df, tbar, sxx and n. */
static void gp_forecast_fill_prediction(gp_forecast *f, double t0) {
  f->t0 = t0;
  f->mean = f->intercept + f->slope * t0;
  const double dt = t0 - f->tbar;
  f->se_pred = f->sigma * sqrt(1.0 + 1.0 / (double)f->n + dt * dt / f->sxx);
  /* Two-sided central intervals: quantiles at 0.9 (80%) and 0.975 (95%). */
  const double q80 = gsl_cdf_tdist_Pinv(0.90, f->df);
  const double q95 = gsl_cdf_tdist_Pinv(0.975, f->df);
  f->pi80[0] = f->mean - q80 * f->se_pred;
  f->pi80[1] = f->mean + q80 * f->se_pred;
  f->pi95[0] = f->mean - q95 * f->se_pred;
  f->pi95[1] = f->mean + q95 * f->se_pred;
}

/* Marks *f as not ok with reason, every number NaN (n is kept). */
static void gp_forecast_fail(gp_forecast *f, size_t n, double t0, const char *reason) {
  const double nan = NAN;
  *f = (gp_forecast){.ok = false,
                     .reason = reason,
                     .n = n,
                     .intercept = nan,
                     .slope = nan,
                     .sigma = nan,
                     .df = nan,
                     .t0 = t0,
                     .mean = nan,
                     .se_pred = nan,
                     .pi80 = {nan, nan},
                     .pi95 = {nan, nan},
                     .tbar = nan,
                     .sxx = nan};
}

void gp_forecast_ols(const double *t, const double *y, size_t n, double t0, gp_forecast *out) {
  if (n < 3 || !t || !y) {
    gp_forecast_fail(out, n, t0, "fewer than 3 observations");
    return;
  }
  double tmin = t[0], tmax = t[0], ymax = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(t[i]) || !isfinite(y[i])) {
      gp_forecast_fail(out, n, t0, "an observation's time or value is not a finite number");
      return;
    }
    tmin = fmin(tmin, t[i]);
    tmax = fmax(tmax, t[i]);
    ymax = fmax(ymax, fabs(y[i]));
  }
  if (!isfinite(t0)) {
    gp_forecast_fail(out, n, t0, "the time to predict is not a finite number");
    return;
  }
  if (tmin == tmax) {
    gp_forecast_fail(out, n, t0, "all observations are for the same time");
    return;
  }
  /* Centred two-pass sums: stable when t is far from 0 (e.g. calendar years). */
  double tbar = 0.0, ybar = 0.0;
  for (size_t i = 0; i < n; i++) {
    tbar += t[i];
    ybar += y[i];
  }
  tbar /= (double)n;
  ybar /= (double)n;
  double sxx = 0.0, sxy = 0.0;
  for (size_t i = 0; i < n; i++) {
    const double dt = t[i] - tbar;
    sxx += dt * dt;
    sxy += dt * (y[i] - ybar);
  }
  if (!(sxx > 0.0)) {
    gp_forecast_fail(out, n, t0, "all observations are for the same time");
    return;
  }
  const double slope = sxy / sxx;
  double sse = 0.0;
  for (size_t i = 0; i < n; i++) {
    const double r = y[i] - (ybar + slope * (t[i] - tbar));
    sse += r * r;
  }
  /* Residuals at the level of rounding error are no evidence of scatter: a
   * perfect fit gets sigma exactly 0 (see docs/methods/forecast.md). */
  const double noise = 16.0 * DBL_EPSILON * ymax;
  if (sse <= (double)n * noise * noise) sse = 0.0;

  gp_forecast f = {0};
  f.ok = true;
  f.reason = NULL;
  f.n = n;
  f.slope = slope;
  f.intercept = ybar - slope * tbar;
  f.df = (double)(n - 2);
  f.sigma = sqrt(sse / f.df);
  f.tbar = tbar;
  f.sxx = sxx;
  gp_forecast_fill_prediction(&f, t0);
  *out = f;
}

void gp_forecast_predict(const gp_forecast *fit, double t0, gp_forecast *out) {
  gp_forecast f = *fit;
  if (!f.ok) {
    f.t0 = t0;
    *out = f;
    return;
  }
  if (!isfinite(t0)) {
    gp_forecast_fail(out, f.n, t0, "the time to predict is not a finite number");
    return;
  }
  gp_forecast_fill_prediction(&f, t0);
  *out = f;
}

double gp_forecast_p_meet(const gp_forecast *f, double target, gp_direction d) {
  if (!f || !f->ok || isnan(target)) return NAN;
  if (f->se_pred == 0.0) return gp_meets(f->mean, target, d) ? 1.0 : 0.0;
  const double z = (target - f->mean) / f->se_pred;
  /* Y = mean + se_pred T: P(Y >= target) = P(T >= z); P(Y <= target) = P(T <= z). */
  return d == GP_HIGHER ? gsl_cdf_tdist_Q(z, f->df) : gsl_cdf_tdist_P(z, f->df);
}

/* ---- trajectory ---------------------------------------------------------- */

double gp_trajectory_value(const double *t, const double *v, size_t n, double x) {
  if (!t || !v || n == 0 || isnan(x)) return NAN;
  if (x <= t[0]) return v[0];
  if (x >= t[n - 1]) return v[n - 1];
  /* Binary search for the segment t[lo] <= x < t[hi], hi = lo + 1. */
  size_t lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    const size_t mid = lo + (hi - lo) / 2;
    if (t[mid] <= x) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  if (x == t[lo]) return v[lo];
  const double w = (x - t[lo]) / (t[hi] - t[lo]);
  return v[lo] + w * (v[hi] - v[lo]);
}

/* ---- rating -------------------------------------------------------------- */

gp_rating gp_rating_of(double p_meet, bool met_and_holding) {
  if (met_and_holding) return GP_RATING_GREEN;
  if (isnan(p_meet)) return GP_RATING_NONE;
  if (p_meet >= 0.8) return GP_RATING_GREEN;
  if (p_meet >= 0.5) return GP_RATING_AMBER_GREEN;
  if (p_meet >= 0.2) return GP_RATING_AMBER_RED;
  return GP_RATING_RED;
}

bool gp_met_and_holding(double latest, const gp_forecast *f, double target, gp_direction d) {
  if (isnan(latest) || isnan(target)) return false;
  if (!gp_meets(latest, target, d)) return false;
  if (!f || !f->ok) return true;
  return gp_meets(f->mean, target, d);
}

const char *gp_rating_name(gp_rating r) {
  switch (r) {
  case GP_RATING_GREEN: return "green";
  case GP_RATING_AMBER_GREEN: return "amber_green";
  case GP_RATING_AMBER_RED: return "amber_red";
  case GP_RATING_RED: return "red";
  case GP_RATING_NONE: return "not_rated";
  }
  return "not_rated";
}

/* ---- Open SDG progress measure ------------------------------------------- */

/* Thresholds of the Open SDG rule (open-sdg docs/progress-methodology.md;
 * sdg-build sdg/ProgressMeasure.py get_progress_thresholds). */
#define GP_SDG_R_HIGH 0.95      /* R >= 95%: on track */
#define GP_SDG_R_MED 0.6        /* 60% <= R < 95%: acceleration needed */
#define GP_SDG_CAGR_HIGH 0.015  /* no target: CAGR >= 1.5% C: on track */
#define GP_SDG_CAGR_MED 0.005   /* no target: 0.5% C <= CAGR < 1.5% C */
#define GP_SDG_LIMIT_POWER 4.44 /* exponent of the scaling factor C */
#define GP_SDG_ZERO 0.001       /* replaces a zero base value or target */

/* Scaling factor C for a natural limit (sdg-build get_progress_thresholds):
 * b = |base|, L = |limit|; 1 when b >= 2L, 1 - (b/L)^a when b <= L, else
 * 1 - ((2L - b)/L)^a, with a = 4.44. */
static double gp_sdg_coefficient(double base, double limit) {
  const double b = fabs(base), l = fabs(limit);
  if (b >= 2.0 * l) return 1.0;
  if (b <= l) return 1.0 - pow(b / l, GP_SDG_LIMIT_POWER);
  return 1.0 - pow((2.0 * l - b) / l, GP_SDG_LIMIT_POWER);
}

/* Category of a progress value against thresholds high > med > low = 0. */
static gp_sdg_status gp_sdg_band(double value, double high, double med) {
  if (value >= high) return GP_SDG_ON_TRACK;
  if (value >= med) return GP_SDG_NEEDS_ACCELERATION;
  if (value >= 0.0) return GP_SDG_LIMITED_PROGRESS;
  return GP_SDG_DETERIORATION;
}

/* Score in [-5, 5] as sdg-build's SeriesProgress.get_score computes it (its
 * rounded coefficients are kept so that scores match published ones). */
static double gp_sdg_score(bool has_target, double v, double coeff) {
  if (has_target) {
    if (v >= GP_SDG_R_MED) return fmin(7.1429 * v - 4.2857, 5.0);
    return fmax(4.1667 * v - 2.5, -5.0);
  }
  const double high = GP_SDG_CAGR_HIGH * coeff, med = GP_SDG_CAGR_MED * coeff;
  if (v < 0.0) return fmax(125.0 * v - 2.5, -5.0);
  if (coeff == 0.0) return 5.0;
  if (v >= high) return fmin(500.0 * v / coeff - 5.0, 5.0);
  if (v >= med) return 250.0 * v / coeff - 1.25;
  return 500.0 * v / coeff - 2.5;
}

void gp_sdg_assess(const gp_sdg_input *in, gp_sdg_result *out) {
  *out = (gp_sdg_result){.status = GP_SDG_NOT_AVAILABLE,
                         .target_achieved = false,
                         .cagr_observed = NAN,
                         .cagr_required = NAN,
                         .value = NAN,
                         .coefficient = 1.0,
                         .score = NAN};
  if (!in) return;
  const bool has_target = !isnan(in->target_value);
  const double d = in->direction == GP_HIGHER ? 1.0 : -1.0;
  if (!isfinite(in->base_year) || !isfinite(in->base_value) || !isfinite(in->latest_year) ||
      !isfinite(in->latest_value))
    return;
  if (has_target && (!isfinite(in->target_value) || !isfinite(in->target_year))) return;
  if (!has_target && in->has_limit && isfinite(in->limit))
    out->coefficient = gp_sdg_coefficient(in->base_value, in->limit);

  const double target = in->target_value == 0.0 ? GP_SDG_ZERO : in->target_value;
  const double yi = in->latest_value, t0 = in->base_year, ti = in->latest_year;
  if (has_target) out->target_achieved = gp_meets(yi, target, in->direction);

  /* "If all values are negative, the desired direction of progress is flipped." */
  const double sign = in->base_value < 0.0 ? -1.0 : 1.0;
  const double y0 = in->base_value == 0.0 ? GP_SDG_ZERO : in->base_value;
  bool valid = true;
  if ((y0 > 0.0 && yi < 0.0) || (y0 < 0.0 && yi > 0.0)) valid = false; /* mixed signs */
  if (t0 > ti || ti - t0 < 1.0) valid = false;                         /* needs two years of data */
  if (valid) {
    out->cagr_observed = pow(yi / y0, 1.0 / (ti - t0)) - 1.0;
    if (!has_target) {
      out->value = sign * d * out->cagr_observed;
    } else if (in->target_year > t0 && target / y0 > 0.0) {
      out->cagr_required = pow(target / y0, 1.0 / (in->target_year - t0)) - 1.0;
      const double num = sign * d * out->cagr_observed;
      if (out->cagr_required != 0.0) {
        out->value = num / fabs(out->cagr_required);
      } else if (num != 0.0) {
        out->value = num > 0.0 ? INFINITY : -INFINITY; /* base == target: see docs */
      }
    }
  }

  if (out->target_achieved) {
    out->status = GP_SDG_TARGET_ACHIEVED;
    out->score = 5.0;
    return;
  }
  if (isnan(out->value)) return;
  if (has_target) {
    out->status = gp_sdg_band(out->value, GP_SDG_R_HIGH, GP_SDG_R_MED);
  } else {
    out->status = gp_sdg_band(out->value, GP_SDG_CAGR_HIGH * out->coefficient,
                              GP_SDG_CAGR_MED * out->coefficient);
  }
  out->score = gp_sdg_score(has_target, out->value, out->coefficient);
}

gp_sdg_status gp_sdg_progress(const gp_sdg_input *in, double *ratio) {
  gp_sdg_result r;
  gp_sdg_assess(in, &r);
  if (ratio) *ratio = r.value;
  return r.status;
}

/* Whether observation i is usable by gp_sdg_pick. */
static bool gp_sdg_usable(const double *year, const double *value, size_t i) {
  return isfinite(year[i]) && !isnan(value[i]);
}

bool gp_sdg_pick(const double *year, const double *value, size_t n, double base_year,
                 gp_sdg_input *in) {
  if (!year || !value || !in || isnan(base_year)) return false;
  /* The latest year, and the base: base_year itself, else the first after it. */
  bool any = false, have_base = false;
  double latest = 0.0, base = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (!gp_sdg_usable(year, value, i)) continue;
    if (!any || year[i] > latest) latest = year[i];
    any = true;
    if (year[i] >= base_year && (!have_base || year[i] < base)) base = year[i];
    if (year[i] >= base_year) have_base = true;
  }
  if (!any || !have_base) return false;
  /* Each chosen year must name exactly one observation. */
  int n_latest = 0, n_base = 0;
  double v_latest = NAN, v_base = NAN;
  for (size_t i = 0; i < n; i++) {
    if (!gp_sdg_usable(year, value, i)) continue;
    if (year[i] == latest) {
      n_latest++;
      v_latest = value[i];
    }
    if (year[i] == base) {
      n_base++;
      v_base = value[i];
    }
  }
  if (n_latest != 1 || n_base != 1) return false;
  in->base_year = base;
  in->base_value = v_base;
  in->latest_year = latest;
  in->latest_value = v_latest;
  return true;
}

gp_sdg_status gp_sdg_status_of_score(double score, bool all_achieved) {
  if (all_achieved) return GP_SDG_TARGET_ACHIEVED;
  if (isnan(score)) return GP_SDG_NOT_AVAILABLE;
  if (score >= 2.5) return GP_SDG_ON_TRACK;
  if (score >= 0.0) return GP_SDG_NEEDS_ACCELERATION;
  if (score >= -2.5) return GP_SDG_LIMITED_PROGRESS;
  return GP_SDG_DETERIORATION;
}

const char *gp_sdg_status_name(gp_sdg_status s) {
  switch (s) {
  case GP_SDG_TARGET_ACHIEVED: return "target_achieved";
  case GP_SDG_ON_TRACK: return "on_track";
  case GP_SDG_NEEDS_ACCELERATION: return "needs_acceleration";
  case GP_SDG_LIMITED_PROGRESS: return "limited_progress";
  case GP_SDG_DETERIORATION: return "deterioration";
  case GP_SDG_NOT_AVAILABLE: return "not_available";
  }
  return "not_available";
}
