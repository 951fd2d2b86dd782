/*
 * test_trial_engine — the trial engine's parts that have no R reference run:
 *  - GrowthBook's published test cases (growthbook/growthbook at commit
 *    8f1db4456915a8e7b7faf23d5632ca7219d2f469: packages/stats/tests/
 *    frequentist/test_tests.py, bayesian/test_tests.py,
 *    packages/shared/test/power.test.ts and experiments.test.ts (Holm, BH),
 *    packages/back-end/test/stats.test.ts (SRM)), reproduced where our
 *    method is theirs, to the decimals they publish;
 *  - the generator against the published xoshiro256** / splitmix64
 *    algorithm (values from an independent Python port), randomisation
 *    counts and assignment probabilities (Monte Carlo, 4 standard errors);
 *  - top-two Thompson sampling against closed forms (Monte Carlo, 4 SE);
 *  - bad input: every case of issue 4 gives GP_EINVAL naming the place.
 */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/gp_trial_adapt.h"
#include "engine/gp_trial_est.h"
#include "engine/gp_trial_power.h"
#include "engine/gp_trial_rand.h"
#include "io/gp_trialcsv.h"

#define GB_TOL 6e-6

static void near_abs(double got, double want, double tol, const char *what) {
  if (!(fabs(got - want) <= tol)) {
    print_error("%s: got %.10g, want %.10g\n", what, got, want);
    fail();
  }
}

/* ---- GrowthBook ---------------------------------------------------------- */

/* A GrowthBook SampleMeanStatistic(sum, sum_squares, n). */
typedef struct gb_stat {
  double sum, ss, n;
} gb_stat;
static double gb_mean(gb_stat s) { return s.sum / s.n; }
static double gb_var(gb_stat s) { return (s.ss - s.sum * s.sum / s.n) / (s.n - 1); }

/* GrowthBook's relative effect and its delta-method standard error
 * (frequentistVariance, relative = true). */
static void gb_relative(double ma, double va, double na, double mb, double vb, double nb,
                        double *est, double *se) {
  *est = mb / ma - 1;
  *se = sqrt(vb / (ma * ma * nb) + va * mb * mb / (ma * ma * ma * ma * na));
}

static void test_gb_welch_absolute(void **state) {
  (void)state;
  /* test_two_sided_ttest_absolute */
  gb_stat a = {1396.87, 52377.9767, 3407}, b = {2422.7, 134698.29, 3461};
  gp_trial_test t;
  assert_int_equal(
      gp_trial_welch(b.n, gb_mean(b), gb_var(b), a.n, gb_mean(a), gb_var(a), 0.05, &t, NULL),
      GP_OK);
  near_abs(t.estimate, 0.29, GB_TOL, "expected");
  near_abs(t.std_error, 0.12478, GB_TOL, "uplift stddev");
  near_abs(t.conf_low, 0.04538, GB_TOL, "ci low");
  near_abs(t.conf_high, 0.53462, GB_TOL, "ci high");
  near_abs(t.p_value, 0.02016, GB_TOL, "p");
}

static void test_gb_sequential(void **state) {
  (void)state;
  /* test_sequential_test_runs: relative effect, tuning 1000 */
  gb_stat a = {1396.87, 52377.9767, 3000}, b = {2422.7, 134698.29, 3461};
  double est, se;
  gb_relative(gb_mean(a), gb_var(a), a.n, gb_mean(b), gb_var(b), b.n, &est, &se);
  gp_trial_seq q;
  gp_trial_sequential(est, se, a.n + b.n, 1000, 0.05, &q);
  near_abs(est, 0.50336, GB_TOL, "expected");
  near_abs(se, 0.33341, GB_TOL, "stddev");
  near_abs(q.conf_low, -0.55844, GB_TOL, "ci low");
  near_abs(q.conf_high, 1.56516, GB_TOL, "ci high");
  near_abs(q.p_value, 1.0, 1e-12, "p");
  /* test_sequential_test_runs_prop: proportions, default tuning 5000 */
  double pa = 1396.0 / 3000, pb = 2422.0 / 3461;
  gb_relative(pa, pa * (1 - pa), 3000, pb, pb * (1 - pb), 3461, &est, &se);
  gp_trial_sequential(est, se, 6461, 5000, 0.05, &q);
  near_abs(est, 0.50386, GB_TOL, "prop expected");
  near_abs(se, 0.03386, GB_TOL, "prop stddev");
  near_abs(q.conf_low, 0.40098, GB_TOL, "prop ci low");
  near_abs(q.conf_high, 0.60675, GB_TOL, "prop ci high");
  near_abs(q.p_value, 0.0, 5e-6, "prop p");
}

