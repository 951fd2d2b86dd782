/*
 * gp_scan_vec — array kernels for the scan (see gp_scan_vec.h): exp, log,
 * erfc over arrays through glibc's libmvec on AVX2 processors, and the block
 * cross-product of weighted least squares with 4-wide sums.
 */
#include "engine/gp_scan_vec.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && defined(__GLIBC__)
#include <immintrin.h>
#endif

#if defined(__x86_64__) && defined(__GNUC__) && defined(__GLIBC__)
#define GP_SCAN_VEC_X86 1
#endif

#ifdef GP_SCAN_VEC_X86
#define GP_AVX2 __attribute__((target("avx2,fma")))
typedef double gp_v4 __attribute__((vector_size(32))); /* four doubles (one AVX register) */

/* glibc's libmvec, AVX2 variants (x86-64 vector function ABI, "d" = AVX2,
 * 4 lanes); linked through libm.so's AS_NEEDED libmvec.so.1. */
GP_AVX2 gp_v4 _ZGVdN4v_exp(gp_v4 x);
GP_AVX2 gp_v4 _ZGVdN4v_log(gp_v4 x);
GP_AVX2 gp_v4 _ZGVdN4v_erfc(gp_v4 x);

/* Whether this processor runs the AVX2 kernels. */
static int gp_scan_vec_avx2(void) {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

GP_AVX2 static inline gp_v4 gp_scan_vec_ld(const double *p) {
  gp_v4 v;
  memcpy(&v, p, sizeof v);
  return v;
}

GP_AVX2 static inline void gp_scan_vec_st(double *p, gp_v4 v) { memcpy(p, &v, sizeof v); }

/* Applies a libmvec function to n values, the tail (n mod 4) padded. */
#define GP_SCAN_VEC_MAP(name, fn)                                                                  \
  GP_AVX2 static void name(const double *x, double *y, size_t n) {                                 \
    size_t i = 0;                                                                                  \
    for (; i + 4 <= n; i += 4)                                                                     \
      gp_scan_vec_st(y + i, fn(gp_scan_vec_ld(x + i)));                                            \
    if (i < n) {                                                                                   \
      double t[4] = {1, 1, 1, 1};                                                                  \
      memcpy(t, x + i, (n - i) * sizeof *t);                                                       \
      gp_scan_vec_st(t, fn(gp_scan_vec_ld(t)));                                                    \
      memcpy(y + i, t, (n - i) * sizeof *t);                                                       \
    }                                                                                              \
  }
GP_SCAN_VEC_MAP(gp_scan_vec_exp4, _ZGVdN4v_exp)
GP_SCAN_VEC_MAP(gp_scan_vec_log4, _ZGVdN4v_log)
GP_SCAN_VEC_MAP(gp_scan_vec_erfc4, _ZGVdN4v_erfc)

/* The sum of a[i] * b[i] * c[i] over m values, 8 at a time in two 4-wide
 * accumulators (c NULL: a[i] * b[i]). */
GP_AVX2 static double gp_scan_vec_dot3(size_t m, const double *a, const double *b,
                                       const double *c) {
  gp_v4 s0 = {0, 0, 0, 0}, s1 = {0, 0, 0, 0};
  size_t i = 0;
  if (c) {
    for (; i + 8 <= m; i += 8) {
      s0 += gp_scan_vec_ld(a + i) * gp_scan_vec_ld(b + i) * gp_scan_vec_ld(c + i);
      s1 += gp_scan_vec_ld(a + i + 4) * gp_scan_vec_ld(b + i + 4) * gp_scan_vec_ld(c + i + 4);
    }
  } else {
    for (; i + 8 <= m; i += 8) {
      s0 += gp_scan_vec_ld(a + i) * gp_scan_vec_ld(b + i);
      s1 += gp_scan_vec_ld(a + i + 4) * gp_scan_vec_ld(b + i + 4);
    }
  }
  s0 += s1;
  double s = (s0[0] + s0[1]) + (s0[2] + s0[3]);
  for (; i < m; i++)
    s += c ? a[i] * b[i] * c[i] : a[i] * b[i];
  return s;
}

GP_AVX2 static void gp_scan_vec_gram4(size_t m, size_t p, const double *r, size_t stride,
                                      const double *w, const double *wz, double *A, double *b) {
  for (size_t a = 0; a < p; a++) {
    const double *ra = r + a * stride;
    for (size_t c = 0; c <= a; c++)
      A[a * p + c] += gp_scan_vec_dot3(m, w, ra, r + c * stride);
    if (wz) b[a] += gp_scan_vec_dot3(m, wz, ra, NULL);
  }
}

GP_AVX2 static void gp_scan_vec_lincomb4(size_t m, size_t p, const double *r, size_t stride,
                                         const double *coef, double *out) {
  size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    gp_v4 e = coef[0] * gp_scan_vec_ld(r + i);
    for (size_t a = 1; a < p; a++)
      e += coef[a] * gp_scan_vec_ld(r + a * stride + i);
    gp_scan_vec_st(out + i, e);
  }
  for (; i < m; i++) {
    double e = coef[0] * r[i];
    for (size_t a = 1; a < p; a++)
      e += coef[a] * r[a * stride + i];
    out[i] = e;
  }
}

