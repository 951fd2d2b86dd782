/*
 * gameplan synthesise — themes in free-text answers.
 *
 *   synthesise FILE.csv --text COL [--group COL] [--k auto|N] [--seed S]
 *              [--language english] [--mission M [--assumption A] [--db DB]] [--json]
 *   synthesise --conversation ID [--k auto|N] [--seed S] [--db DB] [--json]
 *
 * Tokenises the answers in column COL (Snowball stemming, stop words),
 * weighs terms by TF-IDF, groups the answers by spherical k-means (k chosen
 * by silhouette unless given) and prints each theme's size, top terms and
 * most representative answers -- for all answers and, with --group, for
 * each value of that column. Without --mission it needs no database. With
 * --mission the themes are also kept in the database, linked to the mission
 * and (--assumption) one assumption of its plan, and the stored id printed.
 * With --conversation the approved statements of a stored conversation are
 * synthesised and kept, linked to it and to its mission and assumption.
 * The synthesis itself is gp_app_themes_synth (shared with the API).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app_themes.h"
#include "cli/gp_cli.h"
#include "engine/gp_text_stem.h"
#include "engine/gp_text_theme.h"
#include "io/gp_polisio.h"
#include "store/gp_store.h"

static const char *gp_syn_usage =
    "synthesise FILE.csv --text COL [--group COL] [--k auto|N] [--seed S] [--language L]\n"
    "         [--mission M [--assumption A] [--db DB]] [--json]\n"
    "       synthesise --conversation ID [--k auto|N] [--seed S] [--db DB] [--json]";

/* Themes of the rows in `rows` (n of them); returns a JSON object or NULL
 * with err filled. */
static json_t *gp_syn_run(const gp_polisio_table *t, long text_col, const size_t *rows, size_t n,
                          gp_text_stemmer *st, const gp_text_opts *o, gp_error *err) {
  const char **texts = malloc((n + 1) * sizeof *texts);
  long *row = malloc((n + 1) * sizeof *row), *line = malloc((n + 1) * sizeof *line);
  json_t *doc = NULL;
  if (!texts || !row || !line) {
    gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  } else {
    for (size_t i = 0; i < n; i++) {
      texts[i] = t->cells[rows[i] * t->n_cols + (size_t)text_col];
      row[i] = (long)rows[i] + 1;
      line[i] = t->line[rows[i]];
    }
    gp_themes_texts tx = {.texts = texts, .n = n, .row = row, .line = line};
    gp_app_themes_synth(&tx, st, o, &doc, err);
  }
  free(texts);
  free(row);
  free(line);
  return doc;
}

static void gp_syn_line(FILE *out, const char *s, int width) {
  int chars = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p & 0xC0) != 0x80 && chars++ == width) {
      fputs("...", out);
      return;
    }
    fputc(*p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p, out);
  }
}

static void gp_syn_print(FILE *out, const json_t *doc, const char *indent) {
  fprintf(out, "%s%lld answers (%lld with words), %lld themes\n", indent,
          json_integer_value(json_object_get(doc, "documents")),
          json_integer_value(json_object_get(doc, "themed")),
          json_integer_value(json_object_get(doc, "k")));
  size_t i;
  json_t *th;
  json_array_foreach(json_object_get(doc, "themes"), i, th) {
    fprintf(out, "%sTheme %zu (%lld answers):", indent, i,
            json_integer_value(json_object_get(th, "size")));
    size_t j;
    json_t *v;
    json_array_foreach(json_object_get(th, "terms"), j, v)
        fprintf(out, " %s", json_string_value(json_object_get(v, "term")));
    fputc('\n', out);
    json_array_foreach(json_object_get(th, "representative"), j, v) {
      json_t *sid = json_object_get(v, "statement");
      if (sid)
        fprintf(out, "%s  statement %-5lld ", indent, json_integer_value(sid));
      else
        fprintf(out, "%s  row %-5lld ", indent, json_integer_value(json_object_get(v, "row")));
      gp_syn_line(out, json_string_value(json_object_get(v, "text")), 90);
      fputc('\n', out);
    }
  }
}

