/*
 * test_delib_create — opening a conversation from scratch
 * (gp_app_delib_create over gp_store_delib_create): the seed statements are
 * stored approved, by the team (author -1), in order, written now; a taken
 * id, an unknown mission or assumption and a bad seed are refused with the
 * place named and nothing written; the team's statements are approved at
 * once while a participant's wait for moderation; the list filtered by
 * mission, with a visitor seeing nothing of an unpublished mission.
 *
 * Data: the plan examples/gameplans/poverty.json (mission "poverty",
 * assumptions a1..a10).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_tmpdb.h"

#include "app/gp_app.h"
#include "app/gp_app_delib.h"
#include "io/gp_planfile.h"
#include "store/gp_store.h"
#include "store/gp_store_delib.h"

static int setup(void **state) {
  fx *f = tmpdb_open("gp_dcreate", "examples/gameplans/poverty.json");
  if (!f) return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  tmpdb_close(*state);
  return 0;
}

static int64_t now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The statements of a conversation as the store has them. */
typedef struct rows {
  int64_t id[16];      /* statement ids */
  int64_t author[16];  /* authors */
  int64_t ms[16];      /* created_ms */
  char status[16][16]; /* statuses */
  char body[16][300];  /* texts */
  size_t n;            /* how many */
} rows;

static void rows_cb(void *ctx, const gp_delib_statement_row *r) {
  rows *x = ctx;
  if (x->n == 16) return;
  x->id[x->n] = r->id;
  x->author[x->n] = r->author_id;
  x->ms[x->n] = r->created_ms;
  snprintf(x->status[x->n], sizeof x->status[0], "%s", r->status);
  snprintf(x->body[x->n], sizeof x->body[0], "%s", r->body);
  x->n++;
}

/* Counts conversations (in the store, whatever the mission). */
static void count_cb(void *ctx, const gp_delib_conv_row *row) {
  (void)row;
  (*(int *)ctx)++;
}

static int n_conversations(gp_store *s) {
  int n = 0;
  gp_error err;
  assert_int_equal(gp_store_delib_list(s, count_cb, &n, &err), GP_OK);
  return n;
}

/* A conversation with seeds: stored approved, by the team, in order, now. */
static void test_create_with_seeds(void **state) {
  fx *f = *state;
  gp_error err;
  gp_error_clear(&err);
  const char *seeds[] = {"Free childcare from age one", "More nursery places",
                         "Rents are the real problem"};
  gp_delib_create_req q = {.id = "childcare",
                           .title = "Childcare costs",
                           .question = "What would help families most?",
                           .mission_id = "poverty",
                           .assumption_id = "a1",
                           .statements = seeds,
                           .n_statements = 3};
  int64_t before = now_ms();
  if (gp_app_delib_create(f->s, &q, &err)) fail_msg("%s: %s", err.path, err.message);
  int64_t after = now_ms();
  rows r = {0};
  assert_int_equal(gp_store_delib_statements(f->s, "childcare", NULL, rows_cb, &r, &err), GP_OK);
  assert_int_equal(r.n, 3);
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(r.id[i], (int64_t)i);
    assert_int_equal(r.author[i], -1);
    assert_string_equal(r.status[i], "approved");
    assert_string_equal(r.body[i], seeds[i]);
    assert_true(r.ms[i] >= before && r.ms[i] <= after);
  }
  json_t *doc;
  assert_int_equal(gp_app_delib_conv_doc(f->s, "childcare", false, &doc, &err), GP_OK);
  assert_string_equal(json_string_value(json_object_get(doc, "title")), "Childcare costs");
  assert_string_equal(json_string_value(json_object_get(doc, "question")),
                      "What would help families most?");
  assert_int_equal(json_array_size(json_object_get(doc, "statements")), 3);
  assert_int_equal(json_integer_value(json_object_get(doc, "participants")), 0);
  json_decref(doc);
  assert_int_equal(gp_app_delib_conv_doc(f->s, "childcare", true, &doc, &err), GP_OK);
  assert_string_equal(json_string_value(json_object_get(doc, "mission")), "poverty");
  assert_string_equal(json_string_value(json_object_get(doc, "assumption")), "a1");
  json_decref(doc);
  /* the first statement shown is one of the seeds (u = 0: the first by id) */
  assert_int_equal(gp_app_delib_next_doc(f->s, "childcare", NULL, 0.0, &doc, &err), GP_OK);
  assert_int_equal(json_integer_value(json_object_get(doc, "total")), 3);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "statement"), "id")), 0);
  json_decref(doc);
  /* no seeds, no question, no mission: fine too */
  gp_delib_create_req bare = {.id = "open", .title = "Anything else?"};
  assert_int_equal(gp_app_delib_create(f->s, &bare, &err), GP_OK);
  assert_int_equal(gp_app_delib_conv_doc(f->s, "open", true, &doc, &err), GP_OK);
  assert_true(json_is_null(json_object_get(doc, "question")));
  assert_true(json_is_null(json_object_get(doc, "mission")));
  assert_int_equal(json_array_size(json_object_get(doc, "statements")), 0);
  json_decref(doc);
}

