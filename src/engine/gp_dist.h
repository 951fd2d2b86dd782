/*
 * gp_dist — samplers for the plan file's distributions (model/gp_graph.h),
 * drawing from a gp_rng stream. The algorithms (see docs/methods/simulation.md):
 *   normal      ziggurat, 256 layers (G. Marsaglia and W. W. Tsang, "The
 *               ziggurat method for generating random variables", J. Stat.
 *               Softw. 5(8), 2000), with Marsaglia's exact tail method
 *               (Marsaglia 1964); layer index and sign from the low 9 bits of
 *               a 64-bit output, the abscissa from its top 53 bits, so the
 *               two are independent (avoiding the flaw noted by J. A. Doornik,
 *               "An improved ziggurat method", 2005)
 *   lognormal   exp(mu + sigma·Z)
 *   uniform     min + (max − min)·U
 *   triangular  inverse of the distribution function
 *   gamma       Marsaglia–Tsang squeeze/rejection ("A simple method for
 *               generating gamma variables", ACM TOMS 26(3), 2000); for
 *               shape a < 1, Gamma(a + 1)·U^(1/a)
 *   beta        X/(X + Y), X ~ Gamma(a), Y ~ Gamma(b)
 *   PERT        min + (max − min)·Beta(1 + 4(mode − min)/(max − min),
 *                                      1 + 4(max − mode)/(max − min))
 *               (D. Vose, Risk Analysis, 3rd ed., Wiley 2008, ch. 9)
 *   bernoulli   1 if U < p, else 0
 * A fixed number draws nothing. Pure computation; thread-safe (the ziggurat
 * tables are built once, under pthread_once).
 */
#ifndef GP_DIST_H
#define GP_DIST_H

#include "engine/gp_rng.h"
#include "model/gp_graph.h"

/* A standard normal variate (ziggurat). */
double gp_dist_std_normal(gp_rng *r);

/* A Gamma(shape a, scale 1) variate, a > 0 (Marsaglia–Tsang). */
double gp_dist_gamma(gp_rng *r, double a);

/* A Beta(a, b) variate, a, b > 0. */
double gp_dist_beta(gp_rng *r, double a, double b);

/* One draw from d (which must be valid: gp_dist_validate). */
double gp_dist_sample(const gp_dist *d, gp_rng *r);

#endif
