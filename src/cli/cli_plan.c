/* gameplan plan — placeholder until the command lands. */
#include "cli/gp_cli.h"

int gp_cmd_plan(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'plan' is not built yet\n");
  return 1;
}
