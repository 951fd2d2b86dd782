/*
 * gameplan import observations FILE.csv --metric ID [--skip-bad REJECTS.csv]
 *                 [--source TEXT] [--db DB] [--json]
 *
 * All or nothing by default: the first bad row stops the import, names
 * FILE:LINE:COLUMN and the reason, and nothing is written. With --skip-bad,
 * bad rows go to REJECTS.csv (with their line and reason) and the rest is
 * imported. A progress bar is drawn on a terminal.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"

typedef struct gp_progress {
  long size; /* file size in bytes (0: unknown) */
  bool tty;  /* stderr is a terminal */
} gp_progress;

static void gp_progress_cb(void *ctx, long bytes, long rows) {
  gp_progress *p = ctx;
  if (!p->tty) return;
  if (rows < 0) {
    fprintf(stderr, "\r%60s\r", "");
    return;
  }
  int pct = p->size > 0 ? (int)(100.0 * (double)bytes / (double)p->size) : 0;
  int bar = pct / 4;
  fprintf(stderr, "\rimporting [%.*s%*s] %3d%% %ld rows", bar, "#########################",
          25 - bar, "", pct, rows);
  fflush(stderr);
}

static int gp_import_observations(int argc, char **argv) {
  static const struct option opts[] = {
      {"db", required_argument, NULL, 'd'},       {"metric", required_argument, NULL, 'm'},
      {"skip-bad", required_argument, NULL, 's'}, {"source", required_argument, NULL, 'S'},
      {"json", no_argument, NULL, 'j'},           {NULL, 0, NULL, 0}};
  const char *usage = "usage: gameplan import observations FILE.csv --metric ID "
                      "[--skip-bad REJECTS.csv] [--source TEXT] [--db DB] [--json]";
  const char *db = NULL, *metric = NULL, *rejects = NULL, *source = NULL;
  bool json = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'm': metric = optarg; break;
    case 's': rejects = optarg; break;
    case 'S': source = optarg; break;
    case 'j': json = true; break;
    default: return gp_cli_usage("import", "%s", usage);
    }
  }
  if (optind + 1 != argc || !metric) return gp_cli_usage("import", "%s", usage);
  const char *file = argv[optind];
  gp_error err;
  gp_error_clear(&err);
  FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
  if (!f) {
    gp_fail(&err, GP_EIO, file, "cannot open the file");
    return gp_cli_report(&err);
  }
  gp_progress prog = {0, gp_cli_isatty(stderr)};
  struct stat sb;
  if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode)) prog.size = (long)sb.st_size;
  char tmpname[4200];
  FILE *rej = NULL;
  if (rejects) {
    snprintf(tmpname, sizeof tmpname, "%s.tmp", rejects);
    if (!(rej = fopen(tmpname, "wb"))) {
      if (f != stdin) fclose(f);
      gp_fail(&err, GP_EIO, rejects, "cannot write the rejects file");
      return gp_cli_report(&err);
    }
  }
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) {
    if (f != stdin) fclose(f);
    if (rej) {
      fclose(rej);
      remove(tmpname);
    }
    return gp_cli_report(&err);
  }
  gp_import_opts o = {.metric_id = metric,
                      .name = strcmp(file, "-") ? file : "<stdin>",
                      .source = source,
                      .rejects = rej,
                      .progress = gp_progress_cb,
                      .progress_ctx = &prog};
  gp_import_stats st;
  long nrej = 0;
  gp_code rc = gp_app_import(s, f, &o, &st, &nrej, &err);
  gp_store_close(s);
  if (f != stdin) fclose(f);
  if (rej) {
    bool ok = fclose(rej) == 0;
    if (rc || !ok || rename(tmpname, rejects) != 0) remove(tmpname);
  }
  if (rc) return gp_cli_report(&err);
  if (json) {
    json_t *doc = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "metric", metric, "rows",
                            (json_int_t)(st.rows + nrej), "inserted", (json_int_t)st.inserted,
                            "revised", (json_int_t)st.revised, "unchanged",
                            (json_int_t)st.unchanged, "rejected", (json_int_t)nrej);
    gp_cli_print_json(stdout, doc);
    json_decref(doc);
  } else {
    printf("%s: %ld rows into '%s': %ld new, %ld revised, %ld unchanged", o.name, st.rows + nrej,
           metric, st.inserted, st.revised, st.unchanged);
    if (rejects) printf(", %ld rejected (see %s)", nrej, rejects);
    printf("\n");
  }
  return 0;
}

/* The import subcommands, one function each. */
static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
} gp_import_cmds[] = {
    {"observations", gp_import_observations},
    {"unit-data", gp_cmd_import_unit_data},
};

int gp_cmd_import(int argc, char **argv) {
  if (argc < 2)
    return gp_cli_usage("import",
                        "usage: gameplan import observations FILE.csv --metric ID ... | "
                        "import unit-data FILE.csv --metric ID --period P --unit COL ...");
  for (size_t i = 0; i < sizeof gp_import_cmds / sizeof gp_import_cmds[0]; i++)
    if (!strcmp(argv[1], gp_import_cmds[i].name)) return gp_import_cmds[i].run(argc - 1, argv + 1);
  return gp_cli_usage("import", "unknown import '%s' (observations, unit-data)", argv[1]);
}
