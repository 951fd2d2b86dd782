/*
 * gp_app_opendata — builds the open data of published missions (CSV, JSON,
 * the Frictionless Data Package, the DCAT-AP catalogue and static HTML
 * pages); see gp_app_opendata.h.
 *
 * Every table is built once as rows of JSON values in its schema's field
 * order; its CSV and its JSON are both rendered from those rows, so the two
 * always agree, and the Data Package's Table Schemas are made from the same
 * field lists.
 */
#include "app/gp_app_opendata.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "io/gp_json.h"
#include "store/gp_store_scanlist.h"
#include "store/gp_store_units.h"

/* ---- table schemas ------------------------------------------------------------ */

/* One field of a Table Schema. */
typedef struct gp_od_field {
  const char *name;        /* column name */
  const char *type;        /* Table Schema type: string, number, integer, boolean, datetime */
  const char *description; /* what it holds */
  const char *unit;        /* its unit (custom "unit" property), or NULL */
  const char *enums;       /* comma-separated allowed values (constraints.enum), or NULL */
  bool required;           /* constraints.required */
} gp_od_field;

/* One foreign key: fields of this table referring to fields of another. */
typedef struct gp_od_fkey {
  const char *fields;   /* comma-separated */
  const char *resource; /* the referenced resource */
  const char *ref;      /* comma-separated referenced fields */
} gp_od_fkey;

/* One table's schema. */
typedef struct gp_od_schema {
  const char *name;          /* resource name and file stem */
  const char *title;         /* resource title */
  const char *description;   /* resource description */
  const gp_od_field *fields; /* its fields */
  size_t nfields;            /* how many */
  const char *pkey;          /* comma-separated primary key */
  const gp_od_fkey *fkeys;   /* foreign keys */
  size_t nfkeys;             /* how many */
} gp_od_schema;

#define GP_OD_N(a) (sizeof(a) / sizeof((a)[0]))
#define GP_VAL_UNIT "the metric's unit (metrics.unit)"

static const gp_od_field gp_f_missions[] = {
    {"id", "string", "Mission identifier", NULL, NULL, true},
    {"title", "string", "Mission title", NULL, NULL, true},
    {"vision", "string", "What the mission wants to achieve", NULL, NULL, false},
    {"kind", "string", "Kind of mission", NULL, "mission,licence_to_operate,crisis", true},
    {"lead", "string", "Who leads it", NULL, NULL, false},
    {"start", "string", "First period of the mission (gameplan period text)", NULL, NULL, false},
    {"horizon", "string", "Last period of the mission (gameplan period text)", NULL, NULL, false},
    {"attribution", "string", "Attribution of the data sources", NULL, NULL, false},
    {"plan_version", "integer", "Version of the mission's game plan", NULL, NULL, true},
    {"page", "string", "The mission's public page", NULL, NULL, true},
};
static const gp_od_schema gp_s_missions = {
    "missions", "Missions", "Every published mission.", gp_f_missions, GP_OD_N(gp_f_missions), "id",
    NULL,       0};

static const gp_od_field gp_f_metrics[] = {
    {"mission", "string", "Mission that owns the metric (missions.id)", NULL, NULL, true},
    {"id", "string", "Metric identifier", NULL, NULL, true},
    {"name", "string", "Metric name", NULL, NULL, true},
    {"unit", "string", "Unit of the metric's values", NULL, NULL, false},
    {"direction", "string", "Which way is better", NULL, "higher,lower", true},
    {"frequency", "string", "How often it is measured", NULL, NULL, false},
    {"source", "string", "Where its data come from", NULL, NULL, false},
};
static const gp_od_fkey gp_k_metrics[] = {{"mission", "missions", "id"}};
static const gp_od_schema gp_s_metrics = {"metrics",
                                          "Metrics",
                                          "The metrics of the published missions.",
                                          gp_f_metrics,
                                          GP_OD_N(gp_f_metrics),
                                          "id",
                                          gp_k_metrics,
                                          GP_OD_N(gp_k_metrics)};

static const gp_od_field gp_f_obs[] = {
    {"mission", "string", "Mission (missions.id)", NULL, NULL, true},
    {"metric", "string", "Metric (metrics.id)", NULL, NULL, true},
    {"series", "string", "'headline', or 'KIND:VALUE' for a breakdown", NULL, NULL, true},
    {"period", "string", "Period (2024, 2024/25, 2024-Q3, 2024-07 or 2024-07-15)", NULL, NULL,
     true},
    {"value", "number", "Current value, in " GP_VAL_UNIT, GP_VAL_UNIT, NULL, true},
    {"lower", "number", "Lower bound of its interval, in " GP_VAL_UNIT, GP_VAL_UNIT, NULL, false},
    {"upper", "number", "Upper bound of its interval, in " GP_VAL_UNIT, GP_VAL_UNIT, NULL, false},
    {"n", "integer", "Sample size or count behind the value", NULL, NULL, false},
    {"breakdown_kind", "string", "Kind of breakdown (empty: headline)", NULL, "place,group,unit",
     false},
    {"breakdown", "string", "Breakdown value (empty: headline)", NULL, NULL, false},
    {"source", "string", "Source of the value", NULL, NULL, false},
    {"recorded_at", "datetime", "When the value was recorded (ISO 8601, UTC)", NULL, NULL, true},
};
static const gp_od_fkey gp_k_obs[] = {{"metric", "metrics", "id"}, {"mission", "missions", "id"}};
static const gp_od_schema gp_s_obs = {
    "observations",
    "Observations",
    "Current values of every metric of the published missions, headline and breakdowns, with "
    "their intervals, sample sizes and sources.",
    gp_f_obs,
    GP_OD_N(gp_f_obs),
    "metric,series,period",
    gp_k_obs,
    GP_OD_N(gp_k_obs)};

static const gp_od_field gp_f_targets[] = {
    {"mission", "string", "Mission (missions.id)", NULL, NULL, true},
    {"id", "string", "Target identifier (unique within its mission)", NULL, NULL, true},
    {"metric", "string", "Metric (metrics.id)", NULL, NULL, true},
    {"kind", "string", "Kind of target", NULL, "moonshot,committed,interim,floor", true},
    {"baseline_period", "string", "Period of the baseline", NULL, NULL, true},
    {"baseline_value", "number", "Baseline value, in " GP_VAL_UNIT, GP_VAL_UNIT, NULL, true},
    {"target_period", "string", "Period by which the target is to be met", NULL, NULL, true},
    {"target_value", "number", "Target value, in " GP_VAL_UNIT, GP_VAL_UNIT, NULL, true},
    {"trajectory", "string",
     "'linear', or the trajectory's points as a JSON array of {period, value}", NULL, NULL, true},
};
static const gp_od_fkey gp_k_targets[] = {{"mission", "missions", "id"},
                                          {"metric", "metrics", "id"}};
static const gp_od_schema gp_s_targets = {"targets",
                                          "Targets",
                                          "The targets of the published missions.",
                                          gp_f_targets,
                                          GP_OD_N(gp_f_targets),
                                          "mission,id",
                                          gp_k_targets,
                                          GP_OD_N(gp_k_targets)};

static const gp_od_field gp_f_status[] = {
    {"mission", "string", "Mission (missions.id)", NULL, NULL, true},
    {"target", "string", "Target (targets.id within the mission)", NULL, NULL, true},
    {"metric", "string", "Metric (metrics.id)", NULL, NULL, true},
    {"kind", "string", "Kind of target", NULL, "moonshot,committed,interim,floor", true},
    {"direction", "string", "Which way is better", NULL, "higher,lower", true},
    {"unit", "string", "Unit of the values in this row", NULL, NULL, false},
    {"baseline_period", "string", "Period of the baseline", NULL, NULL, true},
    {"baseline_value", "number", "Baseline value, in " GP_VAL_UNIT, GP_VAL_UNIT, NULL, true},
    {"target_period", "string", "Period of the target", NULL, NULL, true},
    {"target_value", "number", "Target value, in " GP_VAL_UNIT, GP_VAL_UNIT, NULL, true},
    {"latest_period", "string", "Period of the latest actual", NULL, NULL, false},
    {"latest_value", "number", "Latest actual, in " GP_VAL_UNIT, GP_VAL_UNIT, NULL, false},
    {"trajectory_value", "number", "Where the trajectory says it should be at the latest period",
     GP_VAL_UNIT, NULL, false},
    {"forecast_mean", "number", "Forecast at the target period (mean)", GP_VAL_UNIT, NULL, false},
    {"forecast_pi80_lower", "number", "80% prediction interval, lower", GP_VAL_UNIT, NULL, false},
    {"forecast_pi80_upper", "number", "80% prediction interval, upper", GP_VAL_UNIT, NULL, false},
    {"forecast_pi95_lower", "number", "95% prediction interval, lower", GP_VAL_UNIT, NULL, false},
    {"forecast_pi95_upper", "number", "95% prediction interval, upper", GP_VAL_UNIT, NULL, false},
    {"forecast_n", "integer", "Observations the forecast was fitted on", NULL, NULL, false},
    {"forecast_reason", "string", "Why there is no forecast", NULL, NULL, false},
    {"p_meet", "number", "Probability that the target is met (0 to 1)", "probability", NULL, false},
    {"rating", "string", "Delivery confidence rating", NULL,
     "green,amber_green,amber_red,red,not_rated", true},
    {"open_sdg_status", "string", "Progress status as Open SDG defines it", NULL,
     "target_achieved,on_track,needs_acceleration,limited_progress,deterioration,not_available",
     true},
    {"rebaselined", "boolean", "Whether the target was rebaselined", NULL, NULL, true},
};
static const gp_od_fkey gp_k_status[] = {{"mission,target", "targets", "mission,id"},
                                         {"metric", "metrics", "id"}};
