/*
 * gp_store_sqlite — the SQLite backend of the storage interface (gp_store.h).
 *
 * One database file in WAL mode, foreign keys on, a busy timeout so that
 * the server's worker threads and a CLI import can share it. Migrations
 * (src/store/migrations/NNN_*.sql, compiled in) are applied in order at
 * open, each in its own transaction, and recorded in schema_migrations.
 *
 * Every statement uses bound parameters. Statements used in loops (the
 * import's upsert) are prepared once per import.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "store/gp_migrations.h"
#include "store/gp_store.h"

enum { GP_SQ_CACHE = 64 };

/* A prepared statement kept for reuse, keyed by its SQL text's address
 * (every statement here is a string literal). */
typedef struct gp_sq_cached {
  const char *sql;  /* the literal it was prepared from; NULL: free slot */
  sqlite3_stmt *st; /* the statement */
  bool busy;        /* handed out and not yet released */
} gp_sq_cached;

typedef struct gp_sqlite {
  gp_store base;                   /* must be first: the interface's head */
  sqlite3 *db;                     /* the connection */
  gp_sq_cached cache[GP_SQ_CACHE]; /* prepared statements kept for reuse */
} gp_sqlite;

struct gp_obs_import {
  gp_store *store;               /* must be first (gp_store.c's gp_obs_import_head) */
  gp_sqlite *sq;                 /* the backend */
  sqlite3_stmt *upsert;          /* the prepared observation upsert */
  sqlite3_stmt *insert;          /* the plain insert for rows after the series' last period */
  sqlite3_stmt *last;            /* the series' last stored period start */
  sqlite3_stmt *series;          /* the prepared series lookup-or-insert */
  sqlite3_int64 id;              /* this import's id */
  char now[40];                  /* the import's time */
  char *metric_id;               /* the metric (malloc'd) */
  sqlite3_int64 series_id;       /* the last series used (-1: none) */
  sqlite3_int64 series_last;     /* its last period start stored before this import (or
                                    INT64_MIN): rows after it cannot meet a stored row */
  size_t last_cap;               /* slots in last_key/last_val (a power of 2, or 0) */
  size_t last_n;                 /* series remembered there */
  sqlite3_int64 *last_key;       /* series ids (-1: empty slot) */
  sqlite3_int64 *last_val;       /* their last period start before this import */
  gp_breakdown_kind series_kind; /* its breakdown kind */
  char series_key[4100];         /* its breakdown value */
  long rows;                     /* rows put */
  long changed;                  /* rows inserted or updated */
};

static gp_sqlite *gp_sq(gp_store *s) { return (gp_sqlite *)s; }

/* The current UTC time as ISO 8601 with microseconds. */
static void gp_now(char buf[40]) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  time_t t = tv.tv_sec;
  gmtime_r(&t, &tm);
  snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
}

static gp_code gp_sq_fail(gp_sqlite *sq, gp_error *err, const char *what) {
  return gp_fail(err, GP_ESTORE, NULL, "database error (%s): %s", what, sqlite3_errmsg(sq->db));
}

