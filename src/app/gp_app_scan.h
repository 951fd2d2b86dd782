/*
 * gp_app_scan — the funnel-plot scan of a metric's unit data and the peers
 * search, shared by `gameplan scan` / `gameplan peers` and the API
 * (GET /api/v1/metrics/{id}/scan, .../peers, .../units/{unit}).
 *
 * A scan loads one period's data set (default: the latest), runs the engine
 * (src/engine/gp_scan.c), rescans up to history − 1 earlier periods with the
 * same options for persistence (on worker threads with their own store
 * handles when a database path is given), and optionally saves the flags
 * for peers and the UI. Peers finds the units most like one unit by
 * standardised context (src/engine/gp_peers.c) with the saved scan's flags
 * (or a default scan's when none is saved). Methods: docs/methods/scan.md.
 *
 * These functions never print: the CLI renders the results as text or as
 * the JSON documents of src/io/gp_scanjson.h, the API as JSON.
 */
#ifndef GP_APP_SCAN_H
#define GP_APP_SCAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_peers.h"
#include "engine/gp_scan.h"
#include "io/gp_scanjson.h"
#include "model/gp_period.h"
#include "store/gp_store.h"
#include "store/gp_store_units.h"

#define GP_APP_SCAN_MAX_PERIODS 64 /* periods looked at */
#define GP_APP_SCAN_MAX_LIST 64    /* covariates in adjust / on */

/* What to scan. */
typedef struct gp_app_scan_opts {
  const char *metric;       /* the metric id */
  const char *period;       /* the period (any accepted form), or NULL: the latest with data */
  gp_scan_options opt;      /* engine options (start from gp_scan_options_default()) */
  bool type_given;          /* opt.type was chosen (else it follows the data's kind) */
  const char *adjust;       /* comma-separated covariates to adjust for, or NULL */
  long history;             /* periods looked at for persistence, 1..GP_APP_SCAN_MAX_PERIODS */
  bool save;                /* save the scan's flags and indicators for peers and the UI */
  const char *dbpath;       /* database path for worker threads scanning earlier periods;
                               NULL: scan them on the caller's handle, one after another */
  bool include_unpublished; /* false: a metric of an unpublished mission is GP_ENOTFOUND */
  const char *argp;         /* prefix of argument names in error paths: "--" (CLI), "" (API) */
} gp_app_scan_opts;

/* A scan's result (opaque). */
typedef struct gp_app_scan gp_app_scan;

/* Runs the scan. On GP_OK *out is the caller's (gp_app_scan_free). Errors:
 * GP_ENOTFOUND (no such metric, not visible, no unit data, no data for the
 * period), GP_EINVAL (a type that does not fit the data, an unknown or
 * constant covariate, a bad value: named by row), GP_ESTORE. */
gp_code gp_app_scan_run(gp_store *s, const gp_app_scan_opts *o, gp_app_scan **out, gp_error *err);

/* What the scan document says besides the engine's result, and the engine's
 * result (both owned by sc, valid until gp_app_scan_free). */
const gp_scanjson_in *gp_app_scan_in(const gp_app_scan *sc);
const gp_scan_result *gp_app_scan_result(const gp_app_scan *sc);

/* The scan document (gp_scanjson_scan; a new reference). */
json_t *gp_app_scan_json(const gp_app_scan *sc);

/* Frees the scan (NULL allowed). */
void gp_app_scan_free(gp_app_scan *sc);

/* Runs the scan and returns its document in *out (a new reference). */
gp_code gp_app_scan_doc(gp_store *s, const gp_app_scan_opts *o, json_t **out, gp_error *err);

/* Parses levels "95,99.8" (percentages) into o->levels / o->nlevels.
 * path names the argument in errors. */
gp_code gp_app_scan_parse_limits(const char *text, gp_scan_options *o, const char *path,
                                 gp_error *err);

/* Options saved with the metric's latest saved scan for period (NULL: the
 * latest period with data) applied to *o (type, adjust into adjust_buf,
 * overdispersion, trim, first level, fdr). *found false when none. */
gp_code gp_app_scan_saved_options(gp_store *s, const char *metric, const char *period,
                                  gp_app_scan_opts *o, char *adjust_buf, size_t adjust_len,
                                  bool *found, gp_error *err);

/* What to look for peers of. */
typedef struct gp_app_peers_opts {
  const char *metric;       /* the metric id */
  const char *unit;         /* the unit */
  const char *period;       /* the period, or NULL: the latest with data */
  long k;                   /* how many peers (1..10000) */
  const char *on;           /* comma-separated covariates, or NULL: all of the data set's */
  bool include_unpublished; /* false: a metric of an unpublished mission is GP_ENOTFOUND */
  const char *argp;         /* prefix of argument names in error paths: "--" or "" */
} gp_app_peers_opts;

/* Peers of a unit: the engine's result and what the listing shows. All
 * arrays are owned by the struct (gp_app_peers_free). */
typedef struct gp_app_peers {
  char period[GP_PERIOD_MAX];     /* the period looked at */
  gp_unit_row me;                 /* the unit's row */
  int8_t better;                  /* +1: higher is better (high flags are better), -1 */
  const char *flags_from;         /* "saved scan" or the default scan's note */
  size_t non;                     /* covariates compared on */
  char *on[GP_APP_SCAN_MAX_LIST]; /* their names (point into onbuf or names) */
  char onbuf[4096];               /* storage for on */
  gp_peers_result pr;             /* the peers (flag and difference filled in) */
  gp_unit_row *rows;              /* pr.npeers peers' rows, then the unit's */
  double *ind;                    /* pr.npeers + 1 indicators (the unit's last; NaN: none) */
  int8_t *flags;                  /* pr.npeers + 1 first-level flags (the unit's last) */
  double *used;                   /* (pr.npeers + 1) × non covariate values (the unit's last) */
  char **cnames;                  /* the data set's covariate names */
  size_t kc;                      /* how many */
} gp_app_peers;

/* Finds the peers. On GP_OK *out is filled (gp_app_peers_free), on error
 * it is freed already. Errors: GP_ENOTFOUND (metric, period, unit),
 * GP_EINVAL (no covariates, unknown covariate, unit without a value),
 * GP_ESTORE. */
gp_code gp_app_peers_run(gp_store *s, const gp_app_peers_opts *o, gp_app_peers *out, gp_error *err);

/* The peers document (gp_scanjson_peers; a new reference). */
json_t *gp_app_peers_json(const gp_app_peers *p, const char *metric, const char *unit);

/* Frees what p owns. */
void gp_app_peers_free(gp_app_peers *p);

/* The metric's unit data: {"metric", "periods": [newest first], "latest":
 * {"period", "units", "covariates": [...]}} ("periods" empty and "latest"
 * null when it has none). GP_ENOTFOUND for an unknown (or not visible) metric. */
gp_code gp_app_units_doc(gp_store *s, const char *metric, bool include_unpublished, json_t **out,
                         gp_error *err);

/* A unit's page: {"metric", "unit", "name", "type", "parent", "history":
 * [{"period", "value", "se", "lower", "upper", "denominator", "missing",
 * "scanned", "flag", "indicator"}]} oldest first (gp_store_units_history;
 * NaN is null, flag "high"|"low"|"none" or null when not scanned).
 * GP_ENOTFOUND when the unit or the metric is unknown (or not visible), or
 * the unit has no values for the metric. */
gp_code gp_app_unit_doc(gp_store *s, const char *metric, const char *unit, bool include_unpublished,
                        json_t **out, gp_error *err);

#endif
