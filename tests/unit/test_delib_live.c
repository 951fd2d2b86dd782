/*
 * test_delib_live — live, incremental results of a conversation:
 *  - gp_polis_matrix_apply against gp_polis_matrix_from_events on the same
 *    events (identical matrices, growth, bad input refused);
 *  - the running state's bytes (gp_polis_warm_pack/unpack): a round trip
 *    gives the state back exactly; every truncation and a wrong tag are
 *    refused cleanly;
 *  - gp_app_delib_live_update over a real store: the first update is the
 *    from-scratch analysis; later updates fold in only the new vote events
 *    and their vote counts equal those of a from-scratch analysis of the same
 *    votes (counts do not depend on the path; positions and groups do, as in
 *    Pol.is); once in the conversation, always in; a "restarted" process
 *    (cache dropped) goes on from the kept running state, and returns the
 *    kept document unchanged when nothing happened.
 * Data: the committed fixture tests/reference/data/delib_small, and the real
 * vTaiwan export in ../shared/data/polis (or $GP_POLIS_DATA) when present.
 */
#include <math.h>
#include <pthread.h>
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

#include "app/gp_app_delib.h"
#include "app/gp_app_delib_live.h"
#include "engine/gp_polis_analysis.h"
#include "engine/gp_polis_matrix.h"
#include "engine/gp_rng.h"
#include "io/gp_json.h"
#include "io/gp_polisio.h"
#include "io/gp_polisjson.h"
#include "store/gp_store.h"
#include "store/gp_store_delib.h"

#define FIXTURE "tests/reference/data/delib_small"

static char polis_dir[512];

static int setup(void **state) {
  fx *f = tmpdb_open("gp_live", NULL);
  if (!f) return -1;
  gp_app_delib_live_reset();
  gp_app_delib_live_set_from(0);    /* every conversation live */
  gp_app_delib_live_set_spacing(0); /* every update due */
  *state = f;
  return 0;
}

static int teardown(void **state) {
  gp_app_delib_live_reset();
  gp_app_delib_live_set_from(GP_DELIB_LIVE_FROM);
  gp_app_delib_live_set_spacing(GP_DELIB_LIVE_SPACING);
  tmpdb_close(*state);
  return 0;
}

static void assert_same_matrix(const gp_polis_matrix *a, const gp_polis_matrix *b) {
  assert_int_equal(a->n_rows, b->n_rows);
  assert_int_equal(a->n_cols, b->n_cols);
  assert_int_equal(a->nnz, b->nnz);
  assert_memory_equal(a->row_ptr, b->row_ptr, (a->n_rows + 1) * sizeof *a->row_ptr);
  if (a->nnz) {
    assert_memory_equal(a->col, b->col, a->nnz * sizeof *a->col);
    assert_memory_equal(a->val, b->val, a->nnz);
  }
}

/* Random events on a growing conversation, applied in batches, give the
 * matrix built from all of them at once (times increasing: the later wins). */
