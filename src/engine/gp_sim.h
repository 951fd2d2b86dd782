/*
 * gp_sim — Monte Carlo simulation of a game plan under the simulation
 * contract of PRODUCT.md ("What the numbers mean"), with the analyses of
 * issue 3: the chance of meeting each target (with its Monte Carlo standard
 * error), quantiles of the metric at each target and along the yearly grid,
 * the over-programming each target needs, first-order sensitivity indices of
 * every uncertain input (with their Monte Carlo error), the chance of meeting
 * the primary target if each assumption fails, a "test next" ranking, and
 * each activity's contribution to the metric at each target period.
 *
 * Determinism: the draws are split into GP_SIM_GROUPS contiguous groups;
 * group g is computed GP_RNG_LANES draws at a time (SIMD lanes), lane l from
 * random stream g·GP_RNG_LANES + l (gp_rng_stream), and has its own
 * floating-point accumulators, which are combined in group order at the
 * end. Threads take whole groups, so the result is bit-for-bit the same for
 * any number of threads (and on any x86-64 instruction set). Integer counts
 * (meets, histograms) are exact.
 *
 * Memory: per draw, only the metric along the grid (one double per metric
 * with a target and period) and at each target (one double per target) are
 * stored, for exact quantiles; sensitivity and contributions use streaming
 * accumulators whose size does not depend on the number of draws (see
 * docs/methods/simulation.md). With keep_contrib, each activity's
 * contribution at the primary target is also stored per draw (the
 * optimiser needs them).
 *
 * Pure computation: no I/O. Methods: docs/methods/simulation.md.
 */
#ifndef GP_SIM_H
#define GP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/gp_graph.h"
#include "model/gp_plan.h"
#include "util/gp_error.h"

/* Number of draw groups (random streams and accumulator sets). */
#define GP_SIM_GROUPS 16
/* Quantile levels reported: p5 p10 p25 p50 p75 p90 p95. */
#define GP_SIM_NQ 7
/* Bins of each target's text histogram. */
#define GP_SIM_HBINS 24
extern const double gp_sim_qlevels[GP_SIM_NQ];
extern const char *const gp_sim_qnames[GP_SIM_NQ];

typedef struct gp_sim_options {
  uint64_t draws;         /* number of draws, >= 1 */
  uint64_t seed;          /* the seed of every stream */
  int threads;            /* worker threads, >= 1 (the result does not depend on it) */
  double confidence;      /* confidence for over-programming, in (0, 1); 0 means 0.8 */
  long primary;           /* index of the target that sensitivity, assumptions and
                             keep_contrib refer to; -1 means the first committed
                             target, else the first target */
  bool learn;             /* also simulate with the tests' posterior effects (gp_graph_learn) */
  bool light;             /* only p_meet and target quantiles: no sensitivity, trajectory,
                             contributions, assumptions */
  bool keep_contrib;      /* store per-draw contributions at the primary target */
  const gp_dist *effects; /* optional: nedges effects replacing the plan's (not owned) */
  const bool *off;        /* optional: per node, true switches an activity off (not owned) */
} gp_sim_options;

/* Fills o with the defaults: 10000 draws, seed 1, 1 thread, confidence 0.8,
 * primary -1, everything else off. */
void gp_sim_options_default(gp_sim_options *o);

typedef struct gp_sim_target {
  size_t target;               /* index into plan->targets */
  int period_index;            /* grid index of the target's period (may be outside the grid) */
  double p_meet;               /* share of draws meeting the target */
  double p_meet_se;            /* its Monte Carlo standard error, sqrt(p(1-p)/draws) */
  double q[GP_SIM_NQ];         /* quantiles of the metric at the target's period */
  double mean;                 /* mean of the metric there */
  double effect_mean;          /* mean of the plan's effect there (the carrying node's value) */
  double confidence;           /* the over-programming confidence */
  double extra;                /* extra improvement needed to meet it with that confidence (>= 0) */
  double extra_share;          /* extra / |effect_mean|; NaN when the effect's mean is 0 */
  double p_meet_learned;       /* p_meet with the tests' posteriors (NaN unless learn) */
  double p_meet_learned_se;    /* its standard error (NaN unless learn) */
  double hist_lo;              /* histogram of the metric at the target's period: from the */
  double hist_hi;              /*   0.5th to the 99.5th percentile, in GP_SIM_HBINS equal bins */
  uint64_t hist[GP_SIM_HBINS]; /*   (draws outside go to the end bins) */
} gp_sim_target;

