/*
 * fuzz_trialcsv — libFuzzer target for the trial CSV reader
 * (src/io/gp_trialcsv.c): arbitrary bytes are streamed through
 * gp_trialcsv_scan_mem; each record's fields are parsed as numbers and fed
 * to the analysis accumulator, as `trial analyse` does. Must never crash,
 * leak or read out of bounds, whatever the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine/gp_trial_analysis.h"
#include "io/gp_trialcsv.h"

/* Scan state. */
typedef struct fz_ctx {
  gp_trial_acc acc; /* accumulator: arm = first field's length mod 3 */
  long rows;        /* records seen */
} fz_ctx;

static gp_code fz_row(void *vp, const gp_trialcsv_row *r, gp_error *err) {
  fz_ctx *c = vp;
  c->rows++;
  if (r->line == 1 || r->nfields < 3) return GP_OK;
  double y, z;
  if (!gp_trialcsv_number(r->fields[1], &y) || !gp_trialcsv_number(r->fields[2], &z))
    return GP_OK;
  int arm = (int)(strlen(r->fields[0]) % 3);
  return gp_trial_acc_add(&c->acc, arm, 0, 0, &z, &y, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_ctx c = {0};
  gp_error err;
  if (gp_trial_acc_init(&c.acc, 1, 1, false, false, &err)) return 0;
  if (gp_trialcsv_scan_mem("fuzz.csv", (const char *)data, size, fz_row, &c, &err) == GP_OK) {
    gp_trial_col bad;
    if (gp_trial_acc_prepare(&c.acc, 0, &bad, &err) == GP_OK) {
      gp_trial_opts o = {.control = 0, .alpha = 0.05};
      gp_trial_result res;
      if (gp_trial_acc_finish(&c.acc, &o, &res, &err) == GP_OK) gp_trial_result_free(&res);
    }
  }
  gp_trial_acc_free(&c.acc);
  return 0;
}
