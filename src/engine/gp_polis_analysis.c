/* gp_polis_analysis — see gp_polis_analysis.h. */
#include "engine/gp_polis_analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gp_polis_opts gp_polis_opts_default(void) {
  gp_polis_opts o = {
      .seed = 1,
      .threads = 1,
      .base_k = 100,
      .max_k = 5,
      .min_votes = 7,
      .greedy_n = 15,
      .pca_max_iters = 1000,
      .pca_tol = 1e-9,
      .base_iters = 100,
      .group_iters = 20,
      .group_k_buffer = 4,
      .kmeans_tol = 0.01,
      .base_init = GP_POLIS_INIT_FIRST,
      .group_init = GP_POLIS_INIT_FIRST,
      .n_init = 1,
  };
  return o;
}

void gp_polis_warm_free(gp_polis_warm *w) {
  if (!w) return;
  free(w->in_conv);
  free(w->comps);
  free(w->block);
  free(w->base_xy);
  memset(w, 0, sizeof *w);
}

gp_code gp_polis_warm_save(const gp_polis_result *r, gp_polis_warm *w, gp_error *err) {
  gp_polis_warm n = {0};
  n.n_rows = r->n_rows;
  n.n_cols = r->n_cols;
  n.in_conv = malloc((r->n_rows + 1) * sizeof *n.in_conv);
  n.comps = malloc((2 * r->n_cols + 1) * sizeof *n.comps);
  n.base_xy = malloc((2 * r->n_base + 1) * sizeof *n.base_xy);
  if (!n.in_conv || !n.comps || !n.base_xy) {
    gp_polis_warm_free(&n);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  memcpy(n.in_conv, r->in_conv, r->n_rows * sizeof *n.in_conv);
  memcpy(n.comps, r->pca.comps, 2 * r->n_cols * sizeof *n.comps);
  if (r->pca.block) {
    n.block = malloc(GP_POLIS_PCA_BLOCK * r->n_cols * sizeof *n.block + 1);
    if (!n.block) {
      gp_polis_warm_free(&n);
      return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    }
    memcpy(n.block, r->pca.block, GP_POLIS_PCA_BLOCK * r->n_cols * sizeof *n.block);
  }
  n.n_base = r->n_base;
  memcpy(n.base_xy, r->base_xy, 2 * r->n_base * sizeof *n.base_xy);
  memcpy(n.group_n, r->k_n, sizeof n.group_n);
  memcpy(n.group_xy, r->k_xy, sizeof n.group_xy);
  n.smoothed_k = r->n_groups;
  n.last_k = r->last_k;
  n.last_k_count = r->last_k_count;
  gp_polis_warm_free(w);
  *w = n;
  return GP_OK;
}

void gp_polis_result_free(gp_polis_result *r) {
  if (!r) return;
  free(r->used);
  free(r->eligible);
  free(r->n_votes);
  free(r->in_conv);
  free(r->xy);
  gp_polis_pca_free(&r->pca);
  free(r->base);
  free(r->base_xy);
  free(r->base_size);
  free(r->base_group);
  free(r->group);
  free(r->g_agree);
  free(r->g_disagree);
  free(r->g_seen);
  free(r->all);
  free(r->gic);
  free(r->extremity);
  free(r->priority);
  free(r->spread);
  memset(r, 0, sizeof *r);
}

static int gp_polis_cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* The replay: participant i is in once, at the time of its k-th distinct
 * vote, k >= min(min_votes, statements voted on by anyone by then). */
static gp_code gp_polis_in_conv_replay(gp_polis_result *r, const gp_polis_input *in,
                                       const gp_polis_opts *o, gp_error *err) {
  const gp_polis_matrix *m = in->m;
  size_t nc = m->n_cols;
  int64_t *col_first = malloc((nc + 1) * sizeof *col_first);
  int64_t *row = malloc((nc + 1) * sizeof *row);
  if (!col_first || !row) {
    free(col_first);
    free(row);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (size_t j = 0; j < nc; j++)
    col_first[j] = INT64_MAX;
  for (size_t k = 0; k < m->nnz; k++)
    if (in->first[k] < col_first[m->col[k]]) col_first[m->col[k]] = in->first[k];
  size_t n_live = 0;
  for (size_t j = 0; j < nc; j++)
    if (col_first[j] != INT64_MAX) col_first[n_live++] = col_first[j];
  qsort(col_first, n_live, sizeof *col_first, gp_polis_cmp_i64);
  for (size_t i = 0; i < m->n_rows; i++) {
    size_t a = m->row_ptr[i], b = m->row_ptr[i + 1];
    memcpy(row, in->first + a, (b - a) * sizeof *row);
    qsort(row, b - a, sizeof *row, gp_polis_cmp_i64);
    for (size_t k = 0; k < b - a && !r->in_conv[i]; k++) {
      /* statements with a vote at or before this one */
      size_t lo = 0, hi = n_live;
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (col_first[mid] <= row[k])
          lo = mid + 1;
        else
          hi = mid;
      }
      size_t need = o->min_votes < lo ? o->min_votes : lo;
      if (k + 1 >= need) r->in_conv[i] = true;
    }
  }
  free(col_first);
  free(row);
  return GP_OK;
}

/* Step 2: who is in the conversation (conversation.clj :in-conv). */
static gp_code gp_polis_in_conv(gp_polis_result *r, const gp_polis_input *in,
                                const gp_polis_opts *o, size_t n_used, gp_error *err) {
  size_t need = o->min_votes < n_used ? o->min_votes : n_used;
  r->n_in_conv = 0;
  for (size_t i = 0; i < r->n_rows; i++)
    r->in_conv[i] = r->n_votes[i] > 0 && (size_t)r->n_votes[i] >= need;
  if (in->first) {
    gp_code rc = gp_polis_in_conv_replay(r, in, o, err);
    if (rc) return rc;
  }
  if (in->warm) /* once in, always in */
    for (size_t i = 0; i < r->n_rows && i < in->warm->n_rows; i++)
      r->in_conv[i] = r->in_conv[i] || in->warm->in_conv[i];
  for (size_t i = 0; i < r->n_rows; i++)
    if (r->in_conv[i]) r->n_in_conv++;
  if (r->n_in_conv >= o->greedy_n) return GP_OK;
  /* the top-up: the most active voters not yet in, most votes first, then by row */
  (void)err;
  while (r->n_in_conv < o->greedy_n) {
    size_t best = r->n_rows;
    for (size_t i = 0; i < r->n_rows; i++)
      if (!r->in_conv[i] && r->n_votes[i] > 0 &&
          (best == r->n_rows || r->n_votes[i] > r->n_votes[best]))
        best = i;
    if (best == r->n_rows) break;
    r->in_conv[best] = true;
    r->n_in_conv++;
  }
  return GP_OK;
}

/* Steps 4-5: base clusters and groups. */
static gp_code gp_polis_cluster(gp_polis_result *r, const gp_polis_input *in,
                                const gp_polis_opts *o, gp_error *err) {
  const gp_polis_warm *warm = in->warm;
  size_t n = r->n_in_conv;
  double *pts = malloc(2 * n * sizeof *pts);
  int *assign = malloc(n * sizeof *assign);
  size_t bk = o->base_k ? o->base_k : 100;
  r->base_xy = malloc(2 * bk * sizeof *r->base_xy);
  gp_code rc = GP_OK;
  double *dist = NULL, *w = NULL, *gcent = NULL;
  int *ga = NULL, *best_ga = NULL;
  if (!pts || !assign || !r->base_xy) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory clustering");
    goto done;
  }
  size_t p = 0;
  for (size_t i = 0; i < r->n_rows; i++)
    if (r->in_conv[i]) {
      pts[2 * p] = r->xy[2 * i];
      pts[2 * p + 1] = r->xy[2 * i + 1];
      p++;
    }
  gp_polis_kmeans_opts ko = {.k = bk,
                             .max_iters = o->base_iters,
                             .tol = o->kmeans_tol,
                             .init = o->base_init,
                             .n_init = o->n_init,
                             .seed = o->seed,
                             .threads = o->threads};
  if (warm && warm->n_base > 0) { /* start from the last update's base clusters */
    ko.init = GP_POLIS_INIT_GIVEN;
    ko.n_given = warm->n_base < bk ? warm->n_base : bk;
    memcpy(r->base_xy, warm->base_xy, 2 * ko.n_given * sizeof *r->base_xy);
  }
  rc = gp_polis_kmeans(pts, NULL, n, &ko, assign, r->base_xy, &r->n_base, err);
  if (rc) goto done;
  if (r->n_base < 2) {
    rc = gp_fail(err, GP_EINVAL, "votes",
                 "%zu participant(s) in the conversation at %zu distinct position(s): fewer "
                 "than the 2 groups needed",
                 n, r->n_base);
    goto done;
  }
  size_t nb = r->n_base;
  r->base_size = calloc(nb, sizeof *r->base_size);
  r->base_group = calloc(nb, sizeof *r->base_group);
  dist = malloc(nb * nb * sizeof *dist);
  w = malloc(nb * sizeof *w);
  gcent = malloc(2 * GP_POLIS_MAX_GROUPS * sizeof *gcent);
  ga = malloc(nb * sizeof *ga);
  best_ga = malloc(nb * sizeof *best_ga);
  if (!r->base_size || !r->base_group || !dist || !w || !gcent || !ga || !best_ga) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory clustering");
    goto done;
  }
  p = 0;
  for (size_t i = 0; i < r->n_rows; i++) {
    r->base[i] = -1;
    if (r->in_conv[i]) {
      r->base[i] = assign[p++];
      r->base_size[r->base[i]]++;
    }
  }
  for (size_t b = 0; b < nb; b++)
    w[b] = (double)r->base_size[b];
  for (size_t a = 0; a < nb; a++)
    for (size_t b = 0; b < nb; b++) {
      double dx = r->base_xy[2 * a] - r->base_xy[2 * b];
      double dy = r->base_xy[2 * a + 1] - r->base_xy[2 * b + 1];
      dist[a * nb + b] = sqrt(dx * dx + dy * dy);
    }
  size_t max_k = 2 + nb / 12;
  if (max_k > o->max_k) max_k = o->max_k;
  if (max_k > GP_POLIS_MAX_GROUPS) max_k = GP_POLIS_MAX_GROUPS;
  for (size_t k = 0; k <= GP_POLIS_MAX_GROUPS; k++)
    r->silhouette[k] = NAN;
  double best = -INFINITY;
  size_t best_k = 0;
  int *labels = malloc((GP_POLIS_MAX_GROUPS + 1) * nb * sizeof *labels);
  if (!labels) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory clustering");
    goto done;
  }
  for (size_t k = 2; k <= max_k; k++) {
    gp_polis_kmeans_opts go = {.k = k,
                               .max_iters = o->group_iters,
                               .tol = o->kmeans_tol,
                               .init = o->group_init,
                               .n_init = o->n_init,
                               .seed = o->seed + k,
                               .threads = 1};
    size_t got = 0;
    double *cent = r->k_xy[k];
    if (warm && warm->group_n[k] > 0) { /* the last update's clustering for this k */
      go.init = GP_POLIS_INIT_GIVEN;
      go.n_given = warm->group_n[k];
      memcpy(cent, warm->group_xy[k], 2 * go.n_given * sizeof *cent);
    }
    rc = gp_polis_kmeans(r->base_xy, w, nb, &go, labels + k * nb, cent, &got, err);
    if (rc) {
      free(labels);
      goto done;
    }
    r->k_n[k] = got;
    double s = gp_polis_silhouette(dist, nb, labels + k * nb, got);
    r->silhouette[k] = s;
    /* Pol.is's (apply max-key ...) keeps the last of equal maxima */
    if (got >= 2 && s >= best) {
      best = s;
      best_k = k;
    }
  }
  if (best_k < 2) {
    free(labels);
    rc = gp_fail(err, GP_EINVAL, "votes",
                 "the %zu participants in the conversation do not form 2 groups", n);
    goto done;
  }
  /* Pol.is's group-k-smoother: with a last update, a new best k is shown only
   * once it has been best group_k_buffer updates in a row */
  r->best_k = best_k;
  size_t show = best_k;
  r->last_k = best_k;
  r->last_k_count = 1;
  if (warm && warm->last_k) {
    r->last_k_count = warm->last_k == best_k ? warm->last_k_count + 1 : 1;
    if (r->last_k_count < o->group_k_buffer && warm->smoothed_k >= 2 && warm->smoothed_k <= max_k &&
        r->k_n[warm->smoothed_k] >= 2)
      show = warm->smoothed_k;
  }
  memcpy(best_ga, labels + show * nb, nb * sizeof *best_ga);
  memcpy(gcent, r->k_xy[show], 2 * r->k_n[show] * sizeof *gcent);
  best_k = r->k_n[show];
  free(labels);
  r->n_groups = best_k;
  memcpy(r->base_group, best_ga, nb * sizeof *best_ga);
  for (size_t g = 0; g < best_k; g++) {
    memset(&r->groups[g], 0, sizeof r->groups[g]);
    r->groups[g].cx = gcent[2 * g];
    r->groups[g].cy = gcent[2 * g + 1];
  }
  for (size_t b = 0; b < nb; b++)
    r->groups[best_ga[b]].n_bases++;
  for (size_t i = 0; i < r->n_rows; i++) {
    r->group[i] = r->base[i] >= 0 ? r->base_group[r->base[i]] : -1;
    if (r->group[i] >= 0) r->groups[r->group[i]].size++;
  }
