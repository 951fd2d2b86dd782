/*
 * fuzz_plan — libFuzzer target for the whole plan-file parser
 * (io/gp_planfile.h, which calls io/gp_graphfile.c for the theory of
 * change). Properties checked on every input:
 *   - parsing never crashes, leaks or reads out of bounds (ASan/UBSan);
 *   - a refused document carries an error code and a message;
 *   - an accepted document round-trips: dump → parse → dump gives the
 *     same bytes (the canonical form is a fixed point);
 *   - an accepted plan with targets and a small grid simulates without
 *     fault (a few draws, two threads).
 */
#include <gsl/gsl_errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_sim.h"
#include "io/gp_planfile.h"
#include "model/gp_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gsl_set_error_handler_off(); /* as gameplan's main does */
  gp_plan *p = NULL;
  gp_error err;
  gp_error_clear(&err);
  gp_code rc = gp_planfile_parse((const char *)data, size, "fuzz", &p, &err);
  if (rc) {
    if (p || err.code == GP_OK || !err.message[0]) abort();
    return 0;
  }
  char *a = gp_planfile_dump(p);
  if (!a) abort();
  gp_plan *q = NULL;
  if (gp_planfile_parse(a, strlen(a), "dump", &q, &err)) abort();
  char *b = gp_planfile_dump(q);
  if (!b || strcmp(a, b)) abort();
  free(a), free(b);
  gp_plan_free(q);
  gp_grid grid;
  size_t nn = p->graph ? p->graph->nnodes : 0;
  if (p->ntargets && gp_graph_grid(p, &grid, NULL) == GP_OK && grid.nperiods <= 60 && nn <= 64) {
    gp_sim_options o;
    gp_sim_options_default(&o);
    o.draws = 40;
    o.threads = 2;
    o.learn = true;
    gp_sim_result *r = NULL;
    if (gp_sim_run(p, &o, &r, &err) == GP_OK) gp_sim_result_free(r);
  }
  gp_plan_free(p);
  return 0;
}
