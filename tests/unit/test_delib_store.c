/*
 * test_delib_store — the conversation store (gp_store_delib) and the
 * deliberation operations over it (gp_app_delib): importing a Pol.is export
 * all or nothing, loading it back unchanged (the agree/disagree counts
 * recomputed from the latest votes equal those computed by
 * tests/reference/delib_fixture.py), analysing a stored conversation giving
 * the same document as analysing the directory, exporting it, and the
 * participation steps (routing, votes, statements, moderation, results).
 *
 * Data: the committed fixture tests/reference/data/delib_small; the real
 * vTaiwan and Scoop Hivemind exports in ../shared/data/polis (or $GP_POLIS_DATA) when present
 * (skipped otherwise).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_tmpdb.h"

#include "app/gp_app.h"
#include "app/gp_app_delib.h"
#include "engine/gp_polis_repness.h"
#include "io/gp_json.h"
#include "io/gp_planfile.h"
#include "io/gp_polisio.h"
#include "io/gp_polisjson.h"
#include "store/gp_store.h"
#include "store/gp_store_delib.h"

#define FIXTURE "tests/reference/data/delib_small"

static char polis_dir[512];

static int setup(void **state) {
  fx *f = tmpdb_open("gp_delib", NULL);
  if (!f) return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  tmpdb_close(*state);
  return 0;
}

static void import_fixture(gp_store *s, const char *id) {
  gp_error err;
  gp_error_clear(&err);
  gp_delib_import_req q = {.dir = FIXTURE, .id = id};
  gp_delib_import_res res;
  if (gp_app_delib_import(s, &q, &res, &err)) fail_msg("%s: %s", err.path, err.message);
  assert_string_equal(res.id, id);
  assert_int_equal(res.statements, 7);
  assert_int_equal(res.participants, 20);
  assert_int_equal(res.votes, 121);
}

/* The stored conversation loads back as the directory reads. */
static void test_roundtrip(void **state) {
  fx *f = *state;
  import_fixture(f->s, "buses");
  gp_error err;
  gp_polisio_export a, b;
  assert_int_equal(gp_polisio_read_dir(FIXTURE, &a, &err), GP_OK);
  assert_int_equal(gp_store_delib_load(f->s, "buses", &b, &err), GP_OK);
  assert_int_equal(a.n_comments, b.n_comments);
  assert_int_equal(a.n_votes, b.n_votes);
  assert_int_equal(a.n_participants, b.n_participants);
  assert_true(b.has_groups);
  /* counts from tests/reference/delib_fixture.py (latest vote counts) */
  static const long agrees[7] = {9, 8, 9, 8, 9, 0, 0};
  static const long disagrees[7] = {9, 9, 8, 9, 8, 17, 0};
  for (size_t j = 0; j < b.n_comments; j++) {
    assert_int_equal(b.comments[j].id, (int64_t)j);
    assert_int_equal(b.comments[j].agrees, agrees[j]);
    assert_int_equal(b.comments[j].disagrees, disagrees[j]);
    assert_int_equal(b.comments[j].moderated, a.comments[j].moderated);
    assert_int_equal(b.comments[j].author, a.comments[j].author);
    assert_string_equal(b.comments[j].body, a.comments[j].body);
  }
  assert_int_equal(b.comments[5].moderated, -1);
  assert_int_equal(b.comments[6].moderated, 0);
  for (size_t i = 0; i < b.n_votes; i++) {
    assert_int_equal(b.votes[i].voter_id, a.votes[i].voter_id);
    assert_int_equal(b.votes[i].comment_id, a.votes[i].comment_id);
    assert_int_equal(b.votes[i].vote, a.votes[i].vote);
    assert_int_equal(b.votes[i].timestamp, a.votes[i].timestamp);
  }
  for (size_t i = 0; i < b.n_participants; i++) {
    assert_int_equal(b.participants[i].id, a.participants[i].id);
    assert_int_equal(b.participants[i].group_id, i < 10 ? 0 : 1);
  }
  assert_int_equal(b.n_summary, 4);
  assert_string_equal(b.summary[0].value, "Buses in the city centre");
  gp_polisio_free(&a);
  gp_polisio_free(&b);
}