static gp_code gp_sq_exec(gp_sqlite *sq, const char *sql, gp_error *err) {
  char *msg = NULL;
  if (sqlite3_exec(sq->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    gp_fail(err, GP_ESTORE, NULL, "database error: %s", msg ? msg : "?");
    sqlite3_free(msg);
    return GP_ESTORE;
  }
  return GP_OK;
}

/* A statement for sql, from the cache when one is free there. Release it
 * with gp_sq_finalize. */
static gp_code gp_sq_prepare(gp_sqlite *sq, const char *sql, sqlite3_stmt **st, gp_error *err) {
  gp_sq_cached *free_slot = NULL;
  for (int i = 0; i < GP_SQ_CACHE; i++) {
    gp_sq_cached *c = &sq->cache[i];
    if (c->sql == sql && !c->busy) {
      c->busy = true;
      *st = c->st;
      return GP_OK;
    }
    if (!c->sql && !free_slot) free_slot = c;
  }
  if (sqlite3_prepare_v3(sq->db, sql, -1, free_slot ? SQLITE_PREPARE_PERSISTENT : 0, st, NULL) !=
      SQLITE_OK)
    return gp_sq_fail(sq, err, sql);
  if (free_slot) *free_slot = (gp_sq_cached){sql, *st, true};
  return GP_OK;
}

/* Releases a statement from gp_sq_prepare: a cached one is reset for the
 * next use (so it holds no read transaction open), any other finalized.
 * NULL is allowed. */
static void gp_sq_finalize(gp_sqlite *sq, sqlite3_stmt *st) {
  if (!st) return;
  for (int i = 0; i < GP_SQ_CACHE; i++)
    if (sq->cache[i].st == st) {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      sq->cache[i].busy = false;
      return;
    }
  sqlite3_finalize(st);
}

static void gp_bind_text(sqlite3_stmt *st, int i, const char *s) {
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

static const char *gp_col_text(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

/* ---- migrations ------------------------------------------------------------ */

static gp_code gp_sq_migrate(gp_sqlite *sq, gp_error *err) {
  gp_code rc = gp_sq_exec(sq,
                          "CREATE TABLE IF NOT EXISTS schema_migrations ("
                          " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
                          err);
  if (rc) return rc;
  for (const gp_migration *m = gp_migrations; m->name; m++) {
    sqlite3_stmt *st;
    if ((rc = gp_sq_prepare(sq, "SELECT 1 FROM schema_migrations WHERE name = ?", &st, err)))
      return rc;
    gp_bind_text(st, 1, m->name);
    bool done = sqlite3_step(st) == SQLITE_ROW;
    gp_sq_finalize(sq, st);
    if (done) continue;
    if ((rc = gp_sq_exec(sq, "BEGIN IMMEDIATE", err))) return rc;
    if ((rc = gp_sq_exec(sq, m->sql, err))) {
      gp_error_prefix_path(err, m->name);
      gp_sq_exec(sq, "ROLLBACK", NULL);
      return rc;
    }
    char now[40];
    gp_now(now);
    if ((rc = gp_sq_prepare(sq, "INSERT INTO schema_migrations VALUES (?, ?)", &st, err))) {
      gp_sq_exec(sq, "ROLLBACK", NULL);
      return rc;
    }
    gp_bind_text(st, 1, m->name);
    gp_bind_text(st, 2, now);
    int r = sqlite3_step(st);
    gp_sq_finalize(sq, st);
    if (r != SQLITE_DONE) {
      rc = gp_sq_fail(sq, err, "recording a migration");
      gp_sq_exec(sq, "ROLLBACK", NULL);
      return rc;
    }
    if ((rc = gp_sq_exec(sq, "COMMIT", err))) return rc;
  }
  return GP_OK;
}

/* ---- lifecycle and transactions -------------------------------------------- */

static void gp_sq_close(gp_store *s) {
  gp_sqlite *sq = gp_sq(s);
  for (int i = 0; i < GP_SQ_CACHE; i++)
    sqlite3_finalize(sq->cache[i].st);
  sqlite3_close(sq->db);
  free(sq);
}

static gp_code gp_sq_begin(gp_store *s, gp_error *err) {
  return gp_sq_exec(gp_sq(s), "BEGIN IMMEDIATE", err);
}
static gp_code gp_sq_commit(gp_store *s, gp_error *err) {
  return gp_sq_exec(gp_sq(s), "COMMIT", err);
}
static void gp_sq_rollback(gp_store *s) { gp_sq_exec(gp_sq(s), "ROLLBACK", NULL); }

/* ---- missions and plans ------------------------------------------------------ */

static gp_code gp_sq_missions(gp_store *s, bool include_unpublished, gp_mission_list **out,
                              gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  gp_code rc = gp_sq_prepare(sq,
                             "SELECT id, title, vision, kind, lead, start, horizon, published,"
                             " attribution, plan_version FROM missions"
                             " WHERE published = 1 OR ?1 ORDER BY position",
                             &st, err);
  if (rc) return rc;
  sqlite3_bind_int(st, 1, include_unpublished);
  gp_arena a = GP_ARENA_INIT;
  gp_mission_list *l = gp_arena_alloc(&a, sizeof *l);
  size_t cap = 0;
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    if (l->n == cap) {
      cap = cap ? cap * 2 : 16;
      gp_mission_row *nr = gp_arena_alloc(&a, cap * sizeof *nr);
      if (l->n) memcpy(nr, l->row, l->n * sizeof *nr);
      l->row = nr;
    }
    gp_mission_row *row = &l->row[l->n++];
    gp_mission *m = &row->mission;
    m->id = gp_arena_strdup(&a, gp_col_text(st, 0));
    m->title = gp_arena_strdup(&a, gp_col_text(st, 1));
    m->vision = gp_arena_strdup(&a, gp_col_text(st, 2));
    const char *kind = gp_col_text(st, 3);
    m->has_kind = kind != NULL;
    m->kind = GP_MISSION_MISSION;
    if (kind) gp_mission_kind_parse(kind, &m->kind);
    m->lead = gp_arena_strdup(&a, gp_col_text(st, 4));
    m->start = gp_arena_strdup(&a, gp_col_text(st, 5));
    m->horizon = gp_arena_strdup(&a, gp_col_text(st, 6));
    row->published = sqlite3_column_int(st, 7) != 0;
    row->attribution = gp_arena_strdup(&a, gp_col_text(st, 8));
    row->plan_version = sqlite3_column_int64(st, 9);
  }
  gp_sq_finalize(sq, st);
  if (r != SQLITE_DONE) {
    gp_arena_free(&a);
    return gp_sq_fail(sq, err, "listing missions");
  }
  l->arena = a;
  *out = l;
  return GP_OK;
}

static gp_code gp_sq_plan_version(gp_store *s, const char *mission_id, long version, char **doc,
                                  long *version_out, gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  gp_code rc = gp_sq_prepare(sq,
                             "SELECT document, version FROM plan_versions WHERE mission_id = ?1"
                             " AND (version = ?2 OR ?2 <= 0) ORDER BY version DESC LIMIT 1",
                             &st, err);
  if (rc) return rc;
  gp_bind_text(st, 1, mission_id);
  sqlite3_bind_int64(st, 2, version);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    *doc = strdup(gp_col_text(st, 0));
    if (version_out) *version_out = sqlite3_column_int64(st, 1);
    gp_sq_finalize(sq, st);
    return *doc ? GP_OK : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  gp_sq_finalize(sq, st);
  if (r != SQLITE_DONE) return gp_sq_fail(sq, err, "reading a plan");
  if (version > 0)
    return gp_fail(err, GP_ENOTFOUND, mission_id, "no plan version %ld of mission '%s'", version,
                   mission_id);
  return gp_fail(err, GP_ENOTFOUND, mission_id, "no mission '%s'", mission_id);
}

static gp_code gp_sq_mission_exists(gp_store *s, const char *mission_id, bool *exists,
                                    bool *published, gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  gp_code rc = gp_sq_prepare(sq, "SELECT published FROM missions WHERE id = ?", &st, err);
  if (rc) return rc;
  gp_bind_text(st, 1, mission_id);
  int r = sqlite3_step(st);
  *exists = r == SQLITE_ROW;
  if (published) *published = *exists && sqlite3_column_int(st, 0) != 0;
  gp_sq_finalize(sq, st);
  if (r != SQLITE_ROW && r != SQLITE_DONE) return gp_sq_fail(sq, err, "finding a mission");
  return GP_OK;
}

/* Runs a one-shot statement with text parameters (NULL-terminated list).
 * *changes (may be NULL) receives the rows changed. */
static gp_code gp_sq_run(gp_sqlite *sq, const char *sql, gp_error *err, int *changes, ...) {
  sqlite3_stmt *st;
  gp_code rc = gp_sq_prepare(sq, sql, &st, err);
  if (rc) return rc;
  va_list ap;
  va_start(ap, changes);
  int n = sqlite3_bind_parameter_count(st);
  for (int i = 1; i <= n; i++)
    gp_bind_text(st, i, va_arg(ap, const char *));
  va_end(ap);
  int r = sqlite3_step(st);
  gp_sq_finalize(sq, st);
  if (r != SQLITE_DONE && r != SQLITE_ROW) return gp_sq_fail(sq, err, "writing");
  if (changes) *changes = sqlite3_changes(sq->db);
  return GP_OK;
}

static bool gp_in_list(const char *id, const char *const *ids, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(ids[i], id)) return true;
  return false;
}

static gp_code gp_sq_plan_save(gp_store *s, const gp_plan *p, const gp_plan_save *save,
                               gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  const gp_mission *m = &p->mission;
  char now[40];
  gp_now(now);
  sqlite3_stmt *st = NULL;
  gp_code rc;
  /* The mission row. */
  if ((rc = gp_sq_prepare(sq,
                          "INSERT INTO missions (id, title, vision, kind, lead, start, horizon,"
                          " position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                          " (SELECT COALESCE(MAX(position), 0) + 1 FROM missions))"
                          " ON CONFLICT(id) DO UPDATE SET title = ?2, vision = ?3, kind = ?4,"
                          " lead = ?5, start = ?6, horizon = ?7",
                          &st, err)))
    return rc;
  gp_bind_text(st, 1, m->id);
  gp_bind_text(st, 2, m->title);
  gp_bind_text(st, 3, m->vision);
  gp_bind_text(st, 4, m->has_kind ? gp_mission_kind_name(m->kind) : NULL);
  gp_bind_text(st, 5, m->lead);
  gp_bind_text(st, 6, m->start);
  gp_bind_text(st, 7, m->horizon);
  int r = sqlite3_step(st);
  gp_sq_finalize(sq, st);
  if (r != SQLITE_DONE) return gp_sq_fail(sq, err, "saving the mission");

  /* Metrics: refuse ids owned by another mission. */
  for (size_t i = 0; i < p->nmetrics; i++) {
    const gp_metric *me = &p->metrics[i];
    if ((rc = gp_sq_prepare(sq, "SELECT mission_id FROM metrics WHERE id = ?", &st, err)))
      return rc;
    gp_bind_text(st, 1, me->id);
    if (sqlite3_step(st) == SQLITE_ROW && strcmp(gp_col_text(st, 0), m->id)) {
      char path[64];
      snprintf(path, sizeof path, "plan.metrics[%zu].id", i);
      rc = gp_fail(err, GP_ECONFLICT, path, "metric '%s' belongs to mission '%s'", me->id,
                   gp_col_text(st, 0));
      gp_sq_finalize(sq, st);
      return rc;
    }
    gp_sq_finalize(sq, st);
    if ((rc = gp_sq_prepare(sq,
                            "INSERT INTO metrics (id, mission_id, position, name, unit, direction,"
                            " frequency, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                            " ON CONFLICT(id) DO UPDATE SET position = ?3, name = ?4, unit = ?5,"
                            " direction = ?6, frequency = ?7, source = ?8",
                            &st, err)))
      return rc;
    gp_bind_text(st, 1, me->id);
    gp_bind_text(st, 2, m->id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
    gp_bind_text(st, 4, me->name);
    gp_bind_text(st, 5, me->unit);
    gp_bind_text(st, 6, gp_direction_name(me->direction));
    gp_bind_text(st, 7, me->frequency);
    gp_bind_text(st, 8, me->source);
    r = sqlite3_step(st);
    gp_sq_finalize(sq, st);
    if (r != SQLITE_DONE) return gp_sq_fail(sq, err, "saving a metric");
  }

  /* Targets: revisions for rebaselined ones, then upsert, then delete the rest. */
  for (size_t i = 0; i < p->ntargets; i++) {
    const gp_target *t = &p->targets[i];
    if (gp_in_list(t->id, save->rebaselined, save->nrebaselined)) {
      if ((rc = gp_sq_run(sq,
                          "INSERT INTO target_revisions SELECT mission_id, id, version,"
                          " baseline_period, baseline_value, target_period, target_value, ?3, ?4"
                          " FROM targets WHERE mission_id = ?1 AND id = ?2",
                          err, NULL, m->id, t->id, save->reason ? save->reason : "", now)))
        return rc;
    }
    if ((rc = gp_sq_prepare(sq,
                            "INSERT INTO targets (mission_id, id, position, metric_id, kind,"
                            " baseline_period, baseline_value, target_period, target_value)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                            " ON CONFLICT(mission_id, id) DO UPDATE SET position = ?3,"
                            " metric_id = ?4, kind = ?5, baseline_period = ?6,"
                            " baseline_value = ?7, target_period = ?8, target_value = ?9,"
                            " version = version + ?10",
                            &st, err)))
      return rc;
    gp_bind_text(st, 1, m->id);
    gp_bind_text(st, 2, t->id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)i);
    gp_bind_text(st, 4, t->metric);
    gp_bind_text(st, 5, gp_target_kind_name(t->kind));
    gp_bind_text(st, 6, t->baseline.period);
    sqlite3_bind_double(st, 7, t->baseline.value);
    gp_bind_text(st, 8, t->target.period);
    sqlite3_bind_double(st, 9, t->target.value);
    sqlite3_bind_int(st, 10, gp_in_list(t->id, save->rebaselined, save->nrebaselined));
    r = sqlite3_step(st);
    gp_sq_finalize(sq, st);
    if (r != SQLITE_DONE) return gp_sq_fail(sq, err, "saving a target");
  }
  /* Remove targets and metrics that the plan no longer lists. */
  if ((rc = gp_sq_prepare(sq, "SELECT id FROM targets WHERE mission_id = ?", &st, err))) return rc;
  gp_bind_text(st, 1, m->id);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *id = gp_col_text(st, 0);
    bool keep = false;
    for (size_t i = 0; i < p->ntargets && !keep; i++)
      keep = !strcmp(p->targets[i].id, id);
    if (!keep && (rc = gp_sq_run(sq, "DELETE FROM targets WHERE mission_id = ? AND id = ?", err,
                                 NULL, m->id, id))) {
      gp_sq_finalize(sq, st);
      return rc;
    }
  }
  gp_sq_finalize(sq, st);
  if ((rc = gp_sq_prepare(sq,
                          "SELECT id, (SELECT COUNT(*) FROM observations o JOIN series r ON r.id ="
                          " o.series_id WHERE r.metric_id = metrics.id) FROM metrics"
                          " WHERE mission_id = ?",
                          &st, err)))
    return rc;
  gp_bind_text(st, 1, m->id);
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *id = gp_col_text(st, 0);
    if (gp_plan_metric(p, id)) continue;
    if (sqlite3_column_int64(st, 1) > 0) {
      rc = gp_fail(err, GP_ECONFLICT, "plan.metrics",
                   "metric '%s' is no longer in the plan but has %lld observations; keep it in "
                   "the plan",
                   id, (long long)sqlite3_column_int64(st, 1));
      gp_sq_finalize(sq, st);
      return rc;
    }
    if ((rc = gp_sq_run(sq, "DELETE FROM metrics WHERE id = ?", err, NULL, id))) {
      gp_sq_finalize(sq, st);
      return rc;
    }
  }
  gp_sq_finalize(sq, st);

  /* A new plan version, unless the document is unchanged. */
  char *cur = NULL;
  long ver = 0;
  gp_error ignore;
  if (gp_sq_plan_version(s, m->id, 0, &cur, &ver, &ignore) == GP_OK &&
      !strcmp(cur, save->document)) {
    free(cur);
    return GP_OK;
  }
  free(cur);
  char vbuf[24];
  snprintf(vbuf, sizeof vbuf, "%ld", ver + 1);
  if ((rc = gp_sq_run(sq,
                      "INSERT INTO plan_versions (mission_id, version, created_at, actor, reason,"
                      " document) VALUES (?, ?, ?, ?, ?, ?)",
                      err, NULL, m->id, vbuf, now, save->actor ? save->actor : "unknown",
                      save->reason, save->document)))
    return rc;
  return gp_sq_run(sq, "UPDATE missions SET plan_version = ? WHERE id = ?", err, NULL, vbuf, m->id);
}

