/*
 * gp_optimise — which portfolio of activities to fund: the subset of the
 * plan's activities (those not stopped) whose total cost is within a budget
 * and that maximises the chance of meeting one target; and the "weakest
 * ideas" — the activities whose removal from the plan as written costs the
 * least chance per unit of money saved (the seeds' "over-programme and weed
 * out the weakest ideas").
 *
 * Method (docs/methods/simulation.md): one simulation with every activity
 * on stores, per draw, each activity's contribution to the metric at the
 * target period and the rest of the metric (gp_sim keep_contrib). Because
 * the contract is linear in the activities' values, the metric of any
 * portfolio S in a draw is base + Σ_{a∈S} contribution_a, so every
 * portfolio is judged on the same draws (common random numbers) and p_meet
 * is a count. The search is exhaustive (Gray-code order, one activity
 * changes per step) when 2^n·draws is small, else a heuristic: greedy
 * removal from the full plan by least loss per cost saved until within
 * budget, and greedy addition from the empty set by gain per cost, each
 * followed by local search (add one, drop one, swap one for one) until no
 * move improves; the better result is kept. Portfolios are ranked by draws
 * meeting the target, then by total progress towards it, then by lower
 * cost. Pure computation.
 */
#ifndef GP_OPTIMISE_H
#define GP_OPTIMISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/gp_plan.h"
#include "util/gp_error.h"

typedef enum gp_opt_search {
  GP_OPT_AUTO,       /* exhaustive when 2^n·draws <= 1e8, else heuristic */
  GP_OPT_EXHAUSTIVE, /* always exhaustive (n <= 30) */
  GP_OPT_HEURISTIC   /* always the heuristic */
} gp_opt_search;

typedef struct gp_opt_options {
  uint64_t draws;       /* draws, >= 1 */
  uint64_t seed;        /* seed */
  int threads;          /* threads, >= 1 */
  double budget;        /* money available, >= 0 */
  long target;          /* index of the target in plan->targets */
  gp_opt_search search; /* how to search */
} gp_opt_options;

typedef struct gp_opt_activity {
  size_t node;     /* node index of the activity */
  double cost;     /* its cost (0 when absent) */
  bool chosen;     /* whether the portfolio funds it */
  double delta_p;  /* chosen: p(S) − p(S without it); not chosen: p(S with it) − p(S) */
  double per_cost; /* delta_p / cost; NaN when the cost is 0 */
} gp_opt_activity;

typedef struct gp_opt_weak {
  size_t node;     /* node index of the activity */
  double cost;     /* money its removal saves */
  double p_loss;   /* p(plan) − p(plan without it) */
  double per_cost; /* p_loss / cost; NaN when the cost is 0 (listed last) */
} gp_opt_weak;

typedef struct gp_opt_result {
  size_t target;         /* index of the target */
  uint64_t draws;        /* draws */
  uint64_t seed;         /* seed */
  double budget;         /* the budget */
  double cost_before;    /* cost of the plan as written (every activity not stopped) */
  double p_before;       /* p_meet of the plan as written */
  double p_before_se;    /* its standard error */
  double cost_after;     /* cost of the chosen portfolio */
  double p_after;        /* p_meet of the chosen portfolio */
  double p_after_se;     /* its standard error */
  bool exhaustive;       /* whether the search was exhaustive (so the optimum on these draws) */
  gp_opt_activity *acts; /* every activity not stopped, in plan order */
  size_t nacts;          /*   and how many */
  gp_opt_weak *weak;     /* the same activities, weakest first */
  size_t nweak;          /*   and how many */
} gp_opt_result;

/* Defaults: 10000 draws, seed 1, 1 thread, budget 0, target 0, auto search. */
void gp_opt_options_default(gp_opt_options *o);

/* Chooses the portfolio. Returns GP_OK and a new result in *out (free with
 * gp_opt_result_free), or GP_EINVAL naming the argument ("--budget",
 * "--draws", "--threads", "--target") or the plan's fault, or GP_ENOMEM. */
gp_code gp_optimise_run(const gp_plan *plan, const gp_opt_options *opt, gp_opt_result **out,
                        gp_error *err);

/* Frees a result; NULL is allowed. */
void gp_opt_result_free(gp_opt_result *r);

#endif
