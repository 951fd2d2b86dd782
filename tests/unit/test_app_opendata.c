/*
 * test_app_opendata — the open data of src/app/gp_app_opendata.c: only
 * published missions, exact CSV text (quoting, missing values, breakdown
 * series), JSON that matches the CSV, the Data Package's keys, saved scans
 * with their flags, one file by path, and HTML that escapes what it shows.
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
#include "app/gp_app_opendata.h"
#include "io/gp_planfile.h"
#include "io/gp_unitcsv.h"
#include "store/gp_store_units.h"

static char dbpath[64];

static void apply(gp_store *s, const char *text) {
  gp_plan *p;
  gp_error err;
  assert_int_equal(gp_planfile_parse(text, strlen(text), "p.json", &p, &err), GP_OK);
  gp_apply_result res;
  assert_int_equal(gp_app_plan_apply(s, p, NULL, "test", &res, &err), GP_OK);
  gp_plan_free(p);
}

static void import(gp_store *s, const char *metric, const char *csv) {
  FILE *f = fmemopen((void *)csv, strlen(csv), "r");
  gp_import_opts o = {.metric_id = metric, .name = "o.csv", .source = "Survey, \"wave\" 1"};
  gp_import_stats st;
  long nrej = 0;
  gp_error err;
  assert_int_equal(gp_app_import(s, f, &o, &st, &nrej, &err), GP_OK);
  fclose(f);
}

static void units(gp_store *s, const char *metric) {
  const char *text = "id,name,v,se\nu1,First school,1.5,0.5\nu2,\"Second, school\",-2,0.25\n"
                     "u3,Third,SUPP,\n";
  gp_unitcsv_spec sp = {.unit = "id", .name = "name", .value = "v", .se = "se"};
  gp_unit_dataset d;
  gp_error err;
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  assert_int_equal(gp_unitcsv_read(f, "u.csv", &sp, &d, &err), GP_OK);
  fclose(f);
  snprintf(d.metric_id, sizeof d.metric_id, "%s", metric);
  snprintf(d.period, sizeof d.period, "2019/20");
  d.period_start = 18109; /* 2019-08-01 */
  assert_int_equal(gp_store_units_save(s, &d, &err), GP_OK);
  gp_unit_dataset_free(&d);
  int8_t fl[3] = {1, -1, 0};
  double ind[3] = {1.25, -2.5, NAN};
  assert_int_equal(gp_store_units_scan_save(s, metric, "2019/20",
                                            "{\"type\":\"score\",\"adjust\":[\"fsm\",\"eal\"],"
                                            "\"overdispersion\":\"none\",\"trim\":0.1,"
                                            "\"level\":0.95,\"fdr\":0.05}",
                                            "{\"target\":0.5,\"phi\":1.5,\"tau2\":0,"
                                            "\"scanned\":2,\"discoveries\":1}",
                                            fl, ind, 3, &err),
                   GP_OK);
}

