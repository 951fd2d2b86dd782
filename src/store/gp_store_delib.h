/*
 * gp_store_delib — deliberation conversations in SQLite (schema in
 * migrations/060_deliberation.sql): a conversation's question and links to
 * a mission and one of its assumptions, its statements with their
 * moderation status, its participants, the vote event log (every event kept;
 * the engine lets the latest vote count) and the last analysis document.
 *
 * SQLite only: the functions reach the connection through
 * gp_store_sqlite_db and fail with GP_EINTERNAL on another backend. Every
 * SQL statement uses bound parameters. Functions that write several rows do
 * so all or nothing: in their own transaction (BEGIN IMMEDIATE), or in a
 * SAVEPOINT when called inside a caller's transaction.
 *
 * Memory: strings of rows handed to callbacks are valid only during the
 * callback; gp_store_delib_load fills a gp_polisio_export the caller frees
 * with gp_polisio_free; documents returned as char * are malloc'd.
 */
#ifndef GP_STORE_DELIB_H
#define GP_STORE_DELIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/gp_polisio.h"
#include "store/gp_store.h"
#include "util/gp_error.h"

/* What describes a conversation besides its content. */
typedef struct gp_delib_meta {
  const char *id;            /* conversation id (1..64 of [A-Za-z0-9._-]) */
  const char *title;         /* title shown */
  const char *question;      /* the question put to participants (may be NULL) */
  const char *mission_id;    /* the mission it informs (may be NULL) */
  const char *assumption_id; /* the mission's assumption it tests (may be NULL) */
  const char *source;        /* where an import came from (may be NULL) */
} gp_delib_meta;

/* One conversation as listed. */
typedef struct gp_delib_conv_row {
  gp_delib_meta meta;     /* id, title, question, mission, assumption, source */
  const char *created_at; /* when it was stored, ISO 8601 UTC */
  long revision;          /* bumped by every vote, statement and moderation */
  long n_statements;      /* statements, all statuses */
  long n_approved;        /* approved statements */
  long n_participants;    /* participants */
  long n_votes;           /* vote events */
} gp_delib_conv_row;

/* One statement. */
typedef struct gp_delib_statement_row {
  int64_t id;         /* statement id (Pol.is comment-id) */
  int64_t author_id;  /* its author (-1: none) */
  const char *body;   /* its text */
  const char *status; /* "approved", "pending" or "rejected" */
  int64_t created_ms; /* when written, ms since 1970 (0: unknown) */
} gp_delib_statement_row;

/* Stores a whole export as conversation meta->id in one transaction:
 * statements (Pol.is moderated 1/0/-1 become approved/pending/rejected),
 * participants with Pol.is's group ids, every vote event in file order,
 * and summary.csv. Returns GP_OK, GP_ECONFLICT when the id is taken,
 * GP_ENOTFOUND when meta->mission_id names no mission, or GP_ESTORE; on
 * failure nothing is written. */
gp_code gp_store_delib_import(gp_store *s, const gp_delib_meta *meta, const gp_polisio_export *x,
                              gp_error *err);

/* Stores a new conversation meta->id (meta->source may be NULL) with
 * n_seeds seed statements seeds[0..n_seeds-1], ids 0..n_seeds-1, approved
 * at once, author -1, written at ms (ms since 1970), in one transaction.
 * The caller has checked the text of each seed and that the assumption is
 * one of the mission's. Returns GP_OK, GP_ECONFLICT at "id" when the id is
 * taken, GP_ENOTFOUND at "mission" when meta->mission_id names no mission,
 * or GP_ESTORE; on failure nothing is written. */
gp_code gp_store_delib_create(gp_store *s, const gp_delib_meta *meta, const char *const *seeds,
                              size_t n_seeds, int64_t ms, gp_error *err);

/* Calls cb for each conversation, in id order. */
gp_code gp_store_delib_list(gp_store *s, void (*cb)(void *ctx, const gp_delib_conv_row *row),
                            void *ctx, gp_error *err);

