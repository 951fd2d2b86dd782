/*
 * test_scan — unit tests of the funnel-plot scan (src/engine/gp_scan.c,
 * gp_scan_stats.c) against the packages whose method it follows:
 *  - FunnelPlotR (nhs-r-community/FunnelPlotR at 9020d4972873,
 *    tests/testthat/test-poisson_limits.R, test-classes_methods.R,
 *    test-outliers_func.R): exact Poisson limits for expected 15, 20, 30;
 *    phi = 2.948033 for its six-unit example; outlier flags. The numbers are
 *    typed in below from those files.
 *  - PHEindicatormethods (ukhsa-collaboration/PHEindicatormethods at
 *    093fd288d8f8, tests/testthat/testdata_funnel_prop_*.csv, copied into
 *    tests/reference/data/ and turned into arrays in
 *    tests/reference/scan_values.h): proportion funnel limits (Wilson), the
 *    funnel's x-axis, and each area's significance.
 * Plus hand-checked quantiles, BH q-values, persistence and bad input.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/gp_scan.h"
#include "engine/gp_scan_stats.h"
#include "reference/scan_values.h"

/* Asserts |got - want| <= tol, naming the quantity. */
static void check_abs(const char *what, size_t i, double got, double want, double tol) {
  if (!(fabs(got - want) <= tol)) {
    print_error("%s[%zu]: got %.12g, want %.12g (tolerance %.3g)\n", what, i, got, want, tol);
    fail();
  }
}

/* R's round(x, d) for the values compared here (no ties occur). */
static double round_to(double x, int d) {
  double m = pow(10, d);
  return nearbyint(x * m) / m;
}

/* ---- FunnelPlotR ---------------------------------------------------------- */

/* test-poisson_limits.R: calculate_limits(number_seq = c(15, 20, 30), target = 1,
 * draw_adjusted = FALSE); ll95/ll99 compared at 7 decimals, ul95/ul99 at 6.
 * FunnelPlotR's "99" limits are the 99.8% ones (0.001 in each tail). */
static const double fpr_e[3] = {15, 20, 30};
static const double fpr_ll95[3] = {0.5596924, 0.6108260, 0.6746958};
static const double fpr_ul95[3] = {1.649348, 1.544419, 1.427562};
static const double fpr_ll99[3] = {0.3862650, 0.4479107, 0.5289724};
static const double fpr_ul99[3] = {2.082907, 1.902094, 1.702771};

static void test_funnelplotr_poisson_limits(void **state) {
  (void)state;
  for (size_t i = 0; i < 3; i++) {
    double lo, hi;
    gp_scan_stats_poisson_limits(fpr_e[i], 0.95, &lo, &hi);
    check_abs("ll95", i, round_to(lo, 7), fpr_ll95[i], 1e-12);
    check_abs("ul95", i, round_to(hi, 6), fpr_ul95[i], 1e-12);
    gp_scan_stats_poisson_limits(fpr_e[i], 0.998, &lo, &hi);
    check_abs("ll99", i, round_to(lo, 7), fpr_ll99[i], 1e-12);
    check_abs("ul99", i, round_to(hi, 6), fpr_ul99[i], 1e-12);
  }
}

/* The same limits reach the units of an unadjusted SR scan without
 * overdispersion (three units on target, O = E). */
static void test_sr_scan_uses_exact_poisson(void **state) {
  (void)state;
  double o[3] = {15, 20, 30};
  gp_scan_data d = {3, o, fpr_e, NULL, 0, NULL};
  gp_scan_options opt = gp_scan_options_default();
  opt.od = GP_SCAN_OD_NONE;
  gp_scan_result r;
  gp_error err;
  assert_int_equal(gp_scan_run(&d, &opt, &r, &err), GP_OK);
  for (size_t i = 0; i < 3; i++) {
    check_abs("unit ll95", i, round_to(r.units[i].lo[0], 7), fpr_ll95[i], 1e-12);
    check_abs("unit ul95", i, round_to(r.units[i].hi[0], 6), fpr_ul95[i], 1e-12);
    check_abs("unit ll99", i, round_to(r.units[i].lo[1], 7), fpr_ll99[i], 1e-12);
    check_abs("unit ul99", i, round_to(r.units[i].hi[1], 6), fpr_ul99[i], 1e-12);
    assert_int_equal(r.units[i].flag[0], 0);
    check_abs("z on target", i, r.units[i].z, 0, 1e-12);
  }
  assert_false(r.od_applied);
  gp_scan_result_free(&r);
}