static void test_gb_bayes(void **state) {
  (void)state;
  gp_trial_bayes b;
  double est, se;
  /* TestNorm: SampleMeanStatistic(sum=100, sum_squares=1002.25, n=10) vs (105, 1111.5, 10) */
  gb_stat a = {100, 1002.25, 10}, t = {105, 1111.5, 10};
  gb_relative(gb_mean(a), gb_var(a), a.n, gb_mean(t), gb_var(t), t.n, &est, &se);
  gp_trial_bayes_normal(est, se, 0, 0, 0, 0.05, &b);
  near_abs(b.mean, 0.05, GB_TOL, "expected");
  near_abs(b.sd, 0.03572, GB_TOL, "stddev");
  near_abs(b.conf_low, -0.02, GB_TOL, "ci low");
  near_abs(b.conf_high, 0.12, GB_TOL, "ci high");
  near_abs(b.prob_positive, 0.91923, GB_TOL, "chance to win");
  /* informative prior N(0.1, variance 0.1) */
  gp_trial_bayes_normal(est, se, 0.1, sqrt(0.1), 0, 0.05, &b);
  near_abs(b.mean, 0.05063, GB_TOL, "informative expected");
  near_abs(b.sd, 0.03549, GB_TOL, "informative stddev");
  near_abs(b.conf_low, -0.01893, GB_TOL, "informative ci low");
  near_abs(b.conf_high, 0.12019, GB_TOL, "informative ci high");
  near_abs(b.prob_positive, 0.92315, GB_TOL, "informative chance to win");
  /* TestBinom: ProportionStatistic(49, 100) vs (51, 100) */
  gb_relative(0.49, 0.49 * 0.51, 100, 0.51, 0.51 * 0.49, 100, &est, &se);
  gp_trial_bayes_normal(est, se, 0, 0, 0, 0.05, &b);
  near_abs(b.mean, 0.04082, GB_TOL, "binom expected");
  near_abs(b.sd, 0.14725, GB_TOL, "binom stddev");
  near_abs(b.conf_low, -0.24779, GB_TOL, "binom ci low");
  near_abs(b.conf_high, 0.32943, GB_TOL, "binom ci high");
  near_abs(b.prob_positive, 0.60918, GB_TOL, "binom chance to win");
  /* threshold: P(effect > t) = Φ((mean − t)/sd) */
  gp_trial_bayes_normal(1.0, 0.5, 0, 0, 0.5, 0.05, &b);
  near_abs(b.prob_above, gsl_cdf_ugaussian_P(1.0), 1e-12, "threshold");
}

static void test_gb_power(void **state) {
  (void)state;
  /* power.test.ts: mean 10, sd² 3909.9997749994377, relative effect 0.05,
   * n 400000 over 3 variations, alpha 0.05 */
  double mu = 10, v = 3909.9997749994377, n = 400000, per = n / 3, mb = mu * 1.05;
  double se = sqrt(v / (mu * mu * per) + v * mb * mb / (mu * mu * mu * mu * per));
  near_abs(gp_trial_power_normal(0.05, se, 0.05, true, false, 0, 0), 0.52144, GB_TOL, "power");
  near_abs(gp_trial_power_normal(0.05, se, 0.05, true, true, 2 * n / 3, 5000), 0.20596, GB_TOL,
           "sequential power");
}

