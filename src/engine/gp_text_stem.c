/* gp_text_stem — see gp_text_stem.h. */
#include "engine/gp_text_stem.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* libstemmer's API (libstemmer.h), resolved at run time. */
struct sb_stemmer;
typedef struct sb_stemmer *(*gp_sb_new)(const char *algorithm, const char *charenc);
typedef void (*gp_sb_delete)(struct sb_stemmer *);
typedef const unsigned char *(*gp_sb_stem)(struct sb_stemmer *, const unsigned char *, int);
typedef int (*gp_sb_length)(struct sb_stemmer *);

struct gp_text_stemmer {
  void *lib;             /* the dlopen handle */
  struct sb_stemmer *st; /* libstemmer's stemmer */
  gp_sb_delete del;      /* sb_stemmer_delete */
  gp_sb_stem stem;       /* sb_stemmer_stem */
  gp_sb_length length;   /* sb_stemmer_length */
};

gp_code gp_text_stemmer_new(const char *language, gp_text_stemmer **out, gp_error *err) {
  *out = NULL;
  void *lib = dlopen("libstemmer.so.0d", RTLD_NOW | RTLD_LOCAL);
  if (!lib) lib = dlopen("libstemmer.so", RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return gp_fail(err, GP_ENOTFOUND, "libstemmer",
                   "Snowball stemming needs libstemmer (Debian: apt-get install libstemmer0d)");
  gp_text_stemmer *s = calloc(1, sizeof *s);
  if (!s) {
    dlclose(lib);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  s->lib = lib;
  gp_sb_new mk;
  *(void **)&mk = dlsym(lib, "sb_stemmer_new");
  *(void **)&s->del = dlsym(lib, "sb_stemmer_delete");
  *(void **)&s->stem = dlsym(lib, "sb_stemmer_stem");
  *(void **)&s->length = dlsym(lib, "sb_stemmer_length");
  if (!mk || !s->del || !s->stem || !s->length) {
    gp_text_stemmer_free(s);
    return gp_fail(err, GP_ENOTFOUND, "libstemmer", "libstemmer lacks the sb_stemmer_* functions");
  }
  s->st = mk(language, "UTF_8");
  if (!s->st) {
    gp_text_stemmer_free(s);
    return gp_fail(err, GP_EINVAL, "language", "no Snowball stemmer for '%s'", language);
  }
  *out = s;
  return GP_OK;
}

size_t gp_text_stem(gp_text_stemmer *s, const char *w, size_t n, char *out, size_t cap) {
  const unsigned char *r = s->stem(s->st, (const unsigned char *)w, (int)n);
  size_t len = r ? (size_t)s->length(s->st) : n;
  if (!r) r = (const unsigned char *)w;
  if (len >= cap) len = cap - 1;
  memcpy(out, r, len);
  out[len] = '\0';
  return len;
}

void gp_text_stemmer_free(gp_text_stemmer *s) {
  if (!s) return;
  if (s->st) s->del(s->st);
  if (s->lib) dlclose(s->lib);
  free(s);
}
