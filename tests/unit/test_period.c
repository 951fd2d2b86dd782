/*
 * test_period — unit tests of src/model/gp_period.c: parsing and formatting
 * the five period forms, rejecting malformed ones, start and end days, the
 * years between periods, and their order. Expected day numbers come from
 * Python's datetime.date.toordinal() minus date(1970, 1, 1).toordinal(),
 * not from our code.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/gp_period.h"

/* Parses s (NUL-terminated), asserting success, and returns the period. */
static gp_period parse_ok(const char *s) {
  gp_period p;
  if (!gp_period_parse(s, strlen(s), &p)) {
    print_error("'%s' should parse\n", s);
    fail();
  }
  return p;
}

static void test_round_trip(void **state) {
  (void)state;
  struct {
    const char *s;
    gp_period_kind kind;
    int year, quarter, month, day;
  } cases[] = {
      {"2024", GP_PERIOD_YEAR, 2024, 0, 0, 0},       {"1000", GP_PERIOD_YEAR, 1000, 0, 0, 0},
      {"9999", GP_PERIOD_YEAR, 9999, 0, 0, 0},       {"2024/25", GP_PERIOD_FY, 2024, 0, 0, 0},
      {"1999/00", GP_PERIOD_FY, 1999, 0, 0, 0},      {"2099/00", GP_PERIOD_FY, 2099, 0, 0, 0},
      {"2024-Q1", GP_PERIOD_QUARTER, 2024, 1, 0, 0}, {"2024-Q3", GP_PERIOD_QUARTER, 2024, 3, 0, 0},
      {"2024-Q4", GP_PERIOD_QUARTER, 2024, 4, 0, 0}, {"2024-01", GP_PERIOD_MONTH, 2024, 0, 1, 0},
      {"2024-07", GP_PERIOD_MONTH, 2024, 0, 7, 0},   {"2024-12", GP_PERIOD_MONTH, 2024, 0, 12, 0},
      {"2024-07-15", GP_PERIOD_DAY, 2024, 0, 7, 15}, {"2024-02-29", GP_PERIOD_DAY, 2024, 0, 2, 29},
      {"2000-02-29", GP_PERIOD_DAY, 2000, 0, 2, 29}, {"2023-12-31", GP_PERIOD_DAY, 2023, 0, 12, 31},
      {"1000-01-01", GP_PERIOD_DAY, 1000, 0, 1, 1},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const gp_period p = parse_ok(cases[k].s);
    assert_int_equal(p.kind, cases[k].kind);
    assert_int_equal(p.year, cases[k].year);
    assert_int_equal(p.quarter, cases[k].quarter);
    assert_int_equal(p.month, cases[k].month);
    assert_int_equal(p.day, cases[k].day);
    char buf[GP_PERIOD_MAX];
    gp_period_format(&p, buf);
    assert_string_equal(buf, cases[k].s);
    /* And back again. */
    const gp_period q = parse_ok(buf);
    assert_int_equal(gp_period_cmp(&p, &q), 0);
    assert_memory_equal(&p, &q, sizeof p);
  }
}

static void test_parse_uses_len(void **state) {
  (void)state;
  gp_period p;
  /* Only the first len bytes count. */
  assert_true(gp_period_parse("2024-07-15xyz", 10, &p));
  assert_int_equal(p.kind, GP_PERIOD_DAY);
  assert_true(gp_period_parse("2024-07-15", 7, &p));
  assert_int_equal(p.kind, GP_PERIOD_MONTH);
  assert_true(gp_period_parse("2024-07-15", 4, &p));
  assert_int_equal(p.kind, GP_PERIOD_YEAR);
  assert_false(gp_period_parse("2024-07-15", 3, &p));
}

static void test_invalid(void **state) {
  (void)state;
  const char *bad[] = {
      "2024/26", /* the second year must follow the first */
      "2024/24",    "2024/2",     "2024/255",   "2024/2a",       "2024-Q5",    "2024-Q0",
      "2024-Q",     "2024-q3",    "2024-Q33",   "2023-02-29", /* not a leap year */
      "1900-02-29", /* a century that is not a leap year */
      "2024-02-30", "2024-04-31", "2024-13-01", "2024-00-10",    "2024-01-00", "2024-01-32",
      "2024-13",    "2024-00",    "2024-7",     "2024-1a",       "24",         "",
      "202",        "20245",      "0999",       "abcd",          " 2024",      "2024 ",
      "+024",       "-024",       "2024-07-1",  "2024-07-015",   "2024/07/15", "2024-07/15",
      "2024.07",    "2024-Q3 ",   "2024/25 ",   "2024-07-15T00",
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    gp_period p = {.kind = GP_PERIOD_DAY, .year = 1234, .quarter = 0, .month = 5, .day = 6};
    if (gp_period_parse(bad[k], strlen(bad[k]), &p)) {
      print_error("'%s' should not parse\n", bad[k]);
      fail();
    }
    /* *out is left alone on failure. */
    assert_int_equal(p.year, 1234);
    assert_int_equal(p.day, 6);
  }
}

