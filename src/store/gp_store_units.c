/*
 * gp_store_units — units, unit values and saved scans in SQLite
 * (see gp_store_units.h; schema in migrations/050_units.sql).
 *
 * The SQLite connection: gp_store_sqlite.c keeps it private, right after
 * the gp_store head of its handle. Until the store offers an accessor, this
 * file reads it through the same layout (checked by the backend's name).
 */
#include "store/gp_store_units.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static sqlite3 *gp_units_db(gp_store *s, gp_error *err) { return gp_store_sqlite_db(s, err); }

/* Stores one column blob of a data set (replacing it). */
static gp_code gp_units_put_column(sqlite3 *db, const char *metric, const char *period,
                                   const char *name, const void *data, size_t bytes,
                                   gp_error *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "INSERT OR REPLACE INTO unit_columns (metric_id, period, name, data)"
                         " VALUES (?, ?, ?, ?)",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_fail(err, GP_ESTORE, NULL, "database error (column): %s", sqlite3_errmsg(db));
  sqlite3_bind_text(st, 1, metric, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
  sqlite3_bind_blob64(st, 4, bytes ? data : "", bytes, SQLITE_STATIC);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_DONE)
    return gp_fail(err, GP_ESTORE, NULL, "database error (column %s): %s", name,
                   sqlite3_errmsg(db));
  return GP_OK;
}

/* Finds the blob of column `name` of (metric, period): *found, its rowid
 * and length. Absence is not an error. */
static gp_code gp_units_blob_find(sqlite3 *db, const char *metric, const char *period,
                                  const char *name, bool *found, sqlite3_int64 *rowid, size_t *len,
                                  gp_error *err) {
  *found = false;
  *rowid = 0;
  *len = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "SELECT rowid, length(data) FROM unit_columns"
                         " WHERE metric_id = ? AND period = ? AND name = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_fail(err, GP_ESTORE, NULL, "database error (column %s): %s", name,
                   sqlite3_errmsg(db));
  sqlite3_bind_text(st, 1, metric, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    *found = true;
    *rowid = sqlite3_column_int64(st, 0);
    *len = (size_t)sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  if (r != SQLITE_ROW && r != SQLITE_DONE)
    return gp_fail(err, GP_ESTORE, NULL, "database error (column %s): %s", name,
                   sqlite3_errmsg(db));
  return GP_OK;
}

/* Reads one column blob into a malloc'd buffer (*out, *bytes; a NUL is
 * appended after the data). *out is NULL when the column is absent. */
static gp_code gp_units_get_column(sqlite3 *db, const char *metric, const char *period,
                                   const char *name, void **out, size_t *bytes, gp_error *err) {
  *out = NULL;
  *bytes = 0;
  bool found;
  sqlite3_int64 rowid;
  size_t len;
  gp_code rc = gp_units_blob_find(db, metric, period, name, &found, &rowid, &len, err);
  if (rc || !found) return rc;
  char *buf = malloc(len + 1);
  if (!buf) abort();
  buf[len] = 0;
  if (len) {
    sqlite3_blob *b;
    if (sqlite3_blob_open(db, "main", "unit_columns", "data", rowid, 0, &b) != SQLITE_OK) {
      free(buf);
      return gp_fail(err, GP_ESTORE, NULL, "database error (column %s): %s", name,
                     sqlite3_errmsg(db));
    }
    int rr = sqlite3_blob_read(b, buf, (int)len, 0);
    sqlite3_blob_close(b);
    if (rr != SQLITE_OK) {
      free(buf);
      return gp_fail(err, GP_ESTORE, NULL, "database error (column %s): %s", name,
                     sqlite3_errmsg(db));
    }
  }
  *out = buf;
  *bytes = len;
  return GP_OK;
}

static gp_code gp_units_fail(sqlite3 *db, gp_error *err, const char *what) {
  return gp_fail(err, GP_ESTORE, NULL, "database error (%s): %s", what, sqlite3_errmsg(db));
}

static void gp_units_now(char buf[40]) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  time_t t = tv.tv_sec;
  gmtime_r(&t, &tm);
  snprintf(buf, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
}

