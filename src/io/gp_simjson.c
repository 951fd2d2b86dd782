/*
 * gp_simjson — simulation and optimisation results as JSON; see gp_simjson.h.
 */
#include "io/gp_simjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/gp_json.h"
#include "model/gp_graph.h"

static json_t *gp_num(double v) { return gp_json_num(v); } /* NaN -> null */

const char *gp_simjson_input_kind(const gp_sim_input *in) {
  return in->kind == GP_INPUT_EFFECT     ? "effect"
         : in->kind == GP_INPUT_DELIVERY ? "delivery"
                                         : "counterfactual";
}

const char *gp_simjson_input_name(const gp_plan *p, const gp_sim_input *in, char *buf, size_t n) {
  const gp_graph *g = p->graph;
  if (in->kind == GP_INPUT_EFFECT)
    snprintf(buf, n, "edge:%s->%s", g->edges[in->index].from, g->edges[in->index].to);
  else if (in->kind == GP_INPUT_DELIVERY)
    snprintf(buf, n, "node:%s", g->nodes[in->index].id);
  else
    snprintf(buf, n, "counterfactual:%s", g->cf.metric);
  return buf;
}

static void gp_period_text(const gp_grid *grid, int k, char buf[GP_PERIOD_MAX]) {
  gp_period pp = gp_grid_period(grid, k);
  gp_period_format(&pp, buf);
}

/* Sensitivity rows in decreasing share (undefined shares last, then input order). */
typedef struct gp_share_key {
  double share; /* the input's share */
  size_t i;     /* its index */
} gp_share_key;
static int gp_share_cmp(const void *a, const void *b) {
  const gp_share_key *ka = a, *kb = b;
  size_t i = ka->i, j = kb->i;
  double x = ka->share, y = kb->share;
  bool nx = isnan(x), ny = isnan(y);
  if (nx != ny) return nx ? 1 : -1;
  if (!nx && x != y) return x > y ? -1 : 1;
  return (i > j) - (i < j);
}

