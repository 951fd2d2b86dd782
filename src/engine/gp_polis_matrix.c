/* gp_polis_matrix — see gp_polis_matrix.h. */
#include "engine/gp_polis_matrix.h"

#include "engine/gp_polis_par.h"

/* An event index (at most 2^32 - 1 events: 4 bytes an event while building). */
typedef uint32_t gp_polis_idx;

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

/* Heapsort of a row's event indices (thread-safe, no recursion). */
static void gp_polis_sift(const gp_polis_event *ev, gp_polis_idx *idx, size_t root, size_t n) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && gp_polis_ev_less(ev, idx[child], idx[child + 1])) child++;
    if (!gp_polis_ev_less(ev, idx[root], idx[child])) return;
    gp_polis_idx t = idx[root];
    idx[root] = idx[child];
    idx[child] = t;
    root = child;
  }
}

static void gp_polis_heapsort(const gp_polis_event *ev, gp_polis_idx *idx, size_t n) {
  for (size_t r = n / 2; r-- > 0;)
    gp_polis_sift(ev, idx, r, n);
  for (size_t end = n; end-- > 1;) {
    gp_polis_idx t = idx[0];
    idx[0] = idx[end];
    idx[end] = t;
    gp_polis_sift(ev, idx, 0, end);
  }
}

static void gp_polis_sort_row(const gp_polis_event *ev, gp_polis_idx *idx, size_t n) {
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; i++)
    if (!gp_polis_ev_less(ev, idx[i - 1], idx[i])) sorted = false;
  if (sorted) return;
  if (n <= 24) {
    for (size_t i = 1; i < n; i++) {
      gp_polis_idx x = idx[i];
      size_t j = i;
      while (j > 0 && gp_polis_ev_less(ev, x, idx[j - 1])) {
        idx[j] = idx[j - 1];
        j--;
      }
      idx[j] = x;
    }
    return;
  }
  gp_polis_heapsort(ev, idx, n);
}

/* The per-row work of the build, over a chunk of rows. */
typedef struct gp_polis_build {
  const gp_polis_event *ev; /* the events */
  gp_polis_idx *idx;        /* event indices grouped by row */
  const size_t *start;      /* row starts in idx */
  size_t *kept;             /* per row: votes kept (phase 1) */
  gp_polis_matrix *out;     /* the matrix being filled (phase 2) */
  size_t n_rows;            /* rows */
  size_t n_chunks;          /* chunks */
} gp_polis_build;

/* A row's event as sorted: the key fetched once from the events. */
typedef struct gp_polis_key {
  uint32_t statement; /* first key */
  int64_t time;       /* second key */
  gp_polis_idx pos;   /* third key: position in the events */
} gp_polis_key;

static bool gp_polis_key_less(const gp_polis_key *a, const gp_polis_key *b) {
  if (a->statement != b->statement) return a->statement < b->statement;
  if (a->time != b->time) return a->time < b->time;
  return a->pos < b->pos;
}

static void gp_polis_key_sift(gp_polis_key *k, size_t root, size_t n) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && gp_polis_key_less(&k[child], &k[child + 1])) child++;
    if (!gp_polis_key_less(&k[root], &k[child])) return;
    gp_polis_key t = k[root];
    k[root] = k[child];
    k[child] = t;
    root = child;
  }
}

/* Sorts keys: insertion sort for short rows, heapsort otherwise. */
static void gp_polis_key_sort(gp_polis_key *k, size_t n) {
  if (n <= 48) {
    for (size_t i = 1; i < n; i++) {
      gp_polis_key x = k[i];
      size_t j = i;
      while (j > 0 && gp_polis_key_less(&x, &k[j - 1])) {
        k[j] = k[j - 1];
        j--;
      }
      k[j] = x;
    }
    return;
  }
  for (size_t r = n / 2; r-- > 0;)
    gp_polis_key_sift(k, r, n);
  for (size_t end = n; end-- > 1;) {
    gp_polis_key t = k[0];
    k[0] = k[end];
    k[end] = t;
    gp_polis_key_sift(k, 0, end);
  }
}

