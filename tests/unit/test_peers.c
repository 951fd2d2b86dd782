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

/* The chunked search (as peers streams a million units from the store)
 * gives the same peers as the search over the whole matrix. */
static void test_peers_in_chunks(void **state) {
  (void)state;
  gp_peers_data d = {REF_PEERS_N, 3, ref_peers_x, NULL, NULL};
  gp_peers_result whole, parts;
  gp_error err;
  assert_int_equal(gp_peers_find(&d, REF_PEERS_UNIT, 10, &whole, &err), GP_OK);
  gp_peers_search *s;
  assert_int_equal(
      gp_peers_search_new(3, ref_peers_x + REF_PEERS_UNIT * 3, REF_PEERS_UNIT, 10, &s, &err),
      GP_OK);
  for (size_t i = 0; i < REF_PEERS_N; i += 7)
    gp_peers_search_stats(s, ref_peers_x + i * 3, i + 7 <= REF_PEERS_N ? 7 : REF_PEERS_N - i);
  for (size_t i = 0; i < REF_PEERS_N; i += 7)
    gp_peers_search_rank(s, ref_peers_x + i * 3, i, i + 7 <= REF_PEERS_N ? 7 : REF_PEERS_N - i);
  gp_peers_search_result(s, &parts);
  gp_peers_search_free(s);
  assert_int_equal(parts.npeers, whole.npeers);
  for (size_t p = 0; p < whole.npeers; p++) {
    assert_int_equal(parts.peers[p].unit, whole.peers[p].unit);
    assert_true(fabs(parts.peers[p].distance - whole.peers[p].distance) <= 1e-12);
  }
  gp_peers_free(&whole);
  gp_peers_free(&parts);
}

/* A sorted index read through the slab search gives the full search's peers,
 * reading fewer rows. */
typedef struct mem_index {
  const double *sorted; /* n × 4 */
  size_t n;             /* rows */
} mem_index;

static size_t mem_read(void *ctx, size_t first, size_t rows, double *x, size_t *units,
                       double *key) {
  const mem_index *m = ctx;
  if (first >= m->n) return 0;
  if (first + rows > m->n) rows = m->n - first;
  for (size_t r = 0; r < rows; r++) {
    const double *row = m->sorted + (first + r) * 4;
    memcpy(x + r * 3, row, 3 * sizeof *row);
    units[r] = (size_t)row[3];
    key[r] = row[0];
  }
  return rows;
}

static void test_peers_slab(void **state) {
  (void)state;
  static double sorted[REF_PEERS_N * 4];
  double mean[3], sd[3];
  gp_peers_index(ref_peers_x, REF_PEERS_N, 3, sorted, mean, sd);
  for (size_t r = 1; r < REF_PEERS_N; r++)
    assert_true(sorted[(r - 1) * 4] <= sorted[r * 4]);
  gp_peers_data d = {REF_PEERS_N, 3, ref_peers_x, NULL, NULL};
  gp_peers_result whole, slab;
  gp_error err;
  for (size_t u = 0; u < REF_PEERS_N; u += 37) {
    assert_int_equal(gp_peers_find(&d, u, 10, &whole, &err), GP_OK);
    gp_peers_search *s;
    assert_int_equal(gp_peers_search_new(3, ref_peers_x + u * 3, u, 10, &s, &err), GP_OK);
    gp_peers_search_set_scales(s, mean, sd);
    size_t start = 0;
    while (start < REF_PEERS_N && sorted[start * 4] < ref_peers_x[u * 3])
      start++;
    mem_index m = {sorted, REF_PEERS_N};
    size_t read = gp_peers_search_slab(s, REF_PEERS_N, start, 0, 16, mem_read, &m);
    assert_true(read < REF_PEERS_N); /* it pruned */
    gp_peers_search_result(s, &slab);
    gp_peers_search_free(s);
    assert_int_equal(slab.npeers, 10);
    for (size_t p = 0; p < 10; p++) {
      assert_int_equal(slab.peers[p].unit, whole.peers[p].unit);
      assert_true(fabs(slab.peers[p].distance - whole.peers[p].distance) <= 1e-12);
    }
    gp_peers_free(&whole);
    gp_peers_free(&slab);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_peers_against_numpy),
      cmocka_unit_test(test_peers_flags_by_hand),
      cmocka_unit_test(test_peers_missing_and_errors),
      cmocka_unit_test(test_peers_in_chunks),
      cmocka_unit_test(test_peers_slab),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