GP_AVX2 static void gp_scan_vec_logit_irls4(size_t m, const double *eta, const double *ex,
                                            const double *y, const double *mt, double *w,
                                            double *wz) {
  size_t i = 0;
  const gp_v4 one = {1, 1, 1, 1}, tiny = {1e-300, 1e-300, 1e-300, 1e-300};
  for (; i + 4 <= m; i += 4) {
    gp_v4 pr = one / (one + gp_scan_vec_ld(ex + i));
    gp_v4 var = _mm256_max_pd(pr * (one - pr), tiny);
    gp_v4 mi = gp_scan_vec_ld(mt + i), wi = mi * var;
    gp_scan_vec_st(w + i, wi);
    gp_scan_vec_st(wz + i,
                   wi * (gp_scan_vec_ld(eta + i) + (gp_scan_vec_ld(y + i) / mi - pr) / var));
  }
  for (; i < m; i++) {
    double pr = 1 / (1 + ex[i]), var = pr * (1 - pr);
    if (var < 1e-300) var = 1e-300;
    w[i] = mt[i] * var;
    wz[i] = w[i] * (eta[i] + (y[i] / mt[i] - pr) / var);
  }
}

GP_AVX2 static void gp_scan_vec_affine4(size_t m, const double *x, double a, double b,
                                        double *out) {
  size_t i = 0;
  gp_v4 va = {a, a, a, a}, vb = {b, b, b, b};
  for (; i + 4 <= m; i += 4)
    gp_scan_vec_st(out + i, (gp_scan_vec_ld(x + i) - va) * vb);
  for (; i < m; i++)
    out[i] = (x[i] - a) * b;
}

GP_AVX2 static double gp_scan_vec_sumdev4(size_t n, const double *x, double a, int sq) {
  gp_v4 s0 = {0, 0, 0, 0}, s1 = {0, 0, 0, 0}, va = {a, a, a, a};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    gp_v4 d0 = gp_scan_vec_ld(x + i) - va, d1 = gp_scan_vec_ld(x + i + 4) - va;
    s0 += sq ? d0 * d0 : d0;
    s1 += sq ? d1 * d1 : d1;
  }
  s0 += s1;
  double s = (s0[0] + s0[1]) + (s0[2] + s0[3]);
  for (; i < n; i++)
    s += sq ? (x[i] - a) * (x[i] - a) : x[i] - a;
  return s;
}

