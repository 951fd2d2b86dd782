/*
 * gp_malloc — tuning of the C library's allocator for gameplan's workload.
 *
 * Building JSON documents makes millions of small allocations (jansson
 * objects, strings, reals: a status document of 1,000 targets has about
 * 300,000). With glibc's fastbins, the free chunks of one document are
 * consolidated the next time a large block is asked for, which cost about a
 * fifth of a status computation in a running server (measured with
 * bench/status_bench: best 84 ms with fastbins, 67 ms without, on the same
 * database). gp_malloc_tune turns fastbins off (M_MXFAST = 0); tcache still
 * serves small allocations quickly. Nothing else changes. No-op off glibc.
 */
#ifndef GP_MALLOC_H
#define GP_MALLOC_H

/* Applies the tuning; call once at the start of main. */
void gp_malloc_tune(void);

#endif
