/* gameplan token — placeholder until the command lands. */
#include "cli/gp_cli.h"

int gp_cmd_token(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'token' is not built yet\n");
  return 1;
}
