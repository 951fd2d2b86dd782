/*
 * gp_planfile — reading and writing the game plan file; see gp_planfile.h.
 *
 * Each section has a reader taking the JSON value, the path of that value
 * and the plan (whose arena receives every string), and a writer producing
 * the canonical JSON. Cross-references are checked by gp_plan_validate after
 * the sections are read, then the theory-of-change sections are read by
 * io/gp_graphfile.c, which may refer to metrics and targets.
 */
#include "io/gp_planfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/gp_graphfile.h"
#include "io/gp_json.h"

enum { GP_PLAN_MAX_BYTES = 16 * 1024 * 1024 };

static const char *const gp_top_keys[] = {"mission", "metrics", "targets", NULL};
static const char *const gp_mission_keys[] = {"id",   "title", "vision",  "kind",
                                              "lead", "start", "horizon", NULL};
static const char *const gp_metric_keys[] = {"id",        "name",   "unit", "direction",
                                             "frequency", "source", NULL};
static const char *const gp_target_keys[] = {"id",     "metric",     "kind", "baseline",
                                             "target", "trajectory", NULL};
static const char *const gp_point_keys[] = {"period", "value", NULL};

/* Reads an id member: required, and a valid slug. */
static gp_code gp_read_id(const json_t *obj, const char *key, gp_arena *a, const char *path,
                          char **out, gp_error *err) {
  gp_code rc = gp_json_string(obj, key, true, a, path, out, err);
  if (rc) return rc;
  if (!gp_id_valid(*out)) {
    char p[320];
    snprintf(p, sizeof p, "%s.%s", path, key);
    return gp_fail(err, GP_EINVAL, p,
                   "'%s' is not a valid id (1-64 characters: a-z, 0-9, '-' and '_', "
                   "starting with a letter or digit)",
                   *out);
  }
  return GP_OK;
}

/* Reads a period member (optional or required) and canonicalises its text. */
static gp_code gp_read_period(const json_t *obj, const char *key, bool required, gp_arena *a,
                              const char *path, char **out, gp_period *parsed, gp_error *err) {
  gp_code rc = gp_json_string(obj, key, required, a, path, out, err);
  if (rc || !*out) return rc;
  char p[320];
  snprintf(p, sizeof p, "%s.%s", path, key);
  gp_period tmp;
  if ((rc = gp_period_parse_str(*out, &tmp, p, err))) return rc;
  if (parsed) *parsed = tmp;
  return GP_OK;
}

/* Reads {"period", "value"} at path. */
static gp_code gp_read_point(const json_t *v, gp_arena *a, const char *path, gp_point *out,
                             gp_error *err) {
  gp_code rc = gp_json_check_keys(v, gp_point_keys, path, err);
  if (rc) return rc;
  if ((rc = gp_read_period(v, "period", true, a, path, &out->period, &out->parsed, err))) return rc;
  return gp_json_number(v, "value", true, path, &out->value, NULL, err);
}

static gp_code gp_read_mission(const json_t *v, gp_plan *p, gp_error *err) {
  const char *path = "plan.mission";
  gp_mission *m = &p->mission;
  gp_arena *a = &p->arena;
  gp_code rc = gp_json_check_keys(v, gp_mission_keys, path, err);
  if (rc) return rc;
  if ((rc = gp_read_id(v, "id", a, path, &m->id, err))) return rc;
  if ((rc = gp_json_string(v, "title", true, a, path, &m->title, err))) return rc;
  if ((rc = gp_json_string(v, "vision", false, a, path, &m->vision, err))) return rc;
  char *kind;
  if ((rc = gp_json_string(v, "kind", false, a, path, &kind, err))) return rc;
  m->kind = GP_MISSION_MISSION;
  m->has_kind = kind != NULL;
  if (kind && !gp_mission_kind_parse(kind, &m->kind))
    return gp_fail(err, GP_EINVAL, "plan.mission.kind",
                   "'%s' is not a mission kind (mission, licence_to_operate, crisis)", kind);
  if ((rc = gp_json_string(v, "lead", false, a, path, &m->lead, err))) return rc;
  gp_period ps, ph;
  if ((rc = gp_read_period(v, "start", false, a, path, &m->start, &ps, err))) return rc;
  if ((rc = gp_read_period(v, "horizon", false, a, path, &m->horizon, &ph, err))) return rc;
  if (m->start && m->horizon && gp_period_cmp(&ps, &ph) > 0)
    return gp_fail(err, GP_EINVAL, "plan.mission.horizon", "horizon %s is before the start %s",
                   m->horizon, m->start);
  return GP_OK;
}

