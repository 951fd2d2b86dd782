/* gp_text_theme — see gp_text_theme.h. */
#include "engine/gp_text_theme.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_polis_kmeans.h"
#include "engine/gp_polis_pca.h"

void gp_text_tfidf_free(gp_text_tfidf *x) {
  if (!x) return;
  free(x->ptr);
  free(x->term);
  free(x->w);
  free(x->idf);
  memset(x, 0, sizeof *x);
}

gp_code gp_text_tfidf_build(const gp_text_corpus *c, long min_df, gp_text_tfidf *out,
                            gp_error *err) {
  memset(out, 0, sizeof *out);
  size_t nnz = c->ptr[c->n_docs];
  out->n_docs = c->n_docs;
  out->n_terms = c->n_terms;
  out->ptr = calloc(c->n_docs + 1, sizeof *out->ptr);
  out->term = malloc((nnz + 1) * sizeof *out->term);
  out->w = malloc((nnz + 1) * sizeof *out->w);
  out->idf = malloc((c->n_terms + 1) * sizeof *out->idf);
  if (!out->ptr || !out->term || !out->w || !out->idf) {
    gp_text_tfidf_free(out);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  double N = (double)c->n_docs;
  for (size_t t = 0; t < c->n_terms; t++)
    out->idf[t] = log((1 + N) / (1 + (double)c->df[t])) + 1;
  size_t p = 0;
  for (size_t d = 0; d < c->n_docs; d++) {
    size_t start = p;
    double ss = 0;
    for (size_t k = c->ptr[d]; k < c->ptr[d + 1]; k++) {
      uint32_t t = c->term[k];
      if (c->df[t] < min_df || (c->n_docs >= 10 && 2 * (size_t)c->df[t] > c->n_docs)) continue;
      double w = (1 + log(c->count[k])) * out->idf[t];
      out->term[p] = t;
      out->w[p] = w;
      ss += w * w;
      p++;
    }
    double nrm = sqrt(ss);
    for (size_t k = start; k < p; k++)
      out->w[k] /= nrm;
    out->ptr[d + 1] = p;
  }
  return GP_OK;
}

void gp_text_result_free(gp_text_result *r) {
  if (!r) return;
  free(r->assign);
  memset(r, 0, sizeof *r);
}

static double gp_text_dot(const gp_text_tfidf *x, size_t d, const double *c) {
  double s = 0;
  for (size_t k = x->ptr[d]; k < x->ptr[d + 1]; k++)
    s += x->w[k] * c[x->term[k]];
  return s;
}

/* Spherical k-means from a k-means++ start; returns the total similarity. */
static double gp_text_skmeans(const gp_text_tfidf *x, const size_t *docs, size_t n, size_t k,
                              uint64_t *rng, int max_iters, double *cent, int *assign,
                              double *dist) {
  size_t T = x->n_terms;
  memset(cent, 0, k * T * sizeof *cent);
  /* k-means++ with cosine distance 1 - cos */
  size_t first = (size_t)(gp_polis_rng_uniform(rng) * (double)n);
  if (first >= n) first = n - 1;
  for (size_t q = x->ptr[docs[first]]; q < x->ptr[docs[first] + 1]; q++)
    cent[x->term[q]] = x->w[q];
  for (size_t i = 0; i < n; i++)
    dist[i] = fmax(0, 1 - gp_text_dot(x, docs[i], cent));
  for (size_t c = 1; c < k; c++) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
      s += dist[i] * dist[i];
    size_t pick = (size_t)(gp_polis_rng_uniform(rng) * (double)n);
    if (pick >= n) pick = n - 1;
    if (s > 0) {
      double r = gp_polis_rng_uniform(rng) * s;
      for (size_t i = 0; i < n; i++) {
        r -= dist[i] * dist[i];
        if (r < 0) {
          pick = i;
          break;
        }
      }
    }
    double *cc = cent + c * T;
    for (size_t q = x->ptr[docs[pick]]; q < x->ptr[docs[pick] + 1]; q++)
      cc[x->term[q]] = x->w[q];
    for (size_t i = 0; i < n; i++) {
      double dd = fmax(0, 1 - gp_text_dot(x, docs[i], cc));
      if (dd < dist[i]) dist[i] = dd;
    }
  }
  double total = 0;
  for (int it = 0; it < max_iters; it++) {
    bool changed = it == 0;
    total = 0;
    for (size_t i = 0; i < n; i++) {
      size_t best = 0;
      double bs = -INFINITY;
      for (size_t c = 0; c < k; c++) {
        double s = gp_text_dot(x, docs[i], cent + c * T);
        if (s > bs) {
          bs = s;
          best = c;
        }
      }
      if (assign[i] != (int)best) changed = true;
      assign[i] = (int)best;
      total += bs;
    }
    if (!changed) break;
    /* centroids: normalised sums; an empty cluster keeps its centre */
    for (size_t c = 0; c < k; c++) {
      bool any = false;
      for (size_t i = 0; i < n && !any; i++)
        any = assign[i] == (int)c;
      if (!any) continue;
      double *cc = cent + c * T;
      memset(cc, 0, T * sizeof *cc);
      for (size_t i = 0; i < n; i++)
        if (assign[i] == (int)c)
          for (size_t q = x->ptr[docs[i]]; q < x->ptr[docs[i] + 1]; q++)
            cc[x->term[q]] += x->w[q];
      double ss = 0;
      for (size_t t = 0; t < T; t++)
        ss += cc[t] * cc[t];
      ss = sqrt(ss);
      if (ss > 0)
        for (size_t t = 0; t < T; t++)
          cc[t] /= ss;
    }
  }
  return total;
}

