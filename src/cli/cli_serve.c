/* gameplan serve — placeholder until the command lands. */
#include "cli/gp_cli.h"

int gp_cmd_serve(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'serve' is not built yet\n");
  return 1;
}
