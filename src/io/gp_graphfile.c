/*
 * gp_graphfile — the theory-of-change sections of a plan file ("nodes",
 * "edges", "counterfactual", "assumptions", "tests"): strict JSON reading
 * into model/gp_graph.h (every fault reported with its JSON path) and
 * canonical writing (contract key order, absent optional members omitted,
 * integral numbers as integers). Cross-references, distributions and cycles
 * are checked by gp_graph_validate after reading.
 */
#include "io/gp_graphfile.h"

#include <stdio.h>
#include <string.h>

#include "io/gp_json.h"
#include "model/gp_graph.h"

const char *const gp_graphfile_keys[] = {"nodes",       "edges", "counterfactual",
                                         "assumptions", "tests", NULL};

static const char *const gp_node_keys[] = {
    "id", "kind", "label", "cost", "stage", "start", "ramp", "delivery", "metric", "sources", NULL};
static const char *const gp_edge_keys[] = {"from",     "to",      "effect", "lag",
                                           "evidence", "sources", NULL};
static const char *const gp_cf_keys[] = {"metric", "change_per_year", "sources", NULL};
static const char *const gp_assumption_keys[] = {"id",       "text",   "on", "importance",
                                                 "evidence", "status", NULL};
static const char *const gp_test_keys[] = {"id",     "assumption", "method", "status",
                                           "result", "estimate",   NULL};
static const char *const gp_estimate_keys[] = {"mean", "se", "n", NULL};

/* path + "." + key */
static const char *gp_sub(char *buf, size_t n, const char *path, const char *key) {
  snprintf(buf, n, "%s.%s", path, key);
  return buf;
}

/* A <distribution>: a number, or {"dist": NAME, params...}. */
static gp_code gp_read_dist(const json_t *v, const char *path, gp_dist *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  if (json_is_number(v)) {
    out->kind = GP_DIST_FIXED;
    out->p[0] = json_number_value(v);
    return GP_OK;
  }
  if (!json_is_object(v))
    return gp_fail(err, GP_EINVAL, path, "must be a number or a distribution object");
  char p[320];
  json_t *d = json_object_get(v, "dist");
  if (!d) return gp_fail(err, GP_EINVAL, gp_sub(p, sizeof p, path, "dist"), "is required");
  if (!json_is_string(d) || !gp_dist_kind_parse(json_string_value(d), &out->kind))
    return gp_fail(err, GP_EINVAL, gp_sub(p, sizeof p, path, "dist"),
                   "must be one of normal, lognormal, uniform, triangular, pert, beta, "
                   "bernoulli");
  const char *keys[5] = {"dist", NULL, NULL, NULL, NULL};
  size_t np = gp_dist_nparams(out->kind);
  for (size_t i = 0; i < np; i++)
    keys[i + 1] = gp_dist_param_name(out->kind, i);
  gp_code rc = gp_json_check_keys(v, keys, path, err);
  if (rc) return rc;
  for (size_t i = 0; i < np; i++)
    if ((rc = gp_json_number(v, keys[i + 1], true, path, &out->p[i], NULL, err))) return rc;
  return GP_OK;
}

