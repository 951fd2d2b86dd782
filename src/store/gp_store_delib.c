/*
 * gp_store_delib — deliberation conversations in SQLite (see
 * gp_store_delib.h; schema in migrations/060_deliberation.sql).
 */
#include "store/gp_store_delib.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Fails with the connection's message, naming what was being done. */
static gp_code gp_dl_fail(sqlite3 *db, gp_error *err, const char *what) {
  return gp_fail(err, GP_ESTORE, NULL, "database error (%s): %s", what, sqlite3_errmsg(db));
}

/* Prepares sql into *st. */
static gp_code gp_dl_prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, gp_error *err) {
  if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) return gp_dl_fail(db, err, sql);
  return GP_OK;
}

/* Binds a string or NULL. */
static void gp_dl_text(sqlite3_stmt *st, int i, const char *s) {
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

/* The current time as ISO 8601 UTC (out: 32 bytes). */
static void gp_dl_now(char *out) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Runs one statement without parameters. */
static gp_code gp_dl_exec(sqlite3 *db, const char *sql, gp_error *err) {
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) return gp_dl_fail(db, err, sql);
  return GP_OK;
}

/* Starts a unit of work: its own transaction when none is open (BEGIN
 * IMMEDIATE for writes, so that a writer waits for another instead of
 * failing on the upgrade; BEGIN for reads), else a savepoint inside the
 * caller's. *own says which, for gp_dl_end. */
static gp_code gp_dl_begin(sqlite3 *db, bool write, bool *own, gp_error *err) {
  *own = sqlite3_get_autocommit(db) != 0;
  if (*own) return gp_dl_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN", err);
  return gp_dl_exec(db, "SAVEPOINT gp_delib", err);
}

/* Ends the unit of work: keeps it when rc is GP_OK, else undoes it. */
static gp_code gp_dl_end(sqlite3 *db, bool own, gp_code rc, gp_error *err) {
  if (own) {
    if (rc) {
      sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
      return rc;
    }
    gp_code c = gp_dl_exec(db, "COMMIT", err);
    if (c) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return c;
  }
  if (rc) {
    sqlite3_exec(db, "ROLLBACK TO gp_delib", NULL, NULL, NULL);
    sqlite3_exec(db, "RELEASE gp_delib", NULL, NULL, NULL);
    return rc;
  }
  return gp_dl_exec(db, "RELEASE gp_delib", err);
}

/* Steps a write statement to completion and finalizes it. */
static gp_code gp_dl_done(sqlite3 *db, sqlite3_stmt *st, const char *what, gp_error *err) {
  int r = sqlite3_step(st);
  gp_code rc = r == SQLITE_DONE ? GP_OK : gp_dl_fail(db, err, what);
  sqlite3_finalize(st);
  return rc;
}

static const char *gp_dl_status_of(int moderated) {
  return moderated > 0 ? "approved" : moderated < 0 ? "rejected" : "pending";
}

static int gp_dl_moderated_of(const char *status) {
  return !strcmp(status, "approved") ? 1 : !strcmp(status, "rejected") ? -1 : 0;
}