static gp_code gp_sq_mission_publish(gp_store *s, const char *mission_id, bool published,
                                     gp_error *err) {
  int changes = 0;
  gp_code rc = gp_sq_run(gp_sq(s), "UPDATE missions SET published = ? WHERE id = ?", err, &changes,
                         published ? "1" : "0", mission_id);
  if (rc) return rc;
  if (!changes) return gp_fail(err, GP_ENOTFOUND, mission_id, "no mission '%s'", mission_id);
  return GP_OK;
}

static gp_code gp_sq_mission_attribution(gp_store *s, const char *mission_id, const char *text,
                                         gp_error *err) {
  int changes = 0;
  gp_code rc = gp_sq_run(gp_sq(s), "UPDATE missions SET attribution = ? WHERE id = ?", err,
                         &changes, text, mission_id);
  if (rc) return rc;
  if (!changes) return gp_fail(err, GP_ENOTFOUND, mission_id, "no mission '%s'", mission_id);
  return GP_OK;
}

static gp_code gp_sq_target_rebaseline(gp_store *s, const char *mission_id, const char *target_id,
                                       gp_rebaseline *out, gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  memset(out, 0, sizeof *out);
  gp_code rc = gp_sq_prepare(sq,
                             "SELECT reason, replaced_at, baseline_period, baseline_value,"
                             " target_period, target_value FROM target_revisions"
                             " WHERE mission_id = ? AND target_id = ? ORDER BY version DESC"
                             " LIMIT 1",
                             &st, err);
  if (rc) return rc;
  gp_bind_text(st, 1, mission_id);
  gp_bind_text(st, 2, target_id);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    out->found = true;
    snprintf(out->reason, sizeof out->reason, "%s", gp_col_text(st, 0));
    snprintf(out->changed_at, sizeof out->changed_at, "%s", gp_col_text(st, 1));
    snprintf(out->prev_text[0], GP_PERIOD_MAX, "%s", gp_col_text(st, 2));
    snprintf(out->prev_text[1], GP_PERIOD_MAX, "%s", gp_col_text(st, 4));
    out->baseline.period = out->prev_text[0];
    out->baseline.value = sqlite3_column_double(st, 3);
    out->target.period = out->prev_text[1];
    out->target.value = sqlite3_column_double(st, 5);
    gp_period_parse_str(out->baseline.period, &out->baseline.parsed, NULL, NULL);
    gp_period_parse_str(out->target.period, &out->target.parsed, NULL, NULL);
  }
  gp_sq_finalize(sq, st);
  if (r != SQLITE_ROW && r != SQLITE_DONE) return gp_sq_fail(sq, err, "reading a rebaseline");
  return GP_OK;
}

