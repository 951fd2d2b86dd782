/* gp_trialcsv — streaming CSV for trials; see gp_trialcsv.h. */
#include "io/gp_trialcsv.h"

#include "io/gp_number.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- the streaming reader ------------------------------------------------ */

/* Most fields a record may have. */
#define GP_TRIALCSV_MAX_FIELDS 100000

/* Readable bytes kept after every buffer that holds field texts, so that the
 * word-at-a-time number parser (gp_num_padded) may load past a field's end. */
#define GP_PAD 64

/* An optional first taker of plain data lines (not the header): the line l
 * (n bytes, without its end of line) has nf fields, field i spanning
 * [off[i], off[i + 1] − 1) (off[nf] = n + 1). Returns true when it consumed the
 * record, false to have it emitted to the callback as usual (e.g. to report
 * an error); it must change nothing before returning false. */
typedef bool (*gp_scan_raw_fn)(void *ctx, const char *l, size_t n, const size_t *off, int nf);

/* Scanner state shared with libcsv's callbacks. */
typedef struct gp_scan {
  gp_scan_raw_fn raw; /* first taker of plain lines, or NULL */
  long general;       /* lines that went through libcsv */
  bool plain_only;    /* stop (GP_EINVAL, no message) at the first line that needs libcsv */
  const char *name;   /* file name for errors */
  char *buf;          /* the current record's field texts, NUL-separated */
  size_t len, cap;    /* used and allocated bytes of buf */
  size_t *off;        /* field offsets in buf */
  const char **ptrs;  /* field pointers handed to the callback */
  int nf, capf;       /* fields in the record, allocated */
  long line;          /* records completed so far */
  gp_trialcsv_fn fn;  /* the callback */
  void *ctx;          /* its context */
  gp_error *err;      /* where errors go */
  gp_code rc;         /* first failure */
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
    char *b = realloc(sc->buf, nc + GP_PAD);
    if (!b) {
      sc->rc = gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
      return;
    }
    memset(b + sc->cap, 0, nc + GP_PAD - sc->cap); /* defined bytes for the padded parser */
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
#if !defined(__SSE2__)
static const unsigned char gp_cls[256] = {
    [','] = 1, ['"'] = 2, [' '] = 2, ['\t'] = 2, ['\r'] = 2, [0] = 2};
#endif

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
#if defined(__SSE2__)
  /* 16 bytes at a time (the buffer has GP_PAD readable bytes past the line's
   * end; bits at or beyond n are masked off). */
  const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"'), sp = _mm_set1_epi8(' ');
  const __m128i tab = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r'), nul = _mm_setzero_si128();
  if (n + 1 > (size_t)GP_TRIALCSV_MAX_FIELDS) return false; /* libcsv counts the fields */
  if ((size_t)sc->capf < n + 2 && !gp_scan_room(sc, (int)n + 2)) return true;
  for (size_t i = 0; i < n; i += 16) { /* at most n + 1 fields: room made above */
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(l + i));
    __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, sp)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, cr)));
    bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, nul));
    unsigned keep = n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u;
    if ((unsigned)_mm_movemask_epi8(bad) & keep) return false;
    unsigned cm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) & keep;
    while (cm) {
      sc->off[nf++] = i + (size_t)__builtin_ctz(cm) + 1;
      cm &= cm - 1;
    }
  }
