/*
 * test_sim_fixture — helpers shared by the game plan engine's unit tests:
 * parse a plan from JSON text, normal distribution functions for closed
 * forms. Header-only (static functions) so every test program stays one file.
 */
#ifndef TEST_SIM_FIXTURE_H
#define TEST_SIM_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/gp_planfile.h"
#include "model/gp_graph.h"

/* Parses text into a plan; NULL (and prints the error) on failure. */
static inline gp_plan *fx_plan(const char *text) {
  gp_plan *p = NULL;
  gp_error err;
  gp_error_clear(&err);
  if (gp_planfile_parse(text, strlen(text), "test", &p, &err)) {
    fprintf(stderr, "fx_plan: %s: %s\n", err.path, err.message);
    return NULL;
  }
  return p;
}

/* The error of parsing text (code), with path and message in *err. */
static inline gp_code fx_plan_err(const char *text, gp_error *err) {
  gp_plan *p = NULL;
  gp_error_clear(err);
  gp_code rc = gp_planfile_parse(text, strlen(text), "test", &p, err);
  gp_plan_free(p);
  return rc;
}

/* Standard normal distribution function (from erfc) and its inverse (by
 * bisection to machine precision). Independent of the engine. */
static inline double fx_Phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }
static inline double fx_phi(double x) { return exp(-0.5 * x * x) / sqrt(2 * M_PI); }
static inline double fx_Phi_inv(double p) {
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; i++) {
    double mid = 0.5 * (lo + hi);
    if (fx_Phi(mid) < p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

/* Monte Carlo standard error of the p-quantile of a normal(., sd) from n draws. */
static inline double fx_q_se(double sd, double p, double n) {
  return sd * sqrt(p * (1 - p) / n) / fx_phi(fx_Phi_inv(p));
}

#endif
