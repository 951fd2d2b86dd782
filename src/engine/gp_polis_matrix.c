/* gp_polis_matrix — see gp_polis_matrix.h. */
#include "engine/gp_polis_matrix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gp_polis_matrix_free(gp_polis_matrix *m) {
  if (!m) return;
  free(m->row_ptr);
  free(m->col);
  free(m->val);
  memset(m, 0, sizeof *m);
}

/* Orders event indices within one row by (statement, time, position). */
static bool gp_polis_ev_less(const gp_polis_event *ev, size_t a, size_t b) {
  if (ev[a].statement != ev[b].statement) return ev[a].statement < ev[b].statement;
  if (ev[a].time != ev[b].time) return ev[a].time < ev[b].time;
  return a < b;
}

static const gp_polis_event *gp_polis_sort_ev; /* the events being sorted (qsort has no context) */

static int gp_polis_ev_cmp(const void *pa, const void *pb) {
  size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
  if (a == b) return 0;
  return gp_polis_ev_less(gp_polis_sort_ev, a, b) ? -1 : 1;
}

static void gp_polis_sort_row(const gp_polis_event *ev, size_t *idx, size_t n) {
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; i++)
    if (!gp_polis_ev_less(ev, idx[i - 1], idx[i])) sorted = false;
  if (sorted) return;
  if (n <= 24) {
    for (size_t i = 1; i < n; i++) {
      size_t x = idx[i], j = i;
      while (j > 0 && gp_polis_ev_less(ev, x, idx[j - 1])) {
        idx[j] = idx[j - 1];
        j--;
      }
      idx[j] = x;
    }
    return;
  }
  gp_polis_sort_ev = ev;
  qsort(idx, n, sizeof *idx, gp_polis_ev_cmp);
}

gp_code gp_polis_matrix_from_events(const gp_polis_event *ev, size_t n_events, size_t n_rows,
                                    size_t n_cols, gp_polis_matrix *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  char path[64];
  for (size_t e = 0; e < n_events; e++) {
    if (ev[e].participant >= n_rows || ev[e].statement >= n_cols) {
      snprintf(path, sizeof path, "events[%zu]", e);
      return gp_fail(err, GP_EINVAL, path, "participant %u or statement %u out of range",
                     ev[e].participant, ev[e].statement);
    }
    if (ev[e].vote < -1 || ev[e].vote > 1) {
      snprintf(path, sizeof path, "events[%zu].vote", e);
      return gp_fail(err, GP_EINVAL, path, "vote %d is not -1, 0 or 1", ev[e].vote);
    }
  }
  size_t *start = calloc(n_rows + 1, sizeof *start);
  size_t *idx = malloc((n_events ? n_events : 1) * sizeof *idx);
  if (!start || !idx) {
    free(start);
    free(idx);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory building the vote matrix");
  }
  /* counting sort of event indices by participant (stable) */
  for (size_t e = 0; e < n_events; e++) start[ev[e].participant + 1]++;
  for (size_t i = 0; i < n_rows; i++) start[i + 1] += start[i];
  {
    size_t *fill = malloc((n_rows ? n_rows : 1) * sizeof *fill);
    if (!fill) {
      free(start);
      free(idx);
      return gp_fail(err, GP_ENOMEM, NULL, "out of memory building the vote matrix");
    }
    memcpy(fill, start, n_rows * sizeof *fill);
    for (size_t e = 0; e < n_events; e++) idx[fill[ev[e].participant]++] = e;
    free(fill);
  }
  /* sort each row by (statement, time, position); keep the last of each statement */
  size_t nnz = 0;
  for (size_t i = 0; i < n_rows; i++) {
    size_t a = start[i], b = start[i + 1];
    gp_polis_sort_row(ev, idx + a, b - a);
    for (size_t k = a; k < b; k++)
      if (k + 1 == b || ev[idx[k + 1]].statement != ev[idx[k]].statement) nnz++;
  }
  out->row_ptr = malloc((n_rows + 1) * sizeof *out->row_ptr);
  out->col = malloc((nnz ? nnz : 1) * sizeof *out->col);
  out->val = malloc((nnz ? nnz : 1) * sizeof *out->val);
  if (!out->row_ptr || !out->col || !out->val) {
    free(start);
    free(idx);
    gp_polis_matrix_free(out);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory building the vote matrix");
  }
  size_t p = 0;
  for (size_t i = 0; i < n_rows; i++) {
    out->row_ptr[i] = p;
    for (size_t k = start[i]; k < start[i + 1]; k++) {
      if (k + 1 < start[i + 1] && ev[idx[k + 1]].statement == ev[idx[k]].statement) continue;
      out->col[p] = ev[idx[k]].statement;
      out->val[p] = ev[idx[k]].vote;
      p++;
    }
  }
  out->row_ptr[n_rows] = p;
  out->n_rows = n_rows;
  out->n_cols = n_cols;
  out->nnz = nnz;
  free(start);
  free(idx);
  return GP_OK;
}

