/*
 * gameplan synthesise — themes in free-text answers.
 *
 *   synthesise FILE.csv --text COL [--group COL] [--k auto|N] [--seed S]
 *              [--language english] [--json]
 *
 * Tokenises the answers in column COL (Snowball stemming, stop words),
 * weighs terms by TF-IDF, groups the answers by spherical k-means (k chosen
 * by silhouette unless given) and prints each theme's size, top terms and
 * most representative answers -- for all answers and, with --group, for
 * each value of that column. Needs no database.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/gp_cli.h"
#include "engine/gp_text_stem.h"
#include "engine/gp_text_theme.h"
#include "engine/gp_text_token.h"
#include "io/gp_polisio.h"

static const char *gp_syn_usage =
    "synthesise FILE.csv --text COL [--group COL] [--k auto|N] [--seed S] [--language L] [--json]";

/* Themes of the rows in `rows` (n of them); returns a JSON object or NULL
 * with err filled. */
static json_t *gp_syn_run(const gp_polisio_table *t, long text_col, const size_t *rows, size_t n,
                          gp_text_stemmer *st, const gp_text_opts *o, gp_error *err) {
  const char **texts = malloc((n + 1) * sizeof *texts);
  if (!texts) {
    gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    texts[i] = t->cells[rows[i] * t->n_cols + (size_t)text_col];
  gp_text_corpus c;
  gp_text_tfidf x;
  gp_text_result r;
  json_t *doc = NULL;
  if (gp_text_tokenise(texts, n, st, &c, err)) goto out0;
  if (gp_text_tfidf_build(&c, o->min_df, &x, err)) goto out1;
  if (gp_text_themes(&x, o, &r, err)) goto out2;
  doc = json_object();
  json_object_set_new(doc, "documents", json_integer((json_int_t)n));
  json_object_set_new(doc, "themed", json_integer((json_int_t)r.n_themed));
  json_object_set_new(doc, "k", json_integer((json_int_t)r.k));
  json_t *sil = json_object();
  for (size_t k = 2; k <= GP_TEXT_MAX_K; k++)
    if (isfinite(r.silhouette[k])) {
      char key[8];
      snprintf(key, sizeof key, "%zu", k);
      json_object_set_new(sil, key, json_real(r.silhouette[k]));
    }
  json_object_set_new(doc, "silhouette", sil);
  json_t *ths = json_array();
  for (size_t k = 0; k < r.k; k++) {
    const gp_text_theme *th = &r.themes[k];
    json_t *o1 = json_object(), *terms = json_array(), *reps = json_array();
    json_object_set_new(o1, "id", json_integer((json_int_t)k));
    json_object_set_new(o1, "size", json_integer((json_int_t)th->size));
    for (size_t q = 0; q < th->n_terms; q++)
      json_array_append_new(terms, json_pack("{sssssf}", "term", c.label[th->terms[q]], "stem",
                                             c.stem[th->terms[q]], "weight", th->weights[q]));
    for (size_t q = 0; q < th->n_docs; q++) {
      size_t row = rows[th->docs[q]];
      json_array_append_new(reps, json_pack("{sIsIsssf}", "row", (json_int_t)(row + 1), "line",
                                            (json_int_t)t->line[row], "text", texts[th->docs[q]],
                                            "similarity", th->sims[q]));
    }
    json_object_set_new(o1, "terms", terms);
    json_object_set_new(o1, "representative", reps);
    json_array_append_new(ths, o1);
  }
  json_object_set_new(doc, "themes", ths);
  gp_text_result_free(&r);
out2:
  gp_text_tfidf_free(&x);
out1:
  gp_text_corpus_free(&c);
out0:
  free(texts);
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
      fprintf(out, "%s  row %-5lld ", indent, json_integer_value(json_object_get(v, "row")));
      gp_syn_line(out, json_string_value(json_object_get(v, "text")), 90);
      fputc('\n', out);
    }
  }
}

int gp_cmd_synthesise(int argc, char **argv) {
  const char *file = NULL, *text = NULL, *group = NULL, *lang = "english";
  bool json = false;
  gp_text_opts o = {.k = 0, .max_k = 0, .seed = 1, .n_init = 5, .max_iters = 100, .min_df = 2};
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
  if (!file || !text) return gp_cli_usage("synthesise", "usage: %s", gp_syn_usage);
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
  if (json) {
    rc = gp_cli_print_json(stdout, doc);
  } else {
    printf("%s, column '%s'\n", file, text);
    gp_syn_print(stdout, doc, "");
    size_t i;
    json_t *gd;
    json_array_foreach(json_object_get(doc, "groups"), i, gd) {
      printf("\nGroup %s:\n", json_string_value(json_object_get(gd, "group")));
      gp_syn_print(stdout, gd, "  ");
    }
  }
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
