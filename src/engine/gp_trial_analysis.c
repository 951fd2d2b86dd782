/* gp_trial_analysis — streamed trial analysis; see gp_trial_analysis.h. */
#include "engine/gp_trial_analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

gp_code gp_trial_acc_init(gp_trial_acc *a, int n_cov, int n_out, bool clustered, bool binary,
                          gp_error *err) {
  memset(a, 0, sizeof *a);
  a->n_cov = n_cov;
  a->n_out = n_out;
  a->q = 1 + n_cov + n_out;
  a->clustered = clustered;
  a->binary = binary;
  a->n_strata = 1;
  a->shift = calloc((size_t)a->q, sizeof(double));
  a->zsum = calloc((size_t)(n_cov ? n_cov : 1), sizeof(double));
  a->table_cap = 1024;
  a->table = calloc(a->table_cap, sizeof(int32_t));
  a->yrow = calloc((size_t)n_out, sizeof(double));
  if (!a->shift || !a->zsum || !a->table || !a->yrow) {
    gp_trial_acc_free(a);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  return GP_OK;
}

void gp_trial_acc_free(gp_trial_acc *a) {
  free(a->shift), free(a->mom), free(a->succ), free(a->arm_n), free(a->cells);
  free(a->table), free(a->pool), free(a->zsum), free(a->xrow), free(a->yrow);
  for (int m = 0; m < a->n_models; m++) {
    free(a->models[m].cols), free(a->models[m].g), free(a->models[m].b), free(a->models[m].w);
    gp_trial_ols_free(&a->models[m].ols);
  }
  memset(a, 0, sizeof *a);
}

static uint64_t gp_cell_hash(int arm, int stratum, int cluster) {
  uint64_t h = (uint64_t)(uint32_t)cluster * 0x9e3779b97f4a7c15ULL;
  h ^= ((uint64_t)(uint32_t)arm << 32 | (uint32_t)stratum) * 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 29);
}

static gp_code gp_grow_arms(gp_trial_acc *a, int arm, gp_error *err) {
  int k = arm + 1, o = a->n_out;
  gp_trial_moments *m = realloc(a->mom, (size_t)k * o * sizeof *m);
  if (m) a->mom = m;
  double *s = realloc(a->succ, (size_t)k * o * sizeof *s);
  if (s) a->succ = s;
  double *n = realloc(a->arm_n, (size_t)k * sizeof *n);
  if (n) a->arm_n = n;
  if (!m || !s || !n) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  for (int i = a->n_arms; i < k; i++) {
    a->arm_n[i] = 0;
    for (int j = 0; j < o; j++) {
      a->mom[i * o + j] = (gp_trial_moments){0, 0, 0};
      a->succ[i * o + j] = 0;
    }
  }
  a->n_arms = k;
  return GP_OK;
}

/* The cell for (arm, stratum, cluster), created if new; NULL on ENOMEM. */
static gp_trial_cell *gp_cell(gp_trial_acc *a, int arm, int stratum, int cluster) {
  size_t mask = a->table_cap - 1;
  size_t i = (size_t)gp_cell_hash(arm, stratum, cluster) & mask;
  while (a->table[i]) {
    gp_trial_cell *c = &a->cells[a->table[i] - 1];
    if (c->arm == arm && c->stratum == stratum && c->cluster == cluster) return c;
    i = (i + 1) & mask;
  }
  if (a->n_cells >= (size_t)INT32_MAX - 1) return NULL;
  size_t qq = (size_t)a->q * a->q;
  if (a->n_cells == a->cap_cells) {
    size_t nc = a->cap_cells ? a->cap_cells * 2 : 64;
    gp_trial_cell *cells = realloc(a->cells, nc * sizeof *cells);
    if (!cells) return NULL;
    a->cells = cells;
    double *pool = realloc(a->pool, nc * qq * sizeof *pool);
    if (!pool) return NULL;
    a->pool = pool;
    a->cap_cells = nc;
  }
  gp_trial_cell *c = &a->cells[a->n_cells];
  *c = (gp_trial_cell){arm, stratum, cluster, 0, a->n_cells * qq};
  memset(a->pool + c->off, 0, qq * sizeof(double));
  a->table[i] = (int32_t)(++a->n_cells);
  if (a->n_cells * 2 > a->table_cap) { /* rehash */
    size_t ncap = a->table_cap * 2;
    int32_t *t = calloc(ncap, sizeof *t);
    if (!t) return NULL;
    for (size_t k = 0; k < a->n_cells; k++) {
      gp_trial_cell *d = &a->cells[k];
      size_t j = (size_t)gp_cell_hash(d->arm, d->stratum, d->cluster) & (ncap - 1);
      while (t[j])
        j = (j + 1) & (ncap - 1);
      t[j] = (int32_t)(k + 1);
    }
    free(a->table);
    a->table = t;
    a->table_cap = ncap;
  }
  return &a->cells[a->n_cells - 1];
}

