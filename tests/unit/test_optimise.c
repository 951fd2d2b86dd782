/*
 * test_optimise — the portfolio optimiser against exhaustive search by
 * independent means: for every one of the 4096 subsets of a 12-activity
 * plan, a full simulation with the other activities switched off (same seed,
 * so the same draws), keeping the best subset within the budget. The
 * optimiser's exhaustive mode must find that optimum (to rounding: 2 draws);
 * its heuristic mode must come within 4 Monte Carlo standard errors of it.
 * The weakest-ideas losses are checked the same way, one activity off at a
 * time; and a budget below zero is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "engine/gp_optimise.h"
#include "engine/gp_rng.h"
#include "engine/gp_sim.h"
#include "unit/test_sim_fixture.h"

#define NA 12
#define DRAWS 1000

/* A 12-activity plan: activities feed two outputs (some directly the
 * outcome), with random costs, effects and delivery chances from seed. */
static gp_plan *make_plan(uint64_t seed, double *total_cost) {
  static char buf[20000];
  gp_rng r;
  gp_rng_seed(&r, seed);
  size_t n = 0;
  n +=
      (size_t)snprintf(buf + n, sizeof buf - n,
                       "{\"mission\": {\"id\": \"opt\", \"title\": \"O\", \"start\": \"2025\","
                       " \"horizon\": \"2030\"},"
                       " \"metrics\": [{\"id\": \"x\", \"name\": \"X\", \"direction\": \"lower\"}],"
                       " \"targets\": [{\"id\": \"t\", \"metric\": \"x\", \"kind\": \"committed\","
                       " \"baseline\": {\"period\": \"2024\", \"value\": 100},"
                       " \"target\": {\"period\": \"2030\", \"value\": 88}}], \"nodes\": [");
  *total_cost = 0;
  for (int i = 0; i < NA; i++) {
    double cost = 1 + floor(9 * gp_rng_uniform(&r));
    *total_cost += cost;
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "{\"id\": \"a%d\", \"kind\": \"activity\", \"cost\": %g,"
                          " \"delivery\": %.3f, \"ramp\": %d},",
                          i, cost, 0.5 + 0.5 * gp_rng_uniform(&r), i % 3);
  }
  n += (size_t)snprintf(
      buf + n, sizeof buf - n,
      "{\"id\": \"o1\", \"kind\": \"output\"}, {\"id\": \"o2\", \"kind\": \"output\"},"
      " {\"id\": \"m\", \"kind\": \"outcome\", \"metric\": \"x\"}], \"edges\": [");
  for (int i = 0; i < NA; i++) {
    const char *to = i % 3 == 0 ? "o1" : i % 3 == 1 ? "o2" : "m";
    double mean = -(0.5 + 3 * gp_rng_uniform(&r)), sd = 0.3 + 1.5 * gp_rng_uniform(&r);
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "{\"from\": \"a%d\", \"to\": \"%s\", \"effect\": {\"dist\": \"normal\","
                          " \"mean\": %.3f, \"sd\": %.3f}},",
                          i, to, mean, sd);
  }
  snprintf(buf + n, sizeof buf - n,
           "{\"from\": \"o1\", \"to\": \"m\", \"effect\": {\"dist\": \"uniform\", \"min\": 0.5,"
           " \"max\": 1.5}, \"lag\": 1},"
           " {\"from\": \"o2\", \"to\": \"m\", \"effect\": {\"dist\": \"triangular\", \"min\": 0.3,"
           " \"mode\": 1, \"max\": 1.2}}],"
           " \"counterfactual\": {\"metric\": \"x\", \"change_per_year\": {\"dist\": \"normal\","
           " \"mean\": 0.3, \"sd\": 0.5}}}");
  return fx_plan(buf);
}

/* Meets of the plan with only the activities in mask switched on. */
static uint64_t sim_mask(const gp_plan *p, unsigned mask, uint64_t seed) {
  bool off[NA + 3] = {false};
  for (int i = 0; i < NA; i++)
    off[i] = !(mask >> i & 1);
  gp_sim_options o;
  gp_sim_options_default(&o);
  o.draws = DRAWS;
  o.seed = seed;
  o.light = true;
  o.off = off;
  gp_sim_result *r = NULL;
  assert_int_equal(gp_sim_run(p, &o, &r, NULL), GP_OK);
  uint64_t m = (uint64_t)llround(r->targets[0].p_meet * DRAWS);
  gp_sim_result_free(r);
  return m;
}

