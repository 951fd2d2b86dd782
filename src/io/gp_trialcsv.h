/*
 * gp_trialcsv — reading trial data from CSV files and writing assignments.
 *
 * The reader streams a file through libcsv and hands each record to a
 * callback: memory stays flat in the number of rows (lines without quotes,
 * spaces or tabs are split directly, as libcsv would, which is faster).
 * On top of it:
 *  - gp_trialcsv_analyse: the two-pass analysis of `gameplan trial analyse`
 *    (pass 1 sums, pass 2 HC2 leverages; see engine/gp_trial_analysis.h);
 *    large inputs are read in two fixed parts on two threads, whose sums are
 *    added in order, so the answer does not depend on the machine;
 *  - gp_trialcsv_assign: `gameplan trial assign` (units → arms, balance);
 *  - gp_trialcsv_arm_data: per-arm summaries for `gameplan trial adapt`.
 * Errors name the place as FILE:LINE:COLUMN (LINE counts records, the
 * header being line 1) or the option. Nothing is written on error.
 */
#ifndef GP_TRIALCSV_H
#define GP_TRIALCSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_trial_adapt.h"
#include "engine/gp_trial_analysis.h"
#include "engine/gp_trial_rand.h"
#include "util/gp_error.h"

/* One record handed to a callback; valid only during the call. */
typedef struct gp_trialcsv_row {
  long line;           /* record number, header = 1 */
  int nfields;         /* fields in this record */
  const char **fields; /* NUL-terminated field texts */
} gp_trialcsv_row;

/* Called for every record including the header; a non-GP_OK return stops the scan. */
typedef gp_code (*gp_trialcsv_fn)(void *ctx, const gp_trialcsv_row *row, gp_error *err);

/* Streams the file at path (name used in errors). Returns GP_OK, GP_EIO,
 * GP_ESYNTAX (malformed CSV) or the callback's code. */
gp_code gp_trialcsv_scan_file(const char *path, gp_trialcsv_fn fn, void *ctx, gp_error *err);

/* As gp_trialcsv_scan_file over len bytes of memory (for tests and fuzzing).
 * pure_libcsv: send every line through libcsv, bypassing the fast path for
 * plain lines (the fuzz target checks that both give the same records). */
gp_code gp_trialcsv_scan_mem(const char *name, const char *buf, size_t len, gp_trialcsv_fn fn,
                             void *ctx, bool pure_libcsv, gp_error *err);

/* Parses a whole field as a finite number. */
bool gp_trialcsv_number(const char *s, double *out);

/* What `trial analyse` is asked to do. */
typedef struct gp_trialcsv_analyse_spec {
  const char *path;              /* the data file (with data: the name used in errors) */
  const char *data;              /* in-memory CSV to read instead of the file, or NULL */
  size_t data_len;               /* its length in bytes */
  const char *const *outcomes;   /* outcome columns */
  int n_outcomes;                /* how many (>= 1) */
  const char *arm;               /* arm column */
  const char *control;           /* control arm name, or NULL: the first arm in the file */
  const char *const *covariates; /* covariate columns */
  int n_covariates;              /* how many */
  const char *cluster;           /* cluster column or NULL */
  const char *strata;            /* strata column or NULL */
  const char *look;              /* column naming each row's look (e.g. a date), or NULL:
                                    with it, the confidence sequence at every look */
  bool binary;                   /* outcomes must be 0/1 */
  const double *ratio;           /* planned ratio per arm (in arm order), or NULL */
  int n_ratio;                   /* its length */
  gp_trial_opts opts;            /* alpha, sequential, prior... (control is filled in) */
  size_t parallel_min;           /* inputs of at least this many bytes (0: 16 MiB) are read in two
                                    parts (without strata, clusters or looks) */
  int parallel_threads;          /* the two parts on: 0: two threads if >= 4 CPUs, else one;
                                    1: one thread; 2: two threads (the answer is the same) */
} gp_trialcsv_analyse_spec;

/* The analysis with the names it refers to. Free with gp_trialcsv_analysis_free. */
typedef struct gp_trialcsv_analysis {
  gp_trial_result res;              /* the numbers */
  char **arm_names;                 /* res.n_arms names, in order of first appearance */
  const char *const *outcome_names; /* the spec's outcome names (not owned) */
  int n_looks;                      /* looks (0 without spec.look) */
  char **look_names;   /* their labels, in look order (numeric if all are numbers, else text) */
  gp_trial_look *path; /* n_looks × n_arms × n_outcomes: Welch DiM and confidence sequence
                          of the data up to each look (control entries unused) */
} gp_trialcsv_analysis;

/* Most arms a --look analysis may have. */
#define GP_TRIALCSV_LOOK_ARMS 64

/* Runs the analysis. Returns GP_OK or an error naming the file position or option. */
gp_code gp_trialcsv_analyse(const gp_trialcsv_analyse_spec *spec, gp_trialcsv_analysis *out,
                            gp_error *err);
void gp_trialcsv_analysis_free(gp_trialcsv_analysis *a);

/* What `trial assign` is asked to do. */
typedef struct gp_trialcsv_assign_spec {
  const char *path;          /* units file */
  const char *out_path;      /* where to write the assignment CSV (NULL: stdout) */
  const char *const *arms;   /* arm names */
  int n_arms;                /* how many (>= 2) */
  const double *prob;        /* assignment probabilities (sum 1) */
  const char *const *strata; /* strata columns (blocks = their combinations) */
  int n_strata;              /* how many */
  const char *cluster;       /* cluster column or NULL */
  gp_trial_design design;    /* simple or complete */
  uint64_t seed;             /* --seed */
} gp_trialcsv_assign_spec;

/* Balance of one numeric column: arm means and standardised differences. */
typedef struct gp_trialcsv_balance {
  char *column; /* the column */
  double *mean; /* per arm */
  double *sd;   /* per arm */
  double *smd;  /* per arm vs the first arm: (m_k − m_1)/sqrt((s_k² + s_1²)/2) */
} gp_trialcsv_balance;

/* The assignment summary. Free with gp_trialcsv_assignment_free. */
typedef struct gp_trialcsv_assignment {
  long n_units;                 /* rows */
  long n_clusters;              /* clusters (0: none) */
  long n_blocks;                /* blocks */
  double *count;                /* units per arm */
  double *cluster_count;        /* clusters per arm (NULL: none) */
  int n_balance;                /* numeric columns */
  gp_trialcsv_balance *balance; /* their balance */
} gp_trialcsv_assignment;

gp_code gp_trialcsv_assign(const gp_trialcsv_assign_spec *spec, gp_trialcsv_assignment *out,
                           gp_error *err);
void gp_trialcsv_assignment_free(gp_trialcsv_assignment *a, int n_arms);

/* Per-arm data for `trial adapt` from a file of one row per unit (columns
 * arm_col and outcome_col) or of one row per arm (columns arm_col, n and
 * either successes, or mean and sd). arms[0..k-1] name the arms; out is
 * caller-owned (k long). */
gp_code gp_trialcsv_arm_data(const char *path, const char *arm_col, const char *outcome_col,
                             bool binary, int k, const char *const *arms, gp_trial_arm_data *out,
                             gp_error *err);

/* As gp_trialcsv_arm_data over len bytes of CSV in memory (name: for errors). */
gp_code gp_trialcsv_arm_data_mem(const char *name, const char *buf, size_t len, const char *arm_col,
                                 const char *outcome_col, bool binary, int k,
                                 const char *const *arms, gp_trial_arm_data *out, gp_error *err);

#endif
