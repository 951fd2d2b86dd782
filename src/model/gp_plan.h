/*
 * gp_plan — the domain types of one mission's game plan, as in PRODUCT.md
 * ("The game plan file"): the mission, its metrics, its targets, and (from
 * model/gp_graph.h) the theory of change: nodes, edges, counterfactual,
 * assumptions and tests.
 *
 * Ownership: every string and array hangs off the plan's arena; free the
 * whole plan with gp_plan_free. Optional strings are NULL when absent;
 * optional numbers use `has_*` flags. Validation (gp_plan_validate) checks
 * the cross-references and the rules a single field cannot check alone.
 */
#ifndef GP_PLAN_H
#define GP_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "model/gp_direction.h"
#include "model/gp_period.h"
#include "util/gp_arena.h"
#include "util/gp_error.h"

typedef enum gp_mission_kind {
  GP_MISSION_MISSION,            /* "mission" */
  GP_MISSION_LICENCE_TO_OPERATE, /* "licence_to_operate" */
  GP_MISSION_CRISIS              /* "crisis" */
} gp_mission_kind;

typedef enum gp_target_kind {
  GP_TARGET_MOONSHOT,  /* "moonshot" */
  GP_TARGET_COMMITTED, /* "committed" */
  GP_TARGET_INTERIM,   /* "interim" */
  GP_TARGET_FLOOR      /* "floor": applies to every breakdown value of the metric */
} gp_target_kind;

typedef struct gp_mission {
  char *id;             /* slug: [a-z0-9][a-z0-9_-]*, at most 64 bytes */
  char *title;          /* required */
  char *vision;         /* optional */
  gp_mission_kind kind; /* default "mission" */
  bool has_kind;        /* whether the document gave "kind" (kept for round trips) */
  char *lead;           /* optional: the accountable lead */
  char *start;          /* optional period the mission starts */
  char *horizon;        /* optional period the mission ends */
} gp_mission;

typedef struct gp_metric {
  char *id;               /* slug, unique across the database */
  char *name;             /* required */
  char *unit;             /* optional, e.g. "%" or "offences" */
  gp_direction direction; /* required: which way is better */
  char *frequency;        /* optional: "annual", "quarterly", "monthly", ... */
  char *source;           /* optional: where the data comes from */
} gp_metric;

typedef struct gp_point {
  char *period;     /* canonical period text */
  gp_period parsed; /* the same, parsed */
  double value;     /* the value at that period */
} gp_point;

typedef struct gp_target {
  char *id;            /* slug, unique within the mission */
  char *metric;        /* id of a metric of this plan */
  gp_target_kind kind; /* moonshot, committed, interim, floor */
  gp_point baseline;   /* required */
  gp_point target;     /* required; its period is after the baseline's */
  bool has_trajectory; /* whether the document gave "trajectory" */
  gp_point *traj;      /* custom trajectory points, strictly between baseline and target; */
  size_t ntraj;        /*   ntraj == 0 with has_trajectory means "linear" */
} gp_target;

struct gp_graph; /* model/gp_graph.h: nodes, edges, counterfactual, assumptions, tests */

typedef struct gp_plan {
  gp_arena arena;         /* owns everything below */
  gp_mission mission;     /* the mission */
  gp_metric *metrics;     /* its metrics */
  size_t nmetrics;        /*   and how many */
  gp_target *targets;     /* its targets */
  size_t ntargets;        /*   and how many */
  struct gp_graph *graph; /* the theory of change; NULL when the plan has none */
} gp_plan;

/* A new empty plan (calloc'd); NULL only if out of memory. Free with gp_plan_free. */
gp_plan *gp_plan_new(void);

/* Frees the plan and everything in its arena. NULL is allowed. */
void gp_plan_free(gp_plan *p);

/* The metric with this id, or NULL. */
const gp_metric *gp_plan_metric(const gp_plan *p, const char *id);

/* Checks what the parser cannot check field by field: unique ids, targets
 * naming metrics of the plan, baseline before target, trajectory points in
 * order between them. Returns GP_OK or GP_EINVAL with the JSON path
 * ("plan.targets[1].metric") of the first fault. */
gp_code gp_plan_validate(const gp_plan *p, gp_error *err);

/* Whether s is a valid id: 1..64 bytes of [a-z0-9_-], starting alphanumeric
 * (lower case). */
bool gp_id_valid(const char *s);

/* Names of the enums, as in the plan file; *_parse return false on unknown text. */
const char *gp_mission_kind_name(gp_mission_kind k);
bool gp_mission_kind_parse(const char *s, gp_mission_kind *out);
const char *gp_target_kind_name(gp_target_kind k);
bool gp_target_kind_parse(const char *s, gp_target_kind *out);
const char *gp_direction_name(gp_direction d);
bool gp_direction_parse(const char *s, gp_direction *out);

#endif
