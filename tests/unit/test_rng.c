/*
 * test_rng — xoshiro256** against an independent Python implementation
 * (tests/reference/rng_ref.py → tests/reference/rng_values.h): the first
 * outputs after seeding, after 3 jumps (stream 3) and after a long jump;
 * and the uniform doubles' range.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/gp_rng.h"
#include "reference/rng_values.h"

static void test_known_answers(void **state) {
  (void)state;
  gp_rng r;
  gp_rng_seed(&r, 42);
  for (int i = 0; i < 8; i++)
    assert_true(gp_rng_next(&r) == rng_seed42_first8[i]);
  gp_rng_seed(&r, 0);
  for (int i = 0; i < 4; i++)
    assert_true(gp_rng_next(&r) == rng_seed0_first4[i]);
  gp_rng_stream(&r, 7, 3);
  for (int i = 0; i < 4; i++)
    assert_true(gp_rng_next(&r) == rng_seed7_stream3_first4[i]);
  gp_rng_seed(&r, 7);
  gp_rng_long_jump(&r);
  for (int i = 0; i < 4; i++)
    assert_true(gp_rng_next(&r) == rng_seed7_longjump_first4[i]);
}

static void test_uniform(void **state) {
  (void)state;
  gp_rng r;
  gp_rng_seed(&r, 1);
  double s = 0;
  const int n = 1000000;
  for (int i = 0; i < n; i++) {
    double u = gp_rng_uniform(&r), v = gp_rng_uniform_pos(&r);
    assert_true(u >= 0 && u < 1);
    assert_true(v > 0 && v < 1);
    s += u;
  }
  /* mean 1/2, sd of the mean sqrt(1/12/n) */
  assert_true(fabs(s / n - 0.5) < 4 * sqrt(1.0 / 12 / n));
}

/* The lanes of gp_rng_lanes_init are the consecutive streams: lane l of a
 * base seeded with 7 is gp_rng_stream(7, l) (itself checked above against
 * Python for l = 3); get and set round-trip a lane. */
static void test_lanes(void **state) {
  (void)state;
  gp_rng base, x;
  gp_rng_lanes rl;
  gp_rng_seed(&base, 7);
  gp_rng_lanes_init(&rl, &base);
  for (int l = 0; l < GP_RNG_LANES; l++) {
    gp_rng_stream(&x, 7, (uint64_t)l);
    gp_rng y;
    gp_rng_lanes_get(&rl, l, &y);
    assert_memory_equal(&x, &y, sizeof x);
  }
  gp_rng_lanes_get(&rl, 3, &x);
  assert_true(gp_rng_next(&x) == rng_seed7_stream3_first4[0]);
  gp_rng_lanes_set(&rl, 5, &x);
  gp_rng y;
  gp_rng_lanes_get(&rl, 5, &y);
  assert_memory_equal(&x, &y, sizeof x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_uniform),
      cmocka_unit_test(test_lanes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
