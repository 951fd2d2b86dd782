/*
 * gp_store — the storage interface. The only way the rest of gameplan
 * reaches the database: app/ and cli/ call these functions; only files in
 * src/store/ speak SQL.
 *
 * Design (after GNU Taler's exchange database plugin): a gp_store is a
 * handle holding a backend's operation table (gp_store_ops) and its private
 * state. The SQLite backend (gp_store_sqlite.c) is the one built today; a
 * PostgreSQL backend implements the same table. Backends apply their own
 * schema migrations (numbered SQL files, src/store/migrations/) when they
 * open a database.
 *
 * Transactions: gp_store_begin / gp_store_commit / gp_store_rollback wrap
 * a unit of work; gp_store_run (the transaction runner) calls a function
 * inside one and commits only if it returns GP_OK. Observation imports run
 * in their own transaction (all or nothing).
 *
 * Threads: a handle is used by one thread at a time. The HTTP server opens
 * one handle per worker thread.
 *
 * Memory: rows handed to callbacks are valid only during the callback.
 * Plans and lists returned are owned by the caller (gp_plan_free,
 * gp_store_missions_free).
 */
#ifndef GP_STORE_H
#define GP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/gp_observation.h"
#include "model/gp_plan.h"
#include "util/gp_error.h"

typedef struct gp_store gp_store;

/* ---- lifecycle --------------------------------------------------------- */

/* Opens (create: creating if missing) the database at path and brings its
 * schema up to date. Returns GP_OK with *out set, GP_ENOTFOUND when the
 * file does not exist and !create, or GP_ESTORE. Close with gp_store_close. */
gp_code gp_store_open(const char *path, bool create, gp_store **out, gp_error *err);

/* Closes the handle (NULL allowed). */
void gp_store_close(gp_store *s);

/* ---- transactions ------------------------------------------------------ */
gp_code gp_store_begin(gp_store *s, gp_error *err);
gp_code gp_store_commit(gp_store *s, gp_error *err);
void gp_store_rollback(gp_store *s);

/* Runs fn(s, ctx, err) inside a transaction: commits if it returns GP_OK,
 * rolls back otherwise. Returns fn's code (or the commit's failure). */
gp_code gp_store_run(gp_store *s, gp_code (*fn)(gp_store *, void *, gp_error *), void *ctx,
                     gp_error *err);

/* ---- missions and plans ------------------------------------------------ */

/* One row of the mission list. */
typedef struct gp_mission_row {
  gp_mission mission; /* id, title, vision, kind, lead, start, horizon */
  bool published;     /* visible to visitors without a token */
  char *attribution;  /* data attribution shown on its pages; may be NULL */
  long plan_version;  /* current plan version (1 after the first apply) */
} gp_mission_row;

typedef struct gp_mission_list {
  gp_arena arena;      /* owns every string */
  gp_mission_row *row; /* the missions, in the order they were first applied */
  size_t n;            /* how many */
} gp_mission_list;

/* Lists missions (only published ones unless include_unpublished). On
 * success *out is the caller's, freed with gp_store_missions_free. */
gp_code gp_store_missions(gp_store *s, bool include_unpublished, gp_mission_list **out,
                          gp_error *err);
void gp_store_missions_free(gp_mission_list *l);

/* The plan document text of a version (version <= 0: the current one) and
 * its metadata; *doc is malloc'd, caller frees. GP_ENOTFOUND if none. */
gp_code gp_store_plan_version(gp_store *s, const char *mission_id, long version, char **doc,
                              long *version_out, gp_error *err);

/* Whether the mission exists; *published receives its flag (may be NULL). */
gp_code gp_store_mission_exists(gp_store *s, const char *mission_id, bool *exists, bool *published,
                                gp_error *err);

/* What gp_store_plan_save writes besides the plan itself. */
typedef struct gp_plan_save {
  const char *document;           /* the canonical plan text to keep as a new version */
  const char *actor;              /* who: "cli:<user>" or "token:<label>" */
  const char *reason;             /* why (may be NULL unless targets are rebaselined) */
  const char *const *rebaselined; /* ids of targets whose baseline/target changed */
  size_t nrebaselined;            /*   and how many */
} gp_plan_save;

/* Writes the plan as the mission's current one: upserts the mission, its
 * metrics and targets (deleting those the plan no longer has), records a
 * revision with the reason for each rebaselined target, and appends a plan
 * version. Call inside a transaction. Returns GP_OK, GP_ECONFLICT when a
 * metric id belongs to another mission or a removed metric still has
 * observations, or GP_ESTORE. */
gp_code gp_store_plan_save(gp_store *s, const gp_plan *p, const gp_plan_save *save, gp_error *err);

/* Sets the mission's published flag / attribution. GP_ENOTFOUND if absent. */
gp_code gp_store_mission_publish(gp_store *s, const char *mission_id, bool published,
                                 gp_error *err);
