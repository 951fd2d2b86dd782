/* gp_polis_pca — see gp_polis_pca.h. */
#include "engine/gp_polis_pca.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_polis_par.h"

uint64_t gp_polis_rng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double gp_polis_rng_uniform(uint64_t *state) {
  return (double)(gp_polis_rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

void gp_polis_pca_free(gp_polis_pca *p) {
  if (!p) return;
  free(p->center);
  free(p->comps);
  memset(p, 0, sizeof *p);
}

/* The work of one pass of W = Xc' Xc V over a chunk of rows. */
typedef struct gp_polis_xtx {
  const gp_polis_matrix *m; /* the votes */
  const double *tab;        /* tab[3*j + v+1] = v - center_j (0 for zeroed columns) */
  const double *v;          /* 2*n_cols: the two current vectors */
  double *partial;          /* n_chunks * 2*n_cols: each chunk's W */
  size_t n_chunks;          /* chunks the rows are cut into */
} gp_polis_xtx;

static void gp_polis_xtx_chunk(void *ctx, size_t c) {
  gp_polis_xtx *t = ctx;
  const gp_polis_matrix *m = t->m;
  size_t n = m->n_cols;
  size_t r0 = m->n_rows * c / t->n_chunks, r1 = m->n_rows * (c + 1) / t->n_chunks;
  double *w1 = t->partial + c * 2 * n, *w2 = w1 + n;
  const double *v1 = t->v, *v2 = t->v + n;
  memset(w1, 0, 2 * n * sizeof *w1);
  for (size_t i = r0; i < r1; i++) {
    double y1 = 0, y2 = 0;
    size_t a = m->row_ptr[i], b = m->row_ptr[i + 1];
    for (size_t k = a; k < b; k++) {
      uint32_t j = m->col[k];
      double x = t->tab[3 * (size_t)j + (size_t)(m->val[k] + 1)];
      y1 += x * v1[j];
      y2 += x * v2[j];
    }
    for (size_t k = a; k < b; k++) {
      uint32_t j = m->col[k];
      double x = t->tab[3 * (size_t)j + (size_t)(m->val[k] + 1)];
      w1[j] += x * y1;
      w2[j] += x * y2;
    }
  }
}

/* w = Xc' Xc v for both vectors (deterministic: partials summed in chunk order). */
static void gp_polis_xtx_apply(gp_polis_xtx *t, int threads, double *w) {
  size_t n = t->m->n_cols;
  gp_polis_par_for(t->n_chunks, threads, gp_polis_xtx_chunk, t);
  memcpy(w, t->partial, 2 * n * sizeof *w);
  for (size_t c = 1; c < t->n_chunks; c++) {
    const double *p = t->partial + c * 2 * n;
    for (size_t j = 0; j < 2 * n; j++) w[j] += p[j];
  }
}

static double gp_polis_dot(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t j = 0; j < n; j++) s += a[j] * b[j];
  return s;
}

/* Gram-Schmidt on the two columns of v (length n each). Returns the norms. */
static void gp_polis_orth(double *v, size_t n, double *norm1, double *norm2) {
  double *a = v, *b = v + n;
  double na = sqrt(gp_polis_dot(a, a, n));
  if (na > 0)
    for (size_t j = 0; j < n; j++) a[j] /= na;
  double d = gp_polis_dot(a, b, n);
  for (size_t j = 0; j < n; j++) b[j] -= d * a[j];
  double nb = sqrt(gp_polis_dot(b, b, n));
  if (nb > 0)
    for (size_t j = 0; j < n; j++) b[j] /= nb;
  *norm1 = na;
  *norm2 = nb;
}

/* Flips v so that its entry of largest magnitude is positive. */
static void gp_polis_sign(double *v, size_t n) {
  size_t best = 0;
  for (size_t j = 1; j < n; j++)
    if (fabs(v[j]) > fabs(v[best])) best = j;
  if (n && v[best] < 0)
    for (size_t j = 0; j < n; j++) v[j] = -v[j];
}

gp_code gp_polis_pca_fit(const gp_polis_matrix *m, const gp_polis_cols *cols,
                         const gp_polis_pca_opts *o, gp_polis_pca *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  size_t n = m->n_cols;
  out->n_cols = n;
  long *sum = calloc(n ? n : 1, sizeof *sum), *cnt = calloc(n ? n : 1, sizeof *cnt);
  double *tab = calloc(3 * (n ? n : 1), sizeof *tab);
  double *v = calloc(2 * (n ? n : 1), sizeof *v), *w = calloc(2 * (n ? n : 1), sizeof *w);
  size_t n_chunks = gp_polis_par_chunks(m->n_rows, 2048, 64);
  double *partial = malloc(n_chunks * 2 * (n ? n : 1) * sizeof *partial);
  out->center = calloc(n ? n : 1, sizeof *out->center);
  out->comps = calloc(2 * (n ? n : 1), sizeof *out->comps);
  gp_code rc = GP_OK;
  if (!sum || !cnt || !tab || !v || !w || !partial || !out->center || !out->comps) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory in the PCA");
    goto done;
  }
  for (size_t k = 0; k < m->nnz; k++) {
    sum[m->col[k]] += m->val[k];
    cnt[m->col[k]]++;
  }
  for (size_t j = 0; j < n; j++) {
    if (!cols->used[j]) continue;
    out->n_used++;
    if (cols->zeroed && cols->zeroed[j]) {
      out->n_zeroed++;
      continue;
    }
    /* column mean of the imputed column = mean of the votes cast */
    double mu = cnt[j] ? (double)sum[j] / (double)cnt[j] : 0.0;
    out->center[j] = mu;
    for (int x = -1; x <= 1; x++) tab[3 * j + (size_t)(x + 1)] = (double)x - mu;
  }
  if (out->n_used == 0) {
    rc = gp_fail(err, GP_EINVAL, "votes", "the conversation has no votes");
    goto done;
  }
  /* seeded random start in [0,1), as Pol.is's rand-starting-vec, on live columns only */
  uint64_t st = o->seed ^ 0x5eed5eed5eed5eedULL;
  for (size_t c = 0; c < 2; c++)
    for (size_t j = 0; j < n; j++) {
      double r = gp_polis_rng_uniform(&st);
      bool live = cols->used[j] && !(cols->zeroed && cols->zeroed[j]);
      v[c * n + j] = live ? r : 0.0;
    }
  double n1, n2;
  gp_polis_orth(v, n, &n1, &n2);
  gp_polis_xtx t = {.m = m, .tab = tab, .v = v, .partial = partial, .n_chunks = n_chunks};
  int it = 0;
  bool conv = false;
  int max_iters = o->max_iters > 0 ? o->max_iters : 1000;
  while (it < max_iters) {
    t.v = v;
    gp_polis_xtx_apply(&t, o->threads, w);
    it++;
    gp_polis_orth(w, n, &n1, &n2);
    double move = 0;
    for (size_t c = 0; c < 2; c++) {
      /* compare up to sign */
      double d = gp_polis_dot(v + c * n, w + c * n, n);
      double s = d < 0 ? -1.0 : 1.0;
      for (size_t j = 0; j < n; j++) {
        double e = fabs(w[c * n + j] - s * v[c * n + j]);
        if (e > move) move = e;
      }
    }
    memcpy(v, w, 2 * n * sizeof *v);
    if (move <= o->tol) {
      conv = true;
      break;
    }
  }
  /* Rayleigh-Ritz on the 2-d subspace: rotate to the eigenvectors of V'AV */
  t.v = v;
  gp_polis_xtx_apply(&t, o->threads, w);
  double h11 = gp_polis_dot(v, w, n), h12 = gp_polis_dot(v, w + n, n),
         h22 = gp_polis_dot(v + n, w + n, n);
  double tr = h11 + h22, det = h11 * h22 - h12 * h12;
  double disc = sqrt(fmax(tr * tr / 4 - det, 0.0));
  double l1 = tr / 2 + disc, l2 = tr / 2 - disc;
  double c1a, c1b; /* eigenvector of H for l1 */
  if (fabs(h12) > 1e-300) {
    c1a = l1 - h22;
    c1b = h12;
  } else if (h11 >= h22) {
    c1a = 1;
    c1b = 0;
  } else {
    c1a = 0;
    c1b = 1;
  }
  double nn = sqrt(c1a * c1a + c1b * c1b);
  c1a /= nn;
  c1b /= nn;
  for (size_t j = 0; j < n; j++) {
    double a = v[j], b = v[n + j];
    out->comps[j] = c1a * a + c1b * b;
    out->comps[n + j] = -c1b * a + c1a * b;
  }
  gp_polis_sign(out->comps, n);
  gp_polis_sign(out->comps + n, n);
  out->eigval[0] = l1;
  out->eigval[1] = l2;
  out->iterations = it;
  out->converged = conv;
done:
  free(sum);
  free(cnt);
  free(tab);
  free(v);
  free(w);
  free(partial);
  if (rc != GP_OK) gp_polis_pca_free(out);
  return rc;
}

