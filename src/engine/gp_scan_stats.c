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

/* An order-preserving key without branches, for values known not to be NaN
 * (-0 just below +0), and its inverse. */
static inline uint64_t gp_scan_stats_fkey(double v) {
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  return u ^ ((uint64_t)((int64_t)u >> 63) | 0x8000000000000000ULL);
}

static double gp_scan_stats_unkey(uint64_t k) {
  uint64_t u = (k & 0x8000000000000000ULL) ? (k ^ 0x8000000000000000ULL) : ~k;
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

static int gp_scan_stats_cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Selection instead of sorting: out[t] = the order statistic at 0-based
 * position pos[t] (t < npos <= 4) of the n values x; the same values a full
 * sort gives. One histogram pass over the top 16 bits of the
 * order-preserving keys finds the bucket of each position; a second pass
 * collects the (few) values of those buckets, which are sorted. Returns
 * false (and nothing in out) when a value is NaN. */
static bool gp_scan_stats_select(const double *x, size_t n, const size_t *pos, size_t npos,
                                 double *out) {
  uint32_t *count = calloc(65537, sizeof *count);
  if (!count) abort();
  uint64_t nan = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, &x[i], sizeof u);
    nan |= (u & 0x7FFFFFFFFFFFFFFFULL) > 0x7FF0000000000000ULL;
    count[(gp_scan_stats_fkey(x[i]) >> 48) + 1]++;
  }
  if (nan) {
    free(count);
    return false;
  }
  uint8_t *need = calloc(65536, 1);
  if (!need) abort();
  for (size_t d = 0; d < 65536; d++)
    count[d + 1] += count[d]; /* count[d]: values in buckets below d */
  size_t bk[4], total = 0;
  for (size_t t = 0; t < npos; t++) {
    size_t lo = 0, hi = 65536; /* the bucket d with count[d] <= pos < count[d + 1] */
    while (hi - lo > 1) {
      size_t mid = (lo + hi) / 2;
      if (count[mid] <= pos[t])
        lo = mid;
      else
        hi = mid;
    }
    bk[t] = lo;
    if (!need[lo]) total += count[lo + 1] - count[lo];
    need[lo] = 1;
  }
  uint64_t *c = malloc((total ? total : 1) * sizeof *c);
  if (!c) abort();
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t k = gp_scan_stats_fkey(x[i]);
    if (need[k >> 48]) c[m++] = k;
  }
  qsort(c, m, sizeof *c, gp_scan_stats_cmp_u64);
  for (size_t t = 0; t < npos; t++) {
    /* values collected from needed buckets below bk[t] come first */
    size_t before = 0;
    for (size_t d = 0; d < 65536 && d < bk[t]; d++)
      if (need[d]) before += count[d + 1] - count[d];
    out[t] = gp_scan_stats_unkey(c[before + (pos[t] - count[bk[t]])]);
  }
  free(c);
  free(need);
  free(count);
  return true;
}

/* Below this many values (or with NaNs) trimming sorts; above it selects. */
#define GP_SCAN_STATS_SELECT_MIN 64

double gp_scan_stats_quantile(const double *x, size_t n, double p, double *scratch) {
  if (n == 0) return NAN;
  gp_scan_stats_sorted(x, n, scratch);
  return gp_scan_stats_quantile_sorted(scratch, n, p);
}

void gp_scan_stats_winsorise(const double *z, size_t n, double trim, double *out, bool *trimmed,
                             double *scratch) {
  if (n == 0) return;
  double lz, uz;
  /* the type-7 quantiles need the order statistics at floor(h) and floor(h) + 1 */
  double hl = (double)(n - 1) * trim, hu = (double)(n - 1) * (1 - trim);
  size_t ll = (size_t)floor(hl), lu = (size_t)floor(hu);
  size_t pos[4] = {ll < n - 1 ? ll : n - 1, ll + 1 < n - 1 ? ll + 1 : n - 1,
                   lu < n - 1 ? lu : n - 1, lu + 1 < n - 1 ? lu + 1 : n - 1};
  double v[4];
  if (n >= GP_SCAN_STATS_SELECT_MIN && gp_scan_stats_select(z, n, pos, 4, v)) {
    lz = ll >= n - 1 ? v[0] : v[0] + (hl - (double)ll) * (v[1] - v[0]);
    uz = lu >= n - 1 ? v[2] : v[2] + (hu - (double)lu) * (v[3] - v[2]);
  } else {
    double *own = scratch ? NULL : malloc(n * sizeof *own);
    if (!scratch && !own) abort();
    gp_scan_stats_sorted(z, n, scratch ? scratch : own);
    lz = gp_scan_stats_quantile_sorted(scratch ? scratch : own, n, trim);
    uz = gp_scan_stats_quantile_sorted(scratch ? scratch : own, n, 1 - trim);
    free(own);
  }
  for (size_t i = 0; i < n; i++) {
    if (trimmed) trimmed[i] = !(z[i] > lz && z[i] < uz);
    out[i] = z[i] < lz ? lz : z[i] > uz ? uz : z[i];
  }
}

