/*
 * test_scan_unitdata — the unit-data CSV reader (src/io/gp_unitcsv.c) and
 * the unit store (src/store/gp_store_units.c): suppression codes and
 * percentages, errors naming FILE:ROW:COLUMN, duplicate ids, bad counts,
 * constant or empty covariates, and a save/load round trip with replace,
 * saved scans, positions and context.
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
#include "io/gp_planfile.h"
#include "io/gp_unitcsv.h"
#include "store/gp_store_units.h"

static gp_code read_text(const char *text, const gp_unitcsv_spec *sp, gp_unit_dataset *d,
                         gp_error *err) {
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  gp_error_clear(err);
  gp_code rc = gp_unitcsv_read(f, "u.csv", sp, d, err);
  fclose(f);
  return rc;
}

static void expect_error(const char *text, const gp_unitcsv_spec *sp, const char *path,
                         const char *needle) {
  gp_unit_dataset d;
  gp_error err;
  assert_int_equal(read_text(text, sp, &d, &err), GP_EINVAL);
  if (strcmp(err.path, path) || !strstr(err.message, needle)) {
    print_error("got %s: %s; want %s: ...%s...\n", err.path, err.message, path, needle);
    fail();
  }
  assert_null(d.ids);
}

static void test_cells(void **state) {
  (void)state;
  double v;
  const char *r;
  assert_int_equal(gp_unitcsv_cell("53%", &v, &r), 1);
  assert_true(v == 53);
  assert_int_equal(gp_unitcsv_cell(" -1.5 ", &v, &r), 1);
  assert_true(v == -1.5);
  const char *codes[] = {"SUPP", "NE", "NP", "LOWCOV", "x"};
  for (int i = 0; i < 5; i++) {
    assert_int_equal(gp_unitcsv_cell(codes[i], &v, &r), 0);
    assert_string_equal(r, codes[i]);
  }
  assert_int_equal(gp_unitcsv_cell("", &v, &r), 0);
  assert_string_equal(r, "empty");
  assert_int_equal(gp_unitcsv_cell("abc", &v, &r), -1);
  assert_int_equal(gp_unitcsv_cell("0x10", &v, &r), -1);
  assert_int_equal(gp_unitcsv_cell("nan", &v, &r), -1);
  assert_int_equal(gp_unitcsv_cell("%", &v, &r), -1);
}

static const char *const covs1[] = {"fsm"};

static void test_scores_with_limits(void **state) {
  (void)state;
  const char *text = "\xEF\xBB\xBF"
                     "type,id,name,v,lo,hi,fsm\n"
                     "1,A,Alpha,1.5,-0.46,3.46,20%\n"
                     "1,B,Beta,SUPP,SUPP,SUPP,30%\n"
                     "2,Z,LA total,0,0,0,0\n"
                     "1,C,,NE,-1,1,x\n"
                     "1,D,Delta,-2,-3.96,-0.04,40%\n"
                     "1,E,Short\n";
  gp_unitcsv_spec sp = {.unit = "id",
                        .name = "name",
                        .value = "v",
                        .lower = "lo",
                        .upper = "hi",
                        .level = 0.95,
                        .covariates = covs1,
                        .ncov = 1,
                        .where_col = "type",
                        .where_val = "1"};
  gp_unit_dataset d;
  gp_error err;
  assert_int_equal(read_text(text, &sp, &d, &err), GP_OK);
  assert_int_equal(d.kind, GP_UNIT_SCORE);
  assert_int_equal(d.n, 5); /* Z filtered out by --where */
  assert_int_equal(d.n_missing, 3);
  assert_string_equal(d.missing_reasons, "{\"NE\":1,\"SUPP\":1,\"empty\":1}");
  assert_string_equal(d.ids[0], "A");
  assert_string_equal(d.names[0], "Alpha");
  assert_null(d.names[2]);
  assert_true(fabs(d.se[0] - 3.92 / (2 * 1.959963984540054)) < 1e-12);
  assert_true(isnan(d.val[1]) && isnan(d.val[2]));
  assert_string_equal(d.missing[1], "SUPP");
  assert_true(d.ctx[0] == 20 && d.ctx[3] == 40);
  assert_true(isnan(d.ctx[2])); /* "x" covariate */
  assert_true(isnan(d.val[4]));
  gp_unit_dataset_free(&d);
}

