/*
 * gp_http_delib — conversations (deliberation): the public participation
 * endpoints and the team's moderation queue.
 *
 *   GET  /api/v1/conversations                      the list (?mission=M: that mission's)
 *   POST /api/v1/conversations                      (token) open one: {"id", "title", "question",
 *                                                   "mission", "assumption", "statements": [...]}
 *   GET  /api/v1/conversations/{id}                 question, approved statements
 *   GET  /api/v1/conversations/{id}/next            the next statement for this participant
 *                                                   (drawn as Pol.is does, by routing priority)
 *   POST /api/v1/conversations/{id}/votes           {"statement", "vote": -1|0|1}
 *   POST /api/v1/conversations/{id}/statements      {"text"} (pending moderation; with a
 *                                                   token: the team's, approved at once)
 *   GET  /api/v1/conversations/{id}/results         groups, representative, consensus
 *   GET  /api/v1/conversations/{id}/moderation      (token) the pending statements
 *   POST /api/v1/conversations/{id}/statements/{sid}/moderate  (token) {"status"}
 *
 * Participants are anonymous: the server gives each browser a random
 * "gp_pid" cookie (HttpOnly, SameSite=Lax; libsodium randomness) and stores
 * only its hash. The public POSTs are rate-limited per participant and per
 * client address in fixed one-minute windows held in memory (429 with a JSON
 * error when over).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/gp_app_delib.h"
#include "http/gp_http_handlers.h"
#include "io/gp_json.h"

enum {
  GP_RL_WINDOW = 60,        /* seconds in a rate-limit window */
  GP_RL_SLOTS = 4096,       /* counters kept (a key's slot is its hash; collisions share) */
  GP_RL_VOTES_PID = 120,    /* votes a participant may cast in a window */
  GP_RL_VOTES_IP = 1200,    /* votes from one address in a window */
  GP_RL_STATEMENTS_PID = 5, /* statements a participant may add in a window */
  GP_RL_STATEMENTS_IP = 30  /* statements from one address in a window */
};

/* One fixed-window counter. */
typedef struct gp_rl_slot {
  uint64_t key;   /* hash of what is counted ("kind|pid" or "kind|ip") */
  int64_t window; /* the window it counts in (time / GP_RL_WINDOW) */
  long count;     /* requests in that window */
} gp_rl_slot;

