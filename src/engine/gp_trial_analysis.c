/* gp_trial_analysis — streamed trial analysis; see gp_trial_analysis.h. */
#include "engine/gp_trial_analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The per-row kernels are written once for a size n and instantiated for the
 * common small sizes as constants (a switch), so that the compiler unrolls
 * them into straight-line code; the arithmetic, and its order, is the same
 * for every instance and for the generic fallback. */
#if defined(__clang__) /* unrolls constant trip counts by itself, and warns on the others */
#define GP_UNROLL
#define GP_INLINE __attribute__((always_inline)) inline
#elif defined(__GNUC__)
#define GP_UNROLL _Pragma("GCC unroll 16")
#define GP_INLINE __attribute__((always_inline)) inline
#else
#define GP_UNROLL
#define GP_INLINE inline
#endif

/* Two doubles at a time where the compiler has vector extensions (SSE2 on
 * x86-64, NEON on arm64). */
#if defined(__GNUC__)
typedef double gp_v2 __attribute__((vector_size(16)));
static GP_INLINE gp_v2 gp_ld2(const double *p) {
  gp_v2 v;
  memcpy(&v, p, sizeof v);
  return v;
}
static GP_INLINE void gp_st2(double *p, gp_v2 v) { memcpy(p, &v, sizeof v); }
#endif

/* Σ a[t]·b[t], t < n (in two interleaved partial sums where vectors exist). */
static GP_INLINE double gp_dot_n(const double *a, const double *b, int n) {
  int t = 0;
  double s = 0;
#if defined(__GNUC__)
  gp_v2 acc = {0, 0};
  GP_UNROLL
  for (; t + 2 <= n; t += 2)
    acc += gp_ld2(a + t) * gp_ld2(b + t);
  s = acc[0] + acc[1];
#endif
  for (; t < n; t++)
    s += a[t] * b[t];
  return s;
}

/* dst[t] += w·src[t], t < n (element-wise: the same sums as one at a time). */
static GP_INLINE void gp_axpy_n(double *restrict dst, double w, const double *restrict src, int n) {
  int t = 0;
#if defined(__GNUC__)
  gp_v2 ww = {w, w};
  GP_UNROLL
  for (; t + 2 <= n; t += 2)
    gp_st2(dst + t, gp_ld2(dst + t) + ww * gp_ld2(src + t));
#endif
  for (; t < n; t++)
    dst[t] += w * src[t];
}

/* s[i·q + j] += u[i]·u[j] for i <= j < q (the upper triangle of u u'). */
static GP_INLINE void gp_tri_add_n(double *restrict s, const double *restrict u, int q) {
  GP_UNROLL
  for (int i = 0; i < q; i++) {
    double ui = u[i];
    GP_UNROLL
    for (int j = i; j < q; j++)
      s[i * q + j] += ui * u[j];
  }
}

static void gp_tri_add(double *restrict s, const double *restrict u, int q) {
  switch (q) {
  case 2: gp_tri_add_n(s, u, 2); break;
  case 3: gp_tri_add_n(s, u, 3); break;
  case 4: gp_tri_add_n(s, u, 4); break;
  case 5: gp_tri_add_n(s, u, 5); break;
  case 6: gp_tri_add_n(s, u, 6); break;
  case 7: gp_tri_add_n(s, u, 7); break;
  case 8: gp_tri_add_n(s, u, 8); break;
  case 9: gp_tri_add_n(s, u, 9); break;
  default: gp_tri_add_n(s, u, q);
  }
}

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
  free(a->table), free(a->pool), free(a->zsum), free(a->xrow), free(a->yrow), free(a->vv);
  for (int m = 0; m < a->n_models; m++) {
    free(a->models[m].cols), free(a->models[m].g), free(a->models[m].b), free(a->models[m].w);
    free(a->models[m].gt), free(a->models[m].wt);
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
  if (!a->clustered) cluster = 0;
  gp_trial_cell *c;
  bool quick = arm < 16 && stratum == 0 && cluster == 0;
  if (quick && a->quick[arm]) {
    c = &a->cells[a->quick[arm] - 1];
  } else {
    c = gp_cell(a, arm, stratum, cluster);
    if (!c) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    if (quick) a->quick[arm] = (int32_t)(c - a->cells) + 1;
  }
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
  c->n += 1;
  gp_tri_add(a->pool + c->off, vv, q);
  free(heap);
  return GP_OK;
}

