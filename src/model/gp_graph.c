/*
 * gp_graph — validation, cycle check, period grid and learning update of a
 * game plan's theory of change. See gp_graph.h.
 */
#include "model/gp_graph.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GP_NONE ((size_t)-1)

/* ---- names ---- */

static const char *const gp_dist_names[] = {"fixed",      "normal", "lognormal", "uniform",
                                            "triangular", "pert",   "beta",      "bernoulli"};
static const char *const gp_dist_params[][3] = {
    {"value", NULL, NULL},  {"mean", "sd", NULL},   {"mu", "sigma", NULL}, {"min", "max", NULL},
    {"min", "mode", "max"}, {"min", "mode", "max"}, {"a", "b", NULL},      {"p", NULL, NULL}};
static const size_t gp_dist_np[] = {1, 2, 2, 2, 3, 3, 2, 1};
static const char *const gp_node_kinds[] = {"activity", "output", "outcome"};
static const char *const gp_stages[] = {"explore", "test", "scale", "stopped"};
static const char *const gp_astatus[] = {"untested", "testing", "supported", "refuted", "mixed"};
static const char *const gp_methods[] = {"red_team",       "prototype",         "pilot",
                                         "user_research",  "external_research", "rct",
                                         "adaptive_trial", "quasi_experiment"};
static const char *const gp_tstatus[] = {"planned", "running", "done"};

static bool gp_lookup(const char *const *names, int n, const char *s, int *out) {
  for (int i = 0; i < n; i++)
    if (!strcmp(names[i], s)) {
      *out = i;
      return true;
    }
  return false;
}
#define GP_LOOKUP(names, s, out, type)                                                             \
  do {                                                                                             \
    int v_;                                                                                        \
    if (!gp_lookup(names, (int)(sizeof names / sizeof names[0]), s, &v_)) return false;            \
    *(out) = (type)v_;                                                                             \
    return true;                                                                                   \
  } while (0)

const char *gp_dist_kind_name(gp_dist_kind k) { return gp_dist_names[k]; }
bool gp_dist_kind_parse(const char *s, gp_dist_kind *out) {
  if (!strcmp(s, "fixed")) return false;
  GP_LOOKUP(gp_dist_names, s, out, gp_dist_kind);
}
size_t gp_dist_nparams(gp_dist_kind k) { return gp_dist_np[k]; }
const char *gp_dist_param_name(gp_dist_kind k, size_t i) { return gp_dist_params[k][i]; }
const char *gp_node_kind_name(gp_node_kind k) { return gp_node_kinds[k]; }
bool gp_node_kind_parse(const char *s, gp_node_kind *out) {
  GP_LOOKUP(gp_node_kinds, s, out, gp_node_kind);
}
const char *gp_stage_name(gp_stage s) { return gp_stages[s]; }
bool gp_stage_parse(const char *s, gp_stage *out) { GP_LOOKUP(gp_stages, s, out, gp_stage); }
const char *gp_assumption_status_name(gp_assumption_status s) { return gp_astatus[s]; }
bool gp_assumption_status_parse(const char *s, gp_assumption_status *out) {
  GP_LOOKUP(gp_astatus, s, out, gp_assumption_status);
}
const char *gp_test_method_name(gp_test_method m) { return gp_methods[m]; }
bool gp_test_method_parse(const char *s, gp_test_method *out) {
  GP_LOOKUP(gp_methods, s, out, gp_test_method);
}
const char *gp_test_status_name(gp_test_status s) { return gp_tstatus[s]; }
bool gp_test_status_parse(const char *s, gp_test_status *out) {
  GP_LOOKUP(gp_tstatus, s, out, gp_test_status);
}

/* ---- distributions ---- */

bool gp_dist_is_random(const gp_dist *d) { return d->kind != GP_DIST_FIXED; }

static void gp_pert_shape(const gp_dist *d, double *al, double *be) {
  double a = d->p[0], c = d->p[1], b = d->p[2];
  *al = 1 + 4 * (c - a) / (b - a);
  *be = 1 + 4 * (b - c) / (b - a);
}

