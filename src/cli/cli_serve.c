/*
 * gameplan serve [--db FILE] [--port N] [--bind ADDR] [--web DIR] [--threads N]
 *                [--live-from VOTES] [--refresh SECONDS]
 * Serves the API and the web UI; binds 127.0.0.1:8080 unless told otherwise.
 * --live-from: conversations with at least this many vote events get
 * incremental (live) results; smaller ones are analysed from scratch.
 * --refresh: how often a background thread brings changed live
 * conversations up to date (default 1 s; 0: only when results are asked for).
 */
#include <getopt.h>
#include <stdint.h>

#include "app/gp_app_delib_live.h"
#include "cli/gp_cli.h"
#include "http/gp_http.h"

int gp_cmd_serve(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"port", required_argument, NULL, 'p'},
                                       {"bind", required_argument, NULL, 'b'},
                                       {"web", required_argument, NULL, 'w'},
                                       {"threads", required_argument, NULL, 't'},
                                       {"live-from", required_argument, NULL, 'l'},
                                       {"refresh", required_argument, NULL, 'r'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *usage = "usage: gameplan serve [--db FILE] [--port N] [--bind ADDR] [--web DIR] "
                      "[--threads N] [--live-from VOTES] [--refresh SECONDS]";
  gp_http_opts o = {.db = NULL, .bind = "127.0.0.1", .port = 8080, .threads = 2};
  const char *db = NULL;
  int c;
  long v;
  double refresh = 1.0;
  gp_error err;
  gp_error_clear(&err);
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'b': o.bind = optarg; break;
    case 'w': o.web = optarg; break;
    case 'p':
      if (gp_cli_parse_long("--port", optarg, 0, 65535, &v, &err)) return gp_cli_report(&err);
      o.port = (int)v;
      break;
    case 't':
      if (gp_cli_parse_long("--threads", optarg, 1, 64, &v, &err)) return gp_cli_report(&err);
      o.threads = (int)v;
      break;
    case 'l':
      if (gp_cli_parse_long("--live-from", optarg, 0, INT32_MAX, &v, &err))
        return gp_cli_report(&err);
      gp_app_delib_live_set_from(v);
      break;
    case 'r':
      if (gp_cli_parse_double("--refresh", optarg, &refresh, &err)) return gp_cli_report(&err);
      if (refresh < 0 || refresh > 3600)
        return gp_cli_usage("serve", "--refresh takes 0 to 3600 seconds, not '%s'", optarg);
      break;
    case 'h': printf("%s\n", usage); return 0;
    default: return gp_cli_usage("serve", "%s", usage);
    }
  }
  if (optind != argc) return gp_cli_usage("serve", "%s", usage);
  o.db = gp_cli_db_path(db);
  if (refresh > 0 && gp_app_delib_live_start(o.db, refresh, &err)) return gp_cli_report(&err);
  gp_code rc = gp_http_serve(&o, &err);
  gp_app_delib_live_stop();
  gp_app_delib_live_reset();
  if (rc) return gp_cli_report(&err);
  return 0;
}
