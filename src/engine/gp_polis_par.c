/* gp_polis_par — see gp_polis_par.h. */
#include "engine/gp_polis_par.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct gp_polis_par_job {
  void (*fn)(void *ctx, size_t chunk); /* the work for one chunk */
  void *ctx;                           /* the caller's context */
  size_t n_chunks;                     /* how many chunks in all */
  atomic_size_t next;                  /* the next chunk to hand out */
} gp_polis_par_job;

static void *gp_polis_par_worker(void *arg) {
  gp_polis_par_job *job = arg;
  for (;;) {
    size_t c = atomic_fetch_add(&job->next, 1);
    if (c >= job->n_chunks) break;
    job->fn(job->ctx, c);
  }
  return NULL;
}

void gp_polis_par_for(size_t n_chunks, int threads, void (*fn)(void *ctx, size_t chunk),
                      void *ctx) {
  gp_polis_par_job job = {.fn = fn, .ctx = ctx, .n_chunks = n_chunks};
  atomic_init(&job.next, 0);
  if (threads > 64) threads = 64;
  if ((size_t)threads > n_chunks) threads = (int)n_chunks;
  pthread_t tid[64];
  int started = 0;
  for (int t = 1; t < threads; t++) {
    if (pthread_create(&tid[started], NULL, gp_polis_par_worker, &job) != 0) break;
    started++;
  }
  gp_polis_par_worker(&job);
  for (int t = 0; t < started; t++)
    pthread_join(tid[t], NULL);
}

size_t gp_polis_par_chunks(size_t n, size_t min_per_chunk, size_t max_chunks) {
  if (min_per_chunk == 0) min_per_chunk = 1;
  size_t c = n / min_per_chunk;
  if (c > max_chunks) c = max_chunks;
  return c ? c : 1;
}
