/*
 * gp_peers — k nearest units by standardised context, with a bounded
 * max-heap of the k best so far (O(n log k) for n units).
 */
#include "engine/gp_peers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when a is a worse (farther) candidate than b. */
static int gp_peers_worse(const gp_peer *a, const gp_peer *b) {
  if (a->distance != b->distance) return a->distance > b->distance;
  return a->unit > b->unit;
}

static void gp_peers_sift_down(gp_peer *h, size_t m, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < m && gp_peers_worse(&h[l], &h[w])) w = l;
    if (r < m && gp_peers_worse(&h[r], &h[w])) w = r;
    if (w == i) return;
    gp_peer t = h[i];
    h[i] = h[w];
    h[w] = t;
    i = w;
  }
}

static void gp_peers_sift_up(gp_peer *h, size_t i) {
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!gp_peers_worse(&h[i], &h[p])) return;
    gp_peer t = h[i];
    h[i] = h[p];
    h[p] = t;
    i = p;
  }
}

static int gp_peers_cmp(const void *a, const void *b) {
  const gp_peer *x = a, *y = b;
  if (gp_peers_worse(x, y)) return 1;
  if (gp_peers_worse(y, x)) return -1;
  return 0;
}

void gp_peers_free(gp_peers_result *out) {
  if (!out) return;
  free(out->peers);
  out->peers = NULL;
  out->npeers = 0;
}

gp_code gp_peers_find(const gp_peers_data *d, size_t unit, size_t kpeers, gp_peers_result *out,
                      gp_error *err) {
  memset(out, 0, sizeof *out);
  size_t n = d->n, k = d->k;
  if (k == 0 || k > 64) return gp_fail(err, GP_EINVAL, "on", "between 1 and 64 covariates");
  if (kpeers == 0) return gp_fail(err, GP_EINVAL, "k", "must be at least 1");
  if (unit >= n) return gp_fail(err, GP_EINVAL, "unit", "unit %zu of %zu", unit, n);
  const double *x = d->x;
  for (size_t j = 0; j < k; j++) {
    if (isnan(x[unit * k + j])) {
      char path[32];
      snprintf(path, sizeof path, "on[%zu]", j);
      return gp_fail(err, GP_EINVAL, path, "the unit's own covariate %zu is missing", j + 1);
    }
    double s = 0, ss = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      double v = x[i * k + j];
      if (isnan(v)) continue;
      s += v;
      m++;
    }
    double mean = s / (double)m;
    for (size_t i = 0; i < n; i++) {
      double v = x[i * k + j];
      if (!isnan(v)) ss += (v - mean) * (v - mean);
    }
    double sd = m > 1 ? sqrt(ss / (double)(m - 1)) : 0;
    out->mean[j] = mean;
    out->sd[j] = sd;
  }
  double inv[64], me[64];
  for (size_t j = 0; j < k; j++) {
    inv[j] = out->sd[j] > 0 ? 1 / out->sd[j] : 0;
    me[j] = x[unit * k + j];
  }
  gp_peer *h = malloc(kpeers * sizeof *h);
  if (!h) abort();
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == unit) continue;
    const double *xi = x + i * k;
    double s = 0;
    for (size_t j = 0; j < k; j++) {
      double dj = (xi[j] - me[j]) * inv[j];
      s += dj * dj;
    }
    if (isnan(s)) continue;
    gp_peer c = {i, s, 0, NAN};
    if (m < kpeers) {
      h[m] = c;
      gp_peers_sift_up(h, m);
      m++;
    } else if (gp_peers_worse(&h[0], &c)) {
      h[0] = c;
      gp_peers_sift_down(h, m, 0);
    }
  }
  qsort(h, m, sizeof *h, gp_peers_cmp);
  for (size_t p = 0; p < m; p++) {
    h[p].distance = sqrt(h[p].distance);
    h[p].flag = d->flag ? d->flag[h[p].unit] : 0;
    if (d->indicator) h[p].difference = d->indicator[h[p].unit] - d->indicator[unit];
    out->nhigh += h[p].flag > 0;
  }
  out->peers = h;
  out->npeers = m;
  return GP_OK;
}