/* Calls cb once with the conversation id. GP_ENOTFOUND if none. */
gp_code gp_store_delib_get(gp_store *s, const char *id,
                           void (*cb)(void *ctx, const gp_delib_conv_row *row), void *ctx,
                           gp_error *err);

/* The conversation's revision in *revision, without counting anything.
 * GP_ENOTFOUND if there is no such conversation. */
gp_code gp_store_delib_revision(gp_store *s, const char *id, long *revision, gp_error *err);

/* The revision the last analysis was computed at, without reading it.
 * GP_ENOTFOUND if there is none yet. */
gp_code gp_store_delib_analysis_revision(gp_store *s, const char *id, long *revision,
                                         gp_error *err);

/* Loads conversation id as an export (the structure gp_polisio_read_dir
 * gives): statements sorted by id with their agrees/disagrees recomputed
 * from the latest votes, vote events in arrival order, participants sorted by
 * id with Pol.is's group ids, summary lines. *out is the caller's
 * (gp_polisio_free). GP_ENOTFOUND if no such conversation. */
gp_code gp_store_delib_load(gp_store *s, const char *id, gp_polisio_export *out, gp_error *err);

/* Calls cb for each statement of the conversation with the given status
 * (NULL: all), in id order. */
gp_code gp_store_delib_statements(gp_store *s, const char *id, const char *status,
                                  void (*cb)(void *ctx, const gp_delib_statement_row *row),
                                  void *ctx, gp_error *err);

/* The participant whose cookie hashes to hash: *pid receives its id, or -1
 * if there is none and !create; with create a new participant is added
 * (the next free id). */
gp_code gp_store_delib_participant(gp_store *s, const char *id, const unsigned char hash[32],
                                   bool create, int64_t *pid, gp_error *err);

/* Calls cb with each statement participant pid has voted on (any vote). */
gp_code gp_store_delib_voted(gp_store *s, const char *id, int64_t pid,
                             void (*cb)(void *ctx, int64_t statement), void *ctx, gp_error *err);

/* Appends a vote event (vote -1, 0 or 1) by pid on an approved statement at
 * time ms. GP_ENOTFOUND when the statement is absent or not approved. */
gp_code gp_store_delib_vote_add(gp_store *s, const char *id, int64_t pid, int64_t statement,
                                int vote, int64_t ms, gp_error *err);

/* Adds a statement by pid (-1: the team's), pending moderation or, when
 * approved, approved at once; *sid receives its id (the next free one). */
gp_code gp_store_delib_statement_add(gp_store *s, const char *id, int64_t pid, const char *body,
                                     bool approved, int64_t ms, int64_t *sid, gp_error *err);

/* Sets a statement's status ("approved", "pending", "rejected").
 * GP_ENOTFOUND when there is no such statement. */
gp_code gp_store_delib_moderate(gp_store *s, const char *id, int64_t statement, const char *status,
                                gp_error *err);

/* Keeps doc as the conversation's last analysis, computed at revision,
 * with its statements' routing priorities as a JSON object text
 * {"<statement id>": priority} (may be NULL). */
gp_code gp_store_delib_analysis_save(gp_store *s, const char *id, long revision, uint64_t seed,
                                     const char *doc, const char *priorities, gp_error *err);

/* The priorities kept with the last analysis: *priorities (malloc'd, the
 * caller frees). GP_ENOTFOUND when there is no analysis or none were kept. */
gp_code gp_store_delib_priorities(gp_store *s, const char *id, char **priorities, gp_error *err);

/* The last analysis: *doc (malloc'd, caller frees) and the revision it was
 * computed at. GP_ENOTFOUND if none. */
gp_code gp_store_delib_analysis_last(gp_store *s, const char *id, char **doc, long *revision,
                                     gp_error *err);

#endif
