/*
 * gp_app_docs — missions, metrics and observations as the JSON documents
 * (and CSV) that the API serves and `--json` prints; see gp_app.h.
 * Visibility: a visitor without a token sees published missions only, and
 * an unpublished mission is reported as not found (not "forbidden"), so
 * that its existence is not disclosed.
 */
#include <string.h>

#include "app/gp_app.h"
#include "io/gp_json.h"
#include "io/gp_planfile.h"

static json_t *gp_mission_json(const gp_mission_row *r) {
  json_t *o = json_object();
  const gp_mission *m = &r->mission;
  gp_json_set_str(o, "id", m->id);
  gp_json_set_str(o, "title", m->title);
  json_object_set_new(o, "vision", m->vision ? json_string(m->vision) : json_null());
  gp_json_set_str(o, "kind", gp_mission_kind_name(m->kind));
  json_object_set_new(o, "lead", m->lead ? json_string(m->lead) : json_null());
  json_object_set_new(o, "start", m->start ? json_string(m->start) : json_null());
  json_object_set_new(o, "horizon", m->horizon ? json_string(m->horizon) : json_null());
  json_object_set_new(o, "published", json_boolean(r->published));
  json_object_set_new(o, "attribution", r->attribution ? json_string(r->attribution) : json_null());
  json_object_set_new(o, "plan_version", json_integer(r->plan_version));
  return o;
}

gp_code gp_app_missions_doc(gp_store *s, bool include_unpublished, json_t **out, gp_error *err) {
  gp_mission_list *l;
  gp_code rc = gp_store_missions(s, include_unpublished, &l, err);
  if (rc) return rc;
  json_t *arr = json_array();
  for (size_t i = 0; i < l->n; i++)
    json_array_append_new(arr, gp_mission_json(&l->row[i]));
  gp_store_missions_free(l);
  *out = json_pack("{s:o}", "missions", arr);
  return GP_OK;
}

gp_code gp_app_mission_visible(gp_store *s, const char *mission_id, bool include_unpublished,
                               gp_error *err) {
  bool exists, published;
  gp_code rc = gp_store_mission_exists(s, mission_id, &exists, &published, err);
  if (rc) return rc;
  if (!exists || (!published && !include_unpublished))
    return gp_fail(err, GP_ENOTFOUND, mission_id, "no mission '%s'", mission_id);
  return GP_OK;
}

gp_code gp_app_mission_doc(gp_store *s, const char *mission_id, bool include_unpublished,
                           json_t **out, gp_error *err) {
  gp_code rc = gp_app_mission_visible(s, mission_id, include_unpublished, err);
  if (rc) return rc;
  gp_mission_list *l;
  if ((rc = gp_store_missions(s, true, &l, err))) return rc;
  json_t *mission = NULL;
  for (size_t i = 0; i < l->n && !mission; i++)
    if (!strcmp(l->row[i].mission.id, mission_id)) mission = gp_mission_json(&l->row[i]);
  gp_store_missions_free(l);
  gp_plan *p;
  if ((rc = gp_app_plan_load(s, mission_id, 0, &p, err))) {
    json_decref(mission);
    return rc;
  }
  json_t *plan = gp_planfile_to_json(p);
  gp_plan_free(p);
  /* Every target states its trajectory here (the plan file may leave the
   * default, "linear", implicit). */
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(plan, "targets"), i, t) {
    if (!json_object_get(t, "trajectory"))
      json_object_set_new(t, "trajectory", json_string("linear"));
  }
  *out = json_pack("{s:o, s:O, s:O}", "mission", mission, "metrics",
                   json_object_get(plan, "metrics"), "targets", json_object_get(plan, "targets"));
  json_decref(plan);
  return GP_OK;
}

static void gp_breakdown_cb(void *ctx, const char *kind, const char *value) {
  json_t *arr = ctx;
  json_t *last = json_array_size(arr) ? json_array_get(arr, json_array_size(arr) - 1) : NULL;
  if (!last || strcmp(json_string_value(json_object_get(last, "kind")), kind)) {
    last = json_pack("{s:s, s:[]}", "kind", kind, "values");
    json_array_append_new(arr, last);
  }
  json_array_append_new(json_object_get(last, "values"), json_string(value));
}