/* test-classes_methods.R: funnel_plot(num = c(100, 150, 180, 80, 120, 225),
 * denom = c(108, 112, 165, 95, 100, 220)) with its defaults (SR, SHMI,
 * truncation by 0.1) gives round(phi, 6) == 2.948033. */
static void test_funnelplotr_phi(void **state) {
  (void)state;
  double o[6] = {100, 150, 180, 80, 120, 225}, e[6] = {108, 112, 165, 95, 100, 220};
  gp_scan_data d = {6, o, e, NULL, 0, NULL};
  gp_scan_options opt = gp_scan_options_default();
  gp_scan_result r;
  gp_error err;
  assert_int_equal(gp_scan_run(&d, &opt, &r, &err), GP_OK);
  check_abs("phi", 0, round_to(r.phi, 6), 2.948033, 1e-12);
  assert_int_equal(r.n_phi, 6); /* none of six falls in the outer tenths */
  assert_true(r.od_applied);
  /* SHMI z-score of unit b: sqrt(E) log(O/E) widened by tau² */
  double zb = log(150.0 / 112) / sqrt(1.0 / 112 + r.tau2);
  check_abs("z[b]", 1, r.units[1].z, zb, 1e-12);
  gp_scan_result_free(&r);
}

/* test-outliers_func.R: rr against fixed limits; outlier = outside [LCL, UCL]. */
static void test_funnelplotr_outliers(void **state) {
  (void)state;
  const double rr[10] = {1, 0.95, 1.05, 0.8, 1.2, 0.6, 1.4, 0.4, 1.6, 0};
  const int a95[10] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1}; /* LCL95 0.9, UCL95 1.1 */
  const int b95[10] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}; /* OD95 0.79, 1.21 */
  const int c99[10] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1}; /* LCL99 0.59, UCL99 1.41 */
  const int d99[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1}; /* OD99 0.38, 1.62 */
  for (size_t i = 0; i < 10; i++) {
    assert_int_equal(gp_scan_flag(rr[i], 0.9, 1.1) != 0, a95[i]);
    assert_int_equal(gp_scan_flag(rr[i], 0.79, 1.21) != 0, b95[i]);
    assert_int_equal(gp_scan_flag(rr[i], 0.59, 1.41) != 0, c99[i]);
    assert_int_equal(gp_scan_flag(rr[i], 0.38, 1.62) != 0, d99[i]);
    assert_int_equal(gp_scan_flag(rr[i] * 100, 0.9, 1.1) != 0, 1); /* multiplier 100 */
  }
  assert_int_equal(gp_scan_flag(0.8, 0.9, 1.1), -1);
  assert_int_equal(gp_scan_flag(1.2, 0.9, 1.1), 1);
  assert_int_equal(gp_scan_flag(1.1, 0.9, 1.1), 0);
}

/* ---- PHEindicatormethods -------------------------------------------------- */

/* testFunnels.R "confidence limits calculate correctly for proportions":
 * calculate_funnel_limits(numerator, denominator, statistic = "proportion",
 * multiplier = 100) over the given rows; compared with our scan's funnel. */
