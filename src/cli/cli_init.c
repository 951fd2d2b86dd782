/* gameplan init — placeholder until the command lands. */
#include "cli/gp_cli.h"

int gp_cmd_init(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'init' is not built yet\n");
  return 1;
}
