/* gp_polis_kmeans — see gp_polis_kmeans.h. */
#include "engine/gp_polis_kmeans.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_polis_par.h"
#include "engine/gp_polis_pca.h"

/* One assignment pass over a chunk of points, with Hamerly's bounds: a
 * point is re-examined only when its upper bound on the distance to its own
 * centre exceeds both half the distance from that centre to the nearest other
 * centre and its lower bound on the distance to the second-nearest centre.
 * The assignment is the same as Lloyd's (up to exact ties). */
typedef struct gp_polis_km {
  const double *xy;      /* points */
  const double *w;       /* weights or NULL */
  size_t n;              /* points */
  size_t k;              /* current clusters */
  const double *centers; /* 2*k */
  const double *half;    /* k: half the distance to the nearest other centre */
  int *assign;           /* n */
  double *upper;         /* n: bound on the distance to the own centre */
  double *lower;         /* n: bound on the distance to the second-nearest centre */
  bool fresh;            /* bounds not yet valid: scan every point */
  double *partial;       /* n_chunks * 3k: sum w*x, sum w*y, sum w (per cluster) */
  double *cost;          /* n_chunks: weighted squared distances */
  size_t n_chunks;       /* chunks */
} gp_polis_km;

static void gp_polis_km_chunk(void *ctx, size_t c) {
  gp_polis_km *t = ctx;
  size_t i0 = t->n * c / t->n_chunks, i1 = t->n * (c + 1) / t->n_chunks;
  double *acc = t->partial + c * 3 * t->k;
  memset(acc, 0, 3 * t->k * sizeof *acc);
  double cost = 0;
  for (size_t i = i0; i < i1; i++) {
    double x = t->xy[2 * i], y = t->xy[2 * i + 1];
    size_t a = t->fresh ? 0 : (size_t)t->assign[i];
    bool scan = t->fresh;
    if (!scan) {
      double m = t->half[a] > t->lower[i] ? t->half[a] : t->lower[i];
      if (t->upper[i] > m) {
        double ex = x - t->centers[2 * a], ey = y - t->centers[2 * a + 1];
        t->upper[i] = sqrt(ex * ex + ey * ey);
        scan = t->upper[i] > m;
      }
    }
    if (scan) {
      size_t best = 0;
      double b1 = INFINITY, b2 = INFINITY;
      for (size_t q = 0; q < t->k; q++) {
        double dx = x - t->centers[2 * q], dy = y - t->centers[2 * q + 1];
        double d = dx * dx + dy * dy;
        if (d < b1) {
          b2 = b1;
          b1 = d;
          best = q;
        } else if (d < b2) {
          b2 = d;
        }
      }
      t->assign[i] = (int)best;
      t->upper[i] = sqrt(b1);
      t->lower[i] = sqrt(b2);
      a = best;
    }
    double wi = t->w ? t->w[i] : 1.0;
    acc[3 * a] += wi * x;
    acc[3 * a + 1] += wi * y;
    acc[3 * a + 2] += wi;
    double dx = x - t->centers[2 * a], dy = y - t->centers[2 * a + 1];
    cost += wi * (dx * dx + dy * dy);
  }
  t->cost[c] = cost;
}

/* Lloyd's iterations from the given centres; returns the final weighted inertia. */
static double gp_polis_lloyd(gp_polis_km *t, const gp_polis_kmeans_opts *o, double *centers,
                             size_t *k_io, double *next, int *remap) {
  size_t k = *k_io;
  double cost = 0;
  double *half = malloc((k + 1) * sizeof *half);
  if (!half) return INFINITY;
  t->fresh = true;
  for (int it = 0;; it++) {
    t->k = k;
    t->centers = centers;
    for (size_t q = 0; q < k; q++) {
      double best = INFINITY;
      for (size_t r = 0; r < k; r++)
        if (r != q) {
          double dx = centers[2 * q] - centers[2 * r], dy = centers[2 * q + 1] - centers[2 * r + 1];
          double d = sqrt(dx * dx + dy * dy);
          if (d < best) best = d;
        }
      half[q] = best / 2;
    }
    t->half = half;
    gp_polis_par_for(t->n_chunks, o->threads, gp_polis_km_chunk, t);
    t->fresh = false;
    cost = 0;
    for (size_t c = 0; c < t->n_chunks; c++)
      cost += t->cost[c];
    /* combine partials in chunk order; drop empty clusters (Pol.is's filter) */
    size_t kept = 0;
    double move = 0;
    for (size_t q = 0; q < k; q++) {
      double sx = 0, sy = 0, sw = 0;
      for (size_t c = 0; c < t->n_chunks; c++) {
        const double *a = t->partial + c * 3 * k + 3 * q;
        sx += a[0];
        sy += a[1];
        sw += a[2];
      }
      if (!(sw > 0)) {
        remap[q] = -1;
        continue;
      }
      next[2 * kept] = sx / sw;
      next[2 * kept + 1] = sy / sw;
      double mx = next[2 * kept] - centers[2 * q], my = next[2 * kept + 1] - centers[2 * q + 1];
      double d = sqrt(mx * mx + my * my);
      half[kept] = d; /* reused: each kept centre's movement */
      if (d > move) move = d;
      remap[q] = (int)kept++;
    }
    bool dropped = kept != k;
    /* move the bounds with the centres (a dropped centre only loosens lower
     * bounds): the lower bound by the largest move of the other centres */
    size_t far = 0;
    double move2 = 0;
    for (size_t q = 0; q < kept; q++)
      if (half[q] > half[far]) far = q;
    for (size_t q = 0; q < kept; q++)
      if (q != far && half[q] > move2) move2 = half[q];
    for (size_t i = 0; i < t->n; i++) {
      int a = remap[t->assign[i]];
      t->assign[i] = a;
      t->upper[i] += half[a];
      t->lower[i] -= (size_t)a == far ? move2 : move;
    }
    memcpy(centers, next, 2 * kept * sizeof *centers);
    k = kept;
    if (it + 1 >= o->max_iters || (!dropped && move < o->tol)) break;
  }
  free(half);
  *k_io = k;
  return cost;
}