gp_code gp_store_mission_attribution(gp_store *s, const char *mission_id, const char *text,
                                     gp_error *err);

/* The latest rebaseline of a target, if any. */
typedef struct gp_rebaseline {
  bool found;                       /* false: never rebaselined */
  char reason[512];                 /* why */
  char changed_at[32];              /* when, ISO 8601 UTC */
  gp_point baseline;                /* the previous baseline (period points into prev_text) */
  gp_point target;                  /* the previous target */
  char prev_text[2][GP_PERIOD_MAX]; /* storage for the two periods */
} gp_rebaseline;

gp_code gp_store_target_rebaseline(gp_store *s, const char *mission_id, const char *target_id,
                                   gp_rebaseline *out, gp_error *err);

/* One plan version's metadata. */
typedef struct gp_plan_version_row {
  long version;           /* 1, 2, ... */
  const char *created_at; /* when, ISO 8601 UTC */
  const char *actor;      /* who */
  const char *reason;     /* why (may be NULL) */
} gp_plan_version_row;

/* Calls cb for each version of the mission's plan, oldest first. */
gp_code gp_store_plan_versions(gp_store *s, const char *mission_id,
                               void (*cb)(void *ctx, const gp_plan_version_row *row), void *ctx,
                               gp_error *err);

/* ---- stored analysis runs ------------------------------------------------- */

/* Keeps the document of a simulation or optimisation ("simulate" or
 * "optimise") of a mission's plan version, with its parameters (JSON text). */
gp_code gp_store_run_save(gp_store *s, const char *mission_id, const char *kind, long plan_version,
                          const char *actor, const char *params, const char *document,
                          gp_error *err);

/* The last stored run of that kind: *doc (malloc'd, caller frees), its plan
 * version and time (created_at: 40 bytes). GP_ENOTFOUND if none. */
gp_code gp_store_run_last(gp_store *s, const char *mission_id, const char *kind, char **doc,
                          long *plan_version, char *created_at, gp_error *err);

/* ---- metrics ------------------------------------------------------------- */

/* The metric and the id of the mission that owns it (mission_id: a buffer
 * of at least 65 bytes; may be NULL). Strings of *out go into arena a.
 * GP_ENOTFOUND if no such metric. */
gp_code gp_store_metric_get(gp_store *s, const char *metric_id, gp_arena *a, gp_metric *out,
                            char *mission_id, gp_error *err);

/* Calls cb for each distinct breakdown (kind, value) of the metric's
 * current observations, ordered by kind then value. */
gp_code gp_store_metric_breakdowns(gp_store *s, const char *metric_id,
                                   void (*cb)(void *ctx, const char *kind, const char *value),
                                   void *ctx, gp_error *err);

/* ---- observations ---------------------------------------------------------- */

/* Which observations to list. */
typedef struct gp_obs_filter {
  bool all_breakdowns;   /* true: every series; false: the one named below */
  const char *breakdown; /* with !all_breakdowns: NULL for the headline, else the value */
  bool history;          /* also report superseded revisions (cb's rev argument) */
  bool values_only;      /* only breakdown, period and value (interval, n, source and
                            recorded_at are absent): a faster query */
  int32_t until_day;     /* only periods starting before this day (INT32_MAX: all) */
} gp_obs_filter;

/* Calls cb for each current observation of the metric matching f, ordered
 * by breakdown kind, breakdown, then period start. With f->history, cb is
 * then called for each superseded revision of that observation with
 * is_revision = true (oldest first) right after it. */
gp_code gp_store_obs_list(gp_store *s, const char *metric_id, const gp_obs_filter *f,
                          void (*cb)(void *ctx, const gp_observation *o, bool is_revision),
                          void *ctx, gp_error *err);

/* Whether the metric has any observations; any with a breakdown. */
gp_code gp_store_obs_counts(gp_store *s, const char *metric_id, long *total, long *broken_down,
                            gp_error *err);

/* An import in progress: begin, put rows, end. Everything between begin and
 * end is one transaction. */
typedef struct gp_obs_import gp_obs_import;

typedef struct gp_import_stats {
  long rows;      /* rows put */
  long inserted;  /* new observations */
  long revised;   /* observations whose value changed (old one kept as a revision) */
  long unchanged; /* rows equal to the current observation */
} gp_import_stats;

/* Starts importing into metric_id; file and source are recorded with the
 * import. GP_ENOTFOUND when the metric does not exist. */
gp_code gp_store_import_begin(gp_store *s, const char *metric_id, const char *file,
                              const char *source, gp_obs_import **out, gp_error *err);

/* Puts one observation (its metric_id, source and recorded_at are ignored:
 * the import's are used). Returns GP_OK, GP_ECONFLICT if the import already
 * had a row for the same period and breakdown, or GP_ESTORE. */
gp_code gp_store_import_put(gp_obs_import *imp, const gp_observation *o, gp_error *err);