/* A second import under the same id, a bad id, an unknown mission, a broken
 * export: refused, nothing written. */
static void test_import_refused(void **state) {
  fx *f = *state;
  import_fixture(f->s, "buses");
  gp_error err;
  gp_delib_import_res res;
  gp_delib_import_req q = {.dir = FIXTURE, .id = "buses"};
  assert_int_equal(gp_app_delib_import(f->s, &q, &res, &err), GP_ECONFLICT);
  q.id = "bad id";
  assert_int_equal(gp_app_delib_import(f->s, &q, &res, &err), GP_EINVAL);
  assert_string_equal(err.path, "--id");
  q.id = "other";
  q.mission_id = "no-such-mission";
  assert_int_equal(gp_app_delib_import(f->s, &q, &res, &err), GP_ENOTFOUND);
  assert_string_equal(err.path, "--mission");
  /* an export with a vote of 2: the reader's error, nothing stored */
  char dir[] = "/tmp/gp_delib_badXXXXXX";
  assert_non_null(mkdtemp(dir));
  char p[128];
  snprintf(p, sizeof p, "%s/comments.csv", dir);
  FILE *fp = fopen(p, "w");
  fputs("timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1,,0,0,0,0,1,A\n",
        fp);
  fclose(fp);
  snprintf(p, sizeof p, "%s/votes.csv", dir);
  fp = fopen(p, "w");
  fputs("timestamp,datetime,comment-id,voter-id,vote\n2,,0,0,1\n3,,0,1,2\n", fp);
  fclose(fp);
  q = (gp_delib_import_req){.dir = dir, .id = "bad"};
  assert_int_not_equal(gp_app_delib_import(f->s, &q, &res, &err), GP_OK);
  assert_non_null(strstr(err.path, "votes.csv:3"));
  unlink(p);
  snprintf(p, sizeof p, "%s/comments.csv", dir);
  unlink(p);
  rmdir(dir);
  json_t *list;
  assert_int_equal(gp_app_delib_list_doc(f->s, true, NULL, &list, &err), GP_OK);
  json_t *cs = json_object_get(list, "conversations");
  assert_int_equal(json_array_size(cs), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(cs, 0), "id")), "buses");
  json_decref(list);
}

/* Linking to a mission's assumption: the assumption must be in its plan. */
static void test_link_assumption(void **state) {
  fx *f = *state;
  gp_error err;
  gp_plan *p = NULL;
  if (gp_planfile_load("examples/gameplans/poverty.json", &p, &err))
    fail_msg("%s: %s", err.path, err.message);
  gp_apply_result ar;
  assert_int_equal(gp_app_plan_apply(f->s, p, NULL, "test", &ar, &err), GP_OK);
  gp_plan_free(p);
  gp_delib_import_res res;
  gp_delib_import_req q = {
      .dir = FIXTURE, .id = "x", .mission_id = "poverty", .assumption_id = "nope"};
  assert_int_equal(gp_app_delib_import(f->s, &q, &res, &err), GP_ENOTFOUND);
  assert_string_equal(err.path, "--assumption");
  q.mission_id = NULL;
  assert_int_equal(gp_app_delib_import(f->s, &q, &res, &err), GP_EINVAL);
  q.mission_id = "poverty";
  q.assumption_id = "a1";
  assert_int_equal(gp_app_delib_import(f->s, &q, &res, &err), GP_OK);
  json_t *doc;
  assert_int_equal(gp_app_delib_conv_doc(f->s, "x", true, &doc, &err), GP_OK);
  assert_string_equal(json_string_value(json_object_get(doc, "mission")), "poverty");
  assert_string_equal(json_string_value(json_object_get(doc, "assumption")), "a1");
  json_decref(doc);
}

