/*
 * gp_app_themes — themes of free-text answers (`synthesise`), kept and
 * linked to what they inform: a mission and one assumption of its current
 * plan, and/or the conversation whose approved statements were
 * synthesised. Shared by `gameplan synthesise` and the themes API.
 *
 * gp_app_themes_synth is the one code path from texts to the synthesise
 * document (tokenise, TF-IDF, spherical k-means: src/engine/gp_text_*); the
 * other functions validate the links first, so a bad mission or assumption
 * leaves nothing written.
 *
 * A stored theme set as a document: {"id", "conversation", "mission",
 * "assumption", "source", "k", "documents", "created_at", "themes": the
 * synthesise document}. A visitor (not authenticated) never learns the
 * mission or assumption of an unpublished mission: they read as null.
 *
 * Memory: JSON documents returned through json_t ** are new references the
 * caller json_decref's; inputs stay the caller's. Nothing here prints.
 */
#ifndef GP_APP_THEMES_H
#define GP_APP_THEMES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_text_stem.h"
#include "engine/gp_text_theme.h"
#include "store/gp_store.h"
#include "util/gp_error.h"

enum {
  GP_THEMES_MAX_TEXTS = 100000,    /* most texts in one request to store themes of */
  GP_THEMES_MAX_TEXT_BYTES = 10000 /* most bytes in one of them */
};

/* Texts to synthesise and how the document names each of them. */
typedef struct gp_themes_texts {
  const char *const *texts; /* n texts (UTF-8) */
  size_t n;                 /* how many */
  const long *row;          /* per text, the "row" reported (NULL: its index + 1) */
  const long *line;         /* per text, the file "line" reported (NULL: not reported) */
  const int64_t *statement; /* per text, the "statement" id reported (NULL: not reported) */
} gp_themes_texts;

/* The options `synthesise` uses unless told otherwise: k chosen by
 * silhouette, seed 1, 5 starts, 100 Lloyd steps, terms in 2+ answers. */
gp_text_opts gp_app_themes_opts_default(void);

/* Themes of t with stemmer st (may be NULL: no stemming) and options o.
 * *doc: {"documents", "themed", "k", "silhouette": {"2": s, ...}, "themes":
 * [{"id", "size", "terms": [{"term", "stem", "weight"}], "representative":
 * [{"row", "line"?, "statement"?, "text", "similarity"}]}]}. Returns GP_OK,
 * GP_EINVAL (bad k), GP_ENOMEM. */
gp_code gp_app_themes_synth(const gp_themes_texts *t, gp_text_stemmer *st, const gp_text_opts *o,
                            json_t **doc, gp_error *err);

/* What a theme set is linked to, and how the caller names the arguments. */
typedef struct gp_themes_link {
  const char *mission_id;      /* the mission (may be NULL when conversation_id is set) */
  const char *assumption_id;   /* an assumption of its current plan (may be NULL) */
  const char *conversation_id; /* the conversation synthesised (may be NULL) */
  const char *source;          /* file name, "conversation:ID" or the caller's label */
  const char *mission_arg;     /* the mission argument's name in errors (NULL: "--mission") */
  const char *assumption_arg;  /* the assumption's (NULL: "--assumption") */
} gp_themes_link;

/* Stores doc (a synthesise document; not stolen) linked as l says, after
 * checking the links: GP_ENOTFOUND at l->mission_arg for an unknown
 * mission, at l->assumption_arg for an assumption not in the mission's
 * current plan, GP_EINVAL when neither a mission nor a conversation is
 * given. *out (may be NULL) receives the stored theme set document. */
gp_code gp_app_themes_save(gp_store *s, const gp_themes_link *l, const json_t *doc, json_t **out,
                           gp_error *err);

/* Synthesises texts (English stemming, options o) and stores the themes
 * linked as l says (the checks of gp_app_themes_save come first). Bounds:
 * 1 .. GP_THEMES_MAX_TEXTS texts (GP_EINVAL / GP_ETOOBIG at texts_arg), each
 * at most GP_THEMES_MAX_TEXT_BYTES bytes (GP_ETOOBIG at texts_arg[i]).
 * *out: the stored theme set document. */
gp_code gp_app_themes_texts(gp_store *s, const gp_themes_link *l, const char *const *texts,
                            size_t n, const char *texts_arg, const gp_text_opts *o, json_t **out,
                            gp_error *err);

/* Synthesises the approved statements of conversation id (English
 * stemming, options o; representatives carry their "statement" id) and
 * stores the themes linked to the conversation and to its mission and
 * assumption when it has them; source "conversation:ID". GP_ENOTFOUND for
 * an unknown conversation, GP_EINVAL when it has no approved statement.
 * *out: the stored theme set document. */
gp_code gp_app_themes_conversation(gp_store *s, const char *id, const gp_text_opts *o, json_t **out,
                                   gp_error *err);

/* {"theme_sets": [...]} of mission_id, newest first; only those linked to
 * assumption_id when it is non-NULL. GP_ENOTFOUND when the mission is
 * absent, or unpublished and !authed. */
gp_code gp_app_themes_mission_doc(gp_store *s, const char *mission_id, const char *assumption_id,
                                  bool authed, json_t **out, gp_error *err);

/* {"theme_sets": [...]} of conversation id, newest first (mission and
 * assumption null for a visitor when the mission is unpublished).
 * GP_ENOTFOUND for an unknown conversation. */
gp_code gp_app_themes_conversation_doc(gp_store *s, const char *id, bool authed, json_t **out,
                                       gp_error *err);

/* One theme set by id (redacted as above for a visitor). GP_ENOTFOUND if
 * there is none, or if it is linked to an unpublished mission only and
 * !authed. */
gp_code gp_app_themes_get(gp_store *s, int64_t id, bool authed, json_t **out, gp_error *err);

#endif
