/*
 * gp_scan_stats — quantiles, winsorising/truncation, phi, tau², exact
 * Poisson and Wilson limits, the PHE funnel axis and BH q-values for the
 * funnel-plot scan. See gp_scan_stats.h and docs/methods/scan.md.
 */
#include "engine/gp_scan_stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An order-preserving map of a double to an unsigned key; NaN sorts last. */
static uint64_t gp_scan_stats_key(double v) {
  if (isnan(v)) return UINT64_MAX;
  if (v == 0) v = 0; /* -0 and +0 equal */
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  return (u & 0x8000000000000000ULL) ? ~u : (u | 0x8000000000000000ULL);
}

/* Comparison of (key, index) pairs for small inputs. */
typedef struct gp_scan_stats_pair {
  uint64_t k; /* order-preserving key */
  size_t i;   /* original index */
} gp_scan_stats_pair;

static int gp_scan_stats_cmp(const void *a, const void *b) {
  const gp_scan_stats_pair *x = a, *y = b;
  if (x->k != y->k) return x->k < y->k ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

void gp_scan_stats_sort_index(const double *key, size_t *idx, size_t n) {
  if (n < 2) return;
  gp_scan_stats_pair *a = malloc(n * sizeof *a);
  gp_scan_stats_pair *b = malloc(n * sizeof *b);
  if (!a || !b) abort();
  for (size_t i = 0; i < n; i++) {
    a[i].k = gp_scan_stats_key(key[idx[i]]);
    a[i].i = idx[i];
  }
  if (n < 256) {
    qsort(a, n, sizeof *a, gp_scan_stats_cmp);
  } else {
    /* LSD radix sort, 16 bits a pass (stable, so ties keep index order). */
    size_t *count = malloc(65537 * sizeof *count);
    if (!count) abort();
    for (int shift = 0; shift < 64; shift += 16) {
      memset(count, 0, 65537 * sizeof *count);
      for (size_t i = 0; i < n; i++)
        count[((a[i].k >> shift) & 0xFFFF) + 1]++;
      if (count[((a[0].k >> shift) & 0xFFFF) + 1] == n) continue; /* all equal here */
      for (size_t d = 0; d < 65536; d++)
        count[d + 1] += count[d];
      for (size_t i = 0; i < n; i++)
        b[count[(a[i].k >> shift) & 0xFFFF]++] = a[i];
      gp_scan_stats_pair *t = a;
      a = b;
      b = t;
    }
    free(count);
  }
  for (size_t i = 0; i < n; i++)
    idx[i] = a[i].i;
  free(a);
  free(b);
}

/* Sorted copy of x into s (n values). */
static void gp_scan_stats_sorted(const double *x, size_t n, double *s) {
  size_t *idx = malloc(n * sizeof *idx);
  if (!idx) abort();
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  gp_scan_stats_sort_index(x, idx, n);
  for (size_t i = 0; i < n; i++)
    s[i] = x[idx[i]];
  free(idx);
}

/* Type-7 quantile of already sorted values. */
static double gp_scan_stats_quantile_sorted(const double *s, size_t n, double p) {
  if (n == 1) return s[0];
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  if (lo >= n - 1) return s[n - 1];
  return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

double gp_scan_stats_quantile(const double *x, size_t n, double p, double *scratch) {
  if (n == 0) return NAN;
  gp_scan_stats_sorted(x, n, scratch);
  return gp_scan_stats_quantile_sorted(scratch, n, p);
}

void gp_scan_stats_winsorise(const double *z, size_t n, double trim, double *out, bool *trimmed,
                             double *scratch) {
  if (n == 0) return;
  gp_scan_stats_sorted(z, n, scratch);
  double lz = gp_scan_stats_quantile_sorted(scratch, n, trim);
  double uz = gp_scan_stats_quantile_sorted(scratch, n, 1 - trim);
  for (size_t i = 0; i < n; i++) {
    if (trimmed) trimmed[i] = !(z[i] > lz && z[i] < uz);
    out[i] = z[i] < lz ? lz : z[i] > uz ? uz : z[i];
  }
}

size_t gp_scan_stats_truncate(const double *z, size_t n, double trim, bool *keep, double *scratch,
                              size_t *order) {
  double *rank = scratch;
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  gp_scan_stats_sort_index(z, order, n);
  /* average ranks over ties */
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && z[order[j + 1]] == z[order[i]])
      j++;
    double r = ((double)(i + 1) + (double)(j + 1)) / 2.0;
    for (size_t m = i; m <= j; m++)
      rank[order[m]] = r;
    i = j + 1;
  }
  double k = 1.0 / trim;
  double maxk = k - 1, mink = 0;
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    double sp = floor(rank[i] * k / (double)(n + 1));
    keep[i] = sp > mink && sp < maxk;
    kept += keep[i];
  }
  return kept;
}