/* Analysing the stored conversation gives the document of the directory. */
static void test_analyse_same(void **state) {
  fx *f = *state;
  import_fixture(f->s, "buses");
  gp_error err;
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  json_t *stored;
  assert_int_equal(gp_app_delib_analyse(f->s, "buses", &o, &stored, &err), GP_OK);
  gp_polisio_export x;
  assert_int_equal(gp_polisio_read_dir(FIXTURE, &x, &err), GP_OK);
  gp_polis_matrix m;
  bool *mod;
  int64_t *first;
  assert_int_equal(gp_polisio_matrix_history(&x, &m, &mod, &first, &err), GP_OK);
  gp_polis_input in = {.m = &m, .mod_out = mod, .first = first};
  gp_polis_result r;
  assert_int_equal(gp_polis_analyse(&in, &o, &r, &err), GP_OK);
  json_t *direct = gp_polisjson_analysis(&x, &r, &o, NULL);
  char *s1 = gp_json_dump(stored), *s2 = gp_json_dump(direct);
  assert_string_equal(s1, s2);
  /* two groups of ten, as the blocs were made */
  json_t *gs = json_object_get(stored, "groups");
  assert_int_equal(json_array_size(gs), 2);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(gs, 0), "size")), 10);
  free(s1);
  free(s2);
  json_decref(stored);
  json_decref(direct);
  gp_polis_result_free(&r);
  free(mod);
  free(first);
  gp_polis_matrix_free(&m);
  gp_polisio_free(&x);
}

/* Export with our group ids, then import the export: the same votes. */
static void test_export(void **state) {
  fx *f = *state;
  import_fixture(f->s, "buses");
  char dir[] = "/tmp/gp_delib_outXXXXXX";
  assert_non_null(mkdtemp(dir));
  char out[128];
  snprintf(out, sizeof out, "%s/x", dir);
  gp_error err;
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  bool grouped = false;
  assert_int_equal(gp_app_delib_export(f->s, "buses", out, &o, &grouped, &err), GP_OK);
  assert_true(grouped);
  gp_polisio_export a, b;
  assert_int_equal(gp_polisio_read_dir(out, &b, &err), GP_OK);
  assert_int_equal(gp_polisio_read_dir(FIXTURE, &a, &err), GP_OK);
  assert_int_equal(a.n_votes, b.n_votes);
  assert_int_equal(a.n_comments, b.n_comments);
  assert_true(b.has_groups);
  /* our groups split the two blocs (labels may differ from Pol.is's) */
  int g0 = b.participants[0].group_id;
  for (size_t i = 0; i < b.n_participants; i++)
    assert_int_equal(b.participants[i].group_id, i < 10 ? g0 : 1 - g0);
  gp_polisio_free(&a);
  gp_polisio_free(&b);
  static const char *files[] = {"comments.csv", "votes.csv", "participants-votes.csv",
                                "summary.csv"};
  char p[160];
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s", out, files[i]);
    unlink(p);
  }
  rmdir(out);
  rmdir(dir);
}

