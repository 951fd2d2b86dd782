/* gp_arena — see gp_arena.h. */
#include "util/gp_arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gp_arena_block {
  gp_arena_block *next; /* the previous (older) block */
  max_align_t data[];   /* the block's bytes */
};

enum { GP_ARENA_MIN = 16384 };

static void *gp_arena_oom(size_t n) {
  fprintf(stderr, "gameplan: out of memory allocating %zu bytes\n", n);
  abort();
}

void *gp_arena_alloc(gp_arena *a, size_t n) {
  size_t align = sizeof(max_align_t);
  n = (n + align - 1) / align * align;
  if (n == 0) n = align;
  if (!a->head || a->used + n > a->cap) {
    size_t cap = n > GP_ARENA_MIN ? n : GP_ARENA_MIN;
    gp_arena_block *b = malloc(sizeof *b + cap);
    if (!b) return gp_arena_oom(n);
    b->next = a->head;
    a->head = b;
    a->used = 0;
    a->cap = cap;
  }
  void *p = (char *)a->head->data + a->used;
  a->used += n;
  memset(p, 0, n);
  return p;
}

char *gp_arena_strndup(gp_arena *a, const char *s, size_t n) {
  char *d = gp_arena_alloc(a, n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *gp_arena_strdup(gp_arena *a, const char *s) {
  return s ? gp_arena_strndup(a, s, strlen(s)) : NULL;
}

char *gp_arena_printf(gp_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  char *d = gp_arena_alloc(a, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(d, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return d;
}

void gp_arena_free(gp_arena *a) {
  gp_arena_block *b = a->head;
  while (b) {
    gp_arena_block *next = b->next;
    free(b);
    b = next;
  }
  a->head = NULL;
  a->used = a->cap = 0;
}
