/*
 * gp_store_units — storage of front-line units, their per-period values for
 * a metric (with context covariates) and their saved scans (schema:
 * src/store/migrations/050_units.sql).
 *
 * A data set is one metric's values for one period, imported whole: saving
 * it replaces any earlier data set for the same metric and period, in one
 * transaction, and creates the units it meets. It is kept both one row a
 * unit (unit_values, for queries and history) and as columnar arrays (for
 * scans of a million units).
 *
 * Backend: SQLite only for now (the functions return GP_EINTERNAL on another
 * backend). All SQL uses bound parameters.
 *
 * Memory: a gp_unit_dataset owns everything it points to; free it with
 * gp_unit_dataset_free.
 */
#ifndef GP_STORE_UNITS_H
#define GP_STORE_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/gp_period.h"
#include "store/gp_store.h"
#include "util/gp_arena.h"
#include "util/gp_error.h"

/* What a data set's values are. */
typedef enum gp_unit_kind {
  GP_UNIT_SCORE,            /* val = a score, se = its standard error */
  GP_UNIT_COUNT,            /* val = numerator, den = denominator */
  GP_UNIT_OBSERVED_EXPECTED /* val = observed count, den = expected count */
} gp_unit_kind;

/* One metric's unit values for one period. Arrays have n entries (ctx:
 * n × k row-major); optional arrays may be NULL. NaN marks a missing
 * number. */
typedef struct gp_unit_dataset {
  gp_arena arena;              /* owns the strings */
  char metric_id[65];          /* the metric */
  char period[GP_PERIOD_MAX];  /* canonical period text */
  int32_t period_start;        /* its first day (days since 1970-01-01) */
  gp_unit_kind kind;           /* what val/se/den mean */
  size_t n;                    /* units */
  size_t k;                    /* covariates */
  const char **ids;            /* n unit ids */
  const char **names;          /* n names (NULL: none given) */
  const char **missing;        /* n reasons a value is missing (NULL: present); NULL when loaded */
  double *val;                 /* n values (NaN: missing) */
  double *se;                  /* n standard errors, or NULL */
  double *lower, *upper;       /* n interval bounds as given, or NULL */
  double *den;                 /* n denominators or expected counts, or NULL */
  double *ctx;                 /* n × k covariates (row by row; k × n when ctx_by_column), or
                                  NULL when k = 0 */
  bool ctx_by_column;          /* ctx holds column j at ctx + j * n (gp_store_units_load_scan) */
  const char **cov_names;      /* k covariate names */
  size_t n_missing;            /* units whose value is missing */
  const char *missing_reasons; /* JSON object reason -> count (arena) */
  const char *unit_type;       /* type given to new units (e.g. "school"), or NULL */
  const char **parents;        /* n parent places, or NULL */
  const char *source;          /* where the data came from, or NULL */
  const char *file;            /* the file imported, or NULL */
  const char *imported_at;     /* when (loaded data sets only) */
  double *ctx_sorted;          /* for saving: n × (k + 1) peers index (gp_peers_index), or NULL */
  double *ctx_mean;            /* for saving: k covariate means, or NULL */
  double *ctx_sd;              /* for saving: k covariate standard deviations, or NULL */
  char *idbuf;                 /* loaded data sets: the buffer ids point into (malloc'd) */
  size_t idbytes;              /* loaded data sets: bytes in idbuf (NUL-separated ids) */
  char *namebuf;               /* loaded data sets: the buffer names point into (malloc'd) */
} gp_unit_dataset;

/* Frees everything *d owns and zeroes it (NULL allowed). */
void gp_unit_dataset_free(gp_unit_dataset *d);

/* "score", "count", "observed_expected"; and the reverse. */
const char *gp_unit_kind_name(gp_unit_kind k);
bool gp_unit_kind_parse(const char *s, gp_unit_kind *k);

/* Saves d (replacing the metric's data set for d->period), creating units
 * that do not exist yet and filling in names, types and parents that were
 * empty. Runs in its own transaction (or the caller's). Returns GP_OK,
 * GP_ENOTFOUND when the metric does not exist, or GP_ESTORE. */
gp_code gp_store_units_save(gp_store *s, const gp_unit_dataset *d, gp_error *err);

/* Loads the data set of metric for period (canonical text) into *out.
 * Returns GP_OK, GP_ENOTFOUND ("period") when there is none, GP_ESTORE. */
