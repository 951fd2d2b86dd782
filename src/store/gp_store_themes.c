/*
 * gp_store_themes — theme sets in SQLite (see gp_store_themes.h; schema in
 * migrations/062_themes.sql).
 */
#include "store/gp_store_themes.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Fails with the connection's message, naming what was being done. */
static gp_code gp_st_fail(sqlite3 *db, gp_error *err, const char *what) {
  return gp_fail(err, GP_ESTORE, NULL, "database error (%s): %s", what, sqlite3_errmsg(db));
}

/* Binds a string or NULL. */
static void gp_st_text(sqlite3_stmt *st, int i, const char *s) {
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

/* Column i as text (NULL stays NULL). */
static const char *gp_st_col(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

gp_code gp_store_themes_add(gp_store *s, const gp_theme_set_meta *meta, const char *doc,
                            int64_t *id, gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  char now[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO theme_sets (mission_id, assumption_id, conversation_id,"
                         " source, k, documents, created_at, document)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_st_fail(db, err, "theme set");
  gp_st_text(st, 1, meta->mission_id);
  gp_st_text(st, 2, meta->assumption_id);
  gp_st_text(st, 3, meta->conversation_id);
  gp_st_text(st, 4, meta->source ? meta->source : "");
  sqlite3_bind_int64(st, 5, meta->k);
  sqlite3_bind_int64(st, 6, meta->documents);
  sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, doc, -1, SQLITE_STATIC);
  gp_code rc = sqlite3_step(st) == SQLITE_DONE ? GP_OK : gp_st_fail(db, err, "theme set");
  sqlite3_finalize(st);
  if (!rc && id) *id = (int64_t)sqlite3_last_insert_rowid(db);
  return rc;
}

/* The columns every query selects, in gp_st_row's order. */
#define GP_ST_COLS                                                                                 \
  "SELECT id, mission_id, assumption_id, conversation_id, source, k, documents, created_at,"       \
  " document FROM theme_sets"

/* Steps st, calling cb for each row; *rows counts them. */
static gp_code gp_st_rows(sqlite3 *db, sqlite3_stmt *st,
                          void (*cb)(void *ctx, const gp_theme_set_row *row), void *ctx, long *rows,
                          gp_error *err) {
  int r;
  *rows = 0;
  while ((r = sqlite3_step(st)) == SQLITE_ROW) {
    gp_theme_set_row row = {.id = (int64_t)sqlite3_column_int64(st, 0),
                            .meta = {.mission_id = gp_st_col(st, 1),
                                     .assumption_id = gp_st_col(st, 2),
                                     .conversation_id = gp_st_col(st, 3),
                                     .source = gp_st_col(st, 4),
                                     .k = (long)sqlite3_column_int64(st, 5),
                                     .documents = (long)sqlite3_column_int64(st, 6)},
                            .created_at = gp_st_col(st, 7),
                            .document = gp_st_col(st, 8)};
    (*rows)++;
    cb(ctx, &row);
  }
  gp_code rc = r == SQLITE_DONE ? GP_OK : gp_st_fail(db, err, "theme sets");
  sqlite3_finalize(st);
  return rc;
}

gp_code gp_store_themes_list(gp_store *s, const gp_theme_set_filter *f,
                             void (*cb)(void *ctx, const gp_theme_set_row *row), void *ctx,
                             gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  /* a NULL parameter matches every row */
  if (sqlite3_prepare_v2(db,
                         GP_ST_COLS " WHERE (?1 IS NULL OR mission_id = ?1)"
                                    " AND (?2 IS NULL OR assumption_id = ?2)"
                                    " AND (?3 IS NULL OR conversation_id = ?3)"
                                    " ORDER BY id DESC",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_st_fail(db, err, "theme sets");
  gp_st_text(st, 1, f ? f->mission_id : NULL);
  gp_st_text(st, 2, f ? f->assumption_id : NULL);
  gp_st_text(st, 3, f ? f->conversation_id : NULL);
  long rows;
  return gp_st_rows(db, st, cb, ctx, &rows, err);
}

gp_code gp_store_themes_get(gp_store *s, int64_t id,
                            void (*cb)(void *ctx, const gp_theme_set_row *row), void *ctx,
                            gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return err ? err->code : GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, GP_ST_COLS " WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
    return gp_st_fail(db, err, "theme set");
  sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
  long rows;
  gp_code rc = gp_st_rows(db, st, cb, ctx, &rows, err);
  if (!rc && rows == 0) {
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)id);
    rc = gp_fail(err, GP_ENOTFOUND, key, "no theme set %lld", (long long)id);
  }
  return rc;
}
