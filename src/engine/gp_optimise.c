/*
 * gp_optimise — budget-constrained portfolio choice and the weakest ideas;
 * see gp_optimise.h. Every p_meet here is a count of draws (exact integer
 * comparisons, so ties break the same way on every machine and thread count).
 */
#include "engine/gp_optimise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_sim.h"
#include "model/gp_graph.h"

void gp_opt_options_default(gp_opt_options *o) {
  memset(o, 0, sizeof *o);
  o->draws = 10000;
  o->seed = 1;
  o->threads = 1;
}

void gp_opt_result_free(gp_opt_result *r) {
  if (!r) return;
  free(r->acts), free(r->weak);
  free(r);
}

typedef struct gp_ctx {
  size_t n;           /* candidate activities */
  uint64_t N;         /* draws */
  const double *c;    /* [n*N] contributions of the candidates */
  const double *base; /* [N] the metric without any activity */
  const double *cost; /* [n] costs */
  double target;      /* target value */
  gp_direction dir;   /* direction */
  double budget;      /* budget */
  double *y;          /* [N] scratch: metric of the current set */
} gp_ctx;

/* Sets y to the metric of set S and returns the meets. */
static uint64_t gp_eval(gp_ctx *x, const bool *S) {
  uint64_t m = 0;
  for (uint64_t d = 0; d < x->N; d++)
    x->y[d] = x->base[d];
  for (size_t a = 0; a < x->n; a++)
    if (S[a])
      for (uint64_t d = 0; d < x->N; d++)
        x->y[d] += x->c[a * x->N + d];
  for (uint64_t d = 0; d < x->N; d++)
    m += gp_meets(x->y[d], x->target, x->dir);
  return m;
}

/* Meets of the current set (y) with activity a added (sign +1) or removed (−1),
 * and optionally activity b changed the other way. */
static uint64_t gp_eval_move(const gp_ctx *x, long a, double sa, long b, double sb) {
  uint64_t m = 0;
  const double *ca = a >= 0 ? x->c + (size_t)a * x->N : NULL;
  const double *cb = b >= 0 ? x->c + (size_t)b * x->N : NULL;
  for (uint64_t d = 0; d < x->N; d++) {
    double v = x->y[d];
    if (ca) v += sa * ca[d];
    if (cb) v += sb * cb[d];
    m += gp_meets(v, x->target, x->dir);
  }
  return m;
}

static double gp_set_cost(const gp_ctx *x, const bool *S) {
  double c = 0;
  for (size_t a = 0; a < x->n; a++)
    if (S[a]) c += x->cost[a];
  return c;
}

/* Whether (m1, c1) is better than (m0, c0): more meets, or as many for less money. */
static bool gp_better(uint64_t m1, double c1, uint64_t m0, double c0) {
  return m1 > m0 || (m1 == m0 && c1 < c0 - 1e-9 * (1 + fabs(c0)));
}

/* Local search from S (feasible): best improving add, drop or swap, until none. */
static uint64_t gp_local(gp_ctx *x, bool *S) {
  uint64_t m = gp_eval(x, S);
  double cost = gp_set_cost(x, S);
  for (int iter = 0; iter < 1000; iter++) {
    long ba = -1, bb = -1;
    uint64_t bm = m;
    double bc = cost;
    for (size_t a = 0; a < x->n; a++) {
      double ca = S[a] ? -x->cost[a] : x->cost[a];
      if (cost + ca <= x->budget + 1e-9 * (1 + x->budget)) {
        uint64_t mm = gp_eval_move(x, (long)a, S[a] ? -1 : 1, -1, 0);
        if (gp_better(mm, cost + ca, bm, bc)) {
          bm = mm, bc = cost + ca, ba = (long)a, bb = -1;
        }
      }
      if (S[a]) continue;
      for (size_t b = 0; b < x->n; b++) { /* swap: add a, drop b */
        if (!S[b]) continue;
        double cc = cost + x->cost[a] - x->cost[b];
        if (cc > x->budget + 1e-9 * (1 + x->budget)) continue;
        uint64_t mm = gp_eval_move(x, (long)a, 1, (long)b, -1);
        if (gp_better(mm, cc, bm, bc)) bm = mm, bc = cc, ba = (long)a, bb = (long)b;
      }
    }
    if (ba < 0) break;
    S[ba] = !S[ba];
    if (bb >= 0) S[bb] = !S[bb];
    m = gp_eval(x, S);
    cost = gp_set_cost(x, S);
  }
  return m;
}

