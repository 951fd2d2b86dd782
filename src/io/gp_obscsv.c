/*
 * gp_obscsv — observation CSV reader; see gp_obscsv.h.
 *
 * libcsv parses; we feed it one input line at a time (getline), so the
 * rows it completes during a feed end on the line just read. Completed rows
 * go into a small queue that gp_obscsv_next drains; each row keeps its
 * fields in one growing buffer reused from row to row.
 *
 * Plain lines -- ending in a newline, with no quote, space, tab or carriage
 * return inside, met while libcsv is between records -- are split on commas
 * here instead, which gives exactly the fields libcsv would (nothing to
 * unquote or trim) at a fraction of the cost; every other line goes to
 * libcsv. The fuzz target checks that both ways give the same rows.
 */
#include "io/gp_obscsv.h"

#include "io/gp_number.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { GP_OBSCSV_MAX_FIELDS = 16, GP_OBSCSV_QUEUE = 64, GP_OBSCSV_MAX_FIELD = 4096 };

typedef enum {
  COL_PERIOD,
  COL_VALUE,
  COL_LOWER,
  COL_UPPER,
  COL_N,
  COL_BREAKDOWN,
  COL_NCOLS
} gp_col;

/* One parsed row: its fields, NUL-separated in text. */
typedef struct gp_csvrow {
  char *text;                       /* field bytes, each NUL-terminated */
  size_t len, cap;                  /* used and allocated bytes of text */
  size_t off[GP_OBSCSV_MAX_FIELDS]; /* start of each field in text */
  size_t nfields;                   /* fields seen (may exceed the max: then too_many) */
  bool too_long;                    /* a field was longer than GP_OBSCSV_MAX_FIELD */
  long line;                        /* line the row started on */
} gp_csvrow;

struct gp_obscsv {
  FILE *f;                                  /* input (not owned) */
  char *name;                               /* file name for errors */
  struct csv_parser parser;                 /* libcsv state */
  char *linebuf;                            /* getline buffer */
  size_t linecap;                           /* its size */
  long line;                                /* lines read so far */
  long offset;                              /* bytes read so far */
  bool eof;                                 /* input exhausted and parser finished */
  gp_csvrow queue[GP_OBSCSV_QUEUE];         /* completed rows (ring) */
  size_t qhead, qlen;                       /* ring position and length */
  gp_csvrow cur;                            /* row being built by the callbacks */
  bool row_started;                         /* cur has at least one field */
  bool libcsv_only;                         /* every line through libcsv (for the fuzz target) */
  int col[COL_NCOLS];                       /* field index of each column, -1 if absent */
  gp_breakdown_kind bkind;                  /* the breakdown column's kind */
  size_t ncols;                             /* header width */
  char *header[GP_OBSCSV_MAX_FIELDS];       /* header names */
  gp_csvrow last;                           /* the row last returned */
  const char *fields[GP_OBSCSV_MAX_FIELDS]; /* its fields, for gp_obscsv_fields */
};

static bool gp_row_push(gp_csvrow *r, const char *s, size_t n) {
  if (n > GP_OBSCSV_MAX_FIELD) {
    r->too_long = true;
    n = GP_OBSCSV_MAX_FIELD;
  }
  if (r->nfields < GP_OBSCSV_MAX_FIELDS) {
    if (r->len + n + 1 > r->cap) {
      size_t cap = r->cap ? r->cap * 2 : 256;
      while (cap < r->len + n + 1)
        cap *= 2;
      char *t = realloc(r->text, cap);
      if (!t) return false;
      r->text = t;
      r->cap = cap;
    }
    r->off[r->nfields] = r->len;
    memcpy(r->text + r->len, s, n);
    r->text[r->len + n] = '\0';
    r->len += n + 1;
  }
  r->nfields++;
  return true;
}

static void gp_cb_field(void *s, size_t n, void *data) {
  gp_obscsv *r = data;
  if (!r->row_started) {
    r->row_started = true;
    r->cur.line = r->line;
  }
  gp_row_push(&r->cur, s ? s : "", s ? n : 0);
}

