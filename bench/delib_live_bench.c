/*
 * delib_live_bench — the results of a large running conversation, through
 * the real store: a synthetic conversation (P participants, S statements, V
 * vote events from three latent opinion groups) is stored in a new SQLite
 * database; the first live update reads it and analyses it from scratch;
 * then, U times, B new votes from new participants arrive (through
 * gp_app_delib_vote, as the API casts them) and the live update folds them
 * in (gp_app_delib_live_update), against the same state analysed from
 * scratch (gp_app_delib_analyse: load the conversation, build, analyse),
 * which is what the results API did before. Prints both and the ratio.
 *
 * Usage: build/bench/delib_live_bench P S V U B [THREADS]
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "app/gp_app_delib.h"
#include "app/gp_app_delib_live.h"
#include "io/gp_polisio.h"
#include "store/gp_store.h"
#include "store/gp_store_delib.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

static void die(const gp_error *e) {
  fprintf(stderr, "delib_live_bench: %s: %s\n", e->path, e->message);
  exit(1);
}

/* xorshift64* (Vigna 2016): enough for synthetic votes. */
static double uni(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}

/* Participant i's latent group (50/30/20%). */
static int group_of(size_t i) {
  uint64_t h = (i + 1) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 29;
  unsigned r = (unsigned)(h % 10);
  return r < 5 ? 0 : r < 8 ? 1 : 2;
}

/* A vote of a member of group g on statement j: a third of the statements
 * divide the groups sharply, the rest are mild; 15% passes. */
static int vote_of(uint64_t *rng, int g, size_t j) {
  if (uni(rng) < 0.15) return 0;
  double pa =
      (j % 3 == 0) ? (g == (int)(j / 3 % 3) ? 0.9 : 0.15) : 0.3 + 0.4 * ((j * 7 % 10) / 10.0);
  return uni(rng) < pa ? 1 : -1;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: delib_live_bench P S V U B [THREADS]\n");
    return 2;
  }
  size_t P = strtoul(argv[1], NULL, 10), S = strtoul(argv[2], NULL, 10),
         V = strtoul(argv[3], NULL, 10);
  int U = atoi(argv[4]), B = atoi(argv[5]);
  int threads = argc > 6 ? atoi(argv[6]) : 1;
  if (P < 20 || S < 10 || V < P || U < 1 || B < 1) return 2;
  char path[] = "/tmp/gp_live_bench_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  close(fd);
  unlink(path);
  gp_error err;
  gp_error_clear(&err);
  gp_store *s;
  if (gp_store_open(path, true, &s, &err)) die(&err);

  /* the conversation, stored as an import would store it */
  gp_polisio_export x;
  memset(&x, 0, sizeof x);
  x.n_comments = S;
  x.comments = calloc(S, sizeof *x.comments);
  x.n_participants = P;
  x.participants = calloc(P, sizeof *x.participants);
  x.votes = malloc(V * sizeof *x.votes);
  char **bodies = malloc(S * sizeof *bodies);
  for (size_t j = 0; j < S; j++) {
    bodies[j] = malloc(32);
    snprintf(bodies[j], 32, "statement %zu", j);
    x.comments[j] = (gp_polisio_comment){
        .id = (int64_t)j, .author = -1, .moderated = 1, .body = bodies[j], .datetime = ""};
  }
  for (size_t i = 0; i < P; i++)
    x.participants[i] = (gp_polisio_participant){.id = (int64_t)i, .group_id = -1};
  uint64_t rng = 88172645463325252ULL;
  for (size_t e = 0; e < V; e++) {
    size_t i = e * P / V; /* about V/P votes each, participants in order */
    double a = uni(&rng);
    size_t j = (size_t)((double)S * a * a); /* early statements are seen more */
    x.votes[e] = (gp_polisio_vote){.timestamp = (int64_t)e,
                                   .datetime = "",
                                   .comment_id = (int64_t)j,
                                   .voter_id = (int64_t)i,
                                   .vote = vote_of(&rng, group_of(i), j)};
  }
  x.n_votes = V;
  double t0 = now_s();
  gp_delib_meta meta = {.id = "big", .title = "synthetic"};
  if (gp_store_delib_import(s, &meta, &x, &err)) die(&err);
  double t1 = now_s();
  printf("stored: %zu participants x %zu statements, %zu vote events in %.2f s\n", P, S, V,
         t1 - t0);
  free(x.votes);
  free(x.comments);
  free(x.participants);
  for (size_t j = 0; j < S; j++)
    free(bodies[j]);
  free(bodies);

  gp_polis_opts o = gp_polis_opts_default();
  o.threads = threads;
  gp_delib_live_info info;
  json_t *doc;
  if (gp_app_delib_live_update(s, "big", &o, &doc, &info, &err)) die(&err);
  json_decref(doc);
  printf("first live update (read everything, from scratch): %.3f s\n", info.seconds);

  double live_sum = 0, scratch_sum = 0, live_max = 0;
  for (int u = 0; u < U; u++) {
    /* B votes by new participants, B/10 each, as the API casts them */
    for (int b = 0; b < B; b += 10) {
      char pid[GP_DELIB_PID_LEN + 1];
      gp_app_delib_new_pid(pid);
      int g = group_of(P + (size_t)u * 1000 + (size_t)b);
      for (int k = 0; k < 10 && b + k < B; k++) {
        size_t j = (size_t)((double)S * uni(&rng));
        if (gp_app_delib_vote(s, "big", pid, (int64_t)j, vote_of(&rng, g, j), &err)) die(&err);
      }
    }
    if (gp_app_delib_live_update(s, "big", &o, &doc, &info, &err)) die(&err);
    json_decref(doc);
    if (!info.incremental || info.new_events != B) {
      fprintf(stderr, "delib_live_bench: the update was not incremental\n");
      return 1;
    }
    double t2 = now_s();
    if (gp_app_delib_analyse(s, "big", &o, &doc, &err)) die(&err);
    double t3 = now_s();
    json_decref(doc);
    live_sum += info.seconds;
    scratch_sum += t3 - t2;
    if (info.seconds > live_max) live_max = info.seconds;
  }
  printf("%d updates of %d new votes: live (incremental) mean %.3f s (max %.3f s); "
         "from scratch (load + analyse) mean %.3f s\n",
         U, B, live_sum / U, live_max, scratch_sum / U);
  printf("ratio (from scratch / live): %.1fx; peak RSS %.0f MB\n", scratch_sum / live_sum,
         peak_mb());
  gp_app_delib_live_reset();
  gp_store_close(s);
  unlink(path);
  char p2[64];
  snprintf(p2, sizeof p2, "%s-wal", path);
  unlink(p2);
  snprintf(p2, sizeof p2, "%s-shm", path);
  unlink(p2);
  return 0;
}
