/*
 * test_sim_json — the --json contract of `gameplan simulate` and
 * `gameplan optimise` (issue 3): every required key with its type and
 * nesting, the same bytes for 1 and 2 threads, and the commands' exit
 * status for bad arguments (--draws 0, --threads 0, --budget -1, an unknown
 * target) and for a plan refused by the parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cli/gp_cli.h"
#include "engine/gp_optimise.h"
#include "engine/gp_sim.h"
#include "io/gp_json.h"
#include "io/gp_simjson.h"
#include "unit/test_sim_fixture.h"

#define PLAN "tests/reference/sim_plan.json"

static gp_plan *load(void) {
  gp_plan *p = NULL;
  gp_error err;
  assert_int_equal(gp_planfile_load(PLAN, &p, &err), GP_OK);
  return p;
}

static char *sim_json(const gp_plan *p, int threads) {
  gp_sim_options o;
  gp_sim_options_default(&o);
  o.draws = 3001;
  o.seed = 11;
  o.threads = threads;
  o.learn = true;
  gp_sim_result *r = NULL;
  assert_int_equal(gp_sim_run(p, &o, &r, NULL), GP_OK);
  json_t *doc = gp_simjson_result(p, r);
  char *s = gp_json_dump(doc);
  json_decref(doc);
  gp_sim_result_free(r);
  return s;
}

static void has(json_t *o, const char *key, int type) {
  json_t *v = json_object_get(o, key);
  if (!v || (type >= 0 && (int)json_typeof(v) != type &&
             !(type == (int)JSON_REAL && json_is_number(v)))) {
    fprintf(stderr, "missing or wrong type: %s\n", key);
    fail();
  }
}

static void test_simulate_contract(void **state) {
  (void)state;
  gp_plan *p = load();
  char *a = sim_json(p, 1), *b = sim_json(p, 2);
  assert_string_equal(a, b);
  json_t *d = json_loads(a, 0, NULL);
  assert_non_null(d);
  has(d, "draws", JSON_INTEGER);
  has(d, "seed", JSON_INTEGER);
  json_t *ts = json_object_get(d, "targets");
  assert_int_equal(json_array_size(ts), 2);
  size_t i;
  json_t *t;
  json_array_foreach(ts, i, t) {
    has(t, "id", JSON_STRING);
    has(t, "period", JSON_STRING);
    has(t, "p_meet", JSON_REAL);
    has(t, "p_meet_se", JSON_REAL);
    json_t *q = json_object_get(t, "quantiles");
    for (int k = 0; k < GP_SIM_NQ; k++)
      has(q, gp_sim_qnames[k], JSON_REAL);
    json_t *op = json_object_get(t, "overprogramme");
    has(op, "confidence", JSON_REAL);
    has(op, "extra", JSON_REAL);
    has(op, "extra_share", -1);
  }
  json_t *tr = json_object_get(d, "trajectory");
  assert_int_equal(json_array_size(tr), 6);
  json_array_foreach(tr, i, t) {
    has(t, "metric", JSON_STRING);
    has(t, "period", JSON_STRING);
    for (int k = 0; k < GP_SIM_NQ; k++)
      has(t, gp_sim_qnames[k], JSON_REAL);
  }
  json_t *se = json_object_get(d, "sensitivity");
  assert_int_equal(json_array_size(se), 11);
  double last = 2;
  json_array_foreach(se, i, t) {
    has(t, "input", JSON_STRING);
    has(t, "kind", JSON_STRING);
    has(t, "variance_share", JSON_REAL);
    double v = json_number_value(json_object_get(t, "variance_share"));
    assert_true(v <= last); /* largest first */
    last = v;
  }
  json_t *as = json_object_get(d, "assumptions");
  assert_int_equal(json_array_size(as), 4);
  int ranks = 0;
  json_array_foreach(as, i, t) {
    has(t, "id", JSON_STRING);
    has(t, "p_meet_if_fails", JSON_REAL);
    has(t, "variance_share", JSON_REAL);
    has(t, "evidence", JSON_INTEGER);
    has(t, "priority_rank", JSON_INTEGER);
    ranks |= 1 << json_integer_value(json_object_get(t, "priority_rank"));
  }
  assert_int_equal(ranks, 2 | 4 | 8 | 16); /* ranks 1..4, each once */
  json_t *cs = json_object_get(d, "contributions");
  assert_int_equal(json_array_size(cs), 10); /* 5 activities x 2 target periods */
  json_array_foreach(cs, i, t) {
    has(t, "activity", JSON_STRING);
    has(t, "period", JSON_STRING);
    has(t, "mean", JSON_REAL);
    has(t, "p10", JSON_REAL);
    has(t, "p90", JSON_REAL);
  }
  has(json_object_get(d, "learning"), "updates", JSON_ARRAY);
  json_decref(d);
  free(a), free(b);
  gp_plan_free(p);
}

