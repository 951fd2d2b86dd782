/*
 * test_themes — themes of `synthesise` kept and linked (gp_app_themes,
 * gp_store_themes, migration 062_themes.sql): texts stored as a theme set
 * linked to a mission and an assumption of its plan and listed back; a bad
 * mission or assumption, no texts or an oversized text leave nothing
 * written; the approved statements of a conversation (the committed fixture
 * tests/reference/data/delib_small, linked to the poverty mission's
 * assumption a2) synthesised and linked to the conversation, its mission and
 * assumption; a visitor does not see the mission of an unpublished mission;
 * deleting a conversation deletes its theme sets (ON DELETE CASCADE).
 *
 * Expected values are facts of the inputs (which texts are about buses and
 * which about housing; the fixture's approved statements 0-4 and their
 * text), not our own output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_tmpdb.h"
#include <sqlite3.h>

#include "app/gp_app.h"
#include "app/gp_app_delib.h"
#include "app/gp_app_themes.h"
#include "io/gp_planfile.h"
#include "store/gp_store.h"
#include "store/gp_store_themes.h"

#define FIXTURE "tests/reference/data/delib_small"

/* A fresh database holding the poverty example plan (assumptions a1..a10). */
static int setup(void **state) {
  fx *f = tmpdb_open("gp_themes", "examples/gameplans/poverty.json");
  if (!f) return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  tmpdb_close(*state);
  return 0;
}

/* Four answers about buses, four about housing. */
static const char *const answers[8] = {
    "The buses are late and the bus stops are dirty",
    "Housing rents are too high for young families",
    "Bus fares are too high and buses are late",
    "Affordable housing and lower rents for families",
    "More buses at night, the late bus is always full",
    "Build more social housing, rents keep rising",
    "Bus drivers are kind but the buses are late",
    "Families cannot pay the rents, we need housing",
};

static void count_cb(void *ctx, const gp_theme_set_row *row) {
  (void)row;
  (*(long *)ctx)++;
}

/* Theme sets in the database. */
static long n_sets(gp_store *s) {
  long n = 0;
  gp_error err;
  assert_int_equal(gp_store_themes_list(s, NULL, count_cb, &n, &err), GP_OK);
  return n;
}

static gp_themes_link api_link(const char *mission, const char *assumption) {
  return (gp_themes_link){.mission_id = mission,
                          .assumption_id = assumption,
                          .source = "answers.csv",
                          .mission_arg = "mission",
                          .assumption_arg = "body.assumption"};
}

