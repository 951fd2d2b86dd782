/*
 * gp_http_missions — /api/v1/missions...: list, one mission, its status,
 * its plan (GET, and PUT to apply), publish and unpublish.
 */
#include <string.h>

#include "app/gp_app.h"
#include "http/gp_http_handlers.h"
#include "io/gp_planfile.h"

gp_code gp_h_missions(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_app_missions_doc(req->store, req->authed, &resp->json, err);
}

gp_code gp_h_mission(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_app_mission_doc(req->store, req->params[0], req->authed, &resp->json, err);
}

gp_code gp_h_mission_status(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_status_query q = {.mission_id = req->params[0],
                       .as_of = gp_http_query(req, "as_of"),
                       .include_unpublished = req->authed};
  return gp_app_status(req->store, &q, &resp->json, err);
}

gp_code gp_h_plan_get(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_code rc = gp_app_mission_visible(req->store, req->params[0], req->authed, err);
  if (rc) return rc;
  gp_plan *p;
  long version = 0;
  const char *v = gp_http_query(req, "version");
  if (v) version = strtol(v, NULL, 10);
  if ((rc = gp_app_plan_load(req->store, req->params[0], version, &p, err))) return rc;
  resp->json = gp_planfile_to_json(p);
  gp_plan_free(p);
  return resp->json ? GP_OK : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
}

gp_code gp_h_plan_put(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_code rc = gp_http_require_auth(req, err);
  if (rc) return rc;
  json_t *doc = gp_http_body_json(req, err);
  if (!doc) return err->code;
  gp_plan *p;
  rc = gp_planfile_from_json(doc, &p, err);
  json_decref(doc);
  if (rc) return rc;
  if (strcmp(p->mission.id, req->params[0])) {
    rc =
        gp_fail(err, GP_EINVAL, "plan.mission.id",
                "the plan is for mission '%s' but was sent to '%s'", p->mission.id, req->params[0]);
    gp_plan_free(p);
    return rc;
  }
  gp_apply_result res;
  rc = gp_app_plan_apply(req->store, p, gp_http_query(req, "reason"), req->actor, &res, err);
  gp_plan_free(p);
  if (rc) return rc;
  json_t *reb = json_array();
  for (size_t i = 0; i < res.nrebaselined && i < 8; i++)
    json_array_append_new(reb, json_string(res.rebaselined[i]));
  resp->status = res.created ? 201 : 200;
  resp->json =
      json_pack("{s:s, s:b, s:b, s:I, s:o}", "mission", req->params[0], "created", res.created,
                "changed", res.changed, "version", (json_int_t)res.version, "rebaselined", reb);
  return GP_OK;
}

static gp_code gp_set_published(gp_http_req *req, gp_http_resp *resp, bool on, gp_error *err) {
  gp_code rc = gp_http_require_auth(req, err);
  if (rc) return rc;
  if ((rc = gp_store_mission_publish(req->store, req->params[0], on, err))) return rc;
  resp->json = json_pack("{s:s, s:b}", "mission", req->params[0], "published", on);
  return GP_OK;
}

gp_code gp_h_publish(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_set_published(req, resp, true, err);
}

gp_code gp_h_unpublish(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_set_published(req, resp, false, err);
}