double gp_dist_mean(const gp_dist *d) {
  const double *p = d->p;
  switch (d->kind) {
  case GP_DIST_FIXED: return p[0];
  case GP_DIST_NORMAL: return p[0];
  case GP_DIST_LOGNORMAL: return exp(p[0] + p[1] * p[1] / 2);
  case GP_DIST_UNIFORM: return (p[0] + p[1]) / 2;
  case GP_DIST_TRIANGULAR: return (p[0] + p[1] + p[2]) / 3;
  case GP_DIST_PERT: return (p[0] + 4 * p[1] + p[2]) / 6;
  case GP_DIST_BETA: return p[0] / (p[0] + p[1]);
  case GP_DIST_BERNOULLI: return p[0];
  }
  return NAN;
}

double gp_dist_sd(const gp_dist *d) {
  const double *p = d->p;
  switch (d->kind) {
  case GP_DIST_FIXED: return 0;
  case GP_DIST_NORMAL: return p[1];
  case GP_DIST_LOGNORMAL: {
    double s2 = p[1] * p[1];
    return sqrt(expm1(s2) * exp(2 * p[0] + s2));
  }
  case GP_DIST_UNIFORM: return (p[1] - p[0]) / sqrt(12.0);
  case GP_DIST_TRIANGULAR: {
    double a = p[0], c = p[1], b = p[2];
    return sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18);
  }
  case GP_DIST_PERT: {
    double al, be, w = p[2] - p[0];
    gp_pert_shape(d, &al, &be);
    return w * sqrt(al * be / ((al + be) * (al + be) * (al + be + 1)));
  }
  case GP_DIST_BETA: {
    double a = p[0], b = p[1];
    return sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
  }
  case GP_DIST_BERNOULLI: return sqrt(p[0] * (1 - p[0]));
  }
  return NAN;
}

gp_code gp_dist_validate(const gp_dist *d, bool probability, const char *path, gp_error *err) {
  char pp[320];
  const double *p = d->p;
#define GP_AT(i) (snprintf(pp, sizeof pp, "%s.%s", path, gp_dist_params[d->kind][i]), pp)
  if (d->kind == GP_DIST_FIXED) {
    if (!isfinite(p[0])) return gp_fail(err, GP_EINVAL, path, "must be a finite number");
    if (probability && (p[0] < 0 || p[0] > 1))
      return gp_fail(err, GP_EINVAL, path, "must be a probability in [0, 1]");
    return GP_OK;
  }
  for (size_t i = 0; i < gp_dist_np[d->kind]; i++)
    if (!isfinite(p[i])) return gp_fail(err, GP_EINVAL, GP_AT(i), "must be a finite number");
  switch (d->kind) {
  case GP_DIST_NORMAL:
  case GP_DIST_LOGNORMAL:
    if (!(p[1] > 0)) return gp_fail(err, GP_EINVAL, GP_AT(1), "must be > 0");
    if (probability)
      return gp_fail(err, GP_EINVAL, path,
                     "a delivery probability must lie in [0, 1]: use a number, beta, "
                     "uniform, triangular or pert within [0, 1], or bernoulli");
    if (d->kind == GP_DIST_LOGNORMAL && p[0] + p[1] * p[1] > 700)
      return gp_fail(err, GP_EINVAL, GP_AT(0), "too large: the distribution overflows");
    break;
  case GP_DIST_UNIFORM:
    if (!(p[0] < p[1])) return gp_fail(err, GP_EINVAL, GP_AT(0), "must be < max");
    break;
  case GP_DIST_TRIANGULAR:
  case GP_DIST_PERT:
    if (!(p[0] <= p[1])) return gp_fail(err, GP_EINVAL, GP_AT(0), "must be <= mode");
    if (!(p[1] <= p[2])) return gp_fail(err, GP_EINVAL, GP_AT(2), "must be >= mode");
    if (!(p[0] < p[2])) return gp_fail(err, GP_EINVAL, GP_AT(2), "must be > min");
    break;
  case GP_DIST_BETA:
    if (!(p[0] > 0)) return gp_fail(err, GP_EINVAL, GP_AT(0), "must be > 0");
    if (!(p[1] > 0)) return gp_fail(err, GP_EINVAL, GP_AT(1), "must be > 0");
    break;
  case GP_DIST_BERNOULLI:
    if (p[0] < 0 || p[0] > 1) return gp_fail(err, GP_EINVAL, GP_AT(0), "must be in [0, 1]");
    break;
  case GP_DIST_FIXED: break;
  }
  if (probability &&
      (d->kind == GP_DIST_UNIFORM || d->kind == GP_DIST_TRIANGULAR || d->kind == GP_DIST_PERT)) {
    double hi = d->kind == GP_DIST_UNIFORM ? p[1] : p[2];
    if (p[0] < 0) return gp_fail(err, GP_EINVAL, GP_AT(0), "must be >= 0 for a probability");
    if (hi > 1)
      return gp_fail(err, GP_EINVAL, GP_AT(d->kind == GP_DIST_UNIFORM ? 1 : 2),
                     "must be <= 1 for a probability");
  }
#undef GP_AT
  return GP_OK;
}