static const gp_od_schema gp_s_status = {
    "status",
    "Latest status",
    "Every target's latest status: latest actual, forecast with prediction intervals, "
    "probability of meeting the target and rating (see docs/methods.md, Status).",
    gp_f_status,
    GP_OD_N(gp_f_status),
    "mission,target",
    gp_k_status,
    GP_OD_N(gp_k_status)};

static const gp_od_field gp_f_scans[] = {
    {"mission", "string", "Mission (missions.id)", NULL, NULL, true},
    {"metric", "string", "Metric scanned (metrics.id)", NULL, NULL, true},
    {"period", "string", "Period of the unit data scanned", NULL, NULL, true},
    {"kind", "string", "What the unit values are", NULL, "score,count,observed_expected", true},
    {"units", "integer", "Units in the data set (missing values included)", NULL, NULL, true},
    {"scanned", "integer", "Units scanned", NULL, NULL, false},
    {"discoveries", "integer", "Units flagged at the false discovery rate", NULL, NULL, false},
    {"type", "string", "Indicator type", NULL, "sr,proportion,ratio,score", false},
    {"adjust", "string", "Covariates adjusted for (comma-separated)", NULL, NULL, false},
    {"overdispersion", "string", "Overdispersion model", NULL, "none,additive,multiplicative",
     false},
    {"trim", "number", "Share of z-scores winsorised at each end", "proportion", NULL, false},
    {"level", "number", "Funnel limit level of the flags (0.95: 95% limits)", "proportion", NULL,
     false},
    {"fdr", "number", "False discovery rate", "proportion", NULL, false},
    {"target", "number", "Target (centre of the funnel) on the indicator's scale", NULL, NULL,
     false},
    {"phi", "number", "Overdispersion factor phi", NULL, NULL, false},
    {"tau2", "number", "Additive between-unit variance tau squared", NULL, NULL, false},
    {"source", "string", "Source of the unit data", NULL, NULL, false},
    {"imported_at", "datetime", "When the unit data were imported", NULL, NULL, false},
    {"created_at", "datetime", "When the scan was saved", NULL, NULL, true},
    {"path", "string", "The scan's per-unit file (CSV), relative to this package", NULL, NULL,
     true},
};
static const gp_od_fkey gp_k_scans[] = {{"metric", "metrics", "id"}, {"mission", "missions", "id"}};
static const gp_od_schema gp_s_scans = {
    "scans",
    "Scans of front-line units",
    "Every saved funnel-plot scan of a published mission's metric (see docs/methods/scan.md).",
    gp_f_scans,
    GP_OD_N(gp_f_scans),
    "metric,period",
    gp_k_scans,
    GP_OD_N(gp_k_scans)};

static const gp_od_field gp_f_units[] = {
    {"metric", "string", "Metric scanned (metrics.id)", NULL, NULL, true},
    {"period", "string", "Period", NULL, NULL, true},
    {"unit", "string", "Unit identifier (school, force, hospital, council)", NULL, NULL, true},
    {"name", "string", "Unit name", NULL, NULL, false},
    {"value", "number", "Value: a score, a numerator or an observed count (see scans.kind)",
     GP_VAL_UNIT, NULL, false},
    {"se", "number", "Standard error of a score", GP_VAL_UNIT, NULL, false},
    {"lower", "number", "Lower bound of the interval as published", GP_VAL_UNIT, NULL, false},
    {"upper", "number", "Upper bound of the interval as published", GP_VAL_UNIT, NULL, false},
    {"denominator", "number", "Denominator, or expected count", NULL, NULL, false},
    {"indicator", "number", "The scan's indicator (ratio, proportion or difference)", NULL, NULL,
     false},
    {"flag", "string", "Flag at the scan's level (empty: not scanned)", NULL, "high,low,none",
     false},
};
static const gp_od_fkey gp_k_units[] = {{"metric,period", "scans", "metric,period"}};
static const gp_od_schema gp_s_units = {
    "scan-units", "Scan of units",     "Per-unit values and flags of one saved scan.",
    gp_f_units,   GP_OD_N(gp_f_units), "metric,period,unit",
    gp_k_units,   GP_OD_N(gp_k_units)};

/* ---- the builder ---------------------------------------------------------------- */

/* What a build collects. */
typedef struct gp_od {
  gp_store *s;               /* the store */
  const gp_opendata_opts *o; /* options */
  char base[512];            /* the site root URL, without a trailing "/" */
  const char *want;          /* the one path wanted, or NULL: every file */
  gp_opendata_emit emit;     /* where files go */
  void *ctx;                 /* emit's context */
  json_t *missions;          /* rows of the missions table */
  json_t *metrics;           /* rows of metrics */
  json_t *obs;               /* rows of observations */
  json_t *targets;           /* rows of targets */
  json_t *status;            /* rows of status (NULL: not built) */
  json_t *status_doc;        /* the status document (NULL: not built) */
  json_t *scans;             /* rows of scans */
  json_t *dates;             /* mission id -> {"issued", "modified"} */
  json_t *mdocs;             /* mission id -> its gp_app_mission_doc */
} gp_od;

/* A string or JSON null for NULL or "". */
static json_t *gp_od_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *gp_od_get(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return v ? json_incref(v) : json_null();
}

/* Element i of an array (a new reference), or JSON null. */
static json_t *gp_od_at(const json_t *arr, size_t i) {
  json_t *v = json_array_get(arr, i);
  return v ? json_incref(v) : json_null();
}

/* Updates the mission's issued (earliest) / modified (latest) time with t. */
static void gp_od_date(gp_od *b, const char *mission, const char *t) {
  if (!t || !*t) return;
  json_t *d = json_object_get(b->dates, mission);
  if (!d) {
    d = json_pack("{s:s, s:s}", "issued", t, "modified", t);
    json_object_set_new(b->dates, mission, d);
    return;
  }
  if (strcmp(t, json_string_value(json_object_get(d, "issued"))) < 0)
    json_object_set_new(d, "issued", json_string(t));
  if (strcmp(t, json_string_value(json_object_get(d, "modified"))) > 0)
    json_object_set_new(d, "modified", json_string(t));
}

/* Whether the build needs the file (or files under the prefix) at path. */
static bool gp_od_wants(const gp_od *b, const char *prefix) {
  return !b->want || !strncmp(b->want, prefix, strlen(prefix));
}

static void gp_od_version_cb(void *ctx, const gp_plan_version_row *row) {
  void **c = ctx;
  gp_od_date(c[0], c[1], row->created_at);
}

typedef struct gp_od_obs_ctx {
  gp_od *b;            /* the build */
  const char *mission; /* the metric's mission */
  const char *metric;  /* the metric */
} gp_od_obs_ctx;

static json_t *gp_od_num(bool has, double v) { return has ? gp_json_num(v) : json_null(); }

static void gp_od_obs_cb(void *ctx, const gp_observation *o, bool is_revision) {
  gp_od_obs_ctx *c = ctx;
  if (is_revision) return;
  char period[GP_PERIOD_MAX], series[600];
  gp_period_format(&o->period, period);
  const char *kind = o->kind ? gp_breakdown_kind_name(o->kind) : NULL;
  if (o->breakdown)
    snprintf(series, sizeof series, "%s:%s", kind ? kind : "breakdown", o->breakdown);
  else
    snprintf(series, sizeof series, "headline");
  json_t *row = json_array();
  json_array_append_new(row, json_string(c->mission));
  json_array_append_new(row, json_string(c->metric));
  json_array_append_new(row, json_string(series));
  json_array_append_new(row, json_string(period));
  json_array_append_new(row, gp_json_num(o->value));
  json_array_append_new(row, gp_od_num(o->has_lower, o->lower));
  json_array_append_new(row, gp_od_num(o->has_upper, o->upper));
  json_array_append_new(row, o->has_n ? json_integer(o->n) : json_null());
  json_array_append_new(row, o->breakdown ? gp_od_str(kind) : json_null());
  json_array_append_new(row, gp_od_str(o->breakdown));
  json_array_append_new(row, gp_od_str(o->source));
  json_array_append_new(row, gp_od_str(o->recorded_at));
  json_array_append_new(c->b->obs, row);
  gp_od_date(c->b, c->mission, o->recorded_at);
}

