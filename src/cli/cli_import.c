/* gameplan import — placeholder until the command lands. */
#include "cli/gp_cli.h"

int gp_cmd_import(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'import' is not built yet\n");
  return 1;
}