/* Bumps the conversation's revision. */
static gp_code gp_dl_bump(sqlite3 *db, const char *id, gp_error *err) {
  sqlite3_stmt *st;
  gp_code rc =
      gp_dl_prep(db, "UPDATE conversations SET revision = revision + 1 WHERE id = ?", &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  return gp_dl_done(db, st, "revision", err);
}

/* Inserts the conversations row of meta: GP_ECONFLICT at id_path when the
 * id is taken, GP_ENOTFOUND at mission_path when the mission does not exist
 * (the paths are the caller's names for them: options or body members). */
static gp_code gp_dl_conversation_row(sqlite3 *db, const gp_delib_meta *meta, const char *id_path,
                                      const char *mission_path, gp_error *err) {
  char now[32];
  gp_dl_now(now);
  sqlite3_stmt *st;
  gp_code rc;
  if ((rc = gp_dl_prep(db, "SELECT 1 FROM conversations WHERE id = ?", &st, err))) return rc;
  sqlite3_bind_text(st, 1, meta->id, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r == SQLITE_ROW)
    return gp_fail(err, GP_ECONFLICT, id_path, "a conversation '%s' exists already", meta->id);
  if (meta->mission_id) {
    if ((rc = gp_dl_prep(db, "SELECT 1 FROM missions WHERE id = ?", &st, err))) return rc;
    sqlite3_bind_text(st, 1, meta->mission_id, -1, SQLITE_STATIC);
    r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW)
      return gp_fail(err, GP_ENOTFOUND, mission_path, "no mission '%s'", meta->mission_id);
  }
  if ((rc = gp_dl_prep(db,
                       "INSERT INTO conversations (id, title, question, mission_id, assumption_id,"
                       " source, revision, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                       &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, meta->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, meta->title, -1, SQLITE_STATIC);
  gp_dl_text(st, 3, meta->question);
  gp_dl_text(st, 4, meta->mission_id);
  gp_dl_text(st, 5, meta->assumption_id);
  gp_dl_text(st, 6, meta->source);
  sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
  if ((rc = gp_dl_done(db, st, "conversation", err))) return rc;
  return GP_OK;
}

static gp_code gp_dl_import_rows(sqlite3 *db, const gp_delib_meta *meta, const gp_polisio_export *x,
                                 gp_error *err) {
  char now[32];
  gp_dl_now(now);
  sqlite3_stmt *st;
  gp_code rc = gp_dl_conversation_row(db, meta, "--id", "--mission", err);
  if (rc) return rc;

  if ((rc = gp_dl_prep(db,
                       "INSERT INTO conversation_summary (conversation_id, pos, key, value)"
                       " VALUES (?, ?, ?, ?)",
                       &st, err)))
    return rc;
  for (size_t i = 0; i < x->n_summary && !rc; i++) {
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, meta->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
    sqlite3_bind_text(st, 3, x->summary[i].key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, x->summary[i].value ? x->summary[i].value : "", -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = gp_dl_fail(db, err, "summary");
  }
  sqlite3_finalize(st);
  if (rc) return rc;

  if ((rc = gp_dl_prep(db,
                       "INSERT INTO conversation_statements (conversation_id, id, author_id, body,"
                       " status, created_ms, datetime) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       &st, err)))
    return rc;
  for (size_t i = 0; i < x->n_comments && !rc; i++) {
    const gp_polisio_comment *c = &x->comments[i];
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, meta->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, c->id);
    sqlite3_bind_int64(st, 3, c->author);
    sqlite3_bind_text(st, 4, c->body ? c->body : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, gp_dl_status_of(c->moderated), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, c->timestamp);
    sqlite3_bind_text(st, 7, c->datetime ? c->datetime : "", -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = gp_dl_fail(db, err, "statement");
  }
  sqlite3_finalize(st);
  if (rc) return rc;

  if ((rc = gp_dl_prep(db,
                       "INSERT INTO conversation_participants (conversation_id, id, polis_group,"
                       " created_at) VALUES (?, ?, ?, ?)",
                       &st, err)))
    return rc;
  for (size_t i = 0; i < x->n_participants && !rc; i++) {
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, meta->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, x->participants[i].id);
    sqlite3_bind_int(st, 3, x->participants[i].group_id);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = gp_dl_fail(db, err, "participant");
  }
  sqlite3_finalize(st);
  if (rc) return rc;

  if ((rc = gp_dl_prep(db,
                       "INSERT INTO conversation_votes (conversation_id, participant_id,"
                       " statement_id, vote, created_ms, datetime) VALUES (?, ?, ?, ?, ?, ?)",
                       &st, err)))
    return rc;
  for (size_t i = 0; i < x->n_votes && !rc; i++) {
    const gp_polisio_vote *v = &x->votes[i];
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, meta->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, v->voter_id);
    sqlite3_bind_int64(st, 3, v->comment_id);
    sqlite3_bind_int(st, 4, v->vote);
    sqlite3_bind_int64(st, 5, v->timestamp);
    sqlite3_bind_text(st, 6, v->datetime ? v->datetime : "", -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) rc = gp_dl_fail(db, err, "vote");
  }
  sqlite3_finalize(st);
  if (rc) return rc;
  if ((rc = gp_dl_prep(db, "UPDATE conversations SET n_votes = ?, n_participants = ? WHERE id = ?",
                       &st, err)))
    return rc;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)x->n_votes);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)x->n_participants);
  sqlite3_bind_text(st, 3, meta->id, -1, SQLITE_STATIC);
  return gp_dl_done(db, st, "counts", err);
}

static gp_code gp_dl_create_rows(sqlite3 *db, const gp_delib_meta *meta, const char *const *seeds,
                                 size_t n_seeds, int64_t ms, gp_error *err) {
  sqlite3_stmt *st;
  gp_code rc = gp_dl_conversation_row(db, meta, "id", "mission", err);
  if (rc) return rc;
  if ((rc = gp_dl_prep(db,
                       "INSERT INTO conversation_statements (conversation_id, id, author_id, body,"
                       " status, created_ms) VALUES (?, ?, -1, ?, 'approved', ?)",
                       &st, err)))
    return rc;
  for (size_t i = 0; i < n_seeds && !rc; i++) {
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, meta->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
    sqlite3_bind_text(st, 3, seeds[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, ms);
    if (sqlite3_step(st) != SQLITE_DONE) rc = gp_dl_fail(db, err, "seed statement");
  }
  sqlite3_finalize(st);
  return rc;
}

gp_code gp_store_delib_create(gp_store *s, const gp_delib_meta *meta, const char *const *seeds,
                              size_t n_seeds, int64_t ms, gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  bool own;
  gp_code rc = gp_dl_begin(db, true, &own, err);
  if (rc) return rc;
  return gp_dl_end(db, own, gp_dl_create_rows(db, meta, seeds, n_seeds, ms, err), err);
}

gp_code gp_store_delib_import(gp_store *s, const gp_delib_meta *meta, const gp_polisio_export *x,
                              gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  bool own;
  gp_code rc = gp_dl_begin(db, true, &own, err);
  if (rc) return rc;
  return gp_dl_end(db, own, gp_dl_import_rows(db, meta, x, err), err);
}

/* The columns of a conversation row, with its counts (statements counted:
 * a few thousand at most; participants and votes kept as they change). */
static const char *gp_dl_conv_sql =
    "SELECT c.id, c.title, c.question, c.mission_id, c.assumption_id, c.source, c.created_at,"
    " c.revision,"
    " (SELECT count(*) FROM conversation_statements s WHERE s.conversation_id = c.id),"
    " (SELECT count(*) FROM conversation_statements s WHERE s.conversation_id = c.id"
    "  AND s.status = 'approved'),"
    " c.n_participants, c.n_votes" /* kept with the conversation (063_counts.sql) */
    " FROM conversations c";

static gp_code gp_dl_convs(gp_store *s, const char *id,
                           void (*cb)(void *ctx, const gp_delib_conv_row *row), void *ctx,
                           gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  char sql[1024];
  snprintf(sql, sizeof sql, "%s%s", gp_dl_conv_sql, id ? " WHERE c.id = ?" : " ORDER BY c.id");
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db, sql, &st, err);
  if (rc) return rc;
  if (id) sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int r;
  long n = 0;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    gp_delib_conv_row row = {.meta = {.id = (const char *)sqlite3_column_text(st, 0),
                                      .title = (const char *)sqlite3_column_text(st, 1),
                                      .question = (const char *)sqlite3_column_text(st, 2),
                                      .mission_id = (const char *)sqlite3_column_text(st, 3),
                                      .assumption_id = (const char *)sqlite3_column_text(st, 4),
                                      .source = (const char *)sqlite3_column_text(st, 5)},
                             .created_at = (const char *)sqlite3_column_text(st, 6),
                             .revision = (long)sqlite3_column_int64(st, 7),
                             .n_statements = (long)sqlite3_column_int64(st, 8),
                             .n_approved = (long)sqlite3_column_int64(st, 9),
                             .n_participants = (long)sqlite3_column_int64(st, 10),
                             .n_votes = (long)sqlite3_column_int64(st, 11)};
    cb(ctx, &row);
    n++;
  }
  if (r != SQLITE_DONE) rc = gp_dl_fail(db, err, "conversations");
  sqlite3_finalize(st);
  if (!rc && id && !n) rc = gp_fail(err, GP_ENOTFOUND, id, "no conversation '%s'", id);
  return rc;
}