static void check_plan(uint64_t pseed, double budget_share) {
  double total;
  gp_plan *p = make_plan(pseed, &total);
  assert_non_null(p);
  const uint64_t seed = 77;
  double budget = floor(total * budget_share);
  /* exhaustive search by independent simulations */
  uint64_t meets[1 << NA];
  uint64_t best = 0;
  double best_cost = 0;
  for (unsigned mask = 0; mask < (1u << NA); mask++) {
    double c = 0;
    for (int i = 0; i < NA; i++)
      if (mask >> i & 1) c += p->graph->nodes[i].cost;
    meets[mask] = sim_mask(p, mask, seed);
    if (c <= budget && (meets[mask] > best || (meets[mask] == best && c < best_cost)))
      best = meets[mask], best_cost = c;
  }
  double pbest = (double)best / DRAWS;
  gp_opt_options o;
  gp_opt_options_default(&o);
  o.draws = DRAWS;
  o.seed = seed;
  o.budget = budget;
  for (int mode = 0; mode < 2; mode++) {
    o.search = mode ? GP_OPT_HEURISTIC : GP_OPT_EXHAUSTIVE;
    gp_opt_result *r = NULL;
    assert_int_equal(gp_optimise_run(p, &o, &r, NULL), GP_OK);
    assert_int_equal(r->nacts, NA);
    assert_true(r->cost_after <= budget);
    double c = 0;
    unsigned mask = 0;
    for (size_t i = 0; i < r->nacts; i++)
      if (r->acts[i].chosen) c += r->acts[i].cost, mask |= 1u << r->acts[i].node;
    assert_true(fabs(c - r->cost_after) < 1e-9);
    /* the chosen portfolio's chance, by an independent simulation */
    assert_true(fabs(r->p_after - (double)meets[mask] / DRAWS) <= 2.0 / DRAWS);
    assert_true(fabs(r->p_before - (double)meets[(1u << NA) - 1] / DRAWS) <= 2.0 / DRAWS);
    if (mode == 0) {
      assert_true(r->exhaustive);
      if (!(fabs(r->p_after - pbest) <= 2.0 / DRAWS)) {
        fprintf(stderr, "plan %llu: exhaustive %.4f, independent optimum %.4f\n",
                (unsigned long long)pseed, r->p_after, pbest);
        fail();
      }
    } else {
      double se = sqrt(pbest * (1 - pbest) / DRAWS);
      fprintf(stderr, "plan %llu budget %g/%g: optimum %.4f heuristic %.4f (se %.4f)\n",
              (unsigned long long)pseed, budget, total, pbest, r->p_after, se);
      assert_true(r->p_after >= pbest - 4 * se - 2.0 / DRAWS);
    }
    /* weakest ideas: p(plan) - p(plan without a), weakest first */
    for (size_t i = 0; i < r->nweak; i++) {
      const gp_opt_weak *w = &r->weak[i];
      double want =
          ((double)meets[(1u << NA) - 1] - (double)meets[((1u << NA) - 1) & ~(1u << w->node)]) /
          DRAWS;
      assert_true(fabs(w->p_loss - want) <= 2.0 / DRAWS);
      if (i) assert_true(isnan(w->per_cost) || w->per_cost >= r->weak[i - 1].per_cost);
    }
    gp_opt_result_free(r);
  }
  gp_plan_free(p);
}

static void test_against_exhaustive(void **state) {
  (void)state;
  check_plan(1, 0.4);
  check_plan(3, 0.25);
}

static void test_bad_budget(void **state) {
  (void)state;
  double total;
  gp_plan *p = make_plan(1, &total);
  gp_opt_options o;
  gp_opt_options_default(&o);
  o.budget = -1;
  gp_opt_result *r = NULL;
  gp_error err;
  assert_int_equal(gp_optimise_run(p, &o, &r, &err), GP_EINVAL);
  assert_string_equal(err.path, "--budget");
  o.budget = 5;
  o.target = 3;
  assert_int_equal(gp_optimise_run(p, &o, &r, &err), GP_EINVAL);
  assert_string_equal(err.path, "--target");
  gp_plan_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_exhaustive),
      cmocka_unit_test(test_bad_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
