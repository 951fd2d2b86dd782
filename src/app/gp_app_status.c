/*
 * gp_app_status — "are we on track?": the status of every target, as the
 * document that `gameplan status --json` prints and the API serves.
 *
 * For each target: read the metric's headline series up to as_of, fit the
 * forecast (engine/gp_forecast) on the observations from the baseline
 * period on, evaluate the trajectory at the latest actual, and rate. Floor
 * targets do the same for every breakdown value and list those below the
 * floor. The rules are in docs/methods.md ("Status").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "engine/gp_forecast.h"
#include "io/gp_json.h"

/* One series of (period, value), growing. */
typedef struct gp_series {
  gp_period *p;  /* periods, in time order */
  double *v;     /* values */
  size_t n, cap; /* used, allocated */
  char key[512]; /* the breakdown value (or "" for the headline) */
} gp_series;

/* Collects every series of one metric (headline and breakdowns). */
typedef struct gp_series_set {
  gp_series *s;  /* series, headline first if present */
  size_t n, cap; /* used, allocated */
} gp_series_set;

static void gp_series_add(gp_series *s, const gp_period *p, double v) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 32;
    s->p = realloc(s->p, s->cap * sizeof *s->p);
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (!s->p || !s->v) abort();
  }
  s->p[s->n] = *p;
  s->v[s->n] = v;
  s->n++;
}

static void gp_collect(void *ctx, const gp_observation *o, bool is_revision) {
  gp_series_set *set = ctx;
  if (is_revision) return;
  const char *key = o->breakdown ? o->breakdown : "";
  gp_series *s = set->n ? &set->s[set->n - 1] : NULL;
  if (!s || strcmp(s->key, key)) {
    if (set->n == set->cap) {
      set->cap = set->cap ? set->cap * 2 : 8;
      set->s = realloc(set->s, set->cap * sizeof *set->s);
      if (!set->s) abort();
    }
    s = &set->s[set->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->key, sizeof s->key, "%s", key);
  }
  gp_series_add(s, &o->period, o->value);
}

static void gp_series_set_free(gp_series_set *set) {
  for (size_t i = 0; i < set->n; i++) {
    free(set->s[i].p);
    free(set->s[i].v);
  }
  free(set->s);
}

/* {"period", "value"}; built for every actual, so without re-checking the
 * (constant, ASCII) keys or the period text (canonical, ASCII). */
static json_t *gp_point_doc(const char *period, double value) {
  json_t *o = json_object();
  json_object_set_new_nocheck(o, "period", json_string_nocheck(period));
  json_object_set_new_nocheck(o, "value", gp_json_num(value));
  return o;
}

static json_t *gp_pair(double a, double b) {
  json_t *arr = json_array();
  json_array_append_new(arr, gp_json_num(a));
  json_array_append_new(arr, gp_json_num(b));
  return arr;
}

/* The forecast of one series for a target: uses the points from the
 * baseline period on. *latest is the index of the last point (or -1). */
static void gp_series_forecast(const gp_series *s, const gp_target *t, double t0, gp_forecast *fc,
                               long *latest) {
  double *tt = malloc((s->n + 1) * sizeof *tt), *yy = malloc((s->n + 1) * sizeof *yy);
  if (!tt || !yy) abort();
  size_t m = 0;
  int32_t base = gp_period_start_day(&t->baseline.parsed);
  for (size_t i = 0; i < s->n; i++) {
    if (gp_period_start_day(&s->p[i]) < base) continue;
    tt[m] = gp_period_years(&t->baseline.parsed, &s->p[i]);
    yy[m] = s->v[i];
    m++;
  }
  *latest = s->n ? (long)s->n - 1 : -1;
  gp_forecast_ols(tt, yy, m, t0, fc);
  free(tt);
  free(yy);
}

/* The trajectory through baseline, custom points and target, at time x. */
static double gp_target_trajectory(const gp_target *t, double x) {
  size_t n = t->ntraj + 2;
  double tt[66], vv[66];
  if (n > 66) n = 66;
  tt[0] = 0;
  vv[0] = t->baseline.value;
  for (size_t k = 0; k + 2 < n; k++) {
    tt[k + 1] = gp_period_years(&t->baseline.parsed, &t->traj[k].parsed);
    vv[k + 1] = t->traj[k].value;
  }
  tt[n - 1] = gp_period_years(&t->baseline.parsed, &t->target.parsed);
  vv[n - 1] = t->target.value;
  return gp_trajectory_value(tt, vv, n, x);
}

