/*
 * gp_app_delib — deliberation operations over the store (see gp_app_delib.h).
 */
#include "app/gp_app_delib.h"

#include <math.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "app/gp_app.h"
#include "app/gp_app_delib_live.h"
#include "engine/gp_polis_repness.h"
#include "io/gp_json.h"
#include "io/gp_polisio.h"
#include "io/gp_polisjson.h"
#include "model/gp_graph.h"
#include "store/gp_store_delib.h"

bool gp_app_delib_id_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n < 1 || n > 64 || s[0] == '.' || s[0] == '-') return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-'))
      return false;
  }
  return true;
}

/* The value of summary key k, or NULL. */
static const char *gp_ad_summary(const gp_polisio_export *x, const char *k) {
  for (size_t i = 0; i < x->n_summary; i++)
    if (!strcmp(x->summary[i].key, k)) return x->summary[i].value;
  return NULL;
}

gp_code gp_app_delib_import(gp_store *s, const gp_delib_import_req *q, gp_delib_import_res *res,
                            gp_error *err) {
  memset(res, 0, sizeof *res);
  /* the id: given, or the directory's last component */
  if (q->id) {
    if (!gp_app_delib_id_ok(q->id))
      return gp_fail(err, GP_EINVAL, "--id",
                     "'%s' is not a conversation id (1-64 letters, digits, '.', '_', '-')", q->id);
    snprintf(res->id, sizeof res->id, "%s", q->id);
  } else {
    const char *d = q->dir;
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/')
      n--;
    size_t b = n;
    while (b > 0 && d[b - 1] != '/')
      b--;
    if (n - b == 0 || n - b > 64)
      return gp_fail(err, GP_EINVAL, "--id", "give the conversation an id with --id");
    memcpy(res->id, d + b, n - b);
    res->id[n - b] = '\0';
    if (!gp_app_delib_id_ok(res->id))
      return gp_fail(err, GP_EINVAL, "--id",
                     "the directory name '%s' is not a conversation id; give one with --id",
                     res->id);
  }
  gp_code rc;
  if (q->assumption_id &&
      (rc = gp_app_assumption_check(s, q->mission_id, q->assumption_id, NULL, NULL, err)))
    return rc;
  gp_polisio_export x;
  if ((rc = gp_polisio_read_dir(q->dir, &x, err))) return rc;
  const char *topic = gp_ad_summary(&x, "topic");
  const char *desc = gp_ad_summary(&x, "conversation-description");
  gp_delib_meta meta = {.id = res->id,
                        .title = topic && *topic ? topic : res->id,
                        .question = desc && *desc ? desc : NULL,
                        .mission_id = q->mission_id,
                        .assumption_id = q->assumption_id,
                        .source = q->dir};
  rc = gp_store_delib_import(s, &meta, &x, err);
  if (!rc) {
    res->statements = x.n_comments;
    res->participants = x.n_participants;
    res->votes = x.n_votes;
  }
  gp_polisio_free(&x);
  return rc;
}

/* Code points in UTF-8 text. */
static size_t gp_ad_chars(const char *s) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    n += (*p & 0xC0) != 0x80;
  return n;
}

/* Whether text is nothing but white space. */
static bool gp_ad_blank(const char *text) {
  const char *b = text;
  while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
    b++;
  return !*b;
}

/* Milliseconds since 1970. */
static int64_t gp_ad_now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

