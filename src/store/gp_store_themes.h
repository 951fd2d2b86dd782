/*
 * gp_store_themes — theme sets in SQLite (schema in
 * migrations/062_themes.sql): the document of one run of `synthesise`,
 * kept with what it is linked to — a mission and one assumption of its
 * plan, and/or the conversation whose statements were synthesised — and
 * where its texts came from.
 *
 * SQLite only, like gp_store_delib: the functions reach the connection
 * through gp_store_sqlite_db and fail with GP_EINTERNAL on another backend.
 * Every SQL statement uses bound parameters. The store checks nothing about
 * the links beyond the foreign keys; gp_app_themes validates them first.
 *
 * Memory: strings of rows handed to callbacks are valid only during the
 * callback; the caller keeps ownership of everything it passes in.
 */
#ifndef GP_STORE_THEMES_H
#define GP_STORE_THEMES_H

#include <stdint.h>

#include "store/gp_store.h"
#include "util/gp_error.h"

/* What a theme set is linked to and where it came from. */
typedef struct gp_theme_set_meta {
  const char *mission_id;      /* the mission it informs (may be NULL) */
  const char *assumption_id;   /* an assumption of that mission's plan (may be NULL) */
  const char *conversation_id; /* the conversation synthesised (may be NULL) */
  const char *source;          /* file name, "conversation:ID" or the caller's label */
  long k;                      /* themes found */
  long documents;              /* texts synthesised */
} gp_theme_set_meta;

/* One stored theme set. */
typedef struct gp_theme_set_row {
  int64_t id;             /* its id (1, 2, ... in storing order) */
  gp_theme_set_meta meta; /* links, source, k, documents */
  const char *created_at; /* when it was stored, ISO 8601 UTC */
  const char *document;   /* the `synthesise --json` document, as text */
} gp_theme_set_row;

/* Which theme sets a listing shows: every non-NULL member must match. */
typedef struct gp_theme_set_filter {
  const char *mission_id;      /* sets linked to this mission (NULL: any) */
  const char *assumption_id;   /* and to this assumption (NULL: any) */
  const char *conversation_id; /* sets of this conversation (NULL: any) */
} gp_theme_set_filter;

/* Stores doc (the synthesise document as text) with meta; *id (may be
 * NULL) receives the new set's id. GP_ESTORE when a link names no mission
 * or conversation (the foreign keys); nothing is written on failure. */
gp_code gp_store_themes_add(gp_store *s, const gp_theme_set_meta *meta, const char *doc,
                            int64_t *id, gp_error *err);

/* Calls cb for each theme set matching f, newest first. */
gp_code gp_store_themes_list(gp_store *s, const gp_theme_set_filter *f,
                             void (*cb)(void *ctx, const gp_theme_set_row *row), void *ctx,
                             gp_error *err);

/* Calls cb once with theme set id. GP_ENOTFOUND if there is none. */
gp_code gp_store_themes_get(gp_store *s, int64_t id,
                            void (*cb)(void *ctx, const gp_theme_set_row *row), void *ctx,
                            gp_error *err);

#endif
