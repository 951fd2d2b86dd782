/*
 * test_graph — the theory-of-change sections of the plan file: parsing,
 * canonical round trip (dump → parse → dump gives the same bytes), and the
 * bad input of issue 3, each refused with its JSON path: negative sd, beta
 * parameters <= 0, triangular min > mode, a lag beyond the horizon, an edge
 * into an activity, an assumption on an unknown edge, a cycle (with its
 * nodes in order), unknown keys and references.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "unit/test_sim_fixture.h"

static const char *base =
    "{\"mission\": {\"id\": \"m1\", \"title\": \"T\", \"start\": \"2025\", \"horizon\": \"2030\"},"
    " \"metrics\": [{\"id\": \"crime\", \"name\": \"Crime\", \"direction\": \"lower\"}],"
    " \"targets\": [{\"id\": \"t1\", \"metric\": \"crime\", \"kind\": \"committed\","
    "   \"baseline\": {\"period\": \"2024\", \"value\": 100},"
    "   \"target\": {\"period\": \"2030\", \"value\": 95}}],"
    " \"nodes\": [{\"id\": \"a1\", \"kind\": \"activity\", \"label\": \"Hot spots\", \"cost\": 3e7,"
    "     \"stage\": \"scale\", \"start\": \"2026\", \"ramp\": 2,"
    "     \"delivery\": {\"dist\": \"beta\", \"a\": 8, \"b\": 2}, \"sources\": [\"illustrative\"]},"
    "   {\"id\": \"o1\", \"kind\": \"output\", \"label\": \"Patrols\", \"metric\": null},"
    "   {\"id\": \"o2\", \"kind\": \"output\"},"
    "   {\"id\": \"m\", \"kind\": \"outcome\", \"metric\": \"crime\"}],"
    " \"edges\": [{\"from\": \"a1\", \"to\": \"o1\", \"effect\": {\"dist\": \"triangular\","
    "     \"min\": 0.5, \"mode\": 1, \"max\": 2}, \"lag\": 0, \"evidence\": 3,"
    "     \"sources\": [\"Braga et al. 2019\"]},"
    "   {\"from\": \"o1\", \"to\": \"o2\", \"effect\": {\"dist\": \"normal\", \"mean\": 0.5, "
    "\"sd\": 0.1}},"
    "   {\"from\": \"o2\", \"to\": \"m\", \"effect\": -2.5, \"lag\": 1},"
    "   {\"from\": \"o1\", \"to\": \"m\", \"effect\": {\"dist\": \"pert\", \"min\": -1, \"mode\": "
    "-0.5, \"max\": 0}}],"
    " \"counterfactual\": {\"metric\": \"crime\", \"change_per_year\": {\"dist\": \"uniform\","
    "     \"min\": -0.5, \"max\": 1.5}},"
    " \"assumptions\": [{\"id\": \"x1\", \"text\": \"Patrols deter\", \"on\": \"edge:o1->m\","
    "     \"importance\": 5, \"evidence\": 2, \"status\": \"testing\"},"
    "   {\"id\": \"x2\", \"text\": \"Forces adopt it\", \"on\": \"node:a1\"}],"
    " \"tests\": [{\"id\": \"t1\", \"assumption\": \"x1\", \"method\": \"rct\", \"status\": "
    "\"done\","
    "     \"result\": \"fewer offences\", \"estimate\": {\"mean\": -0.4, \"se\": 0.1, \"n\": "
    "1200}},"
    "   {\"id\": \"t2\", \"assumption\": \"x2\", \"method\": \"pilot\"}]}";

/* base with the JSON value at the dotted path set to the JSON text v
 * (path components: object keys or array indices). */
