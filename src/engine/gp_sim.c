/*
 * gp_sim — the game plan simulation; see gp_sim.h and
 * docs/methods/simulation.md.
 *
 * Draws are computed GP_LANES at a time (gp_batch; one SIMD lane per draw).
 * One draw: sample every input in a fixed order (each activity's delivery,
 * then each edge's effect, then the counterfactual); propagate
 * forward through the graph in topological order, each node holding its
 * value in every grid period; then, for each node carrying a metric with a
 * target, propagate backward the adjoint g[v][L] = ∂value(n, t)/∂value(v, t−L),
 * which is the same for every t because the system is linear and
 * time-invariant. From values and adjoints: each activity's contribution at
 * a target period is Σ_L g[a][L]·value(a, t−L), and the metric with an edge
 * u→w removed is the metric minus β·Σ_L g[w][L]·value(u, t−lag−L) (every path
 * through an edge of a DAG passes it once), so every "if this assumption
 * fails" scenario is evaluated exactly on the same draws.
 */
#include "engine/gp_sim.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_dist.h"
#include "engine/gp_rng.h"

const double gp_sim_qlevels[GP_SIM_NQ] = {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};
const char *const gp_sim_qnames[GP_SIM_NQ] = {"p5", "p10", "p25", "p50", "p75", "p90", "p95"};

#define GP_PILOT 2048     /* pilot draws: histogram ranges and centring shifts */
#define GP_NH 256         /* histogram bins per contribution */
#define GP_HW (GP_NH + 3) /* + under, over, exact zero */
#define GP_PF 8           /* histogram prefetch distance, in contributions */

void gp_sim_options_default(gp_sim_options *o) {
  memset(o, 0, sizeof *o);
  o->draws = 10000;
  o->seed = 1;
  o->threads = 1;
  o->confidence = 0.8;
  o->primary = -1;
}

/* ---- the compiled model ---- */

typedef struct gp_model {
  const gp_plan *plan;  /* the plan */
  const gp_graph *g;    /* its graph (may be NULL) */
  int T;                /* grid periods */
  size_t py;            /* grid periods per year (lags are in years) */
  size_t N, E;          /* nodes, edges */
  size_t A;             /* activities */
  size_t *act;          /* [A] node index of each activity */
  long *act_of_node;    /* [N] activity index or -1 */
  double *pdel;         /* [A] mean of each activity's delivery distribution */
  double *ramp;         /* [A*T] ramp of each activity (0 when stopped or switched off) */
  gp_dist_prep *samp;   /* [E] the effects, prepared for sampling */
  gp_dist_prep cfsamp;  /* the counterfactual's change per year, prepared */
  size_t *samp_order;   /* [E] the order in which effects are sampled: by family, then
                           file order (one family at a time keeps the sampler's
                           branches predictable) */
  size_t *e_from;       /* [E] source node of each edge */
  size_t *e_to;         /* [E] target node of each edge */
  size_t *e_lag;        /* [E] lag of each edge in grid steps */
  size_t *in_start;     /* [N+1] CSR of incoming edges */
  size_t *in_edge;      /* [E] edge indices, by target node then file order */
  size_t *out_start;    /* [N+1] CSR of outgoing edges */
  size_t *out_edge;     /* [E] edge indices, by source node, then in the adjoint's order:
                           target latest in topological order first, then file order */
  size_t nin;           /* uncertain inputs */
  gp_sim_input *inputs; /* [nin] their description */
  bool has_cf;          /* whether there is a counterfactual */
  size_t K;             /* targets */
  long *t_node;         /* [K] node carrying the target's metric or -1 */
  int *t_t;             /* [K] grid index of the target period */
  double *t_const;      /* [K] baseline value */
  double *t_cfyears;    /* [K] years from baseline to target if the metric is the cf's, else 0 */
  double *t_value;      /* [K] target value */
  gp_direction *t_dir;  /* [K] direction */
  long *t_cp;           /* [K] contribution point or -1 */
  size_t nmn;           /* metric nodes needing adjoints */
  size_t *mn_node;      /* [nmn] their node indices */
  size_t ncp;           /* contribution points: distinct (metric node, period) */
  size_t *cp_mn;        /* [ncp] index into mn_node */
  int *cp_t;            /* [ncp] grid index */
  size_t *cp_target;    /* [ncp] first target with that point */
  size_t ntm;           /* metrics with a trajectory */
  size_t *tm_metric;    /* [ntm] metric index */
  long *tm_node;        /* [ntm] node carrying it or -1 */
  double *tm_const;     /* [ntm] baseline of its first target */
  double *tm_cfyears;   /* [ntm*T] years since that baseline when the metric is the cf's, else 0 */
  size_t pk;            /* primary target */
  long pcp;             /* its contribution point or -1 */
  bool adjoint;         /* whether draws compute adjoints */
  size_t NA;            /* assumptions */
} gp_model;

static void *gp_xcalloc(size_t n, size_t size, bool *ok) {
  void *p = calloc(n ? n : 1, size);
  if (!p) *ok = false;
  return p;
}

static void gp_model_free(gp_model *m) {
  free(m->act), free(m->act_of_node), free(m->pdel), free(m->ramp), free(m->in_start),
      free(m->in_edge);
  free(m->samp), free(m->samp_order), free(m->e_from), free(m->e_to), free(m->e_lag),
      free(m->out_start), free(m->out_edge);
  free(m->inputs), free(m->t_node), free(m->t_t);
  free(m->t_const), free(m->t_cfyears), free(m->t_value), free(m->t_dir), free(m->t_cp);
  free(m->mn_node), free(m->cp_mn), free(m->cp_t), free(m->cp_target), free(m->tm_metric);
  free(m->tm_node), free(m->tm_const), free(m->tm_cfyears);
}

static long gp_metric_node(const gp_graph *g, const char *metric) {
  if (!g) return -1;
  for (size_t i = 0; i < g->nnodes; i++)
    if (g->nodes[i].metric && !strcmp(g->nodes[i].metric, metric)) return (long)i;
  return -1;
}

static bool gp_is_cf_metric(const gp_graph *g, const char *metric) {
  return g && g->has_counterfactual && !strcmp(g->cf.metric, metric);
}