/* Routing, votes, statements and moderation. */
static void test_participation(void **state) {
  fx *f = *state;
  import_fixture(f->s, "buses");
  gp_error err;
  char pid[GP_DELIB_PID_LEN + 1];
  gp_app_delib_new_pid(pid);
  assert_true(gp_app_delib_pid_ok(pid));
  assert_false(gp_app_delib_pid_ok("xyz"));
  /* approved statements only: 0-4 */
  json_t *doc;
  assert_int_equal(gp_app_delib_conv_doc(f->s, "buses", true, &doc, &err), GP_OK);
  assert_int_equal(json_array_size(json_object_get(doc, "statements")), 5);
  assert_string_equal(json_string_value(json_object_get(doc, "title")), "Buses in the city centre");
  json_decref(doc);
  /* with no analysis yet every statement has the priority of a statement with
   * no votes, ((1 - 1/2) (0 + 1) (1/2) x 9)^2 = 81/16: equal chances, so u
   * picks by fifths of [0, 1) in id order */
  assert_true(fabs(gp_polis_priority(false, 0, 0, 0, 0.0) - 81.0 / 16.0) < 1e-12);
  static const double us[] = {0.0, 0.19, 0.21, 0.5, 0.79, 0.81, 0.999};
  static const int want[] = {0, 0, 1, 2, 3, 4, 4};
  for (size_t k = 0; k < sizeof us / sizeof us[0]; k++) {
    assert_int_equal(gp_app_delib_next_doc(f->s, "buses", pid, us[k], &doc, &err), GP_OK);
    json_t *st = json_object_get(doc, "statement");
    assert_int_equal(json_integer_value(json_object_get(st, "id")), want[k]);
    assert_int_equal(json_integer_value(json_object_get(doc, "remaining")), 5);
    json_decref(doc);
  }
  assert_int_equal(gp_app_delib_vote(f->s, "buses", pid, 0, 1, &err), GP_OK);
  assert_int_equal(gp_app_delib_vote(f->s, "buses", pid, 0, -1, &err), GP_OK);
  assert_int_equal(gp_app_delib_vote(f->s, "buses", pid, 5, 1, &err), GP_ENOTFOUND);
  assert_int_equal(gp_app_delib_vote(f->s, "buses", pid, 1, 2, &err), GP_EINVAL);
  assert_int_equal(gp_app_delib_vote(f->s, "nope", pid, 1, 1, &err), GP_ENOTFOUND);
  assert_int_equal(gp_app_delib_next_doc(f->s, "buses", pid, 0.0, &doc, &err), GP_OK);
  assert_int_equal(json_integer_value(json_object_get(doc, "remaining")), 4);
  assert_int_equal(json_integer_value(json_object_get(doc, "voted")), 1);
  json_decref(doc);
  /* the latest vote counts: statement 0 now has one more disagree */
  gp_polisio_export x;
  assert_int_equal(gp_store_delib_load(f->s, "buses", &x, &err), GP_OK);
  assert_int_equal(x.n_participants, 21);
  assert_int_equal(x.participants[20].id, 20);
  assert_int_equal(x.comments[0].agrees, 9);
  assert_int_equal(x.comments[0].disagrees, 10);
  gp_polisio_free(&x);
  /* statements: too long, empty, fine */
  char big[400];
  memset(big, 'a', 281);
  big[281] = 0;
  int64_t sid = -1;
  assert_int_equal(gp_app_delib_statement(f->s, "buses", pid, big, false, &sid, &err), GP_ETOOBIG);
  big[280] = 0;
  assert_int_equal(gp_app_delib_statement(f->s, "buses", pid, "  ", false, &sid, &err), GP_EINVAL);
  assert_int_equal(gp_app_delib_statement(f->s, "buses", pid, "Trams instead.", false, &sid, &err),
                   GP_OK);
  assert_int_equal(sid, 7);
  assert_int_equal(gp_app_delib_moderation_doc(f->s, "buses", &doc, &err), GP_OK);
  json_t *pending = json_object_get(doc, "pending");
  assert_int_equal(json_array_size(pending), 2); /* 6 (imported unmoderated) and 7 */
  assert_int_equal(json_integer_value(json_object_get(json_array_get(pending, 1), "author")), 20);
  assert_int_equal(json_integer_value(json_object_get(doc, "rejected")), 1);
  json_decref(doc);
  assert_int_equal(gp_app_delib_moderate(f->s, "buses", 7, "approved", &err), GP_OK);
  assert_int_equal(gp_app_delib_moderate(f->s, "buses", 99, "approved", &err), GP_ENOTFOUND);
  assert_int_equal(gp_app_delib_moderate(f->s, "buses", 7, "maybe", &err), GP_EINVAL);
  /* results: analysed now, at revision 4 (two votes, a statement, a moderation) */
  assert_int_equal(gp_app_delib_results_doc(f->s, "buses", &doc, &err), GP_OK);
  assert_true(json_is_true(json_object_get(doc, "ready")));
  assert_int_equal(json_integer_value(json_object_get(doc, "revision")), 4);
  /* routing now weighs the candidates (1, 2, 3, 4 and the new 7) by the
   * analysis's priorities; 7 has no votes, so 81/16 */
  json_t *sts = json_object_get(json_object_get(doc, "analysis"), "statements");
  double w[5], total = 0;
  static const int cand[5] = {1, 2, 3, 4, 7};
  for (int k = 0; k < 5; k++) {
    w[k] = 81.0 / 16.0;
    size_t i;
    json_t *v;
    json_array_foreach(sts, i, v) {
      json_t *pr = json_object_get(v, "priority");
      if (json_integer_value(json_object_get(v, "statement")) == cand[k] && json_is_number(pr))
        w[k] = json_number_value(pr);
    }
    assert_true(w[k] > 0);
    total += w[k];
  }
  json_decref(doc);
  for (int t = 0; t < 20; t++) {
    double u = (t + 0.5) / 20.0;
    double cum = 0;
    int expect = -1;
    for (int k = 0; k < 5 && expect < 0; k++) {
      cum += w[k];
      if (cum > u * total) expect = cand[k];
    }
    assert_int_equal(gp_app_delib_next_doc(f->s, "buses", pid, u, &doc, &err), GP_OK);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "statement"), "id")),
                     expect);
    json_decref(doc);
  }
}