/* ---- metrics ------------------------------------------------------------------ */

static gp_code gp_sq_metric_get(gp_store *s, const char *metric_id, gp_arena *a, gp_metric *out,
                                char *mission_id, gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  gp_code rc = gp_sq_prepare(sq,
                             "SELECT id, name, unit, direction, frequency, source, mission_id"
                             " FROM metrics WHERE id = ?",
                             &st, err);
  if (rc) return rc;
  gp_bind_text(st, 1, metric_id);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    out->id = gp_arena_strdup(a, gp_col_text(st, 0));
    out->name = gp_arena_strdup(a, gp_col_text(st, 1));
    out->unit = gp_arena_strdup(a, gp_col_text(st, 2));
    gp_direction_parse(gp_col_text(st, 3), &out->direction);
    out->frequency = gp_arena_strdup(a, gp_col_text(st, 4));
    out->source = gp_arena_strdup(a, gp_col_text(st, 5));
    if (mission_id) snprintf(mission_id, 65, "%s", gp_col_text(st, 6));
    gp_sq_finalize(sq, st);
    return GP_OK;
  }
  gp_sq_finalize(sq, st);
  if (r != SQLITE_DONE) return gp_sq_fail(sq, err, "reading a metric");
  return gp_fail(err, GP_ENOTFOUND, "metric", "no metric '%s'", metric_id);
}