static void gp_units_bind_text(sqlite3_stmt *st, int i, const char *s) {
  if (s)
    sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

static void gp_units_bind_num(sqlite3_stmt *st, int i, const double *a, size_t j) {
  if (a && !isnan(a[j]))
    sqlite3_bind_double(st, i, a[j]);
  else
    sqlite3_bind_null(st, i);
}

void gp_unit_dataset_free(gp_unit_dataset *d) {
  if (!d) return;
  gp_arena_free(&d->arena);
  free(d->ids);
  free(d->names);
  free(d->missing);
  free(d->val);
  free(d->se);
  free(d->lower);
  free(d->upper);
  free(d->den);
  free(d->ctx);
  free(d->cov_names);
  free(d->parents);
  free(d->idbuf);
  free(d->namebuf);
  free(d->ctx_sorted);
  free(d->ctx_mean);
  free(d->ctx_sd);
  memset(d, 0, sizeof *d);
}

static const char *const gp_unit_kind_names[] = {"score", "count", "observed_expected"};

const char *gp_unit_kind_name(gp_unit_kind k) {
  return (unsigned)k < 3 ? gp_unit_kind_names[k] : "?";
}

bool gp_unit_kind_parse(const char *s, gp_unit_kind *k) {
  for (int i = 0; i < 3; i++)
    if (!strcmp(s, gp_unit_kind_names[i])) {
      *k = (gp_unit_kind)i;
      return true;
    }
  return false;
}

/* n strings joined with NUL separators (NULL strings as ""); malloc'd. */
static char *gp_units_join(const char *const *s, size_t n, size_t *bytes) {
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += (s && s[i] ? strlen(s[i]) : 0) + 1;
  char *b = malloc(len ? len : 1), *p = b;
  if (!b) abort();
  for (size_t i = 0; i < n; i++) {
    size_t l = s && s[i] ? strlen(s[i]) : 0;
    if (l) memcpy(p, s[i], l);
    p[l] = 0;
    p += l + 1;
  }
  *bytes = len;
  return b;
}

#define GP_UNITS_BLOCK 8192 /* rows (elements) a block of a blocked column */

/* Writes n elements of elem bytes as blocks name.0, name.1, ... of
 * GP_UNITS_BLOCK elements (a look-up then reads one small blob). */
static gp_code gp_units_put_blocked(sqlite3 *db, const char *metric, const char *period,
                                    const char *name, const void *data, size_t n, size_t elem,
                                    gp_error *err) {
  gp_code rc = GP_OK;
  for (size_t b = 0; b * GP_UNITS_BLOCK < n && rc == GP_OK; b++) {
    size_t first = b * GP_UNITS_BLOCK;
    size_t rows = n - first < GP_UNITS_BLOCK ? n - first : GP_UNITS_BLOCK;
    char bn[80];
    snprintf(bn, sizeof bn, "%s.%zu", name, b);
    rc = gp_units_put_column(db, metric, period, bn, (const char *)data + first * elem, rows * elem,
                             err);
  }
  return rc;
}

/* Writes the peers index in blocks, and the first key of each block. */
static gp_code gp_units_put_index(sqlite3 *db, const gp_unit_dataset *d, gp_error *err) {
  size_t nblocks = (d->n + GP_UNITS_BLOCK - 1) / GP_UNITS_BLOCK, rw = d->k + 1;
  double *keys = malloc((nblocks ? nblocks : 1) * sizeof *keys);
  if (!keys) abort();
  gp_code rc = GP_OK;
  for (size_t b = 0; b < nblocks && rc == GP_OK; b++) {
    size_t first = b * GP_UNITS_BLOCK;
    size_t rows = d->n - first < GP_UNITS_BLOCK ? d->n - first : GP_UNITS_BLOCK;
    keys[b] = d->ctx_sorted[first * rw];
    char name[40];
    snprintf(name, sizeof name, "ctx.sorted.%zu", b);
    rc = gp_units_put_column(db, d->metric_id, d->period, name, d->ctx_sorted + first * rw,
                             rows * rw * sizeof(double), err);
  }
  if (rc == GP_OK)
    rc = gp_units_put_column(db, d->metric_id, d->period, "ctx.sorted.keys", keys,
                             nblocks * sizeof(double), err);
  free(keys);
  return rc;
}

/* The body of gp_store_units_save, inside a transaction. */
static gp_code gp_units_save_tx(gp_store *s, void *ctx, gp_error *err) {
  const gp_unit_dataset *d = ctx;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st = NULL;
  gp_code rc = GP_OK;
  char now[40];
  gp_units_now(now);
  /* the metric must exist */
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM metrics WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "metric");
  gp_units_bind_text(st, 1, d->metric_id);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_ROW) {
    if (r != SQLITE_DONE) return gp_units_fail(db, err, "metric");
    return gp_fail(err, GP_ENOTFOUND, "metric", "no metric '%s'", d->metric_id);
  }
  /* replace the data set */
  if (sqlite3_prepare_v2(db, "DELETE FROM unit_values WHERE metric_id = ? AND period = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "delete");
  gp_units_bind_text(st, 1, d->metric_id);
  gp_units_bind_text(st, 2, d->period);
  r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_DONE) return gp_units_fail(db, err, "delete");
  const char *dels[] = {"DELETE FROM unit_scans WHERE metric_id = ? AND period = ?",
                        "DELETE FROM unit_columns WHERE metric_id = ? AND period = ?",
                        "DELETE FROM unit_datasets WHERE metric_id = ? AND period = ?"};
  for (int i = 0; i < 3; i++) {
    if (sqlite3_prepare_v2(db, dels[i], -1, &st, NULL) != SQLITE_OK)
      return gp_units_fail(db, err, "delete");
    gp_units_bind_text(st, 1, d->metric_id);
    gp_units_bind_text(st, 2, d->period);
    r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) return gp_units_fail(db, err, "delete");
  }
  /* the data set row with its columnar copy */
  json_t *names = json_array();
  for (size_t j = 0; j < d->k; j++)
    json_array_append_new(names, json_string(d->cov_names[j]));
  char *cov_json = json_dumps(names, JSON_COMPACT);
  json_decref(names);
  size_t idb, nmb;
  char *idblob = gp_units_join(d->ids, d->n, &idb);
  char *nmblob = gp_units_join(d->names, d->n, &nmb);
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO unit_datasets (metric_id, period, period_start, kind, n,"
                         " n_missing, missing_reasons, covariates, source, file, imported_at,"
                         " ctx_stats) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK) {
    rc = gp_units_fail(db, err, "data set");
    goto out;
  }
  gp_units_bind_text(st, 1, d->metric_id);
  gp_units_bind_text(st, 2, d->period);
  sqlite3_bind_int(st, 3, d->period_start);
  gp_units_bind_text(st, 4, gp_unit_kind_name(d->kind));
  sqlite3_bind_int64(st, 5, (sqlite3_int64)d->n);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)d->n_missing);
  gp_units_bind_text(st, 7, d->missing_reasons ? d->missing_reasons : "{}");
  gp_units_bind_text(st, 8, cov_json);
  gp_units_bind_text(st, 9, d->source);
  gp_units_bind_text(st, 10, d->file);
  gp_units_bind_text(st, 11, now);
  char *stats = NULL;
  if (d->k && d->ctx_mean && d->ctx_sd) {
    json_t *mj = json_array(), *sj = json_array();
    for (size_t j = 0; j < d->k; j++) {
      json_array_append_new(mj, isfinite(d->ctx_mean[j]) ? json_real(d->ctx_mean[j]) : json_null());
      json_array_append_new(sj, isfinite(d->ctx_sd[j]) ? json_real(d->ctx_sd[j]) : json_null());
    }
    json_t *o = json_pack("{s:o,s:o}", "mean", mj, "sd", sj);
    stats = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(o);
  }
  gp_units_bind_text(st, 12, stats);
  r = sqlite3_step(st);
  free(stats);
  sqlite3_finalize(st);
  st = NULL;
  if (r != SQLITE_DONE) {
    rc = gp_units_fail(db, err, "data set");
    goto out;
  }
  size_t nb = d->n * sizeof(double);
  if ((rc = gp_units_put_column(db, d->metric_id, d->period, "ids", idblob, idb, err)) ||
      (rc = gp_units_put_column(db, d->metric_id, d->period, "names", nmblob, nmb, err)) ||
      (rc = gp_units_put_column(db, d->metric_id, d->period, "val", d->val, nb, err)) ||
      (d->se && (rc = gp_units_put_column(db, d->metric_id, d->period, "se", d->se, nb, err))) ||
      (d->den && (rc = gp_units_put_column(db, d->metric_id, d->period, "den", d->den, nb, err))) ||
      (d->k &&
       (rc = gp_units_put_column(db, d->metric_id, d->period, "ctx", d->ctx, nb * d->k, err))) ||
      (d->k && d->ctx_sorted && (rc = gp_units_put_index(db, d, err))))
    goto out;
  /* units and rows */
  sqlite3_stmt *unit = NULL, *row = NULL;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO units (id, name, type, parent, created_at)"
                         " VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                         " name = coalesce(units.name, excluded.name),"
                         " type = coalesce(units.type, excluded.type),"
                         " parent = coalesce(units.parent, excluded.parent)",
                         -1, &unit, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db,
                         "INSERT INTO unit_values (metric_id, period, unit_id, pos, value, se,"
                         " lower, upper, denominator, missing, covariates)"
                         " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                         -1, &row, NULL) != SQLITE_OK) {
    rc = gp_units_fail(db, err, "units");
    sqlite3_finalize(unit);
    goto out;
  }
  char cov[4096];
  for (size_t i = 0; i < d->n && rc == GP_OK; i++) {
    sqlite3_reset(unit);
    gp_units_bind_text(unit, 1, d->ids[i]);
    gp_units_bind_text(unit, 2, d->names && d->names[i] && *d->names[i] ? d->names[i] : NULL);
    gp_units_bind_text(unit, 3, d->unit_type);
    gp_units_bind_text(unit, 4,
                       d->parents && d->parents[i] && *d->parents[i] ? d->parents[i] : NULL);
    gp_units_bind_text(unit, 5, now);
    if (sqlite3_step(unit) != SQLITE_DONE) {
      rc = gp_units_fail(db, err, "units");
      break;
    }
    sqlite3_reset(row);
    gp_units_bind_text(row, 1, d->metric_id);
    gp_units_bind_text(row, 2, d->period);
    gp_units_bind_text(row, 3, d->ids[i]);
    sqlite3_bind_int64(row, 4, (sqlite3_int64)i);
    gp_units_bind_num(row, 5, d->val, i);
    gp_units_bind_num(row, 6, d->se, i);
    gp_units_bind_num(row, 7, d->lower, i);
    gp_units_bind_num(row, 8, d->upper, i);
    gp_units_bind_num(row, 9, d->den, i);
    gp_units_bind_text(row, 10, d->missing ? d->missing[i] : NULL);
    if (d->k) {
      size_t off = 0;
      cov[off++] = '{';
      for (size_t j = 0; j < d->k && off < sizeof cov - 64; j++) {
        char key[256];
        /* names are plain CSV headers; escape the two JSON specials */
        size_t kl = 0;
        for (const char *c = d->cov_names[j]; *c && kl < sizeof key - 2; c++) {
          if (*c == '"' || *c == '\\') key[kl++] = '\\';
          key[kl++] = *c;
        }
        key[kl] = 0;
        double v = d->ctx[i * d->k + j];
        int w = isnan(v)
                    ? snprintf(cov + off, sizeof cov - off, "%s\"%s\":null", j ? "," : "", key)
                    : snprintf(cov + off, sizeof cov - off, "%s\"%s\":%.17g", j ? "," : "", key, v);
        if (w > 0) off += (size_t)w;
        if (off >= sizeof cov - 2) off = sizeof cov - 3;
      }
      cov[off++] = '}';
      cov[off] = 0;
      gp_units_bind_text(row, 11, cov);
    } else {
      sqlite3_bind_null(row, 11);
    }
    r = sqlite3_step(row);
    if (r != SQLITE_DONE) {
      if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        rc = gp_fail(err, GP_ECONFLICT, "unit", "unit '%s' appears twice", d->ids[i]);
      } else {
        rc = gp_units_fail(db, err, "unit values");
      }
    }
  }
  sqlite3_finalize(unit);
  sqlite3_finalize(row);
