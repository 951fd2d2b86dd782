/*
 * gameplan optimise (MISSION | FILE) --budget B --target ID [--draws N]
 *                   [--seed S] [--threads T] [--search auto|exhaustive|heuristic]
 *                   [--json] [--db DB]
 *
 * Which portfolio should we fund? Chooses the activities that maximise the
 * chance of meeting the target within the budget (engine/gp_optimise.h),
 * with each activity's marginal value per unit of cost, and lists the
 * weakest ideas: those whose removal from the plan costs least chance per
 * unit of money saved.
 */
#include <getopt.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"
#include "engine/gp_optimise.h"
#include "io/gp_planfile.h"
#include "io/gp_simjson.h"

static const char *gp_usage_opt =
    "usage: gameplan optimise (MISSION | FILE) --budget B --target ID [--draws N] [--seed S]\n"
    "                         [--threads T] [--search auto|exhaustive|heuristic] [--json] [--db "
    "DB]";

static void gp_print_opt(const gp_plan *p, const gp_opt_result *r) {
  const gp_graph *g = p->graph;
  printf("Target '%s' (%s in %s), budget %.6g; %llu draws, seed %llu, %s search\n\n",
         p->targets[r->target].id, p->targets[r->target].metric,
         p->targets[r->target].target.period, r->budget, (unsigned long long)r->draws,
         (unsigned long long)r->seed, r->exhaustive ? "exhaustive" : "heuristic");
  printf("plan as written:  cost %-12.6g p_meet %.3f ± %.3f\n", r->cost_before, r->p_before,
         r->p_before_se);
  printf("chosen portfolio: cost %-12.6g p_meet %.3f ± %.3f\n\n", r->cost_after, r->p_after,
         r->p_after_se);
  printf("%-24s %12s %-7s %16s %18s\n", "ACTIVITY", "COST", "CHOSEN", "MARGINAL P_MEET",
         "PER UNIT OF COST");
  for (size_t i = 0; i < r->nacts; i++) {
    const gp_opt_activity *a = &r->acts[i];
    printf("%-24s %12.6g %-7s %16.4f %18.4g\n", g->nodes[a->node].id, a->cost,
           a->chosen ? "yes" : "no", a->delta_p, a->per_cost);
  }
  printf("\nWEAKEST IDEAS (least chance lost per unit of money saved, from the plan as written)\n");
  printf("%-24s %12s %16s %18s\n", "ACTIVITY", "COST", "P_MEET LOST", "PER UNIT OF COST");
  for (size_t i = 0; i < r->nweak; i++) {
    const gp_opt_weak *w = &r->weak[i];
    printf("%-24s %12.6g %16.4f %18.4g\n", g->nodes[w->node].id, w->cost, w->p_loss, w->per_cost);
  }
}

int gp_cmd_optimise(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"draws", required_argument, NULL, 'n'},
                                       {"seed", required_argument, NULL, 's'},
                                       {"threads", required_argument, NULL, 't'},
                                       {"budget", required_argument, NULL, 'b'},
                                       {"target", required_argument, NULL, 'g'},
                                       {"search", required_argument, NULL, 'm'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  const char *db = NULL, *target = NULL;
  bool json = false, have_budget = false;
  gp_opt_options o;
  gp_opt_options_default(&o);
  gp_error err;
  gp_error_clear(&err);
  long v;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'n':
      if (gp_cli_parse_long("--draws", optarg, 1, 10000000L, &v, &err)) return gp_cli_report(&err);
      o.draws = (uint64_t)v;
      break;
    case 's':
      if (gp_cli_parse_long("--seed", optarg, 0, 9223372036854775807L, &v, &err))
        return gp_cli_report(&err);
      o.seed = (uint64_t)v;
      break;
    case 't':
      if (gp_cli_parse_long("--threads", optarg, 1, 1024, &v, &err)) return gp_cli_report(&err);
      o.threads = (int)v;
      break;
    case 'b':
      if (gp_cli_parse_double("--budget", optarg, &o.budget, &err)) return gp_cli_report(&err);
      if (o.budget < 0) {
        gp_fail(&err, GP_EINVAL, "--budget", "must be >= 0");
        return gp_cli_report(&err);
      }
      have_budget = true;
      break;
    case 'g': target = optarg; break;
    case 'm':
      if (!strcmp(optarg, "auto"))
        o.search = GP_OPT_AUTO;
      else if (!strcmp(optarg, "exhaustive"))
        o.search = GP_OPT_EXHAUSTIVE;
      else if (!strcmp(optarg, "heuristic"))
        o.search = GP_OPT_HEURISTIC;
      else
        return gp_cli_usage("optimise", "--search must be auto, exhaustive or heuristic");
      break;
    case 'j': json = true; break;
    default: return gp_cli_usage("optimise", "%s", gp_usage_opt);
    }
  }
  if (argc - optind != 1 || !have_budget || !target)
    return gp_cli_usage("optimise", "%s", gp_usage_opt);
  gp_plan *p = NULL;
  if (gp_cli_load_plan(argv[optind], db, &p, &err)) return gp_cli_report(&err);
  gp_opt_result *r = NULL;
  json_t *doc = NULL;
  if (gp_app_optimise(p, &o, target, "--target", "--search", &r, &doc, &err)) {
    gp_plan_free(p);
    return gp_cli_report(&err);
  }
  int rc = 0;
  if (json)
    rc = gp_cli_print_json(stdout, doc);
  else
    gp_print_opt(p, r);
  json_decref(doc);
  gp_opt_result_free(r);
  gp_plan_free(p);
  return rc;
}
