/*
 * gp_http_routes — the API's route table: method, path pattern, handler.
 * A pattern segment "{}" matches one path segment (no '/'), captured into
 * req->params in order. One line per endpoint; docs/openapi.json lists the
 * same endpoints.
 */
#include <string.h>

#include "http/gp_http_handlers.h"

typedef struct gp_route {
  const char *method;      /* "GET", "PUT", "POST" */
  const char *pattern;     /* e.g. "/api/v1/missions/{}/status" */
  gp_http_handler handler; /* the handler */
} gp_route;

static const gp_route gp_routes[] = {
    {"GET", "/api/v1/openapi.json", gp_h_openapi},
    {"GET", "/api/v1/status", gp_h_status_all},
    {"GET", "/api/v1/missions", gp_h_missions},
    {"GET", "/api/v1/missions/{}", gp_h_mission},
    {"GET", "/api/v1/missions/{}/status", gp_h_mission_status},
    {"GET", "/api/v1/missions/{}/plan", gp_h_plan_get},
    {"PUT", "/api/v1/missions/{}/plan", gp_h_plan_put},
    {"GET", "/api/v1/missions/{}/plan/versions", gp_h_plan_versions},
    {"POST", "/api/v1/missions/{}/simulate", gp_h_simulate},
    {"POST", "/api/v1/missions/{}/optimise", gp_h_optimise},
    {"GET", "/api/v1/missions/{}/simulation", gp_h_simulation_last},
    {"POST", "/api/v1/missions/{}/publish", gp_h_publish},
    {"POST", "/api/v1/missions/{}/unpublish", gp_h_unpublish},
    {"GET", "/api/v1/metrics/{}", gp_h_metric},
    {"GET", "/api/v1/metrics/{}/observations", gp_h_observations},
    {"GET", "/api/v1/metrics/{}/observations.csv", gp_h_observations_csv},
    {"POST", "/api/v1/metrics/{}/observations", gp_h_observations_post},
    {"GET", "/api/v1/metrics/{}/scan", gp_h_metric_scan},
    {"GET", "/api/v1/metrics/{}/peers", gp_h_metric_peers},
    {"GET", "/api/v1/metrics/{}/units", gp_h_metric_units},
    {"GET", "/api/v1/metrics/{}/units/{}", gp_h_metric_unit},
    {"POST", "/api/v1/trials/power", gp_h_trial_power},
    {"POST", "/api/v1/trials/analyse", gp_h_trial_analyse},
    {"POST", "/api/v1/trials/adapt", gp_h_trial_adapt},
    {"POST", "/api/v1/missions/{}/trial-link", gp_h_trial_link},
    {"GET", "/api/v1/missions/{}/themes", gp_h_mission_themes},
    {"POST", "/api/v1/missions/{}/themes", gp_h_mission_themes_post},
    {"GET", "/api/v1/conversations", gp_h_conversations},
    {"POST", "/api/v1/conversations", gp_h_conversations_post},
    {"GET", "/api/v1/conversations/{}", gp_h_conversation},
    {"GET", "/api/v1/conversations/{}/next", gp_h_conversation_next},
    {"POST", "/api/v1/conversations/{}/votes", gp_h_conversation_vote},
    {"POST", "/api/v1/conversations/{}/statements", gp_h_conversation_statement},
    {"GET", "/api/v1/conversations/{}/results", gp_h_conversation_results},
    {"GET", "/api/v1/conversations/{}/moderation", gp_h_conversation_moderation},
    {"POST", "/api/v1/conversations/{}/statements/{}/moderate", gp_h_conversation_moderate},
    {"GET", "/api/v1/conversations/{}/themes", gp_h_conversation_themes},
    {"POST", "/api/v1/conversations/{}/themes", gp_h_conversation_themes_post},
};

/* Handlers whose reply depends only on the database, the path, the as_of
 * query and whether the caller is authenticated: the server may cache it
 * until the database changes. */
static const gp_http_handler gp_cacheable[] = {gp_h_status_all, gp_h_mission_status};

/* Per-thread storage for captured parameters (valid during one request). */
static _Thread_local char gp_param_buf[GP_HTTP_MAX_PARAMS][128];

/* Whether path matches pattern; fills req->params. */
static bool gp_match(const char *pattern, const char *path, gp_http_req *req) {
  int np = 0;
  while (*pattern && *path) {
    if (pattern[0] == '{' && pattern[1] == '}') {
      size_t n = strcspn(path, "/");
      if (n == 0 || n >= sizeof gp_param_buf[0] || np >= GP_HTTP_MAX_PARAMS) return false;
      memcpy(gp_param_buf[np], path, n);
      gp_param_buf[np][n] = '\0';
      req->params[np] = gp_param_buf[np];
      np++;
      path += n;
      pattern += 2;
    } else if (*pattern == *path) {
      pattern++;
      path++;
    } else {
      return false;
    }
  }
  return !*pattern && !*path;
}

gp_http_handler gp_http_route(gp_http_req *req, bool *path_matched, bool *cacheable) {
  *path_matched = false;
  *cacheable = false;
  const char *method = strcmp(req->method, "HEAD") ? req->method : "GET";
  for (size_t i = 0; i < sizeof gp_routes / sizeof gp_routes[0]; i++) {
    if (!gp_match(gp_routes[i].pattern, req->path, req)) continue;
    if (!strcmp(gp_routes[i].method, method)) {
      for (size_t k = 0; k < sizeof gp_cacheable / sizeof gp_cacheable[0]; k++)
        if (gp_cacheable[k] == gp_routes[i].handler) *cacheable = true;
      return gp_routes[i].handler;
    }
    *path_matched = true; /* the path exists, for another method */
  }
  return NULL;
}
