/*
 * test_app_trial — the trial operations of app/gp_app_trial.c that the API
 * uses: analysis and adaptive allocation from CSV in memory (the same
 * document as from the file, and R's estimatr values), power from
 * parameters (R's pwr), and errors naming the in-memory source.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/gp_app.h"
#include "reference/trial_values_r.h"

static void near(double got, double want, double rel, const char *what) {
  if (!(fabs(got - want) <= rel * fmax(1, fabs(want))))
    fail_msg("%s: %.17g vs %.17g", what, got, want);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  b[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return b;
}

static json_t *comparison(json_t *doc, const char *est) {
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(doc, "comparisons"), i, c) {
    if (!strcmp(json_string_value(json_object_get(c, "estimator")), est)) return c;
  }
  fail_msg("no %s comparison", est);
  return NULL;
}

static void test_analyse_mem(void **state) {
  (void)state;
  const char *path = "tests/reference/data/trial_a.csv";
  size_t len;
  char *buf = slurp(path, &len);
  const char *outcomes[] = {"y"}, *covs[] = {"x1", "x2", "x3"};
  gp_trialcsv_analyse_spec s = {.path = path,
                                .outcomes = outcomes,
                                .n_outcomes = 1,
                                .arm = "arm",
                                .covariates = covs,
                                .n_covariates = 3,
                                .opts = {.alpha = 0.05, .tuning = 5000}};
  gp_error err;
  json_t *from_file, *from_mem;
  assert_int_equal(gp_app_trial_analyse(&s, &from_file, &err), GP_OK);
  s.path = "body";
  s.data = buf;
  s.data_len = len;
  assert_int_equal(gp_app_trial_analyse(&s, &from_mem, &err), GP_OK);
  assert_true(json_equal(from_file, from_mem));
  json_t *lin = comparison(from_mem, "lin");
  near(json_number_value(json_object_get(lin, "estimate")), ref_a_lin_hc2[0], 1e-9, "estimate");
  near(json_number_value(json_object_get(lin, "std_error")), ref_a_lin_hc2[1], 1e-9, "se");
  near(json_number_value(json_object_get(lin, "p_value")), ref_a_lin_hc2[5], 1e-6, "p");
  json_decref(from_file);
  json_decref(from_mem);
  /* errors name the in-memory source */
  const char bad[] = "arm,y,x1,x2,x3\nA,1,1,2,3\nA,2,2,3,1\nB,zz,3,1,2\n";
  s.data = bad;
  s.data_len = sizeof bad - 1;
  json_t *none = NULL;
  assert_int_equal(gp_app_trial_analyse(&s, &none, &err), GP_EINVAL);
  assert_null(none);
  assert_string_equal(err.path, "body:4:2");
  free(buf);
}

static void test_adapt_mem(void **state) {
  (void)state;
  const char csv[] = "arm,n,successes\nA,200,20\nB,200,40\nC,200,22\n";
  const char *arms[] = {"A", "B", "C"};
  gp_app_trial_adapt_req q = {.name = "body",
                              .data = csv,
                              .data_len = sizeof csv - 1,
                              .arms = arms,
                              .n_arms = 3,
                              .binary = true,
                              .floor_w = 0.05,
                              .threshold = 0.95,
                              .draws = 20000,
                              .seed = 11};
  gp_error err;
  json_t *a, *b;
  assert_int_equal(gp_app_trial_adapt(&q, &a, &err), GP_OK);
  assert_int_equal(gp_app_trial_adapt(&q, &b, &err), GP_OK);
  assert_true(json_equal(a, b)); /* same seed, same reply */
  double tot = 0;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(a, "arms"), i, x) {
    double w = json_number_value(json_object_get(x, "weight"));
    assert_true(w >= 0.05 - 1e-12);
    tot += w;
  }
  near(tot, 1, 1e-12, "weights");
  assert_string_equal(json_string_value(json_object_get(a, "best")), "B");
  json_decref(a);
  json_decref(b);
  const char *dup[] = {"A", "A"};
  q.arms = dup;
  q.n_arms = 2;
  assert_int_equal(gp_app_trial_adapt(&q, &a, &err), GP_EINVAL);
  assert_string_equal(err.path, "arms");
}

static void test_power(void **state) {
  (void)state;
  gp_trial_power_spec s = {.kind = GP_TRIAL_MEANS,
                           .sd = 1,
                           .p0 = NAN,
                           .n = NAN,
                           .mde = 0.5,
                           .power = NAN,
                           .alpha = 0.05,
                           .cluster_size = 1,
                           .ratio = 1,
                           .tuning = 5000};
  gp_error err;
  json_t *doc;
  assert_int_equal(gp_app_trial_power(&s, &doc, &err), GP_OK); /* power defaults to 0.8 */
  near(json_number_value(json_object_get(doc, "n_per_arm")), ref_power[6], 1e-9, "n");
  json_decref(doc);
  s.n = 50;
  assert_int_equal(gp_app_trial_power(&s, &doc, &err), GP_OK);
  near(json_number_value(json_object_get(doc, "power")), ref_power[0], 1e-9, "power");
  json_decref(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_analyse_mem),
      cmocka_unit_test(test_adapt_mem),
      cmocka_unit_test(test_power),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
