/*
 * gp_store_scanlist — the saved scans of front-line units, listed with
 * their data sets' kind, size and source; see gp_store_scanlist.h.
 */
#include "store/gp_store_scanlist.h"

#include <sqlite3.h>

static const char *gp_sl_text(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

gp_code gp_store_scans_list(gp_store *s, const char *metric_id,
                            void (*cb)(void *ctx, const gp_scan_row *row), void *ctx,
                            gp_error *err) {
  sqlite3 *db = gp_store_sqlite_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st = NULL;
  const char *sql =
      "SELECT s.metric_id, s.period, d.kind, d.n, d.source, d.imported_at, s.created_at,"
      " s.options, s.summary FROM unit_scans s JOIN unit_datasets d"
      " ON d.metric_id = s.metric_id AND d.period = s.period"
      " WHERE ?1 IS NULL OR s.metric_id = ?1 ORDER BY s.metric_id, d.period_start, s.period";
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    return gp_fail(err, GP_ESTORE, NULL, "database error (scans): %s", sqlite3_errmsg(db));
  if (metric_id)
    sqlite3_bind_text(st, 1, metric_id, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, 1);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    gp_scan_row r = {.metric_id = gp_sl_text(st, 0),
                     .period = gp_sl_text(st, 1),
                     .kind = gp_sl_text(st, 2),
                     .n = (long)sqlite3_column_int64(st, 3),
                     .source = gp_sl_text(st, 4),
                     .imported_at = gp_sl_text(st, 5),
                     .created_at = gp_sl_text(st, 6),
                     .options = gp_sl_text(st, 7),
                     .summary = gp_sl_text(st, 8)};
    cb(ctx, &r);
  }
  gp_code out = GP_OK;
  if (rc != SQLITE_DONE)
    out = gp_fail(err, GP_ESTORE, NULL, "database error (scans): %s", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return out;
}
