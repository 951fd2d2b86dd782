/*
 * test_dist — every sampler against its distribution function computed
 * independently by GSL (gsl_cdf_*; triangular in closed form): a
 * Kolmogorov–Smirnov test on 200,000 draws at the 0.1% level
 * (√n·D < 1.95), plus the mean against its closed form within 4 standard
 * errors. Also the normal sampler's tail beyond the ziggurat's R. The
 * vectorised samplers (gp_dist_draw_lanes, gp_dist_bernoulli_lanes: one draw
 * per lane of a gp_rng_lanes) pass the same tests on the values of all lanes
 * pooled, plus a check that neighbouring lanes are uncorrelated.
 */
#include <float.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "engine/gp_dist.h"

#define N 200000

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef double (*cdf_fn)(double x, const double *p);

/* √n times the Kolmogorov–Smirnov distance between the sample and cdf. */
static double ks(double *x, size_t n, cdf_fn cdf, const double *p) {
  qsort(x, n, sizeof *x, cmp);
  double d = 0;
  for (size_t i = 0; i < n; i++) {
    double f = cdf(x[i], p);
    double a = fabs(f - (double)i / n), b = fabs((double)(i + 1) / n - f);
    if (a > d) d = a;
    if (b > d) d = b;
  }
  return sqrt((double)n) * d;
}

static double cdf_normal(double x, const double *p) { return gsl_cdf_gaussian_P(x - p[0], p[1]); }
static double cdf_lognormal(double x, const double *p) {
  return gsl_cdf_lognormal_P(x, p[0], p[1]);
}
static double cdf_uniform(double x, const double *p) { return gsl_cdf_flat_P(x, p[0], p[1]); }
static double cdf_tri(double x, const double *p) {
  double a = p[0], c = p[1], b = p[2];
  if (x <= a) return 0;
  if (x >= b) return 1;
  if (x <= c) return (x - a) * (x - a) / ((b - a) * (c - a));
  return 1 - (b - x) * (b - x) / ((b - a) * (b - c));
}
static double cdf_pert(double x, const double *p) {
  double a = p[0], c = p[1], b = p[2];
  double al = 1 + 4 * (c - a) / (b - a), be = 1 + 4 * (b - c) / (b - a);
  return gsl_cdf_beta_P((x - a) / (b - a), al, be);
}
static double cdf_beta(double x, const double *p) { return gsl_cdf_beta_P(x, p[0], p[1]); }

static void check(gp_dist d, cdf_fn cdf) {
  static double x[N];
  gp_rng r;
  gp_rng_seed(&r, 2024 + (uint64_t)d.kind);
  double s = 0;
  for (int i = 0; i < N; i++) {
    x[i] = gp_dist_sample(&d, &r);
    s += x[i];
  }
  double mean = s / N, want = gp_dist_mean(&d), se = gp_dist_sd(&d) / sqrt(N);
  if (!(fabs(mean - want) < 4 * se)) {
    fprintf(stderr, "%s: mean %g want %g se %g\n", gp_dist_kind_name(d.kind), mean, want, se);
    fail();
  }
  double k = ks(x, N, cdf, d.p);
  if (!(k < 1.95)) {
    fprintf(stderr, "%s: KS sqrt(n)D = %g\n", gp_dist_kind_name(d.kind), k);
    fail();
  }
}

static void test_continuous(void **state) {
  (void)state;
  check((gp_dist){GP_DIST_NORMAL, {-2, 3, 0}}, cdf_normal);
  check((gp_dist){GP_DIST_LOGNORMAL, {0.5, 0.8, 0}}, cdf_lognormal);
  check((gp_dist){GP_DIST_UNIFORM, {-1, 4, 0}}, cdf_uniform);
  check((gp_dist){GP_DIST_TRIANGULAR, {0, 1, 5}}, cdf_tri);
  check((gp_dist){GP_DIST_TRIANGULAR, {0, 0, 2}}, cdf_tri);
  check((gp_dist){GP_DIST_PERT, {10, 12, 20}}, cdf_pert);
  check((gp_dist){GP_DIST_BETA, {2.5, 7, 0}}, cdf_beta);
  check((gp_dist){GP_DIST_BETA, {0.3, 0.6, 0}}, cdf_beta); /* shapes < 1: the U^(1/a) boost */
}

