/*
 * test_text — text synthesis: Snowball stemming, tokenising (stop words,
 * CJK bigrams), TF-IDF against scikit-learn (tests/reference/text_values.h
 * from tests/reference/text_ref.py), and themes recovered from a corpus of
 * known topics.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/gp_polis_agree.h"
#include "engine/gp_text_stem.h"
#include "engine/gp_text_theme.h"
#include "engine/gp_text_token.h"
#include "io/gp_polisio.h"
#include "reference/text_values.h"

static void test_stem(void **state) {
  (void)state;
  gp_text_stemmer *s;
  gp_error err;
  if (gp_text_stemmer_new("english", &s, &err) == GP_ENOTFOUND) skip();
  char out[64];
  gp_text_stem(s, "running", 7, out, sizeof out);
  assert_string_equal(out, "run");
  gp_text_stem(s, "connections", 11, out, sizeof out);
  assert_string_equal(out, "connect");
  gp_text_stem(s, "generously", 10, out, sizeof out);
  assert_string_equal(out, "generous");
  gp_text_stemmer_free(s);
  assert_int_equal(gp_text_stemmer_new("klingon", &s, &err), GP_EINVAL);
}

static long term_of(const gp_text_corpus *c, const char *stem) {
  for (size_t t = 0; t < c->n_terms; t++)
    if (!strcmp(c->stem[t], stem)) return (long)t;
  return -1;
}

static void test_tokenise(void **state) {
  (void)state;
  gp_text_stemmer *s;
  gp_error err;
  if (gp_text_stemmer_new("english", &s, &err)) skip();
  const char *texts[] = {"The cats are RUNNING; the cat runs 42 times!", "我覺得好", "a I of"};
  gp_text_corpus c;
  assert_int_equal(gp_text_tokenise(texts, 3, s, &c, &err), GP_OK);
  long cat = term_of(&c, "cat"), run = term_of(&c, "run");
  assert_true(cat >= 0 && run >= 0);
  assert_true(term_of(&c, "the") < 0 && term_of(&c, "42") < 0 && term_of(&c, "time") >= 0);
  assert_true(term_of(&c, "我覺") >= 0 && term_of(&c, "覺得") >= 0 && term_of(&c, "得好") >= 0);
  assert_int_equal(c.n_terms, 6);
  /* document 0: cat x2, run x2, time x1 */
  assert_int_equal(c.ptr[1] - c.ptr[0], 3);
  for (size_t k = c.ptr[0]; k < c.ptr[1]; k++)
    if ((long)c.term[k] == cat || (long)c.term[k] == run) assert_true(c.count[k] == 2);
  assert_int_equal(c.ptr[3] - c.ptr[2], 0);
  assert_string_equal(c.label[cat], "cat");
  gp_text_corpus_free(&c);
  gp_text_stemmer_free(s);
}

static void test_tfidf(void **state) {
  (void)state;
  /* a corpus built directly from the reference count matrix */
  gp_text_corpus c = {0};
  size_t ptr[6] = {0};
  uint32_t term[30];
  double count[30];
  long df[6] = {0};
  size_t p = 0;
  for (size_t d = 0; d < 5; d++) {
    for (size_t t = 0; t < 6; t++)
      if (ref_text_counts[d * 6 + t] > 0) {
        term[p] = (uint32_t)t;
        count[p++] = ref_text_counts[d * 6 + t];
        df[t]++;
      }
    ptr[d + 1] = p;
  }
  c.n_docs = 5;
  c.n_terms = 6;
  c.ptr = ptr;
  c.term = term;
  c.count = count;
  c.df = df;
  gp_text_tfidf x;
  gp_error err;
  assert_int_equal(gp_text_tfidf_build(&c, 1, &x, &err), GP_OK);
  for (size_t d = 0; d < 5; d++) {
    double row[6] = {0};
    for (size_t k = x.ptr[d]; k < x.ptr[d + 1]; k++)
      row[x.term[k]] = x.w[k];
    for (size_t t = 0; t < 6; t++)
      assert_true(fabs(row[t] - ref_text_tfidf[d * 6 + t]) < 1e-14);
  }
  gp_text_tfidf_free(&x);
}