static void gp_cb_row(int c, void *data) {
  (void)c;
  gp_obscsv *r = data;
  if (!r->row_started) return;
  gp_csvrow *slot = &r->queue[(r->qhead + r->qlen) % GP_OBSCSV_QUEUE];
  /* Swap buffers so that nothing is copied. */
  gp_csvrow tmp = *slot;
  *slot = r->cur;
  r->cur = tmp;
  r->cur.len = 0;
  r->cur.nfields = 0;
  r->cur.too_long = false;
  r->row_started = false;
  r->qlen++;
}

/* Bytes that keep a line off the plain path: quote, space, tab, CR, NUL. */
static const unsigned char gp_unplain[256] = {
    ['"'] = 1, [' '] = 1, ['\t'] = 1, ['\r'] = 1, [0] = 1};

/* Splits line[0..n) (n bytes before its newline, or its CR LF) on commas
 * into one row, as libcsv would, when the line is plain; false otherwise. */
static bool gp_plain_line(gp_obscsv *r, const char *line, size_t n) {
  if (n > 0 && line[n - 1] == '\r') n--;
  if (n == 0) return false; /* libcsv skips empty lines: let it */
  for (size_t i = 0; i < n; i++)
    if (gp_unplain[(unsigned char)line[i]]) return false;
  size_t a = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && line[i] != ',') continue;
    gp_cb_field(i > a ? (void *)(line + a) : NULL, i - a, r); /* empty: NULL, as libcsv */
    a = i + 1;
  }
  gp_cb_row('\n', r);
  return true;
}

/* Feeds input until a row is queued or the input ends. */
static gp_code gp_fill(gp_obscsv *r, gp_error *err) {
  while (r->qlen == 0 && !r->eof) {
    ssize_t n = getline(&r->linebuf, &r->linecap, r->f);
    if (n < 0) {
      if (ferror(r->f)) return gp_fail(err, GP_EIO, r->name, "read error: %s", strerror(errno));
      if (csv_fini(&r->parser, gp_cb_field, gp_cb_row, r) != 0) {
        char p[300];
        snprintf(p, sizeof p, "%s:%ld", r->name, r->line);
        return gp_fail(err, GP_ESYNTAX, p, "%s", csv_strerror(csv_error(&r->parser)));
      }
      r->eof = true;
      break;
    }
    r->line++;
    r->offset += n;
    if (!r->libcsv_only && r->linebuf[n - 1] == '\n' && r->parser.pstate == 0 &&
        r->parser.entry_pos == 0 && !r->row_started && gp_plain_line(r, r->linebuf, (size_t)n - 1))
      continue;
    if (csv_parse(&r->parser, r->linebuf, (size_t)n, gp_cb_field, gp_cb_row, r) != (size_t)n) {
      char p[300];
      snprintf(p, sizeof p, "%s:%ld", r->name, r->line);
      return gp_fail(err, GP_ESYNTAX, p, "%s", csv_strerror(csv_error(&r->parser)));
    }
  }
  return GP_OK;
}

/* Pops the next row into r->last. Returns false at the end. */
static bool gp_pop(gp_obscsv *r) {
  if (r->qlen == 0) return false;
  gp_csvrow tmp = r->last;
  r->last = r->queue[r->qhead];
  r->queue[r->qhead] = tmp;
  r->qhead = (r->qhead + 1) % GP_OBSCSV_QUEUE;
  r->qlen--;
  size_t nf = r->last.nfields < GP_OBSCSV_MAX_FIELDS ? r->last.nfields : GP_OBSCSV_MAX_FIELDS;
  for (size_t i = 0; i < nf; i++)
    r->fields[i] = r->last.text + r->last.off[i];
  return true;
}

static gp_code gp_at(gp_obscsv *r, gp_error *err, long line, size_t col, gp_code code,
                     const char *fmt, const char *a, const char *b) {
  char p[320];
  snprintf(p, sizeof p, "%s:%ld:%zu", r->name, line, col);
  return gp_fail(err, code, p, fmt, a, b);
}

