/*
 * gp_http_opendata — the handler of /data/...; see gp_http_opendata.h.
 */
#include "http/gp_http_opendata.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app_opendata.h"

/* Whether a Host header is plain enough to put into URLs. */
static bool gp_host_ok(const char *h) {
  if (!h || !*h || strlen(h) > 255) return false;
  for (const char *p = h; *p; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

gp_code gp_h_opendata(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
    resp->status = 405;
    resp->json = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "method_not_allowed", "message",
                           "open data is read-only: use GET", "path", req->path);
    return GP_OK;
  }
  /* "data/..."; the folder itself is its index page */
  const char *rel = strcmp(req->path, "/data/") ? req->path + 1 : "data/index.html";
  if (strstr(rel, "..") || strstr(rel, "//"))
    return gp_fail(err, GP_ENOTFOUND, req->path, "no open data file '%s'", req->path);
  char base[300];
  const char *env = getenv("GAMEPLAN_BASE_URL");
  const char *host = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Host");
  if (env && *env)
    snprintf(base, sizeof base, "%s", env);
  else if (gp_host_ok(host))
    snprintf(base, sizeof base, "http://%s", host);
  else
    snprintf(base, sizeof base, "http://localhost");
  gp_opendata_opts o = {.base_url = base,
                        .licence_name = getenv("GAMEPLAN_DATA_LICENCE"),
                        .licence_url = getenv("GAMEPLAN_DATA_LICENCE_URL"),
                        .licence_title = getenv("GAMEPLAN_DATA_LICENCE_TITLE"),
                        .publisher = getenv("GAMEPLAN_PUBLISHER")};
  char *body;
  size_t len;
  const char *media;
  gp_code rc = gp_app_opendata_file(req->store, &o, rel, &body, &len, &media, err);
  if (rc) return rc;
  resp->body = body;
  resp->body_len = len;
  resp->content_type = media;
  return GP_OK;
}