static void test_matrix_apply(void **state) {
  (void)state;
  gp_rng rng;
  gp_rng_seed(&rng, 42);
  enum { N = 6000 };
  gp_polis_event *ev = malloc(N * sizeof *ev);
  for (size_t e = 0; e < N; e++) {
    size_t grow = 1 + e / 100; /* the conversation grows as events arrive */
    ev[e] = (gp_polis_event){.time = (int64_t)e,
                             .participant = (uint32_t)(gp_rng_next(&rng) % (grow + 10)),
                             .statement = (uint32_t)(gp_rng_next(&rng) % (3 + grow / 5)),
                             .vote = (int8_t)((int)(gp_rng_next(&rng) % 3) - 1)};
  }
  size_t rows = 0, cols = 0;
  for (size_t e = 0; e < N; e++) {
    if (ev[e].participant + 1 > rows) rows = ev[e].participant + 1;
    if (ev[e].statement + 1 > cols) cols = ev[e].statement + 1;
  }
  gp_error err;
  gp_polis_matrix m = {0};
  static const size_t cuts[] = {0, 1, 7, 500, 501, 2500, 5999, N};
  for (size_t c = 1; c < sizeof cuts / sizeof cuts[0]; c++) {
    size_t r = 0, k = 0;
    for (size_t e = 0; e < cuts[c]; e++) {
      if (ev[e].participant + 1 > r) r = ev[e].participant + 1;
      if (ev[e].statement + 1 > k) k = ev[e].statement + 1;
    }
    gp_polis_matrix next, whole;
    assert_int_equal(
        gp_polis_matrix_apply(&m, ev + cuts[c - 1], cuts[c] - cuts[c - 1], r, k, &next, &err),
        GP_OK);
    assert_int_equal(gp_polis_matrix_from_events(ev, cuts[c], r, k, &whole, &err), GP_OK);
    assert_same_matrix(&next, &whole);
    gp_polis_matrix_free(&whole);
    gp_polis_matrix_free(&m);
    m = next;
  }
  assert_int_equal(m.n_rows, rows);
  assert_int_equal(m.n_cols, cols);
  /* refused: a bad vote, an unknown statement, a smaller matrix */
  gp_polis_matrix out;
  gp_polis_event bad = {.time = 1, .participant = 0, .statement = 0, .vote = 2};
  assert_int_equal(gp_polis_matrix_apply(&m, &bad, 1, rows, cols, &out, &err), GP_EINVAL);
  assert_string_equal(err.path, "events[0]");
  bad.vote = 1;
  bad.statement = (uint32_t)cols;
  assert_int_equal(gp_polis_matrix_apply(&m, &bad, 1, rows, cols, &out, &err), GP_EINVAL);
  assert_int_equal(gp_polis_matrix_apply(&m, NULL, 0, rows - 1, cols, &out, &err), GP_EINVAL);
  assert_null(out.row_ptr);
  gp_polis_matrix_free(&m);
  free(ev);
}

/* A running state from a real analysis of the fixture-sized random votes. */
static void make_state(gp_polis_warm *w) {
  gp_rng rng;
  gp_rng_seed(&rng, 7);
  enum { R = 60, C = 12 };
  double dense[R * C];
  for (size_t i = 0; i < R * C; i++) {
    uint64_t u = gp_rng_next(&rng) % 4;
    dense[i] = u == 3 ? 9.0 : (double)((int)u - 1) * ((i / C) % 2 ? 1 : -1);
  }
  gp_error err;
  gp_polis_matrix m;
  assert_int_equal(gp_polis_matrix_from_dense(dense, R, C, 9.0, &m, &err), GP_OK);
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  gp_polis_input in = {.m = &m};
  gp_polis_result r;
  assert_int_equal(gp_polis_analyse(&in, &o, &r, &err), GP_OK);
  memset(w, 0, sizeof *w);
  assert_int_equal(gp_polis_warm_save(&r, w, &err), GP_OK);
  gp_polis_result_free(&r);
  gp_polis_matrix_free(&m);
}