static gp_code gp_sq_metric_breakdowns(gp_store *s, const char *metric_id,
                                       void (*cb)(void *, const char *, const char *), void *ctx,
                                       gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  gp_code rc = gp_sq_prepare(sq,
                             "SELECT breakdown_kind, breakdown FROM series s WHERE metric_id = ?"
                             " AND breakdown_kind <> '' AND EXISTS (SELECT 1 FROM observations o"
                             " WHERE o.series_id = s.id) ORDER BY breakdown_kind, breakdown",
                             &st, err);
  if (rc) return rc;
  gp_bind_text(st, 1, metric_id);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW)
    cb(ctx, gp_col_text(st, 0), gp_col_text(st, 1));
  gp_sq_finalize(sq, st);
  return r == SQLITE_DONE ? GP_OK : gp_sq_fail(sq, err, "listing breakdowns");
}

/* ---- observations --------------------------------------------------------------- */

/* The columns every observation query selects, in gp_sq_obs_row's order. */
#define GP_OBS_COLS                                                                                \
  "s.breakdown_kind, s.breakdown, o.period, o.value, o.lower, o.upper, o.n, i.source,"             \
  " i.started_at"

/* Fills o from a row of GP_OBS_COLS[, superseded_at]. */
static void gp_sq_obs_row(sqlite3_stmt *st, const char *metric_id, gp_observation *o,
                          bool revision) {
  memset(o, 0, sizeof *o);
  o->metric_id = metric_id;
  gp_breakdown_kind_parse(gp_col_text(st, 0), &o->kind);
  o->breakdown = o->kind ? gp_col_text(st, 1) : NULL;
  const char *p = gp_col_text(st, 2);
  gp_period_parse(p, strlen(p), &o->period);
  o->value = sqlite3_column_double(st, 3);
  if ((o->has_lower = sqlite3_column_type(st, 4) != SQLITE_NULL))
    o->lower = sqlite3_column_double(st, 4);
  if ((o->has_upper = sqlite3_column_type(st, 5) != SQLITE_NULL))
    o->upper = sqlite3_column_double(st, 5);
  if ((o->has_n = sqlite3_column_type(st, 6) != SQLITE_NULL))
    o->n = (long)sqlite3_column_int64(st, 6);
  o->source = gp_col_text(st, 7);
  o->recorded_at = gp_col_text(st, 8);
  if (revision) o->superseded_at = gp_col_text(st, 9);
}

static gp_code gp_sq_obs_list(gp_store *s, const char *metric_id, const gp_obs_filter *f,
                              void (*cb)(void *, const gp_observation *, bool), void *ctx,
                              gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st, *rv = NULL;
  static const char *const full =
      "SELECT " GP_OBS_COLS ", o.series_id, o.period_start"
      " FROM series s JOIN observations o ON o.series_id = s.id"
      " JOIN imports i ON i.id = o.import_id"
      " WHERE s.metric_id = ?1 AND (?2 OR s.breakdown = COALESCE(?3, ''))"
      " AND o.period_start < ?4"
      " ORDER BY s.breakdown_kind, s.breakdown, o.period_start, o.period";
  /* Only the breakdown, period and value: no join per row, fewer columns. */
  static const char *const lean =
      "SELECT s.breakdown_kind, s.breakdown, o.period, o.value, NULL, NULL, NULL, NULL, NULL"
      " FROM series s JOIN observations o ON o.series_id = s.id"
      " WHERE s.metric_id = ?1 AND (?2 OR s.breakdown = COALESCE(?3, ''))"
      " AND o.period_start < ?4"
      " ORDER BY s.breakdown_kind, s.breakdown, o.period_start, o.period";
  gp_code rc = gp_sq_prepare(sq, f->values_only && !f->history ? lean : full, &st, err);
  if (rc) return rc;
  if (f->history &&
      (rc = gp_sq_prepare(sq,
                          "SELECT " GP_OBS_COLS ", n2.started_at"
                          " FROM observation_revisions o JOIN series s ON s.id = o.series_id"
                          " JOIN imports i ON i.id = o.import_id"
                          " JOIN imports n2 ON n2.id = o.superseded_by"
                          " WHERE o.series_id = ?1 AND o.period_start = ?2 AND o.period = ?3"
                          " ORDER BY o.superseded_by",
                          &rv, err))) {
    gp_sq_finalize(sq, st);
    return rc;
  }
  gp_bind_text(st, 1, metric_id);
  sqlite3_bind_int(st, 2, f->all_breakdowns);
  gp_bind_text(st, 3, f->breakdown);
  sqlite3_bind_int(st, 4, f->until_day);
  int r;
  gp_observation o;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    gp_sq_obs_row(st, metric_id, &o, false);
    cb(ctx, &o, false);
    if (!rv) continue;
    sqlite3_reset(rv);
    sqlite3_bind_value(rv, 1, sqlite3_column_value(st, 9));
    sqlite3_bind_value(rv, 2, sqlite3_column_value(st, 10));
    sqlite3_bind_value(rv, 3, sqlite3_column_value(st, 2));
    while (sqlite3_step(rv) == SQLITE_ROW) {
      gp_sq_obs_row(rv, metric_id, &o, true);
      cb(ctx, &o, true);
    }
  }
  gp_sq_finalize(sq, st);
  gp_sq_finalize(sq, rv);
  return r == SQLITE_DONE ? GP_OK : gp_sq_fail(sq, err, "listing observations");
}

static gp_code gp_sq_obs_counts(gp_store *s, const char *metric_id, long *total, long *broken_down,
                                gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  gp_code rc = gp_sq_prepare(sq,
                             "SELECT COUNT(*), COUNT(*) FILTER (WHERE s.breakdown_kind <> '')"
                             " FROM series s JOIN observations o ON o.series_id = s.id"
                             " WHERE s.metric_id = ?",
                             &st, err);
  if (rc) return rc;
  gp_bind_text(st, 1, metric_id);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    *total = (long)sqlite3_column_int64(st, 0);
    *broken_down = (long)sqlite3_column_int64(st, 1);
  }
  gp_sq_finalize(sq, st);
  return r == SQLITE_ROW ? GP_OK : gp_sq_fail(sq, err, "counting observations");
}

