/*
 * polis_bench — timings of the deliberation engine (driven by bench/polis.sh).
 *
 *   polis_bench export DIR REPS THREADS      read + analyse a Pol.is export, best of REPS
 *   polis_bench synthetic P S V THREADS SEED generate V vote events of P participants on
 *                                            S statements in memory, build, analyse;
 *                                            prints each phase and the peak memory
 *   polis_bench incremental P S V THREADS SEED  99% of the votes from scratch, then the
 *                                            last 1% warm-started, against from scratch
 *   polis_bench gen P S V SEED FILE          write such votes (latest per cell) as int32
 *                                            triplets (row, col, vote) for the peer
 *   polis_bench pcakm FILE P S THREADS       our PCA + projection + k-means (k=100) on the
 *                                            triplets, timed after loading (the peer's task)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/gp_polis_analysis.h"
#include "engine/gp_polis_gram.h"
#include "engine/gp_polis_kmeans.h"
#include "engine/gp_polis_matrix.h"
#include "engine/gp_polis_pca.h"
#include "io/gp_polisio.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

static void die(const gp_error *e) {
  fprintf(stderr, "polis_bench: %s: %s\n", e->path, e->message);
  exit(1);
}

/* A latent-opinion model: 3 groups of sizes 50/30/20%; statement j has an
 * agree probability per group; each participant votes on a skewed random
 * subset (Pol.is shows early statements more), passing 15% of the time. */
typedef struct synth {
  size_t P, S;  /* participants, statements */
  double *pa;   /* 3*S: agree probability given a non-pass vote, per group */
  uint64_t rng; /* state */
} synth;

static void synth_init(synth *s, size_t P, size_t S, uint64_t seed) {
  s->P = P;
  s->S = S;
  s->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
  s->pa = malloc(3 * S * sizeof *s->pa);
  for (size_t j = 0; j < S; j++)
    for (int g = 0; g < 3; g++) {
      double u = gp_polis_rng_uniform(&s->rng);
      /* a third of statements divide the groups sharply; the rest are mild */
      s->pa[3 * j + (size_t)g] =
          (j % 3 == 0) ? (g == (int)(j / 3 % 3) ? 0.9 : 0.15) : 0.3 + 0.4 * u;
    }
}

static int synth_group(size_t i) {
  uint64_t h = i * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 29;
  unsigned r = (unsigned)(h % 10);
  return r < 5 ? 0 : r < 8 ? 1 : 2;
}

/* Fills ev with n events: participant i gets about V/P votes. */
static void synth_events(synth *s, gp_polis_event *ev, size_t V) {
  size_t e = 0;
  for (size_t i = 0; i < s->P && e < V; i++) {
    size_t left = V - e, share = left / (s->P - i);
    /* votes per participant vary: 0.2x .. 3x the mean */
    double u = gp_polis_rng_uniform(&s->rng);
    size_t n = (size_t)((double)share * (0.2 + 2.8 * u * u));
    if (i + 1 == s->P) n = left;
    if (n > left) n = left;
    if (n < 1) n = 1;
    int g = synth_group(i);
    for (size_t k = 0; k < n; k++) {
      double a = gp_polis_rng_uniform(&s->rng);
      size_t j = (size_t)((double)s->S * a * a);
      if (j >= s->S) j = s->S - 1;
      double b = gp_polis_rng_uniform(&s->rng);
      int8_t v = b < 0.15 ? 0 : (gp_polis_rng_uniform(&s->rng) < s->pa[3 * j + (size_t)g] ? 1 : -1);
      ev[e].time = (int64_t)e;
      ev[e].participant = (uint32_t)i;
      ev[e].statement = (uint32_t)j;
      ev[e].vote = v;
      e++;
    }
  }
}

static int cmd_export(const char *dir, int reps, int threads) {
  double best_read = 1e9, best_an = 1e9, best_all = 1e9;
  gp_error err;
  size_t groups = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    gp_polisio_export x;
    if (gp_polisio_read_dir(dir, &x, &err)) die(&err);
    gp_polis_matrix m;
    bool *mod_out;
    int64_t *first;
    if (gp_polisio_matrix_history(&x, &m, &mod_out, &first, &err)) die(&err);
    double t1 = now();
    gp_polis_opts o = gp_polis_opts_default();
    o.threads = threads;
    gp_polis_input in = {.m = &m, .mod_out = mod_out, .first = first};
    gp_polis_result res;
    if (gp_polis_analyse(&in, &o, &res, &err)) die(&err);
    double t2 = now();
    groups = res.n_groups;
    gp_polis_result_free(&res);
    free(mod_out);
    free(first);
    gp_polis_matrix_free(&m);
    gp_polisio_free(&x);
    if (t1 - t0 < best_read) best_read = t1 - t0;
    if (t2 - t1 < best_an) best_an = t2 - t1;
    if (t2 - t0 < best_all) best_all = t2 - t0;
  }
  printf("export %s: read+matrix %.2f ms, analysis %.2f ms, total %.2f ms (best of %d, %d "
         "thread(s)); %zu groups\n",
         dir, 1e3 * best_read, 1e3 * best_an, 1e3 * best_all, reps, threads, groups);
  return 0;
}