static gp_code gp_model_build(const gp_plan *plan, const gp_sim_options *opt, gp_model *m,
                              gp_error *err) {
  memset(m, 0, sizeof *m);
  m->plan = plan;
  const gp_graph *g = plan->graph;
  m->g = g;
  gp_grid grid;
  gp_code rc = gp_graph_grid(plan, &grid, err);
  if (rc) return rc;
  int T = m->T = grid.nperiods;
  m->py = (size_t)grid.per_year;
  m->N = g ? g->nnodes : 0;
  m->E = g ? g->nedges : 0;
  m->K = plan->ntargets;
  m->NA = g ? g->nassumptions : 0;
  bool ok = true;
  size_t N = m->N, E = m->E, K = m->K;
  m->act = gp_xcalloc(N, sizeof *m->act, &ok);
  m->act_of_node = gp_xcalloc(N, sizeof *m->act_of_node, &ok);
  m->in_start = gp_xcalloc(N + 1, sizeof *m->in_start, &ok);
  m->in_edge = gp_xcalloc(E, sizeof *m->in_edge, &ok);
  m->out_start = gp_xcalloc(N + 1, sizeof *m->out_start, &ok);
  m->out_edge = gp_xcalloc(E, sizeof *m->out_edge, &ok);
  m->samp = gp_xcalloc(E, sizeof *m->samp, &ok);
  m->samp_order = gp_xcalloc(E, sizeof *m->samp_order, &ok);
  m->e_from = gp_xcalloc(E, sizeof *m->e_from, &ok);
  m->e_to = gp_xcalloc(E, sizeof *m->e_to, &ok);
  m->e_lag = gp_xcalloc(E, sizeof *m->e_lag, &ok);
  m->inputs = gp_xcalloc(N + E + 1, sizeof *m->inputs, &ok);
  m->t_node = gp_xcalloc(K, sizeof *m->t_node, &ok);
  m->t_t = gp_xcalloc(K, sizeof *m->t_t, &ok);
  m->t_const = gp_xcalloc(K, sizeof *m->t_const, &ok);
  m->t_cfyears = gp_xcalloc(K, sizeof *m->t_cfyears, &ok);
  m->t_value = gp_xcalloc(K, sizeof *m->t_value, &ok);
  m->t_dir = gp_xcalloc(K, sizeof *m->t_dir, &ok);
  m->t_cp = gp_xcalloc(K, sizeof *m->t_cp, &ok);
  m->mn_node = gp_xcalloc(K, sizeof *m->mn_node, &ok);
  m->cp_mn = gp_xcalloc(K, sizeof *m->cp_mn, &ok);
  m->cp_t = gp_xcalloc(K, sizeof *m->cp_t, &ok);
  m->cp_target = gp_xcalloc(K, sizeof *m->cp_target, &ok);
  m->tm_metric = gp_xcalloc(K, sizeof *m->tm_metric, &ok);
  m->tm_node = gp_xcalloc(K, sizeof *m->tm_node, &ok);
  m->tm_const = gp_xcalloc(K, sizeof *m->tm_const, &ok);
  m->tm_cfyears = gp_xcalloc(K * (size_t)T, sizeof *m->tm_cfyears, &ok);
  if (!ok) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  /* activities and their ramps */
  for (size_t i = 0; i < N; i++) {
    m->act_of_node[i] = -1;
    if (g->nodes[i].kind == GP_NODE_ACTIVITY) {
      m->act_of_node[i] = (long)m->A;
      m->act[m->A++] = i;
    }
  }
  size_t A = m->A;
  m->ramp = gp_xcalloc(A * (size_t)T, sizeof *m->ramp, &ok);
  m->pdel = gp_xcalloc(A, sizeof *m->pdel, &ok);
  if (!ok) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  for (size_t a = 0; a < A; a++) {
    const gp_node *nd = &g->nodes[m->act[a]];
    bool off = nd->stage == GP_STAGE_STOPPED || (opt->off && opt->off[m->act[a]]);
    for (int t = 0; t < T && !off; t++) {
      gp_period pt = gp_grid_period(&grid, t);
      double s = nd->start ? gp_period_years(&nd->start_p, &pt) : (double)t / (double)m->py;
      double r;
      if (s < -1e-9)
        r = 0;
      else if (nd->ramp <= 0)
        r = 1;
      else
        r = s >= nd->ramp ? 1 : s / nd->ramp;
      m->ramp[a * (size_t)T + (size_t)t] = r;
    }
  }
  /* edges: ends, lags, prepared samplers */
  for (size_t e = 0; e < E; e++) {
    m->e_from[e] = g->edges[e].ifrom;
    m->e_to[e] = g->edges[e].ito;
    m->e_lag[e] = (size_t)g->edges[e].lag * m->py;
    gp_dist_prepare(opt->effects ? &opt->effects[e] : &g->edges[e].effect, &m->samp[e]);
  }
  if (g && g->has_counterfactual) gp_dist_prepare(&g->cf.change_per_year, &m->cfsamp);
  {
    size_t j = 0;
    for (int kind = GP_DIST_FIXED; kind <= GP_DIST_BERNOULLI; kind++)
      for (size_t e = 0; e < E; e++)
        if ((int)m->samp[e].kind == kind) m->samp_order[j++] = e;
  }
  /* incoming edges, CSR */
  for (size_t e = 0; e < E; e++)
    m->in_start[g->edges[e].ito + 1]++;
  for (size_t i = 0; i < N; i++)
    m->in_start[i + 1] += m->in_start[i];
  {
    size_t *fill = gp_xcalloc(N + 1, sizeof *fill, &ok);
    if (!ok) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    memcpy(fill, m->in_start, (N + 1) * sizeof *fill);
    for (size_t e = 0; e < E; e++)
      m->in_edge[fill[g->edges[e].ito]++] = e;
    /* outgoing edges, in the order the adjoint adds them (see gp_batch) */
    for (size_t e = 0; e < E; e++)
      m->out_start[g->edges[e].ifrom + 1]++;
    for (size_t i = 0; i < N; i++)
      m->out_start[i + 1] += m->out_start[i];
    memcpy(fill, m->out_start, (N + 1) * sizeof *fill);
    for (size_t k = N; k-- > 0;) {
      size_t v = g->topo[k];
      for (size_t j = m->in_start[v]; j < m->in_start[v + 1]; j++) {
        size_t e = m->in_edge[j];
        m->out_edge[fill[g->edges[e].ifrom]++] = e;
      }
    }
    free(fill);
  }
  /* uncertain inputs: deliveries, effects, counterfactual */
  for (size_t a = 0; a < A; a++) {
    const gp_dist *d = &g->nodes[m->act[a]].delivery;
    m->pdel[a] = gp_dist_mean(d);
    bool random = m->pdel[a] > 0 && m->pdel[a] < 1;
    if (random) {
      m->inputs[m->nin++] = (gp_sim_input){GP_INPUT_DELIVERY, m->act[a], NAN, NAN};
    }
  }
  for (size_t e = 0; e < E; e++) {
    const gp_dist *d = opt->effects ? &opt->effects[e] : &g->edges[e].effect;
    if (d->kind != GP_DIST_FIXED) {
      m->inputs[m->nin++] = (gp_sim_input){GP_INPUT_EFFECT, e, NAN, NAN};
    }
  }
  m->has_cf = g && g->has_counterfactual;
  if (m->has_cf && g->cf.change_per_year.kind != GP_DIST_FIXED) {
    m->inputs[m->nin++] = (gp_sim_input){GP_INPUT_COUNTERFACTUAL, 0, NAN, NAN};
  }
  /* targets, metric nodes, contribution points */
  for (size_t k = 0; k < K; k++) {
    const gp_target *tg = &plan->targets[k];
    const gp_metric *mt = gp_plan_metric(plan, tg->metric);
    if (!mt) return gp_fail(err, GP_EINVAL, "plan.targets", "unknown metric '%s'", tg->metric);
    m->t_node[k] = gp_metric_node(g, tg->metric);
    m->t_t[k] = gp_grid_index(&grid, &tg->target.parsed);
    m->t_const[k] = tg->baseline.value;
    m->t_cfyears[k] = gp_is_cf_metric(g, tg->metric)
                          ? gp_period_years(&tg->baseline.parsed, &tg->target.parsed)
                          : 0;
    m->t_value[k] = tg->target.value;
    m->t_dir[k] = mt->direction;
    m->t_cp[k] = -1;
    if (m->t_node[k] >= 0 && m->t_t[k] >= 0 && m->t_t[k] < T) {
      size_t mi = m->nmn;
      for (size_t j = 0; j < m->nmn; j++)
        if (m->mn_node[j] == (size_t)m->t_node[k]) mi = j;
      if (mi == m->nmn) m->mn_node[m->nmn++] = (size_t)m->t_node[k];
      size_t c = m->ncp;
      for (size_t j = 0; j < m->ncp; j++)
        if (m->cp_mn[j] == mi && m->cp_t[j] == m->t_t[k]) c = j;
      if (c == m->ncp) {
        m->cp_mn[c] = mi;
        m->cp_t[c] = m->t_t[k];
        m->cp_target[c] = k;
        m->ncp++;
      }
      m->t_cp[k] = (long)c;
    }
    /* trajectory metrics: each metric with a target, the first target's baseline */
    size_t ti = m->ntm;
    for (size_t j = 0; j < m->ntm; j++)
      if (!strcmp(plan->metrics[m->tm_metric[j]].id, tg->metric)) ti = j;
    if (ti == m->ntm) {
      m->tm_metric[ti] = (size_t)(mt - plan->metrics);
      m->tm_node[ti] = m->t_node[k];
      m->tm_const[ti] = tg->baseline.value;
      for (int t = 0; t < T; t++) {
        gp_period pt = gp_grid_period(&grid, t);
        m->tm_cfyears[ti * (size_t)T + (size_t)t] =
            gp_is_cf_metric(g, tg->metric) ? gp_period_years(&tg->baseline.parsed, &pt) : 0;
      }
      m->ntm++;
    }
  }
  long pk = opt->primary;
  for (size_t k = 0; k < K && pk < 0; k++) /* default: the first committed target */
    if (plan->targets[k].kind == GP_TARGET_COMMITTED) pk = (long)k;
  if (pk < 0) pk = 0;
  if (K == 0) return gp_fail(err, GP_EINVAL, "plan.targets", "the plan has no target to simulate");
  if ((size_t)pk >= K) return gp_fail(err, GP_EINVAL, "--target", "no such target");
  m->pk = (size_t)pk;
  m->pcp = m->t_cp[pk];
  m->adjoint = (!opt->light || opt->keep_contrib) && m->nmn > 0;
  return GP_OK;
}