static void test_bad_cells_and_ids(void **state) {
  (void)state;
  gp_unitcsv_spec sp = {.unit = "id", .numerator = "num", .denominator = "den"};
  expect_error("id,num,den\nA,5,10\nB,abc,10\n", &sp, "u.csv:3:2", "column num: 'abc'");
  expect_error("id,num,den\nA,5,10\nB,6,10\nA,7,10\n", &sp, "u.csv:4:1",
               "unit id 'A' is used twice (first on row 2)");
  expect_error("id,num,den\nA,5,10\nB,12,10\n", &sp, "u.csv:3:3",
               "denominator is below the numerator");
  expect_error("id,num,den\nA,5,10\nB,-1,10\n", &sp, "u.csv:3:2", "cannot be negative");
  expect_error("id,num,den\nA,5,10\nB,0,0\n", &sp, "u.csv:3:3", "must be > 0");
  expect_error("id,num,den\nA,SUPP,10\nB,NE,10\n", &sp, "u.csv", "no row has a value");
  expect_error("id,num\nA,5\n", &sp, "u.csv:1", "no column 'den'");
  expect_error("id,num,den\n,5,10\n", &sp, "u.csv:2:1", "unit id is empty");
  static const char *const c2[] = {"k", "m"};
  gp_unitcsv_spec sc = {
      .unit = "id", .observed = "o", .expected = "e", .covariates = c2, .ncov = 2};
  expect_error("id,o,e,k,m\nA,5,4,1,x\nB,6,5,1,NE\n", &sc, "u.csv:1:4",
               "covariate column k is constant (1)");
  static const char *const c3[] = {"m"};
  sc.covariates = c3;
  sc.ncov = 1;
  expect_error("id,o,e,k,m\nA,5,4,1,x\nB,6,5,2,NE\n", &sc, "u.csv:1:5",
               "covariate column m is missing for every unit");
  gp_unitcsv_spec bad = {.unit = "id", .value = "v", .numerator = "n", .denominator = "d"};
  gp_unit_dataset d;
  gp_error err;
  assert_int_equal(read_text("id,v\n", &bad, &d, &err), GP_EINVAL);
  assert_string_equal(err.path, "--value");
}

/* ---- the store ------------------------------------------------------------ */

static char dbpath[64];

