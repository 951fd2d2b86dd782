/*
 * gp_scan — the funnel-plot scan: transformation, trimming, phi, tau²,
 * limits, flags, q-values, shrinkage, funnel lines, persistence.
 * See gp_scan.h for the contract and docs/methods/scan.md for the formulas.
 */
#include "engine/gp_scan.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_scan_model.h"
#include "engine/gp_scan_stats.h"
#include "engine/gp_scan_vec.h"

/* What the scan needs to compute limits at any x, fixed once per run. */
typedef struct gp_scan_ctx {
  gp_scan_type as;                  /* analysed as */
  double t;                         /* target on the indicator scale */
  double theta;                     /* target on the transformed scale (SCORE: 0, the difference) */
  bool od_applied;                  /* overdispersed limits */
  gp_scan_od od;                    /* which model */
  double phi;                       /* overdispersion ratio */
  double tau2;                      /* between-unit variance */
  size_t nlevels;                   /* levels */
  double level[GP_SCAN_MAX_LEVELS]; /* two-sided levels */
  double zq[GP_SCAN_MAX_LEVELS];    /* normal quantiles (1 + level)/2 */
} gp_scan_ctx;

gp_scan_options gp_scan_options_default(void) {
  gp_scan_options o;
  memset(&o, 0, sizeof o);
  o.type = GP_SCAN_SR;
  o.od = GP_SCAN_OD_ADDITIVE;
  o.trim_method = GP_SCAN_TRIM_DEFAULT;
  o.trim = 0.1;
  o.nlevels = 2;
  o.levels[0] = 0.95;
  o.levels[1] = 0.998;
  o.fdr = 0.05;
  o.shrink_level = 0.95;
  o.nfunnel = 100;
  return o;
}

void gp_scan_result_free(gp_scan_result *r) {
  if (!r) return;
  free(r->units);
  free(r->flags);
  free(r->funnel);
  free(r->coef);
  free(r->coef_se);
  memset(r, 0, sizeof *r);
}

/* The within-unit standard error of the transformed indicator at funnel
 * position x (the unit's own s for SR, PROPORTION and SCORE; for RATIO the
 * s of a unit exactly on target, O = t·D). */
static double gp_scan_s_at(const gp_scan_ctx *c, double x) {
  switch (c->as) {
  case GP_SCAN_SR:
  case GP_SCAN_SCORE: return 1 / sqrt(x);
  case GP_SCAN_PROPORTION: return 1 / (2 * sqrt(x));
  case GP_SCAN_RATIO: {
    double o = c->t * x;
    return sqrt(o / ((o + 0.5) * (o + 0.5)) + x / ((x + 0.5) * (x + 0.5)));
  }
  }
  return NAN;
}

/* From the transformed scale back to the indicator scale. */
static double gp_scan_back(const gp_scan_ctx *c, double v) {
  switch (c->as) {
  case GP_SCAN_SR:
  case GP_SCAN_RATIO: return exp(v);
  case GP_SCAN_PROPORTION: {
    if (v < 0) v = 0;
    if (v > M_PI / 2) v = M_PI / 2;
    double s = sin(v);
    return s * s;
  }
  case GP_SCAN_SCORE: return v;
  }
  return NAN;
}

/* Funnel limits at x for level index l. */
static void gp_scan_limits_at(const gp_scan_ctx *c, double x, size_t l, double *lo, double *hi) {
  if (!c->od_applied) {
    switch (c->as) {
    case GP_SCAN_SR:
      gp_scan_stats_poisson_limits(x, c->level[l], lo, hi);
      *lo *= c->t;
      *hi *= c->t;
      return;
    case GP_SCAN_RATIO:
      gp_scan_stats_poisson_limits(c->t * x, c->level[l], lo, hi);
      *lo *= c->t;
      *hi *= c->t;
      return;
    case GP_SCAN_PROPORTION: gp_scan_stats_wilson_limits(c->t, x, c->level[l], lo, hi); return;
    case GP_SCAN_SCORE: break;
    }
  }
  double s = gp_scan_s_at(c, x);
  double v = s * s;
  if (c->od_applied) v = c->od == GP_SCAN_OD_ADDITIVE ? v + c->tau2 : v * c->phi;
  double h = c->zq[l] * sqrt(v);
  if (c->as == GP_SCAN_SR || c->as == GP_SCAN_RATIO) {
    /* exp(theta ± h) as t·e^{±h}: one exp instead of two */
    double eh = exp(h);
    *lo = c->t / eh;
    *hi = c->t * eh;
    return;
  }
  *lo = gp_scan_back(c, c->theta - h);
  *hi = gp_scan_back(c, c->theta + h);
}

