/*
 * gp_dist — the samplers; see gp_dist.h for the algorithms and references.
 */
#include "engine/gp_dist.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* Ziggurat for the standard normal with 256 layers of equal area V; R is the
 * start of the tail. Constants from Marsaglia and Tsang (2000), 256-layer
 * version. x[i] are the layers' right edges (x[0] = V/f(R) is the virtual
 * width of the base layer, x[1] = R, x[256] = 0); f[i] = exp(-x[i]²/2). */
#define GP_ZIG_N 256
#define GP_ZIG_R 3.6541528853610088
#define GP_ZIG_V 4.92867323399e-3

static double gp_zig_x[GP_ZIG_N + 1];
static double gp_zig_f[GP_ZIG_N + 1];
static pthread_once_t gp_zig_once = PTHREAD_ONCE_INIT;
static atomic_int gp_zig_ready; /* set (release) once the tables are built */

static void gp_zig_init(void) {
  double r = GP_ZIG_R, v = GP_ZIG_V;
  double fr = exp(-0.5 * r * r);
  gp_zig_x[0] = v / fr;
  gp_zig_x[1] = r;
  for (int i = 1; i < GP_ZIG_N - 1; i++) {
    double fi = exp(-0.5 * gp_zig_x[i] * gp_zig_x[i]);
    gp_zig_x[i + 1] = sqrt(-2 * log(fi + v / gp_zig_x[i]));
  }
  gp_zig_x[GP_ZIG_N] = 0;
  for (int i = 0; i <= GP_ZIG_N; i++)
    gp_zig_f[i] = exp(-0.5 * gp_zig_x[i] * gp_zig_x[i]);
  atomic_store_explicit(&gp_zig_ready, 1, memory_order_release);
}

static void gp_zig_ensure(void) {
  if (!atomic_load_explicit(&gp_zig_ready, memory_order_acquire))
    pthread_once(&gp_zig_once, gp_zig_init);
}

static double gp_zig_slow(gp_rng *r, uint64_t b);

/* The ziggurat proper (the tables must be built): the fast path, inlined
 * wherever a normal variate is drawn, takes ~99% of the draws; the wedges,
 * the tail and the retries are in gp_zig_slow. */
static inline double gp_zig_normal(gp_rng *r) {
  uint64_t b = gp_rng_next(r);
  int i = (int)(b & 0xff);
  double x = (double)(b >> 11) * 0x1.0p-53 * gp_zig_x[i];
  if (x < gp_zig_x[i + 1]) return (b & 0x100) ? -x : x;
  return gp_zig_slow(r, b);
}

/* The rest of the ziggurat for a 64-bit output b that missed its layer's
 * rectangle. */
__attribute__((noinline)) static double gp_zig_slow(gp_rng *r, uint64_t b) {
  int i = (int)(b & 0xff);
  int neg = (int)((b >> 8) & 1);
  double x = (double)(b >> 11) * 0x1.0p-53 * gp_zig_x[i];
  if (i == 0) {
    /* the tail beyond R: Marsaglia (1964) */
    double xx, yy;
    do {
      xx = -log(gp_rng_uniform_pos(r)) / GP_ZIG_R;
      yy = -log(gp_rng_uniform_pos(r));
    } while (yy + yy < xx * xx);
    return neg ? -(GP_ZIG_R + xx) : GP_ZIG_R + xx;
  }
  /* the wedge between the layer's rectangle and the curve */
  double y = gp_zig_f[i] + gp_rng_uniform(r) * (gp_zig_f[i + 1] - gp_zig_f[i]);
  if (y < exp(-0.5 * x * x)) return neg ? -x : x;
  return gp_zig_normal(r); /* rejected: start again */
}

double gp_dist_std_normal(gp_rng *r) {
  gp_zig_ensure();
  return gp_zig_normal(r);
}

static void gp_gamma_prep(double a, gp_dist_gamma_c *g) {
  g->small = a < 1;
  g->erlang = a >= 1 && a <= 8 && a == floor(a) ? (int)a : 0;
  g->inv_a = 1 / a;
  if (g->small) a = a + 1;
  g->d = a - 1.0 / 3;
  g->c = 1 / sqrt(9 * g->d);
}