static void test_state_bytes(void **state) {
  (void)state;
  gp_polis_warm w, back;
  make_state(&w);
  assert_true(w.n_rows == 60 && w.n_cols == 12 && w.n_base > 0);
  gp_error err;
  unsigned char *bytes;
  size_t len;
  assert_int_equal(gp_polis_warm_pack(&w, &bytes, &len, &err), GP_OK);
  assert_int_equal(gp_polis_warm_unpack(bytes, len, &back, &err), GP_OK);
  assert_int_equal(back.n_rows, w.n_rows);
  assert_int_equal(back.n_cols, w.n_cols);
  assert_int_equal(back.n_base, w.n_base);
  assert_int_equal(back.smoothed_k, w.smoothed_k);
  assert_int_equal(back.last_k, w.last_k);
  assert_int_equal(back.last_k_count, w.last_k_count);
  assert_memory_equal(back.in_conv, w.in_conv, w.n_rows);
  assert_memory_equal(back.comps, w.comps, 2 * w.n_cols * sizeof *w.comps);
  assert_memory_equal(back.base_xy, w.base_xy, 2 * w.n_base * sizeof *w.base_xy);
  assert_memory_equal(back.group_n, w.group_n, sizeof w.group_n);
  assert_memory_equal(back.group_xy, w.group_xy, sizeof w.group_xy);
  assert_int_equal(back.block != NULL, w.block != NULL);
  if (w.block)
    assert_memory_equal(back.block, w.block, GP_POLIS_PCA_BLOCK * w.n_cols * sizeof *w.block);
  gp_polis_warm_free(&back);
  /* every truncation is refused, and leaves nothing allocated */
  for (size_t n = 0; n < len; n++) {
    gp_polis_warm t;
    assert_int_equal(gp_polis_warm_unpack(bytes, n, &t, &err), GP_EINVAL);
    assert_null(t.in_conv);
  }
  /* a wrong tag, an impossible size, an in_conv byte that is not 0 or 1 */
  bytes[0] ^= 1;
  assert_int_equal(gp_polis_warm_unpack(bytes, len, &back, &err), GP_EINVAL);
  bytes[0] ^= 1;
  uint64_t huge = UINT64_MAX / 2;
  unsigned char *copy = malloc(len);
  memcpy(copy, bytes, len);
  memcpy(copy + 8, &huge, sizeof huge);
  assert_int_equal(gp_polis_warm_unpack(copy, len, &back, &err), GP_EINVAL);
  memcpy(copy, bytes, len);
  copy[8 + 6 * 8 + 8] = 7; /* the first in_conv byte */
  assert_int_equal(gp_polis_warm_unpack(copy, len, &back, &err), GP_EINVAL);
  free(copy);
  free(bytes);
  gp_polis_warm_free(&w);
}

static void import(gp_store *s, const char *dir, const char *id) {
  gp_error err;
  gp_error_clear(&err);
  gp_delib_import_req q = {.dir = dir, .id = id};
  gp_delib_import_res res;
  if (gp_app_delib_import(s, &q, &res, &err)) fail_msg("%s: %s", err.path, err.message);
}

/* The statements' vote counts of a document, as "id:agree/disagree/seen;". */
static char *counts(const json_t *doc) {
  size_t cap = 1 << 16, n = 0;
  char *out = malloc(cap);
  out[0] = 0;
  size_t i;
  json_t *st;
  json_array_foreach(json_object_get(doc, "statements"), i, st) {
    n += (size_t)snprintf(out + n, cap - n, "%lld:%lld/%lld/%lld;",
                          (long long)json_integer_value(json_object_get(st, "statement")),
                          (long long)json_integer_value(json_object_get(st, "agree")),
                          (long long)json_integer_value(json_object_get(st, "disagree")),
                          (long long)json_integer_value(json_object_get(st, "seen")));
    assert_true(n < cap);
  }
  return out;
}

/* The live document and a from-scratch analysis of the same votes agree on
 * everything that does not depend on the path. */
static void assert_same_counts(gp_store *s, const char *id, const json_t *live) {
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  gp_error err;
  json_t *fresh;
  assert_int_equal(gp_app_delib_analyse(s, id, &o, &fresh, &err), GP_OK);
  char *a = counts(live), *b = counts(fresh);
  assert_string_equal(a, b);
  free(a);
  free(b);
  json_t *cl = json_object_get(live, "conversation"), *cf = json_object_get(fresh, "conversation");
  static const char *keys[] = {"participants", "statements", "vote_events", "votes"};
  for (size_t k = 0; k < 4; k++)
    assert_int_equal(json_integer_value(json_object_get(cl, keys[k])),
                     json_integer_value(json_object_get(cf, keys[k])));
  json_decref(fresh);
}