gp_code gp_app_delib_create(gp_store *s, const gp_delib_create_req *q, gp_error *err) {
  if (!gp_app_delib_id_ok(q->id))
    return gp_fail(err, GP_EINVAL, "id",
                   "'%s' is not a conversation id (1-64 letters, digits, '.', '_', '-')",
                   q->id ? q->id : "");
  if (!q->title || gp_ad_blank(q->title))
    return gp_fail(err, GP_EINVAL, "title", "give the conversation a title");
  if (q->n_statements > GP_DELIB_MAX_SEEDS)
    return gp_fail(err, GP_ETOOBIG, "statements", "at most %d seed statements, not %zu",
                   GP_DELIB_MAX_SEEDS, q->n_statements);
  for (size_t i = 0; i < q->n_statements; i++) {
    char path[40];
    snprintf(path, sizeof path, "statements[%zu]", i);
    const char *text = q->statements[i] ? q->statements[i] : "";
    size_t chars = gp_ad_chars(text);
    if (chars > GP_DELIB_MAX_STATEMENT)
      return gp_fail(err, GP_ETOOBIG, path,
                     "a statement has at most %d characters; this one has %zu",
                     GP_DELIB_MAX_STATEMENT, chars);
    if (gp_ad_blank(text)) return gp_fail(err, GP_EINVAL, path, "the statement is empty");
  }
  gp_code rc = gp_store_begin(s, err);
  if (rc) return rc;
  if (q->assumption_id)
    rc = gp_app_assumption_check(s, q->mission_id, q->assumption_id, "mission", "assumption", err);
  gp_delib_meta meta = {.id = q->id,
                        .title = q->title,
                        .question = q->question && !gp_ad_blank(q->question) ? q->question : NULL,
                        .mission_id = q->mission_id,
                        .assumption_id = q->assumption_id,
                        .source = NULL};
  if (!rc)
    rc = gp_store_delib_create(s, &meta, q->statements, q->n_statements, gp_ad_now_ms(), err);
  if (rc) {
    gp_store_rollback(s);
    return rc;
  }
  return gp_store_commit(s, err);
}

/* Remembers a conversation row's number of vote events. */
static void gp_ad_events_cb(void *ctx, const gp_delib_conv_row *row) {
  *(long *)ctx = row->n_votes;
}

/* Analyses x; fills *r (the caller frees it with gp_polis_result_free). */
static gp_code gp_ad_run(const gp_polisio_export *x, const gp_polis_opts *o, gp_polis_result *r,
                         gp_error *err) {
  memset(r, 0, sizeof *r);
  if (x->n_votes == 0) return gp_fail(err, GP_EINVAL, NULL, "the conversation has no votes yet");
  gp_polis_matrix m;
  bool *mod_out = NULL;
  int64_t *first = NULL;
  gp_code rc = gp_polisio_matrix_history(x, &m, &mod_out, &first, err);
  if (rc) return rc;
  gp_polis_input in = {.m = &m, .mod_out = mod_out, .is_meta = NULL, .first = first};
  rc = gp_polis_analyse(&in, o, r, err);
  free(mod_out);
  free(first);
  gp_polis_matrix_free(&m);
  return rc;
}

gp_code gp_app_delib_keep(gp_store *s, const char *id, long revision, uint64_t seed,
                          const json_t *doc, gp_error *err) {
  json_t *prio = json_object();
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(doc, "statements"), i, v) {
    json_t *sid = json_object_get(v, "statement");
    json_t *p = json_object_get(v, "priority");
    if (!json_is_integer(sid) || !json_is_number(p)) continue;
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)json_integer_value(sid));
    json_object_set(prio, key, p);
  }
  char *text = gp_json_dump(doc), *ptext = prio ? gp_json_dump(prio) : NULL;
  json_decref(prio);
  gp_code rc = text && ptext ? gp_store_delib_analysis_save(s, id, revision, seed, text, ptext, err)
                             : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  free(text);
  free(ptext);
  return rc;
}

/* Loads, analyses and keeps the analysis of id; *doc (may be NULL), with
 * every participant listed up to max_participants of them. */
static gp_code gp_ad_analyse(gp_store *s, const char *id, const gp_polis_opts *o,
                             size_t max_participants, json_t **doc, gp_error *err) {
  if (doc) *doc = NULL;
  long revision = 0;
  gp_code rc = gp_store_delib_revision(s, id, &revision, err);
  if (rc) return rc;
  gp_polisio_export x;
  if ((rc = gp_store_delib_load(s, id, &x, err))) return rc;
  gp_polis_result r;
  rc = gp_ad_run(&x, o, &r, err);
  if (!rc) {
    json_t *d = gp_polisjson_analysis_ex(&x, &r, o, NULL, max_participants);
    rc = d ? gp_app_delib_keep(s, id, revision, o->seed, d, err)
           : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    if (!rc && doc)
      *doc = d;
    else
      json_decref(d);
  }
  gp_polis_result_free(&r);
  gp_polisio_free(&x);
  return rc;
}

gp_code gp_app_delib_load(gp_store *s, const char *id, gp_polisio_export *x, gp_error *err) {
  return gp_store_delib_load(s, id, x, err);
}

gp_code gp_app_delib_analyse(gp_store *s, const char *id, const gp_polis_opts *o, json_t **doc,
                             gp_error *err) {
  return gp_ad_analyse(s, id, o, SIZE_MAX, doc, err);
}