gp_code gp_store_delib_list(gp_store *s, void (*cb)(void *ctx, const gp_delib_conv_row *row),
                            void *ctx, gp_error *err) {
  return gp_dl_convs(s, NULL, cb, ctx, err);
}

gp_code gp_store_delib_revision(gp_store *s, const char *id, long *revision, gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db, "SELECT revision FROM conversations WHERE id = ?", &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) *revision = (long)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (r == SQLITE_DONE) return gp_fail(err, GP_ENOTFOUND, id, "no conversation '%s'", id);
  if (r != SQLITE_ROW) return gp_dl_fail(db, err, "conversation");
  return GP_OK;
}

gp_code gp_store_delib_analysis_revision(gp_store *s, const char *id, long *revision,
                                         gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(
      db, "SELECT revision FROM conversation_analyses WHERE conversation_id = ?", &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) *revision = (long)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (r == SQLITE_DONE) return gp_fail(err, GP_ENOTFOUND, id, "no analysis of '%s' yet", id);
  if (r != SQLITE_ROW) return gp_dl_fail(db, err, "analysis");
  return GP_OK;
}

gp_code gp_store_delib_get(gp_store *s, const char *id,
                           void (*cb)(void *ctx, const gp_delib_conv_row *row), void *ctx,
                           gp_error *err) {
  return gp_dl_convs(s, id, cb, ctx, err);
}