/* Draws are computed GP_LANES at a time ("a batch"): every per-draw quantity
 * is a vector with one lane per draw, so each edge's loop over periods works
 * on whole vectors (SIMD) and its bookkeeping is paid once per batch. Each
 * lane does exactly the arithmetic of one draw, in the same order, and the
 * lanes are sampled one after another from the group's stream, so a batch
 * gives the same numbers as GP_LANES single draws. */
#define GP_LANES GP_RNG_LANES
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
#define GP_SIM_SIMD __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GP_SIM_SIMD
#endif
typedef double gp_vd __attribute__((vector_size(GP_LANES * sizeof(double))));

typedef struct gp_work {
  gp_vd *D;         /* [A] delivered (0/1) */
  gp_vd *beta;      /* [E] effects */
  gp_vd *cf;        /* [1] counterfactual change per year */
  gp_vd *val;       /* [N*T] node values */
  gp_vd *adj;       /* [nmn*N*T] adjoints */
  gp_vd *y;         /* [K] metric at each target */
  gp_vd *eff;       /* [K] the carrying node's value there */
  gp_vd *contrib;   /* [ncp*A] contributions */
  gp_vd *yfail;     /* [NA] primary metric if each assumption fails */
  const gp_vd **xp; /* [nin] where each uncertain input's value is (D, beta or cf) */
} gp_work;

/* n zeroed vectors, 64-byte aligned (free with free). */
static gp_vd *gp_vcalloc(size_t n, bool *ok) {
  size_t bytes = (n ? n : 1) * sizeof(gp_vd);
  gp_vd *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!p)
    *ok = false;
  else
    memset(p, 0, bytes);
  return p;
}

static bool gp_work_init(const gp_model *m, gp_work *w) {
  bool ok = true;
  size_t NT = m->N * (size_t)m->T;
  memset(w, 0, sizeof *w);
  w->D = gp_vcalloc(m->A, &ok);
  w->beta = gp_vcalloc(m->E, &ok);
  w->cf = gp_vcalloc(1, &ok);
  w->val = gp_vcalloc(NT, &ok);
  w->adj = gp_vcalloc(m->nmn * NT, &ok);
  w->y = gp_vcalloc(m->K, &ok);
  w->eff = gp_vcalloc(m->K, &ok);
  w->contrib = gp_vcalloc(m->ncp * m->A, &ok);
  w->yfail = gp_vcalloc(m->NA, &ok);
  w->xp = gp_xcalloc(m->nin, sizeof *w->xp, &ok);
  if (!ok) return false;
  for (size_t i = 0; i < m->nin; i++) {
    const gp_sim_input *in = &m->inputs[i];
    w->xp[i] = in->kind == GP_INPUT_DELIVERY ? &w->D[m->act_of_node[in->index]]
               : in->kind == GP_INPUT_EFFECT ? &w->beta[in->index]
                                             : w->cf;
  }
  return true;
}

static void gp_work_free(gp_work *w) {
  free(w->D), free(w->beta), free(w->cf), free(w->val), free(w->adj), free(w->y), free(w->eff);
  free(w->contrib), free(w->yfail), free(w->xp);
}

/* One batch of nb ≤ GP_LANES draws (lanes nb.. are zero and ignored):
 * sample, propagate, and evaluate targets, contributions and failed
 * assumptions. */
