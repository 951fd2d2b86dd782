/*
 * gp_app_scan — the scan and peers operations shared by the CLI and the API
 * (see gp_app_scan.h). Moved here from src/cli/cli_scan.c; the CLI keeps
 * option parsing and the text listing.
 */
#include "app/gp_app_scan.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "engine/gp_scan_vec.h"

#define GP_SCAN_THREADS 2 /* workers scanning earlier periods for persistence */

/* An argument's name in an error path: prefix + name, in buf (64 bytes). */
static const char *gp_arg(const char *argp, const char *name, char *buf) {
  snprintf(buf, 64, "%s%s", argp ? argp : "", name);
  return buf;
}

/* Splits a comma-separated list in place into at most max items. */
static size_t gp_scan_split(char *s, char **items, size_t max) {
  size_t n = 0;
  char *save = NULL;
  for (char *tok = strtok_r(s, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ')
      tok++;
    if (*tok) items[n++] = tok;
  }
  return n;
}

/* The index of covariate name in d, or -1. */
static long gp_scan_cov_index(const char *const *names, size_t k, const char *name) {
  for (size_t j = 0; j < k; j++)
    if (!strcmp(names[j], name)) return (long)j;
  return -1;
}

/* Loads the metric and, unless include_unpublished, checks its mission is
 * published. *better gets +1 (higher is better) or -1. */
static gp_code gp_scan_metric(gp_store *s, const char *metric, bool include_unpublished,
                              const char *argp, int8_t *better, gp_error *err) {
  gp_arena a = GP_ARENA_INIT;
  gp_metric met;
  char owner[65] = "", p[64];
  gp_code rc = gp_store_metric_get(s, metric, &a, &met, owner, err);
  if (rc == GP_OK) {
    if (better) *better = met.direction == GP_LOWER ? -1 : 1;
    if (!include_unpublished && gp_app_mission_visible(s, owner, false, NULL) != GP_OK)
      rc = gp_fail(err, GP_ENOTFOUND, gp_arg(argp, "metric", p), "no metric '%s'", metric);
  }
  gp_arena_free(&a);
  return rc;
}

/* Chooses the period: the given one (canonicalised, must have data) or the
 * latest. periods/np: every period with data, newest first. *cur gets its
 * index in periods. */
static gp_code gp_scan_pick_period(gp_store *s, const char *metric, const char *given,
                                   const char *argp, char (*periods)[GP_PERIOD_MAX], size_t *np,
                                   size_t *cur, gp_error *err) {
  char pa[64];
  gp_code rc = gp_store_units_periods(s, metric, periods, GP_APP_SCAN_MAX_PERIODS, np, err);
  if (rc) return rc;
  if (*np == 0)
    return gp_fail(err, GP_ENOTFOUND, gp_arg(argp, "metric", pa),
                   "metric '%s' has no unit data; load some with 'gameplan import unit-data'",
                   metric);
  *cur = 0;
  if (!given) return GP_OK;
  gp_period p;
  if ((rc = gp_period_parse_str(given, &p, gp_arg(argp, "period", pa), err))) return rc;
  char canon[GP_PERIOD_MAX];
  gp_period_format(&p, canon);
  for (size_t i = 0; i < *np; i++)
    if (!strcmp(periods[i], canon)) {
      *cur = i;
      return GP_OK;
    }
  return gp_fail(err, GP_ENOTFOUND, gp_arg(argp, "period", pa),
                 "metric '%s' has no unit data for %s", metric, canon);
}
/* One period's scan: the data set, which rows were scanned, and the result. */
typedef struct gp_scan_run_out {
  gp_unit_dataset d; /* the data set */
  size_t *pos;       /* r.n positions in d of the scanned units (NULL: 0..n-1, flags only) */
  size_t n_no_cov;   /* rows with a value but a missing covariate */
  gp_scan_result r;  /* the engine's result */
} gp_scan_run_out;

/* The data set row of scanned unit i (pos NULL: every row scanned, in order). */
#define GP_POS(o, i) ((o)->pos ? (o)->pos[i] : (i))

static void gp_scan_run_free(gp_scan_run_out *o) {
  gp_unit_dataset_free(&o->d);
  free(o->pos);
  gp_scan_result_free(&o->r);
  memset(o, 0, sizeof *o);
}

/* Whether the options' type fits the data set's kind. */
static bool gp_scan_type_fits(gp_scan_type t, gp_unit_kind k) {
  switch (t) {
  case GP_SCAN_SCORE: return k == GP_UNIT_SCORE;
  case GP_SCAN_PROPORTION: return k == GP_UNIT_COUNT;
  case GP_SCAN_RATIO: return k == GP_UNIT_COUNT || k == GP_UNIT_OBSERVED_EXPECTED;
  case GP_SCAN_SR: return k == GP_UNIT_OBSERVED_EXPECTED;
  }
  return false;
}

/* Loads and scans one period. type_given: whether opt->type was set by the
 * user (else it follows the data set's kind). The covariates are loaded by
 * column; with opt->flags_only the data set is loaded lean (no names, ids
 * unsplit: gp_store_units_load_scan). */
static gp_code gp_scan_one(gp_store *s, const char *metric, const char *period,
                           gp_scan_options *opt, bool type_given, char **adjust, size_t nadjust,
                           const char *argp, gp_scan_run_out *o, gp_error *err) {
  memset(o, 0, sizeof *o);
  char pa[64];
  gp_code rc = gp_store_units_load_scan(s, metric, period, opt->flags_only, &o->d, err);
  if (rc) return rc;
  gp_unit_dataset *d = &o->d;
  if (!type_given)
    opt->type = d->kind == GP_UNIT_SCORE   ? GP_SCAN_SCORE
                : d->kind == GP_UNIT_COUNT ? GP_SCAN_PROPORTION
                                           : GP_SCAN_SR;
  if (!gp_scan_type_fits(opt->type, d->kind))
    return gp_fail(err, GP_EINVAL, gp_arg(argp, "type", pa),
                   "a %s scan does not fit %s data (%s %s)", gp_scan_type_name(opt->type),
                   gp_unit_kind_name(d->kind), metric, period);
  long ci[GP_APP_SCAN_MAX_LIST];
  for (size_t j = 0; j < nadjust; j++) {
    ci[j] = gp_scan_cov_index(d->cov_names, d->k, adjust[j]);
    if (ci[j] < 0) {
      char have[512] = "";
      size_t off = 0;
      for (size_t m = 0; m < d->k && off < sizeof have - 1; m++) {
        int w = snprintf(have + off, sizeof have - off, "%s%s", m ? ", " : "", d->cov_names[m]);
        if (w > 0) off += (size_t)w;
      }
      return gp_fail(err, GP_EINVAL, gp_arg(argp, "adjust", pa),
                     "no covariate '%s' in the data for %s (have: %s)", adjust[j], period,
                     d->k ? have : "none");
    }
  }
  size_t n = d->n, m = 0;
  /* covariate c of unit i (ctx is stored by column after gp_store_units_load_scan) */
#define GP_CTX(i, c) (d->ctx_by_column ? d->ctx[(c)*n + (i)] : d->ctx[(i)*d->k + (c)])
  /* nothing missing (checked column by column): every row is scanned */
  const double *need = opt->type == GP_SCAN_SCORE ? d->se : d->den;
  bool complete = need && (nadjust == 0 || d->ctx_by_column) && !gp_scan_vec_has_nan(n, d->val) &&
                  !gp_scan_vec_has_nan(n, need);
  for (size_t j = 0; complete && j < nadjust; j++)
    complete = !gp_scan_vec_has_nan(n, d->ctx + (size_t)ci[j] * n);
  /* positions of the scanned rows; flags only with every row: none (identity, GP_POS) */
  if (!(complete && opt->flags_only)) {
    o->pos = malloc((n ? n : 1) * sizeof *o->pos);
    if (!o->pos) abort();
  }
  for (size_t i = 0; complete && o->pos && i < n; i++)
    o->pos[i] = i;
  m = complete ? n : 0;
  for (size_t i = 0; !complete && i < n; i++) {
    if (isnan(d->val[i])) continue;
    if (opt->type == GP_SCAN_SCORE ? !(d->se && !isnan(d->se[i])) : !(d->den && !isnan(d->den[i])))
      continue;
    bool ok = true;
    for (size_t j = 0; j < nadjust && ok; j++)
      ok = !isnan(GP_CTX(i, (size_t)ci[j]));
    if (!ok) {
      o->n_no_cov++;
      continue;
    }
    o->pos[m++] = i;
  }
  /* every row, every covariate in stored order: scan the stored arrays as they are */
  bool direct = m == n && (nadjust == 0 || nadjust == d->k);
  for (size_t j = 0; direct && j < nadjust; j++)
    direct = ci[j] == (long)j;
  double *obs = NULL, *den = NULL, *se = NULL, *cov = NULL;
  if (!direct) {
    obs = malloc((m ? m : 1) * sizeof *obs);
    den = malloc((m ? m : 1) * sizeof *den);
    se = malloc((m ? m : 1) * sizeof *se);
    cov = nadjust ? malloc(m * nadjust * sizeof *cov) : NULL;
    if (!obs || !den || !se || (nadjust && !cov)) abort();
    for (size_t r = 0; r < m; r++) {
      size_t i = GP_POS(o, r);
      obs[r] = d->val[i];
      den[r] = d->den ? d->den[i] : NAN;
      se[r] = d->se ? d->se[i] : NAN;
      for (size_t j = 0; j < nadjust; j++) /* by column, as the engine is told */
        cov[j * m + r] = GP_CTX(i, (size_t)ci[j]);
    }
  }
#undef GP_CTX
  const double *cobs = direct ? d->val : obs, *cden = direct ? d->den : den;
  const double *cse = direct ? d->se : se, *ccov = direct ? d->ctx : cov;
  gp_scan_data sd = {m,
                     cobs,
                     opt->type == GP_SCAN_SCORE ? NULL : cden,
                     opt->type == GP_SCAN_SCORE ? cse : NULL,
                     nadjust,
                     nadjust ? ccov : NULL};
  opt->cov_by_column = direct ? d->ctx_by_column : true; /* the copy above is by column */
  rc = gp_scan_run(&sd, opt, &o->r, err);
  if (rc && !strncmp(err->path, "units[", 6)) {
    /* name the unit instead of the engine's index */
    size_t idx = (size_t)strtoul(err->path + 6, NULL, 10);
    const char *field = strchr(err->path, '.');
    char path[256];
    gp_error e2;
    bool named = idx < m && gp_store_units_load_ids(s, d, &e2) == GP_OK;
    snprintf(path, sizeof path, "%s %s unit %s%s", metric, period,
             named ? d->ids[GP_POS(o, idx)] : "?", field ? field : "");
    snprintf(err->path, sizeof err->path, "%s", path);
  } else if (rc && !strncmp(err->path, "adjust[", 7)) {
    size_t j = (size_t)strtoul(err->path + 7, NULL, 10);
    if (j < nadjust) {
      snprintf(err->path, sizeof err->path, "%s", gp_arg(argp, "adjust", pa));
      snprintf(err->message, sizeof err->message,
               "covariate %s is constant across the %zu units scanned in %s", adjust[j], m, period);
    }
  }
  free(obs);
  free(den);
  free(se);
  free(cov);
  return rc;
}

/* The sort key for mapping ids between periods (pos NULL: the identity). */
static _Thread_local const char *const *gp_scan_sort_ids;
static _Thread_local const size_t *gp_scan_sort_pos;

static int gp_scan_cmp(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  const size_t *p = gp_scan_sort_pos;
  return strcmp(gp_scan_sort_ids[p ? p[x] : x], gp_scan_sort_ids[p ? p[y] : y]);
}

/* Fills flags_out (n = cur->r.n, in cur's scanned order) with the first-level
 * flags that the earlier scan `old` (loaded lean) gave the same units (0 if
 * absent). Returns GP_OK or a store error. */
static gp_code gp_scan_map_flags(gp_store *s, const gp_scan_run_out *cur, gp_scan_run_out *old,
                                 int8_t *flags_out, gp_error *err) {
  size_t n = cur->r.n, m = old->r.n;
  gp_code rc;
  /* fastest path: every unit scanned in both, and the same ids byte for byte
   * (compared as they are read, not kept) */
  if (n == cur->d.n && m == old->d.n && n == m && cur->d.idbuf) {
    bool equal = false;
    if ((rc = gp_store_units_ids_equal(s, old->d.metric_id, old->d.period, cur->d.idbuf,
                                       cur->d.idbytes, &equal, err)))
      return rc;
    if (equal) {
      memcpy(flags_out, old->r.flags, n);
      return GP_OK;
    }
  }
  if ((rc = gp_store_units_load_ids(s, &old->d, err))) return rc;
  /* fast path: the same units in the same order */
  bool same = n == m;
  for (size_t i = 0; same && i < n; i++)
    same = !strcmp(cur->d.ids[GP_POS(cur, i)], old->d.ids[GP_POS(old, i)]);
  if (same) {
    memcpy(flags_out, old->r.flags, n);
    return GP_OK;
  }
  size_t *ord = malloc((m ? m : 1) * sizeof *ord);
  if (!ord) abort();
  for (size_t i = 0; i < m; i++)
    ord[i] = i;
  gp_scan_sort_ids = old->d.ids;
  gp_scan_sort_pos = old->pos;
  qsort(ord, m, sizeof *ord, gp_scan_cmp);
  for (size_t i = 0; i < n; i++) {
    const char *id = cur->d.ids[GP_POS(cur, i)];
    size_t lo = 0, hi = m;
    flags_out[i] = 0;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      int c = strcmp(old->d.ids[GP_POS(old, ord[mid])], id);
      if (c == 0) {
        flags_out[i] = old->r.flags[ord[mid]];
        break;
      }
      if (c < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  }
  free(ord);
  return GP_OK;
}

/* The earlier periods to scan for persistence, shared by the workers. */
typedef struct gp_scan_pool {
  const char *dbpath;             /* each worker opens its own store handle (NULL: use store) */
  gp_store *store;                /* the caller's handle, when dbpath is NULL */
  const char *argp;               /* prefix of argument names in error paths */
  const char *metric;             /* the metric */
  const gp_scan_options *opt;     /* the options of the current scan (type fixed) */
  char **adjust;                  /* covariates */
  size_t nadjust;                 /* how many */
  const gp_scan_run_out *now;     /* the current period's scan (read only) */
  char (*periods)[GP_PERIOD_MAX]; /* the periods to scan */
  size_t nper;                    /* how many */
  int8_t *rows;                   /* nper × now->r.n flags, one row a period */
  bool *ok;                       /* whether each period was scanned */
  size_t next;                    /* next period to take (under mu) */
  pthread_mutex_t mu;             /* guards next, err */
  gp_error err;                   /* the first system error */
} gp_scan_pool;

static void *gp_scan_worker(void *arg) {
  gp_scan_pool *p = arg;
  gp_store *s = p->store;
  gp_error e;
  gp_error_clear(&e);
  if (p->dbpath && gp_store_open(p->dbpath, false, &s, &e)) {
    pthread_mutex_lock(&p->mu);
    if (p->err.code == GP_OK) p->err = e;
    pthread_mutex_unlock(&p->mu);
    return NULL;
  }
  for (;;) {
    pthread_mutex_lock(&p->mu);
    size_t j = p->next < p->nper && p->err.code == GP_OK ? p->next++ : p->nper;
    pthread_mutex_unlock(&p->mu);
    if (j >= p->nper) break;
    gp_scan_options o2 = *p->opt;
    o2.flags_only = true;
    o2.start = p->now->r.ncoef ? p->now->r.coef : NULL; /* this period's fit: fewer iterations */
    gp_scan_run_out old;
    gp_error_clear(&e);
    gp_code rc = gp_scan_one(s, p->metric, p->periods[j], &o2, true, p->adjust, p->nadjust, p->argp,
                             &old, &e);
    if (rc == GP_OK) rc = gp_scan_map_flags(s, p->now, &old, p->rows + j * p->now->r.n, &e);
    if (rc == GP_OK) {
      p->ok[j] = true;
    } else if (rc != GP_EINVAL) { /* EINVAL: e.g. a covariate absent that year: skip it */
      pthread_mutex_lock(&p->mu);
      if (p->err.code == GP_OK) p->err = e;
      pthread_mutex_unlock(&p->mu);
    }
    gp_scan_run_free(&old);
  }
  if (p->dbpath) gp_store_close(s);
  return NULL;
}

/* Scans the pool's periods with up to GP_SCAN_THREADS workers. */
static gp_code gp_scan_pool_run(gp_scan_pool *p, gp_error *err) {
  pthread_mutex_init(&p->mu, NULL);
  gp_error_clear(&p->err);
  size_t nt = !p->dbpath ? 0 : p->nper < GP_SCAN_THREADS ? p->nper : GP_SCAN_THREADS;
  pthread_t th[GP_SCAN_THREADS];
  size_t started = 0;
  for (size_t t = 0; t < nt; t++)
    if (pthread_create(&th[t], NULL, gp_scan_worker, p) == 0) started++;
  if (started == 0 && p->nper) gp_scan_worker(p); /* no threads: do it here */
  for (size_t t = 0; t < started; t++)
    pthread_join(th[t], NULL);
  pthread_mutex_destroy(&p->mu);
  if (p->err.code != GP_OK) {
    if (err) *err = p->err;
    return p->err.code;
  }
  return GP_OK;
}

/* Streaming the context matrix through a peers search, pass by pass. */
typedef struct gp_peers_stream {
  gp_peers_search *search; /* the search */
  int pass;                /* 1: statistics, 2: ranking */
  size_t k;                /* covariates stored a row */
  size_t non;              /* covariates used */
  const long *ci;          /* their columns */
  double *sel;             /* a chunk's rows, used columns only */
} gp_peers_stream;

static void gp_peers_chunk(void *ctx, const void *data, size_t bytes, size_t offset) {
  gp_peers_stream *st = ctx;
  size_t row = st->k * sizeof(double), rows = bytes / row, first = offset / row;
  const double *x = data;
  bool all = st->non == st->k;
  for (size_t j = 0; all && j < st->non; j++)
    all = st->ci[j] == (long)j;
  if (!all) {
    for (size_t i = 0; i < rows; i++)
      for (size_t j = 0; j < st->non; j++)
        st->sel[i * st->non + j] = x[i * st->k + (size_t)st->ci[j]];
    x = st->sel;
  }
  if (st->pass == 1)
    gp_peers_search_stats(st->search, x, rows);
  else
    gp_peers_search_rank(st->search, x, first, rows);
}

/* Reading the peers index for the slab search. */
typedef struct gp_peers_slab_src {
  gp_units_index *index; /* the open index */
  size_t k;              /* covariates stored a row (the row has k + 1 doubles) */
  size_t non;            /* covariates used */
  const long *ci;        /* their columns */
  double *buf;           /* chunk rows as stored */
  bool failed;           /* a read failed */
  gp_error err;          /* why */
} gp_peers_slab_src;

static size_t gp_peers_slab_read(void *ctx, size_t first, size_t rows, double *x, size_t *units,
                                 double *key) {
  gp_peers_slab_src *src = ctx;
  if (gp_store_units_index_read(src->index, first, rows, src->buf, &src->err)) {
    src->failed = true;
    return 0;
  }
  for (size_t r = 0; r < rows; r++) {
    const double *row = src->buf + r * (src->k + 1);
    for (size_t j = 0; j < src->non; j++)
      x[r * src->non + j] = row[src->ci[j]];
    units[r] = (size_t)row[src->k];
    key[r] = row[0];
  }
  return rows;
}

/* The values of the named covariates in a stored JSON object (NaN if absent). */
static void gp_peers_parse_ctx(const char *text, char *const *names, size_t k, double *out) {
  json_t *o = text && *text ? json_loads(text, 0, NULL) : NULL;
  for (size_t j = 0; j < k; j++) {
    json_t *v = json_object_get(o, names[j]);
    out[j] = json_is_number(v) ? json_number_value(v) : NAN;
  }
  json_decref(o);
}

gp_code gp_app_scan_parse_limits(const char *text, gp_scan_options *o, const char *path,
                                 gp_error *err) {
  char buf[256], *items[8];
  snprintf(buf, sizeof buf, "%s", text);
  size_t n = gp_scan_split(buf, items, 8);
  if (n < 1 || n > GP_SCAN_MAX_LEVELS)
    return gp_fail(err, GP_EINVAL, path, "give 1 to %d levels, e.g. 95,99.8", GP_SCAN_MAX_LEVELS);
  double lv[GP_SCAN_MAX_LEVELS];
  for (size_t l = 0; l < n; l++) {
    char *end;
    double v = strtod(items[l], &end);
    while (*end == ' ')
      end++;
    if (end == items[l] || *end)
      return gp_fail(err, GP_EINVAL, path, "'%s' is not a number", items[l]);
    if (!(v > 0 && v < 100))
      return gp_fail(err, GP_EINVAL, path, "%s: a level is a percentage in (0, 100)", items[l]);
    lv[l] = v / 100;
  }
  for (size_t l = 0; l < n; l++)
    o->levels[l] = lv[l];
  o->nlevels = n;
  return GP_OK;
}

/* A scan's result: the current period's scan, persistence and the document's inputs. */
struct gp_app_scan {
  gp_scan_run_out now;                                  /* the current period's scan */
  char periods[GP_APP_SCAN_MAX_PERIODS][GP_PERIOD_MAX]; /* periods with data, newest first */
  size_t cur;                                           /* the current one's index */
  gp_scan_options opt;                                  /* the options used (type fixed) */
  char adjust_buf[4096];                                /* storage for adjust */
  char *adjust[GP_APP_SCAN_MAX_LIST];                   /* covariates adjusted for */
  size_t nadjust;                                       /* how many */
  int32_t *persist;                                     /* per scanned unit */
  const char **ids;                                     /* per scanned unit */
  const char **names;                                   /* per scanned unit */
  char metric[65];                                      /* the metric */
  gp_scanjson_in in;                                    /* the document's inputs */
};

void gp_app_scan_free(gp_app_scan *sc) {
  if (!sc) return;
  gp_scan_run_free(&sc->now);
  free(sc->persist);
  free(sc->ids);
  free(sc->names);
  free(sc);
}

const gp_scanjson_in *gp_app_scan_in(const gp_app_scan *sc) { return &sc->in; }

const gp_scan_result *gp_app_scan_result(const gp_app_scan *sc) { return &sc->now.r; }

json_t *gp_app_scan_json(const gp_app_scan *sc) { return gp_scanjson_scan(&sc->in, &sc->now.r); }

/* Saves the scan's first-level flags and indicators with its options. */
static gp_code gp_scan_save(gp_store *s, gp_app_scan *sc, gp_error *err) {
  gp_scan_run_out *now = &sc->now;
  size_t N = now->d.n, n = now->r.n;
  int8_t *fl = calloc(N ? N : 1, 1);
  double *ind = malloc((N ? N : 1) * sizeof *ind);
  if (!fl || !ind) abort();
  for (size_t i = 0; i < N; i++)
    ind[i] = NAN;
  for (size_t i = 0; i < n; i++) {
    fl[now->pos[i]] = now->r.units[i].flag[0];
    ind[now->pos[i]] = now->r.units[i].indicator;
  }
  const gp_scan_options *opt = &sc->opt;
  json_t *oj = json_object();
  json_object_set_new(oj, "type", json_string(gp_scan_type_name(opt->type)));
  json_t *aj = json_array();
  for (size_t j = 0; j < sc->nadjust; j++)
    json_array_append_new(aj, json_string(sc->adjust[j]));
  json_object_set_new(oj, "adjust", aj);
  json_object_set_new(oj, "overdispersion", json_string(gp_scan_od_name(opt->od)));
  json_object_set_new(oj, "trim", json_real(opt->trim));
  json_object_set_new(oj, "level", json_real(opt->levels[0]));
  json_object_set_new(oj, "fdr", json_real(opt->fdr));
  json_t *sj =
      json_pack("{s:f,s:f,s:f,s:I,s:I}", "target", isfinite(now->r.target) ? now->r.target : 0,
                "phi", now->r.phi, "tau2", now->r.tau2, "scanned", (json_int_t)n, "discoveries",
                (json_int_t)now->r.n_discoveries);
  char *os = json_dumps(oj, JSON_COMPACT), *ss = json_dumps(sj, JSON_COMPACT);
  gp_code rc =
      gp_store_units_scan_save(s, sc->metric, sc->periods[sc->cur], os, ss, fl, ind, N, err);
  free(os);
  free(ss);
  json_decref(oj);
  json_decref(sj);
  free(fl);
  free(ind);
  return rc;
}

gp_code gp_app_scan_run(gp_store *s, const gp_app_scan_opts *o, gp_app_scan **out, gp_error *err) {
  *out = NULL;
  gp_app_scan *sc = calloc(1, sizeof *sc);
  if (!sc) abort();
  snprintf(sc->metric, sizeof sc->metric, "%s", o->metric);
  sc->opt = o->opt;
  if (o->adjust) {
    snprintf(sc->adjust_buf, sizeof sc->adjust_buf, "%s", o->adjust);
    sc->nadjust = gp_scan_split(sc->adjust_buf, sc->adjust, GP_APP_SCAN_MAX_LIST);
  }
  long history = o->history < 1                         ? 1
                 : o->history > GP_APP_SCAN_MAX_PERIODS ? GP_APP_SCAN_MAX_PERIODS
                                                        : o->history;
  size_t np = 0;
  int8_t *hist = NULL;
  gp_code rc;
  if ((rc = gp_scan_metric(s, o->metric, o->include_unpublished, o->argp, NULL, err)) ||
      (rc = gp_scan_pick_period(s, o->metric, o->period, o->argp, sc->periods, &np, &sc->cur,
                                err)) ||
      (rc = gp_scan_one(s, o->metric, sc->periods[sc->cur], &sc->opt, o->type_given, sc->adjust,
                        sc->nadjust, o->argp, &sc->now, err)))
    goto fail;
  {
    /* the numbers are in the result now: free them before the earlier periods load */
    gp_unit_dataset *d = &sc->now.d;
    free(d->val);
    free(d->se);
    free(d->den);
    free(d->ctx);
    d->val = d->se = d->den = d->ctx = NULL;
  }
  /* persistence over up to history periods (the current one and earlier ones) */
  size_t n = sc->now.r.n, H = 1, cur = sc->cur;
  hist = malloc(((size_t)history * n + 1) * sizeof *hist);
  sc->persist = malloc((n + 1) * sizeof *sc->persist);
  if (!hist || !sc->persist) abort();
  for (size_t i = 0; i < n; i++)
    hist[i] = sc->now.r.units[i].flag[0];
  {
    size_t nper = 0;
    for (size_t p = cur + 1; p < np && nper + 1 < (size_t)history; p++)
      nper++;
    gp_scan_pool pool;
    memset(&pool, 0, sizeof pool);
    pool.dbpath = o->dbpath;
    pool.store = s;
    pool.argp = o->argp;
    pool.metric = o->metric;
    pool.opt = &sc->opt;
    pool.adjust = sc->adjust;
    pool.nadjust = sc->nadjust;
    pool.now = &sc->now;
    pool.periods = sc->periods + cur + 1;
    pool.nper = nper;
    pool.rows = hist + n;
    pool.ok = calloc(nper + 1, sizeof *pool.ok);
    if (!pool.ok) abort();
    if ((rc = gp_scan_pool_run(&pool, err))) {
      free(pool.ok);
      goto fail;
    }
    /* keep the rows of the periods scanned, in order */
    for (size_t j = 0; j < nper; j++)
      if (pool.ok[j]) {
        if (H != j + 1) memmove(hist + H * n, hist + (j + 1) * n, n);
        H++;
      }
    free(pool.ok);
  }
  gp_scan_persistence(hist, H, n, sc->persist);
  free(hist);
  hist = NULL;
  if (o->save && (rc = gp_scan_save(s, sc, err))) goto fail;
  sc->ids = malloc((n + 1) * sizeof *sc->ids);
  sc->names = malloc((n + 1) * sizeof *sc->names);
  if (!sc->ids || !sc->names) abort();
  for (size_t i = 0; i < n; i++) {
    sc->ids[i] = sc->now.d.ids[sc->now.pos[i]];
    sc->names[i] = sc->now.d.names[sc->now.pos[i]];
  }
  gp_scanjson_in in = {sc->metric,
                       sc->periods[cur],
                       &sc->opt,
                       (const char *const *)sc->adjust,
                       sc->nadjust,
                       sc->ids,
                       sc->names,
                       sc->persist,
                       H,
                       sc->now.d.n,
                       sc->now.d.n_missing,
                       sc->now.d.missing_reasons,
                       sc->now.n_no_cov};
  sc->in = in;
  *out = sc;
  return GP_OK;
fail:
  free(hist);
  gp_app_scan_free(sc);
  return rc;
}

gp_code gp_app_scan_doc(gp_store *s, const gp_app_scan_opts *o, json_t **out, gp_error *err) {
  gp_app_scan *sc;
  gp_code rc = gp_app_scan_run(s, o, &sc, err);
  if (rc) return rc;
  *out = gp_app_scan_json(sc);
  gp_app_scan_free(sc);
  return GP_OK;
}

gp_code gp_app_scan_saved_options(gp_store *s, const char *metric, const char *period,
                                  gp_app_scan_opts *o, char *adjust_buf, size_t adjust_len,
                                  bool *found, gp_error *err) {
  *found = false;
  char periods[GP_APP_SCAN_MAX_PERIODS][GP_PERIOD_MAX];
  size_t np = 0, cur = 0, n = 0, k = 0;
  char **names = NULL;
  gp_code rc = gp_scan_pick_period(s, metric, period, o->argp, periods, &np, &cur, err);
  if (rc) return rc;
  if ((rc = gp_store_units_covariates(s, metric, periods[cur], &n, &k, &names, err))) return rc;
  gp_store_units_names_free(names, k);
  int8_t *fl = malloc(n + 1);
  double *ind = malloc((n + 1) * sizeof *ind);
  char *text = NULL;
  if (!fl || !ind) abort();
  rc = gp_store_units_scan_load(s, metric, periods[cur], n, fl, ind, &text, found, err);
  free(fl);
  free(ind);
  if (rc || !*found || !text) {
    free(text);
    return rc;
  }
  json_t *j = json_loads(text, 0, NULL);
  free(text);
  if (!j) {
    *found = false;
    return GP_OK;
  }
  const char *t = json_string_value(json_object_get(j, "type"));
  if (t && gp_scan_type_parse(t, &o->opt.type)) o->type_given = true;
  const char *od = json_string_value(json_object_get(j, "overdispersion"));
  if (od) gp_scan_od_parse(od, &o->opt.od);
  json_t *v;
  if (json_is_number(v = json_object_get(j, "trim"))) o->opt.trim = json_number_value(v);
  if (json_is_number(v = json_object_get(j, "fdr"))) o->opt.fdr = json_number_value(v);
  json_t *aj = json_object_get(j, "adjust");
  size_t off = 0;
  if (adjust_len) adjust_buf[0] = '\0';
  for (size_t i = 0; i < json_array_size(aj) && adjust_len; i++) {
    const char *a = json_string_value(json_array_get(aj, i));
    if (!a) continue;
    int w = snprintf(adjust_buf + off, adjust_len - off, "%s%s", off ? "," : "", a);
    if (w > 0 && (size_t)w < adjust_len - off) off += (size_t)w;
  }
  o->adjust = off ? adjust_buf : NULL;
  json_decref(j);
  return GP_OK;
}

void gp_app_peers_free(gp_app_peers *p) {
  free(p->rows);
  gp_peers_free(&p->pr);
  free(p->used);
  free(p->flags);
  free(p->ind);
  gp_store_units_names_free(p->cnames, p->kc);
  memset(p, 0, sizeof *p);
}

gp_code gp_app_peers_run(gp_store *s, const gp_app_peers_opts *o, gp_app_peers *P, gp_error *err) {
  memset(P, 0, sizeof *P);
  const char *metric = o->metric, *unit = o->unit;
  char pa[64];
  gp_store_units_map(s);
  char periods[GP_APP_SCAN_MAX_PERIODS][GP_PERIOD_MAX];
  size_t np = 0, cur = 0, pos = 0, n = 0, m = 0;
  double *all = NULL, *amean = NULL, *asd = NULL;
  size_t *idx = NULL;
  gp_peers_search *search = NULL;
  gp_units_index *index = NULL;
  gp_peers_stream stream;
  memset(&stream, 0, sizeof stream);
  gp_peers_slab_src src;
  memset(&src, 0, sizeof src);
  gp_peers_result *pr = &P->pr;
  long ci[GP_APP_SCAN_MAX_LIST];
  gp_code rc;
  P->flags_from = "saved scan";
  if ((rc = gp_scan_metric(s, metric, o->include_unpublished, o->argp, &P->better, err)) ||
      (rc = gp_scan_pick_period(s, metric, o->period, o->argp, periods, &np, &cur, err)) ||
      (rc = gp_store_units_pos(s, metric, periods[cur], unit, &pos, err)) ||
      (rc = gp_store_units_covariates(s, metric, periods[cur], &n, &P->kc, &P->cnames, err)) ||
      (rc = gp_store_units_at(s, metric, periods[cur], pos, &P->me, err)))
    goto fail;
  snprintf(P->period, sizeof P->period, "%s", periods[cur]);
  size_t kc = P->kc, non = 0;
  char **cnames = P->cnames, **on = P->on;
  if (o->on) {
    snprintf(P->onbuf, sizeof P->onbuf, "%s", o->on);
    non = gp_scan_split(P->onbuf, on, GP_APP_SCAN_MAX_LIST);
  } else {
    for (size_t j = 0; j < kc && j < GP_APP_SCAN_MAX_LIST; j++)
      on[non++] = cnames[j];
  }
  P->non = non;
  if (non == 0) {
    rc = gp_fail(
        err, GP_EINVAL, gp_arg(o->argp, "on", pa),
        "the data for %s has no covariates to compare units on; import some with --covariates",
        periods[cur]);
    goto fail;
  }
  for (size_t j = 0; j < non; j++)
    if ((ci[j] = gp_scan_cov_index((const char *const *)cnames, kc, on[j])) < 0) {
      rc = gp_fail(err, GP_EINVAL, gp_arg(o->argp, "on", pa),
                   "no covariate '%s' in the data for %s", on[j], periods[cur]);
      goto fail;
    }
  /* the unit's own context (from its row), the scales kept with the data */
  all = malloc((kc + 1) * sizeof *all);
  amean = malloc((kc + 1) * sizeof *amean);
  asd = malloc((kc + 1) * sizeof *asd);
  if (!all || !amean || !asd) abort();
  gp_peers_parse_ctx(P->me.covariates, cnames, kc, all);
  double me[GP_APP_SCAN_MAX_LIST], smean[GP_APP_SCAN_MAX_LIST], ssd[GP_APP_SCAN_MAX_LIST];
  for (size_t j = 0; j < non; j++)
    me[j] = all[ci[j]];
  if ((rc = gp_peers_search_new(non, me, pos, (size_t)o->k, &search, err))) {
    if (!strncmp(err->path, "on[", 3)) {
      size_t j = (size_t)strtoul(err->path + 3, NULL, 10);
      snprintf(err->path, sizeof err->path, "%s", gp_arg(o->argp, "on", pa));
      snprintf(err->message, sizeof err->message, "unit %s has no value for %s", unit,
               j < non ? on[j] : "?");
    }
    goto fail;
  }
  bool have_stats = false;
  if ((rc = gp_store_units_ctx_stats(s, metric, periods[cur], kc, amean, asd, &have_stats, err)))
    goto fail;
  long key_col = -1;
  for (size_t j = 0; j < non; j++) {
    smean[j] = amean[ci[j]];
    ssd[j] = asd[ci[j]];
    if (ci[j] == 0 && key_col < 0) key_col = (long)j;
  }
  if (have_stats) gp_peers_search_set_scales(search, smean, ssd);
  enum { GP_PEERS_CHUNK_ROWS = 4096 };
  gp_code irc = have_stats && key_col >= 0
                    ? gp_store_units_index_open(s, metric, periods[cur], n, kc, &index, err)
                    : GP_ENOTFOUND;
  if (irc == GP_OK) {
    /* exact search along the index sorted by the first covariate: a slab around the unit */
    size_t start;
    if ((rc = gp_store_units_index_find(index, all[0], &start, err))) goto fail;
    src.index = index;
    src.k = kc;
    src.non = non;
    src.ci = ci;
    src.buf = malloc(GP_PEERS_CHUNK_ROWS * (kc + 1) * sizeof *src.buf);
    if (!src.buf) abort();
    gp_peers_search_slab(search, n, start, (size_t)key_col, 1024, gp_peers_slab_read, &src);
    if (src.failed) {
      *err = src.err;
      rc = err->code;
      goto fail;
    }
  } else if (irc == GP_ENOTFOUND) {
    /* no index: stream every unit's context (two passes without kept scales) */
    gp_error_clear(err);
    stream.search = search;
    stream.k = kc;
    stream.non = non;
    stream.ci = ci;
    stream.sel = malloc(GP_PEERS_CHUNK_ROWS * non * sizeof *stream.sel);
    if (!stream.sel) abort();
    size_t total;
    for (stream.pass = have_stats ? 2 : 1; stream.pass <= 2; stream.pass++)
      if ((rc = gp_store_units_column_stream(s, metric, periods[cur], "ctx",
                                             GP_PEERS_CHUNK_ROWS * kc * sizeof(double),
                                             gp_peers_chunk, &stream, &total, err)))
        goto fail;
  } else {
    rc = irc;
    goto fail;
  }
  gp_peers_search_result(search, pr);
  /* flags and indicators of the peers and of the unit (last) */
  m = pr->npeers + 1;
  idx = malloc(m * sizeof *idx);
  P->flags = calloc(m, 1);
  P->ind = malloc(m * sizeof *P->ind);
  P->used = malloc(m * non * sizeof *P->used);
  P->rows = calloc(m, sizeof *P->rows);
  if (!idx || !P->flags || !P->ind || !P->used || !P->rows) abort();
  int8_t *flags = P->flags;
  double *ind = P->ind;
  for (size_t p = 0; p < pr->npeers; p++)
    idx[p] = pr->peers[p].unit;
  idx[pr->npeers] = pos;
  rc = gp_store_units_column_gather(s, metric, periods[cur], "scan.flags", 1, idx, m, flags, err);
  if (rc == GP_OK)
    rc = gp_store_units_column_gather(s, metric, periods[cur], "scan.indicator", sizeof(double),
                                      idx, m, ind, err);
  if (rc == GP_ENOTFOUND) {
    /* no saved scan: flags from a default scan of this period */
    gp_error_clear(err);
    gp_scan_options opt = gp_scan_options_default();
    gp_scan_run_out so;
    if ((rc = gp_scan_one(s, metric, periods[cur], &opt, false, NULL, 0, o->argp, &so, err))) {
      gp_scan_run_free(&so);
      goto fail;
    }
    int8_t *fl = calloc(n + 1, 1);
    double *in = malloc((n + 1) * sizeof *in);
    if (!fl || !in) abort();
    for (size_t i = 0; i < n; i++)
      in[i] = NAN;
    for (size_t i = 0; i < so.r.n; i++) {
      fl[so.pos[i]] = so.r.units[i].flag[0];
      in[so.pos[i]] = so.r.units[i].indicator;
    }
    for (size_t p = 0; p < m; p++) {
      flags[p] = fl[idx[p]];
      ind[p] = in[idx[p]];
    }
    free(fl);
    free(in);
    gp_scan_run_free(&so);
    P->flags_from = "default scan (no saved scan: run 'gameplan scan' to choose the options)";
  } else if (rc) {
    goto fail;
  }
  for (size_t p = 0; p < pr->npeers; p++) {
    pr->peers[p].flag = flags[p];
    pr->peers[p].difference = ind[p] - ind[pr->npeers];
    pr->nhigh += flags[p] > 0;
  }
  for (size_t p = 0; p < m; p++) {
    if (p < pr->npeers) {
      if ((rc = gp_store_units_at(s, metric, periods[cur], idx[p], &P->rows[p], err))) goto fail;
    } else {
      P->rows[p] = P->me;
    }
    gp_peers_parse_ctx(P->rows[p].covariates, cnames, kc, all);
    for (size_t j = 0; j < non; j++)
      P->used[p * non + j] = all[ci[j]];
  }
  rc = GP_OK;
  goto out;
fail:
  gp_app_peers_free(P);
out:
  gp_peers_search_free(search);
  gp_store_units_index_close(index);
  free(src.buf);
  free(stream.sel);
  free(all);
  free(amean);
  free(asd);
  free(idx);
  return rc;
}

json_t *gp_app_peers_json(const gp_app_peers *P, const char *metric, const char *unit) {
  const gp_peers_result *pr = &P->pr;
  size_t m = pr->npeers + 1;
  const char **pids = malloc(m * sizeof *pids), **pnames = malloc(m * sizeof *pnames);
  if (!pids || !pnames) abort();
  for (size_t p = 0; p < pr->npeers; p++) {
    pids[p] = P->rows[p].id;
    pnames[p] = P->rows[p].name[0] ? P->rows[p].name : NULL;
  }
  gp_peersjson_in in = {metric,
                        P->period,
                        unit,
                        P->me.name[0] ? P->me.name : NULL,
                        P->ind[pr->npeers],
                        P->flags[pr->npeers],
                        (const char *const *)P->on,
                        P->non,
                        P->used + pr->npeers * P->non,
                        pids,
                        pnames,
                        P->used,
                        P->flags_from,
                        P->better};
  json_t *doc = gp_scanjson_peers(&in, pr);
  free(pids);
  free(pnames);
  return doc;
}

/* Collects history rows into a JSON array. */
static void gp_unit_hist_cb(void *ctx, const gp_unit_history_row *r) {
  json_t *a = ctx;
  json_t *o = json_object();
#define GP_NUM(v) (isfinite(v) ? json_real(v) : json_null())
  json_object_set_new(o, "period", json_string(r->period));
  json_object_set_new(o, "value", GP_NUM(r->value));
  json_object_set_new(o, "se", GP_NUM(r->se));
  json_object_set_new(o, "lower", GP_NUM(r->lower));
  json_object_set_new(o, "upper", GP_NUM(r->upper));
  json_object_set_new(o, "denominator", GP_NUM(r->denominator));
  json_object_set_new(o, "missing", r->missing[0] ? json_string(r->missing) : json_null());
  json_object_set_new(o, "scanned", json_boolean(r->scanned));
  json_object_set_new(o, "flag",
                      r->scanned ? json_string(gp_scan_flag_name(r->flag)) : json_null());
  json_object_set_new(o, "indicator", r->scanned ? GP_NUM(r->indicator) : json_null());
#undef GP_NUM
  json_array_append_new(a, o);
}

gp_code gp_app_unit_doc(gp_store *s, const char *metric, const char *unit, bool include_unpublished,
                        json_t **out, gp_error *err) {
  gp_unit_info info;
  gp_code rc = gp_scan_metric(s, metric, include_unpublished, "", NULL, err);
  if (rc) return rc;
  if ((rc = gp_store_units_get(s, unit, &info, err))) return rc;
  json_t *h = json_array();
  if ((rc = gp_store_units_history(s, metric, unit, gp_unit_hist_cb, h, err))) {
    json_decref(h);
    return rc;
  }
  if (json_array_size(h) == 0) {
    json_decref(h);
    return gp_fail(err, GP_ENOTFOUND, "unit", "unit '%s' has no values for metric '%s'", unit,
                   metric);
  }
  json_t *o = json_object();
  json_object_set_new(o, "metric", json_string(metric));
  json_object_set_new(o, "unit", json_string(info.id));
  json_object_set_new(o, "name", info.name[0] ? json_string(info.name) : json_null());
  json_object_set_new(o, "type", info.type[0] ? json_string(info.type) : json_null());
  json_object_set_new(o, "parent", info.parent[0] ? json_string(info.parent) : json_null());
  json_object_set_new(o, "history", h);
  *out = o;
  return GP_OK;
}

gp_code gp_app_units_doc(gp_store *s, const char *metric, bool include_unpublished, json_t **out,
                         gp_error *err) {
  char periods[GP_APP_SCAN_MAX_PERIODS][GP_PERIOD_MAX];
  size_t np = 0, n = 0, k = 0;
  char **names = NULL;
  gp_code rc = gp_scan_metric(s, metric, include_unpublished, "", NULL, err);
  if (rc == GP_OK)
    rc = gp_store_units_periods(s, metric, periods, GP_APP_SCAN_MAX_PERIODS, &np, err);
  if (rc == GP_OK && np) rc = gp_store_units_covariates(s, metric, periods[0], &n, &k, &names, err);
  if (rc) return rc;
  json_t *pa = json_array(), *latest = json_null();
  for (size_t i = 0; i < np; i++)
    json_array_append_new(pa, json_string(periods[i]));
  if (np) {
    json_t *cv = json_array();
    for (size_t j = 0; j < k; j++)
      json_array_append_new(cv, json_string(names[j]));
    latest = json_pack("{s:s, s:I, s:o}", "period", periods[0], "units", (json_int_t)n,
                       "covariates", cv);
  }
  gp_store_units_names_free(names, k);
  *out = json_pack("{s:s, s:o, s:o}", "metric", metric, "periods", pa, "latest", latest);
  return GP_OK;
}
