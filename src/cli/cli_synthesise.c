/* gameplan synthesise — placeholder until the text engine lands. */
#include "cli/gp_cli.h"

int gp_cmd_synthesise(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'synthesise' is not built yet\n");
  return 1;
}
