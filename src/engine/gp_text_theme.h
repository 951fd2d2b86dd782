/*
 * gp_text_theme — themes in a corpus of free-text answers: TF-IDF weights
 * (sublinear tf, smoothed idf, unit length: scikit-learn's
 * TfidfVectorizer(sublinear_tf=True) convention), spherical k-means
 * (cosine similarity, seeded k-means++ start, best of several starts), k
 * chosen by the silhouette (cosine distance) when not given, and for each
 * theme its size, top terms and most representative answers. Pure
 * computation; deterministic for a seed.
 */
#ifndef GP_TEXT_THEME_H
#define GP_TEXT_THEME_H

#include <stddef.h>
#include <stdint.h>

#include "engine/gp_text_token.h"
#include "util/gp_error.h"

#define GP_TEXT_MAX_K 20    /* most themes */
#define GP_TEXT_TOP_TERMS 8 /* top terms per theme */
#define GP_TEXT_TOP_DOCS 3  /* representative answers per theme */

/* The TF-IDF matrix (documents x terms, sparse, rows of unit length). */
typedef struct gp_text_tfidf {
  size_t n_docs;  /* documents */
  size_t n_terms; /* terms */
  size_t *ptr;    /* n_docs+1 row offsets */
  uint32_t *term; /* term of each entry */
  double *w;      /* weight of each entry */
  double *idf;    /* n_terms: ln((1+N)/(1+df)) + 1 */
} gp_text_tfidf;

/* Builds the TF-IDF matrix of c: w = (1 + ln tf) idf, rows scaled to unit
 * length; terms in fewer than min_df documents, or (with 10 documents or
 * more) in more than half of them, are dropped.
 * *out owns its arrays (gp_text_tfidf_free). */
gp_code gp_text_tfidf_build(const gp_text_corpus *c, long min_df, gp_text_tfidf *out,
                            gp_error *err);

/* Frees x and zeroes it. */
void gp_text_tfidf_free(gp_text_tfidf *x);

/* Options of the theme finder. */
typedef struct gp_text_opts {
  size_t k;      /* themes; 0: choose by silhouette from 2 .. max_k */
  size_t max_k;  /* largest k tried when choosing (<= GP_TEXT_MAX_K); 0: sqrt(N/2)
                    rounded, between 2 and 10 (N: documents) */
  uint64_t seed; /* k-means++ seed */
  int n_init;    /* starts; the best total similarity is kept */
  int max_iters; /* Lloyd steps at most */
  long min_df;   /* terms in fewer documents are dropped */
} gp_text_opts;

/* One theme. */
typedef struct gp_text_theme {
  size_t size;                       /* documents in it */
  size_t n_terms;                    /* top terms found (<= GP_TEXT_TOP_TERMS) */
  uint32_t terms[GP_TEXT_TOP_TERMS]; /* term ids, largest centroid weight first */
  double weights[GP_TEXT_TOP_TERMS]; /* their centroid weights */
  size_t n_docs;                     /* representative documents (<= GP_TEXT_TOP_DOCS) */
  size_t docs[GP_TEXT_TOP_DOCS];     /* document indices, most similar first */
  double sims[GP_TEXT_TOP_DOCS];     /* their cosine similarity to the centroid */
} gp_text_theme;

/* The themes of a corpus. */
typedef struct gp_text_result {
  size_t n_docs;                       /* documents */
  size_t n_themed;                     /* documents with at least one term */
  size_t k;                            /* themes */
  int *assign;                         /* n_docs: theme of each document, -1 if it has no term */
  gp_text_theme themes[GP_TEXT_MAX_K]; /* the themes, largest first */
  double
      silhouette[GP_TEXT_MAX_K + 1]; /* [k]: silhouette of k themes when chosen (NAN: not tried) */
} gp_text_result;

/* Finds the themes. Fewer than 2 documents with terms give one theme (or
 * none). Returns GP_OK, GP_EINVAL for k > GP_TEXT_MAX_K, GP_ENOMEM. */
gp_code gp_text_themes(const gp_text_tfidf *x, const gp_text_opts *o, gp_text_result *out,
                       gp_error *err);

/* Frees r's arrays and zeroes it. */
void gp_text_result_free(gp_text_result *r);

#endif