GP_AVX2 static void gp_scan_vec_sr_limits4(size_t n, const double *x, double zq, double mul,
                                           double add, double t, double *lo, double *hi) {
  size_t i = 0;
  const gp_v4 one = {1, 1, 1, 1}, vz = {zq, zq, zq, zq}, vm = {mul, mul, mul, mul};
  const gp_v4 va = {add, add, add, add}, vt = {t, t, t, t};
  for (; i + 4 <= n; i += 4) {
    gp_v4 s = one / _mm256_sqrt_pd(gp_scan_vec_ld(x + i));
    gp_v4 eh = _ZGVdN4v_exp(vz * _mm256_sqrt_pd(s * s * vm + va));
    gp_scan_vec_st(lo + i, vt / eh);
    gp_scan_vec_st(hi + i, vt * eh);
  }
  for (; i < n; i++) {
    double s = 1 / sqrt(x[i]);
    double eh[4] = {zq * sqrt(s * s * mul + add), 0, 0, 0};
    gp_scan_vec_st(eh, _ZGVdN4v_exp(gp_scan_vec_ld(eh)));
    lo[i] = t / eh[0];
    hi[i] = t * eh[0];
  }
}

GP_AVX2 static int gp_scan_vec_has_nan4(size_t n, const double *x) {
  size_t i = 0;
  gp_v4 acc = {0, 0, 0, 0};
  for (; i + 4 <= n; i += 4) {
    gp_v4 v = gp_scan_vec_ld(x + i);
    acc = _mm256_or_pd(acc, _mm256_cmp_pd(v, v, _CMP_UNORD_Q));
  }
  int any = _mm256_movemask_pd(acc) != 0;
  for (; i < n; i++)
    any |= isnan(x[i]) != 0;
  return any;
}

GP_AVX2 static void gp_scan_vec_sr_prep4(size_t n, const double *o, const double *e, double *ind,
                                         double *y, double *s) {
  size_t i = 0;
  const gp_v4 one = {1, 1, 1, 1}, half = {0.5, 0.5, 0.5, 0.5}, zero = {0, 0, 0, 0};
  for (; i + 4 <= n; i += 4) {
    gp_v4 vo = gp_scan_vec_ld(o + i), ve = gp_scan_vec_ld(e + i);
    gp_v4 pos = _mm256_blendv_pd(half, vo, _mm256_cmp_pd(vo, zero, _CMP_GT_OQ));
    if (ind) gp_scan_vec_st(ind + i, vo / ve);
    gp_scan_vec_st(y + i, pos / ve);
    if (s) gp_scan_vec_st(s + i, one / _mm256_sqrt_pd(ve));
  }
  for (; i < n; i++) {
    if (ind) ind[i] = o[i] / e[i];
    y[i] = (o[i] > 0 ? o[i] : 0.5) / e[i];
    if (s) s[i] = 1 / sqrt(e[i]);
  }
}

GP_AVX2 static void gp_scan_vec_zscore4(size_t n, const double *y, double theta, const double *s,
                                        double *z) {
  size_t i = 0;
  const gp_v4 vt = {theta, theta, theta, theta};
  for (; i + 4 <= n; i += 4)
    gp_scan_vec_st(z + i, (gp_scan_vec_ld(y + i) - vt) / gp_scan_vec_ld(s + i));
  for (; i < n; i++)
    z[i] = (y[i] - theta) / s[i];
}

GP_AVX2 static void gp_scan_vec_flags4(size_t n, const double *v, const double *den,
                                       const double *lo, const double *hi, int8_t *out) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    gp_v4 x = gp_scan_vec_ld(v + i);
    if (den) x = x / gp_scan_vec_ld(den + i);
    int up = _mm256_movemask_pd(_mm256_cmp_pd(x, gp_scan_vec_ld(hi + i), _CMP_GT_OQ));
    int dn = _mm256_movemask_pd(_mm256_cmp_pd(x, gp_scan_vec_ld(lo + i), _CMP_LT_OQ));
    for (int b = 0; b < 4; b++)
      out[i + (size_t)b] = (int8_t)((up >> b & 1) ? 1 : (dn >> b & 1) ? -1 : 0);
  }
  for (; i < n; i++) {
    double x = den ? v[i] / den[i] : v[i];
    out[i] = (int8_t)(x > hi[i] ? 1 : x < lo[i] ? -1 : 0);
  }
}

