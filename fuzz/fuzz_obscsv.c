/* libFuzzer target: the observation CSV reader (io/gp_obscsv) on any bytes.
 * It must never crash, leak or read out of bounds; every row is either read
 * or refused with an error that names its place. The bytes are read twice,
 * with the plain-line path and with every line through libcsv: both must
 * give the same rows, values, errors and error places. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/gp_obscsv.h"

/* Everything one read produced, serialised for comparison. */
typedef struct fz_log {
  char *buf;  /* the bytes */
  size_t len; /* used */
  size_t cap; /* allocated */
} fz_log;

static void fz_printf(fz_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fz_printf(fz_log *l, const char *fmt, ...) {
  char tmp[600];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) abort();
  size_t k = (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1;
  if (l->len + k > l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 4096;
    while (cap < l->len + k)
      cap *= 2;
    char *b = realloc(l->buf, cap);
    if (!b) abort();
    l->buf = b;
    l->cap = cap;
  }
  memcpy(l->buf + l->len, tmp, k);
  l->len += k;
}

static void fz_read(const uint8_t *data, size_t size, bool libcsv_only, fz_log *l) {
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) abort();
  gp_obscsv *r;
  gp_error err;
  gp_code rc = gp_obscsv_open_ex(f, "fuzz.csv", libcsv_only, &r, &err);
  fz_printf(l, "open %d %s %s\n", (int)rc, rc ? err.path : "", rc ? err.message : "");
  if (rc == GP_OK) {
    for (int i = 0; i < 100000; i++) {
      gp_observation o;
      bool done = false;
      long line = 0;
      rc = gp_obscsv_next(r, &o, &done, &line, &err);
      if (done) break;
      if (rc)
        fz_printf(l, "%ld err %d %s %s\n", line, (int)rc, err.path, err.message);
      else
        fz_printf(l, "%ld %a %s\n", line, o.value, o.breakdown ? o.breakdown : "-");
      if (rc == GP_ESYNTAX || rc == GP_EIO) break;
    }
    gp_obscsv_close(r);
  }
  fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  fz_log a = {0}, b = {0};
  fz_read(data, size, false, &a);
  fz_read(data, size, true, &b);
  if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0) abort(); /* the two ways disagree */
  free(a.buf);
  free(b.buf);
  return 0;
}
