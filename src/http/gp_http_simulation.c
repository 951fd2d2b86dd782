/*
 * gp_http_simulation — does the plan add up? POST /api/v1/missions/{id}/simulate
 * and /optimise, GET .../simulation (the last stored run) and
 * GET .../plan/versions.
 *
 * Visitors (no token) may run published missions with at most
 * GP_HTTP_VISITOR_DRAWS draws, and their runs are not stored; runs with a
 * token are stored as the mission's last run, with the plan version.
 */
#include <string.h>

#include "app/gp_app.h"
#include "http/gp_http_handlers.h"
#include "io/gp_json.h"

enum {
  GP_HTTP_VISITOR_DRAWS = 20000, /* most draws a visitor may ask for */
  GP_HTTP_MAX_DRAWS = 5000000    /* most draws anyone may ask for in one request */
};

static const char *const gp_sim_keys[] = {"draws", "seed", "confidence", "target", "version", NULL};
static const char *const gp_opt_keys[] = {"draws",   "seed",   "budget", "target",
                                          "version", "search", NULL};

/* Parses the common members of a run request body into q. */
static gp_code gp_parse_run(gp_http_req *req, json_t *b, gp_app_run_req *q, gp_arena *a,
                            gp_error *err) {
  long draws = 0, version = 0;
  bool has_draws = false;
  double seed = 1;
  bool has_seed;
  gp_code rc;
  if ((rc = gp_json_int(b, "draws", false, 1, GP_HTTP_MAX_DRAWS, "body", &draws, &has_draws, err)))
    return rc;
  if (!req->authed && has_draws && draws > GP_HTTP_VISITOR_DRAWS)
    return gp_fail(err, GP_EINVAL, "body.draws",
                   "without an API token a run may use at most %d draws", GP_HTTP_VISITOR_DRAWS);
  if ((rc = gp_json_number(b, "seed", false, "body", &seed, &has_seed, err))) return rc;
  if (has_seed && (seed < 0 || seed > 9007199254740991.0 || seed != (double)(long long)seed))
    return gp_fail(err, GP_EINVAL, "body.seed", "must be a whole number >= 0");
  if ((rc = gp_json_int(b, "version", false, 1, 1000000000L, "body", &version, NULL, err)))
    return rc;
  double confidence = 0;
  bool has_confidence = false;
  if ((rc = gp_json_number(b, "confidence", false, "body", &confidence, &has_confidence, err)))
    return rc;
  if (has_confidence && !(confidence > 0 && confidence < 1))
    return gp_fail(err, GP_EINVAL, "body.confidence", "must be between 0 and 1 (exclusive)");
  char *target = NULL;
  if ((rc = gp_json_string(b, "target", q->optimise, a, "body", &target, err))) return rc;
  gp_sim_options_default(&q->sim.opts);
  if (has_draws) q->sim.opts.draws = (uint64_t)draws;
  q->sim.opts.seed = (uint64_t)seed;
  q->sim.opts.threads = 2;
  if (has_confidence) q->sim.opts.confidence = confidence;
  q->sim.target = target;
  q->sim.target_arg = "body.target";
  q->version = version;
  q->authed = req->authed;
  q->store_result = req->authed;
  q->actor = req->actor;
  return GP_OK;
}

static gp_code gp_run(gp_http_req *req, gp_http_resp *resp, bool optimise, gp_error *err) {
  json_t *b = req->body_len ? gp_http_body_json(req, err) : json_object();
  if (!b) return err->code;
  gp_arena a = GP_ARENA_INIT;
  gp_app_run_req q;
  memset(&q, 0, sizeof q);
  q.optimise = optimise;
  gp_code rc = gp_json_check_keys(b, optimise ? gp_opt_keys : gp_sim_keys, "body", err);
  if (!rc) rc = gp_parse_run(req, b, &q, &a, err);
  if (!rc && optimise) {
    double budget = 0;
    char *search = NULL;
    q.opt.draws = q.sim.opts.draws;
    q.opt.seed = q.sim.opts.seed;
    q.opt.threads = 2;
    q.opt.search = GP_OPT_AUTO;
    rc = gp_json_number(b, "budget", true, "body", &budget, NULL, err);
    if (!rc && budget < 0) rc = gp_fail(err, GP_EINVAL, "body.budget", "must be >= 0");
    q.opt.budget = budget;
    if (!rc) rc = gp_json_string(b, "search", false, &a, "body", &search, err);
    if (!rc && search) {
      if (!strcmp(search, "exhaustive"))
        q.opt.search = GP_OPT_EXHAUSTIVE;
      else if (!strcmp(search, "heuristic"))
        q.opt.search = GP_OPT_HEURISTIC;
      else if (strcmp(search, "auto"))
        rc = gp_fail(err, GP_EINVAL, "body.search", "must be auto, exhaustive or heuristic");
    }
  }
  if (!rc) rc = gp_app_mission_run(req->store, req->params[0], &q, &resp->json, err);
  json_decref(b);
  gp_arena_free(&a);
  return rc;
}

gp_code gp_h_simulate(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_run(req, resp, false, err);
}

gp_code gp_h_optimise(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_run(req, resp, true, err);
}

gp_code gp_h_simulation_last(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  const char *kind = gp_http_query(req, "kind");
  if (kind && strcmp(kind, "simulate") && strcmp(kind, "optimise"))
    return gp_fail(err, GP_EINVAL, "kind", "must be simulate or optimise");
  return gp_app_last_run(req->store, req->params[0], kind ? kind : "simulate", req->authed,
                         &resp->json, err);
}

gp_code gp_h_plan_versions(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_app_plan_versions_doc(req->store, req->params[0], req->authed, &resp->json, err);
}