/* The year of a period, as Open SDG counts years (whole years: the year the
 * period starts in). */
static double gp_year_of(const gp_period *p) { return (double)p->year; }

/* The Open SDG progress status of one series against target t: from the
 * target's baseline (period and value) to the series' latest actual. For a
 * breakdown series the base is the series' own value at the baseline period
 * (or the first after it), since the target's baseline is a headline's. */
static gp_sdg_status gp_series_sdg(const gp_series *s, const gp_target *t, gp_direction d) {
  if (s->n == 0) return GP_SDG_NOT_AVAILABLE;
  double base_year = gp_year_of(&t->baseline.parsed), base_value = t->baseline.value;
  if (s->key[0]) {
    int32_t base = gp_period_start_day(&t->baseline.parsed);
    size_t i = 0;
    while (i < s->n && gp_period_start_day(&s->p[i]) < base)
      i++;
    if (i == s->n) return GP_SDG_NOT_AVAILABLE;
    base_year = gp_year_of(&s->p[i]);
    base_value = s->v[i];
  }
  gp_sdg_input in = {.base_year = base_year,
                     .base_value = base_value,
                     .latest_year = gp_year_of(&s->p[s->n - 1]),
                     .latest_value = s->v[s->n - 1],
                     .target_year = gp_year_of(&t->target.parsed),
                     .target_value = t->target.value,
                     .direction = d};
  return gp_sdg_progress(&in, NULL);
}