/* k-means++ start: the first centre drawn by weight, each next by w*D^2. */
static size_t gp_polis_plusplus(const double *xy, const double *w, size_t n, size_t k,
                                uint64_t *rng, double *centers, double *d2) {
  double tot = 0;
  for (size_t i = 0; i < n; i++)
    tot += w ? w[i] : 1.0;
  double r = gp_polis_rng_uniform(rng) * tot;
  size_t pick = n - 1;
  for (size_t i = 0; i < n; i++) {
    r -= w ? w[i] : 1.0;
    if (r < 0) {
      pick = i;
      break;
    }
  }
  centers[0] = xy[2 * pick];
  centers[1] = xy[2 * pick + 1];
  for (size_t i = 0; i < n; i++) {
    double dx = xy[2 * i] - centers[0], dy = xy[2 * i + 1] - centers[1];
    d2[i] = dx * dx + dy * dy;
  }
  size_t have = 1;
  while (have < k) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
      s += (w ? w[i] : 1.0) * d2[i];
    if (!(s > 0)) break; /* every point sits on a centre: no more distinct points */
    r = gp_polis_rng_uniform(rng) * s;
    pick = n;
    for (size_t i = 0; i < n; i++) {
      double p = (w ? w[i] : 1.0) * d2[i];
      if (p <= 0) continue;
      pick = i;
      r -= p;
      if (r < 0) break;
    }
    centers[2 * have] = xy[2 * pick];
    centers[2 * have + 1] = xy[2 * pick + 1];
    for (size_t i = 0; i < n; i++) {
      double dx = xy[2 * i] - centers[2 * have], dy = xy[2 * i + 1] - centers[2 * have + 1];
      double d = dx * dx + dy * dy;
      if (d < d2[i]) d2[i] = d;
    }
    have++;
  }
  return have;
}

/* Pol.is's start: the first k distinct points in order. */
static size_t gp_polis_first_distinct(const double *xy, size_t n, size_t k, double *centers) {
  size_t have = 0;
  for (size_t i = 0; i < n && have < k; i++) {
    bool dup = false;
    for (size_t q = 0; q < have && !dup; q++)
      dup = centers[2 * q] == xy[2 * i] && centers[2 * q + 1] == xy[2 * i + 1];
    if (dup) continue;
    centers[2 * have] = xy[2 * i];
    centers[2 * have + 1] = xy[2 * i + 1];
    have++;
  }
  return have;
}

