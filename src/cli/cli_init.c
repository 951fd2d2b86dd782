/*
 * gameplan init [--db FILE] — creates the database (schema migrations
 * applied) and prints a first API token, once.
 * gameplan token new [--db FILE] [--label L] — makes another token.
 */
#include <getopt.h>
#include <string.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"

/* Opens the store, makes a token with label, prints it. */
static int gp_make_token(const char *db, bool create, const char *label, bool quiet_intro) {
  gp_error err;
  gp_error_clear(&err);
  gp_store *s;
  if (gp_store_open(db, create, &s, &err)) return gp_cli_report(&err);
  char token[80];
  gp_code rc = gp_app_token_new(s, label, token, sizeof token, &err);
  gp_store_close(s);
  if (rc) return gp_cli_report(&err);
  if (!quiet_intro)
    fprintf(stderr,
            "gameplan: database ready at %s\n"
            "gameplan: API token (shown once; send it as 'Authorization: Bearer TOKEN'):\n",
            db);
  printf("%s\n", token);
  return 0;
}

int gp_cmd_init(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"label", required_argument, NULL, 'l'},
                                       {NULL, 0, NULL, 0}};
  const char *db = NULL, *label = "init";
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'd')
      db = optarg;
    else if (c == 'l')
      label = optarg;
    else
      return gp_cli_usage("init", "usage: gameplan init [--db FILE] [--label LABEL]");
  }
  if (optind != argc) return gp_cli_usage("init", "unexpected argument '%s'", argv[optind]);
  return gp_make_token(gp_cli_db_path(db), true, label, false);
}

int gp_cmd_token(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"label", required_argument, NULL, 'l'},
                                       {NULL, 0, NULL, 0}};
  const char *db = NULL, *label = "token";
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'd')
      db = optarg;
    else if (c == 'l')
      label = optarg;
    else
      return gp_cli_usage("token", "usage: gameplan token new [--db FILE] [--label LABEL]");
  }
  if (optind + 1 != argc || strcmp(argv[optind], "new"))
    return gp_cli_usage("token", "usage: gameplan token new [--db FILE] [--label LABEL]");
  return gp_make_token(gp_cli_db_path(db), false, label, true);
}