static char *with(const char *path, const char *v) {
  json_t *root = json_loads(base, 0, NULL);
  assert_non_null(root);
  json_t *cur = root, *parent = NULL;
  char buf[256], *save = NULL, *last = NULL;
  snprintf(buf, sizeof buf, "%s", path);
  for (char *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
    parent = cur;
    last = tok;
    if (json_is_array(cur))
      cur = json_array_get(cur, strtoul(tok, NULL, 10));
    else
      cur = json_object_get(cur, tok);
  }
  json_t *nv = json_loads(v, JSON_DECODE_ANY, NULL);
  assert_non_null(nv);
  if (json_is_array(parent))
    json_array_set_new(parent, strtoul(last, NULL, 10), nv);
  else
    json_object_set_new(parent, last, nv);
  char *s = json_dumps(root, JSON_PRESERVE_ORDER);
  json_decref(root);
  return s;
}

static void expect(const char *path, const char *v, const char *epath, const char *msg) {
  char *text = with(path, v);
  gp_error err;
  gp_code rc = fx_plan_err(text, &err);
  if (rc != GP_EINVAL || strcmp(err.path, epath) || (msg && !strstr(err.message, msg))) {
    fprintf(stderr, "set %s=%s: got %d %s: %s; want %s: %s\n", path, v, rc, err.path, err.message,
            epath, msg ? msg : "");
    free(text);
    fail();
  }
  free(text);
}

static void test_parse(void **state) {
  (void)state;
  gp_plan *p = fx_plan(base);
  assert_non_null(p);
  const gp_graph *g = p->graph;
  assert_non_null(g);
  assert_int_equal(g->nnodes, 4);
  assert_int_equal(g->nedges, 4);
  assert_int_equal(g->nodes[0].delivery.kind, GP_DIST_BETA);
  assert_true(g->nodes[0].cost == 3e7);
  assert_int_equal(g->nodes[0].stage, GP_STAGE_SCALE);
  assert_null(g->nodes[1].metric);
  assert_int_equal(g->edges[2].effect.kind, GP_DIST_FIXED);
  assert_true(g->edges[2].effect.p[0] == -2.5);
  assert_int_equal(g->edges[2].lag, 1);
  assert_int_equal(g->edges[2].ifrom, 2);
  assert_int_equal(g->edges[2].ito, 3);
  assert_int_equal(g->assumptions[0].on_kind, GP_ON_EDGE);
  assert_int_equal(g->assumptions[0].on_index, 3);
  assert_int_equal(g->assumptions[1].on_kind, GP_ON_NODE);
  assert_int_equal(g->tests[0].iassumption, 0);
  assert_true(g->tests[0].est_se == 0.1);
  /* topological order: every edge goes forward */
  size_t pos[4];
  for (size_t i = 0; i < 4; i++)
    pos[g->topo[i]] = i;
  for (size_t e = 0; e < g->nedges; e++)
    assert_true(pos[g->edges[e].ifrom] < pos[g->edges[e].ito]);
  gp_plan_free(p);
}

static void test_round_trip(void **state) {
  (void)state;
  gp_plan *p = fx_plan(base);
  assert_non_null(p);
  char *a = gp_planfile_dump(p);
  gp_plan *q = fx_plan(a);
  assert_non_null(q);
  char *b = gp_planfile_dump(q);
  assert_string_equal(a, b);
  /* canonical: integral numbers as integers, absent optional keys omitted */
  assert_non_null(strstr(a, "\"cost\": 30000000,"));
  assert_non_null(strstr(a, "\"effect\": -2.5,"));
  assert_null(strstr(a, "\"metric\": null"));
  assert_non_null(strstr(a, "\"delivery\": {\n"));
  free(a), free(b);
  gp_plan_free(p), gp_plan_free(q);
}