static void test_gb_srm(void **state) {
  (void)state;
  /* packages/back-end/test/stats.test.ts (checkSrm), the cases with positive weights */
  struct {
    int k;
    double users[3], w[3], p;
  } cases[] = {{2, {1000, 1200}, {0.5, 0.5}, 0.000020079},
               {2, {135, 115}, {0.5, 0.5}, 0.205903211},
               {2, {310, 98}, {0.75, 0.25}, 0.647434186},
               {3, {0, 10, 10}, {0.34, 0.33, 0.33}, 0.005790624},
               {3, {500, 500, 600}, {0.34, 0.33, 0.33}, 0.000592638},
               {2, {500, 500}, {0.5, 0.5}, 1.0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gp_trial_srm r;
    assert_int_equal(gp_trial_srm_test(cases[i].k, cases[i].users, cases[i].w, &r, NULL), GP_OK);
    near_abs(r.p_value, cases[i].p, 6e-10, "srm p");
    assert_true(r.flag == (r.p_value < 0.001));
  }
}

static void test_gb_multiplicity(void **state) {
  (void)state;
  /* packages/shared/test/experiments.test.ts, "pvalue correction method" */
  const double hp[] = {0.01, 0.04, 0.03, 0.005, 0.55, 0.6};
  const double hw[] = {0.05, 0.12, 0.12, 0.03, 1, 1};
  double out[7];
  gp_trial_holm(6, hp, out);
  for (int i = 0; i < 6; i++)
    near_abs(out[i], hw[i], 1e-12, "holm");
  const double bp[] = {0.898, 0.138, 0.007, 0.964, 0.538, 0.006, 0.138};
  const double bw[] = {0.964, 0.2415, 0.0245, 0.964, 0.7532, 0.0245, 0.2415};
  gp_trial_bh(7, bp, out);
  for (int i = 0; i < 7; i++)
    near_abs(out[i], bw[i], 5e-9, "bh");
}

static void test_sequential_solve(void **state) {
  (void)state;
  /* solving for n, then for the effect, returns the inputs (GrowthBook's formula, absolute) */
  gp_trial_power_spec s = {.kind = GP_TRIAL_MEANS,
                           .sd = 2,
                           .p0 = NAN,
                           .n = NAN,
                           .mde = 0.3,
                           .power = 0.8,
                           .alpha = 0.05,
                           .cluster_size = 1,
                           .ratio = 1.5,
                           .sequential = true,
                           .tuning = 5000};
  gp_trial_power_result r;
  assert_int_equal(gp_trial_power_solve(&s, &r, NULL), GP_OK);
  double n1 = r.n_per_arm, n2 = 1.5 * n1;
  double se = 2 * sqrt(1 / n1 + 1 / n2);
  near_abs(gp_trial_power_normal(0.3, se, 0.05, true, true, n1 + n2, 5000), 0.8, 1e-9,
           "power at n");
  s.n = n1, s.mde = NAN;
  assert_int_equal(gp_trial_power_solve(&s, &r, NULL), GP_OK);
  near_abs(r.mde, 0.3, 1e-8, "mde at n");
  /* sequential needs more units than fixed-sample for the same power */
  s.sequential = false, s.mde = 0.3, s.n = NAN;
  gp_trial_power_result f;
  assert_int_equal(gp_trial_power_solve(&s, &f, NULL), GP_OK);
  assert_true(f.n_per_arm < n1);
}

/* ---- randomisation -------------------------------------------------------- */

static void test_rng_reference(void **state) {
  (void)state;
  gp_trial_rng r;
  gp_trial_rng_seed(&r, 42);
  const uint64_t want[] = {0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL, 0xae17533239e499a1ULL,
                           0xecb8ad4703b360a1ULL};
  for (int i = 0; i < 4; i++)
    assert_true(gp_trial_rng_next(&r) == want[i]);
  gp_trial_rng_seed(&r, 0);
  assert_true(gp_trial_rng_next(&r) == 0x99ec5f36cb75f2b4ULL);
  assert_true(gp_trial_rng_next(&r) == 0xbf6e1f784956452aULL);
}

static void test_complete_counts(void **state) {
  (void)state;
  const double p[] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  int arm[100], block[100];
  for (int i = 0; i < 100; i++)
    block[i] = i % 7; /* blocks of 14 or 15 */
  for (uint64_t seed = 1; seed < 200; seed++) {
    gp_trial_rng r;
    gp_trial_rng_seed(&r, seed);
    assert_int_equal(gp_trial_assign(&r, GP_TRIAL_DESIGN_COMPLETE, 100, 3, p, block, 7, arm, NULL),
                     GP_OK);
    for (int b = 0; b < 7; b++) {
      int c[3] = {0, 0, 0}, m = 0;
      for (int i = 0; i < 100; i++)
        if (block[i] == b) c[arm[i]]++, m++;
      for (int k = 0; k < 3; k++) {
        assert_true(c[k] >= (int)floor(m / 3.0));
        assert_true(c[k] <= (int)ceil(m / 3.0));
      }
    }
  }
  /* same seed, same assignment */
  int a2[100];
  gp_trial_rng r1, r2;
  gp_trial_rng_seed(&r1, 7);
  gp_trial_rng_seed(&r2, 7);
  gp_trial_assign(&r1, GP_TRIAL_DESIGN_COMPLETE, 100, 3, p, block, 7, arm, NULL);
  gp_trial_assign(&r2, GP_TRIAL_DESIGN_COMPLETE, 100, 3, p, block, 7, a2, NULL);
  assert_memory_equal(arm, a2, sizeof arm);
}

/* Every unit's frequency of each arm is p_k within 4 standard errors. */
static void probs_check(gp_trial_design d) {
  const double p[] = {0.5, 0.3, 0.2};
  enum { N = 7, R = 20000 };
  int arm[N];
  static int cnt[N][3];
  memset(cnt, 0, sizeof cnt);
  gp_trial_rng r;
  gp_trial_rng_seed(&r, 99);
  for (int rep = 0; rep < R; rep++) {
    gp_trial_assign(&r, d, N, 3, p, NULL, 1, arm, NULL);
    int c[3] = {0, 0, 0};
    for (int i = 0; i < N; i++)
      cnt[i][arm[i]]++, c[arm[i]]++;
    if (d == GP_TRIAL_DESIGN_COMPLETE) /* 3.5, 2.1, 1.4 → 3|4, 2|3, 1|2 */
      assert_true(c[0] >= 3 && c[0] <= 4 && c[1] >= 2 && c[1] <= 3 && c[2] >= 1 && c[2] <= 2);
  }
  for (int i = 0; i < N; i++)
    for (int k = 0; k < 3; k++) {
      double f = cnt[i][k] / (double)R, se = sqrt(p[k] * (1 - p[k]) / R);
      if (!(fabs(f - p[k]) < 4 * se)) {
        print_error("unit %d arm %d: frequency %g, probability %g\n", i, k, f, p[k]);
        fail();
      }
    }
}

static void test_assignment_probabilities(void **state) {
  (void)state;
  probs_check(GP_TRIAL_DESIGN_COMPLETE);
  probs_check(GP_TRIAL_DESIGN_SIMPLE);
}

static void test_assign_bad_probs(void **state) {
  (void)state;
  gp_trial_rng r;
  gp_trial_rng_seed(&r, 1);
  int arm[4];
  gp_error e;
  const double bad[] = {1.2, -0.2};
  assert_int_equal(gp_trial_assign(&r, GP_TRIAL_DESIGN_COMPLETE, 4, 2, bad, NULL, 1, arm, &e),
                   GP_EINVAL);
  assert_string_equal(e.path, "--ratio");
}

/* ---- top-two Thompson sampling ------------------------------------------- */

/* P(Beta(a2,b2) > Beta(a1,b1)) by quadrature (independent of the sampler). */
typedef struct beta_pair {
  double a1, b1, a2, b2;
} beta_pair;
static double beta_integrand(double x, void *vp) {
  const beta_pair *p = vp;
  return gsl_ran_beta_pdf(x, p->a2, p->b2) * gsl_cdf_beta_P(x, p->a1, p->b1);
}

static void test_thompson_binary(void **state) {
  (void)state;
  gp_trial_arm_data d[2] = {{200, 40, 0, 0}, {200, 52, 0, 0}};
  double pb[2], w[2];
  gp_trial_adapt_out out = {pb, w, 0, false};
  gp_trial_rng r;
  gp_trial_rng_seed(&r, 5);
  const long draws = 200000;
  assert_int_equal(gp_trial_adapt(2, d, true, 0.0, 0.95, draws, &r, &out, NULL), GP_OK);
  beta_pair bp = {41, 161, 53, 149};
  gsl_function f = {beta_integrand, &bp};
  gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
  double exact, abserr;
  gsl_integration_qags(&f, 0, 1, 0, 1e-12, 1000, ws, &exact, &abserr);
  gsl_integration_workspace_free(ws);
  double se = sqrt(exact * (1 - exact) / draws);
  near_abs(pb[1], exact, 4 * se, "P(best) binary");
  near_abs(w[0] + w[1], 1.0, 1e-12, "weights sum");
  near_abs(w[0], 0.5, 1e-12, "two arms: top-two gives 1/2 each");
  assert_int_equal(out.best, 1);
  assert_false(out.stop);
}

static void test_thompson_normal(void **state) {
  (void)state;
  gp_trial_arm_data d[3] = {{50, 0, 10.0, 2.0}, {60, 0, 10.6, 2.5}, {40, 0, 9.0, 1.5}};
  double pb[3], w[3];
  gp_trial_adapt_out out = {pb, w, 0, false};
  gp_trial_rng r;
  gp_trial_rng_seed(&r, 11);
  const long draws = 200000;
  assert_int_equal(gp_trial_adapt(3, d, false, 0.05, 0.5, draws, &r, &out, NULL), GP_OK);
  /* arm 2 is far below: P(best) ≈ 0; then P(arm1 best) ≈ P(arm1 > arm0) */
  double s = sqrt(4.0 / 50 + 6.25 / 60);
  double p10 = gsl_cdf_ugaussian_P(0.6 / s);
  near_abs(pb[1], p10, 4 * sqrt(p10 * (1 - p10) / draws) + 1e-4, "P(best) normal");
  near_abs(w[0] + w[1] + w[2], 1.0, 1e-12, "weights sum");
  assert_true(w[2] >= 0.05 - 1e-12);
  assert_true(out.stop); /* threshold 0.5 */
  /* top-two closed form with the floor */
  double t[3], pbx[3] = {0.2, 0.7, 0.1};
  gp_trial_top_two(3, pbx, 0.5, t);
  near_abs(t[0], 0.1 + 0.5 * 0.2 * (0.7 / 0.3 + 0.1 / 0.9), 1e-12, "top-two formula");
  near_abs(t[0] + t[1] + t[2], 1.0, 1e-12, "top-two sum");
  gp_error e;
  assert_int_equal(gp_trial_adapt(3, d, false, 0.4, 0.9, 1000, &r, &out, &e), GP_EINVAL);
  assert_string_equal(e.path, "--floor");
}

/* ---- bad input ----------------------------------------------------------- */

static const char *write_tmp(const char *name, const char *text) {
  static char path[256];
  snprintf(path, sizeof path, "/tmp/gp_test_trial_%d_%s", (int)getpid(), name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static gp_code analyse(const char *text, const char *control, const char *cov, const char *cluster,
                       gp_error *e) {
  static const char *const y[] = {"y"};
  const char *covs[1] = {cov};
  gp_trialcsv_analyse_spec s = {.path = write_tmp("bad.csv", text),
                                .outcomes = y,
                                .n_outcomes = 1,
                                .arm = "arm",
                                .control = control,
                                .covariates = covs,
                                .n_covariates = cov ? 1 : 0,
                                .cluster = cluster,
                                .opts = {.alpha = 0.05}};
  gp_trialcsv_analysis a;
  gp_error_clear(e);
  gp_code rc = gp_trialcsv_analyse(&s, &a, e);
  if (!rc) gp_trialcsv_analysis_free(&a);
  remove(s.path);
  return rc;
}

static void test_bad_input(void **state) {
  (void)state;
  gp_error e;
  const char *good = "arm,y,x,c\nA,1,1,k1\nA,2,2,k2\nA,2,4,k1\nB,3,1,k1\nB,5,3,k2\nB,4,5,k2\n";
  assert_int_equal(analyse(good, NULL, "x", NULL, &e), GP_OK);
  /* missing arm value: line 3 column 1 */
  assert_int_equal(analyse("arm,y\nA,1\n,2\nB,3\nB,4\nA,5\n", NULL, NULL, NULL, &e), GP_EINVAL);
  assert_non_null(strstr(e.path, ":3:1"));
  assert_non_null(strstr(e.message, "missing arm"));
  /* control arm that does not exist */
  assert_int_equal(analyse(good, "Z", NULL, NULL, &e), GP_EINVAL);
  assert_string_equal(e.path, "--control");
  /* non-numeric outcome */
  assert_int_equal(analyse("arm,y\nA,1\nA,2\nB,x3\nB,4\n", NULL, NULL, NULL, &e), GP_EINVAL);
  assert_non_null(strstr(e.path, ":4:2"));
  assert_non_null(strstr(e.message, "not a number"));
  /* constant covariate, named */
  assert_int_equal(analyse("arm,y,x\nA,1,7\nA,2,7\nB,3,7\nB,4,7\n", NULL, "x", NULL, &e),
                   GP_EINVAL);
  assert_string_equal(e.path, "--covariates");
  assert_non_null(strstr(e.message, "'x'"));
  /* single cluster */
  assert_int_equal(analyse("arm,y,c\nA,1,k\nA,2,k\nB,3,k\nB,4,k\n", NULL, NULL, "c", &e),
                   GP_EINVAL);
  assert_string_equal(e.path, "--cluster");
  /* fewer than 2 observations in an arm */
  assert_int_equal(analyse("arm,y\nA,1\nA,2\nB,3\n", NULL, NULL, NULL, &e), GP_EINVAL);
  assert_non_null(strstr(e.message, "'B'"));
  /* a missing column */
  assert_int_equal(analyse(good, NULL, "nope", NULL, &e), GP_EINVAL);
  assert_string_equal(e.path, "--covariates");
  /* malformed CSV */
  assert_int_equal(analyse("arm,y\nA,\"1\nA,2\n", NULL, NULL, NULL, &e), GP_ESYNTAX);
  /* ratio that does not match the arms */
  static const char *const y[] = {"y"};
  double ratio[3] = {1, 1, 1};
  gp_trialcsv_analyse_spec s = {.path = write_tmp("r.csv", good),
                                .outcomes = y,
                                .n_outcomes = 1,
                                .arm = "arm",
                                .ratio = ratio,
                                .n_ratio = 3,
                                .opts = {.alpha = 0.05}};
  gp_trialcsv_analysis a;
  assert_int_equal(gp_trialcsv_analyse(&s, &a, &e), GP_EINVAL);
  assert_string_equal(e.path, "--ratio");
  remove(s.path);
  /* power: probability outside (0,1) */
  gp_trial_power_spec ps = {.kind = GP_TRIAL_PROPORTIONS,
                            .p0 = 1.2,
                            .n = 100,
                            .mde = 0.1,
                            .power = NAN,
                            .alpha = 0.05,
                            .cluster_size = 1,
                            .ratio = 1};
  gp_trial_power_result pr;
  assert_int_equal(gp_trial_power_solve(&ps, &pr, &e), GP_EINVAL);
  assert_string_equal(e.path, "--p0");
  ps.p0 = 0.5, ps.alpha = 1.5;
  assert_int_equal(gp_trial_power_solve(&ps, &pr, &e), GP_EINVAL);
  assert_string_equal(e.path, "--alpha");
}

static void test_assign_file(void **state) {
  (void)state;
  const char *in =
      write_tmp("units.csv", "id,school,region,score\n1,s1,N,10\n2,s1,N,12\n3,s2,N,9\n4,s2,N,11\n"
                             "5,s3,S,8\n6,s3,S,14\n7,s4,S,10\n8,s4,S,13\n");
  char outp[300];
  snprintf(outp, sizeof outp, "%s.out", in);
  static const char *const arms[] = {"control", "treat"};
  static const char *const strata[] = {"region"};
  const double prob[] = {0.5, 0.5};
  gp_trialcsv_assign_spec s = {.path = in,
                               .out_path = outp,
                               .arms = arms,
                               .n_arms = 2,
                               .prob = prob,
                               .strata = strata,
                               .n_strata = 1,
                               .cluster = "school",
                               .design = GP_TRIAL_DESIGN_COMPLETE,
                               .seed = 3};
  gp_trialcsv_assignment a;
  gp_error e;
  gp_code rc = gp_trialcsv_assign(&s, &a, &e);
  if (rc) print_error("%s: %s\n", e.path, e.message);
  assert_int_equal(rc, GP_OK);
  assert_int_equal(a.n_units, 8);
  assert_int_equal(a.n_clusters, 4);
  /* one school per arm in each region */
  assert_true(a.cluster_count[0] == 2 && a.cluster_count[1] == 2);
  assert_int_equal(a.n_balance, 2); /* id and score */
  gp_trialcsv_assignment_free(&a, 2);
  /* the output: every school's pupils share an arm */
  FILE *f = fopen(outp, "r");
  assert_non_null(f);
  char line[256], arm_of[5][16] = {"", "", "", "", ""};
  assert_non_null(fgets(line, sizeof line, f));
  assert_string_equal(line, "id,school,region,score,arm,prob_control,prob_treat\n");
  while (fgets(line, sizeof line, f)) {
    int id, sc;
    char reg[8], armv[16];
    assert_int_equal(sscanf(line, "%d,s%d,%7[^,],%*d,%15[^,],", &id, &sc, reg, armv), 4);
    if (arm_of[sc][0]) assert_string_equal(arm_of[sc], armv);
    snprintf(arm_of[sc], sizeof arm_of[sc], "%s", armv);
    assert_non_null(strstr(line, ",0.5,0.5"));
  }
  fclose(f);
  remove(outp);
  /* a cluster in two strata is refused and nothing is written */
  const char *bad = write_tmp("units2.csv", "id,school,region\n1,s1,N\n2,s1,S\n3,s2,N\n");
  s.path = bad;
  snprintf(outp, sizeof outp, "%s.out", bad);
  s.out_path = outp;
  assert_int_equal(gp_trialcsv_assign(&s, &a, &e), GP_EINVAL);
  assert_non_null(strstr(e.path, ":3"));
  assert_null(fopen(outp, "r"));
  remove(bad);
  remove(in);
}

static void test_adapt_file(void **state) {
  (void)state;
  static const char *const arms[] = {"A", "B"};
  gp_trial_arm_data d[2];
  gp_error e;
  const char *p = write_tmp("ad.csv", "arm,outcome\nA,1\nB,0\nA,0\nB,1\nB,1\n");
  assert_int_equal(gp_trialcsv_arm_data(p, "arm", "outcome", true, 2, arms, d, &e), GP_OK);
  near_abs(d[0].n, 2, 0, "n A");
  near_abs(d[0].successes, 1, 0, "s A");
  near_abs(d[1].n, 3, 0, "n B");
  near_abs(d[1].successes, 2, 0, "s B");
  p = write_tmp("ad2.csv", "arm,n,mean,sd\nB,40,2.5,1.5\nA,30,2.0,1.0\n");
  assert_int_equal(gp_trialcsv_arm_data(p, "arm", "outcome", false, 2, arms, d, &e), GP_OK);
  near_abs(d[1].mean, 2.5, 0, "mean B");
  near_abs(d[0].sd, 1.0, 0, "sd A");
  p = write_tmp("ad3.csv", "arm,outcome\nA,1\nC,0\n");
  assert_int_equal(gp_trialcsv_arm_data(p, "arm", "outcome", true, 2, arms, d, &e), GP_EINVAL);
  assert_non_null(strstr(e.path, ":3:1"));
  p = write_tmp("ad4.csv", "arm,outcome\nA,1\nB,2\n");
  assert_int_equal(gp_trialcsv_arm_data(p, "arm", "outcome", true, 2, arms, d, &e), GP_EINVAL);
  remove(p);
}

static void test_fast_numbers(void **state) {
  (void)state;
  /* the fast decimal path must give exactly strtod's double */
  const char *cases[] = {"0",
                         "-0",
                         "1",
                         "3.14159",
                         "-2.5e-3",
                         "123456789012345",
                         "0.1",
                         "1e22",
                         "1e-22",
                         "9007199254740993",
                         "1.7976931348623157e308",
                         "4.9e-324",
                         "000123.4500",
                         "+7",
                         "1E5",
                         "12345.678901234567"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double v = 0;
    assert_true(gp_trialcsv_number(cases[i], &v));
    assert_true(v == strtod(cases[i], NULL));
  }
  double v;
  assert_false(gp_trialcsv_number("", &v));
  assert_false(gp_trialcsv_number("1e", &v));
  assert_false(gp_trialcsv_number("abc", &v));
  assert_false(gp_trialcsv_number("1.2.3", &v));
  assert_false(gp_trialcsv_number("nan", &v));
  assert_false(gp_trialcsv_number("inf", &v));
  assert_false(gp_trialcsv_number("1e999", &v));
}

/* Appends printf-formatted text to a growing buffer. */
static void put(char **buf, size_t *len, size_t *cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[128];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  assert_true(n > 0 && (size_t)n < sizeof tmp);
  if (*len + (size_t)n + 1 > *cap) {
    *cap = (*cap + (size_t)n + 1) * 2;
    *buf = realloc(*buf, *cap);
    assert_non_null(*buf);
  }
  memcpy(*buf + *len, tmp, (size_t)n + 1);
  *len += (size_t)n;
}

/* The analysis's fast paths (plain lines parsed in place, 8-digit number
 * parsing, the compact HC2 spool) against the general ones (every field
 * quoted, so libcsv splits the lines): the same numbers, bit for bit, on
 * numbers of many forms (some only strtod reads); each arm's mean equals
 * Welford's mean of strtod's values exactly; and the HC2 errors (second pass
 * from the spool) equal CR2 with one cluster per row (no second pass), which
 * is the same estimator. */
static void test_fast_paths_agree(void **state) {
  (void)state;
  static const char *const fmts[] = {"%.6f", "%.6f", "%.6f",  "%.3f", "%.9f", "%.0f",
                                     "%.7f", "%.2e", "%+.4f", "%.6f", "%.12f"};
  char *txt[2] = {NULL, NULL};
  size_t len[2] = {0, 0}, cap[2] = {0, 0};
  gp_trial_moments mom[3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
  uint64_t st = 12345;
  for (int q = 0; q < 2; q++)
    put(&txt[q], &len[q], &cap[q], q ? "\"arm\",\"y\",\"x1\",\"x2\",\"id\"\n" : "arm,y,x1,x2,id\n");
  for (int i = 0; i < 3000; i++) {
    char f[3][64];
    double v[3];
    for (int j = 0; j < 3; j++) {
      st = st * 6364136223846793005ULL + 1442695040888963407ULL;
      double u = (double)(st >> 11) * 0x1.0p-53 - 0.5;
      double x =
          (j == 0 ? 3.0 : 1.0) * u * (i % 97 == 5 ? 1e7 : 10.0) + (j == 1 ? 0.3 * i / 3000 : 0);
      if (i % 211 == 7) x = -0.0;
      snprintf(f[j], sizeof f[j], fmts[(i + 3 * j) % 11], x);
      v[j] = strtod(f[j], NULL);
    }
    int arm = i < 1500 ? i % 2 : i % 3; /* a third arm appears half way */
    const char *name[3] = {"control", "treat", "t2"};
    v[0] += 0.5 * arm;
    snprintf(f[0], sizeof f[0], fmts[i % 11], v[0]);
    v[0] = strtod(f[0], NULL);
    gp_trial_moments_add(&mom[arm], v[0]);
    put(&txt[0], &len[0], &cap[0], "%s,%s,%s,%s,r%d\n", name[arm], f[0], f[1], f[2], i);
    put(&txt[1], &len[1], &cap[1], "\"%s\",\"%s\",\"%s\",\"%s\",\"r%d\"\n", name[arm], f[0], f[1],
        f[2], i);
  }
  static const char *const y[] = {"y"}, *const covs[] = {"x1", "x2"};
  gp_trialcsv_analysis a[3];
  for (int q = 0; q < 3; q++) {
    gp_trialcsv_analyse_spec s = {.path = "mem.csv",
                                  .data = txt[q % 2],
                                  .data_len = len[q % 2],
                                  .cluster = q == 2 ? "id" : NULL,
                                  .outcomes = y,
                                  .n_outcomes = 1,
                                  .arm = "arm",
                                  .control = "control",
                                  .covariates = covs,
                                  .n_covariates = 2,
                                  .opts = {.alpha = 0.05}};
    gp_error e;
    assert_int_equal(gp_trialcsv_analyse(&s, &a[q], &e), GP_OK);
  }
  assert_int_equal(a[0].res.n_arms, 3);
  assert_int_equal(a[0].res.n_comp, a[1].res.n_comp);
  for (int k = 0; k < 3; k++) {
    assert_true(a[0].res.arm_mean[k] == mom[k].mean);
    assert_true(a[1].res.arm_mean[k] == mom[k].mean);
  }
  for (int i = 0; i < a[0].res.n_comp; i++) {
    assert_true(a[0].res.comp[i].t.estimate == a[1].res.comp[i].t.estimate);
    assert_true(a[0].res.comp[i].t.std_error == a[1].res.comp[i].t.std_error);
    assert_true(isfinite(a[0].res.comp[i].t.std_error) && a[0].res.comp[i].t.std_error > 0);
  }
  int checked = 0;
  for (int i = 0; i < a[0].res.n_comp; i++) {
    const gp_trial_comparison *h = &a[0].res.comp[i];
    if (strcmp(h->se_type, "HC2")) continue;
    for (int j = 0; j < a[2].res.n_comp; j++) {
      const gp_trial_comparison *g = &a[2].res.comp[j];
      if (g->arm != h->arm || strcmp(g->estimator, h->estimator)) continue;
      assert_string_equal(g->se_type, "CR2");
      assert_true(g->t.estimate == h->t.estimate ||
                  fabs(g->t.estimate / h->t.estimate - 1) < 1e-12);
      if (!(fabs(g->t.std_error / h->t.std_error - 1) < 1e-11))
        fail_msg("%s arm %d: HC2 %.17g, CR2 singletons %.17g", h->estimator, h->arm, h->t.std_error,
                 g->t.std_error);
      checked++;
    }
  }
  assert_int_equal(checked, 4); /* ols and lin, two arms */
  /* read in two parts on two threads (forced on this small input): the same
   * numbers but for rounding, the third arm first met in the second part */
  gp_trialcsv_analyse_spec ps = {.path = "mem.csv",
                                 .data = txt[0],
                                 .data_len = len[0],
                                 .outcomes = y,
                                 .n_outcomes = 1,
                                 .arm = "arm",
                                 .control = "control",
                                 .covariates = covs,
                                 .n_covariates = 2,
                                 .opts = {.alpha = 0.05},
                                 .parallel_min = 1,
                                 .parallel_threads = 1};
  gp_trialcsv_analysis pa, pt;
  gp_error e;
  assert_int_equal(gp_trialcsv_analyse(&ps, &pa, &e), GP_OK);
  ps.parallel_threads = 2; /* the parts on two threads: the same answer exactly */
  assert_int_equal(gp_trialcsv_analyse(&ps, &pt, &e), GP_OK);
  ps.parallel_threads = 1;
  for (int i = 0; i < pa.res.n_comp; i++) {
    assert_true(pt.res.comp[i].t.estimate == pa.res.comp[i].t.estimate);
    assert_true(pt.res.comp[i].t.std_error == pa.res.comp[i].t.std_error);
  }
  gp_trialcsv_analysis_free(&pt);
  assert_int_equal(pa.res.n_arms, 3);
  assert_int_equal(pa.res.n_comp, a[0].res.n_comp);
  for (int k = 0; k < 3; k++) {
    assert_string_equal(pa.arm_names[k], a[0].arm_names[k]);
    assert_true(pa.res.arm_n[k] == a[0].res.arm_n[k]);
    assert_true(fabs(pa.res.arm_mean[k] - a[0].res.arm_mean[k]) <=
                1e-12 * fabs(a[0].res.arm_mean[k]));
  }
  bool differs = false;
  for (int i = 0; i < pa.res.n_comp; i++) {
    const gp_trial_test *t1 = &pa.res.comp[i].t, *t0 = &a[0].res.comp[i].t;
    assert_string_equal(pa.res.comp[i].estimator, a[0].res.comp[i].estimator);
    assert_true(fabs(t1->estimate - t0->estimate) <= 1e-10 * fabs(t0->std_error));
    assert_true(fabs(t1->std_error / t0->std_error - 1) < 1e-11);
    differs = differs || t1->std_error != t0->std_error || t1->estimate != t0->estimate;
  }
  assert_true(differs); /* it was indeed read another way */
  gp_trialcsv_analysis_free(&pa);
  /* a quoted field in the second part: read in one part, so exactly as a[0] */
  char *quoted = malloc(len[0] + 3);
  assert_non_null(quoted);
  const char *at = txt[0];
  for (int i = 0; i < 2800; i++)
    at = strchr(at, '\n') + 1;
  size_t pre = (size_t)(at - txt[0]), arm_len = (size_t)(strchr(at, ',') - at);
  memcpy(quoted, txt[0], pre);
  quoted[pre] = '"';
  memcpy(quoted + pre + 1, at, arm_len);
  quoted[pre + 1 + arm_len] = '"';
  memcpy(quoted + pre + 2 + arm_len, at + arm_len, len[0] - pre - arm_len + 1);
  ps.data = quoted;
  ps.data_len = len[0] + 2;
  assert_int_equal(gp_trialcsv_analyse(&ps, &pa, &e), GP_OK);
  for (int i = 0; i < pa.res.n_comp; i++) {
    assert_true(pa.res.comp[i].t.estimate == a[0].res.comp[i].t.estimate);
    assert_true(pa.res.comp[i].t.std_error == a[0].res.comp[i].t.std_error);
  }
  gp_trialcsv_analysis_free(&pa);
  free(quoted);
  ps.data_len = len[0];
  /* an error in the second part names its line as a one-part read does */
  char *bad = malloc(len[0] + 1);
  assert_non_null(bad);
  memcpy(bad, txt[0], len[0] + 1);
  char *line = bad;
  for (int i = 0; i < 2500; i++) /* to the start of line 2501 (records: header = 1) */
    line = strchr(line, '\n') + 1;
  char *comma = strchr(line, ',');
  comma[1] = 'x'; /* the outcome of line 2501 */
  ps.data = bad;
  assert_int_equal(gp_trialcsv_analyse(&ps, &pa, &e), GP_EINVAL);
  assert_non_null(strstr(e.path, "mem.csv:2501:2"));
  free(bad);
  for (int q = 0; q < 3; q++)
    gp_trialcsv_analysis_free(&a[q]);
  for (int q = 0; q < 2; q++)
    free(txt[q]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gb_welch_absolute),
      cmocka_unit_test(test_gb_sequential),
      cmocka_unit_test(test_gb_bayes),
      cmocka_unit_test(test_gb_power),
      cmocka_unit_test(test_gb_srm),
      cmocka_unit_test(test_gb_multiplicity),
      cmocka_unit_test(test_sequential_solve),
      cmocka_unit_test(test_rng_reference),
      cmocka_unit_test(test_complete_counts),
      cmocka_unit_test(test_assignment_probabilities),
      cmocka_unit_test(test_assign_bad_probs),
      cmocka_unit_test(test_thompson_binary),
      cmocka_unit_test(test_thompson_normal),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_assign_file),
      cmocka_unit_test(test_adapt_file),
      cmocka_unit_test(test_fast_numbers),
      cmocka_unit_test(test_fast_paths_agree),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