static void check_phe_table(const double *num, const double *den, size_t n, size_t nout,
                            const double *pop, const double *lo95, const double *hi95,
                            const double *lo998, const double *hi998, const double *base,
                            double tol) {
  gp_scan_data d = {n, num, den, NULL, 0, NULL};
  gp_scan_options opt = gp_scan_options_default();
  opt.type = GP_SCAN_PROPORTION;
  opt.od = GP_SCAN_OD_NONE;
  gp_scan_result r;
  gp_error err;
  assert_int_equal(gp_scan_run(&d, &opt, &r, &err), GP_OK);
  assert_int_equal(r.nfunnel, nout);
  for (size_t j = 0; j < nout; j++) {
    check_abs("Population", j, r.funnel[j].x, pop[j], 0);
    check_abs("Lower2s0025limit", j, 100 * r.funnel[j].lo[0], lo95[j], tol);
    check_abs("Upper2s0025limit", j, 100 * r.funnel[j].hi[0], hi95[j], tol);
    check_abs("Lower3s0001limit", j, 100 * r.funnel[j].lo[1], lo998[j], tol);
    check_abs("Upper3s0001limit", j, 100 * r.funnel[j].hi[1], hi998[j], tol);
    check_abs("Baseline", j, 100 * r.target, base[j], tol);
  }
  gp_scan_result_free(&r);
}

static void test_phe_proportion_limits(void **state) {
  (void)state;
  /* the CSV holds 6 decimals */
  check_phe_table(phe_in_num, phe_in_den, PHE_IN_N, PHE_OUT_ALL_N, phe_out_all_pop,
                  phe_out_all_lo95, phe_out_all_hi95, phe_out_all_lo998, phe_out_all_hi998,
                  phe_out_all_base, 5.1e-7);
}

static void test_phe_proportion_limits_axis_variation(void **state) {
  (void)state;
  double num[PHE_IN_N], den[PHE_IN_N];
  size_t n = 0;
  for (size_t i = 0; i < PHE_IN_N; i++)
    if (phe_in_den[i] < 31000) {
      num[n] = phe_in_num[i];
      den[n] = phe_in_den[i];
      n++;
    }
  /* the CSV holds 8 decimals */
  check_phe_table(num, den, n, PHE_OUT_AXIS_N, phe_out_axis_pop, phe_out_axis_lo95,
                  phe_out_axis_hi95, phe_out_axis_lo998, phe_out_axis_hi998, phe_out_axis_base,
                  5.1e-9);
}

/* testFunnels.R "Significance for proportions calculates correctly":
 * assign_funnel_significance() reproduces the significance column. */
static void test_phe_proportion_significance(void **state) {
  (void)state;
  gp_scan_data d = {PHE_IN_N, phe_in_num, phe_in_den, NULL, 0, NULL};
  gp_scan_options opt = gp_scan_options_default();
  opt.type = GP_SCAN_PROPORTION;
  opt.od = GP_SCAN_OD_NONE;
  gp_scan_result r;
  gp_error err;
  assert_int_equal(gp_scan_run(&d, &opt, &r, &err), GP_OK);
  size_t counts[5] = {0};
  for (size_t i = 0; i < PHE_IN_N; i++) {
    int f95 = r.units[i].flag[0], f998 = r.units[i].flag[1];
    int got = f998 ? 2 * f998 : f95;
    if (got != phe_in_sig[i]) {
      print_error("area %zu: significance %d, want %d\n", i, got, phe_in_sig[i]);
      fail();
    }
    counts[got + 2]++;
  }
  /* every class occurs, so the comparison has teeth */
  for (size_t c = 0; c < 5; c++)
    assert_true(counts[c] > 0);
  gp_scan_result_free(&r);
}

/* The defining property of PHE's proportion limits: at the funnel's upper
 * limit for denominator n, the Wilson score interval of the observed
 * proportion has the baseline as its lower bound, and vice versa. */