out:
  free(cov_json);
  free(idblob);
  free(nmblob);
  return rc;
}

gp_code gp_store_units_save(gp_store *s, const gp_unit_dataset *d, gp_error *err) {
  if (!gp_units_db(s, err)) return GP_EINTERNAL;
  return gp_store_run(s, gp_units_save_tx, (void *)d, err);
}

/* Splits a NUL-separated buffer of n strings into a malloc'd pointer array;
 * empty strings become NULL when empty_null. Sets *bad when short. */
static const char **gp_units_split(char *buf, size_t bytes, size_t n, bool empty_null, bool *bad) {
  const char **out = calloc(n ? n : 1, sizeof *out);
  if (!out) abort();
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    if (off >= bytes) {
      *bad = true;
      break;
    }
    char *p = buf + off;
    char *e = memchr(p, 0, bytes - off);
    size_t l = e ? (size_t)(e - p) : bytes - off;
    out[i] = empty_null && l == 0 ? NULL : p;
    off += l + 1;
  }
  return out;
}

/* Reads a column of `count` doubles; NULL (and no error) when absent. Sets
 * *bad when present with the wrong size. */
static gp_code gp_units_get_doubles(sqlite3 *db, const char *metric, const char *period,
                                    const char *name, size_t count, double **out, bool *bad,
                                    gp_error *err) {
  void *buf;
  size_t bytes;
  *out = NULL;
  gp_code rc = gp_units_get_column(db, metric, period, name, &buf, &bytes, err);
  if (rc) return rc;
  if (buf && bytes != count * sizeof(double)) {
    free(buf);
    *bad = true;
    return GP_OK;
  }
  *out = buf;
  return GP_OK;
}

/* Reads the n × k covariate blob (row by row as stored) column by column
 * into a malloc'd k × n array (*out; NULL and no error when absent), a
 * chunk of rows at a time. Sets *bad when present with the wrong size. */
static gp_code gp_units_get_ctx_columns(sqlite3 *db, const char *metric, const char *period,
                                        size_t n, size_t k, double **out, bool *bad,
                                        gp_error *err) {
  *out = NULL;
  bool found;
  sqlite3_int64 rowid;
  size_t len;
  gp_code rc = gp_units_blob_find(db, metric, period, "ctx", &found, &rowid, &len, err);
  if (rc || !found) return rc;
  if (len != n * k * sizeof(double) || k == 0) {
    *bad = true;
    return GP_OK;
  }
  enum { GP_UNITS_CHUNK = 4096 }; /* rows a read */
  double *cols = malloc(n * k * sizeof *cols), *buf = malloc(GP_UNITS_CHUNK * k * sizeof *buf);
  if (!cols || !buf) abort();
  sqlite3_blob *b;
  if (sqlite3_blob_open(db, "main", "unit_columns", "data", rowid, 0, &b) != SQLITE_OK) {
    free(cols);
    free(buf);
    return gp_units_fail(db, err, "column ctx");
  }
  for (size_t i0 = 0; i0 < n; i0 += GP_UNITS_CHUNK) {
    size_t m = n - i0 < GP_UNITS_CHUNK ? n - i0 : GP_UNITS_CHUNK;
    if (sqlite3_blob_read(b, buf, (int)(m * k * sizeof *buf), (int)(i0 * k * sizeof *buf)) !=
        SQLITE_OK) {
      sqlite3_blob_close(b);
      free(cols);
      free(buf);
      return gp_units_fail(db, err, "column ctx");
    }
    for (size_t j = 0; j < k; j++) {
      double *cj = cols + j * n + i0;
      for (size_t i = 0; i < m; i++)
        cj[i] = buf[i * k + j];
    }
  }
  sqlite3_blob_close(b);
  free(buf);
  *out = cols;
  return GP_OK;
}

