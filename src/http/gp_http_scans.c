/*
 * gp_http_scans — the unit-data scans of a metric (src/app/gp_app_scan.c):
 *   GET /api/v1/metrics/{id}/scan?period=&type=&adjust=&overdispersion=&trim=&limits=&fdr=
 *       the scan document of src/io/gp_scanjson.h (without options: the
 *       options of the metric's saved scan, from `gameplan scan`, if any);
 *   GET /api/v1/metrics/{id}/peers?unit=&k=&on=&period=   the peers document;
 *   GET /api/v1/metrics/{id}/units                        the periods with unit data;
 *   GET /api/v1/metrics/{id}/units/{unit}                 a unit's history.
 * Public for metrics of published missions (like observations); API scans
 * are never saved.
 */
#include <stdlib.h>
#include <string.h>

#include "app/gp_app_scan.h"
#include "http/gp_http_handlers.h"

/* Parses a number query argument into *v (untouched when absent). */
static gp_code gp_q_double(gp_http_req *req, const char *name, double *v, bool *given,
                           gp_error *err) {
  const char *s = gp_http_query(req, name);
  if (!s) return GP_OK;
  char *end;
  double x = strtod(s, &end);
  if (end == s || *end) return gp_fail(err, GP_EINVAL, name, "'%s' is not a number", s);
  *v = x;
  if (given) *given = true;
  return GP_OK;
}

/* Parses a whole-number query argument in [lo, hi] into *v (untouched when absent). */
static gp_code gp_q_long(gp_http_req *req, const char *name, long lo, long hi, long *v,
                         gp_error *err) {
  const char *s = gp_http_query(req, name);
  if (!s) return GP_OK;
  char *end;
  long x = strtol(s, &end, 10);
  if (end == s || *end || x < lo || x > hi)
    return gp_fail(err, GP_EINVAL, name, "'%s' is not a whole number from %ld to %ld", s, lo, hi);
  *v = x;
  return GP_OK;
}

gp_code gp_h_metric_scan(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_app_scan_opts o = {.metric = req->params[0],
                        .period = gp_http_query(req, "period"),
                        .opt = gp_scan_options_default(),
                        .history = 5,
                        .include_unpublished = req->authed,
                        .argp = ""};
  const char *type = gp_http_query(req, "type"), *od = gp_http_query(req, "overdispersion");
  const char *adjust = gp_http_query(req, "adjust"), *limits = gp_http_query(req, "limits");
  const char *trim_method = gp_http_query(req, "trim_method");
  bool any = type || od || adjust || gp_http_query(req, "trim") || gp_http_query(req, "fdr") ||
             gp_http_query(req, "target") || trim_method;
  char saved_adjust[4096];
  gp_code rc;
  if (!any) {
    /* the saved scan's options, if there is one (visibility is checked by the scan) */
    bool found = false;
    gp_error e;
    gp_error_clear(&e);
    if (gp_app_scan_saved_options(req->store, o.metric, o.period, &o, saved_adjust,
                                  sizeof saved_adjust, &found, &e) != GP_OK) {
      o.type_given = false;
      o.adjust = NULL;
    }
  }
  if (type) {
    if (!gp_scan_type_parse(type, &o.opt.type))
      return gp_fail(err, GP_EINVAL, "type", "'%s' is not sr, proportion, ratio or score", type);
    o.type_given = true;
  }
  if (od && !gp_scan_od_parse(od, &o.opt.od))
    return gp_fail(err, GP_EINVAL, "overdispersion", "'%s' is not none, additive or multiplicative",
                   od);
  if (trim_method) {
    if (!strcmp(trim_method, "winsorise") || !strcmp(trim_method, "winsorize"))
      o.opt.trim_method = GP_SCAN_TRIM_WINSORISE;
    else if (!strcmp(trim_method, "truncate"))
      o.opt.trim_method = GP_SCAN_TRIM_TRUNCATE;
    else
      return gp_fail(err, GP_EINVAL, "trim_method", "'%s' is not winsorise or truncate",
                     trim_method);
  }
  if (adjust) o.adjust = *adjust ? adjust : NULL;
  if ((rc = gp_q_double(req, "trim", &o.opt.trim, NULL, err)) ||
      (rc = gp_q_double(req, "fdr", &o.opt.fdr, NULL, err)) ||
      (rc = gp_q_double(req, "target", &o.opt.target, &o.opt.has_target, err)) ||
      (rc = gp_q_long(req, "history", 1, GP_APP_SCAN_MAX_PERIODS, &o.history, err)))
    return rc;
  if (limits && (rc = gp_app_scan_parse_limits(limits, &o.opt, "limits", err))) return rc;
  return gp_app_scan_doc(req->store, &o, &resp->json, err);
}

gp_code gp_h_metric_peers(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_app_peers_opts o = {.metric = req->params[0],
                         .unit = gp_http_query(req, "unit"),
                         .period = gp_http_query(req, "period"),
                         .k = 10,
                         .on = gp_http_query(req, "on"),
                         .include_unpublished = req->authed,
                         .argp = ""};
  if (!o.unit || !*o.unit) return gp_fail(err, GP_EINVAL, "unit", "give the unit: ?unit=ID");
  if (o.on && !*o.on) o.on = NULL;
  gp_code rc = gp_q_long(req, "k", 1, 10000, &o.k, err);
  if (rc) return rc;
  gp_app_peers P;
  if ((rc = gp_app_peers_run(req->store, &o, &P, err))) return rc;
  resp->json = gp_app_peers_json(&P, o.metric, o.unit);
  gp_app_peers_free(&P);
  return GP_OK;
}

gp_code gp_h_metric_unit(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_app_unit_doc(req->store, req->params[0], req->params[1], req->authed, &resp->json, err);
}

gp_code gp_h_metric_units(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  return gp_app_units_doc(req->store, req->params[0], req->authed, &resp->json, err);
}
