/* Unit tests for io/gp_obscsv: the observation CSV reader, its columns and
 * its errors with FILE:LINE:COLUMN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "io/gp_obscsv.h"

/* Opens a reader on text; returns the code of open. */
static gp_code open_text(const char *text, FILE **f, gp_obscsv **r, gp_error *err) {
  *f = fmemopen((void *)text, strlen(text), "r");
  assert_non_null(*f);
  gp_error_clear(err);
  return gp_obscsv_open(*f, "o.csv", r, err);
}

static void test_reads_rows_and_breakdowns(void **state) {
  (void)state;
  const char *text = "\xEF\xBB\xBFperiod,value,lower,upper,n,place\r\n"
                     "2024,10.5,9,12,100,\r\n"
                     "2024/25,11,,,,\"Newcastle, upon Tyne\"\r\n"
                     "2024-Q3,1e3,,,,North\r\n";
  FILE *f;
  gp_obscsv *r;
  gp_error err;
  assert_int_equal(open_text(text, &f, &r, &err), GP_OK);
  gp_observation o;
  bool done;
  long line;
  assert_int_equal(gp_obscsv_next(r, &o, &done, &line, &err), GP_OK);
  assert_false(done);
  assert_int_equal(line, 2);
  assert_int_equal(o.period.kind, GP_PERIOD_YEAR);
  assert_true(o.value == 10.5 && o.has_lower && o.lower == 9 && o.has_upper && o.upper == 12);
  assert_true(o.has_n && o.n == 100);
  assert_int_equal(o.kind, GP_BREAKDOWN_NONE);
  assert_null(o.breakdown);
  assert_int_equal(gp_obscsv_next(r, &o, &done, &line, &err), GP_OK);
  assert_int_equal(o.period.kind, GP_PERIOD_FY);
  assert_false(o.has_lower);
  assert_int_equal(o.kind, GP_BREAKDOWN_PLACE);
  assert_string_equal(o.breakdown, "Newcastle, upon Tyne");
  assert_int_equal(gp_obscsv_next(r, &o, &done, &line, &err), GP_OK);
  assert_true(o.value == 1000);
  assert_int_equal(line, 4);
  assert_int_equal(gp_obscsv_next(r, &o, &done, &line, &err), GP_OK);
  assert_true(done);
  gp_obscsv_close(r);
  fclose(f);
}

/* Reads text's rows and expects the first fault at path. */
static void expect_row_fault(const char *text, const char *path, const char *needle) {
  FILE *f;
  gp_obscsv *r;
  gp_error err;
  assert_int_equal(open_text(text, &f, &r, &err), GP_OK);
  gp_observation o;
  bool done = false;
  long line;
  gp_code rc = GP_OK;
  while (rc == GP_OK && !done)
    rc = gp_obscsv_next(r, &o, &done, &line, &err);
  assert_int_not_equal(rc, GP_OK);
  assert_string_equal(err.path, path);
  assert_non_null(strstr(err.message, needle));
  gp_obscsv_close(r);
  fclose(f);
}

static void test_row_faults_name_line_and_column(void **state) {
  (void)state;
  expect_row_fault("period,value\n2024,1\n2025,abc\n", "o.csv:3:2", "not a number");
  expect_row_fault("period,value\n2024-13,1\n", "o.csv:2:1", "not a period");
  expect_row_fault("period,value\n2024,1,2\n", "o.csv:2:3", "3 fields");
  expect_row_fault("period,value\n2024\n", "o.csv:2:2", "1 fields");
  expect_row_fault("period,value\n2024,\n", "o.csv:2:2", "empty");
  expect_row_fault("value,period\n1,2024\n2,2025/27\n", "o.csv:3:2", "not a period");
  expect_row_fault("period,value,lower\n2024,1,2\n", "o.csv:2", "lower");
  expect_row_fault("period,value,n\n2024,1,-3\n", "o.csv:2:3", "whole number");
  expect_row_fault("period,value\n2024,inf\n", "o.csv:2:2", "not a number");
  expect_row_fault("period,value\n2024,0x10\n", "o.csv:2:2", "not a number");
  expect_row_fault("period,value\n\"2024,1\n", "o.csv:2", "");
}

static void expect_header_fault(const char *text, const char *path, const char *needle) {
  FILE *f;
  gp_obscsv *r = NULL;
  gp_error err;
  assert_int_not_equal(open_text(text, &f, &r, &err), GP_OK);
  assert_null(r);
  assert_string_equal(err.path, path);
  assert_non_null(strstr(err.message, needle));
  fclose(f);
}

static void test_header_faults(void **state) {
  (void)state;
  expect_header_fault("", "o.csv", "empty");
  expect_header_fault("period,value,colour\n", "o.csv:1:3", "unknown column 'colour'");
  expect_header_fault("period,value,place,group\n", "o.csv:1:4", "second breakdown");
  expect_header_fault("period,period,value\n", "o.csv:1:2", "twice");
  expect_header_fault("period,lower\n", "o.csv:1:1", "'period' and 'value'");
}

static void test_numbers_are_strict(void **state) {
  (void)state;
  double v;
  assert_true(gp_parse_number(" 1.5 ", &v) && v == 1.5);
  assert_true(gp_parse_number("-2e-3", &v) && v == -2e-3);
  assert_false(gp_parse_number("", &v));
  assert_false(gp_parse_number("1,5", &v));
  assert_false(gp_parse_number("nan", &v));
  assert_false(gp_parse_number("1e999", &v));
  assert_false(gp_parse_number("12abc", &v));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reads_rows_and_breakdowns),
      cmocka_unit_test(test_row_faults_name_line_and_column),
      cmocka_unit_test(test_header_faults),
      cmocka_unit_test(test_numbers_are_strict),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
