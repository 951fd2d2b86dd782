/*
 * gp_peers — peer families: the k units most similar to a given unit by
 * standardised context (Euclidean distance on covariates scaled to mean 0,
 * standard deviation 1 over all units), and among them the ones a scan
 * flagged high: "who like us does better, and by how much".
 * Pure computation, no I/O. Method: docs/methods/scan.md ("Peers").
 */
#ifndef GP_PEERS_H
#define GP_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "util/gp_error.h"

/* The units to search. Arrays have n entries (x: n × k row-major) and are
 * not owned; NaN in x marks a missing covariate (such units are skipped). */
typedef struct gp_peers_data {
  size_t n;               /* number of units */
  size_t k;               /* number of context covariates (>= 1) */
  const double *x;        /* n × k covariates, row-major */
  const int8_t *flag;     /* scan flag per unit (+1 high, -1 low, 0); may be NULL */
  const double *indicator;/* scan indicator per unit (for "by how much"); may be NULL */
} gp_peers_data;

/* One peer. */
typedef struct gp_peer {
  size_t unit;        /* index into the data */
  double distance;    /* Euclidean distance in standard deviations */
  int8_t flag;        /* its scan flag (0 when no flags were given) */
  double difference;  /* its indicator minus the unit's (NaN without indicators) */
} gp_peer;

/* The result: peers nearest first. peers is malloc'd; free with gp_peers_free. */
typedef struct gp_peers_result {
  size_t npeers;        /* number of peers found (<= the k asked) */
  gp_peer *peers;       /* nearest first */
  size_t nhigh;         /* how many of them are flagged high */
  double mean[64];      /* the covariates' means used to standardise */
  double sd[64];        /* their standard deviations */
} gp_peers_result;

/* Finds the kpeers units nearest to unit `unit` (itself excluded), ties
 * broken by index. Returns GP_OK with *out filled (free with gp_peers_free),
 * or GP_EINVAL: unit out of range ("unit"), the unit's own covariates
 * missing ("on[j]"), k = 0 or > 64 ("on"), kpeers = 0 ("k"). A covariate
 * that is constant over all units is left unscaled (its distance is 0). */
gp_code gp_peers_find(const gp_peers_data *d, size_t unit, size_t kpeers, gp_peers_result *out,
                      gp_error *err);

/* Frees out->peers. */
void gp_peers_free(gp_peers_result *out);

#endif
