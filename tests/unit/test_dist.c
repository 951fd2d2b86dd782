/*
 * test_dist — every sampler against its distribution function computed
 * independently by GSL (gsl_cdf_*; triangular in closed form): a
 * Kolmogorov–Smirnov test on 200,000 draws at the 0.1% level
 * (√n·D < 1.95), plus the mean against its closed form within 4 standard
 * errors. Also the normal sampler's tail beyond the ziggurat's R.
 */
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_continuous),
      cmocka_unit_test(test_gamma),
      cmocka_unit_test(test_bernoulli_and_fixed),
      cmocka_unit_test(test_normal_tail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