gp_code gp_trial_acc_merge(gp_trial_acc *a, const gp_trial_acc *b, const int *arm_map,
                           gp_error *err) {
  int J = a->n_cov, O = a->n_out, q = a->q;
  if (!b->have_shift) return GP_OK; /* no rows */
  if (!a->have_shift) {
    memcpy(a->shift, b->shift, (size_t)q * sizeof(double));
    a->have_shift = true;
  }
  double dd[64], *d = dd, *heap = NULL;
  if (q > 64) {
    d = heap = malloc((size_t)q * sizeof *heap);
    if (!heap) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  d[0] = 0;
  for (int i = 1; i < q; i++)
    d[i] = b->shift[i] - a->shift[i]; /* u_a = u_b + d */
  for (int k = 0; k < b->n_arms; k++) {
    int ga = arm_map[k];
    if (ga >= a->n_arms && gp_grow_arms(a, ga, err)) {
      free(heap);
      return err ? err->code : GP_ENOMEM;
    }
    a->arm_n[ga] += b->arm_n[k];
    for (int y = 0; y < O; y++) {
      gp_trial_moments_merge(&a->mom[ga * O + y], &b->mom[k * O + y]);
      a->succ[ga * O + y] += b->succ[k * O + y];
    }
  }
  for (size_t ci = 0; ci < b->n_cells; ci++) {
    const gp_trial_cell *cb = &b->cells[ci];
    gp_trial_cell *ca = gp_cell(a, arm_map[cb->arm], cb->stratum, 0);
    if (!ca) {
      free(heap);
      return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    }
    const double *sb = b->pool + cb->off;
    double *sa = a->pool + ca->off, n = cb->n;
    for (int i = 0; i < q; i++) {
      double si = i ? sb[i] : n; /* Σ u_b,i */
      for (int j = i; j < q; j++) {
        double sj = j ? sb[j] : n;
        sa[i * q + j] += sb[i * q + j] + d[j] * si + d[i] * sj + n * d[i] * d[j];
      }
    }
    ca->n += n;
    if (cb->stratum + 1 > a->n_strata) a->n_strata = cb->stratum + 1;
  }
  for (int j = 0; j < J; j++)
    a->zsum[j] += b->zsum[j] + b->n * d[1 + j];
  a->n += b->n;
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
      int nt = md->nt = qv * (qv + 1) / 2;
      md->gt = calloc(ncell * nt, sizeof(double));
      md->wt = calloc(ncell * O * nt, sizeof(double));
      if (!md->g || !md->b || !md->w || !md->gt || !md->wt)
        return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
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
          double *gt = md->gt + c * nt;
          for (int i = 0, t = 0; i < qv; i++)
            for (int j = i; j < qv; j++, t++)
              gt[t] = i == j ? g[i * qv + i] : g[i * qv + j] + g[j * qv + i];
        }
    }
    a->vv = calloc((size_t)(J + 1) * (J + 2) / 2, sizeof(double));
    if (!a->vv) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  return GP_OK;
}