static void test_gamma(void **state) {
  (void)state;
  static double x[N];
  double shapes[3] = {0.4, 1, 9.5};
  for (int j = 0; j < 3; j++) {
    gp_rng r;
    gp_rng_seed(&r, 99 + (uint64_t)j);
    for (int i = 0; i < N; i++)
      x[i] = gp_dist_gamma(&r, shapes[j]);
    qsort(x, N, sizeof *x, cmp);
    double d = 0;
    for (int i = 0; i < N; i++) {
      double f = gsl_cdf_gamma_P(x[i], shapes[j], 1);
      d = fmax(d, fmax(fabs(f - (double)i / N), fabs((double)(i + 1) / N - f)));
    }
    assert_true(sqrt((double)N) * d < 1.95);
  }
}

static void test_bernoulli_and_fixed(void **state) {
  (void)state;
  gp_rng r;
  gp_rng_seed(&r, 5);
  gp_dist b = {GP_DIST_BERNOULLI, {0.3, 0, 0}};
  double s = 0;
  for (int i = 0; i < N; i++) {
    double v = gp_dist_sample(&b, &r);
    assert_true(v == 0 || v == 1);
    s += v;
  }
  assert_true(fabs(s / N - 0.3) < 4 * sqrt(0.3 * 0.7 / N));
  gp_dist f = {GP_DIST_FIXED, {2.5, 0, 0}};
  gp_rng before = r;
  assert_true(gp_dist_sample(&f, &r) == 2.5);
  assert_memory_equal(&before, &r, sizeof r); /* a fixed number draws nothing */
}

/* P(Z > R) for the ziggurat's R = 3.6541528853610088 is 1.2898e-4 (GSL);
 * 4,000,000 draws: the count of |Z| > R is binomial. */
static void test_normal_tail(void **state) {
  (void)state;
  gp_rng r;
  gp_rng_seed(&r, 11);
  const double R = 3.6541528853610088, n = 4000000;
  double p = 2 * gsl_cdf_ugaussian_Q(R), c = 0, c4 = 0, p4 = 2 * gsl_cdf_ugaussian_Q(4.5);
  for (long i = 0; i < (long)n; i++) {
    double z = gp_dist_std_normal(&r);
    if (fabs(z) > R) c++;
    if (fabs(z) > 4.5) c4++;
  }
  assert_true(fabs(c - n * p) < 4 * sqrt(n * p * (1 - p)));
  assert_true(fabs(c4 - n * p4) < 4 * sqrt(n * p4 * (1 - p4)) + 1);
}

/* The lane samplers: N values (N/GP_RNG_LANES vector draws), pooled. */
static void check_lanes(gp_dist d, cdf_fn cdf) {
  static double x[N];
  gp_rng r;
  gp_rng_lanes rl;
  gp_rng_seed(&r, 4048 + (uint64_t)d.kind);
  gp_rng_lanes_init(&rl, &r);
  gp_dist_prep p;
  gp_dist_prepare(&d, &p);
  double s = 0, s01 = 0, s0 = 0, s1 = 0, q0 = 0, q1 = 0;
  for (int i = 0; i < N; i += GP_RNG_LANES) {
    gp_dist_draw_lanes(&p, NULL, 1, &rl, x + i);
    for (int l = 0; l < GP_RNG_LANES; l++)
      s += x[i + l];
    s0 += x[i], s1 += x[i + 1], q0 += x[i] * x[i], q1 += x[i + 1] * x[i + 1];
    s01 += x[i] * x[i + 1];
  }
  double mean = s / N, want = gp_dist_mean(&d), se = gp_dist_sd(&d) / sqrt(N);
  if (!(fabs(mean - want) < 4 * se)) {
    fprintf(stderr, "lanes %s: mean %g want %g se %g\n", gp_dist_kind_name(d.kind), mean, want, se);
    fail();
  }
  /* lanes 0 and 1 uncorrelated: |r| < 4/√n */
  double n = N / GP_RNG_LANES;
  double rho =
      (s01 / n - s0 / n * s1 / n) / sqrt((q0 / n - s0 / n * s0 / n) * (q1 / n - s1 / n * s1 / n));
  if (!(fabs(rho) < 4 / sqrt(n))) {
    fprintf(stderr, "lanes %s: lane correlation %g\n", gp_dist_kind_name(d.kind), rho);
    fail();
  }
  double k = ks(x, N, cdf, d.p);
  if (!(k < 1.95)) {
    fprintf(stderr, "lanes %s: KS sqrt(n)D = %g\n", gp_dist_kind_name(d.kind), k);
    fail();
  }
}