/* Loads a data set; lean: no names, ids left unsplit in idbuf (idbytes);
 * by_column: ctx k × n. */
static gp_code gp_units_load(gp_store *s, const char *metric_id, const char *period, bool lean,
                             bool by_column, gp_unit_dataset *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "SELECT period_start, kind, n, n_missing, missing_reasons, covariates,"
                         " source, file, imported_at"
                         " FROM unit_datasets WHERE metric_id = ? AND period = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "data set");
  gp_units_bind_text(st, 1, metric_id);
  gp_units_bind_text(st, 2, period);
  int r = sqlite3_step(st);
  if (r != SQLITE_ROW) {
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) return gp_units_fail(db, err, "data set");
    return gp_fail(err, GP_ENOTFOUND, "--period", "metric '%s' has no unit data for %s", metric_id,
                   period);
  }
  snprintf(out->metric_id, sizeof out->metric_id, "%s", metric_id);
  snprintf(out->period, sizeof out->period, "%s", period);
  out->period_start = sqlite3_column_int(st, 0);
  gp_unit_kind_parse((const char *)sqlite3_column_text(st, 1), &out->kind);
  out->n = (size_t)sqlite3_column_int64(st, 2);
  out->n_missing = (size_t)sqlite3_column_int64(st, 3);
  gp_arena *a = &out->arena;
  out->missing_reasons = gp_arena_strdup(a, (const char *)sqlite3_column_text(st, 4));
  json_t *cov = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
  out->k = json_is_array(cov) ? json_array_size(cov) : 0;
  out->cov_names = calloc(out->k ? out->k : 1, sizeof *out->cov_names);
  if (!out->cov_names) abort();
  for (size_t j = 0; j < out->k; j++)
    out->cov_names[j] = gp_arena_strdup(a, json_string_value(json_array_get(cov, j)));
  json_decref(cov);
  out->source = gp_arena_strdup(a, (const char *)sqlite3_column_text(st, 6));
  out->file = gp_arena_strdup(a, (const char *)sqlite3_column_text(st, 7));
  out->imported_at = gp_arena_strdup(a, (const char *)sqlite3_column_text(st, 8));
  sqlite3_finalize(st);
  bool bad = false;
  size_t idb = 0, nmb = 0;
  void *ib = NULL, *nb = NULL;
  gp_code rc = GP_OK;
  if (!lean) rc = gp_units_get_column(db, metric_id, period, "ids", &ib, &idb, err);
  if (!rc && !lean) rc = gp_units_get_column(db, metric_id, period, "names", &nb, &nmb, err);
  out->idbuf = ib;
  out->idbytes = idb;
  out->namebuf = nb;
  if (!rc && lean) {
    /* the ids are read only when needed (gp_store_units_load_ids) */
  } else if (!rc && ib && nb) {
    out->ids = gp_units_split(ib, idb, out->n, false, &bad);
    out->names = gp_units_split(nb, nmb, out->n, true, &bad);
  } else {
    bad = true;
  }
  if (!rc) rc = gp_units_get_doubles(db, metric_id, period, "val", out->n, &out->val, &bad, err);
  if (!rc) rc = gp_units_get_doubles(db, metric_id, period, "se", out->n, &out->se, &bad, err);
  if (!rc) rc = gp_units_get_doubles(db, metric_id, period, "den", out->n, &out->den, &bad, err);
  if (!rc && out->k && by_column) {
    rc = gp_units_get_ctx_columns(db, metric_id, period, out->n, out->k, &out->ctx, &bad, err);
    out->ctx_by_column = true;
  } else if (!rc && out->k) {
    rc = gp_units_get_doubles(db, metric_id, period, "ctx", out->n * out->k, &out->ctx, &bad, err);
  }
  if (rc) {
    gp_unit_dataset_free(out);
    return rc;
  }
  if (bad || !out->val || (out->k && !out->ctx)) {
    gp_unit_dataset_free(out);
    return gp_fail(err, GP_ESTORE, NULL, "the stored data set of %s %s is damaged", metric_id,
                   period);
  }
  return GP_OK;
}

gp_code gp_store_units_load(gp_store *s, const char *metric_id, const char *period,
                            gp_unit_dataset *out, gp_error *err) {
  return gp_units_load(s, metric_id, period, false, false, out, err);
}