/* Reads one published mission: its row, metrics, targets, observations, dates. */
static gp_code gp_od_mission(gp_od *b, const gp_mission_row *r, gp_error *err) {
  const gp_mission *m = &r->mission;
  json_t *doc;
  gp_code rc = gp_app_mission_doc(b->s, m->id, false, &doc, err);
  if (rc) return rc;
  json_object_set_new(b->mdocs, m->id, doc);
  char page[1024];
  snprintf(page, sizeof page, "%s/missions/%s", b->base, m->id);
  json_array_append_new(b->missions,
                        json_pack("[s, s, o, s, o, o, o, o, I, s]", m->id, m->title,
                                  gp_od_str(m->vision), gp_mission_kind_name(m->kind),
                                  gp_od_str(m->lead), gp_od_str(m->start), gp_od_str(m->horizon),
                                  gp_od_str(r->attribution), (json_int_t)r->plan_version, page));
  void *vc[2] = {b, (void *)m->id};
  if ((rc = gp_store_plan_versions(b->s, m->id, gp_od_version_cb, vc, err))) return rc;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(doc, "metrics"), i, x) {
    const char *mid = json_string_value(json_object_get(x, "id"));
    json_array_append_new(b->metrics,
                          json_pack("[s, s, o, o, o, o, o]", m->id, mid, gp_od_get(x, "name"),
                                    gp_od_get(x, "unit"), gp_od_get(x, "direction"),
                                    gp_od_get(x, "frequency"), gp_od_get(x, "source")));
    /* observations only for the files that show them (or their dates) */
    if (b->want && !strstr(b->want, "/observations.") && strcmp(b->want, "data/catalog.jsonld"))
      continue;
    gp_obs_filter f;
    memset(&f, 0, sizeof f);
    f.all_breakdowns = true;
    f.until_day = INT32_MAX;
    gp_od_obs_ctx oc = {b, m->id, mid};
    if ((rc = gp_store_obs_list(b->s, mid, &f, gp_od_obs_cb, &oc, err))) return rc;
  }
  json_array_foreach(json_object_get(doc, "targets"), i, x) {
    json_t *traj = json_object_get(x, "trajectory");
    json_t *tj;
    if (json_is_string(traj)) {
      tj = json_incref(traj);
    } else {
      char *t = json_dumps(traj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
      tj = json_string(t ? t : "linear");
      free(t);
    }
    json_t *bl = json_object_get(x, "baseline"), *tg = json_object_get(x, "target");
    json_array_append_new(b->targets,
                          json_pack("[s, o, o, o, o, o, o, o, o]", m->id, gp_od_get(x, "id"),
                                    gp_od_get(x, "metric"), gp_od_get(x, "kind"),
                                    gp_od_get(bl, "period"), gp_od_get(bl, "value"),
                                    gp_od_get(tg, "period"), gp_od_get(tg, "value"), tj));
  }
  return GP_OK;
}

/* The status rows, from gp_app_status for visitors. */
static gp_code gp_od_status(gp_od *b, gp_error *err) {
  gp_status_query q = {.mission_id = NULL, .as_of = NULL, .include_unpublished = false};
  gp_code rc = gp_app_status(b->s, &q, &b->status_doc, err);
  if (rc) return rc;
  b->status = json_array();
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(b->status_doc, "targets"), i, t) {
    /* only missions in this build (published ones) */
    if (!json_object_get(b->mdocs, json_string_value(json_object_get(t, "mission")))) continue;
    json_t *bl = json_object_get(t, "baseline"), *tg = json_object_get(t, "target");
    json_t *la = json_object_get(t, "latest"), *fc = json_object_get(t, "forecast");
    json_t *p80 = json_object_get(fc, "pi80"), *p95 = json_object_get(fc, "pi95");
    json_t *row = json_array();
    const char *keys[] = {"mission", "id", "metric", "kind", "direction", "unit"};
    for (size_t k = 0; k < GP_OD_N(keys); k++)
      json_array_append_new(row, gp_od_get(t, keys[k]));
    json_array_append_new(row, gp_od_get(bl, "period"));
    json_array_append_new(row, gp_od_get(bl, "value"));
    json_array_append_new(row, gp_od_get(tg, "period"));
    json_array_append_new(row, gp_od_get(tg, "value"));
    json_array_append_new(row, gp_od_get(la, "period"));
    json_array_append_new(row, gp_od_get(la, "value"));
    json_array_append_new(row, gp_od_get(t, "trajectory_value"));
    json_array_append_new(row, gp_od_get(fc, "mean"));
    json_array_append_new(row, gp_od_at(p80, 0));
    json_array_append_new(row, gp_od_at(p80, 1));
    json_array_append_new(row, gp_od_at(p95, 0));
    json_array_append_new(row, gp_od_at(p95, 1));
    json_array_append_new(row, gp_od_get(fc, "n"));
    json_array_append_new(row, gp_od_get(t, "forecast_reason"));
    json_array_append_new(row, gp_od_get(t, "p_meet"));
    json_array_append_new(row, gp_od_get(t, "rating"));
    json_array_append_new(row, gp_od_get(t, "open_sdg_status"));
    json_array_append_new(row, gp_od_get(t, "rebaselined"));
    json_array_append_new(b->status, row);
  }
  return GP_OK;
}

/* The file-name form of a period ("2018/19" -> "2018_19"). */
static void gp_od_slug(const char *period, char *out, size_t n) {
  snprintf(out, n, "%s", period);
  for (char *p = out; *p; p++)
    if (*p == '/') *p = '_';
}

typedef struct gp_od_scan_ctx {
  gp_od *b;      /* the build */
  json_t *owner; /* metric id -> mission id of published missions */
} gp_od_scan_ctx;

static json_t *gp_od_opt(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return v && (json_is_number(v) || json_is_string(v)) ? json_incref(v) : json_null();
}

static void gp_od_scan_cb(void *ctx, const gp_scan_row *r) {
  gp_od_scan_ctx *c = ctx;
  const char *mission = json_string_value(json_object_get(c->owner, r->metric_id));
  if (!mission) return; /* a metric of an unpublished mission */
  json_t *opt = r->options ? json_loads(r->options, 0, NULL) : NULL;
  json_t *sum = r->summary ? json_loads(r->summary, 0, NULL) : NULL;
  char adjust[1024] = "", slug[GP_PERIOD_MAX], path[256];
  size_t i, used = 0;
  json_t *a;
  json_array_foreach(json_object_get(opt, "adjust"), i, a) {
    int k = snprintf(adjust + used, sizeof adjust - used, "%s%s", i ? "," : "",
                     json_string_value(a) ? json_string_value(a) : "");
    if (k < 0 || (size_t)k >= sizeof adjust - used) break;
    used += (size_t)k;
  }
  gp_od_slug(r->period, slug, sizeof slug);
  snprintf(path, sizeof path, "scans/%s/%s.csv", r->metric_id, slug);
  json_t *row = json_array();
  json_array_append_new(row, json_string(mission));
  json_array_append_new(row, json_string(r->metric_id));
  json_array_append_new(row, json_string(r->period));
  json_array_append_new(row, json_string(r->kind));
  json_array_append_new(row, json_integer(r->n));
  json_array_append_new(row, gp_od_opt(sum, "scanned"));
  json_array_append_new(row, gp_od_opt(sum, "discoveries"));
  json_array_append_new(row, gp_od_opt(opt, "type"));
  json_array_append_new(row, gp_od_str(adjust));
  json_array_append_new(row, gp_od_opt(opt, "overdispersion"));
  json_array_append_new(row, gp_od_opt(opt, "trim"));
  json_array_append_new(row, gp_od_opt(opt, "level"));
  json_array_append_new(row, gp_od_opt(opt, "fdr"));
  json_array_append_new(row, gp_od_opt(sum, "target"));
  json_array_append_new(row, gp_od_opt(sum, "phi"));
  json_array_append_new(row, gp_od_opt(sum, "tau2"));
  json_array_append_new(row, gp_od_str(r->source));
  json_array_append_new(row, gp_od_str(r->imported_at));
  json_array_append_new(row, json_string(r->created_at));
  json_array_append_new(row, json_string(path));
  json_array_append_new(c->b->scans, row);
  gp_od_date(c->b, mission, r->created_at);
  json_decref(opt);
  json_decref(sum);
}

static gp_code gp_od_scans(gp_od *b, gp_error *err) {
  gp_od_scan_ctx c = {b, json_object()};
  size_t i;
  json_t *m;
  json_array_foreach(b->metrics, i, m) {
    json_object_set(c.owner, json_string_value(json_array_get(m, 1)), json_array_get(m, 0));
  }
  gp_code rc = GP_OK;
  if (json_array_size(b->metrics)) {
    gp_error e2;
    rc = gp_store_scans_list(b->s, NULL, gp_od_scan_cb, &c, &e2);
    /* A store without unit tables (another backend) publishes no scans. */
    if (rc == GP_EINTERNAL)
      rc = GP_OK;
    else if (rc && err)
      *err = e2;
  }
  json_decref(c.owner);
  return rc;
}

