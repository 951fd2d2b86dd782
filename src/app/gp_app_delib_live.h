/*
 * gp_app_delib_live — results of a running conversation that update as
 * votes arrive, incrementally, as Pol.is's math worker does.
 *
 * Design. A conversation being analysed live has an entry in a small
 * process-wide cache (at most GP_DELIB_LIVE_CACHE, least recently used
 * first out). The entry holds what an update needs and nothing more:
 * participant and statement ids in column order, the statements'
 * moderation, the vote matrix (compressed rows: memory proportional to the
 * votes), the Gram statistics that make the PCA incremental
 * (gp_polis_gram), the engine's running state (gp_polis_warm) and the last
 * vote event folded in (the event log's seq). An update reads only what
 * changed since (gp_store_delib_live_read: new participants, new vote
 * events, every statement's status), casts the new events on the matrix
 * (gp_polis_matrix_apply, rows without new votes copied), brings the Gram
 * statistics up to date from the rows that changed (gp_polis_gram_update),
 * and analyses from the last update's state (warm PCA start, warm base and
 * group clusters, once-in-always-in, the group-k smoother). The document is
 * kept as the conversation's last analysis and the running state in the
 * store (migration 061), so that a restarted server goes on from where it
 * was instead of from scratch; only the matrix and the Gram statistics are
 * rebuilt from the event log then.
 *
 * A first update (no state anywhere) is the from-scratch analysis of
 * `deliberation analyse ID`, with the in-conversation set replayed over
 * time; later ones depend on the order in which votes arrived, as Pol.is's
 * do. New participants and statements are appended (ids are given in
 * ascending order by the store), so indices stay the same between updates;
 * a conversation whose ids do not (a re-import under the same id) is
 * rebuilt from scratch.
 *
 * Threads: the cache is guarded by a mutex; each entry by its own, held
 * during an update, so two requests for the same conversation do one update
 * and other conversations are not held up.
 *
 * Memory: documents returned through json_t ** are new references.
 */
#ifndef GP_APP_DELIB_LIVE_H
#define GP_APP_DELIB_LIVE_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/gp_polis_analysis.h"
#include "store/gp_store.h"
#include "util/gp_error.h"

enum {
  GP_DELIB_LIVE_CACHE = 8,    /* conversations kept in memory at once */
  GP_DELIB_LIVE_FROM = 20000, /* default: vote events from which results are live */
  GP_DELIB_LIVE_SPACING = 4   /* an update is due once the last one has been over for this
                                 many times as long as it took: live updates use at most a
                                 fifth of a core however often results are asked for */
};

/* What one live update did (for the results document and the benchmark). */
typedef struct gp_delib_live_info {
  bool incremental;  /* started from a running state (false: from scratch) */
  bool rebuilt;      /* the matrix was rebuilt from the whole event log */
  long new_events;   /* vote events folded in by this update */
  long participants; /* rows of the matrix */
  long statements;   /* columns of the matrix */
  double seconds;    /* wall time of the update, reading included */
} gp_delib_live_info;

/* Sets the number of vote events from which the results API analyses a
 * conversation live (incrementally); below it every change is analysed
 * from scratch (cheap for small conversations, and the same as the CLI).
 * 0: always live. Not thread-safe: call before serving. */
void gp_app_delib_live_set_from(long votes);

/* Sets the spacing factor of gp_app_delib_live_due (default
 * GP_DELIB_LIVE_SPACING; 0: every update is due). Not thread-safe: call
 * before serving (tests use it). */
void gp_app_delib_live_set_spacing(double factor);

/* The current setting. */
long gp_app_delib_live_from(void);

/* Brings conversation id's live analysis up to date and returns it:
 * *doc (may be NULL) the --json document of `deliberation analyse` (a new
 * reference), *info (may be NULL) what the update did. When nothing changed
 * since the last update, the cached document is not recomputed
 * (info->new_events 0). Options o (seed, threads) apply. Errors:
 * GP_ENOTFOUND, GP_EINVAL when the conversation cannot be analysed yet (too
 * few participants or votes; the entry is kept for the next update),
 * GP_ESTORE, GP_ENOMEM. */
gp_code gp_app_delib_live_update(gp_store *s, const char *id, const gp_polis_opts *o, json_t **doc,
                                 gp_delib_live_info *info, gp_error *err);

/* Whether an update of conversation id is due: true unless its last live
 * update ended less than GP_DELIB_LIVE_SPACING times its duration ago (the
 * results API then serves the last analysis, marked stale). */
bool gp_app_delib_live_due(const char *id);

/* Brings every live conversation of store s up to date that changed since
 * its last analysis and whose update is due (gp_app_delib_live_due), as
 * the results API would on the next request. *updated (may be NULL)
 * receives how many were. Errors of one conversation do not stop the
 * others; the first is returned. */
gp_code gp_app_delib_live_refresh(gp_store *s, const gp_polis_opts *o, long *updated,
                                  gp_error *err);

/* Starts the background refresher: a thread with its own connection to
 * database db that runs gp_app_delib_live_refresh every `period` seconds,
 * so results are fresh without a request waiting for them. It blocks every
 * signal (the server's main thread takes SIGINT and SIGTERM). Returns GP_OK,
 * or GP_ECONFLICT if it is running, GP_EINTERNAL if the thread cannot start. */
gp_code gp_app_delib_live_start(const char *db, double period, gp_error *err);

/* Stops the background refresher (waiting for an update in progress) and
 * joins it. Does nothing if it is not running. */
void gp_app_delib_live_stop(void);

/* Drops every cached conversation (at shutdown, and in tests to act as a
 * restarted server). */
void gp_app_delib_live_reset(void);

#endif
