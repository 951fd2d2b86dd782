/*
 * gp_error — the error value every acting function fills in.
 *
 * Design: functions that act return a gp_code (GP_OK is 0) and, when they
 * fail, fill the caller's gp_error with a machine code, the place the fault
 * was found (a JSON path such as "plan.targets[2].baseline.value", a
 * "file.csv:12:3" position, or an argument name) and a message for people.
 * The message travels to the user intact: the CLI prints "path: message",
 * the HTTP layer replies {"error": {"code", "message", "path"}}.
 * A NULL gp_error pointer is allowed everywhere and means "don't report".
 */
#ifndef GP_ERROR_H
#define GP_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

typedef enum gp_code {
  GP_OK = 0,     /* success */
  GP_EINVAL,     /* bad input: the user's data or arguments (HTTP 422) */
  GP_ESYNTAX,    /* malformed document: JSON or CSV syntax (HTTP 400) */
  GP_ENOTFOUND,  /* a named thing does not exist (HTTP 404) */
  GP_ECONFLICT,  /* the change conflicts with stored state (HTTP 409) */
  GP_EAUTH,      /* missing or wrong credentials (HTTP 401) */
  GP_EFORBIDDEN, /* authenticated but not allowed (HTTP 403) */
  GP_ETOOBIG,    /* a request or document over its limit (HTTP 413) */
  GP_EIO,        /* a file or socket failed (HTTP 500) */
  GP_ESTORE,     /* the database failed (HTTP 500) */
  GP_ENOMEM,     /* out of memory (HTTP 500) */
  GP_EINTERNAL   /* a bug: an invariant did not hold (HTTP 500) */
} gp_code;

/* Where and why an operation failed. Fixed-size so it needs no freeing. */
typedef struct gp_error {
  gp_code code;      /* GP_OK while nothing failed */
  char path[256];    /* where: JSON path, file:line:column, or argument; may be "" */
  char message[768]; /* why, in words for people; no trailing newline */
} gp_error;

/* Clears e (if non-NULL) to GP_OK with empty path and message. */
void gp_error_clear(gp_error *e);

/* Records code, path (may be NULL) and a printf-style message in e (if
 * non-NULL). Returns code, so callers can write `return gp_fail(...)`. */
gp_code gp_fail(gp_error *e, gp_code code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* As gp_fail with a va_list. */
gp_code gp_vfail(gp_error *e, gp_code code, const char *path, const char *fmt, va_list ap);

/* Prefixes e->path with prefix and a separator ('.' unless the path starts
 * with '['): used when an inner parser reports relative to its own root. */
void gp_error_prefix_path(gp_error *e, const char *prefix);

/* The stable lowercase name of a code ("invalid", "not_found", ...), used as
 * the "code" member of JSON error bodies. Never NULL. */
const char *gp_code_name(gp_code code);

/* The HTTP status that a code maps to (422, 400, 404, 409, 401, 403, 413, 500). */
int gp_code_http_status(gp_code code);

/* The process exit status for a code: 0 for GP_OK, 2 for input errors
 * (EINVAL, ESYNTAX, ENOTFOUND, ECONFLICT, ETOOBIG, EAUTH, EFORBIDDEN),
 * 1 for system failures. */
int gp_code_exit_status(gp_code code);

#endif
