/*
 * gp_http_server — libmicrohttpd glue: reading requests, authentication,
 * per-thread store handles, dispatch to the route table, JSON and error
 * replies, and the static files of the web UI; see gp_http.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/gp_app.h"
#include "http/gp_http.h"
#include "http/gp_http_opendata.h"
#include "io/gp_json.h"

/* The state shared by all worker threads. */
typedef struct gp_server {
  const gp_http_opts *opts; /* options */
  char web[PATH_MAX];       /* the UI directory ("" if none) */
  pthread_mutex_t lock;     /* guards stores */
  gp_store *stores[64];     /* every per-thread handle, closed at shutdown */
  size_t nstores;           /* how many */
} gp_server;

static gp_server gp_srv;
static _Thread_local gp_store *gp_tl_store; /* this worker thread's store */

/* A reply kept for reuse: valid while the database's data version is
 * unchanged (see gp_store_data_version). */
typedef struct gp_cached {
  char key[512];    /* method, path, the query that matters, authenticated or not */
  uint64_t version; /* the data version it was computed at */
  char *body;       /* the JSON text (malloc'd, NUL-terminated) */
  size_t len;       /* its length */
} gp_cached;

enum { GP_CACHE_SLOTS = 8 };
static _Thread_local gp_cached gp_tl_cache[GP_CACHE_SLOTS]; /* per worker thread */
static _Thread_local unsigned gp_tl_cache_next;             /* next slot to replace */

static const gp_cached *gp_cache_get(const char *key, uint64_t version) {
  for (int i = 0; i < GP_CACHE_SLOTS; i++)
    if (gp_tl_cache[i].body && gp_tl_cache[i].version == version &&
        !strcmp(gp_tl_cache[i].key, key))
      return &gp_tl_cache[i];
  return NULL;
}

/* Keeps a copy of body under key (replacing the same key, else round robin). */
static void gp_cache_put(const char *key, uint64_t version, const char *body, size_t len) {
  gp_cached *slot = NULL;
  for (int i = 0; i < GP_CACHE_SLOTS && !slot; i++)
    if (gp_tl_cache[i].body && !strcmp(gp_tl_cache[i].key, key)) slot = &gp_tl_cache[i];
  if (!slot) slot = &gp_tl_cache[gp_tl_cache_next++ % GP_CACHE_SLOTS];
  char *copy = malloc(len + 1);
  if (!copy) return;
  memcpy(copy, body, len + 1);
  free(slot->body);
  snprintf(slot->key, sizeof slot->key, "%s", key);
  slot->version = version;
  slot->body = copy;
  slot->len = len;
}

/* Per-request state kept between MHD callbacks. */
typedef struct gp_conn {
  char *body;      /* request body so far */
  size_t len, cap; /* used, allocated */
  bool too_big;    /* the body passed GP_HTTP_MAX_BODY */
} gp_conn;

static gp_store *gp_thread_store(gp_error *err) {
  if (gp_tl_store) return gp_tl_store;
  gp_store *s;
  if (gp_store_open(gp_srv.opts->db, false, &s, err)) return NULL;
  pthread_mutex_lock(&gp_srv.lock);
  if (gp_srv.nstores < sizeof gp_srv.stores / sizeof gp_srv.stores[0])
    gp_srv.stores[gp_srv.nstores++] = s;
  pthread_mutex_unlock(&gp_srv.lock);
  gp_tl_store = s;
  return s;
}

const char *gp_http_query(const gp_http_req *req, const char *name) {
  return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *gp_http_cookie(const gp_http_req *req, const char *name) {
  return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

void gp_http_client_ip(const gp_http_req *req, char *out, size_t n) {
  out[0] = '\0';
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!ci || !ci->client_addr) return;
  const struct sockaddr *sa = ci->client_addr;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
              (socklen_t)n);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
              (socklen_t)n);
}

/* The Set-Cookie value of the reply being made on this thread (a handler's
 * resp.set_cookie), or NULL. */
static _Thread_local const char *gp_tl_set_cookie;

gp_code gp_http_require_auth(const gp_http_req *req, gp_error *err) {
  if (req->authed) return GP_OK;
  return gp_fail(err, GP_EAUTH, "Authorization",
                 "this needs an API token: send 'Authorization: Bearer TOKEN' (make one with "
                 "'gameplan token new')");
}

