/*
 * test_scan_ref — risk-adjusted and unadjusted scans (src/engine/gp_scan.c,
 * gp_scan_model.c) against values computed independently of our code by
 * tests/reference/scan_ref.py (statsmodels GLM/WLS for the regressions;
 * tests/reference/scan_numpy.py, a NumPy/SciPy implementation of
 * docs/methods/scan.md, for phi, tau², z, q, limits, flags and shrinkage),
 * on synthetic data and on Hampshire's KS2 2018-19 reading progress scores.
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
#include "engine/gp_scan_model.h"
#include "reference/scan_values.h"

#define REL 1e-7 /* IRLS stops when no coefficient moves by 1e-10 (relative), in both codes */

static void check_rel(const char *what, size_t i, double got, double want, double rel,
                      double abs_tol) {
  double tol = rel * fabs(want) + abs_tol;
  if (!(fabs(got - want) <= tol) && !(isinf(got) && got == want)) {
    print_error("%s[%zu]: got %.15g, want %.15g (tolerance %.3g)\n", what, i, got, want, tol);
    fail();
  }
}

/* The reference arrays of one scan. */
typedef struct ref_scan {
  int applied;                        /* overdispersion applied */
  double phi, tau2;                   /* dispersion */
  const double *expected, *indicator; /* NULL to skip */
  const double *z, *q, *shrunk, *shrunk_lo, *shrunk_hi;
  const double *lo95, *hi95, *lo998, *hi998;
  const int *flag95, *flag998;
} ref_scan;

static void compare(const gp_scan_result *r, size_t n, const ref_scan *ref) {
  check_rel("phi", 0, r->phi, ref->phi, REL, 1e-12);
  check_rel("tau2", 0, r->tau2, ref->tau2, 1e-6, 1e-12);
  assert_int_equal(r->od_applied, ref->applied);
  size_t flags = 0;
  for (size_t i = 0; i < n; i++) {
    const gp_scan_unit *u = &r->units[i];
    if (ref->expected) check_rel("expected", i, u->expected, ref->expected[i], REL, 1e-9);
    if (ref->indicator) check_rel("indicator", i, u->indicator, ref->indicator[i], REL, 1e-9);
    check_rel("z", i, u->z, ref->z[i], 1e-6, 1e-7);
    check_rel("q", i, u->q, ref->q[i], 1e-6, 1e-10);
    check_rel("shrunk", i, u->shrunk, ref->shrunk[i], 1e-6, 1e-9);
    check_rel("shrunk_lo", i, u->shrunk_lo, ref->shrunk_lo[i], 1e-6, 1e-9);
    check_rel("shrunk_hi", i, u->shrunk_hi, ref->shrunk_hi[i], 1e-6, 1e-9);
    check_rel("lo95", i, u->lo[0], ref->lo95[i], 1e-6, 1e-9);
    check_rel("hi95", i, u->hi[0], ref->hi95[i], 1e-6, 1e-9);
    check_rel("lo998", i, u->lo[1], ref->lo998[i], 1e-6, 1e-9);
    check_rel("hi998", i, u->hi[1], ref->hi998[i], 1e-6, 1e-9);
    if (u->flag[0] != ref->flag95[i] || u->flag[1] != ref->flag998[i]) {
      print_error("flags[%zu]: got %d/%d, want %d/%d\n", i, u->flag[0], u->flag[1], ref->flag95[i],
                  ref->flag998[i]);
      fail();
    }
    flags += u->flag[0] != 0;
  }
  assert_true(flags > 0); /* some units flagged: the flag comparison means something */
}

static gp_scan_result run(gp_scan_type type, gp_scan_od od, size_t n, const double *obs,
                          const double *den, const double *se, size_t k, const double *x) {
  gp_scan_data d = {n, obs, den, se, k, x};
  gp_scan_options opt = gp_scan_options_default();
  opt.type = type;
  opt.od = od;
  gp_scan_result r;
  gp_error err;
  gp_error_clear(&err);
  gp_code rc = gp_scan_run(&d, &opt, &r, &err);
  if (rc != GP_OK) {
    print_error("scan failed: %s: %s\n", err.path, err.message);
    fail();
  }
  return r;
}

static void check_coef(const gp_scan_result *r, size_t k, const double *beta, const double *bse,
                       double rel_se) {
  assert_int_equal(r->ncoef, k + 1);
  for (size_t j = 0; j <= k; j++) {
    check_rel("beta", j, r->coef[j], beta[j], 1e-6, 1e-9);
    check_rel("bse", j, r->coef_se[j], bse[j], rel_se, 1e-12);
  }
}

