/*
 * gp_polis_matrix — the vote matrix of a deliberation (Pol.is's rating
 * matrix), stored sparse.
 *
 * Rows are participants, columns statements, entries the latest vote each
 * participant cast on each statement: +1 agree, -1 disagree, 0 pass (the
 * coding of Pol.is's open-data export; Pol.is's own database codes agree as
 * -1, which changes no result below). A missing entry means "not seen".
 * Storage is compressed rows (CSR): memory is proportional to the number of
 * votes, never to participants x statements.
 */
#ifndef GP_POLIS_MATRIX_H
#define GP_POLIS_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/gp_error.h"

/* One vote event, as cast. */
typedef struct gp_polis_event {
  int64_t time;         /* when it was cast (any monotone clock); the latest wins */
  uint32_t participant; /* participant index, 0 .. n_rows-1 */
  uint32_t statement;   /* statement index, 0 .. n_cols-1 */
  int8_t vote;          /* +1 agree, -1 disagree, 0 pass */
} gp_polis_event;

/* The vote matrix, compressed by rows. */
typedef struct gp_polis_matrix {
  size_t n_rows;   /* participants */
  size_t n_cols;   /* statements */
  size_t nnz;      /* votes stored (one per participant and statement at most) */
  size_t *row_ptr; /* n_rows+1 offsets: row i's votes are [row_ptr[i], row_ptr[i+1]) */
  uint32_t *col;   /* the statement of each vote; ascending within a row */
  int8_t *val;     /* each vote: +1, -1 or 0 */
} gp_polis_matrix;

/* Builds the matrix from n_events events (any order). Where a participant
 * voted more than once on a statement the latest vote wins (greatest time;
 * equal times: the later event in the array). Fails with GP_EINVAL naming
 * "events[i]" for a vote other than -1/0/1 or an index out of range, and
 * GP_ETOOBIG for more than 2^32 - 1 events, GP_ENOMEM. On success *out
 * owns its arrays (free with gp_polis_matrix_free); on failure *out is left
 * empty. */
gp_code gp_polis_matrix_from_events(const gp_polis_event *ev, size_t n_events, size_t n_rows,
                                    size_t n_cols, gp_polis_matrix *out, gp_error *err);

/* As gp_polis_matrix_from_events on up to `threads` threads (the result
 * does not depend on the number). */
gp_code gp_polis_matrix_from_events_mt(const gp_polis_event *ev, size_t n_events, size_t n_rows,
                                       size_t n_cols, int threads, gp_polis_matrix *out,
                                       gp_error *err);

/* Builds the matrix from a dense array (row-major, n_rows x n_cols) where
 * `missing` marks "not seen": for tests and small inputs. Same ownership. */
gp_code gp_polis_matrix_from_dense(const double *dense, size_t n_rows, size_t n_cols,
                                   double missing, gp_polis_matrix *out, gp_error *err);

/* The time of each stored vote's FIRST cast (first[k] for vote k of m,
 * the minimum time over the events of that participant and statement):
 * when the participant first saw the statement. m must have been built from
 * the same events. first has m->nnz entries, owned by the caller. */
void gp_polis_matrix_first_times(const gp_polis_matrix *m, const gp_polis_event *ev,
                                 size_t n_events, int64_t *first);

/* The matrix after events ev[0..n) are cast on top of the votes of `before`:
 * in array order, so a later event wins over an earlier one and over the
 * vote `before` holds (a running conversation's new events arrive after
 * everything already counted). The matrix may grow to n_rows x n_cols (new
 * participants and statements are appended). Rows without new events are
 * copied, so the cost is O(before->nnz + n log n). GP_EINVAL names
 * "events[i]" for a bad vote or index, or "n_rows" when the size shrinks.
 * *out owns its arrays (gp_polis_matrix_free); on failure it is empty. */
gp_code gp_polis_matrix_apply(const gp_polis_matrix *before, const gp_polis_event *ev, size_t n,
                              size_t n_rows, size_t n_cols, gp_polis_matrix *out, gp_error *err);

/* Frees the arrays of m and zeroes it. NULL is allowed. */
void gp_polis_matrix_free(gp_polis_matrix *m);

/* Votes per statement: agree[j], disagree[j], seen[j] (any vote) over the
 * rows for which `rows` is true (rows NULL: every row). Arrays of n_cols,
 * owned by the caller, are overwritten. */
void gp_polis_matrix_col_counts(const gp_polis_matrix *m, const bool *rows, long *agree,
                                long *disagree, long *seen);

#endif
