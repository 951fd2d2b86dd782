/*
 * gp_polis_analysis — the whole of Pol.is's conversation update, from the
 * vote matrix to groups, representative and consensus statements,
 * group-informed consensus, divisive statements and routing priorities.
 *
 * Steps (each documented with its Pol.is source in docs/methods/deliberation.md):
 *  1. columns: statements with at least one vote; moderated-out ones zeroed;
 *  2. participants in the conversation: >= min(7, columns) votes, topped up
 *     to 15 by the most active voters;
 *  3. PCA (gp_polis_pca) and the sparsity-aware projection of everyone;
 *  4. base clusters: k-means (k = 100) of the in-conversation participants;
 *  5. groups: weighted k-means of the base-cluster centres for k = 2 ..
 *     min(5, 2 + bases/12), the k with the best silhouette;
 *  6. repness per group, consensus, group-informed consensus, priorities.
 * Pure computation: no I/O. Deterministic for a seed, whatever `threads`.
 */
#ifndef GP_POLIS_ANALYSIS_H
#define GP_POLIS_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_polis_kmeans.h"
#include "engine/gp_polis_matrix.h"
#include "engine/gp_polis_pca.h"
#include "engine/gp_polis_repness.h"
#include "util/gp_error.h"

#define GP_POLIS_MAX_GROUPS 5 /* Pol.is's max-k */

/* Options; gp_polis_opts_default gives Pol.is's values. */
typedef struct gp_polis_opts {
  uint64_t seed;            /* seeds the PCA start and k-means++ */
  int threads;              /* worker threads (>= 1); results do not depend on it */
  size_t base_k;            /* base clusters (Pol.is: 100) */
  size_t max_k;             /* most groups (Pol.is: 5) */
  size_t min_votes;         /* votes to be in the conversation: min(this, columns) (Pol.is: 7) */
  size_t greedy_n;          /* top up the in-conversation set to this many (Pol.is: 15) */
  int pca_max_iters;        /* power-iteration cap */
  double pca_tol;           /* power-iteration tolerance */
  int base_iters;           /* k-means steps for base clusters (Pol.is: 100) */
  int group_iters;          /* k-means steps for groups (Pol.is in effect: 20) */
  int group_k_buffer;       /* with a warm state: updates a new k must be best in a row
                               before it is shown (Pol.is's :group-k-buffer, 4) */
  double kmeans_tol;        /* centre movement that ends k-means (Pol.is: 0.01) */
  gp_polis_init base_init;  /* start of the base k-means */
  gp_polis_init group_init; /* start of the group k-means */
  int n_init;               /* k-means++ restarts */
} gp_polis_opts;

/* Pol.is's defaults with our choices where we depart (see the docs). */
gp_polis_opts gp_polis_opts_default(void);

/* What one analysis leaves for the next of the same conversation: Pol.is's
 * running state, so that an update starts from the last one instead of
 * from scratch (see gp_polis_warm_save). Indices of participants and
 * statements must stay the same between updates (new ones are appended). */
typedef struct gp_polis_warm {
  size_t n_rows;   /* participants when saved */
  size_t n_cols;   /* statements when saved */
  bool *in_conv;   /* n_rows: in the conversation (once in, always in) */
  double *comps;   /* 2*n_cols: the last components (PCA start vectors) */
  double *block;   /* GP_POLIS_PCA_BLOCK*n_cols: the last PCA block (or NULL) */
  size_t n_base;   /* base clusters */
  double *base_xy; /* 2*n_base: their centres (k-means start) */
  size_t group_n[GP_POLIS_MAX_GROUPS + 1]; /* [k]: groups found when k were asked */
  double group_xy[GP_POLIS_MAX_GROUPS + 1][2 * GP_POLIS_MAX_GROUPS]; /* [k]: their centres */
  size_t smoothed_k; /* the number of groups shown */
  size_t last_k;     /* the best k of the last update */
  int last_k_count;  /* updates in a row that last_k was best */
} gp_polis_warm;

/* What the analysis is given. */
typedef struct gp_polis_input {
  const gp_polis_matrix *m;   /* the votes (latest wins already applied) */
  const bool *mod_out;        /* n_cols: moderated out (NULL: none) */
  const bool *is_meta;        /* n_cols: meta statements (NULL: none) */
  const int64_t *first;       /* m->nnz: when each vote was first cast (NULL: no history);
                                 with it, who is in the conversation is replayed over time
                                 as Pol.is's running updates decide it (once in, always in) */
  const gp_polis_warm *warm;  /* the last update's state (NULL: from scratch) */
  const gp_polis_gram *stats; /* Gram statistics of m kept up to date by the caller
                                 (gp_polis_gram_update), or NULL */
} gp_polis_input;

/* One opinion group. */
typedef struct gp_polis_group {
  size_t size;          /* participants in the group */
  size_t n_bases;       /* base clusters in the group */
  double cx, cy;        /* the group's centre in the opinion plane */
  size_t n_rep;         /* representative statements (<= 5) */
  gp_polis_pick rep[5]; /* Pol.is's selection, agrees before disagrees */
} gp_polis_group;