json_t *gp_simjson_result(const gp_plan *p, const gp_sim_result *r) {
  const gp_graph *g = p->graph;
  json_t *doc = json_object();
  if (!doc) return NULL;
  gp_json_set_str(doc, "mission", p->mission.id);
  json_object_set_new(doc, "draws", json_integer((json_int_t)r->draws));
  json_object_set_new(doc, "seed", json_integer((json_int_t)r->seed));
  if (r->ntargets) gp_json_set_str(doc, "primary_target", p->targets[r->primary].id);
  json_t *ts = json_array();
  for (size_t k = 0; k < r->ntargets; k++) {
    const gp_sim_target *t = &r->targets[k];
    const gp_target *pt = &p->targets[t->target];
    json_t *o = json_object();
    gp_json_set_str(o, "id", pt->id);
    gp_json_set_str(o, "metric", pt->metric);
    gp_json_set_str(o, "period", pt->target.period);
    gp_json_set(o, "value", gp_num(pt->target.value));
    gp_json_set(o, "p_meet", gp_num(t->p_meet));
    gp_json_set(o, "p_meet_se", gp_num(t->p_meet_se));
    gp_json_set(o, "mean", gp_num(t->mean));
    json_t *q = json_object();
    for (int i = 0; i < GP_SIM_NQ; i++)
      gp_json_set(q, gp_sim_qnames[i], gp_num(t->q[i]));
    json_object_set_new(o, "quantiles", q);
    json_t *op = json_object();
    gp_json_set(op, "confidence", gp_num(t->confidence));
    gp_json_set(op, "extra", gp_num(t->extra));
    gp_json_set(op, "extra_share", gp_num(t->extra_share));
    gp_json_set(op, "plan_effect_mean", gp_num(t->effect_mean));
    json_object_set_new(o, "overprogramme", op);
    json_array_append_new(ts, o);
  }
  json_object_set_new(doc, "targets", ts);
  json_t *tr = json_array();
  for (size_t i = 0; i < r->ntraj; i++) {
    const gp_sim_traj *t = &r->traj[i];
    char per[GP_PERIOD_MAX];
    gp_period_text(&r->grid, t->period, per);
    json_t *o = json_object();
    gp_json_set_str(o, "metric", p->metrics[t->metric].id);
    gp_json_set_str(o, "period", per);
    for (int q = 0; q < GP_SIM_NQ; q++)
      gp_json_set(o, gp_sim_qnames[q], gp_num(t->q[q]));
    json_array_append_new(tr, o);
  }
  json_object_set_new(doc, "trajectory", tr);
  json_t *se = json_array();
  gp_share_key *ord = malloc((r->ninputs + 1) * sizeof *ord);
  if (!ord) {
    json_decref(se);
    json_decref(doc);
    return NULL;
  }
  for (size_t i = 0; i < r->ninputs; i++)
    ord[i] = (gp_share_key){r->inputs[i].share, i};
  qsort(ord, r->ninputs, sizeof *ord, gp_share_cmp);
  for (size_t k = 0; k < r->ninputs; k++) {
    const gp_sim_input *in = &r->inputs[ord[k].i];
    char name[300];
    json_t *o = json_object();
    gp_json_set_str(o, "input", gp_simjson_input_name(p, in, name, sizeof name));
    gp_json_set_str(o, "kind", gp_simjson_input_kind(in));
    gp_json_set(o, "variance_share", gp_num(in->share));
    gp_json_set(o, "variance_share_se", gp_num(in->share_se));
    json_array_append_new(se, o);
  }
  free(ord);
  json_object_set_new(doc, "sensitivity", se);
  json_t *as = json_array();
  for (size_t i = 0; i < r->nassumptions; i++) {
    const gp_sim_assumption *a = &r->assumptions[i];
    const gp_assumption *pa = &g->assumptions[a->assumption];
    json_t *o = json_object();
    gp_json_set_str(o, "id", pa->id);
    gp_json_set_str(o, "on", pa->on);
    gp_json_set(o, "p_meet_if_fails", gp_num(a->p_meet_if_fails));
    gp_json_set(o, "p_meet_if_fails_se", gp_num(a->p_meet_if_fails_se));
    gp_json_set(o, "variance_share", gp_num(a->share));
    gp_json_set(o, "variance_share_se", gp_num(a->share_se));
    json_object_set_new(o, "evidence", json_integer(a->evidence));
    if (pa->importance) json_object_set_new(o, "importance", json_integer(pa->importance));
    gp_json_set_str(o, "status", gp_assumption_status_name(pa->status));
    gp_json_set(o, "priority_score", gp_num(a->score));
    json_object_set_new(o, "priority_rank", json_integer(a->rank));
    json_array_append_new(as, o);
  }
  json_object_set_new(doc, "assumptions", as);
  json_t *cs = json_array();
  for (size_t i = 0; i < r->ncontribs; i++) {
    const gp_sim_contrib *c = &r->contribs[i];
    char per[GP_PERIOD_MAX];
    gp_period_text(&r->grid, c->period, per);
    json_t *o = json_object();
    gp_json_set_str(o, "activity", g->nodes[c->activity].id);
    gp_json_set_str(o, "metric", p->metrics[c->metric].id);
    gp_json_set_str(o, "period", per);
    gp_json_set(o, "mean", gp_num(c->mean));
    gp_json_set(o, "p10", gp_num(c->p10));
    gp_json_set(o, "p90", gp_num(c->p90));
    json_array_append_new(cs, o);
  }
  json_object_set_new(doc, "contributions", cs);
  json_t *lr = json_object(), *up = json_array(), *lt = json_array();
  for (size_t i = 0; i < r->nlearning; i++) {
    const gp_learning *l = &r->learning[i];
    json_t *o = json_object(), *pr = json_object(), *po = json_object();
    char edge[300];
    snprintf(edge, sizeof edge, "edge:%s->%s", g->edges[l->edge].from, g->edges[l->edge].to);
    gp_json_set_str(o, "test", g->tests[l->test].id);
    gp_json_set_str(o, "assumption", g->assumptions[l->assumption].id);
    gp_json_set_str(o, "input", edge);
    gp_json_set(pr, "mean", gp_num(l->prior_mean));
    gp_json_set(pr, "sd", gp_num(l->prior_sd));
    gp_json_set(po, "mean", gp_num(l->post_mean));
    gp_json_set(po, "sd", gp_num(l->post_sd));
    json_object_set_new(o, "prior", pr);
    json_object_set_new(o, "posterior", po);
    json_array_append_new(up, o);
  }
  for (size_t k = 0; k < r->ntargets && r->nlearning; k++) {
    const gp_sim_target *t = &r->targets[k];
    json_t *o = json_object();
    gp_json_set_str(o, "id", p->targets[t->target].id);
    gp_json_set(o, "p_meet_prior", gp_num(t->p_meet));
    gp_json_set(o, "p_meet_posterior", gp_num(t->p_meet_learned));
    gp_json_set(o, "p_meet_posterior_se", gp_num(t->p_meet_learned_se));
    gp_json_set(o, "change", gp_num(t->p_meet_learned - t->p_meet));
    json_array_append_new(lt, o);
  }
  json_object_set_new(lr, "updates", up);
  json_object_set_new(lr, "targets", lt);
  json_object_set_new(doc, "learning", lr);
  return doc;
}