/* in_conversation flags of a document's participants (n of them). */
static bool *in_conv(const json_t *doc, size_t *n) {
  json_t *ps = json_object_get(doc, "participants");
  *n = json_array_size(ps);
  bool *in = calloc(*n + 1, sizeof *in);
  size_t i;
  json_t *p;
  json_array_foreach(ps, i, p) in[i] = json_is_true(json_object_get(p, "in_conversation"));
  return in;
}

/* Casts votes by `people` new participants on statements 0-(n-1) of the fixture. */
static void cast(gp_store *s, const char *id, int people, int seed, int n) {
  gp_error err;
  for (int p = 0; p < people; p++) {
    char pid[GP_DELIB_PID_LEN + 1];
    gp_app_delib_new_pid(pid);
    for (int j = 0; j < n; j++) {
      int v = ((p + seed) % 2 ? 1 : -1) * (j < 3 ? 1 : -1);
      assert_int_equal(gp_app_delib_vote(s, id, pid, j, v, &err), GP_OK);
    }
  }
}

static void test_live_fixture(void **state) {
  fx *f = *state;
  import(f->s, FIXTURE, "buses");
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  gp_error err;
  json_t *doc;
  gp_delib_live_info info;
  /* the first update is the from-scratch analysis */
  assert_int_equal(gp_app_delib_live_update(f->s, "buses", &o, &doc, &info, &err), GP_OK);
  assert_false(info.incremental);
  assert_true(info.rebuilt);
  long events0 = info.new_events;
  assert_true(events0 > 0);
  assert_same_counts(f->s, "buses", doc);
  size_t n0;
  bool *in0 = in_conv(doc, &n0);
  json_decref(doc);
  /* new votes: only they are read, and the update starts from the state */
  cast(f->s, "buses", 6, 0, 5);
  assert_int_equal(gp_app_delib_live_update(f->s, "buses", &o, &doc, &info, &err), GP_OK);
  assert_true(info.incremental);
  assert_false(info.rebuilt);
  assert_int_equal(info.new_events, 30);
  assert_int_equal(info.participants, 26);
  assert_same_counts(f->s, "buses", doc);
  size_t n1;
  bool *in1 = in_conv(doc, &n1);
  assert_int_equal(n1, n0 + 6);
  for (size_t i = 0; i < n0; i++) /* once in, always in */
    if (in0[i]) assert_true(in1[i]);
  free(in0);
  free(in1);
  json_decref(doc);
  /* nothing new: the same document, nothing read */
  json_t *again;
  assert_int_equal(gp_app_delib_live_update(f->s, "buses", &o, &doc, &info, &err), GP_OK);
  assert_int_equal(gp_app_delib_live_update(f->s, "buses", &o, &again, &info, &err), GP_OK);
  assert_int_equal(info.new_events, 0);
  assert_true(json_equal(doc, again));
  json_decref(again);
  /* a restarted process: the kept document comes back unchanged ... */
  gp_app_delib_live_reset();
  assert_int_equal(gp_app_delib_live_update(f->s, "buses", &o, &again, &info, &err), GP_OK);
  assert_true(info.rebuilt);
  assert_false(info.incremental);
  assert_int_equal(info.new_events, events0 + 30);
  char *t1 = gp_json_dump(doc), *t2 = gp_json_dump(again); /* as kept: to 15 digits */
  assert_string_equal(t1, t2);
  free(t1);
  free(t2);
  json_decref(again);
  json_decref(doc);
  /* ... and the next votes are folded in from the kept running state */
  gp_app_delib_live_reset();
  cast(f->s, "buses", 4, 1, 5);
  assert_int_equal(gp_app_delib_live_update(f->s, "buses", &o, &doc, &info, &err), GP_OK);
  assert_true(info.incremental);
  assert_true(info.rebuilt);
  assert_int_equal(info.new_events, events0 + 50);
  assert_same_counts(f->s, "buses", doc);
  json_decref(doc);
  /* moderation is seen: a statement rejected changes the document */
  assert_int_equal(gp_app_delib_moderate(f->s, "buses", 4, "rejected", &err), GP_OK);
  assert_int_equal(gp_app_delib_live_update(f->s, "buses", &o, &doc, &info, &err), GP_OK);
  assert_int_equal(info.new_events, 0);
  assert_true(info.incremental);
  size_t i;
  json_t *st;
  json_array_foreach(json_object_get(doc, "statements"), i, st) {
    if (json_integer_value(json_object_get(st, "statement")) == 4)
      assert_int_equal(json_integer_value(json_object_get(st, "moderated")), -1);
  }
  json_decref(doc);
  /* the results API takes this path for conversations this large */
  assert_int_equal(gp_app_delib_results_doc(f->s, "buses", &doc, &err), GP_OK);
  assert_true(json_is_true(json_object_get(doc, "ready")));
  json_decref(doc);
  cast(f->s, "buses", 1, 0, 4);
  assert_int_equal(gp_app_delib_results_doc(f->s, "buses", &doc, &err), GP_OK);
  json_t *up = json_object_get(doc, "update");
  assert_non_null(up);
  assert_string_equal(json_string_value(json_object_get(up, "mode")), "incremental");
  assert_int_equal(json_integer_value(json_object_get(up, "new_events")), 4);
  assert_null(json_object_get(doc, "stale"));
  long rev = (long)json_integer_value(json_object_get(doc, "revision"));
  json_decref(doc);
  /* updates spaced out: right after one, a change is not analysed at once;
   * the last analysis is served, marked stale, with the revision it is of */
  gp_app_delib_live_set_spacing(1e9);
  cast(f->s, "buses", 1, 1, 4);
  assert_int_equal(gp_app_delib_results_doc(f->s, "buses", &doc, &err), GP_OK);
  assert_true(json_is_true(json_object_get(doc, "stale")));
  assert_int_equal(json_integer_value(json_object_get(doc, "analysed_revision")), rev);
  assert_int_equal(json_integer_value(json_object_get(doc, "revision")), rev + 4);
  assert_null(json_object_get(doc, "update"));
  assert_true(json_is_true(json_object_get(doc, "ready")));
  json_decref(doc);
  gp_app_delib_live_set_spacing(0);
  assert_int_equal(gp_app_delib_results_doc(f->s, "buses", &doc, &err), GP_OK);
  assert_null(json_object_get(doc, "stale"));
  assert_int_equal(
      json_integer_value(json_object_get(json_object_get(doc, "update"), "new_events")), 4);
  json_decref(doc);
  /* an unknown conversation */
  assert_int_equal(gp_app_delib_live_update(f->s, "nope", &o, &doc, &info, &err), GP_ENOTFOUND);
}