/* Ends the import: commits when commit is true, else rolls everything back.
 * Fills *stats (may be NULL) and frees imp. */
gp_code gp_store_import_end(gp_obs_import *imp, bool commit, gp_import_stats *stats, gp_error *err);

/* ---- change detection ------------------------------------------------------ */

/* A number that changes whenever the database changes, through this handle
 * or any other connection (for caches of derived documents). Equal numbers
 * from the same handle mean nothing was written in between. */
uint64_t gp_store_data_version(gp_store *s);

/* ---- API tokens ---------------------------------------------------------- */

/* Stores the hash of a new token with a label. */
gp_code gp_store_token_add(gp_store *s, const unsigned char hash[32], const char *label,
                           gp_error *err);

/* Whether hash belongs to a live token; *label (64 bytes, may be NULL)
 * receives its label. */
gp_code gp_store_token_check(gp_store *s, const unsigned char hash[32], bool *ok, char *label,
                             gp_error *err);

/* ---- the backend interface ------------------------------------------------- */

/* Every operation above, as a backend implements it. The public functions
 * dispatch through this table; a backend fills one statically. */
typedef struct gp_store_ops {
  const char *name; /* "sqlite", "postgres" */
  void (*close)(gp_store *s);
  gp_code (*begin)(gp_store *s, gp_error *err);
  gp_code (*commit)(gp_store *s, gp_error *err);
  void (*rollback)(gp_store *s);
  gp_code (*missions)(gp_store *s, bool include_unpublished, gp_mission_list **out, gp_error *err);
  gp_code (*plan_version)(gp_store *s, const char *mission_id, long version, char **doc,
                          long *version_out, gp_error *err);
  gp_code (*mission_exists)(gp_store *s, const char *mission_id, bool *exists, bool *published,
                            gp_error *err);
  gp_code (*plan_save)(gp_store *s, const gp_plan *p, const gp_plan_save *save, gp_error *err);
  gp_code (*mission_publish)(gp_store *s, const char *mission_id, bool published, gp_error *err);
  gp_code (*mission_attribution)(gp_store *s, const char *mission_id, const char *text,
                                 gp_error *err);
  gp_code (*target_rebaseline)(gp_store *s, const char *mission_id, const char *target_id,
                               gp_rebaseline *out, gp_error *err);
  gp_code (*metric_get)(gp_store *s, const char *metric_id, gp_arena *a, gp_metric *out,
                        char *mission_id, gp_error *err);
  gp_code (*metric_breakdowns)(gp_store *s, const char *metric_id,
                               void (*cb)(void *, const char *, const char *), void *ctx,
                               gp_error *err);
  gp_code (*obs_list)(gp_store *s, const char *metric_id, const gp_obs_filter *f,
                      void (*cb)(void *, const gp_observation *, bool), void *ctx, gp_error *err);
  gp_code (*obs_counts)(gp_store *s, const char *metric_id, long *total, long *broken_down,
                        gp_error *err);
  gp_code (*import_begin)(gp_store *s, const char *metric_id, const char *file, const char *source,
                          gp_obs_import **out, gp_error *err);
  gp_code (*import_put)(gp_obs_import *imp, const gp_observation *o, gp_error *err);
  gp_code (*import_end)(gp_obs_import *imp, bool commit, gp_import_stats *stats, gp_error *err);
  gp_code (*token_add)(gp_store *s, const unsigned char hash[32], const char *label, gp_error *err);
  gp_code (*token_check)(gp_store *s, const unsigned char hash[32], bool *ok, char *label,
                         gp_error *err);
  uint64_t (*data_version)(gp_store *s);
  gp_code (*plan_versions)(gp_store *s, const char *mission_id,
                           void (*cb)(void *, const gp_plan_version_row *), void *ctx,
                           gp_error *err);
  gp_code (*run_save)(gp_store *s, const char *mission_id, const char *kind, long plan_version,
                      const char *actor, const char *params, const char *document, gp_error *err);
  gp_code (*run_last)(gp_store *s, const char *mission_id, const char *kind, char **doc,
                      long *plan_version, char *created_at, gp_error *err);
} gp_store_ops;

/* The common head of every backend's handle. */
struct gp_store {
  const gp_store_ops *ops; /* the backend's operations */
  int depth;               /* nesting of gp_store_run / begin, to make inner ones no-ops */
};

/* The SQLite backend's opener (gp_store_sqlite.c); gp_store_open uses it
 * for any path that is not a postgresql:// URL. */
gp_code gp_store_sqlite_open(const char *path, bool create, gp_store **out, gp_error *err);

struct sqlite3;
/* For SQLite-only store modules (gp_store_units.c): the handle's connection,
 * or NULL with GP_EINTERNAL when s is not a SQLite store. The connection
 * stays owned by s. */
struct sqlite3 *gp_store_sqlite_db(gp_store *s, gp_error *err);

#endif