static void test_bad_input(void **state) {
  (void)state;
  expect("edges.1.effect.sd", "-1", "plan.edges[1].effect.sd", "must be > 0");
  expect("nodes.0.delivery.a", "0", "plan.nodes[0].delivery.a", "must be > 0");
  expect("nodes.0.delivery.b", "-2", "plan.nodes[0].delivery.b", "must be > 0");
  expect("edges.0.effect.min", "1.5", "plan.edges[0].effect.min", "must be <= mode");
  expect("edges.2.lag", "6", "plan.edges[2].lag", "beyond the horizon");
  expect("edges.1.to", "\"a1\"", "plan.edges[1].to", "activity");
  expect("assumptions.0.on", "\"edge:o2->o1\"", "plan.assumptions[0].on", "unknown edge");
  expect("assumptions.0.on", "\"node:zz\"", "plan.assumptions[0].on", "unknown node");
  expect("assumptions.0.on", "\"o1\"", "plan.assumptions[0].on", NULL);
  expect("edges.3.from", "\"nope\"", "plan.edges[3].from", "unknown node");
  expect("nodes.3.metric", "\"nope\"", "plan.nodes[3].metric", "unknown metric");
  expect("nodes.2.cost", "5", "plan.nodes[2].cost", "only an activity");
  expect("nodes.0.colour", "\"red\"", "plan.nodes[0].colour", "unknown key");
  expect("nodes.0.kind", "\"project\"", "plan.nodes[0].kind", NULL);
  expect("nodes.0.cost", "-1", "plan.nodes[0].cost", ">= 0");
  expect("nodes.0.delivery", "{\"dist\": \"normal\", \"mean\": 0.5, \"sd\": 0.1}",
         "plan.nodes[0].delivery", "probability");
  expect("nodes.0.delivery", "1.5", "plan.nodes[0].delivery", "probability");
  expect("edges.1.effect", "{\"dist\": \"gamma\", \"a\": 1}", "plan.edges[1].effect.dist", NULL);
  expect("edges.1.effect", "{\"dist\": \"normal\", \"mean\": 1}", "plan.edges[1].effect.sd",
         "required");
  expect("edges.1.effect", "{\"dist\": \"normal\", \"mean\": 1, \"sd\": 1, \"x\": 2}",
         "plan.edges[1].effect.x", "unknown key");
  expect("edges.1.effect", "{\"dist\": \"bernoulli\", \"p\": 1.2}", "plan.edges[1].effect.p", NULL);
  expect("edges.1.effect", "{\"dist\": \"uniform\", \"min\": 2, \"max\": 1}",
         "plan.edges[1].effect.min", NULL);
  expect("edges.1.effect", "{\"dist\": \"lognormal\", \"mu\": 0, \"sigma\": 0}",
         "plan.edges[1].effect.sigma", NULL);
  expect("edges.1.evidence", "6", "plan.edges[1].evidence", NULL);
  expect("edges.1.lag", "-1", "plan.edges[1].lag", NULL);
  expect("tests.1.assumption", "\"x9\"", "plan.tests[1].assumption", "unknown assumption");
  expect("tests.0.estimate.se", "0", "plan.tests[0].estimate.se", "must be > 0");
  expect("tests.0.method", "\"survey\"", "plan.tests[0].method", NULL);
  expect("counterfactual.metric", "\"nope\"", "plan.counterfactual.metric", "unknown metric");
  expect("nodes.1.id", "\"a1\"", "plan.nodes[1].id", "duplicate");
  expect("edges.3", "{\"from\": \"o1\", \"to\": \"o2\", \"effect\": 1}", "plan.edges[3]",
         "duplicate edge");
  expect("nodes.0.metric", "\"crime\"", "plan.nodes[0].metric", NULL);
  expect("nodes.1.metric", "\"crime\"", "plan.nodes[3].metric", "already carried");
}

static void test_cycle(void **state) {
  (void)state;
  /* o2 -> o1 closes o1 -> o2 -> o1 */
  expect("edges.3", "{\"from\": \"o2\", \"to\": \"o1\", \"effect\": 1}", "plan.edges[3]",
         "the edges form a cycle: o1 -> o2 -> o1");
  /* a longer one through m */
  expect("edges.3", "{\"from\": \"m\", \"to\": \"o1\", \"effect\": 1}", "plan.edges[3]",
         "o1 -> o2 -> m -> o1");
  /* a self-loop */
  expect("edges.3", "{\"from\": \"m\", \"to\": \"m\", \"effect\": 1}", "plan.edges[3]", "m -> m");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_cycle),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