#define REF(pfx)                                                                                   \
  {                                                                                                \
    pfx##_applied, pfx##_phi, pfx##_tau2, pfx##_expected, pfx##_indicator, pfx##_z, pfx##_q,       \
        pfx##_shrunk, pfx##_shrunk_lo, pfx##_shrunk_hi, pfx##_lo95, pfx##_hi95, pfx##_lo998,       \
        pfx##_hi998, pfx##_flag95, pfx##_flag998                                                   \
  }
#define REF_U(pfx)                                                                                 \
  {                                                                                                \
    pfx##_applied, pfx##_phi, pfx##_tau2, NULL, NULL, pfx##_z, pfx##_q, pfx##_shrunk,              \
        pfx##_shrunk_lo, pfx##_shrunk_hi, pfx##_lo95, pfx##_hi95, pfx##_lo998, pfx##_hi998,        \
        pfx##_flag95, pfx##_flag998                                                                \
  }

static void test_proportion_logistic(void **state) {
  (void)state;
  const ref_scan refs[3] = {REF(ref_prop_additive), REF(ref_prop_multiplicative),
                            REF(ref_prop_none)};
  const gp_scan_od ods[3] = {GP_SCAN_OD_ADDITIVE, GP_SCAN_OD_MULTIPLICATIVE, GP_SCAN_OD_NONE};
  for (int c = 0; c < 3; c++) {
    gp_scan_result r = run(GP_SCAN_PROPORTION, ods[c], REF_PROP_N, ref_prop_obs, ref_prop_den, NULL,
                           REF_PROP_K, ref_prop_x);
    assert_int_equal(r.analysed_as, GP_SCAN_SR);
    check_coef(&r, REF_PROP_K, ref_prop_beta_sm, ref_prop_bse_sm, 1e-6);
    compare(&r, REF_PROP_N, &refs[c]);
    gp_scan_result_free(&r);
  }
}

static void test_ratio_poisson(void **state) {
  (void)state;
  const ref_scan refs[3] = {REF(ref_ratio_additive), REF(ref_ratio_multiplicative),
                            REF(ref_ratio_none)};
  const gp_scan_od ods[3] = {GP_SCAN_OD_ADDITIVE, GP_SCAN_OD_MULTIPLICATIVE, GP_SCAN_OD_NONE};
  for (int c = 0; c < 3; c++) {
    gp_scan_result r = run(GP_SCAN_RATIO, ods[c], REF_RATIO_N, ref_ratio_obs, ref_ratio_den, NULL,
                           REF_RATIO_K, ref_ratio_x);
    check_coef(&r, REF_RATIO_K, ref_ratio_beta_sm, ref_ratio_bse_sm, 1e-6);
    compare(&r, REF_RATIO_N, &refs[c]);
    gp_scan_result_free(&r);
  }
}

static void test_unadjusted(void **state) {
  (void)state;
  const ref_scan ratio[3] = {REF_U(ref_ratio_u_additive), REF_U(ref_ratio_u_multiplicative),
                             REF_U(ref_ratio_u_none)};
  const ref_scan prop[3] = {REF_U(ref_prop_u_additive), REF_U(ref_prop_u_multiplicative),
                            REF_U(ref_prop_u_none)};
  const double tr[3] = {ref_ratio_u_additive_target, ref_ratio_u_multiplicative_target,
                        ref_ratio_u_none_target};
  const double tp[3] = {ref_prop_u_additive_target, ref_prop_u_multiplicative_target,
                        ref_prop_u_none_target};
  const gp_scan_od ods[3] = {GP_SCAN_OD_ADDITIVE, GP_SCAN_OD_MULTIPLICATIVE, GP_SCAN_OD_NONE};
  for (int c = 0; c < 3; c++) {
    gp_scan_result r =
        run(GP_SCAN_RATIO, ods[c], REF_RATIO_N, ref_ratio_obs, ref_ratio_den, NULL, 0, NULL);
    check_rel("target", 0, r.target, tr[c], 1e-12, 0);
    compare(&r, REF_RATIO_N, &ratio[c]);
    gp_scan_result_free(&r);
    r = run(GP_SCAN_PROPORTION, ods[c], REF_PROP_N, ref_prop_obs, ref_prop_den, NULL, 0, NULL);
    check_rel("target", 0, r.target, tp[c], 1e-12, 0);
    compare(&r, REF_PROP_N, &prop[c]);
    gp_scan_result_free(&r);
  }
}

