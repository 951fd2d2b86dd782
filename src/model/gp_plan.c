/* gp_plan — the plan's domain types and their validation; see gp_plan.h. */
#include "model/gp_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gp_plan *gp_plan_new(void) { return calloc(1, sizeof(gp_plan)); }

void gp_plan_free(gp_plan *p) {
  if (!p) return;
  gp_arena_free(&p->arena);
  free(p);
}

const gp_metric *gp_plan_metric(const gp_plan *p, const char *id) {
  for (size_t i = 0; i < p->nmetrics; i++)
    if (!strcmp(p->metrics[i].id, id)) return &p->metrics[i];
  return NULL;
}

bool gp_id_valid(const char *s) {
  if (!s) return false;
  size_t n = strlen(s);
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_'))) return false;
  }
  return true;
}

static const char *const gp_mission_kinds[] = {"mission", "licence_to_operate", "crisis"};
static const char *const gp_target_kinds[] = {"moonshot", "committed", "interim", "floor"};
static const char *const gp_directions[] = {"higher", "lower"};

/* Index of s in names[0..n), or -1. */
static int gp_lookup(const char *const *names, int n, const char *s) {
  for (int i = 0; s && i < n; i++)
    if (!strcmp(names[i], s)) return i;
  return -1;
}

const char *gp_mission_kind_name(gp_mission_kind k) { return gp_mission_kinds[k]; }
bool gp_mission_kind_parse(const char *s, gp_mission_kind *out) {
  int i = gp_lookup(gp_mission_kinds, 3, s);
  if (i < 0) return false;
  *out = (gp_mission_kind)i;
  return true;
}
const char *gp_target_kind_name(gp_target_kind k) { return gp_target_kinds[k]; }
bool gp_target_kind_parse(const char *s, gp_target_kind *out) {
  int i = gp_lookup(gp_target_kinds, 4, s);
  if (i < 0) return false;
  *out = (gp_target_kind)i;
  return true;
}
const char *gp_direction_name(gp_direction d) { return gp_directions[d]; }
bool gp_direction_parse(const char *s, gp_direction *out) {
  int i = gp_lookup(gp_directions, 2, s);
  if (i < 0) return false;
  *out = (gp_direction)i;
  return true;
}

gp_code gp_plan_validate(const gp_plan *p, gp_error *err) {
  char path[96];
  for (size_t i = 0; i < p->nmetrics; i++)
    for (size_t j = 0; j < i; j++)
      if (!strcmp(p->metrics[i].id, p->metrics[j].id)) {
        snprintf(path, sizeof path, "plan.metrics[%zu].id", i);
        return gp_fail(err, GP_EINVAL, path, "duplicate metric id '%s' (also metrics[%zu])",
                       p->metrics[i].id, j);
      }
  for (size_t i = 0; i < p->ntargets; i++) {
    const gp_target *t = &p->targets[i];
    for (size_t j = 0; j < i; j++)
      if (!strcmp(t->id, p->targets[j].id)) {
        snprintf(path, sizeof path, "plan.targets[%zu].id", i);
        return gp_fail(err, GP_EINVAL, path, "duplicate target id '%s' (also targets[%zu])", t->id,
                       j);
      }
    if (!gp_plan_metric(p, t->metric)) {
      snprintf(path, sizeof path, "plan.targets[%zu].metric", i);
      return gp_fail(err, GP_EINVAL, path, "unknown metric '%s'", t->metric);
    }
    if (gp_period_cmp(&t->baseline.parsed, &t->target.parsed) >= 0) {
      snprintf(path, sizeof path, "plan.targets[%zu].target.period", i);
      return gp_fail(err, GP_EINVAL, path, "target period %s is not after the baseline period %s",
                     t->target.period, t->baseline.period);
    }
    const gp_period *prev = &t->baseline.parsed;
    for (size_t k = 0; k < t->ntraj; k++) {
      snprintf(path, sizeof path, "plan.targets[%zu].trajectory[%zu].period", i, k);
      if (gp_period_cmp(prev, &t->traj[k].parsed) >= 0)
        return gp_fail(err, GP_EINVAL, path,
                       "trajectory points must be in time order, after the baseline (%s)",
                       t->baseline.period);
      if (gp_period_cmp(&t->traj[k].parsed, &t->target.parsed) >= 0)
        return gp_fail(err, GP_EINVAL, path,
                       "trajectory point %s is not before the target period %s", t->traj[k].period,
                       t->target.period);
      prev = &t->traj[k].parsed;
    }
  }
  return GP_OK;
}