/* The connection's page cache size (PRAGMA cache_size), or 0 if unknown. */
static sqlite3_int64 gp_units_cache_size(sqlite3 *db) {
  sqlite3_stmt *st;
  sqlite3_int64 v = 0;
  if (sqlite3_prepare_v2(db, "PRAGMA cache_size", -1, &st, NULL) != SQLITE_OK) return 0;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Sets the connection's page cache size. */
static void gp_units_set_cache_size(sqlite3 *db, sqlite3_int64 v) {
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", (long long)v);
  sqlite3_exec(db, sql, NULL, NULL, NULL);
}

gp_code gp_store_units_load_scan(gp_store *s, const char *metric_id, const char *period, bool lean,
                                 gp_unit_dataset *out, gp_error *err) {
  /* The column blobs are read once: keeping their pages in the connection's
   * page cache (tens of MB) only costs memory. A small cache while they are
   * read, the connection's own afterwards, and its unused pages released. */
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_int64 cache = gp_units_cache_size(db);
  if (cache) gp_units_set_cache_size(db, -1024);
  gp_code rc = gp_units_load(s, metric_id, period, lean, true, out, err);
  if (cache) gp_units_set_cache_size(db, cache);
  sqlite3_db_release_memory(db);
  return rc;
}

gp_code gp_store_units_load_ids(gp_store *s, gp_unit_dataset *d, gp_error *err) {
  if (d->ids) return GP_OK;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  if (!d->idbuf) {
    void *ib = NULL;
    size_t idb = 0;
    gp_code rc = gp_units_get_column(db, d->metric_id, d->period, "ids", &ib, &idb, err);
    if (rc) return rc;
    d->idbuf = ib;
    d->idbytes = idb;
  }
  bool bad = !d->idbuf;
  if (!bad) d->ids = gp_units_split(d->idbuf, d->idbytes, d->n, false, &bad);
  if (bad)
    return gp_fail(err, GP_ESTORE, NULL, "the stored data set of %s %s is damaged", d->metric_id,
                   d->period);
  return GP_OK;
}

gp_code gp_store_units_ids_equal(gp_store *s, const char *metric_id, const char *period,
                                 const char *ids, size_t bytes, bool *equal, gp_error *err) {
  *equal = false;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  bool found;
  sqlite3_int64 rowid;
  size_t len;
  gp_code rc = gp_units_blob_find(db, metric_id, period, "ids", &found, &rowid, &len, err);
  if (rc || !found) return rc;
  if (len != bytes) return GP_OK;
  if (len == 0) {
    *equal = true;
    return GP_OK;
  }
  sqlite3_blob *b;
  if (sqlite3_blob_open(db, "main", "unit_columns", "data", rowid, 0, &b) != SQLITE_OK)
    return gp_units_fail(db, err, "column ids");
  enum { GP_UNITS_CMP_CHUNK = 65536 };
  char buf[GP_UNITS_CMP_CHUNK];
  bool same = true;
  for (size_t off = 0; same && off < len; off += GP_UNITS_CMP_CHUNK) {
    size_t m = len - off < GP_UNITS_CMP_CHUNK ? len - off : GP_UNITS_CMP_CHUNK;
    if (sqlite3_blob_read(b, buf, (int)m, (int)off) != SQLITE_OK) {
      sqlite3_blob_close(b);
      return gp_units_fail(db, err, "column ids");
    }
    same = !memcmp(buf, ids + off, m);
  }
  sqlite3_blob_close(b);
  *equal = same;
  return GP_OK;
}

gp_code gp_store_units_periods(gp_store *s, const char *metric_id, char (*periods)[GP_PERIOD_MAX],
                               size_t max, size_t *n, gp_error *err) {
  *n = 0;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "SELECT period FROM unit_datasets WHERE metric_id = ?"
                         " ORDER BY period_start DESC, period DESC",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "periods");
  gp_units_bind_text(st, 1, metric_id);
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW && *n < max)
    snprintf(periods[(*n)++], GP_PERIOD_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (r != SQLITE_DONE && r != SQLITE_ROW) return gp_units_fail(db, err, "periods");
  return GP_OK;
}

gp_code gp_store_units_pos(gp_store *s, const char *metric_id, const char *period,
                           const char *unit_id, size_t *pos, gp_error *err) {
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "SELECT pos FROM unit_values WHERE metric_id = ? AND period = ?"
                         " AND unit_id = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "unit");
  gp_units_bind_text(st, 1, metric_id);
  gp_units_bind_text(st, 2, period);
  gp_units_bind_text(st, 3, unit_id);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) *pos = (size_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (r == SQLITE_ROW) return GP_OK;
  if (r != SQLITE_DONE) return gp_units_fail(db, err, "unit");
  return gp_fail(err, GP_ENOTFOUND, "--unit", "no unit '%s' in %s for %s", unit_id, metric_id,
                 period);
}

/* Arguments of a scan save. */
typedef struct gp_units_scan_args {
  const char *metric_id, *period, *options, *summary; /* keys and JSON texts */
  const int8_t *flags;                                /* n flags */
  const double *indicator;                            /* n indicators */
  size_t n;                                           /* units */
} gp_units_scan_args;

static gp_code gp_units_scan_save_tx(gp_store *s, void *ctx, gp_error *err) {
  const gp_units_scan_args *a = ctx;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  char now[40];
  gp_units_now(now);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "INSERT OR REPLACE INTO unit_scans (metric_id, period, created_at,"
                         " options, summary) VALUES (?,?,?,?,?)",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "scan");
  gp_units_bind_text(st, 1, a->metric_id);
  gp_units_bind_text(st, 2, a->period);
  gp_units_bind_text(st, 3, now);
  gp_units_bind_text(st, 4, a->options);
  gp_units_bind_text(st, 5, a->summary);
  int r = sqlite3_step(st);
  sqlite3_finalize(st);
  if (r != SQLITE_DONE) return gp_units_fail(db, err, "scan");
  gp_code rc =
      gp_units_put_blocked(db, a->metric_id, a->period, "scan.flags", a->flags, a->n, 1, err);
  if (!rc)
    rc = gp_units_put_blocked(db, a->metric_id, a->period, "scan.indicator", a->indicator, a->n,
                              sizeof(double), err);
  return rc;
}

gp_code gp_store_units_scan_save(gp_store *s, const char *metric_id, const char *period,
                                 const char *options, const char *summary, const int8_t *flags,
                                 const double *indicator, size_t n, gp_error *err) {
  if (!gp_units_db(s, err)) return GP_EINTERNAL;
  gp_units_scan_args a = {metric_id, period, options, summary, flags, indicator, n};
  return gp_store_run(s, gp_units_scan_save_tx, &a, err);
}

gp_code gp_store_units_scan_load(gp_store *s, const char *metric_id, const char *period, size_t n,
                                 int8_t *flags, double *indicator, char **options, bool *found,
                                 gp_error *err) {
  *found = false;
  if (options) *options = NULL;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT options FROM unit_scans WHERE metric_id = ? AND period = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "scan");
  gp_units_bind_text(st, 1, metric_id);
  gp_units_bind_text(st, 2, period);
  int r = sqlite3_step(st);
  char *opts = NULL;
  if (r == SQLITE_ROW) {
    const char *o = (const char *)sqlite3_column_text(st, 0);
    opts = strdup(o ? o : "{}");
  }
  sqlite3_finalize(st);
  if (r != SQLITE_ROW) return r == SQLITE_DONE ? GP_OK : gp_units_fail(db, err, "scan");
  gp_code rc = GP_OK;
  bool whole = true;
  for (size_t b = 0; b * GP_UNITS_BLOCK < n && rc == GP_OK && whole; b++) {
    size_t first = b * GP_UNITS_BLOCK;
    size_t rows = n - first < GP_UNITS_BLOCK ? n - first : GP_UNITS_BLOCK;
    const char *names[2] = {"scan.flags", "scan.indicator"};
    size_t elem[2] = {1, sizeof(double)};
    char *dst[2] = {(char *)flags + first, (char *)(indicator + first)};
    for (int c = 0; c < 2 && rc == GP_OK && whole; c++) {
      char bn[80];
      snprintf(bn, sizeof bn, "%s.%zu", names[c], b);
      void *buf;
      size_t bytes;
      rc = gp_units_get_column(db, metric_id, period, bn, &buf, &bytes, err);
      if (rc == GP_OK && buf && bytes == rows * elem[c])
        memcpy(dst[c], buf, bytes);
      else
        whole = false;
      free(buf);
    }
  }
  if (rc == GP_OK && whole) {
    *found = true;
    if (options) {
      *options = opts;
      opts = NULL;
    }
  }
  free(opts);
  return rc;
}

