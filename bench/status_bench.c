/*
 * status_bench — times the status computation on a database, apart from
 * process start-up and JSON serialisation: opens the store, then runs
 * gp_app_status over every mission N times and reports the best and median
 * time, and the time to serialise the document once.
 * Like the gameplan binary, it tunes the allocator first (gp_malloc_tune);
 * "default-malloc" as a third argument leaves glibc's defaults, to see the
 * difference. Usage: build/bench/status_bench DB [RUNS] [default-malloc]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/gp_app.h"
#include "io/gp_json.h"
#include "util/gp_malloc.h"

static double gp_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int gp_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: status_bench DB [RUNS]\n");
    return 2;
  }
  if (!(argc > 3 && !strcmp(argv[3], "default-malloc"))) gp_malloc_tune();
  int runs = argc > 2 ? atoi(argv[2]) : 20;
  if (runs < 1 || runs > 1000) runs = 20;
  gp_store *s;
  gp_error err;
  if (gp_store_open(argv[1], false, &s, &err)) {
    fprintf(stderr, "%s: %s\n", err.path, err.message);
    return 1;
  }
  double *t = calloc((size_t)runs, sizeof *t);
  json_t *doc = NULL;
  for (int i = 0; i < runs; i++) {
    gp_status_query q = {.include_unpublished = true};
    json_decref(doc); /* freeing the last document is not part of computing this one */
    doc = NULL;
    double t0 = gp_now_s();
    if (gp_app_status(s, &q, &doc, &err)) {
      fprintf(stderr, "%s: %s\n", err.path, err.message);
      return 1;
    }
    t[i] = gp_now_s() - t0;
  }
  double t0 = gp_now_s();
  char *text = gp_json_dump(doc);
  double dump = gp_now_s() - t0;
  qsort(t, (size_t)runs, sizeof *t, gp_cmp_double);
  printf("status of %zu targets: best %.1f ms, median %.1f ms over %d runs; "
         "serialising the %zu-byte document: %.1f ms\n",
         json_array_size(json_object_get(doc, "targets")), t[0] * 1e3, t[runs / 2] * 1e3, runs,
         strlen(text), dump * 1e3);
  free(text);
  free(t);
  json_decref(doc);
  gp_store_close(s);
  return 0;
}