static void test_wilson_property(void **state) {
  (void)state;
  double p = 0.3, n = 250, lo, hi, a, b;
  gp_scan_stats_wilson_limits(p, n, 0.95, &lo, &hi);
  /* the Wilson interval of an observed proportion at the upper limit has
   * the baseline as its lower bound, and vice versa */
  gp_scan_stats_wilson_interval(hi * n, n, 0.95, &a, &b);
  check_abs("wilson lower at upper limit", 0, a, p, 1e-12);
  gp_scan_stats_wilson_interval(lo * n, n, 0.95, &a, &b);
  check_abs("wilson upper at lower limit", 0, b, p, 1e-12);
}

/* ---- building blocks by hand ---------------------------------------------- */

static void test_quantile_type7(void **state) {
  (void)state;
  double x[10] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, s[10];
  check_abs("q0.1", 0, gp_scan_stats_quantile(x, 10, 0.1, s), 1.9, 1e-12);
  check_abs("q0.9", 0, gp_scan_stats_quantile(x, 10, 0.9, s), 9.1, 1e-12);
  check_abs("q0.5", 0, gp_scan_stats_quantile(x, 10, 0.5, s), 5.5, 1e-12);
  double w[10];
  bool t[10];
  gp_scan_stats_winsorise(x, 10, 0.1, w, t, s);
  check_abs("winsorised max", 0, w[0], 9.1, 1e-12);
  check_abs("winsorised min", 9, w[9], 1.9, 1e-12);
  check_abs("kept", 4, w[4], 6, 0);
  assert_true(t[0] && t[9] && !t[4]);
}

static void test_truncate_shmi(void **state) {
  (void)state;
  /* 20 distinct values: groups floor(rank * 10 / 21); rank 1, 2 -> 0 (dropped),
   * ranks 19, 20 -> 9 (dropped), rank 3 -> 1 (kept), rank 18 -> 8 (kept) */
  double z[20], s[40];
  size_t ord[20];
  bool keep[20];
  for (size_t i = 0; i < 20; i++)
    z[i] = (double)i * 1.5 - 7;
  size_t k = gp_scan_stats_truncate(z, 20, 0.1, keep, s, ord);
  assert_int_equal(k, 16);
  assert_false(keep[0]);
  assert_false(keep[1]);
  assert_true(keep[2]);
  assert_true(keep[17]);
  assert_false(keep[18]);
  assert_false(keep[19]);
}

static void test_bh_by_hand(void **state) {
  (void)state;
  /* sorted .01 .03 .04 .20, m = 4: m p / rank = .04 .06 .0533 .20; running min from the top */
  double p[5] = {0.04, 0.01, 0.2, NAN, 0.03}, q[5];
  size_t ord[5];
  assert_int_equal(gp_scan_stats_bh(p, 5, q, ord), 4);
  check_abs("q", 0, q[0], 0.16 / 3, 1e-15);
  check_abs("q", 1, q[1], 0.04, 1e-15);
  check_abs("q", 2, q[2], 0.2, 1e-15);
  assert_true(isnan(q[3]));
  check_abs("q", 4, q[4], 0.16 / 3, 1e-15);
}

static void test_sort_index_large(void **state) {
  (void)state;
  size_t n = 5000, idx[5000];
  static double key[5000];
  uint64_t s = 88172645463325252ULL;
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    key[i] = (double)(s % 2001) - 1000.5; /* negatives, ties */
    idx[i] = i;
  }
  key[7] = NAN;
  key[8] = -0.0;
  gp_scan_stats_sort_index(key, idx, n);
  for (size_t i = 1; i + 1 < n; i++) {
    assert_true(key[idx[i - 1]] <= key[idx[i]]);
    if (key[idx[i - 1]] == key[idx[i]]) assert_true(idx[i - 1] < idx[i]); /* stable */
  }
  assert_int_equal(idx[n - 1], 7);
}

static void test_tau2_formula(void **state) {
  (void)state;
  /* n = 3, phi = 2, s = 1, 0.5, 0.25: w = 1, 4, 16; sum w = 21, sum w² = 273;
   * tau² = (6 - 2) / (21 - 273/21) = 4 / 8 = 0.5 */
  double s[3] = {1, 0.5, 0.25};
  check_abs("tau2", 0, gp_scan_stats_tau2(3, 2, s), 0.5, 1e-15);
  check_abs("tau2 underdispersed", 0, gp_scan_stats_tau2(3, 0.5, s), 0, 0);
}

