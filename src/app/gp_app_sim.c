/*
 * gp_app_sim — simulations and optimisations of a mission's game plan, as
 * the CLI and the API run them: the shared option rules (named target,
 * learning from tests on), the plan version they ran on, and the stored
 * last run; see gp_app.h.
 */
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "io/gp_json.h"
#include "io/gp_simjson.h"

gp_code gp_app_target_index(const gp_plan *p, const char *target, const char *arg, long *out,
                            gp_error *err) {
  for (size_t k = 0; k < p->ntargets; k++)
    if (!strcmp(p->targets[k].id, target)) {
      *out = (long)k;
      return GP_OK;
    }
  return gp_fail(err, GP_EINVAL, arg, "the plan has no target '%s'", target);
}

gp_code gp_app_simulate(const gp_plan *p, const gp_app_sim_req *q, gp_sim_result **result,
                        json_t **doc, gp_error *err) {
  gp_sim_options o = q->opts;
  gp_code rc;
  if (q->target && (rc = gp_app_target_index(p, q->target, q->target_arg, &o.primary, err)))
    return rc;
  o.learn = true; /* show what the tests taught (the learning loop) */
  gp_sim_result *r = NULL;
  if ((rc = gp_sim_run(p, &o, &r, err))) return rc;
  json_t *d = gp_simjson_result(p, r);
  if (!d) {
    gp_sim_result_free(r);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  *doc = d;
  if (result)
    *result = r;
  else
    gp_sim_result_free(r);
  return GP_OK;
}

gp_code gp_app_optimise(const gp_plan *p, const gp_opt_options *opts, const char *target,
                        const char *target_arg, const char *search_arg, gp_opt_result **result,
                        json_t **doc, gp_error *err) {
  gp_opt_options o = *opts;
  gp_code rc = gp_app_target_index(p, target, target_arg, &o.target, err);
  if (rc) return rc;
  if (o.search == GP_OPT_EXHAUSTIVE) {
    /* 2^n portfolios: beyond 30 activities that is no longer a search. */
    size_t n = 0;
    for (size_t i = 0; p->graph && i < p->graph->nnodes; i++)
      n += p->graph->nodes[i].kind == GP_NODE_ACTIVITY;
    if (n > 30)
      return gp_fail(err, GP_EINVAL, search_arg, "exhaustive search allows at most 30 activities");
  }
  gp_opt_result *r = NULL;
  if ((rc = gp_optimise_run(p, &o, &r, err))) return rc;
  json_t *d = gp_simjson_optimise(p, r);
  if (!d) {
    gp_opt_result_free(r);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  *doc = d;
  if (result)
    *result = r;
  else
    gp_opt_result_free(r);
  return GP_OK;
}

/* Loads the mission's plan (version <= 0: current) and says which version. */
static gp_code gp_load_version(gp_store *s, const char *mission_id, long version, gp_plan **p,
                               long *got, gp_error *err) {
  char *text = NULL;
  gp_code rc = gp_store_plan_version(s, mission_id, version, &text, got, err);
  if (rc) return rc;
  free(text);
  return gp_app_plan_load(s, mission_id, *got, p, err);
}

gp_code gp_app_mission_run(gp_store *s, const char *mission_id, const gp_app_run_req *q,
                           json_t **out, gp_error *err) {
  gp_code rc = gp_app_mission_visible(s, mission_id, q->authed, err);
  if (rc) return rc;
  gp_plan *p = NULL;
  long version = 0;
  if ((rc = gp_load_version(s, mission_id, q->version, &p, &version, err))) return rc;
  json_t *doc = NULL;
  if (q->optimise)
    rc = gp_app_optimise(p, &q->opt, q->sim.target, "body.target", "body.search", NULL, &doc, err);
  else
    rc = gp_app_simulate(p, &q->sim, NULL, &doc, err);
  gp_plan_free(p);
  if (rc) return rc;
  json_object_set_new(doc, "mission", json_string(mission_id));
  json_object_set_new(doc, "plan_version", json_integer(version));
  if (q->store_result) {
    char *text = gp_json_dump(doc);
    json_t *params = json_pack("{s:I, s:I, s:s?}", "draws",
                               (json_int_t)(q->optimise ? q->opt.draws : q->sim.opts.draws), "seed",
                               (json_int_t)(q->optimise ? q->opt.seed : q->sim.opts.seed), "target",
                               q->sim.target);
    char *ptext = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    rc = text && ptext
             ? gp_store_run_save(s, mission_id, q->optimise ? "optimise" : "simulate", version,
                                 q->actor ? q->actor : "unknown", ptext, text, err)
             : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    free(text);
    free(ptext);
    json_decref(params);
    if (rc) {
      json_decref(doc);
      return rc;
    }
  }
  *out = doc;
  return GP_OK;
}

gp_code gp_app_last_run(gp_store *s, const char *mission_id, const char *kind, bool authed,
                        json_t **out, gp_error *err) {
  gp_code rc = gp_app_mission_visible(s, mission_id, authed, err);
  if (rc) return rc;
  char *text = NULL, at[40];
  long version = 0, current = 0;
  if ((rc = gp_store_run_last(s, mission_id, kind, &text, &version, at, err))) return rc;
  json_t *doc = gp_json_parse(text, strlen(text), "stored run", err);
  free(text);
  if (!doc) return err ? err->code : GP_EINTERNAL;
  char *cur = NULL;
  if (gp_store_plan_version(s, mission_id, 0, &cur, &current, NULL) == GP_OK) free(cur);
  json_object_set_new(doc, "stored_at", json_string(at));
  json_object_set_new(doc, "current_plan_version", json_integer(current));
  *out = doc;
  return GP_OK;
}

static void gp_version_cb(void *ctx, const gp_plan_version_row *row) {
  json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s?}", "version", (json_int_t)row->version,
                                       "created_at", row->created_at, "actor", row->actor, "reason",
                                       row->reason));
}

gp_code gp_app_plan_versions_doc(gp_store *s, const char *mission_id, bool authed, json_t **out,
                                 gp_error *err) {
  gp_code rc = gp_app_mission_visible(s, mission_id, authed, err);
  if (rc) return rc;
  json_t *arr = json_array();
  if ((rc = gp_store_plan_versions(s, mission_id, gp_version_cb, arr, err))) {
    json_decref(arr);
    return rc;
  }
  *out = json_pack("{s:s, s:o}", "mission", mission_id, "versions", arr);
  return GP_OK;
}