/* vTaiwan: the first live update equals the from-scratch analysis (the
 * PCA through the Gram statistics, to rounding), and 50 updates of new
 * participants keep the vote counts exact. */
static void test_live_vtaiwan(void **state) {
  fx *f = *state;
  char dir[600];
  snprintf(dir, sizeof dir, "%s/vtaiwan.uberx", polis_dir);
  struct stat sb;
  if (stat(dir, &sb) != 0) {
    print_message("vTaiwan data not found in %s: skipped\n", polis_dir);
    skip();
  }
  import(f->s, dir, "vt");
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  gp_error err;
  json_t *live, *fresh;
  gp_delib_live_info info;
  assert_int_equal(gp_app_delib_live_update(f->s, "vt", &o, &live, &info, &err), GP_OK);
  assert_int_equal(gp_app_delib_analyse(f->s, "vt", &o, &fresh, &err), GP_OK);
  json_t *pl = json_object_get(live, "participants"), *pf = json_object_get(fresh, "participants");
  assert_int_equal(json_array_size(pl), 1921);
  for (size_t i = 0; i < json_array_size(pl); i++) {
    json_t *a = json_array_get(pl, i), *b = json_array_get(pf, i);
    assert_true(json_equal(json_object_get(a, "group"), json_object_get(b, "group")));
    if (json_is_number(json_object_get(b, "x"))) {
      assert_true(fabs(json_number_value(json_object_get(a, "x")) -
                       json_number_value(json_object_get(b, "x"))) < 1e-9);
      assert_true(fabs(json_number_value(json_object_get(a, "y")) -
                       json_number_value(json_object_get(b, "y"))) < 1e-9);
    }
  }
  json_decref(live);
  json_decref(fresh);
  /* participants arrive in small batches; each update folds in only theirs */
  for (int b = 0; b < 50; b++) {
    gp_error_clear(&err);
    for (int p = 0; p < 2; p++) {
      char pid[GP_DELIB_PID_LEN + 1];
      gp_app_delib_new_pid(pid);
      for (int j = 0; j < 8; j++) /* statements 0, 2, 3, ... are approved in vTaiwan */
        gp_app_delib_vote(f->s, "vt", pid, (b * 7 + j * 3) % 40, (j + p + b) % 3 - 1, &err);
    }
    assert_int_equal(gp_app_delib_live_update(f->s, "vt", &o, &live, &info, &err), GP_OK);
    assert_true(info.incremental);
    assert_true(info.new_events > 0 && info.new_events <= 16);
    if (b == 49) assert_same_counts(f->s, "vt", live);
    json_decref(live);
  }
}