/* Counts the rows of a query with one text parameter. */
static gp_code gp_dl_count(sqlite3 *db, const char *sql, const char *id, size_t *n, gp_error *err) {
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db, sql, &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW)
    rc = gp_dl_fail(db, err, "count");
  else
    *n = (size_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc;
}

/* The arena copy of a column's text ("" for NULL). */
static const char *gp_dl_col(gp_arena *a, sqlite3_stmt *st, int i) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  return gp_arena_strdup(a, s ? s : "");
}

static int gp_dl_ptpt_cmp(const void *pa, const void *pb) {
  const gp_polisio_participant *a = pa, *b = pb;
  return a->id < b->id ? -1 : a->id > b->id;
}

/* The votes array being tallied (qsort has no context argument). */
static _Thread_local const gp_polisio_vote *gp_dl_sort_votes;

/* Orders vote indices by participant, statement, then arrival. */
static int gp_dl_vote_cmp(const void *pa, const void *pb) {
  size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
  const gp_polisio_vote *va = &gp_dl_sort_votes[a], *vb = &gp_dl_sort_votes[b];
  if (va->voter_id != vb->voter_id) return va->voter_id < vb->voter_id ? -1 : 1;
  if (va->comment_id != vb->comment_id) return va->comment_id < vb->comment_id ? -1 : 1;
  return a < b ? -1 : a > b;
}

/* Each statement's agrees and disagrees among the latest votes. */
static gp_code gp_dl_tally(gp_polisio_export *x, gp_error *err) {
  size_t n = x->n_votes;
  size_t *ix = malloc((n + 1) * sizeof *ix);
  if (!ix) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  for (size_t i = 0; i < n; i++)
    ix[i] = i;
  gp_dl_sort_votes = x->votes;
  qsort(ix, n, sizeof *ix, gp_dl_vote_cmp);
  for (size_t k = 0; k < n; k++) {
    const gp_polisio_vote *v = &x->votes[ix[k]];
    if (k + 1 < n && x->votes[ix[k + 1]].voter_id == v->voter_id &&
        x->votes[ix[k + 1]].comment_id == v->comment_id)
      continue; /* a later vote on the same statement counts */
    long j = gp_polisio_comment_index(x, v->comment_id);
    if (j < 0) continue;
    if (v->vote > 0) x->comments[j].agrees++;
    if (v->vote < 0) x->comments[j].disagrees++;
  }
  free(ix);
  return GP_OK;
}