static json_t *gp_target_doc(gp_store *s, const gp_plan *plan, const gp_target *t,
                             const gp_metric *m, const gp_series_set *set, gp_error *err) {
  json_t *o = json_object();
  char buf[GP_PERIOD_MAX];
  gp_json_set_str(o, "id", t->id);
  gp_json_set_str(o, "mission", plan->mission.id);
  gp_json_set_str(o, "mission_title", plan->mission.title);
  gp_json_set_str(o, "metric", m->id);
  gp_json_set_str(o, "metric_name", m->name);
  json_object_set_new(o, "unit", m->unit ? json_string(m->unit) : json_null());
  gp_json_set_str(o, "kind", gp_target_kind_name(t->kind));
  gp_json_set_str(o, "direction", gp_direction_name(m->direction));
  json_object_set_new(o, "baseline", gp_point_doc(t->baseline.period, t->baseline.value));
  json_object_set_new(o, "target", gp_point_doc(t->target.period, t->target.value));

  const gp_series *head = (set->n && set->s[0].key[0] == '\0') ? &set->s[0] : NULL;
  double t0 = gp_period_years(&t->baseline.parsed, &t->target.parsed);
  gp_forecast fc;
  long li = -1;
  memset(&fc, 0, sizeof fc);
  fc.ok = false;
  fc.reason = "no observations";
  if (head) gp_series_forecast(head, t, t0, &fc, &li);
  double p_meet = NAN;
  if (li >= 0) {
    gp_period_format(&head->p[li], buf);
    json_object_set_new(o, "latest", gp_point_doc(buf, head->v[li]));
    double tl = gp_period_years(&t->baseline.parsed, &head->p[li]);
    json_object_set_new(o, "trajectory_value", gp_json_num(gp_target_trajectory(t, tl)));
  } else {
    json_object_set_new(o, "latest", json_null());
    json_object_set_new(o, "trajectory_value", json_null());
  }
  if (fc.ok) {
    json_t *f = json_object();
    gp_json_set_str(f, "period", t->target.period);
    json_object_set_new(f, "mean", gp_json_num(fc.mean));
    json_object_set_new(f, "pi80", gp_pair(fc.pi80[0], fc.pi80[1]));
    json_object_set_new(f, "pi95", gp_pair(fc.pi95[0], fc.pi95[1]));
    json_object_set_new(f, "n", json_integer((json_int_t)fc.n));
    json_object_set_new(o, "forecast", f);
    json_object_set_new(o, "forecast_reason", json_null());
    p_meet = gp_forecast_p_meet(&fc, t->target.value, m->direction);
  } else {
    json_object_set_new(o, "forecast", json_null());
    json_object_set_new(o, "forecast_reason", json_string(fc.reason ? fc.reason : "no forecast"));
  }

  /* Floor targets: every breakdown value. */
  json_t *below = NULL;
  if (t->kind == GP_TARGET_FLOOR) {
    below = json_array();
    double p_all = 1.0;
    size_t nb = 0;
    for (size_t i = 0; i < set->n; i++) {
      const gp_series *b = &set->s[i];
      if (!b->key[0]) continue;
      gp_forecast bf;
      long bl;
      gp_series_forecast(b, t, t0, &bf, &bl);
      if (bl < 0) continue;
      double bp = bf.ok ? gp_forecast_p_meet(&bf, t->target.value, m->direction) : NAN;
      nb++;
      if (bf.ok) p_all *= bp;
      bool latest_ok = gp_meets(b->v[bl], t->target.value, m->direction);
      bool fc_ok = !bf.ok || gp_meets(bf.mean, t->target.value, m->direction);
      if (latest_ok && fc_ok) continue;
      json_t *e = json_object();
      gp_json_set_str(e, "breakdown", b->key);
      gp_period_format(&b->p[bl], buf);
      json_object_set_new(e, "latest", gp_point_doc(buf, b->v[bl]));
      json_object_set_new(e, "forecast_mean", bf.ok ? gp_json_num(bf.mean) : json_null());
      json_object_set_new(e, "p_meet", bf.ok ? gp_json_num(bp) : json_null());
      json_array_append_new(below, e);
    }
    if (nb > 0) p_meet = p_all; /* every place meets the floor (independence) */
  }

  bool holding = li >= 0 && gp_met_and_holding(head->v[li], &fc, t->target.value, m->direction);
  if (t->kind == GP_TARGET_FLOOR && below && json_array_size(below) > 0) holding = false;
  json_object_set_new(o, "p_meet", gp_json_num(p_meet));
  json_object_set_new(o, "rating", json_string(gp_rating_name(gp_rating_of(p_meet, holding))));

  gp_sdg_status sdg = GP_SDG_NOT_AVAILABLE;
  if (t->kind == GP_TARGET_FLOOR) {
    /* A floor holds for every breakdown: its progress is the worst breakdown's,
     * each measured from its own value at the baseline period. */
    for (size_t i = 0; i < set->n; i++) {
      gp_sdg_status bs = gp_series_sdg(&set->s[i], t, m->direction);
      if (set->s[i].key[0] && bs != GP_SDG_NOT_AVAILABLE &&
          (sdg == GP_SDG_NOT_AVAILABLE || bs > sdg))
        sdg = bs;
    }
  } else if (head) {
    sdg = gp_series_sdg(head, t, m->direction);
  }
  json_object_set_new(o, "open_sdg_status", json_string(gp_sdg_status_name(sdg)));

  gp_rebaseline rb;
  gp_code rc = gp_store_target_rebaseline(s, plan->mission.id, t->id, &rb, err);
  if (rc) {
    json_decref(o);
    json_decref(below);
    return NULL;
  }
  json_object_set_new(o, "rebaselined", json_boolean(rb.found));
  if (rb.found) {
    json_t *r = json_object();
    gp_json_set_str(r, "reason", rb.reason);
    gp_json_set_str(r, "changed_at", rb.changed_at);
    json_t *prev = json_object();
    json_object_set_new(prev, "baseline", gp_point_doc(rb.baseline.period, rb.baseline.value));
    json_object_set_new(prev, "target", gp_point_doc(rb.target.period, rb.target.value));
    json_object_set_new(r, "previous", prev);
    json_object_set_new(o, "rebaseline", r);
  } else {
    json_object_set_new(o, "rebaseline", json_null());
  }

  /* Series for charts: actuals, trajectory points, and the forecast fan. */
  json_t *act = json_array();
  if (head) {
    int32_t base = gp_period_start_day(&t->baseline.parsed);
    for (size_t i = 0; i < head->n; i++) {
      if (gp_period_start_day(&head->p[i]) < base) continue;
      gp_period_format(&head->p[i], buf);
      json_array_append_new(act, gp_point_doc(buf, head->v[i]));
    }
  }
  json_object_set_new(o, "actuals", act);
  json_t *tp = json_array();
  json_array_append_new(tp, gp_point_doc(t->baseline.period, t->baseline.value));
  for (size_t k = 0; k < t->ntraj; k++)
    json_array_append_new(tp, gp_point_doc(t->traj[k].period, t->traj[k].value));
  json_array_append_new(tp, gp_point_doc(t->target.period, t->target.value));
  json_object_set_new(o, "trajectory_points", tp);
  json_t *fan = json_array();
  if (fc.ok && li >= 0) {
    /* Yearly from the latest actual's year to the target's. */
    int y0 = head->p[li].year, y1 = t->target.parsed.year;
    for (int y = y0; y <= y1 && y - y0 <= 200; y++) {
      gp_period py = {.kind = GP_PERIOD_YEAR, .year = y};
      if (y == y0) py = head->p[li];
      if (y == y1) py = t->target.parsed;
      double ty = gp_period_years(&t->baseline.parsed, &py);
      gp_forecast f2;
      gp_forecast_predict(&fc, ty, &f2);
      json_t *e = json_object();
      gp_period_format(&py, buf);
      gp_json_set_str(e, "period", buf);
      json_object_set_new(e, "mean", gp_json_num(f2.mean));
      json_object_set_new(e, "pi80", gp_pair(f2.pi80[0], f2.pi80[1]));
      json_object_set_new(e, "pi95", gp_pair(f2.pi95[0], f2.pi95[1]));
      json_array_append_new(fan, e);
    }
  }
  json_object_set_new(o, "fan", fan);
  if (below) json_object_set_new(o, "below_floor", below);
  return o;
}