/* A document for a conversation larger than the map's limit leaves the
 * participants out and gives the base clusters, whose members add up to the
 * participants in the conversation. */
static void test_map_limit(void **state) {
  (void)state;
  gp_error err;
  gp_polisio_export x;
  assert_int_equal(gp_polisio_read_dir(FIXTURE, &x, &err), GP_OK);
  gp_polis_matrix m;
  bool *mod;
  assert_int_equal(gp_polisio_matrix(&x, &m, &mod, &err), GP_OK);
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  gp_polis_input in = {.m = &m, .mod_out = mod};
  gp_polis_result r;
  assert_int_equal(gp_polis_analyse(&in, &o, &r, &err), GP_OK);
  json_t *full = gp_polisjson_analysis(&x, &r, &o, NULL);
  json_t *map = gp_polisjson_analysis_ex(&x, &r, &o, NULL, 19);
  assert_int_equal(json_array_size(json_object_get(full, "participants")), 20);
  assert_true(json_is_true(json_object_get(full, "participants_listed")));
  assert_null(json_object_get(map, "participants"));
  assert_true(json_is_false(json_object_get(map, "participants_listed")));
  long members = 0;
  size_t i;
  json_t *b;
  json_array_foreach(json_object_get(map, "bases"), i, b) {
    members += (long)json_integer_value(json_object_get(b, "size"));
    json_int_t g = json_integer_value(json_object_get(b, "group"));
    assert_true(g >= 0 && g < (json_int_t)r.n_groups);
  }
  assert_int_equal(members, (long)r.n_in_conv);
  assert_int_equal(json_array_size(json_object_get(map, "bases")), r.n_base);
  json_decref(full);
  json_decref(map);
  gp_polis_result_free(&r);
  free(mod);
  gp_polis_matrix_free(&m);
  gp_polisio_free(&x);
}

/* One of two threads voting and updating on their own connections. */
typedef struct th_arg {
  const char *path; /* the database */
  int rounds;       /* votes and updates */
  int failures;     /* calls that did not return GP_OK */
} th_arg;

static void *th_run(void *p) {
  th_arg *a = p;
  gp_store *s;
  gp_error err;
  if (gp_store_open(a->path, false, &s, &err)) {
    a->failures = a->rounds;
    return NULL;
  }
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  for (int r = 0; r < a->rounds; r++) {
    char pid[GP_DELIB_PID_LEN + 1];
    gp_app_delib_new_pid(pid);
    json_t *doc = NULL;
    gp_delib_live_info info;
    if (gp_app_delib_vote(s, "buses", pid, r % 5, r % 2 ? 1 : -1, &err)) a->failures++;
    if (gp_app_delib_live_update(s, "buses", &o, &doc, &info, &err)) a->failures++;
    json_decref(doc);
  }
  gp_store_close(s);
  return NULL;
}

