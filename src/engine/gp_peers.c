/*
 * gp_peers — k nearest units by standardised context, with a bounded
 * max-heap of the k best so far (O(n log k) for n units), in two passes
 * over the rows that may come in chunks (see gp_peers.h).
 */
#include "engine/gp_peers.h"

#include "engine/gp_scan_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gp_peers_search {
  size_t k;        /* covariates */
  size_t unit;     /* the unit searched for */
  size_t kpeers;   /* how many peers wanted */
  double me[64];   /* its covariates */
  double s[64];    /* pass 1: sum of (x - me) over rows with a value */
  double ss[64];   /* pass 1: sum of (x - me)² */
  size_t cnt[64];  /* pass 1: rows with a value */
  bool ranked;     /* pass 2 started: the scales are fixed */
  double inv[64];  /* 1/sd (0 for a constant column) */
  double mean[64]; /* means */
  double sd[64];   /* standard deviations (n - 1) */
  gp_peer *heap;   /* the best kpeers so far (worst at the top) */
  size_t m;        /* how many in the heap */
};

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

gp_code gp_peers_search_new(size_t k, const double *me, size_t unit, size_t kpeers,
                            gp_peers_search **out, gp_error *err) {
  *out = NULL;
  if (k == 0 || k > 64) return gp_fail(err, GP_EINVAL, "on", "between 1 and 64 covariates");
  if (kpeers == 0) return gp_fail(err, GP_EINVAL, "k", "must be at least 1");
  for (size_t j = 0; j < k; j++)
    if (isnan(me[j])) {
      char path[32];
      snprintf(path, sizeof path, "on[%zu]", j);
      return gp_fail(err, GP_EINVAL, path, "the unit's own covariate %zu is missing", j + 1);
    }
  gp_peers_search *s = calloc(1, sizeof *s);
  if (!s) abort();
  s->heap = malloc(kpeers * sizeof *s->heap);
  if (!s->heap) abort();
  s->k = k;
  s->unit = unit;
  s->kpeers = kpeers;
  memcpy(s->me, me, k * sizeof *me);
  *out = s;
  return GP_OK;
}

void gp_peers_search_free(gp_peers_search *s) {
  if (!s) return;
  free(s->heap);
  free(s);
}

void gp_peers_search_stats(gp_peers_search *s, const double *x, size_t rows) {
  size_t k = s->k;
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < k; j++) {
      double d = x[i * k + j] - s->me[j];
      if (isnan(d)) continue;
      s->s[j] += d;
      s->ss[j] += d * d;
      s->cnt[j]++;
    }
}

/* Fixes the scales from the pass-1 sums (shifted by the unit's own values,
 * which keeps the variance accurate). */
static void gp_peers_scales(gp_peers_search *s) {
  for (size_t j = 0; j < s->k; j++) {
    double m = (double)s->cnt[j];
    double mean = m > 0 ? s->s[j] / m : 0;
    double var = m > 1 ? (s->ss[j] - s->s[j] * mean) / (m - 1) : 0;
    s->mean[j] = s->me[j] + mean;
    s->sd[j] = var > 0 ? sqrt(var) : 0;
    s->inv[j] = s->sd[j] > 0 ? 1 / s->sd[j] : 0;
  }
  s->ranked = true;
}

/* Offers unit i with covariates xi: kept among the k nearest so far (a
 * max-heap on distance) when it is nearer than the farthest kept. */
static void gp_peers_offer(gp_peers_search *s, size_t i, const double *xi) {
  double d2 = 0;
  for (size_t j = 0; j < s->k; j++) {
    double dj = (xi[j] - s->me[j]) * s->inv[j];
    d2 += dj * dj;
  }
  if (isnan(d2)) return;
  gp_peer c = {i, d2, 0, NAN};
  if (s->m < s->kpeers) {
    s->heap[s->m] = c;
    gp_peers_sift_up(s->heap, s->m);
    s->m++;
  } else if (gp_peers_worse(&s->heap[0], &c)) {
    s->heap[0] = c;
    gp_peers_sift_down(s->heap, s->m, 0);
  }
}

void gp_peers_search_rank(gp_peers_search *s, const double *x, size_t first, size_t rows) {
  if (!s->ranked) gp_peers_scales(s);
  for (size_t r = 0; r < rows; r++) {
    size_t i = first + r;
    if (i == s->unit) continue;
    gp_peers_offer(s, i, x + r * s->k);
  }
}

void gp_peers_search_result(gp_peers_search *s, gp_peers_result *out) {
  memset(out, 0, sizeof *out);
  if (!s->ranked) gp_peers_scales(s);
  gp_peer *p = malloc((s->m ? s->m : 1) * sizeof *p);
  if (!p) abort();
  memcpy(p, s->heap, s->m * sizeof *p);
  qsort(p, s->m, sizeof *p, gp_peers_cmp);
  for (size_t i = 0; i < s->m; i++)
    p[i].distance = sqrt(p[i].distance);
  out->peers = p;
  out->npeers = s->m;
  memcpy(out->mean, s->mean, s->k * sizeof *s->mean);
  memcpy(out->sd, s->sd, s->k * sizeof *s->sd);
}

