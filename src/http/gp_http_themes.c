/*
 * gp_http_themes — themes of free text (`synthesise`) kept and linked to
 * missions, assumptions and conversations.
 *
 *   POST /api/v1/conversations/{id}/themes  (token) {"k"?: "auto"|N, "seed"?}: themes of
 *                                           the approved statements, kept (201)
 *   GET  /api/v1/conversations/{id}/themes  {"theme_sets": [...]}, newest first (public;
 *                                           mission and assumption null for a visitor
 *                                           when the mission is unpublished)
 *   GET  /api/v1/missions/{id}/themes[?assumption=A]  {"theme_sets": [...]} (as the
 *                                           mission is visible: published or token)
 *   POST /api/v1/missions/{id}/themes       (token) {"assumption"?, "source", "texts",
 *                                           "k"?, "seed"?}: themes of the texts, kept (201)
 *
 * Handlers parse and check the body's shape, call gp_app_themes and reply;
 * the limits on texts (GP_THEMES_MAX_TEXTS, GP_THEMES_MAX_TEXT_BYTES) are
 * the app's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app_themes.h"
#include "http/gp_http_handlers.h"
#include "io/gp_json.h"

static const char *const gp_conv_theme_keys[] = {"k", "seed", NULL};
static const char *const gp_mission_theme_keys[] = {"assumption", "source", "texts",
                                                    "k",          "seed",   NULL};

/* Reads body.k ("auto" or 1..GP_TEXT_MAX_K) and body.seed into o. */
static gp_code gp_ht_opts(const json_t *b, gp_text_opts *o, gp_error *err) {
  json_t *k = json_object_get(b, "k");
  if (k && !json_is_null(k)) {
    if (json_is_string(k) && !strcmp(json_string_value(k), "auto")) {
      o->k = 0;
    } else {
      long v;
      if (!json_is_integer(k))
        return gp_fail(err, GP_EINVAL, "body.k", "must be \"auto\" or an integer 1..%d",
                       GP_TEXT_MAX_K);
      gp_code rc = gp_json_int(b, "k", true, 1, GP_TEXT_MAX_K, "body", &v, NULL, err);
      if (rc) return rc;
      o->k = (size_t)v;
    }
  }
  long seed;
  bool present = false;
  gp_code rc = gp_json_int(b, "seed", false, 0, 2147483647L, "body", &seed, &present, err);
  if (!rc && present) o->seed = (uint64_t)seed;
  return rc;
}

gp_code gp_h_conversation_themes_post(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_code rc = gp_http_require_auth(req, err);
  if (rc) return rc;
  gp_text_opts o = gp_app_themes_opts_default();
  json_t *b = req->body_len ? gp_http_body_json(req, err) : json_object();
  if (!b) return err->code;
  rc = gp_json_check_keys(b, gp_conv_theme_keys, "body", err);
  if (!rc) rc = gp_ht_opts(b, &o, err);
  json_decref(b);
  if (!rc) rc = gp_app_themes_conversation(req->store, req->params[0], &o, &resp->json, err);
  if (!rc) resp->status = 201;
  return rc;
}

gp_code gp_h_conversation_themes(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_app_themes_conversation_doc(req->store, req->params[0], req->authed, &resp->json, err);
}

gp_code gp_h_mission_themes(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  const char *a = gp_http_query(req, "assumption");
  return gp_app_themes_mission_doc(req->store, req->params[0], a && *a ? a : NULL, req->authed,
                                   &resp->json, err);
}

gp_code gp_h_mission_themes_post(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_code rc = gp_http_require_auth(req, err);
  if (rc) return rc;
  json_t *b = gp_http_body_json(req, err);
  if (!b) return err->code;
  gp_arena a = GP_ARENA_INIT;
  char *assumption = NULL, *source = NULL;
  const char **texts = NULL;
  gp_text_opts o = gp_app_themes_opts_default();
  rc = gp_json_check_keys(b, gp_mission_theme_keys, "body", err);
  if (!rc) rc = gp_json_string(b, "assumption", false, &a, "body", &assumption, err);
  if (!rc) rc = gp_json_string(b, "source", true, &a, "body", &source, err);
  if (!rc) rc = gp_ht_opts(b, &o, err);
  json_t *arr = json_object_get(b, "texts");
  if (!rc && !json_is_array(arr))
    rc = gp_fail(err, GP_EINVAL, "body.texts", "must be an array of strings");
  size_t n = json_array_size(arr);
  if (!rc && !(texts = malloc((n + 1) * sizeof *texts)))
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  for (size_t i = 0; !rc && i < n; i++) {
    json_t *v = json_array_get(arr, i);
    if (!json_is_string(v)) {
      char path[48];
      snprintf(path, sizeof path, "body.texts[%zu]", i);
      rc = gp_fail(err, GP_EINVAL, path, "must be a string");
    } else {
      texts[i] = json_string_value(v);
    }
  }
  if (!rc) {
    gp_themes_link l = {.mission_id = req->params[0],
                        .assumption_id = assumption,
                        .source = source,
                        .mission_arg = "mission",
                        .assumption_arg = "body.assumption"};
    rc = gp_app_themes_texts(req->store, &l, texts, n, "body.texts", &o, &resp->json, err);
  }
  if (!rc) resp->status = 201;
  free(texts);
  json_decref(b);
  gp_arena_free(&a);
  return rc;
}