double gp_scan_stats_phi(const double *z, size_t n) {
  if (n == 0) return NAN;
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += z[i] * z[i];
  return s / (double)n;
}

double gp_scan_stats_tau2(size_t n, double phi, const double *s) {
  if (n == 0) return 0;
  double dn = (double)n;
  if (dn * phi < dn - 1) return 0;
  double sw = 0, sw2 = 0;
  for (size_t i = 0; i < n; i++) {
    double w = 1.0 / (s[i] * s[i]);
    sw += w;
    sw2 += w * w;
  }
  double t = (dn * phi - (dn - 1)) / (sw - sw2 / sw);
  return t > 0 ? t : 0;
}

void gp_scan_stats_poisson_limits(double e, double level, double *lo, double *hi) {
  double a = (1 - level) / 2;
  if (!(e > 0) || !isfinite(e) || !(level > 0 && level < 1)) {
    *lo = *hi = NAN; /* no limits without a positive expected count */
    return;
  }
  *lo = gsl_cdf_chisq_Pinv(a, 2 * e) / (2 * e);
  *hi = gsl_cdf_chisq_Pinv(1 - a, 2 * (e + 1)) / (2 * e);
}

void gp_scan_stats_wilson_limits(double p, double n, double level, double *lo, double *hi) {
  double z = gsl_cdf_ugaussian_Pinv((1 + level) / 2);
  double h = z * sqrt(p * (1 - p) / n);
  *lo = p - h < 0 ? 0 : p - h;
  *hi = p + h > 1 ? 1 : p + h;
}

void gp_scan_stats_wilson_interval(double x, double n, double level, double *lo, double *hi) {
  double z = gsl_cdf_ugaussian_Pinv((1 + level) / 2), q = z * z;
  double p = x / n;
  double c = (2 * x + q) / (2 * (n + q));
  double h = z * sqrt(q + 4 * x * (1 - p)) / (2 * (n + q));
  *lo = c - h < 0 ? 0 : c - h;
  *hi = c + h > 1 ? 1 : c + h;
}

/* Number of decimal digits of the integer part of x >= 0 (R's nchar of a
 * whole number printed without exponent). */
static int gp_scan_stats_digits(double x) {
  int d = 1;
  while (x >= 10) {
    x /= 10;
    d++;
  }
  return d;
}

void gp_scan_stats_phe_axis(double dmin, double dmax, bool ratio, double *out) {
  double amin;
  if (dmax > 2 * dmin) {
    amin = 0;
  } else {
    double x = floor(dmin * 0.95);
    double scale = pow(10, gp_scan_stats_digits(x) - 1);
    amin = dmin == 0 ? 0 : floor(dmin * 0.95 / scale) * scale;
  }
  double c = ceil(dmax * 1.05);
  double scale = pow(10, gp_scan_stats_digits(c) - 2);
  double amax = dmax == 0 ? 0 : ceil(dmax * 1.05 / scale) * scale;
  out[0] = amin > 1 ? amin : 1;
  for (int j = 2; j <= 100; j++) {
    int off = ratio ? j - 1 : j;
    double prev = out[j - 2];
    double next = nearbyint(pow(amax / prev, 1.0 / (101 - off)) * prev);
    out[j - 1] = next > prev + 1 ? next : prev + 1;
  }
}

size_t gp_scan_stats_bh(const double *p, size_t n, double *q, size_t *order) {
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  gp_scan_stats_sort_index(p, order, n);
  size_t m = 0;
  while (m < n && !isnan(p[order[m]]))
    m++;
  for (size_t i = m; i < n; i++)
    q[order[i]] = NAN;
  double run = 1;
  for (size_t r = m; r > 0; r--) {
    size_t i = order[r - 1];
    double v = p[i] * (double)m / (double)r;
    if (v < run) run = v;
    q[i] = run;
  }
  return m;
}
