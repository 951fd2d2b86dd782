/* Unit tests for the SQLite store and the app layer on top of it: plans
 * applied idempotently, rebaselining with a reason, imports that are all or
 * nothing, revisions, rejects, floor-target rules, and the status document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/gp_app.h"
#include "io/gp_planfile.h"

static char dbpath[64];

static const char *plan_text(double target_value) {
  static char buf[2048];
  snprintf(buf, sizeof buf,
           "{\"mission\": {\"id\": \"m1\", \"title\": \"Mission one\"},"
           " \"metrics\": [{\"id\": \"rate\", \"name\": \"Rate\", \"direction\": \"lower\"}],"
           " \"targets\": [{\"id\": \"t1\", \"metric\": \"rate\", \"kind\": \"committed\","
           " \"baseline\": {\"period\": \"2020\", \"value\": 20},"
           " \"target\": {\"period\": \"2030\", \"value\": %g}}]}",
           target_value);
  return buf;
}

static gp_plan *parse(const char *text) {
  gp_plan *p;
  gp_error err;
  assert_int_equal(gp_planfile_parse(text, strlen(text), "p.json", &p, &err), GP_OK);
  return p;
}

static int setup(void **state) {
  snprintf(dbpath, sizeof dbpath, "/tmp/gp-test-store-XXXXXX");
  int fd = mkstemp(dbpath);
  close(fd);
  unlink(dbpath);
  gp_store *s;
  gp_error err;
  if (gp_store_open(dbpath, true, &s, &err) != GP_OK) return -1;
  *state = s;
  return 0;
}

static int teardown(void **state) {
  gp_store_close(*state);
  char p[80];
  unlink(dbpath);
  snprintf(p, sizeof p, "%s-wal", dbpath);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", dbpath);
  unlink(p);
  return 0;
}

static gp_code import_text(gp_store *s, const char *text, gp_import_stats *st, FILE *rej,
                           long *nrej, gp_error *err) {
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  gp_import_opts o = {.metric_id = "rate", .name = "o.csv", .source = "test", .rejects = rej};
  gp_code rc = gp_app_import(s, f, &o, st, nrej, err);
  fclose(f);
  return rc;
}

static long count_obs(gp_store *s) {
  json_t *doc;
  gp_obs_query q = {.metric_id = "rate", .breakdown = "all", .include_unpublished = true};
  assert_int_equal(gp_app_observations_doc(s, &q, &doc, NULL), GP_OK);
  long n = (long)json_array_size(json_object_get(doc, "observations"));
  json_decref(doc);
  return n;
}

static void test_apply_is_idempotent_and_rebaselining_needs_a_reason(void **state) {
  gp_store *s = *state;
  gp_error err;
  gp_apply_result res;
  gp_plan *p = parse(plan_text(10));
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_OK);
  assert_true(res.created && res.changed);
  assert_int_equal(res.version, 1);
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_OK);
  assert_false(res.created || res.changed);
  assert_int_equal(res.version, 1);
  gp_plan_free(p);

  p = parse(plan_text(8));
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_EINVAL);
  assert_string_equal(err.path, "plan.targets[0]");
  assert_non_null(strstr(err.message, "rebaseline"));
  assert_int_equal(gp_app_plan_apply(s, p, "new evidence", "test", &res, &err), GP_OK);
  assert_int_equal(res.version, 2);
  assert_int_equal(res.nrebaselined, 1);
  gp_rebaseline rb;
  assert_int_equal(gp_store_target_rebaseline(s, "m1", "t1", &rb, &err), GP_OK);
  assert_true(rb.found);
  assert_string_equal(rb.reason, "new evidence");
  assert_true(rb.target.value == 10);
  gp_plan_free(p);

  /* The stored plan is the canonical text of the applied one. */
  gp_plan *back;
  assert_int_equal(gp_app_plan_load(s, "m1", 0, &back, &err), GP_OK);
  assert_true(back->targets[0].target.value == 8);
  gp_plan_free(back);
  assert_int_equal(gp_app_plan_load(s, "m1", 1, &back, &err), GP_OK);
  assert_true(back->targets[0].target.value == 10);
  gp_plan_free(back);
}