/* Funnel limits at level index l for n positions x into lo and hi (which
 * must not overlap x). Overdispersed limits of ratios, exp(theta ± h) = t·e^{±h},
 * take one vectorised exp a position; the others as gp_scan_limits_at. */
static void gp_scan_limits_arr(const gp_scan_ctx *c, const double *x, size_t n, size_t l,
                               double *lo, double *hi) {
  if (c->od_applied && c->as == GP_SCAN_SR) {
    bool add = c->od == GP_SCAN_OD_ADDITIVE;
    gp_scan_vec_sr_limits(n, x, c->zq[l], add ? 1 : c->phi, add ? c->tau2 : 0, c->t, lo, hi);
    return;
  }
  if (c->od_applied && c->as == GP_SCAN_RATIO) {
    for (size_t i = 0; i < n; i++) {
      double s = gp_scan_s_at(c, x[i]);
      double v = s * s;
      v = c->od == GP_SCAN_OD_ADDITIVE ? v + c->tau2 : v * c->phi;
      hi[i] = c->zq[l] * sqrt(v);
    }
    gp_scan_vec_exp(hi, hi, n);
    for (size_t i = 0; i < n; i++) {
      double eh = hi[i];
      lo[i] = c->t / eh;
      hi[i] = c->t * eh;
    }
    return;
  }
  for (size_t i = 0; i < n; i++)
    gp_scan_limits_at(c, x[i], l, &lo[i], &hi[i]);
}

static gp_code gp_scan_check(const gp_scan_data *d, const gp_scan_options *o, gp_error *err) {
  if (d->n < 2)
    return gp_fail(err, GP_EINVAL, "units", "a scan needs at least 2 units, got %zu", d->n);
  if (!d->observed) return gp_fail(err, GP_EINVAL, "observed", "missing");
  if (o->type == GP_SCAN_SCORE ? !d->se : !d->denominator)
    return gp_fail(err, GP_EINVAL, o->type == GP_SCAN_SCORE ? "se" : "denominator", "missing");
  if (!(o->trim >= 0 && o->trim < 0.5))
    return gp_fail(err, GP_EINVAL, "trim", "must be at least 0 and below 0.5, got %g", o->trim);
  if (o->nlevels < 1 || o->nlevels > GP_SCAN_MAX_LEVELS)
    return gp_fail(err, GP_EINVAL, "limits", "between 1 and %d levels", GP_SCAN_MAX_LEVELS);
  for (size_t l = 0; l < o->nlevels; l++)
    if (!(o->levels[l] > 0 && o->levels[l] < 1))
      return gp_fail(err, GP_EINVAL, "limits", "levels must be between 0 and 100 percent");
  if (!(o->fdr > 0 && o->fdr < 1)) return gp_fail(err, GP_EINVAL, "fdr", "must be in (0, 1)");
  if (!(o->shrink_level > 0 && o->shrink_level < 1))
    return gp_fail(err, GP_EINVAL, "shrink_level", "must be in (0, 1)");
  if (o->has_target && !(isfinite(o->target) && (o->type == GP_SCAN_SCORE || o->target > 0)))
    return gp_fail(err, GP_EINVAL, "target-value", "must be finite (and > 0 for counts)");
  if (o->has_target && o->type == GP_SCAN_PROPORTION && !(o->target < 1))
    return gp_fail(err, GP_EINVAL, "target-value", "a proportion target must be in (0, 1)");
  char path[64];
  for (size_t i = 0; i < d->n; i++) {
    double y = d->observed[i];
    if (o->type == GP_SCAN_SCORE) {
      double s = d->se[i];
      if (!isfinite(y)) {
        snprintf(path, sizeof path, "units[%zu].value", i);
        return gp_fail(err, GP_EINVAL, path, "must be a finite number");
      }
      if (!(isfinite(s) && s > 0)) {
        snprintf(path, sizeof path, "units[%zu].se", i);
        return gp_fail(err, GP_EINVAL, path, "must be > 0, got %g", s);
      }
      continue;
    }
    double m = d->denominator[i];
    if (!(isfinite(y) && y >= 0)) {
      snprintf(path, sizeof path, "units[%zu].observed", i);
      return gp_fail(err, GP_EINVAL, path, "counts must be >= 0, got %g", y);
    }
    if (!(isfinite(m) && m > 0)) {
      snprintf(path, sizeof path, "units[%zu].denominator", i);
      return gp_fail(err, GP_EINVAL, path, "must be > 0, got %g", m);
    }
    if (o->type == GP_SCAN_PROPORTION && y > m) {
      snprintf(path, sizeof path, "units[%zu].denominator", i);
      return gp_fail(err, GP_EINVAL, path, "below the numerator (%g < %g)", m, y);
    }
  }
  return GP_OK;
}

