/*
 * gp_app — the domain operations that the CLI and the HTTP handlers share:
 * apply a plan (with its rebaselining rules), import observations (all or
 * nothing), compute the status of targets, make and check API tokens.
 *
 * These functions combine the store (store/) with the engines (engine/) and
 * the readers (io/). They never print and never speak HTTP: a CLI command
 * or a handler parses its input, calls one of these, and renders the result.
 */
#ifndef GP_APP_H
#define GP_APP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "engine/gp_optimise.h"
#include "engine/gp_sim.h"
#include "engine/gp_trial_power.h"
#include "io/gp_trialcsv.h"
#include "model/gp_plan.h"
#include "store/gp_store.h"

/* ---- plans (gp_app_plan.c) ---------------------------------------------------- */

/* What applying a plan did. */
typedef struct gp_apply_result {
  bool created;            /* the mission is new */
  bool changed;            /* the stored plan changed (a new version was written) */
  long version;            /* the plan version now current */
  size_t nrebaselined;     /* targets whose baseline or target changed */
  char rebaselined[8][65]; /* their ids (the first 8) */
} gp_apply_result;

/* Applies plan p as its mission's current plan, in one transaction.
 * Applying the same plan twice changes nothing (idempotent). Changing a
 * target's baseline or target (value or period) is a rebaseline: it needs a
 * reason (GP_EINVAL at "--reason" without one) and keeps the previous
 * version. A floor target on a metric whose observations have no breakdown
 * is refused (GP_EINVAL at its JSON path). actor says who ("cli", "token:x").
 * Returns GP_OK or the first error; on error nothing is written. */
gp_code gp_app_plan_apply(gp_store *s, const gp_plan *p, const char *reason, const char *actor,
                          gp_apply_result *res, gp_error *err);

/* Loads a mission's plan (version <= 0: the current one) from the store.
 * *out is the caller's (gp_plan_free). GP_ENOTFOUND when there is none. */
gp_code gp_app_plan_load(gp_store *s, const char *mission_id, long version, gp_plan **out,
                         gp_error *err);

/* Fails unless assumption_id is an assumption of the current plan of
 * mission_id: GP_EINVAL at assumption_arg when mission_id is NULL,
 * GP_ENOTFOUND at mission_arg for an unknown mission (or one without a
 * plan), GP_ENOTFOUND at assumption_arg for an unknown assumption. The
 * argument names (NULL: "--mission", "--assumption") let the CLI and the
 * API name the place in their own terms. Writes nothing. */
gp_code gp_app_assumption_check(gp_store *s, const char *mission_id, const char *assumption_id,
                                const char *mission_arg, const char *assumption_arg, gp_error *err);

/* ---- observations (gp_app_import.c) --------------------------------------------- */

/* Options and callbacks of an import. */
typedef struct gp_import_opts {
  const char *metric_id; /* the metric the rows belong to */
  const char *name;      /* file name, for error positions and the import record */
  const char *source;    /* source recorded with every row (NULL: the file name) */
  FILE *rejects;         /* non-NULL: skip bad rows, writing them here as CSV with
                            their line and reason; NULL: all or nothing */
  void (*progress)(void *ctx, long bytes, long rows); /* called now and then; may be NULL */
  void *progress_ctx;                                 /* passed to progress */
} gp_import_opts;

/* Reads observation CSV from f into the store in one transaction. Without
 * rejects, the first bad row aborts the import (nothing is written) and err
 * names FILE:LINE:COLUMN. With rejects, bad rows are written there and
 * counted in *rejected. Returns GP_OK with *stats filled. */
gp_code gp_app_import(gp_store *s, FILE *f, const gp_import_opts *o, gp_import_stats *stats,
                      long *rejected, gp_error *err);

/* ---- status (gp_app_status.c) ---------------------------------------------------- */

/* Which targets, as of when, for whom. */
typedef struct gp_status_query {
  const char *mission_id;   /* NULL: every mission visible to the caller */
  const char *as_of;        /* NULL: all data; else only periods up to this one */
  bool include_unpublished; /* the caller is authenticated */
} gp_status_query;

/* The status document of PRODUCT.md / docs/api.md: {"as_of", "targets":
 * [...]}. Returns GP_OK with *out (a new reference the caller decrefs),
 * GP_ENOTFOUND for an unknown (or, unauthenticated, unpublished) mission,
 * GP_EINVAL for a bad as_of. */
