/*
 * gameplan status [MISSION] [--as-of PERIOD] [--json] [--db DB]
 *
 * Every target with its latest actual, the trajectory value then, the
 * forecast to the target period with its 80% and 95% intervals, the
 * probability of meeting it, a rating and the Open SDG progress status;
 * floor targets list the places below the floor. The CLI is trusted: it
 * shows unpublished missions too.
 */
#include <getopt.h>
#include <string.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"

static const char *gp_s(json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static void gp_fmt_num(char *buf, size_t n, json_t *v) {
  if (json_is_number(v))
    snprintf(buf, n, "%.4g", json_number_value(v));
  else
    snprintf(buf, n, "-");
}

static void gp_print_table(json_t *doc) {
  json_t *targets = json_object_get(doc, "targets");
  printf("%-34s %-9s %-16s %-9s %-38s %-6s %-11s %s\n", "MISSION / TARGET", "KIND", "LATEST",
         "TRAJ", "FORECAST (80% / 95% interval)", "P_MEET", "RATING", "OPEN SDG");
  size_t i;
  json_t *t;
  json_array_foreach(targets, i, t) {
    char name[64], latest[40], traj[24], fc[80], p[16];
    snprintf(name, sizeof name, "%s / %s", gp_s(t, "mission"), gp_s(t, "id"));
    json_t *l = json_object_get(t, "latest");
    if (json_is_object(l)) {
      char v[24];
      gp_fmt_num(v, sizeof v, json_object_get(l, "value"));
      snprintf(latest, sizeof latest, "%s: %s", gp_s(l, "period"), v);
    } else {
      snprintf(latest, sizeof latest, "-");
    }
    gp_fmt_num(traj, sizeof traj, json_object_get(t, "trajectory_value"));
    json_t *f = json_object_get(t, "forecast");
    if (json_is_object(f)) {
      json_t *a = json_object_get(f, "pi80"), *b = json_object_get(f, "pi95");
      snprintf(fc, sizeof fc, "%s: %.4g [%.4g, %.4g] [%.4g, %.4g]", gp_s(f, "period"),
               json_number_value(json_object_get(f, "mean")),
               json_number_value(json_array_get(a, 0)), json_number_value(json_array_get(a, 1)),
               json_number_value(json_array_get(b, 0)), json_number_value(json_array_get(b, 1)));
    } else {
      snprintf(fc, sizeof fc, "(none: %s)", gp_s(t, "forecast_reason"));
    }
    json_t *pm = json_object_get(t, "p_meet");
    if (json_is_number(pm))
      snprintf(p, sizeof p, "%.2f", json_number_value(pm));
    else
      snprintf(p, sizeof p, "-");
    printf("%-34s %-9s %-16s %-9s %-38s %-6s %-11s %s%s\n", name, gp_s(t, "kind"), latest, traj, fc,
           p, gp_s(t, "rating"), gp_s(t, "open_sdg_status"),
           json_is_true(json_object_get(t, "rebaselined")) ? " (rebaselined)" : "");
    json_t *below = json_object_get(t, "below_floor");
    size_t k;
    json_t *b;
    json_array_foreach(below, k, b) {
      char v[24], fm[24], bp[16];
      gp_fmt_num(v, sizeof v, json_object_get(json_object_get(b, "latest"), "value"));
      gp_fmt_num(fm, sizeof fm, json_object_get(b, "forecast_mean"));
      json_t *bpv = json_object_get(b, "p_meet");
      if (json_is_number(bpv))
        snprintf(bp, sizeof bp, "%.2f", json_number_value(bpv));
      else
        snprintf(bp, sizeof bp, "-");
      printf("    below floor: %-26s latest %-8s forecast %-8s p_meet %s\n", gp_s(b, "breakdown"),
             v, fm, bp);
    }
  }
  if (json_array_size(targets) == 0) printf("(no targets)\n");
}

int gp_cmd_status(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"as-of", required_argument, NULL, 'a'},
                                       {"json", no_argument, NULL, 'j'},
                                       {NULL, 0, NULL, 0}};
  const char *db = NULL, *as_of = NULL;
  bool json = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'a': as_of = optarg; break;
    case 'j': json = true; break;
    default:
      return gp_cli_usage("status", "usage: gameplan status [MISSION] [--as-of PERIOD] [--json]");
    }
  }
  if (argc - optind > 1)
    return gp_cli_usage("status", "unexpected argument '%s'", argv[optind + 1]);
  gp_error err;
  gp_error_clear(&err);
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  gp_status_query q = {.mission_id = optind < argc ? argv[optind] : NULL,
                       .as_of = as_of,
                       .include_unpublished = true};
  json_t *doc;
  gp_code rc = gp_app_status(s, &q, &doc, &err);
  gp_store_close(s);
  if (rc) {
    if (rc == GP_EINVAL && !strcmp(err.path, "as_of"))
      snprintf(err.path, sizeof err.path, "--as-of");
    return gp_cli_report(&err);
  }
  int out = 0;
  if (json)
    out = gp_cli_print_json(stdout, doc);
  else
    gp_print_table(doc);
  json_decref(doc);
  return out;
}