GP_SIM_SIMD static void gp_batch(const gp_model *m, gp_rng_lanes *r, gp_work *w, size_t nb,
                                 bool full) {
  const gp_graph *g = m->g;
  const size_t T = (size_t)m->T, N = m->N, A = m->A, E = m->E;
  /* sample, in a fixed order: each activity's delivery, each edge's effect
   * (edges grouped by family, see gp_model.samp_order), the counterfactual;
   * lane l from lane l of the generators */
  double *Dl = (double *)w->D, *bl = (double *)w->beta, *cfl = (double *)w->cf;
  gp_dist_bernoulli_lanes(m->pdel, A, r, Dl);
  gp_dist_draw_lanes(m->samp, m->samp_order, E, r, bl);
  if (m->has_cf)
    gp_dist_draw_lanes(&m->cfsamp, NULL, 1, r, cfl);
  else
    *w->cf = (gp_vd){0};
  if (nb < GP_LANES) { /* unused lanes: zero */
    for (size_t l = nb; l < GP_LANES; l++) {
      for (size_t a = 0; a < A; a++)
        Dl[a * GP_LANES + l] = 0;
      for (size_t e = 0; e < E; e++)
        bl[e * GP_LANES + l] = 0;
      cfl[l] = 0;
    }
  }
  /* forward */
  gp_vd *val = w->val;
  const gp_vd zero = {0};
  for (size_t k = 0; k < N; k++) {
    size_t v = g->topo[k];
    gp_vd *vv = val + v * T;
    long a = m->act_of_node[v];
    if (a >= 0) {
      const double *rp = m->ramp + (size_t)a * T;
      gp_vd D = w->D[a];
      for (size_t t = 0; t < T; t++)
        vv[t] = D * rp[t];
      continue;
    }
    for (size_t t = 0; t < T; t++)
      vv[t] = zero;
    for (size_t j = m->in_start[v]; j < m->in_start[v + 1]; j++) {
      size_t e = m->in_edge[j];
      size_t lag = m->e_lag[e];
      const gp_vd *uu = val + m->e_from[e] * T;
      gp_vd b = w->beta[e];
      for (size_t t = lag; t < T; t++)
        vv[t] += b * uu[t - lag];
    }
  }
  /* targets */
  gp_vd cf = *w->cf;
  for (size_t k = 0; k < m->K; k++) {
    gp_vd eff = zero;
    if (m->t_node[k] >= 0 && m->t_t[k] >= 0 && m->t_t[k] < m->T)
      eff = val[(size_t)m->t_node[k] * T + (size_t)m->t_t[k]];
    w->eff[k] = eff;
    w->y[k] = m->t_const[k] + cf * m->t_cfyears[k] + eff;
  }
  if (!m->adjoint) return;
  /* adjoints, one per metric node, in reverse topological order: each node
   * gathers from its outgoing edges, in the order in which pushing along the
   * incoming edges of the nodes in reverse topological order would add them */
  for (size_t mi = 0; mi < m->nmn; mi++) {
    gp_vd *adj = w->adj + mi * N * T;
    const gp_vd one = zero + 1;
    for (size_t k = N; k-- > 0;) {
      size_t u = g->topo[k];
      gp_vd *gu = adj + u * T;
      for (size_t L = 0; L < T; L++)
        gu[L] = zero;
      if (u == m->mn_node[mi]) gu[0] = one;
      for (size_t j = m->out_start[u]; j < m->out_start[u + 1]; j++) {
        size_t e = m->out_edge[j];
        size_t lag = m->e_lag[e];
        const gp_vd *gw = adj + m->e_to[e] * T;
        gp_vd b = w->beta[e];
        for (size_t L = lag; L < T; L++)
          gu[L] += b * gw[L - lag];
      }
    }
  }
  /* contributions */
  for (size_t c = 0; c < m->ncp; c++) {
    const gp_vd *adj = w->adj + m->cp_mn[c] * N * T;
    size_t t = (size_t)m->cp_t[c];
    for (size_t a = 0; a < A; a++) {
      const gp_vd *ga = adj + m->act[a] * T, *va = val + m->act[a] * T;
      gp_vd s = zero;
      for (size_t L = 0; L <= t; L++)
        s += ga[L] * va[t - L];
      w->contrib[c * A + a] = s;
    }
  }
  if (!full) return;
  /* failed assumptions, for the primary target */
  size_t pk = m->pk;
  for (size_t i = 0; i < m->NA; i++) {
    const gp_assumption *as = &g->assumptions[i];
    gp_vd d = zero;
    if (m->pcp >= 0) {
      const gp_vd *adj = w->adj + m->cp_mn[m->pcp] * N * T;
      size_t t = (size_t)m->cp_t[m->pcp];
      if (as->on_kind == GP_ON_EDGE) {
        const gp_edge *e = &g->edges[as->on_index];
        size_t lag = (size_t)e->lag * m->py;
        const gp_vd *gw = adj + e->ito * T, *vu = val + e->ifrom * T;
        gp_vd s = zero;
        for (size_t L = 0; L + lag <= t; L++)
          s += gw[L] * vu[t - lag - L];
        d = w->beta[as->on_index] * s;
      } else {
        const gp_vd *gv = adj + as->on_index * T, *vv = val + as->on_index * T;
        for (size_t L = 0; L <= t; L++)
          d += gv[L] * vv[t - L];
      }
    }
    w->yfail[i] = w->y[pk] - d;
  }
}

/* ---- accumulators ---- */

typedef struct gp_hbin {
  uint64_t n; /* values in the bin */
  double mn;  /* the smallest (valid when n > 0) */
  double mx;  /* the largest (valid when n > 0) */
} gp_hbin;

typedef struct gp_gacc {
  uint64_t n;      /* draws in the group */
  double sy, syy;  /* Σ(y−y0), Σ(y−y0)² for the primary target */
  double *sx;      /* [nin*3] per input: Σ(x−x0), Σ(x−x0)², Σ(x−x0)(y−y0) */
  double *ysum;    /* [K] Σ y */
  double *esum;    /* [K] Σ effect */
  double *csum;    /* [ncp*A] Σ contribution */
  uint64_t *meet;  /* [K] draws meeting */
  uint64_t *fmeet; /* [NA] draws meeting the primary target when the assumption fails */
} gp_gacc;

typedef struct gp_shared {
  const gp_model *m;                  /* the model */
  const gp_sim_options *o;            /* options */
  uint64_t gstart[GP_SIM_GROUPS + 1]; /* first draw of each group */
  gp_gacc acc[GP_SIM_GROUPS];         /* per-group accumulators */
  double *x0;                         /* [nin] centring shift of each input (its pilot mean) */
  double y0;                          /* centring shift of the primary target (its pilot mean) */
  double *hlo, *hw;                   /* [ncp*A] histogram origin and width */
  double *ystore;                     /* [K*draws] metric at each target */
  double *trstore;                    /* [ntm*T*draws] metric along the grid */
  double *cdraws;                     /* [A*draws] contributions at the primary target (keep) */
  double *bdraws;                     /* [draws] base (keep) */
  pthread_mutex_t lock;               /* guards next and merging histograms */
  int next;                           /* next group to take */
  gp_hbin *hist;                      /* [ncp*A*GP_HW] merged histograms */
  bool failed;                        /* a worker ran out of memory */
} gp_shared;

/* The bin of x in a histogram with origin lo and width w, given
 * f = (x − lo)/w: the exact-zero bin, under- or overflow, or 1 + ⌊f⌋. */
static inline size_t gp_hist_bin(double x, double f) {
  if (x == 0) return GP_NH + 2;
  return !(f >= 0) ? 0 : f >= GP_NH ? GP_NH + 1 : 1 + (size_t)f;
}

/* Counts x in its bin hb and widens the bin's observed range [mn, mx]
 * (a worker's empty bins start at [+∞, −∞], so no branch is needed):
 * quantiles interpolate between the values actually seen in a bin, so an
 * atom (a value taken with positive probability) comes out exactly. Counts,
 * minima and maxima merge exactly in any order. */
static inline void gp_hist_put(gp_hbin *hb, double x) {
  hb->mn = x < hb->mn ? x : hb->mn;
  hb->mx = x > hb->mx ? x : hb->mx;
  hb->n++;
}