/* Greedy removal from the full set until within budget (least loss per cost). */
static void gp_greedy_remove(gp_ctx *x, bool *S) {
  for (size_t a = 0; a < x->n; a++)
    S[a] = true;
  gp_eval(x, S);
  double cost = gp_set_cost(x, S);
  uint64_t m = gp_eval(x, S);
  while (cost > x->budget + 1e-9 * (1 + x->budget)) {
    long best = -1;
    double bl = INFINITY;
    for (size_t a = 0; a < x->n; a++) {
      if (!S[a] || x->cost[a] <= 0) continue;
      uint64_t mm = gp_eval_move(x, (long)a, -1, -1, 0);
      double loss = ((double)m - (double)mm) / x->cost[a];
      if (loss < bl) bl = loss, best = (long)a;
    }
    if (best < 0) break;
    S[best] = false;
    m = gp_eval(x, S);
    cost = gp_set_cost(x, S);
  }
}

/* Greedy addition from the empty set (free activities first, then best gain per cost). */
static void gp_greedy_add(gp_ctx *x, bool *S) {
  for (size_t a = 0; a < x->n; a++)
    S[a] = x->cost[a] <= 0;
  uint64_t m = gp_eval(x, S);
  double cost = gp_set_cost(x, S);
  for (;;) {
    long best = -1;
    double bg = -1;
    for (size_t a = 0; a < x->n; a++) {
      if (S[a] || cost + x->cost[a] > x->budget + 1e-9 * (1 + x->budget)) continue;
      uint64_t mm = gp_eval_move(x, (long)a, 1, -1, 0);
      double gain = ((double)mm - (double)m) / x->cost[a];
      if (gain > bg) bg = gain, best = (long)a;
    }
    if (best < 0) break;
    S[best] = true;
    m = gp_eval(x, S);
    cost = gp_set_cost(x, S);
  }
}

/* Exhaustive search over all subsets in Gray-code order. */
static void gp_exhaustive(gp_ctx *x, bool *S) {
  size_t n = x->n;
  bool *cur = calloc(n + 1, sizeof *cur);
  if (!cur) return;
  for (uint64_t d = 0; d < x->N; d++)
    x->y[d] = x->base[d];
  uint64_t bm = 0;
  double bc = 0, cost = 0;
  for (uint64_t d = 0; d < x->N; d++)
    bm += gp_meets(x->y[d], x->target, x->dir);
  memset(S, 0, n * sizeof *S);
  for (uint64_t i = 1; i < (UINT64_C(1) << n); i++) {
    size_t a = (size_t)__builtin_ctzll(i); /* the bit that changes from gray(i-1) to gray(i) */
    double s = cur[a] ? -1 : 1;
    cur[a] = !cur[a];
    cost += s * x->cost[a];
    const double *ca = x->c + a * x->N;
    uint64_t m = 0;
    for (uint64_t d = 0; d < x->N; d++) {
      x->y[d] += s * ca[d];
      m += gp_meets(x->y[d], x->target, x->dir);
    }
    if (cost <= x->budget + 1e-9 * (1 + x->budget) && gp_better(m, cost, bm, bc)) {
      bm = m, bc = cost;
      memcpy(S, cur, n * sizeof *S);
    }
  }
  free(cur);
}

static int gp_weak_cmp(const void *pa, const void *pb) {
  const gp_opt_weak *a = pa, *b = pb;
  bool na = isnan(a->per_cost), nb = isnan(b->per_cost);
  if (na != nb) return na ? 1 : -1;
  if (!na && a->per_cost != b->per_cost) return a->per_cost < b->per_cost ? -1 : 1;
  return (a->node > b->node) - (a->node < b->node);
}