/* The per-unit rows of one saved scan. */
static gp_code gp_od_scan_units(gp_od *b, const char *metric, const char *period, json_t **out,
                                gp_error *err) {
  gp_unit_dataset d;
  memset(&d, 0, sizeof d);
  gp_code rc = gp_store_units_load(b->s, metric, period, &d, err);
  if (rc) return rc;
  size_t n = d.n;
  int8_t *fl = calloc(n ? n : 1, 1);
  double *ind = malloc((n ? n : 1) * sizeof *ind);
  if (!fl || !ind) abort();
  bool found = false;
  rc = gp_store_units_scan_load(b->s, metric, period, n, fl, ind, NULL, &found, err);
  if (!rc) {
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
      bool scanned = found && isfinite(ind[i]);
      const char *flag = !scanned ? NULL : fl[i] > 0 ? "high" : fl[i] < 0 ? "low" : "none";
      json_t *row = json_array();
      json_array_append_new(row, json_string(metric));
      json_array_append_new(row, json_string(period));
      json_array_append_new(row, json_string(d.ids[i]));
      json_array_append_new(row, gp_od_str(d.names ? d.names[i] : NULL));
      json_array_append_new(row, gp_json_num(d.val[i]));
      json_array_append_new(row, d.se ? gp_json_num(d.se[i]) : json_null());
      json_array_append_new(row, d.lower ? gp_json_num(d.lower[i]) : json_null());
      json_array_append_new(row, d.upper ? gp_json_num(d.upper[i]) : json_null());
      json_array_append_new(row, d.den ? gp_json_num(d.den[i]) : json_null());
      json_array_append_new(row, scanned ? gp_json_num(ind[i]) : json_null());
      json_array_append_new(row, gp_od_str(flag));
      json_array_append_new(rows, row);
    }
    *out = rows;
  }
  free(fl);
  free(ind);
  gp_unit_dataset_free(&d);
  return rc;
}

/* ---- rendering ------------------------------------------------------------------ */

/* Writes one CSV field (quoted when needed). */
static void gp_od_csv_field(FILE *f, const json_t *v) {
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    if (strpbrk(s, ",\"\r\n") || s[0] == ' ' || (*s && s[strlen(s) - 1] == ' ')) {
      fputc('"', f);
      for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
      }
      fputc('"', f);
    } else {
      fputs(s, f);
    }
  } else if (json_is_integer(v)) {
    fprintf(f, "%lld", (long long)json_integer_value(v));
  } else if (json_is_real(v)) {
    fprintf(f, "%.15g", json_real_value(v));
  } else if (json_is_true(v)) {
    fputs("true", f);
  } else if (json_is_false(v)) {
    fputs("false", f);
  }
}

/* Passes a file to emit if the build wants it; frees body. */
static gp_code gp_od_put(gp_od *b, const char *path, const char *media, char *body, size_t len,
                         gp_error *err) {
  gp_code rc = GP_OK;
  if (!b->want || !strcmp(b->want, path)) rc = b->emit(b->ctx, path, media, body, len, err);
  free(body);
  return rc;
}

static bool gp_od_row_in(const json_t *row, const char *mission) {
  return !mission || !strcmp(json_string_value(json_array_get(row, 0)), mission);
}

/* Emits stem.csv and stem.json of the rows (those of mission only, if given). */
static gp_code gp_od_table(gp_od *b, const char *stem, const gp_od_schema *sc, const json_t *rows,
                           const char *mission, gp_error *err) {
  char path[512];
  snprintf(path, sizeof path, "%s.csv", stem);
  gp_code rc;
  if (!b->want || !strcmp(b->want, path)) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return gp_fail(err, GP_EIO, path, "out of memory");
    for (size_t j = 0; j < sc->nfields; j++)
      fprintf(f, "%s%c", sc->fields[j].name, j + 1 < sc->nfields ? ',' : '\n');
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
      if (!gp_od_row_in(row, mission)) continue;
      for (size_t j = 0; j < sc->nfields; j++) {
        gp_od_csv_field(f, json_array_get(row, j));
        fputc(j + 1 < sc->nfields ? ',' : '\n', f);
      }
    }
    fclose(f);
    if ((rc = gp_od_put(b, path, "text/csv; charset=utf-8", buf, len, err))) return rc;
  }
  snprintf(path, sizeof path, "%s.json", stem);
  if (!b->want || !strcmp(b->want, path)) {
    json_t *arr = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
      if (!gp_od_row_in(row, mission)) continue;
      json_t *o = json_object();
      for (size_t j = 0; j < sc->nfields; j++)
        json_object_set(o, sc->fields[j].name, json_array_get(row, j));
      json_array_append_new(arr, o);
    }
    char *s = gp_json_dump(arr);
    json_decref(arr);
    if (!s) return gp_fail(err, GP_EIO, path, "out of memory");
    if ((rc = gp_od_put(b, path, "application/json", s, strlen(s), err))) return rc;
  }
  return GP_OK;
}

/* Splits "a,b" into a JSON array of strings. */
static json_t *gp_od_list(const char *csv) {
  json_t *arr = json_array();
  const char *p = csv;
  while (*p) {
    const char *q = strchr(p, ',');
    size_t n = q ? (size_t)(q - p) : strlen(p);
    json_array_append_new(arr, json_stringn(p, n));
    p += n + (q ? 1 : 0);
  }
  return arr;
}

/* The Table Schema of sc. */
static json_t *gp_od_table_schema(const gp_od_schema *sc) {
  json_t *fields = json_array();
  for (size_t j = 0; j < sc->nfields; j++) {
    const gp_od_field *f = &sc->fields[j];
    json_t *o = json_pack("{s:s, s:s, s:s}", "name", f->name, "type", f->type, "description",
                          f->description);
    if (!strcmp(f->type, "datetime")) json_object_set_new(o, "format", json_string("any"));
    if (f->unit) json_object_set_new(o, "unit", json_string(f->unit));
    json_t *cons = json_object();
    if (f->required) json_object_set_new(cons, "required", json_true());
    if (f->enums) json_object_set_new(cons, "enum", gp_od_list(f->enums));
    if (json_object_size(cons))
      json_object_set_new(o, "constraints", cons);
    else
      json_decref(cons);
    json_array_append_new(fields, o);
  }
  json_t *fk = json_array();
  for (size_t k = 0; k < sc->nfkeys; k++)
    json_array_append_new(
        fk, json_pack("{s:o, s:{s:s, s:o}}", "fields", gp_od_list(sc->fkeys[k].fields), "reference",
                      "resource", sc->fkeys[k].resource, "fields", gp_od_list(sc->fkeys[k].ref)));
  json_t *ts = json_pack("{s:o, s:o}", "fields", fields, "primaryKey", gp_od_list(sc->pkey));
  if (json_array_size(fk)) /* the spec wants at least one when present */
    json_object_set_new(ts, "foreignKeys", fk);
  else
    json_decref(fk);
  json_object_set_new(ts, "missingValues", json_pack("[s]", ""));
  return ts;
}

static json_t *gp_od_resource(const char *name, const char *path, const gp_od_schema *sc,
                              const char *title, const char *description) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "name", name, "path", path,
                   "profile", "tabular-data-resource", "title", title, "description", description,
                   "format", "csv", "mediatype", "text/csv", "encoding", "utf-8", "schema",
                   gp_od_table_schema(sc));
}

static const char *gp_od_licence_name(const gp_opendata_opts *o) {
  return o->licence_name ? o->licence_name : "OGL-UK-3.0";
}
static bool gp_od_licence_default(const gp_opendata_opts *o) {
  return !strcmp(gp_od_licence_name(o), "OGL-UK-3.0");
}
static const char *gp_od_licence_title(const gp_opendata_opts *o) {
  if (o->licence_title) return o->licence_title;
  return gp_od_licence_default(o) ? "Open Government Licence v3.0" : gp_od_licence_name(o);
}
static const char *gp_od_licence_url(const gp_opendata_opts *o) {
  static _Thread_local char spdx[300];
  if (o->licence_url) return o->licence_url;
  if (gp_od_licence_default(o))
    return "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/";
  snprintf(spdx, sizeof spdx, "https://spdx.org/licenses/%s", gp_od_licence_name(o));
  return spdx;
}
static const char *gp_od_publisher(const gp_opendata_opts *o) {
  return o->publisher ? o->publisher : "gameplan";
}

