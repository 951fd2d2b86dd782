/*
 * gp_polis_kmeans — Pol.is's k-means in the opinion plane (2-d points,
 * optional weights) and the silhouette used to choose the number of groups.
 *
 * Lloyd's algorithm as in Pol.is's clusters.clj: assign each point to the
 * nearest centre, drop clusters left empty, move each centre to the
 * (weighted) mean of its members, stop when no centre moves by `tol` or after
 * max_iters steps. Pol.is starts from the first k distinct points; we offer
 * that, a seeded k-means++ start, and a warm start from given centres (the
 * last update's). Hamerly's distance bounds skip most distance computations
 * without changing the assignments (up to exact ties). Parallel over fixed
 * chunks: the result does not depend on the number of threads. See
 * docs/methods/deliberation.md.
 */
#ifndef GP_POLIS_KMEANS_H
#define GP_POLIS_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "util/gp_error.h"

/* How the centres start. */
typedef enum gp_polis_init {
  GP_POLIS_INIT_FIRST = 0, /* the first k distinct points, in order (Pol.is's init-clusters) */
  GP_POLIS_INIT_PLUSPLUS,  /* k-means++ (D^2 sampling) from the seed, then best of n_init */
  GP_POLIS_INIT_GIVEN      /* the n_given centres in `centers` on entry (a warm start: the
                              last update's clusters), topped up to k with the points
                              farthest from every centre (as Pol.is's clean-start-clusters) */
} gp_polis_init;

/* Options of one k-means run. */
typedef struct gp_polis_kmeans_opts {
  size_t k;           /* clusters wanted (fewer if fewer distinct points) */
  int max_iters;      /* Lloyd steps at most */
  double tol;         /* convergence: largest centre move (Pol.is: 0.01) */
  gp_polis_init init; /* how to start */
  int n_init;         /* k-means++ restarts (best weighted inertia kept); >= 1 */
  uint64_t seed;      /* for k-means++ */
  int threads;        /* worker threads; the result does not depend on it */
  size_t n_given;     /* with GP_POLIS_INIT_GIVEN: centres given (<= k) */
} gp_polis_kmeans_opts;

/* Clusters n points xy[2*i], xy[2*i+1] with weights w[i] (NULL: all 1).
 * Writes assign[i] (cluster 0 .. *k_out-1), centers[2*c..] (room for 2*k),
 * and *k_out. Cluster numbers follow the start order with empty clusters
 * dropped (Pol.is's ids, renumbered densely). Returns GP_OK, GP_EINVAL if
 * n == 0 or k == 0, GP_ENOMEM. */
gp_code gp_polis_kmeans(const double *xy, const double *w, size_t n, const gp_polis_kmeans_opts *o,
                        int *assign, double *centers, size_t *k_out, gp_error *err);

/* Pol.is's silhouette of a clustering of n points given their pairwise
 * distances dist[i*n+j]: the unweighted mean over points of
 * (b - a) / max(a, b), a = mean distance to the rest of its own cluster,
 * b = least mean distance to another cluster; 0 for a point alone in its
 * cluster. Returns the mean (0 when n == 0). */
double gp_polis_silhouette(const double *dist, size_t n, const int *assign, size_t k);

#endif
