/*
 * gp_app_themes — themes of free-text answers, kept and linked to
 * missions, assumptions and conversations (see gp_app_themes.h).
 */
#include "app/gp_app_themes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "engine/gp_text_token.h"
#include "io/gp_json.h"
#include "store/gp_store_delib.h"
#include "store/gp_store_themes.h"

gp_text_opts gp_app_themes_opts_default(void) {
  return (gp_text_opts){.k = 0, .max_k = 0, .seed = 1, .n_init = 5, .max_iters = 100, .min_df = 2};
}

/* The document of result r over corpus c of t (see gp_app_themes_synth). */
static json_t *gp_at_doc(const gp_themes_texts *t, const gp_text_corpus *c,
                         const gp_text_result *r) {
  json_t *doc = json_object();
  json_object_set_new(doc, "documents", json_integer((json_int_t)t->n));
  json_object_set_new(doc, "themed", json_integer((json_int_t)r->n_themed));
  json_object_set_new(doc, "k", json_integer((json_int_t)r->k));
  json_t *sil = json_object();
  for (size_t k = 2; k <= GP_TEXT_MAX_K; k++)
    if (isfinite(r->silhouette[k])) {
      char key[8];
      snprintf(key, sizeof key, "%zu", k);
      json_object_set_new(sil, key, json_real(r->silhouette[k]));
    }
  json_object_set_new(doc, "silhouette", sil);
  json_t *ths = json_array();
  for (size_t k = 0; k < r->k; k++) {
    const gp_text_theme *th = &r->themes[k];
    json_t *o1 = json_object(), *terms = json_array(), *reps = json_array();
    json_object_set_new(o1, "id", json_integer((json_int_t)k));
    json_object_set_new(o1, "size", json_integer((json_int_t)th->size));
    for (size_t q = 0; q < th->n_terms; q++)
      json_array_append_new(terms, json_pack("{sssssf}", "term", c->label[th->terms[q]], "stem",
                                             c->stem[th->terms[q]], "weight", th->weights[q]));
    for (size_t q = 0; q < th->n_docs; q++) {
      size_t d = th->docs[q];
      json_t *rep = json_object();
      json_object_set_new(rep, "row", json_integer(t->row ? t->row[d] : (json_int_t)(d + 1)));
      if (t->line) json_object_set_new(rep, "line", json_integer(t->line[d]));
      if (t->statement) json_object_set_new(rep, "statement", json_integer(t->statement[d]));
      json_object_set_new(rep, "text", json_string(t->texts[d]));
      json_object_set_new(rep, "similarity", json_real(th->sims[q]));
      json_array_append_new(reps, rep);
    }
    json_object_set_new(o1, "terms", terms);
    json_object_set_new(o1, "representative", reps);
    json_array_append_new(ths, o1);
  }
  json_object_set_new(doc, "themes", ths);
  return doc;
}

gp_code gp_app_themes_synth(const gp_themes_texts *t, gp_text_stemmer *st, const gp_text_opts *o,
                            json_t **doc, gp_error *err) {
  *doc = NULL;
  gp_text_corpus c;
  gp_text_tfidf x;
  gp_text_result r;
  gp_code rc = gp_text_tokenise(t->texts, t->n, st, &c, err);
  if (rc) return rc;
  if (!(rc = gp_text_tfidf_build(&c, o->min_df, &x, err))) {
    if (!(rc = gp_text_themes(&x, o, &r, err))) {
      *doc = gp_at_doc(t, &c, &r);
      if (!*doc) rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
      gp_text_result_free(&r);
    }
    gp_text_tfidf_free(&x);
  }
  gp_text_corpus_free(&c);
  return rc;
}

/* A JSON string or null. */
static json_t *gp_at_str(const char *s) { return s ? json_string(s) : json_null(); }

/* The document of a stored set (NULL when its text does not parse). */
static json_t *gp_at_set_json(const gp_theme_set_row *row) {
  json_t *themes = json_loads(row->document ? row->document : "", 0, NULL);
  if (!themes) themes = json_null();
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer((json_int_t)row->id));
  json_object_set_new(o, "conversation", gp_at_str(row->meta.conversation_id));
  json_object_set_new(o, "mission", gp_at_str(row->meta.mission_id));
  json_object_set_new(o, "assumption", gp_at_str(row->meta.assumption_id));
  json_object_set_new(o, "source", gp_at_str(row->meta.source));
  json_object_set_new(o, "k", json_integer(row->meta.k));
  json_object_set_new(o, "documents", json_integer(row->meta.documents));
  json_object_set_new(o, "created_at", gp_at_str(row->created_at));
  json_object_set_new(o, "themes", themes);
  return o;
}

static void gp_at_list_cb(void *ctx, const gp_theme_set_row *row) {
  json_array_append_new((json_t *)ctx, gp_at_set_json(row));
}

static void gp_at_one_cb(void *ctx, const gp_theme_set_row *row) {
  *(json_t **)ctx = gp_at_set_json(row);
}

