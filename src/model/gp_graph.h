/*
 * gp_graph — the theory of change of a game plan (PRODUCT.md, "The game plan
 * file"): nodes (activities, outputs, outcomes), the edges between them with
 * their uncertain effects, the counterfactual trend of the mission metric,
 * the assumptions behind the plan and the tests that challenge them.
 *
 * Also here: the distributions every uncertain number uses (gp_dist), their
 * validation, the yearly period grid the simulation runs on (gp_graph_grid),
 * the cycle check and topological order, and the normal–normal learning
 * update of issue 3 item 6 (gp_graph_learn).
 *
 * Ownership: a gp_graph and everything it points to live in the owning
 * plan's arena (gp_plan.arena). Optional strings are NULL when absent;
 * optional numbers have has_* flags (kept so that files round-trip).
 */
#ifndef GP_GRAPH_H
#define GP_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "model/gp_period.h"
#include "model/gp_plan.h"
#include "util/gp_error.h"

/* ---- distributions ---- */

typedef enum gp_dist_kind {
  GP_DIST_FIXED,      /* a plain number: p[0] */
  GP_DIST_NORMAL,     /* p[0] mean, p[1] sd (> 0) */
  GP_DIST_LOGNORMAL,  /* p[0] mu, p[1] sigma (> 0): exp(N(mu, sigma²)) */
  GP_DIST_UNIFORM,    /* p[0] min < p[1] max */
  GP_DIST_TRIANGULAR, /* p[0] min <= p[1] mode <= p[2] max, min < max */
  GP_DIST_PERT,       /* p[0] min <= p[1] mode <= p[2] max, min < max (beta-PERT) */
  GP_DIST_BETA,       /* p[0] a > 0, p[1] b > 0 */
  GP_DIST_BERNOULLI   /* p[0] probability of 1, in [0, 1] */
} gp_dist_kind;

typedef struct gp_dist {
  gp_dist_kind kind; /* which family */
  double p[3];       /* its parameters, in the order of the file (see gp_dist_kind) */
} gp_dist;

/* The "dist" name of a kind ("normal", ...); "fixed" for GP_DIST_FIXED. */
const char *gp_dist_kind_name(gp_dist_kind k);

/* Parses a "dist" name (not "fixed"); false on unknown text. */
bool gp_dist_kind_parse(const char *s, gp_dist_kind *out);

/* Number of parameters of a kind and their key names in the file. */
size_t gp_dist_nparams(gp_dist_kind k);
const char *gp_dist_param_name(gp_dist_kind k, size_t i);

/* Checks a distribution's parameters: finite, sd/sigma > 0, min < max,
 * min <= mode <= max, beta parameters > 0, p in [0, 1]. With probability set
 * it also requires every value the distribution can take to lie in [0, 1]
 * (a delivery probability). Returns GP_OK or GP_EINVAL at path.PARAM (or at
 * path for a fixed number). */
gp_code gp_dist_validate(const gp_dist *d, bool probability, const char *path, gp_error *err);

/* Whether the distribution is random (not a fixed number). */
bool gp_dist_is_random(const gp_dist *d);

/* Mean and standard deviation of the distribution (closed forms). */
double gp_dist_mean(const gp_dist *d);
double gp_dist_sd(const gp_dist *d);

/* ---- the graph ---- */

typedef enum gp_node_kind {
  GP_NODE_ACTIVITY, /* "activity": something the mission does; a source of value */
  GP_NODE_OUTPUT,   /* "output": what the activities produce */
  GP_NODE_OUTCOME   /* "outcome": a change in the world, possibly the metric itself */
} gp_node_kind;

typedef enum gp_stage {
  GP_STAGE_EXPLORE, /* "explore" */
  GP_STAGE_TEST,    /* "test" */
  GP_STAGE_SCALE,   /* "scale" */
  GP_STAGE_STOPPED  /* "stopped": contributes nothing */
} gp_stage;

