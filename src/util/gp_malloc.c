/* gp_malloc — see gp_malloc.h. */
#include "util/gp_malloc.h"

#include <stdlib.h> /* defines __GLIBC__ on glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

void gp_malloc_tune(void) {
#ifdef __GLIBC__
  mallopt(M_MXFAST, 0);
#endif
}
