/* gp_http_meta — GET /api/v1/openapi.json and GET /api/v1/status. */
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "http/gp_http_handlers.h"

gp_code gp_h_openapi(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  (void)req;
  resp->body = strdup(gp_openapi_json);
  if (!resp->body) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  resp->body_len = strlen(resp->body);
  resp->content_type = "application/json";
  return GP_OK;
}

gp_code gp_h_status_all(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_status_query q = {
      .mission_id = NULL, .as_of = gp_http_query(req, "as_of"), .include_unpublished = req->authed};
  return gp_app_status(req->store, &q, &resp->json, err);
}