static void test_import_is_all_or_nothing(void **state) {
  gp_store *s = *state;
  gp_error err;
  gp_apply_result res;
  gp_plan *p = parse(plan_text(10));
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_OK);
  gp_plan_free(p);
  gp_import_stats st;
  assert_int_equal(
      import_text(s, "period,value\n2020,20\n2021,19\n2022,x\n", &st, NULL, NULL, &err), GP_EINVAL);
  assert_string_equal(err.path, "o.csv:4:2");
  assert_int_equal(count_obs(s), 0);
  assert_int_equal(import_text(s, "period,value\n2020,20\n2020,19\n", &st, NULL, NULL, &err),
                   GP_ECONFLICT);
  assert_string_equal(err.path, "o.csv:3");
  assert_int_equal(count_obs(s), 0);
  assert_int_equal(
      import_text(s, "period,value\n2020,20\n2021,19\n2022,18\n", &st, NULL, NULL, &err), GP_OK);
  assert_int_equal(st.inserted, 3);
  assert_int_equal(count_obs(s), 3);
  /* Same again: unchanged. A new value: a revision, old value kept. */
  assert_int_equal(import_text(s, "period,value\n2020,20\n2022,17.5\n", &st, NULL, NULL, &err),
                   GP_OK);
  assert_int_equal(st.unchanged, 1);
  assert_int_equal(st.revised, 1);
  assert_int_equal(st.inserted, 0);
  json_t *doc;
  gp_obs_query q = {.metric_id = "rate", .history = true, .include_unpublished = true};
  assert_int_equal(gp_app_observations_doc(s, &q, &doc, &err), GP_OK);
  json_t *o = json_array_get(json_object_get(doc, "observations"), 2);
  assert_true(json_number_value(json_object_get(o, "value")) == 17.5);
  json_t *rev = json_array_get(json_object_get(o, "revisions"), 0);
  assert_true(json_number_value(json_object_get(rev, "value")) == 18);
  json_decref(doc);
}

/* Rows after a series' last stored period take the plain insert; the rest
 * the upsert. Files that move between series every row, appends, revisions
 * and a duplicate met after switching series are all counted and refused as
 * with the upsert alone. */
static void test_import_appends_and_series_switches(void **state) {
  gp_store *s = *state;
  gp_error err;
  gp_apply_result res;
  gp_plan *p = parse(plan_text(10));
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_OK);
  gp_plan_free(p);
  gp_import_stats st;
  assert_int_equal(import_text(s, "period,value,place\n2020,1,A\n2020,2,B\n2021,3,A\n2021,4,B\n",
                               &st, NULL, NULL, &err),
                   GP_OK);
  assert_int_equal(st.inserted, 4);
  assert_int_equal(count_obs(s), 4);
  /* two appended, one unchanged, one revised, series alternating */
  assert_int_equal(import_text(s, "period,value,place\n2022,5,A\n2021,4,B\n2022,6,B\n2021,3.5,A\n",
                               &st, NULL, NULL, &err),
                   GP_OK);
  assert_int_equal(st.inserted, 2);
  assert_int_equal(st.unchanged, 1);
  assert_int_equal(st.revised, 1);
  assert_int_equal(count_obs(s), 6);
  /* a duplicate of a new period, met after another series' row: refused, nothing kept */
  assert_int_equal(
      import_text(s, "period,value,place\n2023,7,A\n2023,8,B\n2023,9,A\n", &st, NULL, NULL, &err),
      GP_ECONFLICT);
  assert_string_equal(err.path, "o.csv:4");
  assert_int_equal(count_obs(s), 6);
  /* an earlier period than the last stored, new to the series: inserted through the upsert */
  assert_int_equal(import_text(s, "period,value,place\n2019,0.5,A\n", &st, NULL, NULL, &err),
                   GP_OK);
  assert_int_equal(st.inserted, 1);
  assert_int_equal(count_obs(s), 7);
}

static void test_skip_bad_rows_go_to_rejects(void **state) {
  gp_store *s = *state;
  gp_error err;
  gp_apply_result res;
  gp_plan *p = parse(plan_text(10));
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_OK);
  gp_plan_free(p);
  char *buf = NULL;
  size_t len = 0;
  FILE *rej = open_memstream(&buf, &len);
  gp_import_stats st;
  long nrej = 0;
  assert_int_equal(
      import_text(s, "period,value\n2020,20\n2021,oops\n2021,19\n2021,18\n", &st, rej, &nrej, &err),
      GP_OK);
  fclose(rej);
  assert_int_equal(nrej, 2);
  assert_int_equal(st.inserted, 2);
  assert_non_null(strstr(buf, "line,reason,period,value\n"));
  assert_non_null(strstr(buf, "3,o.csv:3:2: value 'oops' is not a number,2021,oops\n"));
  assert_non_null(strstr(buf, "5,o.csv:5: duplicate row"));
  free(buf);
}