done:
  free(pts);
  free(assign);
  free(dist);
  free(w);
  free(gcent);
  free(ga);
  free(best_ga);
  return rc;
}

/* Step 6: group counts, repness, consensus, GIC, priority, divisive. */
static gp_code gp_polis_statements(gp_polis_result *r, const gp_polis_input *in, gp_error *err) {
  const gp_polis_matrix *m = in->m;
  size_t nc = m->n_cols, G = r->n_groups;
  r->g_agree = calloc(G * nc + 1, sizeof *r->g_agree);
  r->g_disagree = calloc(G * nc + 1, sizeof *r->g_disagree);
  r->g_seen = calloc(G * nc + 1, sizeof *r->g_seen);
  r->all = calloc(nc + 1, sizeof *r->all);
  r->gic = malloc((nc + 1) * sizeof *r->gic);
  r->extremity = malloc((nc + 1) * sizeof *r->extremity);
  r->priority = malloc((nc + 1) * sizeof *r->priority);
  r->spread = malloc((nc + 1) * sizeof *r->spread);
  long *aa = calloc(nc + 1, sizeof *aa), *ad = calloc(nc + 1, sizeof *ad),
       *as = calloc(nc + 1, sizeof *as);
  gp_polis_stat *gs = malloc((nc + 1) * sizeof *gs);
  gp_code rc = GP_OK;
  if (!r->g_agree || !r->g_disagree || !r->g_seen || !r->all || !r->gic || !r->extremity ||
      !r->priority || !r->spread || !aa || !ad || !as || !gs) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto done;
  }
  /* counts per group (raw votes: Pol.is's votes-base) and over everyone */
  for (size_t i = 0; i < m->n_rows; i++) {
    int g = r->group[i];
    for (size_t k = m->row_ptr[i]; k < m->row_ptr[i + 1]; k++) {
      size_t j = m->col[k];
      int v = m->val[k];
      as[j]++;
      if (v > 0)
        aa[j]++;
      else if (v < 0)
        ad[j]++;
      if (g < 0) continue;
      size_t q = (size_t)g * nc + j;
      r->g_seen[q]++;
      if (v > 0)
        r->g_agree[q]++;
      else if (v < 0)
        r->g_disagree[q]++;
    }
  }
  /* consensus (over every participant of the rating matrix) */
  for (size_t j = 0; j < nc; j++)
    gp_polis_stat_counts(aa[j], ad[j], as[j], &r->all[j]);
  r->n_cons_agree = gp_polis_select_consensus(r->all, nc, r->eligible, 1, r->cons_agree);
  r->n_cons_disagree = gp_polis_select_consensus(r->all, nc, r->eligible, -1, r->cons_disagree);
  /* repness per group against the other groups */
  long ta, td, ts;
  for (size_t g = 0; g < G; g++) {
    for (size_t j = 0; j < nc; j++) {
      size_t q = g * nc + j;
      gp_polis_stat_counts(r->g_agree[q], r->g_disagree[q], r->g_seen[q], &gs[j]);
      ta = td = ts = 0;
      for (size_t h = 0; h < G; h++) {
        if (h == g) continue;
        ta += r->g_agree[h * nc + j];
        td += r->g_disagree[h * nc + j];
        ts += r->g_seen[h * nc + j];
      }
      gp_polis_stat_compare(&gs[j], ta, td, ts);
    }
    r->groups[g].n_rep = gp_polis_select_rep(gs, nc, r->eligible, r->groups[g].rep);
  }
  /* group-informed consensus, extremity, priority, spread */
  gp_polis_cols cols = {.n_cols = nc, .used = r->used, .zeroed = in->mod_out};
  gp_polis_pca_extremity(&cols, &r->pca, r->extremity);
  long ga[GP_POLIS_MAX_GROUPS], gsn[GP_POLIS_MAX_GROUPS];
  for (size_t j = 0; j < nc; j++) {
    long A = 0, D = 0, S = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t g = 0; g < G; g++) {
      size_t q = g * nc + j;
      ga[g] = r->g_agree[q];
      gsn[g] = r->g_seen[q];
      A += r->g_agree[q];
      D += r->g_disagree[q];
      S += r->g_seen[q];
      double p = ((double)ga[g] + 1) / ((double)gsn[g] + 2);
      if (p < lo) lo = p;
      if (p > hi) hi = p;
    }
    r->gic[j] = r->used[j] ? gp_polis_gic(ga, gsn, G) : NAN;
    r->spread[j] = r->used[j] ? hi - lo : NAN;
    r->priority[j] =
        gp_polis_priority(in->is_meta && in->is_meta[j], A, S - A - D, S, r->extremity[j]);
  }
  /* divisive: eligible statements with the largest spread */
  r->n_divisive = 0;
  for (size_t j = 0; j < nc; j++) {
    if (!r->eligible[j]) continue;
    size_t k = r->n_divisive < 5 ? r->n_divisive : 5;
    while (k > 0 && r->spread[r->divisive[k - 1]] < r->spread[j]) {
      if (k < 5) r->divisive[k] = r->divisive[k - 1];
      k--;
    }
    if (k < 5) {
      r->divisive[k] = j;
      if (r->n_divisive < 5) r->n_divisive++;
    }
  }
