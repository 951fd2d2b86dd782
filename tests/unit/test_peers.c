/*
 * test_peers — src/engine/gp_peers.c: the k nearest units by standardised
 * context against a brute-force numpy search (tests/reference/scan_ref.py,
 * arrays in tests/reference/scan_values.h), the "flagged high among them"
 * count and differences by hand, and bad input.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/gp_peers.h"
#include "reference/scan_values.h"

static void test_peers_against_numpy(void **state) {
  (void)state;
  gp_peers_data d = {REF_PEERS_N, 3, ref_peers_x, NULL, NULL};
  gp_peers_result r;
  gp_error err;
  assert_int_equal(gp_peers_find(&d, REF_PEERS_UNIT, 10, &r, &err), GP_OK);
  assert_int_equal(r.npeers, 10);
  for (size_t p = 0; p < 10; p++) {
    assert_int_equal(r.peers[p].unit, ref_peers_idx[p]);
    if (!(fabs(r.peers[p].distance - ref_peers_dist[p]) <= 1e-12 * ref_peers_dist[p])) {
      print_error("distance[%zu]: got %.17g, want %.17g\n", p, r.peers[p].distance,
                  ref_peers_dist[p]);
      fail();
    }
    assert_true(isnan(r.peers[p].difference));
  }
  gp_peers_free(&r);
}

static void test_peers_flags_by_hand(void **state) {
  (void)state;
  /* one covariate 0..5 (sd of 0..5 is 1.8708); unit 2 at value 2:
   * nearest are 1 and 3 (distance 1/sd), then 0 and 4 (2/sd) */
  double x[6] = {0, 1, 2, 3, 4, 5}, ind[6] = {1.0, 1.2, 1.1, 0.9, 1.5, 2.0};
  int8_t flag[6] = {0, 1, 0, -1, 1, 1};
  gp_peers_data d = {6, 1, x, flag, ind};
  gp_peers_result r;
  gp_error err;
  assert_int_equal(gp_peers_find(&d, 2, 4, &r, &err), GP_OK);
  assert_int_equal(r.npeers, 4);
  double sd = sqrt(17.5 / 5);
  assert_int_equal(r.peers[0].unit, 1); /* tie with 3 broken by index */
  assert_int_equal(r.peers[1].unit, 3);
  assert_int_equal(r.peers[2].unit, 0);
  assert_int_equal(r.peers[3].unit, 4);
  assert_true(fabs(r.peers[0].distance - 1 / sd) < 1e-14);
  assert_true(fabs(r.peers[3].distance - 2 / sd) < 1e-14);
  assert_int_equal(r.nhigh, 2); /* units 1 and 4 */
  assert_true(fabs(r.peers[3].difference - 0.4) < 1e-14);
  gp_peers_free(&r);
}

static void test_peers_missing_and_errors(void **state) {
  (void)state;
  double x[8] = {0, 0, 1, NAN, 2, 2, 3, 3};
  gp_peers_data d = {4, 2, x, NULL, NULL};
  gp_peers_result r;
  gp_error err;
  assert_int_equal(gp_peers_find(&d, 0, 10, &r, &err), GP_OK);
  assert_int_equal(r.npeers, 2); /* unit 1 has a missing covariate and is skipped */
  gp_peers_free(&r);
  assert_int_equal(gp_peers_find(&d, 1, 2, &r, &err), GP_EINVAL);
  assert_string_equal(err.path, "on[1]");
  assert_int_equal(gp_peers_find(&d, 9, 2, &r, &err), GP_EINVAL);
  assert_string_equal(err.path, "unit");
  assert_int_equal(gp_peers_find(&d, 0, 0, &r, &err), GP_EINVAL);
  assert_string_equal(err.path, "k");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_peers_against_numpy),
      cmocka_unit_test(test_peers_flags_by_hand),
      cmocka_unit_test(test_peers_missing_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
