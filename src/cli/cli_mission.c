/*
 * gameplan mission list [--json] | mission publish ID | mission unpublish ID
 *          | mission attribution ID TEXT          (all take --db DB)
 */
#include <getopt.h>
#include <string.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"

int gp_cmd_mission(int argc, char **argv) {
  static const struct option opts[] = {
      {"db", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
  const char *usage = "usage: gameplan mission list [--json] | publish ID | unpublish ID | "
                      "attribution ID TEXT  [--db DB]";
  const char *db = NULL;
  bool json = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'd')
      db = optarg;
    else if (c == 'j')
      json = true;
    else
      return gp_cli_usage("mission", "%s", usage);
  }
  if (optind >= argc) return gp_cli_usage("mission", "%s", usage);
  const char *sub = argv[optind];
  int nargs = argc - optind - 1;
  gp_error err;
  gp_error_clear(&err);
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  gp_code rc = GP_OK;
  int out = 0;
  if (!strcmp(sub, "list") && nargs == 0) {
    json_t *doc;
    if (!(rc = gp_app_missions_doc(s, true, &doc, &err))) {
      if (json) {
        out = gp_cli_print_json(stdout, doc);
      } else {
        size_t i;
        json_t *m;
        printf("%-24s %-9s %-8s %s\n", "ID", "PUBLISHED", "VERSION", "TITLE");
        json_array_foreach(json_object_get(doc, "missions"), i, m)
            printf("%-24s %-9s %-8lld %s\n", json_string_value(json_object_get(m, "id")),
                   json_is_true(json_object_get(m, "published")) ? "yes" : "no",
                   (long long)json_integer_value(json_object_get(m, "plan_version")),
                   json_string_value(json_object_get(m, "title")));
      }
      json_decref(doc);
    }
  } else if ((!strcmp(sub, "publish") || !strcmp(sub, "unpublish")) && nargs == 1) {
    rc = gp_store_mission_publish(s, argv[optind + 1], sub[0] == 'p', &err);
    if (!rc) printf("mission '%s' %sed\n", argv[optind + 1], sub);
  } else if (!strcmp(sub, "attribution") && nargs == 2) {
    rc = gp_store_mission_attribution(s, argv[optind + 1], argv[optind + 2], &err);
  } else {
    gp_store_close(s);
    return gp_cli_usage("mission", "%s", usage);
  }
  gp_store_close(s);
  return rc ? gp_cli_report(&err) : out;
}