static void test_parse_str_errors(void **state) {
  (void)state;
  gp_period p;
  gp_error err;
  gp_error_clear(&err);
  assert_int_equal(gp_period_parse_str("2024/25", &p, "targets[0].period", &err), GP_OK);
  assert_int_equal(p.kind, GP_PERIOD_FY);
  assert_int_equal(gp_period_parse_str("2024-Q5", &p, "targets[0].period", &err), GP_EINVAL);
  assert_int_equal(err.code, GP_EINVAL);
  assert_string_equal(err.path, "targets[0].period");
  assert_non_null(strstr(err.message, "'2024-Q5'"));
  assert_int_equal(gp_period_parse_str(NULL, &p, "x", &err), GP_EINVAL);
  assert_int_equal(gp_period_parse_str("", &p, "x", NULL), GP_EINVAL);
}

/* Day numbers of calendar dates from Python's datetime (see header). */
static void test_days_from_civil(void **state) {
  (void)state;
  assert_int_equal(gp_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(gp_days_from_civil(1969, 12, 31), -1);
  assert_int_equal(gp_days_from_civil(2000, 3, 1), 11017);
  assert_int_equal(gp_days_from_civil(2024, 1, 1), 19723);
  assert_int_equal(gp_days_from_civil(2024, 2, 29), 19782);
  assert_int_equal(gp_days_from_civil(1000, 1, 1), -354285);
  assert_int_equal(gp_days_from_civil(9999, 12, 31), 2932896);
  assert_true(gp_date_valid(2024, 2, 29));
  assert_false(gp_date_valid(2023, 2, 29));
  assert_false(gp_date_valid(2100, 2, 29));
  assert_true(gp_date_valid(2000, 2, 29));
  assert_false(gp_date_valid(2024, 0, 1));
  assert_false(gp_date_valid(2024, 13, 1));
  assert_false(gp_date_valid(2024, 6, 31));
  assert_false(gp_date_valid(2024, 6, 0));
}

static void test_start_end(void **state) {
  (void)state;
  struct {
    const char *s;
    int32_t start, end;
  } cases[] = {
      {"2024", 19723, 20089},       /* 2024-01-01 .. 2025-01-01 */
      {"2024/25", 19814, 20179},    /* 2024-04-01 .. 2025-04-01 */
      {"2024-Q3", 19905, 19997},    /* 2024-07-01 .. 2024-10-01 */
      {"2024-Q4", 19997, 20089},    /* 2024-10-01 .. 2025-01-01 */
      {"2024-07", 19905, 19936},    /* 2024-07-01 .. 2024-08-01 */
      {"2024-12", 20058, 20089},    /* 2024-12-01 .. 2025-01-01 */
      {"2024-07-15", 19919, 19920}, /* one day */
      {"2024-02", 19754, 19783},    /* 29 days in a leap February */
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const gp_period p = parse_ok(cases[k].s);
    if (gp_period_start_day(&p) != cases[k].start || gp_period_end_day(&p) != cases[k].end) {
      print_error("%s: start %d end %d, want %d %d\n", cases[k].s, (int)gp_period_start_day(&p),
                  (int)gp_period_end_day(&p), (int)cases[k].start, (int)cases[k].end);
      fail();
    }
  }
}

static void test_years_between(void **state) {
  (void)state;
  const gp_period y2024 = parse_ok("2024"), fy = parse_ok("2024/25"), y2034 = parse_ok("2034");
  const gp_period q3 = parse_ok("2024-Q3"), d = parse_ok("2024-07-01"), m = parse_ok("2024-07");
  /* 2024/25 starts 2024-04-01: 91 days after 2024-01-01, / 365.25. */
  assert_true(fabs(gp_period_years(&y2024, &fy) - 91.0 / 365.25) < 1e-15);
  assert_true(fabs(gp_period_years(&fy, &y2024) + 91.0 / 365.25) < 1e-15);
  /* 2024 -> 2034: 3653 days (three leap days). */
  assert_true(fabs(gp_period_years(&y2024, &y2034) - 3653.0 / 365.25) < 1e-15);
  /* Periods that start on the same day are 0 years apart. */
  assert_true(gp_period_years(&q3, &d) == 0.0);
  assert_true(gp_period_years(&q3, &m) == 0.0);
  assert_true(gp_period_years(&y2024, &y2024) == 0.0);
}

static void test_ordering(void **state) {
  (void)state;
  /* Ascending: by start day, then shorter first. */
  const char *order[] = {"2023-12-31", "2024-01-01", "2024-01", "2024-Q1", "2024",
                         "2024-03",    "2024-04-01", "2024-04", "2024-Q2", "2024/25",
                         "2024-07",    "2024-Q3",    "2025",    "2025/26"};
  const size_t n = sizeof order / sizeof order[0];
  for (size_t i = 0; i < n; i++) {
    const gp_period a = parse_ok(order[i]);
    assert_int_equal(gp_period_cmp(&a, &a), 0);
    for (size_t j = 0; j < n; j++) {
      const gp_period b = parse_ok(order[j]);
      const int want = i < j ? -1 : i > j ? 1 : 0;
      const int got = gp_period_cmp(&a, &b);
      if ((got > 0) - (got < 0) != want) {
        print_error("cmp(%s, %s) = %d, want sign %d\n", order[i], order[j], got, want);
        fail();
      }
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_parse_uses_len),
      cmocka_unit_test(test_invalid),         cmocka_unit_test(test_parse_str_errors),
      cmocka_unit_test(test_days_from_civil), cmocka_unit_test(test_start_end),
      cmocka_unit_test(test_years_between),   cmocka_unit_test(test_ordering),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