/* Whether JSON text nests no deeper than max (strings are skipped). */
static bool gp_depth_ok(const char *s, size_t n, int max) {
  int depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max) return false;
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }
  return true;
}

json_t *gp_http_body_json(const gp_http_req *req, gp_error *err) {
  if (!gp_depth_ok(req->body, req->body_len, GP_HTTP_MAX_DEPTH)) {
    gp_fail(err, GP_ETOOBIG, "body", "JSON nested deeper than %d levels", GP_HTTP_MAX_DEPTH);
    return NULL;
  }
  return gp_json_parse(req->body, req->body_len, "body", err);
}

static void gp_security_headers(struct MHD_Response *r) {
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Referrer-Policy", "same-origin");
  MHD_add_response_header(r, "X-Frame-Options", "DENY");
  MHD_add_response_header(r, "Content-Security-Policy",
                          "default-src 'self'; img-src 'self' data:; style-src 'self' "
                          "'unsafe-inline'; frame-ancestors 'none'");
}

static enum MHD_Result gp_reply_bytes(struct MHD_Connection *c, int status, const char *type,
                                      char *body, size_t len, const char *filename) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(body);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", type);
  MHD_add_response_header(r, "Cache-Control", "no-store");
  if (filename) {
    char cd[256];
    snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", filename);
    MHD_add_response_header(r, "Content-Disposition", cd);
  }
  gp_security_headers(r);
  if (gp_tl_set_cookie) MHD_add_response_header(r, "Set-Cookie", gp_tl_set_cookie);
  if (status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
  enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result gp_reply_json(struct MHD_Connection *c, int status, json_t *doc) {
  char *s = gp_json_dump(doc);
  json_decref(doc);
  if (!s) return MHD_NO;
  return gp_reply_bytes(c, status, "application/json", s, strlen(s), NULL);
}

static enum MHD_Result gp_reply_error(struct MHD_Connection *c, const gp_error *e) {
  gp_code code = e->code ? e->code : GP_EINTERNAL;
  json_t *doc = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", gp_code_name(code), "message",
                          e->message[0] ? e->message : gp_code_name(code), "path", e->path);
  return gp_reply_json(c, gp_code_http_status(code), doc);
}

/* ---- static files of the UI --------------------------------------------------- */

static const char *gp_mime(const char *path) {
  const char *dot = strrchr(path, '.');
  static const struct {
    const char *ext, *type;
  } types[] = {{".html", "text/html; charset=utf-8"},
               {".js", "text/javascript; charset=utf-8"},
               {".css", "text/css; charset=utf-8"},
               {".json", "application/json"},
               {".svg", "image/svg+xml"},
               {".png", "image/png"},
               {".ico", "image/x-icon"},
               {".woff", "font/woff"},
               {".woff2", "font/woff2"},
               {".txt", "text/plain; charset=utf-8"},
               {".csv", "text/csv; charset=utf-8"},
               {".map", "application/json"}};
  for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
    if (!strcmp(dot, types[i].ext)) return types[i].type;
  return "application/octet-stream";
}

static enum MHD_Result gp_serve_file(struct MHD_Connection *c, const char *url) {
  gp_error e;
  if (!gp_srv.web[0] || strstr(url, "..") || strchr(url, '\\')) {
    gp_fail(&e, GP_ENOTFOUND, url, "not found");
    return gp_reply_error(c, &e);
  }
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s%s", gp_srv.web, url);
  struct stat sb;
  bool spa = false;
  if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    /* Client-side routes (no file extension) get the app's index.html. */
    const char *last = strrchr(url, '/');
    if (last && strchr(last, '.')) {
      gp_fail(&e, GP_ENOTFOUND, url, "not found");
      return gp_reply_error(c, &e);
    }
    snprintf(path, sizeof path, "%s/index.html", gp_srv.web);
    spa = true;
    if (stat(path, &sb) != 0) {
      gp_fail(&e, GP_ENOTFOUND, url, "the web UI is not built (run 'make')");
      return gp_reply_error(c, &e);
    }
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    gp_fail(&e, GP_ENOTFOUND, url, "not found");
    return gp_reply_error(c, &e);
  }
  struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
  if (!r) {
    close(fd);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", gp_mime(path));
  MHD_add_response_header(r, "Cache-Control",
                          !spa && strstr(url, "/assets/") ? "public, max-age=31536000, immutable"
                                                          : "no-cache");
  gp_security_headers(r);
  enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return ret;
}