/* Texts stored, linked to a mission's assumption, and listed back. */
static void test_store_link_list(void **state) {
  fx *f = *state;
  gp_error err;
  gp_text_opts o = gp_app_themes_opts_default();
  o.k = 2;
  gp_themes_link l = api_link("poverty", "a1");
  json_t *set = NULL;
  if (gp_app_themes_texts(f->s, &l, answers, 8, "body.texts", &o, &set, &err))
    fail_msg("%s: %s", err.path, err.message);
  assert_int_equal(json_integer_value(json_object_get(set, "id")), 1);
  assert_string_equal(json_string_value(json_object_get(set, "mission")), "poverty");
  assert_string_equal(json_string_value(json_object_get(set, "assumption")), "a1");
  assert_true(json_is_null(json_object_get(set, "conversation")));
  assert_string_equal(json_string_value(json_object_get(set, "source")), "answers.csv");
  assert_int_equal(json_integer_value(json_object_get(set, "k")), 2);
  assert_int_equal(json_integer_value(json_object_get(set, "documents")), 8);
  assert_non_null(json_string_value(json_object_get(set, "created_at")));
  json_t *doc = json_object_get(set, "themes");
  assert_int_equal(json_integer_value(json_object_get(doc, "k")), 2);
  assert_int_equal(json_integer_value(json_object_get(doc, "seed")), 1);
  /* the two themes are the two topics: four answers each, and every
   * representative answer of a theme is about that theme's topic */
  json_t *ths = json_object_get(doc, "themes");
  assert_int_equal(json_array_size(ths), 2);
  bool seen_bus = false, seen_housing = false;
  for (size_t k = 0; k < 2; k++) {
    json_t *th = json_array_get(ths, k);
    assert_int_equal(json_integer_value(json_object_get(th, "size")), 4);
    json_t *reps = json_object_get(th, "representative");
    assert_true(json_array_size(reps) >= 1);
    const char *first = json_string_value(json_object_get(json_array_get(reps, 0), "text"));
    bool bus = strstr(first, "bus") || strstr(first, "Bus");
    *(bus ? &seen_bus : &seen_housing) = true;
    for (size_t q = 0; q < json_array_size(reps); q++) {
      json_t *rep = json_array_get(reps, q);
      const char *t = json_string_value(json_object_get(rep, "text"));
      assert_int_equal(strstr(t, "bus") || strstr(t, "Bus") ? 1 : 0, bus ? 1 : 0);
      /* "row" is the text's 1-based position in the request */
      long row = (long)json_integer_value(json_object_get(rep, "row"));
      assert_true(row >= 1 && row <= 8);
      assert_string_equal(answers[row - 1], t);
    }
  }
  assert_true(seen_bus && seen_housing);
  json_decref(set);

  /* a second set, on another assumption */
  l.assumption_id = "a2";
  assert_int_equal(gp_app_themes_texts(f->s, &l, answers, 4, "body.texts", &o, &set, &err), GP_OK);
  assert_int_equal(json_integer_value(json_object_get(set, "id")), 2);
  json_decref(set);

  json_t *list;
  assert_int_equal(gp_app_themes_mission_doc(f->s, "poverty", NULL, true, &list, &err), GP_OK);
  json_t *sets = json_object_get(list, "theme_sets");
  assert_int_equal(json_array_size(sets), 2);
  /* newest first */
  assert_int_equal(json_integer_value(json_object_get(json_array_get(sets, 0), "id")), 2);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(sets, 1), "id")), 1);
  json_decref(list);
  assert_int_equal(gp_app_themes_mission_doc(f->s, "poverty", "a1", true, &list, &err), GP_OK);
  sets = json_object_get(list, "theme_sets");
  assert_int_equal(json_array_size(sets), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(sets, 0), "assumption")),
                      "a1");
  json_decref(list);
  assert_int_equal(gp_app_themes_mission_doc(f->s, "poverty", "a3", true, &list, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(list, "theme_sets")), 0);
  json_decref(list);
  /* the mission is unpublished: a visitor gets 404 */
  assert_int_equal(gp_app_themes_mission_doc(f->s, "poverty", NULL, false, &list, &err),
                   GP_ENOTFOUND);
  /* one set by id */
  assert_int_equal(gp_app_themes_get(f->s, 1, true, &set, &err), GP_OK);
  assert_string_equal(json_string_value(json_object_get(set, "assumption")), "a1");
  json_decref(set);
  assert_int_equal(gp_app_themes_get(f->s, 1, false, &set, &err), GP_ENOTFOUND);
  assert_int_equal(gp_app_themes_get(f->s, 99, true, &set, &err), GP_ENOTFOUND);
}

/* A bad link, no texts or an oversized text: an error naming the place,
 * and nothing written. */
