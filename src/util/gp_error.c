/* gp_error — see gp_error.h. */
#include "util/gp_error.h"

#include <stdio.h>
#include <string.h>

void gp_error_clear(gp_error *e) {
  if (!e) return;
  e->code = GP_OK;
  e->path[0] = '\0';
  e->message[0] = '\0';
}

gp_code gp_vfail(gp_error *e, gp_code code, const char *path, const char *fmt, va_list ap) {
  if (!e) return code;
  e->code = code;
  snprintf(e->path, sizeof e->path, "%s", path ? path : "");
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  return code;
}

gp_code gp_fail(gp_error *e, gp_code code, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  gp_vfail(e, code, path, fmt, ap);
  va_end(ap);
  return code;
}

void gp_error_prefix_path(gp_error *e, const char *prefix) {
  if (!e || !prefix || !*prefix) return;
  char old[sizeof e->path];
  memcpy(old, e->path, sizeof old);
  const char *sep = (old[0] == '\0' || old[0] == '[') ? "" : ".";
  snprintf(e->path, sizeof e->path, "%s%s%s", prefix, sep, old);
}

static const struct {
  gp_code code;
  const char *name;
  int http;
  int exit;
} gp_codes[] = {
    {GP_OK, "ok", 200, 0},
    {GP_EINVAL, "invalid", 422, 2},
    {GP_ESYNTAX, "syntax", 400, 2},
    {GP_ENOTFOUND, "not_found", 404, 2},
    {GP_ECONFLICT, "conflict", 409, 2},
    {GP_EAUTH, "unauthorized", 401, 2},
    {GP_EFORBIDDEN, "forbidden", 403, 2},
    {GP_ETOOBIG, "too_large", 413, 2},
    {GP_EIO, "io", 500, 1},
    {GP_ESTORE, "store", 500, 1},
    {GP_ENOMEM, "no_memory", 500, 1},
    {GP_EINTERNAL, "internal", 500, 1},
};

const char *gp_code_name(gp_code code) {
  for (size_t i = 0; i < sizeof gp_codes / sizeof gp_codes[0]; i++)
    if (gp_codes[i].code == code) return gp_codes[i].name;
  return "internal";
}

int gp_code_http_status(gp_code code) {
  for (size_t i = 0; i < sizeof gp_codes / sizeof gp_codes[0]; i++)
    if (gp_codes[i].code == code) return gp_codes[i].http;
  return 500;
}

int gp_code_exit_status(gp_code code) {
  for (size_t i = 0; i < sizeof gp_codes / sizeof gp_codes[0]; i++)
    if (gp_codes[i].code == code) return gp_codes[i].exit;
  return 1;
}
