/*
 * test_sim — the simulation engine against closed forms. A plan whose
 * activities are all delivered, with normal edge effects and a normal
 * counterfactual, gives a normal metric: mean and variance are sums, so
 * p_meet, quantiles, over-programming, the chance if an edge fails and the
 * first-order shares (β²σ²/Var in an additive linear model) are known
 * exactly. Monte Carlo comparisons allow 4 standard errors, no more.
 * Also: the same seed gives bit-identical results for 1, 2 and 3 threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/gp_sim.h"
#include "unit/test_sim_fixture.h"

/* Three activities into the metric's outcome node:
 *   a1 -> m  N(-3, 1²)  lag 0, from 2025, no ramp      : full value 1 in 2030
 *   a2 -> m  N(-2, 2²)  lag 1, from 2025, ramp 2 years : value 1 in 2029 -> 1
 *   a3 -> m  N(-4, 1.5²) lag 0, from 2029, ramp 2 years : value 0.5 in 2030
 * counterfactual N(0.5, 0.2²) per year, 6 years from the 2024 baseline.
 * Metric in 2030 = 100 + 3 + b1 + b2 + 0.5 b3: mean 100 + 3 - 3 - 2 - 2 = 96,
 * variance 36·0.04 + 1 + 4 + 0.25·2.25 = 7.0025 (sd 2.646). */
static const char *plan_text =
    "{\"mission\": {\"id\": \"m1\", \"title\": \"T\", \"start\": \"2025\", \"horizon\": \"2030\"},"
    " \"metrics\": [{\"id\": \"crime\", \"name\": \"Crime\", \"direction\": \"lower\"}],"
    " \"targets\": [{\"id\": \"t1\", \"metric\": \"crime\", \"kind\": \"committed\","
    "   \"baseline\": {\"period\": \"2024\", \"value\": 100},"
    "   \"target\": {\"period\": \"2030\", \"value\": 95}}],"
    " \"nodes\": [{\"id\": \"a1\", \"kind\": \"activity\", \"cost\": 10},"
    "   {\"id\": \"a2\", \"kind\": \"activity\", \"cost\": 20, \"ramp\": 2},"
    "   {\"id\": \"a3\", \"kind\": \"activity\", \"start\": \"2029\", \"ramp\": 2},"
    "   {\"id\": \"m\", \"kind\": \"outcome\", \"metric\": \"crime\"}],"
    " \"edges\": [{\"from\": \"a1\", \"to\": \"m\", \"effect\": {\"dist\": \"normal\", \"mean\": "
    "-3, \"sd\": 1}},"
    "   {\"from\": \"a2\", \"to\": \"m\", \"lag\": 1, \"effect\": {\"dist\": \"normal\", \"mean\": "
    "-2, \"sd\": 2}},"
    "   {\"from\": \"a3\", \"to\": \"m\", \"effect\": {\"dist\": \"normal\", \"mean\": -4, \"sd\": "
    "1.5}}],"
    " \"counterfactual\": {\"metric\": \"crime\","
    "   \"change_per_year\": {\"dist\": \"normal\", \"mean\": 0.5, \"sd\": 0.2}},"
    " \"assumptions\": [{\"id\": \"x1\", \"text\": \"a1 works\", \"on\": \"edge:a1->m\", "
    "\"evidence\": 2},"
    "   {\"id\": \"x2\", \"text\": \"a2 is delivered\", \"on\": \"node:a2\", \"evidence\": 4}]}";

#define MEAN 96.0
#define VAR 7.0025

static gp_sim_result *run(const gp_plan *p, uint64_t draws, int threads) {
  gp_sim_options o;
  gp_sim_options_default(&o);
  o.draws = draws;
  o.seed = 42;
  o.threads = threads;
  gp_sim_result *r = NULL;
  gp_error err;
  gp_code rc = gp_sim_run(p, &o, &r, &err);
  if (rc) fprintf(stderr, "%s: %s\n", err.path, err.message);
  assert_int_equal(rc, GP_OK);
  return r;
}

static void near(double got, double want, double tol, const char *what) {
  if (!(fabs(got - want) <= tol)) {
    fprintf(stderr, "%s: got %.6g want %.6g (tol %.3g)\n", what, got, want, tol);
    fail();
  }
}

