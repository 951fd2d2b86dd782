/* gameplan mission — placeholder until the command lands. */
#include "cli/gp_cli.h"

int gp_cmd_mission(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr, "gameplan: 'mission' is not built yet\n");
  return 1;
}