gp_code gp_app_delib_export(gp_store *s, const char *id, const char *dir, const gp_polis_opts *o,
                            bool *grouped, gp_error *err) {
  if (grouped) *grouped = false;
  gp_polisio_export x;
  gp_code rc = gp_store_delib_load(s, id, &x, err);
  if (rc) return rc;
  int *groups = malloc((x.n_participants + 1) * sizeof *groups);
  if (!groups) {
    gp_polisio_free(&x);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (size_t i = 0; i < x.n_participants; i++)
    groups[i] = -1;
  gp_polis_result r;
  gp_error e2;
  gp_error_clear(&e2);
  gp_code arc = gp_ad_run(&x, o, &r, &e2);
  if (!arc) {
    for (size_t i = 0; i < x.n_participants && i < r.n_rows; i++)
      groups[i] = r.group[i];
    if (grouped) *grouped = true;
  } else if (arc != GP_EINVAL) {
    *err = e2;
    rc = arc;
  }
  gp_polis_result_free(&r);
  if (!rc) rc = gp_polisio_write_dir(dir, &x, groups, err);
  free(groups);
  gp_polisio_free(&x);
  return rc;
}

/* A JSON string or null. */
static json_t *gp_ad_str(const char *s) { return s ? json_string(s) : json_null(); }

/* The common members of a conversation row. */
static json_t *gp_ad_conv_json(const gp_delib_conv_row *row) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_string(row->meta.id));
  json_object_set_new(o, "title", gp_ad_str(row->meta.title));
  json_object_set_new(o, "question", gp_ad_str(row->meta.question));
  json_object_set_new(o, "mission", gp_ad_str(row->meta.mission_id));
  json_object_set_new(o, "assumption", gp_ad_str(row->meta.assumption_id));
  json_object_set_new(o, "statements", json_integer(row->n_approved));
  json_object_set_new(o, "participants", json_integer(row->n_participants));
  json_object_set_new(o, "votes", json_integer(row->n_votes));
  json_object_set_new(o, "created_at", gp_ad_str(row->created_at));
  return o;
}

static void gp_ad_list_cb(void *ctx, const gp_delib_conv_row *row) {
  json_array_append_new((json_t *)ctx, gp_ad_conv_json(row));
}

/* A visitor does not learn of a mission they may not see: the mission and
 * assumption of a conversation on an unpublished mission become null. */
static void gp_ad_redact(gp_store *s, json_t *conv, bool authed) {
  const char *m = json_string_value(json_object_get(conv, "mission"));
  if (!m || authed || gp_app_mission_visible(s, m, false, NULL) == GP_OK) return;
  json_object_set_new(conv, "mission", json_null());
  json_object_set_new(conv, "assumption", json_null());
}

gp_code gp_app_delib_list_doc(gp_store *s, bool authed, const char *mission, json_t **out,
                              gp_error *err) {
  json_t *a = json_array();
  gp_code rc = gp_store_delib_list(s, gp_ad_list_cb, a, err);
  if (rc) {
    json_decref(a);
    return rc;
  }
  size_t i;
  json_t *c;
  json_array_foreach(a, i, c) gp_ad_redact(s, c, authed);
  if (mission) {
    /* after the redaction: a visitor finds nothing under an unpublished mission */
    json_t *kept = json_array();
    json_array_foreach(a, i, c) {
      const char *m = json_string_value(json_object_get(c, "mission"));
      if (m && !strcmp(m, mission)) json_array_append(kept, c);
    }
    json_decref(a);
    a = kept;
  }
  *out = json_pack("{so}", "conversations", a);
  return GP_OK;
}

static void gp_ad_one_cb(void *ctx, const gp_delib_conv_row *row) {
  *(json_t **)ctx = gp_ad_conv_json(row);
}

static void gp_ad_stmt_cb(void *ctx, const gp_delib_statement_row *row) {
  json_array_append_new((json_t *)ctx,
                        json_pack("{sIss}", "id", (json_int_t)row->id, "text", row->body));
}

