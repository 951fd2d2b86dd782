/* gp_trial_rand — random assignment and the samplers trials need, on the
 * project's generator (engine/gp_rng.h); see gp_trial_rand.h. */
#include "engine/gp_trial_rand.h"

#include <math.h>
#include <stdlib.h>

void gp_trial_rng_seed(gp_trial_rng *r, uint64_t seed) { gp_rng_seed(r, seed); }

uint64_t gp_trial_rng_next(gp_trial_rng *r) { return gp_rng_next(r); }

double gp_trial_rng_uniform(gp_trial_rng *r) { return gp_rng_uniform(r); }

uint64_t gp_trial_rng_below(gp_trial_rng *r, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n; /* accept x < limit */
  uint64_t x;
  do
    x = gp_trial_rng_next(r);
  while (x >= limit);
  return x % n;
}

double gp_trial_rng_normal(gp_trial_rng *r) {
  double u, v, s;
  do {
    u = 2.0 * gp_trial_rng_uniform(r) - 1.0;
    v = 2.0 * gp_trial_rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  return u * sqrt(-2.0 * log(s) / s);
}

double gp_trial_rng_gamma(gp_trial_rng *r, double a) {
  if (a < 1.0) {
    double u = gp_trial_rng_uniform(r);
    while (u == 0.0)
      u = gp_trial_rng_uniform(r);
    return gp_trial_rng_gamma(r, a + 1.0) * pow(u, 1.0 / a);
  }
  double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = gp_trial_rng_normal(r);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = gp_trial_rng_uniform(r);
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
  }
}

double gp_trial_rng_beta(gp_trial_rng *r, double a, double b) {
  double x = gp_trial_rng_gamma(r, a), y = gp_trial_rng_gamma(r, b);
  return x / (x + y);
}

void gp_trial_complete_counts(gp_trial_rng *r, size_t n, int k, const double *prob,
                              size_t *counts) {
  size_t assigned = 0;
  double frac_sum = 0;
  for (int j = 0; j < k; j++) {
    double e = (double)n * prob[j];
    counts[j] = (size_t)floor(e + 1e-12);
    assigned += counts[j];
  }
  size_t extra = assigned < n ? n - assigned : 0;
  if (extra == 0) return;
  /* Systematic sampling of `extra` arms with inclusion probabilities equal
   * to the fractional parts f_j (which sum to `extra`, each < 1). */
  double u = gp_trial_rng_uniform(r);
  double cum = 0;
  size_t next = 0; /* the next point u + next to place */
  for (int j = 0; j < k && next < extra; j++) {
    double f = (double)n * prob[j] - (double)counts[j];
    if (f < 0) f = 0;
    frac_sum += f;
    cum = frac_sum;
    if (u + (double)next < cum) {
      counts[j]++;
      next++;
    }
  }
  /* Rounding: if the points were not all placed, give the rest to the last arms. */
  for (int j = k - 1; next < extra && j >= 0; j--, next++)
    counts[j]++;
}

gp_code gp_trial_assign(gp_trial_rng *r, gp_trial_design design, size_t n, int k,
                        const double *prob, const int *block, int nblocks, int *arm_out,
                        gp_error *err) {
  double sum = 0;
  if (k < 2) return gp_fail(err, GP_EINVAL, "--arms", "need at least two arms");
  for (int j = 0; j < k; j++) {
    if (!(prob[j] > 0 && prob[j] < 1))
      return gp_fail(err, GP_EINVAL, "--ratio",
                     "assignment probability of arm %d is %g: must be strictly between 0 and 1",
                     j + 1, prob[j]);
    sum += prob[j];
  }
  if (fabs(sum - 1.0) > 1e-9)
    return gp_fail(err, GP_EINVAL, "--ratio", "probabilities sum to %g, not 1", sum);
  if (design == GP_TRIAL_DESIGN_SIMPLE) {
    for (size_t i = 0; i < n; i++) {
      double u = gp_trial_rng_uniform(r), c = 0;
      int a = k - 1;
      for (int j = 0; j < k; j++) {
        c += prob[j];
        if (u < c) {
          a = j;
          break;
        }
      }
      arm_out[i] = a;
    }
    return GP_OK;
  }
  if (!block) nblocks = 1;
  /* Gather each block's units (in file order), then assign block by block. */
  size_t *count = calloc((size_t)nblocks + 1, sizeof *count);
  size_t *start = calloc((size_t)nblocks + 1, sizeof *start);
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  int *arms = malloc((n ? n : 1) * sizeof *arms);
  size_t *counts = malloc((size_t)k * sizeof *counts);
  if (!count || !start || !idx || !arms || !counts) {
    free(count), free(start), free(idx), free(arms), free(counts);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory assigning %zu units", n);
  }
  for (size_t i = 0; i < n; i++)
    count[block ? block[i] : 0]++;
  for (int b = 1; b <= nblocks; b++)
    start[b] = start[b - 1] + count[b - 1];
  for (int b = 0; b < nblocks; b++)
    count[b] = 0;
  for (size_t i = 0; i < n; i++) {
    int b = block ? block[i] : 0;
    idx[start[b] + count[b]++] = i;
  }
  for (int b = 0; b < nblocks; b++) {
    size_t m = count[b], pos = 0;
    if (m == 0) continue;
    gp_trial_complete_counts(r, m, k, prob, counts);
    for (int j = 0; j < k; j++)
      for (size_t c = 0; c < counts[j]; c++)
        arms[pos++] = j;
    for (size_t i = m - 1; i > 0; i--) { /* Fisher–Yates */
      size_t s = (size_t)gp_trial_rng_below(r, i + 1);
      int t = arms[i];
      arms[i] = arms[s];
      arms[s] = t;
    }
    for (size_t i = 0; i < m; i++)
      arm_out[idx[start[b] + i]] = arms[i];
  }
  free(count), free(start), free(idx), free(arms), free(counts);
  return GP_OK;
}
