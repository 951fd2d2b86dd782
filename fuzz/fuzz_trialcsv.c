/*
 * fuzz_trialcsv — libFuzzer target for the trial CSV reader
 * (src/io/gp_trialcsv.c). Arbitrary bytes are scanned twice: through the
 * fast path for plain lines and through libcsv alone; both must give the same
 * records (and the same outcome). Each record's fields are then parsed as
 * numbers and fed to the analysis accumulator, as `trial analyse` does.
 * Last, the bytes behind a header "arm,y,x" go through the whole streaming
 * analysis (gp_trialcsv_analyse: the in-place fast path, the HC2 spool),
 * read in one part and in two parts: both must succeed or fail alike and
 * agree on the rows and arms.
 * Must never crash, leak, read out of bounds or disagree, whatever the input.
 */
#include <gsl/gsl_errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_trial_analysis.h"
#include "io/gp_trialcsv.h"

/* Scan state. */
typedef struct fz_ctx {
  gp_trial_acc acc; /* accumulator: arm = first field's length mod 3 */
  char *log;        /* every record, serialised */
  size_t len, cap;  /* bytes used and allocated */
} fz_ctx;

static void fz_put(fz_ctx *c, const char *s, size_t n) {
  if (c->len + n > c->cap) {
    size_t nc = c->cap ? c->cap : 1024;
    while (nc < c->len + n)
      nc *= 2;
    char *b = realloc(c->log, nc);
    if (!b) abort();
    c->log = b;
    c->cap = nc;
  }
  memcpy(c->log + c->len, s, n);
  c->len += n;
}

static gp_code fz_row(void *vp, const gp_trialcsv_row *r, gp_error *err) {
  fz_ctx *c = vp;
  char head[64];
  int hl = snprintf(head, sizeof head, "%ld:%d|", r->line, r->nfields);
  fz_put(c, head, (size_t)hl);
  for (int i = 0; i < r->nfields; i++) {
    fz_put(c, r->fields[i], strlen(r->fields[i]));
    fz_put(c, "\x1e", 1);
  }
  if (r->line == 1 || r->nfields < 3) return GP_OK;
  double y, z;
  if (!gp_trialcsv_number(r->fields[1], &y) || !gp_trialcsv_number(r->fields[2], &z)) return GP_OK;
  int arm = (int)(strlen(r->fields[0]) % 3);
  return gp_trial_acc_add(&c->acc, arm, 0, 0, &z, &y, err);
}

/* The whole analysis of "arm,y,x" + data, in one part and in two parts. */
static void fz_analyse(const uint8_t *data, size_t size) {
  static const char head[] = "arm,y,x\n";
  char *buf = malloc(sizeof head + size);
  if (!buf) abort();
  memcpy(buf, head, sizeof head - 1);
  if (size) memcpy(buf + sizeof head - 1, data, size);
  static const char *const outcomes[] = {"y"};
  static const char *const covariates[] = {"x"};
  gp_code rc[2];
  gp_trialcsv_analysis a[2];
  for (int parts = 0; parts < 2; parts++) {
    gp_trialcsv_analyse_spec spec = {.path = "fuzz.csv",
                                     .data = buf,
                                     .data_len = sizeof head - 1 + size,
                                     .outcomes = outcomes,
                                     .n_outcomes = 1,
                                     .arm = "arm",
                                     .covariates = covariates,
                                     .n_covariates = 1,
                                     .opts = {.alpha = 0.05},
                                     .parallel_min = parts ? 1 : SIZE_MAX,
                                     .parallel_threads = 1};
    gp_error err;
    memset(&a[parts], 0, sizeof a[parts]);
    rc[parts] = gp_trialcsv_analyse(&spec, &a[parts], &err);
  }
  if (rc[0] != rc[1]) abort(); /* one part and two parts disagree */
  if (rc[0] == GP_OK && (a[0].res.n != a[1].res.n || a[0].res.n_arms != a[1].res.n_arms)) abort();
  for (int parts = 0; parts < 2; parts++)
    if (rc[parts] == GP_OK) gp_trialcsv_analysis_free(&a[parts]);
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gsl_set_error_handler_off(); /* as gameplan's main does */
  fz_ctx c[2];
  gp_code rc[2];
  gp_error err;
  for (int mode = 0; mode < 2; mode++) {
    memset(&c[mode], 0, sizeof c[mode]);
    if (gp_trial_acc_init(&c[mode].acc, 1, 1, false, false, &err)) abort();
    rc[mode] = gp_trialcsv_scan_mem("fuzz.csv", (const char *)data, size, fz_row, &c[mode],
                                    mode == 1, &err);
  }
  if (rc[0] != rc[1] || c[0].len != c[1].len || (c[0].len && memcmp(c[0].log, c[1].log, c[0].len)))
    abort(); /* the fast path and libcsv disagree */
  if (rc[0] == GP_OK) {
    gp_trial_col bad;
    if (gp_trial_acc_prepare(&c[0].acc, 0, &bad, &err) == GP_OK) {
      gp_trial_opts o = {.control = 0, .alpha = 0.05};
      gp_trial_result res;
      if (gp_trial_acc_finish(&c[0].acc, &o, &res, &err) == GP_OK) gp_trial_result_free(&res);
    }
  }
  for (int mode = 0; mode < 2; mode++) {
    gp_trial_acc_free(&c[mode].acc);
    free(c[mode].log);
  }
  fz_analyse(data, size);
  return 0;
}
