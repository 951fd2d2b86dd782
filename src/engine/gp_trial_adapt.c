/* gp_trial_adapt — top-two Thompson sampling; see gp_trial_adapt.h. */
#include "engine/gp_trial_adapt.h"

#include <math.h>
#include <stdlib.h>

void gp_trial_top_two(int k, const double *pb, double beta, double *out) {
  for (int a = 0; a < k; a++) {
    double s = 0;
    for (int j = 0; j < k; j++)
      if (j != a && pb[j] < 1.0) s += pb[j] / (1.0 - pb[j]);
    out[a] = beta * pb[a] + (1.0 - beta) * pb[a] * s;
  }
  /* If one arm has P(best) = 1 the second pick is undefined: give it to the
   * others in proportion 1/(k−1). */
  double tot = 0;
  for (int a = 0; a < k; a++)
    tot += out[a];
  if (tot < 1.0 - 1e-12) {
    for (int a = 0; a < k; a++)
      if (pb[a] < 1.0) out[a] += (1.0 - tot) / (k - 1);
  }
}

void gp_trial_apply_floor(int k, double *w, double floor_w) {
  if (floor_w <= 0) return;
  for (int iter = 0; iter < k; iter++) {
    double fixed = 0, free_sum = 0;
    int nfix = 0;
    for (int a = 0; a < k; a++) {
      if (w[a] <= floor_w) {
        nfix++;
        fixed += floor_w;
      } else {
        free_sum += w[a];
      }
    }
    bool changed = false;
    for (int a = 0; a < k; a++) {
      if (w[a] <= floor_w) {
        if (w[a] != floor_w) changed = true;
        w[a] = floor_w;
      } else {
        double nw = w[a] * (1.0 - fixed) / free_sum;
        if (nw != w[a]) changed = true;
        w[a] = nw;
      }
    }
    (void)nfix;
    if (!changed) break;
  }
}

gp_code gp_trial_adapt(int k, const gp_trial_arm_data *arms, bool binary, double floor_w,
                       double threshold, long draws, gp_trial_rng *rng, gp_trial_adapt_out *out,
                       gp_error *err) {
  if (k < 2) return gp_fail(err, GP_EINVAL, "--arms", "need at least two arms");
  if (!(floor_w >= 0 && floor_w * k < 1))
    return gp_fail(err, GP_EINVAL, "--floor", "must be >= 0 and below 1/(number of arms)");
  if (!(threshold > 0 && threshold < 1))
    return gp_fail(err, GP_EINVAL, "--threshold", "must be strictly between 0 and 1");
  for (int a = 0; a < k; a++) {
    if (binary && !(arms[a].successes >= 0 && arms[a].successes <= arms[a].n))
      return gp_fail(err, GP_EINVAL, "arm", "arm %d: successes outside 0..n", a + 1);
    if (!binary && !(arms[a].n >= 2 && arms[a].sd > 0))
      return gp_fail(err, GP_EINVAL, "arm",
                     "arm %d: a normal outcome needs at least 2 units and sd > 0", a + 1);
  }
  double *wins = calloc((size_t)k, sizeof(double));
  if (!wins) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  for (long d = 0; d < draws; d++) {
    int best = 0;
    double bv = -INFINITY;
    for (int a = 0; a < k; a++) {
      double x = binary ? gp_trial_rng_beta(rng, 1.0 + arms[a].successes,
                                            1.0 + arms[a].n - arms[a].successes)
                        : arms[a].mean + arms[a].sd / sqrt(arms[a].n) * gp_trial_rng_normal(rng);
      if (x > bv) {
        bv = x;
        best = a;
      }
    }
    wins[best] += 1;
  }
  out->best = 0;
  for (int a = 0; a < k; a++) {
    out->prob_best[a] = wins[a] / (double)draws;
    if (out->prob_best[a] > out->prob_best[out->best]) out->best = a;
  }
  free(wins);
  gp_trial_top_two(k, out->prob_best, 0.5, out->weight);
  gp_trial_apply_floor(k, out->weight, floor_w);
  out->stop = out->prob_best[out->best] >= threshold;
  return GP_OK;
}