/* A visitor does not learn of a mission they may not see: a set's mission
 * and assumption on an unpublished mission become null (as conversations'). */
static void gp_at_redact(gp_store *s, json_t *set, bool authed) {
  const char *m = json_string_value(json_object_get(set, "mission"));
  if (!m || authed || gp_app_mission_visible(s, m, false, NULL) == GP_OK) return;
  json_object_set_new(set, "mission", json_null());
  json_object_set_new(set, "assumption", json_null());
}

/* Checks the links of l (see gp_app_themes_save). */
static gp_code gp_at_check(gp_store *s, const gp_themes_link *l, gp_error *err) {
  const char *ma = l->mission_arg ? l->mission_arg : "--mission";
  if (!l->mission_id && !l->conversation_id)
    return gp_fail(err, GP_EINVAL, ma, "themes are kept for a mission or a conversation");
  if (l->assumption_id)
    return gp_app_assumption_check(s, l->mission_id, l->assumption_id, l->mission_arg,
                                   l->assumption_arg, err);
  if (l->mission_id && gp_app_mission_visible(s, l->mission_id, true, NULL) != GP_OK)
    return gp_fail(err, GP_ENOTFOUND, ma, "no mission '%s'", l->mission_id);
  return GP_OK;
}

gp_code gp_app_themes_save(gp_store *s, const gp_themes_link *l, const json_t *doc, json_t **out,
                           gp_error *err) {
  if (out) *out = NULL;
  gp_code rc = gp_at_check(s, l, err);
  if (rc) return rc;
  char *text = gp_json_dump(doc);
  if (!text) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  gp_theme_set_meta meta = {.mission_id = l->mission_id,
                            .assumption_id = l->assumption_id,
                            .conversation_id = l->conversation_id,
                            .source = l->source,
                            .k = (long)json_integer_value(json_object_get(doc, "k")),
                            .documents =
                                (long)json_integer_value(json_object_get(doc, "documents"))};
  int64_t id = 0;
  rc = gp_store_themes_add(s, &meta, text, &id, err);
  free(text);
  if (!rc && out) rc = gp_store_themes_get(s, id, gp_at_one_cb, out, err);
  return rc;
}

/* Synthesises t with English stemming; *doc gains "seed". */
static gp_code gp_at_synth_english(const gp_themes_texts *t, const gp_text_opts *o, json_t **doc,
                                   gp_error *err) {
  gp_text_stemmer *st = NULL;
  gp_code rc = gp_text_stemmer_new("english", &st, err);
  if (rc) return rc;
  rc = gp_app_themes_synth(t, st, o, doc, err);
  gp_text_stemmer_free(st);
  if (!rc) json_object_set_new(*doc, "seed", json_integer((json_int_t)o->seed));
  return rc;
}

gp_code gp_app_themes_texts(gp_store *s, const gp_themes_link *l, const char *const *texts,
                            size_t n, const char *texts_arg, const gp_text_opts *o, json_t **out,
                            gp_error *err) {
  *out = NULL;
  const char *ta = texts_arg ? texts_arg : "texts";
  if (n == 0) return gp_fail(err, GP_EINVAL, ta, "give at least one text");
  if (n > GP_THEMES_MAX_TEXTS)
    return gp_fail(err, GP_ETOOBIG, ta, "at most %d texts; these are %zu", GP_THEMES_MAX_TEXTS, n);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(texts[i]);
    if (len > GP_THEMES_MAX_TEXT_BYTES) {
      char path[200];
      snprintf(path, sizeof path, "%s[%zu]", ta, i);
      return gp_fail(err, GP_ETOOBIG, path, "a text has at most %d bytes; this one has %zu",
                     GP_THEMES_MAX_TEXT_BYTES, len);
    }
  }
  /* the links first: nothing is computed for a request that cannot be kept */
  gp_code rc = gp_at_check(s, l, err);
  if (rc) return rc;
  gp_themes_texts t = {.texts = texts, .n = n};
  json_t *doc = NULL;
  if ((rc = gp_at_synth_english(&t, o, &doc, err))) return rc;
  if (l->source) json_object_set_new(doc, "source", json_string(l->source));
  rc = gp_app_themes_save(s, l, doc, out, err);
  json_decref(doc);
  return rc;
}

/* A conversation's links, copied out of the store's callback. */
typedef struct gp_at_conv {
  char *mission;    /* its mission (malloc'd) or NULL */
  char *assumption; /* its assumption (malloc'd) or NULL */
} gp_at_conv;

static void gp_at_conv_cb(void *ctx, const gp_delib_conv_row *row) {
  gp_at_conv *c = ctx;
  c->mission = row->meta.mission_id ? strdup(row->meta.mission_id) : NULL;
  c->assumption = row->meta.assumption_id ? strdup(row->meta.assumption_id) : NULL;
}

/* The approved statements being collected. */
typedef struct gp_at_stmts {
  char **text; /* their texts (malloc'd) */
  int64_t *id; /* their ids */
  size_t n;    /* how many */
  size_t cap;  /* capacity */
  bool failed; /* out of memory */
} gp_at_stmts;

