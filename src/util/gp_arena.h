/*
 * gp_arena — a region allocator for documents that live and die together
 * (a parsed plan, a status report). Everything allocated from an arena is
 * freed at once by gp_arena_free; nothing is freed one by one.
 * Allocation failure aborts the process with a message: these documents are
 * small, and a half-built document is worse than a clear crash.
 */
#ifndef GP_ARENA_H
#define GP_ARENA_H

#include <stddef.h>

typedef struct gp_arena_block gp_arena_block;

typedef struct gp_arena {
  gp_arena_block *head; /* newest block; blocks are chained to older ones */
  size_t used;          /* bytes used in head */
  size_t cap;           /* bytes available in head */
} gp_arena;

/* An empty arena; equivalent to zero-initialising the struct. */
#define GP_ARENA_INIT                                                                              \
  { NULL, 0, 0 }

/* n zeroed bytes aligned for any type, owned by the arena. */
void *gp_arena_alloc(gp_arena *a, size_t n);

/* A copy of s (NULL gives NULL), owned by the arena. */
char *gp_arena_strdup(gp_arena *a, const char *s);

/* A copy of the first n bytes of s, NUL-terminated, owned by the arena. */
char *gp_arena_strndup(gp_arena *a, const char *s, size_t n);

/* A printf-formatted string owned by the arena. */
char *gp_arena_printf(gp_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees every block; the arena is empty and reusable afterwards. */
void gp_arena_free(gp_arena *a);

#endif