gp_code gp_store_units_get(gp_store *s, const char *unit_id, gp_unit_info *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT id, name, type, parent FROM units WHERE id = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "unit");
  gp_units_bind_text(st, 1, unit_id);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    const char *c;
    snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(st, 0));
    if ((c = (const char *)sqlite3_column_text(st, 1)))
      snprintf(out->name, sizeof out->name, "%s", c);
    if ((c = (const char *)sqlite3_column_text(st, 2)))
      snprintf(out->type, sizeof out->type, "%s", c);
    if ((c = (const char *)sqlite3_column_text(st, 3)))
      snprintf(out->parent, sizeof out->parent, "%s", c);
  }
  sqlite3_finalize(st);
  if (r == SQLITE_ROW) return GP_OK;
  if (r != SQLITE_DONE) return gp_units_fail(db, err, "unit");
  return gp_fail(err, GP_ENOTFOUND, "--unit", "no unit '%s'", unit_id);
}

void gp_store_units_names_free(char **names, size_t k) {
  if (!names) return;
  for (size_t j = 0; j < k; j++)
    free(names[j]);
  free(names);
}

gp_code gp_store_units_context(gp_store *s, const char *metric_id, const char *period, size_t *n,
                               size_t *k, char ***names, double **ctx, gp_error *err) {
  *ctx = NULL;
  gp_code rc = gp_store_units_covariates(s, metric_id, period, n, k, names, err);
  if (rc) return rc;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  bool bad = false;
  if (*k) rc = gp_units_get_doubles(db, metric_id, period, "ctx", *n * *k, ctx, &bad, err);
  if (rc || bad || (*k && !*ctx)) {
    gp_store_units_names_free(*names, *k);
    free(*ctx);
    *ctx = NULL;
    *names = NULL;
    *k = 0;
    if (rc) return rc;
    return gp_fail(err, GP_ESTORE, NULL, "the stored context of %s %s is damaged", metric_id,
                   period);
  }
  return GP_OK;
}

gp_code gp_store_units_at(gp_store *s, const char *metric_id, const char *period, size_t pos,
                          gp_unit_row *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "SELECT v.unit_id, u.name, v.value, v.denominator, v.se, v.covariates"
                         " FROM unit_values v INDEXED BY unit_values_pos"
                         " CROSS JOIN units u ON u.id = v.unit_id"
                         " WHERE v.metric_id = ? AND v.period = ? AND v.pos = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "unit row");
  gp_units_bind_text(st, 1, metric_id);
  gp_units_bind_text(st, 2, period);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)pos);
  int r = sqlite3_step(st);
  if (r == SQLITE_ROW) {
    const char *c;
    snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(st, 0));
    if ((c = (const char *)sqlite3_column_text(st, 1)))
      snprintf(out->name, sizeof out->name, "%s", c);
    out->value = sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2);
    out->denominator =
        sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
    out->se = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 4);
    if ((c = (const char *)sqlite3_column_text(st, 5)))
      snprintf(out->covariates, sizeof out->covariates, "%s", c);
  }
  sqlite3_finalize(st);
  if (r == SQLITE_ROW) return GP_OK;
  if (r != SQLITE_DONE) return gp_units_fail(db, err, "unit row");
  return gp_fail(err, GP_ENOTFOUND, "unit", "no row %zu in %s %s", pos, metric_id, period);
}

gp_code gp_store_units_covariates(gp_store *s, const char *metric_id, const char *period, size_t *n,
                                  size_t *k, char ***names, gp_error *err) {
  *n = *k = 0;
  *names = NULL;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(
          db, "SELECT n, covariates FROM unit_datasets WHERE metric_id = ? AND period = ?", -1, &st,
          NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "covariates");
  gp_units_bind_text(st, 1, metric_id);
  gp_units_bind_text(st, 2, period);
  int r = sqlite3_step(st);
  if (r != SQLITE_ROW) {
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) return gp_units_fail(db, err, "covariates");
    return gp_fail(err, GP_ENOTFOUND, "--period", "metric '%s' has no unit data for %s", metric_id,
                   period);
  }
  *n = (size_t)sqlite3_column_int64(st, 0);
  json_t *cov = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
  sqlite3_finalize(st);
  *k = json_is_array(cov) ? json_array_size(cov) : 0;
  *names = calloc(*k ? *k : 1, sizeof **names);
  if (!*names) abort();
  for (size_t j = 0; j < *k; j++)
    (*names)[j] = strdup(json_string_value(json_array_get(cov, j)));
  json_decref(cov);
  return GP_OK;
}

/* Opens the blob of a column; *blob NULL (GP_ENOTFOUND) when absent. */
static gp_code gp_units_blob_open(sqlite3 *db, const char *metric, const char *period,
                                  const char *name, sqlite3_blob **blob, size_t *len,
                                  gp_error *err) {
  *blob = NULL;
  *len = 0;
  bool found;
  sqlite3_int64 rowid;
  gp_code rc = gp_units_blob_find(db, metric, period, name, &found, &rowid, len, err);
  if (rc) return rc;
  if (!found)
    return gp_fail(err, GP_ENOTFOUND, name, "no column '%s' for %s %s", name, metric, period);
  if (sqlite3_blob_open(db, "main", "unit_columns", "data", rowid, 0, blob) != SQLITE_OK) {
    *blob = NULL;
    return gp_units_fail(db, err, "column");
  }
  return GP_OK;
}

