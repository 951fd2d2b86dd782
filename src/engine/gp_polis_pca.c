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
  free(p->block);
  free(p->center);
  free(p->comps);
  memset(p, 0, sizeof *p);
}

/* Subspace iteration works on a block of GP_POLIS_BLOCK vectors; the top two
 * Ritz vectors converge at the rate lambda_(B+1)/lambda_2 instead of the
 * lambda_3/lambda_2 of plain power iteration. */
#define GP_POLIS_BLOCK GP_POLIS_PCA_BLOCK

/* The work of one pass of W = Xc' Xc V over a chunk of rows. */
typedef struct gp_polis_xtx {
  const gp_polis_matrix *m; /* the votes */
  const double *tab;        /* tab[3*j + v+1] = v - center_j (0 for zeroed columns) */
  const double *v;          /* n_cols*B: the block, v[j*B + c] */
  double *partial;          /* n_chunks * n_cols*B: each chunk's W */
  size_t n_chunks;          /* chunks the rows are cut into */
  const double *gram;       /* n_cols^2: Xc'Xc when it was cheaper to form it, else NULL */
  double *out;              /* the dense product's output (n_cols*B) */
  size_t gram_chunks;       /* chunks of columns for the Gram matrix */
  const size_t *gram_cut;   /* gram_chunks+1 column bounds, balanced by triangle area */
  double *gram_w;           /* the Gram matrix being formed (upper triangle) */
  double *vt;               /* B*n_cols: the block transposed, for the dense product */
} gp_polis_xtx;

/* One chunk of the Gram matrix: rows j in [cut[c], cut[c+1]) of the upper
 * triangle, accumulated over participants in order (so the sum is the same
 * whatever thread runs it). */
static void gp_polis_gram_chunk(void *ctx, size_t c) {
  gp_polis_xtx *t = ctx;
  const gp_polis_matrix *m = t->m;
  size_t n = m->n_cols, j0 = t->gram_cut[c], j1 = t->gram_cut[c + 1];
  for (size_t i = 0; i < m->n_rows; i++) {
    size_t a = m->row_ptr[i], b = m->row_ptr[i + 1];
    size_t lo = a, hi = b; /* the row's first statement >= j0 (rows are sorted) */
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (m->col[mid] < j0)
        lo = mid + 1;
      else
        hi = mid;
    }
    for (size_t p = lo; p < b; p++) {
      uint32_t j = m->col[p];
      if (j >= j1) break;
      double xj = t->tab[3 * (size_t)j + (size_t)(m->val[p] + 1)];
      if (xj == 0) continue;
      double *row = t->gram_w + (size_t)j * n;
      for (size_t q = p; q < b; q++)
        row[m->col[q]] += xj * t->tab[3 * (size_t)m->col[q] + (size_t)(m->val[q] + 1)];
    }
  }
}

/* One chunk of rows of W = G V (v is also held transposed in vt). */
static void gp_polis_dense_chunk(void *ctx, size_t c) {
  gp_polis_xtx *t = ctx;
  enum { B = GP_POLIS_BLOCK };
  size_t n = t->m->n_cols, j0 = n * c / t->n_chunks, j1 = n * (c + 1) / t->n_chunks;
  for (size_t j = j0; j < j1; j++) {
    const double *g = t->gram + j * n;
    for (int q = 0; q < B; q++) {
      const double *vq = t->vt + (size_t)q * n;
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      size_t k = 0;
      for (; k + 4 <= n; k += 4) {
        s0 += g[k] * vq[k];
        s1 += g[k + 1] * vq[k + 1];
        s2 += g[k + 2] * vq[k + 2];
        s3 += g[k + 3] * vq[k + 3];
      }
      for (; k < n; k++)
        s0 += g[k] * vq[k];
      t->out[j * B + (size_t)q] = (s0 + s1) + (s2 + s3);
    }
  }
}

static void gp_polis_xtx_chunk(void *ctx, size_t c) {
  gp_polis_xtx *t = ctx;
  const gp_polis_matrix *m = t->m;
  enum { B = GP_POLIS_BLOCK };
  size_t n = m->n_cols;
  size_t r0 = m->n_rows * c / t->n_chunks, r1 = m->n_rows * (c + 1) / t->n_chunks;
  double *w = t->partial + c * B * n;
  memset(w, 0, B * n * sizeof *w);
  for (size_t i = r0; i < r1; i++) {
    double y[B] = {0};
    size_t a = m->row_ptr[i], b = m->row_ptr[i + 1];
    for (size_t k = a; k < b; k++) {
      uint32_t j = m->col[k];
      double x = t->tab[3 * (size_t)j + (size_t)(m->val[k] + 1)];
      const double *vj = t->v + (size_t)j * B;
      for (int q = 0; q < B; q++)
        y[q] += x * vj[q];
    }
    for (size_t k = a; k < b; k++) {
      uint32_t j = m->col[k];
      double x = t->tab[3 * (size_t)j + (size_t)(m->val[k] + 1)];
      double *wj = w + (size_t)j * B;
      for (int q = 0; q < B; q++)
        wj[q] += x * y[q];
    }
  }
}