done:
  free(aa);
  free(ad);
  free(as);
  free(gs);
  return rc;
}

gp_code gp_polis_analyse(const gp_polis_input *in, const gp_polis_opts *o, gp_polis_result *out,
                         gp_error *err) {
  memset(out, 0, sizeof *out);
  const gp_polis_matrix *m = in->m;
  size_t nr = m->n_rows, nc = m->n_cols;
  out->n_rows = nr;
  out->n_cols = nc;
  if (m->nnz == 0) return gp_fail(err, GP_EINVAL, "votes", "the conversation has no votes");
  out->used = calloc(nc + 1, sizeof *out->used);
  out->eligible = calloc(nc + 1, sizeof *out->eligible);
  out->n_votes = calloc(nr + 1, sizeof *out->n_votes);
  out->in_conv = calloc(nr + 1, sizeof *out->in_conv);
  out->xy = calloc(2 * nr + 1, sizeof *out->xy);
  out->base = malloc((nr + 1) * sizeof *out->base);
  out->group = malloc((nr + 1) * sizeof *out->group);
  gp_code rc = GP_OK;
  if (!out->used || !out->eligible || !out->n_votes || !out->in_conv || !out->xy || !out->base ||
      !out->group) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto fail;
  }
  /* step 1: columns */
  for (size_t k = 0; k < m->nnz; k++)
    out->used[m->col[k]] = true;
  size_t n_used = 0;
  for (size_t j = 0; j < nc; j++) {
    if (out->used[j]) n_used++;
    out->eligible[j] = out->used[j] && !(in->mod_out && in->mod_out[j]);
  }
  for (size_t i = 0; i < nr; i++) {
    out->n_votes[i] = (long)(m->row_ptr[i + 1] - m->row_ptr[i]);
    out->base[i] = out->group[i] = -1;
  }
  /* step 2 */
  if ((rc = gp_polis_in_conv(out, in, o, n_used, err))) goto fail;
  /* step 3 */
  gp_polis_cols cols = {.n_cols = nc, .used = out->used, .zeroed = in->mod_out};
  gp_polis_pca_opts po = {
      .seed = o->seed, .max_iters = o->pca_max_iters, .tol = o->pca_tol, .threads = o->threads};
  po.stats = in->stats;
  double *start = NULL;
  if (in->warm && in->warm->block && in->warm->n_cols <= nc) { /* the last block */
    start = calloc(GP_POLIS_PCA_BLOCK * nc + 1, sizeof *start);
    if (!start) {
      rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
      goto fail;
    }
    memcpy(start, in->warm->block, GP_POLIS_PCA_BLOCK * in->warm->n_cols * sizeof *start);
    po.start_block = start;
  }
  rc = gp_polis_pca_fit(m, &cols, &po, &out->pca, err);
  free(start);
  if (rc) goto fail;
  out->pca_iterations = out->pca.iterations;
  out->pca_converged = out->pca.converged;
  gp_polis_pca_project(m, &cols, &out->pca, o->threads, out->xy);
  /* steps 4-5 */
  if ((rc = gp_polis_cluster(out, in, o, err))) goto fail;
  /* step 6 */
  if ((rc = gp_polis_statements(out, in, err))) goto fail;
  return GP_OK;