static void test_score_wls(void **state) {
  (void)state;
  const ref_scan refs[3] = {REF(ref_score_additive), REF(ref_score_multiplicative),
                            REF(ref_score_none)};
  const gp_scan_od ods[3] = {GP_SCAN_OD_ADDITIVE, GP_SCAN_OD_MULTIPLICATIVE, GP_SCAN_OD_NONE};
  for (int c = 0; c < 3; c++) {
    gp_scan_result r = run(GP_SCAN_SCORE, ods[c], REF_SCORE_N, ref_score_obs, NULL, ref_score_se,
                           REF_SCORE_K, ref_score_x);
    check_coef(&r, REF_SCORE_K, ref_score_beta_sm, ref_score_bse_sm, 1e-9);
    compare(&r, REF_SCORE_N, &refs[c]);
    gp_scan_result_free(&r);
  }
}

static void test_schools_reading(void **state) {
  (void)state;
  const ref_scan ref = REF(ref_schools_additive);
  gp_scan_result r = run(GP_SCAN_SCORE, GP_SCAN_OD_ADDITIVE, REF_SCHOOLS_N, ref_schools_obs, NULL,
                         ref_schools_se, REF_SCHOOLS_K, ref_schools_x);
  check_coef(&r, REF_SCHOOLS_K, ref_schools_beta_sm, ref_schools_bse_sm, 1e-9);
  compare(&r, REF_SCHOOLS_N, &ref);
  assert_int_equal(r.n_discoveries, ref_schools_additive_discoveries);
  gp_scan_result_free(&r);
}

/* flags_only (used for the earlier periods of persistence) gives the same
 * first-level flags as the full scan, and no per-unit results. */
static void test_flags_only(void **state) {
  (void)state;
  gp_scan_data d = {REF_PROP_N, ref_prop_obs, ref_prop_den, NULL, REF_PROP_K, ref_prop_x};
  gp_scan_options opt = gp_scan_options_default();
  opt.type = GP_SCAN_PROPORTION;
  gp_scan_result full, fl;
  gp_error err;
  assert_int_equal(gp_scan_run(&d, &opt, &full, &err), GP_OK);
  opt.flags_only = true;
  assert_int_equal(gp_scan_run(&d, &opt, &fl, &err), GP_OK);
  assert_null(fl.units);
  assert_int_equal(fl.n, REF_PROP_N);
  assert_true(fl.phi == full.phi && fl.tau2 == full.tau2);
  for (size_t i = 0; i < REF_PROP_N; i++) {
    assert_int_equal(fl.flags[i], ref_prop_additive_flag95[i]);
    assert_int_equal(full.flags[i], full.units[i].flag[0]);
  }
  /* IRLS started from a fit (as for earlier periods) reaches the same estimates */
  gp_scan_result warm;
  double start[REF_PROP_K + 1];
  for (size_t j = 0; j <= REF_PROP_K; j++)
    start[j] = full.coef[j] * 1.05;
  opt.start = start;
  assert_int_equal(gp_scan_run(&d, &opt, &warm, &err), GP_OK);
  for (size_t j = 0; j <= REF_PROP_K; j++)
    check_rel("warm beta", j, warm.coef[j], ref_prop_beta_sm[j], 1e-6, 1e-9);
  check_rel("warm phi", 0, warm.phi, ref_prop_additive_phi, REL, 1e-12);
  for (size_t i = 0; i < REF_PROP_N; i++)
    assert_int_equal(warm.flags[i], fl.flags[i]);
  gp_scan_result_free(&warm);
  gp_scan_result_free(&full);
  gp_scan_result_free(&fl);
}

static void test_model_errors(void **state) {
  (void)state;
  double y[4] = {1, 2, 3, 4}, x[4] = {1, 2, 3, 4}, xc[4] = {2, 2, 2, 2};
  gp_scan_model_fit fit;
  gp_error err;
  assert_int_equal(gp_scan_model_fit_run(GP_SCAN_MODEL_LINEAR, 4, 1, xc, y, NULL, &fit, &err),
                   GP_EINVAL);
  assert_string_equal(err.path, "adjust[0]");
  assert_int_equal(gp_scan_model_fit_run(GP_SCAN_MODEL_LINEAR, 2, 1, x, y, NULL, &fit, &err),
                   GP_EINVAL);
  /* perfect fit: y = x exactly */
  assert_int_equal(gp_scan_model_fit_run(GP_SCAN_MODEL_LINEAR, 4, 1, x, y, NULL, &fit, &err),
                   GP_OK);
  check_rel("intercept", 0, fit.beta[0], 0, 0, 1e-12);
  check_rel("slope", 1, fit.beta[1], 1, 1e-12, 0);
  gp_scan_model_free(&fit);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_proportion_logistic), cmocka_unit_test(test_ratio_poisson),
      cmocka_unit_test(test_unadjusted),          cmocka_unit_test(test_score_wls),
      cmocka_unit_test(test_schools_reading),     cmocka_unit_test(test_model_errors),
      cmocka_unit_test(test_flags_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