static gp_code gp_dl_load(sqlite3 *db, const char *id, gp_polisio_export *x, gp_error *err) {
  gp_arena *a = &x->arena;
  sqlite3_stmt *st;
  gp_code rc;
  int r;
  size_t n;
  /* summary */
  if ((rc = gp_dl_count(db, "SELECT count(*) FROM conversation_summary WHERE conversation_id = ?",
                        id, &n, err)))
    return rc;
  x->summary = gp_arena_alloc(a, (n + 1) * sizeof *x->summary);
  if ((rc = gp_dl_prep(db,
                       "SELECT key, value FROM conversation_summary WHERE conversation_id = ?"
                       " ORDER BY pos",
                       &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  while (x->n_summary < n && (r = sqlite3_step(st)) == SQLITE_ROW) {
    x->summary[x->n_summary].key = gp_dl_col(a, st, 0);
    x->summary[x->n_summary].value = gp_dl_col(a, st, 1);
    x->n_summary++;
  }
  sqlite3_finalize(st);
  /* statements, with agrees and disagrees from the latest votes */
  if ((rc =
           gp_dl_count(db, "SELECT count(*) FROM conversation_statements WHERE conversation_id = ?",
                       id, &n, err)))
    return rc;
  x->comments = gp_arena_alloc(a, (n + 1) * sizeof *x->comments);
  if ((rc = gp_dl_prep(db,
                       "SELECT id, author_id, body, status, created_ms, datetime"
                       " FROM conversation_statements WHERE conversation_id = ? ORDER BY id",
                       &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  while (x->n_comments < n && (r = sqlite3_step(st)) == SQLITE_ROW) {
    gp_polisio_comment *c = &x->comments[x->n_comments++];
    c->id = sqlite3_column_int64(st, 0);
    c->author = sqlite3_column_int64(st, 1);
    c->body = gp_dl_col(a, st, 2);
    c->moderated = gp_dl_moderated_of((const char *)sqlite3_column_text(st, 3));
    c->timestamp = sqlite3_column_int64(st, 4);
    c->datetime = gp_dl_col(a, st, 5);
  }
  sqlite3_finalize(st);
  /* participants */
  if ((rc = gp_dl_count(db,
                        "SELECT count(*) FROM conversation_participants WHERE conversation_id = ?",
                        id, &n, err)))
    return rc;
  x->participants = gp_arena_alloc(a, (n + 1) * sizeof *x->participants);
  if ((rc = gp_dl_prep(db,
                       "SELECT id, polis_group FROM conversation_participants"
                       " WHERE conversation_id = ? ORDER BY id",
                       &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  bool groups = false;
  while (x->n_participants < n && (r = sqlite3_step(st)) == SQLITE_ROW) {
    gp_polisio_participant *p = &x->participants[x->n_participants++];
    p->id = sqlite3_column_int64(st, 0);
    p->group_id = sqlite3_column_int(st, 1);
    p->n_comments = 0;
    groups |= p->group_id >= 0;
  }
  sqlite3_finalize(st);
  qsort(x->participants, x->n_participants, sizeof *x->participants, gp_dl_ptpt_cmp);
  x->has_groups = groups;
  for (size_t i = 0; i < x->n_comments; i++) {
    long k = gp_polisio_participant_index(x, x->comments[i].author);
    if (k >= 0) x->participants[k].n_comments++;
  }
  /* votes */
  if ((rc = gp_dl_count(db, "SELECT count(*) FROM conversation_votes WHERE conversation_id = ?", id,
                        &n, err)))
    return rc;
  x->votes = gp_arena_alloc(a, (n + 1) * sizeof *x->votes);
  if (!x->votes) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  if ((rc = gp_dl_prep(db,
                       "SELECT participant_id, statement_id, vote, created_ms, datetime FROM"
                       " conversation_votes WHERE conversation_id = ? ORDER BY seq",
                       &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  while (x->n_votes < n && (r = sqlite3_step(st)) == SQLITE_ROW) {
    gp_polisio_vote *v = &x->votes[x->n_votes++];
    v->voter_id = sqlite3_column_int64(st, 0);
    v->comment_id = sqlite3_column_int64(st, 1);
    v->vote = sqlite3_column_int(st, 2);
    v->timestamp = sqlite3_column_int64(st, 3);
    v->datetime = gp_dl_col(a, st, 4);
  }
  sqlite3_finalize(st);
  return gp_dl_tally(x, err);
}

gp_code gp_store_delib_load(gp_store *s, const char *id, gp_polisio_export *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db, "SELECT 1 FROM conversations WHERE id = ?", &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_ROW) return gp_fail(err, GP_ENOTFOUND, id, "no conversation '%s'", id);
  /* one read transaction, so the parts agree */
  bool own;
  if ((rc = gp_dl_begin(db, false, &own, err))) return rc;
  rc = gp_dl_load(db, id, out, err);
  gp_dl_end(db, own, GP_OK, NULL);
  if (rc) {
    gp_polisio_free(out);
    memset(out, 0, sizeof *out);
  }
  return rc;
}

gp_code gp_store_delib_statements(gp_store *s, const char *id, const char *status,
                                  void (*cb)(void *ctx, const gp_delib_statement_row *row),
                                  void *ctx, gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db,
                          "SELECT id, author_id, body, status, created_ms FROM"
                          " conversation_statements WHERE conversation_id = ?1"
                          " AND (?2 IS NULL OR status = ?2) ORDER BY id",
                          &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  gp_dl_text(st, 2, status);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    gp_delib_statement_row row = {.id = sqlite3_column_int64(st, 0),
                                  .author_id = sqlite3_column_int64(st, 1),
                                  .body = (const char *)sqlite3_column_text(st, 2),
                                  .status = (const char *)sqlite3_column_text(st, 3),
                                  .created_ms = sqlite3_column_int64(st, 4)};
    cb(ctx, &row);
  }
  if (r != SQLITE_DONE) rc = gp_dl_fail(db, err, "statements");
  sqlite3_finalize(st);
  return rc;
}

gp_code gp_store_delib_participant(gp_store *s, const char *id, const unsigned char hash[32],
                                   bool create, int64_t *pid, gp_error *err) {
  *pid = -1;
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db,
                          "SELECT id FROM conversation_participants WHERE conversation_id = ?"
                          " AND cookie_hash = ?",
                          &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) *pid = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (r != SQLITE_ROW && r != SQLITE_DONE) return gp_dl_fail(db, err, "participant");
  if (*pid >= 0 || !create) return GP_OK;
  char now[32];
  gp_dl_now(now);
  if ((rc = gp_dl_prep(db,
                       "INSERT INTO conversation_participants (conversation_id, id, cookie_hash,"
                       " created_at) SELECT ?1, coalesce(max(id), -1) + 1, ?2, ?3 FROM"
                       " conversation_participants WHERE conversation_id = ?1"
                       " RETURNING id",
                       &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
  r = sqlite3_step(st);
  if (r == SQLITE_ROW) *pid = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (r != SQLITE_ROW) return gp_dl_fail(db, err, "new participant");
  if ((rc = gp_dl_prep(db,
                       "UPDATE conversations SET n_participants = n_participants + 1 WHERE id = ?",
                       &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  return gp_dl_done(db, st, "participants", err);
}

gp_code gp_store_delib_voted(gp_store *s, const char *id, int64_t pid,
                             void (*cb)(void *ctx, int64_t statement), void *ctx, gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db,
                          "SELECT DISTINCT statement_id FROM conversation_votes"
                          " WHERE conversation_id = ? AND participant_id = ?",
                          &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, pid);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW)
    cb(ctx, sqlite3_column_int64(st, 0));
  if (r != SQLITE_DONE) rc = gp_dl_fail(db, err, "votes");
  sqlite3_finalize(st);
  return rc;
}

static gp_code gp_dl_vote_rows(sqlite3 *db, const char *id, int64_t pid, int64_t statement,
                               int vote, int64_t ms, gp_error *err) {
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db,
                          "SELECT 1 FROM conversation_statements WHERE conversation_id = ?"
                          " AND id = ? AND status = 'approved'",
                          &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, statement);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_ROW)
    return gp_fail(err, GP_ENOTFOUND, "body.statement", "no statement %lld open to votes",
                   (long long)statement);
  if ((rc = gp_dl_prep(db,
                       "INSERT INTO conversation_votes (conversation_id, participant_id,"
                       " statement_id, vote, created_ms) VALUES (?, ?, ?, ?, ?)",
                       &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, pid);
  sqlite3_bind_int64(st, 3, statement);
  sqlite3_bind_int(st, 4, vote);
  sqlite3_bind_int64(st, 5, ms);
  if ((rc = gp_dl_done(db, st, "vote", err))) return rc;
  if ((rc = gp_dl_prep(db,
                       "UPDATE conversations SET revision = revision + 1, n_votes = n_votes + 1"
                       " WHERE id = ?",
                       &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  return gp_dl_done(db, st, "revision", err);
}

gp_code gp_store_delib_vote_add(gp_store *s, const char *id, int64_t pid, int64_t statement,
                                int vote, int64_t ms, gp_error *err) {
  if (vote < -1 || vote > 1)
    return gp_fail(err, GP_EINVAL, "body.vote", "a vote is -1, 0 or 1, not %d", vote);
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  bool own;
  gp_code rc = gp_dl_begin(db, true, &own, err);
  if (rc) return rc;
  return gp_dl_end(db, own, gp_dl_vote_rows(db, id, pid, statement, vote, ms, err), err);
}

static gp_code gp_dl_statement_rows(sqlite3 *db, const char *id, int64_t pid, const char *body,
                                    bool approved, int64_t ms, int64_t *sid, gp_error *err) {
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db,
                          "INSERT INTO conversation_statements (conversation_id, id, author_id,"
                          " body, status, created_ms) SELECT ?1, coalesce(max(id), -1) + 1, ?2,"
                          " ?3, ?5, ?4 FROM conversation_statements"
                          " WHERE conversation_id = ?1 RETURNING id",
                          &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, pid);
  sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, ms);
  sqlite3_bind_text(st, 5, approved ? "approved" : "pending", -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) *sid = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (r != SQLITE_ROW) return gp_dl_fail(db, err, "new statement");
  return gp_dl_bump(db, id, err);
}

gp_code gp_store_delib_statement_add(gp_store *s, const char *id, int64_t pid, const char *body,
                                     bool approved, int64_t ms, int64_t *sid, gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  bool own;
  gp_code rc = gp_dl_begin(db, true, &own, err);
  if (rc) return rc;
  return gp_dl_end(db, own, gp_dl_statement_rows(db, id, pid, body, approved, ms, sid, err), err);
}

static gp_code gp_dl_moderate_rows(sqlite3 *db, const char *id, int64_t statement,
                                   const char *status, gp_error *err) {
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db,
                          "UPDATE conversation_statements SET status = ? WHERE conversation_id = ?"
                          " AND id = ?",
                          &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, statement);
  if ((rc = gp_dl_done(db, st, "moderate", err))) return rc;
  if (sqlite3_changes(db) == 0)
    return gp_fail(err, GP_ENOTFOUND, "statement", "no statement %lld in '%s'",
                   (long long)statement, id);
  return gp_dl_bump(db, id, err);
}

gp_code gp_store_delib_moderate(gp_store *s, const char *id, int64_t statement, const char *status,
                                gp_error *err) {
  if (strcmp(status, "approved") && strcmp(status, "pending") && strcmp(status, "rejected"))
    return gp_fail(err, GP_EINVAL, "body.status", "must be approved, pending or rejected");
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  bool own;
  gp_code rc = gp_dl_begin(db, true, &own, err);
  if (rc) return rc;
  return gp_dl_end(db, own, gp_dl_moderate_rows(db, id, statement, status, err), err);
}

gp_code gp_store_delib_analysis_save(gp_store *s, const char *id, long revision, uint64_t seed,
                                     const char *doc, const char *priorities, gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  char now[32];
  gp_dl_now(now);
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db,
                          "INSERT OR REPLACE INTO conversation_analyses (conversation_id,"
                          " revision, seed, created_at, document, priorities)"
                          " VALUES (?, ?, ?, ?, ?, ?)",
                          &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, revision);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)seed);
  sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, doc, -1, SQLITE_STATIC);
  gp_dl_text(st, 6, priorities);
  return gp_dl_done(db, st, "analysis", err);
}

gp_code gp_store_delib_priorities(gp_store *s, const char *id, char **priorities, gp_error *err) {
  *priorities = NULL;
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(
      db, "SELECT priorities FROM conversation_analyses WHERE conversation_id = ?", &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
    *priorities = strdup((const char *)sqlite3_column_text(st, 0));
    if (!*priorities) rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  } else if (r == SQLITE_ROW || r == SQLITE_DONE) {
    rc = gp_fail(err, GP_ENOTFOUND, id, "no priorities of '%s' yet", id);
  } else {
    rc = gp_dl_fail(db, err, "priorities");
  }
  sqlite3_finalize(st);
  return rc;
}

gp_code gp_store_delib_analysis_last(gp_store *s, const char *id, char **doc, long *revision,
                                     gp_error *err) {
  *doc = NULL;
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  gp_code rc = gp_dl_prep(db,
                          "SELECT document, revision FROM conversation_analyses"
                          " WHERE conversation_id = ?",
                          &st, err);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    const char *d = (const char *)sqlite3_column_text(st, 0);
    *doc = strdup(d ? d : "");
    if (revision) *revision = (long)sqlite3_column_int64(st, 1);
    if (!*doc) rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  } else if (r == SQLITE_DONE) {
    rc = gp_fail(err, GP_ENOTFOUND, id, "conversation '%s' has no analysis yet", id);
  } else {
    rc = gp_dl_fail(db, err, "analysis");
  }
  sqlite3_finalize(st);
  return rc;
}