/* A taken id: GP_ECONFLICT at "id"; the conversation there is untouched. */
static void test_duplicate(void **state) {
  fx *f = *state;
  gp_error err;
  const char *one[] = {"First"};
  gp_delib_create_req q = {.id = "dup", .title = "The first", .statements = one, .n_statements = 1};
  assert_int_equal(gp_app_delib_create(f->s, &q, &err), GP_OK);
  const char *two[] = {"Second", "Third"};
  gp_delib_create_req q2 = {
      .id = "dup", .title = "The second", .statements = two, .n_statements = 2};
  assert_int_equal(gp_app_delib_create(f->s, &q2, &err), GP_ECONFLICT);
  assert_string_equal(err.path, "id");
  rows r = {0};
  assert_int_equal(gp_store_delib_statements(f->s, "dup", NULL, rows_cb, &r, &err), GP_OK);
  assert_int_equal(r.n, 1);
  assert_string_equal(r.body[0], "First");
  json_t *doc;
  assert_int_equal(gp_app_delib_conv_doc(f->s, "dup", true, &doc, &err), GP_OK);
  assert_string_equal(json_string_value(json_object_get(doc, "title")), "The first");
  json_decref(doc);
}

/* Each refusal names its place and writes nothing. */
static void test_refused(void **state) {
  fx *f = *state;
  gp_error err;
  char big[GP_DELIB_MAX_STATEMENT + 2];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  const char *seeds[] = {"Fine", "Also fine", "   "};
  struct {
    gp_delib_create_req q; /* the request */
    gp_code code;          /* the code expected */
    const char *path;      /* where */
  } cases[] = {
      {{.id = "c1",
        .title = "T",
        .mission_id = "poverty",
        .assumption_id = "nope",
        .statements = seeds,
        .n_statements = 2},
       GP_ENOTFOUND,
       "assumption"},
      {{.id = "c1",
        .title = "T",
        .mission_id = "no-mission",
        .statements = seeds,
        .n_statements = 2},
       GP_ENOTFOUND,
       "mission"},
      {{.id = "c1", .title = "T", .mission_id = "no-mission", .assumption_id = "a1"},
       GP_ENOTFOUND,
       "mission"},
      {{.id = "c1", .title = "T", .assumption_id = "a1"}, GP_EINVAL, "assumption"},
      {{.id = "c1", .title = "T", .statements = seeds, .n_statements = 3},
       GP_EINVAL,
       "statements[2]"},
      {{.id = "-c1", .title = "T"}, GP_EINVAL, "id"},
      {{.id = "", .title = "T"}, GP_EINVAL, "id"},
      {{.id = "c/1", .title = "T"}, GP_EINVAL, "id"},
      {{.id = "c1", .title = " \n"}, GP_EINVAL, "title"},
      {{.id = "c1", .title = NULL}, GP_EINVAL, "title"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    gp_error_clear(&err);
    assert_int_equal(gp_app_delib_create(f->s, &cases[k].q, &err), cases[k].code);
    assert_string_equal(err.path, cases[k].path);
    assert_int_equal(n_conversations(f->s), 0);
  }
  const char *over[] = {"Fine", big};
  gp_delib_create_req q = {.id = "c1", .title = "T", .statements = over, .n_statements = 2};
  assert_int_equal(gp_app_delib_create(f->s, &q, &err), GP_ETOOBIG);
  assert_string_equal(err.path, "statements[1]");
  /* exactly 280 characters (multi-byte ones count once) is allowed */
  char at[GP_DELIB_MAX_STATEMENT * 2 + 1];
  for (size_t i = 0; i < GP_DELIB_MAX_STATEMENT; i++)
    memcpy(at + 2 * i, "\xc3\xa9", 2); /* é */
  at[GP_DELIB_MAX_STATEMENT * 2] = '\0';
  const char *edge[] = {at};
  gp_delib_create_req ok = {.id = "c1", .title = "T", .statements = edge, .n_statements = 1};
  assert_int_equal(gp_app_delib_create(f->s, &ok, &err), GP_OK);
  assert_int_equal(n_conversations(f->s), 1);
}

/* The team's statements are approved at once; a participant's wait. */
static void test_team_statement(void **state) {
  fx *f = *state;
  gp_error err;
  const char *seeds[] = {"Seed"};
  gp_delib_create_req q = {.id = "t", .title = "T", .statements = seeds, .n_statements = 1};
  assert_int_equal(gp_app_delib_create(f->s, &q, &err), GP_OK);
  int64_t sid = -1;
  assert_int_equal(gp_app_delib_statement(f->s, "t", NULL, "From the team", true, &sid, &err),
                   GP_OK);
  assert_int_equal(sid, 1);
  char pid[GP_DELIB_PID_LEN + 1];
  gp_app_delib_new_pid(pid);
  assert_int_equal(gp_app_delib_statement(f->s, "t", pid, "From a visitor", false, &sid, &err),
                   GP_OK);
  assert_int_equal(sid, 2);
  rows r = {0};
  assert_int_equal(gp_store_delib_statements(f->s, "t", NULL, rows_cb, &r, &err), GP_OK);
  assert_int_equal(r.n, 3);
  assert_string_equal(r.status[1], "approved");
  assert_int_equal(r.author[1], -1);
  assert_string_equal(r.status[2], "pending");
  assert_int_equal(r.author[2], 0); /* the first participant */
  json_t *doc;
  assert_int_equal(gp_app_delib_conv_doc(f->s, "t", false, &doc, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(doc, "statements")), 2);
  assert_int_equal(json_integer_value(json_object_get(doc, "participants")), 1);
  json_decref(doc);
  /* the team's statement is also checked */
  assert_int_equal(gp_app_delib_statement(f->s, "t", NULL, " ", true, &sid, &err), GP_EINVAL);
  assert_int_equal(gp_app_delib_statement(f->s, "nope", NULL, "x", true, &sid, &err), GP_ENOTFOUND);
}

/* The list of one mission; a visitor sees nothing of an unpublished one. */
static void test_list_mission(void **state) {
  fx *f = *state;
  gp_error err;
  gp_delib_create_req a = {.id = "a", .title = "A", .mission_id = "poverty"};
  gp_delib_create_req b = {.id = "b", .title = "B"};
  assert_int_equal(gp_app_delib_create(f->s, &a, &err), GP_OK);
  assert_int_equal(gp_app_delib_create(f->s, &b, &err), GP_OK);
  json_t *doc;
  assert_int_equal(gp_app_delib_list_doc(f->s, true, "poverty", &doc, &err), GP_OK);
  json_t *cs = json_object_get(doc, "conversations");
  assert_int_equal(json_array_size(cs), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(cs, 0), "id")), "a");
  json_decref(doc);
  assert_int_equal(gp_app_delib_list_doc(f->s, true, NULL, &doc, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(doc, "conversations")), 2);
  json_decref(doc);
  /* unpublished: a visitor finds none */
  assert_int_equal(gp_store_mission_publish(f->s, "poverty", false, &err), GP_OK);
  assert_int_equal(gp_app_delib_list_doc(f->s, false, "poverty", &doc, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(doc, "conversations")), 0);
  json_decref(doc);
  assert_int_equal(gp_store_mission_publish(f->s, "poverty", true, &err), GP_OK);
  assert_int_equal(gp_app_delib_list_doc(f->s, false, "poverty", &doc, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(doc, "conversations")), 1);
  json_decref(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_create_with_seeds, setup, teardown),
      cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_team_statement, setup, teardown),
      cmocka_unit_test_setup_teardown(test_list_mission, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
