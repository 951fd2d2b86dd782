/*
 * gp_rng — the random number generator of every gameplan analysis:
 * xoshiro256** 1.0 (D. Blackman and S. Vigna, "Scrambled linear pseudorandom
 * number generators", ACM Trans. Math. Softw. 47(4), 2021; reference code at
 * https://prng.di.unimi.it/xoshiro256starstar.c), seeded from a 64-bit seed
 * through SplitMix64 (as the authors recommend).
 *
 * Independent streams: gp_rng_stream(seed, k) is the seeded state advanced
 * by k calls of the generator's jump function, i.e. by k·2^128 outputs, so
 * streams never overlap in practice. Each block of draws of a simulation
 * uses its own stream, which is what makes results independent of the
 * number of threads. gp_rng_long_jump (2^192 outputs) gives streams for
 * auxiliary runs (such as a pilot) that cannot meet the block streams.
 * gp_rng_lanes holds GP_RNG_LANES consecutive streams side by side, for
 * samplers that work on vectors of draws.
 */
#ifndef GP_RNG_H
#define GP_RNG_H

#include <stdint.h>

typedef struct gp_rng {
  uint64_t s[4]; /* the xoshiro256** state; never all zero */
} gp_rng;

/* Seeds r from seed (any value) with SplitMix64. */
void gp_rng_seed(gp_rng *r, uint64_t seed);

/* The seeded state advanced by k jumps (k·2^128 outputs). */
void gp_rng_stream(gp_rng *r, uint64_t seed, uint64_t k);

/* The next 64 random bits. */
static inline uint64_t gp_rng_next(gp_rng *r) {
  uint64_t *s = r->s;
  uint64_t x = s[1] * 5;
  uint64_t result = ((x << 7) | (x >> 57)) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}

/* A uniform double in [0, 1): the top 53 bits times 2^-53. */
static inline double gp_rng_uniform(gp_rng *r) {
  return (double)(gp_rng_next(r) >> 11) * 0x1.0p-53;
}

/* A uniform double in (0, 1): (top 53 bits + 0.5) times 2^-53. */
static inline double gp_rng_uniform_pos(gp_rng *r) {
  return ((double)(gp_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* GP_RNG_LANES generators stepped together, one per SIMD lane (the
 * simulation's samplers draw one value per lane at a time). */
#define GP_RNG_LANES 8
typedef struct gp_rng_lanes {
  uint64_t s[4][GP_RNG_LANES]; /* word k of lane l's xoshiro256** state is s[k][l] */
} gp_rng_lanes;

/* Lane l = base advanced by l jumps (l·2^128 outputs); base is unchanged. */
void gp_rng_lanes_init(gp_rng_lanes *r, const gp_rng *base);

/* Lane l's generator as a gp_rng (get), and storing one back (set). */
void gp_rng_lanes_get(const gp_rng_lanes *r, int l, gp_rng *out);
void gp_rng_lanes_set(gp_rng_lanes *r, int l, const gp_rng *in);

/* Advances r by 2^128 outputs (the reference jump polynomial). */
void gp_rng_jump(gp_rng *r);

/* Advances r by 2^192 outputs (the reference long-jump polynomial). */
void gp_rng_long_jump(gp_rng *r);

#endif