typedef struct gp_node {
  char *id;          /* slug, unique among the plan's nodes */
  gp_node_kind kind; /* activity, output or outcome */
  char *label;       /* optional text for people */
  bool has_cost;     /* activity: whether "cost" was given */
  double cost;       /* activity: cost in money (>= 0); 0 when absent */
  bool has_stage;    /* activity: whether "stage" was given */
  gp_stage stage;    /* activity: explore/test/scale/stopped; explore when absent */
  char *start;       /* activity: period it starts (NULL: the mission's start) */
  gp_period start_p; /*   the same, parsed (valid when start != NULL) */
  bool has_ramp;     /* activity: whether "ramp" was given */
  double ramp;       /* activity: years to full delivery (>= 0); 0 when absent */
  bool has_delivery; /* activity: whether "delivery" was given */
  gp_dist delivery;  /* activity: probability of delivery; fixed 1 when absent */
  char *metric;      /* output/outcome: the metric this node carries, or NULL */
  char **sources;    /* optional: where the numbers come from (extension: see docs) */
  size_t nsources;   /*   and how many */
} gp_node;

typedef struct gp_edge {
  char *from;      /* id of the source node */
  char *to;        /* id of the target node (never an activity) */
  size_t ifrom;    /* index of from in graph->nodes (set by validation) */
  size_t ito;      /* index of to in graph->nodes (set by validation) */
  gp_dist effect;  /* effect per unit of the source's value */
  bool has_lag;    /* whether "lag" was given */
  int lag;         /* whole years between cause and effect (>= 0); 0 when absent */
  int evidence;    /* Nesta Standards of Evidence 1..5; 0 when absent */
  char **sources;  /* optional: the evaluations the effect comes from */
  size_t nsources; /*   and how many */
} gp_edge;

typedef struct gp_counterfactual {
  char *metric;            /* id of the metric whose trend this is */
  gp_dist change_per_year; /* change of the metric per year without the plan */
  char **sources;          /* optional: where the trend comes from (extension) */
  size_t nsources;         /*   and how many */
} gp_counterfactual;

typedef enum gp_assumption_status {
  GP_ASSUMPTION_UNTESTED,  /* "untested" */
  GP_ASSUMPTION_TESTING,   /* "testing" */
  GP_ASSUMPTION_SUPPORTED, /* "supported" */
  GP_ASSUMPTION_REFUTED,   /* "refuted" */
  GP_ASSUMPTION_MIXED      /* "mixed" */
} gp_assumption_status;

typedef enum gp_on_kind {
  GP_ON_EDGE, /* "edge:FROM->TO": failing sets the edge's effect to 0 */
  GP_ON_NODE  /* "node:ID": failing sets the node's value to 0 (an activity not delivered) */
} gp_on_kind;

typedef struct gp_assumption {
  char *id;                    /* slug, unique among assumptions */
  char *text;                  /* the assumption in words */
  char *on;                    /* "edge:a->b" or "node:a", as written */
  gp_on_kind on_kind;          /* parsed kind of on (set by validation) */
  size_t on_index;             /* index into edges or nodes (set by validation) */
  int importance;              /* 1..5; 0 when absent */
  int evidence;                /* 1..5; 0 when absent */
  bool has_status;             /* whether "status" was given */
  gp_assumption_status status; /* untested when absent */
} gp_assumption;

typedef enum gp_test_method {
  GP_METHOD_RED_TEAM,
  GP_METHOD_PROTOTYPE,
  GP_METHOD_PILOT,
  GP_METHOD_USER_RESEARCH,
  GP_METHOD_EXTERNAL_RESEARCH,
  GP_METHOD_RCT,
  GP_METHOD_ADAPTIVE_TRIAL,
  GP_METHOD_QUASI_EXPERIMENT
} gp_test_method;

typedef enum gp_test_status {
  GP_TEST_PLANNED, /* "planned" */
  GP_TEST_RUNNING, /* "running" */
  GP_TEST_DONE     /* "done" */
} gp_test_status;

typedef struct gp_test {
  char *id;              /* slug, unique among tests */
  char *assumption;      /* id of the assumption it tests */
  size_t iassumption;    /* its index (set by validation) */
  gp_test_method method; /* how */
  bool has_status;       /* whether "status" was given */
  gp_test_status status; /* planned when absent */
  char *result;          /* optional: what it found, in words */
  bool has_estimate;     /* whether "estimate" was given */
  double est_mean;       /* estimate.mean: the measured effect */
  double est_se;         /* estimate.se (> 0): its standard error */
  bool has_n;            /* whether estimate.n was given */
  long est_n;            /* estimate.n (>= 1): sample size, informational */
} gp_test;

