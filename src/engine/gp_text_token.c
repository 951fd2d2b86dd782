/* gp_text_token — see gp_text_token.h. */
#include "engine/gp_text_token.h"

#include <stdlib.h>
#include <string.h>

/* A compact English stop-word list (after Salton's SMART list and
 * scikit-learn's ENGLISH_STOP_WORDS), sorted for bsearch. */
static const char *const gp_text_stops[] = {
    "a",        "about",     "above",      "after",   "again",  "against", "all",     "also",
    "am",       "an",        "and",        "any",     "are",    "aren",    "as",      "at",
    "be",       "because",   "been",       "before",  "being",  "below",   "between", "both",
    "but",      "by",        "can",        "cannot",  "could",  "couldn",  "did",     "didn",
    "do",       "does",      "doesn",      "doing",   "don",    "down",    "during",  "each",
    "etc",      "even",      "ever",       "every",   "few",    "for",     "from",    "further",
    "get",      "gets",      "got",        "had",     "hadn",   "has",     "hasn",    "have",
    "haven",    "having",    "he",         "her",     "here",   "hers",    "herself", "him",
    "himself",  "his",       "how",        "however", "i",      "if",      "in",      "into",
    "is",       "isn",       "it",         "its",     "itself", "just",    "ll",      "may",
    "me",       "might",     "more",       "most",    "much",   "must",    "my",      "myself",
    "no",       "nor",       "not",        "now",     "of",     "off",     "on",      "once",
    "one",      "only",      "or",         "other",   "others", "our",     "ours",    "ourselves",
    "out",      "over",      "own",        "re",      "same",   "shall",   "she",     "should",
    "shouldn",  "so",        "some",       "such",    "than",   "that",    "the",     "their",
    "theirs",   "them",      "themselves", "then",    "there",  "these",   "they",    "this",
    "those",    "through",   "to",         "too",     "under",  "until",   "up",      "us",
    "ve",       "very",      "was",        "wasn",    "we",     "were",    "weren",   "what",
    "when",     "where",     "which",      "while",   "who",    "whom",    "why",     "will",
    "with",     "won",       "would",      "wouldn",  "yet",    "you",     "your",    "yours",
    "yourself", "yourselves"};

static int gp_text_strcmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool gp_text_is_stop(const char *w) {
  return bsearch(&w, gp_text_stops, sizeof gp_text_stops / sizeof *gp_text_stops,
                 sizeof *gp_text_stops, gp_text_strcmp) != NULL;
}

/* ---- a string -> id hash table ---- */
typedef struct gp_text_map {
  char **key;   /* slots: the stem, or NULL */
  uint32_t *id; /* slots: the id */
  size_t cap;   /* slots (a power of two) */
  size_t n;     /* keys */
} gp_text_map;

static uint64_t gp_text_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* Finds or adds key; returns its id, or UINT32_MAX when out of memory. */
static uint32_t gp_text_map_get(gp_text_map *m, const char *key, bool *added) {
  *added = false;
  if (2 * (m->n + 1) > m->cap) {
    size_t nc = m->cap ? 2 * m->cap : 1024;
    char **nk = calloc(nc, sizeof *nk);
    uint32_t *ni = calloc(nc, sizeof *ni);
    if (!nk || !ni) {
      free(nk);
      free(ni);
      return UINT32_MAX;
    }
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->key[i]) continue;
      size_t h = gp_text_hash(m->key[i]) & (nc - 1);
      while (nk[h])
        h = (h + 1) & (nc - 1);
      nk[h] = m->key[i];
      ni[h] = m->id[i];
    }
    free(m->key);
    free(m->id);
    m->key = nk;
    m->id = ni;
    m->cap = nc;
  }
  size_t h = gp_text_hash(key) & (m->cap - 1);
  while (m->key[h]) {
    if (!strcmp(m->key[h], key)) return m->id[h];
    h = (h + 1) & (m->cap - 1);
  }
  m->key[h] = strdup(key);
  if (!m->key[h]) return UINT32_MAX;
  m->id[h] = (uint32_t)m->n++;
  *added = true;
  return m->id[h];
}

/* Decodes one UTF-8 code point at s (n bytes left); returns its length (>= 1). */
static size_t gp_text_utf8(const unsigned char *s, size_t n, uint32_t *cp) {
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  size_t len = (s[0] & 0xE0) == 0xC0   ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 1;
  if (len == 1 || len > n) {
    *cp = 0xFFFD;
    return 1;
  }
  uint32_t c = s[0] & (0x7F >> len);
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
    c = (c << 6) | (s[i] & 0x3F);
  }
  *cp = c;
  return len;
}