/* The Data Package (datapackage.json). */
static json_t *gp_od_datapackage(gp_od *b) {
  const gp_opendata_opts *o = b->o;
  json_t *lic =
      json_pack("{s:s, s:s}", "name", gp_od_licence_name(o), "title", gp_od_licence_title(o));
  if (gp_od_licence_url(o)) json_object_set_new(lic, "path", json_string(gp_od_licence_url(o)));
  json_t *sources = json_array();
  size_t i;
  json_t *m;
  json_array_foreach(b->missions, i, m) {
    const char *attr = json_string_value(json_array_get(m, 7));
    char title[4096];
    snprintf(title, sizeof title, "%s: %s", json_string_value(json_array_get(m, 1)),
             attr ? attr : "data recorded by the mission's team");
    json_array_append_new(sources,
                          json_pack("{s:s, s:O}", "title", title, "path", json_array_get(m, 9)));
  }
  json_t *res = json_array();
  json_array_append_new(res, gp_od_resource("missions", "missions.csv", &gp_s_missions,
                                            gp_s_missions.title, gp_s_missions.description));
  json_array_append_new(res, gp_od_resource("metrics", "metrics.csv", &gp_s_metrics,
                                            gp_s_metrics.title, gp_s_metrics.description));
  json_array_append_new(res, gp_od_resource("observations", "observations.csv", &gp_s_obs,
                                            gp_s_obs.title, gp_s_obs.description));
  json_array_append_new(res, gp_od_resource("targets", "targets.csv", &gp_s_targets,
                                            gp_s_targets.title, gp_s_targets.description));
  json_array_append_new(res, gp_od_resource("status", "status.csv", &gp_s_status, gp_s_status.title,
                                            gp_s_status.description));
  json_array_append_new(res, gp_od_resource("scans", "scans.csv", &gp_s_scans, gp_s_scans.title,
                                            gp_s_scans.description));
  json_array_foreach(b->scans, i, m) {
    const char *metric = json_string_value(json_array_get(m, 1));
    const char *period = json_string_value(json_array_get(m, 2));
    char name[600], title[512], desc[512];
    gp_od_slug(period, title, sizeof title);
    snprintf(name, sizeof name, "scan-%s-%s", metric, title);
    for (char *p = name; *p; p++)
      if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
            *p == '.'))
        *p = '-';
    snprintf(title, sizeof title, "Scan of %s, %s", metric, period);
    snprintf(desc, sizeof desc,
             "Per-unit values, indicators and flags of the saved scan of metric %s for %s.", metric,
             period);
    json_array_append_new(res, gp_od_resource(name, json_string_value(json_array_get(m, 19)),
                                              &gp_s_units, title, desc));
  }
  char id[700], home[700];
  snprintf(id, sizeof id, "%s/data/datapackage.json", b->base);
  snprintf(home, sizeof home, "%s/", b->base);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[o], s:o, s:o}", "profile",
                   "tabular-data-package", "name", "gameplan-open-data", "id", id, "title",
                   "Missions: targets, progress and data", "description",
                   "Every published mission's metrics, observations, targets and latest status, "
                   "and every saved scan of front-line units, as published by gameplan.",
                   "homepage", home, "licenses", lic, "sources", sources, "resources", res);
}

/* ---- DCAT ------------------------------------------------------------------------- */

static json_t *gp_od_dt(const char *t) {
  return json_pack("{s:s, s:s}", "@value", t, "@type", "xsd:dateTime");
}

static json_t *gp_od_iri(const char *s) { return json_pack("{s:s}", "@id", s); }

/* One dcat:Distribution of a file under data/. */
static json_t *gp_od_dist(gp_od *b, const char *file, const char *title, const char *desc,
                          const json_t *dates) {
  bool csv = strstr(file, ".csv") != NULL;
  char url[1024], id[1100];
  snprintf(url, sizeof url, "%s/data/%s", b->base, file);
  snprintf(id, sizeof id, "%s#distribution", url);
  json_t *d =
      json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:{s:s, s:s}, s:o}", "@id", id, "@type",
                "dcat:Distribution", "dct:title", title, "dct:description", desc, "dcat:accessURL",
                gp_od_iri(url), "dcat:downloadURL", gp_od_iri(url), "dct:format", "@id",
                csv ? "http://publications.europa.eu/resource/authority/file-type/CSV"
                    : "http://publications.europa.eu/resource/authority/file-type/JSON",
                "@type", "dct:MediaTypeOrExtent", "dcat:mediaType",
                gp_od_iri(csv ? "https://www.iana.org/assignments/media-types/text/csv"
                              : "https://www.iana.org/assignments/media-types/application/json"));
  if (gp_od_licence_url(b->o))
    json_object_set_new(d, "dct:license", gp_od_iri(gp_od_licence_url(b->o)));
  if (dates) {
    json_object_set_new(d, "dct:issued",
                        gp_od_dt(json_string_value(json_object_get(dates, "issued"))));
    json_object_set_new(d, "dct:modified",
                        gp_od_dt(json_string_value(json_object_get(dates, "modified"))));
  }
  return d;
}

static json_t *gp_od_catalog(gp_od *b) {
  char cat[700], home[700], pub[700], dp[700];
  snprintf(cat, sizeof cat, "%s/data/catalog.jsonld", b->base);
  snprintf(home, sizeof home, "%s/", b->base);
  snprintf(pub, sizeof pub, "%s/#publisher", b->base);
  snprintf(dp, sizeof dp, "%s/data/datapackage.json", b->base);
  json_t *ctx = json_pack(
      "{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "dcat", "http://www.w3.org/ns/dcat#", "dct",
      "http://purl.org/dc/terms/", "foaf", "http://xmlns.com/foaf/0.1/", "vcard",
      "http://www.w3.org/2006/vcard/ns#", "xsd", "http://www.w3.org/2001/XMLSchema#", "rdfs",
      "http://www.w3.org/2000/01/rdf-schema#", "adms", "http://www.w3.org/ns/adms#");
  json_t *publisher =
      json_pack("{s:s, s:s, s:s, s:o}", "@id", pub, "@type", "foaf:Agent", "foaf:name",
                gp_od_publisher(b->o), "foaf:homepage", gp_od_iri(home));
  json_t *datasets = json_array();
  const char *first = NULL, *last = NULL;
  size_t i;
  json_t *m;
  json_array_foreach(b->missions, i, m) {
    const char *id = json_string_value(json_array_get(m, 0));
    const char *title = json_string_value(json_array_get(m, 1));
    const char *vision = json_string_value(json_array_get(m, 2));
    const char *lead = json_string_value(json_array_get(m, 4));
    const char *attr = json_string_value(json_array_get(m, 7));
    const char *page = json_string_value(json_array_get(m, 9));
    json_t *dates = json_object_get(b->dates, id);
    char dsid[1100], desc[2048];
    snprintf(dsid, sizeof dsid, "%s#dataset", page);
    snprintf(desc, sizeof desc,
             "%s%sTargets, metrics, observations and latest status of the "
             "mission \"%s\".",
             vision ? vision : "", vision ? " " : "", title);
    json_t *ds =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:O, s:o, s:[s, s, s]}", "@id", dsid, "@type",
                  "dcat:Dataset", "dct:identifier", id, "dct:title", title, "dct:description", desc,
                  "dcat:landingPage", gp_od_iri(page), "dct:publisher", publisher, "dcat:theme",
                  gp_od_iri("http://publications.europa.eu/resource/authority/"
                            "data-theme/GOVE"),
                  "dcat:keyword", "mission", "targets", "performance");
    if (gp_od_licence_url(b->o))
      json_object_set_new(ds, "dct:license", gp_od_iri(gp_od_licence_url(b->o)));
    if (attr)
      json_object_set_new(
          ds, "dct:provenance",
          json_pack("{s:s, s:s}", "@type", "dct:ProvenanceStatement", "rdfs:label", attr));
    if (lead)
      json_object_set_new(ds, "dcat:contactPoint",
                          json_pack("{s:s, s:s}", "@type", "vcard:Organization", "vcard:fn", lead));
    if (dates) {
      const char *is = json_string_value(json_object_get(dates, "issued"));
      const char *mo = json_string_value(json_object_get(dates, "modified"));
      json_object_set_new(ds, "dct:issued", gp_od_dt(is));
      json_object_set_new(ds, "dct:modified", gp_od_dt(mo));
      if (!first || strcmp(is, first) < 0) first = is;
      if (!last || strcmp(mo, last) > 0) last = mo;
    }
    json_t *dists = json_array();
    static const char *const parts[] = {"metrics", "observations", "targets", "status"};
    for (size_t k = 0; k < GP_OD_N(parts); k++)
      for (int j = 0; j < 2; j++) {
        char file[512], dt[256], dd[512];
        snprintf(file, sizeof file, "missions/%s/%s.%s", id, parts[k], j ? "json" : "csv");
        snprintf(dt, sizeof dt, "%s (%s)", parts[k], j ? "JSON" : "CSV");
        snprintf(dd, sizeof dd, "The %s of the mission \"%s\" as %s.", parts[k], title,
                 j ? "JSON (an array of objects)" : "CSV with a header row");
        json_array_append_new(dists, gp_od_dist(b, file, dt, dd, dates));
      }
    size_t si;
    json_t *sc;
    json_array_foreach(b->scans, si, sc) {
      if (strcmp(json_string_value(json_array_get(sc, 0)), id)) continue;
      const char *csv = json_string_value(json_array_get(sc, 19));
      for (int j = 0; j < 2; j++) {
        char file[512], dt[512], dd[512];
        snprintf(file, sizeof file, "%.*s.%s", (int)(strlen(csv) - 4), csv, j ? "json" : "csv");
        snprintf(dt, sizeof dt, "Scan of %s, %s (%s)", json_string_value(json_array_get(sc, 1)),
                 json_string_value(json_array_get(sc, 2)), j ? "JSON" : "CSV");
        snprintf(dd, sizeof dd,
                 "Per-unit values, indicators and flags of a saved funnel-plot "
                 "scan (see docs/methods/scan.md).");
        json_array_append_new(dists, gp_od_dist(b, file, dt, dd, dates));
      }
    }
    json_object_set_new(ds, "dcat:distribution", dists);
    json_array_append_new(datasets, ds);
  }
  json_t *doc = json_pack(
      "{s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:O}", "@context", ctx, "@id", cat, "@type",
      "dcat:Catalog", "dct:title", "gameplan open data", "dct:description",
      "Published missions: their metrics, observations, targets, latest "
      "status and scans of front-line units. A Frictionless Data Package "
      "of the same files is linked from dct:hasPart.",
      "foaf:homepage", gp_od_iri(home), "dct:hasPart", gp_od_iri(dp), "dct:publisher", publisher);
  json_decref(publisher);
  if (gp_od_licence_url(b->o))
    json_object_set_new(doc, "dct:license", gp_od_iri(gp_od_licence_url(b->o)));
  if (first) json_object_set_new(doc, "dct:issued", gp_od_dt(first));
  if (last) json_object_set_new(doc, "dct:modified", gp_od_dt(last));
  json_object_set_new(doc, "dcat:dataset", datasets);
  return doc;
}

