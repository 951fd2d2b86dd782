/* gp_cli — helpers shared by the subcommands; see gp_cli.h. */
#include "cli/gp_cli.h"

#include "app/gp_app.h"
#include "io/gp_json.h"
#include "io/gp_planfile.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *gp_cli_db_path(const char *opt) {
  if (opt && *opt) return opt;
  const char *env = getenv("GAMEPLAN_DB");
  if (env && *env) return env;
  return "gameplan.db";
}

int gp_cli_report(const gp_error *err) {
  if (err->path[0])
    fprintf(stderr, "gameplan: %s: %s\n", err->path, err->message);
  else
    fprintf(stderr, "gameplan: %s\n", err->message[0] ? err->message : gp_code_name(err->code));
  return gp_code_exit_status(err->code ? err->code : GP_EINTERNAL);
}

int gp_cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "gameplan %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(see 'gameplan help' or docs/cli.md)\n");
  va_end(ap);
  return 2;
}

int gp_cli_print_json(FILE *out, const json_t *doc) {
  char *s = gp_json_dump(doc); /* the same canonical form the API serves */
  if (!s) return 1;
  int rc = fputs(s, out) < 0 ? 1 : 0;
  free(s);
  return fflush(out) == 0 ? rc : 1;
}

gp_code gp_cli_parse_long(const char *opt, const char *s, long min, long max, long *out,
                          gp_error *err) {
  char *end;
  errno = 0;
  long v = s ? strtol(s, &end, 10) : 0;
  if (!s || !*s || *end || errno || v < min || v > max)
    return gp_fail(err, GP_EINVAL, opt, "'%s' is not a whole number from %ld to %ld", s ? s : "",
                   min, max);
  *out = v;
  return GP_OK;
}

gp_code gp_cli_parse_double(const char *opt, const char *s, double *out, gp_error *err) {
  char *end;
  errno = 0;
  double v = s ? strtod(s, &end) : 0;
  if (!s || !*s || *end || errno || !isfinite(v))
    return gp_fail(err, GP_EINVAL, opt, "'%s' is not a number", s ? s : "");
  *out = v;
  return GP_OK;
}

bool gp_cli_isatty(FILE *f) { return isatty(fileno(f)) == 1; }

gp_code gp_cli_load_plan(const char *arg, const char *db, gp_plan **out, gp_error *err) {
  struct stat st;
  size_t n = strlen(arg);
  if (!strcmp(arg, "-") || stat(arg, &st) == 0 || strchr(arg, '/') ||
      (n > 5 && !strcmp(arg + n - 5, ".json")))
    return gp_planfile_load(arg, out, err);
  gp_store *s;
  gp_code rc = gp_store_open(gp_cli_db_path(db), false, &s, err);
  if (rc) return rc;
  rc = gp_app_plan_load(s, arg, 0, out, err);
  gp_store_close(s);
  return rc;
}