GP_SIM_SIMD static void *gp_worker(void *arg) {
  gp_shared *s = arg;
  const gp_model *m = s->m;
  const gp_sim_options *o = s->o;
  gp_work w;
  bool full = !o->light;
  size_t nh = full ? m->ncp * m->A * GP_HW : 0, nc = full ? m->ncp * m->A : 0;
  gp_hbin *hist = calloc(nh ? nh : 1, sizeof *hist);
  uint16_t *bins = calloc(nc ? nc * GP_LANES : 1, sizeof *bins); /* [nc*GP_LANES] */
  bool ok = true;
  gp_vd *vsx = gp_vcalloc(3 * m->nin, &ok); /* [3*nin] per-lane Σx, Σx², Σxy of the group */
  gp_vd vs[2];                              /* per-lane Σy, Σy² of the group */
  if (!gp_work_init(m, &w) || !hist || !bins || !ok) {
    gp_work_free(&w);
    free(hist), free(bins), free(vsx);
    pthread_mutex_lock(&s->lock);
    s->failed = true;
    pthread_mutex_unlock(&s->lock);
    return NULL;
  }
  for (size_t i = 0; i < nh; i++) /* empty bins: [+∞, −∞] (see gp_hist_put) */
    hist[i].mn = INFINITY, hist[i].mx = -INFINITY;

  const size_t T = (size_t)m->T, N = o->draws, A = m->A, pk = m->pk;
  for (;;) {
    pthread_mutex_lock(&s->lock);
    int g = s->next < GP_SIM_GROUPS ? s->next++ : -1;
    pthread_mutex_unlock(&s->lock);
    if (g < 0) break;
    gp_gacc *ac = &s->acc[g];
    for (size_t i = 0; i < 3 * m->nin; i++)
      vsx[i] = (gp_vd){0};
    vs[0] = vs[1] = (gp_vd){0};
    gp_rng r0;
    gp_rng_lanes r;
    gp_rng_stream(&r0, o->seed, (uint64_t)g * GP_LANES);
    gp_rng_lanes_init(&r, &r0);
    for (uint64_t d0 = s->gstart[g]; d0 < s->gstart[g + 1]; d0 += GP_LANES) {
      uint64_t left = s->gstart[g + 1] - d0;
      size_t nb = left < GP_LANES ? (size_t)left : GP_LANES;
      gp_batch(m, &r, &w, nb, full);
      /* every accumulator takes the lanes in draw order */
      ac->n += nb;
      for (size_t l = 0; l < nb; l++) {
        uint64_t d = d0 + l;
        for (size_t k = 0; k < m->K; k++) {
          double y = w.y[k][l];
          s->ystore[k * N + d] = y;
          ac->ysum[k] += y;
          ac->esum[k] += w.eff[k][l];
          if (gp_meets(y, m->t_value[k], m->t_dir[k])) ac->meet[k]++;
        }
        if (o->keep_contrib) {
          double base = w.y[pk][l];
          for (size_t a = 0; a < A; a++) {
            double c = m->pcp >= 0 ? w.contrib[(size_t)m->pcp * A + a][l] : 0;
            s->cdraws[a * N + d] = c;
            base -= c;
          }
          s->bdraws[d] = base;
        }
      }
      if (!full) continue;
      /* trajectory */
      for (size_t ti = 0; ti < m->ntm; ti++) {
        const gp_vd *vn = m->tm_node[ti] >= 0 ? w.val + (size_t)m->tm_node[ti] * T : NULL;
        for (size_t t = 0; t < T; t++) {
          double *out = s->trstore + (ti * T + t) * N + d0;
          double cy = m->tm_cfyears[ti * T + t];
          for (size_t l = 0; l < nb; l++)
            out[l] = m->tm_const[ti] + (*w.cf)[l] * cy + (vn ? vn[t][l] : 0);
        }
      }
      /* sensitivity: per-lane sums (unused lanes add 0), folded into the
       * group's sums when the group ends */
      {
        gp_vd mask = {0};
        for (size_t l = 0; l < nb; l++)
          mask[l] = 1;
        const gp_vd yc = (w.y[pk] - s->y0) * mask;
        vs[0] += yc;
        vs[1] += yc * yc;
        for (size_t i = 0; i < m->nin; i++) {
          const gp_vd x = (*w.xp[i] - s->x0[i]) * mask;
          gp_vd *a3 = vsx + 3 * i;
          a3[0] += x;
          a3[1] += x * x;
          a3[2] += x * yc;
        }
      }
      /* contributions: the sums and every value's bin, then the histogram
       * updates, prefetching GP_PF contributions ahead (the histograms are
       * larger than the caches) */
      for (size_t c = 0; c < nc; c++) {
        const gp_vd cv = w.contrib[c];
        const gp_vd f = (cv - s->hlo[c]) / s->hw[c];
        double cs = ac->csum[c];
        for (size_t l = 0; l < nb; l++) {
          cs += cv[l];
          bins[c * GP_LANES + l] = (uint16_t)gp_hist_bin(cv[l], f[l]);
        }
        ac->csum[c] = cs;
      }
      for (size_t c = 0; c < nc; c++) {
        if (c + GP_PF < nc)
          for (size_t l = 0; l < nb; l++)
            __builtin_prefetch(hist + (c + GP_PF) * GP_HW + bins[(c + GP_PF) * GP_LANES + l], 1);
        for (size_t l = 0; l < nb; l++)
          gp_hist_put(hist + c * GP_HW + bins[c * GP_LANES + l], w.contrib[c][l]);
      }
      /* failed assumptions */
      for (size_t i = 0; i < m->NA; i++)
        for (size_t l = 0; l < nb; l++)
          if (gp_meets(w.yfail[i][l], m->t_value[pk], m->t_dir[pk])) ac->fmeet[i]++;
    }
    if (full) { /* fold the lanes, in lane order */
      for (size_t l = 0; l < GP_LANES; l++) {
        ac->sy += vs[0][l];
        ac->syy += vs[1][l];
      }
      for (size_t i = 0; i < 3 * m->nin; i++)
        for (size_t l = 0; l < GP_LANES; l++)
          ac->sx[i] += vsx[i][l];
    }
  }
  pthread_mutex_lock(&s->lock);
  for (size_t i = 0; i < nh; i++) {
    gp_hbin *a = &s->hist[i], *b = &hist[i];
    if (!b->n) continue;
    if (!a->n || b->mn < a->mn) a->mn = b->mn;
    if (!a->n || b->mx > a->mx) a->mx = b->mx;
    a->n += b->n;
  }
  pthread_mutex_unlock(&s->lock);
  free(hist), free(bins), free(vsx);
  gp_work_free(&w);
  return NULL;
}

/* ---- estimators ---- */

static int gp_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorts x[0..n) ascending (no NaN): an LSD radix sort, 11 bits a pass, on
 * the doubles' bits mapped to order-preserving unsigned keys; passes whose
 * digit is the same for every value are skipped. Falls back to qsort when
 * the n-element buffer cannot be had. O(n) where qsort is O(n log n); the
 * order is the same (values are totally ordered, −0 before +0). */
static void gp_sort_doubles(double *x, size_t n) {
  enum { BITS = 11, NB = 1 << BITS, PASSES = (64 + BITS - 1) / BITS };
  uint64_t *a = (uint64_t *)(void *)x, *b = n > 1 ? malloc(n * sizeof *b) : NULL;
  size_t(*cnt)[NB] = b ? calloc(PASSES, sizeof *cnt) : NULL;
  if (!b || !cnt) {
    free(b), free(cnt);
    if (n > 1) qsort(x, n, sizeof *x, gp_cmp_double);
    return;
  }
  for (size_t i = 0; i < n; i++) { /* to keys, counting every digit */
    uint64_t u;
    memcpy(&u, &x[i], sizeof u);
    u = u >> 63 ? ~u : u | (UINT64_C(1) << 63);
    a[i] = u;
    for (int p = 0; p < PASSES; p++)
      cnt[p][(u >> (p * BITS)) & (NB - 1)]++;
  }
  for (int p = 0; p < PASSES; p++) {
    size_t *c = cnt[p], sum = 0;
    bool one = false;
    for (size_t d = 0; d < NB && !one; d++)
      one = c[d] == n;
    if (one) continue; /* every value has the same digit */
    for (size_t d = 0; d < NB; d++) {
      size_t k = c[d];
      c[d] = sum;
      sum += k;
    }
    for (size_t i = 0; i < n; i++)
      b[c[(a[i] >> (p * BITS)) & (NB - 1)]++] = a[i];
    uint64_t *t = a;
    a = b;
    b = t;
  }
  for (size_t i = 0; i < n; i++) { /* back to doubles (from the buffer holding the result) */
    uint64_t u = a[i];
    u = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
    double v;
    memcpy(&v, &u, sizeof v);
    x[i] = v;
  }
  free(a != (uint64_t *)(void *)x ? a : b), free(cnt);
}