static void test_lanes(void **state) {
  (void)state;
  check_lanes((gp_dist){GP_DIST_NORMAL, {-2, 3, 0}}, cdf_normal);
  check_lanes((gp_dist){GP_DIST_LOGNORMAL, {0.5, 0.8, 0}}, cdf_lognormal);
  check_lanes((gp_dist){GP_DIST_LOGNORMAL, {-1.5, 0.3, 0}}, cdf_lognormal);
  check_lanes((gp_dist){GP_DIST_UNIFORM, {-1, 4, 0}}, cdf_uniform);
  check_lanes((gp_dist){GP_DIST_TRIANGULAR, {0, 1, 5}}, cdf_tri);
  check_lanes((gp_dist){GP_DIST_TRIANGULAR, {0, 0, 2}}, cdf_tri);
  check_lanes((gp_dist){GP_DIST_PERT, {10, 12, 20}}, cdf_pert);
  check_lanes((gp_dist){GP_DIST_BETA, {2, 5, 0}}, cdf_beta); /* whole shapes: Erlang */
  check_lanes((gp_dist){GP_DIST_BETA, {1, 8, 0}}, cdf_beta);
  check_lanes((gp_dist){GP_DIST_BETA, {3, 9, 0}}, cdf_beta); /* 9: Marsaglia–Tsang */
  check_lanes((gp_dist){GP_DIST_BETA, {2.5, 7, 0}}, cdf_beta);
  check_lanes((gp_dist){GP_DIST_BETA, {40, 60, 0}}, cdf_beta);   /* large shapes */
  check_lanes((gp_dist){GP_DIST_BETA, {0.3, 0.6, 0}}, cdf_beta); /* the U^(1/a) boost */
}

/* exp beyond the vector range (|x| > 708) goes to the scalar exp: huge
 * lognormal values are right, and overflow gives infinity. */
static void test_lanes_exp_range(void **state) {
  (void)state;
  gp_rng r;
  gp_rng_lanes rl;
  gp_rng_seed(&r, 77);
  gp_rng_lanes_init(&rl, &r);
  gp_dist d = {GP_DIST_LOGNORMAL, {0, 400, 0}};
  gp_dist_prep p;
  gp_dist_prepare(&d, &p);
  double x[GP_RNG_LANES];
  int inf = 0, zero = 0, mid = 0;
  for (int i = 0; i < 20000; i++) {
    gp_dist_draw_lanes(&p, NULL, 1, &rl, x);
    for (int l = 0; l < GP_RNG_LANES; l++) {
      assert_true(x[l] >= 0);
      if (isinf(x[l]))
        inf++;
      else if (x[l] == 0)
        zero++;
      else
        mid++;
    }
  }
  /* P(400 Z > 709.78) = P(Z > 1.774) = 0.0380; the same for underflow below
   * e^-745.13 (P(Z < -1.863) = 0.0312) */
  double n = 20000.0 * GP_RNG_LANES;
  assert_true(fabs(inf - n * 0.0380) < 4 * sqrt(n * 0.038) + 50);
  assert_true(fabs(zero - n * 0.0312) < 4 * sqrt(n * 0.0312) + 50);
  assert_true(mid > 0);
}

/* The ziggurat's tail frequency with the lane sampler (as test_normal_tail). */
static void test_lanes_normal_tail(void **state) {
  (void)state;
  gp_rng r;
  gp_rng_lanes rl;
  gp_rng_seed(&r, 12);
  gp_rng_lanes_init(&rl, &r);
  gp_dist d = {GP_DIST_NORMAL, {0, 1, 0}};
  gp_dist_prep p;
  gp_dist_prepare(&d, &p);
  const double R = 3.6541528853610088, n = 4000000;
  double pr = 2 * gsl_cdf_ugaussian_Q(R), c = 0, c4 = 0, p4 = 2 * gsl_cdf_ugaussian_Q(4.5);
  double z[GP_RNG_LANES];
  for (long i = 0; i < (long)n; i += GP_RNG_LANES) {
    gp_dist_draw_lanes(&p, NULL, 1, &rl, z);
    for (int l = 0; l < GP_RNG_LANES; l++) {
      if (fabs(z[l]) > R) c++;
      if (fabs(z[l]) > 4.5) c4++;
    }
  }
  assert_true(fabs(c - n * pr) < 4 * sqrt(n * pr * (1 - pr)));
  assert_true(fabs(c4 - n * p4) < 4 * sqrt(n * p4 * (1 - p4)) + 1);
}

/* Bernoulli lanes: the frequency, constants for p = 0 and 1 (which draw
 * nothing), and several distributions sampled in one call in a given order. */
