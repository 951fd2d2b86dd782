/*
 * gp_observation — one value of a metric for one period, for the headline
 * series or for one breakdown value (a place, a group or a unit), with its
 * optional confidence interval, sample size and source.
 */
#ifndef GP_OBSERVATION_H
#define GP_OBSERVATION_H

#include <stdbool.h>

#include "model/gp_period.h"
#include "util/gp_error.h"

typedef enum gp_breakdown_kind {
  GP_BREAKDOWN_NONE = 0, /* the headline series */
  GP_BREAKDOWN_PLACE,    /* "place" */
  GP_BREAKDOWN_GROUP,    /* "group" */
  GP_BREAKDOWN_UNIT      /* "unit" */
} gp_breakdown_kind;

typedef struct gp_observation {
  const char *metric_id;     /* the metric (borrowed) */
  gp_period period;          /* the period */
  double value;              /* the value */
  bool has_lower, has_upper; /* whether lower / upper are given */
  double lower, upper;       /* confidence interval, lower <= value <= upper */
  bool has_n;                /* whether n is given */
  long n;                    /* sample size, >= 0 */
  gp_breakdown_kind kind;    /* headline or which breakdown */
  const char *breakdown;     /* the breakdown value; NULL for the headline (borrowed) */
  const char *source;        /* where it came from (borrowed; may be NULL) */
  const char *recorded_at;   /* when stored, ISO 8601 UTC (borrowed; NULL before storing) */
  const char *superseded_at; /* for a revision: when it was replaced (borrowed) */
} gp_observation;

/* "place", "group", "unit", or "" for the headline. */
const char *gp_breakdown_kind_name(gp_breakdown_kind k);

/* Parses "place", "group" or "unit" (and "" as NONE). */
bool gp_breakdown_kind_parse(const char *s, gp_breakdown_kind *out);

/* Checks one observation's own rules: finite value, lower <= value <= upper,
 * n >= 0, a breakdown value with a breakdown kind. Returns GP_OK or
 * GP_EINVAL with path set to where (the caller's prefix, e.g. "f.csv:12"). */
gp_code gp_observation_validate(const gp_observation *o, const char *path, gp_error *err);

#endif