json_t *gp_simjson_optimise(const gp_plan *p, const gp_opt_result *r) {
  const gp_graph *g = p->graph;
  json_t *doc = json_object();
  if (!doc) return NULL;
  gp_json_set_str(doc, "mission", p->mission.id);
  json_object_set_new(doc, "draws", json_integer((json_int_t)r->draws));
  json_object_set_new(doc, "seed", json_integer((json_int_t)r->seed));
  gp_json_set_str(doc, "target", p->targets[r->target].id);
  gp_json_set(doc, "budget", gp_num(r->budget));
  gp_json_set_str(doc, "search", r->exhaustive ? "exhaustive" : "heuristic");
  json_t *b = json_object(), *a = json_object();
  gp_json_set(b, "cost", gp_num(r->cost_before));
  gp_json_set(b, "p_meet", gp_num(r->p_before));
  gp_json_set(b, "p_meet_se", gp_num(r->p_before_se));
  gp_json_set(a, "cost", gp_num(r->cost_after));
  gp_json_set(a, "p_meet", gp_num(r->p_after));
  gp_json_set(a, "p_meet_se", gp_num(r->p_after_se));
  json_object_set_new(doc, "before", b);
  json_object_set_new(doc, "after", a);
  json_t *ch = json_array(), *acts = json_array(), *weak = json_array();
  for (size_t i = 0; i < r->nacts; i++) {
    const gp_opt_activity *x = &r->acts[i];
    if (x->chosen) json_array_append_new(ch, json_string(g->nodes[x->node].id));
    json_t *o = json_object();
    gp_json_set_str(o, "id", g->nodes[x->node].id);
    gp_json_set(o, "cost", gp_num(x->cost));
    json_object_set_new(o, "chosen", json_boolean(x->chosen));
    gp_json_set(o, "marginal_p_meet", gp_num(x->delta_p));
    gp_json_set(o, "marginal_per_cost", gp_num(x->per_cost));
    json_array_append_new(acts, o);
  }
  for (size_t i = 0; i < r->nweak; i++) {
    const gp_opt_weak *w = &r->weak[i];
    json_t *o = json_object();
    gp_json_set_str(o, "id", g->nodes[w->node].id);
    gp_json_set(o, "cost", gp_num(w->cost));
    gp_json_set(o, "p_meet_loss", gp_num(w->p_loss));
    gp_json_set(o, "loss_per_cost", gp_num(w->per_cost));
    json_array_append_new(weak, o);
  }
  json_object_set_new(doc, "chosen", ch);
  json_object_set_new(doc, "activities", acts);
  json_object_set_new(doc, "weakest", weak);
  return doc;
}
