/*
 * gp_polis_par — a deterministic parallel loop for the deliberation engine.
 *
 * Work is cut into a fixed number of chunks that depends only on the size of
 * the problem, never on the number of threads; each chunk writes its own
 * partial result and the caller combines the partials in chunk order. So a
 * sum computed with 1 thread and with 8 threads is bit-for-bit the same,
 * which is what "the same answer for the same seed whatever the number of
 * threads" needs.
 */
#ifndef GP_POLIS_PAR_H
#define GP_POLIS_PAR_H

#include <stddef.h>

/* Runs fn(ctx, chunk) for chunk = 0 .. n_chunks-1 on up to `threads` threads
 * (threads <= 1, or a thread that cannot be started, runs the chunks on the
 * calling thread). Returns when every chunk is done. Chunks are handed out
 * dynamically, so fn must not depend on which thread runs it. */
void gp_polis_par_for(size_t n_chunks, int threads, void (*fn)(void *ctx, size_t chunk), void *ctx);

/* The number of chunks to cut n items into: a function of n only (at most
 * max_chunks, at least 1, chunks of at least min_per_chunk items). */
size_t gp_polis_par_chunks(size_t n, size_t min_per_chunk, size_t max_chunks);

#endif
