/* Unit tests for io/gp_planfile: strict reading with JSON paths, canonical
 * writing, and the export → read → export round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "io/gp_planfile.h"

static const char *good =
    "{\"mission\": {\"id\": \"safer-streets\", \"title\": \"Halve knife crime\", \"kind\": "
    "\"mission\", \"start\": \"2025\", \"horizon\": \"2034\"},\n"
    " \"metrics\": [{\"id\": \"knife-crime\", \"name\": \"Knife crime\", \"unit\": \"offences\","
    " \"direction\": \"lower\", \"frequency\": \"annual\"}],\n"
    " \"targets\": [{\"id\": \"halve\", \"metric\": \"knife-crime\", \"kind\": \"moonshot\","
    " \"baseline\": {\"period\": \"2024\", \"value\": 50000}, \"target\": {\"period\": \"2034\","
    " \"value\": 25000}, \"trajectory\": [{\"period\": \"2027\", \"value\": 44000.5}]}]}";

/* Parses text and expects failure at path. */
static void expect_fault(const char *text, gp_code code, const char *path) {
  gp_plan *p = NULL;
  gp_error err;
  gp_error_clear(&err);
  assert_int_equal(gp_planfile_parse(text, strlen(text), "t.json", &p, &err), code);
  assert_null(p);
  assert_string_equal(err.path, path);
  assert_true(strlen(err.message) > 0);
}

static void test_reads_a_good_plan(void **state) {
  (void)state;
  gp_plan *p;
  gp_error err;
  assert_int_equal(gp_planfile_parse(good, strlen(good), "t.json", &p, &err), GP_OK);
  assert_string_equal(p->mission.id, "safer-streets");
  assert_int_equal(p->nmetrics, 1);
  assert_int_equal(p->metrics[0].direction, GP_LOWER);
  assert_int_equal(p->ntargets, 1);
  assert_int_equal(p->targets[0].kind, GP_TARGET_MOONSHOT);
  assert_int_equal(p->targets[0].ntraj, 1);
  assert_true(p->targets[0].traj[0].value == 44000.5);
  assert_true(p->targets[0].baseline.value == 50000);
  gp_plan_free(p);
}

static void test_round_trip_is_byte_identical(void **state) {
  (void)state;
  gp_plan *p, *q;
  gp_error err;
  assert_int_equal(gp_planfile_parse(good, strlen(good), "t.json", &p, &err), GP_OK);
  char *a = gp_planfile_dump(p);
  assert_int_equal(gp_planfile_parse(a, strlen(a), "a.json", &q, &err), GP_OK);
  char *b = gp_planfile_dump(q);
  assert_string_equal(a, b);
  /* Integral numbers are written as integers; others keep their digits. */
  assert_non_null(strstr(a, "\"value\": 50000\n"));
  assert_non_null(strstr(a, "\"value\": 44000.5\n"));
  /* Absent optional keys stay absent. */
  assert_null(strstr(a, "vision"));
  free(a);
  free(b);
  gp_plan_free(p);
  gp_plan_free(q);
}

static void test_faults_name_their_json_path(void **state) {
  (void)state;
  expect_fault("{\"mission\": {\"id\": \"a\", \"title\": \"t\"}, \"extra\": 1}", GP_EINVAL,
               "plan.extra");
  expect_fault("{\"metrics\": []}", GP_EINVAL, "plan.mission");
  expect_fault("{\"mission\": {\"id\": \"Bad Id\", \"title\": \"t\"}}", GP_EINVAL,
               "plan.mission.id");
  expect_fault("{\"mission\": {\"id\": \"a\", \"title\": \"t\", \"kind\": \"war\"}}", GP_EINVAL,
               "plan.mission.kind");
  expect_fault("{\"mission\": {\"id\": \"a\", \"title\": \"t\", \"start\": \"2025-13\"}}",
               GP_EINVAL, "plan.mission.start");
  expect_fault("{\"mission\": {\"id\": \"a\", \"title\": \"t\"}, \"metrics\": [{\"id\": \"m\", "
               "\"name\": \"n\", \"direction\": \"up\"}]}",
               GP_EINVAL, "plan.metrics[0].direction");
  const char *base = "{\"mission\": {\"id\": \"a\", \"title\": \"t\"}, \"metrics\": [{\"id\": "
                     "\"m\", \"name\": \"n\", \"direction\": \"higher\"}], \"targets\": [%s]}";
  char buf[1024];
  snprintf(buf, sizeof buf, base,
           "{\"id\": \"t\", \"metric\": \"m\", \"kind\": \"floor\", \"target\": {\"period\": "
           "\"2030\", \"value\": 1}}");
  expect_fault(buf, GP_EINVAL, "plan.targets[0].baseline");
  snprintf(buf, sizeof buf, base,
           "{\"id\": \"t\", \"metric\": \"x\", \"kind\": \"floor\", \"baseline\": {\"period\": "
           "\"2020\", \"value\": 1}, \"target\": {\"period\": \"2030\", \"value\": 1}}");
  expect_fault(buf, GP_EINVAL, "plan.targets[0].metric");
  snprintf(buf, sizeof buf, base,
           "{\"id\": \"t\", \"metric\": \"m\", \"kind\": \"floor\", \"baseline\": {\"period\": "
           "\"2030\", \"value\": 1}, \"target\": {\"period\": \"2020\", \"value\": 1}}");
  expect_fault(buf, GP_EINVAL, "plan.targets[0].target.period");
  snprintf(buf, sizeof buf, base,
           "{\"id\": \"t\", \"metric\": \"m\", \"kind\": \"floor\", \"baseline\": {\"period\": "
           "\"2020\", \"value\": \"1\"}, \"target\": {\"period\": \"2030\", \"value\": 1}}");
  expect_fault(buf, GP_EINVAL, "plan.targets[0].baseline.value");
  snprintf(buf, sizeof buf, base,
           "{\"id\": \"t\", \"metric\": \"m\", \"kind\": \"floor\", \"baseline\": {\"period\": "
           "\"2020\", \"value\": 1}, \"target\": {\"period\": \"2030\", \"value\": 1}, "
           "\"trajectory\": [{\"period\": \"2031\", \"value\": 1}]}");
  expect_fault(buf, GP_EINVAL, "plan.targets[0].trajectory[0].period");
  snprintf(buf, sizeof buf, base,
           "{\"id\": \"t\", \"metric\": \"m\", \"kind\": \"floor\", \"baseline\": {\"period\": "
           "\"2020\", \"value\": 1}, \"target\": {\"period\": \"2030\", \"value\": 1}}, {\"id\": "
           "\"t\", \"metric\": \"m\", \"kind\": \"floor\", \"baseline\": {\"period\": \"2020\", "
           "\"value\": 1}, \"target\": {\"period\": \"2030\", \"value\": 1}}");
  expect_fault(buf, GP_EINVAL, "plan.targets[1].id");
}

static void test_syntax_errors_give_line_and_column(void **state) {
  (void)state;
  expect_fault("{\n  \"mission\": ,\n}", GP_ESYNTAX, "t.json:2:14");
  expect_fault("{\"mission\": {\"id\": \"a\", \"id\": \"b\", \"title\": \"t\"}}", GP_ESYNTAX,
               "t.json:1:28");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reads_a_good_plan),
      cmocka_unit_test(test_round_trip_is_byte_identical),
      cmocka_unit_test(test_faults_name_their_json_path),
      cmocka_unit_test(test_syntax_errors_give_line_and_column),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
