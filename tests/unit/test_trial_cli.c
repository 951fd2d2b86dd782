/*
 * test_trial_cli — `gameplan trial ...` end to end, in process: exit codes,
 * the --json documents (estimatr's tidy column names, values equal to the R
 * references of tests/reference/trial_values_r.h), nothing written on bad
 * input, and `trial link` recording a result in a mission's game plan.
 * Run from the repository root.
 */
#include <fcntl.h>
#include <jansson.h>
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

#include "app/gp_app.h"
#include "cli/gp_cli.h"
#include "io/gp_planfile.h"
#include "model/gp_graph.h"
#include "reference/trial_values_r.h"

/* Runs `trial ARGS...` with stdout captured into *out (malloc'd). Returns the exit status. */
static int run(char **out, int argc, ...) {
  char *argv[32];
  va_list ap;
  va_start(ap, argc);
  argv[0] = "trial";
  for (int i = 0; i < argc; i++)
    argv[i + 1] = va_arg(ap, char *);
  va_end(ap);
  char path[] = "/tmp/gp_test_trial_cli_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  fflush(stdout);
  int saved = dup(1);
  dup2(fd, 1);
  int st = gp_cmd_trial(argc + 1, argv);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  off_t n = lseek(fd, 0, SEEK_END);
  lseek(fd, 0, SEEK_SET);
  *out = calloc((size_t)n + 1, 1);
  assert_true(read(fd, *out, (size_t)n) == n);
  close(fd);
  unlink(path);
  return st;
}

static json_t *parse(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (!j) print_error("not JSON (%s): %.200s\n", e.text, text);
  assert_non_null(j);
  return j;
}

static double num(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  if (!json_is_number(v)) print_error("no number '%s'\n", k);
  assert_true(json_is_number(v));
  return json_number_value(v);
}

static void near(double got, double want, double rel, const char *what) {
  if (!(fabs(got - want) <= rel * fabs(want))) {
    print_error("%s: got %.15g want %.15g\n", what, got, want);
    fail();
  }
}

static void test_power(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run(&out, 6, "power", "--sd", "1", "--mde", "0.5", "--json"), 0);
  json_t *j = parse(out);
  near(num(j, "n_per_arm"), ref_power[6], 1e-9, "n_per_arm");
  near(num(j, "power"), 0.8, 1e-12, "power");
  near(num(j, "mde"), 0.5, 1e-12, "mde");
  near(num(j, "design_effect"), 1, 1e-12, "deff");
  assert_non_null(json_object_get(j, "clusters_per_arm"));
  assert_true(json_is_string(json_object_get(j, "method")));
  json_decref(j);
  free(out);
  assert_int_equal(run(&out, 7, "power", "--p0", "1.5", "--n", "100", "--mde", "0.1"), 2);
  assert_string_equal(out, "");
  free(out);
  assert_int_equal(run(&out, 5, "power", "--sd", "1", "--n", "100"), 0); /* power 0.8 → mde */
  free(out);
  assert_int_equal(run(&out, 3, "power", "--sd", "1"), 2);
  free(out);
}

static void test_analyse_json(void **state) {
  (void)state;
  char *out;
  assert_int_equal(run(&out, 9, "analyse", "tests/reference/data/trial_a.csv", "--outcome", "y",
                       "--arm", "arm", "--covariates", "x1,x2,x3", "--json"),
                   0);
  json_t *j = parse(out);
  assert_int_equal((int)num(j, "n"), 400);
  json_t *comps = json_object_get(j, "comparisons");
  size_t i;
  json_t *c;
  int seen = 0;
  json_array_foreach(comps, i, c) {
    const char *est = json_string_value(json_object_get(c, "estimator"));
    const double *ref = !strcmp(est, "lin")   ? ref_a_lin_hc2
                        : !strcmp(est, "ols") ? ref_a_ols_hc2
                                              : ref_a_dim;
    const char *keys[] = {"estimate", "std_error", "df", "conf_low", "conf_high", "p_value"};
    for (int k = 0; k < 6; k++)
      near(num(c, keys[k]), ref[k], 1e-9, keys[k]);
    assert_string_equal(json_string_value(json_object_get(c, "arm")), "treat");
    assert_string_equal(json_string_value(json_object_get(c, "control")), "control");
    assert_true(json_is_number(json_object_get(c, "p_adjusted")));
    seen++;
  }
  assert_int_equal(seen, 3);
  assert_true(json_is_boolean(json_object_get(json_object_get(j, "srm"), "flag")));
  assert_int_equal((int)json_array_size(json_object_get(j, "bayes")), 3);
  assert_true(json_is_null(json_object_get(j, "sequential")));
  json_decref(j);
  free(out);
  /* sequential rows when asked */
  assert_int_equal(run(&out, 10, "analyse", "tests/reference/data/trial_a.csv", "--outcome", "y",
                       "--arm", "arm", "--sequential", "--tuning", "1000", "--json"),
                   0);
  j = parse(out);
  assert_int_equal((int)json_array_size(json_object_get(j, "sequential")), 2);
  json_decref(j);
  free(out);
  /* bad input: nothing on stdout, exit 2 */
  assert_int_equal(run(&out, 9, "analyse", "tests/reference/data/trial_a.csv", "--outcome", "y",
                       "--arm", "arm", "--control", "nobody", "--json"),
                   2);
  assert_string_equal(out, "");
  free(out);
  assert_int_equal(run(&out, 7, "analyse", "tests/reference/data/trial_a.csv", "--outcome",
                       "stratum", "--arm", "arm", "--json"),
                   2); /* non-numeric outcome */
  free(out);
}