/* Gathers from a blocked column (name.0, name.1, ...). */
static gp_code gp_units_gather_blocked(sqlite3 *db, const char *metric_id, const char *period,
                                       const char *name, size_t elem, const size_t *idx, size_t m,
                                       void *out, gp_error *err) {
  gp_code rc = GP_OK;
  sqlite3_blob *b = NULL;
  size_t open_block = (size_t)-1, len = 0;
  for (size_t i = 0; i < m && rc == GP_OK; i++) {
    size_t blk = idx[i] / GP_UNITS_BLOCK, off = (idx[i] % GP_UNITS_BLOCK) * elem;
    if (blk != open_block) {
      if (b) sqlite3_blob_close(b);
      b = NULL;
      char bn[80];
      snprintf(bn, sizeof bn, "%s.%zu", name, blk);
      if ((rc = gp_units_blob_open(db, metric_id, period, bn, &b, &len, err))) break;
      open_block = blk;
    }
    if (off + elem > len)
      rc = gp_fail(err, GP_ESTORE, name, "element %zu is beyond the column", idx[i]);
    else if (sqlite3_blob_read(b, (char *)out + i * elem, (int)elem, (int)off) != SQLITE_OK)
      rc = gp_units_fail(db, err, "column");
  }
  if (b) sqlite3_blob_close(b);
  return rc;
}

gp_code gp_store_units_column_gather(gp_store *s, const char *metric_id, const char *period,
                                     const char *name, size_t elem, const size_t *idx, size_t m,
                                     void *out, gp_error *err) {
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  if (!strncmp(name, "scan.", 5))
    return gp_units_gather_blocked(db, metric_id, period, name, elem, idx, m, out, err);
  sqlite3_blob *b;
  size_t len;
  gp_code rc = gp_units_blob_open(db, metric_id, period, name, &b, &len, err);
  if (rc) return rc;
  for (size_t i = 0; i < m && rc == GP_OK; i++) {
    size_t off = idx[i] * elem;
    if (off + elem > len)
      rc = gp_fail(err, GP_ESTORE, name, "element %zu is beyond the column's %zu bytes", idx[i],
                   len);
    else if (sqlite3_blob_read(b, (char *)out + i * elem, (int)elem, (int)off) != SQLITE_OK)
      rc = gp_units_fail(db, err, "column");
  }
  sqlite3_blob_close(b);
  return rc;
}

gp_code gp_store_units_column_stream(gp_store *s, const char *metric_id, const char *period,
                                     const char *name, size_t chunk,
                                     void (*cb)(void *ctx, const void *data, size_t bytes,
                                                size_t offset),
                                     void *ctx, size_t *total, gp_error *err) {
  *total = 0;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_blob *b;
  size_t len;
  gp_code rc = gp_units_blob_open(db, metric_id, period, name, &b, &len, err);
  if (rc) return rc;
  *total = len;
  char *buf = malloc(chunk ? chunk : 1);
  if (!buf) abort();
  for (size_t off = 0; off < len && rc == GP_OK; off += chunk) {
    size_t nb = len - off < chunk ? len - off : chunk;
    if (sqlite3_blob_read(b, buf, (int)nb, (int)off) != SQLITE_OK)
      rc = gp_units_fail(db, err, "column");
    else
      cb(ctx, buf, nb, off);
  }
  free(buf);
  sqlite3_blob_close(b);
  return rc;
}

gp_code gp_store_units_ctx_stats(gp_store *s, const char *metric_id, const char *period, size_t k,
                                 double *mean, double *sd, bool *found, gp_error *err) {
  *found = false;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "SELECT ctx_stats FROM unit_datasets WHERE metric_id = ? AND period = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "statistics");
  gp_units_bind_text(st, 1, metric_id);
  gp_units_bind_text(st, 2, period);
  int r = sqlite3_step(st);
  json_t *o = r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL
                  ? json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL)
                  : NULL;
  sqlite3_finalize(st);
  if (r != SQLITE_ROW && r != SQLITE_DONE) return gp_units_fail(db, err, "statistics");
  json_t *mj = json_object_get(o, "mean"), *sj = json_object_get(o, "sd");
  if (json_array_size(mj) == k && json_array_size(sj) == k) {
    for (size_t j = 0; j < k; j++) {
      json_t *a = json_array_get(mj, j), *b = json_array_get(sj, j);
      mean[j] = json_is_number(a) ? json_number_value(a) : NAN;
      sd[j] = json_is_number(b) ? json_number_value(b) : NAN;
    }
    *found = true;
  }
  json_decref(o);
  return GP_OK;
}

struct gp_units_column {
  sqlite3 *db;        /* the connection */
  sqlite3_blob *blob; /* the open blob */
  size_t len;         /* its size */
};

gp_code gp_store_units_column_open(gp_store *s, const char *metric_id, const char *period,
                                   const char *name, gp_units_column **out, size_t *bytes,
                                   gp_error *err) {
  *out = NULL;
  *bytes = 0;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_blob *b;
  size_t len;
  gp_code rc = gp_units_blob_open(db, metric_id, period, name, &b, &len, err);
  if (rc) return rc;
  gp_units_column *c = malloc(sizeof *c);
  if (!c) abort();
  c->db = db;
  c->blob = b;
  c->len = len;
  *out = c;
  *bytes = len;
  return GP_OK;
}

gp_code gp_store_units_column_read(gp_units_column *c, size_t offset, size_t bytes, void *buf,
                                   gp_error *err) {
  if (offset + bytes > c->len)
    return gp_fail(err, GP_ESTORE, NULL, "read of %zu bytes at %zu beyond a %zu-byte column", bytes,
                   offset, c->len);
  if (sqlite3_blob_read(c->blob, buf, (int)bytes, (int)offset) != SQLITE_OK)
    return gp_units_fail(c->db, err, "column");
  return GP_OK;
}

void gp_store_units_column_close(gp_units_column *c) {
  if (!c) return;
  sqlite3_blob_close(c->blob);
  free(c);
}

struct gp_units_index {
  sqlite3 *db;                /* the connection */
  char metric[65];            /* the data set */
  char period[GP_PERIOD_MAX]; /* its period */
  size_t n, k;                /* rows, covariates */
  size_t nblocks;             /* blocks */
  double *keys;               /* first key of each block */
  sqlite3_blob *open[2];      /* two blocks held open (the slab reads up and down) */
  size_t open_block[2];       /* which blocks */
  size_t next;                /* which slot to replace next */
};