gp_code gp_scan_run(const gp_scan_data *d, const gp_scan_options *o, gp_scan_result *r,
                    gp_error *err) {
  memset(r, 0, sizeof *r);
  gp_code rc = gp_scan_check(d, o, err);
  if (rc != GP_OK) return rc;
  size_t n = d->n;
  gp_scan_ctx c;
  memset(&c, 0, sizeof c);
  c.as = o->type;
  c.od = o->od;
  c.nlevels = o->nlevels;
  for (size_t l = 0; l < o->nlevels; l++) {
    c.level[l] = o->levels[l];
    c.zq[l] = gsl_cdf_ugaussian_Pinv((1 + o->levels[l]) / 2);
  }
  /* flags_only: no per-unit results but the first-level flags (for persistence) */
  gp_scan_unit *U = o->flags_only ? NULL : calloc(n, sizeof *r->units), tmp;
  r->units = U;
  r->flags = malloc(n * sizeof *r->flags);
  bool full = !o->flags_only;
  double *IND = NULL, *XX = NULL; /* after the fit (XX may be E; IND not needed for SR flags) */
  if ((!U && full) || !r->flags) abort();
  double *Y = NULL, *S = NULL, *Z = NULL; /* after the fit */
  bool *keep = NULL;
  /* the full scan's arrays (flags only needs none of them: less memory to fill) */
  double *W = NULL, *scratch = NULL, *P = NULL, *Q = NULL, *E = NULL;
  size_t *order = NULL;
  if (full) {
    W = malloc(2 * n * sizeof *W);
    scratch = malloc(2 * n * sizeof *scratch);
    P = malloc(n * sizeof *P);
    if (!W || !scratch || !P) abort();
  }

  /* 1. risk adjustment: expected values from the model */
  bool adjusted = d->ncov > 0;
  if (adjusted) {
    gp_scan_model_fit fit;
    gp_scan_model_family fam = o->type == GP_SCAN_SCORE        ? GP_SCAN_MODEL_LINEAR
                               : o->type == GP_SCAN_PROPORTION ? GP_SCAN_MODEL_LOGISTIC
                                                               : GP_SCAN_MODEL_POISSON;
    const double *extra = d->denominator;
    double *wt = NULL;
    if (o->type == GP_SCAN_SCORE) {
      wt = malloc(n * sizeof *wt);
      if (!wt) abort();
      for (size_t i = 0; i < n; i++)
        wt[i] = 1 / (d->se[i] * d->se[i]);
      extra = wt;
    }
    /* flags only: no standard errors (one pass fewer) */
    rc = gp_scan_model_fit_opt(fam, n, d->ncov, d->cov, o->cov_by_column, d->observed, extra,
                               o->start, !o->flags_only, &fit, err);
    free(wt);
    if (rc != GP_OK) goto done;
    E = fit.fitted; /* owned here from now on */
    r->ncoef = fit.p;
    r->coef = fit.beta;
    r->coef_se = fit.se;
    r->iterations = fit.iterations;
    fit.beta = fit.se = fit.fitted = NULL;
    gp_scan_model_free(&fit);
    if (o->type != GP_SCAN_SCORE) c.as = GP_SCAN_SR;
  }
  r->analysed_as = c.as;
  /* the funnel positions: for an adjusted ratio they are the expected counts */
  bool xx_is_e = adjusted && c.as == GP_SCAN_SR;
  XX = xx_is_e ? E : malloc(n * sizeof *XX);
  /* flags only for ratios: the indicator O/E is recomputed where the flags are set */
  bool sr_flags = !full && c.as == GP_SCAN_SR;
  IND = sr_flags ? NULL : malloc(n * sizeof *IND);
  if (!XX || (!sr_flags && !IND)) abort();
  gp_scan_trim_method tm = o->trim_method;
  if (tm == GP_SCAN_TRIM_DEFAULT)
    tm = c.as == GP_SCAN_SR ? GP_SCAN_TRIM_TRUNCATE : GP_SCAN_TRIM_WINSORISE;
  /* flags only for ratios truncated (the default): no s array either; s = 1/sqrt(E)
   * is recomputed where it is needed, and the limits are not kept */
  bool lean = sr_flags && tm == GP_SCAN_TRIM_TRUNCATE && o->trim > 0;
  /* flags only: z-scores in place of Y (Y is not needed again) */
  Y = malloc(n * sizeof *Y);
  S = lean ? NULL : malloc(n * sizeof *S);
  Z = full ? malloc(n * sizeof *Z) : Y;
  keep = malloc(n * sizeof *keep);
  if (!Y || (!lean && !S) || !Z || !keep) abort();

  /* 2. target and transformation */
  if (c.as == GP_SCAN_SCORE) {
    double sw = 0, swy = 0;
    for (size_t i = 0; i < n; i++) {
      double w = 1 / (d->se[i] * d->se[i]);
      sw += w;
      swy += w * d->observed[i];
    }
    c.t = o->has_target ? o->target : swy / sw;
    c.theta = 0;
    for (size_t i = 0; i < n; i++) {
      double e = adjusted ? E[i] : c.t;
      gp_scan_unit *u = U ? &U[i] : &tmp;
      u->observed = d->observed[i];
      u->expected = e;
      u->indicator = d->observed[i] - e;
      Y[i] = u->indicator;
      S[i] = d->se[i];
      u->x = 1 / (S[i] * S[i]);
      IND[i] = u->indicator;
      XX[i] = u->x;
    }
    if (adjusted) c.t = 0; /* the centre line of differences */
    r->target = adjusted ? 0 : c.t;
  } else if (c.as == GP_SCAN_SR) {
    c.t = o->has_target ? o->target : 1;
    c.theta = log(c.t);
    const double *ee = adjusted ? E : d->denominator;
    /* indicator O/E, (O or ½)/E whose log is Y, s = 1/sqrt(E); x = E */
    gp_scan_vec_sr_prep(n, d->observed, ee, IND, Y, S);
    gp_scan_vec_log(Y, Y, n);
    if (lean) gp_scan_vec_zscore_e(n, Y, c.theta, ee, Z); /* Z is Y */
    if (!xx_is_e) memcpy(XX, ee, n * sizeof *XX);
    for (size_t i = 0; U && i < n; i++) {
      U[i].observed = d->observed[i];
      U[i].expected = ee[i];
    }
    r->target = c.t;
  } else {
    double so = 0, sd = 0;
    for (size_t i = 0; i < n; i++) {
      so += d->observed[i];
      sd += d->denominator[i];
    }
    c.t = o->has_target ? o->target : so / sd;
    if (c.as == GP_SCAN_PROPORTION && !(c.t > 0 && c.t < 1)) {
      rc = gp_fail(err, GP_EINVAL, "observed", "the pooled proportion is %g: no spread to scan",
                   c.t);
      goto done;
    }
    if (c.as == GP_SCAN_RATIO && !(c.t > 0)) {
      rc = gp_fail(err, GP_EINVAL, "observed", "every count is zero: no spread to scan");
      goto done;
    }
    c.theta = c.as == GP_SCAN_PROPORTION ? asin(sqrt(c.t)) : log(c.t);
    for (size_t i = 0; i < n; i++) {
      double O = d->observed[i], D = d->denominator[i];
      gp_scan_unit *u = U ? &U[i] : &tmp;
      u->observed = O;
      u->expected = c.t * D;
      u->indicator = O / D;
      u->x = D;
      IND[i] = u->indicator;
      XX[i] = u->x;
      if (c.as == GP_SCAN_PROPORTION) {
        Y[i] = asin(sqrt(O / D));
        S[i] = 1 / (2 * sqrt(D));
      } else {
        Y[i] = log((O + 0.5) / (D + 0.5));
        S[i] = sqrt(O / ((O + 0.5) * (O + 0.5)) + D / ((D + 0.5) * (D + 0.5)));
      }
    }
    r->target = c.t;
  }

  /* 3. unadjusted z, trimming, phi, tau² */
  if (!lean) gp_scan_vec_zscore(n, Y, c.theta, S, Z);
  if (o->trim == 0) {
    r->phi = gp_scan_stats_phi(Z, n);
    r->n_phi = n;
    r->tau2 = gp_scan_stats_tau2(n, r->phi, S);
  } else if (tm == GP_SCAN_TRIM_WINSORISE) {
    double *wout = W ? W : malloc(n * sizeof *wout);
    if (!wout) abort();
    gp_scan_stats_winsorise(Z, n, o->trim, wout, keep, scratch);
    if (U)
      for (size_t i = 0; i < n; i++)
        U[i].trimmed = keep[i];
    r->phi = gp_scan_stats_phi(wout, n);
    r->n_phi = n;
    r->tau2 = gp_scan_stats_tau2(n, r->phi, S);
    if (wout != W) free(wout);
  } else {
    size_t kept = gp_scan_stats_truncate(Z, n, o->trim, keep, scratch, order);
    if (U)
      for (size_t i = 0; i < n; i++)
        U[i].trimmed = !keep[i];
    if (kept == 0) {
      rc = gp_fail(err, GP_EINVAL, "trim", "truncation at %g leaves no units; use a smaller --trim",
                   o->trim);
      goto done;
    }
    /* the sums over the kept units, in unit order */
    const double *ee = adjusted ? E : d->denominator; /* lean: s from E */
    gp_scan_stats_phi_tau2_kept_e(Z, S, lean ? ee : NULL, keep, n, kept, &r->phi, &r->tau2);
    r->n_phi = kept;
  }
  c.phi = r->phi;
  c.tau2 = r->tau2;
  c.od_applied = o->od != GP_SCAN_OD_NONE && r->phi > 1;
  r->od_applied = c.od_applied;

  /* 4. per-unit z, p, limits, flags, shrinkage, array by array (the exp and
   * erfc of a million units vectorised); LO and HI hold one level's limits */
  double zs = gsl_cdf_ugaussian_Pinv((1 + o->shrink_level) / 2);
  double *LO = full ? scratch : Y, *HI = full ? scratch + n : S; /* flags only: Y, S are done */
  if (!U && lean && c.od_applied) { /* flags only, one pass: limits and flags together */
    bool add = c.od == GP_SCAN_OD_ADDITIVE;
    gp_scan_vec_sr_flags(n, d->observed, XX, c.zq[0], add ? 1 : c.phi, add ? c.tau2 : 0, c.t,
                         r->flags);
    r->n = n;
    goto done;
  }
  if (!U && !HI) {
    S = HI = malloc(n * sizeof *HI); /* freed as S */
    if (!HI) abort();
  }
  if (!U) { /* flags only: the first level */
    gp_scan_limits_arr(&c, XX, n, 0, LO, HI);
    if (sr_flags)
      gp_scan_vec_flags_ratio(n, d->observed, adjusted ? E : d->denominator, LO, HI, r->flags);
    else
      gp_scan_vec_flags(n, IND, LO, HI, r->flags);
    r->n = n;
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    gp_scan_unit *u = &U[i];
    u->indicator = IND[i];
    u->x = XX[i];
    double dev = Y[i] - c.theta, s2 = S[i] * S[i];
    if (!c.od_applied)
      u->z = dev / S[i];
    else if (c.od == GP_SCAN_OD_ADDITIVE)
      u->z = dev / sqrt(s2 + c.tau2);
    else
      u->z = dev / (S[i] * sqrt(c.phi));
    u->se = S[i];
    P[i] = fabs(u->z) / M_SQRT2;
    double B = c.tau2 / (c.tau2 + s2);
    W[i] = c.theta + B * dev;     /* shrunken estimate (transformed scale) */
    W[n + i] = zs * sqrt(B * s2); /* half-width of its interval */
  }
  gp_scan_vec_erfc(P, P, n); /* p = erfc(|z|/sqrt 2) */
  for (size_t l = 0; l < c.nlevels; l++) {
    gp_scan_limits_arr(&c, XX, n, l, LO, HI);
    for (size_t i = 0; i < n; i++) {
      gp_scan_unit *u = &U[i];
      u->lo[l] = LO[i];
      u->hi[l] = HI[i];
      u->flag[l] = gp_scan_flag(u->indicator, LO[i], HI[i]);
    }
  }
  bool ratio = c.as == GP_SCAN_SR || c.as == GP_SCAN_RATIO;
  if (ratio) gp_scan_vec_exp(W, W, 2 * n); /* e^est and e^(zs sd) */
  for (size_t i = 0; i < n; i++) {
    gp_scan_unit *u = &U[i];
    u->p = P[i];
    for (size_t l = c.nlevels; l < GP_SCAN_MAX_LEVELS; l++)
      u->lo[l] = u->hi[l] = NAN;
    r->flags[i] = u->flag[0];
    if (ratio) {
      double e0 = W[i], eh = W[n + i];
      u->shrunk = e0;
      u->shrunk_lo = e0 / eh;
      u->shrunk_hi = e0 * eh;
    } else {
      double est = W[i], h = W[n + i];
      u->shrunk = gp_scan_back(&c, est);
      u->shrunk_lo = gp_scan_back(&c, est - h);
      u->shrunk_hi = gp_scan_back(&c, est + h);
    }
  }
  /* the per-unit arrays are in U now: free them before BH sorts (less memory at the peak) */
  free(W);
  free(scratch);
  free(IND);
  free(Y);
  free(S);
  if (Z != Y) free(Z);
  free(keep);
  W = scratch = IND = Y = S = Z = NULL;
  keep = NULL;
  Q = P; /* q-values in place of the p-values (each read before it is written) */
  order = malloc(n * sizeof *order);
  if (!order) abort();
  gp_scan_stats_bh(P, n, Q, order);
  for (size_t i = 0; i < n; i++) {
    U[i].q = Q[i];
    U[i].discovery = Q[i] <= o->fdr;
    r->n_discoveries += U[i].discovery;
  }

  /* 5. funnel lines */
  {
    double xmin = INFINITY, xmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
      if (XX[i] < xmin) xmin = XX[i];
      if (XX[i] > xmax) xmax = XX[i];
    }
    size_t nf = o->nfunnel < 2 ? 2 : o->nfunnel;
    double *xs = NULL, axis[100];
    if (c.as == GP_SCAN_PROPORTION) {
      gp_scan_stats_phe_axis(xmin, xmax, false, axis);
      nf = 100;
      xs = axis;
    }
    r->funnel = calloc(nf, sizeof *r->funnel);
    double *fx = malloc(3 * nf * sizeof *fx);
    if (!r->funnel || !fx) abort();
    r->nfunnel = nf;
    for (size_t j = 0; j < nf; j++) {
      gp_scan_funnel_point *f = &r->funnel[j];
      f->x = fx[j] = xs ? xs[j] : xmin * pow(xmax / xmin, (double)j / (double)(nf - 1));
      for (size_t l = 0; l < GP_SCAN_MAX_LEVELS; l++)
        f->lo[l] = f->hi[l] = NAN;
    }
    for (size_t l = 0; l < c.nlevels; l++) {
      gp_scan_limits_arr(&c, fx, nf, l, fx + nf, fx + 2 * nf);
      for (size_t j = 0; j < nf; j++) {
        r->funnel[j].lo[l] = fx[nf + j];
        r->funnel[j].hi[l] = fx[2 * nf + j];
      }
    }
    free(fx);
  }
  r->n = n;

