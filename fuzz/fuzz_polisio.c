/* libFuzzer target: the Pol.is export reader (io/gp_polisio) on any bytes,
 * and the analysis of whatever it accepts. The input is cut into the four
 * files at each "\n@@\n" (comments, votes, participants-votes, summary). It
 * must never crash, leak or read out of bounds; a bad export is refused with
 * an error that names file:line:column. The whole input is also read as one
 * CSV table (the reader of `synthesise`). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_polis_analysis.h"
#include "io/gp_polisio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *gp_fz_part(const char *p, const char *end, size_t *len, const char **next) {
  const char *sep = NULL;
  for (const char *q = p; q + 4 <= end; q++)
    if (!memcmp(q, "\n@@\n", 4)) {
      sep = q;
      break;
    }
  *len = (size_t)((sep ? sep : end) - p);
  *next = sep ? sep + 4 : end;
  return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 200000) return 0;
  const char *p = (const char *)data, *end = p + size, *next;
  gp_polisio_files f = {0};
  f.comments = gp_fz_part(p, end, &f.comments_len, &next);
  if (next < end) f.votes = gp_fz_part(next, end, &f.votes_len, &next);
  if (next < end) f.participants = gp_fz_part(next, end, &f.participants_len, &next);
  if (next < end) f.summary = gp_fz_part(next, end, &f.summary_len, &next);
  gp_error err;
  /* the same bytes as any CSV table (synthesise's reader) */
  gp_polisio_table t;
  if (gp_polisio_table_read("fuzz.csv", p, size, &t, &err) == GP_OK) {
    for (size_t r = 0; r < t.n_rows; r++)
      for (size_t c = 0; c < t.n_cols; c++)
        (void)strlen(t.cells[r * t.n_cols + c]);
    gp_polisio_table_free(&t);
  } else if (err.code == GP_OK) {
    abort();
  }
  gp_polisio_export x;
  if (gp_polisio_parse(&f, &x, &err) != GP_OK) {
    if (err.code == GP_OK) abort(); /* a failure must say why */
    return 0;
  }
  gp_polis_matrix m;
  bool *mod_out = NULL;
  int64_t *first = NULL;
  if (gp_polisio_matrix_history(&x, &m, &mod_out, &first, &err) == GP_OK) {
    gp_polis_opts o = gp_polis_opts_default();
    o.pca_max_iters = 50;
    gp_polis_input in = {.m = &m, .mod_out = mod_out, .first = first};
    gp_polis_result r;
    if (gp_polis_analyse(&in, &o, &r, &err) == GP_OK) gp_polis_result_free(&r);
    free(mod_out);
    free(first);
    gp_polis_matrix_free(&m);
  }
  gp_polisio_free(&x);
  return 0;
}
