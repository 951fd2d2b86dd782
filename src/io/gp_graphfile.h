/*
 * gp_graphfile — the theory-of-change sections of a plan file ("nodes",
 * "edges", "counterfactual", "assumptions", "tests"): JSON to model/gp_graph.h
 * and back. Called by io/gp_planfile.c, which owns the top level.
 */
#ifndef GP_GRAPHFILE_H
#define GP_GRAPHFILE_H

#include <jansson.h>

#include "model/gp_plan.h"

/* The top-level keys this module reads, NULL-terminated. */
extern const char *const gp_graphfile_keys[];

/* Parses those members of root (a plan document whose other sections are
 * already in plan) into plan->graph (arena-owned; left NULL when root has
 * none of them), validating kinds, distributions and references (to nodes,
 * edges, metrics, assumptions) and refusing cycles. Returns GP_OK, or
 * GP_EINVAL with the JSON path of the first fault ("plan.edges[3].effect.sd")
 * — for a cycle, the message lists the cycle's node ids in order. */
gp_code gp_graphfile_parse(const json_t *root, gp_plan *plan, gp_error *err);

/* Adds those members to root in canonical order (nothing when plan->graph is
 * NULL). Returns GP_OK or GP_ENOMEM. */
gp_code gp_graphfile_emit(const gp_plan *plan, json_t *root, gp_error *err);

struct gp_dist;
/* A distribution as the plan file writes it: a number for a fixed value,
 * else {"dist": NAME, params...}. A new reference the caller owns. */
json_t *gp_graphfile_dist_json(const struct gp_dist *d);

#endif
