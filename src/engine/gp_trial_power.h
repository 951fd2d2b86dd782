/*
 * gp_trial_power — sample size, minimum detectable effect and power for a
 * two-arm comparison of means or proportions, individually or cluster
 * randomised, fixed-sample or sequential.
 *
 * Fixed sample, means: as R's pwr.t2n.test (pwr.t.test when ratio = 1):
 *   d = mde / sd, n1 control, n2 = ratio·n1, df = n1 + n2 − 2,
 *   ncp = d / sqrt(1/n1 + 1/n2), power from the noncentral t.
 * Fixed sample, proportions: as pwr.2p2n.test (pwr.2p.test when ratio = 1):
 *   h = 2·asin(sqrt(p0 + mde)) − 2·asin(sqrt(p0)),
 *   power from the normal with h·sqrt(n1·n2/(n1 + n2)).
 * Clusters: sample sizes are individuals; the design effect
 *   deff = 1 + (M − 1)·ICC divides them into an effective sample size.
 * Sequential (GrowthBook's power for its asymptotic confidence sequences):
 *   the standard error of the difference is inflated to
 *   σ̃ = σ_Δ·sqrt(N·disc)/z_{1−α/2}, disc = 2(Nρ²+1)/(N²ρ²)·log(sqrt(Nρ²+1)/α),
 *   ρ² = (−2 log α + log(−2 log α + 1))/N*, N = n1 + n2, and power is normal.
 * See docs/methods/trials.md.
 */
#ifndef GP_TRIAL_POWER_H
#define GP_TRIAL_POWER_H

#include <stdbool.h>

#include "util/gp_error.h"

/* What is compared. */
typedef enum gp_trial_outcome_kind {
  GP_TRIAL_MEANS,      /* continuous outcome with standard deviation sd */
  GP_TRIAL_PROPORTIONS /* binary outcome with control proportion p0 */
} gp_trial_outcome_kind;

/* The question; exactly two of n, mde, power are given (NAN marks the unknown). */
typedef struct gp_trial_power_spec {
  gp_trial_outcome_kind kind; /* means or proportions */
  double sd;                  /* outcome standard deviation (means), > 0 */
  double p0;                  /* control proportion (proportions), in (0,1) */
  double n;                   /* individuals in the control arm, or NAN to solve */
  double mde;                 /* effect (difference in means or proportions), or NAN */
  double power;               /* power in (0,1), or NAN to solve */
  double alpha;               /* significance level in (0,1) */
  bool one_sided;             /* test only for an increase */
  double icc;                 /* intra-cluster correlation in [0,1]; 0 for none */
  double cluster_size;        /* individuals per cluster M (>= 1); 1 for none */
  double ratio;               /* treatment:control size ratio K > 0 (n2 = K·n1) */
  bool sequential;            /* GrowthBook sequential power */
  double tuning;              /* sequential tuning parameter N* > 0 */
} gp_trial_power_spec;

/* The answer: all three quantities filled in. */
typedef struct gp_trial_power_result {
  double n_per_arm;        /* individuals in the control arm (continuous, as pwr) */
  double n_treatment;      /* individuals in the treatment arm = ratio·n_per_arm */
  double clusters_per_arm; /* n_per_arm / cluster_size (continuous) */
  double mde;              /* minimum detectable effect on the outcome scale */
  double power;            /* power */
  double effect_size;      /* Cohen's d (means) or Cohen's h (proportions) */
  double design_effect;    /* 1 + (M − 1)·ICC */
  const char *method;      /* static string naming the method */
} gp_trial_power_result;

/* Solves for the missing one of n, mde, power. Returns GP_OK, or GP_EINVAL
 * naming the offending option ("--sd", "--p0", "--alpha", ...) when the spec
 * is invalid or has no solution (e.g. an effect beyond 1 − p0). */
gp_code gp_trial_power_solve(const gp_trial_power_spec *spec, gp_trial_power_result *out,
                             gp_error *err);

/* The power for a given control-arm size n (individuals) and effect. */
double gp_trial_power_at(const gp_trial_power_spec *spec, double n, double mde);

/* GrowthBook's sequential halfwidth multiplier: the confidence sequence at
 * N observations is estimate ± se·sqrt(N·disc); returns sqrt(N·disc).
 * rho² = (−2 log a + log(−2 log a + 1))/tuning, a = alpha. */
double gp_trial_seq_multiplier(double n_total, double tuning, double alpha);

/* GrowthBook's frequentist power for a normal estimate with standard error
 * se of the effect (twoTailed as given); in sequential mode se is inflated
 * as described above with N = n_total. */
double gp_trial_power_normal(double effect, double se, double alpha, bool two_sided,
                             bool sequential, double n_total, double tuning);

#endif
