/*
 * test_trial_ref — `trial analyse` and `trial power` against reference
 * values computed independently by R's estimatr and pwr
 * (tests/reference/trial_ref.R → tests/reference/trial_values_r.h) on the
 * committed data sets tests/reference/data/trial_{a,b}.csv, and the relative
 * risk and the confidence-sequence path against statsmodels/numpy
 * (tests/reference/trial_ref.py → trial_values_py.h). Agreement bar: 1e-6 relative on estimate,
 * std_error, df, conf_low, conf_high and p_value. Run from the repository root.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/gp_trial_dist.h"
#include "engine/gp_trial_est.h"
#include "engine/gp_trial_power.h"
#include "io/gp_trialcsv.h"
#include "reference/trial_values_py.h"
#include "reference/trial_values_r.h"

#define REL 1e-6
#define A_CSV "tests/reference/data/trial_a.csv"
#define B_CSV "tests/reference/data/trial_b.csv"

static void near(double got, double want, double rel, const char *what) {
  double tol = rel * fabs(want);
  if (!(fabs(got - want) <= tol)) {
    print_error("%s: got %.15g, want %.15g (rel diff %.3g)\n", what, got, want,
                fabs(got - want) / fabs(want));
    fail();
  }
}

/* Compares a comparison row with estimatr's tidy row. */
static void same_row(const gp_trial_test *t, const double *r, const char *what) {
  char buf[128];
  const char *names[] = {"estimate", "std_error", "df", "conf_low", "conf_high", "p_value"};
  double got[] = {t->estimate, t->std_error, t->df, t->conf_low, t->conf_high, t->p_value};
  for (int i = 0; i < 6; i++) {
    snprintf(buf, sizeof buf, "%s %s", what, names[i]);
    near(got[i], r[i], REL, buf);
  }
}

/* Runs an analysis; fails the test on error. */
static void run(gp_trialcsv_analyse_spec *s, gp_trialcsv_analysis *a) {
  gp_error err;
  gp_error_clear(&err);
  if (!s->opts.alpha) s->opts.alpha = 0.05;
  gp_code rc = gp_trialcsv_analyse(s, a, &err);
  if (rc) print_error("%s: %s\n", err.path, err.message);
  assert_int_equal(rc, GP_OK);
}

/* The comparison of (outcome, arm name, estimator). */
static const gp_trial_comparison *find(const gp_trialcsv_analysis *a, int outcome, const char *arm,
                                       const char *est) {
  for (int i = 0; i < a->res.n_comp; i++) {
    const gp_trial_comparison *c = &a->res.comp[i];
    if (c->outcome == outcome && !strcmp(a->arm_names[c->arm], arm) && !strcmp(c->estimator, est))
      return c;
  }
  print_error("no comparison %d %s %s\n", outcome, arm, est);
  fail();
  return NULL;
}

static const char *const ys[] = {"y"};
static const char *const yb[] = {"yb"};
static const char *const xa[] = {"x1", "x2", "x3"};

static void test_a_plain(void **state) {
  (void)state;
  gp_trialcsv_analyse_spec s = {.path = A_CSV,
                                .outcomes = ys,
                                .n_outcomes = 1,
                                .arm = "arm",
                                .covariates = xa,
                                .n_covariates = 3};
  gp_trialcsv_analysis a;
  run(&s, &a);
  same_row(&find(&a, 0, "treat", "difference_in_means")->t, ref_a_dim, "A dim");
  same_row(&find(&a, 0, "treat", "ols")->t, ref_a_ols_hc2, "A ols HC2");
  same_row(&find(&a, 0, "treat", "lin")->t, ref_a_lin_hc2, "A lin HC2");
  near(find(&a, 0, "treat", "lin")->t.estimate, py_a_lin_hc2[0], REL, "statsmodels lin");
  near(find(&a, 0, "treat", "lin")->t.std_error, py_a_lin_hc2[1], REL, "statsmodels HC2");
  for (int k = 0; k < 2; k++) {
    near(a.res.arm_n[k], ref_a_arm_n[k], 1e-12, "arm n");
    near(a.res.arm_mean[k], ref_a_arm_mean[k], 1e-12, "arm mean");
    near(a.res.arm_sd[k], ref_a_arm_sd[k], 1e-10, "arm sd");
  }
  near(a.res.srm.chi2, ref_a_srm[0], 1e-9, "srm chi2");
  near(a.res.srm.p_value, ref_a_srm[1], 1e-9, "srm p");
  assert_false(a.res.srm.flag);
  gp_trialcsv_analysis_free(&a);
}