/* Turns the per-cell sums of pass 2 into each model's HC2 meat. */
static void gp_hc2_meat(gp_trial_acc *a) {
  int K = a->n_arms, S = a->n_strata, O = a->n_out;
  for (int m = 0; m < a->n_models; m++) {
    gp_trial_model *md = &a->models[m];
    int p = md->p, qv = md->qv, nt = md->nt;
    for (size_t c = 0; c < (size_t)K * S * O; c++) /* unpack the triangles */
      for (int i = 0, t = 0; i < qv; i++)
        for (int j = i; j < qv; j++, t++)
          md->w[c * qv * qv + i * qv + j] = md->wt[c * nt + t];
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

/* gp_trial_acc_add2 for J covariates (a constant in its instances). */
static GP_INLINE void gp_add2_n(gp_trial_acc *a, int arm, int stratum, const double *z,
                                const double *y, int J) {
  int O = a->n_out, S = a->n_strata;
  double v[64], *vv = a->xrow; /* v = [1, z − s]; xrow has >= 1 + J slots */
  if (J + 1 <= 64) vv = v;
  vv[0] = 1.0;
  GP_UNROLL
  for (int j = 0; j < J; j++)
    vv[1 + j] = z[j] - a->shift[1 + j];
  /* the packed products v_i v_j (i <= j): a model's qv is 1 or 1 + J, and its
   * triangle is the first nt of them either way */
  double *pr = a->vv;
  int t = 0;
  GP_UNROLL
  for (int i = 0; i <= J; i++) {
    GP_UNROLL
    for (int j = i; j <= J; j++)
      pr[t++] = vv[i] * vv[j];
  }
  size_t c = (size_t)arm * S + stratum;
  for (int m = 0; m < a->n_models; m++) {
    gp_trial_model *md = &a->models[m];
    const double *gt = md->gt + c * md->nt;
    if (md->qv == 1) { /* the model without covariates: h and the meat are scalars */
      double h = gt[0];
      if (!(h < 1.0 - 1e-12)) {
        a->lev_one = true;
        continue;
      }
      for (int k = 0; k < O; k++) {
        double e = y[k] - a->shift[1 + J + k] - md->b[c * O + k];
        md->wt[c * O + k] += e * e / (1.0 - h);
      }
      continue;
    }
    const int qv = J + 1, nt = qv * (qv + 1) / 2;
    double h = gp_dot_n(gt, pr, nt);
    if (!(h < 1.0 - 1e-12)) {
      a->lev_one = true;
      continue;
    }
    for (int k = 0; k < O; k++) {
      const double *b = md->b + (c * O + k) * qv;
      double e = y[k] - a->shift[1 + J + k];
      GP_UNROLL
      for (int i = 0; i < qv; i++)
        e -= b[i] * vv[i];
      gp_axpy_n(md->wt + (c * O + k) * nt, e * e / (1.0 - h), pr, nt);
    }
  }
}

void gp_trial_acc_add2(gp_trial_acc *a, int arm, int stratum, const double *z, const double *y) {
  switch (a->n_cov) {
  case 0: gp_add2_n(a, arm, stratum, z, y, 0); break;
  case 1: gp_add2_n(a, arm, stratum, z, y, 1); break;
  case 2: gp_add2_n(a, arm, stratum, z, y, 2); break;
  case 3: gp_add2_n(a, arm, stratum, z, y, 3); break;
  case 4: gp_add2_n(a, arm, stratum, z, y, 4); break;
  case 5: gp_add2_n(a, arm, stratum, z, y, 5); break;
  case 6: gp_add2_n(a, arm, stratum, z, y, 6); break;
  case 7: gp_add2_n(a, arm, stratum, z, y, 7); break;
  default: gp_add2_n(a, arm, stratum, z, y, a->n_cov);
  }
}

gp_code gp_trial_acc_fork2(gp_trial_acc *dst, const gp_trial_acc *src, gp_error *err) {
  memset(dst, 0, sizeof *dst);
  int J = src->n_cov, O = src->n_out;
  size_t ncell = (size_t)src->n_arms * src->n_strata;
  dst->n_cov = J;
  dst->n_out = O;
  dst->q = src->q;
  dst->n_arms = src->n_arms;
  dst->n_strata = src->n_strata;
  dst->n_models = src->n_models;
  dst->shift = malloc((size_t)src->q * sizeof(double));
  dst->xrow = calloc((size_t)J + 1, sizeof(double));
  dst->vv = calloc((size_t)(J + 1) * (J + 2) / 2, sizeof(double));
  bool ok = dst->shift && dst->xrow && dst->vv;
  if (ok) memcpy(dst->shift, src->shift, (size_t)src->q * sizeof(double));
  for (int m = 0; ok && m < src->n_models; m++) {
    const gp_trial_model *sm = &src->models[m];
    gp_trial_model *dm = &dst->models[m];
    dm->qv = sm->qv;
    dm->nt = sm->nt;
    dm->gt = malloc(ncell * sm->nt * sizeof(double));
    dm->b = malloc(ncell * O * sm->qv * sizeof(double));
    dm->wt = calloc(ncell * O * sm->nt, sizeof(double));
    ok = dm->gt && dm->b && dm->wt;
    if (ok) {
      memcpy(dm->gt, sm->gt, ncell * sm->nt * sizeof(double));
      memcpy(dm->b, sm->b, ncell * O * sm->qv * sizeof(double));
    }
  }
  if (!ok) {
    gp_trial_acc_free(dst);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  return GP_OK;
}

void gp_trial_acc_join2(gp_trial_acc *a, const gp_trial_acc *b) {
  size_t ncell = (size_t)a->n_arms * a->n_strata;
  for (int m = 0; m < a->n_models; m++) {
    gp_trial_model *md = &a->models[m];
    size_t n = ncell * a->n_out * md->nt;
    for (size_t t = 0; t < n; t++)
      md->wt[t] += b->models[m].wt[t];
  }
  a->lev_one |= b->lev_one;
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