gp_code gp_app_delib_conv_doc(gp_store *s, const char *id, bool authed, json_t **out,
                              gp_error *err) {
  json_t *o = NULL;
  gp_code rc = gp_store_delib_get(s, id, gp_ad_one_cb, &o, err);
  if (rc) return rc;
  gp_ad_redact(s, o, authed);
  json_t *st = json_array();
  json_object_set_new(o, "statements", st);
  rc = gp_store_delib_statements(s, id, "approved", gp_ad_stmt_cb, st, err);
  if (rc) {
    json_decref(o);
    return rc;
  }
  json_object_set_new(o, "statement_count", json_integer((json_int_t)json_array_size(st)));
  *out = o;
  return GP_OK;
}

void gp_app_delib_new_pid(char out[GP_DELIB_PID_LEN + 1]) {
  unsigned char raw[GP_DELIB_PID_LEN / 2];
  if (sodium_init() < 0) abort();
  randombytes_buf(raw, sizeof raw);
  sodium_bin2hex(out, GP_DELIB_PID_LEN + 1, raw, sizeof raw);
}

bool gp_app_delib_pid_ok(const char *s) {
  if (!s || strlen(s) != GP_DELIB_PID_LEN) return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
  return true;
}

/* The hash under which a cookie value is stored. */
static void gp_ad_hash(const char *pid, unsigned char hash[32]) {
  crypto_generichash(hash, 32, (const unsigned char *)pid, strlen(pid), NULL, 0);
}

/* Fails with GP_ENOTFOUND unless conversation id exists; *revision. */
static gp_code gp_ad_exists(gp_store *s, const char *id, long *revision, gp_error *err) {
  long r = 0;
  gp_code rc = gp_store_delib_revision(s, id, &r, err);
  if (revision) *revision = r;
  return rc;
}

/* Statements seen while choosing the next one. */
typedef struct gp_ad_next {
  int64_t *voted;  /* statements the participant voted on (sorted after collection) */
  size_t n_voted;  /* how many */
  size_t cap;      /* capacity */
  json_t *prio;    /* statement id (text) -> priority, from the last analysis */
  int64_t *cand;   /* candidate statements (approved, not voted on), by id */
  char **text;     /* their texts (malloc'd) */
  double *weight;  /* their routing priorities */
  size_t n_cand;   /* how many */
  size_t cand_cap; /* capacity */
  size_t total;    /* approved statements */
} gp_ad_next;

static void gp_ad_voted_cb(void *ctx, int64_t statement) {
  gp_ad_next *n = ctx;
  if (n->n_voted == n->cap) {
    size_t cap = n->cap ? 2 * n->cap : 64;
    int64_t *v = realloc(n->voted, cap * sizeof *v);
    if (!v) abort();
    n->voted = v;
    n->cap = cap;
  }
  n->voted[n->n_voted++] = statement;
}

static int gp_ad_i64_cmp(const void *pa, const void *pb) {
  int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
  return a < b ? -1 : a > b;
}

static void gp_ad_next_cb(void *ctx, const gp_delib_statement_row *row) {
  gp_ad_next *n = ctx;
  n->total++;
  if (n->n_voted && bsearch(&row->id, n->voted, n->n_voted, sizeof *n->voted, gp_ad_i64_cmp))
    return;
  if (n->n_cand == n->cand_cap) {
    size_t cap = n->cand_cap ? 2 * n->cand_cap : 64;
    int64_t *c = realloc(n->cand, cap * sizeof *c);
    if (c) n->cand = c;
    char **t = c ? realloc(n->text, cap * sizeof *t) : NULL;
    if (t) n->text = t;
    double *w = t ? realloc(n->weight, cap * sizeof *w) : NULL;
    if (!w) abort();
    n->weight = w;
    n->cand_cap = cap;
  }
  char key[32];
  snprintf(key, sizeof key, "%lld", (long long)row->id);
  json_t *p = n->prio ? json_object_get(n->prio, key) : NULL;
  /* newer than the analysis: the priority of a statement nobody has voted on */
  double prio =
      p && json_is_number(p) ? json_number_value(p) : gp_polis_priority(false, 0, 0, 0, 0.0);
  n->cand[n->n_cand] = row->id;
  n->text[n->n_cand] = strdup(row->body ? row->body : "");
  n->weight[n->n_cand] = prio;
  n->n_cand++;
}

double gp_app_delib_uniform(void) {
  uint64_t r;
  if (sodium_init() < 0) abort();
  randombytes_buf(&r, sizeof r);
  return (double)(r >> 11) * 0x1.0p-53;
}