/* "Stored as theme set N (mission M, assumption A, conversation C)." */
static void gp_syn_stored(FILE *out, const json_t *set) {
  fprintf(out, "\nStored as theme set %lld", json_integer_value(json_object_get(set, "id")));
  const char *keys[] = {"mission", "assumption", "conversation"};
  const char *sep = " (";
  for (size_t i = 0; i < 3; i++) {
    const char *v = json_string_value(json_object_get(set, keys[i]));
    if (!v) continue;
    fprintf(out, "%s%s %s", sep, keys[i], v);
    sep = ", ";
  }
  fprintf(out, "%s\n", strcmp(sep, " (") ? ")." : ".");
}

/* synthesise --conversation ID: themes of its approved statements, kept. */
static int gp_syn_conversation(const char *id, const char *db, const gp_text_opts *o, bool json) {
  gp_error err;
  gp_error_clear(&err);
  gp_store *s = NULL;
  json_t *set = NULL;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err) ||
      gp_app_themes_conversation(s, id, o, &set, &err)) {
    gp_store_close(s);
    return gp_cli_report(&err);
  }
  gp_store_close(s);
  int rc = 0;
  if (json) {
    rc = gp_cli_print_json(stdout, set);
  } else {
    printf("Conversation %s, approved statements\n", id);
    gp_syn_print(stdout, json_object_get(set, "themes"), "");
    gp_syn_stored(stdout, set);
  }
  json_decref(set);
  return rc;
}

