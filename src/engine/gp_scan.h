/*
 * gp_scan — the risk-adjusted funnel-plot scan of front-line units
 * ("who is doing better than expected?"), as FunnelPlotR and Spiegelhalter
 * (2005) define it: each unit's indicator is transformed to a z-score, the
 * z-scores are winsorised or truncated to estimate the overdispersion ratio
 * phi and the DerSimonian–Laird between-unit variance tau², and each unit
 * gets funnel limits, flags, a Benjamini–Hochberg q-value and an
 * empirical-Bayes shrunken estimate. Optional risk adjustment fits the
 * expected values on all units (gp_scan_model). Pure computation, no I/O.
 * Every formula with its source: docs/methods/scan.md.
 *
 * Types (what observed/denominator mean, the indicator and the transform):
 *   SR          O and expected E; indicator O/E; log transform (SHMI),
 *               s = 1/sqrt(E); exact Poisson limits without overdispersion.
 *   PROPORTION  O successes of n; indicator O/n; arcsine-square-root
 *               transform, s = 1/(2 sqrt n); target the pooled proportion;
 *               Wilson (PHE) limits without overdispersion.
 *   RATIO       count O over a denominator D (population, exposure or a
 *               second count); indicator O/D; FunnelPlotR's "ratio of counts"
 *               log transform; target the pooled ratio; exact Poisson limits
 *               on E = target·D without overdispersion.
 *   SCORE       value y with standard error se; indicator y - expected;
 *               target the precision-weighted mean (or the fitted value).
 * With covariates, PROPORTION (logistic) and RATIO (Poisson) become
 * standardised ratios O/E with E the model's fitted count, analysed as SR;
 * SR with covariates refits E·exp(Xb) by Poisson regression with offset E;
 * SCORE fits weighted least squares (weights 1/se²).
 */
#ifndef GP_SCAN_H
#define GP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/gp_error.h"

#define GP_SCAN_MAX_LEVELS 3 /* at most three funnel levels (e.g. 95, 99.8) */

typedef enum gp_scan_type {
  GP_SCAN_SR,         /* standardised ratio observed/expected */
  GP_SCAN_PROPORTION, /* numerator/denominator, 0..1 */
  GP_SCAN_RATIO,      /* count/denominator (rate or ratio of counts) */
  GP_SCAN_SCORE       /* a value with its standard error */
} gp_scan_type;

typedef enum gp_scan_od {
  GP_SCAN_OD_NONE,           /* no overdispersion: the limits of the type */
  GP_SCAN_OD_MULTIPLICATIVE, /* variances times phi (when phi > 1) */
  GP_SCAN_OD_ADDITIVE        /* variances plus tau² (random effects) */
} gp_scan_od;

typedef enum gp_scan_trim_method {
  GP_SCAN_TRIM_DEFAULT,   /* truncate for SR (SHMI), winsorise otherwise (FunnelPlotR) */
  GP_SCAN_TRIM_WINSORISE, /* pull z-scores beyond the trim quantiles in to them */
  GP_SCAN_TRIM_TRUNCATE   /* drop units in the outer trim groups (NHS Digital SHMI) */
} gp_scan_trim_method;

/* The units of one period. All arrays have n entries and are not owned. */
typedef struct gp_scan_data {
  size_t n;                  /* number of units (>= 2) */
  const double *observed;    /* O (counts; SR, PROPORTION, RATIO) or y (SCORE) */
  const double *denominator; /* E (SR), n (PROPORTION), D (RATIO); NULL for SCORE */
  const double *se;          /* standard errors (SCORE only; > 0) */
  size_t ncov;               /* number of covariates for adjustment (0: none) */
  const double *cov;         /* n × ncov, row-major (or by column: options); finite; NULL
                                when ncov = 0 */
} gp_scan_data;

/* How to scan. Start from gp_scan_options_default(). */
typedef struct gp_scan_options {
  gp_scan_type type;                 /* what the data are */
  gp_scan_od od;                     /* overdispersion model */
  gp_scan_trim_method trim_method;   /* winsorise or truncate before phi */
  double trim;                       /* fraction trimmed at each end, 0 <= trim < 0.5 (0.1) */
  bool has_target;                   /* use target instead of the pooled/weighted mean */
  double target;                     /* the target value on the indicator scale (SR: 1) */
  size_t nlevels;                    /* number of funnel levels, 1..GP_SCAN_MAX_LEVELS */
  double levels[GP_SCAN_MAX_LEVELS]; /* two-sided levels as fractions (0.95, 0.998) */
  double fdr;                        /* false discovery rate for `discovery` (0.05) */
  double shrink_level;               /* level of the shrunken estimate's interval (0.95) */
  size_t nfunnel;                    /* points on the funnel lines (100) */
  bool flags_only;                   /* only r->flags (no units, q-values, shrinkage, funnel):
                                        enough for persistence, and much cheaper */
  bool cov_by_column;                /* data's cov is ncov × n instead of n × ncov (covariate j
                                        of unit i at cov[j * n + i]): contiguous columns */
  const double *start;               /* IRLS start: 1 + ncov coefficients (e.g. another period's
                                        r->coef), or NULL; the estimates do not depend on it */
} gp_scan_options;