static bool gp_text_cjk(uint32_t c) {
  return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x3040 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0x20000 && c <= 0x2FA1F);
}

/* A letter of a non-CJK word: ASCII alphanumerics and non-ASCII letters
 * outside the punctuation, symbol and space blocks. */
static bool gp_text_wordch(uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  if (c == 0xFFFD || c < 0xC0 || c == 0xD7 || c == 0xF7) return false;
  if (c >= 0x2000 && c <= 0x2BFF) return false; /* punctuation, symbols, arrows ... */
  if (c >= 0x3000 && c <= 0x303F) return false; /* CJK punctuation */
  if (c >= 0xFE00 && c <= 0xFFEF) return false; /* full-width forms and punctuation */
  if (c >= 0x1F000) return false;               /* emoji */
  return !gp_text_cjk(c);
}

/* One (document, term) occurrence while counting. */
typedef struct gp_text_occ {
  uint32_t doc;  /* document */
  uint32_t term; /* term */
} gp_text_occ;

static int gp_text_occ_cmp(const void *a, const void *b) {
  const gp_text_occ *x = a, *y = b;
  if (x->doc != y->doc) return x->doc < y->doc ? -1 : 1;
  return x->term < y->term ? -1 : x->term > y->term;
}

/* Surface-word counts per term: for the label. */
typedef struct gp_text_surface {
  gp_text_map words; /* surface word -> id */
  uint32_t *term;    /* per surface word: its term */
  long *count;       /* per surface word: occurrences */
  size_t cap;        /* capacity of term/count */
} gp_text_surface;

void gp_text_corpus_free(gp_text_corpus *c) {
  if (!c) return;
  for (size_t t = 0; t < c->n_terms; t++) {
    if (c->stem) free(c->stem[t]);
    if (c->label) free(c->label[t]);
  }
  free(c->stem);
  free(c->label);
  free(c->df);
  free(c->ptr);
  free(c->term);
  free(c->count);
  memset(c, 0, sizeof *c);
}