/* ---- static HTML ----------------------------------------------------------------- */

static void gp_od_html_text(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*s, f);
    }
  }
}

static void gp_od_html_num(FILE *f, const json_t *v) {
  if (json_is_number(v))
    fprintf(f, "%.4g", json_number_value(v));
  else
    fputs("–", f);
}

static void gp_od_html_head(FILE *f, const char *title, const char *root) {
  fputs("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
        f);
  gp_od_html_text(f, title);
  fputs("</title>\n<style>body{font-family:Arial,sans-serif;margin:0 auto;max-width:1100px;"
        "padding:1em;color:#0b0c0c}table{border-collapse:collapse;width:100%;margin:1em 0}"
        "th,td{border-bottom:1px solid #b1b4b6;padding:.4em;text-align:left;vertical-align:top}"
        "td.n{text-align:right}.green{color:#00703c}.red{color:#d4351c}.amber_green,"
        ".amber_red{color:#8a5300}a{color:#1d70b8}</style>\n",
        f);
  fprintf(f,
          "<link rel=\"alternate\" type=\"application/ld+json\" href=\"%sdata/catalog.jsonld\">"
          "\n</head>\n<body>\n<p><a href=\"%sindex.html\">All missions</a> · "
          "<a href=\"%sdata/datapackage.json\">Data Package</a> · "
          "<a href=\"%sdata/catalog.jsonld\">DCAT catalogue</a></p>\n",
          root, root, root, root);
}

/* The status table of one mission. */
static void gp_od_html_status(gp_od *b, FILE *f, const char *mission) {
  fputs("<table>\n<thead><tr><th>Target</th><th>Metric</th><th>Kind</th><th>Baseline</th>"
        "<th>Target</th><th>Latest</th><th>Forecast (95%)</th><th>P(meet)</th><th>Rating</th>"
        "</tr></thead>\n<tbody>\n",
        f);
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(b->status_doc, "targets"), i, t) {
    if (strcmp(json_string_value(json_object_get(t, "mission")), mission)) continue;
    json_t *bl = json_object_get(t, "baseline"), *tg = json_object_get(t, "target");
    json_t *la = json_object_get(t, "latest"), *fc = json_object_get(t, "forecast");
    fputs("<tr><td>", f);
    gp_od_html_text(f, json_string_value(json_object_get(t, "id")));
    fputs("</td><td>", f);
    gp_od_html_text(f, json_string_value(json_object_get(t, "metric_name")));
    const char *unit = json_string_value(json_object_get(t, "unit"));
    if (unit) {
      fputs(" (", f);
      gp_od_html_text(f, unit);
      fputs(")", f);
    }
    fputs("</td><td>", f);
    gp_od_html_text(f, json_string_value(json_object_get(t, "kind")));
    fputs("</td><td class=\"n\">", f);
    gp_od_html_num(f, json_object_get(bl, "value"));
    fputs(" (", f);
    gp_od_html_text(f, json_string_value(json_object_get(bl, "period")));
    fputs(")</td><td class=\"n\">", f);
    gp_od_html_num(f, json_object_get(tg, "value"));
    fputs(" (", f);
    gp_od_html_text(f, json_string_value(json_object_get(tg, "period")));
    fputs(")</td><td class=\"n\">", f);
    if (json_is_object(la)) {
      gp_od_html_num(f, json_object_get(la, "value"));
      fputs(" (", f);
      gp_od_html_text(f, json_string_value(json_object_get(la, "period")));
      fputs(")", f);
    } else {
      fputs("–", f);
    }
    fputs("</td><td class=\"n\">", f);
    if (json_is_object(fc)) {
      json_t *p95 = json_object_get(fc, "pi95");
      gp_od_html_num(f, json_object_get(fc, "mean"));
      fputs(" (", f);
      gp_od_html_num(f, json_array_get(p95, 0));
      fputs(" to ", f);
      gp_od_html_num(f, json_array_get(p95, 1));
      fputs(")", f);
    } else {
      gp_od_html_text(f, json_string_value(json_object_get(t, "forecast_reason")));
    }
    fputs("</td><td class=\"n\">", f);
    json_t *p = json_object_get(t, "p_meet");
    if (json_is_number(p) && json_number_value(p) < 0.005)
      fputs("&lt;1%", f);
    else if (json_is_number(p) && json_number_value(p) > 0.995)
      fputs("&gt;99%", f);
    else if (json_is_number(p))
      fprintf(f, "%.0f%%", 100 * json_number_value(p));
    else
      fputs("–", f);
    const char *rating = json_string_value(json_object_get(t, "rating"));
    fprintf(f, "</td><td class=\"%s\">", rating ? rating : "");
    gp_od_html_text(f, rating);
    fputs("</td></tr>\n", f);
  }
  fputs("</tbody>\n</table>\n", f);
}

/* A period's start as years since 1970 (NaN if it does not parse). */
static double gp_od_year(const json_t *period) {
  const char *s = json_string_value(period);
  gp_period p;
  if (!s || !gp_period_parse(s, strlen(s), &p)) return NAN;
  return gp_period_start_day(&p) / 365.25;
}

/* Points of a chart series. */
typedef struct gp_od_pts {
  double x[512], y[512]; /* years, values */
  size_t n;              /* how many */
} gp_od_pts;

/* Collects {period, <key>} points of arr into pts. */
static void gp_od_pts_of(const json_t *arr, const char *key, int idx, gp_od_pts *pts) {
  size_t i;
  json_t *e;
  pts->n = 0;
  json_array_foreach(arr, i, e) {
    json_t *v = json_object_get(e, key);
    if (idx >= 0) v = json_array_get(v, (size_t)idx);
    double x = gp_od_year(json_object_get(e, "period"));
    if (!json_is_number(v) || !isfinite(x) || pts->n == 512) continue;
    pts->x[pts->n] = x;
    pts->y[pts->n] = json_number_value(v);
    pts->n++;
  }
}

/* The extent of pts in *lo / *hi (x or y). */
static void gp_od_extent(const gp_od_pts *pts, bool y, double *lo, double *hi) {
  for (size_t i = 0; i < pts->n; i++) {
    double v = y ? pts->y[i] : pts->x[i];
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
  }
}

/* Writes pts as SVG coordinates "x,y x,y ...". */
static void gp_od_coords(FILE *f, const gp_od_pts *pts, const double box[4], const double r[4],
                         bool reverse) {
  for (size_t k = 0; k < pts->n; k++) {
    size_t i = reverse ? pts->n - 1 - k : k;
    fprintf(f, "%.1f,%.1f ", box[0] + (pts->x[i] - r[0]) / (r[1] - r[0]) * box[2],
            box[1] + box[3] - (pts->y[i] - r[2]) / (r[3] - r[2]) * box[3]);
  }
}

/* A small SVG chart of a status target: actuals (line and dots), the
 * trajectory (dashed) and the forecast's 95% band. */
