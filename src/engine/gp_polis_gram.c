/* gp_polis_gram — see gp_polis_gram.h. */
#include "engine/gp_polis_gram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_polis_par.h"

gp_code gp_polis_gram_init(gp_polis_gram *g, size_t n, gp_error *err) {
  memset(g, 0, sizeof *g);
  if (n > GP_POLIS_GRAM_MAX)
    return gp_fail(err, GP_ETOOBIG, "statements",
                   "%zu statements: Gram statistics are kept for at most %d (the PCA then "
                   "passes over the votes instead)",
                   n, GP_POLIS_GRAM_MAX);
  size_t nn = n ? n * n : 1;
  g->S = calloc(nn, sizeof *g->S);
  g->A = calloc(nn, sizeof *g->A);
  g->B = calloc(nn, sizeof *g->B);
  g->N = calloc(nn, sizeof *g->N);
  if (!g->S || !g->A || !g->B || !g->N) {
    gp_polis_gram_free(g);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory for the vote statistics");
  }
  g->n = n;
  return GP_OK;
}

void gp_polis_gram_free(gp_polis_gram *g) {
  if (!g) return;
  free(g->S);
  free(g->A);
  free(g->B);
  free(g->N);
  memset(g, 0, sizeof *g);
}

/* Adds sign times one participant's votes, for statements j in [j0, j1). */
static void gp_polis_gram_row(gp_polis_gram *g, const uint32_t *col, const int8_t *val, size_t len,
                              int sign, size_t j0, size_t j1) {
  size_t n = g->n;
  size_t lo = 0, hi = len; /* the first statement >= j0 (rows are sorted) */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (col[mid] < j0)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t a = lo; a < len; a++) {
    size_t j = col[a];
    if (j >= j1) break;
    int va = val[a] * sign;
    size_t base = j * n;
    for (size_t b = a; b < len; b++) {
      size_t q = base + col[b];
      g->S[q] += va * val[b];
      g->A[q] += va;
      g->B[q] += sign * val[b];
      g->N[q] += sign;
    }
  }
}

/* A chunk of statements [cut[c], cut[c+1]) over every row of a matrix. */
typedef struct gp_polis_gram_job {
  gp_polis_gram *g;         /* the statistics */
  const gp_polis_matrix *m; /* the rows to add */
  int sign;                 /* +1 or -1 */
  size_t cut[33];           /* chunk bounds */
} gp_polis_gram_job;

static void gp_polis_gram_chunk(void *ctx, size_t c) {
  gp_polis_gram_job *t = ctx;
  const gp_polis_matrix *m = t->m;
  for (size_t i = 0; i < m->n_rows; i++) {
    size_t a = m->row_ptr[i];
    gp_polis_gram_row(t->g, m->col + a, m->val + a, m->row_ptr[i + 1] - a, t->sign, t->cut[c],
                      t->cut[c + 1]);
  }
}

void gp_polis_gram_add(gp_polis_gram *g, const gp_polis_matrix *m, int sign, int threads) {
  gp_polis_gram_job t = {.g = g, .m = m, .sign = sign};
  /* equal areas of the upper triangle per chunk */
  for (size_t c = 0; c <= 32; c++) {
    double f = 1.0 - sqrt(1.0 - (double)c / 32.0);
    t.cut[c] = c == 32 ? g->n : (size_t)(f * (double)g->n);
  }
  gp_polis_par_for(32, threads, gp_polis_gram_chunk, &t);
}

void gp_polis_gram_update(gp_polis_gram *g, const gp_polis_matrix *before,
                          const gp_polis_matrix *after) {
  for (size_t i = 0; i < after->n_rows; i++) {
    size_t a1 = after->row_ptr[i], l1 = after->row_ptr[i + 1] - a1;
    size_t a0 = 0, l0 = 0;
    if (i < before->n_rows) {
      a0 = before->row_ptr[i];
      l0 = before->row_ptr[i + 1] - a0;
      if (l0 == l1 && !memcmp(before->col + a0, after->col + a1, l0 * sizeof *after->col) &&
          !memcmp(before->val + a0, after->val + a1, l0 * sizeof *after->val))
        continue; /* unchanged */
      gp_polis_gram_row(g, before->col + a0, before->val + a0, l0, -1, 0, g->n);
    }
    gp_polis_gram_row(g, after->col + a1, after->val + a1, l1, 1, 0, g->n);
  }
}

void gp_polis_gram_center(const gp_polis_gram *g, const double *mu, const bool *live, double *G) {
  size_t n = g->n;
  for (size_t j = 0; j < n; j++) {
    G[j * n + j] = 0;
    for (size_t k = j; k < n; k++) {
      size_t q = j * n + k;
      double v = 0;
      if (live[j] && live[k])
        v = (double)g->S[q] - mu[k] * (double)g->A[q] - mu[j] * (double)g->B[q] +
            mu[j] * mu[k] * (double)g->N[q];
      G[q] = v;
      G[k * n + j] = v;
    }
  }
}
