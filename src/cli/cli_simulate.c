/*
 * gameplan simulate (MISSION | FILE) [--draws N] [--seed S] [--threads T]
 *                   [--confidence C] [--target ID] [--json] [--db DB]
 *
 * Does the plan add up? Simulates the game plan (engine/gp_sim.h): the
 * chance of meeting each target, the simulated trajectory, the
 * over-programming needed, what drives the uncertainty, what happens if
 * each assumption fails, each activity's contribution, and what the tests
 * taught. FILE is a plan file (no database needed); otherwise the argument
 * is a mission id whose current plan is read from the database.
 * --json prints the document of docs/methods/simulation.md ("Output").
 */
#include <getopt.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"
#include "engine/gp_sim.h"
#include "io/gp_planfile.h"
#include "io/gp_simjson.h"
#include "model/gp_graph.h"

static const char *gp_usage_sim =
    "usage: gameplan simulate (MISSION | FILE) [--draws N] [--seed S] [--threads T]\n"
    "                         [--confidence C] [--target ID] [--json] [--db DB]";

static double gp_j(const json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_number(v) ? json_number_value(v) : NAN;
}
static const char *gp_js(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static void gp_print_sim(const gp_plan *p, const gp_sim_result *r, json_t *doc) {
  printf("Mission %s: %llu draws, seed %llu; sensitivity and assumptions refer to target '%s'\n\n",
         p->mission.id ? p->mission.id : "-", (unsigned long long)r->draws,
         (unsigned long long)r->seed, p->targets[r->primary].id);
  printf("%-18s %-8s %12s  %-16s %12s  %-27s %12s %8s\n", "TARGET", "PERIOD", "VALUE",
         "P_MEET (± se)", "MEDIAN", "80% INTERVAL", "EXTRA NEEDED", "OF PLAN");
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(doc, "targets"), i, t) {
    json_t *q = json_object_get(t, "quantiles"), *op = json_object_get(t, "overprogramme");
    char pm[32], iv[48], sh[16];
    snprintf(pm, sizeof pm, "%.3f ± %.3f", gp_j(t, "p_meet"), gp_j(t, "p_meet_se"));
    snprintf(iv, sizeof iv, "[%.5g, %.5g]", gp_j(q, "p10"), gp_j(q, "p90"));
    double es = gp_j(op, "extra_share");
    if (isnan(es))
      snprintf(sh, sizeof sh, "-");
    else
      snprintf(sh, sizeof sh, "%.0f%%", 100 * es);
    printf("%-18s %-8s %12.5g  %-16s %12.5g  %-27s %12.5g %8s\n", gp_js(t, "id"),
           gp_js(t, "period"), gp_j(t, "value"), pm, gp_j(q, "p50"), iv, gp_j(op, "extra"), sh);
  }
  printf("(extra needed: the further improvement that would give %.0f%% confidence of meeting "
         "the target; of plan: as a share of the plan's expected effect)\n",
         100 * r->targets[0].confidence);
  for (size_t k = 0; k < r->ntargets; k++) {
    const gp_sim_target *st = &r->targets[k];
    const gp_target *pt = &p->targets[st->target];
    uint64_t mx = 1;
    for (int b = 0; b < GP_SIM_HBINS; b++)
      if (st->hist[b] > mx) mx = st->hist[b];
    double w = (st->hist_hi - st->hist_lo) / GP_SIM_HBINS;
    printf("\n%s in %s (target %.5g; '|' marks the bin holding it):\n", pt->metric,
           pt->target.period, pt->target.value);
    for (int b = 0; b < GP_SIM_HBINS; b++) {
      double lo = st->hist_lo + b * w, hi = lo + w;
      int len = (int)llround(50.0 * (double)st->hist[b] / (double)mx);
      bool mark = pt->target.value >= lo && pt->target.value < hi;
      printf("  %12.5g .. %-12.5g %c ", lo, hi, mark ? '|' : ' ');
      for (int c = 0; c < len; c++)
        putchar('#');
      printf(" %.1f%%\n", 100.0 * (double)st->hist[b] / (double)r->draws);
    }
  }
  printf("\nSIMULATED TRAJECTORY\n%-16s %-8s %11s %11s %11s %11s %11s\n", "METRIC", "PERIOD", "p5",
         "p25", "p50", "p75", "p95");
  json_array_foreach(json_object_get(doc, "trajectory"), i, t) {
    printf("%-16s %-8s %11.5g %11.5g %11.5g %11.5g %11.5g\n", gp_js(t, "metric"),
           gp_js(t, "period"), gp_j(t, "p5"), gp_j(t, "p25"), gp_j(t, "p50"), gp_j(t, "p75"),
           gp_j(t, "p95"));
  }
  printf("\nWHAT DRIVES THE UNCERTAINTY (first-order variance shares, target '%s')\n%-40s %-15s "
         "%16s\n",
         p->targets[r->primary].id, "INPUT", "KIND", "SHARE (± se)");
  json_array_foreach(json_object_get(doc, "sensitivity"), i, t) {
    printf("%-40s %-15s %8.3f ± %.3f\n", gp_js(t, "input"), gp_js(t, "kind"),
           gp_j(t, "variance_share"), gp_j(t, "variance_share_se"));
  }
  if (r->nassumptions) {
    printf("\nTEST NEXT (p_meet if the assumption fails; target '%s', p_meet %.3f)\n%-5s %-20s "
           "%-30s %14s %8s %8s\n",
           p->targets[r->primary].id, r->targets[r->primary].p_meet, "RANK", "ASSUMPTION", "ON",
           "P_MEET IF FAILS", "SHARE", "EVIDENCE");
    for (long rank = 1; rank <= (long)r->nassumptions; rank++)
      json_array_foreach(json_object_get(doc, "assumptions"), i, t) {
        if ((long)json_integer_value(json_object_get(t, "priority_rank")) != rank) continue;
        printf("%-5ld %-20s %-30s %14.3f %8.3f %8lld\n", rank, gp_js(t, "id"), gp_js(t, "on"),
               gp_j(t, "p_meet_if_fails"), gp_j(t, "variance_share"),
               (long long)json_integer_value(json_object_get(t, "evidence")));
      }
  }
  if (r->ncontribs) {
    printf("\nCONTRIBUTIONS OF THE ACTIVITIES\n%-24s %-16s %-8s %12s %-27s\n", "ACTIVITY", "METRIC",
           "PERIOD", "MEAN", "80% INTERVAL");
    json_array_foreach(json_object_get(doc, "contributions"), i, t) {
      char iv[60];
      snprintf(iv, sizeof iv, "[%.5g, %.5g]", gp_j(t, "p10"), gp_j(t, "p90"));
      printf("%-24s %-16s %-8s %12.5g %-27s\n", gp_js(t, "activity"), gp_js(t, "metric"),
             gp_js(t, "period"), gp_j(t, "mean"), iv);
    }
  }
  json_t *lr = json_object_get(doc, "learning");
  if (json_array_size(json_object_get(lr, "updates"))) {
    printf("\nWHAT THE TESTS TAUGHT (normal-normal updates)\n%-16s %-14s %-30s %-20s %-20s\n",
           "TEST", "ASSUMPTION", "INPUT", "PRIOR mean (sd)", "POSTERIOR mean (sd)");
    json_array_foreach(json_object_get(lr, "updates"), i, t) {
      json_t *a = json_object_get(t, "prior"), *b = json_object_get(t, "posterior");
      char pa[40], pb[40];
      snprintf(pa, sizeof pa, "%.4g (%.4g)", gp_j(a, "mean"), gp_j(a, "sd"));
      snprintf(pb, sizeof pb, "%.4g (%.4g)", gp_j(b, "mean"), gp_j(b, "sd"));
      printf("%-16s %-14s %-30s %-20s %-20s\n", gp_js(t, "test"), gp_js(t, "assumption"),
             gp_js(t, "input"), pa, pb);
    }
    json_array_foreach(json_object_get(lr, "targets"), i, t) {
      printf("  target %-16s p_meet %.3f -> %.3f (%+.3f) with what the tests taught\n",
             gp_js(t, "id"), gp_j(t, "p_meet_prior"), gp_j(t, "p_meet_posterior"),
             gp_j(t, "change"));
    }
  }
}

