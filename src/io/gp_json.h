/*
 * gp_json — strict readers for JSON documents that report the JSON path of
 * every fault ("plan.targets[2].baseline.value: must be a number"), and the
 * canonical number writer shared by every emitter.
 *
 * Paths are built by the caller and passed in; these helpers never keep
 * pointers to them. Strings returned are copied into the caller's arena.
 */
#ifndef GP_JSON_H
#define GP_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "util/gp_arena.h"
#include "util/gp_error.h"

/* Checks that obj is an object whose keys are all in allowed (NULL-terminated).
 * Returns GP_OK, or GP_EINVAL at "path.key" for the first unknown key, or at
 * path if obj is not an object. */
gp_code gp_json_check_keys(const json_t *obj, const char *const *allowed, const char *path,
                           gp_error *err);

/* Reads obj[key] as a string copied into a. Missing or null: GP_EINVAL when
 * required, else *out = NULL and GP_OK. Wrong type or empty: GP_EINVAL. */
gp_code gp_json_string(const json_t *obj, const char *key, bool required, gp_arena *a,
                       const char *path, char **out, gp_error *err);

/* Reads obj[key] as a finite number (integer or real). *present (may be NULL)
 * says whether it was there; a missing required key is GP_EINVAL. */
gp_code gp_json_number(const json_t *obj, const char *key, bool required, const char *path,
                       double *out, bool *present, gp_error *err);

/* Reads obj[key] as an integer in [min, max]. */
gp_code gp_json_int(const json_t *obj, const char *key, bool required, long min, long max,
                    const char *path, long *out, bool *present, gp_error *err);

/* A new JSON number for v: an integer when v is integral and |v| < 2^53
 * (so 50000 prints as 50000, not 50000.0), else a real. NaN and infinities
 * give JSON null. Returns a new reference. */
json_t *gp_json_num(double v);

/* Sets obj[key] = v (stealing the reference) unless v is NULL. */
void gp_json_set(json_t *obj, const char *key, json_t *v);

/* Sets obj[key] to a string when s is non-NULL (nothing otherwise). */
void gp_json_set_str(json_t *obj, const char *key, const char *s);

/* Parses text (len bytes) with duplicate keys refused. On a syntax error
 * returns NULL with GP_ESYNTAX at "NAME:line:column". The caller owns the
 * result (json_decref). */
json_t *gp_json_parse(const char *text, size_t len, const char *name, gp_error *err);

/* Dumps doc in the canonical form every gameplan document uses: two-space
 * indentation, key order kept, 15 significant digits for reals, and a final
 * newline. Returns a malloc'd string the caller frees, or NULL on ENOMEM. */
char *gp_json_dump(const json_t *doc);

#endif
