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

/* How good a portfolio is on the draws: meets first; among equal meets, the
 * larger total progress (Σ y for "higher", Σ −y for "lower"), so that a
 * budget too small to meet the target in any draw still buys the most
 * progress; then the lower cost. */
typedef struct gp_score {
  uint64_t m; /* draws meeting the target */
  double s;   /* total progress in the target's direction */
} gp_score;

static double gp_signed(const gp_ctx *x, double v) { return x->dir == GP_HIGHER ? v : -v; }

/* Sets y to the metric of set S and returns its score. */
static gp_score gp_eval(gp_ctx *x, const bool *S) {
  gp_score r = {0, 0};
  for (uint64_t d = 0; d < x->N; d++)
    x->y[d] = x->base[d];
  for (size_t a = 0; a < x->n; a++)
    if (S[a])
      for (uint64_t d = 0; d < x->N; d++)
        x->y[d] += x->c[a * x->N + d];
  for (uint64_t d = 0; d < x->N; d++) {
    r.m += gp_meets(x->y[d], x->target, x->dir);
    r.s += x->y[d];
  }
  r.s = gp_signed(x, r.s);
  return r;
}

/* The score of the current set (y) with activity a added (sa = +1) or
 * removed (−1), and optionally activity b changed the other way. */
static gp_score gp_eval_move(const gp_ctx *x, long a, double sa, long b, double sb) {
  gp_score r = {0, 0};
  const double *ca = a >= 0 ? x->c + (size_t)a * x->N : NULL;
  const double *cb = b >= 0 ? x->c + (size_t)b * x->N : NULL;
  for (uint64_t d = 0; d < x->N; d++) {
    double v = x->y[d];
    if (ca) v += sa * ca[d];
    if (cb) v += sb * cb[d];
    r.m += gp_meets(v, x->target, x->dir);
    r.s += v;
  }
  r.s = gp_signed(x, r.s);
  return r;
}

static double gp_set_cost(const gp_ctx *x, const bool *S) {
  double c = 0;
  for (size_t a = 0; a < x->n; a++)
    if (S[a]) c += x->cost[a];
  return c;
}

/* Whether (a, ca) is better than (b, cb): more meets; as many and more
 * progress; or both the same and less money. */
static bool gp_better(gp_score a, double ca, gp_score b, double cb) {
  if (a.m != b.m) return a.m > b.m;
  double tol = 1e-9 * (fabs(a.s) + fabs(b.s) + 1e-300);
  if (fabs(a.s - b.s) > tol) return a.s > b.s;
  return ca < cb - 1e-9 * (1 + fabs(cb));
}

static bool gp_fits(const gp_ctx *x, double cost) {
  return cost <= x->budget + 1e-9 * (1 + x->budget);
}

/* Local search from S (feasible): the best improving add, drop or (for up
 * to GP_SWAP_MAX candidates) one-for-one swap, until none improves. */
#define GP_SWAP_MAX 60
static gp_score gp_local(gp_ctx *x, bool *S) {
  gp_score sc = gp_eval(x, S);
  double cost = gp_set_cost(x, S);
  for (int iter = 0; iter < 1000; iter++) {
    long ba = -1, bb = -1;
    gp_score bs = sc;
    double bc = cost;
    for (size_t a = 0; a < x->n; a++) {
      double ca = S[a] ? -x->cost[a] : x->cost[a];
      if (gp_fits(x, cost + ca)) {
        gp_score t = gp_eval_move(x, (long)a, S[a] ? -1 : 1, -1, 0);
        if (gp_better(t, cost + ca, bs, bc)) bs = t, bc = cost + ca, ba = (long)a, bb = -1;
      }
      if (S[a] || x->n > GP_SWAP_MAX) continue;
      for (size_t b = 0; b < x->n; b++) { /* swap: add a, drop b */
        if (!S[b]) continue;
        double cc = cost + x->cost[a] - x->cost[b];
        if (!gp_fits(x, cc)) continue;
        gp_score t = gp_eval_move(x, (long)a, 1, (long)b, -1);
        if (gp_better(t, cc, bs, bc)) bs = t, bc = cc, ba = (long)a, bb = (long)b;
      }
    }
    if (ba < 0) break;
    S[ba] = !S[ba];
    if (bb >= 0) S[bb] = !S[bb];
    sc = gp_eval(x, S);
    cost = gp_set_cost(x, S);
  }
  return sc;
}