typedef struct gp_sim_traj {
  size_t metric;       /* index into plan->metrics */
  int period;          /* grid index */
  double q[GP_SIM_NQ]; /* quantiles of the metric in that period */
} gp_sim_traj;

typedef enum gp_input_kind {
  GP_INPUT_DELIVERY,      /* whether an activity is delivered (index: node) */
  GP_INPUT_EFFECT,        /* an edge's effect (index: edge) */
  GP_INPUT_COUNTERFACTUAL /* the counterfactual change per year (index 0) */
} gp_input_kind;

typedef struct gp_sim_input {
  gp_input_kind kind; /* what the input is */
  size_t index;       /* node or edge index */
  double share;       /* first-order variance share for the primary target */
  double share_se;    /* its Monte Carlo standard error (jackknife over groups) */
} gp_sim_input;

typedef struct gp_sim_assumption {
  size_t assumption;         /* index into graph->assumptions */
  double p_meet_if_fails;    /* chance of meeting the primary target if it fails */
  double p_meet_if_fails_se; /* its Monte Carlo standard error */
  double share;              /* variance share of the input(s) it is about */
  double share_se;           /* its standard error */
  int evidence;              /* its evidence level (1 when absent) */
  double score;              /* priority score (docs/methods/simulation.md) */
  int rank;                  /* 1 = test first */
} gp_sim_assumption;

typedef struct gp_sim_contrib {
  size_t activity; /* node index of the activity */
  size_t metric;   /* metric index */
  int period;      /* grid index of the target period */
  double mean;     /* mean contribution to the metric there */
  double p10;      /* its 10th percentile */
  double p90;      /* its 90th percentile */
} gp_sim_contrib;

typedef struct gp_sim_result {
  uint64_t draws;                 /* draws made */
  uint64_t seed;                  /* the seed */
  gp_grid grid;                   /* the yearly grid */
  size_t primary;                 /* index of the primary target (when ntargets > 0) */
  gp_sim_target *targets;         /* one per plan target, in plan order */
  size_t ntargets;                /*   and how many */
  gp_sim_traj *traj;              /* per metric with a target, per grid period */
  size_t ntraj;                   /*   and how many */
  gp_sim_input *inputs;           /* uncertain inputs: deliveries, effects, counterfactual */
  size_t ninputs;                 /*   and how many */
  double y_var;                   /* variance of the metric at the primary target */
  gp_sim_assumption *assumptions; /* one per assumption, in plan order */
  size_t nassumptions;            /*   and how many */
  gp_sim_contrib *contribs;       /* per activity per distinct (metric, target period) */
  size_t ncontribs;               /*   and how many */
  gp_learning *learning;          /* the learning updates (learn only), malloc'd */
  size_t nlearning;               /*   and how many */
  size_t *acts;                   /* keep_contrib: node indices of the activities */
  size_t nacts;                   /*   and how many */
  double *contrib_draws;          /* keep_contrib: [a * draws + d] contribution of acts[a] */
  double *base_draws;             /* keep_contrib: [d] primary metric minus all contributions */
} gp_sim_result;

/* Simulates the plan. The plan must be valid (parsed or gp_graph_validate'd)
 * and have at least one target. Returns GP_OK and a new result in *out
 * (free with gp_sim_result_free), or GP_EINVAL for bad options ("--draws",
 * "--threads", "--confidence") or a plan that cannot be simulated, or
 * GP_ENOMEM. */
gp_code gp_sim_run(const gp_plan *plan, const gp_sim_options *opt, gp_sim_result **out,
                   gp_error *err);

/* Frees a result; NULL is allowed. */
void gp_sim_result_free(gp_sim_result *r);

/* The type-7 (linear interpolation) p-quantile of n sorted values. */
double gp_sim_quantile_sorted(const double *x, size_t n, double p);

#endif
