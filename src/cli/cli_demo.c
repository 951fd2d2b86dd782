/*
 * gameplan demo [--db FILE] [--examples DIR] [--port N] [--bind ADDR] [--no-serve]
 *
 * Builds a fresh database with the example missions (examples/demo.json:
 * plans, observations with their sources, attributions), publishes them,
 * prints an API token, and serves it (unless --no-serve). The database file
 * is replaced: it is a demo.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"
#include "http/gp_http.h"
#include "io/gp_json.h"
#include "io/gp_planfile.h"

/* The examples directory: the option, $GAMEPLAN_EXAMPLES, ./examples, or
 * beside the binary (../examples, ../share/gameplan/examples). */
static bool gp_find_examples(const char *opt, char *out, size_t n) {
  char exe[PATH_MAX], a[PATH_MAX + 32], b[PATH_MAX + 48];
  const char *cands[5] = {opt, getenv("GAMEPLAN_EXAMPLES"), "examples", NULL, NULL};
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len > 0) {
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(a, sizeof a, "%s/../examples", exe);
    snprintf(b, sizeof b, "%s/../share/gameplan/examples", exe);
    cands[3] = a;
    cands[4] = b;
  }
  for (int i = 0; i < 5; i++) {
    char m[PATH_MAX + 64];
    struct stat sb;
    if (!cands[i] || !*cands[i]) continue;
    snprintf(m, sizeof m, "%s/demo.json", cands[i]);
    if (stat(m, &sb) == 0) {
      snprintf(out, n, "%s", cands[i]);
      return true;
    }
    if (i == 0) return false; /* an explicit --examples must be right */
  }
  return false;
}

/* Loads one manifest entry: plan, attribution, observations; publishes. */
static gp_code gp_demo_mission(gp_store *s, const char *dir, json_t *m, size_t idx, gp_error *err) {
  char path[PATH_MAX + 300], jp[64];
  snprintf(jp, sizeof jp, "demo.missions[%zu]", idx);
  const char *plan = json_string_value(json_object_get(m, "plan"));
  if (!plan) return gp_fail(err, GP_EINVAL, jp, "needs \"plan\"");
  snprintf(path, sizeof path, "%s/%s", dir, plan);
  gp_plan *p;
  gp_code rc = gp_planfile_load(path, &p, err);
  if (rc) return rc;
  gp_apply_result res;
  rc = gp_app_plan_apply(s, p, "demo", "demo", &res, err);
  char id[65];
  snprintf(id, sizeof id, "%s", p->mission.id);
  gp_plan_free(p);
  if (rc) return rc;
  const char *attr = json_string_value(json_object_get(m, "attribution"));
  if (attr && (rc = gp_store_mission_attribution(s, id, attr, err))) return rc;
  size_t i;
  json_t *o;
  json_array_foreach(json_object_get(m, "observations"), i, o) {
    const char *metric = json_string_value(json_object_get(o, "metric"));
    const char *file = json_string_value(json_object_get(o, "file"));
    if (!metric || !file) return gp_fail(err, GP_EINVAL, jp, "observations need metric and file");
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) return gp_fail(err, GP_EIO, path, "cannot open");
    gp_import_opts io = {.metric_id = metric,
                         .name = path,
                         .source = json_string_value(json_object_get(o, "source"))};
    gp_import_stats st;
    rc = gp_app_import(s, f, &io, &st, NULL, err);
    fclose(f);
    if (rc) return rc;
    fprintf(stderr, "gameplan demo: %-24s %-28s %ld observations\n", id, metric, st.rows);
  }
  /* Later sections (the theory of change) may come in a second plan file. */
  const char *full = json_string_value(json_object_get(m, "gameplan"));
  if (full) {
    snprintf(path, sizeof path, "%s/%s", dir, full);
    if ((rc = gp_planfile_load(path, &p, err))) return rc;
    rc = gp_app_plan_apply(s, p, "demo", "demo", &res, err);
    gp_plan_free(p);
    if (rc) return rc;
  }
  return gp_store_mission_publish(s, id, true, err);
}

/* The commands a demo step may run: the same ones a person would type. */
static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
} gp_demo_cmds[] = {{"plan", gp_cmd_plan},
                    {"import", gp_cmd_import},
                    {"scan", gp_cmd_scan},
                    {"mission", gp_cmd_mission},
                    {"simulate", gp_cmd_simulate},
                    {"deliberation", gp_cmd_deliberation},
                    {"synthesise", gp_cmd_synthesise}};

/* Runs examples/demo-steps.json, if present: each step is a command with
 * its arguments, "{examples}" and "{db}" replaced. Output goes to stderr. */