static void test_optimise_contract(void **state) {
  (void)state;
  gp_plan *p = load();
  gp_opt_options o;
  gp_opt_options_default(&o);
  o.draws = 2000;
  o.budget = 8;
  o.target = 1;
  gp_opt_result *r = NULL;
  assert_int_equal(gp_optimise_run(p, &o, &r, NULL), GP_OK);
  json_t *d = gp_simjson_optimise(p, r);
  has(d, "target", JSON_STRING);
  has(d, "budget", JSON_INTEGER);
  has(json_object_get(d, "before"), "p_meet", JSON_REAL);
  has(json_object_get(d, "after"), "p_meet", JSON_REAL);
  has(json_object_get(d, "after"), "cost", JSON_INTEGER);
  has(d, "chosen", JSON_ARRAY);
  assert_int_equal(json_array_size(json_object_get(d, "activities")), 4); /* a4 is stopped */
  assert_int_equal(json_array_size(json_object_get(d, "weakest")), 4);
  json_decref(d);
  gp_opt_result_free(r);
  gp_plan_free(p);
}

static int run(int (*cmd)(int, char **), int argc, const char **argv) {
  char *args[16];
  for (int i = 0; i < argc; i++)
    args[i] = (char *)argv[i];
  args[argc] = NULL;
  FILE *saved = stdout;
  stdout = fopen("/dev/null", "w");
  int rc = cmd(argc, args);
  fclose(stdout);
  stdout = saved;
  return rc;
}

static void test_commands(void **state) {
  (void)state;
  const char *ok[] = {"simulate", PLAN, "--draws", "500", "--json"};
  assert_int_equal(run(gp_cmd_simulate, 5, ok), 0);
  const char *d0[] = {"simulate", PLAN, "--draws", "0"};
  assert_int_equal(run(gp_cmd_simulate, 4, d0), 2);
  const char *t0[] = {"simulate", PLAN, "--threads", "0"};
  assert_int_equal(run(gp_cmd_simulate, 4, t0), 2);
  const char *bt[] = {"simulate", PLAN, "--target", "nope"};
  assert_int_equal(run(gp_cmd_simulate, 4, bt), 2);
  const char *nf[] = {"simulate", "tests/reference/no-such-plan.json"};
  assert_int_equal(run(gp_cmd_simulate, 2, nf), 1);
  const char *ob[] = {"optimise", PLAN, "--budget", "-1", "--target", "committed"};
  assert_int_equal(run(gp_cmd_optimise, 6, ob), 2);
  const char *oo[] = {"optimise", PLAN, "--budget", "8", "--target", "committed", "--draws", "500"};
  assert_int_equal(run(gp_cmd_optimise, 8, oo), 0);
  const char *nt[] = {"optimise", PLAN, "--budget", "8"};
  assert_int_equal(run(gp_cmd_optimise, 4, nt), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_simulate_contract),
      cmocka_unit_test(test_optimise_contract),
      cmocka_unit_test(test_commands),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
