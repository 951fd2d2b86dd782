/*
 * test_app_scan — the scan / peers / unit operations shared by the CLI and
 * the API (src/app/gp_app_scan.c): persistence over earlier periods counted
 * by hand, the same document whether earlier periods are scanned on worker
 * threads or on the caller's handle, visibility of unpublished missions,
 * saving the scan for peers and the unit page, error paths named for the CLI
 * ("--adjust") or the API ("adjust"), and the levels parser. The numbers of
 * the scan itself are checked against references in test_scan_ref.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/gp_app.h"
#include "app/gp_app_scan.h"
#include "io/gp_planfile.h"
#include "io/gp_unitcsv.h"
#include "store/gp_store_units.h"

static char dbpath[64];

/* Twelve units: U1 far above the target 0 in every period (se 0.5), the
 * others within ±0.3 of it (se 1); U2 is missing in 2019. */
static void load_period(gp_store *s, const char *period, int32_t start, bool with_u2) {
  char text[2048];
  size_t off =
      (size_t)snprintf(text, sizeof text, "id,name,v,se,fsm,eal\nU1,Unit one,10,0.5,10,1\n");
  for (int i = 2; i <= 12; i++) {
    if (i == 2 && !with_u2) continue;
    off += (size_t)snprintf(text + off, sizeof text - off, "U%d,Unit %d,%.2f,1,%d,%d\n", i, i,
                            0.05 * (i - 7), 10 + i, i % 3);
  }
  static const char *const covs[] = {"fsm", "eal"};
  gp_unitcsv_spec sp = {
      .unit = "id", .name = "name", .value = "v", .se = "se", .covariates = covs, .ncov = 2};
  gp_unit_dataset d;
  gp_error err;
  FILE *f = fmemopen(text, strlen(text), "r");
  assert_int_equal(gp_unitcsv_read(f, "u.csv", &sp, &d, &err), GP_OK);
  fclose(f);
  snprintf(d.metric_id, sizeof d.metric_id, "prog");
  snprintf(d.period, sizeof d.period, "%s", period);
  d.period_start = start;
  d.unit_type = "school";
  assert_int_equal(gp_store_units_save(s, &d, &err), GP_OK);
  gp_unit_dataset_free(&d);
}

