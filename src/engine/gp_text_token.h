/*
 * gp_text_token — free-text answers to a bag of terms: tokenise (UTF-8;
 * Latin-script words lower-cased, CJK text as character bigrams), drop
 * English stop words, numbers and one-letter words, Snowball-stem what is
 * left, and count terms per document. Pure computation.
 */
#ifndef GP_TEXT_TOKEN_H
#define GP_TEXT_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_text_stem.h"
#include "util/gp_error.h"

/* Documents as sparse term counts, and the vocabulary. */
typedef struct gp_text_corpus {
  size_t n_docs;  /* documents */
  size_t *ptr;    /* n_docs+1: document d's terms are [ptr[d], ptr[d+1]) */
  uint32_t *term; /* term ids, ascending within a document */
  double *count;  /* occurrences of each term in the document */
  size_t n_terms; /* vocabulary size */
  char **stem;    /* n_terms: each term (a stem, or a CJK bigram) */
  char **label;   /* n_terms: the surface word seen most often for it */
  long *df;       /* n_terms: documents containing the term */
} gp_text_corpus;

/* Tokenises n texts. stemmer may be NULL (no stemming). *out owns its
 * arrays (gp_text_corpus_free). Returns GP_OK or GP_ENOMEM. */
gp_code gp_text_tokenise(const char *const *texts, size_t n, gp_text_stemmer *stemmer,
                         gp_text_corpus *out, gp_error *err);

/* Frees c and zeroes it. NULL is allowed. */
void gp_text_corpus_free(gp_text_corpus *c);

/* Whether the lower-case ASCII word w is an English stop word. */
bool gp_text_is_stop(const char *w);

#endif