static void test_a_ratio_srm(void **state) {
  (void)state;
  double ratio[] = {1, 3};
  gp_trialcsv_analyse_spec s = {
      .path = A_CSV, .outcomes = ys, .n_outcomes = 1, .arm = "arm", .ratio = ratio, .n_ratio = 2};
  gp_trialcsv_analysis a;
  run(&s, &a);
  near(a.res.srm.chi2, ref_a_srm_13[0], 1e-9, "srm chi2");
  near(a.res.srm.p_value, ref_a_srm_13[1], 1e-6, "srm p");
  assert_true(a.res.srm.flag);
  gp_trialcsv_analysis_free(&a);
}

static void test_a_cluster(void **state) {
  (void)state;
  gp_trialcsv_analyse_spec s = {.path = A_CSV,
                                .outcomes = ys,
                                .n_outcomes = 1,
                                .arm = "arm",
                                .covariates = xa,
                                .n_covariates = 3,
                                .cluster = "cluster"};
  gp_trialcsv_analysis a;
  run(&s, &a);
  same_row(&find(&a, 0, "treat", "ols")->t, ref_a_ols_cr2, "A ols CR2");
  same_row(&find(&a, 0, "treat", "lin")->t, ref_a_lin_cr2, "A lin CR2");
  assert_string_equal(find(&a, 0, "treat", "lin")->se_type, "CR2");
  gp_trialcsv_analysis_free(&a);
}

static void test_a_strata(void **state) {
  (void)state;
  gp_trialcsv_analyse_spec s = {.path = A_CSV,
                                .outcomes = ys,
                                .n_outcomes = 1,
                                .arm = "arm",
                                .covariates = xa,
                                .n_covariates = 3,
                                .strata = "stratum"};
  gp_trialcsv_analysis a;
  run(&s, &a);
  same_row(&find(&a, 0, "treat", "ols")->t, ref_a_ols_fe_hc2, "A ols FE HC2");
  same_row(&find(&a, 0, "treat", "lin")->t, ref_a_lin_fe_hc2, "A lin FE HC2");
  gp_trialcsv_analysis_free(&a);
  s.cluster = "cluster";
  run(&s, &a);
  same_row(&find(&a, 0, "treat", "lin")->t, ref_a_lin_fe_cr2, "A lin FE CR2");
  gp_trialcsv_analysis_free(&a);
}

static void test_a_binary(void **state) {
  (void)state;
  gp_trialcsv_analyse_spec s = {.path = A_CSV,
                                .outcomes = yb,
                                .n_outcomes = 1,
                                .arm = "arm",
                                .covariates = xa,
                                .n_covariates = 3,
                                .binary = true};
  gp_trialcsv_analysis a;
  run(&s, &a);
  same_row(&find(&a, 0, "treat", "difference_in_means")->t, ref_a_bin_dim, "A binary dim");
  same_row(&find(&a, 0, "treat", "lin")->t, ref_a_bin_lin_hc2, "A binary lin");
  const gp_trial_comparison *rr = find(&a, 0, "treat", "relative_risk");
  near(rr->t.estimate, py_a_rr[0], REL, "RR");
  near(rr->t.conf_low, py_a_rr[1], REL, "RR low");
  near(rr->t.conf_high, py_a_rr[2], REL, "RR high");
  near(rr->t.std_error, py_a_rr[3], REL, "log RR se");
  near(rr->t.p_value, py_a_rr[4], REL, "RR p");
  gp_trialcsv_analysis_free(&a);
}

static void test_a_sequential_path(void **state) {
  (void)state;
  gp_trialcsv_analyse_spec s = {.path = A_CSV,
                                .outcomes = ys,
                                .n_outcomes = 1,
                                .arm = "arm",
                                .look = "cluster",
                                .opts = {.alpha = 0.05, .sequential = true, .tuning = 1000}};
  gp_trialcsv_analysis a;
  run(&s, &a);
  assert_int_equal(a.n_looks, 40);
  size_t n = sizeof py_a_path / sizeof py_a_path[0] / 6;
  assert_int_equal((int)n, 40);
  for (size_t l = 0; l < n; l++) {
    const gp_trial_look *lk = &a.path[(l * 2 + 1) * 1 + 0]; /* arm 1 = treat, 1 outcome */
    const double *r = py_a_path + 6 * l;
    near(lk->n, r[0], 1e-12, "path n");
    near(lk->estimate, r[1], 1e-9, "path estimate");
    near(lk->std_error, r[2], 1e-9, "path se");
    near(lk->seq.conf_low, r[3], 1e-9, "path low");
    near(lk->seq.conf_high, r[4], 1e-9, "path high");
    near(lk->seq.p_value, r[5], 1e-7, "path p");
  }
  assert_string_equal(a.look_names[0], "c01");
  gp_trialcsv_analysis_free(&a);
}

