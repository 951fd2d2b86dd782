/*
 * gp_cli — the subcommands and the helpers they share.
 *
 * Each subcommand is one function `int gp_cmd_NAME(int argc, char **argv)`
 * (argv[0] is the subcommand's name) registered in the table in src/main.c.
 * A command parses its arguments, calls the app/, engine/ or io/ layer, and
 * prints: a readable table by default, the API's JSON document with --json.
 * It returns the process exit status: 0 success, 2 bad input (usage, data),
 * 1 a system failure. Errors go to stderr as "gameplan: PATH: MESSAGE".
 */
#ifndef GP_CLI_H
#define GP_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/gp_error.h"

/* ---- subcommands (one per file in src/cli/) ---- */
int gp_cmd_init(int argc, char **argv);
int gp_cmd_token(int argc, char **argv);
int gp_cmd_plan(int argc, char **argv);
int gp_cmd_import(int argc, char **argv);
int gp_cmd_observations(int argc, char **argv);
int gp_cmd_status(int argc, char **argv);
int gp_cmd_mission(int argc, char **argv);
int gp_cmd_serve(int argc, char **argv);
int gp_cmd_demo(int argc, char **argv);
int gp_cmd_trial(int argc, char **argv);
int gp_cmd_deliberation(int argc, char **argv);
int gp_cmd_synthesise(int argc, char **argv);
int gp_cmd_scan(int argc, char **argv);
int gp_cmd_peers(int argc, char **argv);
int gp_cmd_publish(int argc, char **argv);
int gp_cmd_simulate(int argc, char **argv);
int gp_cmd_optimise(int argc, char **argv);
int gp_cmd_import_unit_data(int argc, char **argv); /* `import unit-data` (cli_import_units.c) */

/* ---- shared helpers (gp_cli.c) ---- */

/* The database path: the --db value if given, else $GAMEPLAN_DB, else
 * "gameplan.db". Never NULL; the returned string is not to be freed. */
const char *gp_cli_db_path(const char *opt);

/* Prints "gameplan: PATH: MESSAGE" (or without PATH) to stderr and returns
 * the exit status for the error's code. */
int gp_cli_report(const gp_error *err);

/* Prints a usage error for command cmd and returns 2. */
int gp_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints doc to out as the --json form (indented, key order kept, a final
 * newline). Returns 0, or 1 if writing failed. Does not take ownership. */
int gp_cli_print_json(FILE *out, const json_t *doc);

/* Parses a strictly positive or non-negative integer/real option value.
 * Returns GP_OK, or GP_EINVAL naming the option. */
gp_code gp_cli_parse_long(const char *opt, const char *s, long min, long max, long *out,
                          gp_error *err);
gp_code gp_cli_parse_double(const char *opt, const char *s, double *out, gp_error *err);

struct gp_plan;
/* A plan named on the command line: a plan file (an existing path, "-", or a
 * name ending in .json) or else a mission id whose current plan is read from
 * the database db (as gp_cli_db_path). *out is the caller's (gp_plan_free). */
gp_code gp_cli_load_plan(const char *arg, const char *db, struct gp_plan **out, gp_error *err);

/* Whether stdout/stderr is a terminal (for progress bars and colour). */
bool gp_cli_isatty(FILE *f);

#endif
