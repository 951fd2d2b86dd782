/* gp_period — see gp_period.h. */
#include "model/gp_period.h"

#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days_from_civil, "chrono-Compatible Low-Level Date
 * Algorithms" (2013), http://howardhinnant.github.io/date_algorithms.html */
int32_t gp_days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static bool gp_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool gp_date_valid(int y, int m, int d) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int n = mdays[m - 1] + (m == 2 && gp_leap(y));
  return d <= n;
}

/* Reads exactly n decimal digits at s into *v. */
static bool gp_digits(const char *s, size_t n, int *v) {
  int x = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return true;
}

bool gp_period_parse(const char *s, size_t len, gp_period *out) {
  gp_period p = {0};
  if (len < 4 || !gp_digits(s, 4, &p.year) || p.year < 1000) return false;
  if (len == 4) {
    p.kind = GP_PERIOD_YEAR;
  } else if (len == 7 && s[4] == '/') {
    int yy;
    if (!gp_digits(s + 5, 2, &yy) || yy != (p.year + 1) % 100) return false;
    p.kind = GP_PERIOD_FY;
  } else if (len == 7 && s[4] == '-' && s[5] == 'Q') {
    if (!gp_digits(s + 6, 1, &p.quarter) || p.quarter < 1 || p.quarter > 4) return false;
    p.kind = GP_PERIOD_QUARTER;
  } else if (len == 7 && s[4] == '-') {
    if (!gp_digits(s + 5, 2, &p.month) || p.month < 1 || p.month > 12) return false;
    p.kind = GP_PERIOD_MONTH;
  } else if (len == 10 && s[4] == '-' && s[7] == '-') {
    if (!gp_digits(s + 5, 2, &p.month) || !gp_digits(s + 8, 2, &p.day)) return false;
    if (!gp_date_valid(p.year, p.month, p.day)) return false;
    p.kind = GP_PERIOD_DAY;
  } else {
    return false;
  }
  *out = p;
  return true;
}

gp_code gp_period_parse_str(const char *s, gp_period *out, const char *path, gp_error *err) {
  if (s && gp_period_parse(s, strlen(s), out)) return GP_OK;
  return gp_fail(err, GP_EINVAL, path,
                 "'%s' is not a period (expected 2024, 2024/25, 2024-Q3, 2024-07 or 2024-07-15)",
                 s ? s : "");
}

/* Writes v as exactly w decimal digits at p; returns p + w. */
static char *gp_put_digits(char *p, int v, int w) {
  for (int i = w - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return p + w;
}

/* Formats without printf: this runs once per imported row. */
void gp_period_format(const gp_period *p, char buf[GP_PERIOD_MAX]) {
  char *o = gp_put_digits(buf, p->year % 10000, 4);
  switch (p->kind) {
  case GP_PERIOD_YEAR: break;
  case GP_PERIOD_FY:
    *o++ = '/';
    o = gp_put_digits(o, (p->year + 1) % 100, 2);
    break;
  case GP_PERIOD_QUARTER:
    *o++ = '-';
    *o++ = 'Q';
    o = gp_put_digits(o, p->quarter % 10, 1);
    break;
  case GP_PERIOD_MONTH:
    *o++ = '-';
    o = gp_put_digits(o, p->month % 100, 2);
    break;
  case GP_PERIOD_DAY:
    *o++ = '-';
    o = gp_put_digits(o, p->month % 100, 2);
    *o++ = '-';
    o = gp_put_digits(o, p->day % 100, 2);
    break;
  }
  *o = '\0';
}

int32_t gp_period_start_day(const gp_period *p) {
  switch (p->kind) {
  case GP_PERIOD_YEAR: return gp_days_from_civil(p->year, 1, 1);
  case GP_PERIOD_FY: return gp_days_from_civil(p->year, 4, 1);
  case GP_PERIOD_QUARTER: return gp_days_from_civil(p->year, 3 * (p->quarter - 1) + 1, 1);
  case GP_PERIOD_MONTH: return gp_days_from_civil(p->year, p->month, 1);
  case GP_PERIOD_DAY: return gp_days_from_civil(p->year, p->month, p->day);
  }
  return 0;
}

int32_t gp_period_end_day(const gp_period *p) {
  switch (p->kind) {
  case GP_PERIOD_YEAR: return gp_days_from_civil(p->year + 1, 1, 1);
  case GP_PERIOD_FY: return gp_days_from_civil(p->year + 1, 4, 1);
  case GP_PERIOD_QUARTER:
    return p->quarter == 4 ? gp_days_from_civil(p->year + 1, 1, 1)
                           : gp_days_from_civil(p->year, 3 * p->quarter + 1, 1);
  case GP_PERIOD_MONTH:
    return p->month == 12 ? gp_days_from_civil(p->year + 1, 1, 1)
                          : gp_days_from_civil(p->year, p->month + 1, 1);
  case GP_PERIOD_DAY: return gp_days_from_civil(p->year, p->month, p->day) + 1;
  }
  return 0;
}

double gp_period_years(const gp_period *a, const gp_period *b) {
  return (double)(gp_period_start_day(b) - gp_period_start_day(a)) / 365.25;
}

int gp_period_cmp(const gp_period *a, const gp_period *b) {
  int32_t sa = gp_period_start_day(a), sb = gp_period_start_day(b);
  if (sa != sb) return sa < sb ? -1 : 1;
  int32_t la = gp_period_end_day(a) - sa, lb = gp_period_end_day(b) - sb;
  return la < lb ? -1 : la > lb;
}