/* One unit's result. Indicator-scale values; NaN where not defined. */
typedef struct gp_scan_unit {
  double observed;  /* O or y as given */
  double expected;  /* E (given, target·D, n·p̄, fitted) or the score's target/fitted value */
  double indicator; /* O/E (SR, adjusted counts), O/n, O/D, or y - expected (SCORE) */
  double se;        /* standard error of the transformed indicator (s) */
  double x;         /* the funnel's x: E (SR), n (PROPORTION), D (RATIO), 1/se² (SCORE) */
  double z;         /* z-score after the overdispersion model */
  double p;         /* two-sided p-value of z */
  double q;         /* Benjamini–Hochberg q-value */
  double lo[GP_SCAN_MAX_LEVELS];   /* lower funnel limit at each level */
  double hi[GP_SCAN_MAX_LEVELS];   /* upper funnel limit at each level */
  int8_t flag[GP_SCAN_MAX_LEVELS]; /* +1 above hi (high), -1 below lo (low), 0 none */
  bool discovery;                  /* q <= fdr */
  bool trimmed;                    /* winsorised or truncated when estimating phi */
  double shrunk;                   /* empirical-Bayes estimate on the indicator scale */
  double shrunk_lo;                /* its lower interval bound */
  double shrunk_hi;                /* its upper interval bound */
} gp_scan_unit;

/* One point of the funnel's limit lines. */
typedef struct gp_scan_funnel_point {
  double x;                      /* E, n, D or precision */
  double lo[GP_SCAN_MAX_LEVELS]; /* lower limit at each level */
  double hi[GP_SCAN_MAX_LEVELS]; /* upper limit at each level */
} gp_scan_funnel_point;

/* The whole scan. Arrays are malloc'd; free with gp_scan_result_free. */
typedef struct gp_scan_result {
  size_t n;                     /* units, in input order */
  gp_scan_unit *units;          /* n results (NULL with flags_only) */
  int8_t *flags;                /* n first-level flags (as units[i].flag[0]) */
  gp_scan_type analysed_as;     /* the type after adjustment (counts with covariates: SR) */
  double target;                /* the centre line on the indicator scale */
  double phi;                   /* overdispersion ratio sum(z²)/n over the trimmed z */
  double tau2;                  /* DerSimonian–Laird tau² (transformed scale) */
  size_t n_phi;                 /* units used for phi (all but truncated) */
  bool od_applied;              /* the overdispersion model changed the limits (phi > 1) */
  size_t n_discoveries;         /* units with q <= fdr */
  size_t nfunnel;               /* points in funnel */
  gp_scan_funnel_point *funnel; /* limit lines for plotting, x increasing */
  size_t ncoef;                 /* regression coefficients (0 without adjustment) */
  double *coef;                 /* intercept then one per covariate */
  double *coef_se;              /* their standard errors */
  int iterations;               /* IRLS iterations (0 without adjustment) */
} gp_scan_result;

/* Defaults: SR, additive overdispersion, default trimming at 0.1, levels
 * 0.95 and 0.998, fdr 0.05, shrink level 0.95, 100 funnel points. */
gp_scan_options gp_scan_options_default(void);

/* Runs the scan of d under o into *r. Returns GP_OK (caller frees *r with
 * gp_scan_result_free), or GP_EINVAL naming the argument or the unit
 * ("units[i].denominator: ...") for bad input: fewer than 2 units, negative
 * or non-finite counts, denominators <= 0, numerators above denominators for
 * proportions, se <= 0, constant covariates, bad options. */
gp_code gp_scan_run(const gp_scan_data *d, const gp_scan_options *o, gp_scan_result *r,
                    gp_error *err);

/* Frees the arrays of *r (which may be zeroed). */
void gp_scan_result_free(gp_scan_result *r);

/* Persistence: for each of n units, in how many of the nperiods periods in
 * history (period-major: history[p*n + i], p = 0 the current period, then
 * earlier ones) the unit was flagged the same way as now (+1 or -1). A unit
 * not flagged now gets 0. out holds n counts. */
void gp_scan_persistence(const int8_t *history, size_t nperiods, size_t n, int32_t *out);

/* The flag of an indicator value v against limits [lo, hi]: +1 when v > hi,
 * -1 when v < lo, else 0 (a value on a limit is inside, as FunnelPlotR and
 * PHEindicatormethods count it). */
int8_t gp_scan_flag(double v, double lo, double hi);

/* "high", "low" or "none" for a flag value. */
const char *gp_scan_flag_name(int8_t flag);

/* "sr", "proportion", "ratio", "score"; and the reverse (false if unknown). */
const char *gp_scan_type_name(gp_scan_type t);
bool gp_scan_type_parse(const char *s, gp_scan_type *t);

/* "none", "multiplicative", "additive"; and the reverse. */
const char *gp_scan_od_name(gp_scan_od od);
bool gp_scan_od_parse(const char *s, gp_scan_od *od);

#endif
