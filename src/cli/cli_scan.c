/*
 * gameplan scan --metric ID [--period P] [--type sr|proportion|ratio|score]
 *               [--target-value X] [--adjust X1,X2,...]
 *               [--overdispersion none|additive|multiplicative] [--trim 0.1]
 *               [--trim-method winsorise|truncate] [--limits 95,99.8]
 *               [--fdr 0.05] [--history 5] [--top 20] [--no-save] [--json] [--db DB]
 * gameplan peers --metric ID --unit U [--k 10] [--on X1,X2,...] [--period P]
 *                [--json] [--db DB]
 *
 * `scan` runs the funnel-plot scan (src/engine/gp_scan.c) of a metric's unit
 * data for a period (default: the latest), rescans up to --history − 1
 * earlier periods with the same options for persistence, saves the scan's
 * flags for `peers` and the UI (unless --no-save), and prints the flagged
 * units (or the whole document with --json). `peers` finds the units most
 * like U by standardised context (src/engine/gp_peers.c) and those among
 * them the saved scan flags high. Methods: docs/methods/scan.md.
 */
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/gp_cli.h"
#include "engine/gp_peers.h"
#include "engine/gp_scan.h"
#include "io/gp_scanjson.h"
#include "model/gp_period.h"
#include "store/gp_store.h"
#include "store/gp_store_units.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#define GP_SCAN_MAX_PERIODS 64 /* periods looked at */
#define GP_SCAN_THREADS 2      /* workers scanning earlier periods for persistence */
#define GP_SCAN_MAX_LIST 64    /* covariates in --adjust / --on */