/* Marsaglia–Tsang for shape ≥ 1 with constants d, c. */
static inline double gp_gamma_mt(gp_rng *r, double d, double c) {
  for (;;) {
    double x, v;
    do {
      x = gp_zig_normal(r);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = gp_rng_uniform_pos(r);
    double x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (log(u) < 0.5 * x2 + d * (1 - v + log(v))) return d * v;
  }
}

static inline double gp_gamma_fast(gp_rng *r, const gp_dist_gamma_c *g) {
  double x = gp_gamma_mt(r, g->d, g->c);
  if (g->small) x = x * pow(gp_rng_uniform_pos(r), g->inv_a);
  return x;
}

double gp_dist_gamma(gp_rng *r, double a) {
  gp_zig_ensure();
  gp_dist_gamma_c g;
  gp_gamma_prep(a, &g);
  return gp_gamma_fast(r, &g);
}

/* Beta(a, b) from two gamma samplers; a >= b decides the endpoint when both
 * gamma variates underflow (tiny shapes). */
static inline double gp_beta_fast(gp_rng *r, const gp_dist_gamma_c *ga, const gp_dist_gamma_c *gb,
                                  int a_ge_b) {
  double x = gp_gamma_fast(r, ga), y = gp_gamma_fast(r, gb);
  double s = x + y;
  if (!(s > 0)) return a_ge_b ? 1.0 : 0.0;
  return x / s;
}

double gp_dist_beta(gp_rng *r, double a, double b) {
  gp_zig_ensure();
  gp_dist_gamma_c ga, gb;
  gp_gamma_prep(a, &ga);
  gp_gamma_prep(b, &gb);
  return gp_beta_fast(r, &ga, &gb, a >= b);
}

void gp_dist_prepare(const gp_dist *d, gp_dist_prep *o) {
  gp_zig_ensure();
  memset(o, 0, sizeof *o);
  o->kind = d->kind;
  memcpy(o->p, d->p, sizeof o->p);
  const double *p = d->p;
  switch (d->kind) {
  case GP_DIST_UNIFORM: o->w = p[1] - p[0]; break;
  case GP_DIST_TRIANGULAR:
    o->w = p[2] - p[0];
    o->cma = p[1] - p[0];
    o->bmc = p[2] - p[1];
    o->fc = (p[1] - p[0]) / (p[2] - p[0]);
    break;
  case GP_DIST_PERT: {
    double a = p[0], c = p[1], b = p[2];
    double al = 1 + 4 * (c - a) / (b - a), be = 1 + 4 * (b - c) / (b - a);
    o->w = b - a;
    o->a_ge_b = al >= be;
    gp_gamma_prep(al, &o->ga);
    gp_gamma_prep(be, &o->gb);
    break;
  }
  case GP_DIST_BETA:
    o->a_ge_b = p[0] >= p[1];
    gp_gamma_prep(p[0], &o->ga);
    gp_gamma_prep(p[1], &o->gb);
    break;
  default: break;
  }
}

/* One draw from a prepared distribution (the same values as gp_dist_sample). */
static inline double gp_draw1(const gp_dist_prep *d, gp_rng *r) {
  const double *p = d->p;
  switch (d->kind) {
  case GP_DIST_FIXED: return p[0];
  case GP_DIST_NORMAL: return p[0] + p[1] * gp_zig_normal(r);
  case GP_DIST_LOGNORMAL: return exp(p[0] + p[1] * gp_zig_normal(r));
  case GP_DIST_UNIFORM: return p[0] + d->w * gp_rng_uniform(r);
  case GP_DIST_TRIANGULAR: {
    double u = gp_rng_uniform(r);
    if (u < d->fc) return p[0] + sqrt(u * d->w * d->cma);
    return p[2] - sqrt((1 - u) * d->w * d->bmc);
  }
  case GP_DIST_PERT: return p[0] + d->w * gp_beta_fast(r, &d->ga, &d->gb, d->a_ge_b);
  case GP_DIST_BETA: return gp_beta_fast(r, &d->ga, &d->gb, d->a_ge_b);
  case GP_DIST_BERNOULLI: return gp_rng_uniform(r) < p[0] ? 1.0 : 0.0;
  }
  return NAN;
}

/* ---- vectors of draws: one value per lane of a gp_rng_lanes ----
 *
 * The same algorithms as above, computed on GP_RNG_LANES lanes at once
 * (GCC/Clang vector extensions; the functions are compiled for AVX-512,
 * AVX2 and plain x86-64 where GCC supports target clones, with identical
 * results: no fused multiply-adds in ISO C mode). The common path of each
 * sampler (the ziggurat's rectangles; Marsaglia–Tsang's squeeze and, when a
 * lane misses it, the full test with a vector log) runs on all lanes
 * together; a lane that leaves it (≈1% for the ziggurat, 1–2% for the
 * gamma) finishes with the scalar code on that lane's own generator. Gamma
 * variates of whole shape ≤ 8 are −log(U1⋯Ua) (Erlang). Each lane consumes
 * only its own generator, so a lane's values do not depend on the others.
 * Uniforms here carry 52 random bits:
 * U = (bits 12..63) · 2^-52 in [0, 1), or + 2^-53 in (0, 1); the ziggurat
 * takes its layer and sign from bits 0..8, independent of them. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
#define GP_DIST_SIMD __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GP_DIST_SIMD
#endif

/* Helpers are always inlined, so that they are compiled for each clone's ISA. */
#define GP_VINLINE static inline __attribute__((always_inline))

#if GP_RNG_LANES != 8
#error "gp_vnormal builds its vectors for 8 lanes"
#endif
typedef uint64_t gp_vu __attribute__((vector_size(GP_RNG_LANES * sizeof(uint64_t))));
typedef int64_t gp_vi __attribute__((vector_size(GP_RNG_LANES * sizeof(int64_t))));
typedef double gp_vf __attribute__((vector_size(GP_RNG_LANES * sizeof(double))));

/* The lanes' generators, word by word. */
typedef struct gp_vst {
  gp_vu s0, s1, s2, s3; /* word k of every lane's state */
} gp_vst;

#define GP_ONE_BITS 0x3FF0000000000000ULL /* the bits of 1.0 */
#define GP_MAGIC 0x1.8p52 /* 1.5·2^52: x + GP_MAGIC holds round(x) in its low bits */
#define GP_MAGIC_BITS ((int64_t)0x4338000000000000) /* its bits */

GP_VINLINE void gp_vst_load(gp_vst *st, const gp_rng_lanes *r) {
  memcpy(&st->s0, r->s[0], sizeof st->s0);
  memcpy(&st->s1, r->s[1], sizeof st->s1);
  memcpy(&st->s2, r->s[2], sizeof st->s2);
  memcpy(&st->s3, r->s[3], sizeof st->s3);
}

GP_VINLINE void gp_vst_store(const gp_vst *st, gp_rng_lanes *r) {
  memcpy(r->s[0], &st->s0, sizeof st->s0);
  memcpy(r->s[1], &st->s1, sizeof st->s1);
  memcpy(r->s[2], &st->s2, sizeof st->s2);
  memcpy(r->s[3], &st->s3, sizeof st->s3);
}

/* xoshiro256** on every lane (multiplications by 5 and 9 as shifts and adds). */
GP_VINLINE void gp_vnext(gp_vst *st, gp_vu *out) {
  gp_vu x = (st->s1 << 2) + st->s1;
  x = (x << 7) | (x >> 57);
  *out = (x << 3) + x;
  gp_vu t = st->s1 << 17;
  st->s2 ^= st->s0;
  st->s3 ^= st->s1;
  st->s1 ^= st->s2;
  st->s0 ^= st->s3;
  st->s2 ^= t;
  st->s3 = (st->s3 << 45) | (st->s3 >> 19);
}

/* Uniforms in [0, 1) from bits 12..63. */
GP_VINLINE void gp_vunif(gp_vst *st, gp_vf *u) {
  gp_vu b;
  gp_vnext(st, &b);
  *u = (gp_vf)((b >> 12) | GP_ONE_BITS) - 1.0;
}

/* Uniforms in (0, 1): the above plus 2^-53. */
GP_VINLINE void gp_vunif_pos(gp_vst *st, gp_vf *u) {
  gp_vu b;
  gp_vnext(st, &b);
  *u = (gp_vf)((b >> 12) | GP_ONE_BITS) - (1.0 - 0x1.0p-53);
}

GP_VINLINE bool gp_vall(const gp_vi *m) {
  int64_t a = -1;
  for (int l = 0; l < GP_RNG_LANES; l++)
    a &= (*m)[l];
  return a != 0;
}

/* log and exp on every lane: vector ports of FDLIBM 5.3's e_log.c and
 * e_exp.c (Sun Microsystems, 1993; https://www.netlib.org/fdlibm/), the
 * algorithms behind most C libraries' log and exp, with their coefficients;
 * error below 1 ulp. gp_vlog needs positive normal x; gp_vexp needs
 * |x| ≤ 708 (callers route other lanes to the scalar functions). */
GP_VINLINE void gp_vlog(const gp_vf *xin, gp_vf *out) {
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10,
               Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
               Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
               Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
               Lg7 = 1.479819860511658591e-01;
  gp_vu bits = (gp_vu)*xin;
  gp_vi hx = (gp_vi)(bits >> 32);
  gp_vi k = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  gp_vi i = (hx + 0x95f64) & 0x100000; /* normalise x to [√2/2, √2) */
  gp_vu m = (bits & 0x000fffffffffffffULL) | ((gp_vu)(i ^ 0x3ff00000) << 32);
  k += i >> 20;
  gp_vf f = (gp_vf)m - 1.0;
  gp_vf dk = (gp_vf)(GP_MAGIC_BITS + k) - GP_MAGIC; /* (double)k */
  gp_vf s = f / (2.0 + f), z = s * s, w = z * z;
  gp_vf t1 = w * (Lg2 + w * (Lg4 + w * Lg6)), t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  gp_vf R = t2 + t1, hfsq = 0.5 * f * f;
  *out = dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
}

GP_VINLINE void gp_vexp(const gp_vf *xin, gp_vf *out) {
  const double ln2HI = 6.93147180369123816490e-01, ln2LO = 1.90821492927058770002e-10,
               invln2 = 1.44269504088896338700e+00, P1 = 1.66666666666666019037e-01,
               P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
               P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
  gp_vf x = *xin;
  gp_vf kr = invln2 * x + GP_MAGIC; /* k = x/ln2 rounded to nearest, in the low bits */
  gp_vi k = (gp_vi)kr - GP_MAGIC_BITS;
  gp_vf dk = kr - GP_MAGIC;
  gp_vf hi = x - dk * ln2HI, lo = dk * ln2LO, r = hi - lo;
  gp_vf t = r * r, c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  gp_vf y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  /* y·2^k as y·2^(k/2)·2^(k−k/2), each factor a normal number for |k| ≤ 1022 */
  gp_vi k1 = k >> 1, k2 = k - k1;
  *out = y * (gp_vf)((gp_vu)(k1 + 1023) << 52) * (gp_vf)((gp_vu)(k2 + 1023) << 52);
}

/* Lane l of a ziggurat draw that missed its rectangle: x is the abscissa
 * already drawn in layer i (sign neg). The wedge test, the tail, or, on
 * rejection, a fresh scalar normal, all on the lane's own generator. */
__attribute__((noinline)) static double gp_zig_lane(gp_rng_lanes *r, int l, int i, int neg,
                                                    double x) {
  gp_rng g;
  gp_rng_lanes_get(r, l, &g);
  double z;
  if (i == 0) { /* the tail beyond R: Marsaglia (1964) */
    double xx, yy;
    do {
      xx = -log(gp_rng_uniform_pos(&g)) / GP_ZIG_R;
      yy = -log(gp_rng_uniform_pos(&g));
    } while (yy + yy < xx * xx);
    z = neg ? -(GP_ZIG_R + xx) : GP_ZIG_R + xx;
  } else {
    double y = gp_zig_f[i] + gp_rng_uniform(&g) * (gp_zig_f[i + 1] - gp_zig_f[i]);
    z = y < exp(-0.5 * x * x) ? (neg ? -x : x) : gp_zig_normal(&g); /* rejected: start again */
  }
  gp_rng_lanes_set(r, l, &g);
  return z;
}

/* Standard normals on every lane (ziggurat). */
GP_VINLINE void gp_vnormal(gp_vst *st, gp_vf *z) {
  gp_vu b;
  gp_vnext(st, &b);
  gp_vf u = (gp_vf)((b >> 12) | GP_ONE_BITS) - 1.0;
  /* the layers' edges, built in registers (a loop through memory stalls) */
#define GP_X(l, k) gp_zig_x[(b[l] & 0xff) + k]
  gp_vf xi = {GP_X(0, 0), GP_X(1, 0), GP_X(2, 0), GP_X(3, 0),
              GP_X(4, 0), GP_X(5, 0), GP_X(6, 0), GP_X(7, 0)};
  gp_vf xi1 = {GP_X(0, 1), GP_X(1, 1), GP_X(2, 1), GP_X(3, 1),
               GP_X(4, 1), GP_X(5, 1), GP_X(6, 1), GP_X(7, 1)};
#undef GP_X
  gp_vf x = u * xi;
  gp_vi in = x < xi1;
  *z = (gp_vf)((gp_vu)x | ((b & 0x100) << 55)); /* bit 8 is the sign */
  if (gp_vall(&in)) return;
  gp_rng_lanes mem;
  gp_vst_store(st, &mem);
  for (int l = 0; l < GP_RNG_LANES; l++)
    if (!in[l]) (*z)[l] = gp_zig_lane(&mem, l, (int)(b[l] & 0xff), (int)((b[l] >> 8) & 1), x[l]);
  gp_vst_load(st, &mem);
}

/* Lane l of a Marsaglia–Tsang draw that failed the squeeze (or had v ≤ 0):
 * the full test, or on rejection a fresh scalar draw, on the lane's own
 * generator. */
__attribute__((noinline)) static double
gp_gamma_lane(gp_rng_lanes *r, int l, const gp_dist_gamma_c *g, double x, double v0, double u) {
  double v = v0 * v0 * v0;
  if (v0 > 0 && log(u) < 0.5 * x * x + g->d * (1 - v + log(v))) return g->d * v;
  gp_rng s;
  gp_rng_lanes_get(r, l, &s);
  double y = gp_gamma_mt(&s, g->d, g->c);
  gp_rng_lanes_set(r, l, &s);
  return y;
}

/* Gamma variates on every lane (Marsaglia–Tsang; shape < 1 boosted). */
GP_VINLINE void gp_vgamma(gp_vst *st, const gp_dist_gamma_c *g, gp_vf *out) {
  gp_vf x, u;
  if (g->erlang) { /* a whole: the sum of a Exp(1), −log(U1⋯Ua) (≥ 2^-424: no underflow) */
    gp_vf prod;
    gp_vunif_pos(st, &prod);
    for (int k = 1; k < g->erlang; k++) {
      gp_vunif_pos(st, &u);
      prod *= u;
    }
    gp_vlog(&prod, &x);
    *out = -x;
    return;
  }
  gp_vnormal(st, &x);
  gp_vunif_pos(st, &u);
  gp_vf v = 1 + g->c * x;
  gp_vf v3 = v * v * v, x2 = x * x;
  gp_vi ok = (v > 0) & (u < 1 - 0.0331 * x2 * x2);
  *out = g->d * v3;
  if (!gp_vall(&ok)) { /* the squeeze failed somewhere (8% a lane): the full test */
    const gp_vf one = 1.0 + (gp_vf){0};
    gp_vi usable = (v > 0) & (v3 >= DBL_MIN); /* else the scalar test decides */
    gp_vf lu, lv, v3s = (gp_vf)(((gp_vi)v3 & usable) | ((gp_vi)one & ~usable));
    gp_vlog(&u, &lu);
    gp_vlog(&v3s, &lv);
    ok = usable & (lu < 0.5 * x2 + g->d * (1 - v3 + lv));
  }
  if (!gp_vall(&ok)) {
    gp_rng_lanes mem;
    gp_vst_store(st, &mem);
    for (int l = 0; l < GP_RNG_LANES; l++)
      if (!ok[l]) (*out)[l] = gp_gamma_lane(&mem, l, g, x[l], v[l], u[l]);
    gp_vst_load(st, &mem);
  }
  if (g->small) {
    gp_vf b;
    gp_vunif_pos(st, &b);
    for (int l = 0; l < GP_RNG_LANES; l++)
      (*out)[l] *= pow(b[l], g->inv_a);
  }
}

GP_VINLINE void gp_vbeta(gp_vst *st, const gp_dist_prep *d, gp_vf *out) {
  gp_vf x, y;
  gp_vgamma(st, &d->ga, &x);
  gp_vgamma(st, &d->gb, &y);
  gp_vf s = x + y;
  *out = x / s;
  for (int l = 0; l < GP_RNG_LANES; l++)
    if (!(s[l] > 0)) (*out)[l] = d->a_ge_b ? 1.0 : 0.0; /* both underflowed: an endpoint */
}

GP_VINLINE void gp_vdraw(gp_vst *st, const gp_dist_prep *d, gp_vf *out) {
  const double *p = d->p;
  gp_vf z;
  switch (d->kind) {
  case GP_DIST_FIXED: *out = p[0] + (gp_vf){0}; return;
  case GP_DIST_NORMAL:
    gp_vnormal(st, &z);
    *out = p[0] + p[1] * z;
    return;
  case GP_DIST_LOGNORMAL: {
    gp_vnormal(st, &z);
    z = p[0] + p[1] * z;
    gp_vexp(&z, out);
    gp_vi big = (z > 708) | (z < -708);
    for (int l = 0; l < GP_RNG_LANES; l++)
      if (big[l]) (*out)[l] = exp(z[l]);
    return;
  }
  case GP_DIST_UNIFORM:
    gp_vunif(st, &z);
    *out = p[0] + d->w * z;
    return;
  case GP_DIST_TRIANGULAR: {
    gp_vunif(st, &z);
    gp_vi left = z < d->fc; /* below the mode: min + √…, else max − √… (no branch) */
    gp_vf lo = z * d->w * d->cma, hi = (1 - z) * d->w * d->bmc, t, q;
    t = (gp_vf)(((gp_vi)lo & left) | ((gp_vi)hi & ~left));
    for (int l = 0; l < GP_RNG_LANES; l++)
      q[l] = sqrt(t[l]);
    *out = (gp_vf)(((gp_vi)(p[0] + q) & left) | ((gp_vi)(p[2] - q) & ~left));
    return;
  }
  case GP_DIST_PERT:
    gp_vbeta(st, d, &z);
    *out = p[0] + d->w * z;
    return;
  case GP_DIST_BETA: gp_vbeta(st, d, out); return;
  case GP_DIST_BERNOULLI:
    gp_vunif(st, &z);
    *out = (gp_vf)((gp_vu)(z < p[0]) & (gp_vu)(1.0 + (gp_vf){0}));
    return;
  }
}

void gp_dist_log_lanes(const double *x, double *out) {
  gp_vf v, r;
  memcpy(&v, x, sizeof v);
  gp_vlog(&v, &r);
  memcpy(out, &r, sizeof r);
}

void gp_dist_exp_lanes(const double *x, double *out) {
  gp_vf v, r;
  memcpy(&v, x, sizeof v);
  gp_vexp(&v, &r);
  memcpy(out, &r, sizeof r);
}

GP_DIST_SIMD void gp_dist_draw_lanes(const gp_dist_prep *p, const size_t *order, size_t n,
                                     gp_rng_lanes *r, double *out) {
  gp_vst st;
  gp_vst_load(&st, r);
  for (size_t j = 0; j < n; j++) {
    size_t e = order ? order[j] : j;
    gp_vf v = {0};
    gp_vdraw(&st, &p[e], &v);
    memcpy(out + e * GP_RNG_LANES, &v, sizeof v);
  }
  gp_vst_store(&st, r);
}

GP_DIST_SIMD void gp_dist_bernoulli_lanes(const double *p, size_t n, gp_rng_lanes *r, double *out) {
  gp_vst st;
  gp_vst_load(&st, r);
  const gp_vf one = 1.0 + (gp_vf){0};
  for (size_t j = 0; j < n; j++) {
    gp_vf v;
    if (p[j] >= 1 || p[j] <= 0) {
      v = (p[j] >= 1 ? 1.0 : 0.0) + (gp_vf){0};
    } else {
      gp_vf u;
      gp_vunif(&st, &u);
      v = (gp_vf)((gp_vu)(u < p[j]) & (gp_vu)one);
    }
    memcpy(out + j * GP_RNG_LANES, &v, sizeof v);
  }
  gp_vst_store(&st, r);
}

double gp_dist_sample(const gp_dist *d, gp_rng *r) {
  gp_dist_prep p;
  gp_dist_prepare(d, &p);
  return gp_draw1(&p, r);
}
