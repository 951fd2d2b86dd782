/*
 * gp_scanjson — the JSON documents of `gameplan scan --json` and
 * `gameplan peers --json` (the same documents the API serves). The scan
 * document is the contract:
 *   {"metric", "period", "type", "target", "phi", "tau2", "units": [{"unit",
 *    "name", "observed", "expected", "indicator", "se", "z", "limits":
 *    {"95": [lo, hi], ...}, "flag": {"95": "high"|"low"|"none", ...},
 *    "q_value", "shrunk": {"estimate", "lower", "upper"}, "persistence"}],
 *   "funnel": [{"x", "limits": {"95": [lo, hi], ...}}]}
 * plus "analysed_as", "overdispersion", "od_applied", "trim", "adjust",
 * "model" (coefficients with standard errors), "counts" and "fdr".
 * Numbers that are not defined (NaN) are null. docs/methods/scan.md.
 */
#ifndef GP_SCANJSON_H
#define GP_SCANJSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_peers.h"
#include "engine/gp_scan.h"

/* What the scan document says besides the engine's result. */
typedef struct gp_scanjson_in {
  const char *metric;          /* metric id */
  const char *period;          /* period text */
  const gp_scan_options *opt;  /* options used */
  const char *const *adjust;   /* covariate names adjusted for */
  size_t nadjust;              /* how many */
  const char *const *ids;      /* unit ids, indexed like the result's units */
  const char *const *names;    /* unit names (entries may be NULL), same indexing */
  const int32_t *persistence;  /* per unit, or NULL */
  size_t history;              /* periods looked at for persistence */
  size_t n_rows;               /* rows in the data set */
  size_t n_missing;            /* rows with a missing value */
  const char *missing_reasons; /* JSON object text reason -> count, or NULL */
  size_t n_no_covariates;      /* rows left out for a missing covariate */
} gp_scanjson_in;

/* The scan document (a new reference; caller decrefs). */
json_t *gp_scanjson_scan(const gp_scanjson_in *in, const gp_scan_result *r);

/* The key of a level in "limits"/"flag": 0.95 -> "95", 0.998 -> "99.8".
 * buf holds at least 16 bytes. */
const char *gp_scanjson_level_key(double level, char *buf);

/* What the peers document says about the unit asked for. */
typedef struct gp_peersjson_in {
  const char *metric;            /* metric id */
  const char *period;            /* period */
  const char *unit;              /* the unit */
  const char *name;              /* its name, or NULL */
  double indicator;              /* its indicator (NaN: none) */
  int8_t flag;                   /* its flag */
  const char *const *on;         /* covariates used */
  size_t non;                    /* how many */
  const double *unit_ctx;        /* its covariate values (non) */
  const char *const *peer_ids;   /* npeers ids */
  const char *const *peer_names; /* npeers names (entries may be NULL) */
  const double *peer_ctx;        /* npeers × non covariate values */
  const char *flags_from;        /* "saved scan" or "default scan" */
  int8_t better;                 /* the flag that means better: +1 (higher is better) or -1 */
} gp_peersjson_in;

/* The peers document: {"metric", "period", "unit", "name", "indicator",
 * "flag", "on": [...], "context": {...}, "peers": [{"unit", "name",
 * "distance", "flag", "indicator_difference", "context": {...}}],
 * "better": [unit ids of peers flagged the better way: high, or low for a
 * metric where lower is better], "better_flag": "high"|"low", "flags_from"}. */
json_t *gp_scanjson_peers(const gp_peersjson_in *in, const gp_peers_result *r);

#endif
