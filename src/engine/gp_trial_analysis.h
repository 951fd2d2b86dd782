/*
 * gp_trial_analysis — the analysis of a trial from streamed rows.
 *
 * The caller (src/io/gp_trialcsv.c) parses each row into an arm index, a
 * stratum index, a cluster index, covariates z[0..J-1] and outcomes
 * y[0..O-1], and feeds it here. Pass 1 keeps, for every (arm, stratum,
 * cluster) cell, the count and the cross-products of [1, z − s, y − s_y]
 * (s: the first row's values, a shift that keeps the sums well conditioned)
 * plus per-arm Welford moments of each outcome. From these sums alone it
 * builds X'X and X'y of each regression and, with clusters, every cluster's
 * X_g'X_g (for CR2). HC2 needs a second pass for the leverages; in a cell
 * every design row is x = C·v with v = [1, z − s], so the pass keeps per cell
 * only Σ e²/(1−h)·v v' with h = v'(C'MC)v and e = y − (C'β)'v, and the HC2
 * meat is Σ_cells C(Σ …)C'.
 *
 * Estimators (every non-control arm against the control, per outcome):
 *  - "difference_in_means", se "welch" (no clusters, no strata);
 *  - "ols": y on arm indicators (+ strata fixed effects), HC2 or CR2;
 *  - "lin" (covariates given): y on arm indicators, covariates centred at
 *    their sample means, and their interactions with the arm indicators
 *    (Lin 2013), + strata fixed effects; HC2 or CR2;
 *  - with binary outcomes the relative risk (Katz log interval).
 * Centring: the fit uses the shifted covariates; the arm effect at the
 * centred parametrisation is the contrast e_arm + Σ_j (z̄_j − s_j)·e_arm×z_j.
 * Holm across arms (per outcome and estimator); Benjamini–Hochberg across
 * all outcomes × arms (per estimator) when several outcomes are given.
 */
#ifndef GP_TRIAL_ANALYSIS_H
#define GP_TRIAL_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/gp_trial_est.h"
#include "engine/gp_trial_ols.h"
#include "util/gp_error.h"

/* One (arm, stratum, cluster) cell's sums. */
typedef struct gp_trial_cell {
  int arm;     /* arm index */
  int stratum; /* stratum index (0 when none) */
  int cluster; /* cluster index (0 when none) */
  double n;    /* rows */
  size_t off;  /* offset of its q×q upper-triangular sums in the accumulator's pool */
} gp_trial_cell;

/* Where a singular design was found, for the caller to name. */
typedef enum gp_trial_colkind {
  GP_TRIAL_COL_INTERCEPT, /* the constant */
  GP_TRIAL_COL_ARM,       /* an arm indicator */
  GP_TRIAL_COL_COV,       /* a covariate */
  GP_TRIAL_COL_INTER,     /* covariate × arm */
  GP_TRIAL_COL_STRATUM    /* a stratum indicator */
} gp_trial_colkind;

/* The column of a design. */
typedef struct gp_trial_col {
  gp_trial_colkind kind; /* what it is */
  int arm;               /* arm index (ARM, INTER), else −1 */
  int cov;               /* covariate index (COV, INTER), else −1 */
  int stratum;           /* stratum index (STRATUM), else −1 */
} gp_trial_col;

/* One regression model. */
typedef struct gp_trial_model {
  const char *name;   /* "ols" or "lin" (static) */
  int p;              /* columns */
  gp_trial_col *cols; /* p column descriptors (owned) */
  gp_trial_ols ols;   /* the fit */
  int qv;             /* components of v = [1, z − s] the model uses (1, or 1 + J) */
  double *g;          /* HC2 pass: per (arm, stratum) cell, G = C'MC (qv×qv), so h = v'Gv */
  double *b;          /* per cell and outcome, the coefficients on v (qv each) */
  double *w;          /* per cell and outcome, Σ e²/(1 − h)·v v' (qv×qv) */
  int nt;             /* qv(qv + 1)/2: entries of a packed upper triangle (rows i, j >= i) */
  double *gt;         /* per cell, G packed, off-diagonal entries doubled: h = Σ gt·(v v') */
  double *wt; /* per cell and outcome, Σ e²/(1 − h)·v v' packed (summed into w at the end) */
} gp_trial_model;

/* The accumulator. Zero-initialise with gp_trial_acc_init; free with gp_trial_acc_free. */
typedef struct gp_trial_acc {
  int n_cov;                /* J covariates */
  int n_out;                /* O outcomes */
  int q;                    /* 1 + J + O */
  bool clustered;           /* cluster indices are meaningful */
  bool binary;              /* outcomes are 0/1 */
  double n;                 /* rows */
  double *shift;            /* q shifts (index 0 unused), from the first row */
  bool have_shift;          /* shift set */
  int n_arms;               /* arms seen (max index + 1) */
  gp_trial_moments *mom;    /* n_arms × O outcome moments */
  double *succ;             /* n_arms × O sums of y (binary successes) */
  double *arm_n;            /* n_arms row counts */
  int n_strata;             /* strata seen (max index + 1; 1 when none) */
  int n_clusters;           /* clusters seen (max index + 1; 0 when none) */
  gp_trial_cell *cells;     /* the cells */
  size_t n_cells;           /* how many */
  size_t cap_cells;         /* allocated */
  int32_t *table;           /* open-addressing hash: cell index + 1, 0 empty */
  size_t table_cap;         /* power of two */
  double *pool;             /* cell sums, q² per cell */
  double *zsum;             /* J sums of (z − s) over all rows */
  gp_trial_model models[2]; /* ols, and lin when J > 0 */
  int n_models;             /* 1 or 2 */
  int control;              /* control arm index (set by prepare) */
  double *xrow;             /* scratch row (max p) */
  bool lev_one;             /* pass 2 met a leverage of 1 */
  double *yrow;             /* scratch outcomes (O) */
  double *vv;               /* scratch: packed products v_i v_j of v = [1, z − s] (pass 2) */
  int32_t quick[16];        /* cell index + 1 of (arm, stratum 0, cluster 0) for arm < 16 */
} gp_trial_acc;

