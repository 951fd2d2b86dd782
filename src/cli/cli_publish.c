/*
 * gameplan publish DIR [--db DB] [--base-url URL] [--licence ID] [--licence-url URL]
 *                  [--licence-title TEXT] [--publisher NAME]
 * Writes a static copy of the public site into DIR: the open data of every
 * published mission (DIR/data/: CSV and JSON files, datapackage.json,
 * catalog.jsonld) and plain HTML pages of the missions with their status
 * tables (DIR/index.html, DIR/missions/ID/index.html). Any web server can
 * host DIR; no gameplan needs to run. The interactive UI is not copied: it
 * reads the live API (/api/v1/..., with query strings), which a static tree
 * cannot answer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "app/gp_app_opendata.h"
#include "cli/gp_cli.h"

/* Where files go. */
typedef struct gp_pub {
  const char *dir; /* the output directory */
  long files;      /* files written */
  long bytes;      /* bytes written */
} gp_pub;

/* Makes every parent directory of path (a file path). */
static gp_code gp_pub_parents(char *path, gp_error *err) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    int r = mkdir(path, 0755);
    int e = errno;
    *p = '/';
    if (r != 0 && e != EEXIST)
      return gp_fail(err, GP_EIO, path, "cannot make the directory: %s", strerror(e));
  }
  return GP_OK;
}

static gp_code gp_pub_write(void *ctx, const char *path, const char *media, const char *body,
                            size_t len, gp_error *err) {
  (void)media;
  gp_pub *p = ctx;
  char full[4096];
  snprintf(full, sizeof full, "%s/%s", p->dir, path);
  gp_code rc = gp_pub_parents(full, err);
  if (rc) return rc;
  FILE *f = fopen(full, "wb");
  if (!f) return gp_fail(err, GP_EIO, full, "cannot write: %s", strerror(errno));
  size_t w = fwrite(body, 1, len, f);
  if (fclose(f) != 0 || w != len)
    return gp_fail(err, GP_EIO, full, "cannot write: %s", strerror(errno));
  p->files++;
  p->bytes += (long)len;
  return GP_OK;
}

int gp_cmd_publish(int argc, char **argv) {
  static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                       {"base-url", required_argument, NULL, 'b'},
                                       {"licence", required_argument, NULL, 'l'},
                                       {"licence-url", required_argument, NULL, 'u'},
                                       {"licence-title", required_argument, NULL, 't'},
                                       {"publisher", required_argument, NULL, 'p'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *usage = "usage: gameplan publish DIR [--db DB] [--base-url URL] [--licence ID] "
                      "[--licence-url URL] [--licence-title TEXT] [--publisher NAME]";
  const char *db = NULL, *base = NULL;
  gp_opendata_opts o = {.html = true};
  int c;
  gp_error err;
  gp_error_clear(&err);
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'd': db = optarg; break;
    case 'b': base = optarg; break;
    case 'l': o.licence_name = optarg; break;
    case 'u': o.licence_url = optarg; break;
    case 't': o.licence_title = optarg; break;
    case 'p': o.publisher = optarg; break;
    case 'h': printf("%s\n", usage); return 0;
    default: return gp_cli_usage("publish", "%s", usage);
    }
  }
  if (optind + 1 != argc) return gp_cli_usage("publish", "%s", usage);
  if (base && strncmp(base, "http://", 7) && strncmp(base, "https://", 8)) {
    gp_fail(&err, GP_EINVAL, "--base-url", "'%s' is not an http:// or https:// URL", base);
    return gp_cli_report(&err);
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", argv[optind]);
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    dir[--n] = '\0';
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    gp_fail(&err, GP_EIO, dir, "cannot make the directory: %s", strerror(errno));
    return gp_cli_report(&err);
  }
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  if (o.licence_name && !strcmp(o.licence_name, "")) o.licence_name = NULL;
  for (const char *c2 = o.licence_name; c2 && *c2; c2++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", *c2)) {
      gp_fail(&err, GP_EINVAL, "--licence", "'%s' is not a licence id (letters, digits, - . _)",
              o.licence_name);
      gp_store_close(s);
      return gp_cli_report(&err);
    }
  o.base_url = base;
  gp_pub p = {dir, 0, 0};
  gp_code rc = gp_app_opendata_site(s, &o, gp_pub_write, &p, &err);
  gp_store_close(s);
  if (rc) return gp_cli_report(&err);
  fprintf(stderr, "gameplan: wrote %ld files (%ld bytes) to %s%s\n", p.files, p.bytes, dir,
          base ? "" : " (catalogue URLs use http://localhost: pass --base-url)");
  return 0;
}