static void gp_at_stmt_cb(void *ctx, const gp_delib_statement_row *row) {
  gp_at_stmts *a = ctx;
  if (a->failed) return;
  if (a->n == a->cap) {
    size_t cap = a->cap ? 2 * a->cap : 64;
    char **t = realloc(a->text, cap * sizeof *t);
    if (t) a->text = t;
    int64_t *i = t ? realloc(a->id, cap * sizeof *i) : NULL;
    if (!i) {
      a->failed = true;
      return;
    }
    a->id = i;
    a->cap = cap;
  }
  a->text[a->n] = strdup(row->body ? row->body : "");
  if (!a->text[a->n]) {
    a->failed = true;
    return;
  }
  a->id[a->n++] = row->id;
}

gp_code gp_app_themes_conversation(gp_store *s, const char *id, const gp_text_opts *o, json_t **out,
                                   gp_error *err) {
  *out = NULL;
  gp_at_conv c = {0};
  gp_at_stmts a = {0};
  json_t *doc = NULL;
  gp_code rc = gp_store_delib_get(s, id, gp_at_conv_cb, &c, err);
  if (!rc) rc = gp_store_delib_statements(s, id, "approved", gp_at_stmt_cb, &a, err);
  if (!rc && a.failed) rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  if (!rc && a.n == 0)
    rc = gp_fail(err, GP_EINVAL, id, "conversation '%s' has no approved statement yet", id);
  gp_themes_texts t = {.texts = (const char *const *)a.text, .n = a.n, .statement = a.id};
  if (!rc) rc = gp_at_synth_english(&t, o, &doc, err);
  if (!rc) {
    char source[96];
    snprintf(source, sizeof source, "conversation:%s", id);
    json_object_set_new(doc, "conversation", json_string(id));
    /* the conversation's own links, checked when it was made; an assumption
     * without its mission (the mission was removed) is dropped */
    gp_theme_set_meta meta = {.mission_id = c.mission,
                              .assumption_id = c.mission ? c.assumption : NULL,
                              .conversation_id = id,
                              .source = source,
                              .k = (long)json_integer_value(json_object_get(doc, "k")),
                              .documents = (long)a.n};
    char *text = gp_json_dump(doc);
    int64_t sid = 0;
    rc = text ? gp_store_themes_add(s, &meta, text, &sid, err)
              : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    free(text);
    if (!rc) rc = gp_store_themes_get(s, sid, gp_at_one_cb, out, err);
  }
  json_decref(doc);
  for (size_t i = 0; i < a.n; i++)
    free(a.text[i]);
  free(a.text);
  free(a.id);
  free(c.mission);
  free(c.assumption);
  return rc;
}

/* {"theme_sets": [...]} of the sets f selects, redacted for a visitor. */
static gp_code gp_at_list(gp_store *s, const gp_theme_set_filter *f, bool authed, json_t **out,
                          gp_error *err) {
  json_t *a = json_array();
  gp_code rc = gp_store_themes_list(s, f, gp_at_list_cb, a, err);
  if (rc) {
    json_decref(a);
    return rc;
  }
  size_t i;
  json_t *set;
  json_array_foreach(a, i, set) gp_at_redact(s, set, authed);
  *out = json_pack("{so}", "theme_sets", a);
  return GP_OK;
}

gp_code gp_app_themes_mission_doc(gp_store *s, const char *mission_id, const char *assumption_id,
                                  bool authed, json_t **out, gp_error *err) {
  gp_code rc = gp_app_mission_visible(s, mission_id, authed, err);
  if (rc) return rc;
  gp_theme_set_filter f = {.mission_id = mission_id, .assumption_id = assumption_id};
  return gp_at_list(s, &f, authed, out, err);
}

static void gp_at_exists_cb(void *ctx, const gp_delib_conv_row *row) {
  (void)row;
  *(bool *)ctx = true;
}

gp_code gp_app_themes_conversation_doc(gp_store *s, const char *id, bool authed, json_t **out,
                                       gp_error *err) {
  bool found = false;
  gp_code rc = gp_store_delib_get(s, id, gp_at_exists_cb, &found, err);
  if (rc) return rc;
  gp_theme_set_filter f = {.conversation_id = id};
  return gp_at_list(s, &f, authed, out, err);
}

gp_code gp_app_themes_get(gp_store *s, int64_t id, bool authed, json_t **out, gp_error *err) {
  *out = NULL;
  json_t *set = NULL;
  gp_code rc = gp_store_themes_get(s, id, gp_at_one_cb, &set, err);
  if (rc) return rc;
  gp_at_redact(s, set, authed);
  if (json_is_null(json_object_get(set, "mission")) &&
      json_is_null(json_object_get(set, "conversation"))) {
    json_decref(set);
    return gp_fail(err, GP_ENOTFOUND, NULL, "no theme set %lld", (long long)id);
  }
  *out = set;
  return GP_OK;
}