/* ---- dispatch ------------------------------------------------------------------ */

static enum MHD_Result gp_dispatch(struct MHD_Connection *c, const char *url, const char *method,
                                   gp_conn *cc) {
  gp_error err;
  gp_error_clear(&err);
  gp_tl_set_cookie = NULL;
  if (cc->too_big) {
    gp_fail(&err, GP_ETOOBIG, "body", "the request body is larger than %d bytes", GP_HTTP_MAX_BODY);
    return gp_reply_error(c, &err);
  }
  bool open_data = !strncmp(url, "/data/", 6); /* open data: gp_http_opendata.c */
  if (strncmp(url, "/api/", 5) && !open_data) {
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
      gp_fail(&err, GP_ENOTFOUND, url, "not found");
      return gp_reply_error(c, &err);
    }
    return gp_serve_file(c, url);
  }
  gp_http_req req = {.method = method,
                     .path = url,
                     .body = cc->body ? cc->body : "",
                     .body_len = cc->len,
                     .conn = c};
  if (!(req.store = gp_thread_store(&err))) return gp_reply_error(c, &err);
  const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  if (auth) {
    char label[64] = "";
    bool ok = false;
    if (strncmp(auth, "Bearer ", 7) || gp_app_token_check(req.store, auth + 7, &ok, label, &err) ||
        !ok) {
      if (!err.code) gp_fail(&err, GP_EAUTH, "Authorization", "the API token is not valid");
      return gp_reply_error(c, &err);
    }
    req.authed = true;
    snprintf(req.actor, sizeof req.actor, "token:%s", label);
  }
  bool matched = false, cacheable = false;
  gp_http_handler h = open_data ? gp_h_opendata : gp_http_route(&req, &matched, &cacheable);
  if (!h) {
    if (matched)
      gp_fail(&err, GP_EINVAL, url, "method %s is not allowed here", method);
    else
      gp_fail(&err, GP_ENOTFOUND, url, "no such API endpoint");
    if (matched) {
      json_t *doc = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "method_not_allowed",
                              "message", err.message, "path", url);
      return gp_reply_json(c, 405, doc);
    }
    return gp_reply_error(c, &err);
  }
  /* Cacheable replies are kept per thread until the database changes. */
  char key[512] = "";
  uint64_t version = 0;
  if (cacheable) {
    const char *as_of = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "as_of");
    snprintf(key, sizeof key, "%s %s?as_of=%s&authed=%d", method, url, as_of ? as_of : "",
             req.authed);
    version = gp_store_data_version(req.store);
    const gp_cached *hit = gp_cache_get(key, version);
    if (hit) {
      char *copy = malloc(hit->len + 1);
      if (!copy) return MHD_NO;
      memcpy(copy, hit->body, hit->len + 1);
      return gp_reply_bytes(c, 200, "application/json", copy, hit->len, NULL);
    }
  }
  gp_http_resp resp = {.status = 200};
  gp_code rc = h(&req, &resp, &err);
  gp_tl_set_cookie = resp.set_cookie;
  if (!rc && cacheable && resp.json && resp.status == 200) {
    char *text = gp_json_dump(resp.json);
    json_decref(resp.json);
    if (!text) return MHD_NO;
    gp_cache_put(key, version, text, strlen(text));
    return gp_reply_bytes(c, 200, "application/json", text, strlen(text), NULL);
  }
  if (rc) {
    json_decref(resp.json);
    free(resp.body);
    /* A failed write must not leave a transaction open on this thread's handle. */
    gp_store_rollback(req.store);
    if (!err.code) gp_fail(&err, rc, NULL, "%s", gp_code_name(rc));
    return gp_reply_error(c, &err);
  }
  if (resp.json) return gp_reply_json(c, resp.status, resp.json);
  return gp_reply_bytes(c, resp.status, resp.content_type ? resp.content_type : "text/plain",
                        resp.body ? resp.body : strdup(""), resp.body ? resp.body_len : 0,
                        resp.filename);
}