/* Appends the status of every target of one mission to arr. */
static gp_code gp_mission_status(gp_store *s, const char *mission_id, int32_t until, json_t *arr,
                                 gp_error *err) {
  gp_plan *plan = NULL;
  gp_code rc = gp_app_plan_load(s, mission_id, 0, &plan, err);
  if (rc) return rc;
  for (size_t i = 0; i < plan->ntargets && !rc; i++) {
    const gp_target *t = &plan->targets[i];
    const gp_metric *m = gp_plan_metric(plan, t->metric);
    gp_series_set set = {0};
    gp_obs_filter f = {.all_breakdowns = t->kind == GP_TARGET_FLOOR,
                       .breakdown = NULL,
                       .history = false,
                       .values_only = true,
                       .until_day = until};
    rc = gp_store_obs_list(s, t->metric, &f, gp_collect, &set, err);
    if (!rc) {
      /* The headline sorts first (breakdown_kind ''), as gp_target_doc expects. */
      json_t *doc = gp_target_doc(s, plan, t, m, &set, err);
      if (doc)
        json_array_append_new(arr, doc);
      else
        rc = err ? err->code : GP_ESTORE;
    }
    gp_series_set_free(&set);
  }
  gp_plan_free(plan);
  return rc;
}

gp_code gp_app_status(gp_store *s, const gp_status_query *q, json_t **out, gp_error *err) {
  *out = NULL;
  int32_t until = INT32_MAX;
  if (q->as_of) {
    gp_period p;
    gp_code rc = gp_period_parse_str(q->as_of, &p, "as_of", err);
    if (rc) return rc;
    until = gp_period_end_day(&p);
  }
  json_t *doc = json_object();
  json_object_set_new(doc, "as_of", q->as_of ? json_string(q->as_of) : json_null());
  json_t *arr = json_array();
  json_object_set_new(doc, "targets", arr);
  gp_code rc = GP_OK;
  if (q->mission_id) {
    rc = gp_app_mission_visible(s, q->mission_id, q->include_unpublished, err);
    if (!rc) rc = gp_mission_status(s, q->mission_id, until, arr, err);
  } else {
    gp_mission_list *l = NULL;
    rc = gp_store_missions(s, q->include_unpublished, &l, err);
    for (size_t i = 0; !rc && i < l->n; i++)
      rc = gp_mission_status(s, l->row[i].mission.id, until, arr, err);
    gp_store_missions_free(l);
  }
  if (rc) {
    json_decref(doc);
    return rc;
  }
  *out = doc;
  return GP_OK;
}