/* The priorities of the last analysis as an object: id -> priority (kept
 * apart from the document, so this reads a few kilobytes). NULL if none. */
static json_t *gp_ad_priorities(gp_store *s, const char *id) {
  char *text = NULL;
  gp_error e;
  if (gp_store_delib_priorities(s, id, &text, &e)) return NULL;
  json_t *out = json_loads(text, 0, NULL);
  free(text);
  return json_is_object(out) ? out : (json_decref(out), NULL);
}

gp_code gp_app_delib_next_doc(gp_store *s, const char *id, const char *pid, double u, json_t **out,
                              gp_error *err) {
  gp_code rc = gp_ad_exists(s, id, NULL, err);
  if (rc) return rc;
  gp_ad_next n = {0};
  int64_t p = -1;
  bool *cand = NULL;
  if (pid) {
    unsigned char hash[32];
    gp_ad_hash(pid, hash);
    if ((rc = gp_store_delib_participant(s, id, hash, false, &p, err))) return rc;
  }
  if (p >= 0 && (rc = gp_store_delib_voted(s, id, p, gp_ad_voted_cb, &n, err))) goto out;
  if (n.n_voted) qsort(n.voted, n.n_voted, sizeof *n.voted, gp_ad_i64_cmp);
  n.prio = gp_ad_priorities(s, id);
  if ((rc = gp_store_delib_statements(s, id, "approved", gp_ad_next_cb, &n, err))) goto out;
  cand = malloc((n.n_cand + 1) * sizeof *cand);
  if (!cand) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto out;
  }
  for (size_t k = 0; k < n.n_cand; k++)
    cand[k] = true;
  long pick = gp_polis_route(n.weight, cand, n.n_cand, u < 0 ? 0 : u >= 1 ? 0 : u);
  json_t *st = pick >= 0 ? json_pack("{sIss}", "id", (json_int_t)n.cand[pick], "text", n.text[pick])
                         : json_null();
  *out = json_pack("{sosIsIsI}", "statement", st, "remaining", (json_int_t)n.n_cand, "voted",
                   (json_int_t)(n.total - n.n_cand), "total", (json_int_t)n.total);
out:
  free(cand);
  json_decref(n.prio);
  free(n.voted);
  for (size_t k = 0; k < n.n_cand; k++)
    free(n.text[k]);
  free(n.text);
  free(n.cand);
  free(n.weight);
  return rc;
}

/* The participant of cookie value pid, created if new. */
static gp_code gp_ad_participant(gp_store *s, const char *id, const char *pid, int64_t *p,
                                 gp_error *err) {
  if (!gp_app_delib_pid_ok(pid)) return gp_fail(err, GP_EINVAL, "gp_pid", "no participant cookie");
  unsigned char hash[32];
  gp_ad_hash(pid, hash);
  return gp_store_delib_participant(s, id, hash, true, p, err);
}

gp_code gp_app_delib_vote(gp_store *s, const char *id, const char *pid, int64_t statement, int vote,
                          gp_error *err) {
  if (vote < -1 || vote > 1)
    return gp_fail(err, GP_EINVAL, "body.vote", "a vote is -1 (disagree), 0 (pass) or 1 (agree)");
  gp_code rc = gp_ad_exists(s, id, NULL, err);
  if (rc) return rc;
  if ((rc = gp_store_begin(s, err))) return rc;
  int64_t p;
  rc = gp_ad_participant(s, id, pid, &p, err);
  if (!rc) rc = gp_store_delib_vote_add(s, id, p, statement, vote, gp_ad_now_ms(), err);
  if (rc) {
    gp_store_rollback(s);
    return rc;
  }
  return gp_store_commit(s, err);
}

gp_code gp_app_delib_statement(gp_store *s, const char *id, const char *pid, const char *text,
                               bool approved, int64_t *sid, gp_error *err) {
  size_t chars = gp_ad_chars(text);
  if (chars > GP_DELIB_MAX_STATEMENT)
    return gp_fail(err, GP_ETOOBIG, "body.text",
                   "a statement has at most %d characters; this one has %zu",
                   GP_DELIB_MAX_STATEMENT, chars);
  if (gp_ad_blank(text)) return gp_fail(err, GP_EINVAL, "body.text", "the statement is empty");
  gp_code rc = gp_ad_exists(s, id, NULL, err);
  if (rc) return rc;
  if ((rc = gp_store_begin(s, err))) return rc;
  int64_t p = -1; /* the team's statement has no participant author */
  if (!approved) rc = gp_ad_participant(s, id, pid, &p, err);
  if (!rc) rc = gp_store_delib_statement_add(s, id, p, text, approved, gp_ad_now_ms(), sid, err);
  if (rc) {
    gp_store_rollback(s);
    return rc;
  }
  return gp_store_commit(s, err);
}