static enum MHD_Result gp_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                     const char *method, const char *version, const char *upload,
                                     size_t *upload_size, void **con_cls) {
  (void)cls;
  (void)version;
  gp_conn *cc = *con_cls;
  if (!cc) {
    cc = calloc(1, sizeof *cc);
    if (!cc) return MHD_NO;
    *con_cls = cc;
    return MHD_YES;
  }
  if (*upload_size) {
    if (!cc->too_big) {
      if (cc->len + *upload_size > GP_HTTP_MAX_BODY) {
        cc->too_big = true;
      } else {
        if (cc->len + *upload_size + 1 > cc->cap) {
          size_t cap = cc->cap ? cc->cap : 4096;
          while (cap < cc->len + *upload_size + 1)
            cap *= 2;
          char *b = realloc(cc->body, cap);
          if (!b) return MHD_NO;
          cc->body = b;
          cc->cap = cap;
        }
        memcpy(cc->body + cc->len, upload, *upload_size);
        cc->len += *upload_size;
        cc->body[cc->len] = '\0';
      }
    }
    *upload_size = 0;
    return MHD_YES;
  }
  return gp_dispatch(c, url, method, cc);
}

static void gp_on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                       enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)c;
  (void)toe;
  gp_conn *cc = *con_cls;
  if (cc) {
    free(cc->body);
    free(cc);
  }
  *con_cls = NULL;
}

/* Finds the UI directory: the option, $GAMEPLAN_WEB, beside the binary
 * (build/web), or the installed share directory. */
static void gp_find_web(const char *opt, char *out, size_t n) {
  const char *cands[4] = {opt, getenv("GAMEPLAN_WEB"), NULL, NULL};
  char exe[PATH_MAX], beside[PATH_MAX + 8], shared[PATH_MAX + 40];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len > 0) {
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(beside, sizeof beside, "%s/web", exe);
    cands[2] = beside;
    snprintf(shared, sizeof shared, "%s/../share/gameplan/web", exe);
    cands[3] = shared;
  }
  out[0] = '\0';
  for (int i = 0; i < 4; i++) {
    struct stat sb;
    if (cands[i] && *cands[i] && stat(cands[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
      if (!realpath(cands[i], out)) snprintf(out, n, "%s", cands[i]);
      return;
    }
  }
}

gp_code gp_http_serve(const gp_http_opts *o, gp_error *err) {
  memset(&gp_srv, 0, sizeof gp_srv);
  gp_srv.opts = o;
  pthread_mutex_init(&gp_srv.lock, NULL);
  gp_find_web(o->web, gp_srv.web, sizeof gp_srv.web);

  /* The database must exist (and is migrated) before we listen. */
  gp_store *probe;
  gp_code rc = gp_store_open(o->db, false, &probe, err);
  if (rc) return rc;
  gp_store_close(probe);

  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)o->port);
  if (inet_pton(AF_INET, o->bind, &addr.sin_addr) != 1)
    return gp_fail(err, GP_EINVAL, "--bind", "'%s' is not an IPv4 address", o->bind);

  /* Block the stop signals so worker threads inherit the mask; we sigwait. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  unsigned threads = o->threads > 0 ? (unsigned)o->threads : 2;
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO, 0, NULL, NULL, gp_on_request,
      NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, threads,
      MHD_OPTION_NOTIFY_COMPLETED, gp_on_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_END);
  if (!d)
    return gp_fail(err, GP_EIO, "--port", "cannot listen on %s:%d (in use?)", o->bind, o->port);
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  int port = info ? info->port : o->port;
  if (!o->quiet) {
    printf("gameplan: serving %s on http://%s:%d/ (API under /api/v1/; UI %s)\n", o->db, o->bind,
           port, gp_srv.web[0] ? gp_srv.web : "not built");
    fflush(stdout);
  }
  int sig = 0;
  sigwait(&stop, &sig);
  MHD_stop_daemon(d);
  for (size_t i = 0; i < gp_srv.nstores; i++)
    gp_store_close(gp_srv.stores[i]);
  pthread_mutex_destroy(&gp_srv.lock);
  if (!o->quiet) fprintf(stderr, "gameplan: stopped (signal %d)\n", sig);
  return GP_OK;
}
