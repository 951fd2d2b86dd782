/*
 * gp_http_metrics — /api/v1/metrics/{id}...: the metric, its observations
 * (JSON, or CSV to download), and importing observation CSV (POST).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "http/gp_http_handlers.h"

gp_code gp_h_metric(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_app_metric_doc(req->store, req->params[0], req->authed, &resp->json, err);
}

static void gp_obs_query_of(gp_http_req *req, gp_obs_query *q) {
  const char *h = gp_http_query(req, "history");
  q->metric_id = req->params[0];
  q->breakdown = gp_http_query(req, "breakdown");
  q->history = h && (!strcmp(h, "1") || !strcmp(h, "true"));
  q->include_unpublished = req->authed;
}

gp_code gp_h_observations(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_obs_query q;
  gp_obs_query_of(req, &q);
  return gp_app_observations_doc(req->store, &q, &resp->json, err);
}

gp_code gp_h_observations_csv(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_obs_query q;
  gp_obs_query_of(req, &q);
  if (!q.breakdown) q.breakdown = "all";
  size_t len = 0;
  char *buf = NULL;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  gp_code rc = gp_app_observations_csv(req->store, &q, f, err);
  fclose(f);
  if (rc) {
    free(buf);
    return rc;
  }
  resp->body = buf;
  resp->body_len = len;
  resp->content_type = "text/csv; charset=utf-8";
  static _Thread_local char name[160];
  snprintf(name, sizeof name, "%s.csv", req->params[0]);
  resp->filename = name;
  return GP_OK;
}

gp_code gp_h_observations_post(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_code rc = gp_http_require_auth(req, err);
  if (rc) return rc;
  if (req->body_len == 0)
    return gp_fail(err, GP_EINVAL, "body", "send the CSV as the request body");
  FILE *f = fmemopen((void *)req->body, req->body_len, "r");
  if (!f) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  const char *source = gp_http_query(req, "source");
  gp_import_opts o = {
      .metric_id = req->params[0], .name = "body", .source = source ? source : req->actor};
  gp_import_stats st;
  rc = gp_app_import(req->store, f, &o, &st, NULL, err);
  fclose(f);
  if (rc) return rc;
  resp->json = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "metric", req->params[0], "rows",
                         (json_int_t)st.rows, "inserted", (json_int_t)st.inserted, "revised",
                         (json_int_t)st.revised, "unchanged", (json_int_t)st.unchanged, "rejected",
                         (json_int_t)0);
  return GP_OK;
}