static gp_rl_slot gp_rl_slots[GP_RL_SLOTS];
static pthread_mutex_t gp_rl_lock = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a of "a|b". */
static uint64_t gp_rl_hash(const char *a, const char *b) {
  uint64_t h = 1469598103934665603ULL;
  for (const char *p = a; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  h = (h ^ '|') * 1099511628211ULL;
  for (const char *p = b; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  return h;
}

/* Counts one request for (kind, who); false when that goes over limit. */
static bool gp_rl_take(const char *kind, const char *who, long limit) {
  uint64_t key = gp_rl_hash(kind, who);
  int64_t window = (int64_t)time(NULL) / GP_RL_WINDOW;
  pthread_mutex_lock(&gp_rl_lock);
  gp_rl_slot *s = &gp_rl_slots[key % GP_RL_SLOTS];
  if (s->key != key || s->window != window) {
    s->key = key;
    s->window = window;
    s->count = 0;
  }
  bool ok = ++s->count <= limit;
  pthread_mutex_unlock(&gp_rl_lock);
  return ok;
}

/* A 429 reply (the request is refused, not failed). */
static gp_code gp_rl_refuse(gp_http_resp *resp, const char *what) {
  resp->status = 429;
  resp->json = json_pack("{s{ssssss}}", "error", "code", "too_many_requests", "message",
                         "too many requests: wait a minute and try again", "path", what);
  return GP_OK;
}

/* The Set-Cookie value of this thread's reply (valid until the next request). */
static _Thread_local char gp_cookie_buf[160];

/* The participant's cookie value: the request's, or a new one set on the
 * reply. out: GP_DELIB_PID_LEN + 1 bytes. Returns whether it is new. */
static bool gp_participant(gp_http_req *req, gp_http_resp *resp, char *out) {
  const char *c = gp_http_cookie(req, "gp_pid");
  if (c && gp_app_delib_pid_ok(c)) {
    memcpy(out, c, GP_DELIB_PID_LEN + 1);
    return false;
  }
  gp_app_delib_new_pid(out);
  snprintf(gp_cookie_buf, sizeof gp_cookie_buf,
           "gp_pid=%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax", out);
  resp->set_cookie = gp_cookie_buf;
  return true;
}

gp_code gp_h_conversations(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  const char *mission = gp_http_query(req, "mission");
  return gp_app_delib_list_doc(req->store, req->authed, mission && *mission ? mission : NULL,
                               &resp->json, err);
}

static const char *const gp_create_keys[] = {"id",         "title",      "question", "mission",
                                             "assumption", "statements", NULL};

/* body[key] as text: NULL when absent, null or ""; GP_EINVAL at key when
 * not a string or holding a NUL. The text belongs to body. */
static gp_code gp_opt_text(const json_t *body, const char *key, const char **out, gp_error *err) {
  json_t *v = json_object_get(body, key);
  *out = NULL;
  if (!v || json_is_null(v)) return GP_OK;
  if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
    return gp_fail(err, GP_EINVAL, key, "must be a string");
  if (json_string_length(v)) *out = json_string_value(v);
  return GP_OK;
}

gp_code gp_h_conversations_post(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_code rc = gp_http_require_auth(req, err);
  if (rc) return rc;
  json_t *b = gp_http_body_json(req, err);
  if (!b) return err->code;
  gp_delib_create_req q = {0};
  const char **seeds = NULL;
  if (!json_is_object(b)) rc = gp_fail(err, GP_EINVAL, "body", "must be an object");
  if (!rc) rc = gp_json_check_keys(b, gp_create_keys, "", err);
  if (!rc) rc = gp_opt_text(b, "id", &q.id, err);
  if (!rc) rc = gp_opt_text(b, "title", &q.title, err);
  if (!rc) rc = gp_opt_text(b, "question", &q.question, err);
  if (!rc) rc = gp_opt_text(b, "mission", &q.mission_id, err);
  if (!rc) rc = gp_opt_text(b, "assumption", &q.assumption_id, err);
  json_t *st = json_object_get(b, "statements");
  if (!rc && st && !json_is_null(st) && !json_is_array(st))
    rc = gp_fail(err, GP_EINVAL, "statements", "must be an array of statements");
  if (!rc && json_is_array(st)) {
    q.n_statements = json_array_size(st);
    if (q.n_statements > GP_DELIB_MAX_SEEDS)
      rc = gp_fail(err, GP_ETOOBIG, "statements", "at most %d seed statements, not %zu",
                   GP_DELIB_MAX_SEEDS, q.n_statements);
    if (!rc && !(seeds = calloc(q.n_statements + 1, sizeof *seeds)))
      rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; !rc && i < q.n_statements; i++) {
      json_t *v = json_array_get(st, i);
      seeds[i] = json_string_value(v);
      char path[40];
      snprintf(path, sizeof path, "statements[%zu]", i);
      if (!seeds[i] || strlen(seeds[i]) != json_string_length(v))
        rc = gp_fail(err, GP_EINVAL, path, "must be a string");
    }
    q.statements = seeds;
  }
  if (!rc && !q.id) rc = gp_fail(err, GP_EINVAL, "id", "is required");
  if (!rc && !q.title) rc = gp_fail(err, GP_EINVAL, "title", "is required");
  if (!rc) rc = gp_app_delib_create(req->store, &q, err);
  if (!rc) rc = gp_app_delib_conv_doc(req->store, q.id, true, &resp->json, err);
  if (!rc) resp->status = 201;
  free(seeds);
  json_decref(b);
  return rc;
}

gp_code gp_h_conversation(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_app_delib_conv_doc(req->store, req->params[0], req->authed, &resp->json, err);
}

gp_code gp_h_conversation_next(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  char pid[GP_DELIB_PID_LEN + 1];
  bool fresh = gp_participant(req, resp, pid);
  return gp_app_delib_next_doc(req->store, req->params[0], fresh ? NULL : pid,
                               gp_app_delib_uniform(), &resp->json, err);
}

static const char *const gp_vote_keys[] = {"statement", "vote", NULL};
static const char *const gp_stmt_keys[] = {"text", NULL};
static const char *const gp_mod_keys[] = {"status", NULL};

gp_code gp_h_conversation_vote(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  char pid[GP_DELIB_PID_LEN + 1], ip[64];
  gp_participant(req, resp, pid);
  gp_http_client_ip(req, ip, sizeof ip);
  if (!gp_rl_take("vote-ip", ip, GP_RL_VOTES_IP) || !gp_rl_take("vote", pid, GP_RL_VOTES_PID))
    return gp_rl_refuse(resp, "votes");
  json_t *b = gp_http_body_json(req, err);
  if (!b) return err->code;
  long statement = 0, vote = 0;
  gp_code rc = gp_json_check_keys(b, gp_vote_keys, "body", err);
  if (!rc) rc = gp_json_int(b, "statement", true, 0, INT32_MAX, "body", &statement, NULL, err);
  if (!rc) rc = gp_json_int(b, "vote", true, -1, 1, "body", &vote, NULL, err);
  json_decref(b);
  if (!rc) rc = gp_app_delib_vote(req->store, req->params[0], pid, statement, (int)vote, err);
  if (rc) return rc;
  resp->status = 201;
  resp->json = json_pack("{sIsI}", "statement", (json_int_t)statement, "vote", (json_int_t)vote);
  return GP_OK;
}

gp_code gp_h_conversation_statement(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  char pid[GP_DELIB_PID_LEN + 1] = "", ip[64];
  bool team = req->authed; /* the team seeds the conversation: approved, not rate-limited */
  if (!team) {
    gp_participant(req, resp, pid);
    gp_http_client_ip(req, ip, sizeof ip);
    if (!gp_rl_take("stmt-ip", ip, GP_RL_STATEMENTS_IP) ||
        !gp_rl_take("stmt", pid, GP_RL_STATEMENTS_PID))
      return gp_rl_refuse(resp, "statements");
  }
  json_t *b = gp_http_body_json(req, err);
  if (!b) return err->code;
  gp_arena a = GP_ARENA_INIT;
  char *text = NULL;
  gp_code rc = gp_json_check_keys(b, gp_stmt_keys, "body", err);
  if (!rc) rc = gp_json_string(b, "text", true, &a, "body", &text, err);
  json_decref(b);
  int64_t sid = -1;
  if (!rc)
    rc = gp_app_delib_statement(req->store, req->params[0], team ? NULL : pid, text, team, &sid,
                                err);
  gp_arena_free(&a);
  if (rc) return rc;
  resp->status = 201;
  resp->json = json_pack("{sIss}", "id", (json_int_t)sid, "status", team ? "approved" : "pending");
  return GP_OK;
}

gp_code gp_h_conversation_results(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_app_delib_results_doc(req->store, req->params[0], &resp->json, err);
}

gp_code gp_h_conversation_moderation(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_code rc = gp_http_require_auth(req, err);
  if (rc) return rc;
  return gp_app_delib_moderation_doc(req->store, req->params[0], &resp->json, err);
}

gp_code gp_h_conversation_moderate(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_code rc = gp_http_require_auth(req, err);
  if (rc) return rc;
  char *end = NULL;
  long long sid = strtoll(req->params[1], &end, 10);
  if (!*req->params[1] || *end || sid < 0)
    return gp_fail(err, GP_ENOTFOUND, req->params[1], "no statement '%s'", req->params[1]);
  json_t *b = gp_http_body_json(req, err);
  if (!b) return err->code;
  gp_arena a = GP_ARENA_INIT;
  char *status = NULL;
  rc = gp_json_check_keys(b, gp_mod_keys, "body", err);
  if (!rc) rc = gp_json_string(b, "status", true, &a, "body", &status, err);
  json_decref(b);
  if (!rc && strcmp(status, "approved") && strcmp(status, "rejected"))
    rc = gp_fail(err, GP_EINVAL, "body.status", "must be approved or rejected");
  if (!rc) rc = gp_app_delib_moderate(req->store, req->params[0], sid, status, err);
  if (!rc) resp->json = json_pack("{sIss}", "id", (json_int_t)sid, "status", status);
  gp_arena_free(&a);
  return rc;
}