#else
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
#endif
  if (nf + 1 > sc->capf && !gp_scan_room(sc, nf + 1)) return true;
  sc->off[nf] = n + 1; /* where a field after the last would start */
  if (sc->raw && sc->line > 0 && sc->raw(sc->ctx, l, n, sc->off, nf)) {
    sc->line++;
    return true;
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
                           size_t hint, bool pure_libcsv) {
  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
  size_t cap = 1 << 12, len = 0; /* reads of up to 1 MiB, less for less input (hint) */
  while (cap < hint && cap < (1 << 20))
    cap *= 2;
  char *buf = calloc(cap + 1 + GP_PAD, 1);
  if (!buf) {
    csv_free(&p);
    return gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
  }
  bool eof = false;
  while (!sc->rc && !eof) {
    if (len == cap) {
      char *nb = realloc(buf, cap * 2 + 1 + GP_PAD);
      if (!nb) {
        sc->rc = gp_fail(sc->err, GP_ENOMEM, NULL, "out of memory");
        break;
      }
      memset(nb + cap + 1 + GP_PAD, 0, cap);
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
      if (pure_libcsv || p.pstate != 0 || !gp_scan_plain(sc, buf + start, l)) {
        /* (else done: split in place, a NUL at buf[start + l] at most) */
        sc->general++;
        if (sc->plain_only) {
          sc->rc = GP_EINVAL;
          break;
        }
        if (csv_parse(&p, buf + start, with, gp_scan_field, gp_scan_row, sc) != with && !sc->rc)
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

/* gp_trialcsv_scan_file with a first taker of plain lines. */
static gp_code gp_scan_file_raw(const char *path, gp_trialcsv_fn fn, gp_scan_raw_fn raw, void *ctx,
                                gp_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return gp_fail(err, GP_EIO, path, "cannot open: %s", strerror(errno));
  gp_scan sc = {.name = path, .fn = fn, .raw = raw, .ctx = ctx, .err = err};
  gp_code rc = gp_scan_run(&sc, gp_read_file, f, (size_t)1 << 20, false);
  if (!rc && ferror(f)) rc = gp_fail(err, GP_EIO, path, "read error");
  fclose(f);
  return rc;
}

gp_code gp_trialcsv_scan_file(const char *path, gp_trialcsv_fn fn, void *ctx, gp_error *err) {
  return gp_scan_file_raw(path, fn, NULL, ctx, err);
}

/* gp_trialcsv_scan_mem with a first taker of plain lines. */
static gp_code gp_scan_mem_raw(const char *name, const char *buf, size_t len, gp_trialcsv_fn fn,
                               gp_scan_raw_fn raw, void *ctx, gp_error *err) {
  gp_memsrc m = {buf, len};
  gp_scan sc = {.name = name, .fn = fn, .raw = raw, .ctx = ctx, .err = err};
  return gp_scan_run(&sc, gp_read_mem, &m, len, false);
}

gp_code gp_trialcsv_scan_mem(const char *name, const char *buf, size_t len, gp_trialcsv_fn fn,
                             void *ctx, bool pure_libcsv, gp_error *err) {
  gp_memsrc m = {buf, len};
  gp_scan sc = {.name = name, .fn = fn, .ctx = ctx, .err = err};
  return gp_scan_run(&sc, gp_read_mem, &m, len, pure_libcsv);
}

bool gp_trialcsv_number(const char *s, double *out) {
  if (!s || !*s) return false;
  if (gp_number_fast(s, out)) return true;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  while (*end == ' ')
    end++;
  if (*end || !isfinite(v) || end == s) return false; /* underflow (ERANGE) is a number */
  *out = v;
  return true;
}

/* A number as parsed by gp_num_padded: when exact, value = ±m / 10^k. */
typedef struct gp_dec {
  uint64_t m; /* decimal significand (< 10^14) */
  int k;      /* digits after the point (0..7) */
  bool neg;   /* a leading minus */
  bool exact; /* the three fields above describe the value (else only the double does) */
} gp_dec;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The number of leading ASCII digits among the 8 bytes of x (first byte lowest). */
static inline int gp_lead_digits(uint64_t x) {
  const uint64_t h = 0x8080808080808080ULL;
  uint64_t c = (x & ~h) | h; /* each byte's low 7 bits, with the top bit set: no borrows below */
  uint64_t ge0 = (c - 0x3030303030303030ULL) & h;  /* low 7 bits >= '0' */
  uint64_t ge10 = (c - 0x3A3A3A3A3A3A3A3AULL) & h; /* low 7 bits > '9' */
  uint64_t non = ~(ge0 & ~ge10 & ~x) & h;          /* bytes that are not digits */
  return non ? __builtin_ctzll(non) >> 3 : 8;
}

/* The value of the first k (0..8) bytes of x, all digits, as a decimal integer
 * (the SWAR reduction of Lemire's "fast_float"/simdjson parse_eight_digits). */
static inline uint64_t gp_digits8(uint64_t x, int k) {
  unsigned half = 4u * (unsigned)(8 - k); /* two shifts: k = 0 shifts all 64 bits out */
  uint64_t d = ((x - 0x3030303030303030ULL) << half) << half; /* leading zeros; borrows only
                                                                  reach the discarded bytes */
  d = d * 10 + (d >> 8);
  d = (((d & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
       (((d >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >>
      32;
  return (uint32_t)d;
}
#endif

/* Powers of ten as integers, 10^0..10^7. */
static const uint64_t gp_pow10i[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

/* Reads the common number form [-]d{0,7}[.d{0,7}] (at least one digit) at s,
 * which must be followed by at least 32 readable bytes (the scanner's buffers
 * have GP_PAD), 8 bytes at a time, and converts it by one correctly rounded
 * division (Clinger's fast path: m < 10^14 < 2^53 and 10^k are exact): the
 * double strtod gives. Returns the end of what it read, or NULL when the text
 * does not start with that form (the caller then checks the end). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline const char *
gp_num_core(const char *s, double *out, gp_dec *dec) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const char *p = s;
  bool neg = *p == '-';
  p += neg;
  uint64_t x;
  memcpy(&x, p, 8);
  int k1 = gp_lead_digits(x);
  if (k1 == 8) return NULL;
  p += k1;
  int k2 = 0;
  uint64_t m;
  if (*p == '.') {
    uint64_t y;
    memcpy(&y, ++p, 8);
    k2 = gp_lead_digits(y);
    if (k2 == 8) return NULL;
    p += k2;
    if (k1 + k2 <= 8) /* both parts' digits side by side in one word: one conversion */
      m = gp_digits8((x & ((1ULL << (8 * k1)) - 1)) | (y << (8 * k1)), k1 + k2);
    else
      m = gp_digits8(x, k1) * gp_pow10i[k2] + gp_digits8(y, k2);
  } else {
    m = gp_digits8(x, k1);
  }
  if (k1 + k2 == 0) return NULL;
  double v = (double)m / gp_number_pow10[k2]; /* exact for k2 = 0 */
  uint64_t bits;
  memcpy(&bits, &v, 8);
  bits ^= (uint64_t)neg << 63; /* the sign without a branch */
  memcpy(out, &bits, 8);
  *dec = (gp_dec){m, k2, neg, true};
  return p;
#else
  (void)s, (void)out, (void)dec;
  return NULL;
#endif
}

/* As gp_trialcsv_number for a NUL-terminated field of the scanner (padded):
 * the fast form by gp_num_core, anything else by gp_trialcsv_number. *dec
 * describes the decimal when the fast form was read (dec->exact). */
static bool gp_num_padded(const char *s, double *out, gp_dec *dec) {
  const char *e = gp_num_core(s, out, dec);
  if (e && !*e) return true;
  dec->exact = false;
  return gp_trialcsv_number(s, out);
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

/* The HC2 spool: pass 1 writes every row's cell and numbers to a temporary
 * file (not memory) and pass 2 reads them back. A record is a 32-bit head
 * (arm | stratum << 8, or 0xFF followed by the two as int32) and one int32
 * per number (z then y): the decimal significand at its column's scale (the
 * digits after the point of the column's first exactly read value), or
 * INT32_MIN followed by the 8 bytes of the double when it does not fit. The
 * value is the correctly rounded ±m / 10^scale, which is the double pass 1
 * parsed (both are correctly rounded results of the same decimal). */
typedef struct gp_spool {
  FILE *f;            /* the temporary file (NULL: none; pass 2 re-reads the CSV) */
  int fd;             /* its descriptor, written and read with write(2)/read(2) */
  unsigned char *buf; /* write/read buffer */
  size_t len;         /* bytes in buf */
  size_t cap;         /* its size */
  int nv;             /* numbers per record (J + O) */
  int *scale;         /* per number column: digits after the point, −1 until set */
  double *div;        /* pass 2: per number column, 10^scale */
} gp_spool;

/* Most bytes one record can take. */
static size_t gp_spool_maxrec(const gp_spool *sp) { return 12 + 12 * (size_t)sp->nv; }

static void gp_spool_close(gp_spool *sp) {
  if (sp->f) fclose(sp->f);
  sp->f = NULL;
  free(sp->buf), free(sp->scale), free(sp->div);
  sp->buf = NULL;
  sp->scale = NULL;
  sp->div = NULL;
}

/* Opens the spool for nv numbers per record; on failure leaves it closed. */
static void gp_spool_open(gp_spool *sp, int nv) {
  memset(sp, 0, sizeof *sp);
  sp->nv = nv;
  sp->cap = 1 << 20;
  sp->buf = malloc(sp->cap);
  sp->scale = malloc((size_t)(nv ? nv : 1) * sizeof(int));
  sp->div = malloc((size_t)(nv ? nv : 1) * sizeof(double));
  if (sp->buf && sp->scale && sp->div) sp->f = tmpfile();
  if (!sp->f) {
    gp_spool_close(sp);
    return;
  }
  sp->fd = fileno(sp->f);
  for (int i = 0; i < nv; i++)
    sp->scale[i] = -1;
}

/* Writes the buffer out; on failure (disk full) closes the spool. */
static void gp_spool_flush(gp_spool *sp) {
  size_t done = 0;
  while (done < sp->len) {
    ssize_t w = write(sp->fd, sp->buf + done, sp->len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      gp_spool_close(sp);
      return;
    }
    done += (size_t)w;
  }
  sp->len = 0;
}

static inline void gp_put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint32_t gp_get32(const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Appends one row: cell (arm, st), numbers v[0..nv-1] as parsed into d[]. */
static void gp_spool_put(gp_spool *sp, int arm, int st, const double *v, const gp_dec *d) {
  if (sp->len + gp_spool_maxrec(sp) > sp->cap) {
    gp_spool_flush(sp);
    if (!sp->f) return;
  }
  unsigned char *p = sp->buf + sp->len;
  if (arm < 255 && st < (1 << 24)) {
    gp_put32(p, (uint32_t)arm | (uint32_t)st << 8);
    p += 4;
  } else {
    gp_put32(p, 0xFF);
    gp_put32(p + 4, (uint32_t)arm);
    gp_put32(p + 8, (uint32_t)st);
    p += 12;
  }
  for (int i = 0; i < sp->nv; i++) {
    const gp_dec *di = &d[i];
    if (di->exact && !(di->neg && di->m == 0)) {
      if (sp->scale[i] < 0) sp->scale[i] = di->k;
      int up = sp->scale[i] - di->k;
      if (up >= 0 && di->m <= INT32_MAX) {
        uint64_t mm = di->m * gp_pow10i[up]; /* < 2^31 · 10^7: no overflow */
        if (mm <= INT32_MAX) {
          int32_t iv = di->neg ? -(int32_t)mm : (int32_t)mm;
          memcpy(p, &iv, 4);
          p += 4;
          continue;
        }
      }
    }
    gp_put32(p, 0x80000000u); /* INT32_MIN: the double follows */
    memcpy(p + 4, &v[i], 8);
    p += 12;
  }
  sp->len = (size_t)(p - sp->buf);
}

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
  double *v;                            /* parsed values: z (J) then y (O) */
  double *y, *z;                        /* into v: outcomes and covariates */
  gp_trial_acc acc;                     /* the engine */
  gp_spool spool;                       /* pass 1 writes each row's numbers here for pass 2 */
  gp_dec *dec;                          /* the decimals of z then y of the current row */
  int *num_col;                         /* columns of z then y */
  unsigned char *recbuf;  /* scratch spool record (when the spool buffer has no room) */
  bool raw_ok;            /* pass 1 may take plain lines directly (gp_analyse_raw) */
  size_t arm_len[16];     /* lengths of the first 16 arm names (0: not yet known) */
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

/* As gp_parse_num with gp_num_padded (fields of the scanner only); *dec as there. */
static gp_code gp_parse_num_pad(const gp_trialcsv_row *r, int col, const char *what,
                                const char *colname, const char *file, double *out, gp_dec *dec,
                                gp_error *err) {
  if (gp_num_padded(r->fields[col], out, dec)) return GP_OK;
  return gp_parse_num(r, col, what, colname, file, out, err);
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
    for (int i = 0; i < s->n_covariates; i++)
      c->num_col[i] = c->z_col[i];
    for (int i = 0; i < s->n_outcomes; i++)
      c->num_col[s->n_covariates + i] = c->y_col[i];
    c->raw_ok = c->cl_col < 0 && c->st_col < 0 && c->look_col < 0;
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
    gp_code rc = gp_parse_num_pad(r, c->y_col[i], "outcome", s->outcomes[i], s->path, &c->y[i],
                                  &c->dec[s->n_covariates + i], err);
    if (rc) return rc;
    if (s->binary && c->y[i] != 0 && c->y[i] != 1) {
      snprintf(where, sizeof where, "%s:%ld:%d", s->path, r->line, c->y_col[i] + 1);
      return gp_fail(err, GP_EINVAL, where, "outcome '%s' is %g: --binary needs 0 or 1",
                     s->outcomes[i], c->y[i]);
    }
  }
  for (int i = 0; i < s->n_covariates; i++) {
    gp_code rc = gp_parse_num_pad(r, c->z_col[i], "covariate", s->covariates[i], s->path, &c->z[i],
                                  &c->dec[i], err);
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
  if (c->spool.f) {
    gp_spool_put(&c->spool, arm, st, c->v, c->dec);
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
  return gp_trial_acc_add(&c->acc, arm, st, cl, c->z, c->y, err);
}

static gp_code gp_analyse_scan(const gp_trialcsv_analyse_spec *s, gp_actx *c, gp_error *err);

/* Pass 1's first taker of plain lines (gp_scan_raw_fn): without strata,
 * clusters or looks, a row whose arm is already known and whose numbers all
 * have the fast form is parsed straight from the line, without splitting it
 * into NUL-terminated fields; it gives the same values as gp_analyse_row
 * (the same parser), and every other row goes there. */
static bool gp_analyse_raw(void *vp, const char *l, size_t n, const size_t *off, int nf) {
  gp_actx *c = vp;
  (void)n; /* off[nf] marks the end */
  if (c->pass != 1 || !c->raw_ok || nf < c->need) return false;
  const gp_trialcsv_analyse_spec *s = c->spec;
  int col = c->arm_col;
  size_t a0 = off[col], al = off[col + 1] - 1 - a0;
  int arm = -1, known = c->arms.n < 16 ? c->arms.n : 16;
  for (int k = 0; k < known && arm < 0; k++) {
    if (!c->arm_len[k]) c->arm_len[k] = strlen(c->arms.names[k]);
    if (c->arm_len[k] == al && !memcmp(c->arms.names[k], l + a0, al)) arm = k;
  }
  if (arm < 0) return false; /* a new arm (or an empty one): gp_analyse_row */
  int nz = s->n_covariates, nv = nz + s->n_outcomes;
  bool binary = s->binary;
  gp_spool *sp = &c->spool;
  /* the spool record, written in place when every number has its column's
   * scale and fits (the usual case), else by gp_spool_put */
  bool direct = sp->f && arm < 255 && sp->len + gp_spool_maxrec(sp) <= sp->cap;
  /* the record is written in place (not counted in sp->len until complete) */
  unsigned char *rec = direct ? sp->buf + sp->len : c->recbuf;
  gp_put32(rec, (uint32_t)arm);
  uint64_t misfit = 0; /* non-zero when some number has not its column's scale or does not fit */
  for (int i = 0; i < nv; i++) {
    col = c->num_col[i];
    gp_dec d;
    const char *e = gp_num_core(l + off[col], &c->v[i], &d);
    if (e != l + off[col + 1] - 1) return false; /* (e is NULL when the form is not fast) */
    if (binary && i >= nz && c->v[i] != 0 && c->v[i] != 1) return false;
    c->dec[i] = d;
    misfit |= (uint64_t)(uint32_t)(d.k ^ sp->scale[i]) | (d.m >> 31) |
              (uint64_t)(d.neg & (d.m == 0)); /* −0 keeps its sign as a double */
    int32_t iv = (int32_t)(d.neg ? 0 - (uint32_t)d.m : (uint32_t)d.m);
    memcpy(rec + 4 + 4 * i, &iv, 4);
  }
  direct = direct && !misfit;
  if (gp_trial_acc_add(&c->acc, arm, 0, 0, c->z, c->y, NULL) != GP_OK) {
    c->raw_ok = false; /* out of memory: gp_analyse_row reports it */
    return false;
  }
  if (direct) {
    sp->len += 4 + 4 * (size_t)nv;
  } else if (sp->f) { /* rare: the general record */
    gp_spool_put(sp, arm, 0, c->v, c->dec);
  }
  return true;
}

/* Pass 2 from the spool sp (see gp_spool) into acc, arms mapped by arm_map
 * (NULL: as they are); v: scratch for nz covariates and the outcomes. The
 * spool must be open and flushed. */
static gp_code gp_spool_read(gp_spool *sp, int nz, double *v, gp_trial_acc *acc, const int *arm_map,
                             gp_error *err) {
  if (lseek(sp->fd, 0, SEEK_SET) != 0) return gp_fail(err, GP_EIO, NULL, "temporary file failed");
  int nv = sp->nv;
  double *div = sp->div;
  for (int i = 0; i < nv; i++)
    div[i] = sp->scale[i] > 0 ? gp_number_pow10[sp->scale[i]] : 1.0;
  size_t maxrec = gp_spool_maxrec(sp), len = 0, pos = 0;
  bool eof = false;
  for (;;) {
    if (!eof && len - pos < maxrec) { /* refill */
      memmove(sp->buf, sp->buf + pos, len - pos);
      len -= pos;
      pos = 0;
      while (len < sp->cap) {
        ssize_t got = read(sp->fd, sp->buf + len, sp->cap - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return gp_fail(err, GP_EIO, NULL, "reading the temporary file failed");
        if (got == 0) {
          eof = true;
          break;
        }
        len += (size_t)got;
      }
    }
    if (pos >= len) break;
    if (len - pos < 4) return gp_fail(err, GP_EIO, NULL, "temporary file truncated");
    const unsigned char *p = sp->buf + pos;
    uint32_t head = gp_get32(p);
    int arm, st;
    if ((head & 0xFF) != 0xFF) {
      arm = (int)(head & 0xFF);
      st = (int)(head >> 8);
      p += 4;
    } else {
      arm = (int)gp_get32(p + 4);
      st = (int)gp_get32(p + 8);
      p += 12;
    }
    for (int i = 0; i < nv; i++) {
      int32_t iv;
      memcpy(&iv, p, 4);
      if (iv != INT32_MIN) {
        double x = (double)iv;
        if (div[i] != 1.0) x /= div[i]; /* exact when 1: no division, as pass 1 */
        v[i] = x;
        p += 4;
      } else {
        memcpy(&v[i], p + 4, 8);
        p += 12;
      }
    }
    pos = (size_t)(p - sp->buf);
    gp_trial_acc_add2(acc, arm_map ? arm_map[arm] : arm, st, v, v + nz);
  }
  return GP_OK;
}

/* Pass 2 from the context's spool, or from the CSV again if the spool failed. */
static gp_code gp_spool_pass(gp_actx *c, gp_error *err) {
  gp_spool *sp = &c->spool;
  if (sp->f && sp->len) gp_spool_flush(sp);
  if (!sp->f) return gp_analyse_scan(c->spec, c, err); /* the disk filled up: re-read the CSV */
  return gp_spool_read(sp, c->spec->n_covariates, c->v, &c->acc, NULL, err);
}

static void gp_actx_free(gp_actx *c) {
  gp_map_free(&c->arms), gp_map_free(&c->strata), gp_map_free(&c->clusters);
  free(c->v), free(c->dec), free(c->num_col), free(c->recbuf), free(c->y_col), free(c->z_col),
      free(c->lmom);
  gp_map_free(&c->looks);
  gp_spool_close(&c->spool);
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
    return gp_scan_mem_raw(s->path, s->data, s->data_len, gp_analyse_row, gp_analyse_raw, c, err);
  return gp_scan_file_raw(s->path, gp_analyse_row, gp_analyse_raw, c, err);
}

/* Sets up an analysis context: buffers, the accumulator, the HC2 spool. */
static gp_code gp_actx_init(gp_actx *c, const gp_trialcsv_analyse_spec *s, gp_error *err) {
  memset(c, 0, sizeof *c);
  c->spec = s;
  c->pass = 1;
  c->look_col = c->cl_col = c->st_col = -1;
  int no = s->n_outcomes, nz = s->n_covariates;
  c->v = calloc((size_t)(nz + no), sizeof(double));
  c->dec = calloc((size_t)(nz + no), sizeof *c->dec);
  c->z = c->v;
  c->y = c->v ? c->v + nz : NULL;
  c->y_col = calloc((size_t)no, sizeof(int));
  c->z_col = calloc((size_t)(nz ? nz : 1), sizeof(int));
  c->num_col = calloc((size_t)(nz + no), sizeof(int));
  c->recbuf = malloc(12 + 12 * (size_t)(nz + no));
  if (!c->v || !c->dec || !c->y_col || !c->z_col || !c->num_col || !c->recbuf)
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  gp_code rc = gp_trial_acc_init(&c->acc, nz, no, s->cluster != NULL, s->binary, err);
  if (rc) return rc;
  if (!s->cluster) /* HC2 needs a second pass: spool the parsed numbers to a temporary file */
    gp_spool_open(&c->spool, nz + no);
  return GP_OK;
}

/* ---- reading in two parts on two threads --------------------------------- */

/* Inputs of at least this many bytes are read in two parts, each on its own
 * thread: the first from the header to the end of the line at half the size,
 * the second the rest. The split depends only on the input, and the parts'
 * sums are added in that order, so the answer does not depend on the machine
 * (it differs from a one-part read only by rounding). */
#define GP_PAR_MIN ((size_t)16 << 20)

/* A byte range of a file or of memory, as a read_fn source. */
typedef struct gp_range {
  FILE *f;         /* the file (NULL: memory) */
  const char *mem; /* the memory */
  size_t pos, end; /* next byte, end */
} gp_range;

static size_t gp_read_range(void *src, char *buf, size_t n) {
  gp_range *r = src;
  if (n > r->end - r->pos) n = r->end - r->pos;
  if (!n) return 0;
  if (r->f)
    n = fread(buf, 1, n, r->f);
  else
    memcpy(buf, r->mem + r->pos, n);
  r->pos += n;
  return n;
}

/* One part of a parallel read. */
typedef struct gp_part {
  gp_actx c;          /* its context: its own arms, accumulator and spool */
  gp_range src;       /* its bytes */
  gp_code rc;         /* its outcome */
  long general;       /* its lines that needed libcsv */
  gp_error err;       /* its error (discarded: a failed part means a one-part read) */
  int *arm_map;       /* its arm k is the whole's arm arm_map[k] (NULL: the same) */
  gp_trial_acc acc;   /* pass 2: its share of the HC2 sums (gp_trial_acc_fork2) */
  gp_trial_acc *into; /* pass 2: where its rows go (&acc, or the whole's accumulator) */
} gp_part;

static void gp_part_free(gp_part *p) {
  if (!p) return;
  gp_actx_free(&p->c);
  if (p->src.f) fclose(p->src.f);
  free(p->arm_map);
  gp_trial_acc_free(&p->acc);
  free(p);
}

/* Pass 1 over one part (a thread's body). */
static void *gp_part_pass1(void *vp) {
  gp_part *p = vp;
  if (p->src.f && fseeko(p->src.f, (off_t)p->src.pos, SEEK_SET) != 0) {
    p->rc = GP_EIO;
    return NULL;
  }
  gp_scan sc = {.name = p->c.spec->path,
                .fn = gp_analyse_row,
                .raw = gp_analyse_raw,
                .ctx = &p->c,
                .err = &p->err,
                .line = 1, /* the header was read apart */
                .plain_only = true};
  p->rc = gp_scan_run(&sc, gp_read_range, &p->src, p->src.end - p->src.pos, false);
  p->general = sc.general;
  if (!p->rc && p->c.spool.f && p->c.spool.len) gp_spool_flush(&p->c.spool);
  return NULL;
}

/* Pass 2 over one part's spool (a thread's body). */
static void *gp_part_pass2(void *vp) {
  gp_part *p = vp;
  p->rc = gp_spool_read(&p->c.spool, p->c.spec->n_covariates, p->c.v, p->into, p->arm_map, &p->err);
  return NULL;
}

/* Whether the two parts run on two threads: only with at least 4 logical
 * CPUs. With 2 (often the two hyperthreads of one core, as on the 2-vCPU
 * machine of bench/RESULTS-trial.md) two threads finished no sooner and took
 * nearly twice the CPU time. Either way the parts and their order are the
 * same, so is the answer. */
static bool gp_par_threads(const gp_trialcsv_analyse_spec *s) {
  return s->parallel_threads ? s->parallel_threads == 2 : sysconf(_SC_NPROCESSORS_ONLN) >= 4;
}

/* Runs f(there) on a new thread and f(here) on this one; both done on return
 * (one after the other on this thread when threads do not pay or cannot be
 * made). */
static void gp_par_run(const gp_trialcsv_analyse_spec *s, void *(*f)(void *), void *here,
                       void *there) {
  pthread_t t;
  bool threaded = gp_par_threads(s) && pthread_create(&t, NULL, f, there) == 0;
  f(here);
  if (threaded)
    pthread_join(t, NULL);
  else
    f(there);
}

/* Opens part p over [pos, end) of the spec's input. */
static gp_code gp_part_open(gp_part *p, const gp_trialcsv_analyse_spec *s, size_t pos, size_t end) {
  p->src = (gp_range){NULL, s->data, pos, end};
  if (!s->data && !(p->src.f = fopen(s->path, "rb"))) return GP_EIO;
  return gp_actx_init(&p->c, s, NULL);
}

/* Tries pass 1 in two parts. On success *c holds the first part's context
 * with the second's sums added, and *second the second part (for pass 2).
 * When the input is small, has strata, clusters or looks, or anything in it
 * is not plain (quotes, a bad value, an error of any kind), leaves *second
 * NULL and *c untouched: the caller reads it in one part, which reports any
 * error as usual. Returns GP_OK, or GP_ENOMEM. */
static gp_code gp_par_pass1(const gp_trialcsv_analyse_spec *s, gp_actx *c, gp_part **second) {
  *second = NULL;
  if (s->cluster || s->strata || s->look) return GP_OK;
  size_t size;
  FILE *f = NULL;
  if (s->data) {
    size = s->data_len;
  } else {
    struct stat st;
    if (stat(s->path, &st) != 0 || !S_ISREG(st.st_mode)) return GP_OK;
    size = (size_t)st.st_size;
  }
  if (size < (s->parallel_min ? s->parallel_min : GP_PAR_MIN)) return GP_OK;
  /* the header (first line) and the split (the end of the line at half the size) */
  size_t hlen = 0, split = 0, want = 1 << 16;
  char *blk = malloc(2 * want); /* the first 64 KiB, and 64 KiB from the middle */
  if (!blk) return GP_ENOMEM;
  if (!s->data && !(f = fopen(s->path, "rb"))) {
    free(blk);
    return GP_OK;
  }
  for (int which = 0; which < 2; which++) {
    size_t at = which ? size / 2 : 0, got;
    char *b0 = blk + (which ? want : 0);
    if (s->data) {
      got = size - at < want ? size - at : want;
      memcpy(b0, s->data + at, got);
    } else {
      got = fseeko(f, (off_t)at, SEEK_SET) == 0 ? fread(b0, 1, want, f) : 0;
    }
    char *nl = memchr(b0, '\n', got);
    if (!nl) break;
    if (which)
      split = at + (size_t)(nl - b0) + 1;
    else
      hlen = (size_t)(nl - b0) + 1;
  }
  if (f) fclose(f);
  gp_part *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  gp_code rc = GP_OK;
  bool ok = hlen && split > hlen && split < size && a && b;
  if (ok && memchr(blk, '"', hlen)) ok = false; /* a quoted header: one part */
  if (ok) {
    gp_part *pp[2] = {a, b};
    for (int i = 0; i < 2 && !rc; i++) {
      rc = gp_part_open(pp[i], s, i ? split : hlen, i ? size : split);
      if (rc == GP_ENOMEM) break;
      ok = ok && rc == GP_OK &&
           gp_trialcsv_scan_mem(s->path, blk, hlen, gp_analyse_row, &pp[i]->c, false,
                                &pp[i]->err) == GP_OK;
      rc = GP_OK;
    }
  }
  free(blk);
  if (ok && !rc) gp_par_run(s, gp_part_pass1, a, b);
  ok = ok && !rc && !a->rc && !b->rc && !a->general && !b->general && a->c.acc.n > 0;
  if (ok) { /* the second part's arms in the whole's order, and its sums */
    b->arm_map = malloc((size_t)(b->c.arms.n ? b->c.arms.n : 1) * sizeof(int));
    if (!b->arm_map) rc = GP_ENOMEM;
    for (int k = 0; !rc && k < b->c.arms.n; k++)
      if ((b->arm_map[k] = gp_map_get(&a->c.arms, b->c.arms.names[k])) < 0) rc = GP_ENOMEM;
    if (!rc && gp_trial_acc_merge(&a->c.acc, &b->c.acc, b->arm_map, NULL)) rc = GP_ENOMEM;
  }
  if (!ok || rc) {
    gp_part_free(a), gp_part_free(b);
    return rc;
  }
  *c = a->c; /* take the first part's context */
  memset(&a->c, 0, sizeof a->c);
  gp_part_free(a);
  *second = b;
  return GP_OK;
}

/* Pass 2 in the two parts of gp_par_pass1: each part's spool on its own
 * thread, the second into a fork of the accumulator, added back after. */
static gp_code gp_par_pass2(gp_actx *c, gp_part *b, gp_error *err) {
  gp_code rc = gp_trial_acc_fork2(&b->acc, &c->acc, err);
  if (rc) return rc;
  if (c->spool.len) gp_spool_flush(&c->spool);
  if (!c->spool.f) return gp_analyse_scan(c->spec, c, err);
  gp_part a = {.c = *c}; /* shares c's buffers for the duration */
  a.into = &a.c.acc;
  b->into = &b->acc;
  gp_par_run(c->spec, gp_part_pass2, &a, b);
  *c = a.c;
  if (a.rc) return gp_fail(err, a.rc, NULL, "%s", a.err.message);
  if (b->rc) return gp_fail(err, b->rc, NULL, "%s", b->err.message);
  gp_trial_acc_join2(&c->acc, &b->acc);
  return GP_OK;
}

gp_code gp_trialcsv_analyse(const gp_trialcsv_analyse_spec *s, gp_trialcsv_analysis *out,
                            gp_error *err) {
  memset(out, 0, sizeof *out);
  if (s->n_outcomes < 1) return gp_fail(err, GP_EINVAL, "--outcome", "give at least one outcome");
  if (!(s->opts.alpha > 0 && s->opts.alpha < 1))
    return gp_fail(err, GP_EINVAL, "--alpha", "must be strictly between 0 and 1");
  if (s->opts.sequential && !(s->opts.tuning > 0))
    return gp_fail(err, GP_EINVAL, "--tuning", "must be > 0");
  gp_actx c;
  memset(&c, 0, sizeof c);
  gp_part *pb = NULL; /* the second part of a parallel read, or NULL */
  gp_code rc = gp_par_pass1(s, &c, &pb);
  if (rc == GP_OK && !pb) { /* not read in parallel: one pass over everything */
    if ((rc = gp_actx_init(&c, s, err))) goto done;
    if ((rc = gp_analyse_scan(s, &c, err))) goto done;
  } else if (rc) {
    rc = gp_fail(err, rc, NULL, "out of memory");
    goto done;
  }
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
    if (pb && pb->c.spool.f && c.spool.f)
      rc = gp_par_pass2(&c, pb, err);
    else if (pb)
      rc = gp_analyse_scan(s, &c, err); /* a spool failed: the whole CSV again */
    else if (c.spool.f)
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
  gp_part_free(pb);
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
