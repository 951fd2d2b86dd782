/*
 * gameplan plan check FILE           validate a plan file (no database)
 * gameplan plan apply FILE [--reason R] [--db DB] [--json]
 * gameplan plan export MISSION [--version N] [--db DB]
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"
#include "io/gp_planfile.h"

static int gp_plan_check(const char *file) {
  gp_error err;
  gp_error_clear(&err);
  gp_plan *p;
  if (gp_planfile_load(file, &p, &err)) return gp_cli_report(&err);
  printf("%s: ok — mission '%s', %zu metrics, %zu targets\n", file, p->mission.id, p->nmetrics,
         p->ntargets);
  gp_plan_free(p);
  return 0;
}

static int gp_plan_apply(const char *file, const char *db, const char *reason, bool json) {
  gp_error err;
  gp_error_clear(&err);
  gp_plan *p;
  if (gp_planfile_load(file, &p, &err)) return gp_cli_report(&err);
  gp_store *s;
  if (gp_store_open(db, false, &s, &err)) {
    gp_plan_free(p);
    return gp_cli_report(&err);
  }
  gp_apply_result res;
  gp_code rc = gp_app_plan_apply(s, p, reason, "cli", &res, &err);
  gp_store_close(s);
  if (rc) {
    gp_plan_free(p);
    return gp_cli_report(&err);
  }
  if (json) {
    json_t *reb = json_array();
    for (size_t i = 0; i < res.nrebaselined && i < 8; i++)
      json_array_append_new(reb, json_string(res.rebaselined[i]));
    json_t *doc =
        json_pack("{s:s, s:b, s:b, s:I, s:o}", "mission", p->mission.id, "created", res.created,
                  "changed", res.changed, "version", (json_int_t)res.version, "rebaselined", reb);
    gp_cli_print_json(stdout, doc);
    json_decref(doc);
  } else {
    printf("mission '%s': %s (plan version %ld)", p->mission.id,
           res.created   ? "created"
           : res.changed ? "updated"
                         : "unchanged",
           res.version);
    for (size_t i = 0; i < res.nrebaselined && i < 8; i++)
      printf("%s%s", i ? ", " : "; rebaselined: ", res.rebaselined[i]);
    printf("\n");
  }
  gp_plan_free(p);
  return 0;
}

static int gp_plan_export(const char *mission, const char *db, long version) {
  gp_error err;
  gp_error_clear(&err);
  gp_store *s;
  if (gp_store_open(db, false, &s, &err)) return gp_cli_report(&err);
  gp_plan *p = NULL;
  gp_code rc = gp_app_plan_load(s, mission, version, &p, &err);
  gp_store_close(s);
  if (rc) return gp_cli_report(&err);
  char *text = gp_planfile_dump(p);
  gp_plan_free(p);
  if (!text) return 1;
  fputs(text, stdout);
  free(text);
  return 0;
}

int gp_cmd_plan(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"reason", required_argument, NULL, 'r'},
                                       {"version", required_argument, NULL, 'v'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  const char *usage = "usage: gameplan plan check FILE | plan apply FILE [--reason TEXT] [--db DB] "
                      "[--json] | plan export MISSION [--version N] [--db DB]";
  const char *db = NULL, *reason = NULL;
  long version = 0;
  bool json = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    gp_error err;
    switch (c) {
    case 'd': db = optarg; break;
    case 'r': reason = optarg; break;
    case 'j': json = true; break;
    case 'v':
      if (gp_cli_parse_long("--version", optarg, 1, 1000000000, &version, &err))
        return gp_cli_report(&err);
      break;
    default: return gp_cli_usage("plan", "%s", usage);
    }
  }
  if (optind + 2 != argc) return gp_cli_usage("plan", "%s", usage);
  const char *sub = argv[optind], *arg = argv[optind + 1];
  if (!strcmp(sub, "check")) return gp_plan_check(arg);
  if (!strcmp(sub, "apply")) return gp_plan_apply(arg, gp_cli_db_path(db), reason, json);
  if (!strcmp(sub, "export")) return gp_plan_export(arg, gp_cli_db_path(db), version);
  return gp_cli_usage("plan", "unknown subcommand '%s'; %s", sub, usage);
}