done:
  free(IND);
  if (XX != E) free(XX);
  free(Y);
  free(S);
  if (Z != Y) free(Z);
  free(W);
  free(scratch);
  free(P);
  if (Q != P) free(Q);
  free(E);
  free(order);
  free(keep);
  if (rc != GP_OK) gp_scan_result_free(r);
  return rc;
}

void gp_scan_persistence(const int8_t *history, size_t nperiods, size_t n, int32_t *out) {
  for (size_t i = 0; i < n; i++) {
    int8_t now = nperiods ? history[i] : 0;
    int32_t k = 0;
    if (now != 0)
      for (size_t p = 0; p < nperiods; p++)
        k += history[p * n + i] == now;
    out[i] = k;
  }
}

int8_t gp_scan_flag(double v, double lo, double hi) { return v > hi ? 1 : v < lo ? -1 : 0; }

const char *gp_scan_flag_name(int8_t flag) { return flag > 0 ? "high" : flag < 0 ? "low" : "none"; }

static const char *const gp_scan_type_names[] = {"sr", "proportion", "ratio", "score"};
static const char *const gp_scan_od_names[] = {"none", "multiplicative", "additive"};

const char *gp_scan_type_name(gp_scan_type t) {
  return (unsigned)t < 4 ? gp_scan_type_names[t] : "?";
}

bool gp_scan_type_parse(const char *s, gp_scan_type *t) {
  for (int i = 0; i < 4; i++)
    if (!strcmp(s, gp_scan_type_names[i])) {
      *t = (gp_scan_type)i;
      return true;
    }
  return false;
}

const char *gp_scan_od_name(gp_scan_od od) { return (unsigned)od < 3 ? gp_scan_od_names[od] : "?"; }

bool gp_scan_od_parse(const char *s, gp_scan_od *od) {
  for (int i = 0; i < 3; i++)
    if (!strcmp(s, gp_scan_od_names[i])) {
      *od = (gp_scan_od)i;
      return true;
    }
  return false;
}
