/*
 * gameplan — mission control for mission-driven government.
 *
 * main() only dispatches: argv[1] names a subcommand in the table below,
 * which gets the remaining arguments (its own name as argv[0]). One function
 * per subcommand, as git and tmux do; each lives in src/cli/.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/gp_cli.h"
#include "util/gp_malloc.h"

typedef struct gp_command {
  const char *name;                  /* what the user types */
  int (*run)(int argc, char **argv); /* the command; returns the exit status */
  const char *summary;               /* one line for `gameplan help` */
} gp_command;

static const gp_command gp_commands[] = {
    {"init", gp_cmd_init, "create the database and print an API token"},
    {"token", gp_cmd_token, "token new: make another API token"},
    {"plan", gp_cmd_plan, "plan check|apply FILE, plan export MISSION"},
    {"mission", gp_cmd_mission, "mission list | publish ID | unpublish ID"},
    {"import", gp_cmd_import, "import observations FILE.csv --metric ID"},
    {"observations", gp_cmd_observations, "observations METRIC [--history] [--csv]"},
    {"status", gp_cmd_status, "are we on track? every target's forecast and rating"},
    {"simulate", gp_cmd_simulate, "does the plan add up? simulate a game plan (MISSION or FILE)"},
    {"optimise", gp_cmd_optimise, "optimise --budget B --target ID: which activities to fund"},
    {"serve", gp_cmd_serve, "serve the API and the web UI"},
    {"demo", gp_cmd_demo, "build a database with the example missions and serve it"},
    {"trial", gp_cmd_trial, "trial power|assign|analyse|adapt: design and analyse experiments"},
    {"deliberation", gp_cmd_deliberation,
     "deliberation new|list|import|export|analyse: Pol.is conversations, groups, consensus"},
    {"synthesise", gp_cmd_synthesise, "synthesise FILE.csv --text COL: themes in free text"},
    {"scan", gp_cmd_scan, "scan --metric ID: who does better or worse than expected (funnel plot)"},
    {"peers", gp_cmd_peers,
     "peers --metric ID --unit U: similar units, and who among them does better"},
    {"publish", gp_cmd_publish, "publish DIR: a static copy of the public site and its open data"},
};

static int gp_help(FILE *out) {
  fprintf(out, "usage: gameplan COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof gp_commands / sizeof gp_commands[0]; i++)
    fprintf(out, "  %-14s %s\n", gp_commands[i].name, gp_commands[i].summary);
  fprintf(out, "\nEvery command that reads or writes the database takes --db FILE\n"
               "(default: $GAMEPLAN_DB, else gameplan.db). See docs/cli.md.\n");
  return 0;
}

int main(int argc, char **argv) {
  /* GSL's default error handler aborts the process; numerical failures are
   * reported instead (as NaN or a status), and handled where they occur. */
  gsl_set_error_handler_off();
  gp_malloc_tune(); /* many small JSON allocations: see util/gp_malloc.h */
  if (argc < 2) {
    gp_help(stderr);
    return 2;
  }
  const char *name = argv[1];
  if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h"))
    return gp_help(stdout);
  if (!strcmp(name, "--version") || !strcmp(name, "version")) {
    printf("gameplan 0.1.0\n");
    return 0;
  }
  for (size_t i = 0; i < sizeof gp_commands / sizeof gp_commands[0]; i++)
    if (!strcmp(name, gp_commands[i].name)) return gp_commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "gameplan: unknown command '%s'\n", name);
  gp_help(stderr);
  return 2;
}