/* w = Xc' Xc v for the block (deterministic: partials summed in chunk order). */
static void gp_polis_xtx_apply(gp_polis_xtx *t, int threads, double *w) {
  size_t n = t->m->n_cols * GP_POLIS_BLOCK;
  if (t->gram) {
    size_t nc = t->m->n_cols;
    for (size_t j = 0; j < nc; j++)
      for (size_t q = 0; q < GP_POLIS_BLOCK; q++)
        t->vt[q * nc + j] = t->v[j * GP_POLIS_BLOCK + q];
    t->out = w;
    gp_polis_par_for(t->n_chunks, threads, gp_polis_dense_chunk, t);
    return;
  }
  gp_polis_par_for(t->n_chunks, threads, gp_polis_xtx_chunk, t);
  memcpy(w, t->partial, n * sizeof *w);
  for (size_t c = 1; c < t->n_chunks; c++) {
    const double *p = t->partial + c * n;
    for (size_t j = 0; j < n; j++)
      w[j] += p[j];
  }
}

/* Column q of a block (stride B). */
static double gp_polis_bdot(const double *a, int qa, const double *b, int qb, size_t n) {
  double s = 0;
  for (size_t j = 0; j < n; j++)
    s += a[j * GP_POLIS_BLOCK + (size_t)qa] * b[j * GP_POLIS_BLOCK + (size_t)qb];
  return s;
}

/* Modified Gram-Schmidt on the block's columns; a column that vanishes is
 * replaced by zeros. */
static void gp_polis_borth(double *v, size_t n) {
  enum { B = GP_POLIS_BLOCK };
  for (int q = 0; q < B; q++) {
    double n0 = sqrt(gp_polis_bdot(v, q, v, q, n));
    for (int p = 0; p < q; p++) {
      double d = gp_polis_bdot(v, p, v, q, n);
      for (size_t j = 0; j < n; j++)
        v[j * B + (size_t)q] -= d * v[j * B + (size_t)p];
    }
    /* a column (nearly) in the span of the ones before it -- fewer live
     * statements than the block, or a rank-deficient matrix -- is dropped */
    double nq = sqrt(gp_polis_bdot(v, q, v, q, n));
    bool keep = nq > 1e-10 * n0 && nq > 1e-300;
    for (size_t j = 0; j < n; j++)
      v[j * B + (size_t)q] = keep ? v[j * B + (size_t)q] / nq : 0;
  }
}

/* Eigen-decomposition of a small symmetric matrix by cyclic Jacobi
 * rotations: h (B x B, destroyed) -> eigenvalues ev (descending) and
 * eigenvectors in the columns of u. */
static void gp_polis_jacobi(double h[GP_POLIS_BLOCK][GP_POLIS_BLOCK], double *ev,
                            double u[GP_POLIS_BLOCK][GP_POLIS_BLOCK]) {
  enum { B = GP_POLIS_BLOCK };
  for (int i = 0; i < B; i++)
    for (int j = 0; j < B; j++)
      u[i][j] = i == j;
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0;
    for (int i = 0; i < B; i++)
      for (int j = i + 1; j < B; j++)
        off += h[i][j] * h[i][j];
    if (off < 1e-30) break;
    for (int p = 0; p < B; p++)
      for (int q = p + 1; q < B; q++) {
        if (fabs(h[p][q]) < 1e-300) continue;
        double theta = (h[q][q] - h[p][p]) / (2 * h[p][q]);
        double tt = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
        double cs = 1 / sqrt(tt * tt + 1), sn = tt * cs;
        for (int k = 0; k < B; k++) {
          double hkp = h[k][p], hkq = h[k][q];
          h[k][p] = cs * hkp - sn * hkq;
          h[k][q] = sn * hkp + cs * hkq;
        }
        for (int k = 0; k < B; k++) {
          double hpk = h[p][k], hqk = h[q][k];
          h[p][k] = cs * hpk - sn * hqk;
          h[q][k] = sn * hpk + cs * hqk;
        }
        for (int k = 0; k < B; k++) {
          double ukp = u[k][p], ukq = u[k][q];
          u[k][p] = cs * ukp - sn * ukq;
          u[k][q] = sn * ukp + cs * ukq;
        }
      }
  }
  int idx[B];
  for (int i = 0; i < B; i++)
    idx[i] = i;
  for (int i = 1; i < B; i++) { /* sort descending, stable */
    int x = idx[i], k = i;
    while (k > 0 && h[idx[k - 1]][idx[k - 1]] < h[x][x]) {
      idx[k] = idx[k - 1];
      k--;
    }
    idx[k] = x;
  }
  double us[B][B];
  for (int i = 0; i < B; i++) {
    ev[i] = h[idx[i]][idx[i]];
    for (int k = 0; k < B; k++)
      us[k][i] = u[k][idx[i]];
  }
  memcpy(u, us, sizeof us);
}

