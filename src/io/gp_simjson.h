/*
 * gp_simjson — the documents of `gameplan simulate --json` and
 * `gameplan optimise --json` (the same documents the API will serve):
 * engine results (engine/gp_sim.h, engine/gp_optimise.h) to JSON in a fixed
 * key order. The shapes are documented in docs/methods/simulation.md
 * ("Output"). Numbers that are undefined (NaN) are written as null.
 */
#ifndef GP_SIMJSON_H
#define GP_SIMJSON_H

#include <jansson.h>

#include "engine/gp_optimise.h"
#include "engine/gp_sim.h"
#include "model/gp_plan.h"

/* The simulation document for result r of plan p. A new reference the
 * caller decrefs; NULL on ENOMEM. */
json_t *gp_simjson_result(const gp_plan *p, const gp_sim_result *r);

/* The optimisation document for result r of plan p. A new reference the
 * caller decrefs; NULL on ENOMEM. */
json_t *gp_simjson_optimise(const gp_plan *p, const gp_opt_result *r);

/* The name of an uncertain input ("edge:a->b", "node:a", "counterfactual:m")
 * into buf (n bytes); returns buf. */
const char *gp_simjson_input_name(const gp_plan *p, const gp_sim_input *in, char *buf, size_t n);

/* The kind of an uncertain input: "effect", "delivery" or "counterfactual". */
const char *gp_simjson_input_kind(const gp_sim_input *in);

#endif