static long gp_sq_count_revisions(gp_sqlite *sq, sqlite3_int64 import_id) {
  sqlite3_stmt *st;
  long n = 0;
  if (sqlite3_prepare_v2(sq->db,
                         "SELECT COUNT(*) FROM observation_revisions WHERE superseded_by = ?", -1,
                         &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, import_id);
    if (sqlite3_step(st) == SQLITE_ROW) n = (long)sqlite3_column_int64(st, 0);
    gp_sq_finalize(sq, st);
  }
  return n;
}

static gp_code gp_sq_import_begin(gp_store *s, const char *metric_id, const char *file,
                                  const char *source, gp_obs_import **out, gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  *out = NULL;
  gp_arena tmp = GP_ARENA_INIT;
  gp_metric m;
  gp_code rc = gp_sq_metric_get(s, metric_id, &tmp, &m, NULL, err);
  gp_arena_free(&tmp);
  if (rc) return rc;
  gp_obs_import *imp = calloc(1, sizeof *imp);
  if (!imp) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  imp->store = s;
  imp->sq = sq;
  imp->metric_id = strdup(metric_id);
  imp->series_id = -1;
  gp_now(imp->now);
  if ((rc = gp_store_begin(s, err))) goto fail;
  if ((rc = gp_sq_run(sq,
                      "INSERT INTO imports (metric_id, file, source, started_at)"
                      " VALUES (?, ?, ?, ?)",
                      err, NULL, metric_id, file, source, imp->now)))
    goto fail_tx;
  imp->id = sqlite3_last_insert_rowid(sq->db);
  if ((rc = gp_sq_prepare(
           sq,
           "INSERT INTO observations (series_id, period_start, period, value, lower, upper, n,"
           " import_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
           " ON CONFLICT(series_id, period_start, period) DO UPDATE SET"
           " value = excluded.value, lower = excluded.lower, upper = excluded.upper,"
           " n = excluded.n, import_id = excluded.import_id"
           " WHERE observations.import_id = excluded.import_id"
           " OR observations.value IS NOT excluded.value"
           " OR observations.lower IS NOT excluded.lower"
           " OR observations.upper IS NOT excluded.upper OR observations.n IS NOT excluded.n",
           &imp->upsert, err)))
    goto fail_tx;
  /* Appending is the common case (a new month of data): a row whose period
   * starts after the last one stored for its series before this import
   * cannot meet a stored row, so it takes a plain insert, a third cheaper
   * than the upsert. A duplicate within the file still fails the insert's
   * key and is then put through the upsert, whose trigger reports it. */
  if ((rc = gp_sq_prepare(sq,
                          "INSERT INTO observations (series_id, period_start, period, value,"
                          " lower, upper, n, import_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                          &imp->insert, err)))
    goto fail_tx;
  if ((rc = gp_sq_prepare(sq, "SELECT max(period_start) FROM observations WHERE series_id = ?1",
                          &imp->last, err)))
    goto fail_tx;
  if ((rc = gp_sq_prepare(sq,
                          "INSERT INTO series (metric_id, breakdown_kind, breakdown)"
                          " VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET metric_id = ?1"
                          " RETURNING id",
                          &imp->series, err)))
    goto fail_tx;
  sqlite3_bind_int64(imp->upsert, 8, imp->id);
  sqlite3_bind_int64(imp->insert, 8, imp->id);
  *out = imp;
  return GP_OK;
fail_tx:
  gp_sq_finalize(imp->sq, imp->upsert);
  gp_sq_finalize(imp->sq, imp->insert);
  gp_sq_finalize(imp->sq, imp->last);
  gp_sq_finalize(imp->sq, imp->series);
  gp_store_rollback(s);
fail:
  free(imp->metric_id);
  free(imp);
  return rc;
}

/* Sets imp->series_last for imp->series_id: the last period start stored
 * before this import, read once per series at its first row in the import
 * (before this import has written any of its rows) and remembered in a
 * small hash table, so files that move between series stay linear. */
static gp_code gp_sq_series_last(gp_obs_import *imp, gp_error *err) {
  sqlite3_int64 id = imp->series_id;
  size_t mask = imp->last_cap - 1;
  for (size_t h = imp->last_cap ? ((size_t)id * 0x9E3779B97F4A7C15ULL) & mask : 0;
       imp->last_cap && imp->last_key[h] >= 0; h = (h + 1) & mask)
    if (imp->last_key[h] == id) {
      imp->series_last = imp->last_val[h];
      return GP_OK;
    }
  sqlite3_stmt *st = imp->last;
  sqlite3_bind_int64(st, 1, id);
  int r = sqlite3_step(st);
  imp->series_last = r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL
                         ? sqlite3_column_int64(st, 0)
                         : INT64_MIN;
  sqlite3_reset(st);
  if (r != SQLITE_ROW) return gp_sq_fail(imp->sq, err, "finding a series' last period");
  if (2 * (imp->last_n + 1) > imp->last_cap) { /* grow, keeping the load under a half */
    size_t cap = imp->last_cap ? 2 * imp->last_cap : 64;
    sqlite3_int64 *k = malloc(cap * sizeof *k), *v = malloc(cap * sizeof *v);
    if (!k || !v) {
      free(k);
      free(v);
      return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < cap; i++)
      k[i] = -1;
    for (size_t i = 0; i < imp->last_cap; i++) {
      if (imp->last_key[i] < 0) continue;
      size_t h = ((size_t)imp->last_key[i] * 0x9E3779B97F4A7C15ULL) & (cap - 1);
      while (k[h] >= 0)
        h = (h + 1) & (cap - 1);
      k[h] = imp->last_key[i];
      v[h] = imp->last_val[i];
    }
    free(imp->last_key);
    free(imp->last_val);
    imp->last_key = k;
    imp->last_val = v;
    imp->last_cap = cap;
  }
  size_t h = ((size_t)id * 0x9E3779B97F4A7C15ULL) & (imp->last_cap - 1);
  while (imp->last_key[h] >= 0)
    h = (h + 1) & (imp->last_cap - 1);
  imp->last_key[h] = id;
  imp->last_val[h] = imp->series_last;
  imp->last_n++;
  return GP_OK;
}

/* The id of the series for (kind, breakdown), created if new. The last one
 * is remembered: rows usually come grouped by place. */
static gp_code gp_sq_series(gp_obs_import *imp, const gp_observation *o, gp_error *err) {
  const char *b = o->breakdown ? o->breakdown : "";
  if (imp->series_id >= 0 && imp->series_kind == o->kind && !strcmp(imp->series_key, b))
    return GP_OK;
  sqlite3_stmt *st = imp->series;
  sqlite3_bind_text(st, 1, imp->metric_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, gp_breakdown_kind_name(o->kind), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) imp->series_id = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (r != SQLITE_ROW) return gp_sq_fail(imp->sq, err, "finding a series");
  imp->series_kind = o->kind;
  snprintf(imp->series_key, sizeof imp->series_key, "%s", b);
  sqlite3_bind_int64(imp->upsert, 1, imp->series_id);
  sqlite3_bind_int64(imp->insert, 1, imp->series_id);
  return gp_sq_series_last(imp, err);
}

/* Binds an observation's values to an insert or the upsert (parameters 2-7). */
static void gp_sq_obs_bind(sqlite3_stmt *st, const gp_observation *o, int start,
                           const char *period) {
  sqlite3_bind_int(st, 2, start);
  sqlite3_bind_text(st, 3, period, -1, SQLITE_STATIC);
  sqlite3_bind_double(st, 4, o->value);
  if (o->has_lower)
    sqlite3_bind_double(st, 5, o->lower);
  else
    sqlite3_bind_null(st, 5);
  if (o->has_upper)
    sqlite3_bind_double(st, 6, o->upper);
  else
    sqlite3_bind_null(st, 6);
  if (o->has_n)
    sqlite3_bind_int64(st, 7, o->n);
  else
    sqlite3_bind_null(st, 7);
}

static gp_code gp_sq_import_put(gp_obs_import *imp, const gp_observation *o, gp_error *err) {
  gp_code rc = gp_sq_series(imp, o, err);
  if (rc) return rc;
  char period[GP_PERIOD_MAX];
  gp_period_format(&o->period, period);
  int start = gp_period_start_day(&o->period);
  int r;
  if (start > imp->series_last) { /* after every stored row of the series: a plain insert */
    sqlite3_stmt *ins = imp->insert;
    gp_sq_obs_bind(ins, o, start, period);
    r = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (r == SQLITE_DONE) {
      imp->rows++;
      imp->changed++;
      return GP_OK;
    }
    if (r != SQLITE_CONSTRAINT) return gp_sq_fail(imp->sq, err, "importing an observation");
    /* the key is taken: the same row earlier in this file; the upsert says so */
  }
  sqlite3_stmt *st = imp->upsert;
  gp_sq_obs_bind(st, o, start, period);
  r = sqlite3_step(st);
  sqlite3_reset(st);
  imp->rows++;
  if (r == SQLITE_DONE) {
    imp->changed += sqlite3_changes(imp->sq->db);
    return GP_OK;
  }
  if (r == SQLITE_CONSTRAINT && strstr(sqlite3_errmsg(imp->sq->db), "duplicate row"))
    return gp_fail(err, GP_ECONFLICT, NULL, "duplicate row: period %s%s%s appears twice", period,
                   o->breakdown ? " for " : "", o->breakdown ? o->breakdown : "");
  return gp_sq_fail(imp->sq, err, "importing an observation");
}

static gp_code gp_sq_import_end(gp_obs_import *imp, bool commit, gp_import_stats *stats,
                                gp_error *err) {
  gp_code rc = GP_OK;
  long revised = gp_sq_count_revisions(imp->sq, imp->id);
  gp_sq_finalize(imp->sq, imp->upsert);
  gp_sq_finalize(imp->sq, imp->insert);
  gp_sq_finalize(imp->sq, imp->last);
  gp_sq_finalize(imp->sq, imp->series);
  free(imp->last_key);
  free(imp->last_val);
  if (commit)
    rc = gp_store_commit(imp->store, err);
  else
    gp_store_rollback(imp->store);
  if (stats) {
    stats->rows = imp->rows;
    stats->revised = revised;
    stats->inserted = imp->changed - revised;
    stats->unchanged = imp->rows - imp->changed;
  }
  free(imp->metric_id);
  free(imp);
  return rc;
}

/* ---- tokens ----------------------------------------------------------------------- */

static gp_code gp_sq_token_add(gp_store *s, const unsigned char hash[32], const char *label,
                               gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  char now[40];
  gp_now(now);
  gp_code rc =
      gp_sq_prepare(sq, "INSERT INTO tokens (hash, label, created_at) VALUES (?, ?, ?)", &st, err);
  if (rc) return rc;
  sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
  gp_bind_text(st, 2, label);
  gp_bind_text(st, 3, now);
  int r = sqlite3_step(st);
  gp_sq_finalize(sq, st);
  return r == SQLITE_DONE ? GP_OK : gp_sq_fail(sq, err, "saving a token");
}

static gp_code gp_sq_token_check(gp_store *s, const unsigned char hash[32], bool *ok, char *label,
                                 gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  gp_code rc =
      gp_sq_prepare(sq, "SELECT label FROM tokens WHERE hash = ? AND revoked = 0", &st, err);
  if (rc) return rc;
  sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
  int r = sqlite3_step(st);
  *ok = r == SQLITE_ROW;
  if (*ok && label) snprintf(label, 64, "%s", gp_col_text(st, 0));
  gp_sq_finalize(sq, st);
  return (r == SQLITE_ROW || r == SQLITE_DONE) ? GP_OK : gp_sq_fail(sq, err, "checking a token");
}

/* ---- change detection ------------------------------------------------------------- */

/* PRAGMA data_version changes when another connection commits; this
 * connection's own changes show in sqlite3_total_changes64. */
static uint64_t gp_sq_data_version(gp_store *s) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  uint64_t v = 0;
  if (gp_sq_prepare(sq, "PRAGMA data_version", &st, NULL) == GP_OK) {
    if (sqlite3_step(st) == SQLITE_ROW) v = (uint64_t)sqlite3_column_int64(st, 0);
    gp_sq_finalize(sq, st);
  }
  return (v << 40) ^ (uint64_t)sqlite3_total_changes64(sq->db);
}

/* ---- plan versions and stored runs ------------------------------------------------ */

static gp_code gp_sq_plan_versions(gp_store *s, const char *mission_id,
                                   void (*cb)(void *, const gp_plan_version_row *), void *ctx,
                                   gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  gp_code rc = gp_sq_prepare(sq,
                             "SELECT version, created_at, actor, reason FROM plan_versions"
                             " WHERE mission_id = ? ORDER BY version",
                             &st, err);
  if (rc) return rc;
  gp_bind_text(st, 1, mission_id);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    gp_plan_version_row row = {(long)sqlite3_column_int64(st, 0), gp_col_text(st, 1),
                               gp_col_text(st, 2), gp_col_text(st, 3)};
    cb(ctx, &row);
  }
  gp_sq_finalize(sq, st);
  return r == SQLITE_DONE ? GP_OK : gp_sq_fail(sq, err, "listing plan versions");
}

static gp_code gp_sq_run_save(gp_store *s, const char *mission_id, const char *kind,
                              long plan_version, const char *actor, const char *params,
                              const char *document, gp_error *err) {
  char now[40], ver[24];
  gp_now(now);
  snprintf(ver, sizeof ver, "%ld", plan_version);
  return gp_sq_run(gp_sq(s),
                   "INSERT INTO analysis_runs (mission_id, kind, plan_version, created_at, actor,"
                   " params, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   err, NULL, mission_id, kind, ver, now, actor, params, document);
}

static gp_code gp_sq_run_last(gp_store *s, const char *mission_id, const char *kind, char **doc,
                              long *plan_version, char *created_at, gp_error *err) {
  gp_sqlite *sq = gp_sq(s);
  sqlite3_stmt *st;
  *doc = NULL;
  gp_code rc = gp_sq_prepare(sq,
                             "SELECT document, plan_version, created_at FROM analysis_runs"
                             " WHERE mission_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                             &st, err);
  if (rc) return rc;
  gp_bind_text(st, 1, mission_id);
  gp_bind_text(st, 2, kind);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    *doc = strdup(gp_col_text(st, 0));
    if (plan_version) *plan_version = (long)sqlite3_column_int64(st, 1);
    if (created_at) snprintf(created_at, 40, "%s", gp_col_text(st, 2));
  }
  gp_sq_finalize(sq, st);
  if (r == SQLITE_ROW) return *doc ? GP_OK : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  if (r != SQLITE_DONE) return gp_sq_fail(sq, err, "reading a stored run");
  return gp_fail(err, GP_ENOTFOUND, mission_id, "no stored %s run for mission '%s'", kind,
                 mission_id);
}

static const gp_store_ops gp_sqlite_ops = {
    .name = "sqlite",
    .close = gp_sq_close,
    .begin = gp_sq_begin,
    .commit = gp_sq_commit,
    .rollback = gp_sq_rollback,
    .missions = gp_sq_missions,
    .plan_version = gp_sq_plan_version,
    .mission_exists = gp_sq_mission_exists,
    .plan_save = gp_sq_plan_save,
    .mission_publish = gp_sq_mission_publish,
    .mission_attribution = gp_sq_mission_attribution,
    .target_rebaseline = gp_sq_target_rebaseline,
    .metric_get = gp_sq_metric_get,
    .metric_breakdowns = gp_sq_metric_breakdowns,
    .obs_list = gp_sq_obs_list,
    .obs_counts = gp_sq_obs_counts,
    .import_begin = gp_sq_import_begin,
    .import_put = gp_sq_import_put,
    .import_end = gp_sq_import_end,
    .token_add = gp_sq_token_add,
    .token_check = gp_sq_token_check,
    .data_version = gp_sq_data_version,
    .plan_versions = gp_sq_plan_versions,
    .run_save = gp_sq_run_save,
    .run_last = gp_sq_run_last,
};

struct sqlite3 *gp_store_sqlite_db(gp_store *s, gp_error *err) {
  if (!s || s->ops != &gp_sqlite_ops) {
    gp_fail(err, GP_EINTERNAL, NULL, "this needs the SQLite backend");
    return NULL;
  }
  return gp_sq(s)->db;
}

/* Process-wide SQLite settings, made once before the library starts:
 * no memory statistics (they take a global mutex on every allocation). */
static void gp_sq_configure(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

gp_code gp_store_sqlite_open(const char *path, bool create, gp_store **out, gp_error *err) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, gp_sq_configure);
  *out = NULL;
  struct stat sb;
  if (!create && stat(path, &sb) != 0)
    return gp_fail(err, GP_ENOTFOUND, path,
                   "no database here; create one with 'gameplan init --db %s'", path);
  gp_sqlite *sq = calloc(1, sizeof *sq);
  if (!sq) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  sq->base.ops = &gp_sqlite_ops;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path, &sq->db, flags, NULL) != SQLITE_OK) {
    gp_code rc = gp_fail(err, GP_ESTORE, path, "cannot open the database: %s",
                         sq->db ? sqlite3_errmsg(sq->db) : "out of memory");
    sqlite3_close(sq->db);
    free(sq);
    return rc;
  }
  sqlite3_busy_timeout(sq->db, 10000);
  gp_code rc = gp_sq_exec(sq,
                          "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                          " PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
                          " PRAGMA cache_size = -32768",
                          err);
  if (!rc) rc = gp_sq_migrate(sq, err);
  if (rc) {
    gp_error_prefix_path(err, path);
    gp_sq_close(&sq->base);
    return rc;
  }
  *out = &sq->base;
  return GP_OK;
}
