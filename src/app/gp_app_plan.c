/*
 * gp_app_plan — applying and loading plans; see gp_app.h.
 *
 * Applying compares the new plan with the stored one target by target: a
 * target whose baseline or target (period or value) changed is a rebaseline
 * and needs a reason; the store keeps its previous version. Everything runs
 * in one transaction, so a refused plan leaves the database as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "io/gp_planfile.h"
#include "model/gp_graph.h"

gp_code gp_app_plan_load(gp_store *s, const char *mission_id, long version, gp_plan **out,
                         gp_error *err) {
  char *doc = NULL;
  long v;
  *out = NULL;
  gp_code rc = gp_store_plan_version(s, mission_id, version, &doc, &v, err);
  if (rc) return rc;
  rc = gp_planfile_parse(doc, strlen(doc), "stored plan", out, err);
  free(doc);
  return rc;
}

gp_code gp_app_assumption_check(gp_store *s, const char *mission_id, const char *assumption_id,
                                const char *mission_arg, const char *assumption_arg,
                                gp_error *err) {
  const char *ma = mission_arg ? mission_arg : "--mission";
  const char *aa = assumption_arg ? assumption_arg : "--assumption";
  if (!mission_id) return gp_fail(err, GP_EINVAL, aa, "an assumption needs its mission");
  gp_plan *p = NULL;
  gp_error e2;
  gp_error_clear(&e2);
  gp_code rc = gp_app_plan_load(s, mission_id, 0, &p, &e2);
  if (rc == GP_ENOTFOUND) return gp_fail(err, GP_ENOTFOUND, ma, "no mission '%s'", mission_id);
  if (rc) {
    if (err) *err = e2;
    return rc;
  }
  bool found = false;
  for (size_t i = 0; p->graph && i < p->graph->nassumptions && !found; i++)
    found = !strcmp(p->graph->assumptions[i].id, assumption_id);
  gp_plan_free(p);
  if (!found)
    return gp_fail(err, GP_ENOTFOUND, aa, "mission '%s' has no assumption '%s'", mission_id,
                   assumption_id);
  return GP_OK;
}

static bool gp_point_same(const gp_point *a, const gp_point *b) {
  return !strcmp(a->period, b->period) && a->value == b->value;
}

typedef struct gp_apply_ctx {
  const gp_plan *plan;  /* the plan to apply */
  const char *reason;   /* --reason */
  const char *actor;    /* who */
  gp_apply_result *res; /* what happened */
} gp_apply_ctx;

static gp_code gp_apply_tx(gp_store *s, void *vctx, gp_error *err) {
  gp_apply_ctx *c = vctx;
  const gp_plan *p = c->plan;
  gp_apply_result *res = c->res;
  memset(res, 0, sizeof *res);
  bool exists = false;
  gp_code rc = gp_store_mission_exists(s, p->mission.id, &exists, NULL, err);
  if (rc) return rc;
  res->created = !exists;

  /* Rebaselined targets: same id, different baseline or target. */
  const char **rebased = calloc(p->ntargets + 1, sizeof *rebased);
  if (!rebased) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  size_t nreb = 0;
  if (exists) {
    gp_plan *old = NULL;
    if ((rc = gp_app_plan_load(s, p->mission.id, 0, &old, err))) goto done;
    for (size_t i = 0; i < p->ntargets; i++)
      for (size_t j = 0; j < old->ntargets; j++)
        if (!strcmp(p->targets[i].id, old->targets[j].id) &&
            (!gp_point_same(&p->targets[i].baseline, &old->targets[j].baseline) ||
             !gp_point_same(&p->targets[i].target, &old->targets[j].target))) {
          rebased[nreb++] = p->targets[i].id;
          if (!c->reason || !*c->reason) {
            char path[64];
            snprintf(path, sizeof path, "plan.targets[%zu]", i);
            rc = gp_fail(err, GP_EINVAL, path,
                         "target '%s' changes from %s %g (baseline %s %g) to %s %g (baseline %s "
                         "%g): that is a rebaseline; give a reason (--reason, or ?reason= in the "
                         "API)",
                         p->targets[i].id, old->targets[j].target.period,
                         old->targets[j].target.value, old->targets[j].baseline.period,
                         old->targets[j].baseline.value, p->targets[i].target.period,
                         p->targets[i].target.value, p->targets[i].baseline.period,
                         p->targets[i].baseline.value);
            gp_plan_free(old);
            goto done;
          }
        }
    gp_plan_free(old);
  }

  /* Floor targets need a metric with breakdowns (once it has data). */
  for (size_t i = 0; i < p->ntargets; i++) {
    if (p->targets[i].kind != GP_TARGET_FLOOR) continue;
    long total = 0, broken = 0;
    gp_arena tmp = GP_ARENA_INIT;
    gp_metric m;
    char owner[65];
    gp_code r2 = gp_store_metric_get(s, p->targets[i].metric, &tmp, &m, owner, NULL);
    gp_arena_free(&tmp);
    if (r2 == GP_OK && (rc = gp_store_obs_counts(s, p->targets[i].metric, &total, &broken, err)))
      goto done;
    if (total > 0 && broken == 0) {
      char path[64];
      snprintf(path, sizeof path, "plan.targets[%zu].kind", i);
      rc = gp_fail(err, GP_EINVAL, path,
                   "a floor target applies to every place, group or unit, but metric '%s' has "
                   "%ld observations and none with a breakdown",
                   p->targets[i].metric, total);
      goto done;
    }
  }

  char *doc = gp_planfile_dump(p);
  if (!doc) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto done;
  }
  long before = 0;
  char *cur = NULL;
  if (exists && gp_store_plan_version(s, p->mission.id, 0, &cur, &before, NULL) == GP_OK)
    res->changed = strcmp(cur, doc) != 0;
  else
    res->changed = true;
  free(cur);
  gp_plan_save save = {.document = doc,
                       .actor = c->actor,
                       .reason = c->reason,
                       .rebaselined = rebased,
                       .nrebaselined = nreb};
  rc = gp_store_plan_save(s, p, &save, err);
  free(doc);
  if (rc) goto done;
  res->version = before + (res->changed ? 1 : 0);
  res->nrebaselined = nreb;
  for (size_t i = 0; i < nreb && i < 8; i++)
    snprintf(res->rebaselined[i], sizeof res->rebaselined[i], "%s", rebased[i]);
done:
  free(rebased);
  return rc;
}

gp_code gp_app_plan_apply(gp_store *s, const gp_plan *p, const char *reason, const char *actor,
                          gp_apply_result *res, gp_error *err) {
  gp_apply_ctx c = {p, reason, actor, res};
  return gp_store_run(s, gp_apply_tx, &c, err);
}