fail:
  gp_polis_result_free(out);
  return rc;
}

gp_code gp_polis_gic_of(const gp_polis_matrix *m, const int *group, size_t n_groups, double *value,
                        gp_error *err) {
  size_t nc = m->n_cols;
  long *a = calloc(n_groups * nc + 1, sizeof *a), *s = calloc(n_groups * nc + 1, sizeof *s);
  if (!a || !s) {
    free(a);
    free(s);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (size_t i = 0; i < m->n_rows; i++) {
    if (group[i] >= (int)n_groups) {
      free(a);
      free(s);
      char path[64];
      snprintf(path, sizeof path, "group[%zu]", i);
      return gp_fail(err, GP_EINVAL, path, "group %d is not below %zu", group[i], n_groups);
    }
    for (size_t k = m->row_ptr[i]; k < m->row_ptr[i + 1]; k++) {
      if (group[i] < 0) continue;
      size_t q = (size_t)group[i] * nc + m->col[k];
      s[q]++;
      if (m->val[k] > 0) a[q]++;
    }
  }
  for (size_t j = 0; j < nc; j++) {
    double v = 1.0; /* the product of gp_polis_gic, groups in order */
    for (size_t g = 0; g < n_groups; g++)
      v *= ((double)a[g * nc + j] + 1.0) / ((double)s[g * nc + j] + 2.0);
    value[j] = v;
  }
  free(a);
  free(s);
  return GP_OK;
}

/* ---- the running state as bytes ---- */

/* A byte buffer being written or read. */
typedef struct gp_polis_buf {
  unsigned char *p; /* the bytes (NULL while measuring) */
  size_t n;         /* bytes written or read so far */
  size_t len;       /* bytes available to read */
  bool bad;         /* a read ran past the end */
} gp_polis_buf;

static void gp_polis_put(gp_polis_buf *b, const void *v, size_t n) {
  if (b->p && n) memcpy(b->p + b->n, v, n);
  b->n += n;
}

static void gp_polis_get(gp_polis_buf *b, void *v, size_t n) {
  if (b->bad || n > b->len - b->n) {
    b->bad = true;
    memset(v, 0, n);
    return;
  }
  if (n) memcpy(v, b->p + b->n, n);
  b->n += n;
}

_Static_assert(sizeof(bool) == 1, "in_conv is kept as one byte a participant");
static const char gp_polis_warm_magic[8] = {'G', 'P', 'W', 'A', 'R', 'M', '0', '1'};

/* Writes (or measures, b->p NULL) w. */
static void gp_polis_warm_put(gp_polis_buf *b, const gp_polis_warm *w) {
  uint64_t h[6] = {w->n_rows,     w->n_cols, w->n_base,
                   w->smoothed_k, w->last_k, (uint64_t)(w->block != NULL)};
  int64_t count = w->last_k_count;
  gp_polis_put(b, gp_polis_warm_magic, sizeof gp_polis_warm_magic);
  gp_polis_put(b, h, sizeof h);
  gp_polis_put(b, &count, sizeof count);
  gp_polis_put(b, w->in_conv, w->n_rows * sizeof *w->in_conv);
  gp_polis_put(b, w->comps, 2 * w->n_cols * sizeof *w->comps);
  if (w->block) gp_polis_put(b, w->block, GP_POLIS_PCA_BLOCK * w->n_cols * sizeof *w->block);
  gp_polis_put(b, w->base_xy, 2 * w->n_base * sizeof *w->base_xy);
  for (size_t k = 0; k <= GP_POLIS_MAX_GROUPS; k++) {
    uint64_t gn = w->group_n[k];
    gp_polis_put(b, &gn, sizeof gn);
  }
  gp_polis_put(b, w->group_xy, sizeof w->group_xy);
}

gp_code gp_polis_warm_pack(const gp_polis_warm *w, unsigned char **bytes, size_t *len,
                           gp_error *err) {
  gp_polis_buf b = {0};
  gp_polis_warm_put(&b, w);
  b.p = malloc(b.n + 1);
  if (!b.p) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  *len = b.n;
  b.n = 0;
  gp_polis_warm_put(&b, w);
  *bytes = b.p;
  return GP_OK;
}

gp_code gp_polis_warm_unpack(const unsigned char *bytes, size_t len, gp_polis_warm *w,
                             gp_error *err) {
  memset(w, 0, sizeof *w);
  gp_polis_buf b = {.p = (unsigned char *)bytes, .len = len};
  char magic[sizeof gp_polis_warm_magic];
  uint64_t h[6];
  int64_t count;
  gp_polis_get(&b, magic, sizeof magic);
  gp_polis_get(&b, h, sizeof h);
  gp_polis_get(&b, &count, sizeof count);
  if (b.bad || memcmp(magic, gp_polis_warm_magic, sizeof magic))
    return gp_fail(err, GP_EINVAL, "state", "not a saved running state");
  /* sizes must fit in what is left before anything is allocated */
  size_t left = len - b.n;
  if (h[0] > left || h[1] > left / 16 || h[2] > left / 16 || h[3] > GP_POLIS_MAX_GROUPS ||
      h[4] > GP_POLIS_MAX_GROUPS || h[5] > 1 || count < 0 || count > INT32_MAX)
    return gp_fail(err, GP_EINVAL, "state", "a saved running state with impossible sizes");
  w->n_rows = h[0];
  w->n_cols = h[1];
  w->n_base = h[2];
  w->smoothed_k = h[3];
  w->last_k = h[4];
  w->last_k_count = (int)count;
  w->in_conv = malloc(w->n_rows + 1);
  w->comps = malloc((2 * w->n_cols + 1) * sizeof *w->comps);
  w->block = h[5] ? malloc((GP_POLIS_PCA_BLOCK * w->n_cols + 1) * sizeof *w->block) : NULL;
  w->base_xy = malloc((2 * w->n_base + 1) * sizeof *w->base_xy);
  if (!w->in_conv || !w->comps || (h[5] && !w->block) || !w->base_xy) {
    gp_polis_warm_free(w);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (size_t i = 0; i < w->n_rows; i++) { /* bools as bytes: only 0 and 1 are valid */
    unsigned char c = 0;
    gp_polis_get(&b, &c, 1);
    if (c > 1) b.bad = true;
    w->in_conv[i] = c;
  }
  gp_polis_get(&b, w->comps, 2 * w->n_cols * sizeof *w->comps);
  if (w->block) gp_polis_get(&b, w->block, GP_POLIS_PCA_BLOCK * w->n_cols * sizeof *w->block);
  gp_polis_get(&b, w->base_xy, 2 * w->n_base * sizeof *w->base_xy);
  for (size_t k = 0; k <= GP_POLIS_MAX_GROUPS; k++) {
    uint64_t gn = 0;
    gp_polis_get(&b, &gn, sizeof gn);
    if (gn > GP_POLIS_MAX_GROUPS) b.bad = true;
    w->group_n[k] = (size_t)gn;
  }
  gp_polis_get(&b, w->group_xy, sizeof w->group_xy);
  if (b.bad || b.n != len) {
    gp_polis_warm_free(w);
    return gp_fail(err, GP_EINVAL, "state", "a truncated or damaged saved running state");
  }
  return GP_OK;
}