static int cmd_synthetic(size_t P, size_t S, size_t V, int threads, uint64_t seed) {
  synth s;
  synth_init(&s, P, S, seed);
  gp_polis_event *ev = malloc(V * sizeof *ev);
  if (!ev) return 1;
  double t0 = now();
  synth_events(&s, ev, V);
  double t1 = now(), c1 = cpu();
  gp_polis_matrix m;
  gp_error err;
  if (gp_polis_matrix_from_events_mt(ev, V, P, S, threads, &m, &err)) die(&err);
  double t2 = now(), c2 = cpu();
  free(ev);
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = threads;
  o.seed = seed;
  gp_polis_input in = {.m = &m};
  gp_polis_result r;
  if (gp_polis_analyse(&in, &o, &r, &err)) die(&err);
  double t3 = now(), c3 = cpu();
  printf("synthetic %zu participants x %zu statements, %zu vote events (%zu kept), %d thread(s)\n",
         P, S, V, m.nnz, threads);
  printf("  generate %.2f s (not counted)\n  build matrix (latest vote wins) %.2f s (CPU %.2f s)\n"
         "  analysis %.2f s (CPU %.2f s; PCA %d iterations%s; %zu in conversation; %zu base "
         "clusters; %zu groups)\n  total build+analysis %.2f s (CPU %.2f s); peak memory %.0f MB\n",
         t1 - t0, t2 - t1, c2 - c1, t3 - t2, c3 - c2, r.pca_iterations,
         r.pca_converged ? ", converged" : "", r.n_in_conv, r.n_base, r.n_groups, t3 - t1, c3 - c1,
         peak_mb());
  gp_polis_result_free(&r);
  gp_polis_matrix_free(&m);
  free(s.pa);
  return 0;
}

/* A from-scratch analysis of 99% of the votes, then the update with the last
 * 1% warm-started from it (Pol.is's running update), against the same update
 * from scratch. */
static int cmd_incremental(size_t P, size_t S, size_t V, int threads, uint64_t seed) {
  synth s;
  synth_init(&s, P, S, seed);
  gp_polis_event *ev = malloc(V * sizeof *ev);
  if (!ev) return 1;
  synth_events(&s, ev, V);
  size_t cut = V / 100 * 99;
  gp_polis_matrix m0, m1;
  gp_error err;
  if (gp_polis_matrix_from_events_mt(ev, cut, P, S, threads, &m0, &err)) die(&err);
  if (gp_polis_matrix_from_events_mt(ev, V, P, S, threads, &m1, &err)) die(&err);
  free(ev);
  gp_polis_opts o = gp_polis_opts_default();
  o.threads = threads;
  o.seed = seed;
  gp_polis_input in0 = {.m = &m0};
  gp_polis_result r0, r1, r2;
  double t0 = now();
  if (gp_polis_analyse(&in0, &o, &r0, &err)) die(&err);
  double t1 = now();
  gp_polis_warm warm = {0};
  if (gp_polis_warm_save(&r0, &warm, &err)) die(&err);
  /* the vote statistics of the first 99%, kept by the conversation between updates */
  gp_polis_gram g;
  if (gp_polis_gram_init(&g, S, &err)) die(&err);
  gp_polis_gram_add(&g, &m0, 1, threads);
  double t2 = now();
  gp_polis_gram_update(&g, &m0, &m1);
  double t2b = now();
  gp_polis_input in1 = {.m = &m1, .warm = &warm, .stats = &g};
  if (gp_polis_analyse(&in1, &o, &r1, &err)) die(&err);
  double t3 = now();
  gp_polis_input in2 = {.m = &m1};
  if (gp_polis_analyse(&in2, &o, &r2, &err)) die(&err);
  double t4 = now();
  printf("incremental: %zu participants x %zu statements; 99%% of %zu votes from scratch %.2f s "
         "(PCA %d iterations); then the last 1%%: update of the vote statistics %.2f s + "
         "warm-started analysis %.2f s = %.2f s (PCA %d iterations); the same from scratch "
         "%.2f s (PCA %d iterations)\n",
         P, S, V, t1 - t0, r0.pca_iterations, t2b - t2, t3 - t2b, t3 - t2, r1.pca_iterations,
         t4 - t3, r2.pca_iterations);
  gp_polis_gram_free(&g);
  gp_polis_result_free(&r0);
  gp_polis_result_free(&r1);
  gp_polis_result_free(&r2);
  gp_polis_warm_free(&warm);
  gp_polis_matrix_free(&m0);
  gp_polis_matrix_free(&m1);
  free(s.pa);
  return 0;
}