int gp_cmd_synthesise(int argc, char **argv) {
  const char *file = NULL, *text = NULL, *group = NULL, *lang = "english";
  const char *mission = NULL, *assumption = NULL, *conversation = NULL, *db = NULL;
  bool json = false;
  gp_text_opts o = gp_app_themes_opts_default();
  gp_error err;
  gp_error_clear(&err);
  for (int i = 1; i < argc; i++) {
    long v;
    if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (!strcmp(argv[i], "--text") && i + 1 < argc) {
      text = argv[++i];
    } else if (!strcmp(argv[i], "--group") && i + 1 < argc) {
      group = argv[++i];
    } else if (!strcmp(argv[i], "--language") && i + 1 < argc) {
      lang = argv[++i];
    } else if (!strcmp(argv[i], "--mission") && i + 1 < argc) {
      mission = argv[++i];
    } else if (!strcmp(argv[i], "--assumption") && i + 1 < argc) {
      assumption = argv[++i];
    } else if (!strcmp(argv[i], "--conversation") && i + 1 < argc) {
      conversation = argv[++i];
    } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
      db = argv[++i];
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      if (gp_cli_parse_long("--seed", argv[++i], 0, 2147483647L, &v, &err))
        return gp_cli_report(&err);
      o.seed = (uint64_t)v;
    } else if (!strcmp(argv[i], "--k") && i + 1 < argc) {
      if (!strcmp(argv[++i], "auto")) {
        o.k = 0;
      } else {
        if (gp_cli_parse_long("--k", argv[i], 1, GP_TEXT_MAX_K, &v, &err))
          return gp_cli_report(&err);
        o.k = (size_t)v;
      }
    } else if (argv[i][0] == '-') {
      return gp_cli_usage("synthesise", "unknown option '%s'; usage: %s", argv[i], gp_syn_usage);
    } else if (!file) {
      file = argv[i];
    } else {
      return gp_cli_usage("synthesise", "one file only; usage: %s", gp_syn_usage);
    }
  }
  if (conversation) {
    if (file || text || group || mission || assumption)
      return gp_cli_usage("synthesise",
                          "--conversation takes no file, --text, --group, --mission or "
                          "--assumption; usage: %s",
                          gp_syn_usage);
    return gp_syn_conversation(conversation, db, &o, json);
  }
  if (!file || !text) return gp_cli_usage("synthesise", "usage: %s", gp_syn_usage);
  if (assumption && !mission)
    return gp_cli_usage("synthesise", "--assumption needs --mission; usage: %s", gp_syn_usage);
  gp_polisio_table t;
  if (gp_polisio_table_read(file, NULL, 0, &t, &err)) return gp_cli_report(&err);
  long tc = gp_polisio_table_col(&t, text), gc = group ? gp_polisio_table_col(&t, group) : -1;
  int rc = 0;
  gp_text_stemmer *st = NULL;
  size_t *rows = malloc((t.n_rows + 1) * sizeof *rows);
  json_t *doc = NULL;
  if (tc < 0) {
    gp_fail(&err, GP_EINVAL, "--text", "%s has no column '%s'", file, text);
    goto fail;
  }
  if (group && gc < 0) {
    gp_fail(&err, GP_EINVAL, "--group", "%s has no column '%s'", file, group);
    goto fail;
  }
  if (!rows) {
    gp_fail(&err, GP_ENOMEM, NULL, "out of memory");
    goto fail;
  }
  if (gp_text_stemmer_new(lang, &st, &err)) goto fail;
  for (size_t r = 0; r < t.n_rows; r++)
    rows[r] = r;
  doc = gp_syn_run(&t, tc, rows, t.n_rows, st, &o, &err);
  if (!doc) goto fail;
  json_object_set_new(doc, "file", json_string(file));
  json_object_set_new(doc, "text_column", json_string(text));
  json_object_set_new(doc, "seed", json_integer((json_int_t)o.seed));
  if (group) {
    json_t *gs = json_array();
    bool *done = calloc(t.n_rows + 1, sizeof *done);
    for (size_t r0 = 0; done && r0 < t.n_rows; r0++) {
      if (done[r0]) continue;
      const char *g = t.cells[r0 * t.n_cols + (size_t)gc];
      size_t n = 0;
      for (size_t r = r0; r < t.n_rows; r++)
        if (!done[r] && !strcmp(t.cells[r * t.n_cols + (size_t)gc], g)) {
          done[r] = true;
          rows[n++] = r;
        }
      json_t *gd = gp_syn_run(&t, tc, rows, n, st, &o, &err);
      if (!gd) {
        free(done);
        json_decref(gs);
        goto fail;
      }
      json_object_set_new(gd, "group", json_string(g));
      json_array_append_new(gs, gd);
    }
    free(done);
    json_object_set_new(doc, "groups", gs);
  }
  json_t *set = NULL;
  if (mission) {
    /* keep the themes, linked; nothing is written when a link is wrong */
    gp_store *s = NULL;
    gp_themes_link l = {.mission_id = mission, .assumption_id = assumption, .source = file};
    if (gp_store_open(gp_cli_db_path(db), false, &s, &err) ||
        gp_app_themes_save(s, &l, doc, &set, &err)) {
      gp_store_close(s);
      goto fail;
    }
    gp_store_close(s);
  }
  if (json) {
    rc = gp_cli_print_json(stdout, set ? set : doc);
  } else {
    printf("%s, column '%s'\n", file, text);
    gp_syn_print(stdout, doc, "");
    size_t i;
    json_t *gd;
    json_array_foreach(json_object_get(doc, "groups"), i, gd) {
      printf("\nGroup %s:\n", json_string_value(json_object_get(gd, "group")));
      gp_syn_print(stdout, gd, "  ");
    }
    if (set) gp_syn_stored(stdout, set);
  }
  json_decref(set);
  json_decref(doc);
  gp_text_stemmer_free(st);
  free(rows);
  gp_polisio_table_free(&t);
  return rc;
fail:
  json_decref(doc);
  gp_text_stemmer_free(st);
  free(rows);
  gp_polisio_table_free(&t);
  return gp_cli_report(&err);
}