static void test_themes(void **state) {
  (void)state;
  gp_text_stemmer *s;
  gp_error err;
  if (gp_text_stemmer_new("english", &s, &err)) skip();
  static const char *topics[3][6] = {
      {"buses", "trains", "transport", "commute", "stations", "timetable"},
      {"schools", "teachers", "pupils", "classrooms", "lessons", "exams"},
      {"hospitals", "nurses", "doctors", "patients", "clinics", "waiting"}};
  enum { N = 60 };
  char buf[N][160];
  const char *texts[N];
  int truth[N];
  for (int d = 0; d < N; d++) {
    int k = d % 3;
    truth[d] = k;
    int a = (d / 3) % 6; /* four consecutive words of the topic's six: any two share two */
    snprintf(buf[d], sizeof buf[d], "We need better %s and %s, more %s and %s, people said",
             topics[k][a], topics[k][(a + 1) % 6], topics[k][(a + 2) % 6], topics[k][(a + 3) % 6]);
    texts[d] = buf[d];
  }
  gp_text_corpus c;
  gp_text_tfidf x;
  gp_text_result r;
  assert_int_equal(gp_text_tokenise(texts, N, s, &c, &err), GP_OK);
  assert_int_equal(gp_text_tfidf_build(&c, 2, &x, &err), GP_OK);
  gp_text_opts o = {.k = 0, .max_k = 6, .seed = 3, .n_init = 5, .max_iters = 100, .min_df = 2};
  assert_int_equal(gp_text_themes(&x, &o, &r, &err), GP_OK);
  assert_int_equal(r.k, 3);
  gp_polis_agreement ag;
  gp_polis_agreement_of(r.assign, truth, N, &ag);
  assert_true(ag.ari > 0.999);
  for (size_t k = 0; k < r.k; k++) {
    assert_int_equal(r.themes[k].size, 20);
    assert_true(r.themes[k].n_terms >= 3 && r.themes[k].n_docs == 3);
  }
  /* the same seed gives the same themes */
  gp_text_result r2;
  assert_int_equal(gp_text_themes(&x, &o, &r2, &err), GP_OK);
  assert_memory_equal(r.assign, r2.assign, N * sizeof *r.assign);
  gp_text_result_free(&r2);
  gp_text_result_free(&r);
  gp_text_tfidf_free(&x);
  gp_text_corpus_free(&c);
  gp_text_stemmer_free(s);
}

/* Themes of the statements of the real Pol.is conversations: every answer
 * with words in exactly one theme, sizes adding up, representatives inside
 * their theme, the same for the same seed. */
static void check_real(const char *conv) {
  const char *env = getenv("GP_POLIS_DATA");
  char dir[600];
  snprintf(dir, sizeof dir, "%s/%s", env ? env : "../shared/data/polis", conv);
  gp_polisio_export x;
  gp_error err;
  if (gp_polisio_read_dir(dir, &x, &err)) skip();
  gp_text_stemmer *s;
  if (gp_text_stemmer_new("english", &s, &err)) skip();
  const char **texts = malloc(x.n_comments * sizeof *texts);
  for (size_t j = 0; j < x.n_comments; j++)
    texts[j] = x.comments[j].body;
  gp_text_corpus c;
  gp_text_tfidf t;
  gp_text_result r, r2;
  assert_int_equal(gp_text_tokenise(texts, x.n_comments, s, &c, &err), GP_OK);
  assert_int_equal(gp_text_tfidf_build(&c, 2, &t, &err), GP_OK);
  gp_text_opts o = {.k = 0, .max_k = 0, .seed = 1, .n_init = 5, .max_iters = 100, .min_df = 2};
  assert_int_equal(gp_text_themes(&t, &o, &r, &err), GP_OK);
  size_t thumb = (size_t)(sqrt((double)x.n_comments / 2.0) + 0.5);
  assert_true(r.k >= 2 && r.k <= (thumb > 10 ? 10 : thumb));
  assert_true(r.n_themed >= x.n_comments * 9 / 10);
  size_t total = 0;
  for (size_t k = 0; k < r.k; k++) {
    total += r.themes[k].size;
    if (k > 0) assert_true(r.themes[k - 1].size >= r.themes[k].size);
    for (size_t q = 0; q < r.themes[k].n_docs; q++)
      assert_int_equal(r.assign[r.themes[k].docs[q]], (int)k);
  }
  assert_int_equal(total, r.n_themed);
  size_t themed = 0;
  for (size_t d = 0; d < x.n_comments; d++)
    themed += r.assign[d] >= 0;
  assert_int_equal(themed, r.n_themed);
  assert_int_equal(gp_text_themes(&t, &o, &r2, &err), GP_OK);
  assert_memory_equal(r.assign, r2.assign, x.n_comments * sizeof *r.assign);
  printf("[ REPORT   ] %s: %zu statements, %zu themes, silhouette %.3f\n", conv, x.n_comments, r.k,
         r.silhouette[r.k]);
  gp_text_result_free(&r2);
  gp_text_result_free(&r);
  gp_text_tfidf_free(&t);
  gp_text_corpus_free(&c);
  gp_text_stemmer_free(s);
  free(texts);
  gp_polisio_free(&x);
}

static void test_real_statements(void **state) {
  (void)state;
  check_real("vtaiwan.uberx");
  check_real("scoop-hivemind.ubi");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stem),
      cmocka_unit_test(test_tokenise),
      cmocka_unit_test(test_tfidf),
      cmocka_unit_test(test_themes),
      cmocka_unit_test(test_real_statements),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