/* ---- the grid ---- */

gp_period gp_grid_period(const gp_grid *g, int k) {
  gp_period p = g->start;
  if (g->per_year == 4) {
    int q = p.year * 4 + (p.quarter - 1) + k;
    p.year = q / 4;
    p.quarter = q % 4 + 1;
    return p;
  }
  if (g->per_year == 12) {
    int m = p.year * 12 + (p.month - 1) + k;
    p.year = m / 12;
    p.month = m % 12 + 1;
    return p;
  }
  p.year += k;
  if (p.kind == GP_PERIOD_DAY && p.month == 2 && p.day == 29 && !gp_date_valid(p.year, 2, 29))
    p.day = 28;
  return p;
}

int gp_grid_index(const gp_grid *g, const gp_period *p) {
  return (int)lround(gp_period_years(&g->start, p) * g->per_year);
}

/* The first month of a period (1..12). */
static int gp_first_month(const gp_period *p) {
  switch (p->kind) {
  case GP_PERIOD_YEAR: return 1;
  case GP_PERIOD_FY: return 4;
  case GP_PERIOD_QUARTER: return 3 * (p->quarter - 1) + 1;
  case GP_PERIOD_MONTH:
  case GP_PERIOD_DAY: return p->month;
  }
  return 1;
}

gp_code gp_graph_grid(const gp_plan *plan, gp_grid *out, gp_error *err) {
  bool have = false;
  gp_period start;
  if (plan->mission.start) {
    if (!gp_period_parse(plan->mission.start, strlen(plan->mission.start), &start))
      return gp_fail(err, GP_EINVAL, "plan.mission.start", "is not a valid period");
    have = true;
  } else {
    for (size_t i = 0; i < plan->ntargets; i++)
      if (!have || gp_period_cmp(&plan->targets[i].baseline.parsed, &start) < 0) {
        start = plan->targets[i].baseline.parsed;
        have = true;
      }
  }
  if (!have)
    return gp_fail(err, GP_EINVAL, "plan.mission.start",
                   "is required to simulate a plan without targets");
  int per_year = 1;
  for (size_t i = 0; i < plan->ntargets; i++) {
    const gp_metric *m = gp_plan_metric(plan, plan->targets[i].metric);
    if (!m || !m->frequency) continue;
    if (!strcmp(m->frequency, "quarterly") && per_year < 4) per_year = 4;
    if (!strcmp(m->frequency, "monthly")) per_year = 12;
  }
  if (per_year > 1) {
    int m0 = gp_first_month(&start);
    gp_period q = {per_year == 4 ? GP_PERIOD_QUARTER : GP_PERIOD_MONTH, start.year,
                   per_year == 4 ? (m0 - 1) / 3 + 1 : 0, per_year == 4 ? 0 : m0, 0};
    start = q;
  }
  out->start = start;
  out->per_year = per_year;
  int last = 0, span = 0;
  bool have_h = false;
  if (plan->mission.horizon) {
    gp_period h;
    if (!gp_period_parse(plan->mission.horizon, strlen(plan->mission.horizon), &h))
      return gp_fail(err, GP_EINVAL, "plan.mission.horizon", "is not a valid period");
    last = gp_grid_index(out, &h);
    span = (int)lround(gp_period_years(&start, &h));
    have_h = true;
  }
  int tlast = 0, tspan = 0;
  for (size_t i = 0; i < plan->ntargets; i++) {
    int k = gp_grid_index(out, &plan->targets[i].target.parsed);
    if (k > tlast) tlast = k;
    int y = (int)lround(gp_period_years(&start, &plan->targets[i].target.parsed));
    if (y > tspan) tspan = y;
  }
  if (!have_h) last = tlast, span = tspan;
  if (last < 0) last = 0;
  if (span < 0) span = 0;
  out->span = span;
  out->nperiods = (tlast > last ? tlast : last) + 1;
  return GP_OK;
}