static json_t *gp_metric_json(const gp_metric *m) {
  json_t *o = json_object();
  gp_json_set_str(o, "id", m->id);
  gp_json_set_str(o, "name", m->name);
  json_object_set_new(o, "unit", m->unit ? json_string(m->unit) : json_null());
  gp_json_set_str(o, "direction", gp_direction_name(m->direction));
  json_object_set_new(o, "frequency", m->frequency ? json_string(m->frequency) : json_null());
  json_object_set_new(o, "source", m->source ? json_string(m->source) : json_null());
  return o;
}

/* Loads the metric and checks its mission is visible to the caller. */
static gp_code gp_metric_visible(gp_store *s, const char *metric_id, bool include_unpublished,
                                 gp_arena *a, gp_metric *m, char owner[65], gp_error *err) {
  gp_code rc = gp_store_metric_get(s, metric_id, a, m, owner, err);
  if (rc) return rc;
  if (gp_app_mission_visible(s, owner, include_unpublished, NULL) != GP_OK)
    return gp_fail(err, GP_ENOTFOUND, metric_id, "no metric '%s'", metric_id);
  return GP_OK;
}

/* As gp_metric_visible, when only the answer matters. */
static gp_code gp_metric_check(gp_store *s, const char *metric_id, bool include_unpublished,
                               gp_error *err) {
  gp_arena a = GP_ARENA_INIT;
  gp_metric m;
  char owner[65];
  gp_code rc = gp_metric_visible(s, metric_id, include_unpublished, &a, &m, owner, err);
  gp_arena_free(&a);
  return rc;
}

gp_code gp_app_metric_doc(gp_store *s, const char *metric_id, bool include_unpublished,
                          json_t **out, gp_error *err) {
  gp_arena a = GP_ARENA_INIT;
  gp_metric m;
  char owner[65];
  gp_code rc = gp_metric_visible(s, metric_id, include_unpublished, &a, &m, owner, err);
  if (rc) {
    gp_arena_free(&a);
    return rc;
  }
  json_t *bd = json_array();
  rc = gp_store_metric_breakdowns(s, metric_id, gp_breakdown_cb, bd, err);
  if (!rc)
    *out = json_pack("{s:o, s:s, s:o}", "metric", gp_metric_json(&m), "mission", owner,
                     "breakdowns", bd);
  else
    json_decref(bd);
  gp_arena_free(&a);
  return rc;
}

static json_t *gp_num_or_null(bool has, double v) { return has ? gp_json_num(v) : json_null(); }

static void gp_obs_json_cb(void *ctx, const gp_observation *o, bool is_revision) {
  json_t *arr = ctx;
  char period[GP_PERIOD_MAX];
  json_t *e = json_object();
  if (is_revision) {
    json_t *last = json_array_get(arr, json_array_size(arr) - 1);
    json_object_set_new(e, "value", gp_json_num(o->value));
    json_object_set_new(e, "lower", gp_num_or_null(o->has_lower, o->lower));
    json_object_set_new(e, "upper", gp_num_or_null(o->has_upper, o->upper));
    json_object_set_new(e, "n", o->has_n ? json_integer(o->n) : json_null());
    json_object_set_new(e, "source", o->source ? json_string(o->source) : json_null());
    gp_json_set_str(e, "recorded_at", o->recorded_at);
    gp_json_set_str(e, "superseded_at", o->superseded_at);
    json_array_append_new(json_object_get(last, "revisions"), e);
    return;
  }
  gp_period_format(&o->period, period);
  gp_json_set_str(e, "period", period);
  json_object_set_new(e, "value", gp_json_num(o->value));
  json_object_set_new(e, "lower", gp_num_or_null(o->has_lower, o->lower));
  json_object_set_new(e, "upper", gp_num_or_null(o->has_upper, o->upper));
  json_object_set_new(e, "n", o->has_n ? json_integer(o->n) : json_null());
  json_object_set_new(e, "breakdown_kind",
                      o->kind ? json_string(gp_breakdown_kind_name(o->kind)) : json_null());
  json_object_set_new(e, "breakdown", o->breakdown ? json_string(o->breakdown) : json_null());
  json_object_set_new(e, "source", o->source ? json_string(o->source) : json_null());
  gp_json_set_str(e, "recorded_at", o->recorded_at);
  json_object_set_new(e, "revisions", json_array());
  json_array_append_new(arr, e);
}