gp_code gp_store_units_index_open(gp_store *s, const char *metric_id, const char *period, size_t n,
                                  size_t k, gp_units_index **out, gp_error *err) {
  *out = NULL;
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  void *kb;
  size_t bytes;
  gp_code rc = gp_units_get_column(db, metric_id, period, "ctx.sorted.keys", &kb, &bytes, err);
  if (rc) return rc;
  size_t nblocks = (n + GP_UNITS_BLOCK - 1) / GP_UNITS_BLOCK;
  if (!kb || bytes != nblocks * sizeof(double)) {
    free(kb);
    return gp_fail(err, GP_ENOTFOUND, "ctx.sorted", "no peers index for %s %s", metric_id, period);
  }
  gp_units_index *x = calloc(1, sizeof *x);
  if (!x) abort();
  x->db = db;
  snprintf(x->metric, sizeof x->metric, "%s", metric_id);
  snprintf(x->period, sizeof x->period, "%s", period);
  x->n = n;
  x->k = k;
  x->nblocks = nblocks;
  x->keys = kb;
  x->open_block[0] = x->open_block[1] = (size_t)-1;
  *out = x;
  return GP_OK;
}

/* The open blob of block b. */
static gp_code gp_units_index_block(gp_units_index *x, size_t b, sqlite3_blob **blob,
                                    gp_error *err) {
  for (int i = 0; i < 2; i++)
    if (x->open_block[i] == b) {
      *blob = x->open[i];
      return GP_OK;
    }
  int slot = (int)x->next;
  x->next ^= 1;
  if (x->open[slot]) sqlite3_blob_close(x->open[slot]);
  x->open[slot] = NULL;
  x->open_block[slot] = (size_t)-1;
  char name[40];
  snprintf(name, sizeof name, "ctx.sorted.%zu", b);
  size_t len;
  gp_code rc = gp_units_blob_open(x->db, x->metric, x->period, name, &x->open[slot], &len, err);
  if (rc) return rc;
  x->open_block[slot] = b;
  *blob = x->open[slot];
  return GP_OK;
}

gp_code gp_store_units_index_read(gp_units_index *x, size_t first, size_t rows, double *out,
                                  gp_error *err) {
  size_t rw = (x->k + 1) * sizeof(double);
  if (first + rows > x->n)
    return gp_fail(err, GP_ESTORE, "ctx.sorted", "rows %zu..%zu beyond %zu", first, first + rows,
                   x->n);
  while (rows > 0) {
    size_t b = first / GP_UNITS_BLOCK, in = first % GP_UNITS_BLOCK;
    size_t take = GP_UNITS_BLOCK - in < rows ? GP_UNITS_BLOCK - in : rows;
    sqlite3_blob *blob;
    gp_code rc = gp_units_index_block(x, b, &blob, err);
    if (rc) return rc;
    if (sqlite3_blob_read(blob, out, (int)(take * rw), (int)(in * rw)) != SQLITE_OK)
      return gp_units_fail(x->db, err, "ctx.sorted");
    out += take * (x->k + 1);
    first += take;
    rows -= take;
  }
  return GP_OK;
}

gp_code gp_store_units_index_find(gp_units_index *x, double key, size_t *row, gp_error *err) {
  /* the last block whose first key is below key, then inside it */
  size_t lo = 0, hi = x->nblocks;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->keys[mid] < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t b = lo > 0 ? lo - 1 : 0;
  size_t first = b * GP_UNITS_BLOCK;
  size_t end = first + GP_UNITS_BLOCK < x->n ? first + GP_UNITS_BLOCK : x->n;
  lo = first;
  hi = end;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    double row_buf[65];
    if (x->k + 1 > 65) return gp_fail(err, GP_EINVAL, "on", "too many covariates");
    gp_code rc = gp_store_units_index_read(x, mid, 1, row_buf, err);
    if (rc) return rc;
    if (row_buf[0] < key)
      lo = mid + 1;
    else
      hi = mid;
  }
  *row = lo;
  return GP_OK;
}

void gp_store_units_index_close(gp_units_index *x) {
  if (!x) return;
  for (int i = 0; i < 2; i++)
    if (x->open[i]) sqlite3_blob_close(x->open[i]);
  free(x->keys);
  free(x);
}

void gp_store_units_map(gp_store *s) {
  sqlite3 *db = gp_units_db(s, NULL);
  if (db) sqlite3_exec(db, "PRAGMA mmap_size = 17179869184", NULL, NULL, NULL);
}

gp_code gp_store_units_history(gp_store *s, const char *metric_id, const char *unit_id,
                               void (*cb)(void *ctx, const gp_unit_history_row *row), void *ctx,
                               gp_error *err) {
  sqlite3 *db = gp_units_db(s, err);
  if (!db) return GP_EINTERNAL;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(
          db,
          "SELECT v.period, v.pos, v.value, v.se, v.lower, v.upper, v.denominator,"
          " v.missing, (SELECT count(*) FROM unit_scans c"
          "  WHERE c.metric_id = v.metric_id AND c.period = v.period)"
          " FROM unit_values v INDEXED BY unit_values_unit"
          " JOIN unit_datasets d ON d.metric_id = v.metric_id AND d.period = v.period"
          " WHERE v.unit_id = ? AND v.metric_id = ?"
          " ORDER BY d.period_start, v.period",
          -1, &st, NULL) != SQLITE_OK)
    return gp_units_fail(db, err, "history");
  gp_units_bind_text(st, 1, unit_id);
  gp_units_bind_text(st, 2, metric_id);
  int r;
  gp_code rc = GP_OK;
  while (rc == GP_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
    gp_unit_history_row h;
    memset(&h, 0, sizeof h);
    snprintf(h.period, sizeof h.period, "%s", (const char *)sqlite3_column_text(st, 0));
    size_t pos = (size_t)sqlite3_column_int64(st, 1);
    double *nums[5] = {&h.value, &h.se, &h.lower, &h.upper, &h.denominator};
    for (int c = 0; c < 5; c++)
      *nums[c] =
          sqlite3_column_type(st, 2 + c) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2 + c);
    const char *m = (const char *)sqlite3_column_text(st, 7);
    if (m) snprintf(h.missing, sizeof h.missing, "%s", m);
    h.indicator = NAN;
    if (sqlite3_column_int(st, 8) > 0) {
      gp_error e2;
      if (gp_units_gather_blocked(db, metric_id, h.period, "scan.flags", 1, &pos, 1, &h.flag,
                                  &e2) == GP_OK &&
          gp_units_gather_blocked(db, metric_id, h.period, "scan.indicator", sizeof(double), &pos,
                                  1, &h.indicator, &e2) == GP_OK)
        h.scanned = true;
    }
    cb(ctx, &h);
  }
  if (rc == GP_OK && r != SQLITE_DONE) rc = gp_units_fail(db, err, "history");
  sqlite3_finalize(st);
  return rc;
}