static void test_persistence(void **state) {
  (void)state;
  /* 3 units x 4 periods (current first) */
  int8_t h[12] = {1, -1, 0, /* now */ 1, -1, 1, /* t-1 */ 0, 1, 1, /* t-2 */ 1, -1, -1};
  int32_t out[3];
  gp_scan_persistence(h, 4, 3, out);
  assert_int_equal(out[0], 3);
  assert_int_equal(out[1], 3);
  assert_int_equal(out[2], 0);
}

static void test_names(void **state) {
  (void)state;
  gp_scan_type t;
  gp_scan_od od;
  assert_true(gp_scan_type_parse("proportion", &t) && t == GP_SCAN_PROPORTION);
  assert_false(gp_scan_type_parse("rate", &t));
  assert_true(gp_scan_od_parse("additive", &od) && od == GP_SCAN_OD_ADDITIVE);
  assert_string_equal(gp_scan_flag_name(-1), "low");
  assert_string_equal(gp_scan_type_name(GP_SCAN_SCORE), "score");
}

/* ---- bad input ------------------------------------------------------------ */

static void expect_fail(gp_scan_type type, const double *o, const double *den, const double *se,
                        size_t n, size_t ncov, const double *cov, const char *path) {
  gp_scan_data d = {n, o, den, se, ncov, cov};
  gp_scan_options opt = gp_scan_options_default();
  opt.type = type;
  gp_scan_result r;
  gp_error err;
  gp_error_clear(&err);
  assert_int_equal(gp_scan_run(&d, &opt, &r, &err), GP_EINVAL);
  if (strcmp(err.path, path)) {
    print_error("path %s, want %s (%s)\n", err.path, path, err.message);
    fail();
  }
  assert_null(r.units);
}

static void test_bad_input(void **state) {
  (void)state;
  double o[4] = {5, 6, 7, 8}, den[4] = {10, 0, 10, 10};
  expect_fail(GP_SCAN_PROPORTION, o, den, NULL, 4, 0, NULL, "units[1].denominator");
  double den2[4] = {10, 10, 6, 10};
  expect_fail(GP_SCAN_PROPORTION, o, den2, NULL, 4, 0, NULL, "units[2].denominator");
  double neg[4] = {5, -1, 7, 8};
  expect_fail(GP_SCAN_RATIO, neg, den2, NULL, 4, 0, NULL, "units[1].observed");
  double se[4] = {1, 1, 0, 1};
  expect_fail(GP_SCAN_SCORE, o, NULL, se, 4, 0, NULL, "units[2].se");
  double cov[8] = {1, 3, 2, 3, 3, 3, 4, 3}; /* second covariate constant */
  double den3[4] = {10, 10, 10, 10};
  expect_fail(GP_SCAN_PROPORTION, o, den3, NULL, 4, 2, cov, "adjust[1]");
  expect_fail(GP_SCAN_SR, o, den3, NULL, 1, 0, NULL, "units");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_funnelplotr_poisson_limits),
      cmocka_unit_test(test_sr_scan_uses_exact_poisson),
      cmocka_unit_test(test_funnelplotr_phi),
      cmocka_unit_test(test_funnelplotr_outliers),
      cmocka_unit_test(test_phe_proportion_limits),
      cmocka_unit_test(test_phe_proportion_limits_axis_variation),
      cmocka_unit_test(test_phe_proportion_significance),
      cmocka_unit_test(test_wilson_property),
      cmocka_unit_test(test_quantile_type7),
      cmocka_unit_test(test_truncate_shmi),
      cmocka_unit_test(test_bh_by_hand),
      cmocka_unit_test(test_sort_index_large),
      cmocka_unit_test(test_tau2_formula),
      cmocka_unit_test(test_persistence),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