gp_code gp_polis_kmeans(const double *xy, const double *w, size_t n, const gp_polis_kmeans_opts *o,
                        int *assign, double *centers, size_t *k_out, gp_error *err) {
  *k_out = 0;
  if (n == 0) return gp_fail(err, GP_EINVAL, "points", "no points to cluster");
  if (o->k == 0) return gp_fail(err, GP_EINVAL, "k", "k must be at least 1");
  size_t k = o->k;
  gp_polis_km t = {
      .xy = xy, .w = w, .n = n, .assign = assign, .n_chunks = gp_polis_par_chunks(n, 8192, 64)};
  t.upper = malloc((n + 1) * sizeof *t.upper);
  t.lower = malloc((n + 1) * sizeof *t.lower);
  t.partial = malloc(t.n_chunks * 3 * k * sizeof *t.partial);
  t.cost = malloc(t.n_chunks * sizeof *t.cost);
  double *c2 = malloc(2 * k * sizeof *c2), *next = malloc(2 * k * sizeof *next);
  int *remap = malloc(k * sizeof *remap);
  double *d2 = o->init == GP_POLIS_INIT_PLUSPLUS ? malloc(n * sizeof *d2) : NULL;
  int *a2 = o->init == GP_POLIS_INIT_PLUSPLUS ? malloc(n * sizeof *a2) : NULL;
  if (!t.partial || !t.cost || !t.upper || !t.lower || !c2 || !next || !remap ||
      (o->init == GP_POLIS_INIT_PLUSPLUS && (!d2 || !a2))) {
    free(t.partial);
    free(t.cost);
    free(c2);
    free(d2);
    free(a2);
    free(next);
    free(remap);
    free(t.upper);
    free(t.lower);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory in k-means");
  }
  if (o->init == GP_POLIS_INIT_GIVEN) {
    size_t kk = o->n_given < k ? o->n_given : k;
    /* top up with the point farthest from every centre while it is not on one */
    double *d = malloc(n * sizeof *d);
    if (d) {
      for (size_t i = 0; i < n; i++) {
        d[i] = INFINITY;
        for (size_t q = 0; q < kk; q++) {
          double dx = xy[2 * i] - centers[2 * q], dy = xy[2 * i + 1] - centers[2 * q + 1];
          if (dx * dx + dy * dy < d[i]) d[i] = dx * dx + dy * dy;
        }
      }
      while (kk < k) {
        size_t far = 0;
        for (size_t i = 1; i < n; i++)
          if (d[i] > d[far]) far = i;
        if (!(d[far] > 0)) break;
        centers[2 * kk] = xy[2 * far];
        centers[2 * kk + 1] = xy[2 * far + 1];
        for (size_t i = 0; i < n; i++) {
          double dx = xy[2 * i] - centers[2 * kk], dy = xy[2 * i + 1] - centers[2 * kk + 1];
          if (dx * dx + dy * dy < d[i]) d[i] = dx * dx + dy * dy;
        }
        kk++;
      }
      free(d);
    }
    if (kk == 0) kk = gp_polis_first_distinct(xy, n, k, centers);
    gp_polis_lloyd(&t, o, centers, &kk, next, remap);
    *k_out = kk;
  } else if (o->init == GP_POLIS_INIT_FIRST) {
    size_t kk = gp_polis_first_distinct(xy, n, k, centers);
    gp_polis_lloyd(&t, o, centers, &kk, next, remap);
    *k_out = kk;
  } else {
    uint64_t rng = o->seed ^ 0x6b6d65616e73ULL;
    double best = INFINITY;
    int runs = o->n_init > 0 ? o->n_init : 1;
    for (int r = 0; r < runs; r++) {
      size_t kk = gp_polis_plusplus(xy, w, n, k, &rng, c2, d2);
      t.assign = a2;
      double cost = gp_polis_lloyd(&t, o, c2, &kk, next, remap);
      if (cost < best) {
        best = cost;
        memcpy(centers, c2, 2 * kk * sizeof *c2);
        memcpy(assign, a2, n * sizeof *assign);
        *k_out = kk;
      }
    }
  }
  free(t.partial);
  free(t.cost);
  free(c2);
  free(d2);
  free(a2);
  free(next);
  free(remap);
  free(t.upper);
  free(t.lower);
  return GP_OK;
}

double gp_polis_silhouette(const double *dist, size_t n, const int *assign, size_t k) {
  if (n == 0) return 0;
  double *sum = malloc(k * sizeof *sum);
  long *cnt = calloc(k, sizeof *cnt);
  if (!sum || !cnt) {
    free(sum);
    free(cnt);
    return NAN;
  }
  for (size_t i = 0; i < n; i++)
    cnt[assign[i]]++;
  double total = 0;
  for (size_t i = 0; i < n; i++) {
    size_t own = (size_t)assign[i];
    if (cnt[own] <= 1) continue; /* alone in its cluster: 0 */
    for (size_t q = 0; q < k; q++)
      sum[q] = 0;
    for (size_t j = 0; j < n; j++)
      if (j != i) sum[assign[j]] += dist[i * n + j];
    double a = sum[own] / (double)(cnt[own] - 1), b = INFINITY;
    for (size_t q = 0; q < k; q++)
      if (q != own && cnt[q] > 0 && sum[q] / (double)cnt[q] < b) b = sum[q] / (double)cnt[q];
    if (!isfinite(b)) continue;
    double mx = a > b ? a : b;
    if (mx > 0) total += (b - a) / mx;
  }
  free(sum);
  free(cnt);
  return total / (double)n;
}
