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
 *
 * gp_dist_prepare and gp_dist_draw_lanes are the fast path of a simulation: the
 * per-call invariants (gamma constants d and c, PERT shapes, the triangular's
 * F(mode)) are computed once per distribution, a whole list of
 * distributions is sampled in one call, and each draw is a vector of
 * GP_RNG_LANES values, one from each lane of a gp_rng_lanes (SIMD). There
 * gamma variates of whole shape a ≤ 8 are −log(U1⋯Ua) (the Erlang
 * distribution; L. Devroye, Non-Uniform Random Variate Generation, Springer
 * 1986, §IX.3), and log and exp are vector ports of FDLIBM 5.3's e_log.c and
 * e_exp.c (Sun Microsystems 1993, https://www.netlib.org/fdlibm/).
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

/* Marsaglia–Tsang constants of a Gamma(a) sampler. */
typedef struct gp_dist_gamma_c {
  double d;     /* a' − 1/3, where a' = a (a ≥ 1) or a + 1 (a < 1) */
  double c;     /* 1/√(9d) */
  double inv_a; /* 1/a, the exponent of the boost U^(1/a) when a < 1 */
  int small;    /* 1 when a < 1 (draw Gamma(a + 1) and boost) */
  int erlang;   /* a when a is a whole number from 1 to 8, else 0 (the lane samplers
                   then use −log(U1⋯Ua)) */
} gp_dist_gamma_c;

/* A distribution prepared for repeated sampling (gp_dist_prepare). */
typedef struct gp_dist_prep {
  gp_dist_kind kind;      /* the family */
  double p[3];            /* its parameters (as in gp_dist) */
  double w;               /* max − min (uniform, triangular, PERT) */
  double cma, bmc, fc;    /* triangular: mode − min, max − mode, (mode − min)/(max − min) */
  gp_dist_gamma_c ga, gb; /* beta and PERT: the two gamma samplers */
  int a_ge_b;             /* beta and PERT: first shape ≥ second (the endpoint if both
                             gamma variates underflow) */
} gp_dist_prep;

/* Prepares d (valid) for gp_dist_draw_lanes; also builds the ziggurat tables. */
void gp_dist_prepare(const gp_dist *d, gp_dist_prep *out);

/* Draws one value per lane from each of n prepared distributions: the j-th
 * in turn is p[e], e = order[j] (order NULL: e = j), and lane l of its draw
 * goes to out[e·GP_RNG_LANES + l], drawn from lane l's generator only. The
 * algorithms are gp_dist_sample's computed on all lanes at once, except that
 * uniforms carry 52 random bits and a gamma variate with a whole shape
 * a ≤ 8 is −log(U1⋯Ua) (Erlang); so the values differ from gp_dist_sample's
 * but have the same distributions. The result does not depend on the
 * instruction set the clone runs on (AVX-512, AVX2 or plain x86-64). */
void gp_dist_draw_lanes(const gp_dist_prep *p, const size_t *order, size_t n, gp_rng_lanes *r,
                        double *out);

/* Bernoulli(p[j]) for j < n, one per lane, into out[j·GP_RNG_LANES + l]: 1
 * when lane l's uniform is below p[j]; p[j] ≥ 1 or ≤ 0 draws nothing. */
void gp_dist_bernoulli_lanes(const double *p, size_t n, gp_rng_lanes *r, double *out);

/* The vector log and exp of the lane samplers (ports of FDLIBM's e_log.c and
 * e_exp.c), on GP_RNG_LANES values: log needs positive normal numbers, exp
 * |x| ≤ 708. Exposed for testing against the C library. */
void gp_dist_log_lanes(const double *x, double *out);
void gp_dist_exp_lanes(const double *x, double *out);

#endif
