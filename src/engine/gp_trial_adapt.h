/*
 * gp_trial_adapt — top-two Thompson sampling (Russo 2020, "Simple Bayesian
 * algorithms for best-arm identification") for the next batch of an
 * adaptive trial.
 *
 * Posteriors: binary outcomes Beta(1 + successes, 1 + failures); normal
 * outcomes N(mean, sd²/n) (flat prior). P(best) for each arm is estimated
 * from `draws` joint posterior draws (seeded; Monte Carlo error ≤
 * 0.5/sqrt(draws)). The top-two allocation with β = 0.5 is
 *   w_k = β·P_k + (1 − β)·P_k·Σ_{j≠k} P_j/(1 − P_j),
 * the probability that top-two sampling (best draw with probability β, else
 * re-sample until another arm is best) picks arm k. Weights below the floor
 * are raised to it and the rest rescaled. A stop is recommended when one
 * arm's P(best) reaches the threshold.
 */
#ifndef GP_TRIAL_ADAPT_H
#define GP_TRIAL_ADAPT_H

#include <stdbool.h>

#include "engine/gp_trial_rand.h"
#include "util/gp_error.h"

/* One arm's data so far. */
typedef struct gp_trial_arm_data {
  double n;         /* units observed */
  double successes; /* binary: number of 1s */
  double mean;      /* normal: sample mean */
  double sd;        /* normal: sample standard deviation */
} gp_trial_arm_data;

/* The recommendation. Arrays are caller-owned, k long. */
typedef struct gp_trial_adapt_out {
  double *prob_best; /* P(arm is best) */
  double *weight;    /* allocation for the next batch (sums to 1) */
  int best;          /* arm with the highest P(best) */
  bool stop;         /* prob_best[best] >= threshold */
} gp_trial_adapt_out;

/* Computes the allocation. Returns GP_EINVAL naming "--floor" when
 * floor·k >= 1, or "arm" when a normal arm has fewer than 2 units. */
gp_code gp_trial_adapt(int k, const gp_trial_arm_data *arms, bool binary, double floor_w,
                       double threshold, long draws, gp_trial_rng *rng, gp_trial_adapt_out *out,
                       gp_error *err);

/* The top-two weights from P(best) (no floor); out may alias nothing. */
void gp_trial_top_two(int k, const double *prob_best, double beta, double *out);

/* Raises weights below floor to floor and rescales the others (in place). */
void gp_trial_apply_floor(int k, double *w, double floor_w);

#endif
