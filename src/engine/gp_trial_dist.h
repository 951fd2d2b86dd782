/*
 * gp_trial_dist — the probability distributions the trial engine needs:
 * Student t (central, any real df; df = INFINITY means the normal),
 * the noncentral t (which GSL lacks; computed by numerical integration over
 * the chi-square mixing distribution), normal and chi-square tails.
 * Pure functions; no allocation visible to callers.
 */
#ifndef GP_TRIAL_DIST_H
#define GP_TRIAL_DIST_H

/* P(T <= t) and P(T > t) for Student t with df degrees of freedom (df may be
 * fractional; df = INFINITY or df > 1e10 gives the standard normal). */
double gp_trial_t_cdf(double t, double df);
double gp_trial_t_sf(double t, double df);

/* The t quantile: the x with P(T <= x) = p, 0 < p < 1. */
double gp_trial_t_quantile(double p, double df);

/* Two-sided p-value 2·P(T > |t|). */
double gp_trial_t_p2(double t, double df);

/* P(T <= t) and P(T > t) for the noncentral t with df degrees of freedom and
 * noncentrality ncp (R's pt(t, df, ncp) and pt(..., lower.tail = FALSE)).
 * Computed as E_V[Φ(t·sqrt(V/df) − ncp)], V ~ χ²(df), by adaptive
 * Gauss–Kronrod quadrature (relative accuracy ~1e-12). */
double gp_trial_nct_cdf(double t, double df, double ncp);
double gp_trial_nct_sf(double t, double df, double ncp);

/* Standard normal cdf, survival function and quantile. */
double gp_trial_norm_cdf(double z);
double gp_trial_norm_sf(double z);
double gp_trial_norm_quantile(double p);

/* Upper tail P(X > x) of the chi-square with df degrees of freedom. */
double gp_trial_chisq_sf(double x, double df);

#endif