static gp_code gp_read_sources(const json_t *obj, const char *path, gp_arena *a, char ***out,
                               size_t *n, gp_error *err) {
  char p[320];
  *out = NULL;
  *n = 0;
  json_t *s = json_object_get(obj, "sources");
  if (!s) return GP_OK;
  gp_sub(p, sizeof p, path, "sources");
  if (!json_is_array(s)) return gp_fail(err, GP_EINVAL, p, "must be an array of strings");
  *n = json_array_size(s);
  *out = gp_arena_alloc(a, (*n + 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    json_t *x = json_array_get(s, i);
    if (!json_is_string(x) || json_string_length(x) == 0 ||
        strlen(json_string_value(x)) != json_string_length(x)) {
      char q[340];
      snprintf(q, sizeof q, "%s[%zu]", p, i);
      return gp_fail(err, GP_EINVAL, q, "must be a non-empty string");
    }
    (*out)[i] = gp_arena_strndup(a, json_string_value(x), json_string_length(x));
  }
  return GP_OK;
}

/* Reads obj[key] as one of an enum's names. */
static gp_code gp_read_enum(const json_t *obj, const char *key, bool required, const char *path,
                            bool (*parse)(const char *, int *), int *out, bool *present,
                            const char *choices, gp_error *err) {
  char p[320];
  json_t *v = json_object_get(obj, key);
  if (present) *present = false;
  if (!v || json_is_null(v)) {
    if (!required) return GP_OK;
    return gp_fail(err, GP_EINVAL, gp_sub(p, sizeof p, path, key), "is required");
  }
  if (!json_is_string(v) || !parse(json_string_value(v), out))
    return gp_fail(err, GP_EINVAL, gp_sub(p, sizeof p, path, key), "must be one of %s", choices);
  if (present) *present = true;
  return GP_OK;
}

/* Adapters from the typed enum parsers to int. */
static bool gp_p_node_kind(const char *s, int *o) {
  gp_node_kind k;
  bool ok = gp_node_kind_parse(s, &k);
  *o = (int)k;
  return ok;
}
static bool gp_p_stage(const char *s, int *o) {
  gp_stage k;
  bool ok = gp_stage_parse(s, &k);
  *o = (int)k;
  return ok;
}
static bool gp_p_astatus(const char *s, int *o) {
  gp_assumption_status k;
  bool ok = gp_assumption_status_parse(s, &k);
  *o = (int)k;
  return ok;
}
static bool gp_p_method(const char *s, int *o) {
  gp_test_method k;
  bool ok = gp_test_method_parse(s, &k);
  *o = (int)k;
  return ok;
}
static bool gp_p_tstatus(const char *s, int *o) {
  gp_test_status k;
  bool ok = gp_test_status_parse(s, &k);
  *o = (int)k;
  return ok;
}

static gp_code gp_read_node(const json_t *v, const char *path, gp_plan *plan, gp_node *nd,
                            gp_error *err) {
  gp_arena *a = &plan->arena;
  char p[320];
  gp_code rc = gp_json_check_keys(v, gp_node_keys, path, err);
  int k = 0;
  if (rc) return rc;
  if ((rc = gp_json_string(v, "id", true, a, path, &nd->id, err))) return rc;
  if ((rc = gp_read_enum(v, "kind", true, path, gp_p_node_kind, &k, NULL,
                         "activity, output, outcome", err)))
    return rc;
  nd->kind = (gp_node_kind)k;
  if ((rc = gp_json_string(v, "label", false, a, path, &nd->label, err))) return rc;
  if ((rc = gp_json_number(v, "cost", false, path, &nd->cost, &nd->has_cost, err))) return rc;
  if ((rc = gp_read_enum(v, "stage", false, path, gp_p_stage, &k, &nd->has_stage,
                         "explore, test, scale, stopped", err)))
    return rc;
  nd->stage = nd->has_stage ? (gp_stage)k : GP_STAGE_EXPLORE;
  if ((rc = gp_json_string(v, "start", false, a, path, &nd->start, err))) return rc;
  if (nd->start &&
      (rc = gp_period_parse_str(nd->start, &nd->start_p, gp_sub(p, sizeof p, path, "start"), err)))
    return rc;
  if ((rc = gp_json_number(v, "ramp", false, path, &nd->ramp, &nd->has_ramp, err))) return rc;
  json_t *d = json_object_get(v, "delivery");
  if (d && !json_is_null(d)) {
    nd->has_delivery = true;
    if ((rc = gp_read_dist(d, gp_sub(p, sizeof p, path, "delivery"), &nd->delivery, err)))
      return rc;
  } else {
    nd->delivery.kind = GP_DIST_FIXED;
    nd->delivery.p[0] = 1;
  }
  if ((rc = gp_json_string(v, "metric", false, a, path, &nd->metric, err))) return rc;
  return gp_read_sources(v, path, a, &nd->sources, &nd->nsources, err);
}

static gp_code gp_read_edge(const json_t *v, const char *path, gp_plan *plan, gp_edge *ed,
                            gp_error *err) {
  gp_arena *a = &plan->arena;
  char p[320];
  gp_code rc = gp_json_check_keys(v, gp_edge_keys, path, err);
  if (rc) return rc;
  if ((rc = gp_json_string(v, "from", true, a, path, &ed->from, err))) return rc;
  if ((rc = gp_json_string(v, "to", true, a, path, &ed->to, err))) return rc;
  json_t *d = json_object_get(v, "effect");
  gp_sub(p, sizeof p, path, "effect");
  if (!d || json_is_null(d)) return gp_fail(err, GP_EINVAL, p, "is required");
  if ((rc = gp_read_dist(d, p, &ed->effect, err))) return rc;
  long l = 0;
  if ((rc = gp_json_int(v, "lag", false, 0, 1000, path, &l, &ed->has_lag, err))) return rc;
  ed->lag = (int)l;
  l = 0;
  if ((rc = gp_json_int(v, "evidence", false, 1, 5, path, &l, NULL, err))) return rc;
  ed->evidence = (int)l;
  return gp_read_sources(v, path, a, &ed->sources, &ed->nsources, err);
}

static gp_code gp_read_assumption(const json_t *v, const char *path, gp_plan *plan,
                                  gp_assumption *as, gp_error *err) {
  gp_arena *a = &plan->arena;
  gp_code rc = gp_json_check_keys(v, gp_assumption_keys, path, err);
  if (rc) return rc;
  if ((rc = gp_json_string(v, "id", true, a, path, &as->id, err))) return rc;
  if ((rc = gp_json_string(v, "text", true, a, path, &as->text, err))) return rc;
  if ((rc = gp_json_string(v, "on", true, a, path, &as->on, err))) return rc;
  long l = 0;
  if ((rc = gp_json_int(v, "importance", false, 1, 5, path, &l, NULL, err))) return rc;
  as->importance = (int)l;
  l = 0;
  if ((rc = gp_json_int(v, "evidence", false, 1, 5, path, &l, NULL, err))) return rc;
  as->evidence = (int)l;
  int k = 0;
  if ((rc = gp_read_enum(v, "status", false, path, gp_p_astatus, &k, &as->has_status,
                         "untested, testing, supported, refuted, mixed", err)))
    return rc;
  as->status = as->has_status ? (gp_assumption_status)k : GP_ASSUMPTION_UNTESTED;
  return GP_OK;
}

static gp_code gp_read_test(const json_t *v, const char *path, gp_plan *plan, gp_test *t,
                            gp_error *err) {
  gp_arena *a = &plan->arena;
  char p[320];
  gp_code rc = gp_json_check_keys(v, gp_test_keys, path, err);
  if (rc) return rc;
  if ((rc = gp_json_string(v, "id", true, a, path, &t->id, err))) return rc;
  if ((rc = gp_json_string(v, "assumption", true, a, path, &t->assumption, err))) return rc;
  int k = 0;
  if ((rc = gp_read_enum(v, "method", true, path, gp_p_method, &k, NULL,
                         "red_team, prototype, pilot, user_research, external_research, rct, "
                         "adaptive_trial, quasi_experiment",
                         err)))
    return rc;
  t->method = (gp_test_method)k;
  if ((rc = gp_read_enum(v, "status", false, path, gp_p_tstatus, &k, &t->has_status,
                         "planned, running, done", err)))
    return rc;
  t->status = t->has_status ? (gp_test_status)k : GP_TEST_PLANNED;
  if ((rc = gp_json_string(v, "result", false, a, path, &t->result, err))) return rc;
  json_t *e = json_object_get(v, "estimate");
  if (e && !json_is_null(e)) {
    gp_sub(p, sizeof p, path, "estimate");
    if ((rc = gp_json_check_keys(e, gp_estimate_keys, p, err))) return rc;
    t->has_estimate = true;
    if ((rc = gp_json_number(e, "mean", true, p, &t->est_mean, NULL, err))) return rc;
    if ((rc = gp_json_number(e, "se", true, p, &t->est_se, NULL, err))) return rc;
    if ((rc = gp_json_int(e, "n", false, 1, 2000000000L, p, &t->est_n, &t->has_n, err))) return rc;
  }
  return GP_OK;
}

typedef gp_code (*gp_item_reader)(const json_t *, const char *, gp_plan *, void *, gp_error *);

static gp_code gp_node_r(const json_t *v, const char *p, gp_plan *pl, void *o, gp_error *e) {
  return gp_read_node(v, p, pl, o, e);
}
static gp_code gp_edge_r(const json_t *v, const char *p, gp_plan *pl, void *o, gp_error *e) {
  return gp_read_edge(v, p, pl, o, e);
}
static gp_code gp_asm_r(const json_t *v, const char *p, gp_plan *pl, void *o, gp_error *e) {
  return gp_read_assumption(v, p, pl, o, e);
}
static gp_code gp_test_r(const json_t *v, const char *p, gp_plan *pl, void *o, gp_error *e) {
  return gp_read_test(v, p, pl, o, e);
}

static gp_code gp_read_list(const json_t *root, const char *key, size_t size, gp_item_reader rd,
                            gp_plan *plan, void **out, size_t *n, gp_error *err) {
  char p[320];
  *out = NULL;
  *n = 0;
  json_t *arr = json_object_get(root, key);
  if (!arr || json_is_null(arr)) return GP_OK;
  snprintf(p, sizeof p, "plan.%s", key);
  if (!json_is_array(arr)) return gp_fail(err, GP_EINVAL, p, "must be an array");
  size_t m = json_array_size(arr);
  char *items = gp_arena_alloc(&plan->arena, (m + 1) * size);
  for (size_t i = 0; i < m; i++) {
    char q[340];
    snprintf(q, sizeof q, "plan.%s[%zu]", key, i);
    json_t *v = json_array_get(arr, i);
    if (!json_is_object(v)) return gp_fail(err, GP_EINVAL, q, "must be an object");
    gp_code rc = rd(v, q, plan, items + i * size, err);
    if (rc) return rc;
  }
  *out = items;
  *n = m;
  return GP_OK;
}

gp_code gp_graphfile_parse(const json_t *root, gp_plan *plan, gp_error *err) {
  bool any = false;
  for (size_t i = 0; gp_graphfile_keys[i]; i++) {
    json_t *v = json_object_get(root, gp_graphfile_keys[i]);
    if (v && !json_is_null(v)) any = true;
  }
  plan->graph = NULL;
  if (!any) return GP_OK;
  gp_graph *g = gp_arena_alloc(&plan->arena, sizeof *g);
  void *arr;
  gp_code rc;
  if ((rc = gp_read_list(root, "nodes", sizeof(gp_node), gp_node_r, plan, &arr, &g->nnodes, err)))
    return rc;
  g->nodes = arr;
  if ((rc = gp_read_list(root, "edges", sizeof(gp_edge), gp_edge_r, plan, &arr, &g->nedges, err)))
    return rc;
  g->edges = arr;
  json_t *cf = json_object_get(root, "counterfactual");
  if (cf && !json_is_null(cf)) {
    const char *path = "plan.counterfactual";
    if ((rc = gp_json_check_keys(cf, gp_cf_keys, path, err))) return rc;
    g->has_counterfactual = true;
    if ((rc = gp_json_string(cf, "metric", true, &plan->arena, path, &g->cf.metric, err)))
      return rc;
    json_t *d = json_object_get(cf, "change_per_year");
    if (!d || json_is_null(d))
      return gp_fail(err, GP_EINVAL, "plan.counterfactual.change_per_year", "is required");
    if ((rc = gp_read_dist(d, "plan.counterfactual.change_per_year", &g->cf.change_per_year, err)))
      return rc;
    if ((rc = gp_read_sources(cf, path, &plan->arena, &g->cf.sources, &g->cf.nsources, err)))
      return rc;
  }
  if ((rc = gp_read_list(root, "assumptions", sizeof(gp_assumption), gp_asm_r, plan, &arr,
                         &g->nassumptions, err)))
    return rc;
  g->assumptions = arr;
  if ((rc = gp_read_list(root, "tests", sizeof(gp_test), gp_test_r, plan, &arr, &g->ntests, err)))
    return rc;
  g->tests = arr;
  plan->graph = g;
  if ((rc = gp_graph_validate(plan, err))) {
    plan->graph = NULL;
    return rc;
  }
  return GP_OK;
}

/* ---- writing ---- */

json_t *gp_graphfile_dist_json(const gp_dist *d) {
  if (d->kind == GP_DIST_FIXED) return gp_json_num(d->p[0]);
  json_t *o = json_object();
  json_object_set_new(o, "dist", json_string(gp_dist_kind_name(d->kind)));
  for (size_t i = 0; i < gp_dist_nparams(d->kind); i++)
    json_object_set_new(o, gp_dist_param_name(d->kind, i), gp_json_num(d->p[i]));
  return o;
}

static void gp_set_sources(json_t *o, char **s, size_t n) {
  if (!s) return;
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_string(s[i]));
  json_object_set_new(o, "sources", a);
}