gp_code gp_obscsv_open(FILE *f, const char *name, gp_obscsv **out, gp_error *err) {
  return gp_obscsv_open_ex(f, name, false, out, err);
}

gp_code gp_obscsv_open_ex(FILE *f, const char *name, bool libcsv_only, gp_obscsv **out,
                          gp_error *err) {
  *out = NULL;
  gp_obscsv *r = calloc(1, sizeof *r);
  if (!r) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  r->f = f;
  r->libcsv_only = libcsv_only;
  r->name = strdup(name);
  if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) !=
          0 ||
      !r->name) {
    gp_obscsv_close(r);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (int i = 0; i < COL_NCOLS; i++)
    r->col[i] = -1;
  gp_code rc = gp_fill(r, err);
  if (rc) goto fail;
  if (!gp_pop(r)) {
    rc = gp_fail(err, GP_EINVAL, name, "the file is empty: expected a header line 'period,value'");
    goto fail;
  }
  if (r->last.nfields > GP_OBSCSV_MAX_FIELDS) {
    rc = gp_at(r, err, r->last.line, GP_OBSCSV_MAX_FIELDS + 1, GP_EINVAL, "too many columns%s%s",
               "", "");
    goto fail;
  }
  r->ncols = r->last.nfields;
  static const char *const names[] = {"period", "value", "lower", "upper", "n"};
  for (size_t i = 0; i < r->ncols; i++) {
    const char *h = r->fields[i];
    if (i == 0 && !strncmp(h, "\xEF\xBB\xBF", 3)) h += 3; /* a UTF-8 byte-order mark */
    r->header[i] = strdup(h);
    int which = -1;
    for (int k = 0; k < 5; k++)
      if (!strcmp(h, names[k])) which = k;
    gp_breakdown_kind bk;
    if (which < 0 && *h && gp_breakdown_kind_parse(h, &bk)) {
      if (r->col[COL_BREAKDOWN] >= 0) {
        rc = gp_at(r, err, r->last.line, i + 1, GP_EINVAL,
                   "a second breakdown column '%s'%s: give one of place, group or unit", h, "");
        goto fail;
      }
      which = COL_BREAKDOWN;
      r->bkind = bk;
    }
    if (which < 0) {
      rc = gp_at(r, err, r->last.line, i + 1, GP_EINVAL,
                 "unknown column '%s'%s (expected period, value, lower, upper, n, and one of "
                 "place, group, unit)",
                 h, "");
      goto fail;
    }
    if (r->col[which] >= 0) {
      rc = gp_at(r, err, r->last.line, i + 1, GP_EINVAL, "column '%s' appears twice%s", h, "");
      goto fail;
    }
    r->col[which] = (int)i;
  }
  if (r->col[COL_PERIOD] < 0 || r->col[COL_VALUE] < 0) {
    rc = gp_at(r, err, r->last.line, 1, GP_EINVAL,
               "the header needs columns 'period' and 'value'%s%s", "", "");
    goto fail;
  }
  *out = r;
  return GP_OK;
fail:
  gp_obscsv_close(r);
  return rc;
}

bool gp_parse_number(const char *s, double *out) {
  while (*s == ' ' || *s == '\t')
    s++;
  if (!*s) return false;
  if (gp_number_fast(s, out)) return true; /* a plain decimal: strtod's value, quickly */
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || errno == ERANGE || !isfinite(v)) return false;
  while (*end == ' ' || *end == '\t' || *end == '\r')
    end++;
  if (*end) return false;
  /* strtod accepts hex and "inf"/"nan"; a data file should not. */
  for (const char *c = s; c < end; c++)
    if (*c == 'x' || *c == 'X' || *c == 'n' || *c == 'N' || *c == 'i' || *c == 'I') return false;
  *out = v;
  return true;
}

/* The cell of column c in the last row, or NULL if the column is absent or
 * the cell is empty. */
static const char *gp_cell(const gp_obscsv *r, gp_col c) {
  int i = r->col[c];
  if (i < 0) return NULL;
  const char *s = r->fields[i];
  return *s ? s : NULL;
}

