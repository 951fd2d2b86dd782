/*
 * gp_direction — which way is better for a metric. Shared by the model (a
 * metric's declared direction) and the engines (meeting a target).
 */
#ifndef GP_DIRECTION_H
#define GP_DIRECTION_H

#include <stdbool.h>

typedef enum gp_direction {
  GP_HIGHER = 0, /* higher values are better */
  GP_LOWER = 1   /* lower values are better */
} gp_direction;

/* Whether value meets target: at or beyond it in the direction. */
static inline bool gp_meets(double value, double target, gp_direction d) {
  return d == GP_HIGHER ? value >= target : value <= target;
}

#endif