static void test_floor_target_needs_breakdowns(void **state) {
  gp_store *s = *state;
  gp_error err;
  gp_apply_result res;
  gp_plan *p = parse(plan_text(10));
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_OK);
  gp_plan_free(p);
  gp_import_stats st;
  assert_int_equal(import_text(s, "period,value\n2020,20\n", &st, NULL, NULL, &err), GP_OK);
  const char *floor_plan =
      "{\"mission\": {\"id\": \"m1\", \"title\": \"Mission one\"},"
      " \"metrics\": [{\"id\": \"rate\", \"name\": \"Rate\", \"direction\": \"lower\"}],"
      " \"targets\": [{\"id\": \"t1\", \"metric\": \"rate\", \"kind\": \"floor\","
      " \"baseline\": {\"period\": \"2020\", \"value\": 20},"
      " \"target\": {\"period\": \"2030\", \"value\": 10}}]}";
  p = parse(floor_plan);
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_EINVAL);
  assert_string_equal(err.path, "plan.targets[0].kind");
  gp_plan_free(p);
  /* Another mission may not take over this mission's metric. */
  const char *thief =
      "{\"mission\": {\"id\": \"m2\", \"title\": \"Two\"},"
      " \"metrics\": [{\"id\": \"rate\", \"name\": \"R\", \"direction\": \"lower\"}]}";
  p = parse(thief);
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_ECONFLICT);
  assert_string_equal(err.path, "plan.metrics[0].id");
  gp_plan_free(p);
  bool exists;
  assert_int_equal(gp_store_mission_exists(s, "m2", &exists, NULL, &err), GP_OK);
  assert_false(exists); /* the refused plan left nothing behind */
}

static void test_status_document(void **state) {
  gp_store *s = *state;
  gp_error err;
  gp_apply_result res;
  gp_plan *p = parse(plan_text(10));
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_OK);
  gp_plan_free(p);
  gp_import_stats st;
  assert_int_equal(import_text(s, "period,value\n2019,21\n2020,20\n2021,18\n2022,17\n2023,15\n",
                               &st, NULL, NULL, &err),
                   GP_OK);
  gp_status_query q = {.mission_id = "m1", .include_unpublished = true};
  json_t *doc;
  assert_int_equal(gp_app_status(s, &q, &doc, &err), GP_OK);
  json_t *t = json_array_get(json_object_get(doc, "targets"), 0);
  assert_string_equal(json_string_value(json_object_get(t, "id")), "t1");
  json_t *f = json_object_get(t, "forecast");
  /* The fit uses 2020..2023 only (from the baseline period on): n = 4. */
  assert_int_equal(json_integer_value(json_object_get(f, "n")), 4);
  double mean = json_number_value(json_object_get(f, "mean"));
  json_t *pi80 = json_object_get(f, "pi80"), *pi95 = json_object_get(f, "pi95");
  assert_true(json_number_value(json_array_get(pi95, 0)) <
              json_number_value(json_array_get(pi80, 0)));
  assert_true(json_number_value(json_array_get(pi80, 0)) < mean);
  assert_true(mean < json_number_value(json_array_get(pi80, 1)));
  double pm = json_number_value(json_object_get(t, "p_meet"));
  assert_true(pm > 0.5 && pm <= 1); /* falling ~1.7/year from 20: well below 10 by 2030 */
  assert_string_equal(json_string_value(json_object_get(json_object_get(t, "latest"), "period")),
                      "2023");
  assert_false(json_is_true(json_object_get(t, "rebaselined")));
  json_decref(doc);
  /* As of 2021: two points from the baseline on, so no forecast. */
  q.as_of = "2021";
  assert_int_equal(gp_app_status(s, &q, &doc, &err), GP_OK);
  t = json_array_get(json_object_get(doc, "targets"), 0);
  assert_true(json_is_null(json_object_get(t, "forecast")));
  assert_string_equal(json_string_value(json_object_get(t, "rating")), "not_rated");
  json_decref(doc);
  q.mission_id = "nope";
  assert_int_equal(gp_app_status(s, &q, &doc, &err), GP_ENOTFOUND);
}

static void test_tokens(void **state) {
  gp_store *s = *state;
  gp_error err;
  char tok[80], label[64];
  bool ok;
  assert_int_equal(gp_app_token_new(s, "ci", tok, sizeof tok, &err), GP_OK);
  assert_int_equal(strncmp(tok, "gp_", 3), 0);
  assert_int_equal(gp_app_token_check(s, tok, &ok, label, &err), GP_OK);
  assert_true(ok);
  assert_string_equal(label, "ci");
  tok[5] ^= 1;
  assert_int_equal(gp_app_token_check(s, tok, &ok, label, &err), GP_OK);
  assert_false(ok);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_apply_is_idempotent_and_rebaselining_needs_a_reason,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_import_is_all_or_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_import_appends_and_series_switches, setup, teardown),
      cmocka_unit_test_setup_teardown(test_skip_bad_rows_go_to_rejects, setup, teardown),
      cmocka_unit_test_setup_teardown(test_floor_target_needs_breakdowns, setup, teardown),
      cmocka_unit_test_setup_teardown(test_status_document, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
