/*
 * gp_store_delib_live — reads for the live analysis and its kept running
 * state (see gp_store_delib_live.h; schema in migrations/061_live.sql).
 */
#include "store/gp_store_delib_live.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Fails with the connection's message, naming what was being done. */
static gp_code gp_dll_fail(sqlite3 *db, gp_error *err, const char *what) {
  return gp_fail(err, GP_ESTORE, NULL, "database error (%s): %s", what, sqlite3_errmsg(db));
}

/* Prepares sql into *st and binds the conversation id as parameter 1. */
static gp_code gp_dll_prep(sqlite3 *db, const char *sql, const char *id, sqlite3_stmt **st,
                           gp_error *err) {
  if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) return gp_dll_fail(db, err, sql);
  sqlite3_bind_text(*st, 1, id, -1, SQLITE_STATIC);
  return GP_OK;
}

/* Steps st to its end, handing each row to row(); finalizes it. */
static gp_code gp_dll_rows(sqlite3 *db, sqlite3_stmt *st, const char *what,
                           void (*row)(sqlite3_stmt *st, const gp_delib_live_sink *k),
                           const gp_delib_live_sink *k, gp_error *err) {
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW)
    row(st, k);
  sqlite3_finalize(st);
  return r == SQLITE_DONE ? GP_OK : gp_dll_fail(db, err, what);
}

static void gp_dll_statement(sqlite3_stmt *st, const gp_delib_live_sink *k) {
  k->statement(k->ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
}

static void gp_dll_participant(sqlite3_stmt *st, const gp_delib_live_sink *k) {
  k->participant(k->ctx, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1));
}

static void gp_dll_vote(sqlite3_stmt *st, const gp_delib_live_sink *k) {
  k->vote(k->ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
          sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3), sqlite3_column_int64(st, 4));
}

static void gp_dll_summary(sqlite3_stmt *st, const gp_delib_live_sink *k) {
  k->summary(k->ctx, (const char *)sqlite3_column_text(st, 0),
             (const char *)sqlite3_column_text(st, 1));
}

/* The reads of gp_store_delib_live_read, inside its transaction. */
static gp_code gp_dll_read(sqlite3 *db, const char *id, int64_t after_seq,
                           int64_t after_participant, const gp_delib_live_sink *k, long *revision,
                           gp_error *err) {
  sqlite3_stmt *st;
  gp_code rc = gp_dll_prep(db, "SELECT revision FROM conversations WHERE id = ?1", id, &st, err);
  if (rc) return rc;
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) *revision = (long)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (r == SQLITE_DONE) return gp_fail(err, GP_ENOTFOUND, id, "no conversation '%s'", id);
  if (r != SQLITE_ROW) return gp_dll_fail(db, err, "conversation");
  if (k->summary && after_seq < 0) {
    if ((rc = gp_dll_prep(db,
                          "SELECT key, value FROM conversation_summary WHERE conversation_id = ?1"
                          " ORDER BY pos",
                          id, &st, err)) ||
        (rc = gp_dll_rows(db, st, "summary", gp_dll_summary, k, err)))
      return rc;
  }
  if (k->statement) {
    if ((rc =
             gp_dll_prep(db,
                         "SELECT id, status FROM conversation_statements WHERE conversation_id = ?1"
                         " ORDER BY id",
                         id, &st, err)) ||
        (rc = gp_dll_rows(db, st, "statements", gp_dll_statement, k, err)))
      return rc;
  }
  if (k->participant) {
    if ((rc = gp_dll_prep(db,
                          "SELECT id, polis_group FROM conversation_participants"
                          " WHERE conversation_id = ?1 AND id > ?2 ORDER BY id",
                          id, &st, err)))
      return rc;
    sqlite3_bind_int64(st, 2, after_participant);
    if ((rc = gp_dll_rows(db, st, "participants", gp_dll_participant, k, err))) return rc;
  }
  if (k->vote) {
    /* seq is the table's rowid: a range scan from the last event folded in */
    if ((rc = gp_dll_prep(db,
                          "SELECT seq, participant_id, statement_id, vote, created_ms"
                          " FROM conversation_votes WHERE seq > ?2 AND +conversation_id = ?1"
                          " ORDER BY seq",
                          id, &st, err)))
      return rc;
    sqlite3_bind_int64(st, 2, after_seq);
    if ((rc = gp_dll_rows(db, st, "votes", gp_dll_vote, k, err))) return rc;
  }
  return GP_OK;
}

gp_code gp_store_delib_live_read(gp_store *s, const char *id, int64_t after_seq,
                                 int64_t after_participant, const gp_delib_live_sink *k,
                                 long *revision, gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  bool own = sqlite3_get_autocommit(db) != 0;
  if (own && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    return gp_dll_fail(db, err, "BEGIN");
  gp_code rc = gp_dll_read(db, id, after_seq, after_participant, k, revision, err);
  if (own) sqlite3_exec(db, "COMMIT", NULL, NULL, NULL); /* a read: nothing to keep */
  return rc;
}

gp_code gp_store_delib_live_state_save(gp_store *s, const char *id, int64_t seq, long revision,
                                       const unsigned char *state, size_t len, gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  if (len > (size_t)INT32_MAX)
    return gp_fail(err, GP_ETOOBIG, "state", "the running state is too large to keep");
  char now[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  sqlite3_stmt *st;
  gp_code rc = gp_dll_prep(db,
                           "INSERT INTO conversation_live_state (conversation_id, seq, revision,"
                           " state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
                           " ON CONFLICT (conversation_id) DO UPDATE SET seq = excluded.seq,"
                           " revision = excluded.revision, state = excluded.state,"
                           " updated_at = excluded.updated_at",
                           id, &st, err);
  if (rc) return rc;
  sqlite3_bind_int64(st, 2, seq);
  sqlite3_bind_int64(st, 3, revision);
  sqlite3_bind_blob(st, 4, state, (int)len, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  return r == SQLITE_DONE ? GP_OK : gp_dll_fail(db, err, "keep the running state");
}

gp_code gp_store_delib_live_state_load(gp_store *s, const char *id, unsigned char **state,
                                       size_t *len, int64_t *seq, gp_error *err) {
  *state = NULL;
  *len = 0;
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  gp_code rc = gp_dll_prep(db,
                           "SELECT seq, state FROM conversation_live_state"
                           " WHERE conversation_id = ?1",
                           id, &st, err);
  if (rc) return rc;
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    *seq = sqlite3_column_int64(st, 0);
    int n = sqlite3_column_bytes(st, 1);
    const void *p = sqlite3_column_blob(st, 1);
    *state = malloc((size_t)n + 1);
    if (!*state) {
      sqlite3_finalize(st);
      return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    }
    if (n > 0) memcpy(*state, p, (size_t)n);
    *len = (size_t)n;
  }
  sqlite3_finalize(st);
  if (r == SQLITE_DONE) return gp_fail(err, GP_ENOTFOUND, id, "no running state kept");
  if (r != SQLITE_ROW) return gp_dll_fail(db, err, "running state");
  return GP_OK;
}
