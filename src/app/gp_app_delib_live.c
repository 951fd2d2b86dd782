/*
 * gp_app_delib_live — live, incremental results of a conversation (see
 * gp_app_delib_live.h for the design).
 */
#include "app/gp_app_delib_live.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/gp_app_delib.h"
#include "engine/gp_polis_gram.h"
#include "engine/gp_polis_matrix.h"
#include "io/gp_json.h"
#include "io/gp_polisio.h"
#include "io/gp_polisjson.h"
#include "store/gp_store_delib.h"
#include "store/gp_store_delib_live.h"

/* The background refresher's state. */
static struct {
  pthread_mutex_t lock; /* guards the fields below */
  pthread_cond_t wake;  /* signalled to stop */
  pthread_t thread;     /* the refresher */
  bool running;         /* started and not yet joined */
  bool stop;            /* asked to stop */
  char *db;             /* its database path (malloc'd) */
  double period;        /* seconds between refreshes */
} gp_adl_bg = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* One conversation analysed live. */
typedef struct gp_adl_conv {
  char id[65];            /* conversation id */
  pthread_mutex_t lock;   /* held during an update */
  int pins;               /* requests using the entry (guarded by the cache lock) */
  uint64_t used;          /* when last used (cache clock), for eviction */
  bool loaded;            /* the matrix reflects the event log up to seq */
  int64_t seq;            /* the last vote event folded in (-1: none) */
  int64_t last_pid;       /* the greatest participant id seen */
  size_t n_rows;          /* participants (matrix rows) */
  size_t cap_rows;        /* capacity of pids, pgroup */
  int64_t *pids;          /* n_rows: participant ids, ascending */
  int *pgroup;            /* n_rows: Pol.is's group id (-1: none) */
  size_t n_cols;          /* statements (matrix columns) */
  size_t cap_cols;        /* capacity of sids, moderated */
  int64_t *sids;          /* n_cols: statement ids, ascending */
  int *moderated;         /* n_cols: 1 approved, 0 pending, -1 rejected */
  size_t n_events;        /* vote events folded in */
  gp_polis_matrix m;      /* the votes, latest counting */
  gp_polis_gram gram;     /* Gram statistics of m (gram.n == 0: not kept) */
  gp_polis_warm warm;     /* the engine's running state (n_rows 0: none) */
  gp_arena arena;         /* owns the summary strings */
  gp_polisio_kv *summary; /* summary.csv lines of an import */
  size_t n_summary;       /* how many */
  long revision;          /* the conversation revision of doc */
  json_t *doc;            /* the last document (NULL: none yet) */
  bool warm_used;         /* the last analysis started from a running state */
  double done_at;         /* when the last update ended (monotonic seconds; 0: never);
                             written and read under the cache lock */
  double took;            /* how long it took (likewise) */
} gp_adl_conv;

static pthread_mutex_t gp_adl_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static gp_adl_conv *gp_adl_cache[GP_DELIB_LIVE_CACHE]; /* the entries (NULL: free slot) */
static uint64_t gp_adl_clock;                          /* the cache clock */
static long gp_adl_from = GP_DELIB_LIVE_FROM;          /* see gp_app_delib_live_set_from */

static double gp_adl_spacing = GP_DELIB_LIVE_SPACING; /* see gp_app_delib_live_due */

void gp_app_delib_live_set_from(long votes) { gp_adl_from = votes < 0 ? 0 : votes; }

void gp_app_delib_live_set_spacing(double factor) { gp_adl_spacing = factor < 0 ? 0 : factor; }

long gp_app_delib_live_from(void) { return gp_adl_from; }

static double gp_adl_now(void);

/* Forgets what entry c holds (keeps its id and lock). */
static void gp_adl_clear(gp_adl_conv *c) {
  free(c->pids);
  free(c->pgroup);
  free(c->sids);
  free(c->moderated);
  gp_polis_matrix_free(&c->m);
  gp_polis_gram_free(&c->gram);
  gp_polis_warm_free(&c->warm);
  gp_arena_free(&c->arena);
  free(c->summary);
  json_decref(c->doc);
  c->pids = NULL;
  c->pgroup = NULL;
  c->sids = NULL;
  c->moderated = NULL;
  c->summary = NULL;
  c->n_summary = 0;
  c->doc = NULL;
  c->loaded = false;
  c->seq = -1;
  c->last_pid = INT64_MIN;
  c->n_rows = c->cap_rows = c->n_cols = c->cap_cols = c->n_events = 0;
  c->revision = -1;
  c->warm_used = false;
}