gp_code gp_peers_find(const gp_peers_data *d, size_t unit, size_t kpeers, gp_peers_result *out,
                      gp_error *err) {
  memset(out, 0, sizeof *out);
  if (d->k == 0 || d->k > 64) return gp_fail(err, GP_EINVAL, "on", "between 1 and 64 covariates");
  if (kpeers == 0) return gp_fail(err, GP_EINVAL, "k", "must be at least 1");
  if (unit >= d->n) return gp_fail(err, GP_EINVAL, "unit", "unit %zu of %zu", unit, d->n);
  gp_peers_search *s;
  gp_code rc = gp_peers_search_new(d->k, d->x + unit * d->k, unit, kpeers, &s, err);
  if (rc) return rc;
  gp_peers_search_stats(s, d->x, d->n);
  gp_peers_search_rank(s, d->x, 0, d->n);
  gp_peers_search_result(s, out);
  gp_peers_search_free(s);
  for (size_t p = 0; p < out->npeers; p++) {
    gp_peer *pe = &out->peers[p];
    pe->flag = d->flag ? d->flag[pe->unit] : 0;
    if (d->indicator) pe->difference = d->indicator[pe->unit] - d->indicator[unit];
    out->nhigh += pe->flag > 0;
  }
  return GP_OK;
}

void gp_peers_search_set_scales(gp_peers_search *s, const double *mean, const double *sd) {
  for (size_t j = 0; j < s->k; j++) {
    s->mean[j] = mean[j];
    s->sd[j] = sd[j] > 0 ? sd[j] : 0;
    s->inv[j] = s->sd[j] > 0 ? 1 / s->sd[j] : 0;
  }
  s->ranked = true;
}

void gp_peers_search_rank_at(gp_peers_search *s, const double *x, const size_t *units,
                             size_t rows) {
  if (!s->ranked) gp_peers_scales(s);
  for (size_t r = 0; r < rows; r++) {
    size_t i = units[r];
    if (i == s->unit) continue;
    gp_peers_offer(s, i, x + r * s->k);
  }
}

double gp_peers_search_bound(const gp_peers_search *s) {
  return s->m < s->kpeers ? INFINITY : s->heap[0].distance;
}

double gp_peers_search_inv_sd(const gp_peers_search *s, size_t j) {
  return j < s->k ? s->inv[j] : 0;
}

void gp_peers_index(const double *x, size_t n, size_t k, double *sorted, double *mean, double *sd) {
  for (size_t j = 0; j < k; j++) {
    double s = 0, ss = 0, shift = NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      double v = x[i * k + j];
      if (isnan(v)) continue;
      if (isnan(shift)) shift = v;
      s += v - shift;
      ss += (v - shift) * (v - shift);
      m++;
    }
    double mu = m ? s / (double)m : 0;
    mean[j] = m ? shift + mu : NAN;
    double var = m > 1 ? (ss - s * mu) / (double)(m - 1) : 0;
    sd[j] = m ? (var > 0 ? sqrt(var) : 0) : NAN;
  }
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  double *key = calloc(n ? n : 1, sizeof *key);
  if (!idx || !key) abort();
  for (size_t i = 0; i < n; i++) {
    idx[i] = i;
    key[i] = x[i * k];
  }
  gp_scan_stats_sort_index(key, idx, n);
  for (size_t r = 0; r < n; r++) {
    memcpy(sorted + r * (k + 1), x + idx[r] * k, k * sizeof *x);
    sorted[r * (k + 1) + k] = (double)idx[r];
  }
  free(idx);
  free(key);
}

size_t gp_peers_search_slab(gp_peers_search *s, size_t n, size_t start, size_t key_col,
                            size_t chunk, gp_peers_read_fn read, void *ctx) {
  if (!s->ranked) gp_peers_scales(s);
  if (chunk == 0) chunk = 1;
  double *x = malloc(chunk * s->k * sizeof *x), *key = malloc(chunk * sizeof *key);
  size_t *units = malloc(chunk * sizeof *units);
  if (!x || !key || !units) abort();
  double me = s->me[key_col], inv = s->inv[key_col];
  size_t hi = start < n ? start : n, lo = hi, total = 0;
  bool up = hi<n, down = lo> 0;
  while (up || down) {
    if (up) {
      size_t want = n - hi < chunk ? n - hi : chunk;
      size_t got = want ? read(ctx, hi, want, x, units, key) : 0;
      if (got == 0) {
        up = false;
      } else {
        gp_peers_search_rank_at(s, x, units, got);
        hi += got;
        total += got;
        double d = (key[got - 1] - me) * inv;
        if (hi >= n || isnan(key[got - 1]) || d * d > gp_peers_search_bound(s)) up = false;
      }
    }
    if (down) {
      size_t want = lo < chunk ? lo : chunk;
      size_t got = read(ctx, lo - want, want, x, units, key);
      if (got == 0) {
        down = false;
      } else {
        gp_peers_search_rank_at(s, x, units, got);
        lo -= got;
        total += got;
        double d = (key[0] - me) * inv;
        if (lo == 0 || d * d > gp_peers_search_bound(s)) down = false;
      }
    }
  }
  free(x);
  free(key);
  free(units);
  return total;
}