static void gp_od_svg(FILE *f, const json_t *t) {
  gp_od_pts *pts = malloc(5 * sizeof *pts); /* about 40 kB: not on the stack */
  if (!pts) abort();
  gp_od_pts *act = &pts[0], *traj = &pts[1], *lo95 = &pts[2], *hi95 = &pts[3], *goal = &pts[4];
  gp_od_pts_of(json_object_get(t, "actuals"), "value", -1, act);
  gp_od_pts_of(json_object_get(t, "trajectory_points"), "value", -1, traj);
  gp_od_pts_of(json_object_get(t, "fan"), "pi95", 0, lo95);
  gp_od_pts_of(json_object_get(t, "fan"), "pi95", 1, hi95);
  json_t *one = json_pack("[O]", json_object_get(t, "target"));
  gp_od_pts_of(one, "value", -1, goal);
  json_decref(one);
  if (act->n + traj->n < 2) {
    free(pts);
    return;
  }
  double r[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY};
  const gp_od_pts *all[] = {act, traj, lo95, hi95, goal};
  for (size_t i = 0; i < 5; i++) {
    gp_od_extent(all[i], false, &r[0], &r[1]);
    gp_od_extent(all[i], true, &r[2], &r[3]);
  }
  if (r[1] <= r[0]) r[1] = r[0] + 1;
  if (r[3] <= r[2]) r[3] = r[2] + 1;
  double pad = (r[3] - r[2]) * 0.05;
  r[2] -= pad;
  r[3] += pad;
  const double box[4] = {60, 10, 560, 170};
  fputs("<svg role=\"img\" viewBox=\"0 0 640 210\" width=\"640\" height=\"210\" "
        "xmlns=\"http://www.w3.org/2000/svg\"><title>",
        f);
  gp_od_html_text(f, json_string_value(json_object_get(t, "metric_name")));
  fputs(": actuals (solid), trajectory (dashed), forecast 95% interval (shaded), target "
        "(dot)</title>\n",
        f);
  fprintf(f,
          "<rect x=\"60\" y=\"10\" width=\"560\" height=\"170\" fill=\"none\" "
          "stroke=\"#b1b4b6\"/>\n<text x=\"55\" y=\"20\" text-anchor=\"end\" "
          "font-size=\"11\">%.4g</text><text x=\"55\" y=\"180\" text-anchor=\"end\" "
          "font-size=\"11\">%.4g</text>\n<text x=\"60\" y=\"196\" font-size=\"11\">%.0f"
          "</text><text x=\"620\" y=\"196\" text-anchor=\"end\" font-size=\"11\">%.0f</text>\n",
          r[3], r[2], 1970 + r[0], 1970 + r[1]);
  if (lo95->n && lo95->n == hi95->n) {
    fputs("<polygon fill=\"#d2e2f1\" points=\"", f);
    gp_od_coords(f, lo95, box, r, false);
    gp_od_coords(f, hi95, box, r, true);
    fputs("\"/>\n", f);
  }
  if (traj->n) {
    fputs("<polyline fill=\"none\" stroke=\"#505a5f\" stroke-dasharray=\"6 4\" "
          "stroke-width=\"2\" points=\"",
          f);
    gp_od_coords(f, traj, box, r, false);
    fputs("\"/>\n", f);
  }
  if (act->n) {
    fputs("<polyline fill=\"none\" stroke=\"#1d70b8\" stroke-width=\"2.5\" points=\"", f);
    gp_od_coords(f, act, box, r, false);
    fputs("\"/>\n", f);
  }
  if (goal->n) {
    fprintf(f, "<circle r=\"5\" fill=\"#d4351c\" cx=\"%.1f\" cy=\"%.1f\"/>\n",
            box[0] + (goal->x[0] - r[0]) / (r[1] - r[0]) * box[2],
            box[1] + box[3] - (goal->y[0] - r[2]) / (r[3] - r[2]) * box[3]);
  }
  fputs("</svg>\n<p><small>Solid: actuals. Dashed: trajectory. Shaded: forecast, 95% "
        "prediction interval. Red dot: the target.</small></p>\n",
        f);
  free(pts);
}

static gp_code gp_od_html(gp_od *b, gp_error *err) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return gp_fail(err, GP_EIO, "index.html", "out of memory");
  gp_od_html_head(f, "Missions", "");
  fputs("<main>\n<h1>Missions</h1>\n<p>Every published mission and the latest status of its "
        "targets. The data are open: <a href=\"data/datapackage.json\">a Frictionless Data "
        "Package</a> of CSV files, the same tables as JSON, and a "
        "<a href=\"data/catalog.jsonld\">DCAT catalogue</a>.</p>\n",
        f);
  size_t i;
  json_t *m;
  json_array_foreach(b->missions, i, m) {
    const char *id = json_string_value(json_array_get(m, 0));
    fprintf(f, "<h2><a href=\"missions/%s/index.html\">", id);
    gp_od_html_text(f, json_string_value(json_array_get(m, 1)));
    fputs("</a></h2>\n", f);
    gp_od_html_status(b, f, id);
  }
  fputs("</main>\n</body>\n</html>\n", f);
  fclose(f);
  gp_code rc = gp_od_put(b, "index.html", "text/html; charset=utf-8", buf, len, err);
  if (rc) return rc;
  json_array_foreach(b->missions, i, m) {
    const char *id = json_string_value(json_array_get(m, 0));
    const char *title = json_string_value(json_array_get(m, 1));
    const char *vision = json_string_value(json_array_get(m, 2));
    const char *attr = json_string_value(json_array_get(m, 7));
    char path[256];
    snprintf(path, sizeof path, "missions/%s/index.html", id);
    buf = NULL;
    len = 0;
    if (!(f = open_memstream(&buf, &len))) return gp_fail(err, GP_EIO, path, "out of memory");
    gp_od_html_head(f, title, "../../");
    fputs("<main>\n<h1>", f);
    gp_od_html_text(f, title);
    fputs("</h1>\n", f);
    if (vision) {
      fputs("<p>", f);
      gp_od_html_text(f, vision);
      fputs("</p>\n", f);
    }
    gp_od_html_status(b, f, id);
    size_t ti;
    json_t *t;
    json_array_foreach(json_object_get(b->status_doc, "targets"), ti, t) {
      if (strcmp(json_string_value(json_object_get(t, "mission")), id)) continue;
      fputs("<h3>", f);
      gp_od_html_text(f, json_string_value(json_object_get(t, "id")));
      fputs(": ", f);
      gp_od_html_text(f, json_string_value(json_object_get(t, "metric_name")));
      fputs("</h3>\n", f);
      gp_od_svg(f, t);
    }
    fputs("<h2>Data</h2>\n<ul>\n", f);
    static const char *const parts[] = {"metrics", "observations", "targets", "status"};
    for (size_t k = 0; k < GP_OD_N(parts); k++)
      fprintf(f,
              "<li>%s: <a href=\"../../data/missions/%s/%s.csv\">CSV</a>, "
              "<a href=\"../../data/missions/%s/%s.json\">JSON</a></li>\n",
              parts[k], id, parts[k], id, parts[k]);
    size_t si;
    json_t *sc;
    json_array_foreach(b->scans, si, sc) {
      if (strcmp(json_string_value(json_array_get(sc, 0)), id)) continue;
      const char *csv = json_string_value(json_array_get(sc, 19));
      fputs("<li>scan of ", f);
      gp_od_html_text(f, json_string_value(json_array_get(sc, 1)));
      fputs(", ", f);
      gp_od_html_text(f, json_string_value(json_array_get(sc, 2)));
      fprintf(f,
              ": <a href=\"../../data/%s\">CSV</a>, <a href=\"../../data/%.*s.json\">JSON"
              "</a></li>\n",
              csv, (int)(strlen(csv) - 4), csv);
    }
    fputs("</ul>\n", f);
    if (attr) {
      fputs("<p><small>", f);
      gp_od_html_text(f, attr);
      fputs("</small></p>\n", f);
    }
    fputs("</main>\n</body>\n</html>\n", f);
    fclose(f);
    if ((rc = gp_od_put(b, path, "text/html; charset=utf-8", buf, len, err))) return rc;
  }
  return GP_OK;
}

