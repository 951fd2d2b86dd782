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
  size_t n;                /* number of units */
  size_t k;                /* number of context covariates (>= 1) */
  const double *x;         /* n × k covariates, row-major */
  const int8_t *flag;      /* scan flag per unit (+1 high, -1 low, 0); may be NULL */
  const double *indicator; /* scan indicator per unit (for "by how much"); may be NULL */
} gp_peers_data;

/* One peer. */
typedef struct gp_peer {
  size_t unit;       /* index into the data */
  double distance;   /* Euclidean distance in standard deviations */
  int8_t flag;       /* its scan flag (0 when no flags were given) */
  double difference; /* its indicator minus the unit's (NaN without indicators) */
} gp_peer;

/* The result: peers nearest first. peers is malloc'd; free with gp_peers_free. */
typedef struct gp_peers_result {
  size_t npeers;   /* number of peers found (<= the k asked) */
  gp_peer *peers;  /* nearest first */
  size_t nhigh;    /* how many of them are flagged high */
  double mean[64]; /* the covariates' means used to standardise */
  double sd[64];   /* their standard deviations */
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

/* The same search over units given in chunks, for data too large to hold at
 * once (a million units streamed from the store): two passes over the rows,
 * the first for the columns' means and standard deviations, the second for
 * the distances. Rows are passed in order; a pass may take any number of
 * chunks of whole rows (NaN: missing). gp_peers_find is this search over
 * one chunk. */
typedef struct gp_peers_search gp_peers_search;

/* Starts a search for the kpeers units nearest to unit `unit`, whose k
 * covariates are me. Returns GP_OK with *out, or GP_EINVAL as gp_peers_find. */
gp_code gp_peers_search_new(size_t k, const double *me, size_t unit, size_t kpeers,
                            gp_peers_search **out, gp_error *err);

/* Pass 1: adds rows (rows × k, row-major) to the column statistics. */
void gp_peers_search_stats(gp_peers_search *s, const double *x, size_t rows);

/* Pass 2: ranks rows first .. first + rows - 1 (call after every pass-1 chunk). */
void gp_peers_search_rank(gp_peers_search *s, const double *x, size_t first, size_t rows);

/* The peers found, nearest first, with distances; flag 0, difference NaN
 * and nhigh 0 (the caller fills them). Free out with gp_peers_free. */
void gp_peers_search_result(gp_peers_search *s, gp_peers_result *out);

/* Frees the search (NULL allowed). */
void gp_peers_search_free(gp_peers_search *s);

/* Fixes the columns' means and standard deviations instead of pass 1 (from
 * gp_peers_index, kept with the data). */
void gp_peers_search_set_scales(gp_peers_search *s, const double *mean, const double *sd);

/* Pass 2 over rows that are not in order: row r is unit units[r]. */
void gp_peers_search_rank_at(gp_peers_search *s, const double *x, const size_t *units, size_t rows);

/* The squared distance a candidate must beat to enter the current k best
 * (INFINITY until k have been seen). A scan along a sorted column may stop
 * once (Δ column / sd)² exceeds it: no farther row can get in. */
double gp_peers_search_bound(const gp_peers_search *s);

/* The sort key's scale, 1/sd of column j (0 for a constant column). */
double gp_peers_search_inv_sd(const gp_peers_search *s, size_t j);

/* Reads rows first .. first + rows - 1 (rows > 0) of a sorted index into x
 * (rows × the search's k, in its column order), units and key (the sort
 * column's values); returns how many rows it read (0 past the end). */
typedef size_t (*gp_peers_read_fn)(void *ctx, size_t first, size_t rows, double *x, size_t *units,
                                   double *key);

/* Pass 2 by a slab along a sorted index of n rows (gp_peers_index): from
 * row start (where the unit's key falls) outwards in both directions, chunk
 * rows at a time, each direction stopping once the key alone puts every
 * further row beyond the k best (key_col: the sort column's place among the
 * search's columns, whose scale must be set). Exact: gives the peers of a
 * full pass. Returns the rows read. */
size_t gp_peers_search_slab(gp_peers_search *s, size_t n, size_t start, size_t key_col,
                            size_t chunk, gp_peers_read_fn read, void *ctx);

/* An index for fast peers: the n rows of x (n × k) sorted by column 0
 * (ascending, NaN last, ties by row), each followed by its row number, into
 * sorted (n × (k + 1)); and each column's mean and sample standard deviation
 * over the rows with a value (NaN when none). */
void gp_peers_index(const double *x, size_t n, size_t k, double *sorted, double *mean, double *sd);

#endif