/* Silhouette with cosine distance on at most 1500 documents (an even stride). */
static double gp_text_silhouette(const gp_text_tfidf *x, const size_t *docs, size_t n,
                                 const int *assign, size_t k, double *dense) {
  size_t m = n < 1500 ? n : 1500;
  size_t *pick = malloc(m * sizeof *pick);
  int *lab = malloc(m * sizeof *lab);
  double *dist = malloc(m * m * sizeof *dist);
  double s = NAN;
  if (pick && lab && dist) {
    for (size_t a = 0; a < m; a++) {
      pick[a] = a * n / m;
      lab[a] = assign[pick[a]];
    }
    size_t T = x->n_terms;
    for (size_t a = 0; a < m; a++) {
      memset(dense, 0, T * sizeof *dense);
      size_t da = docs[pick[a]];
      for (size_t q = x->ptr[da]; q < x->ptr[da + 1]; q++)
        dense[x->term[q]] = x->w[q];
      for (size_t b = 0; b < m; b++)
        dist[a * m + b] = a == b ? 0 : fmax(0, 1 - gp_text_dot(x, docs[pick[b]], dense));
    }
    s = gp_polis_silhouette(dist, m, lab, k);
  }
  free(pick);
  free(lab);
  free(dist);
  return s;
}

gp_code gp_text_themes(const gp_text_tfidf *x, const gp_text_opts *o, gp_text_result *out,
                       gp_error *err) {
  memset(out, 0, sizeof *out);
  if (o->k > GP_TEXT_MAX_K) return gp_fail(err, GP_EINVAL, "k", "at most %d themes", GP_TEXT_MAX_K);
  size_t N = x->n_docs, T = x->n_terms;
  out->n_docs = N;
  for (size_t k = 0; k <= GP_TEXT_MAX_K; k++)
    out->silhouette[k] = NAN;
  out->assign = malloc((N + 1) * sizeof *out->assign);
  size_t *docs = malloc((N + 1) * sizeof *docs);
  /* max_k 0: the rule of thumb k <= sqrt(N/2), between 2 and 10 */
  size_t thumb = (size_t)(sqrt((double)N / 2.0) + 0.5);
  thumb = thumb < 2 ? 2 : thumb > 10 ? 10 : thumb;
  size_t maxk = o->k ? o->k : (o->max_k ? o->max_k : thumb);
  if (maxk > GP_TEXT_MAX_K) maxk = GP_TEXT_MAX_K;
  double *cent = malloc((maxk * T + 1) * sizeof *cent),
         *best_cent = malloc((maxk * T + 1) * sizeof *best_cent);
  int *a = malloc((N + 1) * sizeof *a), *best_a = malloc((N + 1) * sizeof *best_a);
  double *dist = malloc((N + 1) * sizeof *dist), *dense = malloc((T + 1) * sizeof *dense);
  gp_code rc = GP_OK;
  if (!out->assign || !docs || !cent || !best_cent || !a || !best_a || !dist || !dense) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto done;
  }
  size_t n = 0;
  for (size_t d = 0; d < N; d++) {
    out->assign[d] = -1;
    if (x->ptr[d + 1] > x->ptr[d]) docs[n++] = d;
  }
  out->n_themed = n;
  if (n == 0) goto done;
  size_t lo = o->k ? o->k : 2, hi = o->k ? o->k : maxk;
  if (hi > n) hi = n;
  if (lo > hi) lo = hi;
  double best_sil = -INFINITY;
  size_t best_k = 0;
  uint64_t rng = o->seed ^ 0x7465787454ULL;
  for (size_t k = lo; k <= hi; k++) {
    /* the best of n_init starts for this k (labels kept in best_a's stand-in, out->assign) */
    double best_total = -INFINITY;
    int runs = o->n_init > 0 ? o->n_init : 1;
    for (int r = 0; r < runs; r++) {
      for (size_t i = 0; i < n; i++)
        a[i] = -1;
      double tot = gp_text_skmeans(x, docs, n, k, &rng, o->max_iters > 0 ? o->max_iters : 100, cent,
                                   a, dist);
      if (tot > best_total) {
        best_total = tot;
        for (size_t i = 0; i < n; i++)
          out->assign[docs[i]] = a[i];
      }
    }
    for (size_t i = 0; i < n; i++)
      a[i] = out->assign[docs[i]];
    if (o->k || k == 1) {
      best_k = k;
      memcpy(best_a, a, n * sizeof *a);
      break;
    }
    double s = gp_text_silhouette(x, docs, n, a, k, dense);
    out->silhouette[k] = s;
    if (s > best_sil) {
      best_sil = s;
      best_k = k;
      memcpy(best_a, a, n * sizeof *a);
    }
  }
  out->k = best_k;
  /* centroids of the chosen labels */
  memset(best_cent, 0, best_k * T * sizeof *best_cent);
  for (size_t i = 0; i < n; i++) {
    double *cc = best_cent + (size_t)best_a[i] * T;
    for (size_t q = x->ptr[docs[i]]; q < x->ptr[docs[i] + 1]; q++)
      cc[x->term[q]] += x->w[q];
  }
  for (size_t c = 0; c < best_k; c++) {
    double *cc = best_cent + c * T, ss = 0;
    for (size_t t = 0; t < T; t++)
      ss += cc[t] * cc[t];
    ss = sqrt(ss);
    if (ss > 0)
      for (size_t t = 0; t < T; t++)
        cc[t] /= ss;
  }
  /* themes: size, top terms, representative documents */
  gp_text_theme th[GP_TEXT_MAX_K];
  memset(th, 0, sizeof th);
  for (size_t i = 0; i < n; i++)
    th[best_a[i]].size++;
  for (size_t c = 0; c < best_k; c++) {
    const double *cc = best_cent + c * T;
    for (size_t t = 0; t < T; t++) {
      if (!(cc[t] > 0)) continue;
      size_t m = th[c].n_terms < GP_TEXT_TOP_TERMS ? th[c].n_terms : GP_TEXT_TOP_TERMS;
      size_t p = m;
      while (p > 0 && th[c].weights[p - 1] < cc[t]) {
        if (p < GP_TEXT_TOP_TERMS) {
          th[c].weights[p] = th[c].weights[p - 1];
          th[c].terms[p] = th[c].terms[p - 1];
        }
        p--;
      }
      if (p < GP_TEXT_TOP_TERMS) {
        th[c].weights[p] = cc[t];
        th[c].terms[p] = (uint32_t)t;
        if (th[c].n_terms < GP_TEXT_TOP_TERMS) th[c].n_terms++;
      }
    }
    for (size_t i = 0; i < n; i++) {
      if (best_a[i] != (int)c) continue;
      double s = gp_text_dot(x, docs[i], cc);
      size_t m = th[c].n_docs < GP_TEXT_TOP_DOCS ? th[c].n_docs : GP_TEXT_TOP_DOCS, p = m;
      while (p > 0 && th[c].sims[p - 1] < s) {
        if (p < GP_TEXT_TOP_DOCS) {
          th[c].sims[p] = th[c].sims[p - 1];
          th[c].docs[p] = th[c].docs[p - 1];
        }
        p--;
      }
      if (p < GP_TEXT_TOP_DOCS) {
        th[c].sims[p] = s;
        th[c].docs[p] = docs[i];
        if (th[c].n_docs < GP_TEXT_TOP_DOCS) th[c].n_docs++;
      }
    }
  }
  /* order themes by size (largest first; ties by first document) */
  size_t order[GP_TEXT_MAX_K], rank[GP_TEXT_MAX_K];
  for (size_t c = 0; c < best_k; c++)
    order[c] = c;
  for (size_t c = 1; c < best_k; c++) {
    size_t v = order[c], p = c;
    while (p > 0 && th[order[p - 1]].size < th[v].size) {
      order[p] = order[p - 1];
      p--;
    }
    order[p] = v;
  }
  for (size_t c = 0; c < best_k; c++) {
    out->themes[c] = th[order[c]];
    rank[order[c]] = c;
  }
  for (size_t i = 0; i < n; i++)
    out->assign[docs[i]] = (int)rank[best_a[i]];
done:
  free(docs);
  free(cent);
  free(best_cent);
  free(a);
  free(best_a);
  free(dist);
  free(dense);
  if (rc) gp_text_result_free(out);
  return rc;
}