/* The result; every array is owned by the result (gp_polis_result_free). */
typedef struct gp_polis_result {
  size_t n_rows;    /* participants (matrix rows) */
  size_t n_cols;    /* statements (matrix columns) */
  bool *used;       /* n_cols: statement has a vote (a column of Pol.is's matrix) */
  bool *eligible;   /* n_cols: used and not moderated out */
  long *n_votes;    /* n_rows: votes cast (latest per statement) */
  bool *in_conv;    /* n_rows: in the conversation */
  size_t n_in_conv; /* how many are */
  double *xy;       /* 2*n_rows: projection (x, y) of every participant */
  gp_polis_pca pca; /* the fitted PCA */
  int *base;        /* n_rows: base cluster, -1 if not in the conversation */
  size_t n_base;    /* base clusters */
  double *base_xy;  /* 2*n_base: base-cluster centres */
  long *base_size;  /* n_base: members */
  int *base_group;  /* n_base: group of each base cluster */
  double silhouette[GP_POLIS_MAX_GROUPS +
                    1]; /* [k]: silhouette of k groups (k = 2..max), NAN if not tried */
  size_t k_n[GP_POLIS_MAX_GROUPS + 1]; /* [k]: groups found when k were asked */
  double k_xy[GP_POLIS_MAX_GROUPS + 1][2 * GP_POLIS_MAX_GROUPS]; /* [k]: their centres */
  size_t best_k;    /* the k with the best silhouette in this update */
  size_t last_k;    /* smoother state after this update (see gp_polis_warm) */
  int last_k_count; /* updates in a row that last_k has been best */
  size_t n_groups;  /* groups chosen */
  int *group;       /* n_rows: group of each participant, -1 if none */
  gp_polis_group groups[GP_POLIS_MAX_GROUPS]; /* the groups */
  long *g_agree;               /* n_groups*n_cols: agrees per group and statement ([g*n_cols+j]) */
  long *g_disagree;            /* n_groups*n_cols: disagrees */
  long *g_seen;                /* n_groups*n_cols: any vote */
  gp_polis_stat *all;          /* n_cols: statistics over every participant */
  size_t n_cons_agree;         /* consensus statements (agree), <= 5 */
  gp_polis_pick cons_agree[5]; /* Pol.is's consensus selection, agree */
  size_t n_cons_disagree;      /* consensus statements (disagree), <= 5 */
  gp_polis_pick cons_disagree[5]; /* Pol.is's consensus selection, disagree */
  double *gic;                    /* n_cols: group-informed consensus (NAN for unused statements) */
  double *extremity;              /* n_cols: comment extremity */
  double *priority;               /* n_cols: routing priority */
  double *spread;     /* n_cols: max - min over groups of (agree+1)/(seen+2) (NAN unused) */
  size_t n_divisive;  /* divisive statements, <= 5 */
  size_t divisive[5]; /* eligible statements with the largest spread, largest first */
  int pca_iterations; /* power iterations run */
  bool pca_converged; /* whether the PCA met its tolerance */
} gp_polis_result;

/* Runs the analysis. Fails with GP_EINVAL for an empty conversation (no
 * votes) or fewer participants (distinct positions) in the conversation
 * than the 2 groups needed, GP_ENOMEM. On failure *out is empty. */
gp_code gp_polis_analyse(const gp_polis_input *in, const gp_polis_opts *o, gp_polis_result *out,
                         gp_error *err);

/* Frees everything r owns and zeroes it. NULL is allowed. */
void gp_polis_result_free(gp_polis_result *r);

/* Keeps what the next update needs from result r in *w (replacing what
 * it held; w zero-initialised the first time). Returns GP_OK or GP_ENOMEM. */
gp_code gp_polis_warm_save(const gp_polis_result *r, gp_polis_warm *w, gp_error *err);

/* Frees w's arrays and zeroes it. NULL is allowed. */
void gp_polis_warm_free(gp_polis_warm *w);

/* The running state as bytes, to keep it between processes: *bytes
 * (malloc'd, the caller frees) of *len bytes. The layout is this
 * machine's (native integers and doubles), with a version tag. Returns
 * GP_OK or GP_ENOMEM. */
gp_code gp_polis_warm_pack(const gp_polis_warm *w, unsigned char **bytes, size_t *len,
                           gp_error *err);

/* Reads what gp_polis_warm_pack wrote into *w (the caller frees it with
 * gp_polis_warm_free). Every size is checked against len before anything
 * is allocated: GP_EINVAL at "state" for bytes that are not a state of this
 * version, truncated or damaged (then *w is empty), GP_ENOMEM. */
gp_code gp_polis_warm_unpack(const unsigned char *bytes, size_t len, gp_polis_warm *w,
                             gp_error *err);

/* Group-informed consensus for any grouping: group[i] in 0..n_groups-1 or
 * -1 (not counted). Writes value[j] for every statement (the formula also
 * where nobody voted on j: 1/2^n_groups). Returns GP_OK, GP_EINVAL for a group out of range,
 * GP_ENOMEM. */
gp_code gp_polis_gic_of(const gp_polis_matrix *m, const int *group, size_t n_groups, double *value,
                        gp_error *err);

#endif