int gp_cmd_simulate(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"draws", required_argument, NULL, 'n'},
                                       {"seed", required_argument, NULL, 's'},
                                       {"threads", required_argument, NULL, 't'},
                                       {"confidence", required_argument, NULL, 'c'},
                                       {"target", required_argument, NULL, 'g'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  const char *db = NULL, *target = NULL;
  bool json = false;
  gp_sim_options o;
  gp_sim_options_default(&o);
  gp_error err;
  gp_error_clear(&err);
  long v;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'n':
      if (gp_cli_parse_long("--draws", optarg, 1, 100000000L, &v, &err)) return gp_cli_report(&err);
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
    case 'c':
      if (gp_cli_parse_double("--confidence", optarg, &o.confidence, &err))
        return gp_cli_report(&err);
      if (!(o.confidence > 0 && o.confidence < 1)) {
        gp_fail(&err, GP_EINVAL, "--confidence", "must be between 0 and 1 (exclusive)");
        return gp_cli_report(&err);
      }
      break;
    case 'g': target = optarg; break;
    case 'j': json = true; break;
    default: return gp_cli_usage("simulate", "%s", gp_usage_sim);
    }
  }
  if (argc - optind != 1) return gp_cli_usage("simulate", "%s", gp_usage_sim);
  gp_plan *p = NULL;
  if (gp_cli_load_plan(argv[optind], db, &p, &err)) return gp_cli_report(&err);
  gp_app_sim_req q = {.opts = o, .target = target, .target_arg = "--target"};
  gp_sim_result *r = NULL;
  json_t *doc = NULL;
  if (gp_app_simulate(p, &q, &r, &doc, &err)) {
    gp_plan_free(p);
    return gp_cli_report(&err);
  }
  int rc = 0;
  if (!doc) {
    gp_fail(&err, GP_ENOMEM, NULL, "out of memory");
    rc = gp_cli_report(&err);
  } else if (json) {
    rc = gp_cli_print_json(stdout, doc);
  } else {
    gp_print_sim(p, r, doc);
  }
  json_decref(doc);
  gp_sim_result_free(r);
  gp_plan_free(p);
  return rc;
}