/* Splits a comma-separated list in place into at most max items. */
static size_t gp_scan_split(char *s, char **items, size_t max) {
  size_t n = 0;
  for (char *tok = strtok(s, ","); tok && n < max; tok = strtok(NULL, ",")) {
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

/* Chooses the period: the given one (canonicalised, must have data) or the
 * latest. periods/np: every period with data, newest first. *cur gets its
 * index in periods. */
static gp_code gp_scan_pick_period(gp_store *s, const char *metric, const char *given,
                                   char (*periods)[GP_PERIOD_MAX], size_t *np, size_t *cur,
                                   gp_error *err) {
  gp_code rc = gp_store_units_periods(s, metric, periods, GP_SCAN_MAX_PERIODS, np, err);
  if (rc) return rc;
  if (*np == 0)
    return gp_fail(err, GP_ENOTFOUND, "--metric",
                   "metric '%s' has no unit data; load some with 'gameplan import unit-data'",
                   metric);
  *cur = 0;
  if (!given) return GP_OK;
  gp_period p;
  if ((rc = gp_period_parse_str(given, &p, "--period", err))) return rc;
  char canon[GP_PERIOD_MAX];
  gp_period_format(&p, canon);
  for (size_t i = 0; i < *np; i++)
    if (!strcmp(periods[i], canon)) {
      *cur = i;
      return GP_OK;
    }
  return gp_fail(err, GP_ENOTFOUND, "--period", "metric '%s' has no unit data for %s", metric,
                 canon);
}

/* One period's scan: the data set, which rows were scanned, and the result. */
typedef struct gp_scan_run_out {
  gp_unit_dataset d; /* the data set */
  size_t *pos;       /* r.n positions in d of the scanned units */
  size_t n_no_cov;   /* rows with a value but a missing covariate */
  gp_scan_result r;  /* the engine's result */
} gp_scan_run_out;

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
 * user (else it follows the data set's kind). */
static gp_code gp_scan_one(gp_store *s, const char *metric, const char *period,
                           gp_scan_options *opt, bool type_given, char **adjust, size_t nadjust,
                           gp_scan_run_out *o, gp_error *err) {
  memset(o, 0, sizeof *o);
  gp_code rc = gp_store_units_load(s, metric, period, &o->d, err);
  if (rc) return rc;
  gp_unit_dataset *d = &o->d;
  if (!type_given)
    opt->type = d->kind == GP_UNIT_SCORE   ? GP_SCAN_SCORE
                : d->kind == GP_UNIT_COUNT ? GP_SCAN_PROPORTION
                                           : GP_SCAN_SR;
  if (!gp_scan_type_fits(opt->type, d->kind))
    return gp_fail(err, GP_EINVAL, "--type", "a %s scan does not fit %s data (%s %s)",
                   gp_scan_type_name(opt->type), gp_unit_kind_name(d->kind), metric, period);
  long ci[GP_SCAN_MAX_LIST];
  for (size_t j = 0; j < nadjust; j++) {
    ci[j] = gp_scan_cov_index(d->cov_names, d->k, adjust[j]);
    if (ci[j] < 0) {
      char have[512] = "";
      size_t off = 0;
      for (size_t m = 0; m < d->k && off < sizeof have - 1; m++) {
        int w = snprintf(have + off, sizeof have - off, "%s%s", m ? ", " : "", d->cov_names[m]);
        if (w > 0) off += (size_t)w;
      }
      return gp_fail(err, GP_EINVAL, "--adjust", "no covariate '%s' in the data for %s (have: %s)",
                     adjust[j], period, d->k ? have : "none");
    }
  }
  size_t n = d->n, m = 0;
  o->pos = malloc((n ? n : 1) * sizeof *o->pos);
  if (!o->pos) abort();
  for (size_t i = 0; i < n; i++) {
    if (isnan(d->val[i])) continue;
    if (opt->type == GP_SCAN_SCORE ? !(d->se && !isnan(d->se[i])) : !(d->den && !isnan(d->den[i])))
      continue;
    bool ok = true;
    for (size_t j = 0; j < nadjust && ok; j++)
      ok = !isnan(d->ctx[i * d->k + (size_t)ci[j]]);
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
      size_t i = o->pos[r];
      obs[r] = d->val[i];
      den[r] = d->den ? d->den[i] : NAN;
      se[r] = d->se ? d->se[i] : NAN;
      for (size_t j = 0; j < nadjust; j++)
        cov[r * nadjust + j] = d->ctx[i * d->k + (size_t)ci[j]];
    }
  }
  const double *cobs = direct ? d->val : obs, *cden = direct ? d->den : den;
  const double *cse = direct ? d->se : se, *ccov = direct ? d->ctx : cov;
  gp_scan_data sd = {m,
                     cobs,
                     opt->type == GP_SCAN_SCORE ? NULL : cden,
                     opt->type == GP_SCAN_SCORE ? cse : NULL,
                     nadjust,
                     nadjust ? ccov : NULL};
  rc = gp_scan_run(&sd, opt, &o->r, err);
  if (rc && !strncmp(err->path, "units[", 6)) {
    /* name the unit instead of the engine's index */
    size_t idx = (size_t)strtoul(err->path + 6, NULL, 10);
    const char *field = strchr(err->path, '.');
    char path[256];
    snprintf(path, sizeof path, "%s %s unit %s%s", metric, period,
             idx < m ? d->ids[o->pos[idx]] : "?", field ? field : "");
    snprintf(err->path, sizeof err->path, "%s", path);
  } else if (rc && !strncmp(err->path, "adjust[", 7)) {
    size_t j = (size_t)strtoul(err->path + 7, NULL, 10);
    if (j < nadjust) {
      snprintf(err->path, sizeof err->path, "--adjust");
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

/* The sort key for mapping ids between periods. */
static _Thread_local const char *const *gp_scan_sort_ids;
static _Thread_local const size_t *gp_scan_sort_pos;

static int gp_scan_cmp(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return strcmp(gp_scan_sort_ids[gp_scan_sort_pos[x]], gp_scan_sort_ids[gp_scan_sort_pos[y]]);
}

/* Fills flags_out (n = cur->r.n, in cur's scanned order) with the first-level
 * flags that the earlier scan `old` gave the same units (0 if absent). */
static void gp_scan_map_flags(const gp_scan_run_out *cur, const gp_scan_run_out *old,
                              int8_t *flags_out) {
  size_t n = cur->r.n, m = old->r.n;
  /* fast path: the same units in the same order */
  bool same = n == m;
  for (size_t i = 0; same && i < n; i++)
    same = !strcmp(cur->d.ids[cur->pos[i]], old->d.ids[old->pos[i]]);
  if (same) {
    memcpy(flags_out, old->r.flags, n);
    return;
  }
  size_t *ord = malloc((m ? m : 1) * sizeof *ord);
  if (!ord) abort();
  for (size_t i = 0; i < m; i++)
    ord[i] = i;
  gp_scan_sort_ids = old->d.ids;
  gp_scan_sort_pos = old->pos;
  qsort(ord, m, sizeof *ord, gp_scan_cmp);
  for (size_t i = 0; i < n; i++) {
    const char *id = cur->d.ids[cur->pos[i]];
    size_t lo = 0, hi = m;
    flags_out[i] = 0;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      int c = strcmp(old->d.ids[old->pos[ord[mid]]], id);
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
}

/* The earlier periods to scan for persistence, shared by the workers. */
typedef struct gp_scan_pool {
  const char *dbpath;             /* each worker opens its own store handle */
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
  gp_store *s = NULL;
  gp_error e;
  gp_error_clear(&e);
  if (gp_store_open(p->dbpath, false, &s, &e)) {
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
    gp_code rc =
        gp_scan_one(s, p->metric, p->periods[j], &o2, true, p->adjust, p->nadjust, &old, &e);
    if (rc == GP_OK) {
      gp_scan_map_flags(p->now, &old, p->rows + j * p->now->r.n);
      p->ok[j] = true;
    } else if (rc != GP_EINVAL) { /* EINVAL: e.g. a covariate absent that year: skip it */
      pthread_mutex_lock(&p->mu);
      if (p->err.code == GP_OK) p->err = e;
      pthread_mutex_unlock(&p->mu);
    }
    gp_scan_run_free(&old);
  }
  gp_store_close(s);
  return NULL;
}

/* Scans the pool's periods with up to GP_SCAN_THREADS workers. */
static gp_code gp_scan_pool_run(gp_scan_pool *p, gp_error *err) {
  pthread_mutex_init(&p->mu, NULL);
  gp_error_clear(&p->err);
  size_t nt = p->nper < GP_SCAN_THREADS ? p->nper : GP_SCAN_THREADS;
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

/* Parses "95,99.8" into fractions. */
static gp_code gp_scan_parse_limits(char *s, gp_scan_options *o, gp_error *err) {
  char *items[8];
  size_t n = gp_scan_split(s, items, 8);
  if (n < 1 || n > GP_SCAN_MAX_LEVELS)
    return gp_fail(err, GP_EINVAL, "--limits", "give 1 to %d levels, e.g. 95,99.8",
                   GP_SCAN_MAX_LEVELS);
  for (size_t l = 0; l < n; l++) {
    double v;
    if (gp_cli_parse_double("--limits", items[l], &v, err)) return err->code;
    if (!(v > 0 && v < 100))
      return gp_fail(err, GP_EINVAL, "--limits", "%s: a level is a percentage in (0, 100)",
                     items[l]);
    o->levels[l] = v / 100;
  }
  o->nlevels = n;
  return GP_OK;
}

/* A flagged unit for the readable listing. */
typedef struct gp_scan_rank {
  int8_t flag; /* +1 high, -1 low */
  double z;    /* its z-score */
  size_t i;    /* its index in the result */
} gp_scan_rank;

/* Highs before lows; highs by z descending, lows by z ascending; then index. */
static int gp_scan_rank_cmp(const void *pa, const void *pb) {
  const gp_scan_rank *x = pa, *y = pb;
  if (x->flag != y->flag) return x->flag > y->flag ? -1 : 1;
  if (x->z != y->z) return (x->flag > 0 ? x->z > y->z : x->z < y->z) ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

static void gp_scan_print(const gp_scanjson_in *in, const gp_scan_result *r, size_t top) {
  const gp_scan_options *o = in->opt;
  char key[16];
  printf("scan of %s, %s: %s", in->metric, in->period, gp_scan_type_name(o->type));
  if (in->nadjust) {
    printf(", adjusted for ");
    for (size_t j = 0; j < in->nadjust; j++)
      printf("%s%s", j ? ", " : "", in->adjust[j]);
    printf(" (%s)", o->type == GP_SCAN_SCORE        ? "weighted least squares"
                    : o->type == GP_SCAN_PROPORTION ? "logistic regression"
                                                    : "Poisson regression");
  }
  printf(", %s overdispersion\n", gp_scan_od_name(o->od));
  printf("units: %zu rows, %zu scanned, %zu missing", in->n_rows, r->n, in->n_missing);
  if (in->n_missing && in->missing_reasons) printf(" %s", in->missing_reasons);
  if (in->n_no_covariates) printf(", %zu without covariates", in->n_no_covariates);
  printf("\n");
  if (r->ncoef) {
    printf("model:");
    for (size_t j = 0; j < r->ncoef; j++)
      printf("  %s %.4g (se %.3g)", j ? in->adjust[j - 1] : "intercept", r->coef[j], r->coef_se[j]);
    printf("\n");
  }
  printf("target %.6g, phi %.4g, tau2 %.4g (%s), FDR %g%%: %zu discoveries\n", r->target, r->phi,
         r->tau2, r->od_applied ? "overdispersion applied" : "no overdispersion applied",
         o->fdr * 100, r->n_discoveries);
  size_t nflag = 0;
  for (size_t l = 0; l < o->nlevels; l++) {
    size_t hi = 0, lo = 0;
    for (size_t i = 0; i < r->n; i++) {
      hi += r->units[i].flag[l] > 0;
      lo += r->units[i].flag[l] < 0;
    }
    if (l == 0) nflag = hi + lo;
    printf("%sflagged at %s%%: %zu high, %zu low", l ? "; " : "",
           gp_scanjson_level_key(o->levels[l], key), hi, lo);
  }
  printf("\n");
  if (in->persistence && in->history > 1) {
    size_t all = 0;
    for (size_t i = 0; i < r->n; i++)
      all += in->persistence[i] == (int32_t)in->history;
    printf("persistence: %zu units flagged the same way at %s%% in all %zu periods scanned\n", all,
           gp_scanjson_level_key(o->levels[0], key), in->history);
  }
  if (!nflag) return;
  /* highs by z descending, then lows by z ascending (most extreme first) */
  gp_scan_rank *rk = malloc(nflag * sizeof *rk);
  size_t *idx = malloc(nflag * sizeof *idx), m = 0;
  if (!rk || !idx) abort();
  for (size_t i = 0; i < r->n; i++)
    if (r->units[i].flag[0]) {
      rk[m].flag = r->units[i].flag[0];
      rk[m].z = r->units[i].z;
      rk[m].i = i;
      m++;
    }
  qsort(rk, m, sizeof *rk, gp_scan_rank_cmp);
  for (size_t a = 0; a < m; a++)
    idx[a] = rk[a].i;
  free(rk);
  printf("\n%-12s %-30s %10s %10s %10s %7s %8s %-22s %s\n", "UNIT", "NAME", "OBSERVED", "EXPECTED",
         "INDICATOR", "Z", "Q", "SHRUNK (95%)", "FLAGS / PERSISTENCE");
  size_t shown_hi = 0, shown_lo = 0;
  for (size_t a = 0; a < m; a++) {
    const gp_scan_unit *u = &r->units[idx[a]];
    if (u->flag[0] > 0 ? shown_hi++ >= top : shown_lo++ >= top) continue;
    char sh[48], fl[64] = "";
    snprintf(sh, sizeof sh, "%.3g [%.3g, %.3g]", u->shrunk, u->shrunk_lo, u->shrunk_hi);
    size_t off = 0;
    for (size_t l = 0; l < o->nlevels; l++) {
      int w =
          snprintf(fl + off, sizeof fl - off, "%s%s", l ? "/" : "", gp_scan_flag_name(u->flag[l]));
      if (w > 0) off += (size_t)w;
    }
    char nm[31];
    snprintf(nm, sizeof nm, "%s", in->names[idx[a]] ? in->names[idx[a]] : "");
    printf("%-12s %-30s %10.4g %10.4g %10.4g %7.2f %8.2g %-22s %s", in->ids[idx[a]], nm,
           u->observed, u->expected, u->indicator, u->z, u->q, sh, fl);
    if (in->persistence) printf(" %d/%zu", in->persistence[idx[a]], in->history);
    printf("\n");
  }
  if (shown_hi > top || shown_lo > top)
    printf("(%zu more; --top N shows more, --json shows all)\n",
           (shown_hi > top ? shown_hi - top : 0) + (shown_lo > top ? shown_lo - top : 0));
  free(idx);
}

/* Memory for scans of a million units: arrays freed after one period are
 * reused by the next (one arena, no mmap'd chunks, no trimming) instead of
 * being unmapped and zeroed again. Same results either way. (Backing large
 * allocations with huge pages is left to the user's environment:
 * GLIBC_TUNABLES=glibc.malloc.hugetlb=1, as bench/scan.sh does.) */
static void gp_scan_memory(void) {
#ifdef __GLIBC__
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);
#endif
}

int gp_cmd_scan(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"metric", required_argument, NULL, 'm'},
                                       {"period", required_argument, NULL, 'p'},
                                       {"type", required_argument, NULL, 't'},
                                       {"target-value", required_argument, NULL, 'v'},
                                       {"adjust", required_argument, NULL, 'a'},
                                       {"overdispersion", required_argument, NULL, 'o'},
                                       {"trim", required_argument, NULL, 'r'},
                                       {"trim-method", required_argument, NULL, 'M'},
                                       {"limits", required_argument, NULL, 'l'},
                                       {"fdr", required_argument, NULL, 'f'},
                                       {"history", required_argument, NULL, 'H'},
                                       {"top", required_argument, NULL, 'T'},
                                       {"no-save", no_argument, NULL, 'n'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  const char *usage =
      "usage: gameplan scan --metric ID [--period P] [--type sr|proportion|ratio|score] "
      "[--target-value X] [--adjust X1,X2,...] [--overdispersion none|additive|multiplicative] "
      "[--trim 0.1] [--trim-method winsorise|truncate] [--limits 95,99.8] [--fdr 0.05] "
      "[--history 5] [--top 20] [--no-save] [--json] [--db DB]";
  const char *db = NULL, *metric = NULL, *period = NULL;
  char *adjust_arg = NULL, *limits_arg = NULL;
  bool json = false, save = true, type_given = false;
  long history = 5, top = 20;
  gp_scan_options opt = gp_scan_options_default();
  gp_error err;
  gp_error_clear(&err);
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'm': metric = optarg; break;
    case 'p': period = optarg; break;
    case 't':
      if (!gp_scan_type_parse(optarg, &opt.type))
        return gp_cli_usage("scan", "--type: '%s' is not sr, proportion, ratio or score", optarg);
      type_given = true;
      break;
    case 'v':
      if (gp_cli_parse_double("--target-value", optarg, &opt.target, &err))
        return gp_cli_report(&err);
      opt.has_target = true;
      break;
    case 'a': adjust_arg = optarg; break;
    case 'o':
      if (!gp_scan_od_parse(optarg, &opt.od))
        return gp_cli_usage(
            "scan", "--overdispersion: '%s' is not none, additive or multiplicative", optarg);
      break;
    case 'r':
      if (gp_cli_parse_double("--trim", optarg, &opt.trim, &err)) return gp_cli_report(&err);
      break;
    case 'M':
      if (!strcmp(optarg, "winsorise") || !strcmp(optarg, "winsorize"))
        opt.trim_method = GP_SCAN_TRIM_WINSORISE;
      else if (!strcmp(optarg, "truncate"))
        opt.trim_method = GP_SCAN_TRIM_TRUNCATE;
      else
        return gp_cli_usage("scan", "--trim-method: '%s' is not winsorise or truncate", optarg);
      break;
    case 'l': limits_arg = optarg; break;
    case 'f':
      if (gp_cli_parse_double("--fdr", optarg, &opt.fdr, &err)) return gp_cli_report(&err);
      break;
    case 'H':
      if (gp_cli_parse_long("--history", optarg, 1, GP_SCAN_MAX_PERIODS, &history, &err))
        return gp_cli_report(&err);
      break;
    case 'T':
      if (gp_cli_parse_long("--top", optarg, 0, 1000000000L, &top, &err))
        return gp_cli_report(&err);
      break;
    case 'n': save = false; break;
    case 'j': json = true; break;
    default: return gp_cli_usage("scan", "%s", usage);
    }
  }
  if (optind != argc || !metric) return gp_cli_usage("scan", "%s", usage);
  char *adjust[GP_SCAN_MAX_LIST];
  size_t nadjust = 0;
  char adjust_buf[4096];
  if (adjust_arg) {
    snprintf(adjust_buf, sizeof adjust_buf, "%s", adjust_arg);
    nadjust = gp_scan_split(adjust_buf, adjust, GP_SCAN_MAX_LIST);
  }
  if (limits_arg) {
    char lb[256];
    snprintf(lb, sizeof lb, "%s", limits_arg);
    if (gp_scan_parse_limits(lb, &opt, &err)) return gp_cli_report(&err);
  }
  gp_scan_memory();
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  int status = 0;
  gp_arena a = GP_ARENA_INIT;
  gp_metric met;
  char periods[GP_SCAN_MAX_PERIODS][GP_PERIOD_MAX];
  size_t np = 0, cur = 0;
  gp_scan_run_out now;
  memset(&now, 0, sizeof now);
  int8_t *hist = NULL;
  int32_t *persist = NULL;
  if (gp_store_metric_get(s, metric, &a, &met, NULL, &err) ||
      gp_scan_pick_period(s, metric, period, periods, &np, &cur, &err) ||
      gp_scan_one(s, metric, periods[cur], &opt, type_given, adjust, nadjust, &now, &err)) {
    status = gp_cli_report(&err);
    goto out;
  }
  /* persistence over up to history periods (the current one and earlier ones) */
  size_t n = now.r.n, H = 1;
  hist = malloc(((size_t)history * n + 1) * sizeof *hist);
  persist = malloc((n + 1) * sizeof *persist);
  if (!hist || !persist) abort();
  for (size_t i = 0; i < n; i++)
    hist[i] = now.r.units[i].flag[0];
  {
    size_t nper = 0;
    for (size_t p = cur + 1; p < np && nper + 1 < (size_t)history; p++)
      nper++;
    gp_scan_pool pool;
    memset(&pool, 0, sizeof pool);
    pool.dbpath = gp_cli_db_path(db);
    pool.metric = metric;
    pool.opt = &opt;
    pool.adjust = adjust;
    pool.nadjust = nadjust;
    pool.now = &now;
    pool.periods = periods + cur + 1;
    pool.nper = nper;
    pool.rows = hist + n;
    pool.ok = calloc(nper + 1, sizeof *pool.ok);
    if (!pool.ok) abort();
    if (gp_scan_pool_run(&pool, &err)) {
      free(pool.ok);
      status = gp_cli_report(&err);
      goto out;
    }
    /* keep the rows of the periods scanned, in order */
    for (size_t j = 0; j < nper; j++)
      if (pool.ok[j]) {
        if (H != j + 1) memmove(hist + H * n, hist + (j + 1) * n, n);
        H++;
      }
    free(pool.ok);
  }
  gp_scan_persistence(hist, H, n, persist);
  /* save the scan for peers and the UI */
  if (save) {
    size_t N = now.d.n;
    int8_t *fl = calloc(N ? N : 1, 1);
    double *ind = malloc((N ? N : 1) * sizeof *ind);
    if (!fl || !ind) abort();
    for (size_t i = 0; i < N; i++)
      ind[i] = NAN;
    for (size_t i = 0; i < n; i++) {
      fl[now.pos[i]] = now.r.units[i].flag[0];
      ind[now.pos[i]] = now.r.units[i].indicator;
    }
    json_t *oj = json_object();
    json_object_set_new(oj, "type", json_string(gp_scan_type_name(opt.type)));
    json_t *aj = json_array();
    for (size_t j = 0; j < nadjust; j++)
      json_array_append_new(aj, json_string(adjust[j]));
    json_object_set_new(oj, "adjust", aj);
    json_object_set_new(oj, "overdispersion", json_string(gp_scan_od_name(opt.od)));
    json_object_set_new(oj, "trim", json_real(opt.trim));
    json_object_set_new(oj, "level", json_real(opt.levels[0]));
    json_object_set_new(oj, "fdr", json_real(opt.fdr));
    json_t *sj =
        json_pack("{s:f,s:f,s:f,s:I,s:I}", "target", isfinite(now.r.target) ? now.r.target : 0,
                  "phi", now.r.phi, "tau2", now.r.tau2, "scanned", (json_int_t)n, "discoveries",
                  (json_int_t)now.r.n_discoveries);
    char *os = json_dumps(oj, JSON_COMPACT), *ss = json_dumps(sj, JSON_COMPACT);
    gp_code rc = gp_store_units_scan_save(s, metric, periods[cur], os, ss, fl, ind, N, &err);
    free(os);
    free(ss);
    json_decref(oj);
    json_decref(sj);
    free(fl);
    free(ind);
    if (rc) {
      status = gp_cli_report(&err);
      goto out;
    }
  }
  {
    const char **ids = malloc((n + 1) * sizeof *ids), **names = malloc((n + 1) * sizeof *names);
    if (!ids || !names) abort();
    for (size_t i = 0; i < n; i++) {
      ids[i] = now.d.ids[now.pos[i]];
      names[i] = now.d.names[now.pos[i]];
    }
    gp_scanjson_in in = {metric,
                         periods[cur],
                         &opt,
                         (const char *const *)adjust,
                         nadjust,
                         ids,
                         names,
                         persist,
                         H,
                         now.d.n,
                         now.d.n_missing,
                         now.d.missing_reasons,
                         now.n_no_cov};
    if (json) {
      json_t *doc = gp_scanjson_scan(&in, &now.r);
      status = gp_cli_print_json(stdout, doc);
      json_decref(doc);
    } else {
      gp_scan_print(&in, &now.r, (size_t)top);
    }
    free(ids);
    free(names);
  }
out:
  free(hist);
  free(persist);
  gp_scan_run_free(&now);
  gp_arena_free(&a);
  gp_store_close(s);
  return status;
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

int gp_cmd_peers(int argc, char **argv) {
  static const struct option opts[] = {
      {"db", required_argument, NULL, 'd'},   {"metric", required_argument, NULL, 'm'},
      {"unit", required_argument, NULL, 'u'}, {"k", required_argument, NULL, 'k'},
      {"on", required_argument, NULL, 'o'},   {"period", required_argument, NULL, 'p'},
      {"json", no_argument, NULL, 'j'},       {NULL, 0, NULL, 0}};
  const char *usage = "usage: gameplan peers --metric ID --unit U [--k 10] [--on X1,X2,...] "
                      "[--period P] [--json] [--db DB]";
  const char *db = NULL, *metric = NULL, *unit = NULL, *period = NULL;
  char *on_arg = NULL;
  long k = 10;
  bool json = false;
  gp_error err;
  gp_error_clear(&err);
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'm': metric = optarg; break;
    case 'u': unit = optarg; break;
    case 'k':
      if (gp_cli_parse_long("--k", optarg, 1, 10000, &k, &err)) return gp_cli_report(&err);
      break;
    case 'o': on_arg = optarg; break;
    case 'p': period = optarg; break;
    case 'j': json = true; break;
    default: return gp_cli_usage("peers", "%s", usage);
    }
  }
  if (optind != argc || !metric || !unit) return gp_cli_usage("peers", "%s", usage);
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  gp_store_units_map(s);
  int status = 0;
  gp_arena marena = GP_ARENA_INIT;
  gp_metric met;
  int8_t better = 1;
  char periods[GP_SCAN_MAX_PERIODS][GP_PERIOD_MAX];
  size_t np = 0, cur = 0, pos = 0, n = 0, kc = 0, non = 0, m = 0;
  char **cnames = NULL, *on[GP_SCAN_MAX_LIST], onbuf[4096];
  double *all = NULL, *used = NULL, *ind = NULL, *amean = NULL, *asd = NULL;
  int8_t *flags = NULL;
  size_t *idx = NULL;
  gp_peers_search *search = NULL;
  gp_units_index *index = NULL;
  gp_peers_stream stream;
  memset(&stream, 0, sizeof stream);
  gp_peers_slab_src src;
  memset(&src, 0, sizeof src);
  gp_peers_result pr;
  memset(&pr, 0, sizeof pr);
  gp_unit_row *rows = NULL, me_row;
  const char *flags_from = "saved scan";
  long ci[GP_SCAN_MAX_LIST];
  if (gp_store_metric_get(s, metric, &marena, &met, NULL, &err) ||
      gp_scan_pick_period(s, metric, period, periods, &np, &cur, &err) ||
      gp_store_units_pos(s, metric, periods[cur], unit, &pos, &err) ||
      gp_store_units_covariates(s, metric, periods[cur], &n, &kc, &cnames, &err) ||
      gp_store_units_at(s, metric, periods[cur], pos, &me_row, &err))
    goto fail;
  better = met.direction == GP_LOWER ? -1 : 1;
  if (on_arg) {
    snprintf(onbuf, sizeof onbuf, "%s", on_arg);
    non = gp_scan_split(onbuf, on, GP_SCAN_MAX_LIST);
  } else {
    for (size_t j = 0; j < kc && j < GP_SCAN_MAX_LIST; j++)
      on[non++] = cnames[j];
  }
  if (non == 0) {
    gp_fail(&err, GP_EINVAL, "--on",
            "the data for %s has no covariates to compare units on; import some with --covariates",
            periods[cur]);
    goto fail;
  }
  for (size_t j = 0; j < non; j++)
    if ((ci[j] = gp_scan_cov_index((const char *const *)cnames, kc, on[j])) < 0) {
      gp_fail(&err, GP_EINVAL, "--on", "no covariate '%s' in the data for %s", on[j], periods[cur]);
      goto fail;
    }
  /* the unit's own context (from its row), the scales kept with the data */
  all = malloc((kc + 1) * sizeof *all);
  amean = malloc((kc + 1) * sizeof *amean);
  asd = malloc((kc + 1) * sizeof *asd);
  if (!all || !amean || !asd) abort();
  gp_peers_parse_ctx(me_row.covariates, cnames, kc, all);
  double me[GP_SCAN_MAX_LIST], smean[GP_SCAN_MAX_LIST], ssd[GP_SCAN_MAX_LIST];
  for (size_t j = 0; j < non; j++)
    me[j] = all[ci[j]];
  if (gp_peers_search_new(non, me, pos, (size_t)k, &search, &err)) {
    if (!strncmp(err.path, "on[", 3)) {
      size_t j = (size_t)strtoul(err.path + 3, NULL, 10);
      snprintf(err.path, sizeof err.path, "--on");
      snprintf(err.message, sizeof err.message, "unit %s has no value for %s", unit,
               j < non ? on[j] : "?");
    }
    goto fail;
  }
  bool have_stats = false;
  if (gp_store_units_ctx_stats(s, metric, periods[cur], kc, amean, asd, &have_stats, &err))
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
                    ? gp_store_units_index_open(s, metric, periods[cur], n, kc, &index, &err)
                    : GP_ENOTFOUND;
  if (irc == GP_OK) {
    /* exact search along the index sorted by the first covariate: a slab around the unit */
    size_t start;
    if (gp_store_units_index_find(index, all[0], &start, &err)) goto fail;
    src.index = index;
    src.k = kc;
    src.non = non;
    src.ci = ci;
    src.buf = malloc(GP_PEERS_CHUNK_ROWS * (kc + 1) * sizeof *src.buf);
    if (!src.buf) abort();
    gp_peers_search_slab(search, n, start, (size_t)key_col, 1024, gp_peers_slab_read, &src);
    if (src.failed) {
      err = src.err;
      goto fail;
    }
  } else if (irc == GP_ENOTFOUND) {
    /* no index: stream every unit's context (two passes without kept scales) */
    stream.search = search;
    stream.k = kc;
    stream.non = non;
    stream.ci = ci;
    stream.sel = malloc(GP_PEERS_CHUNK_ROWS * non * sizeof *stream.sel);
    if (!stream.sel) abort();
    size_t total;
    for (stream.pass = have_stats ? 2 : 1; stream.pass <= 2; stream.pass++)
      if (gp_store_units_column_stream(s, metric, periods[cur], "ctx",
                                       GP_PEERS_CHUNK_ROWS * kc * sizeof(double), gp_peers_chunk,
                                       &stream, &total, &err))
        goto fail;
  } else {
    goto fail;
  }
  gp_peers_search_result(search, &pr);
  /* flags and indicators of the peers and of the unit (last) */
  m = pr.npeers + 1;
  idx = malloc(m * sizeof *idx);
  flags = calloc(m, 1);
  ind = malloc(m * sizeof *ind);
  used = malloc(m * non * sizeof *used);
  rows = calloc(m, sizeof *rows);
  if (!idx || !flags || !ind || !used || !rows) abort();
  for (size_t p = 0; p < pr.npeers; p++)
    idx[p] = pr.peers[p].unit;
  idx[pr.npeers] = pos;
  gp_code rc =
      gp_store_units_column_gather(s, metric, periods[cur], "scan.flags", 1, idx, m, flags, &err);
  if (rc == GP_OK)
    rc = gp_store_units_column_gather(s, metric, periods[cur], "scan.indicator", sizeof(double),
                                      idx, m, ind, &err);
  if (rc == GP_ENOTFOUND) {
    /* no saved scan: flags from a default scan of this period */
    gp_scan_options opt = gp_scan_options_default();
    gp_scan_run_out o;
    if (gp_scan_one(s, metric, periods[cur], &opt, false, NULL, 0, &o, &err)) {
      gp_scan_run_free(&o);
      goto fail;
    }
    int8_t *fl = calloc(n + 1, 1);
    double *in = malloc((n + 1) * sizeof *in);
    if (!fl || !in) abort();
    for (size_t i = 0; i < n; i++)
      in[i] = NAN;
    for (size_t i = 0; i < o.r.n; i++) {
      fl[o.pos[i]] = o.r.units[i].flag[0];
      in[o.pos[i]] = o.r.units[i].indicator;
    }
    for (size_t p = 0; p < m; p++) {
      flags[p] = fl[idx[p]];
      ind[p] = in[idx[p]];
    }
    free(fl);
    free(in);
    gp_scan_run_free(&o);
    flags_from = "default scan (no saved scan: run 'gameplan scan' to choose the options)";
  } else if (rc) {
    goto fail;
  }
  for (size_t p = 0; p < pr.npeers; p++) {
    pr.peers[p].flag = flags[p];
    pr.peers[p].difference = ind[p] - ind[pr.npeers];
    pr.nhigh += flags[p] > 0;
  }
  for (size_t p = 0; p < m; p++) {
    if (p < pr.npeers) {
      if (gp_store_units_at(s, metric, periods[cur], idx[p], &rows[p], &err)) goto fail;
    } else {
      rows[p] = me_row;
    }
    gp_peers_parse_ctx(rows[p].covariates, cnames, kc, all);
    for (size_t j = 0; j < non; j++)
      used[p * non + j] = all[ci[j]];
  }
  if (json) {
    const char **pids = malloc(m * sizeof *pids), **pnames = malloc(m * sizeof *pnames);
    if (!pids || !pnames) abort();
    for (size_t p = 0; p < pr.npeers; p++) {
      pids[p] = rows[p].id;
      pnames[p] = rows[p].name[0] ? rows[p].name : NULL;
    }
    gp_peersjson_in in = {metric,
                          periods[cur],
                          unit,
                          me_row.name[0] ? me_row.name : NULL,
                          ind[pr.npeers],
                          flags[pr.npeers],
                          (const char *const *)on,
                          non,
                          used + pr.npeers * non,
                          pids,
                          pnames,
                          used,
                          flags_from,
                          better};
    json_t *doc = gp_scanjson_peers(&in, &pr);
    status = gp_cli_print_json(stdout, doc);
    json_decref(doc);
    free(pids);
    free(pnames);
  } else {
    printf("peers of %s %s in %s, %s, on", unit, me_row.name, metric, periods[cur]);
    for (size_t j = 0; j < non; j++)
      printf("%s %s = %.4g", j ? "," : "", on[j], used[pr.npeers * non + j]);
    printf("\nits indicator %.4g (%s); flags from the %s\n\n", ind[pr.npeers],
           gp_scan_flag_name(flags[pr.npeers]), flags_from);
    printf("%3s %-12s %-32s %9s %-5s %11s\n", "#", "UNIT", "NAME", "DISTANCE", "FLAG",
           "DIFFERENCE");
    for (size_t p = 0; p < pr.npeers; p++) {
      char nm[33];
      snprintf(nm, sizeof nm, "%s", rows[p].name);
      printf("%3zu %-12s %-32s %9.3f %-5s %+11.4g\n", p + 1, rows[p].id, nm, pr.peers[p].distance,
             gp_scan_flag_name(pr.peers[p].flag), pr.peers[p].difference);
    }
    size_t nbetter = 0;
    for (size_t p = 0; p < pr.npeers; p++)
      nbetter += pr.peers[p].flag == better;
    printf("\n%zu of the %zu most similar units do better than expected (flagged %s, as %s is "
           "better for %s)%s\n",
           nbetter, pr.npeers, better > 0 ? "high" : "low", better > 0 ? "higher" : "lower", metric,
           nbetter ? ":" : ".");
    for (size_t p = 0; p < pr.npeers; p++)
      if (pr.peers[p].flag == better)
        printf("  %s %s: indicator %+.4g against this unit's\n", rows[p].id, rows[p].name,
               pr.peers[p].difference);
  }
  goto out;
fail:
  status = gp_cli_report(&err);
out:
  free(rows);
  gp_peers_free(&pr);
  gp_peers_search_free(search);
  gp_store_units_index_close(index);
  free(src.buf);
  free(stream.sel);
  free(all);
  free(amean);
  free(asd);
  free(used);
  free(idx);
  free(flags);
  free(ind);
  gp_store_units_names_free(cnames, kc);
  gp_arena_free(&marena);
  gp_store_close(s);
  return status;
}