static int setup(void **state) {
  snprintf(dbpath, sizeof dbpath, "/tmp/gp-test-opendata-XXXXXX");
  int fd = mkstemp(dbpath);
  close(fd);
  unlink(dbpath);
  gp_store *s;
  gp_error err;
  if (gp_store_open(dbpath, true, &s, &err) != GP_OK) return -1;
  apply(s, "{\"mission\": {\"id\": \"pub\", \"title\": \"Fewer <b>late</b> trains\","
           " \"vision\": \"On time, \\\"always\\\"\"},"
           " \"metrics\": [{\"id\": \"late\", \"name\": \"Late trains\", \"unit\": \"%\","
           " \"direction\": \"lower\"}],"
           " \"targets\": [{\"id\": \"t1\", \"metric\": \"late\", \"kind\": \"committed\","
           " \"baseline\": {\"period\": \"2020\", \"value\": 20},"
           " \"target\": {\"period\": \"2030\", \"value\": 10}}]}");
  apply(s, "{\"mission\": {\"id\": \"hidden\", \"title\": \"Secret mission\"},"
           " \"metrics\": [{\"id\": \"hush\", \"name\": \"Hush rate\", \"direction\": \"lower\"}],"
           " \"targets\": [{\"id\": \"t1\", \"metric\": \"hush\", \"kind\": \"committed\","
           " \"baseline\": {\"period\": \"2020\", \"value\": 5},"
           " \"target\": {\"period\": \"2030\", \"value\": 1}}]}");
  import(s, "late",
         "period,value,lower,upper,n,place\n2020,20,19.5,20.5,1000,\n2021,18.25,,,,\n"
         "2022,17,,,,\n2021,30,,,,North\n");
  import(s, "hush", "period,value\n2020,5\n2021,4\n2022,3\n");
  units(s, "late");
  units(s, "hush");
  assert_int_equal(gp_store_mission_publish(s, "pub", true, &err), GP_OK);
  assert_int_equal(gp_store_mission_attribution(s, "pub", "Rail Office, \"Punctuality\"", &err),
                   GP_OK);
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

/* Collects every file: path -> body. */
static gp_code collect(void *ctx, const char *path, const char *media, const char *body, size_t len,
                       gp_error *err) {
  (void)media;
  (void)err;
  assert_int_equal(strlen(body), len);
  json_object_set_new(ctx, path, json_stringn(body, len));
  return GP_OK;
}

static const char *file(json_t *site, const char *path) {
  const char *s = json_string_value(json_object_get(site, path));
  if (!s) print_error("no file %s\n", path);
  assert_non_null(s);
  return s;
}

/* The text with the last field of every line removed (malloc'd). */
static char *drop_last_field(const char *text) {
  char *out = malloc(strlen(text) + 1), *w = out;
  assert_non_null(out);
  while (*text) {
    const char *eol = strchr(text, '\n');
    const char *end = eol ? eol : text + strlen(text);
    const char *comma = end;
    while (comma > text && *comma != ',')
      comma--;
    memcpy(w, text, (size_t)(comma - text));
    w += comma - text;
    *w++ = '\n';
    text = eol ? eol + 1 : end;
  }
  *w = '\0';
  return out;
}

static void test_only_published_missions(void **state) {
  gp_store *s = *state;
  json_t *site = json_object();
  gp_opendata_opts o = {.base_url = "https://example.org/", .html = true};
  gp_error err;
  assert_int_equal(gp_app_opendata_site(s, &o, collect, site, &err), GP_OK);
  const char *path;
  json_t *v;
  json_object_foreach(site, path, v) {
    const char *t = json_string_value(v);
    if (strstr(path, "hidden") || strstr(path, "hush") || strstr(t, "hidden") ||
        strstr(t, "hush") || strstr(t, "Secret")) {
      print_error("%s shows the unpublished mission\n", path);
      fail();
    }
  }
  assert_string_equal(file(site, "data/missions.csv"),
                      "id,title,vision,kind,lead,start,horizon,attribution,plan_version,page\n"
                      "pub,Fewer <b>late</b> trains,\"On time, \"\"always\"\"\",mission,,,,"
                      "\"Rail Office, \"\"Punctuality\"\"\",1,https://example.org/missions/pub\n");
  /* recorded_at (the last field) is the time of the import: compared without it */
  char *obs = drop_last_field(file(site, "data/observations.csv"));
  assert_string_equal(obs,
                      "mission,metric,series,period,value,lower,upper,n,breakdown_kind,"
                      "breakdown,source\n"
                      "pub,late,headline,2020,20,19.5,20.5,1000,,,\"Survey, \"\"wave\"\" 1\"\n"
                      "pub,late,headline,2021,18.25,,,,,,\"Survey, \"\"wave\"\" 1\"\n"
                      "pub,late,headline,2022,17,,,,,,\"Survey, \"\"wave\"\" 1\"\n"
                      "pub,late,place:North,2021,30,,,,place,North,\"Survey, \"\"wave\"\" 1\"\n");
  free(obs);
  /* the JSON has the same rows */
  json_t *oj = json_loads(file(site, "data/observations.json"), 0, NULL);
  assert_int_equal(json_array_size(oj), 4);
  json_t *north = json_array_get(oj, 3);
  assert_string_equal(json_string_value(json_object_get(north, "series")), "place:North");
  assert_true(json_number_value(json_object_get(north, "value")) == 30);
  assert_true(json_is_null(json_object_get(north, "lower")));
  assert_true(json_number_value(json_object_get(json_array_get(oj, 1), "value")) == 18.25);
  json_decref(oj);
  /* the per-mission copy is the same table */
  assert_string_equal(file(site, "data/missions/pub/targets.csv"), file(site, "data/targets.csv"));
  assert_string_equal(file(site, "data/targets.csv"),
                      "mission,id,metric,kind,baseline_period,baseline_value,target_period,"
                      "target_value,trajectory\npub,t1,late,committed,2020,20,2030,10,linear\n");
  /* the saved scan, its units and flags */
  const char *scans = file(site, "data/scans.csv");
  assert_non_null(strstr(scans, "\npub,late,2019/20,score,3,2,1,score,\"fsm,eal\",none,0.1,0.95,"
                                "0.05,0.5,1.5,0,,"));
  assert_non_null(strstr(scans, ",scans/late/2019_20.csv\n"));
  assert_string_equal(file(site, "data/scans/late/2019_20.csv"),
                      "metric,period,unit,name,value,se,lower,upper,denominator,indicator,flag\n"
                      "late,2019/20,u1,First school,1.5,0.5,,,,1.25,high\n"
                      "late,2019/20,u2,\"Second, school\",-2,0.25,,,,-2.5,low\n"
                      "late,2019/20,u3,Third,,,,,,,\n");
  /* the Data Package: keys and the scan resource */
  json_t *dp = json_loads(file(site, "data/datapackage.json"), 0, NULL);
  json_t *res = json_object_get(dp, "resources");
  assert_int_equal(json_array_size(res), 7);
  json_t *ob = json_array_get(res, 2);
  assert_string_equal(json_string_value(json_object_get(ob, "name")), "observations");
  json_t *pk = json_object_get(json_object_get(ob, "schema"), "primaryKey");
  assert_string_equal(json_string_value(json_array_get(pk, 1)), "series");
  json_t *sr = json_array_get(res, 6);
  assert_string_equal(json_string_value(json_object_get(sr, "name")), "scan-late-2019_20");
  assert_string_equal(json_string_value(json_object_get(sr, "path")), "scans/late/2019_20.csv");
  json_t *src = json_array_get(json_object_get(dp, "sources"), 0);
  assert_string_equal(json_string_value(json_object_get(src, "title")),
                      "Fewer <b>late</b> trains: Rail Office, \"Punctuality\"");
  json_decref(dp);
  /* the catalogue: one dataset, 4 tables x 2 formats + the scan x 2 */
  json_t *cat = json_loads(file(site, "data/catalog.jsonld"), 0, NULL);
  json_t *ds = json_object_get(cat, "dcat:dataset");
  assert_int_equal(json_array_size(ds), 1);
  assert_int_equal(json_array_size(json_object_get(json_array_get(ds, 0), "dcat:distribution")),
                   10);
  json_decref(cat);
  /* HTML escapes what it shows */
  assert_non_null(strstr(file(site, "index.html"), "Fewer &lt;b&gt;late&lt;/b&gt; trains"));
  assert_null(strstr(file(site, "index.html"), "<b>late"));
  assert_non_null(strstr(file(site, "missions/pub/index.html"), "<svg "));
  /* one file by path: the same bytes; unknown or unpublished: not found */
  char *body;
  size_t len;
  const char *media;
  assert_int_equal(
      gp_app_opendata_file(s, &o, "data/scans/late/2019_20.csv", &body, &len, &media, &err), GP_OK);
  assert_string_equal(body, file(site, "data/scans/late/2019_20.csv"));
  assert_string_equal(media, "text/csv; charset=utf-8");
  free(body);
  const char *same[] = {"data/observations.csv", "data/missions/pub/observations.json",
                        "data/catalog.jsonld", "data/status.csv", "data/index.html"};
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
    assert_int_equal(gp_app_opendata_file(s, &o, same[i], &body, &len, &media, &err), GP_OK);
    assert_string_equal(body, file(site, same[i]));
    free(body);
  }
  const char *none[] = {"data/missions/hidden/metrics.csv", "data/scans/hush/2019_20.csv",
                        "data/nope.csv", "data/missions.csv.bak"};
  for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
    assert_int_equal(gp_app_opendata_file(s, &o, none[i], &body, &len, &media, &err), GP_ENOTFOUND);
  gp_opendata_opts nohtml = {.base_url = NULL};
  assert_int_equal(gp_app_opendata_file(s, &nohtml, "index.html", &body, &len, &media, &err),
                   GP_ENOTFOUND);
  json_decref(site);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_only_published_missions, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
