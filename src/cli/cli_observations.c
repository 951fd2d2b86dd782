/* gameplan observations — placeholder until the command lands. */
#include "cli/gp_cli.h"

int gp_cmd_observations(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'observations' is not built yet\n");
  return 1;
}
