/*
 * gp_http_opendata — the open data under /data/ (not /api/): CSV and JSON
 * files of published missions, the Data Package and the DCAT catalogue
 * (see app/gp_app_opendata.h and docs/api.md, "Open data"). Public: the
 * same for every caller, unpublished missions never included.
 */
#ifndef GP_HTTP_OPENDATA_H
#define GP_HTTP_OPENDATA_H

#include "http/gp_http.h"

/* Serves the file at req->path ("/data/..."): 200 with the file, 404 when
 * there is none, 405 for methods other than GET and HEAD.
 * Absolute URLs (in the catalogue) start with $GAMEPLAN_BASE_URL if set,
 * else "http://" and the request's Host header. The licence and publisher
 * come from $GAMEPLAN_DATA_LICENCE (an id; default "OGL-UK-3.0"),
 * $GAMEPLAN_DATA_LICENCE_URL, $GAMEPLAN_DATA_LICENCE_TITLE and
 * $GAMEPLAN_PUBLISHER (see gp_opendata_opts). "/data/" is data/index.html. */
gp_code gp_h_opendata(gp_http_req *req, gp_http_resp *resp, gp_error *err);

#endif