static void test_lanes_bernoulli_and_order(void **state) {
  (void)state;
  gp_rng r;
  gp_rng_lanes rl;
  gp_rng_seed(&r, 13);
  gp_rng_lanes_init(&rl, &r);
  double p[3] = {0.3, 1, 0}, out[3 * GP_RNG_LANES], s = 0;
  for (int i = 0; i < N / GP_RNG_LANES; i++) {
    gp_dist_bernoulli_lanes(p, 3, &rl, out);
    for (int l = 0; l < GP_RNG_LANES; l++) {
      assert_true(out[l] == 0 || out[l] == 1);
      assert_true(out[GP_RNG_LANES + l] == 1 && out[2 * GP_RNG_LANES + l] == 0);
      s += out[l];
    }
  }
  assert_true(fabs(s / N - 0.3) < 4 * sqrt(0.3 * 0.7 / N));
  gp_rng_lanes before = rl;
  gp_dist_bernoulli_lanes(p + 1, 2, &rl, out);
  assert_memory_equal(&before, &rl, sizeof rl); /* p = 1 and p = 0 draw nothing */
  /* order: distribution e = order[j] is drawn j-th and lands at out[e·lanes] */
  gp_dist ds[2] = {{GP_DIST_FIXED, {2.5, 0, 0}}, {GP_DIST_UNIFORM, {10, 11, 0}}};
  gp_dist_prep pp[2];
  gp_dist_prepare(&ds[0], &pp[0]);
  gp_dist_prepare(&ds[1], &pp[1]);
  size_t order[2] = {1, 0};
  gp_dist_draw_lanes(pp, order, 2, &rl, out);
  for (int l = 0; l < GP_RNG_LANES; l++) {
    assert_true(out[l] == 2.5);
    assert_true(out[GP_RNG_LANES + l] >= 10 && out[GP_RNG_LANES + l] < 11);
  }
}

/* The vector log and exp against the C library's: within 2 ulp over
 * u in (0, 1), v in (1e-300, 1e300) and x in [−708, 708]. */
static double ulps(double a, double b) {
  if (a == b) return 0;
  return fabs(a - b) / (nextafter(fabs(b), INFINITY) - fabs(b));
}

static void test_vector_log_exp(void **state) {
  (void)state;
  gp_rng r;
  gp_rng_seed(&r, 21);
  double x[GP_RNG_LANES], y[GP_RNG_LANES], worst_log = 0, worst_exp = 0;
  for (int i = 0; i < 200000; i++) {
    for (int l = 0; l < GP_RNG_LANES; l++) {
      double u = gp_rng_uniform_pos(&r);
      x[l] = i % 2 ? u : exp((u - 0.5) * 1380); /* (0, 1), then 1e-300 .. 1e300 */
    }
    gp_dist_log_lanes(x, y);
    for (int l = 0; l < GP_RNG_LANES; l++)
      worst_log = fmax(worst_log, ulps(y[l], log(x[l])));
    for (int l = 0; l < GP_RNG_LANES; l++)
      x[l] = (gp_rng_uniform(&r) - 0.5) * (i % 2 ? 1416 : 4);
    gp_dist_exp_lanes(x, y);
    for (int l = 0; l < GP_RNG_LANES; l++)
      worst_exp = fmax(worst_exp, ulps(y[l], exp(x[l])));
  }
  if (!(worst_log <= 2 && worst_exp <= 2))
    fprintf(stderr, "vector log %g ulp, exp %g ulp\n", worst_log, worst_exp);
  assert_true(worst_log <= 2);
  assert_true(worst_exp <= 2);
  x[0] = 1, x[1] = 2, x[2] = 0.5, x[3] = DBL_MIN, x[4] = DBL_MAX, x[5] = 1 - 0x1p-53;
  x[6] = 1 + 0x1p-52, x[7] = 10;
  gp_dist_log_lanes(x, y);
  for (int l = 0; l < GP_RNG_LANES; l++)
    assert_true(ulps(y[l], log(x[l])) <= 1);
  x[0] = 0, x[1] = 1, x[2] = -1, x[3] = 708, x[4] = -708, x[5] = 1e-300, x[6] = -1e-17;
  x[7] = 0.5;
  gp_dist_exp_lanes(x, y);
  for (int l = 0; l < GP_RNG_LANES; l++)
    assert_true(ulps(y[l], exp(x[l])) <= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_continuous),
      cmocka_unit_test(test_gamma),
      cmocka_unit_test(test_bernoulli_and_fixed),
      cmocka_unit_test(test_normal_tail),
      cmocka_unit_test(test_lanes),
      cmocka_unit_test(test_lanes_exp_range),
      cmocka_unit_test(test_lanes_normal_tail),
      cmocka_unit_test(test_lanes_bernoulli_and_order),
      cmocka_unit_test(test_vector_log_exp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