static void test_refused(void **state) {
  fx *f = *state;
  gp_error err;
  gp_text_opts o = gp_app_themes_opts_default();
  json_t *set = (json_t *)1;
  gp_themes_link l = api_link("poverty", "nope");
  assert_int_equal(gp_app_themes_texts(f->s, &l, answers, 8, "body.texts", &o, &set, &err),
                   GP_ENOTFOUND);
  assert_string_equal(err.path, "body.assumption");
  assert_null(set);
  l = api_link("no-such-mission", NULL);
  assert_int_equal(gp_app_themes_texts(f->s, &l, answers, 8, "body.texts", &o, &set, &err),
                   GP_ENOTFOUND);
  assert_string_equal(err.path, "mission");
  l = api_link("no-such-mission", "a1");
  assert_int_equal(gp_app_themes_texts(f->s, &l, answers, 8, "body.texts", &o, &set, &err),
                   GP_ENOTFOUND);
  assert_string_equal(err.path, "mission");
  l = api_link(NULL, "a1");
  assert_int_equal(gp_app_themes_texts(f->s, &l, answers, 8, "body.texts", &o, &set, &err),
                   GP_EINVAL);
  assert_string_equal(err.path, "mission");
  l = api_link("poverty", NULL);
  assert_int_equal(gp_app_themes_texts(f->s, &l, answers, 0, "body.texts", &o, &set, &err),
                   GP_EINVAL);
  assert_string_equal(err.path, "body.texts");
  char *big = malloc(GP_THEMES_MAX_TEXT_BYTES + 2);
  memset(big, 'a', GP_THEMES_MAX_TEXT_BYTES + 1);
  big[GP_THEMES_MAX_TEXT_BYTES + 1] = '\0';
  const char *texts[3] = {"fine", big, "fine"};
  assert_int_equal(gp_app_themes_texts(f->s, &l, texts, 3, "body.texts", &o, &set, &err),
                   GP_ETOOBIG);
  assert_string_equal(err.path, "body.texts[1]");
  const char **many = malloc((GP_THEMES_MAX_TEXTS + 1) * sizeof *many);
  for (size_t i = 0; i <= GP_THEMES_MAX_TEXTS; i++)
    many[i] = "fine";
  assert_int_equal(
      gp_app_themes_texts(f->s, &l, many, GP_THEMES_MAX_TEXTS + 1, "body.texts", &o, &set, &err),
      GP_ETOOBIG);
  assert_string_equal(err.path, "body.texts");
  free(many);
  big[GP_THEMES_MAX_TEXT_BYTES] = '\0'; /* exactly at the limit: accepted */
  assert_int_equal(gp_app_themes_texts(f->s, &l, texts, 3, "body.texts", &o, &set, &err), GP_OK);
  free(big);
  json_decref(set);
  assert_int_equal(n_sets(f->s), 1);
  /* the saving path of the CLI (a document made elsewhere) checks the same */
  json_t *doc = json_pack("{sisi}", "k", 1, "documents", 1);
  l = (gp_themes_link){.mission_id = "poverty", .assumption_id = "zz", .source = "f.csv"};
  assert_int_equal(gp_app_themes_save(f->s, &l, doc, &set, &err), GP_ENOTFOUND);
  assert_string_equal(err.path, "--assumption");
  l.mission_id = NULL;
  l.assumption_id = NULL;
  assert_int_equal(gp_app_themes_save(f->s, &l, doc, &set, &err), GP_EINVAL);
  json_decref(doc);
  assert_int_equal(n_sets(f->s), 1);
}

/* The approved statements of a stored conversation, linked to it, its
 * mission and its assumption. */