static void gp_obs_filter_of(const gp_obs_query *q, gp_obs_filter *f) {
  memset(f, 0, sizeof *f);
  f->until_day = INT32_MAX;
  f->history = q->history;
  if (q->breakdown && !strcmp(q->breakdown, "all"))
    f->all_breakdowns = true;
  else if (q->breakdown && strcmp(q->breakdown, "headline"))
    f->breakdown = q->breakdown;
}

gp_code gp_app_observations_doc(gp_store *s, const gp_obs_query *q, json_t **out, gp_error *err) {
  gp_code rc = gp_metric_check(s, q->metric_id, q->include_unpublished, err);
  if (rc) return rc;
  gp_obs_filter f;
  gp_obs_filter_of(q, &f);
  json_t *arr = json_array();
  rc = gp_store_obs_list(s, q->metric_id, &f, gp_obs_json_cb, arr, err);
  if (rc) {
    json_decref(arr);
    return rc;
  }
  if (!q->history) {
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) json_object_del(e, "revisions");
  }
  *out = json_pack("{s:s, s:o}", "metric", q->metric_id, "observations", arr);
  return GP_OK;
}

/* Writes one CSV field (quoted when needed) and a separator. */
static void gp_csv_put(FILE *f, const char *s, char sep) {
  if (s && strpbrk(s, ",\"\r\n")) {
    fputc('"', f);
    for (; *s; s++) {
      if (*s == '"') fputc('"', f);
      fputc(*s, f);
    }
    fputc('"', f);
  } else if (s) {
    fputs(s, f);
  }
  fputc(sep, f);
}

typedef struct gp_csv_ctx {
  FILE *out;     /* destination */
  int nkinds;    /* breakdown kinds the metric has (0, 1, or more) */
  char kind[16]; /* the first kind seen */
} gp_csv_ctx;

static void gp_kind_cb(void *ctx, const char *kind, const char *value) {
  (void)value;
  gp_csv_ctx *c = ctx;
  if (c->nkinds == 0 || strcmp(c->kind, kind)) {
    if (c->nkinds == 0) snprintf(c->kind, sizeof c->kind, "%s", kind);
    c->nkinds++;
  }
}

static void gp_obs_csv_cb(void *ctx, const gp_observation *o, bool is_revision) {
  gp_csv_ctx *c = ctx;
  if (is_revision) return;
  char period[GP_PERIOD_MAX], num[4][32];
  gp_period_format(&o->period, period);
  snprintf(num[0], sizeof num[0], "%.15g", o->value);
  snprintf(num[1], sizeof num[1], "%.15g", o->lower);
  snprintf(num[2], sizeof num[2], "%.15g", o->upper);
  snprintf(num[3], sizeof num[3], "%ld", o->n);
  gp_csv_put(c->out, period, ',');
  gp_csv_put(c->out, num[0], ',');
  gp_csv_put(c->out, o->has_lower ? num[1] : NULL, ',');
  gp_csv_put(c->out, o->has_upper ? num[2] : NULL, ',');
  gp_csv_put(c->out, o->has_n ? num[3] : NULL, ',');
  if (c->nkinds > 1) gp_csv_put(c->out, gp_breakdown_kind_name(o->kind), ',');
  if (c->nkinds > 0) gp_csv_put(c->out, o->breakdown, ',');
  gp_csv_put(c->out, o->source, ',');
  gp_csv_put(c->out, o->recorded_at, '\n');
}

gp_code gp_app_observations_csv(gp_store *s, const gp_obs_query *q, FILE *out, gp_error *err) {
  gp_code rc = gp_metric_check(s, q->metric_id, q->include_unpublished, err);
  if (rc) return rc;
  gp_obs_filter f;
  gp_obs_filter_of(q, &f);
  f.history = false;
  /* The breakdown column is named after its kind (place, group or unit), as
   * in `import observations`; a metric with several kinds gets two columns. */
  gp_csv_ctx c = {.out = out};
  if ((rc = gp_store_metric_breakdowns(s, q->metric_id, gp_kind_cb, &c, err))) return rc;
  fputs("period,value,lower,upper,n,", out);
  if (c.nkinds == 1) fprintf(out, "%s,", c.kind);
  if (c.nkinds > 1) fputs("breakdown_kind,breakdown,", out);
  fputs("source,recorded_at\n", out);
  return gp_store_obs_list(s, q->metric_id, &f, gp_obs_csv_cb, &c, err);
}