/* Greedy removal from the full set until within budget: each step drops the
 * activity losing the least (meets, then progress) per unit of cost saved. */
static void gp_greedy_remove(gp_ctx *x, bool *S) {
  for (size_t a = 0; a < x->n; a++)
    S[a] = true;
  gp_score sc = gp_eval(x, S);
  double cost = gp_set_cost(x, S);
  while (!gp_fits(x, cost)) {
    long best = -1;
    double bl = INFINITY, bp = INFINITY;
    for (size_t a = 0; a < x->n; a++) {
      if (!S[a] || x->cost[a] <= 0) continue;
      gp_score t = gp_eval_move(x, (long)a, -1, -1, 0);
      double loss = ((double)sc.m - (double)t.m) / x->cost[a];
      double ploss = (sc.s - t.s) / x->cost[a];
      if (loss < bl || (loss == bl && ploss < bp)) bl = loss, bp = ploss, best = (long)a;
    }
    if (best < 0) break;
    S[best] = false;
    sc = gp_eval(x, S);
    cost = gp_set_cost(x, S);
  }
}

/* Greedy addition from the free activities: each step adds the affordable
 * activity gaining the most (meets, then progress) per unit of cost. */
static void gp_greedy_add(gp_ctx *x, bool *S) {
  for (size_t a = 0; a < x->n; a++)
    S[a] = x->cost[a] <= 0;
  gp_score sc = gp_eval(x, S);
  double cost = gp_set_cost(x, S);
  for (;;) {
    long best = -1;
    double bg = -INFINITY, bp = -INFINITY;
    for (size_t a = 0; a < x->n; a++) {
      if (S[a] || !gp_fits(x, cost + x->cost[a])) continue;
      gp_score t = gp_eval_move(x, (long)a, 1, -1, 0);
      double gain = ((double)t.m - (double)sc.m) / x->cost[a];
      double pgain = (t.s - sc.s) / x->cost[a];
      if (gain > bg || (gain == bg && pgain > bp)) bg = gain, bp = pgain, best = (long)a;
    }
    if (best < 0 || (bg <= 0 && bp <= 0)) break;
    S[best] = true;
    sc = gp_eval(x, S);
    cost = gp_set_cost(x, S);
  }
}

/* Exhaustive search over all subsets in Gray-code order. */
static void gp_exhaustive(gp_ctx *x, bool *S) {
  size_t n = x->n;
  bool *cur = calloc(n + 1, sizeof *cur);
  if (!cur) return;
  memset(S, 0, n * sizeof *S);
  gp_score best = gp_eval(x, S); /* the empty set; y is now the base */
  double bc = 0, cost = 0;
  for (uint64_t i = 1; i < (UINT64_C(1) << n); i++) {
    size_t a = (size_t)__builtin_ctzll(i); /* the bit that changes from gray(i-1) to gray(i) */
    double sg = cur[a] ? -1 : 1;
    cur[a] = !cur[a];
    cost += sg * x->cost[a];
    const double *ca = x->c + a * x->N;
    gp_score t = {0, 0};
    for (uint64_t d = 0; d < x->N; d++) {
      x->y[d] += sg * ca[d];
      t.m += gp_meets(x->y[d], x->target, x->dir);
      t.s += x->y[d];
    }
    t.s = gp_signed(x, t.s);
    if (gp_fits(x, cost) && gp_better(t, cost, best, bc)) {
      best = t, bc = cost;
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
  uint64_t m_all = gp_eval(&x, T).m;
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
    gp_score s1 = gp_local(&x, S);
    double c1 = gp_set_cost(&x, S);
    gp_greedy_add(&x, T);
    gp_score s2 = gp_local(&x, T);
    if (gp_better(s2, gp_set_cost(&x, T), s1, c1)) memcpy(S, T, n * sizeof *S);
  }
  uint64_t m = gp_eval(&x, S).m;
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
    uint64_t mm = gp_eval_move(&x, (long)i, S[i] ? -1 : 1, -1, 0).m;
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
    uint64_t mm = gp_eval_move(&x, (long)i, -1, -1, 0).m;
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
