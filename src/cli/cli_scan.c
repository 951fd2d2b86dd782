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
 *
 * The work is done in src/app/gp_app_scan.c (shared with the API); this file
 * parses the options and prints the listing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app_scan.h"
#include "cli/gp_cli.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

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
      if (gp_cli_parse_long("--history", optarg, 1, GP_APP_SCAN_MAX_PERIODS, &history, &err))
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
  if (limits_arg && gp_app_scan_parse_limits(limits_arg, &opt, "--limits", &err))
    return gp_cli_report(&err);
  gp_scan_memory();
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  gp_app_scan_opts so = {.metric = metric,
                         .period = period,
                         .opt = opt,
                         .type_given = type_given,
                         .adjust = adjust_arg,
                         .history = history,
                         .save = save,
                         .dbpath = gp_cli_db_path(db),
                         .include_unpublished = true,
                         .argp = "--"};
  gp_app_scan *sc = NULL;
  int status = 0;
  if (gp_app_scan_run(s, &so, &sc, &err)) {
    status = gp_cli_report(&err);
  } else if (json) {
    json_t *doc = gp_app_scan_json(sc);
    status = gp_cli_print_json(stdout, doc);
    json_decref(doc);
  } else {
    gp_scan_print(gp_app_scan_in(sc), gp_app_scan_result(sc), (size_t)top);
  }
  gp_app_scan_free(sc);
  gp_store_close(s);
  return status;
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
  gp_app_peers_opts po = {.metric = metric,
                          .unit = unit,
                          .period = period,
                          .k = k,
                          .on = on_arg,
                          .include_unpublished = true,
                          .argp = "--"};
  gp_app_peers P;
  if (gp_app_peers_run(s, &po, &P, &err)) {
    gp_store_close(s);
    return gp_cli_report(&err);
  }
  int status = 0;
  const gp_peers_result *pr = &P.pr;
  size_t non = P.non;
  if (json) {
    json_t *doc = gp_app_peers_json(&P, metric, unit);
    status = gp_cli_print_json(stdout, doc);
    json_decref(doc);
  } else {
    const gp_unit_row *rows = P.rows;
    printf("peers of %s %s in %s, %s, on", unit, P.me.name, metric, P.period);
    for (size_t j = 0; j < non; j++)
      printf("%s %s = %.4g", j ? "," : "", P.on[j], P.used[pr->npeers * non + j]);
    printf("\nits indicator %.4g (%s); flags from the %s\n\n", P.ind[pr->npeers],
           gp_scan_flag_name(P.flags[pr->npeers]), P.flags_from);
    printf("%3s %-12s %-32s %9s %-5s %11s\n", "#", "UNIT", "NAME", "DISTANCE", "FLAG",
           "DIFFERENCE");
    for (size_t p = 0; p < pr->npeers; p++) {
      char nm[33];
      snprintf(nm, sizeof nm, "%s", rows[p].name);
      printf("%3zu %-12s %-32s %9.3f %-5s %+11.4g\n", p + 1, rows[p].id, nm, pr->peers[p].distance,
             gp_scan_flag_name(pr->peers[p].flag), pr->peers[p].difference);
    }
    int8_t better = P.better;
    size_t nbetter = 0;
    for (size_t p = 0; p < pr->npeers; p++)
      nbetter += pr->peers[p].flag == better;
    printf("\n%zu of the %zu most similar units do better than expected (flagged %s, as %s is "
           "better for %s)%s\n",
           nbetter, pr->npeers, better > 0 ? "high" : "low", better > 0 ? "higher" : "lower",
           metric, nbetter ? ":" : ".");
    for (size_t p = 0; p < pr->npeers; p++)
      if (pr->peers[p].flag == better)
        printf("  %s %s: indicator %+.4g against this unit's\n", rows[p].id, rows[p].name,
               pr->peers[p].difference);
  }
  gp_app_peers_free(&P);
  gp_store_close(s);
  return status;
}