/* out = v u (the block rotated by the small matrix u). */
static void gp_polis_brot(const double *v, double u[GP_POLIS_BLOCK][GP_POLIS_BLOCK], size_t n,
                          double *out) {
  enum { B = GP_POLIS_BLOCK };
  for (size_t j = 0; j < n; j++)
    for (int q = 0; q < B; q++) {
      double s = 0;
      for (int p = 0; p < B; p++)
        s += v[j * B + (size_t)p] * u[p][q];
      out[j * B + (size_t)q] = s;
    }
}

/* Flips v so that its entry of largest magnitude is positive. */
static void gp_polis_sign(double *v, size_t n) {
  size_t best = 0;
  for (size_t j = 1; j < n; j++)
    if (fabs(v[j]) > fabs(v[best])) best = j;
  if (n && v[best] < 0)
    for (size_t j = 0; j < n; j++)
      v[j] = -v[j];
}

gp_code gp_polis_pca_fit(const gp_polis_matrix *m, const gp_polis_cols *cols,
                         const gp_polis_pca_opts *o, gp_polis_pca *out, gp_error *err) {
  enum { B = GP_POLIS_BLOCK };
  memset(out, 0, sizeof *out);
  size_t n = m->n_cols, n1 = n ? n : 1;
  out->n_cols = n;
  long *sum = calloc(n1, sizeof *sum), *cnt = calloc(n1, sizeof *cnt);
  double *tab = calloc(3 * n1, sizeof *tab);
  double *v = calloc(B * n1, sizeof *v), *w = calloc(B * n1, sizeof *w),
         *ritz = calloc(B * n1, sizeof *ritz), *prev = calloc(2 * n1, sizeof *prev);
  size_t n_chunks = gp_polis_par_chunks(m->n_rows, 2048, 64);
  double *partial = malloc(n_chunks * B * n1 * sizeof *partial);
  out->center = calloc(n1, sizeof *out->center);
  out->comps = calloc(2 * n1, sizeof *out->comps);
  gp_code rc = GP_OK;
  if (!sum || !cnt || !tab || !v || !w || !ritz || !prev || !partial || !out->center ||
      !out->comps) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory in the PCA");
    goto done;
  }
  for (size_t k = 0; k < m->nnz; k++) {
    sum[m->col[k]] += m->val[k];
    cnt[m->col[k]]++;
  }
  size_t n_live = 0;
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
    for (int x = -1; x <= 1; x++)
      tab[3 * j + (size_t)(x + 1)] = (double)x - mu;
    n_live++;
  }
  if (out->n_used == 0) {
    rc = gp_fail(err, GP_EINVAL, "votes", "the conversation has no votes");
    goto done;
  }
  /* Form G = Xc'Xc once when that costs less than ~25 sparse passes
   * (sum over participants of votes^2 / 2 against 25 * 2B * votes) and G fits. */
  double *gram = NULL;
  size_t *cut = NULL;
  {
    double pairs = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
      double k = (double)(m->row_ptr[i + 1] - m->row_ptr[i]);
      pairs += k * (k + 1) / 2;
    }
    if (o->stats && o->stats->n == n) {
      gram = malloc((n * n + B * n) * sizeof *gram);
      bool *live = malloc(n * sizeof *live);
      if (gram && live) {
        for (size_t j = 0; j < n; j++)
          live[j] = cols->used[j] && !(cols->zeroed && cols->zeroed[j]);
        gp_polis_gram_center(o->stats, out->center, live, gram);
      } else {
        free(gram);
        gram = NULL;
      }
      free(live);
    } else if (n >= 8 && n <= 4096 && pairs < 25.0 * 2 * B * (double)m->nnz) {
      gram = calloc(n * n + B * n, sizeof *gram); /* and room for the transposed block */
      size_t gc = 32;
      cut = malloc((gc + 1) * sizeof *cut);
      if (gram && cut) {
        /* cut the columns so each chunk holds about the same triangle area */
        for (size_t c = 0; c <= gc; c++) {
          double f = 1.0 - sqrt(1.0 - (double)c / (double)gc);
          cut[c] = c == gc ? n : (size_t)(f * (double)n);
        }
        gp_polis_xtx g = {.m = m, .tab = tab, .gram_w = gram, .gram_cut = cut, .gram_chunks = gc};
        gp_polis_par_for(gc, o->threads, gp_polis_gram_chunk, &g);
        for (size_t j = 0; j < n; j++)
          for (size_t k = j + 1; k < n; k++)
            gram[k * n + j] = gram[j * n + k];
      } else {
        free(gram);
        gram = NULL;
      }
    }
  }
  /* seeded random start in [0,1), as Pol.is's rand-starting-vec, on live columns only */
  uint64_t st = o->seed ^ 0x5eed5eed5eed5eedULL;
  for (int q = 0; q < B; q++)
    for (size_t j = 0; j < n; j++) {
      double r = gp_polis_rng_uniform(&st);
      bool live = cols->used[j] && !(cols->zeroed && cols->zeroed[j]);
      if (o->start && q < 2) r = o->start[(size_t)q * n + j]; /* new columns start at 0 */
      if (o->start_block) r = o->start_block[j * B + (size_t)q];
      v[j * B + (size_t)q] = live ? r : 0.0;
    }
  gp_polis_borth(v, n);
  gp_polis_xtx t = {
      .m = m, .tab = tab, .v = v, .partial = partial, .n_chunks = n_chunks, .gram = gram};
  if (gram) {
    t.n_chunks = gp_polis_par_chunks(n, 16, 64);
    t.vt = gram + n * n;
  }
  int it = 0;
  bool conv = false;
  int max_iters = o->max_iters > 0 ? o->max_iters : 1000;
  double h[B][B], u[B][B], ev[B];
  for (;;) {
    t.v = v;
    gp_polis_xtx_apply(&t, o->threads, w);
    it++;
    /* Rayleigh-Ritz: H = V'AV, its eigenvectors U; Ritz vectors V U */
    for (int p = 0; p < B; p++)
      for (int q = 0; q < B; q++)
        h[p][q] = gp_polis_bdot(v, p, w, q, n);
    for (int p = 0; p < B; p++)
      for (int q = p + 1; q < B; q++)
        h[p][q] = h[q][p] = (h[p][q] + h[q][p]) / 2;
    gp_polis_jacobi(h, ev, u);
    gp_polis_brot(v, u, n, ritz);
    double move = 0;
    for (int c = 0; c < 2; c++) {
      double d = 0;
      for (size_t j = 0; j < n; j++)
        d += ritz[j * B + (size_t)c] * prev[c * n + j];
      double sgn = d < 0 ? -1.0 : 1.0;
      for (size_t j = 0; j < n; j++) {
        double x = ritz[j * B + (size_t)c];
        double e = fabs(x - sgn * prev[c * n + j]);
        if (e > move) move = e;
        prev[c * n + j] = x;
      }
    }
    out->eigval[0] = ev[0];
    out->eigval[1] = ev[1];
    if (it > 1 && move <= o->tol) {
      conv = true;
      break;
    }
    if (it >= max_iters || n_live <= B) { /* a block spanning every live column is exact */
      conv = n_live <= B;
      break;
    }
    /* next block: orth(A V U) */
    gp_polis_brot(w, u, n, v);
    gp_polis_borth(v, n);
  }
  for (size_t j = 0; j < n; j++) {
    out->comps[j] = prev[j];
    out->comps[n + j] = prev[n + j];
  }
  gp_polis_sign(out->comps, n);
  gp_polis_sign(out->comps + n, n);
  out->block = ritz;
  ritz = NULL;
  out->iterations = it;
  out->converged = conv;
  free(gram);
  free(cut);
done:
  free(sum);
  free(cnt);
  free(tab);
  free(v);
  free(w);
  free(ritz);
  free(prev);
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
  gp_polis_proj t = {.m = m,
                     .cols = cols,
                     .p = p,
                     .xy = xy,
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
