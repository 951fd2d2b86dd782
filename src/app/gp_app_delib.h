/*
 * gp_app_delib — deliberation operations shared by `gameplan deliberation`
 * and the conversation API: open a conversation from scratch with seed
 * statements, import and export a Pol.is open-data export
 * through the store, analyse a stored conversation (keeping the last
 * analysis and redoing it only when votes, statements or moderation changed),
 * and the participation steps (next statement by Pol.is's routing priority,
 * vote, add a statement, moderate).
 *
 * Participants of the API are anonymous: they are known by a random cookie
 * value (gp_app_delib_new_pid) whose BLAKE2b hash alone is stored.
 *
 * Memory: JSON documents returned through json_t ** are new references the
 * caller json_decref's. Nothing here prints.
 */
#ifndef GP_APP_DELIB_H
#define GP_APP_DELIB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_polis_analysis.h"
#include "io/gp_polisio.h"
#include "store/gp_store.h"
#include "util/gp_error.h"

enum {
  GP_DELIB_MAP_MAX = 10000,     /* participants listed in a results document; beyond, the
                                   opinion map draws the base clusters ("bases") */
  GP_DELIB_MAX_STATEMENT = 280, /* most characters (code points) in a new statement */
  GP_DELIB_MAX_SEEDS = 1000,    /* most seed statements of a new conversation */
  GP_DELIB_PID_LEN = 32         /* hex characters of a participant cookie */
};

/* What to import. */
typedef struct gp_delib_import_req {
  const char *dir;           /* the export directory */
  const char *id;            /* conversation id (NULL: from the directory's name) */
  const char *mission_id;    /* link to a mission (may be NULL) */
  const char *assumption_id; /* link to one of its assumptions (may be NULL) */
} gp_delib_import_req;

/* What an import stored. */
typedef struct gp_delib_import_res {
  char id[65];         /* the conversation id used */
  size_t statements;   /* statements */
  size_t participants; /* participants */
  size_t votes;        /* vote events */
} gp_delib_import_res;

/* What to create: a conversation opened from scratch by the team. */
typedef struct gp_delib_create_req {
  const char *id;                /* conversation id (gp_app_delib_id_ok) */
  const char *title;             /* title shown (not empty) */
  const char *question;          /* the question put to participants (may be NULL) */
  const char *mission_id;        /* link to a mission (may be NULL) */
  const char *assumption_id;     /* one of that mission's plan assumptions (may be NULL;
                                    needs mission_id) */
  const char *const *statements; /* seed statements, approved at once (may be NULL) */
  size_t n_statements;           /* how many */
} gp_delib_create_req;

/* Whether s is a valid conversation id: 1..64 of [A-Za-z0-9._-], not
 * starting with '.' or '-'. */
bool gp_app_delib_id_ok(const char *s);

/* Reads q->dir and stores it as one conversation, all or nothing. The title
 * is summary.csv's topic (else the id); the question its
 * conversation-description. Errors: those of the reader (file:line:column),
 * GP_EINVAL at "--id" for a bad id, GP_ECONFLICT if the id is taken,
 * GP_ENOTFOUND at "--mission", or at "--assumption" when the assumption is
 * not one of the mission's current plan. */
gp_code gp_app_delib_import(gp_store *s, const gp_delib_import_req *q, gp_delib_import_res *res,
                            gp_error *err);

/* Opens a new conversation q->id with its seed statements (approved at
 * once, author -1, ids 0, 1, ... in order, written now), all or nothing in
 * one transaction. Errors (nothing written): GP_ETOOBIG at "statements"
 * for more than GP_DELIB_MAX_SEEDS seeds; GP_EINVAL at "id" for a bad
 * id, at "title" for an empty title, at "assumption" for an assumption
 * without its mission, at "statements[i]" for an empty seed; GP_ETOOBIG at
 * "statements[i]" for one over GP_DELIB_MAX_STATEMENT characters;
 * GP_ECONFLICT at "id" when the id is taken; GP_ENOTFOUND at "mission" or
 * "assumption" when the mission is unknown or the assumption is not one of
 * its current plan. */
gp_code gp_app_delib_create(gp_store *s, const gp_delib_create_req *q, gp_error *err);

/* Loads stored conversation id as an export (gp_store_delib_load): *x is
 * the caller's (gp_polisio_free). GP_ENOTFOUND if there is none. */
gp_code gp_app_delib_load(gp_store *s, const char *id, gp_polisio_export *x, gp_error *err);

