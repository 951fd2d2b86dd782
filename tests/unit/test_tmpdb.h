/*
 * test_tmpdb — a fresh database file for each test, shared by the unit
 * tests that need a real store (cmocka setup/teardown helpers).
 *
 * tmpdb_open creates an empty, migrated database under /tmp whose name
 * starts with `prefix`; tmpdb_close closes it and removes the file with
 * its -wal and -shm companions. With `plan` (a plan file path, e.g.
 * "examples/gameplans/poverty.json"), the plan is applied first.
 * Header-only (static functions): include it in one test program.
 */
#ifndef TEST_TMPDB_H
#define TEST_TMPDB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "app/gp_app.h"
#include "io/gp_planfile.h"
#include "store/gp_store.h"

/* A test's database. */
typedef struct fx {
  char path[64]; /* the database file */
  gp_store *s;   /* its handle */
} fx;

/* A new fx (the caller's; tmpdb_close frees it), or NULL on failure. */
static fx *tmpdb_open(const char *prefix, const char *plan) {
  fx *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  snprintf(f->path, sizeof f->path, "/tmp/%s_XXXXXX", prefix);
  int fd = mkstemp(f->path);
  if (fd < 0) {
    free(f);
    return NULL;
  }
  close(fd);
  unlink(f->path);
  gp_error err;
  if (gp_store_open(f->path, true, &f->s, &err)) {
    free(f);
    return NULL;
  }
  if (plan) {
    gp_plan *p = NULL;
    gp_apply_result ar;
    gp_code rc = gp_planfile_load(plan, &p, &err);
    if (!rc) rc = gp_app_plan_apply(f->s, p, NULL, "test", &ar, &err);
    gp_plan_free(p);
    if (rc) {
      gp_store_close(f->s);
      free(f);
      return NULL;
    }
  }
  return f;
}

/* Closes f's database, removes its files and frees f. */
static void tmpdb_close(fx *f) {
  gp_store_close(f->s);
  char p[80];
  unlink(f->path);
  snprintf(p, sizeof p, "%s-wal", f->path);
  unlink(p);
  snprintf(p, sizeof p, "%s-shm", f->path);
  unlink(p);
  free(f);
}

#endif