gp_code gp_app_status(gp_store *s, const gp_status_query *q, json_t **out, gp_error *err);

/* ---- missions and metrics as documents (gp_app_docs.c) ------------------------------ */

/* {"missions": [Mission]} for the caller. */
gp_code gp_app_missions_doc(gp_store *s, bool include_unpublished, json_t **out, gp_error *err);

/* {"mission": Mission, "metrics": [...], "targets": [...]}; GP_ENOTFOUND when
 * the mission is absent or unpublished for a visitor. */
gp_code gp_app_mission_doc(gp_store *s, const char *mission_id, bool include_unpublished,
                           json_t **out, gp_error *err);

/* Whether the caller may read this mission; GP_ENOTFOUND if not. */
gp_code gp_app_mission_visible(gp_store *s, const char *mission_id, bool include_unpublished,
                               gp_error *err);

/* {"metric": Metric, "mission": id, "breakdowns": [{"kind", "values"}]}. */
gp_code gp_app_metric_doc(gp_store *s, const char *metric_id, bool include_unpublished,
                          json_t **out, gp_error *err);

/* Which observations a listing shows. */
typedef struct gp_obs_query {
  const char *metric_id; /* the metric */
  const char *breakdown; /* NULL or "headline": the headline; "all": every series; else a value */
  bool history;          /* include superseded revisions */
  bool include_unpublished; /* the caller is authenticated */
} gp_obs_query;

/* {"metric": id, "observations": [...]} (revisions nested with history). */
gp_code gp_app_observations_doc(gp_store *s, const gp_obs_query *q, json_t **out, gp_error *err);

/* Writes the observations as CSV (period,value,lower,upper,n,<breakdown
 * kind or "breakdown">,source,recorded_at) to out. */
gp_code gp_app_observations_csv(gp_store *s, const gp_obs_query *q, FILE *out, gp_error *err);

/* ---- simulations and optimisations (gp_app_sim.c) --------------------------------------- */

/* A simulation request: the engine's options, and the target that
 * sensitivity and assumptions refer to, by id. */
typedef struct gp_app_sim_req {
  gp_sim_options opts;    /* draws, seed, threads, confidence (primary is set from target) */
  const char *target;     /* target id, or NULL for the engine's default */
  const char *target_arg; /* how the caller names the target argument in errors ("--target") */
} gp_app_sim_req;

/* The index of target in p->targets; GP_EINVAL at arg when there is none. */
gp_code gp_app_target_index(const gp_plan *p, const char *target, const char *arg, long *out,
                            gp_error *err);

/* Simulates plan p with learning from its tests on. *doc receives the
 * document of docs/methods/simulation.md (caller decrefs); *result (if
 * result is non-NULL) the engine's result (caller frees with
 * gp_sim_result_free). */
gp_code gp_app_simulate(const gp_plan *p, const gp_app_sim_req *q, gp_sim_result **result,
                        json_t **doc, gp_error *err);

/* Optimises plan p's portfolio for the target (by id; errors at target_arg;
 * an exhaustive search over more than 30 activities is refused at
 * search_arg). As gp_app_simulate for *doc and *result (gp_opt_result_free). */
gp_code gp_app_optimise(const gp_plan *p, const gp_opt_options *opts, const char *target,
                        const char *target_arg, const char *search_arg, gp_opt_result **result,
                        json_t **doc, gp_error *err);

/* A run of a stored mission's plan (the API's POST .../simulate, .../optimise). */
typedef struct gp_app_run_req {
  bool optimise;      /* optimise (opt) instead of simulate (sim) */
  gp_app_sim_req sim; /* simulation options; sim.target also names the optimised target */
  gp_opt_options opt; /* optimisation options (target is set from sim.target) */
  long version;       /* plan version to run (<= 0: current) */
  bool authed;        /* the caller may see unpublished missions */
  bool store_result;  /* keep the document as the mission's last run */
  const char *actor;  /* who ran it */
} gp_app_run_req;

/* Runs it; the document gains "mission" and "plan_version". */
gp_code gp_app_mission_run(gp_store *s, const char *mission_id, const gp_app_run_req *q,
                           json_t **out, gp_error *err);