/* ---- validation ---- */

size_t gp_graph_node_index(const gp_graph *g, const char *id) {
  for (size_t i = 0; i < g->nnodes; i++)
    if (!strcmp(g->nodes[i].id, id)) return i;
  return GP_NONE;
}

static bool gp_level_ok(int v) { return v == 0 || (v >= 1 && v <= 5); }

/* Finds a cycle by depth-first search; fills the message with it. */
static gp_code gp_graph_cycle(gp_plan *plan, gp_error *err) {
  gp_graph *g = plan->graph;
  size_t n = g->nnodes;
  /* adjacency in edge order */
  size_t *deg = calloc(n + 1, sizeof *deg), *adj = malloc((g->nedges + 1) * sizeof *adj);
  int *color = calloc(n + 1, sizeof *color);
  size_t *stack = malloc((n + 1) * sizeof *stack), *it = calloc(n + 1, sizeof *it);
  size_t *pos = malloc((n + 1) * sizeof *pos);
  if (!deg || !adj || !color || !stack || !it || !pos) {
    free(deg), free(adj), free(color), free(stack), free(it), free(pos);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  size_t *first = calloc(n + 1, sizeof *first);
  if (!first) {
    free(deg), free(adj), free(color), free(stack), free(it), free(pos);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (size_t e = 0; e < g->nedges; e++)
    deg[g->edges[e].ifrom + 1]++;
  for (size_t i = 0; i < n; i++)
    deg[i + 1] += deg[i];
  memcpy(first, deg, (n + 1) * sizeof *first);
  for (size_t e = 0; e < g->nedges; e++)
    adj[first[g->edges[e].ifrom]++] = e;
  gp_code rc = GP_OK;
  for (size_t s = 0; s < n && !rc; s++) {
    if (color[s]) continue;
    size_t top = 0;
    stack[top++] = s;
    color[s] = 1;
    pos[s] = 0;
    it[s] = deg[s];
    while (top && !rc) {
      size_t u = stack[top - 1];
      if (it[u] == deg[u + 1]) {
        color[u] = 2;
        top--;
        continue;
      }
      size_t e = adj[it[u]++];
      size_t v = g->edges[e].ito;
      if (color[v] == 0) {
        color[v] = 1;
        pos[v] = top;
        it[v] = deg[v];
        stack[top++] = v;
      } else if (color[v] == 1) {
        char msg[700];
        size_t len = 0;
        len += (size_t)snprintf(msg, sizeof msg, "the edges form a cycle: ");
        for (size_t k = pos[v]; k < top && len < sizeof msg; k++)
          len += (size_t)snprintf(msg + len, sizeof msg - len, "%s -> ", g->nodes[stack[k]].id);
        if (len < sizeof msg) snprintf(msg + len, sizeof msg - len, "%s", g->nodes[v].id);
        char path[64];
        snprintf(path, sizeof path, "plan.edges[%zu]", e);
        rc = gp_fail(err, GP_EINVAL, path, "%s", msg);
      }
    }
  }
  free(deg), free(adj), free(color), free(stack), free(it), free(pos), free(first);
  return rc;
}

/* Kahn's algorithm, taking ready nodes in file order; false if a cycle remains. */
static bool gp_graph_topo(gp_plan *plan) {
  gp_graph *g = plan->graph;
  size_t n = g->nnodes;
  g->topo = gp_arena_alloc(&plan->arena, (n + 1) * sizeof *g->topo);
  size_t *indeg = calloc(n + 1, sizeof *indeg);
  bool *done = calloc(n + 1, sizeof *done);
  if (!indeg || !done) {
    free(indeg), free(done);
    return false;
  }
  for (size_t e = 0; e < g->nedges; e++)
    indeg[g->edges[e].ito]++;
  size_t m = 0;
  bool progress = true;
  while (m < n && progress) {
    progress = false;
    for (size_t i = 0; i < n; i++) {
      if (done[i] || indeg[i]) continue;
      done[i] = true;
      g->topo[m++] = i;
      progress = true;
      for (size_t e = 0; e < g->nedges; e++)
        if (g->edges[e].ifrom == i) indeg[g->edges[e].ito]--;
    }
  }
  free(indeg), free(done);
  return m == n;
}

gp_code gp_graph_validate(gp_plan *plan, gp_error *err) {
  gp_graph *g = plan->graph;
  if (!g) return GP_OK;
  char path[320];
  gp_code rc;
  gp_grid grid;
  bool have_grid = gp_graph_grid(plan, &grid, NULL) == GP_OK;
#define AT(...) (snprintf(path, sizeof path, __VA_ARGS__), path)
  for (size_t i = 0; i < g->nnodes; i++) {
    const gp_node *nd = &g->nodes[i];
    if (!nd->id || !gp_id_valid(nd->id))
      return gp_fail(err, GP_EINVAL, AT("plan.nodes[%zu].id", i),
                     "must be 1-64 characters of a-z, 0-9, '_' or '-', starting alphanumeric");
    for (size_t j = 0; j < i; j++)
      if (!strcmp(g->nodes[j].id, nd->id))
        return gp_fail(err, GP_EINVAL, AT("plan.nodes[%zu].id", i),
                       "duplicate node id '%s' (also plan.nodes[%zu])", nd->id, j);
    if (nd->kind != GP_NODE_ACTIVITY) {
      const char *bad = nd->has_cost       ? "cost"
                        : nd->has_stage    ? "stage"
                        : nd->start        ? "start"
                        : nd->has_ramp     ? "ramp"
                        : nd->has_delivery ? "delivery"
                                           : NULL;
      if (bad)
        return gp_fail(err, GP_EINVAL, AT("plan.nodes[%zu].%s", i, bad),
                       "only an activity has a %s", bad);
      if (nd->metric) {
        if (!gp_plan_metric(plan, nd->metric))
          return gp_fail(err, GP_EINVAL, AT("plan.nodes[%zu].metric", i), "unknown metric '%s'",
                         nd->metric);
        for (size_t j = 0; j < i; j++)
          if (g->nodes[j].metric && !strcmp(g->nodes[j].metric, nd->metric))
            return gp_fail(err, GP_EINVAL, AT("plan.nodes[%zu].metric", i),
                           "metric '%s' is already carried by node '%s'", nd->metric,
                           g->nodes[j].id);
      }
    } else {
      if (nd->metric)
        return gp_fail(err, GP_EINVAL, AT("plan.nodes[%zu].metric", i),
                       "an activity carries no metric: add an output or outcome node");
      if (nd->has_cost && !(isfinite(nd->cost) && nd->cost >= 0))
        return gp_fail(err, GP_EINVAL, AT("plan.nodes[%zu].cost", i), "must be >= 0");
      if (nd->has_ramp && !(isfinite(nd->ramp) && nd->ramp >= 0 && nd->ramp <= 1000))
        return gp_fail(err, GP_EINVAL, AT("plan.nodes[%zu].ramp", i),
                       "must be a number of years >= 0");
      if (nd->has_delivery &&
          (rc = gp_dist_validate(&nd->delivery, true, AT("plan.nodes[%zu].delivery", i), err)))
        return rc;
    }
  }
  for (size_t e = 0; e < g->nedges; e++) {
    gp_edge *ed = &g->edges[e];
    ed->ifrom = ed->from ? gp_graph_node_index(g, ed->from) : GP_NONE;
    if (ed->ifrom == GP_NONE)
      return gp_fail(err, GP_EINVAL, AT("plan.edges[%zu].from", e), "unknown node '%s'",
                     ed->from ? ed->from : "");
    ed->ito = ed->to ? gp_graph_node_index(g, ed->to) : GP_NONE;
    if (ed->ito == GP_NONE)
      return gp_fail(err, GP_EINVAL, AT("plan.edges[%zu].to", e), "unknown node '%s'",
                     ed->to ? ed->to : "");
    if (g->nodes[ed->ito].kind == GP_NODE_ACTIVITY)
      return gp_fail(err, GP_EINVAL, AT("plan.edges[%zu].to", e),
                     "'%s' is an activity: an edge may not lead into an activity", ed->to);
    if ((rc = gp_dist_validate(&ed->effect, false, AT("plan.edges[%zu].effect", e), err)))
      return rc;
    if (ed->lag < 0) return gp_fail(err, GP_EINVAL, AT("plan.edges[%zu].lag", e), "must be >= 0");
    if (have_grid && ed->lag > grid.span)
      return gp_fail(err, GP_EINVAL, AT("plan.edges[%zu].lag", e),
                     "%d years is beyond the horizon (the plan spans %d years)", ed->lag,
                     grid.span);
    if (!gp_level_ok(ed->evidence))
      return gp_fail(err, GP_EINVAL, AT("plan.edges[%zu].evidence", e), "must be 1 to 5");
    for (size_t j = 0; j < e; j++)
      if (g->edges[j].ifrom == ed->ifrom && g->edges[j].ito == ed->ito)
        return gp_fail(err, GP_EINVAL, AT("plan.edges[%zu]", e),
                       "duplicate edge %s->%s (also plan.edges[%zu])", ed->from, ed->to, j);
  }
  if ((rc = gp_graph_cycle(plan, err))) return rc;
  if (g->has_counterfactual) {
    if (!g->cf.metric || !gp_plan_metric(plan, g->cf.metric))
      return gp_fail(err, GP_EINVAL, "plan.counterfactual.metric", "unknown metric '%s'",
                     g->cf.metric ? g->cf.metric : "");
    if ((rc = gp_dist_validate(&g->cf.change_per_year, false, "plan.counterfactual.change_per_year",
                               err)))
      return rc;
  }
  for (size_t i = 0; i < g->nassumptions; i++) {
    gp_assumption *a = &g->assumptions[i];
    if (!a->id || !gp_id_valid(a->id))
      return gp_fail(err, GP_EINVAL, AT("plan.assumptions[%zu].id", i),
                     "must be 1-64 characters of a-z, 0-9, '_' or '-', starting alphanumeric");
    for (size_t j = 0; j < i; j++)
      if (!strcmp(g->assumptions[j].id, a->id))
        return gp_fail(err, GP_EINVAL, AT("plan.assumptions[%zu].id", i),
                       "duplicate assumption id '%s'", a->id);
    const char *on = a->on ? a->on : "";
    if (!strncmp(on, "edge:", 5)) {
      const char *arrow = strstr(on + 5, "->");
      if (!arrow)
        return gp_fail(err, GP_EINVAL, AT("plan.assumptions[%zu].on", i),
                       "must be \"edge:FROM->TO\" or \"node:ID\"");
      size_t fl = (size_t)(arrow - (on + 5));
      const char *to = arrow + 2;
      a->on_kind = GP_ON_EDGE;
      a->on_index = GP_NONE;
      for (size_t e = 0; e < g->nedges; e++)
        if (strlen(g->edges[e].from) == fl && !strncmp(g->edges[e].from, on + 5, fl) &&
            !strcmp(g->edges[e].to, to))
          a->on_index = e;
      if (a->on_index == GP_NONE)
        return gp_fail(err, GP_EINVAL, AT("plan.assumptions[%zu].on", i), "unknown edge '%s'",
                       on + 5);
    } else if (!strncmp(on, "node:", 5)) {
      a->on_kind = GP_ON_NODE;
      a->on_index = gp_graph_node_index(g, on + 5);
      if (a->on_index == GP_NONE)
        return gp_fail(err, GP_EINVAL, AT("plan.assumptions[%zu].on", i), "unknown node '%s'",
                       on + 5);
    } else {
      return gp_fail(err, GP_EINVAL, AT("plan.assumptions[%zu].on", i),
                     "must be \"edge:FROM->TO\" or \"node:ID\"");
    }
    if (!gp_level_ok(a->importance))
      return gp_fail(err, GP_EINVAL, AT("plan.assumptions[%zu].importance", i), "must be 1 to 5");
    if (!gp_level_ok(a->evidence))
      return gp_fail(err, GP_EINVAL, AT("plan.assumptions[%zu].evidence", i), "must be 1 to 5");
  }
  for (size_t i = 0; i < g->ntests; i++) {
    gp_test *t = &g->tests[i];
    if (!t->id || !gp_id_valid(t->id))
      return gp_fail(err, GP_EINVAL, AT("plan.tests[%zu].id", i),
                     "must be 1-64 characters of a-z, 0-9, '_' or '-', starting alphanumeric");
    for (size_t j = 0; j < i; j++)
      if (!strcmp(g->tests[j].id, t->id))
        return gp_fail(err, GP_EINVAL, AT("plan.tests[%zu].id", i), "duplicate test id '%s'",
                       t->id);
    t->iassumption = GP_NONE;
    for (size_t j = 0; j < g->nassumptions && t->assumption; j++)
      if (!strcmp(g->assumptions[j].id, t->assumption)) t->iassumption = j;
    if (t->iassumption == GP_NONE)
      return gp_fail(err, GP_EINVAL, AT("plan.tests[%zu].assumption", i), "unknown assumption '%s'",
                     t->assumption ? t->assumption : "");
    if (t->has_estimate) {
      if (!isfinite(t->est_mean))
        return gp_fail(err, GP_EINVAL, AT("plan.tests[%zu].estimate.mean", i),
                       "must be a finite number");
      if (!(isfinite(t->est_se) && t->est_se > 0))
        return gp_fail(err, GP_EINVAL, AT("plan.tests[%zu].estimate.se", i), "must be > 0");
      if (t->has_n && t->est_n < 1)
        return gp_fail(err, GP_EINVAL, AT("plan.tests[%zu].estimate.n", i), "must be >= 1");
    }
  }
#undef AT
  if (!gp_graph_topo(plan)) return gp_fail(err, GP_EINTERNAL, "plan.edges", "cycle not found");
  return GP_OK;
}

/* ---- learning ---- */

gp_code gp_graph_learn(const gp_graph *g, gp_learning **out, size_t *n, gp_dist **learned,
                       gp_error *err) {
  *out = NULL;
  *n = 0;
  if (learned) *learned = NULL;
  if (!g) return GP_OK;
  gp_dist *cur = malloc((g->nedges + 1) * sizeof *cur);
  gp_learning *l = malloc((g->ntests + 1) * sizeof *l);
  if (!cur || !l) {
    free(cur), free(l);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (size_t e = 0; e < g->nedges; e++)
    cur[e] = g->edges[e].effect;
  size_t m = 0;
  for (size_t i = 0; i < g->ntests; i++) {
    const gp_test *t = &g->tests[i];
    if (!t->has_estimate) continue;
    const gp_assumption *a = &g->assumptions[t->iassumption];
    if (a->on_kind != GP_ON_EDGE) continue;
    size_t e = a->on_index;
    double m0 = gp_dist_mean(&cur[e]), s0 = gp_dist_sd(&cur[e]);
    double m1 = m0, s1 = s0;
    if (s0 > 0) {
      double p0 = 1 / (s0 * s0), pl = 1 / (t->est_se * t->est_se);
      s1 = sqrt(1 / (p0 + pl));
      m1 = (p0 * m0 + pl * t->est_mean) / (p0 + pl);
      cur[e].kind = GP_DIST_NORMAL;
      cur[e].p[0] = m1;
      cur[e].p[1] = s1;
      cur[e].p[2] = 0;
    }
    l[m++] = (gp_learning){i, t->iassumption, e, m0, s0, m1, s1};
  }
  if (m) {
    *out = l;
    *n = m;
  } else {
    free(l);
  }
  if (learned)
    *learned = cur;
  else
    free(cur);
  return GP_OK;
}