GP_AVX2 static void gp_scan_vec_zscore_e4(size_t n, const double *y, double theta, const double *e,
                                          double *z) {
  size_t i = 0;
  const gp_v4 one = {1, 1, 1, 1}, vt = {theta, theta, theta, theta};
  for (; i + 4 <= n; i += 4)
    gp_scan_vec_st(z + i,
                   (gp_scan_vec_ld(y + i) - vt) / (one / _mm256_sqrt_pd(gp_scan_vec_ld(e + i))));
  for (; i < n; i++)
    z[i] = (y[i] - theta) / (1 / sqrt(e[i]));
}

GP_AVX2 static void gp_scan_vec_sr_flags4(size_t n, const double *o, const double *x, double zq,
                                          double mul, double add, double t, int8_t *out) {
  size_t i = 0;
  const gp_v4 one = {1, 1, 1, 1}, vz = {zq, zq, zq, zq}, vm = {mul, mul, mul, mul};
  const gp_v4 va = {add, add, add, add}, vt = {t, t, t, t};
  for (; i + 4 <= n; i += 4) {
    gp_v4 ve = gp_scan_vec_ld(x + i);
    gp_v4 s = one / _mm256_sqrt_pd(ve);
    gp_v4 eh = _ZGVdN4v_exp(vz * _mm256_sqrt_pd(s * s * vm + va));
    gp_v4 v = gp_scan_vec_ld(o + i) / ve;
    int up = _mm256_movemask_pd(_mm256_cmp_pd(v, vt * eh, _CMP_GT_OQ));
    int dn = _mm256_movemask_pd(_mm256_cmp_pd(v, vt / eh, _CMP_LT_OQ));
    for (int b = 0; b < 4; b++)
      out[i + (size_t)b] = (int8_t)((up >> b & 1) ? 1 : (dn >> b & 1) ? -1 : 0);
  }
  for (; i < n; i++) {
    double s = 1 / sqrt(x[i]);
    double eh[4] = {zq * sqrt(s * s * mul + add), 0, 0, 0};
    gp_scan_vec_st(eh, _ZGVdN4v_exp(gp_scan_vec_ld(eh)));
    double v = o[i] / x[i];
    out[i] = (int8_t)(v > t * eh[0] ? 1 : v < t / eh[0] ? -1 : 0);
  }
}
#endif

void gp_scan_vec_exp(const double *x, double *y, size_t n) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_exp4(x, y, n);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++)
    y[i] = exp(x[i]);
}

void gp_scan_vec_log(const double *x, double *y, size_t n) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_log4(x, y, n);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++)
    y[i] = log(x[i]);
}

void gp_scan_vec_erfc(const double *x, double *y, size_t n) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_erfc4(x, y, n);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++)
    y[i] = erfc(x[i]);
}

void gp_scan_vec_gram(size_t m, size_t p, const double *r, size_t stride, const double *w,
                      const double *wz, double *A, double *b) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_gram4(m, p, r, stride, w, wz, A, b);
    return;
  }
#endif
  for (size_t a = 0; a < p; a++) {
    const double *ra = r + a * stride;
    for (size_t c = 0; c <= a; c++) {
      const double *rc = r + c * stride;
      double s = 0;
      for (size_t i = 0; i < m; i++)
        s += w[i] * ra[i] * rc[i];
      A[a * p + c] += s;
    }
    if (wz) {
      double s = 0;
      for (size_t i = 0; i < m; i++)
        s += wz[i] * ra[i];
      b[a] += s;
    }
  }
}

void gp_scan_vec_lincomb(size_t m, size_t p, const double *r, size_t stride, const double *coef,
                         double *out) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_lincomb4(m, p, r, stride, coef, out);
    return;
  }
#endif
  for (size_t i = 0; i < m; i++) {
    double e = coef[0] * r[i];
    for (size_t a = 1; a < p; a++)
      e += coef[a] * r[a * stride + i];
    out[i] = e;
  }
}

