/*
 * gp_forecast — "are we on track?": trajectories, OLS forecasts with
 * prediction intervals, the probability of meeting a target, the rating,
 * and the Open SDG progress status. Pure computation: no I/O, no allocation
 * the caller must free. Formulas and references: docs/methods.md (from
 * docs/methods/forecast.md).
 *
 * Time is in years from the start of the target's baseline period.
 */
#ifndef GP_FORECAST_H
#define GP_FORECAST_H

#include <stdbool.h>
#include <stddef.h>

#include "model/gp_direction.h"

/* An OLS linear-trend forecast and its prediction interval at one time. */
typedef struct gp_forecast {
  bool ok;            /* false: too few points or no spread in time; see reason */
  const char *reason; /* static text when !ok, else NULL */
  size_t n;           /* number of observations used */
  double intercept;   /* fitted value at t = 0 */
  double slope;       /* change per year */
  double sigma;       /* residual standard deviation, sqrt(SSE/(n-2)) */
  double df;          /* degrees of freedom, n - 2 */
  double t0;          /* the time predicted */
  double mean;        /* point prediction at t0 */
  double se_pred;     /* standard error of a new observation at t0 */
  double pi80[2];     /* 80% prediction interval [lo, hi] */
  double pi95[2];     /* 95% prediction interval [lo, hi] */
  double tbar;        /* mean of the times fitted (kept for gp_forecast_predict) */
  double sxx;         /* sum of (t[i] - tbar)^2 (kept for gp_forecast_predict) */
} gp_forecast;

/* Fits y = a + b t by ordinary least squares to the n points (t[i], y[i])
 * and predicts a new observation at t0 with the Student-t prediction
 * interval on n − 2 degrees of freedom. Needs n >= 3 and at least two
 * distinct t; otherwise out->ok is false with a reason. A perfect fit
 * (sigma = 0) gives a zero-width interval. Always returns with *out filled. */
void gp_forecast_ols(const double *t, const double *y, size_t n, double t0, gp_forecast *out);

/* Re-predicts an existing fit at another time t0 (e.g. for a yearly fan
 * chart): copies *fit into *out and replaces t0, mean, se_pred and the
 * intervals. A fit that is not ok is copied unchanged but for t0. */
void gp_forecast_predict(const gp_forecast *fit, double t0, gp_forecast *out);

/* The predictive probability that the observation at t0 meets target in
 * direction d: P(Y >= target) for GP_HIGHER, P(Y <= target) for GP_LOWER,
 * Y ~ mean + se_pred · T(df). With se_pred = 0 it is 1 or 0.
 * Returns NaN when !f->ok. */
double gp_forecast_p_meet(const gp_forecast *f, double target, gp_direction d);

/* The value of a piecewise-linear trajectory through the n points
 * (t[i], v[i]) (t strictly increasing, n >= 1) at time x: linear
 * interpolation inside, the first value before t[0], the last after t[n-1]. */
double gp_trajectory_value(const double *t, const double *v, size_t n, double x);

typedef enum gp_rating {
  GP_RATING_GREEN,       /* p_meet >= 0.8, or met now and forecast to stay met */
  GP_RATING_AMBER_GREEN, /* 0.5 <= p_meet < 0.8 */
  GP_RATING_AMBER_RED,   /* 0.2 <= p_meet < 0.5 */
  GP_RATING_RED,         /* p_meet < 0.2 */
  GP_RATING_NONE         /* no forecast: p_meet is NaN and nothing is met */
} gp_rating;

/* Rating from p_meet (may be NaN); met_and_holding forces green. */
gp_rating gp_rating_of(double p_meet, bool met_and_holding);

/* The met_and_holding flag of gp_rating_of: the latest actual meets the
 * target and the forecast does not take it away, i.e. f is NULL or not ok
 * (no forecast to contradict it) or its point prediction f->mean meets the
 * target too. NaN latest or target gives false. */
bool gp_met_and_holding(double latest, const gp_forecast *f, double target, gp_direction d);

/* "green", "amber_green", "amber_red", "red" or "not_rated". */
const char *gp_rating_name(gp_rating r);

typedef enum gp_sdg_status {
  GP_SDG_TARGET_ACHIEVED,
  GP_SDG_ON_TRACK,
  GP_SDG_NEEDS_ACCELERATION,
  GP_SDG_LIMITED_PROGRESS,
  GP_SDG_DETERIORATION,
  GP_SDG_NOT_AVAILABLE /* the rule cannot be applied (see docs/methods.md) */
} gp_sdg_status;

/* Inputs of the Open SDG progress measure for one target. */
typedef struct gp_sdg_input {
  double base_year;       /* year of the baseline observation (fractional allowed) */
  double base_value;      /* baseline value */
  double latest_year;     /* year of the latest observation */
  double latest_value;    /* latest value */
  double target_year;     /* year the target is due */
  double target_value;    /* the target; NaN: no quantitative target (CAGR thresholds) */
  gp_direction direction; /* which way is progress */
  bool has_limit;         /* only without a target: a natural limit scales the thresholds */
  double limit;           /* the limit (maximum for GP_HIGHER, minimum for GP_LOWER) */
} gp_sdg_input;

/* Everything the progress measure computes, for display and audit. */
typedef struct gp_sdg_result {
  gp_sdg_status status; /* the category */
  bool target_achieved; /* the latest value meets the target */
  double cagr_observed; /* (latest/base)^(1/(latest_year-base_year)) - 1, or NaN */
  double cagr_required; /* (target/base)^(1/(target_year-base_year)) - 1, or NaN */
  double value;         /* the progress value: R with a target, the direction-
                           adjusted CAGR without; NaN where the rule gives none */
  double coefficient;   /* threshold scaling factor C (1 without a limit) */
  double score;         /* Open SDG score in [-5, 5] (5 when achieved), or NaN */
} gp_sdg_result;

/* The Open SDG / Statistics Canada progress status (open-sdg's
 * docs/progress-methodology.md): observed compound annual growth rate over
 * the rate required, with its thresholds. *ratio receives R (NaN where the
 * rule gives none; without a target, the direction-adjusted CAGR); ratio may
 * be NULL. */
gp_sdg_status gp_sdg_progress(const gp_sdg_input *in, double *ratio);

/* As gp_sdg_progress, filling every intermediate value into *out. */
void gp_sdg_assess(const gp_sdg_input *in, gp_sdg_result *out);

/* Picks the base and latest observations from a series as Open SDG does:
 * latest = the greatest year; base = base_year if the series has it, else
 * the first year after base_year. Values that are NaN are skipped. Fills
 * base_year/base_value/latest_year/latest_value of *in (the rest is left
 * alone) and returns true; false when no observation is usable or none is
 * at or after base_year. */
bool gp_sdg_pick(const double *year, const double *value, size_t n, double base_year,
                 gp_sdg_input *in);

/* The status of a mean score over several series (Open SDG's aggregate):
 * target_achieved when all_achieved, else by the score bands
 * [2.5, 5] on_track, [0, 2.5) needs_acceleration, [-2.5, 0) limited_progress,
 * [-5, -2.5) deterioration; NaN gives not_available. */
gp_sdg_status gp_sdg_status_of_score(double score, bool all_achieved);

/* "target_achieved", "on_track", "needs_acceleration", "limited_progress",
 * "deterioration" or "not_available". */
const char *gp_sdg_status_name(gp_sdg_status s);

#endif
