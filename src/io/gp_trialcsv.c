/* gp_trialcsv — streaming CSV for trials; see gp_trialcsv.h. */
#include "io/gp_trialcsv.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the streaming reader ------------------------------------------------ */

/* Most fields a record may have. */
#define GP_TRIALCSV_MAX_FIELDS 100000

/* Scanner state shared with libcsv's callbacks. */
typedef struct gp_scan {
  const char *name;  /* file name for errors */
  char *buf;         /* the current record's field texts, NUL-separated */
  size_t len, cap;   /* used and allocated bytes of buf */
  size_t *off;       /* field offsets in buf */
  const char **ptrs; /* field pointers handed to the callback */
  int nf, capf;      /* fields in the record, allocated */
  long line;         /* records completed so far */
  gp_trialcsv_fn fn; /* the callback */
  void *ctx;         /* its context */
  gp_error *err;     /* where errors go */
  gp_code rc;        /* first failure */
} gp_scan;

static void gp_scan_field(void *s, size_t n, void *data) {
  gp_scan *sc = data;
  if (sc->rc) return;
  if (sc->nf >= GP_TRIALCSV_MAX_FIELDS) {
    sc->rc = gp_fail(sc->err, GP_ETOOBIG, NULL, "%s:%ld: more than %d fields", sc->name,
                     sc->line + 1, GP_TRIALCSV_MAX_FIELDS);
    return;
  }
  if (sc->len + n + 1 > sc->cap) {
    size_t nc = sc->cap ? sc->cap : 256;
    while (nc < sc->len + n + 1)
      nc *= 2;
    char *b = realloc(sc->buf, nc);
    if (!b) {
      sc->rc = gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
      return;
    }
    sc->buf = b;
    sc->cap = nc;
  }
  if (sc->nf == sc->capf) {
    int nc = sc->capf ? sc->capf * 2 : 16;
    size_t *o = realloc(sc->off, (size_t)nc * sizeof *o);
    if (o) sc->off = o;
    const char **p = realloc(sc->ptrs, (size_t)nc * sizeof *p);
    if (p) sc->ptrs = p;
    if (!o || !p) {
      sc->rc = gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
      return;
    }
    sc->capf = nc;
  }
  sc->off[sc->nf++] = sc->len;
  if (n) memcpy(sc->buf + sc->len, s, n);
  sc->len += n;
  sc->buf[sc->len++] = '\0';
}

static void gp_scan_emit(gp_scan *sc);

static void gp_scan_row(int c, void *data) {
  (void)c;
  gp_scan *sc = data;
  if (sc->rc) return;
  for (int i = 0; i < sc->nf; i++)
    sc->ptrs[i] = sc->buf + sc->off[i];
  gp_scan_emit(sc);
}

static void gp_scan_free(gp_scan *sc) { free(sc->buf), free(sc->off), free(sc->ptrs); }

/* Hands the record in sc->ptrs[0..nf-1] to the callback. */
static void gp_scan_emit(gp_scan *sc) {
  sc->line++;
  /* A UTF-8 byte-order mark before the header is not part of the first name. */
  if (sc->line == 1 && sc->nf > 0 && !strncmp(sc->ptrs[0], "\xEF\xBB\xBF", 3)) sc->ptrs[0] += 3;
  gp_trialcsv_row row = {sc->line, sc->nf, sc->ptrs};
  sc->rc = sc->fn(sc->ctx, &row, sc->err);
  sc->nf = 0;
  sc->len = 0;
}

/* Byte classes of the plain-line splitter: 1 a comma; 2 a byte only libcsv
 * may interpret (a quote; a space or tab, which libcsv trims around unquoted
 * fields; a carriage return; a NUL). */
static const unsigned char gp_cls[256] = {
    [','] = 1, ['"'] = 2, [' '] = 2, ['\t'] = 2, ['\r'] = 2, [0] = 2};

/* Makes room for n fields in sc->off and sc->ptrs. */
static bool gp_scan_room(gp_scan *sc, int n) {
  if (n <= sc->capf) return true;
  int nc = sc->capf ? sc->capf : 16;
  while (nc < n)
    nc *= 2;
  size_t *o = realloc(sc->off, (size_t)nc * sizeof *o);
  if (o) sc->off = o;
  const char **pp = realloc(sc->ptrs, (size_t)nc * sizeof *pp);
  if (pp) sc->ptrs = pp;
  if (!o || !pp) {
    sc->rc = gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
    return false;
  }
  sc->capf = nc;
  return true;
}

/* If the line l (n bytes, without its '\n') is plain — non-empty, with no
 * byte of class 2 except one carriage return at its end — splits it in place
 * at the commas (they and the end become NULs), emits it and returns true:
 * exactly what libcsv would make of it. Otherwise changes nothing and
 * returns false (libcsv takes the line). */
static bool gp_scan_plain(gp_scan *sc, char *l, size_t n) {
  if (n && l[n - 1] == '\r') n--;
  if (n == 0) return false;
  int nf = 1;
  if (!gp_scan_room(sc, 16)) return true;
  sc->off[0] = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char k = gp_cls[(unsigned char)l[i]];
    if (k == 0) continue;
    if (k == 2) return false;
    if (nf >= GP_TRIALCSV_MAX_FIELDS) {
      sc->rc = gp_fail(sc->err, GP_ETOOBIG, NULL, "%s:%ld: more than %d fields", sc->name,
                       sc->line + 1, GP_TRIALCSV_MAX_FIELDS);
      return true;
    }
    if (nf == sc->capf && !gp_scan_room(sc, nf + 1)) return true;
    sc->off[nf++] = i + 1;
  }
  l[n] = '\0';
  sc->ptrs[0] = l;
  for (int f = 1; f < nf; f++) {
    l[sc->off[f] - 1] = '\0';
    sc->ptrs[f] = l + sc->off[f];
  }
  sc->nf = nf;
  gp_scan_emit(sc);
  return true;
}

/* Feeds chunks from read_fn until it returns 0. Complete lines that are
 * plain (gp_scan_plain) are split directly, which is several times faster;
 * every other line — quotes, spaces, stray carriage returns, blank lines,
 * and every line while a quoted field is open — goes through libcsv, whose
 * meaning the fast path reproduces (checked by fuzz/fuzz_trialcsv.c, which
 * compares both ways on every input). pure_libcsv sends everything through
 * libcsv. */
