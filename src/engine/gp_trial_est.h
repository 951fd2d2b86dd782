/*
 * gp_trial_est — the small estimators of trial analysis, from summary
 * statistics: Welch's difference in means, risk difference and ratio,
 * Holm and Benjamini–Hochberg adjustment, the sample-ratio-mismatch χ² test,
 * GrowthBook's asymptotic confidence sequences (Waudby-Smith et al. 2023),
 * and the normal-normal Bayesian summary. Formulas: docs/methods/trials.md.
 */
#ifndef GP_TRIAL_EST_H
#define GP_TRIAL_EST_H

#include <stdbool.h>
#include <stddef.h>

#include "util/gp_error.h"

/* Running count, mean and sum of squared deviations (Welford). */
typedef struct gp_trial_moments {
  double n;    /* observations */
  double mean; /* running mean */
  double m2;   /* sum of squared deviations from the mean */
} gp_trial_moments;

/* Adds one observation. */
void gp_trial_moments_add(gp_trial_moments *m, double y);

/* The sample variance (n − 1 denominator); NAN when n < 2. */
double gp_trial_moments_var(const gp_trial_moments *m);

/* Adds the moments of b into a (Chan, Golub & LeVeque 1979). */
void gp_trial_moments_merge(gp_trial_moments *a, const gp_trial_moments *b);

/* One estimate with its t (or normal, df = INFINITY) inference. */
typedef struct gp_trial_test {
  double estimate;  /* the effect */
  double std_error; /* its standard error */
  double df;        /* degrees of freedom (INFINITY: normal) */
  double statistic; /* estimate / std_error */
  double conf_low;  /* lower confidence limit */
  double conf_high; /* upper confidence limit */
  double p_value;   /* two-sided p-value */
} gp_trial_test;

/* Fills statistic, limits and p-value of t from estimate, std_error, df at
 * level 1 − alpha. */
void gp_trial_test_finish(gp_trial_test *t, double alpha);

/* Welch's test of mean1 − mean0 (treatment minus control) from the arms'
 * sizes, means and sample variances; Welch–Satterthwaite df. Returns GP_OK
 * or GP_EINVAL (path "arm") if an arm has fewer than 2 observations. */
gp_code gp_trial_welch(double n1, double mean1, double var1, double n0, double mean0, double var0,
                       double alpha, gp_trial_test *out, gp_error *err);

/* Relative risk p1/p0 for s1 successes in n1 and s0 in n0 with the Katz
 * log-scale interval: SE(log RR) = sqrt(1/s1 − 1/n1 + 1/s0 − 1/n0); the
 * test is a z test of log RR = 0. The estimate, limits are on the ratio
 * scale, std_error on the log scale. Returns GP_EINVAL when a count is 0. */
gp_code gp_trial_risk_ratio(double s1, double n1, double s0, double n0, double alpha,
                            gp_trial_test *out, gp_error *err);

/* Holm's step-down adjusted p-values of p[0..n-1] into out (may alias p). */
void gp_trial_holm(size_t n, const double *p, double *out);

/* Benjamini–Hochberg adjusted p-values (R's p.adjust "BH") into out. */
void gp_trial_bh(size_t n, const double *p, double *out);

/* Sample-ratio mismatch: Pearson χ² of counts[0..k-1] against expected
 * shares ratio[0..k-1] (normalised here), df = k − 1. */
typedef struct gp_trial_srm {
  double chi2;    /* the statistic */
  double df;      /* k − 1 */
  double p_value; /* upper tail */
  bool flag;      /* p_value < 0.001 */
} gp_trial_srm;
gp_code gp_trial_srm_test(int k, const double *counts, const double *ratio, gp_trial_srm *out,
                          gp_error *err);

/* GrowthBook's two-sided asymptotic confidence sequence for an estimate
 * with standard error se computed from n_total observations:
 * halfwidth = se·sqrt(N·disc) (see gp_trial_power.h), and the always-valid
 * p-value min(1, 1/E) with E = exp(ρ²·z²N/(2(Nρ²+1)))/sqrt(Nρ²+1), z = est/se. */
typedef struct gp_trial_seq {
  double conf_low;  /* lower limit of the confidence sequence */
  double conf_high; /* upper limit */
  double p_value;   /* always-valid p-value */
  double halfwidth; /* half the width */
} gp_trial_seq;
void gp_trial_sequential(double estimate, double se, double n_total, double tuning, double alpha,
                         gp_trial_seq *out);

/* One look of a confidence-sequence path: the Welch difference in means of
 * all data up to and including the look, with its always-valid interval. */
typedef struct gp_trial_look {
  double n;         /* units in the two arms so far */
  double estimate;  /* difference in means (arm − control) */
  double std_error; /* Welch standard error */
  gp_trial_seq seq; /* confidence sequence at this look (NAN when an arm has < 2 units) */
} gp_trial_look;

/* The path over n_looks looks, in the order given by order[0..n_looks-1]
 * (indices into the per-look moments). mom[(look·k + arm)·o + outcome] are
 * each look's own moments (not cumulative) for k arms and o outcomes. Fills
 * out[(i·k + arm)·o + outcome] for every arm ≠ control (caller-owned,
 * n_looks·k·o long); the control's entries are left untouched. */
void gp_trial_seq_path(int n_looks, const int *order, int k, int o, int control,
                       const gp_trial_moments *mom, double tuning, double alpha,
                       gp_trial_look *out);

/* Normal-normal Bayesian summary of an effect: likelihood N(estimate, se²),
 * prior N(prior_mean, prior_sd²) (prior_sd <= 0 or infinite: flat). */
typedef struct gp_trial_bayes {
  double mean;          /* posterior mean */
  double sd;            /* posterior standard deviation */
  double conf_low;      /* equal-tailed 1 − alpha credible interval */
  double conf_high;     /* upper limit */
  double prob_positive; /* P(effect > 0) */
  double prob_above;    /* P(effect > threshold) */
} gp_trial_bayes;
void gp_trial_bayes_normal(double estimate, double se, double prior_mean, double prior_sd,
                           double threshold, double alpha, gp_trial_bayes *out);

#endif
