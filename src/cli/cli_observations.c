/*
 * gameplan observations METRIC [--breakdown headline|all|VALUE] [--history]
 *                              [--csv | --json] [--db DB]
 * Lists a metric's observations; --history shows superseded revisions with
 * their time and source.
 */
#include <getopt.h>
#include <string.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"

static void gp_print_obs(json_t *doc, bool history) {
  json_t *obs = json_object_get(doc, "observations");
  printf("%-10s %-24s %-12s %-22s %-27s %s\n", "PERIOD", "BREAKDOWN", "VALUE", "INTERVAL",
         "RECORDED", "SOURCE");
  size_t i;
  json_t *o;
  json_array_foreach(obs, i, o) {
    char iv[48] = "";
    json_t *lo = json_object_get(o, "lower"), *hi = json_object_get(o, "upper");
    if (json_is_number(lo) || json_is_number(hi))
      snprintf(iv, sizeof iv, "[%.6g, %.6g]", json_number_value(lo), json_number_value(hi));
    const char *b = json_string_value(json_object_get(o, "breakdown"));
    const char *src = json_string_value(json_object_get(o, "source"));
    printf("%-10s %-24s %-12.8g %-22s %-27s %s\n", json_string_value(json_object_get(o, "period")),
           b ? b : "(headline)", json_number_value(json_object_get(o, "value")), iv,
           json_string_value(json_object_get(o, "recorded_at")), src ? src : "");
    if (!history) continue;
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(o, "revisions"), k, r) {
      const char *rs = json_string_value(json_object_get(r, "source"));
      printf("  was %-31s %-12.8g superseded %s (recorded %s, %s)\n", "",
             json_number_value(json_object_get(r, "value")),
             json_string_value(json_object_get(r, "superseded_at")),
             json_string_value(json_object_get(r, "recorded_at")), rs ? rs : "");
    }
  }
}

int gp_cmd_observations(int argc, char **argv) {
  static const struct option opts[] = {
      {"db", required_argument, NULL, 'd'}, {"breakdown", required_argument, NULL, 'b'},
      {"history", no_argument, NULL, 'h'},  {"csv", no_argument, NULL, 'c'},
      {"json", no_argument, NULL, 'j'},     {NULL, 0, NULL, 0}};
  const char *usage = "usage: gameplan observations METRIC [--breakdown headline|all|VALUE] "
                      "[--history] [--csv | --json] [--db DB]";
  const char *db = NULL;
  gp_obs_query q = {.include_unpublished = true};
  bool json = false, csv = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'b': q.breakdown = optarg; break;
    case 'h': q.history = true; break;
    case 'c': csv = true; break;
    case 'j': json = true; break;
    default: return gp_cli_usage("observations", "%s", usage);
    }
  }
  if (optind + 1 != argc) return gp_cli_usage("observations", "%s", usage);
  q.metric_id = argv[optind];
  gp_error err;
  gp_error_clear(&err);
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  gp_code rc;
  int out = 0;
  if (csv) {
    rc = gp_app_observations_csv(s, &q, stdout, &err);
  } else {
    json_t *doc = NULL;
    rc = gp_app_observations_doc(s, &q, &doc, &err);
    if (!rc) {
      if (json)
        out = gp_cli_print_json(stdout, doc);
      else
        gp_print_obs(doc, q.history);
    }
    json_decref(doc);
  }
  gp_store_close(s);
  return rc ? gp_cli_report(&err) : out;
}