static void test_conversation(void **state) {
  fx *f = *state;
  gp_error err;
  gp_delib_import_req q = {
      .dir = FIXTURE, .id = "buses", .mission_id = "poverty", .assumption_id = "a2"};
  gp_delib_import_res res;
  if (gp_app_delib_import(f->s, &q, &res, &err)) fail_msg("%s: %s", err.path, err.message);
  gp_text_opts o = gp_app_themes_opts_default();
  json_t *set = NULL;
  assert_int_equal(gp_app_themes_conversation(f->s, "nope", &o, &set, &err), GP_ENOTFOUND);
  assert_null(set);
  if (gp_app_themes_conversation(f->s, "buses", &o, &set, &err))
    fail_msg("%s: %s", err.path, err.message);
  assert_string_equal(json_string_value(json_object_get(set, "conversation")), "buses");
  assert_string_equal(json_string_value(json_object_get(set, "mission")), "poverty");
  assert_string_equal(json_string_value(json_object_get(set, "assumption")), "a2");
  assert_string_equal(json_string_value(json_object_get(set, "source")), "conversation:buses");
  /* statements 0-4 are approved; 5 rejected, 6 pending */
  assert_int_equal(json_integer_value(json_object_get(set, "documents")), 5);
  json_t *doc = json_object_get(set, "themes");
  assert_int_equal(json_integer_value(json_object_get(doc, "documents")), 5);
  assert_string_equal(json_string_value(json_object_get(doc, "conversation")), "buses");
  static const char *const body[5] = {
      "Buses should run every ten minutes in the centre.", "Fares should be free for under-18s.",
      "The city should build more cycle lanes.", "Car parking in the centre should stay free.",
      "Road maintenance matters more than new routes."};
  long sizes = 0;
  size_t k;
  json_t *th;
  assert_true(json_array_size(json_object_get(doc, "themes")) >= 1);
  json_array_foreach(json_object_get(doc, "themes"), k, th) {
    sizes += (long)json_integer_value(json_object_get(th, "size"));
    size_t r;
    json_t *rep;
    json_array_foreach(json_object_get(th, "representative"), r, rep) {
      json_int_t sid = json_integer_value(json_object_get(rep, "statement"));
      assert_true(sid >= 0 && sid <= 4);
      assert_string_equal(json_string_value(json_object_get(rep, "text")), body[sid]);
    }
  }
  assert_int_equal(sizes, json_integer_value(json_object_get(doc, "themed")));
  json_decref(set);
  o.k = 1;
  assert_int_equal(gp_app_themes_conversation(f->s, "buses", &o, &set, &err), GP_OK);
  json_decref(set);

  json_t *list;
  assert_int_equal(gp_app_themes_conversation_doc(f->s, "nope", true, &list, &err), GP_ENOTFOUND);
  assert_int_equal(gp_app_themes_conversation_doc(f->s, "buses", true, &list, &err), GP_OK);
  json_t *sets = json_object_get(list, "theme_sets");
  assert_int_equal(json_array_size(sets), 2);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(sets, 0), "k")), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(sets, 0), "mission")),
                      "poverty");
  json_decref(list);
  /* a visitor: the mission is unpublished, so mission and assumption are null */
  assert_int_equal(gp_app_themes_conversation_doc(f->s, "buses", false, &list, &err), GP_OK);
  json_t *s0 = json_array_get(json_object_get(list, "theme_sets"), 0);
  assert_true(json_is_null(json_object_get(s0, "mission")));
  assert_true(json_is_null(json_object_get(s0, "assumption")));
  assert_string_equal(json_string_value(json_object_get(s0, "conversation")), "buses");
  json_decref(list);
  /* published, the visitor sees them */
  assert_int_equal(gp_store_mission_publish(f->s, "poverty", true, &err), GP_OK);
  assert_int_equal(gp_app_themes_conversation_doc(f->s, "buses", false, &list, &err), GP_OK);
  s0 = json_array_get(json_object_get(list, "theme_sets"), 0);
  assert_string_equal(json_string_value(json_object_get(s0, "assumption")), "a2");
  json_decref(list);
  /* the mission's listing for assumption a2 has both sets */
  assert_int_equal(gp_app_themes_mission_doc(f->s, "poverty", "a2", false, &list, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(list, "theme_sets")), 2);
  json_decref(list);

  /* deleting the conversation deletes the sets that quote it */
  sqlite3 *db = gp_store_sqlite_db(f->s, &err);
  assert_non_null(db);
  assert_int_equal(
      sqlite3_exec(db, "DELETE FROM conversations WHERE id = 'buses'", NULL, NULL, NULL),
      SQLITE_OK);
  assert_int_equal(n_sets(f->s), 0);
}

/* A conversation without approved statements has nothing to synthesise. */
static void test_conversation_empty(void **state) {
  fx *f = *state;
  gp_error err;
  gp_delib_import_req q = {.dir = FIXTURE, .id = "buses"};
  gp_delib_import_res res;
  assert_int_equal(gp_app_delib_import(f->s, &q, &res, &err), GP_OK);
  for (int sid = 0; sid <= 4; sid++)
    assert_int_equal(gp_app_delib_moderate(f->s, "buses", sid, "rejected", &err), GP_OK);
  gp_text_opts o = gp_app_themes_opts_default();
  json_t *set = NULL;
  assert_int_equal(gp_app_themes_conversation(f->s, "buses", &o, &set, &err), GP_EINVAL);
  assert_null(set);
  assert_int_equal(n_sets(f->s), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_store_link_list, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conversation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conversation_empty, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