gp_code gp_polis_matrix_from_dense(const double *dense, size_t n_rows, size_t n_cols,
                                   double missing, gp_polis_matrix *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  size_t nnz = 0;
  for (size_t k = 0; k < n_rows * n_cols; k++)
    if (dense[k] != missing) {
      if (dense[k] != -1.0 && dense[k] != 0.0 && dense[k] != 1.0) {
        char path[64];
        snprintf(path, sizeof path, "[%zu][%zu]", k / n_cols, k % n_cols);
        return gp_fail(err, GP_EINVAL, path, "vote %g is not -1, 0 or 1", dense[k]);
      }
      nnz++;
    }
  out->row_ptr = malloc((n_rows + 1) * sizeof *out->row_ptr);
  out->col = malloc((nnz ? nnz : 1) * sizeof *out->col);
  out->val = malloc((nnz ? nnz : 1) * sizeof *out->val);
  if (!out->row_ptr || !out->col || !out->val) {
    gp_polis_matrix_free(out);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory building the vote matrix");
  }
  size_t p = 0;
  for (size_t i = 0; i < n_rows; i++) {
    out->row_ptr[i] = p;
    for (size_t j = 0; j < n_cols; j++) {
      double v = dense[i * n_cols + j];
      if (v == missing) continue;
      out->col[p] = (uint32_t)j;
      out->val[p] = (int8_t)v;
      p++;
    }
  }
  out->row_ptr[n_rows] = p;
  out->n_rows = n_rows;
  out->n_cols = n_cols;
  out->nnz = nnz;
  return GP_OK;
}

void gp_polis_matrix_col_counts(const gp_polis_matrix *m, const bool *rows, long *agree,
                                long *disagree, long *seen) {
  memset(agree, 0, m->n_cols * sizeof *agree);
  memset(disagree, 0, m->n_cols * sizeof *disagree);
  memset(seen, 0, m->n_cols * sizeof *seen);
  for (size_t i = 0; i < m->n_rows; i++) {
    if (rows && !rows[i]) continue;
    for (size_t k = m->row_ptr[i]; k < m->row_ptr[i + 1]; k++) {
      uint32_t j = m->col[k];
      seen[j]++;
      if (m->val[k] > 0) agree[j]++;
      else if (m->val[k] < 0) disagree[j]++;
    }
  }
}

void gp_polis_matrix_first_times(const gp_polis_matrix *m, const gp_polis_event *ev,
                                 size_t n_events, int64_t *first) {
  for (size_t k = 0; k < m->nnz; k++) first[k] = INT64_MAX;
  for (size_t e = 0; e < n_events; e++) {
    size_t lo = m->row_ptr[ev[e].participant], hi = m->row_ptr[ev[e].participant + 1];
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (m->col[mid] < ev[e].statement) lo = mid + 1;
      else hi = mid;
    }
    if (lo < m->row_ptr[ev[e].participant + 1] && m->col[lo] == ev[e].statement &&
        ev[e].time < first[lo])
      first[lo] = ev[e].time;
  }
}
