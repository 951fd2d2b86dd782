/* gameplan demo — placeholder until the command lands. */
#include "cli/gp_cli.h"

int gp_cmd_demo(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'demo' is not built yet\n");
  return 1;
}
