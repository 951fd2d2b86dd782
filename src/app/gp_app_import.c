/*
 * gp_app_import — importing observation CSV into the store; see gp_app.h.
 *
 * The reader (io/gp_obscsv) streams rows; each is put through the store's
 * import (one transaction). By default the first bad row aborts and rolls
 * everything back; with a rejects file, bad rows (unreadable, invalid, or a
 * duplicate within the file) are written there with their line and reason.
 */
#include <stdbool.h>
#include <string.h>

#include "app/gp_app.h"
#include "io/gp_obscsv.h"

/* Writes one CSV field, quoted when needed. */
static void gp_csv_field(FILE *f, const char *s, bool last) {
  bool quote = strpbrk(s, ",\"\r\n") != NULL;
  if (quote) {
    fputc('"', f);
    for (; *s; s++) {
      if (*s == '"') fputc('"', f);
      fputc(*s, f);
    }
    fputc('"', f);
  } else {
    fputs(s, f);
  }
  fputc(last ? '\n' : ',', f);
}

static void gp_reject(FILE *rej, const gp_obscsv *r, long line, const gp_error *e) {
  char reason[1100];
  snprintf(reason, sizeof reason, "%s%s%s", e->path, e->path[0] ? ": " : "", e->message);
  char ln[24];
  snprintf(ln, sizeof ln, "%ld", line);
  size_t n;
  const char *const *f = gp_obscsv_fields(r, &n);
  gp_csv_field(rej, ln, false);
  gp_csv_field(rej, reason, n == 0);
  for (size_t i = 0; i < n; i++)
    gp_csv_field(rej, f[i], i + 1 == n);
}

gp_code gp_app_import(gp_store *s, FILE *f, const gp_import_opts *o, gp_import_stats *stats,
                      long *rejected, gp_error *err) {
  gp_obscsv *r = NULL;
  gp_obs_import *imp = NULL;
  long nrej = 0;
  memset(stats, 0, sizeof *stats);
  gp_code rc = gp_obscsv_open(f, o->name, &r, err);
  if (rc) return rc;
  if (o->rejects) {
    size_t n;
    const char *const *h = gp_obscsv_header(r, &n);
    gp_csv_field(o->rejects, "line", false);
    gp_csv_field(o->rejects, "reason", n == 0);
    for (size_t i = 0; i < n; i++)
      gp_csv_field(o->rejects, h[i], i + 1 == n);
  }
  rc = gp_store_import_begin(s, o->metric_id, o->name, o->source ? o->source : o->name, &imp, err);
  if (rc) goto out;
  for (long rows = 0;; rows++) {
    gp_observation obs;
    bool done;
    long line = 0;
    gp_error e;
    gp_error_clear(&e);
    rc = gp_obscsv_next(r, &obs, &done, &line, &e);
    if (rc == GP_OK && done) break;
    if (rc == GP_OK) {
      rc = gp_store_import_put(imp, &obs, &e);
      if (rc == GP_ECONFLICT) {
        char pos[300];
        snprintf(pos, sizeof pos, "%s:%ld", o->name, line);
        gp_error_prefix_path(&e, pos);
      }
    }
    if (rc == GP_EINVAL || rc == GP_ECONFLICT || rc == GP_ESYNTAX) {
      if (!o->rejects || rc == GP_ESYNTAX) {
        *err = e;
        goto out;
      }
      gp_reject(o->rejects, r, line, &e);
      nrej++;
      rc = GP_OK;
      continue;
    }
    if (rc) {
      *err = e;
      goto out;
    }
    if (o->progress && (rows & 0x3fff) == 0)
      o->progress(o->progress_ctx, gp_obscsv_offset(r), rows);
  }
  if (o->progress) o->progress(o->progress_ctx, gp_obscsv_offset(r), -1);
  rc = gp_store_import_end(imp, true, stats, err);
  imp = NULL;
out:
  if (imp) gp_store_import_end(imp, false, NULL, NULL);
  gp_obscsv_close(r);
  if (rejected) *rejected = nrej;
  return rc;
}
