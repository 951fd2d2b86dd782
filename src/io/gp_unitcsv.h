/*
 * gp_unitcsv — the reader behind `gameplan import unit-data`: a CSV with one
 * row a unit (a school, a force, a hospital), from which the caller names
 * the columns to take: the unit id, its name and parent, the value(s) and
 * the context covariates; other columns are ignored (a DfE performance
 * table has 318). Parsing is RFC 4180 by libcsv.
 *
 * Cells: numbers, optionally with a trailing "%" ("53%" reads 53) and
 * surrounding spaces. Suppressed or missing cells — "SUPP", "NE", "NP",
 * "LOWCOV", "x", "", and cells absent from a short row — become missing,
 * counted by reason. Anything else where a number is expected is an error
 * naming FILE:ROW:COLUMN (ROW counts the header as 1; COLUMN is the
 * 1-based field number) and the column's name. Further errors: a unit id
 * used twice (naming both rows), a negative count, a denominator of zero or
 * below its numerator, a covariate constant or missing for every unit, no
 * rows with a value.
 */
#ifndef GP_UNITCSV_H
#define GP_UNITCSV_H

#include <stdio.h>

#include "store/gp_store_units.h"
#include "util/gp_error.h"

/* Which columns to read (NULL: not used). Exactly one of value,
 * numerator+denominator, observed+expected is given; with value, se or
 * lower+upper may be. */
typedef struct gp_unitcsv_spec {
  const char *unit;              /* unit id column (required) */
  const char *name;              /* unit name column */
  const char *parent;            /* parent place column */
  const char *value;             /* score column */
  const char *se;                /* its standard error */
  const char *lower;             /* its lower confidence limit */
  const char *upper;             /* its upper confidence limit */
  double level;                  /* the limits' two-sided level (0.95): se = (upper-lower)/(2 z) */
  const char *numerator;         /* count column */
  const char *denominator;       /* its denominator */
  const char *observed;          /* observed count column */
  const char *expected;          /* its expected count */
  const char *const *covariates; /* covariate columns */
  size_t ncov;                   /* how many */
  const char *where_col;         /* keep only rows whose where_col equals where_val */
  const char *where_val;         /* (both NULL: every row) */
} gp_unitcsv_spec;

/* Reads f (kept open by the caller; name is used in error places) into *out:
 * ids, names, parents, values, kind, covariates, missing reasons and counts
 * (metric_id, period and period_start are left for the caller). Returns
 * GP_OK, GP_EINVAL/GP_ESYNTAX naming the place, or GP_EIO. On failure *out
 * is empty. */
gp_code gp_unitcsv_read(FILE *f, const char *name, const gp_unitcsv_spec *spec,
                        gp_unit_dataset *out, gp_error *err);

/* Reads one cell: returns 1 with *v for a number (a trailing '%' allowed),
 * 0 with *reason (a static string: "SUPP", "NE", "NP", "LOWCOV", "x",
 * "empty") for a missing cell, -1 when it is neither. */
int gp_unitcsv_cell(const char *s, double *v, const char **reason);

#endif