static gp_code gp_read_metric(const json_t *v, const char *path, gp_plan *p, gp_metric *m,
                              gp_error *err) {
  gp_arena *a = &p->arena;
  gp_code rc = gp_json_check_keys(v, gp_metric_keys, path, err);
  if (rc) return rc;
  if ((rc = gp_read_id(v, "id", a, path, &m->id, err))) return rc;
  if ((rc = gp_json_string(v, "name", true, a, path, &m->name, err))) return rc;
  if ((rc = gp_json_string(v, "unit", false, a, path, &m->unit, err))) return rc;
  char *dir;
  if ((rc = gp_json_string(v, "direction", true, a, path, &dir, err))) return rc;
  if (!gp_direction_parse(dir, &m->direction)) {
    char pp[320];
    snprintf(pp, sizeof pp, "%s.direction", path);
    return gp_fail(err, GP_EINVAL, pp, "'%s' is not a direction (higher or lower)", dir);
  }
  if ((rc = gp_json_string(v, "frequency", false, a, path, &m->frequency, err))) return rc;
  return gp_json_string(v, "source", false, a, path, &m->source, err);
}

static gp_code gp_read_target(const json_t *v, const char *path, gp_plan *p, gp_target *t,
                              gp_error *err) {
  gp_arena *a = &p->arena;
  char pp[320];
  gp_code rc = gp_json_check_keys(v, gp_target_keys, path, err);
  if (rc) return rc;
  if ((rc = gp_read_id(v, "id", a, path, &t->id, err))) return rc;
  if ((rc = gp_json_string(v, "metric", true, a, path, &t->metric, err))) return rc;
  char *kind;
  if ((rc = gp_json_string(v, "kind", true, a, path, &kind, err))) return rc;
  if (!gp_target_kind_parse(kind, &t->kind)) {
    snprintf(pp, sizeof pp, "%s.kind", path);
    return gp_fail(err, GP_EINVAL, pp,
                   "'%s' is not a target kind (moonshot, committed, interim, floor)", kind);
  }
  const char *pts[] = {"baseline", "target"};
  gp_point *dst[] = {&t->baseline, &t->target};
  for (int i = 0; i < 2; i++) {
    snprintf(pp, sizeof pp, "%s.%s", path, pts[i]);
    json_t *pv = json_object_get(v, pts[i]);
    if (!pv || json_is_null(pv))
      return gp_fail(err, GP_EINVAL, pp, "is required: a target needs a %s {\"period\", \"value\"}",
                     pts[i]);
    if ((rc = gp_read_point(pv, a, pp, dst[i], err))) return rc;
  }
  json_t *tr = json_object_get(v, "trajectory");
  snprintf(pp, sizeof pp, "%s.trajectory", path);
  if (tr && !json_is_null(tr)) {
    t->has_trajectory = true;
    if (json_is_string(tr)) {
      if (strcmp(json_string_value(tr), "linear"))
        return gp_fail(err, GP_EINVAL, pp, "must be \"linear\" or a list of points");
    } else if (json_is_array(tr)) {
      t->ntraj = json_array_size(tr);
      t->traj = gp_arena_alloc(a, (t->ntraj ? t->ntraj : 1) * sizeof *t->traj);
      for (size_t k = 0; k < t->ntraj; k++) {
        char kp[340];
        snprintf(kp, sizeof kp, "%s[%zu]", pp, k);
        if ((rc = gp_read_point(json_array_get(tr, k), a, kp, &t->traj[k], err))) return rc;
      }
    } else {
      return gp_fail(err, GP_EINVAL, pp, "must be \"linear\" or a list of points");
    }
  }
  return GP_OK;
}