gp_code gp_graphfile_emit(const gp_plan *plan, json_t *root, gp_error *err) {
  const gp_graph *g = plan->graph;
  if (!g) return GP_OK;
  if (g->nnodes) {
    json_t *arr = json_array();
    for (size_t i = 0; i < g->nnodes; i++) {
      const gp_node *n = &g->nodes[i];
      json_t *o = json_object();
      gp_json_set_str(o, "id", n->id);
      gp_json_set_str(o, "kind", gp_node_kind_name(n->kind));
      gp_json_set_str(o, "label", n->label);
      if (n->has_cost) gp_json_set(o, "cost", gp_json_num(n->cost));
      if (n->has_stage) gp_json_set_str(o, "stage", gp_stage_name(n->stage));
      gp_json_set_str(o, "start", n->start);
      if (n->has_ramp) gp_json_set(o, "ramp", gp_json_num(n->ramp));
      if (n->has_delivery) gp_json_set(o, "delivery", gp_graphfile_dist_json(&n->delivery));
      gp_json_set_str(o, "metric", n->metric);
      gp_set_sources(o, n->sources, n->nsources);
      json_array_append_new(arr, o);
    }
    json_object_set_new(root, "nodes", arr);
  }
  if (g->nedges) {
    json_t *arr = json_array();
    for (size_t i = 0; i < g->nedges; i++) {
      const gp_edge *e = &g->edges[i];
      json_t *o = json_object();
      gp_json_set_str(o, "from", e->from);
      gp_json_set_str(o, "to", e->to);
      gp_json_set(o, "effect", gp_graphfile_dist_json(&e->effect));
      if (e->has_lag) gp_json_set(o, "lag", json_integer(e->lag));
      if (e->evidence) gp_json_set(o, "evidence", json_integer(e->evidence));
      gp_set_sources(o, e->sources, e->nsources);
      json_array_append_new(arr, o);
    }
    json_object_set_new(root, "edges", arr);
  }
  if (g->has_counterfactual) {
    json_t *o = json_object();
    gp_json_set_str(o, "metric", g->cf.metric);
    gp_json_set(o, "change_per_year", gp_graphfile_dist_json(&g->cf.change_per_year));
    gp_set_sources(o, g->cf.sources, g->cf.nsources);
    json_object_set_new(root, "counterfactual", o);
  }
  if (g->nassumptions) {
    json_t *arr = json_array();
    for (size_t i = 0; i < g->nassumptions; i++) {
      const gp_assumption *a = &g->assumptions[i];
      json_t *o = json_object();
      gp_json_set_str(o, "id", a->id);
      gp_json_set_str(o, "text", a->text);
      gp_json_set_str(o, "on", a->on);
      if (a->importance) gp_json_set(o, "importance", json_integer(a->importance));
      if (a->evidence) gp_json_set(o, "evidence", json_integer(a->evidence));
      if (a->has_status) gp_json_set_str(o, "status", gp_assumption_status_name(a->status));
      json_array_append_new(arr, o);
    }
    json_object_set_new(root, "assumptions", arr);
  }
  if (g->ntests) {
    json_t *arr = json_array();
    for (size_t i = 0; i < g->ntests; i++) {
      const gp_test *t = &g->tests[i];
      json_t *o = json_object();
      gp_json_set_str(o, "id", t->id);
      gp_json_set_str(o, "assumption", t->assumption);
      gp_json_set_str(o, "method", gp_test_method_name(t->method));
      if (t->has_status) gp_json_set_str(o, "status", gp_test_status_name(t->status));
      gp_json_set_str(o, "result", t->result);
      if (t->has_estimate) {
        json_t *e = json_object();
        gp_json_set(e, "mean", gp_json_num(t->est_mean));
        gp_json_set(e, "se", gp_json_num(t->est_se));
        if (t->has_n) gp_json_set(e, "n", json_integer(t->est_n));
        json_object_set_new(o, "estimate", e);
      }
      json_array_append_new(arr, o);
    }
    json_object_set_new(root, "tests", arr);
  }
  (void)err;
  return GP_OK;
}
