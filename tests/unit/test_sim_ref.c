/*
 * test_sim_ref — the engine against the NumPy implementation of the same
 * contract (tests/reference/sim_ref.py, values in tests/reference/sim_values.h
 * with their seed, draw count and Monte Carlo standard errors) on a
 * nonlinear plan (tests/reference/sim_plan.json): random deliveries, every
 * distribution family, chains of products, lags, ramps, a stopped activity,
 * a counterfactual, two targets. The two runs use independent generators,
 * so each difference has standard error √(se_ref² + se_ours²); with the
 * engine at half the reference's draws se_ours² ≈ 2·se_ref². Every
 * comparison allows 4 of those standard errors, no more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "engine/gp_sim.h"
#include "reference/sim_values.h"
#include "unit/test_sim_fixture.h"

#define OUR_DRAWS (REF_DRAWS / 2)
#ifndef TEST_SEED
#define TEST_SEED 2026
#endif

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return buf;
}

static int nfail;
static void cmp(const char *what, int i, double ours, double ref, double se_ref) {
  double tol = 4 * se_ref * sqrt(1.0 + (double)REF_DRAWS / OUR_DRAWS);
  if (!(fabs(ours - ref) <= tol)) {
    fprintf(stderr, "%s[%d]: ours %.6g reference %.6g (tolerance %.3g)\n", what, i, ours, ref, tol);
    nfail++;
  }
}

static void test_against_numpy(void **state) {
  (void)state;
  char *text = slurp("tests/reference/sim_plan.json");
  assert_non_null(text);
  gp_plan *p = fx_plan(text);
  assert_non_null(p);
  gp_sim_options o;
  gp_sim_options_default(&o);
  o.draws = OUR_DRAWS;
  o.seed = TEST_SEED;
  o.threads = 2;
  o.primary = REF_PRIMARY;
  gp_sim_result *r = NULL;
  assert_int_equal(gp_sim_run(p, &o, &r, NULL), GP_OK);
  assert_int_equal(r->ntargets, REF_NTARGETS);
  for (int k = 0; k < REF_NTARGETS; k++) {
    cmp("p_meet", k, r->targets[k].p_meet, ref_p_meet[k][0], ref_p_meet[k][1]);
    cmp("mean", k, r->targets[k].mean, ref_mean[k][0], ref_mean[k][1]);
    for (int q = 0; q < GP_SIM_NQ; q++)
      cmp(gp_sim_qnames[q], k, r->targets[k].q[q], ref_q[k][q][0], ref_q[k][q][1]);
  }
  assert_int_equal(r->ntraj, REF_NTRAJ);
  for (int t = 0; t < REF_NTRAJ; t++)
    cmp("trajectory p50", t, r->traj[t].q[3], ref_traj_p50[t][0], ref_traj_p50[t][1]);
  assert_int_equal(r->ncontribs, REF_NCONTRIB);
  for (int c = 0; c < REF_NCONTRIB; c++) {
    cmp("contribution mean", c, r->contribs[c].mean, ref_contrib[c][0], ref_contrib[c][1]);
    cmp("contribution p10", c, r->contribs[c].p10, ref_contrib[c][2], ref_contrib[c][3]);
    cmp("contribution p90", c, r->contribs[c].p90, ref_contrib[c][4], ref_contrib[c][5]);
  }
  assert_int_equal(r->nassumptions, REF_NASSUMPTIONS);
  for (int a = 0; a < REF_NASSUMPTIONS; a++)
    cmp("p_meet if fails", a, r->assumptions[a].p_meet_if_fails, ref_fail[a][0], ref_fail[a][1]);
  assert_int_equal(r->ninputs, REF_NINPUTS);
  for (int i = 0; i < REF_NINPUTS; i++) {
    cmp("variance share", i, r->inputs[i].share, ref_share[i][0], ref_share[i][1]);
    /* our jackknife error and the reference's batch-means error agree in size */
    assert_true(r->inputs[i].share_se < 4 * ref_share[i][1] * sqrt(2.0) + 1e-4);
  }
  assert_int_equal(nfail, 0);
  gp_sim_result_free(r);
  gp_plan_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_against_numpy)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
