/*
 * gp_planfile — the game plan file (PRODUCT.md): JSON text to a gp_plan and
 * back. This module owns the top level and the "mission", "metrics" and
 * "targets" sections; io/gp_graphfile.c owns the theory-of-change sections.
 *
 * Reading is strict: unknown keys, wrong types, missing required members,
 * invalid periods and broken references are refused with the JSON path of
 * the first fault. Writing is canonical (fixed key order, absent optional
 * members omitted, integral numbers as integers, two-space indentation), so
 * export → apply → export gives the same bytes.
 */
#ifndef GP_PLANFILE_H
#define GP_PLANFILE_H

#include <jansson.h>
#include <stddef.h>

#include "model/gp_plan.h"

/* Builds a plan from a parsed document. On success *out is a new plan the
 * caller frees with gp_plan_free; on failure *out is NULL and err has the
 * path. Returns GP_OK or GP_EINVAL (GP_ENOMEM if allocation fails). */
gp_code gp_planfile_from_json(const json_t *root, gp_plan **out, gp_error *err);

/* Parses len bytes of JSON text; name is used in syntax-error positions
 * ("NAME:line:column"). Returns as gp_planfile_from_json, or GP_ESYNTAX. */
gp_code gp_planfile_parse(const char *text, size_t len, const char *name, gp_plan **out,
                          gp_error *err);

/* Reads and parses a file ("-" is standard input). Returns as
 * gp_planfile_parse, or GP_EIO when the file cannot be read. */
gp_code gp_planfile_load(const char *file, gp_plan **out, gp_error *err);

/* The plan as a JSON document in canonical order; a new reference the caller
 * decrefs, or NULL on ENOMEM. */
json_t *gp_planfile_to_json(const gp_plan *p);

/* The canonical text of the plan (with a final newline), malloc'd; the
 * caller frees it. NULL on ENOMEM. */
char *gp_planfile_dump(const gp_plan *p);

/* Reads a whole file (or "-" for stdin) into a malloc'd, NUL-terminated
 * buffer, refusing files larger than max bytes (GP_ETOOBIG). *len gets the
 * size. Returns GP_OK or GP_EIO/GP_ETOOBIG naming the file. */
gp_code gp_read_file(const char *file, size_t max, char **out, size_t *len, gp_error *err);

#endif