typedef struct gp_graph {
  gp_node *nodes;             /* the nodes, in file order */
  size_t nnodes;              /*   and how many */
  gp_edge *edges;             /* the edges, in file order */
  size_t nedges;              /*   and how many */
  bool has_counterfactual;    /* whether "counterfactual" was given */
  gp_counterfactual cf;       /* the counterfactual trend (valid if has_counterfactual) */
  gp_assumption *assumptions; /* the assumptions, in file order */
  size_t nassumptions;        /*   and how many */
  gp_test *tests;             /* the tests, in file order */
  size_t ntests;              /*   and how many */
  size_t *topo;               /* node indices in topological order (set by validation) */
} gp_graph;

/* Enum names as in the plan file, and parsers (false on unknown text). */
const char *gp_node_kind_name(gp_node_kind k);
bool gp_node_kind_parse(const char *s, gp_node_kind *out);
const char *gp_stage_name(gp_stage s);
bool gp_stage_parse(const char *s, gp_stage *out);
const char *gp_assumption_status_name(gp_assumption_status s);
bool gp_assumption_status_parse(const char *s, gp_assumption_status *out);
const char *gp_test_method_name(gp_test_method m);
bool gp_test_method_parse(const char *s, gp_test_method *out);
const char *gp_test_status_name(gp_test_status s);
bool gp_test_status_parse(const char *s, gp_test_status *out);

/* Index of the node with this id in g, or (size_t)-1. */
size_t gp_graph_node_index(const gp_graph *g, const char *id);

/* Validates plan->graph against the rest of the plan and fills the derived
 * fields (edge and reference indices, topological order, in plan->arena):
 * unique ids, known nodes/metrics/assumptions, no edge into an activity,
 * activity-only keys only on activities, at most one node per metric, valid
 * distributions, lags within the horizon, no duplicate edge, no cycle.
 * Returns GP_OK or GP_EINVAL with the JSON path of the first fault; for a
 * cycle the path is the edge closing it and the message lists the cycle's
 * node ids in order ("a -> b -> c -> a"). A NULL graph is valid. */
gp_code gp_graph_validate(gp_plan *plan, gp_error *err);

/* ---- the period grid ---- */

typedef struct gp_grid {
  gp_period start; /* the first period: the mission's start, else the earliest baseline
                      (as a quarter or month when the grid is finer than yearly) */
  int per_year;    /* grid periods per year: 1, or 4 / 12 when a metric with a target is
                      quarterly / monthly (PRODUCT.md: "the metric's frequency where finer") */
  int nperiods;    /* periods from start to the horizon (or the latest target), >= 1 */
  int span;        /* whole years from start to the mission's horizon (lags may not exceed) */
} gp_grid;

/* The grid of the plan: from mission.start (else the earliest target
 * baseline) to mission.horizon (else the latest target period), extended to
 * cover every target period; yearly, or quarterly / monthly when a metric
 * with a target has "frequency" "quarterly" / "monthly". Returns GP_OK, or
 * GP_EINVAL when the plan has neither a start nor any target
 * ("plan.mission.start"). */
gp_code gp_graph_grid(const gp_plan *plan, gp_grid *out, gp_error *err);

/* The k-th period of the grid (start + k steps of 1/per_year years). */
gp_period gp_grid_period(const gp_grid *g, int k);

/* Index of the grid period nearest to the start of p: round(years from the
 * grid's start × per_year) (may be < 0 or >= nperiods outside the grid). */
int gp_grid_index(const gp_grid *g, const gp_period *p);

/* ---- learning (issue 3 item 6) ---- */

typedef struct gp_learning {
  size_t test;       /* index of the test */
  size_t assumption; /* index of its assumption */
  size_t edge;       /* index of the edge updated */
  double prior_mean; /* mean of the edge's effect before this test */
  double prior_sd;   /* sd of the edge's effect before this test */
  double post_mean;  /* posterior mean after it */
  double post_sd;    /* posterior sd after it */
} gp_learning;

/* The normal–normal updates of every test with an estimate whose assumption
 * is on an edge, applied in test order (several tests on one edge compound):
 * prior N(m, s²) from the edge distribution's mean and sd, likelihood
 * N(estimate.mean, se²), posterior precision 1/s² + 1/se². An edge with a
 * fixed effect (s = 0) keeps it. Fills *out (malloc'd; the caller frees it;
 * NULL when there are none) and *n. If learned is non-NULL, *learned is an
 * array of nedges distributions (malloc'd, caller frees): every edge's
 * effect, with updated edges replaced by their normal posterior.
 * Returns GP_OK or GP_ENOMEM. */
gp_code gp_graph_learn(const gp_graph *g, gp_learning **out, size_t *n, gp_dist **learned,
                       gp_error *err);

#endif