/* data/index.html: every file of the open data, with what it holds. */
static gp_code gp_od_data_index(gp_od *b, gp_error *err) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return gp_fail(err, GP_EIO, "data/index.html", "out of memory");
  gp_od_html_head(f, "Open data", "../");
  fputs("<main>\n<h1>Open data</h1>\n<p>Every published mission's data, as CSV (with a header "
        "row; empty cells are missing values) and as JSON (an array of objects with the same "
        "fields). <a href=\"datapackage.json\">datapackage.json</a> describes the CSV files "
        "(a Frictionless Tabular Data Package: field types, units, keys, licence and sources); "
        "<a href=\"catalog.jsonld\">catalog.jsonld</a> is a DCAT-AP catalogue for harvesters "
        "such as CKAN.</p>\n<p>Licence: ",
        f);
  if (gp_od_licence_url(b->o)) {
    fputs("<a href=\"", f);
    gp_od_html_text(f, gp_od_licence_url(b->o));
    fputs("\">", f);
  }
  gp_od_html_text(f, gp_od_licence_title(b->o));
  fputs(gp_od_licence_url(b->o) ? "</a>.</p>\n" : ".</p>\n", f);
  const gp_od_schema *all[] = {&gp_s_missions, &gp_s_metrics, &gp_s_obs,
                               &gp_s_targets,  &gp_s_status,  &gp_s_scans};
  fputs("<h2>All missions</h2>\n<ul>\n", f);
  for (size_t i = 0; i < GP_OD_N(all); i++) {
    fprintf(f, "<li>%s: <a href=\"%s.csv\">CSV</a>, <a href=\"%s.json\">JSON</a>. ", all[i]->title,
            all[i]->name, all[i]->name);
    gp_od_html_text(f, all[i]->description);
    fputs("</li>\n", f);
  }
  fputs("</ul>\n", f);
  size_t i, si;
  json_t *m, *sc;
  json_array_foreach(b->missions, i, m) {
    const char *id = json_string_value(json_array_get(m, 0));
    fputs("<h2>", f);
    gp_od_html_text(f, json_string_value(json_array_get(m, 1)));
    fputs("</h2>\n<ul>\n", f);
    for (size_t k = 1; k < 5; k++)
      fprintf(f,
              "<li>%s: <a href=\"missions/%s/%s.csv\">CSV</a>, "
              "<a href=\"missions/%s/%s.json\">JSON</a></li>\n",
              all[k]->title, id, all[k]->name, id, all[k]->name);
    json_array_foreach(b->scans, si, sc) {
      if (strcmp(json_string_value(json_array_get(sc, 0)), id)) continue;
      const char *csv = json_string_value(json_array_get(sc, 19));
      fputs("<li>Scan of ", f);
      gp_od_html_text(f, json_string_value(json_array_get(sc, 1)));
      fputs(", ", f);
      gp_od_html_text(f, json_string_value(json_array_get(sc, 2)));
      fprintf(f, ": <a href=\"%s\">CSV</a>, <a href=\"%.*s.json\">JSON</a></li>\n", csv,
              (int)(strlen(csv) - 4), csv);
    }
    fputs("</ul>\n", f);
  }
  fputs("</main>\n</body>\n</html>\n", f);
  fclose(f);
  return gp_od_put(b, "data/index.html", "text/html; charset=utf-8", buf, len, err);
}

/* ---- the build -------------------------------------------------------------------- */

static gp_code gp_od_json_file(gp_od *b, const char *path, const char *media, json_t *doc,
                               gp_error *err) {
  char *s = gp_json_dump(doc);
  json_decref(doc);
  if (!s) return gp_fail(err, GP_EIO, path, "out of memory");
  return gp_od_put(b, path, media, s, strlen(s), err);
}

static gp_code gp_od_run(gp_od *b, gp_error *err) {
  gp_mission_list *l;
  gp_code rc = gp_store_missions(b->s, false, &l, err);
  if (rc) return rc;
  for (size_t i = 0; i < l->n && !rc; i++)
    if (l->row[i].published) rc = gp_od_mission(b, &l->row[i], err);
  gp_store_missions_free(l);
  if (rc) return rc;
  if ((rc = gp_od_scans(b, err))) return rc;
  bool status = gp_od_wants(b, "data/status.") || (b->o->html && gp_od_wants(b, "index.html")) ||
                (b->o->html && gp_od_wants(b, "missions/"));
  if (b->want && !strncmp(b->want, "data/missions/", 14) && strstr(b->want, "/status."))
    status = true;
  if (status && (rc = gp_od_status(b, err))) return rc;
  json_t *none = json_array();
  struct {
    const char *stem;
    const gp_od_schema *sc;
    json_t *rows;
  } tables[] = {{"data/missions", &gp_s_missions, b->missions},
                {"data/metrics", &gp_s_metrics, b->metrics},
                {"data/observations", &gp_s_obs, b->obs},
                {"data/targets", &gp_s_targets, b->targets},
                {"data/status", &gp_s_status, b->status ? b->status : none},
                {"data/scans", &gp_s_scans, b->scans}};
  for (size_t i = 0; i < GP_OD_N(tables) && !rc; i++)
    rc = gp_od_table(b, tables[i].stem, tables[i].sc, tables[i].rows, NULL, err);
  /* per-mission copies (the DCAT distributions) */
  size_t i;
  json_t *m;
  json_array_foreach(b->missions, i, m) {
    const char *id = json_string_value(json_array_get(m, 0));
    char stem[256];
    for (size_t k = 1; k < 5 && !rc; k++) {
      snprintf(stem, sizeof stem, "data/missions/%s/%s", id, tables[k].stem + 5);
      rc = gp_od_table(b, stem, tables[k].sc, tables[k].rows, id, err);
    }
  }
  json_decref(none);
  if (rc) return rc;
  /* the scans' per-unit files, built only when wanted (they can be large) */
  json_t *sc;
  json_array_foreach(b->scans, i, sc) {
    const char *csv = json_string_value(json_array_get(sc, 19));
    char stem[512], a[520], j[520];
    snprintf(stem, sizeof stem, "data/%.*s", (int)(strlen(csv) - 4), csv);
    snprintf(a, sizeof a, "%s.csv", stem);
    snprintf(j, sizeof j, "%s.json", stem);
    if (b->want && strcmp(b->want, a) && strcmp(b->want, j)) continue;
    json_t *rows;
    if ((rc = gp_od_scan_units(b, json_string_value(json_array_get(sc, 1)),
                               json_string_value(json_array_get(sc, 2)), &rows, err)))
      return rc;
    rc = gp_od_table(b, stem, &gp_s_units, rows, NULL, err);
    json_decref(rows);
    if (rc) return rc;
  }
  if (gp_od_wants(b, "data/datapackage.json") &&
      (rc = gp_od_json_file(b, "data/datapackage.json", "application/json", gp_od_datapackage(b),
                            err)))
    return rc;
  if (gp_od_wants(b, "data/catalog.jsonld") &&
      (rc =
           gp_od_json_file(b, "data/catalog.jsonld", "application/ld+json", gp_od_catalog(b), err)))
    return rc;
  if (gp_od_wants(b, "data/index.html") && (rc = gp_od_data_index(b, err))) return rc;
  if (b->o->html && (rc = gp_od_html(b, err))) return rc;
  return GP_OK;
}

static gp_code gp_od_build(gp_store *s, const gp_opendata_opts *o, const char *want,
                           gp_opendata_emit emit, void *ctx, gp_error *err) {
  gp_od b;
  memset(&b, 0, sizeof b);
  b.s = s;
  b.o = o;
  b.want = want;
  b.emit = emit;
  b.ctx = ctx;
  snprintf(b.base, sizeof b.base, "%s",
           o->base_url && *o->base_url ? o->base_url : "http://localhost");
  size_t n = strlen(b.base);
  while (n > 0 && b.base[n - 1] == '/')
    b.base[--n] = '\0';
  b.missions = json_array();
  b.metrics = json_array();
  b.obs = json_array();
  b.targets = json_array();
  b.scans = json_array();
  b.dates = json_object();
  b.mdocs = json_object();
  gp_code rc = gp_od_run(&b, err);
  json_decref(b.missions);
  json_decref(b.metrics);
  json_decref(b.obs);
  json_decref(b.targets);
  json_decref(b.status);
  json_decref(b.status_doc);
  json_decref(b.scans);
  json_decref(b.dates);
  json_decref(b.mdocs);
  return rc;
}

gp_code gp_app_opendata_site(gp_store *s, const gp_opendata_opts *o, gp_opendata_emit emit,
                             void *ctx, gp_error *err) {
  return gp_od_build(s, o, NULL, emit, ctx, err);
}

/* Keeps the one file asked for. */
typedef struct gp_od_one {
  char *body;        /* its bytes (malloc'd) */
  size_t len;        /* their length */
  const char *media; /* its media type */
} gp_od_one;

static gp_code gp_od_keep(void *ctx, const char *path, const char *media, const char *body,
                          size_t len, gp_error *err) {
  (void)path;
  (void)err;
  gp_od_one *one = ctx;
  free(one->body);
  one->body = malloc(len + 1);
  if (!one->body) abort();
  memcpy(one->body, body, len);
  one->body[len] = '\0';
  one->len = len;
  one->media = media;
  return GP_OK;
}

gp_code gp_app_opendata_file(gp_store *s, const gp_opendata_opts *o, const char *path, char **body,
                             size_t *len, const char **media_type, gp_error *err) {
  gp_od_one one = {NULL, 0, NULL};
  gp_code rc = gp_od_build(s, o, path, gp_od_keep, &one, err);
  if (rc) {
    free(one.body);
    return rc;
  }
  if (!one.body) return gp_fail(err, GP_ENOTFOUND, path, "no open data file '%s'", path);
  *body = one.body;
  *len = one.len;
  *media_type = one.media;
  return GP_OK;
}