static int setup(void **state) {
  snprintf(dbpath, sizeof dbpath, "/tmp/gp-test-units-XXXXXX");
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

static void load_into(gp_store *s, const char *text, const char *period, int32_t start) {
  static const char *const covs[] = {"fsm", "eal"};
  gp_unitcsv_spec sp = {
      .unit = "id", .name = "name", .value = "v", .se = "se", .covariates = covs, .ncov = 2};
  gp_unit_dataset d;
  gp_error err;
  assert_int_equal(read_text(text, &sp, &d, &err), GP_OK);
  snprintf(d.metric_id, sizeof d.metric_id, "prog");
  snprintf(d.period, sizeof d.period, "%s", period);
  d.period_start = start;
  d.unit_type = "school";
  assert_int_equal(gp_store_units_save(s, &d, &err), GP_OK);
  gp_unit_dataset_free(&d);
}

/* History callback: collects periods, values and flags. */
typedef struct hist_acc {
  size_t n;           /* rows seen */
  char period[4][16]; /* their periods */
  double value[4];    /* their values */
  int flag[4];        /* their saved flags (9: none) */
} hist_acc;

static void hist_cb(void *ctx, const gp_unit_history_row *row) {
  hist_acc *a = ctx;
  if (a->n >= 4) return;
  snprintf(a->period[a->n], sizeof a->period[a->n], "%s", row->period);
  a->value[a->n] = row->value;
  a->flag[a->n] = row->scanned ? row->flag : 9;
  a->n++;
}

static void test_store_round_trip(void **state) {
  gp_store *s = *state;
  load_into(s, "id,name,v,se,fsm,eal\nA,Alpha,1,0.5,10,1\nB,Beta,SUPP,SUPP,20,2\nC,,3,1.5,30,x\n",
            "2019", 17897);
  load_into(s, "id,name,v,se,fsm,eal\nA,Alpha,2,0.5,11,1\nC,Gamma,4,1.5,31,3\n", "2020", 18262);
  /* replacing 2019 keeps one data set */
  load_into(s,
            "id,name,v,se,fsm,eal\nA,Alpha,1.25,0.5,10,1\nB,Beta,SUPP,SUPP,20,2\nC,,3,1.5,30,x\n",
            "2019", 17897);
  gp_error err;
  char periods[8][GP_PERIOD_MAX];
  size_t np;
  assert_int_equal(gp_store_units_periods(s, "prog", periods, 8, &np, &err), GP_OK);
  assert_int_equal(np, 2);
  assert_string_equal(periods[0], "2020");
  assert_string_equal(periods[1], "2019");
  gp_unit_dataset d;
  assert_int_equal(gp_store_units_load(s, "prog", "2019", &d, &err), GP_OK);
  assert_int_equal(d.n, 3);
  assert_int_equal(d.k, 2);
  assert_int_equal(d.n_missing, 1);
  assert_string_equal(d.cov_names[1], "eal");
  assert_string_equal(d.ids[2], "C");
  assert_null(d.names[2]);
  assert_true(d.val[0] == 1.25);
  assert_true(isnan(d.val[1]));
  assert_true(d.se[2] == 1.5);
  assert_null(d.den);
  assert_true(isnan(d.ctx[2 * 2 + 1]));
  gp_unit_dataset_free(&d);
  /* the unit's name was filled in by the 2020 load */
  gp_unit_info u;
  assert_int_equal(gp_store_units_get(s, "C", &u, &err), GP_OK);
  assert_string_equal(u.name, "Gamma");
  assert_string_equal(u.type, "school");
  size_t pos;
  assert_int_equal(gp_store_units_pos(s, "prog", "2020", "C", &pos, &err), GP_OK);
  assert_int_equal(pos, 1);
  assert_int_equal(gp_store_units_pos(s, "prog", "2020", "B", &pos, &err), GP_ENOTFOUND);
  gp_unit_row row;
  assert_int_equal(gp_store_units_at(s, "prog", "2020", 1, &row, &err), GP_OK);
  assert_string_equal(row.id, "C");
  assert_true(row.value == 4);
  size_t n, k;
  char **names;
  double *ctx;
  assert_int_equal(gp_store_units_context(s, "prog", "2020", &n, &k, &names, &ctx, &err), GP_OK);
  assert_int_equal(n, 2);
  assert_int_equal(k, 2);
  assert_true(ctx[2] == 31 && ctx[3] == 3);
  gp_store_units_names_free(names, k);
  free(ctx);
  /* saved scans */
  int8_t fl[2] = {1, -1}, fl2[2];
  double ind[2] = {0.5, NAN}, ind2[2];
  bool found;
  assert_int_equal(gp_store_units_scan_load(s, "prog", "2020", 2, fl2, ind2, NULL, &found, &err),
                   GP_OK);
  assert_false(found);
  assert_int_equal(gp_store_units_scan_save(s, "prog", "2020", "{}", "{}", fl, ind, 2, &err),
                   GP_OK);
  char *opts;
  assert_int_equal(gp_store_units_scan_load(s, "prog", "2020", 2, fl2, ind2, &opts, &found, &err),
                   GP_OK);
  assert_true(found);
  assert_string_equal(opts, "{}");
  free(opts);
  assert_true(fl2[0] == 1 && fl2[1] == -1 && ind2[0] == 0.5 && isnan(ind2[1]));
  /* a different size is not this data set's scan */
  assert_int_equal(gp_store_units_scan_load(s, "prog", "2020", 3, fl2, ind2, NULL, &found, &err),
                   GP_OK);
  assert_false(found);
  /* the unit's history, oldest first, with the saved scan's flag in 2020 */
  hist_acc acc;
  memset(&acc, 0, sizeof acc);
  assert_int_equal(gp_store_units_history(s, "prog", "C", hist_cb, &acc, &err), GP_OK);
  assert_int_equal(acc.n, 2);
  assert_string_equal(acc.period[0], "2019");
  assert_string_equal(acc.period[1], "2020");
  assert_true(acc.value[0] == 3 && acc.value[1] == 4);
  assert_int_equal(acc.flag[0], 9);
  assert_int_equal(acc.flag[1], -1);
  /* an unknown metric and an unknown period */
  gp_unitcsv_spec sp = {.unit = "id", .value = "v", .se = "se"};
  assert_int_equal(read_text("id,v,se\nA,1,1\n", &sp, &d, &err), GP_OK);
  snprintf(d.metric_id, sizeof d.metric_id, "nope");
  snprintf(d.period, sizeof d.period, "2020");
  assert_int_equal(gp_store_units_save(s, &d, &err), GP_ENOTFOUND);
  gp_unit_dataset_free(&d);
  assert_int_equal(gp_store_units_load(s, "prog", "2031", &d, &err), GP_ENOTFOUND);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cells),
      cmocka_unit_test(test_scores_with_limits),
      cmocka_unit_test(test_bad_cells_and_ids),
      cmocka_unit_test_setup_teardown(test_store_round_trip, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