static void gp_polis_build_sort(void *ctx, size_t c) {
  gp_polis_build *b = ctx;
  size_t r0 = b->n_rows * c / b->n_chunks, r1 = b->n_rows * (c + 1) / b->n_chunks;
  size_t longest = 0;
  for (size_t i = r0; i < r1; i++)
    if (b->start[i + 1] - b->start[i] > longest) longest = b->start[i + 1] - b->start[i];
  gp_polis_key *key = malloc((longest + 1) * sizeof *key);
  for (size_t i = r0; i < r1; i++) {
    size_t a = b->start[i], e = b->start[i + 1], n = 0;
    if (key) {
      for (size_t k = a; k < e; k++) {
        const gp_polis_event *x = &b->ev[b->idx[k]];
        key[k - a] = (gp_polis_key){x->statement, x->time, b->idx[k]};
      }
      gp_polis_key_sort(key, e - a);
      for (size_t k = a; k < e; k++) {
        b->idx[k] = key[k - a].pos;
        if (k + 1 == e || key[k + 1 - a].statement != key[k - a].statement) n++;
      }
    } else { /* no scratch memory: sort in place through the events */
      gp_polis_sort_row(b->ev, b->idx + a, e - a);
      for (size_t k = a; k < e; k++)
        if (k + 1 == e || b->ev[b->idx[k + 1]].statement != b->ev[b->idx[k]].statement) n++;
    }
    b->kept[i] = n;
  }
  free(key);
}

static void gp_polis_build_fill(void *ctx, size_t c) {
  gp_polis_build *b = ctx;
  size_t r0 = b->n_rows * c / b->n_chunks, r1 = b->n_rows * (c + 1) / b->n_chunks;
  for (size_t i = r0; i < r1; i++) {
    size_t p = b->out->row_ptr[i];
    for (size_t k = b->start[i]; k < b->start[i + 1]; k++) {
      if (k + 1 < b->start[i + 1] && b->ev[b->idx[k + 1]].statement == b->ev[b->idx[k]].statement)
        continue;
      b->out->col[p] = b->ev[b->idx[k]].statement;
      b->out->val[p] = b->ev[b->idx[k]].vote;
      p++;
    }
  }
}

gp_code gp_polis_matrix_from_events(const gp_polis_event *ev, size_t n_events, size_t n_rows,
                                    size_t n_cols, gp_polis_matrix *out, gp_error *err) {
  return gp_polis_matrix_from_events_mt(ev, n_events, n_rows, n_cols, 1, out, err);
}

gp_code gp_polis_matrix_from_events_mt(const gp_polis_event *ev, size_t n_events, size_t n_rows,
                                       size_t n_cols, int threads, gp_polis_matrix *out,
                                       gp_error *err) {
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
  if (n_events > UINT32_MAX)
    return gp_fail(err, GP_ETOOBIG, "events", "more than %lu vote events",
                   (unsigned long)UINT32_MAX);
  gp_polis_idx *idx = malloc((n_events ? n_events : 1) * sizeof *idx);
  if (!start || !idx) {
    free(start);
    free(idx);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory building the vote matrix");
  }
  /* counting sort of event indices by participant (stable) */
  for (size_t e = 0; e < n_events; e++)
    start[ev[e].participant + 1]++;
  for (size_t i = 0; i < n_rows; i++)
    start[i + 1] += start[i];
  {
    size_t *fill = malloc((n_rows ? n_rows : 1) * sizeof *fill);
    if (!fill) {
      free(start);
      free(idx);
      return gp_fail(err, GP_ENOMEM, NULL, "out of memory building the vote matrix");
    }
    memcpy(fill, start, n_rows * sizeof *fill);
    for (size_t e = 0; e < n_events; e++)
      idx[fill[ev[e].participant]++] = (gp_polis_idx)e;
    free(fill);
  }
  /* sort each row by (statement, time, position); keep the last of each statement */
  size_t *kept = malloc((n_rows + 1) * sizeof *kept);
  out->row_ptr = malloc((n_rows + 1) * sizeof *out->row_ptr);
  if (!kept || !out->row_ptr) {
    free(kept);
    free(start);
    free(idx);
    gp_polis_matrix_free(out);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory building the vote matrix");
  }
  gp_polis_build b = {.ev = ev,
                      .idx = idx,
                      .start = start,
                      .kept = kept,
                      .out = out,
                      .n_rows = n_rows,
                      .n_chunks = gp_polis_par_chunks(n_rows, 4096, 256)};
  gp_polis_par_for(b.n_chunks, threads, gp_polis_build_sort, &b);
  size_t nnz = 0;
  for (size_t i = 0; i < n_rows; i++) {
    out->row_ptr[i] = nnz;
    nnz += kept[i];
  }
  free(kept);
  out->col = malloc((nnz ? nnz : 1) * sizeof *out->col);
  out->val = malloc((nnz ? nnz : 1) * sizeof *out->val);
  if (!out->col || !out->val) {
    free(start);
    free(idx);
    gp_polis_matrix_free(out);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory building the vote matrix");
  }
  gp_polis_par_for(b.n_chunks, threads, gp_polis_build_fill, &b);
  size_t p = nnz;
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
      if (m->val[k] > 0)
        agree[j]++;
      else if (m->val[k] < 0)
        disagree[j]++;
    }
  }
}