static gp_code gp_scan_run(gp_scan *sc, size_t (*read_fn)(void *, char *, size_t), void *src,
                           bool pure_libcsv) {
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap + 1);
  if (!buf) {
    csv_free(&p);
    return gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
  }
  bool eof = false;
  while (!sc->rc && !eof) {
    if (len == cap) {
      char *nb = realloc(buf, cap * 2 + 1);
      if (!nb) {
        sc->rc = gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t n = read_fn(src, buf + len, cap - len);
    eof = n == 0;
    len += n;
    size_t start = 0;
    while (!sc->rc && start < len) {
      char *nl = memchr(buf + start, '\n', len - start);
      if (!nl && !eof) break;
      size_t l = nl ? (size_t)(nl - (buf + start)) : len - start; /* without the '\n' */
      size_t with = nl ? l + 1 : l;
      if (!pure_libcsv && p.pstate == 0 && gp_scan_plain(sc, buf + start, l)) {
        /* done: split in place (a NUL at buf[start + l] at most) */
      } else if (csv_parse(&p, buf + start, with, gp_scan_field, gp_scan_row, sc) != with &&
                 !sc->rc) {
        sc->rc = gp_fail(sc->err, GP_ESYNTAX, NULL, "%s:%ld: malformed CSV (%s)", sc->name,
                         sc->line + 1, csv_strerror(csv_error(&p)));
      }
      start += with;
    }
    memmove(buf, buf + start, len - start);
    len -= start;
  }
  free(buf);
  if (!sc->rc && csv_fini(&p, gp_scan_field, gp_scan_row, sc) != 0 && !sc->rc)
    sc->rc = gp_fail(sc->err, GP_ESYNTAX, NULL, "%s:%ld: malformed CSV (%s)", sc->name,
                     sc->line + 1, csv_strerror(csv_error(&p)));
  csv_free(&p);
  gp_code rc = sc->rc;
  gp_scan_free(sc);
  return rc;
}

static size_t gp_read_file(void *src, char *buf, size_t n) { return fread(buf, 1, n, src); }

/* A memory source. */
typedef struct gp_memsrc {
  const char *p; /* next byte */
  size_t left;   /* bytes left */
} gp_memsrc;

static size_t gp_read_mem(void *src, char *buf, size_t n) {
  gp_memsrc *m = src;
  if (n > m->left) n = m->left;
  memcpy(buf, m->p, n);
  m->p += n;
  m->left -= n;
  return n;
}

gp_code gp_trialcsv_scan_file(const char *path, gp_trialcsv_fn fn, void *ctx, gp_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return gp_fail(err, GP_EIO, path, "cannot open: %s", strerror(errno));
  gp_scan sc = {.name = path, .fn = fn, .ctx = ctx, .err = err};
  gp_code rc = gp_scan_run(&sc, gp_read_file, f, false);
  if (!rc && ferror(f)) rc = gp_fail(err, GP_EIO, path, "read error");
  fclose(f);
  return rc;
}

gp_code gp_trialcsv_scan_mem(const char *name, const char *buf, size_t len, gp_trialcsv_fn fn,
                             void *ctx, bool pure_libcsv, gp_error *err) {
  gp_memsrc m = {buf, len};
  gp_scan sc = {.name = name, .fn = fn, .ctx = ctx, .err = err};
  return gp_scan_run(&sc, gp_read_mem, &m, pure_libcsv);
}

/* Exact powers of ten (all representable in a double). */
static const double gp_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Clinger's fast path: a plain decimal [-+]digits[.digits][e[-+]digits] whose
 * significand is an integer m <= 2^53 (exact in a double) and whose decimal
 * exponent is within ±22 (10^e exact too) is one correctly rounded
 * multiplication or division: the same double strtod gives. Returns false
 * when the fast path does not apply (strtod then decides). */
static bool gp_fast_number(const char *s, double *out) {
  const char *p = s;
  bool neg = false;
  if (*p == '-')
    neg = true, p++;
  else if (*p == '+')
    p++;
  uint64_t m = 0;
  const char *d0 = p;
  while ((unsigned)(*p - '0') < 10)
    m = m * 10 + (uint64_t)(*p++ - '0');
  long digits = p - d0, frac = 0;
  if (*p == '.') {
    const char *f0 = ++p;
    while ((unsigned)(*p - '0') < 10)
      m = m * 10 + (uint64_t)(*p++ - '0');
    frac = p - f0;
    digits += frac;
  }
  /* at most 19 digits cannot overflow 64 bits; the significand must be exact */
  if (digits == 0 || digits > 19 || m > (1ULL << 53)) return false;
  long exp10 = -frac;
  if (*p == 'e' || *p == 'E') {
    p++;
    bool eneg = false;
    if (*p == '-')
      eneg = true, p++;
    else if (*p == '+')
      p++;
    if ((unsigned)(*p - '0') >= 10) return false;
    long e = 0;
    while ((unsigned)(*p - '0') < 10) {
      if (e > 1000) return false;
      e = e * 10 + (*p++ - '0');
    }
    exp10 += eneg ? -e : e;
  }
  if (*p) return false;
  if (m == 0) {
    *out = neg ? -0.0 : 0.0;
    return true;
  }
  if (exp10 < -22 || exp10 > 22) return false;
  double v = (double)m;
  v = exp10 < 0 ? v / gp_pow10[-exp10] : v * gp_pow10[exp10];
  *out = neg ? -v : v;
  return true;
}

bool gp_trialcsv_number(const char *s, double *out) {
  if (!s || !*s) return false;
  if (gp_fast_number(s, out)) return true;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  while (*end == ' ')
    end++;
  if (*end || !isfinite(v) || end == s) return false; /* underflow (ERANGE) is a number */
  *out = v;
  return true;
}

/* ---- a string → index map ------------------------------------------------ */

/* Labels seen in a column, numbered in order of first appearance. */
typedef struct gp_map {
  char **names; /* index → label (owned) */
  int n;        /* labels */
  int cap;      /* allocated names */
  int *table;   /* open addressing: index + 1, 0 empty */
  size_t tcap;  /* power of two */
} gp_map;

static uint64_t gp_strhash(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void gp_map_free(gp_map *m) {
  for (int i = 0; i < m->n; i++)
    free(m->names[i]);
  free(m->names), free(m->table);
  memset(m, 0, sizeof *m);
}

/* The index of s, or −1. */
static int gp_map_find(const gp_map *m, const char *s) {
  if (!m->tcap) return -1;
  size_t i = (size_t)gp_strhash(s) & (m->tcap - 1);
  while (m->table[i]) {
    if (!strcmp(m->names[m->table[i] - 1], s)) return m->table[i] - 1;
    i = (i + 1) & (m->tcap - 1);
  }
  return -1;
}

/* The index of s, added if new; −1 on ENOMEM. */
static int gp_map_get(gp_map *m, const char *s) {
  int f = gp_map_find(m, s);
  if (f >= 0) return f;
  if ((size_t)(m->n + 1) * 2 > m->tcap) {
    size_t nc = m->tcap ? m->tcap * 2 : 64;
    int *t = calloc(nc, sizeof *t);
    if (!t) return -1;
    for (int k = 0; k < m->n; k++) {
      size_t j = (size_t)gp_strhash(m->names[k]) & (nc - 1);
      while (t[j])
        j = (j + 1) & (nc - 1);
      t[j] = k + 1;
    }
    free(m->table);
    m->table = t;
    m->tcap = nc;
  }
  if (m->n == m->cap) {
    int nc = m->cap ? m->cap * 2 : 16;
    char **nn = realloc(m->names, (size_t)nc * sizeof *nn);
    if (!nn) return -1;
    m->names = nn;
    m->cap = nc;
  }
  char *copy = strdup(s);
  if (!copy) return -1;
  m->names[m->n] = copy;
  size_t i = (size_t)gp_strhash(s) & (m->tcap - 1);
  while (m->table[i])
    i = (i + 1) & (m->tcap - 1);
  m->table[i] = m->n + 1;
  return m->n++;
}

/* The column index of name in the header row, or −1. */
static int gp_col(const gp_trialcsv_row *h, const char *name) {
  for (int i = 0; i < h->nfields; i++)
    if (!strcmp(h->fields[i], name)) return i;
  return -1;
}

/* ---- trial analyse ------------------------------------------------------- */

/* Context of the analysis scan. */
typedef struct gp_actx {
  const gp_trialcsv_analyse_spec *spec; /* the request */
  int pass;                             /* 1 or 2 */
  int arm_col;                          /* column indices */
  int *y_col;                           /* outcome columns */
  int *z_col;                           /* covariate columns */
  int cl_col, st_col;                   /* cluster and strata columns (−1: none) */
  int need;                             /* fields a data row must have */
  gp_map arms, strata, clusters;        /* labels */
  double *y, *z;                        /* parsed values */
  gp_trial_acc acc;                     /* the engine */
  FILE *spool;            /* pass 1 writes each row's numbers here for pass 2 (NULL: re-read CSV) */
  double *rec;            /* one spooled record: arm, stratum, z, y */
  int look_col;           /* look column (−1: none) */
  gp_map looks;           /* look labels */
  gp_trial_moments *lmom; /* per look × GP_TRIALCSV_LOOK_ARMS × outcome moments */
  int lcap;               /* looks allocated in lmom */
} gp_actx;

static gp_code gp_need_col(const gp_trialcsv_row *h, const char *name, const char *opt,
                           const char *file, int *out, gp_error *err) {
  *out = gp_col(h, name);
  if (*out < 0) return gp_fail(err, GP_EINVAL, opt, "no column '%s' in %s", name, file);
  return GP_OK;
}

static gp_code gp_parse_num(const gp_trialcsv_row *r, int col, const char *what,
                            const char *colname, const char *file, double *out, gp_error *err) {
  const char *s = r->fields[col];
  if (gp_trialcsv_number(s, out)) return GP_OK;
  char where[300];
  snprintf(where, sizeof where, "%s:%ld:%d", file, r->line, col + 1);
  if (!*s) return gp_fail(err, GP_EINVAL, where, "%s '%s' is missing", what, colname);
  return gp_fail(err, GP_EINVAL, where, "%s '%s': '%.40s' is not a number", what, colname, s);
}

static gp_code gp_analyse_row(void *vp, const gp_trialcsv_row *r, gp_error *err) {
  gp_actx *c = vp;
  const gp_trialcsv_analyse_spec *s = c->spec;
  if (r->line == 1) {
    if (c->pass == 2) return GP_OK;
    gp_code rc = gp_need_col(r, s->arm, "--arm", s->path, &c->arm_col, err);
    if (rc) return rc;
    c->need = c->arm_col + 1;
    for (int i = 0; i < s->n_outcomes; i++) {
      if ((rc = gp_need_col(r, s->outcomes[i], "--outcome", s->path, &c->y_col[i], err))) return rc;
      if (c->y_col[i] + 1 > c->need) c->need = c->y_col[i] + 1;
    }
    for (int i = 0; i < s->n_covariates; i++) {
      if ((rc = gp_need_col(r, s->covariates[i], "--covariates", s->path, &c->z_col[i], err)))
        return rc;
      if (c->z_col[i] + 1 > c->need) c->need = c->z_col[i] + 1;
    }
    c->cl_col = c->st_col = -1;
    if (s->cluster && (rc = gp_need_col(r, s->cluster, "--cluster", s->path, &c->cl_col, err)))
      return rc;
    if (s->strata && (rc = gp_need_col(r, s->strata, "--strata", s->path, &c->st_col, err)))
      return rc;
    if (c->cl_col + 1 > c->need) c->need = c->cl_col + 1;
    if (c->st_col + 1 > c->need) c->need = c->st_col + 1;
    c->look_col = -1;
    if (s->look && (rc = gp_need_col(r, s->look, "--look", s->path, &c->look_col, err))) return rc;
    if (c->look_col + 1 > c->need) c->need = c->look_col + 1;
    return GP_OK;
  }
  char where[300];
  if (r->nfields < c->need) {
    snprintf(where, sizeof where, "%s:%ld", s->path, r->line);
    return gp_fail(err, GP_EINVAL, where, "has %d fields; the columns used need %d", r->nfields,
                   c->need);
  }
  const char *armv = r->fields[c->arm_col];
  if (!*armv) {
    snprintf(where, sizeof where, "%s:%ld:%d", s->path, r->line, c->arm_col + 1);
    return gp_fail(err, GP_EINVAL, where, "missing arm in column '%s'", s->arm);
  }
  int arm = c->pass == 1 ? gp_map_get(&c->arms, armv) : gp_map_find(&c->arms, armv);
  if (arm < 0) {
    snprintf(where, sizeof where, "%s:%ld:%d", s->path, r->line, c->arm_col + 1);
    return gp_fail(err, c->pass == 1 ? GP_ENOMEM : GP_EINVAL, where,
                   "arm '%.40s' was not there on the first read (file changed?)", armv);
  }
  for (int i = 0; i < s->n_outcomes; i++) {
    gp_code rc = gp_parse_num(r, c->y_col[i], "outcome", s->outcomes[i], s->path, &c->y[i], err);
    if (rc) return rc;
    if (s->binary && c->y[i] != 0 && c->y[i] != 1) {
      snprintf(where, sizeof where, "%s:%ld:%d", s->path, r->line, c->y_col[i] + 1);
      return gp_fail(err, GP_EINVAL, where, "outcome '%s' is %g: --binary needs 0 or 1",
                     s->outcomes[i], c->y[i]);
    }
  }
  for (int i = 0; i < s->n_covariates; i++) {
    gp_code rc =
        gp_parse_num(r, c->z_col[i], "covariate", s->covariates[i], s->path, &c->z[i], err);
    if (rc) return rc;
  }
  int st = 0, cl = 0;
  if (c->st_col >= 0) {
    const char *v = r->fields[c->st_col];
    st = c->pass == 1 ? gp_map_get(&c->strata, v) : gp_map_find(&c->strata, v);
    if (st < 0) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  if (c->cl_col >= 0) {
    const char *v = r->fields[c->cl_col];
    if (!*v) {
      snprintf(where, sizeof where, "%s:%ld:%d", s->path, r->line, c->cl_col + 1);
      return gp_fail(err, GP_EINVAL, where, "missing cluster in column '%s'", s->cluster);
    }
    cl = gp_map_get(&c->clusters, v);
    if (cl < 0) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  if (c->pass == 2) {
    gp_trial_acc_add2(&c->acc, arm, st, c->z, c->y);
    return GP_OK;
  }
  if (c->look_col >= 0) {
    const char *lv = r->fields[c->look_col];
    if (!*lv) {
      snprintf(where, sizeof where, "%s:%ld:%d", s->path, r->line, c->look_col + 1);
      return gp_fail(err, GP_EINVAL, where, "missing look in column '%s'", s->look);
    }
    if (arm >= GP_TRIALCSV_LOOK_ARMS)
      return gp_fail(err, GP_EINVAL, "--look", "at most %d arms", GP_TRIALCSV_LOOK_ARMS);
    int li = gp_map_get(&c->looks, lv);
    if (li < 0) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    int O = s->n_outcomes;
    size_t per = (size_t)GP_TRIALCSV_LOOK_ARMS * O;
    if (li >= c->lcap) {
      int nc = c->lcap ? c->lcap * 2 : 64;
      gp_trial_moments *m = realloc(c->lmom, (size_t)nc * per * sizeof *m);
      if (!m) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
      memset(m + (size_t)c->lcap * per, 0, (size_t)(nc - c->lcap) * per * sizeof *m);
      c->lmom = m;
      c->lcap = nc;
    }
    for (int k = 0; k < O; k++)
      gp_trial_moments_add(&c->lmom[((size_t)li * GP_TRIALCSV_LOOK_ARMS + arm) * O + k], c->y[k]);
  }
  if (c->spool) {
    int nz = s->n_covariates, ny = s->n_outcomes;
    c->rec[0] = arm;
    c->rec[1] = st;
    memcpy(c->rec + 2, c->z, (size_t)nz * sizeof(double));
    memcpy(c->rec + 2 + nz, c->y, (size_t)ny * sizeof(double));
    if (fwrite(c->rec, sizeof(double), (size_t)(2 + nz + ny), c->spool) != (size_t)(2 + nz + ny)) {
      fclose(c->spool); /* disk full: fall back to reading the CSV again */
      c->spool = NULL;
    }
  }
  return gp_trial_acc_add(&c->acc, arm, st, cl, c->z, c->y, err);
}

/* Pass 2 from the spool: the numbers of pass 1, in binary. */
static gp_code gp_spool_pass(gp_actx *c, gp_error *err) {
  int nz = c->spec->n_covariates, ny = c->spec->n_outcomes;
  size_t w = (size_t)(2 + nz + ny), per = 4096;
  double *buf = malloc(per * w * sizeof(double));
  if (!buf) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  if (fflush(c->spool) != 0 || fseek(c->spool, 0, SEEK_SET) != 0) {
    free(buf);
    return gp_fail(err, GP_EIO, NULL, "temporary file failed");
  }
  size_t got;
  while ((got = fread(buf, w * sizeof(double), per, c->spool)) > 0) {
    for (size_t i = 0; i < got; i++) {
      const double *r = buf + i * w;
      gp_trial_acc_add2(&c->acc, (int)r[0], (int)r[1], r + 2, r + 2 + nz);
    }
  }
  bool bad = ferror(c->spool) != 0;
  free(buf);
  if (bad) return gp_fail(err, GP_EIO, NULL, "reading the temporary file failed");
  return GP_OK;
}

static void gp_actx_free(gp_actx *c) {
  gp_map_free(&c->arms), gp_map_free(&c->strata), gp_map_free(&c->clusters);
  free(c->y), free(c->z), free(c->y_col), free(c->z_col), free(c->rec), free(c->lmom);
  gp_map_free(&c->looks);
  if (c->spool) fclose(c->spool);
  gp_trial_acc_free(&c->acc);
}

/* Look labels for sorting. */
typedef struct gp_lookkey {
  const char *label; /* the label */
  double v;          /* its value when every label is a number */
  int index;         /* the look's index */
} gp_lookkey;

static int gp_look_num_cmp(const void *a, const void *b) {
  const gp_lookkey *x = a, *y = b;
  return (x->v > y->v) - (x->v < y->v);
}

static int gp_look_str_cmp(const void *a, const void *b) {
  return strcmp(((const gp_lookkey *)a)->label, ((const gp_lookkey *)b)->label);
}

/* The confidence sequence at every look, looks in order (numeric when every
 * label is a number, else by text: ISO dates sort correctly). */
static gp_code gp_look_path(gp_actx *c, int control, gp_trialcsv_analysis *out, gp_error *err) {
  int L = c->looks.n, K = c->arms.n, O = c->spec->n_outcomes;
  gp_lookkey *keys = calloc((size_t)L, sizeof *keys);
  int *order = calloc((size_t)L, sizeof *order);
  gp_trial_moments *m = calloc((size_t)L * K * O, sizeof *m);
  out->path = calloc((size_t)L * K * O, sizeof *out->path);
  out->look_names = calloc((size_t)L, sizeof(char *));
  if (!keys || !order || !m || !out->path || !out->look_names) goto nomem;
  bool numeric = true;
  for (int i = 0; i < L; i++) {
    keys[i] = (gp_lookkey){c->looks.names[i], 0, i};
    if (!gp_trialcsv_number(keys[i].label, &keys[i].v)) numeric = false;
  }
  qsort(keys, (size_t)L, sizeof *keys, numeric ? gp_look_num_cmp : gp_look_str_cmp);
  for (int i = 0; i < L; i++) {
    order[i] = keys[i].index;
    out->look_names[i] = strdup(keys[i].label);
    if (!out->look_names[i]) goto nomem;
  }
  out->n_looks = L;
  for (int l = 0; l < L; l++)
    for (int a = 0; a < K; a++)
      for (int y = 0; y < O; y++)
        m[((size_t)l * K + a) * O + y] = c->lmom[((size_t)l * GP_TRIALCSV_LOOK_ARMS + a) * O + y];
  gp_trial_seq_path(L, order, K, O, control, m, c->spec->opts.tuning, c->spec->opts.alpha,
                    out->path);
  free(keys), free(order), free(m);
  return GP_OK;
nomem:
  if (out->look_names)
    for (int i = 0; i < L; i++)
      free(out->look_names[i]);
  free(out->look_names), free(out->path), free(keys), free(order), free(m);
  out->look_names = NULL;
  out->path = NULL;
  out->n_looks = 0;
  return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
}

/* One pass over the analysis data: the file, or the spec's in-memory CSV. */
static gp_code gp_analyse_scan(const gp_trialcsv_analyse_spec *s, gp_actx *c, gp_error *err) {
  if (s->data)
    return gp_trialcsv_scan_mem(s->path, s->data, s->data_len, gp_analyse_row, c, false, err);
  return gp_trialcsv_scan_file(s->path, gp_analyse_row, c, err);
}

gp_code gp_trialcsv_analyse(const gp_trialcsv_analyse_spec *s, gp_trialcsv_analysis *out,
                            gp_error *err) {
  memset(out, 0, sizeof *out);
  if (s->n_outcomes < 1) return gp_fail(err, GP_EINVAL, "--outcome", "give at least one outcome");
  if (!(s->opts.alpha > 0 && s->opts.alpha < 1))
    return gp_fail(err, GP_EINVAL, "--alpha", "must be strictly between 0 and 1");
  if (s->opts.sequential && !(s->opts.tuning > 0))
    return gp_fail(err, GP_EINVAL, "--tuning", "must be > 0");
  gp_actx c = {.spec = s, .pass = 1, .look_col = -1};
  int no = s->n_outcomes, nz = s->n_covariates;
  c.y = calloc((size_t)no, sizeof(double));
  c.z = calloc((size_t)(nz ? nz : 1), sizeof(double));
  c.y_col = calloc((size_t)no, sizeof(int));
  c.z_col = calloc((size_t)(nz ? nz : 1), sizeof(int));
  gp_code rc;
  if (!c.y || !c.z || !c.y_col || !c.z_col) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto done;
  }
  if ((rc = gp_trial_acc_init(&c.acc, nz, no, s->cluster != NULL, s->binary, err))) goto done;
  if (!s->cluster) { /* HC2 needs a second pass: spool the parsed numbers to a temporary file */
    c.rec = calloc((size_t)(2 + nz + no), sizeof(double));
    if (c.rec) c.spool = tmpfile();
  }
  if ((rc = gp_analyse_scan(s, &c, err))) goto done;
  if (c.acc.n == 0) {
    rc = gp_fail(err, GP_EINVAL, s->path, "no data rows");
    goto done;
  }
  int control = 0;
  if (s->control) {
    control = gp_map_find(&c.arms, s->control);
    if (control < 0) {
      char list[256] = "";
      size_t used = 0;
      for (int i = 0; i < c.arms.n && used < sizeof list - 1; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                 c.arms.names[i]);
      rc = gp_fail(err, GP_EINVAL, "--control", "no arm named '%s' in column '%s' (arms: %s)",
                   s->control, s->arm, list);
      goto done;
    }
  }
  if (c.arms.n < 2) {
    rc = gp_fail(err, GP_EINVAL, "--arm", "column '%s' has only one arm ('%s')", s->arm,
                 c.arms.n ? c.arms.names[0] : "");
    goto done;
  }
  for (int k = 0; k < c.arms.n; k++)
    if (c.acc.arm_n[k] < 2) {
      rc = gp_fail(err, GP_EINVAL, "--arm",
                   "arm '%s' has %g observation: every arm needs at least 2", c.arms.names[k],
                   c.acc.arm_n[k]);
      goto done;
    }
  if (s->cluster && c.clusters.n < 2) {
    rc = gp_fail(err, GP_EINVAL, "--cluster",
                 "column '%s' has a single cluster ('%s'): "
                 "cluster-robust errors need at least 2",
                 s->cluster, c.clusters.names[0]);
    goto done;
  }
  if (s->ratio && s->n_ratio != c.arms.n) {
    rc = gp_fail(err, GP_EINVAL, "--ratio", "%d values for %d arms", s->n_ratio, c.arms.n);
    goto done;
  }
  gp_trial_col bad = {GP_TRIAL_COL_INTERCEPT, -1, -1, -1};
  rc = gp_trial_acc_prepare(&c.acc, control, &bad, err);
  if (rc == GP_EINVAL && err && !err->path[0]) {
    switch (bad.kind) {
    case GP_TRIAL_COL_COV:
      rc = gp_fail(err, GP_EINVAL, "--covariates",
                   "covariate '%s' is constant (or a linear combination of the others): "
                   "the design is singular",
                   s->covariates[bad.cov]);
      break;
    case GP_TRIAL_COL_INTER:
      rc = gp_fail(err, GP_EINVAL, "--covariates",
                   "covariate '%s' is constant within arm '%s' (or collinear there): "
                   "the design is singular",
                   s->covariates[bad.cov], c.arms.names[bad.arm]);
      break;
    case GP_TRIAL_COL_STRATUM:
      rc = gp_fail(err, GP_EINVAL, "--strata",
                   "stratum '%s' is collinear with the arms (one arm only?): the design is "
                   "singular",
                   c.strata.names[bad.stratum]);
      break;
    default:
      rc = gp_fail(err, GP_EINVAL, "--arm", "the design is singular (arm column '%s')", s->arm);
    }
  }
  if (rc) goto done;
  if (gp_trial_acc_needs_pass2(&c.acc)) {
    c.pass = 2;
    if (c.spool)
      rc = gp_spool_pass(&c, err);
    else
      rc = gp_analyse_scan(s, &c, err);
    if (rc) goto done;
  }
  gp_trial_opts o = s->opts;
  o.control = control;
  o.ratio = s->ratio;
  if ((rc = gp_trial_acc_finish(&c.acc, &o, &out->res, err))) goto done;
  if (c.look_col >= 0 && (rc = gp_look_path(&c, control, out, err))) {
    gp_trial_result_free(&out->res);
    goto done;
  }
  out->arm_names = c.arms.names; /* take ownership */
  c.arms.names = NULL;
  c.arms.n = 0;
  out->outcome_names = s->outcomes;
done:
  gp_actx_free(&c);
  return rc;
}

void gp_trialcsv_analysis_free(gp_trialcsv_analysis *a) {
  if (a->arm_names)
    for (int i = 0; i < a->res.n_arms; i++)
      free(a->arm_names[i]);
  free(a->arm_names);
  if (a->look_names)
    for (int i = 0; i < a->n_looks; i++)
      free(a->look_names[i]);
  free(a->look_names), free(a->path);
  gp_trial_result_free(&a->res);
  memset(a, 0, sizeof *a);
}

/* ---- trial assign -------------------------------------------------------- */

/* Context of the assignment scans. */
typedef struct gp_sctx {
  const gp_trialcsv_assign_spec *spec; /* the request */
  int pass;                            /* 1 or 2 */
  int ncols;                           /* header fields */
  char **colnames;                     /* header names (owned) */
  bool *numeric;                       /* column is numeric in every row */
  int *st_cols;                        /* strata column indices */
  int cl_col;                          /* cluster column or −1 */
  gp_map blocks, clusters;             /* labels */
  int *unit_block;                     /* per row (pass 1) */
  int *unit_cluster;                   /* per row */
  int *cluster_block;                  /* per cluster */
  long n, cap;                         /* rows, allocated */
  char *key;                           /* scratch block key */
  size_t keycap;                       /* its size */
  int *arm;                            /* per randomisation unit */
  long row;                            /* pass 2 row index */
  FILE *out;                           /* pass 2 output */
  gp_trial_moments *mom;               /* pass 2: ncols × arms */
} gp_sctx;

/* Writes one CSV field, quoted when needed. */
static void gp_put_field(FILE *f, const char *s) {
  if (strpbrk(s, ",\"\r\n") == NULL) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static gp_code gp_assign_row(void *vp, const gp_trialcsv_row *r, gp_error *err) {
  gp_sctx *c = vp;
  const gp_trialcsv_assign_spec *s = c->spec;
  char where[300];
  if (r->line == 1) {
    if (c->pass == 2) {
      for (int i = 0; i < r->nfields; i++) {
        gp_put_field(c->out, r->fields[i]);
        fputc(',', c->out);
      }
      fputs("arm", c->out);
      for (int k = 0; k < s->n_arms; k++) {
        char name[300];
        snprintf(name, sizeof name, "prob_%s", s->arms[k]);
        fputc(',', c->out);
        gp_put_field(c->out, name);
      }
      fputc('\n', c->out);
      return GP_OK;
    }
    c->ncols = r->nfields;
    c->colnames = calloc((size_t)r->nfields, sizeof(char *));
    c->numeric = calloc((size_t)r->nfields, sizeof(bool));
    if (!c->colnames || !c->numeric) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    for (int i = 0; i < r->nfields; i++) {
      c->colnames[i] = strdup(r->fields[i]);
      if (!c->colnames[i]) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
      c->numeric[i] = true;
      if (!strcmp(r->fields[i], "arm") || !strncmp(r->fields[i], "prob_", 5))
        return gp_fail(err, GP_EINVAL, s->path,
                       "already has a column '%s': the assignment adds 'arm' and 'prob_ARM'",
                       r->fields[i]);
    }
    for (int i = 0; i < s->n_strata; i++)
      if ((c->st_cols[i] = gp_col(r, s->strata[i])) < 0)
        return gp_fail(err, GP_EINVAL, "--strata", "no column '%s' in %s", s->strata[i], s->path);
    c->cl_col = -1;
    if (s->cluster && (c->cl_col = gp_col(r, s->cluster)) < 0)
      return gp_fail(err, GP_EINVAL, "--cluster", "no column '%s' in %s", s->cluster, s->path);
    if (c->cl_col >= 0) c->numeric[c->cl_col] = false;
    for (int i = 0; i < s->n_strata; i++)
      c->numeric[c->st_cols[i]] = false;
    return GP_OK;
  }
  if (r->nfields != c->ncols) {
    snprintf(where, sizeof where, "%s:%ld", s->path, r->line);
    return gp_fail(err, GP_EINVAL, where, "has %d fields; the header has %d", r->nfields, c->ncols);
  }
  if (c->pass == 2) {
    long i = c->row++;
    if (i >= c->n) return gp_fail(err, GP_EIO, s->path, "the file changed while being read");
    int unit = c->cl_col >= 0 ? c->unit_cluster[i] : (int)i;
    int a = c->arm[unit];
    for (int f = 0; f < r->nfields; f++) {
      gp_put_field(c->out, r->fields[f]);
      fputc(',', c->out);
      double v;
      if (c->numeric[f] && gp_trialcsv_number(r->fields[f], &v))
        gp_trial_moments_add(&c->mom[(size_t)f * s->n_arms + a], v);
    }
    gp_put_field(c->out, s->arms[a]);
    for (int k = 0; k < s->n_arms; k++)
      fprintf(c->out, ",%.17g", s->prob[k]);
    fputc('\n', c->out);
    return GP_OK;
  }
  for (int f = 0; f < r->nfields; f++) {
    double v;
    if (c->numeric[f] && !gp_trialcsv_number(r->fields[f], &v)) c->numeric[f] = false;
  }
  size_t need = 1;
  for (int i = 0; i < s->n_strata; i++)
    need += strlen(r->fields[c->st_cols[i]]) + 1;
  if (need > c->keycap) {
    char *k = realloc(c->key, need * 2);
    if (!k) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    c->key = k;
    c->keycap = need * 2;
  }
  size_t used = 0;
  for (int i = 0; i < s->n_strata; i++) {
    size_t l = strlen(r->fields[c->st_cols[i]]);
    memcpy(c->key + used, r->fields[c->st_cols[i]], l);
    used += l;
    c->key[used++] = '\x1f';
  }
  c->key[used] = '\0';
  int b = gp_map_get(&c->blocks, c->key);
  if (b < 0) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  if (c->n == c->cap) {
    long nc = c->cap ? c->cap * 2 : 1024;
    int *ub = realloc(c->unit_block, (size_t)nc * sizeof *ub);
    if (ub) c->unit_block = ub;
    int *uc = realloc(c->unit_cluster, (size_t)nc * sizeof *uc);
    if (uc) c->unit_cluster = uc;
    if (!ub || !uc) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    c->cap = nc;
  }
  c->unit_block[c->n] = b;
  c->unit_cluster[c->n] = 0;
  if (c->cl_col >= 0) {
    const char *v = r->fields[c->cl_col];
    if (!*v) {
      snprintf(where, sizeof where, "%s:%ld:%d", s->path, r->line, c->cl_col + 1);
      return gp_fail(err, GP_EINVAL, where, "missing cluster in column '%s'", s->cluster);
    }
    int before = c->clusters.n;
    int g = gp_map_get(&c->clusters, v);
    if (g < 0) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    if (g == before) {
      int *cb = realloc(c->cluster_block, (size_t)(g + 1) * sizeof *cb);
      if (!cb) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
      c->cluster_block = cb;
      cb[g] = b;
    } else if (c->cluster_block[g] != b) {
      snprintf(where, sizeof where, "%s:%ld", s->path, r->line);
      return gp_fail(err, GP_EINVAL, where,
                     "cluster '%.40s' appears in more than one stratum: strata must be constant "
                     "within clusters",
                     v);
    }
    c->unit_cluster[c->n] = g;
  }
  c->n++;
  return GP_OK;
}

static void gp_sctx_free(gp_sctx *c) {
  if (c->colnames)
    for (int i = 0; i < c->ncols; i++)
      free(c->colnames[i]);
  free(c->colnames), free(c->numeric), free(c->st_cols), free(c->unit_block);
  free(c->unit_cluster), free(c->cluster_block), free(c->key), free(c->arm), free(c->mom);
  gp_map_free(&c->blocks), gp_map_free(&c->clusters);
}

void gp_trialcsv_assignment_free(gp_trialcsv_assignment *a, int n_arms) {
  (void)n_arms;
  for (int i = 0; i < a->n_balance; i++) {
    free(a->balance[i].column), free(a->balance[i].mean), free(a->balance[i].sd);
    free(a->balance[i].smd);
  }
  free(a->balance), free(a->count), free(a->cluster_count);
  memset(a, 0, sizeof *a);
}

gp_code gp_trialcsv_assign(const gp_trialcsv_assign_spec *s, gp_trialcsv_assignment *out,
                           gp_error *err) {
  memset(out, 0, sizeof *out);
  int K = s->n_arms;
  gp_sctx c = {.spec = s, .pass = 1, .cl_col = -1};
  gp_code rc = GP_OK;
  char *tmp = NULL;
  c.st_cols = calloc((size_t)(s->n_strata ? s->n_strata : 1), sizeof(int));
  if (!c.st_cols) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  if ((rc = gp_trialcsv_scan_file(s->path, gp_assign_row, &c, err))) goto done;
  if (c.n == 0) {
    rc = gp_fail(err, GP_EINVAL, s->path, "no units");
    goto done;
  }
  long units = c.cl_col >= 0 ? c.clusters.n : c.n;
  const int *blk = c.cl_col >= 0 ? c.cluster_block : c.unit_block;
  c.arm = calloc((size_t)units, sizeof(int));
  c.mom = calloc((size_t)c.ncols * K, sizeof *c.mom);
  if (!c.arm || !c.mom) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto done;
  }
  gp_trial_rng rng;
  gp_trial_rng_seed(&rng, s->seed);
  if ((rc = gp_trial_assign(&rng, s->design, (size_t)units, K, s->prob, s->n_strata ? blk : NULL,
                            c.blocks.n, c.arm, err)))
    goto done;
  if (s->out_path) {
    size_t l = strlen(s->out_path) + 16;
    tmp = malloc(l);
    if (!tmp) {
      rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
      goto done;
    }
    snprintf(tmp, l, "%s.tmp%ld", s->out_path, (long)getpid());
    c.out = fopen(tmp, "w");
    if (!c.out) {
      rc = gp_fail(err, GP_EIO, "--out", "cannot write %s: %s", tmp, strerror(errno));
      goto done;
    }
  } else {
    c.out = stdout;
  }
  c.pass = 2;
  rc = gp_trialcsv_scan_file(s->path, gp_assign_row, &c, err);
  if (s->out_path) {
    if (fclose(c.out) != 0 && !rc) rc = gp_fail(err, GP_EIO, "--out", "write failed");
    if (!rc && rename(tmp, s->out_path) != 0)
      rc = gp_fail(err, GP_EIO, "--out", "cannot write %s: %s", s->out_path, strerror(errno));
    if (rc) remove(tmp);
  } else if (fflush(stdout) != 0 && !rc) {
    rc = gp_fail(err, GP_EIO, NULL, "writing the assignment failed");
  }
  if (rc) goto done;
  out->n_units = c.n;
  out->n_clusters = c.cl_col >= 0 ? c.clusters.n : 0;
  out->n_blocks = c.blocks.n;
  out->count = calloc((size_t)K, sizeof(double));
  if (c.cl_col >= 0) out->cluster_count = calloc((size_t)K, sizeof(double));
  int nb = 0;
  for (int f = 0; f < c.ncols; f++)
    nb += c.numeric[f];
  out->balance = calloc((size_t)(nb ? nb : 1), sizeof *out->balance);
  if (!out->count || !out->balance || (c.cl_col >= 0 && !out->cluster_count)) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto done;
  }
  for (long i = 0; i < c.n; i++)
    out->count[c.arm[c.cl_col >= 0 ? c.unit_cluster[i] : i]] += 1;
  if (c.cl_col >= 0)
    for (long g = 0; g < units; g++)
      out->cluster_count[c.arm[g]] += 1;
  for (int f = 0; f < c.ncols; f++) {
    if (!c.numeric[f]) continue;
    gp_trialcsv_balance *b = &out->balance[out->n_balance++];
    b->column = strdup(c.colnames[f]);
    b->mean = calloc((size_t)K, sizeof(double));
    b->sd = calloc((size_t)K, sizeof(double));
    b->smd = calloc((size_t)K, sizeof(double));
    if (!b->column || !b->mean || !b->sd || !b->smd) {
      rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
      goto done;
    }
    const gp_trial_moments *m = &c.mom[(size_t)f * K];
    for (int k = 0; k < K; k++) {
      b->mean[k] = m[k].mean;
      b->sd[k] = sqrt(gp_trial_moments_var(&m[k]));
      double pooled = sqrt((gp_trial_moments_var(&m[k]) + gp_trial_moments_var(&m[0])) / 2.0);
      b->smd[k] = (m[k].mean - m[0].mean) / pooled;
    }
  }
done:
  if (rc) gp_trialcsv_assignment_free(out, K);
  free(tmp);
  gp_sctx_free(&c);
  return rc;
}

/* ---- trial adapt --------------------------------------------------------- */

/* Context of the adapt scan. */
typedef struct gp_dctx {
  const char *path;                /* file */
  const char *arm_col_name;        /* arm column */
  const char *y_col_name;          /* outcome column (long form) */
  bool binary;                     /* outcomes 0/1 */
  int k;                           /* arms */
  const char *const *arms;         /* their names */
  int arm_col, y_col;              /* long form columns */
  int n_col, s_col, m_col, sd_col; /* summary form columns */
  bool summary;                    /* one row per arm */
  gp_trial_moments *mom;           /* per arm (long form) */
  gp_trial_arm_data *out;          /* results */
} gp_dctx;

static gp_code gp_adapt_row(void *vp, const gp_trialcsv_row *r, gp_error *err) {
  gp_dctx *c = vp;
  char where[300];
  if (r->line == 1) {
    c->arm_col = gp_col(r, c->arm_col_name);
    if (c->arm_col < 0)
      return gp_fail(err, GP_EINVAL, "--arm", "no column '%s' in %s", c->arm_col_name, c->path);
    c->y_col = gp_col(r, c->y_col_name);
    c->n_col = gp_col(r, "n");
    c->s_col = gp_col(r, "successes");
    c->m_col = gp_col(r, "mean");
    c->sd_col = gp_col(r, "sd");
    if (c->y_col >= 0) return GP_OK;
    if (c->n_col >= 0 && (c->binary ? c->s_col >= 0 : (c->m_col >= 0 && c->sd_col >= 0))) {
      c->summary = true;
      return GP_OK;
    }
    return gp_fail(err, GP_EINVAL, "--outcome",
                   "%s has no column '%s' and no per-arm summary columns (n and %s)", c->path,
                   c->y_col_name, c->binary ? "successes" : "mean, sd");
  }
  if (c->arm_col >= r->nfields) {
    snprintf(where, sizeof where, "%s:%ld", c->path, r->line);
    return gp_fail(err, GP_EINVAL, where, "too few fields");
  }
  const char *av = r->fields[c->arm_col];
  int a = -1;
  for (int i = 0; i < c->k; i++)
    if (!strcmp(c->arms[i], av)) a = i;
  snprintf(where, sizeof where, "%s:%ld:%d", c->path, r->line, c->arm_col + 1);
  if (!*av) return gp_fail(err, GP_EINVAL, where, "missing arm");
  if (a < 0) return gp_fail(err, GP_EINVAL, where, "arm '%.40s' is not in --arms", av);
  if (c->summary) {
    double n = 0, s = 0, m = 0, sd = 0;
    gp_code rc = gp_parse_num(r, c->n_col, "column", "n", c->path, &n, err);
    if (!rc && c->binary) rc = gp_parse_num(r, c->s_col, "column", "successes", c->path, &s, err);
    if (!rc && !c->binary) rc = gp_parse_num(r, c->m_col, "column", "mean", c->path, &m, err);
    if (!rc && !c->binary) rc = gp_parse_num(r, c->sd_col, "column", "sd", c->path, &sd, err);
    if (rc) return rc;
    if (n < 0 || s < 0 || s > n) {
      snprintf(where, sizeof where, "%s:%ld", c->path, r->line);
      return gp_fail(err, GP_EINVAL, where, "needs 0 <= successes <= n");
    }
    c->out[a] = (gp_trial_arm_data){n, s, m, sd};
    return GP_OK;
  }
  if (c->y_col >= r->nfields) {
    snprintf(where, sizeof where, "%s:%ld", c->path, r->line);
    return gp_fail(err, GP_EINVAL, where, "too few fields");
  }
  double y;
  gp_code rc = gp_parse_num(r, c->y_col, "outcome", c->y_col_name, c->path, &y, err);
  if (rc) return rc;
  if (c->binary && y != 0 && y != 1) {
    snprintf(where, sizeof where, "%s:%ld:%d", c->path, r->line, c->y_col + 1);
    return gp_fail(err, GP_EINVAL, where, "outcome is %g: --binary needs 0 or 1", y);
  }
  gp_trial_moments_add(&c->mom[a], y);
  c->out[a].successes += y;
  return GP_OK;
}

/* Scans path, or buf (len bytes) when buf is non-NULL, into per-arm data. */
static gp_code gp_arm_data(const char *path, const char *buf, size_t len, const char *arm_col,
                           const char *outcome_col, bool binary, int k, const char *const *arms,
                           gp_trial_arm_data *out, gp_error *err) {
  gp_dctx c = {.path = path,
               .arm_col_name = arm_col,
               .y_col_name = outcome_col,
               .binary = binary,
               .k = k,
               .arms = arms,
               .out = out};
  for (int i = 0; i < k; i++)
    out[i] = (gp_trial_arm_data){0, 0, 0, 0};
  c.mom = calloc((size_t)k, sizeof *c.mom);
  if (!c.mom) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  gp_code rc = buf ? gp_trialcsv_scan_mem(path, buf, len, gp_adapt_row, &c, false, err)
                   : gp_trialcsv_scan_file(path, gp_adapt_row, &c, err);
  if (!rc && !c.summary)
    for (int i = 0; i < k; i++) {
      out[i].n = c.mom[i].n;
      out[i].mean = c.mom[i].mean;
      out[i].sd = sqrt(gp_trial_moments_var(&c.mom[i]));
    }
  free(c.mom);
  return rc;
}

gp_code gp_trialcsv_arm_data(const char *path, const char *arm_col, const char *outcome_col,
                             bool binary, int k, const char *const *arms, gp_trial_arm_data *out,
                             gp_error *err) {
  return gp_arm_data(path, NULL, 0, arm_col, outcome_col, binary, k, arms, out, err);
}

gp_code gp_trialcsv_arm_data_mem(const char *name, const char *buf, size_t len, const char *arm_col,
                                 const char *outcome_col, bool binary, int k,
                                 const char *const *arms, gp_trial_arm_data *out, gp_error *err) {
  return gp_arm_data(name, buf ? buf : "", len, arm_col, outcome_col, binary, k, arms, out, err);
}
