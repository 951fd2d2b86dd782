/* gameplan status — placeholder until the command lands. */
#include "cli/gp_cli.h"

int gp_cmd_status(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'status' is not built yet\n");
  return 1;
}
