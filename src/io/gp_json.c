/* gp_json — strict JSON readers and the canonical writer; see gp_json.h. */
#include "io/gp_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* path + "." + key into buf. */
static const char *gp_json_sub(char *buf, size_t n, const char *path, const char *key) {
  snprintf(buf, n, "%s%s%s", path, *path ? "." : "", key);
  return buf;
}

gp_code gp_json_check_keys(const json_t *obj, const char *const *allowed, const char *path,
                           gp_error *err) {
  if (!json_is_object(obj)) return gp_fail(err, GP_EINVAL, path, "must be an object");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    bool ok = false;
    for (size_t i = 0; allowed[i] && !ok; i++)
      ok = !strcmp(allowed[i], key);
    if (!ok) {
      char p[320];
      gp_json_sub(p, sizeof p, path, key);
      return gp_fail(err, GP_EINVAL, p, "unknown key '%s'", key);
    }
  }
  return GP_OK;
}

gp_code gp_json_string(const json_t *obj, const char *key, bool required, gp_arena *a,
                       const char *path, char **out, gp_error *err) {
  char p[320];
  json_t *v = json_object_get(obj, key);
  *out = NULL;
  if (!v || json_is_null(v)) {
    if (!required) return GP_OK;
    return gp_fail(err, GP_EINVAL, gp_json_sub(p, sizeof p, path, key), "is required");
  }
  if (!json_is_string(v))
    return gp_fail(err, GP_EINVAL, gp_json_sub(p, sizeof p, path, key), "must be a string");
  if (json_string_length(v) == 0)
    return gp_fail(err, GP_EINVAL, gp_json_sub(p, sizeof p, path, key), "must not be empty");
  if (strlen(json_string_value(v)) != json_string_length(v))
    return gp_fail(err, GP_EINVAL, gp_json_sub(p, sizeof p, path, key),
                   "must not contain NUL characters");
  *out = gp_arena_strndup(a, json_string_value(v), json_string_length(v));
  return GP_OK;
}

gp_code gp_json_number(const json_t *obj, const char *key, bool required, const char *path,
                       double *out, bool *present, gp_error *err) {
  char p[320];
  json_t *v = json_object_get(obj, key);
  if (present) *present = false;
  if (!v || json_is_null(v)) {
    if (!required) return GP_OK;
    return gp_fail(err, GP_EINVAL, gp_json_sub(p, sizeof p, path, key), "is required");
  }
  if (!json_is_number(v) || !isfinite(json_number_value(v)))
    return gp_fail(err, GP_EINVAL, gp_json_sub(p, sizeof p, path, key), "must be a number");
  *out = json_number_value(v);
  if (present) *present = true;
  return GP_OK;
}

gp_code gp_json_int(const json_t *obj, const char *key, bool required, long min, long max,
                    const char *path, long *out, bool *present, gp_error *err) {
  char p[320];
  json_t *v = json_object_get(obj, key);
  if (present) *present = false;
  if (!v || json_is_null(v)) {
    if (!required) return GP_OK;
    return gp_fail(err, GP_EINVAL, gp_json_sub(p, sizeof p, path, key), "is required");
  }
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
    return gp_fail(err, GP_EINVAL, gp_json_sub(p, sizeof p, path, key),
                   "must be a whole number from %ld to %ld", min, max);
  *out = (long)json_integer_value(v);
  if (present) *present = true;
  return GP_OK;
}

json_t *gp_json_num(double v) {
  if (!isfinite(v)) return json_null();
  if (v == floor(v) && fabs(v) < 9007199254740992.0) return json_integer((json_int_t)v);
  return json_real(v);
}

void gp_json_set(json_t *obj, const char *key, json_t *v) {
  if (v) json_object_set_new(obj, key, v);
}

void gp_json_set_str(json_t *obj, const char *key, const char *s) {
  if (s) json_object_set_new(obj, key, json_string(s));
}

json_t *gp_json_parse(const char *text, size_t len, const char *name, gp_error *err) {
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    char p[300];
    snprintf(p, sizeof p, "%s:%d:%d", name, je.line, je.column);
    gp_fail(err, GP_ESYNTAX, p, "%s", je.text);
  }
  return root;
}

char *gp_json_dump(const json_t *doc) {
  char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
  if (!s) return NULL;
  size_t n = strlen(s);
  char *t = realloc(s, n + 2);
  if (!t) {
    free(s);
    return NULL;
  }
  t[n] = '\n';
  t[n + 1] = '\0';
  return t;
}