/* Options of the analysis. */
typedef struct gp_trial_opts {
  int control;         /* control arm index */
  double alpha;        /* 1 − confidence level */
  bool sequential;     /* compute confidence sequences */
  double tuning;       /* their tuning parameter N* */
  double prior_mean;   /* Bayesian prior mean of the effect */
  double prior_sd;     /* prior sd (<= 0: flat) */
  double threshold;    /* report P(effect > threshold) */
  const double *ratio; /* planned allocation ratio per arm (n_arms), or NULL: equal */
} gp_trial_opts;

/* One comparison row. */
typedef struct gp_trial_comparison {
  int outcome;           /* outcome index */
  int arm;               /* treatment arm index */
  int control;           /* control arm index */
  const char *estimator; /* "difference_in_means", "lin", "ols", "relative_risk" (static) */
  const char *se_type;   /* "welch", "HC2", "CR2", "katz" (static) */
  gp_trial_test t;       /* estimate, std_error, df, limits, p */
  double p_adjusted;     /* Holm across arms */
  double p_bh;           /* BH across outcomes × arms (NAN: one outcome) */
  double n_pair;         /* units in the two arms */
  gp_trial_seq seq;      /* confidence sequence (when asked) */
  gp_trial_bayes bayes;  /* Bayesian summary */
} gp_trial_comparison;

/* The analysis. Arrays malloc'd; free with gp_trial_result_free. */
typedef struct gp_trial_result {
  double n;                  /* rows */
  int n_arms;                /* arms */
  int n_out;                 /* outcomes */
  double *arm_n;             /* n_arms */
  double *arm_mean;          /* n_arms × O */
  double *arm_sd;            /* n_arms × O */
  int n_comp;                /* comparisons */
  gp_trial_comparison *comp; /* n_comp */
  gp_trial_srm srm;          /* sample-ratio mismatch test */
  double *srm_counts;        /* n_arms: units (or clusters) per arm */
  bool srm_clusters;         /* counts are clusters */
  int n_clusters;            /* clusters (0: none) */
  int n_strata;              /* strata (1: none) */
} gp_trial_result;

/* Prepares an accumulator for J covariates and O outcomes. */
gp_code gp_trial_acc_init(gp_trial_acc *a, int n_cov, int n_out, bool clustered, bool binary,
                          gp_error *err);
void gp_trial_acc_free(gp_trial_acc *a);

/* Pass 1: adds one row. Returns GP_ENOMEM on allocation failure. */
gp_code gp_trial_acc_add(gp_trial_acc *a, int arm, int stratum, int cluster, const double *z,
                         const double *y, gp_error *err);

/* Adds the pass-1 sums of b (rows read apart, e.g. by another thread) into a.
 * arm_map[k] is a's index of b's arm k (a's arms grow as needed). b's shift
 * may differ from a's: its sums are re-centred at a's shift (exactly in real
 * arithmetic: Σ(u + d)(w + d') = Σuw + d'Σu + dΣw + n·d·d'); moments merge
 * by Chan, Golub & LeVeque. Stratum indices are taken as they are and
 * neither may be clustered (src/io/gp_trialcsv.c reads in parts only without
 * strata and clusters). Returns GP_OK or GP_ENOMEM. */
gp_code gp_trial_acc_merge(gp_trial_acc *a, const gp_trial_acc *b, const int *arm_map,
                           gp_error *err);

/* After pass 1: checks arms (>= 2 rows each, >= 2 arms), clusters (>= 2),
 * builds and solves the models. On a singular design returns GP_EINVAL with
 * *bad (if non-NULL) describing the column; other errors name "arm" or
 * "--cluster". */
gp_code gp_trial_acc_prepare(gp_trial_acc *a, int control, gp_trial_col *bad, gp_error *err);

/* Whether a second pass (HC2) is needed. */
bool gp_trial_acc_needs_pass2(const gp_trial_acc *a);

/* Pass 2: the same rows again, in any order. */
void gp_trial_acc_add2(gp_trial_acc *a, int arm, int stratum, const double *z, const double *y);

/* For a second pass in parts: dst becomes a copy of what pass 2 of the
 * prepared accumulator src needs, with its own zeroed HC2 sums; feed it with
 * gp_trial_acc_add2 and add it back with gp_trial_acc_join2. Free with
 * gp_trial_acc_free. Returns GP_OK or GP_ENOMEM. */
gp_code gp_trial_acc_fork2(gp_trial_acc *dst, const gp_trial_acc *src, gp_error *err);

/* Adds the pass-2 sums of b (from gp_trial_acc_fork2(b, a)) into a. */
void gp_trial_acc_join2(gp_trial_acc *a, const gp_trial_acc *b);

/* Computes every comparison into res (caller frees with gp_trial_result_free). */
gp_code gp_trial_acc_finish(gp_trial_acc *a, const gp_trial_opts *o, gp_trial_result *res,
                            gp_error *err);
void gp_trial_result_free(gp_trial_result *res);

#endif
