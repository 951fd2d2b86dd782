/*
 * gameplan import unit-data FILE.csv --metric ID --period P --unit COL
 *     [--name COL] [--parent COL] [--unit-type TEXT]
 *     (--value COL [--se COL | --lower COL --upper COL [--level 95]]
 *      | --numerator COL --denominator COL | --observed COL --expected COL)
 *     [--covariates COL,...] [--where COL=VALUE] [--source TEXT] [--json] [--db DB]
 *
 * Loads one metric's per-unit values for one period (replacing any earlier
 * load of that metric and period), creating the units it meets. Suppressed
 * cells become missing and are counted by reason. All or nothing: any bad
 * row stops the import with FILE:ROW:COLUMN and nothing is written.
 * Reader: src/io/gp_unitcsv.c; storage: src/store/gp_store_units.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/gp_cli.h"
#include "engine/gp_peers.h"
#include "io/gp_unitcsv.h"
#include "model/gp_period.h"
#include "store/gp_store.h"
#include "store/gp_store_units.h"

int gp_cmd_import_unit_data(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"metric", required_argument, NULL, 'm'},
                                       {"period", required_argument, NULL, 'p'},
                                       {"unit", required_argument, NULL, 'u'},
                                       {"name", required_argument, NULL, 'n'},
                                       {"parent", required_argument, NULL, 'P'},
                                       {"unit-type", required_argument, NULL, 'y'},
                                       {"value", required_argument, NULL, 'v'},
                                       {"se", required_argument, NULL, 's'},
                                       {"lower", required_argument, NULL, 'l'},
                                       {"upper", required_argument, NULL, 'U'},
                                       {"level", required_argument, NULL, 'L'},
                                       {"numerator", required_argument, NULL, 'N'},
                                       {"denominator", required_argument, NULL, 'D'},
                                       {"observed", required_argument, NULL, 'o'},
                                       {"expected", required_argument, NULL, 'e'},
                                       {"covariates", required_argument, NULL, 'c'},
                                       {"where", required_argument, NULL, 'w'},
                                       {"source", required_argument, NULL, 'S'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  const char *usage =
      "usage: gameplan import unit-data FILE.csv --metric ID --period P --unit COL [--name COL] "
      "[--parent COL] [--unit-type TEXT] (--value COL [--se COL | --lower COL --upper COL "
      "[--level 95]] | --numerator COL --denominator COL | --observed COL --expected COL) "
      "[--covariates COL,...] [--where COL=VALUE] [--source TEXT] [--json] [--db DB]";
  const char *db = NULL, *metric = NULL, *period = NULL, *unit_type = NULL, *source = NULL;
  char *cov_arg = NULL, *where_arg = NULL;
  bool json = false;
  gp_unitcsv_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.level = 0.95;
  gp_error err;
  gp_error_clear(&err);
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'm': metric = optarg; break;
    case 'p': period = optarg; break;
    case 'u': sp.unit = optarg; break;
    case 'n': sp.name = optarg; break;
    case 'P': sp.parent = optarg; break;
    case 'y': unit_type = optarg; break;
    case 'v': sp.value = optarg; break;
    case 's': sp.se = optarg; break;
    case 'l': sp.lower = optarg; break;
    case 'U': sp.upper = optarg; break;
    case 'L': {
      double lv;
      if (gp_cli_parse_double("--level", optarg, &lv, &err)) return gp_cli_report(&err);
      if (!(lv > 0 && lv < 100)) return gp_cli_usage("import", "--level: a percentage in (0, 100)");
      sp.level = lv / 100;
      break;
    }
    case 'N': sp.numerator = optarg; break;
    case 'D': sp.denominator = optarg; break;
    case 'o': sp.observed = optarg; break;
    case 'e': sp.expected = optarg; break;
    case 'c': cov_arg = optarg; break;
    case 'w': where_arg = optarg; break;
    case 'S': source = optarg; break;
    case 'j': json = true; break;
    default: return gp_cli_usage("import", "%s", usage);
    }
  }
  if (optind + 1 != argc || !metric || !period || !sp.unit)
    return gp_cli_usage("import", "%s", usage);
  const char *file = argv[optind];
  gp_period per;
  if (gp_period_parse_str(period, &per, "--period", &err)) return gp_cli_report(&err);
  const char *covs[64];
  char covbuf[4096];
  if (cov_arg) {
    snprintf(covbuf, sizeof covbuf, "%s", cov_arg);
    for (char *tok = strtok(covbuf, ","); tok; tok = strtok(NULL, ",")) {
      if (sp.ncov == 64) return gp_cli_usage("import", "--covariates: at most 64");
      while (*tok == ' ')
        tok++;
      if (*tok) covs[sp.ncov++] = tok;
    }
    sp.covariates = covs;
  }
  char wbuf[512];
  if (where_arg) {
    snprintf(wbuf, sizeof wbuf, "%s", where_arg);
    char *eq = strchr(wbuf, '=');
    if (!eq || eq == wbuf) return gp_cli_usage("import", "--where: give COL=VALUE");
    *eq = 0;
    sp.where_col = wbuf;
    sp.where_val = eq + 1;
  }
  FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
  if (!f) {
    gp_fail(&err, GP_EIO, file, "cannot open the file");
    return gp_cli_report(&err);
  }
  gp_unit_dataset d;
  gp_code rc = gp_unitcsv_read(f, file, &sp, &d, &err);
  if (f != stdin) fclose(f);
  if (rc) return gp_cli_report(&err);
  snprintf(d.metric_id, sizeof d.metric_id, "%s", metric);
  gp_period_format(&per, d.period);
  d.period_start = gp_period_start_day(&per);
  d.unit_type = unit_type;
  if (d.k) {
    /* the peers index: rows sorted by the first covariate, and the scales */
    d.ctx_sorted = malloc(d.n * (d.k + 1) * sizeof *d.ctx_sorted);
    d.ctx_mean = malloc(d.k * sizeof *d.ctx_mean);
    d.ctx_sd = malloc(d.k * sizeof *d.ctx_sd);
    if (!d.ctx_sorted || !d.ctx_mean || !d.ctx_sd) abort();
    gp_peers_index(d.ctx, d.n, d.k, d.ctx_sorted, d.ctx_mean, d.ctx_sd);
  }
  d.source = source;
  d.file = file;
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) {
    gp_unit_dataset_free(&d);
    return gp_cli_report(&err);
  }
  rc = gp_store_units_save(s, &d, &err);
  gp_store_close(s);
  int status = 0;
  if (rc) {
    status = gp_cli_report(&err);
  } else if (json) {
    json_t *reasons = json_loads(d.missing_reasons ? d.missing_reasons : "{}", 0, NULL);
    json_t *cv = json_array();
    for (size_t j = 0; j < d.k; j++)
      json_array_append_new(cv, json_string(d.cov_names[j]));
    json_t *doc = json_pack("{s:s,s:s,s:s,s:I,s:I,s:o,s:o}", "metric", metric, "period", d.period,
                            "kind", gp_unit_kind_name(d.kind), "units", (json_int_t)d.n, "missing",
                            (json_int_t)d.n_missing, "missing_reasons",
                            reasons ? reasons : json_object(), "covariates", cv);
    status = gp_cli_print_json(stdout, doc);
    json_decref(doc);
  } else {
    printf("%s: %zu units into '%s' for %s (%s), %zu with a value, %zu missing", file, d.n, metric,
           d.period, gp_unit_kind_name(d.kind), d.n - d.n_missing, d.n_missing);
    if (d.n_missing) printf(" %s", d.missing_reasons);
    if (d.k) {
      printf("; covariates");
      for (size_t j = 0; j < d.k; j++)
        printf("%s %s", j ? "," : "", d.cov_names[j]);
    }
    printf("\n");
  }
  gp_unit_dataset_free(&d);
  return status;
}