gp_code gp_text_tokenise(const char *const *texts, size_t n, gp_text_stemmer *stemmer,
                         gp_text_corpus *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  gp_text_map terms = {0};
  gp_text_surface sf = {0};
  gp_text_occ *occ = NULL;
  size_t n_occ = 0, cap_occ = 0;
  gp_code rc = GP_OK;
  char word[256], stem[256];
  for (size_t d = 0; d < n; d++) {
    const unsigned char *s = (const unsigned char *)(texts[d] ? texts[d] : "");
    size_t len = strlen((const char *)s), i = 0;
    uint32_t prev_cjk = 0; /* the previous CJK character in a run (0: none) */
    size_t prev_cjk_len = 0, run = 0;
    const unsigned char *prev_at = NULL;
    while (i <= len) {
      uint32_t cp = 0;
      size_t l = i < len ? gp_text_utf8(s + i, len - i, &cp) : 1;
      /* tokens: a word, or a CJK bigram (a lone CJK character as itself) */
      const char *tok = NULL;
      size_t wl = 0;
      bool is_word = false;
      if (i < len && gp_text_wordch(cp)) {
        size_t j = i;
        while (j < len) {
          uint32_t c2;
          size_t l2 = gp_text_utf8(s + j, len - j, &c2);
          if (!gp_text_wordch(c2)) break;
          if (wl + l2 < sizeof word) {
            for (size_t b = 0; b < l2; b++) {
              unsigned char ch = s[j + b];
              word[wl++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
            }
          }
          j += l2;
        }
        word[wl] = '\0';
        l = j - i;
        is_word = true;
        tok = word;
      }
      bool cjk = i < len && gp_text_cjk(cp);
      char lone[8] = {0}; /* a lone CJK character, emitted as itself */
      if (!cjk && prev_cjk && run == 1) memcpy(lone, prev_at, prev_cjk_len < 8 ? prev_cjk_len : 7);
      for (int pass = 0; pass < 2; pass++) {
        const char *emit = NULL, *surface = NULL;
        if (pass == 0 && !cjk && prev_cjk && run == 1) {
          emit = surface = lone;
        } else if (pass == 0 && cjk && prev_cjk) {
          memcpy(stem, prev_at, prev_cjk_len);
          memcpy(stem + prev_cjk_len, s + i, l);
          stem[prev_cjk_len + l] = '\0';
          emit = surface = stem;
        } else if (pass == 1 && is_word && tok) {
          bool digits = true;
          for (size_t b = 0; b < wl; b++)
            if (!(word[b] >= '0' && word[b] <= '9')) digits = false;
          size_t chars = 0;
          for (size_t b = 0; b < wl; b++)
            chars += ((unsigned char)word[b] & 0xC0) != 0x80;
          if (digits || chars < 2 || gp_text_is_stop(word)) continue;
          surface = word;
          if (stemmer) {
            gp_text_stem(stemmer, word, wl, stem, sizeof stem);
            emit = stem;
          } else {
            emit = word;
          }
        }
        if (!emit) continue;
        bool added;
        uint32_t t = gp_text_map_get(&terms, emit, &added);
        bool sadd;
        uint32_t w = gp_text_map_get(&sf.words, surface, &sadd);
        if (t == UINT32_MAX || w == UINT32_MAX) {
          rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory tokenising");
          goto done;
        }
        if (sadd) {
          if (sf.words.n > sf.cap) {
            size_t nc = sf.cap ? 2 * sf.cap : 1024;
            uint32_t *nt = realloc(sf.term, nc * sizeof *nt);
            long *ncn = nt ? realloc(sf.count, nc * sizeof *ncn) : NULL;
            if (!nt || !ncn) {
              if (nt) sf.term = nt;
              rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory tokenising");
              goto done;
            }
            sf.term = nt;
            sf.count = ncn;
            sf.cap = nc;
          }
          sf.term[w] = t;
          sf.count[w] = 0;
        }
        sf.count[w]++;
        if (n_occ == cap_occ) {
          size_t nc = cap_occ ? 2 * cap_occ : 4096;
          gp_text_occ *no = realloc(occ, nc * sizeof *no);
          if (!no) {
            rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory tokenising");
            goto done;
          }
          occ = no;
          cap_occ = nc;
        }
        occ[n_occ].doc = (uint32_t)d;
        occ[n_occ].term = t;
        n_occ++;
      }
      if (cjk) {
        run = prev_cjk ? run + 1 : 1;
        prev_cjk = cp;
        prev_at = s + i;
        prev_cjk_len = l;
      } else {
        prev_cjk = 0;
        run = 0;
      }
      i += l;
    }
  }
  /* documents as sorted (term, count) lists; document frequencies */
  qsort(occ, n_occ, sizeof *occ, gp_text_occ_cmp);
  out->n_docs = n;
  out->n_terms = terms.n;
  out->ptr = calloc(n + 1, sizeof *out->ptr);
  out->term = malloc((n_occ + 1) * sizeof *out->term);
  out->count = malloc((n_occ + 1) * sizeof *out->count);
  out->df = calloc(terms.n + 1, sizeof *out->df);
  out->stem = calloc(terms.n + 1, sizeof *out->stem);
  out->label = calloc(terms.n + 1, sizeof *out->label);
  long *best = calloc(terms.n + 1, sizeof *best);
  if (!out->ptr || !out->term || !out->count || !out->df || !out->stem || !out->label || !best) {
    free(best);
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory tokenising");
    goto done;
  }
  size_t p = 0;
  for (size_t k = 0; k < n_occ; k++) {
    if (p > 0 && out->term[p - 1] == occ[k].term && k > 0 && occ[k - 1].doc == occ[k].doc) {
      out->count[p - 1] += 1;
      continue;
    }
    out->term[p] = occ[k].term;
    out->count[p] = 1;
    out->ptr[occ[k].doc + 1]++;
    out->df[occ[k].term]++;
    p++;
  }
  for (size_t d = 0; d < n; d++)
    out->ptr[d + 1] += out->ptr[d];
  for (size_t h = 0; h < terms.cap; h++)
    if (terms.key[h]) {
      out->stem[terms.id[h]] = terms.key[h];
      terms.key[h] = NULL;
    }
  for (size_t h = 0; h < sf.words.cap; h++) {
    if (!sf.words.key[h]) continue;
    uint32_t w = sf.words.id[h], t = sf.term[w];
    /* the most frequent surface word; ties: the shorter, then the first in byte order */
    if (!out->label[t] || sf.count[w] > best[t] ||
        (sf.count[w] == best[t] && (strlen(sf.words.key[h]) < strlen(out->label[t]) ||
                                    (strlen(sf.words.key[h]) == strlen(out->label[t]) &&
                                     strcmp(sf.words.key[h], out->label[t]) < 0)))) {
      free(out->label[t]);
      out->label[t] = sf.words.key[h];
      sf.words.key[h] = NULL;
      best[t] = sf.count[w];
    }
  }
  free(best);
done:
  for (size_t h = 0; h < terms.cap; h++)
    free(terms.key[h]);
  free(terms.key);
  free(terms.id);
  for (size_t h = 0; h < sf.words.cap; h++)
    free(sf.words.key[h]);
  free(sf.words.key);
  free(sf.words.id);
  free(sf.term);
  free(sf.count);
  free(occ);
  if (rc) gp_text_corpus_free(out);
  return rc;
}
