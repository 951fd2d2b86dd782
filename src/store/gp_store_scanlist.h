/*
 * gp_store_scanlist — lists the saved scans of front-line units (the
 * unit_scans table of migrations/050_units.sql) with their options and
 * summaries, for open data. Read-only; SQLite backend only (GP_EINTERNAL on
 * another backend). The scans' per-unit flags and indicators are read with
 * gp_store_units_scan_load (gp_store_units.h).
 */
#ifndef GP_STORE_SCANLIST_H
#define GP_STORE_SCANLIST_H

#include "store/gp_store.h"
#include "util/gp_error.h"

/* One saved scan, as stored. Strings are valid only during the callback. */
typedef struct gp_scan_row {
  const char *metric_id;   /* the metric scanned */
  const char *period;      /* the period of its data set (canonical text) */
  const char *kind;        /* the data set's kind: "score", "count", "observed_expected" */
  long n;                  /* units in the data set (missing ones included) */
  const char *source;      /* the data set's source, or NULL */
  const char *imported_at; /* when the data set was imported (ISO 8601 UTC) */
  const char *created_at;  /* when the scan was saved (ISO 8601 UTC) */
  const char *options;     /* JSON text: type, adjust, overdispersion, trim, level, fdr */
  const char *summary;     /* JSON text: target, phi, tau2, scanned, discoveries */
} gp_scan_row;

/* Calls cb for every saved scan of metric_id (NULL: of every metric),
 * ordered by metric then period start. Returns GP_OK, GP_EINTERNAL when the
 * store is not SQLite, or GP_ESTORE. */
gp_code gp_store_scans_list(gp_store *s, const char *metric_id,
                            void (*cb)(void *ctx, const gp_scan_row *row), void *ctx,
                            gp_error *err);

#endif