static void test_closed_form(void **state) {
  (void)state;
  gp_plan *p = fx_plan(plan_text);
  assert_non_null(p);
  const double n = 200000, sd = sqrt(VAR);
  gp_sim_result *r = run(p, (uint64_t)n, 2);
  const gp_sim_target *t = &r->targets[0];
  /* lower is better: meets when Y <= 95 */
  double pm = fx_Phi((95 - MEAN) / sd);
  near(t->p_meet, pm, 4 * sqrt(pm * (1 - pm) / n), "p_meet");
  near(t->p_meet_se, sqrt(pm * (1 - pm) / n), 1e-4, "p_meet_se");
  near(t->mean, MEAN, 4 * sd / sqrt(n), "mean");
  near(t->effect_mean, -2 - 3 - 2, 4 * sqrt(VAR - 1.44) / sqrt(n), "effect mean");
  for (int q = 0; q < GP_SIM_NQ; q++) {
    double lv = gp_sim_qlevels[q];
    near(t->q[q], MEAN + sd * fx_Phi_inv(lv), 4 * fx_q_se(sd, lv, n), gp_sim_qnames[q]);
  }
  /* over-programming at 80%: need Q_0.8(Y) - extra <= 95 */
  double extra = MEAN + sd * fx_Phi_inv(0.8) - 95;
  near(t->extra, extra, 4 * fx_q_se(sd, 0.8, n), "extra");
  near(t->extra_share, extra / 7.0, 4 * fx_q_se(sd, 0.8, n) / 7.0 + 0.01 * extra / 7, "share");
  /* first-order shares: (coef² σ²)/Var */
  double want[4] = {1.0 / VAR, 4.0 / VAR, 0.25 * 2.25 / VAR, 36 * 0.04 / VAR};
  assert_int_equal(r->ninputs, 4);
  double total = 0;
  for (size_t i = 0; i < 4; i++) {
    const gp_sim_input *in = &r->inputs[i];
    assert_true(in->share_se > 0 && in->share_se < 0.02);
    near(in->share, want[i], 4 * in->share_se, "variance share");
    total += in->share;
  }
  near(total, 1, 0.02, "shares add to 1 in an additive model");
  /* the chance if an assumption fails */
  double m1 = MEAN + 3, v1 = VAR - 1; /* edge a1->m removed */
  double p1 = fx_Phi((95 - m1) / sqrt(v1));
  near(r->assumptions[0].p_meet_if_fails, p1, 4 * sqrt(p1 * (1 - p1) / n), "fails x1");
  double m2 = MEAN + 2, v2 = VAR - 4; /* a2 not delivered */
  double p2 = fx_Phi((95 - m2) / sqrt(v2));
  near(r->assumptions[1].p_meet_if_fails, p2, 4 * sqrt(p2 * (1 - p2) / n), "fails x2");
  /* a2 is always delivered: its delivery is no uncertain input, so no share */
  near(r->assumptions[1].share, 0, 0, "x2 share");
  near(r->assumptions[0].share, r->inputs[0].share, 0, "x1 share is its edge's");
  /* contributions in 2030: a1 ~ N(-3,1), a2 ~ N(-2,4), a3 ~ 0.5 N(-4, 2.25) */
  assert_int_equal(r->ncontribs, 3);
  double cm[3] = {-3, -2, -2}, cs[3] = {1, 2, 0.75};
  for (int a = 0; a < 3; a++) {
    const gp_sim_contrib *c = &r->contribs[a];
    near(c->mean, cm[a], 4 * cs[a] / sqrt(n), "contribution mean");
    double qse = fx_q_se(cs[a], 0.1, n);
    near(c->p10, cm[a] + cs[a] * fx_Phi_inv(0.1), 4 * qse, "contribution p10");
    near(c->p90, cm[a] + cs[a] * fx_Phi_inv(0.9), 4 * qse, "contribution p90");
  }
  /* trajectory: 2025..2030, 6 periods; in 2025 only a1 (lag 0, full) and a2 (ramp 0) */
  assert_int_equal(r->ntraj, 6);
  double m25 = 100 + 0.5 - 3, s25 = sqrt(0.04 + 1);
  near(r->traj[0].q[3], m25, 4 * fx_q_se(s25, 0.5, n), "median 2025");
  near(r->traj[5].q[3], MEAN, 4 * fx_q_se(sd, 0.5, n), "median 2030");
  gp_sim_result_free(r);
  gp_plan_free(p);
}

