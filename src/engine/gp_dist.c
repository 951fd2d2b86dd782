/*
 * gp_dist — the samplers; see gp_dist.h for the algorithms and references.
 */
#include "engine/gp_dist.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

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

double gp_dist_std_normal(gp_rng *r) {
  if (!atomic_load_explicit(&gp_zig_ready, memory_order_acquire))
    pthread_once(&gp_zig_once, gp_zig_init);
  for (;;) {
    uint64_t b = gp_rng_next(r);
    int i = (int)(b & 0xff);
    int neg = (int)((b >> 8) & 1);
    double x = (double)(b >> 11) * 0x1.0p-53 * gp_zig_x[i];
    if (x < gp_zig_x[i + 1]) return neg ? -x : x;
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
  }
}

double gp_dist_gamma(gp_rng *r, double a) {
  if (a < 1) {
    double g = gp_dist_gamma(r, a + 1);
    return g * pow(gp_rng_uniform_pos(r), 1 / a);
  }
  double d = a - 1.0 / 3, c = 1 / sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = gp_dist_std_normal(r);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = gp_rng_uniform_pos(r);
    double x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (log(u) < 0.5 * x2 + d * (1 - v + log(v))) return d * v;
  }
}

double gp_dist_beta(gp_rng *r, double a, double b) {
  double x = gp_dist_gamma(r, a), y = gp_dist_gamma(r, b);
  double s = x + y;
  if (!(s > 0)) return a >= b ? 1.0 : 0.0; /* both underflowed (tiny shapes): an endpoint */
  return x / s;
}

double gp_dist_sample(const gp_dist *d, gp_rng *r) {
  const double *p = d->p;
  switch (d->kind) {
  case GP_DIST_FIXED: return p[0];
  case GP_DIST_NORMAL: return p[0] + p[1] * gp_dist_std_normal(r);
  case GP_DIST_LOGNORMAL: return exp(p[0] + p[1] * gp_dist_std_normal(r));
  case GP_DIST_UNIFORM: return p[0] + (p[1] - p[0]) * gp_rng_uniform(r);
  case GP_DIST_TRIANGULAR: {
    double a = p[0], c = p[1], b = p[2], u = gp_rng_uniform(r);
    double fc = (c - a) / (b - a);
    if (u < fc) return a + sqrt(u * (b - a) * (c - a));
    return b - sqrt((1 - u) * (b - a) * (b - c));
  }
  case GP_DIST_PERT: {
    double a = p[0], c = p[1], b = p[2];
    double al = 1 + 4 * (c - a) / (b - a), be = 1 + 4 * (b - c) / (b - a);
    return a + (b - a) * gp_dist_beta(r, al, be);
  }
  case GP_DIST_BETA: return gp_dist_beta(r, p[0], p[1]);
  case GP_DIST_BERNOULLI: return gp_rng_uniform(r) < p[0] ? 1.0 : 0.0;
  }
  return NAN;
}
