/*
 * gp_app_opendata — the open data of published missions: CSV and JSON files
 * of missions, metrics, observations, targets, latest status and saved
 * scans, a Frictionless Data Package (datapackage.json) describing them, a
 * DCAT-AP catalogue (catalog.jsonld) for harvesters such as CKAN's
 * ckanext-dcat, and (for `gameplan publish`) plain static HTML pages of the
 * missions and their status. See docs/api.md ("Open data").
 *
 * Only published missions are ever included (whatever the caller's rights):
 * this is what the public may copy.
 *
 * Paths are relative to the site root: "data/missions.csv",
 * "data/missions/ID/status.json", "data/scans/METRIC/PERIOD.csv" (a period's
 * "/" becomes "_"), "data/datapackage.json", "data/catalog.jsonld" and, with
 * html, "index.html" and "missions/ID/index.html".
 */
#ifndef GP_APP_OPENDATA_H
#define GP_APP_OPENDATA_H

#include <stdbool.h>
#include <stddef.h>

#include "store/gp_store.h"
#include "util/gp_error.h"

/* How to build the open data. */
typedef struct gp_opendata_opts {
  const char *base_url;      /* absolute URL of the site root, e.g. "https://example.org"
                                (a trailing "/" is ignored); NULL: "http://localhost" */
  const char *licence_name;  /* licence id (NULL: "OGL-UK-3.0") */
  const char *licence_title; /* its title (NULL: "Open Government Licence v3.0" when the
                                name is the default, else the name) */
  const char *licence_url;   /* its URL (NULL: the National Archives' OGL v3.0 page for the
                                default, else https://spdx.org/licenses/NAME) */
  const char *publisher;     /* who publishes (NULL: "gameplan") */
  bool html;                 /* also build the static HTML pages (index.html, missions/ID/) */
} gp_opendata_opts;

/* Receives one file: its path (relative to the site root), media type and
 * bytes (valid only during the call). Returns GP_OK, or an error to stop. */
typedef gp_code (*gp_opendata_emit)(void *ctx, const char *path, const char *media_type,
                                    const char *body, size_t len, gp_error *err);

/* Builds every file of the public site and passes each to emit, in a fixed
 * order (data files first). Returns GP_OK or the first error (the store's
 * or emit's). */
gp_code gp_app_opendata_site(gp_store *s, const gp_opendata_opts *o, gp_opendata_emit emit,
                             void *ctx, gp_error *err);

/* Builds the one file at path (relative to the site root, e.g.
 * "data/missions.csv"). Returns GP_OK with *body (malloc'd, the caller
 * frees; NUL-terminated), *len and *media_type (static), or GP_ENOTFOUND
 * when there is no such file. */
gp_code gp_app_opendata_file(gp_store *s, const gp_opendata_opts *o, const char *path, char **body,
                             size_t *len, const char **media_type, gp_error *err);

#endif