double gp_sim_quantile_sorted(const double *x, size_t n, double p) {
  if (n == 0) return NAN;
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)floor(h);
  if (lo >= n - 1) return x[n - 1];
  return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

/* First-order index of an input whose conditional expectation E[Y|X] is
 * linear in X: the squared correlation of X and Y, from centred sums
 * (n, Σx, Σx², Σxy, Σy, Σy²). NaN when either variance is 0. */
static double gp_rho2(double n, const double *x3, double sy, double syy) {
  if (n < 2) return NAN;
  double vx = x3[1] - x3[0] * x3[0] / n, vy = syy - sy * sy / n;
  double cxy = x3[2] - x3[0] * sy / n;
  if (!(vx > 0) || !(vy > 0)) return NAN;
  double r2 = cxy * cxy / (vx * vy);
  return r2 > 1 ? 1 : r2;
}

/* Linear interpolation inside one bin's observed range. */
static double gp_hist_interp(const gp_hbin *hb, double cum, double target) {
  double c = (double)hb->n;
  if (c <= 1) return hb->mn;
  double f = (target - cum - 0.5) / (c - 1);
  if (f < 0) f = 0;
  if (f > 1) f = 1;
  return hb->mn + f * (hb->mx - hb->mn);
}

/* The p-quantile from a histogram (see gp_hist_add); n draws in all. The
 * bins are visited in value order: under, those below 0, the zeros, those
 * above 0, over. */
static double gp_hist_quantile(const gp_hbin *h, double lo, double w, uint64_t n, double p) {
  double target = p * (double)n;
  double cum = 0;
  long j0 = lround(-lo / w); /* bins below zero */
  size_t order[GP_HW];
  size_t k = 0;
  order[k++] = 0;
  for (long j = 0; j <= GP_NH; j++) {
    if (j == j0) order[k++] = GP_NH + 2;
    if (j < GP_NH) order[k++] = 1 + (size_t)j;
  }
  order[k++] = GP_NH + 1;
  for (size_t i = 0; i < k; i++) {
    size_t b = order[i];
    double c = (double)h[b].n;
    if (c > 0 && cum + c >= target) return gp_hist_interp(&h[b], cum, target);
    cum += c;
  }
  return lo + w * GP_NH;
}

static bool gp_gacc_init(gp_gacc *a, const gp_model *m) {
  bool ok = true;
  memset(a, 0, sizeof *a);
  a->sx = gp_xcalloc(m->nin * 3, sizeof(double), &ok);
  a->ysum = gp_xcalloc(m->K, sizeof(double), &ok);
  a->esum = gp_xcalloc(m->K, sizeof(double), &ok);
  a->csum = gp_xcalloc(m->ncp * m->A, sizeof(double), &ok);
  a->meet = gp_xcalloc(m->K, sizeof(uint64_t), &ok);
  a->fmeet = gp_xcalloc(m->NA, sizeof(uint64_t), &ok);
  return ok;
}

static void gp_gacc_free(gp_gacc *a) {
  free(a->sx), free(a->ysum), free(a->esum), free(a->csum), free(a->meet);
  free(a->fmeet);
}

/* Runs the pilot: histogram ranges of the contributions and centring shifts (means). */
static bool gp_pilot(const gp_model *m, const gp_sim_options *o, gp_shared *s) {
  size_t P = GP_PILOT, nin = m->nin, nc = m->ncp * m->A;
  gp_work w;
  bool ok = gp_work_init(m, &w);
  double *lo = gp_xcalloc(nc, sizeof *lo, &ok), *hi = gp_xcalloc(nc, sizeof *hi, &ok);
  if (!ok) {
    gp_work_free(&w), free(lo), free(hi);
    return false;
  }
  gp_rng base;
  gp_rng_lanes r;
  gp_rng_seed(&base, o->seed);
  gp_rng_long_jump(&base);
  gp_rng_lanes_init(&r, &base);
  double ysum = 0;
  for (size_t d0 = 0; d0 < P; d0 += GP_LANES) {
    size_t nb = P - d0 < GP_LANES ? P - d0 : GP_LANES;
    gp_batch(m, &r, &w, nb, false);
    for (size_t l = 0; l < nb; l++)
      ysum += w.y[m->pk][l];
    for (size_t i = 0; i < nin; i++)
      for (size_t l = 0; l < nb; l++)
        s->x0[i] += (*w.xp[i])[l];
    for (size_t c = 0; c < nc; c++) /* the range always includes 0 */
      for (size_t l = 0; l < nb; l++) {
        double x = w.contrib[c][l];
        if (x < lo[c]) lo[c] = x;
        if (x > hi[c]) hi[c] = x;
      }
  }
  s->y0 = ysum / (double)P;
  for (size_t i = 0; i < nin; i++)
    s->x0[i] /= (double)P;
  for (size_t c = 0; c < nc; c++) {
    double span = hi[c] - lo[c];
    if (!(span > 0)) span = 1;
    double wd = span / (GP_NH - 1);
    double j0 = ceil(-lo[c] / wd);
    s->hlo[c] = -j0 * wd; /* zero falls on a bin boundary */
    s->hw[c] = wd;
  }
  gp_work_free(&w), free(lo), free(hi);
  return true;
}

/* ---- the run ---- */

void gp_sim_result_free(gp_sim_result *r) {
  if (!r) return;
  free(r->targets), free(r->traj), free(r->inputs), free(r->assumptions), free(r->contribs);
  free(r->learning), free(r->acts), free(r->contrib_draws), free(r->base_draws);
  free(r);
}

static double gp_priority(double dp, double share, int evidence) {
  if (!(dp > 0)) dp = 0;
  if (!(share > 0)) share = 0;
  return (dp + share) * (6 - evidence) / 5.0;
}

