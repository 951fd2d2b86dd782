/* gp_text_stem — Snowball stemming through Debian's libstemmer; see
 * gp_text_stem.h. */
#include "engine/gp_text_stem.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

struct gp_text_stemmer {
  struct sb_stemmer *st; /* libstemmer's stemmer */
};

gp_code gp_text_stemmer_new(const char *language, gp_text_stemmer **out, gp_error *err) {
  *out = NULL;
  gp_text_stemmer *s = calloc(1, sizeof *s);
  if (!s) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  s->st = sb_stemmer_new(language, "UTF_8");
  if (!s->st) {
    free(s);
    return gp_fail(err, GP_EINVAL, "language", "no Snowball stemmer for '%s'", language);
  }
  *out = s;
  return GP_OK;
}

size_t gp_text_stem(gp_text_stemmer *s, const char *w, size_t n, char *out, size_t cap) {
  const sb_symbol *r = sb_stemmer_stem(s->st, (const sb_symbol *)w, (int)n);
  size_t len = r ? (size_t)sb_stemmer_length(s->st) : n;
  if (!r) r = (const sb_symbol *)w;
  if (len >= cap) len = cap - 1;
  memcpy(out, r, len);
  out[len] = '\0';
  return len;
}

void gp_text_stemmer_free(gp_text_stemmer *s) {
  if (!s) return;
  if (s->st) sb_stemmer_delete(s->st);
  free(s);
}
