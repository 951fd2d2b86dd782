/* gp_observation — see gp_observation.h. */
#include "model/gp_observation.h"

#include <math.h>
#include <string.h>

static const char *const gp_bk_names[] = {"", "place", "group", "unit"};

const char *gp_breakdown_kind_name(gp_breakdown_kind k) { return gp_bk_names[k]; }

bool gp_breakdown_kind_parse(const char *s, gp_breakdown_kind *out) {
  for (int i = 0; i < 4; i++)
    if (!strcmp(s, gp_bk_names[i])) {
      *out = (gp_breakdown_kind)i;
      return true;
    }
  return false;
}

gp_code gp_observation_validate(const gp_observation *o, const char *path, gp_error *err) {
  if (!isfinite(o->value)) return gp_fail(err, GP_EINVAL, path, "value is not a finite number");
  if (o->has_lower && o->lower > o->value)
    return gp_fail(err, GP_EINVAL, path, "lower (%g) is above the value (%g)", o->lower, o->value);
  if (o->has_upper && o->upper < o->value)
    return gp_fail(err, GP_EINVAL, path, "upper (%g) is below the value (%g)", o->upper, o->value);
  if (o->has_n && o->n < 0) return gp_fail(err, GP_EINVAL, path, "n must not be negative");
  if ((o->kind == GP_BREAKDOWN_NONE) != (o->breakdown == NULL))
    return gp_fail(err, GP_EINVAL, path, "a breakdown value needs a breakdown kind");
  return GP_OK;
}
