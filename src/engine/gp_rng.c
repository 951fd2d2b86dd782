/*
 * gp_rng — xoshiro256** with SplitMix64 seeding and jump functions; see
 * gp_rng.h for the references. The jump constants are those of the
 * reference implementation.
 */
#include "engine/gp_rng.h"

static uint64_t gp_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void gp_rng_seed(gp_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = gp_splitmix64(&x);
}

static void gp_rng_poly(gp_rng *r, const uint64_t poly[4]) {
  uint64_t t[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 64; b++) {
      if (poly[i] & (UINT64_C(1) << b))
        for (int k = 0; k < 4; k++)
          t[k] ^= r->s[k];
      gp_rng_next(r);
    }
  for (int k = 0; k < 4; k++)
    r->s[k] = t[k];
}

void gp_rng_jump(gp_rng *r) {
  static const uint64_t jump[4] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
                                   0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL};
  gp_rng_poly(r, jump);
}

void gp_rng_long_jump(gp_rng *r) {
  static const uint64_t jump[4] = {0x76e15d3efefdcbbfULL, 0xc5004e441c522fb3ULL,
                                   0x77710069854ee241ULL, 0x39109bb02acbe635ULL};
  gp_rng_poly(r, jump);
}

void gp_rng_stream(gp_rng *r, uint64_t seed, uint64_t k) {
  gp_rng_seed(r, seed);
  for (uint64_t i = 0; i < k; i++)
    gp_rng_jump(r);
}

void gp_rng_lanes_init(gp_rng_lanes *r, const gp_rng *base) {
  gp_rng x = *base;
  for (int l = 0; l < GP_RNG_LANES; l++) {
    if (l) gp_rng_jump(&x);
    gp_rng_lanes_set(r, l, &x);
  }
}

void gp_rng_lanes_get(const gp_rng_lanes *r, int l, gp_rng *out) {
  for (int k = 0; k < 4; k++)
    out->s[k] = r->s[k][l];
}

void gp_rng_lanes_set(gp_rng_lanes *r, int l, const gp_rng *in) {
  for (int k = 0; k < 4; k++)
    r->s[k][l] = in->s[k];
}