/* Reads an optional array section with one reader per element. */
typedef gp_code (*gp_elem_reader)(const json_t *v, const char *path, gp_plan *p, void *elem,
                                  gp_error *err);

static gp_code gp_read_array(const json_t *root, const char *key, size_t elem_size,
                             gp_elem_reader read, gp_plan *p, void **out, size_t *n,
                             gp_error *err) {
  json_t *arr = json_object_get(root, key);
  char path[320];
  snprintf(path, sizeof path, "plan.%s", key);
  *out = NULL;
  *n = 0;
  if (!arr || json_is_null(arr)) return GP_OK;
  if (!json_is_array(arr)) return gp_fail(err, GP_EINVAL, path, "must be a list");
  *n = json_array_size(arr);
  char *elems = gp_arena_alloc(&p->arena, (*n ? *n : 1) * elem_size);
  *out = elems;
  for (size_t i = 0; i < *n; i++) {
    char ep[340];
    snprintf(ep, sizeof ep, "%s[%zu]", path, i);
    gp_code rc = read(json_array_get(arr, i), ep, p, elems + i * elem_size, err);
    if (rc) return rc;
  }
  return GP_OK;
}

static gp_code gp_metric_reader(const json_t *v, const char *path, gp_plan *p, void *e,
                                gp_error *err) {
  return gp_read_metric(v, path, p, e, err);
}
static gp_code gp_target_reader(const json_t *v, const char *path, gp_plan *p, void *e,
                                gp_error *err) {
  return gp_read_target(v, path, p, e, err);
}

gp_code gp_planfile_from_json(const json_t *root, gp_plan **out, gp_error *err) {
  *out = NULL;
  if (!json_is_object(root)) return gp_fail(err, GP_EINVAL, "plan", "must be a JSON object");
  /* Allowed top-level keys: ours, then the graph module's. */
  const char *keys[16];
  size_t nk = 0;
  for (size_t i = 0; gp_top_keys[i]; i++)
    keys[nk++] = gp_top_keys[i];
  for (size_t i = 0; gp_graphfile_keys[i] && nk < 15; i++)
    keys[nk++] = gp_graphfile_keys[i];
  keys[nk] = NULL;
  gp_code rc = gp_json_check_keys(root, keys, "plan", err);
  if (rc) return rc;
  gp_plan *p = gp_plan_new();
  if (!p) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  json_t *m = json_object_get(root, "mission");
  if (!m) {
    rc = gp_fail(err, GP_EINVAL, "plan.mission", "is required");
    goto fail;
  }
  void *arr;
  if ((rc = gp_read_mission(m, p, err))) goto fail;
  if ((rc = gp_read_array(root, "metrics", sizeof(gp_metric), gp_metric_reader, p, &arr,
                          &p->nmetrics, err)))
    goto fail;
  p->metrics = arr;
  if ((rc = gp_read_array(root, "targets", sizeof(gp_target), gp_target_reader, p, &arr,
                          &p->ntargets, err)))
    goto fail;
  p->targets = arr;
  if ((rc = gp_plan_validate(p, err))) goto fail;
  if ((rc = gp_graphfile_parse(root, p, err))) goto fail;
  *out = p;
  return GP_OK;
fail:
  gp_plan_free(p);
  return rc;
}

gp_code gp_planfile_parse(const char *text, size_t len, const char *name, gp_plan **out,
                          gp_error *err) {
  *out = NULL;
  json_t *root = gp_json_parse(text, len, name, err);
  if (!root) return GP_ESYNTAX;
  gp_code rc = gp_planfile_from_json(root, out, err);
  json_decref(root);
  return rc;
}