static void test_threads_identical(void **state) {
  (void)state;
  gp_plan *p = fx_plan(plan_text);
  assert_non_null(p);
  gp_sim_result *r1 = run(p, 5003, 1), *r2 = run(p, 5003, 2), *r3 = run(p, 5003, 3);
  gp_sim_result *rs[2] = {r2, r3};
  for (int i = 0; i < 2; i++) {
    assert_memory_equal(r1->targets, rs[i]->targets, r1->ntargets * sizeof *r1->targets);
    assert_memory_equal(r1->traj, rs[i]->traj, r1->ntraj * sizeof *r1->traj);
    assert_memory_equal(r1->inputs, rs[i]->inputs, r1->ninputs * sizeof *r1->inputs);
    assert_memory_equal(r1->contribs, rs[i]->contribs, r1->ncontribs * sizeof *r1->contribs);
    assert_memory_equal(r1->assumptions, rs[i]->assumptions,
                        r1->nassumptions * sizeof *r1->assumptions);
  }
  /* another seed gives other numbers */
  gp_sim_options o;
  gp_sim_options_default(&o);
  o.draws = 5003;
  o.seed = 43;
  gp_sim_result *r4 = NULL;
  assert_int_equal(gp_sim_run(p, &o, &r4, NULL), GP_OK);
  assert_true(r4->targets[0].q[3] != r1->targets[0].q[3]);
  gp_sim_result_free(r1), gp_sim_result_free(r2), gp_sim_result_free(r3), gp_sim_result_free(r4);
  gp_plan_free(p);
}

static void test_bad_options(void **state) {
  (void)state;
  gp_plan *p = fx_plan(plan_text);
  gp_sim_options o;
  gp_sim_result *r = NULL;
  gp_error err;
  gp_sim_options_default(&o);
  o.draws = 0;
  assert_int_equal(gp_sim_run(p, &o, &r, &err), GP_EINVAL);
  assert_string_equal(err.path, "--draws");
  gp_sim_options_default(&o);
  o.threads = 0;
  assert_int_equal(gp_sim_run(p, &o, &r, &err), GP_EINVAL);
  assert_string_equal(err.path, "--threads");
  gp_sim_options_default(&o);
  o.confidence = 1.5;
  assert_int_equal(gp_sim_run(p, &o, &r, &err), GP_EINVAL);
  assert_string_equal(err.path, "--confidence");
  assert_null(r);
  gp_plan_free(p);
}

/* Learning: a test on edge a1->m with estimate -5 (se 1) and prior N(-3, 1)
 * gives the posterior N(-4, 0.5): precision-weighted mean, variance halved. */
static void test_learning(void **state) {
  (void)state;
  char text[6000];
  snprintf(text, sizeof text,
           "%.*s, \"tests\": [{\"id\": \"t1\", \"assumption\": \"x1\","
           " \"method\": \"rct\", \"status\": \"done\", \"estimate\": {\"mean\": -5, \"se\": 1}}]}",
           (int)strlen(plan_text) - 1, plan_text);
  gp_plan *p = fx_plan(text);
  assert_non_null(p);
  gp_learning *l = NULL;
  size_t nl = 0;
  gp_dist *eff = NULL;
  assert_int_equal(gp_graph_learn(p->graph, &l, &nl, &eff, NULL), GP_OK);
  assert_int_equal(nl, 1);
  near(l[0].post_mean, -4, 1e-12, "posterior mean");
  near(l[0].post_sd, sqrt(0.5), 1e-12, "posterior sd");
  assert_int_equal(eff[0].kind, GP_DIST_NORMAL);
  free(l), free(eff);
  gp_sim_options o;
  gp_sim_options_default(&o);
  o.draws = 100000;
  o.learn = true;
  gp_sim_result *r = NULL;
  assert_int_equal(gp_sim_run(p, &o, &r, NULL), GP_OK);
  /* with the posterior: mean 95, variance VAR - 1 + 0.5 */
  double v = VAR - 0.5, pm = fx_Phi((95 - 95.0) / sqrt(v));
  near(r->targets[0].p_meet_learned, pm, 4 * sqrt(pm * (1 - pm) / 1e5), "p_meet learned");
  assert_int_equal(r->nlearning, 1);
  gp_sim_result_free(r);
  gp_plan_free(p);
}