static gp_code gp_demo_steps(const char *dir, const char *db, gp_error *err) {
  char path[PATH_MAX + 32], *text;
  size_t len;
  snprintf(path, sizeof path, "%s/demo-steps.json", dir);
  if (access(path, R_OK) != 0) return GP_OK;
  gp_code rc = gp_read_file(path, 1 << 20, &text, &len, err);
  if (rc) return rc;
  json_t *doc = gp_json_parse(text, len, path, err);
  free(text);
  if (!doc) return GP_ESYNTAX;
  size_t i;
  json_t *step;
  json_array_foreach(json_object_get(doc, "steps"), i, step) {
    const char *cmd = json_string_value(json_object_get(step, "command"));
    json_t *args = json_object_get(step, "args");
    int (*run)(int, char **) = NULL;
    for (size_t k = 0; cmd && k < sizeof gp_demo_cmds / sizeof gp_demo_cmds[0]; k++)
      if (!strcmp(cmd, gp_demo_cmds[k].name)) run = gp_demo_cmds[k].run;
    char jp[64];
    snprintf(jp, sizeof jp, "steps[%zu]", i);
    if (!run || !json_is_array(args) || json_array_size(args) > 60) {
      rc = gp_fail(err, GP_EINVAL, jp, "needs a known \"command\" and an \"args\" list");
      break;
    }
    char *argv[64], bufs[61][PATH_MAX + 64];
    int argc = 0;
    argv[argc++] = (char *)cmd;
    size_t k;
    json_t *a;
    json_array_foreach(args, k, a) {
      const char *v = json_string_value(a);
      if (!v) v = "";
      if (!strncmp(v, "{examples}", 10))
        snprintf(bufs[k], sizeof bufs[k], "%s%s", dir, v + 10);
      else if (!strcmp(v, "{db}"))
        snprintf(bufs[k], sizeof bufs[k], "%s", db);
      else
        snprintf(bufs[k], sizeof bufs[k], "%s", v);
      argv[argc++] = bufs[k];
    }
    argv[argc] = NULL;
    /* The step's report goes to stderr, beside the demo's own. */
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    int status = run(argc, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    if (status != 0) {
      rc = gp_fail(err, GP_EINVAL, jp, "'gameplan %s ...' failed (exit %d)", cmd, status);
      break;
    }
  }
  json_decref(doc);
  return rc;
}

int gp_cmd_demo(int argc, char **argv) {
  static const struct option opts[] = {
      {"db", required_argument, NULL, 'd'},   {"examples", required_argument, NULL, 'e'},
      {"port", required_argument, NULL, 'p'}, {"bind", required_argument, NULL, 'b'},
      {"no-serve", no_argument, NULL, 'n'},   {NULL, 0, NULL, 0}};
  const char *usage = "usage: gameplan demo [--db FILE] [--examples DIR] [--port N] "
                      "[--bind ADDR] [--no-serve]";
  const char *db = NULL, *ex = NULL;
  gp_http_opts ho = {.bind = "127.0.0.1", .port = 8080, .threads = 2};
  bool serve = true;
  long v;
  int c;
  gp_error err;
  gp_error_clear(&err);
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'e': ex = optarg; break;
    case 'b': ho.bind = optarg; break;
    case 'n': serve = false; break;
    case 'p':
      if (gp_cli_parse_long("--port", optarg, 0, 65535, &v, &err)) return gp_cli_report(&err);
      ho.port = (int)v;
      break;
    default: return gp_cli_usage("demo", "%s", usage);
    }
  }
  if (optind != argc) return gp_cli_usage("demo", "%s", usage);
  db = db ? db : getenv("GAMEPLAN_DB") ? getenv("GAMEPLAN_DB") : "gameplan-demo.db";
  char dir[PATH_MAX];
  if (!gp_find_examples(ex, dir, sizeof dir)) {
    gp_fail(&err, GP_ENOTFOUND, "--examples", "cannot find the examples (demo.json)");
    return gp_cli_report(&err);
  }
  char manifest[PATH_MAX + 16], *text;
  size_t len;
  snprintf(manifest, sizeof manifest, "%s/demo.json", dir);
  if (gp_read_file(manifest, 1 << 20, &text, &len, &err)) return gp_cli_report(&err);
  json_t *doc = gp_json_parse(text, len, manifest, &err);
  free(text);
  if (!doc) return gp_cli_report(&err);

  /* A fresh database each time. */
  const char *sfx[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    char f[PATH_MAX + 8];
    snprintf(f, sizeof f, "%s%s", db, sfx[i]);
    unlink(f);
  }
  gp_store *s;
  if (gp_store_open(db, true, &s, &err)) {
    json_decref(doc);
    return gp_cli_report(&err);
  }
  gp_code rc = GP_OK;
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(doc, "missions"), i, m) {
    if ((rc = gp_demo_mission(s, dir, m, i, &err))) break;
  }
  json_decref(doc);
  char token[80];
  if (!rc) rc = gp_app_token_new(s, "demo", token, sizeof token, &err);
  gp_store_close(s);
  if (!rc) rc = gp_demo_steps(dir, db, &err);
  if (rc) return gp_cli_report(&err);
  fprintf(stderr, "gameplan demo: database %s ready; API token (shown once): %s\n", db, token);
  if (!serve) return 0;
  ho.db = db;
  if (gp_http_serve(&ho, &err)) return gp_cli_report(&err);
  return 0;
}