gp_code gp_trial_acc_add(gp_trial_acc *a, int arm, int stratum, int cluster, const double *z,
                         const double *y, gp_error *err) {
  int J = a->n_cov, O = a->n_out, q = a->q;
  if (!a->have_shift) {
    for (int j = 0; j < J; j++)
      a->shift[1 + j] = z[j];
    for (int k = 0; k < O; k++)
      a->shift[1 + J + k] = y[k];
    a->have_shift = true;
  }
  if (arm >= a->n_arms && gp_grow_arms(a, arm, err)) return err ? err->code : GP_ENOMEM;
  if (stratum + 1 > a->n_strata) a->n_strata = stratum + 1;
  if (a->clustered && cluster + 1 > a->n_clusters) a->n_clusters = cluster + 1;
  gp_trial_cell *c = gp_cell(a, arm, stratum, a->clustered ? cluster : 0);
  if (!c) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  a->n += 1;
  a->arm_n[arm] += 1;
  for (int k = 0; k < O; k++) {
    gp_trial_moments_add(&a->mom[arm * O + k], y[k]);
    a->succ[arm * O + k] += y[k];
  }
  double v[64], *vv = v;
  double *heap = NULL;
  if (q > 64) {
    heap = malloc((size_t)q * sizeof *heap);
    if (!heap) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    vv = heap;
  }
  vv[0] = 1.0;
  for (int j = 0; j < J; j++) {
    vv[1 + j] = z[j] - a->shift[1 + j];
    a->zsum[j] += vv[1 + j];
  }
  for (int k = 0; k < O; k++)
    vv[1 + J + k] = y[k] - a->shift[1 + J + k];
  double *s = a->pool + c->off;
  c->n += 1;
  for (int i = 0; i < q; i++) {
    double vi = vv[i];
    double *row = s + (size_t)i * q;
    for (int j = i; j < q; j++)
      row[j] += vi * vv[j];
  }
  free(heap);
  return GP_OK;
}

/* Builds the column list of a model with (use_cov ? J : 0) covariates. */
static gp_trial_col *gp_columns(const gp_trial_acc *a, bool use_cov, int *p_out) {
  int K = a->n_arms, J = use_cov ? a->n_cov : 0, S = a->n_strata;
  int p = 1 + (K - 1) + J + (K - 1) * J + (S - 1);
  gp_trial_col *cols = calloc((size_t)p, sizeof *cols);
  if (!cols) return NULL;
  int c = 0;
  cols[c++] = (gp_trial_col){GP_TRIAL_COL_INTERCEPT, -1, -1, -1};
  for (int k = 0; k < K; k++)
    if (k != a->control) cols[c++] = (gp_trial_col){GP_TRIAL_COL_ARM, k, -1, -1};
  for (int j = 0; j < J; j++)
    cols[c++] = (gp_trial_col){GP_TRIAL_COL_COV, -1, j, -1};
  for (int k = 0; k < K; k++)
    if (k != a->control)
      for (int j = 0; j < J; j++)
        cols[c++] = (gp_trial_col){GP_TRIAL_COL_INTER, k, j, -1};
  for (int s = 1; s < S; s++)
    cols[c++] = (gp_trial_col){GP_TRIAL_COL_STRATUM, -1, -1, s};
  *p_out = p;
  return cols;
}

