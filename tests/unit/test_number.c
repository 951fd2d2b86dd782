/*
 * test_number — the fast exact decimal reader (gp_number_fast) against the
 * C library's strtod: for a million strings of every shape it takes (signs,
 * leading zeros, fractions, exponents, up to 19 digits, m near 2^53), the
 * value must be strtod's to the bit; strings it must leave to strtod (hex,
 * inf, spaces, 20 digits, large exponents, empty parts) return false.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/gp_rng.h"
#include "io/gp_number.h"

/* A random decimal string into buf. */
static void random_decimal(gp_rng *r, char *buf, size_t n) {
  size_t k = 0;
  uint64_t u = gp_rng_next(r);
  if (u % 4 == 0) buf[k++] = '-';
  if (u % 16 == 1) buf[k++] = '+';
  int ints = (int)(gp_rng_next(r) % 12), fracs = (int)(gp_rng_next(r) % 12);
  for (int i = 0; i < ints; i++)
    buf[k++] = (char)('0' + gp_rng_next(r) % 10);
  if (fracs || gp_rng_next(r) % 3 == 0) {
    buf[k++] = '.';
    for (int i = 0; i < fracs; i++)
      buf[k++] = (char)('0' + gp_rng_next(r) % 10);
  }
  if (gp_rng_next(r) % 3 == 0)
    k += (size_t)snprintf(buf + k, n - k, "e%s%d", gp_rng_next(r) % 2 ? "-" : "",
                          (int)(gp_rng_next(r) % 30));
  buf[k] = '\0';
}

static void test_agrees_with_strtod(void **state) {
  (void)state;
  gp_rng r;
  gp_rng_seed(&r, 2026);
  char buf[64];
  long fast = 0;
  for (long i = 0; i < 1000000; i++) {
    random_decimal(&r, buf, sizeof buf);
    double v = 12345.0;
    if (!gp_number_fast(buf, &v)) {
      assert_true(v == 12345.0); /* untouched */
      continue;
    }
    fast++;
    char *end;
    double w = strtod(buf, &end);
    if (*end != '\0') fail_msg("'%s': the fast path took what strtod does not read whole", buf);
    if (memcmp(&v, &w, sizeof v) != 0) fail_msg("'%s': %.17g against strtod's %.17g", buf, v, w);
  }
  assert_true(fast > 400000); /* the common shapes do take the fast path */
}

static void test_exact_edges(void **state) {
  (void)state;
  static const char *const yes[] = {
      "0",          "-0",        "9007199254740992", "0.1", "1e22", "1e-22", "5.", ".5", "+7",
      "00012.5000", "-5.509364", "1234567890123.456"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
    double v, w = strtod(yes[i], NULL);
    assert_true(gp_number_fast(yes[i], &v));
    assert_memory_equal(&v, &w, sizeof v);
  }
  double z;
  assert_true(gp_number_fast("-0", &z) && z == 0 && 1 / z < 0);
  static const char *const no[] = {"",     ".",     "-",
                                   "1e",   "0x10",  "inf",
                                   "nan",  " 1",    "1 ",
                                   "1e23", "1e-23", "9007199254740993",
                                   "1,5",  "--1",   "12345678901234567890",
                                   "1e+",  "1.2.3"};
  for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
    double v = 7;
    if (gp_number_fast(no[i], &v)) fail_msg("'%s' took the fast path", no[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_agrees_with_strtod),
      cmocka_unit_test(test_exact_edges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