/* A real conversation (name under polis_dir): stored and analysed, the same
 * document as the directory's; its counts and in-conversation size checked. */
static void real_conversation(fx *f, const char *name, size_t statements, size_t participants,
                              long in_conv) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s/%s", polis_dir, name);
  struct stat sb;
  if (stat(dir, &sb) != 0) {
    skip();
    return;
  }
  gp_error err;
  gp_delib_import_req q = {.dir = dir};
  gp_delib_import_res res;
  if (gp_app_delib_import(f->s, &q, &res, &err)) fail_msg("%s: %s", err.path, err.message);
  assert_string_equal(res.id, name);
  assert_int_equal(res.statements, statements);
  assert_int_equal(res.participants, participants);
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 2;
  json_t *doc;
  assert_int_equal(gp_app_delib_analyse(f->s, name, &o, &doc, &err), GP_OK);
  json_t *conv = json_object_get(doc, "conversation");
  if (in_conv >= 0)
    assert_int_equal(json_integer_value(json_object_get(conv, "in_conversation")), in_conv);
  gp_polisio_export x;
  assert_int_equal(gp_polisio_read_dir(dir, &x, &err), GP_OK);
  gp_polis_matrix m;
  bool *mod;
  int64_t *first;
  assert_int_equal(gp_polisio_matrix_history(&x, &m, &mod, &first, &err), GP_OK);
  gp_polis_input in = {.m = &m, .mod_out = mod, .first = first};
  gp_polis_result r;
  assert_int_equal(gp_polis_analyse(&in, &o, &r, &err), GP_OK);
  json_t *direct = gp_polisjson_analysis(&x, &r, &o, NULL);
  char *s1 = gp_json_dump(doc), *s2 = gp_json_dump(direct);
  assert_string_equal(s1, s2);
  free(s1);
  free(s2);
  json_decref(doc);
  json_decref(direct);
  gp_polis_result_free(&r);
  free(mod);
  free(first);
  gp_polis_matrix_free(&m);
  gp_polisio_free(&x);
}

/* vTaiwan (1,218 in the conversation, as docs/methods/deliberation.md says). */
static void test_vtaiwan(void **state) {
  real_conversation(*state, "vtaiwan.uberx", 197, 1921, 1218);
}

/* Scoop Hivemind on universal basic income. */
static void test_ubi(void **state) { real_conversation(*state, "scoop-hivemind.ubi", 71, 234, -1); }

int main(void) {
  const char *env = getenv("GP_POLIS_DATA");
  snprintf(polis_dir, sizeof polis_dir, "%s", env ? env : "../shared/data/polis");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_import_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_link_assumption, setup, teardown),
      cmocka_unit_test_setup_teardown(test_analyse_same, setup, teardown),
      cmocka_unit_test_setup_teardown(test_export, setup, teardown),
      cmocka_unit_test_setup_teardown(test_participation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_vtaiwan, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ubi, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