gp_code gp_obscsv_next(gp_obscsv *r, gp_observation *o, bool *done, long *line, gp_error *err) {
  *done = false;
  gp_code rc = gp_fill(r, err);
  if (rc) return rc;
  if (!gp_pop(r)) {
    *done = true;
    return GP_OK;
  }
  long ln = r->last.line;
  *line = ln;
  memset(o, 0, sizeof *o);
  if (r->last.nfields != r->ncols) {
    char got[24], want[24];
    snprintf(got, sizeof got, "%zu", r->last.nfields);
    snprintf(want, sizeof want, "%zu", r->ncols);
    return gp_at(r, err, ln, (r->last.nfields < r->ncols ? r->last.nfields : r->ncols) + 1,
                 GP_EINVAL, "the row has %s fields; the header has %s", got, want);
  }
  if (r->last.too_long)
    return gp_at(r, err, ln, 1, GP_EINVAL, "a field is longer than 4096 bytes%s%s", "", "");
  const char *p = gp_cell(r, COL_PERIOD);
  size_t pc = (size_t)r->col[COL_PERIOD] + 1;
  if (!p) return gp_at(r, err, ln, pc, GP_EINVAL, "period is empty%s%s", "", "");
  if (!gp_period_parse(p, strlen(p), &o->period))
    return gp_at(r, err, ln, pc, GP_EINVAL,
                 "'%s' is not a period%s (expected 2024, 2024/25, 2024-Q3, 2024-07 or 2024-07-15)",
                 p, "");
  struct {
    gp_col c;
    double *dst;
    bool *has;
    const char *name;
  } nums[] = {{COL_VALUE, &o->value, NULL, "value"},
              {COL_LOWER, &o->lower, &o->has_lower, "lower"},
              {COL_UPPER, &o->upper, &o->has_upper, "upper"}};
  for (size_t k = 0; k < 3; k++) {
    const char *s = gp_cell(r, nums[k].c);
    size_t cc = (size_t)r->col[nums[k].c] + 1;
    if (!s) {
      if (!nums[k].has) return gp_at(r, err, ln, cc, GP_EINVAL, "value is empty%s%s", "", "");
      continue;
    }
    if (!gp_parse_number(s, nums[k].dst))
      return gp_at(r, err, ln, cc, GP_EINVAL, "%s '%s' is not a number", nums[k].name, s);
    if (nums[k].has) *nums[k].has = true;
  }
  const char *n = gp_cell(r, COL_N);
  if (n) {
    char *end;
    errno = 0;
    long v = strtol(n, &end, 10);
    if (end == n || *end || errno || v < 0)
      return gp_at(r, err, ln, (size_t)r->col[COL_N] + 1, GP_EINVAL,
                   "n '%s' is not a whole number%s >= 0", n, "");
    o->has_n = true;
    o->n = v;
  }
  const char *b = gp_cell(r, COL_BREAKDOWN);
  if (b) {
    o->kind = r->bkind;
    o->breakdown = b;
  }
  char pos[300];
  snprintf(pos, sizeof pos, "%s:%ld", r->name, ln);
  return gp_observation_validate(o, pos, err);
}

const char *const *gp_obscsv_fields(const gp_obscsv *r, size_t *n) {
  *n = r->last.nfields < GP_OBSCSV_MAX_FIELDS ? r->last.nfields : GP_OBSCSV_MAX_FIELDS;
  return r->fields;
}

const char *const *gp_obscsv_header(const gp_obscsv *r, size_t *n) {
  *n = r->ncols;
  return (const char *const *)r->header;
}

long gp_obscsv_offset(const gp_obscsv *r) { return r->offset; }

void gp_obscsv_close(gp_obscsv *r) {
  if (!r) return;
  csv_free(&r->parser);
  free(r->linebuf);
  free(r->name);
  for (size_t i = 0; i < GP_OBSCSV_QUEUE; i++)
    free(r->queue[i].text);
  free(r->cur.text);
  free(r->last.text);
  for (size_t i = 0; i < GP_OBSCSV_MAX_FIELDS; i++)
    free(r->header[i]);
  free(r);
}
