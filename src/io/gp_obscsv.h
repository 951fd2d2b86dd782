/*
 * gp_obscsv — the observation CSV reader (`gameplan import observations`).
 *
 * Columns: `period` and `value` (required), `lower`, `upper`, `n`
 * (optional), and at most one breakdown column: `place`, `group` or `unit`
 * (an empty cell there is the headline series). Any other column is an
 * error. Parsing is RFC 4180 by libcsv, streamed one line at a time, so
 * memory stays flat in the file's size.
 *
 * Errors name the place as "FILE:LINE:COLUMN" (COLUMN is the 1-based field
 * number) and the reason, e.g. "obs.csv:12:2: value 'abc' is not a number".
 */
#ifndef GP_OBSCSV_H
#define GP_OBSCSV_H

#include <stdbool.h>
#include <stdio.h>

#include "model/gp_observation.h"

typedef struct gp_obscsv gp_obscsv;

/* Starts reading f (which the caller keeps open and closes after
 * gp_obscsv_close); name is used in error positions. Reads and checks the
 * header. Returns GP_OK with *out, or GP_EINVAL/GP_ESYNTAX/GP_EIO. */
gp_code gp_obscsv_open(FILE *f, const char *name, gp_obscsv **out, gp_error *err);

/* As gp_obscsv_open; with libcsv_only every line goes through libcsv, none
 * through the plain-line path (the fuzz target compares the two). */
gp_code gp_obscsv_open_ex(FILE *f, const char *name, bool libcsv_only, gp_obscsv **out,
                          gp_error *err);

/* Reads the next row into *o (its strings stay valid until the next call).
 * Returns GP_OK with *done = false and a row, GP_OK with *done = true at the
 * end, or an error for this row (the reader can go on to the next row after
 * a GP_EINVAL: bad rows may be skipped). *line gets the row's line. */
gp_code gp_obscsv_next(gp_obscsv *r, gp_observation *o, bool *done, long *line, gp_error *err);

/* The raw fields of the row last returned (for writing rejects), and how
 * many. Valid until the next call. */
const char *const *gp_obscsv_fields(const gp_obscsv *r, size_t *n);

/* The header line's field names, and how many. */
const char *const *gp_obscsv_header(const gp_obscsv *r, size_t *n);

/* Bytes consumed so far (for progress). */
long gp_obscsv_offset(const gp_obscsv *r);

/* Frees the reader (NULL allowed); does not close the FILE. */
void gp_obscsv_close(gp_obscsv *r);

/* Parses a number cell strictly: optional surrounding spaces, a finite
 * decimal number, nothing else. Returns false if it is not one. */
bool gp_parse_number(const char *s, double *out);

#endif