/* A quarterly metric makes the grid quarterly (PRODUCT.md: "the metric's
 * frequency where finer"): lags stay in years (4 quarters), ramps in years.
 * Grid from 2025-Q1; the target 2027-Q3 is step 10.
 *   a1 (from 2025-Q3, ramp 1 year) -> m, N(2, 0.5²), lag 1 year: value(a1)
 *     in 2026-Q3 = 365/365.25 (days from 2025-07-01 to 2026-07-01, in years)
 *   a2 (no start, ramp 0.5) -> m, N(1, 0.3²): full by 2027-Q3
 *   counterfactual N(0.1, 0.05²) per year, 1003 days from 2024-Q4 to 2027-Q3. */
static const char *plan_q =
    "{\"mission\": {\"id\": \"q\", \"title\": \"Q\", \"start\": \"2025\", \"horizon\": \"2027\"},"
    " \"metrics\": [{\"id\": \"q\", \"name\": \"Q\", \"direction\": \"higher\","
    "   \"frequency\": \"quarterly\"}],"
    " \"targets\": [{\"id\": \"t\", \"metric\": \"q\", \"kind\": \"committed\","
    "   \"baseline\": {\"period\": \"2024-Q4\", \"value\": 10},"
    "   \"target\": {\"period\": \"2027-Q3\", \"value\": 13}}],"
    " \"nodes\": [{\"id\": \"a1\", \"kind\": \"activity\", \"start\": \"2025-Q3\", \"ramp\": 1},"
    "   {\"id\": \"a2\", \"kind\": \"activity\", \"ramp\": 0.5},"
    "   {\"id\": \"m\", \"kind\": \"outcome\", \"metric\": \"q\"}],"
    " \"edges\": [{\"from\": \"a1\", \"to\": \"m\", \"lag\": 1,"
    "   \"effect\": {\"dist\": \"normal\", \"mean\": 2, \"sd\": 0.5}},"
    "   {\"from\": \"a2\", \"to\": \"m\", \"effect\": {\"dist\": \"normal\", \"mean\": 1, \"sd\": "
    "0.3}}],"
    " \"counterfactual\": {\"metric\": \"q\","
    "   \"change_per_year\": {\"dist\": \"normal\", \"mean\": 0.1, \"sd\": 0.05}}}";

static void test_quarterly(void **state) {
  (void)state;
  gp_plan *p = fx_plan(plan_q);
  assert_non_null(p);
  const double n = 200000;
  gp_sim_result *r = run(p, (uint64_t)n, 2);
  assert_int_equal(r->grid.per_year, 4);
  assert_int_equal(r->ntraj, 11); /* 2025-Q1 .. 2027-Q3 */
  char buf[GP_PERIOD_MAX];
  gp_period last = gp_grid_period(&r->grid, 10);
  gp_period_format(&last, buf);
  assert_string_equal(buf, "2027-Q3");
  assert_int_equal(r->targets[0].period_index, 10);
  double ramp = 365 / 365.25, ycf = 1003 / 365.25;
  double mean = 10 + 0.1 * ycf + 2 * ramp + 1;
  double var = 0.05 * 0.05 * ycf * ycf + 0.25 * ramp * ramp + 0.09, sd = sqrt(var);
  double pm = 1 - fx_Phi((13 - mean) / sd);
  near(r->targets[0].p_meet, pm, 4 * sqrt(pm * (1 - pm) / n), "quarterly p_meet");
  near(r->targets[0].q[3], mean, 4 * fx_q_se(sd, 0.5, n), "quarterly median");
  /* in 2026-Q2 (step 5) a1's value a year earlier (2025-Q2) is 0, before its start;
   * a2 is full; 547 days from 2024-10-01 to 2026-04-01 */
  double y5 = 547 / 365.25, m5 = 10 + 0.1 * y5 + 1, s5 = sqrt(0.0025 * y5 * y5 + 0.09);
  near(r->traj[5].q[3], m5, 4 * fx_q_se(s5, 0.5, n), "quarterly median in 2026-Q2");
  gp_sim_result_free(r);
  gp_plan_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_closed_form), cmocka_unit_test(test_threads_identical),
      cmocka_unit_test(test_bad_options), cmocka_unit_test(test_learning),
      cmocka_unit_test(test_quarterly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