void gp_scan_vec_logit_irls(size_t m, const double *eta, const double *ex, const double *y,
                            const double *mt, double *w, double *wz) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_logit_irls4(m, eta, ex, y, mt, w, wz);
    return;
  }
#endif
  for (size_t i = 0; i < m; i++) {
    double pr = 1 / (1 + ex[i]), var = pr * (1 - pr);
    if (var < 1e-300) var = 1e-300;
    w[i] = mt[i] * var;
    wz[i] = w[i] * (eta[i] + (y[i] / mt[i] - pr) / var);
  }
}

void gp_scan_vec_affine(size_t m, const double *x, double a, double b, double *out) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_affine4(m, x, a, b, out);
    return;
  }
#endif
  for (size_t i = 0; i < m; i++)
    out[i] = (x[i] - a) * b;
}

double gp_scan_vec_sum(size_t n, const double *x) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) return gp_scan_vec_sumdev4(n, x, 0, 0);
#endif
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += x[i];
  return s;
}

double gp_scan_vec_sumsq_dev(size_t n, const double *x, double a) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) return gp_scan_vec_sumdev4(n, x, a, 1);
#endif
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += (x[i] - a) * (x[i] - a);
  return s;
}

void gp_scan_vec_sr_limits(size_t n, const double *x, double zq, double mul, double add, double t,
                           double *lo, double *hi) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_sr_limits4(n, x, zq, mul, add, t, lo, hi);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++) {
    double s = 1 / sqrt(x[i]);
    double eh = exp(zq * sqrt(s * s * mul + add));
    lo[i] = t / eh;
    hi[i] = t * eh;
  }
}

bool gp_scan_vec_has_nan(size_t n, const double *x) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) return gp_scan_vec_has_nan4(n, x) != 0;
#endif
  for (size_t i = 0; i < n; i++)
    if (isnan(x[i])) return true;
  return false;
}

void gp_scan_vec_sr_prep(size_t n, const double *o, const double *e, double *ind, double *y,
                         double *s) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_sr_prep4(n, o, e, ind, y, s);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++) {
    if (ind) ind[i] = o[i] / e[i];
    y[i] = (o[i] > 0 ? o[i] : 0.5) / e[i];
    if (s) s[i] = 1 / sqrt(e[i]);
  }
}

void gp_scan_vec_zscore(size_t n, const double *y, double theta, const double *s, double *z) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_zscore4(n, y, theta, s, z);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++)
    z[i] = (y[i] - theta) / s[i];
}

void gp_scan_vec_flags(size_t n, const double *v, const double *lo, const double *hi, int8_t *out) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_flags4(n, v, NULL, lo, hi, out);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++)
    out[i] = (int8_t)(v[i] > hi[i] ? 1 : v[i] < lo[i] ? -1 : 0);
}

void gp_scan_vec_flags_ratio(size_t n, const double *o, const double *e, const double *lo,
                             const double *hi, int8_t *out) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_flags4(n, o, e, lo, hi, out);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++) {
    double x = o[i] / e[i];
    out[i] = (int8_t)(x > hi[i] ? 1 : x < lo[i] ? -1 : 0);
  }
}

void gp_scan_vec_zscore_e(size_t n, const double *y, double theta, const double *e, double *z) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_zscore_e4(n, y, theta, e, z);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++)
    z[i] = (y[i] - theta) / (1 / sqrt(e[i]));
}

void gp_scan_vec_sr_flags(size_t n, const double *o, const double *x, double zq, double mul,
                          double add, double t, int8_t *out) {
#ifdef GP_SCAN_VEC_X86
  if (gp_scan_vec_avx2()) {
    gp_scan_vec_sr_flags4(n, o, x, zq, mul, add, t, out);
    return;
  }
#endif
  for (size_t i = 0; i < n; i++) {
    double s = 1 / sqrt(x[i]);
    double eh = exp(zq * sqrt(s * s * mul + add));
    double v = o[i] / x[i];
    out[i] = (int8_t)(v > t * eh ? 1 : v < t / eh ? -1 : 0);
  }
}
