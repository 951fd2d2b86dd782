/*
 * gp_store_delib_live — what the live (incremental) analysis of a
 * conversation reads and keeps: everything that changed since the last
 * update (statements with their moderation status, participants newer than
 * the last one seen, vote events after the last one folded in), and the
 * engine's running state between updates (migrations/061_live.sql).
 *
 * SQLite only, like gp_store_delib (GP_EINTERNAL on another backend); bound
 * parameters only. A read is one read transaction, so its parts agree.
 *
 * Memory: strings handed to callbacks live only during the callback; the
 * state bytes of gp_store_delib_live_state_load are malloc'd (caller frees).
 */
#ifndef GP_STORE_DELIB_LIVE_H
#define GP_STORE_DELIB_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "store/gp_store.h"
#include "util/gp_error.h"

/* Where gp_store_delib_live_read hands what it reads. */
typedef struct gp_delib_live_sink {
  void *ctx; /* passed to every callback */
  /* every statement, by ascending id, with status "approved", "pending" or "rejected" */
  void (*statement)(void *ctx, int64_t id, const char *status);
  /* participants with id > after_participant, by ascending id, with Pol.is's group (-1: none) */
  void (*participant)(void *ctx, int64_t id, int polis_group);
  /* vote events with seq > after_seq, in arrival (seq) order */
  void (*vote)(void *ctx, int64_t seq, int64_t participant, int64_t statement, int vote,
               int64_t ms);
  /* summary.csv lines of an import, in file order */
  void (*summary)(void *ctx, const char *key, const char *value);
} gp_delib_live_sink;

/* Reads conversation id's changes since (after_seq, after_participant)
 * into k (callbacks may be NULL to skip a part; summary is read only when
 * after_seq < 0, i.e. on a first read) and *revision. GP_ENOTFOUND for no
 * such conversation, GP_ESTORE. */
gp_code gp_store_delib_live_read(gp_store *s, const char *id, int64_t after_seq,
                                 int64_t after_participant, const gp_delib_live_sink *k,
                                 long *revision, gp_error *err);

/* Keeps the running state (len bytes) reached after folding in vote event
 * seq, at conversation revision `revision` (replacing the one kept). */
gp_code gp_store_delib_live_state_save(gp_store *s, const char *id, int64_t seq, long revision,
                                       const unsigned char *state, size_t len, gp_error *err);

/* The kept running state: *state (malloc'd, caller frees) of *len bytes and
 * the seq it was left at. GP_ENOTFOUND when none is kept. */
gp_code gp_store_delib_live_state_load(gp_store *s, const char *id, unsigned char **state,
                                       size_t *len, int64_t *seq, gp_error *err);

#endif