static void gp_adl_destroy(gp_adl_conv *c) {
  gp_adl_clear(c);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

/* The entry of conversation id, pinned (gp_adl_release unpins it): the
 * cached one, or a new one in a free slot or in place of the least recently
 * used unpinned entry. NULL when out of memory. */
static gp_adl_conv *gp_adl_acquire(const char *id) {
  pthread_mutex_lock(&gp_adl_cache_lock);
  gp_adl_conv *c = NULL;
  int slot = -1;
  for (int i = 0; i < GP_DELIB_LIVE_CACHE && !c; i++)
    if (gp_adl_cache[i] && !strcmp(gp_adl_cache[i]->id, id)) c = gp_adl_cache[i];
  if (!c) {
    for (int i = 0; i < GP_DELIB_LIVE_CACHE && slot < 0; i++)
      if (!gp_adl_cache[i]) slot = i;
    for (int i = 0; i < GP_DELIB_LIVE_CACHE && slot < 0; i++)
      if (gp_adl_cache[i]->pins == 0 &&
          (slot < 0 || gp_adl_cache[i]->used < gp_adl_cache[slot]->used))
        slot = i;
    c = calloc(1, sizeof *c);
    if (c) {
      snprintf(c->id, sizeof c->id, "%s", id);
      pthread_mutex_init(&c->lock, NULL);
      gp_adl_clear(c);
      if (slot >= 0) {
        if (gp_adl_cache[slot]) gp_adl_destroy(gp_adl_cache[slot]);
        gp_adl_cache[slot] = c;
      }
      /* every slot pinned: c is used once, uncached (freed on release) */
    }
  }
  if (c) {
    c->pins++;
    c->used = ++gp_adl_clock;
  }
  pthread_mutex_unlock(&gp_adl_cache_lock);
  return c;
}

static void gp_adl_release(gp_adl_conv *c) {
  pthread_mutex_lock(&gp_adl_cache_lock);
  c->pins--;
  bool cached = false;
  for (int i = 0; i < GP_DELIB_LIVE_CACHE; i++)
    cached = cached || gp_adl_cache[i] == c;
  if (!cached && c->pins == 0) gp_adl_destroy(c);
  pthread_mutex_unlock(&gp_adl_cache_lock);
}

bool gp_app_delib_live_due(const char *id) {
  bool due = true;
  double now = gp_adl_now();
  pthread_mutex_lock(&gp_adl_cache_lock);
  for (int i = 0; i < GP_DELIB_LIVE_CACHE; i++) {
    const gp_adl_conv *c = gp_adl_cache[i];
    if (c && !strcmp(c->id, id) && c->done_at > 0)
      due = now - c->done_at >= gp_adl_spacing * c->took;
  }
  pthread_mutex_unlock(&gp_adl_cache_lock);
  return due;
}

void gp_app_delib_live_reset(void) {
  pthread_mutex_lock(&gp_adl_cache_lock);
  for (int i = 0; i < GP_DELIB_LIVE_CACHE; i++)
    if (gp_adl_cache[i] && gp_adl_cache[i]->pins == 0) {
      gp_adl_destroy(gp_adl_cache[i]);
      gp_adl_cache[i] = NULL;
    }
  pthread_mutex_unlock(&gp_adl_cache_lock);
}

/* ---- reading what changed ---- */

/* What one read collects. */
typedef struct gp_adl_read {
  gp_adl_conv *c;         /* the entry being brought up to date */
  gp_polis_event *ev;     /* new vote events (participant and statement as indices) */
  size_t n_ev;            /* how many */
  size_t cap_ev;          /* capacity */
  int64_t max_seq;        /* the greatest seq read */
  size_t statements_seen; /* statements listed by the store */
  bool changed;           /* a statement or its moderation changed */
  bool grew;              /* participants or statements were added */
  bool reset;             /* ids are not as an update expects: rebuild */
  bool oom;               /* out of memory */
} gp_adl_read;

/* Grows *p (of elements of size sz) to hold at least n; false when out of memory. */
static bool gp_adl_grow(void **p, size_t *cap, size_t n, size_t sz) {
  if (n <= *cap) return true;
  size_t nc = *cap ? *cap : 64;
  while (nc < n)
    nc *= 2;
  void *q = realloc(*p, nc * sz);
  if (!q) return false;
  *p = q;
  *cap = nc;
  return true;
}

/* Index of id in the ascending array a[0..n), or -1. */
static long gp_adl_find(const int64_t *a, size_t n, int64_t id) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (a[mid] < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && a[lo] == id ? (long)lo : -1;
}

static int gp_adl_status(const char *s) {
  return !strcmp(s, "approved") ? 1 : !strcmp(s, "rejected") ? -1 : 0;
}

static void gp_adl_statement_cb(void *ctx, int64_t id, const char *status) {
  gp_adl_read *r = ctx;
  gp_adl_conv *c = r->c;
  int mod = gp_adl_status(status ? status : "");
  r->statements_seen++;
  long j = gp_adl_find(c->sids, c->n_cols, id);
  if (j >= 0) {
    if (c->moderated[j] != mod) r->changed = true;
    c->moderated[j] = mod;
    return;
  }
  if (c->n_cols > 0 && id < c->sids[c->n_cols - 1]) { /* not appended: rebuild */
    r->reset = true;
    return;
  }
  size_t cap = c->cap_cols;
  if (!gp_adl_grow((void **)&c->sids, &cap, c->n_cols + 1, sizeof *c->sids) ||
      !gp_adl_grow((void **)&c->moderated, &c->cap_cols, c->n_cols + 1, sizeof *c->moderated)) {
    r->oom = true;
    return;
  }
  c->sids[c->n_cols] = id;
  c->moderated[c->n_cols] = mod;
  c->n_cols++;
  r->changed = r->grew = true;
}

static void gp_adl_participant_cb(void *ctx, int64_t id, int polis_group) {
  gp_adl_read *r = ctx;
  gp_adl_conv *c = r->c;
  size_t cap = c->cap_rows;
  if (!gp_adl_grow((void **)&c->pids, &cap, c->n_rows + 1, sizeof *c->pids) ||
      !gp_adl_grow((void **)&c->pgroup, &c->cap_rows, c->n_rows + 1, sizeof *c->pgroup)) {
    r->oom = true;
    return;
  }
  c->pids[c->n_rows] = id;
  c->pgroup[c->n_rows] = polis_group;
  c->n_rows++;
  c->last_pid = id;
  r->grew = true;
}

static void gp_adl_vote_cb(void *ctx, int64_t seq, int64_t participant, int64_t statement, int vote,
                           int64_t ms) {
  gp_adl_read *r = ctx;
  gp_adl_conv *c = r->c;
  long i = gp_adl_find(c->pids, c->n_rows, participant);
  long j = gp_adl_find(c->sids, c->n_cols, statement);
  if (i < 0 || j < 0 || vote < -1 || vote > 1) {
    r->reset = true;
    return;
  }
  if (!gp_adl_grow((void **)&r->ev, &r->cap_ev, r->n_ev + 1, sizeof *r->ev)) {
    r->oom = true;
    return;
  }
  r->ev[r->n_ev++] = (gp_polis_event){
      .time = ms, .participant = (uint32_t)i, .statement = (uint32_t)j, .vote = (int8_t)vote};
  if (seq > r->max_seq) r->max_seq = seq;
}

static void gp_adl_summary_cb(void *ctx, const char *key, const char *value) {
  gp_adl_read *r = ctx;
  gp_adl_conv *c = r->c;
  if (c->loaded) return; /* read once, on the first update */
  gp_polisio_kv *kv = realloc(c->summary, (c->n_summary + 1) * sizeof *kv);
  char *k = gp_arena_strdup(&c->arena, key ? key : "");
  char *v = gp_arena_strdup(&c->arena, value ? value : "");
  if (!kv || !k || !v) {
    if (kv) c->summary = kv;
    r->oom = true;
    return;
  }
  c->summary = kv;
  c->summary[c->n_summary++] = (gp_polisio_kv){k, v};
}

/* Reads what changed since the entry's last update into *r. */
static gp_code gp_adl_read_changes(gp_store *s, gp_adl_conv *c, gp_adl_read *r, long *revision,
                                   gp_error *err) {
  memset(r, 0, sizeof *r);
  r->c = c;
  r->max_seq = c->seq;
  gp_delib_live_sink k = {.ctx = r,
                          .statement = gp_adl_statement_cb,
                          .participant = gp_adl_participant_cb,
                          .vote = gp_adl_vote_cb,
                          .summary = gp_adl_summary_cb};
  gp_code rc = gp_store_delib_live_read(s, c->id, c->seq, c->last_pid, &k, revision, err);
  if (!rc && r->oom) rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  if (!rc && r->statements_seen != c->n_cols) r->reset = true; /* a statement went away */
  return rc;
}

/* ---- the analysis ---- */

/* The export-shaped view of the entry that the document needs (ids,
 * moderation, Pol.is's groups, summary, the number of vote events); its
 * arrays are the caller's to free (free(x->comments), free(x->participants)). */
static gp_code gp_adl_view(const gp_adl_conv *c, gp_polisio_export *x, gp_error *err) {
  memset(x, 0, sizeof *x);
  x->comments = calloc(c->n_cols + 1, sizeof *x->comments);
  x->participants = calloc(c->n_rows + 1, sizeof *x->participants);
  if (!x->comments || !x->participants) {
    free(x->comments);
    free(x->participants);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (size_t j = 0; j < c->n_cols; j++)
    x->comments[j] = (gp_polisio_comment){
        .id = c->sids[j], .moderated = c->moderated[j], .datetime = "", .body = "", .author = -1};
  for (size_t i = 0; i < c->n_rows; i++) {
    x->participants[i] = (gp_polisio_participant){.id = c->pids[i], .group_id = c->pgroup[i]};
    if (c->pgroup[i] >= 0) x->has_groups = true;
  }
  x->n_comments = c->n_cols;
  x->n_participants = c->n_rows;
  x->n_votes = c->n_events;
  x->summary = c->summary;
  x->n_summary = c->n_summary;
  return GP_OK;
}

/* Analyses the entry's matrix (from its running state when it has one, else
 * from scratch with the in-conversation replay over `first`), keeps the new
 * running state, and builds the document into c->doc. */
static gp_code gp_adl_analyse(gp_adl_conv *c, const int64_t *first, const gp_polis_opts *o,
                              gp_error *err) {
  bool *mod_out = calloc(c->n_cols + 1, sizeof *mod_out);
  if (!mod_out) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  for (size_t j = 0; j < c->n_cols; j++)
    mod_out[j] = c->moderated[j] < 0;
  bool warm = c->warm.n_rows > 0 && c->warm.n_rows <= c->n_rows && c->warm.n_cols <= c->n_cols;
  gp_polis_input in = {.m = &c->m,
                       .mod_out = mod_out,
                       .first = warm ? NULL : first,
                       .warm = warm ? &c->warm : NULL,
                       .stats = c->gram.n == c->n_cols && c->n_cols > 0 ? &c->gram : NULL};
  gp_polis_result r;
  gp_code rc = gp_polis_analyse(&in, o, &r, err);
  free(mod_out);
  c->warm_used = warm;
  if (rc) return rc;
  gp_polisio_export x;
  rc = gp_polis_warm_save(&r, &c->warm, err);
  if (!rc) rc = gp_adl_view(c, &x, err);
  if (!rc) {
    json_t *d = gp_polisjson_analysis_ex(&x, &r, o, NULL, GP_DELIB_MAP_MAX);
    free(x.comments);
    free(x.participants);
    if (!d) rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    json_decref(c->doc);
    c->doc = d;
  }
  gp_polis_result_free(&r);
  return rc;
}

/* Keeps the document and the running state in the store, together. */
static gp_code gp_adl_keep(gp_store *s, gp_adl_conv *c, uint64_t seed, gp_error *err) {
  unsigned char *bytes = NULL;
  size_t len = 0;
  gp_code rc = gp_polis_warm_pack(&c->warm, &bytes, &len, err);
  if (!rc) rc = gp_store_begin(s, err);
  if (!rc) {
    rc = gp_app_delib_keep(s, c->id, c->revision, seed, c->doc, err);
    if (!rc) rc = gp_store_delib_live_state_save(s, c->id, c->seq, c->revision, bytes, len, err);
    if (rc)
      gp_store_rollback(s);
    else
      rc = gp_store_commit(s, err);
  }
  free(bytes);
  return rc;
}

/* The Gram statistics of c->m, formed afresh (or none beyond their limit). */
static gp_code gp_adl_gram_fresh(gp_adl_conv *c, int threads, gp_error *err) {
  gp_polis_gram_free(&c->gram);
  if (c->n_cols == 0 || c->n_cols > GP_POLIS_GRAM_MAX) return GP_OK;
  gp_code rc = gp_polis_gram_init(&c->gram, c->n_cols, err);
  if (!rc) gp_polis_gram_add(&c->gram, &c->m, +1, threads);
  return rc;
}

/* A first update: the matrix from every event; the kept running state if
 * there is one (and, when nothing happened since it was kept, the kept
 * document), else the from-scratch analysis. */
static gp_code gp_adl_first(gp_store *s, gp_adl_conv *c, const gp_adl_read *rd,
                            const gp_polis_opts *o, bool *analysed, gp_error *err) {
  gp_code rc = gp_polis_matrix_from_events_mt(rd->ev, rd->n_ev, c->n_rows, c->n_cols,
                                              o->threads > 0 ? o->threads : 1, &c->m, err);
  if (rc) return rc;
  c->n_events = rd->n_ev;
  c->seq = rd->max_seq;
  c->loaded = true;
  if ((rc = gp_adl_gram_fresh(c, o->threads > 0 ? o->threads : 1, err))) return rc;
  /* the running state kept by an earlier process, if it fits */
  unsigned char *bytes = NULL;
  size_t len = 0;
  int64_t kept_seq = -1;
  gp_error e2;
  gp_error_clear(&e2);
  if (gp_store_delib_live_state_load(s, c->id, &bytes, &len, &kept_seq, &e2) == GP_OK) {
    gp_polis_warm w;
    if (gp_polis_warm_unpack(bytes, len, &w, &e2) == GP_OK && w.n_rows <= c->n_rows &&
        w.n_cols <= c->n_cols) {
      gp_polis_warm_free(&c->warm);
      c->warm = w;
    } else {
      gp_polis_warm_free(&w);
    }
  }
  free(bytes);
  if (c->warm.n_rows > 0 && kept_seq == c->seq) {
    char *text = NULL;
    long at = -1;
    if (gp_store_delib_analysis_last(s, c->id, &text, &at, &e2) == GP_OK && at == c->revision)
      c->doc = json_loads(text, 0, NULL);
    free(text);
    if (c->doc) return GP_OK; /* nothing new since the kept state */
  }
  int64_t *first = NULL;
  if (c->warm.n_rows == 0) { /* from scratch: replay who is in the conversation over time */
    first = malloc((c->m.nnz + 1) * sizeof *first);
    if (!first) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    gp_polis_matrix_first_times(&c->m, rd->ev, rd->n_ev, first);
  }
  rc = gp_adl_analyse(c, first, o, err);
  free(first);
  *analysed = rc == GP_OK;
  return rc;
}

/* A later update: the new events cast on the matrix, the Gram statistics
 * brought up to date, the analysis from the running state. */
static gp_code gp_adl_next(gp_adl_conv *c, const gp_adl_read *rd, const gp_polis_opts *o,
                           bool *analysed, gp_error *err) {
  gp_polis_matrix after;
  gp_code rc = gp_polis_matrix_apply(&c->m, rd->ev, rd->n_ev, c->n_rows, c->n_cols, &after, err);
  if (rc) return rc;
  if (c->gram.n == c->n_cols && c->n_cols > 0) gp_polis_gram_update(&c->gram, &c->m, &after);
  gp_polis_matrix_free(&c->m);
  c->m = after;
  c->n_events += rd->n_ev;
  c->seq = rd->max_seq;
  if (c->gram.n != c->n_cols && (rc = gp_adl_gram_fresh(c, o->threads > 0 ? o->threads : 1, err)))
    return rc;
  rc = gp_adl_analyse(c, NULL, o, err);
  *analysed = rc == GP_OK;
  return rc;
}

static double gp_adl_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The update of gp_app_delib_live_update, with the entry locked. */
static gp_code gp_adl_update(gp_store *s, gp_adl_conv *c, const gp_polis_opts *o,
                             gp_delib_live_info *info, gp_error *err) {
  gp_adl_read rd;
  long revision = 0;
  if (c->loaded && c->warm.n_rows == 0) gp_adl_clear(c); /* never analysed: from scratch */
  bool first = !c->loaded;
  gp_code rc = gp_adl_read_changes(s, c, &rd, &revision, err);
  if (!rc && rd.reset && !first) { /* ids not appended: start again from the whole log */
    free(rd.ev);
    gp_adl_clear(c);
    info->rebuilt = true;
    first = true;
    rc = gp_adl_read_changes(s, c, &rd, &revision, err);
  }
  if (!rc && rd.reset)
    rc = gp_fail(err, GP_EINTERNAL, c->id, "conversation '%s': a vote names an unknown statement",
                 c->id);
  if (rc) {
    free(rd.ev);
    gp_adl_clear(c);
    return rc;
  }
  info->new_events = (long)rd.n_ev;
  bool analysed = false;
  if (first) {
    info->rebuilt = true;
    c->revision = revision;
    rc = gp_adl_first(s, c, &rd, o, &analysed, err);
    info->incremental = analysed && c->warm_used;
  } else if (rd.n_ev > 0 || rd.changed || rd.grew || !c->doc) {
    c->revision = revision;
    rc = gp_adl_next(c, &rd, o, &analysed, err);
    info->incremental = analysed && c->warm_used;
  } else {
    c->revision = revision; /* nothing the analysis reads has changed: same document */
    rc = gp_app_delib_keep(s, c->id, revision, o->seed, c->doc, err);
  }
  free(rd.ev);
  if (rc && rc != GP_EINVAL) {
    gp_adl_clear(c); /* something went wrong half way: rebuild next time */
    return rc;
  }
  if (!rc && analysed) rc = gp_adl_keep(s, c, o->seed, err);
  if (!rc && !c->doc) rc = gp_fail(err, GP_EINVAL, NULL, "the conversation cannot be analysed yet");
  info->participants = (long)c->n_rows;
  info->statements = (long)c->n_cols;
  return rc;
}

gp_code gp_app_delib_live_update(gp_store *s, const char *id, const gp_polis_opts *o, json_t **doc,
                                 gp_delib_live_info *info, gp_error *err) {
  if (doc) *doc = NULL;
  gp_delib_live_info dummy;
  if (!info) info = &dummy;
  memset(info, 0, sizeof *info);
  double t0 = gp_adl_now();
  gp_adl_conv *c = gp_adl_acquire(id);
  if (!c) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  pthread_mutex_lock(&c->lock);
  gp_code rc = gp_adl_update(s, c, o, info, err);
  if (!rc && doc) *doc = json_incref(c->doc);
  info->seconds = gp_adl_now() - t0;
  pthread_mutex_lock(&gp_adl_cache_lock); /* read by gp_app_delib_live_due under it */
  c->done_at = t0 + info->seconds;
  c->took = info->seconds;
  pthread_mutex_unlock(&gp_adl_cache_lock);
  pthread_mutex_unlock(&c->lock);
  gp_adl_release(c);
  return rc;
}

/* ---- refreshing in the background ---- */

/* A conversation that may need a refresh. */
typedef struct gp_adl_due {
  char id[65];   /* its id */
  long revision; /* its revision */
} gp_adl_due;

/* The conversations seen by gp_app_delib_live_refresh's listing. */
typedef struct gp_adl_list {
  gp_adl_due *items; /* live conversations (enough vote events) */
  size_t n;          /* how many */
  size_t cap;        /* capacity */
  bool oom;          /* out of memory */
} gp_adl_list;

static void gp_adl_list_cb(void *ctx, const gp_delib_conv_row *row) {
  gp_adl_list *l = ctx;
  if (row->n_votes < gp_adl_from) return;
  if (!gp_adl_grow((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items)) {
    l->oom = true;
    return;
  }
  snprintf(l->items[l->n].id, sizeof l->items[l->n].id, "%s", row->meta.id);
  l->items[l->n].revision = row->revision;
  l->n++;
}

gp_code gp_app_delib_live_refresh(gp_store *s, const gp_polis_opts *o, long *updated,
                                  gp_error *err) {
  if (updated) *updated = 0;
  gp_adl_list l = {0};
  gp_code rc = gp_store_delib_list(s, gp_adl_list_cb, &l, err);
  if (!rc && l.oom) rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  gp_code first = rc;
  for (size_t i = 0; !rc && i < l.n; i++) {
    long at = -1;
    gp_error e2;
    gp_error_clear(&e2);
    if (gp_store_delib_analysis_revision(s, l.items[i].id, &at, &e2) == GP_OK &&
        at == l.items[i].revision)
      continue; /* current */
    if (!gp_app_delib_live_due(l.items[i].id)) continue;
    json_t *doc = NULL;
    gp_code one = gp_app_delib_live_update(s, l.items[i].id, o, &doc, NULL, &e2);
    json_decref(doc);
    if (one == GP_OK && updated) (*updated)++;
    if (one && one != GP_EINVAL && !first) { /* EINVAL: too few votes yet, not an error */
      first = one;
      if (err) *err = e2;
    }
  }
  free(l.items);
  return first;
}

static void *gp_adl_bg_run(void *arg) {
  (void)arg;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  gp_store *s = NULL;
  gp_error err;
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = 1;
  pthread_mutex_lock(&gp_adl_bg.lock);
  while (!gp_adl_bg.stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    double t = (double)until.tv_sec + 1e-9 * (double)until.tv_nsec + gp_adl_bg.period;
    until.tv_sec = (time_t)t;
    until.tv_nsec = (long)((t - (double)until.tv_sec) * 1e9);
    pthread_cond_timedwait(&gp_adl_bg.wake, &gp_adl_bg.lock, &until);
    if (gp_adl_bg.stop) break;
    pthread_mutex_unlock(&gp_adl_bg.lock);
    if (!s && gp_store_open(gp_adl_bg.db, false, &s, &err)) s = NULL; /* try again next time */
    if (s) gp_app_delib_live_refresh(s, &o, NULL, &err);
    pthread_mutex_lock(&gp_adl_bg.lock);
  }
  pthread_mutex_unlock(&gp_adl_bg.lock);
  if (s) gp_store_close(s);
  return NULL;
}

gp_code gp_app_delib_live_start(const char *db, double period, gp_error *err) {
  pthread_mutex_lock(&gp_adl_bg.lock);
  if (gp_adl_bg.running) {
    pthread_mutex_unlock(&gp_adl_bg.lock);
    return gp_fail(err, GP_ECONFLICT, NULL, "the live refresher is running already");
  }
  gp_adl_bg.db = strdup(db);
  gp_adl_bg.period = period > 0 ? period : 1.0;
  gp_adl_bg.stop = false;
  bool ok = gp_adl_bg.db && pthread_create(&gp_adl_bg.thread, NULL, gp_adl_bg_run, NULL) == 0;
  gp_adl_bg.running = ok;
  if (!ok) {
    free(gp_adl_bg.db);
    gp_adl_bg.db = NULL;
  }
  pthread_mutex_unlock(&gp_adl_bg.lock);
  return ok ? GP_OK : gp_fail(err, GP_EINTERNAL, NULL, "cannot start the live refresher");
}

void gp_app_delib_live_stop(void) {
  pthread_mutex_lock(&gp_adl_bg.lock);
  if (!gp_adl_bg.running) {
    pthread_mutex_unlock(&gp_adl_bg.lock);
    return;
  }
  gp_adl_bg.stop = true;
  pthread_cond_signal(&gp_adl_bg.wake);
  pthread_mutex_unlock(&gp_adl_bg.lock);
  pthread_join(gp_adl_bg.thread, NULL);
  pthread_mutex_lock(&gp_adl_bg.lock);
  gp_adl_bg.running = false;
  free(gp_adl_bg.db);
  gp_adl_bg.db = NULL;
  pthread_mutex_unlock(&gp_adl_bg.lock);
}