/* Analyses stored conversation id with options o and keeps the document as
 * its last analysis. *doc (may be NULL) receives the --json document of
 * `deliberation analyse`. Errors: GP_ENOTFOUND, GP_EINVAL when the
 * conversation cannot be analysed yet (too few participants or votes). */
gp_code gp_app_delib_analyse(gp_store *s, const char *id, const gp_polis_opts *o, json_t **doc,
                             gp_error *err);

/* Keeps doc (an analysis document of conversation id, computed at
 * revision with seed) as its last analysis, with the statements' routing
 * priorities apart (what choosing the next statement reads). */
gp_code gp_app_delib_keep(gp_store *s, const char *id, long revision, uint64_t seed,
                          const json_t *doc, gp_error *err);

/* Writes conversation id to dir in the Pol.is open-data format, with the
 * group ids of an analysis with options o (none, -1, if it cannot be
 * analysed yet). *grouped tells which (may be NULL). */
gp_code gp_app_delib_export(gp_store *s, const char *id, const char *dir, const gp_polis_opts *o,
                            bool *grouped, gp_error *err);

/* {"conversations": [{"id", "title", "question", "mission", "assumption", (mission and
 * assumption null for a visitor when the mission is unpublished)
 * "statements", "participants", "votes", "created_at"}]}; with mission
 * non-NULL, only the conversations of that mission (none for a visitor
 * when it is unpublished). */
gp_code gp_app_delib_list_doc(gp_store *s, bool authed, const char *mission, json_t **out,
                              gp_error *err);

/* One conversation for participants: {"id", "title", "question", "mission",
 * "assumption", "participants", "votes", "statements": [{"id", "text"}]}
 * with the approved statements only. */
gp_code gp_app_delib_conv_doc(gp_store *s, const char *id, bool authed, json_t **out,
                              gp_error *err);

/* A new participant cookie value: GP_DELIB_PID_LEN random hex characters
 * (libsodium) and a NUL in out. */
void gp_app_delib_new_pid(char out[GP_DELIB_PID_LEN + 1]);

/* Whether s has the form of a participant cookie value. */
bool gp_app_delib_pid_ok(const char *s);

/* The next statement for participant pid (cookie value; NULL: a new one),
 * as Pol.is's server chooses it (gp_polis_route): among the approved
 * statements they have not voted on, statement j with probability
 * priority_j / the candidates' sum, priority_j being the routing priority
 * of the last analysis; a statement newer than that analysis gets the
 * priority of a statement with no votes (gp_polis_priority with S = 0,
 * E = 0: 81/16). u in [0, 1) is the uniform draw (the API passes a random
 * one; u = 0 picks the first candidate by id). {"statement": {"id", "text"}
 * | null, "remaining", "voted", "total"}. */
gp_code gp_app_delib_next_doc(gp_store *s, const char *id, const char *pid, double u, json_t **out,
                              gp_error *err);

/* A uniform number in [0, 1) from libsodium's generator (for routing). */
double gp_app_delib_uniform(void);

/* Records a vote (-1 disagree, 0 pass, 1 agree) by participant pid
 * (created on first use) on an approved statement; the latest vote on a
 * statement counts. GP_ENOTFOUND for an unknown conversation or statement. */
gp_code gp_app_delib_vote(gp_store *s, const char *id, const char *pid, int64_t statement, int vote,
                          gp_error *err);

/* Adds a statement; *sid receives its id. Not approved: by participant
 * pid (created on first use), pending moderation. Approved (the team
 * seeding the conversation): the team's (author -1; pid unused, may be
 * NULL), approved at once. GP_ETOOBIG (at "body.text") for more than
 * GP_DELIB_MAX_STATEMENT characters, GP_EINVAL for an empty one. */
gp_code gp_app_delib_statement(gp_store *s, const char *id, const char *pid, const char *text,
                               bool approved, int64_t *sid, gp_error *err);

/* The moderation queue: {"conversation", "pending": [{"id", "text", "author",
 * "created_ms"}], "approved", "rejected"} (the last two: counts). */
gp_code gp_app_delib_moderation_doc(gp_store *s, const char *id, json_t **out, gp_error *err);

/* Sets a statement's status: "approved" or "rejected" (or "pending"). */
gp_code gp_app_delib_moderate(gp_store *s, const char *id, int64_t statement, const char *status,
                              gp_error *err);

/* The results: the last analysis when it is current, else a new one (kept).
 * {"conversation", "revision", "ready": bool, "message" (when not ready),
 * "analysis": the --json document of `deliberation analyse` | null}. */
gp_code gp_app_delib_results_doc(gp_store *s, const char *id, json_t **out, gp_error *err);

#endif