static int cmd_gen(size_t P, size_t S, size_t V, uint64_t seed, const char *file) {
  synth s;
  synth_init(&s, P, S, seed);
  gp_polis_event *ev = malloc(V * sizeof *ev);
  synth_events(&s, ev, V);
  gp_polis_matrix m;
  gp_error err;
  if (gp_polis_matrix_from_events(ev, V, P, S, &m, &err)) die(&err);
  free(ev);
  FILE *fp = fopen(file, "wb");
  if (!fp) return 1;
  for (size_t i = 0; i < P; i++)
    for (size_t k = m.row_ptr[i]; k < m.row_ptr[i + 1]; k++) {
      int32_t t[3] = {(int32_t)i, (int32_t)m.col[k], m.val[k]};
      fwrite(t, sizeof t, 1, fp);
    }
  fclose(fp);
  printf("wrote %zu votes (%zu x %zu) to %s\n", m.nnz, P, S, file);
  gp_polis_matrix_free(&m);
  free(s.pa);
  return 0;
}

static int cmd_pcakm(const char *file, size_t P, size_t S, int threads) {
  FILE *fp = fopen(file, "rb");
  if (!fp) return 1;
  fseek(fp, 0, SEEK_END);
  size_t n = (size_t)ftell(fp) / 12;
  fseek(fp, 0, SEEK_SET);
  int32_t *t = malloc(n * 12);
  if (fread(t, 12, n, fp) != n) return 1;
  fclose(fp);
  gp_polis_event *ev = malloc(n * sizeof *ev);
  for (size_t k = 0; k < n; k++) {
    ev[k].time = (int64_t)k;
    ev[k].participant = (uint32_t)t[3 * k];
    ev[k].statement = (uint32_t)t[3 * k + 1];
    ev[k].vote = (int8_t)t[3 * k + 2];
  }
  free(t);
  gp_polis_matrix m;
  gp_error err;
  if (gp_polis_matrix_from_events(ev, n, P, S, &m, &err)) die(&err);
  free(ev);
  bool *used = calloc(S, sizeof *used);
  for (size_t k = 0; k < m.nnz; k++)
    used[m.col[k]] = true;
  double t0 = now();
  gp_polis_cols cols = {.n_cols = S, .used = used, .zeroed = NULL};
  gp_polis_pca_opts po = {.seed = 1, .max_iters = 1000, .tol = 1e-9, .threads = threads};
  gp_polis_pca p;
  if (gp_polis_pca_fit(&m, &cols, &po, &p, &err)) die(&err);
  double *xy = malloc(2 * P * sizeof *xy);
  gp_polis_pca_project(&m, &cols, &p, threads, xy);
  double t1 = now();
  int *assign = malloc(P * sizeof *assign);
  double cent[200];
  size_t k;
  gp_polis_kmeans_opts ko = {.k = 100,
                             .max_iters = 100,
                             .tol = 0.01,
                             .init = GP_POLIS_INIT_FIRST,
                             .n_init = 1,
                             .threads = threads};
  if (gp_polis_kmeans(xy, NULL, P, &ko, assign, cent, &k, &err)) die(&err);
  double t2 = now();
  printf("ours: PCA+projection %.3f s (%d iterations), k-means k=100 %.3f s, total %.3f s "
         "(%d thread(s))\n",
         t1 - t0, p.iterations, t2 - t1, t2 - t0, threads);
  printf("OURS_SECONDS %.6f\n", t2 - t0);
  gp_polis_pca_free(&p);
  gp_polis_matrix_free(&m);
  free(xy);
  free(assign);
  free(used);
  return 0;
}

/* An integer argument (0 if it is not one). */
static int arg_int(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);
  return *s && !*end && v > 0 && v < 1000000 ? (int)v : 0;
}

int main(int argc, char **argv) {
  if (argc >= 5 && !strcmp(argv[1], "export"))
    return cmd_export(argv[2], arg_int(argv[3]) > 0 ? arg_int(argv[3]) : 1, arg_int(argv[4]));
  if (argc >= 7 && !strcmp(argv[1], "synthetic"))
    return cmd_synthetic(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
                         strtoul(argv[4], NULL, 10), arg_int(argv[5]), strtoull(argv[6], NULL, 10));
  if (argc >= 7 && !strcmp(argv[1], "incremental"))
    return cmd_incremental(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
                           strtoul(argv[4], NULL, 10), arg_int(argv[5]),
                           strtoull(argv[6], NULL, 10));
  if (argc >= 7 && !strcmp(argv[1], "gen"))
    return cmd_gen(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10),
                   strtoul(argv[4], NULL, 10), strtoull(argv[5], NULL, 10), argv[6]);
  if (argc >= 6 && !strcmp(argv[1], "pcakm"))
    return cmd_pcakm(argv[2], strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10),
                     arg_int(argv[5]));
  fprintf(stderr, "usage: see the header of bench/polis_bench.c\n");
  return 2;
}