gp_code gp_read_file(const char *file, size_t max, char **out, size_t *len, gp_error *err) {
  FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
  *out = NULL;
  if (!f) return gp_fail(err, GP_EIO, file, "cannot open: %s", strerror(errno));
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (n > max) break;
    if (n < cap) break;
    char *nb = realloc(buf, cap * 2 + 1);
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  bool failed = f != stdin ? (ferror(f) != 0) : ferror(f) != 0;
  if (f != stdin) fclose(f);
  if (!buf) return gp_fail(err, GP_ENOMEM, file, "out of memory reading the file");
  if (n > max) {
    free(buf);
    return gp_fail(err, GP_ETOOBIG, file, "larger than %zu bytes", max);
  }
  if (failed) {
    free(buf);
    return gp_fail(err, GP_EIO, file, "read error");
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return GP_OK;
}

gp_code gp_planfile_load(const char *file, gp_plan **out, gp_error *err) {
  char *text;
  size_t len;
  *out = NULL;
  gp_code rc = gp_read_file(file, GP_PLAN_MAX_BYTES, &text, &len, err);
  if (rc) return rc;
  rc = gp_planfile_parse(text, len, strcmp(file, "-") ? file : "<stdin>", out, err);
  free(text);
  return rc;
}

static json_t *gp_point_json(const gp_point *pt) {
  json_t *o = json_object();
  json_object_set_new(o, "period", json_string(pt->period));
  json_object_set_new(o, "value", gp_json_num(pt->value));
  return o;
}

json_t *gp_planfile_to_json(const gp_plan *p) {
  json_t *root = json_object();
  json_t *m = json_object();
  const gp_mission *mi = &p->mission;
  gp_json_set_str(m, "id", mi->id);
  gp_json_set_str(m, "title", mi->title);
  gp_json_set_str(m, "vision", mi->vision);
  if (mi->has_kind) gp_json_set_str(m, "kind", gp_mission_kind_name(mi->kind));
  gp_json_set_str(m, "lead", mi->lead);
  gp_json_set_str(m, "start", mi->start);
  gp_json_set_str(m, "horizon", mi->horizon);
  json_object_set_new(root, "mission", m);
  json_t *metrics = json_array();
  for (size_t i = 0; i < p->nmetrics; i++) {
    const gp_metric *me = &p->metrics[i];
    json_t *o = json_object();
    gp_json_set_str(o, "id", me->id);
    gp_json_set_str(o, "name", me->name);
    gp_json_set_str(o, "unit", me->unit);
    gp_json_set_str(o, "direction", gp_direction_name(me->direction));
    gp_json_set_str(o, "frequency", me->frequency);
    gp_json_set_str(o, "source", me->source);
    json_array_append_new(metrics, o);
  }
  json_object_set_new(root, "metrics", metrics);
  json_t *targets = json_array();
  for (size_t i = 0; i < p->ntargets; i++) {
    const gp_target *t = &p->targets[i];
    json_t *o = json_object();
    gp_json_set_str(o, "id", t->id);
    gp_json_set_str(o, "metric", t->metric);
    gp_json_set_str(o, "kind", gp_target_kind_name(t->kind));
    json_object_set_new(o, "baseline", gp_point_json(&t->baseline));
    json_object_set_new(o, "target", gp_point_json(&t->target));
    if (t->has_trajectory) {
      if (t->ntraj == 0) {
        json_object_set_new(o, "trajectory", json_string("linear"));
      } else {
        json_t *tr = json_array();
        for (size_t k = 0; k < t->ntraj; k++)
          json_array_append_new(tr, gp_point_json(&t->traj[k]));
        json_object_set_new(o, "trajectory", tr);
      }
    }
    json_array_append_new(targets, o);
  }
  json_object_set_new(root, "targets", targets);
  if (gp_graphfile_emit(p, root, NULL)) {
    json_decref(root);
    return NULL;
  }
  return root;
}

char *gp_planfile_dump(const gp_plan *p) {
  json_t *doc = gp_planfile_to_json(p);
  if (!doc) return NULL;
  char *s = gp_json_dump(doc);
  json_decref(doc);
  return s;
}
