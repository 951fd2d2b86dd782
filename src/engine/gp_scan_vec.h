/*
 * gp_scan_vec — array kernels for scans of a million units: exp, log and
 * erfc over arrays, and the weighted cross-product X'WX, X'Wz of a block of
 * rows. On x86-64 processors with AVX2 they use glibc's vector math library
 * (libmvec, the functions GCC itself calls when it vectorises exp/log loops;
 * tested by glibc to a 4-ulp maximum relative error,
 * sourceware.org/glibc/wiki/libmvec) and 4-wide sums; elsewhere plain loops.
 * The result is the same for the same input on the same machine, whatever the
 * thread. Pure computation, no I/O.
 */
#ifndef GP_SCAN_VEC_H
#define GP_SCAN_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* y[i] = exp(x[i]) for n values (x and y may be the same array). */
void gp_scan_vec_exp(const double *x, double *y, size_t n);

/* y[i] = log(x[i]) for n values (x and y may be the same array). */
void gp_scan_vec_log(const double *x, double *y, size_t n);

/* y[i] = erfc(x[i]) for n values (x and y may be the same array). */
void gp_scan_vec_erfc(const double *x, double *y, size_t n);

/* Adds the m rows of a block to the normal equations of weighted least
 * squares: A += sum_i w_i r_i r_i' (lower triangle only, A row-major p × p)
 * and, when wz is not NULL, b += sum_i wz_i r_i. The block is stored by
 * column: element a of row i is r[a * stride + i] (stride >= m). */
void gp_scan_vec_gram(size_t m, size_t p, const double *r, size_t stride, const double *w,
                      const double *wz, double *A, double *b);

/* out[i] = sum_a coef[a] r[a * stride + i] for the m rows of a block stored
 * by column (the linear predictor of a block). */
void gp_scan_vec_lincomb(size_t m, size_t p, const double *r, size_t stride, const double *coef,
                         double *out);

/* The IRLS weights of the logistic model for m units, from the linear
 * predictor eta and ex = exp(-eta): p = 1/(1 + ex), v = max(p(1-p), 1e-300),
 * w = mt v, wz = w (eta + (y/mt - p)/v) (mt the trials). */
void gp_scan_vec_logit_irls(size_t m, const double *eta, const double *ex, const double *y,
                            const double *mt, double *w, double *wz);

/* out[i] = (x[i] - a) * b for m values (standardising a column). */
void gp_scan_vec_affine(size_t m, const double *x, double a, double b, double *out);

/* The sum of the n values x, and the sum of their squared deviations from a
 * (in 4-wide partial sums on AVX2 processors). */
double gp_scan_vec_sum(size_t n, const double *x);
double gp_scan_vec_sumsq_dev(size_t n, const double *x, double a);

/* Overdispersed funnel limits of standardised ratios at n expected counts
 * x: s = 1/sqrt(x), h = zq sqrt(s² mul + add) (additive: mul 1, add tau²;
 * multiplicative: mul phi, add 0), lo = t/e^h, hi = t e^h. */
void gp_scan_vec_sr_limits(size_t n, const double *x, double zq, double mul, double add, double t,
                           double *lo, double *hi);

/* gp_scan_vec_sr_limits and gp_scan_vec_flags_ratio in one pass, without
 * the limits: out[i] the flag of o[i]/x[i] against t/e^h and t e^h. */
void gp_scan_vec_sr_flags(size_t n, const double *o, const double *x, double zq, double mul,
                          double add, double t, int8_t *out);

/* Whether any of the n values is NaN. */
bool gp_scan_vec_has_nan(size_t n, const double *x);

/* The standardised ratio of n units with O = o[i] and E = e[i] > 0: ind = O/E
 * (unless ind is NULL), y = (O > 0 ? O : ½)/E (whose log is the transformed
 * value; O = 0 counts as ½) and s = 1/sqrt(E) (unless s is NULL). */
void gp_scan_vec_sr_prep(size_t n, const double *o, const double *e, double *ind, double *y,
                         double *s);

/* z[i] = (y[i] - theta) / s[i] for n values (z may be y). */
void gp_scan_vec_zscore(size_t n, const double *y, double theta, const double *s, double *z);

/* As gp_scan_vec_zscore with s[i] = 1/sqrt(e[i]) computed on the way (the
 * same value gp_scan_vec_sr_prep stores). */
void gp_scan_vec_zscore_e(size_t n, const double *y, double theta, const double *e, double *z);

/* out[i] = +1 when v[i] > hi[i], -1 when v[i] < lo[i], else 0 (a value on a
 * limit is inside), for n values. */
void gp_scan_vec_flags(size_t n, const double *v, const double *lo, const double *hi, int8_t *out);

/* As gp_scan_vec_flags for the ratios v[i] = o[i] / e[i] (the same division
 * as gp_scan_vec_sr_prep's indicator). */
void gp_scan_vec_flags_ratio(size_t n, const double *o, const double *e, const double *lo,
                             const double *hi, int8_t *out);

#endif