/* The work of projecting a chunk of rows. */
typedef struct gp_polis_proj {
  const gp_polis_matrix *m;  /* the votes */
  const gp_polis_cols *cols; /* which columns count */
  const gp_polis_pca *p;     /* the fitted PCA */
  double *xy;                /* the output */
  size_t n_chunks;           /* chunks the rows are cut into */
} gp_polis_proj;

static void gp_polis_proj_chunk(void *ctx, size_t c) {
  gp_polis_proj *t = ctx;
  const gp_polis_matrix *m = t->m;
  size_t n = m->n_cols;
  const double *c1 = t->p->comps, *c2 = t->p->comps + n, *mu = t->p->center;
  size_t r0 = m->n_rows * c / t->n_chunks, r1 = m->n_rows * (c + 1) / t->n_chunks;
  for (size_t i = r0; i < r1; i++) {
    double p1 = 0, p2 = 0;
    size_t nv = t->p->n_zeroed;
    for (size_t k = m->row_ptr[i]; k < m->row_ptr[i + 1]; k++) {
      uint32_t j = m->col[k];
      if (!t->cols->used[j] || (t->cols->zeroed && t->cols->zeroed[j])) continue;
      double x = (double)m->val[k] - mu[j];
      p1 += x * c1[j];
      p2 += x * c2[j];
      nv++;
    }
    double s = sqrt((double)t->p->n_used / (double)(nv > 1 ? nv : 1));
    t->xy[2 * i] = s * p1;
    t->xy[2 * i + 1] = s * p2;
  }
}

void gp_polis_pca_project(const gp_polis_matrix *m, const gp_polis_cols *cols,
                          const gp_polis_pca *p, int threads, double *xy) {
  gp_polis_proj t = {.m = m, .cols = cols, .p = p, .xy = xy,
                     .n_chunks = gp_polis_par_chunks(m->n_rows, 4096, 256)};
  gp_polis_par_for(t.n_chunks, threads, gp_polis_proj_chunk, &t);
}

void gp_polis_pca_extremity(const gp_polis_cols *cols, const gp_polis_pca *p, double *ext) {
  size_t n = p->n_cols;
  double s = sqrt((double)p->n_used);
  for (size_t j = 0; j < n; j++) {
    if (!cols->used[j] || (cols->zeroed && cols->zeroed[j])) {
      ext[j] = 0;
      continue;
    }
    double x = 1.0 - p->center[j];
    ext[j] = s * fabs(x) * hypot(p->comps[j], p->comps[n + j]);
  }
}