gp_code gp_store_units_load(gp_store *s, const char *metric_id, const char *period,
                            gp_unit_dataset *out, gp_error *err);

/* As gp_store_units_load for scans: the covariates by column (ctx k × n,
 * ctx_by_column set: each covariate contiguous, read a chunk of rows at a
 * time). lean, for scans that need only the numbers: no names and no ids
 * (names, ids and idbuf NULL; gp_store_units_load_ids reads the ids when
 * needed, gp_store_units_ids_equal compares them without keeping them). */
gp_code gp_store_units_load_scan(gp_store *s, const char *metric_id, const char *period, bool lean,
                                 gp_unit_dataset *out, gp_error *err);

/* Fills d->ids (and idbuf, idbytes) of a data set loaded lean; nothing to do
 * when they are there. Returns GP_OK or GP_ESTORE. */
gp_code gp_store_units_load_ids(gp_store *s, gp_unit_dataset *d, gp_error *err);

/* Whether the ids of metric's data set for period are byte for byte the
 * bytes bytes at ids (another data set's idbuf: NUL-separated), read a chunk
 * at a time without keeping them. *equal false when there is no such data
 * set. Returns GP_OK or GP_ESTORE. */
gp_code gp_store_units_ids_equal(gp_store *s, const char *metric_id, const char *period,
                                 const char *ids, size_t bytes, bool *equal, gp_error *err);

/* The periods with a data set for the metric, newest first, at most max,
 * into periods (each GP_PERIOD_MAX bytes); *n gets how many. */
gp_code gp_store_units_periods(gp_store *s, const char *metric_id, char (*periods)[GP_PERIOD_MAX],
                               size_t max, size_t *n, gp_error *err);

/* A unit's position in the data set's arrays; GP_ENOTFOUND ("unit") when the
 * unit has no row in it. */
gp_code gp_store_units_pos(gp_store *s, const char *metric_id, const char *period,
                           const char *unit_id, size_t *pos, gp_error *err);

/* Saves a scan of a data set (replacing the previous one): options and
 * summary are JSON texts; flags and indicator have n entries in pos order. */
gp_code gp_store_units_scan_save(gp_store *s, const char *metric_id, const char *period,
                                 const char *options, const char *summary, const int8_t *flags,
                                 const double *indicator, size_t n, gp_error *err);

/* Loads the saved scan's flags and indicators (n entries each, as the data
 * set) and, if options is non-NULL, its options JSON (malloc'd, caller
 * frees). *found is false when there is none (or its size differs). */
gp_code gp_store_units_scan_load(gp_store *s, const char *metric_id, const char *period, size_t n,
                                 int8_t *flags, double *indicator, char **options, bool *found,
                                 gp_error *err);

/* The context covariates of a data set without its values (for peers):
 * *k names (malloc'd array of malloc'd strings; free with
 * gp_store_units_names_free) and the n × k matrix (malloc'd; NULL when k = 0). */
gp_code gp_store_units_context(gp_store *s, const char *metric_id, const char *period, size_t *n,
                               size_t *k, char ***names, double **ctx, gp_error *err);
void gp_store_units_names_free(char **names, size_t k);

/* The covariate names of a data set and its number of units, without
 * its values: *names as for gp_store_units_context. */
gp_code gp_store_units_covariates(gp_store *s, const char *metric_id, const char *period, size_t *n,
                                  size_t *k, char ***names, gp_error *err);

/* The covariates' means and standard deviations saved with the data set
 * into mean and sd (k each); *found false when none were saved. */
gp_code gp_store_units_ctx_stats(gp_store *s, const char *metric_id, const char *period, size_t k,
                                 double *mean, double *sd, bool *found, gp_error *err);

/* Reads m elements of elem bytes each, at element indices idx, from a
 * column of a data set ("val", "se", "den", "ctx" (elem = 8k), or the
 * blocked "scan.flags", "scan.indicator") into out (m × elem bytes). GP_ENOTFOUND when the column
 * is absent, GP_ESTORE when an index is out of range. */
gp_code gp_store_units_column_gather(gp_store *s, const char *metric_id, const char *period,
                                     const char *name, size_t elem, const size_t *idx, size_t m,
                                     void *out, gp_error *err);

/* Streams a column to cb in chunks of at most chunk bytes (chunk > 0; each
 * call gets the data, its size and its byte offset), from one blob handle
 * and one fixed buffer: memory stays small whatever the size. *total gets
 * the column's size. GP_ENOTFOUND when absent. */