/* SHMI's group of a rank: floor(rank k / (n + 1)). */
static double gp_scan_stats_group(double rank, double k, size_t n) {
  return floor(rank * k / (double)(n + 1));
}

/* Truncation by sorting (small inputs, NaNs). */
static size_t gp_scan_stats_truncate_sort(const double *z, size_t n, double trim, bool *keep,
                                          double *scratch, size_t *order) {
  if (!scratch || !order) { /* the caller left the scratch to us */
    double *sc = malloc((n ? n : 1) * sizeof *sc);
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!sc || !ord) abort();
    size_t kept = gp_scan_stats_truncate_sort(z, n, trim, keep, sc, ord);
    free(sc);
    free(ord);
    return kept;
  }
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
    double sp = gp_scan_stats_group(rank[i], k, n);
    keep[i] = sp > mink && sp < maxk;
    kept += keep[i];
  }
  return kept;
}

size_t gp_scan_stats_truncate(const double *z, size_t n, double trim, bool *keep, double *scratch,
                              size_t *order) {
  double k = 1.0 / trim, maxk = k - 1, mink = 0;
  if (n < GP_SCAN_STATS_SELECT_MIN || !isfinite(k))
    return gp_scan_stats_truncate_sort(z, n, trim, keep, scratch, order);
  /* The group rises with the rank, so the kept units are those between two
   * values: jlo, the smallest whole rank in a group above 0, and jhi, the
   * largest below group k - 1, and the values a and b at those ranks. Units
   * strictly between a and b are kept; those tied with a (or b) share an
   * average rank, whose group decides for all of them. */
  size_t lo = 1, hi = n + 1; /* jlo: first j in [1, n] with group > mink (n + 1: none) */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (gp_scan_stats_group((double)mid, k, n) > mink)
      hi = mid;
    else
      lo = mid + 1;
  }
  size_t jlo = lo;
  lo = 0;
  hi = n; /* jhi: last j in [1, n] with group < maxk (0: none) */
  while (lo < hi) {
    size_t mid = hi - (hi - lo) / 2;
    if (gp_scan_stats_group((double)mid, k, n) < maxk)
      lo = mid;
    else
      hi = mid - 1;
  }
  size_t jhi = lo;
  if (jlo > n || jhi == 0 || jhi < jlo)
    return gp_scan_stats_truncate_sort(z, n, trim, keep, scratch, order);
  size_t pos[2] = {jlo - 1, jhi - 1};
  double v[2];
  if (!gp_scan_stats_select(z, n, pos, 2, v)) /* NaNs: sort (they rank last) */
    return gp_scan_stats_truncate_sort(z, n, trim, keep, scratch, order);
  double a = v[0], b = v[1];
  size_t la = 0, qa = 0, lb = 0, qb = 0;
  for (size_t i = 0; i < n; i++) {
    double x = z[i];
    la += x < a;
    qa += x == a;
    lb += x < b;
    qb += x == b;
  }
  /* average rank of a tie block starting after l values, q long (1-based) */
  double ra = ((double)(la + 1) + (double)(la + qa)) / 2.0;
  double rb = ((double)(lb + 1) + (double)(lb + qb)) / 2.0;
  double ga = gp_scan_stats_group(ra, k, n), gb = gp_scan_stats_group(rb, k, n);
  bool keep_a = ga > mink && ga<maxk, keep_b = gb> mink && gb < maxk;
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    double x = z[i];
    keep[i] = x > a && x < b ? true : x == a ? keep_a : x == b ? keep_b : false;
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

void gp_scan_stats_phi_tau2_kept(const double *z, const double *s, const bool *keep, size_t n,
                                 size_t kept, double *phi, double *tau2) {
  gp_scan_stats_phi_tau2_kept_e(z, s, NULL, keep, n, kept, phi, tau2);
}

void gp_scan_stats_phi_tau2_kept_e(const double *z, const double *s, const double *e,
                                   const bool *keep, size_t n, size_t kept, double *phi,
                                   double *tau2) {
  double sz = 0, sw = 0, sw2 = 0;
  for (size_t i = 0; i < n; i++) {
    if (!keep[i]) continue;
    double si = s ? s[i] : 1 / sqrt(e[i]);
    double w = 1.0 / (si * si);
    sz += z[i] * z[i];
    sw += w;
    sw2 += w * w;
  }
  *phi = kept ? sz / (double)kept : NAN;
  *tau2 = 0;
  double dn = (double)kept;
  if (kept == 0 || dn * *phi < dn - 1) return;
  double t = (dn * *phi - (dn - 1)) / (sw - sw2 / sw);
  *tau2 = t > 0 ? t : 0;
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
