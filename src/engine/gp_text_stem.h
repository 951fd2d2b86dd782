/*
 * gp_text_stem — Snowball stemming through Debian's libstemmer
 * (libstemmer0d). The library is loaded at run time (dlopen), so the binary
 * links without it and `synthesise` reports a clear error if it is missing.
 */
#ifndef GP_TEXT_STEM_H
#define GP_TEXT_STEM_H

#include <stddef.h>

#include "util/gp_error.h"

typedef struct gp_text_stemmer gp_text_stemmer;

/* A stemmer for a Snowball language ("english", "french", ...). Returns
 * GP_OK, GP_ENOTFOUND if libstemmer is not installed, GP_EINVAL for an
 * unknown language. Free with gp_text_stemmer_free. */
gp_code gp_text_stemmer_new(const char *language, gp_text_stemmer **out, gp_error *err);

/* Stems the lower-case UTF-8 word w (n bytes) into out (cap bytes,
 * NUL-terminated, truncated if needed). Returns the stem's length. */
size_t gp_text_stem(gp_text_stemmer *s, const char *w, size_t n, char *out, size_t cap);

/* Frees s. NULL is allowed. */
void gp_text_stemmer_free(gp_text_stemmer *s);

#endif
