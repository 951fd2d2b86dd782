/*
 * gp_scan_stats — the small statistical building blocks of the funnel-plot
 * scan (src/engine/gp_scan.c): quantiles, winsorising and truncating
 * z-scores, the overdispersion ratio phi and the DerSimonian–Laird tau²,
 * exact Poisson and Wilson funnel limits, the PHE funnel axis, and
 * Benjamini–Hochberg q-values. Pure computation, no I/O.
 * Formulas and their sources: docs/methods/scan.md.
 */
#ifndef GP_SCAN_STATS_H
#define GP_SCAN_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* The p-quantile (0 <= p <= 1) of the n values x (n >= 1), by linear
 * interpolation between order statistics (Hyndman & Fan type 7, R's
 * default): h = (n - 1) p, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
 * x is not modified; scratch must hold n doubles. */
double gp_scan_stats_quantile(const double *x, size_t n, double p, double *scratch);

/* Winsorises the n z-scores in z into out at the trim and 1 - trim
 * quantiles (type 7): values below the lower quantile become it, values above
 * the upper become it. trimmed[i] (may be NULL) is set when z[i] was outside
 * the open interval between the quantiles (FunnelPlotR's `winsorised` flag).
 * scratch must hold n doubles, or be NULL (allocated when needed: above 64
 * values without NaN the quantiles come from a selection, not a sort). */
void gp_scan_stats_winsorise(const double *z, size_t n, double trim, double *out, bool *trimmed,
                             double *scratch);

/* Truncates as NHS Digital's SHMI does: with k = 1/trim groups, unit i is in
 * group floor(rank_i k / (n + 1)) (average ranks for ties); units in the
 * lowest group (0) or at or above group k - 1 are dropped. Sets keep[i] to
 * whether unit i is kept and returns how many are kept. scratch must hold
 * 2n doubles and order n size_t, or both be NULL (allocated when needed:
 * above 64 values without NaN the two boundary values come from a selection,
 * with the same result as sorting). */
size_t gp_scan_stats_truncate(const double *z, size_t n, double trim, bool *keep, double *scratch,
                              size_t *order);

/* phi = sum(z²)/n over the n values (n >= 1). */
double gp_scan_stats_phi(const double *z, size_t n);

/* The DerSimonian–Laird between-unit variance as FunnelPlotR's tau_func:
 * 0 if n phi < n - 1, else max(0, (n phi - (n - 1)) / (sum w - sum w² / sum w))
 * with w = 1/s² over the n within-unit standard errors s. */
double gp_scan_stats_tau2(size_t n, double phi, const double *s);

/* gp_scan_stats_phi and gp_scan_stats_tau2 in one pass over the `kept`
 * units i of n with keep[i] (z-scores z, standard errors s): the same sums
 * in the same order as on copies of the kept values. */
void gp_scan_stats_phi_tau2_kept(const double *z, const double *s, const bool *keep, size_t n,
                                 size_t kept, double *phi, double *tau2);

/* As gp_scan_stats_phi_tau2_kept with s NULL and s[i] = 1/sqrt(e[i]) (the
 * standard error of a standardised ratio with expected count e[i]). */
void gp_scan_stats_phi_tau2_kept_e(const double *z, const double *s, const double *e,
                                   const bool *keep, size_t n, size_t kept, double *phi,
                                   double *tau2);

/* Exact Poisson limits for a standardised ratio O/E with expected count e > 0
 * at two-sided level `level` (e.g. 0.95): *lo = chi2inv((1-level)/2; 2e)/(2e),
 * *hi = chi2inv((1+level)/2; 2(e+1))/(2e) (Spiegelhalter 2005, FunnelPlotR).
 * Multiply by the target for a target other than 1. */
void gp_scan_stats_poisson_limits(double e, double level, double *lo, double *hi);

/* The proportion funnel limits of PHE Fingertips / PHEindicatormethods: the
 * observed proportion at which the Wilson score interval at level `level`
 * (two-sided) of a unit with denominator n just reaches the baseline
 * proportion p, which is p ± z sqrt(p(1-p)/n), z = Φ⁻¹((1+level)/2),
 * clipped to [0, 1]. */
void gp_scan_stats_wilson_limits(double p, double n, double level, double *lo, double *hi);

/* The Wilson score interval for x successes of n at two-sided level `level`. */
void gp_scan_stats_wilson_interval(double x, double n, double level, double *lo, double *hi);

/* The x-axis of PHEindicatormethods' proportion/rate funnel table: 100
 * denominators from max(1, axis minimum) to the axis maximum, spaced
 * geometrically, rounded (half to even) and strictly increasing. The axis
 * minimum is 0 when dmax > 2 dmin, else dmin × 0.95 rounded down to its
 * leading digit; the maximum is dmax × 1.05 rounded up to two significant
 * figures. `ratio` selects the spacing used for ratios (offset j - 1).
 * out must hold 100 doubles. */
void gp_scan_stats_phe_axis(double dmin, double dmax, bool ratio, double *out);

/* Benjamini–Hochberg adjusted p-values (q-values) of the n p-values p into
 * q: q_(i) = min_{j >= i} min(1, n p_(j) / j) over the sorted p-values; NaN
 * p-values get NaN and do not count in n. order must hold n size_t.
 * Returns the number of non-NaN p-values. */
size_t gp_scan_stats_bh(const double *p, size_t n, double *q, size_t *order);

/* Sorts idx[0..n) so that key[idx[i]] increases (NaN last); idx must hold a
 * permutation of 0..n-1 on entry. */
void gp_scan_stats_sort_index(const double *key, size_t *idx, size_t n);

#endif