void gp_polis_matrix_first_times(const gp_polis_matrix *m, const gp_polis_event *ev,
                                 size_t n_events, int64_t *first) {
  for (size_t k = 0; k < m->nnz; k++)
    first[k] = INT64_MAX;
  for (size_t e = 0; e < n_events; e++) {
    size_t lo = m->row_ptr[ev[e].participant], hi = m->row_ptr[ev[e].participant + 1];
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (m->col[mid] < ev[e].statement)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < m->row_ptr[ev[e].participant + 1] && m->col[lo] == ev[e].statement &&
        ev[e].time < first[lo])
      first[lo] = ev[e].time;
  }
}

/* Orders event positions by (participant, statement, position). */
typedef struct gp_polis_apply_key {
  uint32_t participant; /* row */
  uint32_t statement;   /* column */
  size_t pos;           /* position in the events: later wins */
} gp_polis_apply_key;

static int gp_polis_apply_cmp(const void *pa, const void *pb) {
  const gp_polis_apply_key *a = pa, *b = pb;
  if (a->participant != b->participant) return a->participant < b->participant ? -1 : 1;
  if (a->statement != b->statement) return a->statement < b->statement ? -1 : 1;
  return a->pos < b->pos ? -1 : a->pos > b->pos;
}

gp_code gp_polis_matrix_apply(const gp_polis_matrix *before, const gp_polis_event *ev, size_t n,
                              size_t n_rows, size_t n_cols, gp_polis_matrix *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  if (n_rows < before->n_rows || n_cols < before->n_cols)
    return gp_fail(err, GP_EINVAL, "n_rows", "a matrix cannot lose participants or statements");
  if (n_rows > UINT32_MAX || n_cols > UINT32_MAX)
    return gp_fail(err, GP_ETOOBIG, NULL, "too many participants or statements");
  gp_polis_apply_key *k = malloc((n + 1) * sizeof *k);
  if (!k) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  for (size_t e = 0; e < n; e++) {
    if (ev[e].vote < -1 || ev[e].vote > 1 || ev[e].participant >= n_rows ||
        ev[e].statement >= n_cols) {
      free(k);
      char path[40];
      snprintf(path, sizeof path, "events[%zu]", e);
      return gp_fail(err, GP_EINVAL, path, "a vote is -1, 0 or 1 on a known statement");
    }
    k[e] = (gp_polis_apply_key){ev[e].participant, ev[e].statement, e};
  }
  qsort(k, n, sizeof *k, gp_polis_apply_cmp);
  /* the new entries: one per (participant, statement), the last event's vote */
  size_t m = 0;
  for (size_t e = 0; e < n; e++) {
    if (m > 0 && k[m - 1].participant == k[e].participant && k[m - 1].statement == k[e].statement)
      m--;
    k[m++] = k[e];
  }
  size_t cap = before->nnz + m;
  out->row_ptr = malloc((n_rows + 1) * sizeof *out->row_ptr);
  out->col = malloc((cap + 1) * sizeof *out->col);
  out->val = malloc(cap + 1);
  if (!out->row_ptr || !out->col || !out->val) {
    free(k);
    gp_polis_matrix_free(out);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  size_t nz = 0, e = 0;
  out->row_ptr[0] = 0;
  for (size_t i = 0; i < n_rows; i++) {
    size_t a = i < before->n_rows ? before->row_ptr[i] : 0;
    size_t a1 = i < before->n_rows ? before->row_ptr[i + 1] : 0;
    if (e >= m || k[e].participant != i) { /* untouched row: copied */
      if (a1 > a) {
        memcpy(out->col + nz, before->col + a, (a1 - a) * sizeof *out->col);
        memcpy(out->val + nz, before->val + a, a1 - a);
        nz += a1 - a;
      }
    } else { /* merge the old row with its new votes (both by statement) */
      while (a < a1 || (e < m && k[e].participant == i)) {
        bool take_new =
            e < m && k[e].participant == i && (a >= a1 || k[e].statement <= before->col[a]);
        if (take_new) {
          if (a < a1 && k[e].statement == before->col[a]) a++; /* replaced */
          out->col[nz] = k[e].statement;
          out->val[nz] = ev[k[e].pos].vote;
          e++;
        } else {
          out->col[nz] = before->col[a];
          out->val[nz] = before->val[a];
          a++;
        }
        nz++;
      }
    }
    out->row_ptr[i + 1] = nz;
  }
  free(k);
  out->n_rows = n_rows;
  out->n_cols = n_cols;
  out->nnz = nz;
  return GP_OK;
}
