/* libFuzzer target: the observation CSV reader (io/gp_obscsv) on any bytes.
 * It must never crash, leak or read out of bounds; every row is either read
 * or refused with an error that names its place. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io/gp_obscsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  gp_obscsv *r;
  gp_error err;
  if (gp_obscsv_open(f, "fuzz.csv", &r, &err) == GP_OK) {
    for (int i = 0; i < 100000; i++) {
      gp_observation o;
      bool done = false;
      long line;
      gp_code rc = gp_obscsv_next(r, &o, &done, &line, &err);
      if (done || rc == GP_ESYNTAX || rc == GP_EIO) break;
      if (rc == GP_OK && o.breakdown) (void)strlen(o.breakdown);
    }
    gp_obscsv_close(r);
  }
  fclose(f);
  return 0;
}