/* The indicator factor of column c for a row in (arm, stratum). */
static double gp_ind(const gp_trial_col *c, int arm, int stratum) {
  switch (c->kind) {
  case GP_TRIAL_COL_ARM:
  case GP_TRIAL_COL_INTER: return c->arm == arm ? 1.0 : 0.0;
  case GP_TRIAL_COL_STRATUM: return c->stratum == stratum ? 1.0 : 0.0;
  default: return 1.0;
  }
}

/* The component of [1, z, y] that column c multiplies. */
static int gp_base(const gp_trial_col *c) {
  return (c->kind == GP_TRIAL_COL_COV || c->kind == GP_TRIAL_COL_INTER) ? 1 + c->cov : 0;
}

gp_code gp_trial_acc_prepare(gp_trial_acc *a, int control, gp_trial_col *bad, gp_error *err) {
  int J = a->n_cov, O = a->n_out, q = a->q;
  if (a->n_arms < 2) return gp_fail(err, GP_EINVAL, "arm", "need at least two arms in the data");
  for (int k = 0; k < a->n_arms; k++)
    if (a->arm_n[k] < 2)
      return gp_fail(err, GP_EINVAL, "arm", "arm %d has %g observation(s): need at least 2", k,
                     a->arm_n[k]);
  if (a->clustered && a->n_clusters < 2)
    return gp_fail(err, GP_EINVAL, "--cluster",
                   "only one cluster: cluster-robust errors need at least 2");
  a->control = control;
  a->n_models = J > 0 ? 2 : 1;
  int pmax = 0;
  for (int m = 0; m < a->n_models; m++) {
    gp_trial_model *md = &a->models[m];
    md->name = m == 0 ? "ols" : "lin";
    md->cols = gp_columns(a, m == 1, &md->p);
    if (!md->cols) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    if (md->p > pmax) pmax = md->p;
    gp_code rc = gp_trial_ols_init(&md->ols, md->p, O, a->clustered ? a->n_clusters : 0, err);
    if (rc) return rc;
  }
  a->xrow = calloc((size_t)pmax, sizeof(double));
  size_t pp = (size_t)pmax * pmax;
  double *xtx = calloc(pp, sizeof(double)), *xty = calloc((size_t)pmax * O, sizeof(double));
  if (!a->xrow || !xtx || !xty) {
    free(xtx), free(xty);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (int m = 0; m < a->n_models; m++) {
    gp_trial_model *md = &a->models[m];
    int p = md->p;
    for (size_t ci = 0; ci < a->n_cells; ci++) {
      const gp_trial_cell *c = &a->cells[ci];
      const double *s = a->pool + c->off;
      for (int i = 0; i < p; i++) {
        double fi = gp_ind(&md->cols[i], c->arm, c->stratum);
        int bi = gp_base(&md->cols[i]);
        for (int j = i; j < p; j++) {
          double fj = gp_ind(&md->cols[j], c->arm, c->stratum);
          int bj = gp_base(&md->cols[j]);
          double v = (bi <= bj) ? s[bi * q + bj] : s[bj * q + bi];
          xtx[i * p + j] = fi * fj * v;
        }
        for (int k = 0; k < O; k++)
          xty[i * O + k] = fi * s[bi * q + 1 + J + k];
      }
      gp_trial_ols_add_sums(&md->ols, c->cluster, c->n, xtx, xty);
    }
    int col = -1;
    gp_code rc = gp_trial_ols_solve(&md->ols, &col, err);
    if (rc) {
      if (bad && col >= 0) *bad = md->cols[col];
      free(xtx), free(xty);
      return rc;
    }
  }
  free(xtx), free(xty);
  if (!a->clustered) { /* HC2 pass: per (arm, stratum) cell, G = C'MC and b = C'β */
    int K = a->n_arms, S = a->n_strata;
    size_t ncell = (size_t)K * S;
    for (int m = 0; m < a->n_models; m++) {
      gp_trial_model *md = &a->models[m];
      int p = md->p, qv = md->qv = 1 + (m == 1 ? J : 0);
      md->g = calloc(ncell * qv * qv, sizeof(double));
      md->b = calloc(ncell * O * qv, sizeof(double));
      md->w = calloc(ncell * O * qv * qv, sizeof(double));
      if (!md->g || !md->b || !md->w) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
      for (int arm = 0; arm < K; arm++)
        for (int st = 0; st < S; st++) {
          size_t c = (size_t)arm * S + st;
          double *g = md->g + c * qv * qv, *b = md->b + c * O * qv;
          for (int i = 0; i < p; i++) {
            double fi = gp_ind(&md->cols[i], arm, st);
            if (fi == 0) continue;
            int bi = gp_base(&md->cols[i]);
            for (int k = 0; k < O; k++)
              b[k * qv + bi] += fi * md->ols.beta[i * O + k];
            for (int j = 0; j < p; j++) {
              double fj = gp_ind(&md->cols[j], arm, st);
              if (fj != 0) g[bi * qv + gp_base(&md->cols[j])] += fi * fj * md->ols.minv[i * p + j];
            }
          }
        }
    }
  }
  return GP_OK;
}

/* Turns the per-cell sums of pass 2 into each model's HC2 meat. */
static void gp_hc2_meat(gp_trial_acc *a) {
  int K = a->n_arms, S = a->n_strata, O = a->n_out;
  for (int m = 0; m < a->n_models; m++) {
    gp_trial_model *md = &a->models[m];
    int p = md->p, qv = md->qv;
    for (int k = 0; k < O; k++) {
      double *mt = md->ols.meat + (size_t)k * p * p;
      for (int arm = 0; arm < K; arm++)
        for (int st = 0; st < S; st++) {
          const double *w = md->w + (((size_t)arm * S + st) * O + k) * qv * qv;
          for (int i = 0; i < p; i++) {
            double fi = gp_ind(&md->cols[i], arm, st);
            if (fi == 0) continue;
            int bi = gp_base(&md->cols[i]);
            for (int j = i; j < p; j++) {
              double fj = gp_ind(&md->cols[j], arm, st);
              if (fj == 0) continue;
              int bj = gp_base(&md->cols[j]);
              mt[i * p + j] += fi * fj * (bi <= bj ? w[bi * qv + bj] : w[bj * qv + bi]);
            }
          }
        }
    }
    md->ols.lev_one = a->lev_one;
  }
}

bool gp_trial_acc_needs_pass2(const gp_trial_acc *a) { return !a->clustered; }

void gp_trial_acc_add2(gp_trial_acc *a, int arm, int stratum, const double *z, const double *y) {
  int J = a->n_cov, O = a->n_out, S = a->n_strata;
  double v[64], *vv = a->xrow; /* v = [1, z − s]; xrow has >= 1 + J slots */
  if (J + 1 <= 64) vv = v;
  vv[0] = 1.0;
  for (int j = 0; j < J; j++)
    vv[1 + j] = z[j] - a->shift[1 + j];
  size_t c = (size_t)arm * S + stratum;
  for (int m = 0; m < a->n_models; m++) {
    gp_trial_model *md = &a->models[m];
    int qv = md->qv;
    const double *g = md->g + c * qv * qv;
    double h = 0;
    for (int i = 0; i < qv; i++) {
      double r = 0;
      for (int j = 0; j < qv; j++)
        r += g[i * qv + j] * vv[j];
      h += vv[i] * r;
    }
    if (!(h < 1.0 - 1e-12)) {
      a->lev_one = true;
      continue;
    }
    for (int k = 0; k < O; k++) {
      const double *b = md->b + (c * O + k) * qv;
      double e = y[k] - a->shift[1 + J + k];
      for (int i = 0; i < qv; i++)
        e -= b[i] * vv[i];
      double w = e * e / (1.0 - h);
      double *ww = md->w + (c * O + k) * qv * qv;
      for (int i = 0; i < qv; i++) {
        double wi = w * vv[i];
        for (int j = i; j < qv; j++)
          ww[i * qv + j] += wi * vv[j];
      }
    }
  }
}

void gp_trial_result_free(gp_trial_result *r) {
  free(r->arm_n), free(r->arm_mean), free(r->arm_sd), free(r->comp), free(r->srm_counts);
  memset(r, 0, sizeof *r);
}

/* Fills sequential and Bayesian summaries of a comparison. */
static void gp_extras(gp_trial_comparison *c, const gp_trial_opts *o) {
  if (o->sequential)
    gp_trial_sequential(c->t.estimate, c->t.std_error, c->n_pair, o->tuning, o->alpha, &c->seq);
  gp_trial_bayes_normal(c->t.estimate, c->t.std_error, o->prior_mean, o->prior_sd, o->threshold,
                        o->alpha, &c->bayes);
}

gp_code gp_trial_acc_finish(gp_trial_acc *a, const gp_trial_opts *o, gp_trial_result *res,
                            gp_error *err) {
  memset(res, 0, sizeof *res);
  if (!a->clustered) gp_hc2_meat(a);
  int K = a->n_arms, O = a->n_out, J = a->n_cov, ctl = o->control;
  bool dim = !a->clustered && a->n_strata == 1;
  int per = (dim ? 1 : 0) + a->n_models + (a->binary && dim ? 1 : 0);
  res->n = a->n;
  res->n_arms = K;
  res->n_out = O;
  res->n_clusters = a->clustered ? a->n_clusters : 0;
  res->n_strata = a->n_strata;
  res->arm_n = calloc((size_t)K, sizeof(double));
  res->arm_mean = calloc((size_t)K * O, sizeof(double));
  res->arm_sd = calloc((size_t)K * O, sizeof(double));
  res->srm_counts = calloc((size_t)K, sizeof(double));
  res->comp = calloc((size_t)per * (K - 1) * O + 1, sizeof *res->comp);
  double *ratio = calloc((size_t)K, sizeof(double));
  double *c = calloc(64 + (size_t)(a->n_models ? a->models[a->n_models - 1].p : 1), sizeof(double));
  if (!res->arm_n || !res->arm_mean || !res->arm_sd || !res->srm_counts || !res->comp || !ratio ||
      !c) {
    free(ratio), free(c);
    gp_trial_result_free(res);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (int k = 0; k < K; k++) {
    res->arm_n[k] = a->arm_n[k];
    for (int y = 0; y < O; y++) {
      res->arm_mean[k * O + y] = a->mom[k * O + y].mean;
      res->arm_sd[k * O + y] = sqrt(gp_trial_moments_var(&a->mom[k * O + y]));
    }
    ratio[k] = o->ratio ? o->ratio[k] : 1.0;
  }
  /* Sample-ratio mismatch: units per arm, or clusters per arm when clustered. */
  if (a->clustered) {
    res->srm_clusters = true;
    unsigned char *seen = calloc((size_t)K * a->n_clusters, 1);
    if (!seen) {
      free(ratio), free(c);
      gp_trial_result_free(res);
      return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < a->n_cells; i++) {
      const gp_trial_cell *cl = &a->cells[i];
      unsigned char *f = &seen[(size_t)cl->arm * a->n_clusters + cl->cluster];
      if (!*f) res->srm_counts[cl->arm] += 1;
      *f = 1;
    }
    free(seen);
  } else {
    for (int k = 0; k < K; k++)
      res->srm_counts[k] = a->arm_n[k];
  }
  gp_code rc = gp_trial_srm_test(K, res->srm_counts, ratio, &res->srm, err);
  free(ratio);
  if (rc) {
    free(c);
    gp_trial_result_free(res);
    return rc;
  }
  int n = 0;
  for (int y = 0; y < O; y++) {
    for (int k = 0; k < K; k++) {
      if (k == ctl) continue;
      const gp_trial_moments *m1 = &a->mom[k * O + y], *m0 = &a->mom[ctl * O + y];
      double npair = a->arm_n[k] + a->arm_n[ctl];
      if (dim) {
        gp_trial_comparison *cp = &res->comp[n++];
        *cp = (gp_trial_comparison){.outcome = y,
                                    .arm = k,
                                    .control = ctl,
                                    .estimator = "difference_in_means",
                                    .se_type = "welch",
                                    .n_pair = npair};
        rc = gp_trial_welch(m1->n, m1->mean, gp_trial_moments_var(m1), m0->n, m0->mean,
                            gp_trial_moments_var(m0), o->alpha, &cp->t, err);
        if (rc) goto fail;
        gp_extras(cp, o);
      }
      for (int md = 0; md < a->n_models; md++) {
        gp_trial_model *mod = &a->models[md];
        memset(c, 0, (size_t)mod->p * sizeof(double));
        for (int i = 0; i < mod->p; i++) {
          const gp_trial_col *col = &mod->cols[i];
          if (col->kind == GP_TRIAL_COL_ARM && col->arm == k) c[i] = 1.0;
          if (col->kind == GP_TRIAL_COL_INTER && col->arm == k)
            c[i] = a->zsum[col->cov] / a->n; /* z̄ − s */
        }
        (void)J;
        gp_trial_comparison *cp = &res->comp[n++];
        *cp = (gp_trial_comparison){.outcome = y,
                                    .arm = k,
                                    .control = ctl,
                                    .estimator = mod->name,
                                    .se_type = a->clustered ? "CR2" : "HC2",
                                    .n_pair = npair};
        rc = gp_trial_ols_contrast(&mod->ols, y, c, o->alpha, &cp->t, err);
        if (rc) goto fail;
        gp_extras(cp, o);
      }
      if (a->binary && dim) {
        gp_trial_comparison *cp = &res->comp[n++];
        *cp = (gp_trial_comparison){.outcome = y,
                                    .arm = k,
                                    .control = ctl,
                                    .estimator = "relative_risk",
                                    .se_type = "katz",
                                    .n_pair = npair};
        rc = gp_trial_risk_ratio(a->succ[k * O + y], m1->n, a->succ[ctl * O + y], m0->n, o->alpha,
                                 &cp->t, err);
        if (rc) goto fail;
        cp->bayes.mean = NAN;
      }
    }
  }
  res->n_comp = n;
  /* Holm across arms within (outcome, estimator); BH across (outcome, arm) within estimator. */
  double *pv = calloc((size_t)n + 1, sizeof(double)), *pa = calloc((size_t)n + 1, sizeof(double));
  int *ix = calloc((size_t)n + 1, sizeof(int));
  if (!pv || !pa || !ix) {
    free(pv), free(pa), free(ix), free(c);
    gp_trial_result_free(res);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (int i = 0; i < n; i++) {
    res->comp[i].p_bh = NAN;
    res->comp[i].p_adjusted = NAN;
  }
  for (int i = 0; i < n; i++) {
    if (!isnan(res->comp[i].p_adjusted)) continue;
    int m = 0;
    for (int j = i; j < n; j++)
      if (res->comp[j].outcome == res->comp[i].outcome &&
          !strcmp(res->comp[j].estimator, res->comp[i].estimator)) {
        ix[m] = j;
        pv[m++] = res->comp[j].t.p_value;
      }
    gp_trial_holm((size_t)m, pv, pa);
    for (int j = 0; j < m; j++)
      res->comp[ix[j]].p_adjusted = pa[j];
  }
  if (O > 1) {
    for (int i = 0; i < n; i++) {
      if (!isnan(res->comp[i].p_bh)) continue;
      int m = 0;
      for (int j = i; j < n; j++)
        if (!strcmp(res->comp[j].estimator, res->comp[i].estimator)) {
          ix[m] = j;
          pv[m++] = res->comp[j].t.p_value;
        }
      gp_trial_bh((size_t)m, pv, pa);
      for (int j = 0; j < m; j++)
        res->comp[ix[j]].p_bh = pa[j];
    }
  }
  free(pv), free(pa), free(ix), free(c);
  return GP_OK;
fail:
  free(c);
  gp_trial_result_free(res);
  return rc;
}