gp_code gp_store_units_column_stream(gp_store *s, const char *metric_id, const char *period,
                                     const char *name, size_t chunk,
                                     void (*cb)(void *ctx, const void *data, size_t bytes,
                                                size_t offset),
                                     void *ctx, size_t *total, gp_error *err);

/* A column held open for reads at any offset (one blob handle). */
typedef struct gp_units_column gp_units_column;

/* Opens a column of a data set; *bytes gets its size. GP_ENOTFOUND when
 * absent. Close with gp_store_units_column_close before closing the store. */
gp_code gp_store_units_column_open(gp_store *s, const char *metric_id, const char *period,
                                   const char *name, gp_units_column **out, size_t *bytes,
                                   gp_error *err);

/* Reads bytes at offset into buf. GP_ESTORE beyond the end. */
gp_code gp_store_units_column_read(gp_units_column *c, size_t offset, size_t bytes, void *buf,
                                   gp_error *err);

/* Closes the column (NULL allowed). */
void gp_store_units_column_close(gp_units_column *c);

/* The peers index of a data set (rows of its covariates sorted by the first
 * one, each followed by its position; see gp_peers_index), read in blocks. */
typedef struct gp_units_index gp_units_index;

/* Opens the index of a data set of n units and k covariates; GP_ENOTFOUND
 * when it has none. Close before closing the store. */
gp_code gp_store_units_index_open(gp_store *s, const char *metric_id, const char *period, size_t n,
                                  size_t k, gp_units_index **out, gp_error *err);

/* Reads index rows first .. first + rows - 1 into out (rows × (k + 1)). */
gp_code gp_store_units_index_read(gp_units_index *x, size_t first, size_t rows, double *out,
                                  gp_error *err);

/* The first index row whose key (first covariate) is not below key. */
gp_code gp_store_units_index_find(gp_units_index *x, double key, size_t *row, gp_error *err);

/* Closes the index (NULL allowed). */
void gp_store_units_index_close(gp_units_index *x);

/* One row of a data set, by position. */
typedef struct gp_unit_row {
  char id[256];          /* unit id */
  char name[256];        /* unit name ("" if none) */
  double value;          /* value (NaN: missing) */
  double denominator;    /* denominator or expected (NaN: none) */
  double se;             /* standard error (NaN: none) */
  char covariates[4096]; /* its covariates as stored: JSON object name -> value ("" if none) */
} gp_unit_row;

/* The row at position pos of the metric's data set for period;
 * GP_ENOTFOUND when there is none. */
gp_code gp_store_units_at(gp_store *s, const char *metric_id, const char *period, size_t pos,
                          gp_unit_row *out, gp_error *err);

/* Asks SQLite to read this connection's database through a memory map
 * (PRAGMA mmap_size): faster for look-ups that touch thousands of scattered
 * pages (peers), not worth it for whole-column reads (scans). */
void gp_store_units_map(gp_store *s);

/* One period of a unit's history for a metric. */
typedef struct gp_unit_history_row {
  char period[GP_PERIOD_MAX]; /* the period */
  double value;               /* value (NaN: missing) */
  double se;                  /* standard error (NaN: none) */
  double lower, upper;        /* interval as imported (NaN: none) */
  double denominator;         /* denominator or expected (NaN: none) */
  char missing[16];           /* why the value is missing ("" if present) */
  bool scanned;               /* a saved scan covers this period */
  int8_t flag;                /* its first-level flag (1 high, -1 low, 0) */
  double indicator;           /* its indicator (NaN: not scanned) */
} gp_unit_history_row;

/* Calls cb for each period with a value row for the unit in the metric's
 * data, oldest first, with the saved scan's flag where there is one (the
 * unit page: "click for its history"). */
gp_code gp_store_units_history(gp_store *s, const char *metric_id, const char *unit_id,
                               void (*cb)(void *ctx, const gp_unit_history_row *row), void *ctx,
                               gp_error *err);

/* One unit as stored. */
typedef struct gp_unit_info {
  char id[256];     /* the id */
  char name[256];   /* its name ("" if none) */
  char type[64];    /* its type ("" if none) */
  char parent[256]; /* its parent place ("" if none) */
} gp_unit_info;

/* Looks a unit up; GP_ENOTFOUND ("unit") when absent. */
gp_code gp_store_units_get(gp_store *s, const char *unit_id, gp_unit_info *out, gp_error *err);

#endif