gp_code gp_optimise_run(const gp_plan *plan, const gp_opt_options *opt, gp_opt_result **out,
                        gp_error *err) {
  *out = NULL;
  if (!(opt->budget >= 0) || !isfinite(opt->budget))
    return gp_fail(err, GP_EINVAL, "--budget", "must be a number >= 0");
  if (opt->target < 0 || (size_t)opt->target >= plan->ntargets)
    return gp_fail(err, GP_EINVAL, "--target", "no such target");
  const gp_graph *g = plan->graph;
  gp_sim_options so;
  gp_sim_options_default(&so);
  so.draws = opt->draws;
  so.seed = opt->seed;
  so.threads = opt->threads;
  so.primary = opt->target;
  so.light = true;
  so.keep_contrib = true;
  gp_sim_result *sr = NULL;
  gp_code rc = gp_sim_run(plan, &so, &sr, err);
  if (rc) return rc;
  const uint64_t N = sr->draws;
  /* candidates: activities not stopped */
  size_t n = 0;
  size_t *idx = calloc(sr->nacts + 1, sizeof *idx);
  double *cost = calloc(sr->nacts + 1, sizeof *cost);
  gp_opt_result *r = calloc(1, sizeof *r);
  bool *S = NULL, *T = NULL;
  double *y = calloc(N, sizeof *y), *cand = NULL;
  if (!idx || !cost || !r || !y) goto nomem;
  for (size_t a = 0; a < sr->nacts; a++) {
    const gp_node *nd = &g->nodes[sr->acts[a]];
    if (nd->stage == GP_STAGE_STOPPED) continue;
    idx[n] = a;
    cost[n] = nd->cost;
    n++;
  }
  cand = malloc((n ? n : 1) * N * sizeof *cand);
  S = calloc(n + 1, sizeof *S);
  T = calloc(n + 1, sizeof *T);
  if (!cand || !S || !T) goto nomem;
  for (size_t i = 0; i < n; i++)
    memcpy(cand + i * N, sr->contrib_draws + idx[i] * N, N * sizeof *cand);
  const gp_target *tg = &plan->targets[opt->target];
  gp_ctx x = {n,
              N,
              cand,
              sr->base_draws,
              cost,
              tg->target.value,
              gp_plan_metric(plan, tg->metric)->direction,
              opt->budget,
              y};
  r->target = (size_t)opt->target;
  r->draws = N;
  r->seed = opt->seed;
  r->budget = opt->budget;
  for (size_t i = 0; i < n; i++)
    T[i] = true;
  uint64_t m_all = gp_eval(&x, T);
  r->cost_before = gp_set_cost(&x, T);
  r->p_before = (double)m_all / (double)N;
  r->p_before_se = sqrt(r->p_before * (1 - r->p_before) / (double)N);
  bool exh = opt->search == GP_OPT_EXHAUSTIVE ||
             (opt->search == GP_OPT_AUTO && n <= 26 && ldexp((double)N, (int)n) <= 1e8);
  if (exh && n > 30) exh = false;
  r->exhaustive = exh;
  if (exh) {
    gp_exhaustive(&x, S);
  } else {
    gp_greedy_remove(&x, S);
    uint64_t m1 = gp_local(&x, S);
    double c1 = gp_set_cost(&x, S);
    gp_greedy_add(&x, T);
    uint64_t m2 = gp_local(&x, T);
    if (gp_better(m2, gp_set_cost(&x, T), m1, c1)) memcpy(S, T, n * sizeof *S);
  }
  uint64_t m = gp_eval(&x, S);
  r->p_after = (double)m / (double)N;
  r->p_after_se = sqrt(r->p_after * (1 - r->p_after) / (double)N);
  r->cost_after = gp_set_cost(&x, S);
  r->nacts = r->nweak = n;
  r->acts = calloc(n + 1, sizeof *r->acts);
  r->weak = calloc(n + 1, sizeof *r->weak);
  if (!r->acts || !r->weak) goto nomem;
  for (size_t i = 0; i < n; i++) {
    gp_opt_activity *a = &r->acts[i];
    a->node = sr->acts[idx[i]];
    a->cost = cost[i];
    a->chosen = S[i];
    uint64_t mm = gp_eval_move(&x, (long)i, S[i] ? -1 : 1, -1, 0);
    a->delta_p = S[i] ? ((double)m - (double)mm) / (double)N : ((double)mm - (double)m) / (double)N;
    a->per_cost = cost[i] > 0 ? a->delta_p / cost[i] : NAN;
  }
  for (size_t i = 0; i < n; i++)
    T[i] = true;
  gp_eval(&x, T);
  for (size_t i = 0; i < n; i++) {
    gp_opt_weak *w = &r->weak[i];
    w->node = sr->acts[idx[i]];
    w->cost = cost[i];
    uint64_t mm = gp_eval_move(&x, (long)i, -1, -1, 0);
    w->p_loss = ((double)m_all - (double)mm) / (double)N;
    w->per_cost = cost[i] > 0 ? w->p_loss / cost[i] : NAN;
  }
  qsort(r->weak, n, sizeof *r->weak, gp_weak_cmp);
  free(idx), free(cost), free(y), free(cand), free(S), free(T);
  gp_sim_result_free(sr);
  *out = r;
  return GP_OK;
nomem:
  free(idx), free(cost), free(y), free(cand), free(S), free(T);
  gp_sim_result_free(sr);
  gp_opt_result_free(r);
  return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
}
