/*
 * gp_period — the periods of PRODUCT.md: "2024" (calendar year), "2024/25"
 * (UK financial year, 1 April to 31 March), "2024-Q3", "2024-07" and
 * "2024-07-15".
 *
 * Time in analyses is measured in years from a period's start date:
 * gp_period_years(a, b) = (start(b) − start(a)) in days / 365.25.
 * Days are counted from 1970-01-01 in the proleptic Gregorian calendar.
 */
#ifndef GP_PERIOD_H
#define GP_PERIOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/gp_error.h"

typedef enum gp_period_kind {
  GP_PERIOD_YEAR,    /* "2024" */
  GP_PERIOD_FY,      /* "2024/25": April 2024 to March 2025 */
  GP_PERIOD_QUARTER, /* "2024-Q3" */
  GP_PERIOD_MONTH,   /* "2024-07" */
  GP_PERIOD_DAY      /* "2024-07-15" */
} gp_period_kind;

typedef struct gp_period {
  gp_period_kind kind; /* which form */
  int year;            /* 1000..9999; for FY, the year it starts in */
  int quarter;         /* 1..4 for QUARTER, else 0 */
  int month;           /* 1..12 for MONTH and DAY, else 0 */
  int day;             /* 1..31 for DAY, else 0 */
} gp_period;

/* Longest formatted period plus NUL ("2024-07-15" is 11), with room to spare. */
#define GP_PERIOD_MAX 16

/* Parses the len bytes at s. Returns true and fills *out when they are a
 * valid period (including a real calendar date, and "YYYY/YY" whose second
 * part is the next year), false otherwise. */
bool gp_period_parse(const char *s, size_t len, gp_period *out);

/* As gp_period_parse on a NUL-terminated string, reporting a failure in err
 * with the given path. Returns GP_OK or GP_EINVAL. */
gp_code gp_period_parse_str(const char *s, gp_period *out, const char *path, gp_error *err);

/* Writes the canonical form into buf (at least GP_PERIOD_MAX bytes). */
void gp_period_format(const gp_period *p, char buf[GP_PERIOD_MAX]);

/* Day number (days since 1970-01-01) of the period's first day. */
int32_t gp_period_start_day(const gp_period *p);

/* Day number of the day after the period's last day. */
int32_t gp_period_end_day(const gp_period *p);

/* Years from the start of a to the start of b (negative if b is earlier). */
double gp_period_years(const gp_period *a, const gp_period *b);

/* Orders periods by start day, then by length (shorter first). */
int gp_period_cmp(const gp_period *a, const gp_period *b);

/* Day number of a calendar date (no validation). */
int32_t gp_days_from_civil(int y, int m, int d);

/* Whether y-m-d is a real date. */
bool gp_date_valid(int y, int m, int d);

#endif