/* The moderation queue being built. */
typedef struct gp_ad_mod {
  json_t *pending; /* pending statements */
  long approved;   /* approved count */
  long rejected;   /* rejected count */
} gp_ad_mod;

static void gp_ad_mod_cb(void *ctx, const gp_delib_statement_row *row) {
  gp_ad_mod *m = ctx;
  if (!strcmp(row->status, "approved")) {
    m->approved++;
  } else if (!strcmp(row->status, "rejected")) {
    m->rejected++;
  } else {
    json_array_append_new(m->pending, json_pack("{sIsssIsI}", "id", (json_int_t)row->id, "text",
                                                row->body, "author", (json_int_t)row->author_id,
                                                "created_ms", (json_int_t)row->created_ms));
  }
}

gp_code gp_app_delib_moderation_doc(gp_store *s, const char *id, json_t **out, gp_error *err) {
  gp_code rc = gp_ad_exists(s, id, NULL, err);
  if (rc) return rc;
  gp_ad_mod m = {.pending = json_array()};
  if ((rc = gp_store_delib_statements(s, id, NULL, gp_ad_mod_cb, &m, err))) {
    json_decref(m.pending);
    return rc;
  }
  *out = json_pack("{sssosIsI}", "conversation", id, "pending", m.pending, "approved",
                   (json_int_t)m.approved, "rejected", (json_int_t)m.rejected);
  return GP_OK;
}

gp_code gp_app_delib_moderate(gp_store *s, const char *id, int64_t statement, const char *status,
                              gp_error *err) {
  gp_code rc = gp_ad_exists(s, id, NULL, err);
  if (rc) return rc;
  return gp_store_delib_moderate(s, id, statement, status, err);
}

gp_code gp_app_delib_results_doc(gp_store *s, const char *id, json_t **out, gp_error *err) {
  long revision = 0, at = -1;
  gp_code rc = gp_ad_exists(s, id, &revision, err);
  if (rc) return rc;
  char *text = NULL;
  gp_error e2;
  json_t *analysis = NULL;
  bool stale = false;
  if (gp_store_delib_analysis_last(s, id, &text, &at, &e2) == GP_OK) {
    /* current; or a live conversation whose last update ended too recently
     * to start another: served as it is, marked stale */
    stale = at != revision && !gp_app_delib_live_due(id);
    if (at == revision || stale) analysis = json_loads(text, 0, NULL);
  }
  free(text);
  const char *message = NULL;
  json_t *update = NULL;
  if (!analysis) {
    gp_polis_opts o = gp_polis_opts_default();
    o.threads = 1;
    gp_error_clear(&e2);
    long events = 0;
    if ((rc = gp_store_delib_get(s, id, gp_ad_events_cb, &events, err))) return rc;
    if (events >= gp_app_delib_live_from()) { /* large: the running update */
      gp_delib_live_info info;
      rc = gp_app_delib_live_update(s, id, &o, &analysis, &info, &e2);
      update = json_pack("{sssIsf}", "mode", info.incremental ? "incremental" : "full",
                         "new_events", (json_int_t)info.new_events, "seconds", info.seconds);
    } else {
      rc = gp_ad_analyse(s, id, &o, GP_DELIB_MAP_MAX, &analysis, &e2);
    }
    if (rc == GP_EINVAL) {
      message = e2.message;
    } else if (rc) {
      *err = e2;
      json_decref(update);
      return rc;
    }
  }
  *out = json_pack("{sssIsbso}", "conversation", id, "revision", (json_int_t)revision, "ready",
                   analysis != NULL, "analysis", analysis ? analysis : json_null());
  if (message) json_object_set_new(*out, "message", json_string(message));
  if (update) json_object_set_new(*out, "update", update);
  if (stale && analysis) {
    json_object_set_new(*out, "stale", json_true());
    json_object_set_new(*out, "analysed_revision", json_integer(at));
  }
  return GP_OK;
}