static const char *const yy[] = {"y", "y2"};
static const char *const zb[] = {"z1", "z2"};

static void test_b_three_arms(void **state) {
  (void)state;
  gp_trialcsv_analyse_spec s = {
      .path = B_CSV, .outcomes = yy, .n_outcomes = 2, .arm = "arm", .control = "C"};
  gp_trialcsv_analysis a;
  run(&s, &a);
  same_row(&find(&a, 0, "T1", "difference_in_means")->t, ref_b_dim_T1, "B dim T1");
  same_row(&find(&a, 0, "T2", "difference_in_means")->t, ref_b_dim_T2, "B dim T2");
  same_row(&find(&a, 1, "T1", "difference_in_means")->t, ref_b_dim_y2_T1, "B dim y2 T1");
  same_row(&find(&a, 1, "T2", "difference_in_means")->t, ref_b_dim_y2_T2, "B dim y2 T2");
  same_row(&find(&a, 0, "T1", "ols")->t, ref_b_ols_hc2_T1, "B ols T1");
  same_row(&find(&a, 0, "T2", "ols")->t, ref_b_ols_hc2_T2, "B ols T2");
  near(find(&a, 0, "T1", "difference_in_means")->p_adjusted, ref_b_dim_holm_y[0], REL, "holm");
  near(find(&a, 0, "T2", "difference_in_means")->p_adjusted, ref_b_dim_holm_y[1], REL, "holm");
  near(find(&a, 1, "T1", "difference_in_means")->p_adjusted, ref_b_dim_holm_y2[0], REL, "holm");
  near(find(&a, 1, "T2", "difference_in_means")->p_adjusted, ref_b_dim_holm_y2[1], REL, "holm");
  near(find(&a, 0, "T1", "difference_in_means")->p_bh, ref_b_dim_bh[0], REL, "bh");
  near(find(&a, 0, "T2", "difference_in_means")->p_bh, ref_b_dim_bh[1], REL, "bh");
  near(find(&a, 1, "T1", "difference_in_means")->p_bh, ref_b_dim_bh[2], REL, "bh");
  near(find(&a, 1, "T2", "difference_in_means")->p_bh, ref_b_dim_bh[3], REL, "bh");
  gp_trialcsv_analysis_free(&a);
  s.n_outcomes = 1;
  s.covariates = zb;
  s.n_covariates = 2;
  run(&s, &a);
  same_row(&find(&a, 0, "T1", "lin")->t, ref_b_lin_hc2_T1, "B lin T1");
  same_row(&find(&a, 0, "T2", "lin")->t, ref_b_lin_hc2_T2, "B lin T2");
  gp_trialcsv_analysis_free(&a);
}

static void test_b_clusters(void **state) {
  (void)state;
  gp_trialcsv_analyse_spec s = {.path = B_CSV,
                                .outcomes = ys,
                                .n_outcomes = 1,
                                .arm = "arm",
                                .control = "C",
                                .covariates = zb,
                                .n_covariates = 2,
                                .cluster = "school"};
  gp_trialcsv_analysis a;
  run(&s, &a);
  same_row(&find(&a, 0, "T1", "ols")->t, ref_b_ols_cr2_T1, "B ols CR2 T1");
  same_row(&find(&a, 0, "T2", "ols")->t, ref_b_ols_cr2_T2, "B ols CR2 T2");
  same_row(&find(&a, 0, "T1", "lin")->t, ref_b_lin_cr2_T1, "B lin CR2 T1");
  same_row(&find(&a, 0, "T2", "lin")->t, ref_b_lin_cr2_T2, "B lin CR2 T2");
  assert_true(a.res.srm_clusters);
  near(a.res.srm.chi2 + 1, ref_b_srm_clusters[0] + 1, 1e-9, "srm clusters chi2");
  near(a.res.srm.p_value, ref_b_srm_clusters[1], 1e-9, "srm clusters p");
  gp_trialcsv_analysis_free(&a);
  s.covariates = NULL;
  s.n_covariates = 0;
  s.strata = "region";
  run(&s, &a);
  same_row(&find(&a, 0, "T1", "ols")->t, ref_b_ols_fe_cr2_T1, "B ols FE CR2 T1");
  same_row(&find(&a, 0, "T2", "ols")->t, ref_b_ols_fe_cr2_T2, "B ols FE CR2 T2");
  gp_trialcsv_analysis_free(&a);
}

static void test_multiplicity(void **state) {
  (void)state;
  double h[6], b[6];
  gp_trial_holm(6, ref_p_in, h);
  gp_trial_bh(6, ref_p_in, b);
  for (int i = 0; i < 6; i++) {
    near(h[i], ref_p_holm[i], 1e-12, "holm");
    near(b[i], ref_p_bh[i], 1e-12, "bh");
  }
}