static gp_code gp_sim_inner(const gp_plan *plan, const gp_sim_options *opt, gp_sim_result **out,
                            gp_error *err) {
  gp_model m;
  gp_code rc = gp_model_build(plan, opt, &m, err);
  if (rc) {
    gp_model_free(&m);
    return rc;
  }
  const size_t N = opt->draws, T = (size_t)m.T, K = m.K, A = m.A;
  const bool full = !opt->light;
  /* the per-draw store: refuse rather than exhaust memory (2^28 doubles = 2 GiB) */
  double per_draw =
      (double)K + (full ? (double)m.ntm * (double)T : 0) + (opt->keep_contrib ? (double)A + 1 : 0);
  if (per_draw * (double)N > 268435456.0) {
    gp_model_free(&m);
    return gp_fail(err, GP_EINVAL, "--draws",
                   "%llu draws of a plan with %d periods need %.1f GiB; use fewer draws",
                   (unsigned long long)N, (int)T, per_draw * (double)N * 8 / 1073741824.0);
  }
  gp_shared *s = calloc(1, sizeof *s);
  gp_sim_result *res = calloc(1, sizeof *res);
  bool ok = s && res;
  if (!ok) {
    free(s), free(res);
    gp_model_free(&m);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  s->m = &m;
  s->o = opt;
  pthread_mutex_init(&s->lock, NULL);
  for (int g = 0; g <= GP_SIM_GROUPS; g++)
    s->gstart[g] = N / GP_SIM_GROUPS * (uint64_t)g +
                   ((uint64_t)g < N % GP_SIM_GROUPS ? (uint64_t)g : N % GP_SIM_GROUPS);
  for (int g = 0; g < GP_SIM_GROUPS; g++)
    if (!gp_gacc_init(&s->acc[g], &m)) ok = false;
  s->ystore = gp_xcalloc(K * N, sizeof(double), &ok);
  if (full) {
    s->x0 = gp_xcalloc(m.nin, sizeof(double), &ok);
    s->hlo = gp_xcalloc(m.ncp * A, sizeof(double), &ok);
    s->hw = gp_xcalloc(m.ncp * A, sizeof(double), &ok);
    s->hist = gp_xcalloc(m.ncp * A * GP_HW, sizeof(gp_hbin), &ok);
    s->trstore = gp_xcalloc(m.ntm * T * N, sizeof(double), &ok);
  }
  if (opt->keep_contrib) {
    s->cdraws = gp_xcalloc(A * N, sizeof(double), &ok);
    s->bdraws = gp_xcalloc(N, sizeof(double), &ok);
  }
  if (ok && full) ok = gp_pilot(&m, opt, s);
  if (ok) {
    int nt = opt->threads > GP_SIM_GROUPS ? GP_SIM_GROUPS : opt->threads;
    pthread_t th[GP_SIM_GROUPS];
    int started = 0;
    for (int i = 1; i < nt; i++)
      if (pthread_create(&th[started], NULL, gp_worker, s) == 0) started++;
    gp_worker(s);
    for (int i = 0; i < started; i++)
      pthread_join(th[i], NULL);
    if (s->failed) ok = false;
  }
  if (!ok) goto nomem;
  /* combine the groups in order */
  res->draws = N;
  res->seed = opt->seed;
  gp_graph_grid(plan, &res->grid, NULL);
  res->primary = m.pk;
  res->ntargets = K;
  res->targets = gp_xcalloc(K, sizeof *res->targets, &ok);
  if (!ok) goto nomem;
  double C = opt->confidence;
  for (size_t k = 0; k < K; k++) {
    gp_sim_target *t = &res->targets[k];
    uint64_t meet = 0;
    double ys = 0, es = 0;
    for (int g = 0; g < GP_SIM_GROUPS; g++) {
      meet += s->acc[g].meet[k];
      ys += s->acc[g].ysum[k];
      es += s->acc[g].esum[k];
    }
    t->target = k;
    t->period_index = m.t_t[k];
    t->p_meet = (double)meet / (double)N;
    t->p_meet_se = sqrt(t->p_meet * (1 - t->p_meet) / (double)N);
    t->mean = ys / (double)N;
    t->effect_mean = es / (double)N;
    double *y = s->ystore + k * N;
    gp_sort_doubles(y, N);
    for (int q = 0; q < GP_SIM_NQ; q++)
      t->q[q] = gp_sim_quantile_sorted(y, N, gp_sim_qlevels[q]);
    t->confidence = C;
    double need = m.t_dir[k] == GP_HIGHER ? m.t_value[k] - gp_sim_quantile_sorted(y, N, 1 - C)
                                          : gp_sim_quantile_sorted(y, N, C) - m.t_value[k];
    t->extra = need > 0 ? need : 0;
    t->extra_share = t->effect_mean != 0 ? t->extra / fabs(t->effect_mean) : NAN;
    t->p_meet_learned = t->p_meet_learned_se = NAN;
    t->hist_lo = gp_sim_quantile_sorted(y, N, 0.005);
    t->hist_hi = gp_sim_quantile_sorted(y, N, 0.995);
    double hw = (t->hist_hi - t->hist_lo) / GP_SIM_HBINS;
    for (uint64_t d = 0; d < N; d++) {
      long b = hw > 0 ? (long)floor((y[d] - t->hist_lo) / hw) : 0;
      if (b < 0) b = 0;
      if (b >= GP_SIM_HBINS) b = GP_SIM_HBINS - 1;
      t->hist[b]++;
    }
  }
  if (opt->keep_contrib) {
    res->nacts = A;
    res->acts = gp_xcalloc(A, sizeof *res->acts, &ok);
    if (!ok) goto nomem;
    memcpy(res->acts, m.act, A * sizeof *m.act);
    res->contrib_draws = s->cdraws;
    res->base_draws = s->bdraws;
    s->cdraws = s->bdraws = NULL;
  }
  if (full) {
    /* trajectory */
    res->ntraj = m.ntm * T;
    res->traj = gp_xcalloc(res->ntraj, sizeof *res->traj, &ok);
    if (!ok) goto nomem;
    for (size_t ti = 0; ti < m.ntm; ti++)
      for (size_t t = 0; t < T; t++) {
        gp_sim_traj *tr = &res->traj[ti * T + t];
        double *y = s->trstore + (ti * T + t) * N;
        gp_sort_doubles(y, N);
        tr->metric = m.tm_metric[ti];
        tr->period = (int)t;
        for (int q = 0; q < GP_SIM_NQ; q++)
          tr->q[q] = gp_sim_quantile_sorted(y, N, gp_sim_qlevels[q]);
      }
    /* sensitivity, with a leave-one-group-out jackknife */
    res->ninputs = m.nin;
    res->inputs = gp_xcalloc(m.nin, sizeof *res->inputs, &ok);
    if (!ok) goto nomem;
    double n = 0, sy = 0, syy = 0;
    int ng = 0;
    for (int g = 0; g < GP_SIM_GROUPS; g++) {
      n += (double)s->acc[g].n;
      sy += s->acc[g].sy;
      syy += s->acc[g].syy;
      if (s->acc[g].n) ng++;
    }
    res->y_var = n > 1 ? (syy - sy * sy / n) / (n - 1) : NAN;
    for (size_t i = 0; i < m.nin; i++) {
      gp_sim_input *in = &res->inputs[i];
      *in = m.inputs[i];
      double tx[3] = {0, 0, 0}, lx[3];
      for (int g = 0; g < GP_SIM_GROUPS; g++)
        for (int k = 0; k < 3; k++)
          tx[k] += s->acc[g].sx[3 * i + (size_t)k];
      in->share = gp_rho2(n, tx, sy, syy);
      double jk[GP_SIM_GROUPS], jm = 0;
      int nj = 0;
      for (int g = 0; g < GP_SIM_GROUPS && ng > 1; g++) {
        const gp_gacc *a = &s->acc[g];
        if (!a->n) continue;
        for (int k = 0; k < 3; k++)
          lx[k] = tx[k] - a->sx[3 * i + (size_t)k];
        jk[nj] = gp_rho2(n - (double)a->n, lx, sy - a->sy, syy - a->syy);
        jm += jk[nj++];
      }
      in->share_se = NAN;
      if (nj > 1) {
        jm /= nj;
        double ss = 0;
        for (int j = 0; j < nj; j++)
          ss += (jk[j] - jm) * (jk[j] - jm);
        in->share_se = sqrt((double)(nj - 1) / nj * ss);
      }
    }
    /* contributions */
    res->ncontribs = m.ncp * A;
    res->contribs = gp_xcalloc(res->ncontribs, sizeof *res->contribs, &ok);
    if (!ok) goto nomem;
    for (size_t c = 0; c < m.ncp; c++)
      for (size_t a = 0; a < A; a++) {
        size_t ix = c * A + a;
        gp_sim_contrib *ct = &res->contribs[ix];
        double cs = 0;
        for (int g = 0; g < GP_SIM_GROUPS; g++)
          cs += s->acc[g].csum[ix];
        const gp_target *tg = &plan->targets[m.cp_target[c]];
        ct->activity = m.act[a];
        ct->metric = (size_t)(gp_plan_metric(plan, tg->metric) - plan->metrics);
        ct->period = m.cp_t[c];
        ct->mean = cs / (double)N;
        const gp_hbin *h = s->hist + ix * GP_HW;
        ct->p10 = gp_hist_quantile(h, s->hlo[ix], s->hw[ix], N, 0.10);
        ct->p90 = gp_hist_quantile(h, s->hlo[ix], s->hw[ix], N, 0.90);
      }
    /* assumptions */
    const gp_graph *g = plan->graph;
    res->nassumptions = m.NA;
    res->assumptions = gp_xcalloc(m.NA, sizeof *res->assumptions, &ok);
    if (!ok) goto nomem;
    for (size_t i = 0; i < m.NA; i++) {
      const gp_assumption *as = &g->assumptions[i];
      gp_sim_assumption *ra = &res->assumptions[i];
      uint64_t fm = 0;
      for (int gi = 0; gi < GP_SIM_GROUPS; gi++)
        fm += s->acc[gi].fmeet[i];
      ra->assumption = i;
      ra->p_meet_if_fails = (double)fm / (double)N;
      ra->p_meet_if_fails_se = sqrt(ra->p_meet_if_fails * (1 - ra->p_meet_if_fails) / (double)N);
      ra->evidence = as->evidence ? as->evidence : 1;
      double sh = 0, se2 = 0;
      for (size_t j = 0; j < m.nin; j++) {
        const gp_sim_input *in = &res->inputs[j];
        bool mine = false;
        if (as->on_kind == GP_ON_EDGE)
          mine = in->kind == GP_INPUT_EFFECT && in->index == as->on_index;
        else if (g->nodes[as->on_index].kind == GP_NODE_ACTIVITY)
          mine = in->kind == GP_INPUT_DELIVERY && in->index == as->on_index;
        else
          mine = in->kind == GP_INPUT_EFFECT && g->edges[in->index].ito == as->on_index;
        if (mine && isfinite(in->share)) {
          sh += in->share;
          if (isfinite(in->share_se)) se2 += in->share_se * in->share_se;
        }
      }
      ra->share = isfinite(res->y_var) && res->y_var > 0 ? sh : NAN;
      ra->share_se = isfinite(ra->share) ? sqrt(se2) : NAN;
      ra->score =
          gp_priority(res->targets[m.pk].p_meet - ra->p_meet_if_fails, ra->share, ra->evidence);
    }
    for (size_t i = 0; i < m.NA; i++) {
      int rank = 1;
      const gp_sim_assumption *a = &res->assumptions[i];
      int ia = g->assumptions[i].importance;
      for (size_t j = 0; j < m.NA; j++) {
        if (j == i) continue;
        const gp_sim_assumption *b = &res->assumptions[j];
        int ib = g->assumptions[j].importance;
        if (b->score > a->score || (b->score == a->score && (ib > ia || (ib == ia && j < i))))
          rank++;
      }
      res->assumptions[i].rank = rank;
    }
  }
  /* cleanup */
  for (int g = 0; g < GP_SIM_GROUPS; g++)
    gp_gacc_free(&s->acc[g]);
  free(s->x0), free(s->hlo), free(s->hw), free(s->hist), free(s->ystore), free(s->trstore);
  free(s->cdraws), free(s->bdraws);
  pthread_mutex_destroy(&s->lock);
  free(s);
  gp_model_free(&m);
  *out = res;
  return GP_OK;
nomem:
  for (int g = 0; g < GP_SIM_GROUPS; g++)
    gp_gacc_free(&s->acc[g]);
  free(s->x0), free(s->hlo), free(s->hw), free(s->hist), free(s->ystore), free(s->trstore);
  free(s->cdraws), free(s->bdraws);
  pthread_mutex_destroy(&s->lock);
  free(s);
  gp_model_free(&m);
  gp_sim_result_free(res);
  return gp_fail(err, GP_ENOMEM, NULL, "out of memory (%llu draws)", (unsigned long long)N);
}

gp_code gp_sim_run(const gp_plan *plan, const gp_sim_options *opt, gp_sim_result **out,
                   gp_error *err) {
  *out = NULL;
  if (opt->draws < 1) return gp_fail(err, GP_EINVAL, "--draws", "must be at least 1");
  if (opt->draws > 100000000ULL)
    return gp_fail(err, GP_EINVAL, "--draws", "must be at most 100000000");
  if (opt->threads < 1) return gp_fail(err, GP_EINVAL, "--threads", "must be at least 1");
  gp_sim_options o = *opt;
  if (o.confidence == 0) o.confidence = 0.8;
  if (!(o.confidence > 0 && o.confidence < 1))
    return gp_fail(err, GP_EINVAL, "--confidence", "must be between 0 and 1 (exclusive)");
  if (plan->ntargets == 0)
    return gp_fail(err, GP_EINVAL, "plan.targets", "the plan has no target to simulate");
  if (plan->graph && !plan->graph->topo && plan->graph->nnodes)
    return gp_fail(err, GP_EINVAL, "plan", "the plan's graph has not been validated");
  gp_code rc = gp_sim_inner(plan, &o, out, err);
  if (rc || !o.learn || !plan->graph) return rc;
  gp_learning *l = NULL;
  size_t nl = 0;
  gp_dist *learned = NULL;
  if ((rc = gp_graph_learn(plan->graph, &l, &nl, &learned, err))) goto fail;
  (*out)->learning = l;
  (*out)->nlearning = nl;
  if (nl) {
    gp_sim_options lo = o;
    lo.learn = false;
    lo.light = true;
    lo.keep_contrib = false;
    lo.effects = learned;
    gp_sim_result *lr = NULL;
    if ((rc = gp_sim_inner(plan, &lo, &lr, err))) goto fail;
    for (size_t k = 0; k < (*out)->ntargets; k++) {
      (*out)->targets[k].p_meet_learned = lr->targets[k].p_meet;
      (*out)->targets[k].p_meet_learned_se = lr->targets[k].p_meet_se;
    }
    gp_sim_result_free(lr);
  }
  free(learned);
  return GP_OK;
fail:
  free(learned);
  gp_sim_result_free(*out);
  *out = NULL;
  return rc;
}
