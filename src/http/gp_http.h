/*
 * gp_http — the HTTP server: the JSON API under /api/v1/ and the web UI.
 *
 * Design: libmicrohttpd with a pool of worker threads (one per core by
 * default). Each worker thread opens its own store handle on first use.
 * A request is read whole (bodies bounded by GP_HTTP_MAX_BODY; JSON depth
 * bounded), routed by method and path pattern (gp_http_routes.c) to a
 * handler, which parses, calls the app/ layer and replies. Handlers never
 * speak SQL and never compute: see docs/ARCHITECTURE.md.
 *
 * Access: reads of published missions are public; everything else needs
 * "Authorization: Bearer <token>" (401 with a JSON error otherwise).
 * Unpublished missions are 404 to visitors, so their existence is private.
 */
#ifndef GP_HTTP_H
#define GP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/gp_store.h"
#include "util/gp_error.h"

enum {
  GP_HTTP_MAX_BODY = 8 * 1024 * 1024, /* largest request body accepted (bytes) */
  GP_HTTP_MAX_DEPTH = 64,             /* deepest JSON nesting accepted */
  GP_HTTP_MAX_PARAMS = 4              /* path parameters per route */
};

/* How to serve. */
typedef struct gp_http_opts {
  const char *db;   /* database path (opened per worker thread) */
  const char *bind; /* address to bind: "127.0.0.1" unless told otherwise */
  int port;         /* TCP port; 0 picks a free one */
  const char *web;  /* directory of the built UI; NULL: found beside the binary */
  int threads;      /* worker threads (0: 2) */
  bool quiet;       /* no start-up message */
} gp_http_opts;

/* One request as a handler sees it. */
typedef struct gp_http_req {
  const char *method;                     /* "GET", "PUT", ... */
  const char *path;                       /* the URL path */
  const char *params[GP_HTTP_MAX_PARAMS]; /* values of the route's {placeholders}, in order */
  const char *body;                       /* request body (NUL-terminated), may be "" */
  size_t body_len;                        /* its length */
  bool authed;                            /* a valid bearer token was sent */
  char actor[80];                         /* "token:<label>" when authed */
  gp_store *store;                        /* this thread's store handle */
  void *conn;                             /* the MHD connection (for query arguments) */
} gp_http_req;

/* What a handler replies: either a JSON document or raw bytes. */
typedef struct gp_http_resp {
  int status;               /* HTTP status (200 unless set) */
  json_t *json;             /* a JSON body (the server decrefs it), or NULL */
  char *body;               /* a raw body (malloc'd; the server frees it), or NULL */
  size_t body_len;          /* its length */
  const char *content_type; /* for a raw body */
  const char *filename;     /* for a download: Content-Disposition attachment name */
  const char *set_cookie;   /* a Set-Cookie header value, or NULL (must outlive the reply) */
} gp_http_resp;

/* A handler: fills resp and returns GP_OK, or returns an error code with
 * err filled (the server replies with the code's status and a JSON body). */
typedef gp_code (*gp_http_handler)(gp_http_req *req, gp_http_resp *resp, gp_error *err);

/* A query-string argument of the request, or NULL. */
const char *gp_http_query(const gp_http_req *req, const char *name);

/* A cookie of the request, or NULL. */
const char *gp_http_cookie(const gp_http_req *req, const char *name);

/* The client's address as text into out (n bytes; "" if unknown). */
void gp_http_client_ip(const gp_http_req *req, char *out, size_t n);

/* Fails with GP_EAUTH unless the request is authenticated. */
gp_code gp_http_require_auth(const gp_http_req *req, gp_error *err);

/* Parses the request body as JSON (size and depth bounded). Returns a new
 * reference or NULL with err set (GP_ESYNTAX with "body:line:column"). */
json_t *gp_http_body_json(const gp_http_req *req, gp_error *err);

/* The route table (gp_http_routes.c): finds the handler for method+path,
 * filling req->params, and says whether its reply may be cached until the
 * database changes. Returns NULL with *path_matched telling whether the
 * path exists for another method (405) or not at all (404). */
gp_http_handler gp_http_route(gp_http_req *req, bool *path_matched, bool *cacheable);

/* Runs the server until SIGINT or SIGTERM. Returns GP_OK after a clean
 * shutdown, or an error if it could not start (port in use, bad address). */
gp_code gp_http_serve(const gp_http_opts *o, gp_error *err);

/* The OpenAPI document (docs/openapi.json, compiled in). */
extern const char gp_openapi_json[];

#endif