static int setup(void **state) {
  snprintf(dbpath, sizeof dbpath, "/tmp/gp-test-appscan-XXXXXX");
  int fd = mkstemp(dbpath);
  close(fd);
  unlink(dbpath);
  gp_store *s;
  gp_error err;
  if (gp_store_open(dbpath, true, &s, &err) != GP_OK) return -1;
  const char *plan = "{\"mission\": {\"id\": \"m1\", \"title\": \"Mission one\"},"
                     " \"metrics\": [{\"id\": \"prog\", \"name\": \"Progress\","
                     " \"direction\": \"higher\"}], \"targets\": []}";
  gp_plan *p;
  if (gp_planfile_parse(plan, strlen(plan), "p.json", &p, &err) != GP_OK) return -1;
  gp_apply_result res;
  gp_code rc = gp_app_plan_apply(s, p, NULL, "test", &res, &err);
  gp_plan_free(p);
  if (rc != GP_OK) return -1;
  load_period(s, "2018", 17532, true);
  load_period(s, "2019", 17897, false);
  load_period(s, "2020", 18262, true);
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

static gp_app_scan_opts base_opts(void) {
  gp_app_scan_opts o = {.metric = "prog",
                        .opt = gp_scan_options_default(),
                        .history = 5,
                        .include_unpublished = true,
                        .argp = ""};
  o.opt.od = GP_SCAN_OD_NONE;
  o.opt.has_target = true;
  o.opt.target = 0;
  return o;
}

/* The unit object of id in a scan document. */
static json_t *unit_of(json_t *doc, const char *id) {
  json_t *units = json_object_get(doc, "units"), *u;
  size_t i;
  json_array_foreach(units, i, u) {
    if (!strcmp(json_string_value(json_object_get(u, "unit")), id)) return u;
  }
  return NULL;
}

static void test_scan_persistence_and_threads(void **state) {
  gp_store *s = *state;
  gp_error err;
  gp_app_scan_opts o = base_opts();
  json_t *seq = NULL, *thr = NULL;
  assert_int_equal(gp_app_scan_doc(s, &o, &seq, &err), GP_OK);
  o.dbpath = dbpath;
  assert_int_equal(gp_app_scan_doc(s, &o, &thr, &err), GP_OK);
  assert_true(json_equal(seq, thr));
  assert_string_equal(json_string_value(json_object_get(seq, "period")), "2020");
  assert_int_equal(json_array_size(json_object_get(seq, "units")), 12);
  json_t *u1 = unit_of(seq, "U1");
  assert_non_null(u1);
  /* z = (10 − 0) / 0.5 = 20: high at both levels, in all three periods */
  assert_true(fabs(json_number_value(json_object_get(u1, "z")) - 20) < 1e-9);
  assert_string_equal(json_string_value(json_object_get(json_object_get(u1, "flag"), "99.8")),
                      "high");
  assert_int_equal(json_integer_value(json_object_get(u1, "persistence")), 3);
  /* the others are within 0.3 of the target with se 1: never flagged */
  json_t *u7 = unit_of(seq, "U7");
  assert_string_equal(json_string_value(json_object_get(json_object_get(u7, "flag"), "95")),
                      "none");
  assert_int_equal(json_integer_value(json_object_get(u7, "persistence")), 0);
  /* history 1: the current period only */
  o.history = 1;
  json_t *one = NULL;
  assert_int_equal(gp_app_scan_doc(s, &o, &one, &err), GP_OK);
  assert_int_equal(json_integer_value(json_object_get(unit_of(one, "U1"), "persistence")), 1);
  /* an earlier period by name: 2019 has 11 units */
  o.period = "2019";
  json_t *y19 = NULL;
  assert_int_equal(gp_app_scan_doc(s, &o, &y19, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(y19, "units")), 11);
  assert_null(unit_of(y19, "U2"));
  json_decref(seq);
  json_decref(thr);
  json_decref(one);
  json_decref(y19);
}

static void test_visibility_errors_and_save(void **state) {
  gp_store *s = *state;
  gp_error err;
  gp_app_scan_opts o = base_opts();
  json_t *doc = NULL;
  /* the mission is not published: visitors do not see the metric */
  o.include_unpublished = false;
  assert_int_equal(gp_app_scan_doc(s, &o, &doc, &err), GP_ENOTFOUND);
  assert_int_equal(gp_app_unit_doc(s, "prog", "U1", false, &doc, &err), GP_ENOTFOUND);
  assert_int_equal(gp_app_units_doc(s, "prog", false, &doc, &err), GP_ENOTFOUND);
  assert_int_equal(gp_store_mission_publish(s, "m1", true, &err), GP_OK);
  /* errors name the argument the CLI's way or the API's way */
  o.adjust = "nope";
  assert_int_equal(gp_app_scan_doc(s, &o, &doc, &err), GP_EINVAL);
  assert_string_equal(err.path, "adjust");
  o.argp = "--";
  assert_int_equal(gp_app_scan_doc(s, &o, &doc, &err), GP_EINVAL);
  assert_string_equal(err.path, "--adjust");
  o.adjust = NULL;
  o.type_given = true;
  o.opt.type = GP_SCAN_PROPORTION;
  assert_int_equal(gp_app_scan_doc(s, &o, &doc, &err), GP_EINVAL);
  assert_string_equal(err.path, "--type");
  o.type_given = false;
  o.period = "2001";
  assert_int_equal(gp_app_scan_doc(s, &o, &doc, &err), GP_ENOTFOUND);
  assert_string_equal(err.path, "--period");
  o.period = NULL;
  /* save, then the unit page and the saved options */
  o.save = true;
  o.adjust = "fsm";
  o.opt.fdr = 0.1;
  gp_app_scan *sc = NULL;
  assert_int_equal(gp_app_scan_run(s, &o, &sc, &err), GP_OK);
  assert_int_equal(gp_app_scan_result(sc)->n, 12);
  assert_int_equal(gp_app_scan_in(sc)->nadjust, 1);
  gp_app_scan_free(sc);
  json_t *ud = NULL;
  assert_int_equal(gp_app_unit_doc(s, "prog", "U1", false, &ud, &err), GP_OK);
  json_t *h = json_object_get(ud, "history");
  assert_int_equal(json_array_size(h), 3);
  json_t *last = json_array_get(h, 2);
  assert_string_equal(json_string_value(json_object_get(last, "period")), "2020");
  assert_true(json_is_true(json_object_get(last, "scanned")));
  assert_string_equal(json_string_value(json_object_get(last, "flag")), "high");
  assert_true(json_is_null(json_object_get(json_array_get(h, 0), "flag")));
  assert_string_equal(json_string_value(json_object_get(ud, "type")), "school");
  json_decref(ud);
  assert_int_equal(gp_app_unit_doc(s, "prog", "U2", false, &ud, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(ud, "history")), 2);
  json_decref(ud);
  gp_app_scan_opts so = base_opts();
  char buf[256];
  bool found = false;
  assert_int_equal(gp_app_scan_saved_options(s, "prog", NULL, &so, buf, sizeof buf, &found, &err),
                   GP_OK);
  assert_true(found);
  assert_string_equal(so.adjust, "fsm");
  assert_true(so.opt.fdr == 0.1);
  assert_int_equal(so.opt.od, GP_SCAN_OD_NONE);
  json_t *units = NULL;
  assert_int_equal(gp_app_units_doc(s, "prog", false, &units, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(units, "periods")), 3);
  assert_string_equal(json_string_value(json_array_get(json_object_get(units, "periods"), 0)),
                      "2020");
  assert_int_equal(json_integer_value(json_object_get(json_object_get(units, "latest"), "units")),
                   12);
  json_decref(units);
}

static void test_peers(void **state) {
  gp_store *s = *state;
  gp_error err;
  assert_int_equal(gp_store_mission_publish(s, "m1", true, &err), GP_OK);
  gp_app_peers_opts po = {.metric = "prog",
                          .unit = "U7",
                          .k = 3,
                          .on = "fsm",
                          .include_unpublished = false,
                          .argp = ""};
  gp_app_peers P;
  assert_int_equal(gp_app_peers_run(s, &po, &P, &err), GP_OK);
  assert_int_equal(P.pr.npeers, 3);
  assert_string_equal(P.period, "2020");
  /* fsm = 10 + i: the nearest to U7 (17) are U6 and U8 (distance 1), then U5 or U9 */
  const char *first = P.rows[0].id, *second = P.rows[1].id;
  assert_true((!strcmp(first, "U6") && !strcmp(second, "U8")) ||
              (!strcmp(first, "U8") && !strcmp(second, "U6")));
  json_t *doc = gp_app_peers_json(&P, "prog", "U7");
  assert_string_equal(json_string_value(json_object_get(doc, "unit")), "U7");
  assert_int_equal(json_array_size(json_object_get(doc, "peers")), 3);
  json_decref(doc);
  gp_app_peers_free(&P);
  po.on = "nope";
  assert_int_equal(gp_app_peers_run(s, &po, &P, &err), GP_EINVAL);
  assert_string_equal(err.path, "on");
  po.on = NULL;
  po.unit = "nobody";
  assert_int_equal(gp_app_peers_run(s, &po, &P, &err), GP_ENOTFOUND);
}

static void test_limits(void **state) {
  (void)state;
  gp_scan_options o = gp_scan_options_default();
  gp_error err;
  assert_int_equal(gp_app_scan_parse_limits("90, 99", &o, "limits", &err), GP_OK);
  assert_int_equal(o.nlevels, 2);
  assert_true(o.levels[0] == 0.9 && o.levels[1] == 0.99);
  assert_int_equal(gp_app_scan_parse_limits("150", &o, "limits", &err), GP_EINVAL);
  assert_string_equal(err.path, "limits");
  assert_int_equal(gp_app_scan_parse_limits("95,x", &o, "--limits", &err), GP_EINVAL);
  assert_string_equal(err.path, "--limits");
  assert_int_equal(gp_app_scan_parse_limits("90,95,99,99.9", &o, "limits", &err), GP_EINVAL);
  /* a failed parse leaves the levels as they were */
  assert_int_equal(o.nlevels, 2);
  assert_true(o.levels[0] == 0.9);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_scan_persistence_and_threads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_visibility_errors_and_save, setup, teardown),
      cmocka_unit_test_setup_teardown(test_peers, setup, teardown),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
