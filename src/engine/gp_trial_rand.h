/*
 * gp_trial_rand — reproducible random numbers and random assignment.
 *
 * Generator: xoshiro256** 1.0 (Blackman & Vigna 2018, "Scrambled linear
 * pseudorandom number generators", https://prng.di.unimi.it/), its state
 * seeded from the 64-bit --seed by splitmix64 (Steele, Lea & Flood 2014) as
 * the authors recommend. Only integer arithmetic: the same seed gives the
 * same stream on every machine. Uniforms are the top 53 bits / 2^53.
 *
 * Assignment (for a block of N units, arm probabilities p_1..p_K):
 *  - simple: each unit independently, arm k with probability p_k;
 *  - complete: exactly floor(N·p_k) or ceil(N·p_k) units per arm: the
 *    floor counts, plus one unit each for r = N − Σ floor(N·p_k) arms chosen
 *    by systematic sampling with inclusion probabilities equal to the
 *    fractional parts; then a uniform random permutation (Fisher–Yates).
 *    Every unit's probability of arm k is exactly p_k.
 *  - blocked: complete within each block; cluster: the clusters are the units.
 */
#ifndef GP_TRIAL_RAND_H
#define GP_TRIAL_RAND_H

#include <stddef.h>
#include <stdint.h>

#include "engine/gp_rng.h"
#include "util/gp_error.h"

/* Generator state: the project's one generator, xoshiro256** seeded by
 * SplitMix64 (engine/gp_rng.h); the functions below are its trial-side
 * names, bit for bit the same stream. */
typedef gp_rng gp_trial_rng;

/* Seeds the generator from seed with splitmix64. */
void gp_trial_rng_seed(gp_trial_rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t gp_trial_rng_next(gp_trial_rng *r);

/* A uniform double in [0, 1) with 53 random bits. */
double gp_trial_rng_uniform(gp_trial_rng *r);

/* A uniform integer in [0, n), n > 0, without modulo bias (rejection). */
uint64_t gp_trial_rng_below(gp_trial_rng *r, uint64_t n);

/* A standard normal draw (Marsaglia polar method). */
double gp_trial_rng_normal(gp_trial_rng *r);

/* A Gamma(shape, 1) draw (Marsaglia & Tsang 2000), shape > 0. */
double gp_trial_rng_gamma(gp_trial_rng *r, double shape);

/* A Beta(a, b) draw as G_a/(G_a + G_b). */
double gp_trial_rng_beta(gp_trial_rng *r, double a, double b);

/* Assignment designs. */
typedef enum gp_trial_design {
  GP_TRIAL_DESIGN_SIMPLE,  /* independent draws */
  GP_TRIAL_DESIGN_COMPLETE /* exact counts per block */
} gp_trial_design;

/* Assigns n units to k arms with probabilities prob[0..k-1] (each in (0,1),
 * summing to 1 within 1e-9). block[i] (or NULL: one block) is unit i's block
 * index in [0, nblocks). Units are processed block by block in order of
 * first appearance; within a block in file order. Writes arm indices to
 * arm_out[0..n-1] (caller-owned). Returns GP_OK, GP_EINVAL (naming "--ratio")
 * for bad probabilities, or GP_ENOMEM. */
gp_code gp_trial_assign(gp_trial_rng *r, gp_trial_design design, size_t n, int k,
                        const double *prob, const int *block, int nblocks, int *arm_out,
                        gp_error *err);

/* The arm counts complete randomisation gives a block of size n: floor(n·p_k)
 * plus the extra units chosen by systematic sampling (uses one uniform).
 * counts[0..k-1] is caller-owned. */
void gp_trial_complete_counts(gp_trial_rng *r, size_t n, int k, const double *prob, size_t *counts);

#endif
