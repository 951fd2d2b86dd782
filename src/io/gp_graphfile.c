/*
 * gp_graphfile — placeholder until the game plan engine's sections land:
 * refuses any theory-of-change section with a clear error.
 */
#include "io/gp_graphfile.h"

const char *const gp_graphfile_keys[] = {"nodes", "edges", "counterfactual", "assumptions",
                                         "tests", NULL};

gp_code gp_graphfile_parse(const json_t *root, gp_plan *plan, gp_error *err) {
  (void)plan;
  for (size_t i = 0; gp_graphfile_keys[i]; i++)
    if (json_object_get(root, gp_graphfile_keys[i]))
      return gp_fail(err, GP_EINVAL, "plan", "section '%s' is not supported yet",
                     gp_graphfile_keys[i]);
  return GP_OK;
}

gp_code gp_graphfile_emit(const gp_plan *plan, json_t *root, gp_error *err) {
  (void)plan;
  (void)root;
  (void)err;
  return GP_OK;
}