static void test_nct(void **state) {
  (void)state;
  near(gp_trial_nct_sf(1.96, 2, 2.5), ref_nct[0], 1e-8, "nct sf df 2");
  near(gp_trial_nct_cdf(-1.96, 10, 2.5), ref_nct[1], 1e-6, "nct cdf df 10");
  near(gp_trial_nct_sf(2.1, 98, 1.3), ref_nct[2], 1e-8, "nct sf df 98");
  near(gp_trial_nct_sf(1.645, 1e6, 3), ref_nct[3], 1e-8, "nct sf df 1e6");
  near(gp_trial_nct_cdf(0.5, 5, -1), ref_nct[4], 1e-8, "nct cdf negative ncp");
}

static gp_trial_power_spec base_means(void) {
  return (gp_trial_power_spec){.kind = GP_TRIAL_MEANS,
                               .sd = 1,
                               .p0 = NAN,
                               .n = NAN,
                               .mde = NAN,
                               .power = NAN,
                               .alpha = 0.05,
                               .cluster_size = 1,
                               .ratio = 1,
                               .tuning = 5000};
}

static double solve(gp_trial_power_spec s, int which) {
  gp_trial_power_result r;
  gp_error err;
  gp_code rc = gp_trial_power_solve(&s, &r, &err);
  if (rc) print_error("%s: %s\n", err.path, err.message);
  assert_int_equal(rc, GP_OK);
  return which == 0 ? r.n_per_arm : which == 1 ? r.mde : r.power;
}

static void test_power(void **state) {
  (void)state;
  gp_trial_power_spec s = base_means();
  s.n = 50, s.mde = 0.5;
  near(solve(s, 2), ref_power[0], REL, "pwr.t.test power");
  s.one_sided = true;
  near(solve(s, 2), ref_power[1], REL, "pwr.t.test greater");
  s = base_means();
  s.n = 40, s.ratio = 2, s.sd = 2, s.mde = 0.6;
  near(solve(s, 2), ref_power[2], REL, "pwr.t2n.test power");
  s = base_means();
  s.kind = GP_TRIAL_PROPORTIONS, s.p0 = 0.10, s.mde = 0.05, s.n = 500;
  near(solve(s, 2), ref_power[3], REL, "pwr.2p.test power");
  s.ratio = 2;
  near(solve(s, 2), ref_power[4], REL, "pwr.2p2n.test power");
  s.ratio = 1, s.mde = 0.02, s.n = 2000, s.one_sided = true;
  near(solve(s, 2), ref_power[5], REL, "pwr.2p.test greater");
  s = base_means();
  s.mde = 0.5, s.power = 0.8;
  near(solve(s, 0), ref_power[6], REL, "pwr.t.test n");
  s.mde = 0.2, s.power = 0.9, s.alpha = 0.01;
  near(solve(s, 0), ref_power[7], REL, "pwr.t.test n alpha .01");
  s = base_means();
  s.mde = 0.25, s.power = 0.8, s.ratio = 2;
  near(solve(s, 0), ref_power[8], REL, "pwr.t2n.test n");
  s = base_means();
  s.kind = GP_TRIAL_PROPORTIONS, s.p0 = 0.10, s.mde = 0.05, s.power = 0.8;
  near(solve(s, 0), ref_power[9], REL, "pwr.2p.test n");
  s.ratio = 3;
  near(solve(s, 0), ref_power[10], REL, "pwr.2p2n.test n");
  s = base_means();
  s.n = 64, s.power = 0.8, s.sd = 3;
  near(solve(s, 1), 3 * ref_power[11], REL, "pwr.t.test d");
  s = base_means();
  s.kind = GP_TRIAL_PROPORTIONS, s.p0 = 0.2, s.n = 1000, s.power = 0.8;
  double mde = solve(s, 1);
  double h = 2 * asin(sqrt(0.2 + mde)) - 2 * asin(sqrt(0.2));
  near(h, ref_power[12], REL, "pwr.2p.test h");
  s = base_means();
  s.mde = 0.3, s.power = 0.8, s.icc = 0.05, s.cluster_size = 20;
  near(solve(s, 0), ref_power[13], REL, "cluster n = deff x pwr n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_plain),      cmocka_unit_test(test_a_ratio_srm),
      cmocka_unit_test(test_a_cluster),    cmocka_unit_test(test_a_strata),
      cmocka_unit_test(test_a_binary),     cmocka_unit_test(test_a_sequential_path),
      cmocka_unit_test(test_b_three_arms), cmocka_unit_test(test_b_clusters),
      cmocka_unit_test(test_multiplicity), cmocka_unit_test(test_nct),
      cmocka_unit_test(test_power),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