static void test_assign_adapt(void **state) {
  (void)state;
  char *out;
  const char *units = "/tmp/gp_test_trial_cli_units.csv", *asg = "/tmp/gp_test_trial_cli_asg.csv";
  FILE *f = fopen(units, "w");
  fputs("id,age\n", f);
  for (int i = 0; i < 30; i++)
    fprintf(f, "%d,%d\n", i, 20 + i);
  fclose(f);
  remove(asg);
  assert_int_equal(run(&out, 10, "assign", units, "--arms", "A,B,C", "--ratio", "1,1", "--seed",
                       "5", "--out", asg),
                   2);
  assert_true(access(asg, F_OK) != 0); /* nothing written */
  free(out);
  assert_int_equal(
      run(&out, 9, "assign", units, "--arms", "A,B,C", "--seed", "5", "--out", asg, "--json"), 0);
  json_t *j = parse(out);
  json_t *arms = json_object_get(j, "arms");
  for (size_t i = 0; i < 3; i++) {
    near(num(json_array_get(arms, i), "n"), 10, 0, "complete: 10 each");
    near(num(json_array_get(arms, i), "probability"), 1.0 / 3, 1e-12, "probability");
  }
  json_decref(j);
  free(out);
  char *again;
  FILE *a = fopen(asg, "r");
  char first[4096];
  size_t n1 = fread(first, 1, sizeof first - 1, a);
  first[n1] = 0;
  fclose(a);
  assert_int_equal(
      run(&again, 9, "assign", units, "--arms", "A,B,C", "--seed", "5", "--out", asg, "--json"), 0);
  a = fopen(asg, "r");
  char second[4096];
  size_t n2 = fread(second, 1, sizeof second - 1, a);
  second[n2] = 0;
  fclose(a);
  assert_string_equal(first, second); /* same seed, same assignment */
  free(again);
  /* adapt on the assignment file: arm column and age as the outcome */
  assert_int_equal(
      run(&out, 9, "adapt", asg, "--arms", "A,B,C", "--outcome", "age", "--seed", "3", "--json"),
      0);
  j = parse(out);
  double tot = 0;
  json_t *x;
  size_t i;
  json_array_foreach(json_object_get(j, "arms"), i, x) tot += num(x, "weight");
  near(tot, 1, 1e-12, "weights");
  json_decref(j);
  free(out);
  remove(asg);
  remove(units);
}

static const char plan_text[] =
    "{\"mission\": {\"id\": \"m1\", \"title\": \"M\", \"start\": \"2025\", \"horizon\": \"2030\"},"
    " \"metrics\": [{\"id\": \"k\", \"name\": \"K\", \"direction\": \"lower\"}],"
    " \"targets\": [{\"id\": \"t\", \"metric\": \"k\", \"kind\": \"moonshot\","
    "   \"baseline\": {\"period\": \"2024\", \"value\": 100},"
    "   \"target\": {\"period\": \"2030\", \"value\": 50}}],"
    " \"nodes\": [{\"id\": \"act\", \"kind\": \"activity\", \"label\": \"A\", \"start\": \"2025\"},"
    "   {\"id\": \"k\", \"kind\": \"outcome\", \"label\": \"K\", \"metric\": \"k\"}],"
    " \"edges\": [{\"from\": \"act\", \"to\": \"k\", \"effect\": -10}],"
    " \"assumptions\": [{\"id\": \"a1\", \"text\": \"works\", \"on\": \"edge:act->k\"}]}";

static void test_link(void **state) {
  (void)state;
  const char *db = "/tmp/gp_test_trial_cli.db", *res = "/tmp/gp_test_trial_cli_res.json";
  remove(db);
  gp_error err;
  gp_store *s;
  assert_int_equal(gp_store_open(db, true, &s, &err), GP_OK);
  gp_plan *p;
  assert_int_equal(gp_planfile_parse(plan_text, sizeof plan_text - 1, "plan", &p, &err), GP_OK);
  gp_apply_result ar;
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &ar, &err), GP_OK);
  gp_plan_free(p);
  gp_store_close(s);
  char *out;
  assert_int_equal(run(&out, 9, "analyse", "tests/reference/data/trial_a.csv", "--outcome", "y",
                       "--arm", "arm", "--covariates", "x1,x2,x3", "--json"),
                   0);
  FILE *f = fopen(res, "w");
  fputs(out, f);
  fclose(f);
  free(out);
  assert_int_equal(run(&out, 8, "link", res, "--mission", "m1", "--assumption", "zz", "--db", db),
                   2);
  free(out);
  assert_int_equal(
      run(&out, 9, "link", res, "--mission", "m1", "--assumption", "a1", "--db", db, "--json"), 0);
  json_t *j = parse(out);
  assert_string_equal(json_string_value(json_object_get(j, "test")), "trial-a1-1");
  json_decref(j);
  free(out);
  assert_int_equal(gp_store_open(db, false, &s, &err), GP_OK);
  assert_int_equal(gp_app_plan_load(s, "m1", 0, &p, &err), GP_OK);
  gp_store_close(s);
  assert_non_null(p->graph);
  assert_int_equal((int)p->graph->ntests, 1);
  const gp_test *t = &p->graph->tests[0];
  assert_string_equal(t->assumption, "a1");
  assert_int_equal(t->method, GP_METHOD_RCT);
  assert_true(t->has_estimate);
  near(t->est_mean, ref_a_lin_hc2[0], 1e-9, "linked estimate");
  near(t->est_se, ref_a_lin_hc2[1], 1e-9, "linked se");
  assert_int_equal((int)t->est_n, 400);
  gp_plan_free(p);
  remove(db);
  remove(res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_power),
      cmocka_unit_test(test_analyse_json),
      cmocka_unit_test(test_assign_adapt),
      cmocka_unit_test(test_link),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