/* Two server threads, each with its own connection, vote and update the
 * same live conversation at once: every call succeeds, and the vote counts
 * at the end are those of a from-scratch analysis. */
static void test_live_threads(void **state) {
  fx *f = *state;
  import(f->s, FIXTURE, "buses");
  th_arg a[2] = {{f->path, 25, 0}, {f->path, 25, 0}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_create(&t[i], NULL, th_run, &a[i]), 0);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  assert_int_equal(a[0].failures + a[1].failures, 0);
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  gp_error err;
  json_t *doc;
  gp_delib_live_info info;
  assert_int_equal(gp_app_delib_live_update(f->s, "buses", &o, &doc, &info, &err), GP_OK);
  assert_int_equal(
      json_integer_value(json_object_get(json_object_get(doc, "conversation"), "participants")),
      20 + 50);
  assert_same_counts(f->s, "buses", doc);
  json_decref(doc);
}

/* The refresher brings changed live conversations up to date, once; the
 * background thread does it without being asked. */
static void test_live_refresh(void **state) {
  fx *f = *state;
  import(f->s, FIXTURE, "buses");
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  gp_error err;
  long n = -1;
  assert_int_equal(gp_app_delib_live_refresh(f->s, &o, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  assert_int_equal(gp_app_delib_live_refresh(f->s, &o, &n, &err), GP_OK);
  assert_int_equal(n, 0); /* current */
  cast(f->s, "buses", 2, 0, 5);
  assert_int_equal(gp_app_delib_live_refresh(f->s, &o, &n, &err), GP_OK);
  assert_int_equal(n, 1);
  /* below the live threshold nothing is refreshed */
  gp_app_delib_live_set_from(1000000);
  cast(f->s, "buses", 1, 0, 5);
  assert_int_equal(gp_app_delib_live_refresh(f->s, &o, &n, &err), GP_OK);
  assert_int_equal(n, 0);
  gp_app_delib_live_set_from(0);
  /* in the background: the analysis catches up with the votes by itself */
  assert_int_equal(gp_app_delib_live_start(f->path, 0.05, &err), GP_OK);
  assert_int_equal(gp_app_delib_live_start(f->path, 0.05, &err), GP_ECONFLICT);
  cast(f->s, "buses", 3, 1, 5);
  long revision = -1, at = -2;
  for (int i = 0; i < 200 && at != revision; i++) {
    usleep(20000);
    assert_int_equal(gp_store_delib_revision(f->s, "buses", &revision, &err), GP_OK);
    assert_int_equal(gp_store_delib_analysis_revision(f->s, "buses", &at, &err), GP_OK);
  }
  gp_app_delib_live_stop();
  gp_app_delib_live_stop(); /* twice is harmless */
  assert_int_equal(at, revision);
  json_t *doc;
  assert_int_equal(gp_app_delib_results_doc(f->s, "buses", &doc, &err), GP_OK);
  assert_null(json_object_get(doc, "update")); /* nothing left to do */
  assert_int_equal(
      json_integer_value(json_object_get(
          json_object_get(json_object_get(doc, "analysis"), "conversation"), "participants")),
      26);
  json_decref(doc);
}

int main(void) {
  const char *env = getenv("GP_POLIS_DATA");
  snprintf(polis_dir, sizeof polis_dir, "%s", env ? env : "../shared/data/polis");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matrix_apply),
      cmocka_unit_test(test_state_bytes),
      cmocka_unit_test(test_map_limit),
      cmocka_unit_test_setup_teardown(test_live_fixture, setup, teardown),
      cmocka_unit_test_setup_teardown(test_live_threads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_live_refresh, setup, teardown),
      cmocka_unit_test_setup_teardown(test_live_vtaiwan, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