/* The last stored run of a kind ("simulate" or "optimise"), with
 * "stored_at" and "current_plan_version" added. GP_ENOTFOUND if none. */
gp_code gp_app_last_run(gp_store *s, const char *mission_id, const char *kind, bool authed,
                        json_t **out, gp_error *err);

/* {"mission", "versions": [{"version", "created_at", "actor", "reason"}]}. */
gp_code gp_app_plan_versions_doc(gp_store *s, const char *mission_id, bool authed, json_t **out,
                                 gp_error *err);

/* ---- tokens (gp_app_auth.c) ------------------------------------------------------------ */

/* Makes a new random API token (43 characters of URL-safe base64 after
 * "gp_"), stores its BLAKE2b hash with the label, and writes the token into
 * buf (at least 64 bytes). The token is shown once and never stored. */
gp_code gp_app_token_new(gp_store *s, const char *label, char *buf, size_t n, gp_error *err);

/* Checks a bearer token; *ok tells, label (64 bytes, may be NULL) gets its label. */
gp_code gp_app_token_check(gp_store *s, const char *token, bool *ok, char *label, gp_error *err);

/* ---- trials (gp_app_trial.c) ----------------------------------------------------------- */

/* A trial result to record as a test of an assumption (`trial link`,
 * POST /api/v1/missions/{id}/trial-link). */
typedef struct gp_app_trial_link_req {
  const json_t *result;   /* a `trial analyse --json` document (not owned) */
  const char *name;       /* where it came from (file name or "body"), for errors and the text */
  const char *mission;    /* mission id */
  const char *assumption; /* assumption id in that mission's plan */
  const char *method;     /* "rct", "adaptive_trial" or "quasi_experiment" (NULL: rct) */
  const char *outcome;    /* comparison's outcome, or NULL: the only one */
  const char *arm;        /* comparison's arm, or NULL: the only one */
  const char *estimator;  /* lin|ols|difference_in_means, or NULL: the first of these there */
  const char *test_id;    /* the new test's id, or NULL: trial-ASSUMPTION-K */
  const char *actor;      /* who ("cli", "token:x") */
  const char *arg_prefix; /* how argument names appear in errors: "--" (CLI) or "" (API) */
} gp_app_trial_link_req;

/* Adds the chosen comparison of q->result (estimate and standard error) as
 * a done test of the assumption to the mission's current plan and applies
 * it (a new plan version). *out: {"mission", "test", "assumption",
 * "method", "estimate", "std_error", "version"} (caller decrefs). Errors:
 * GP_ENOTFOUND for an unknown mission or assumption or no matching
 * comparison, GP_EINVAL for an ambiguous choice or a bad method. */
gp_code gp_app_trial_link(gp_store *s, const gp_app_trial_link_req *q, json_t **out, gp_error *err);

/* Solves a power calculation (given two of n, mde and power; with neither
 * power nor exactly one of n and mde unset, power defaults to 0.8) and
 * returns the `trial power --json` document in *out (caller decrefs). */
gp_code gp_app_trial_power(const gp_trial_power_spec *spec, json_t **out, gp_error *err);

/* Runs `trial analyse` on spec (spec->data: in-memory CSV, else spec->path)
 * and returns its --json document in *out (caller decrefs). */
gp_code gp_app_trial_analyse(const gp_trialcsv_analyse_spec *spec, json_t **out, gp_error *err);

/* What `trial adapt` is asked to do. */
typedef struct gp_app_trial_adapt_req {
  const char *name;        /* file path, or the name of data in errors */
  const char *data;        /* in-memory CSV, or NULL: read the file name */
  size_t data_len;         /* its length */
  const char *arm_col;     /* arm column (NULL: "arm") */
  const char *outcome_col; /* outcome column (NULL: "outcome") */
  const char *const *arms; /* arm names */
  int n_arms;              /* how many (2..64) */
  bool binary;             /* 0/1 outcomes (beta posteriors) */
  double floor_w;          /* least weight per arm */
  double threshold;        /* P(best) that recommends stopping */
  long draws;              /* Monte Carlo draws */
  unsigned long long seed; /* random seed */
} gp_app_trial_adapt_req;

/* Runs `trial adapt` and returns its --json document in *out (caller decrefs). */
gp_code gp_app_trial_adapt(const gp_app_trial_adapt_req *q, json_t **out, gp_error *err);

#endif
