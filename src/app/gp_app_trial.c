/*
 * gp_app_trial — the trial operations the CLI (`gameplan trial`) and the API
 * (/api/v1/trials/..., /api/v1/missions/{id}/trial-link) share: record an
 * analysis result as a test of an assumption of a mission's game plan, and
 * run a power calculation, an analysis or an adaptive allocation returning
 * the --json documents of io/gp_trialjson.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/gp_app.h"
#include "engine/gp_trial_adapt.h"
#include "engine/gp_trial_rand.h"
#include "io/gp_planfile.h"
#include "io/gp_trialjson.h"

/* Most arms an adaptive allocation may have. */
#define GP_APP_TRIAL_MAX_ARMS 64

/* Writes prefix+name into buf (an argument name as the caller spells it). */
static const char *gp_arg(char *buf, size_t n, const char *prefix, const char *name) {
  snprintf(buf, n, "%s%s", prefix ? prefix : "", name);
  return buf;
}

/* The comparison of an analysis document to record: the given outcome, arm
 * and estimator, each defaulting to the only one there (estimator: lin, else
 * ols, else difference_in_means). NULL with an error otherwise. */
static json_t *gp_pick(const json_t *doc, const gp_app_trial_link_req *q, gp_error *err) {
  char a1[64], a2[64];
  json_t *comps = json_object_get(doc, "comparisons");
  if (!json_is_array(comps) || json_array_size(comps) == 0) {
    gp_fail(err, GP_EINVAL, q->name, "not a `trial analyse --json` result: no \"comparisons\"");
    return NULL;
  }
  static const char *const order[] = {"lin", "ols", "difference_in_means"};
  for (int pass = 0; pass < 3; pass++) {
    const char *est = q->estimator ? q->estimator : order[pass];
    json_t *found = NULL;
    int n = 0;
    size_t i;
    json_t *c;
    json_array_foreach(comps, i, c) {
      const char *co = json_string_value(json_object_get(c, "outcome"));
      const char *ca = json_string_value(json_object_get(c, "arm"));
      const char *ce = json_string_value(json_object_get(c, "estimator"));
      if (!co || !ca || !ce || strcmp(ce, est)) continue;
      if ((q->outcome && strcmp(co, q->outcome)) || (q->arm && strcmp(ca, q->arm))) continue;
      found = c;
      n++;
    }
    if (n > 1) {
      char both[140];
      snprintf(both, sizeof both, "%s/%s", gp_arg(a1, sizeof a1, q->arg_prefix, "arm"),
               gp_arg(a2, sizeof a2, q->arg_prefix, "outcome"));
      gp_fail(err, GP_EINVAL, both, "%s has %d '%s' comparisons: say which with %s and %s", q->name,
              n, est, a2, a1);
      return NULL;
    }
    if (n == 1) return found;
    if (q->estimator) break;
  }
  gp_fail(err, GP_ENOTFOUND, gp_arg(a1, sizeof a1, q->arg_prefix, "estimator"),
          "no matching comparison in %s", q->name);
  return NULL;
}

gp_code gp_app_trial_link(gp_store *s, const gp_app_trial_link_req *q, json_t **out,
                          gp_error *err) {
  char arg[64];
  const char *method = q->method ? q->method : "rct";
  *out = NULL;
  if (strcmp(method, "rct") && strcmp(method, "adaptive_trial") &&
      strcmp(method, "quasi_experiment"))
    return gp_fail(err, GP_EINVAL, gp_arg(arg, sizeof arg, q->arg_prefix, "method"),
                   "'%s': use rct, adaptive_trial or quasi_experiment", method);
  if (!json_is_object(q->result))
    return gp_fail(err, GP_EINVAL, q->name, "not a `trial analyse --json` result: not an object");
  json_t *c = gp_pick(q->result, q, err);
  if (!c) return err ? err->code : GP_EINVAL;
  double est = json_number_value(json_object_get(c, "estimate"));
  double se = json_number_value(json_object_get(c, "std_error"));
  if (!(se > 0 && isfinite(est) && isfinite(se)))
    return gp_fail(err, GP_EINVAL, q->name,
                   "the comparison has no finite estimate and standard error");
  /* n: units in the two arms compared */
  double n = 0;
  const char *ca = json_string_value(json_object_get(c, "arm"));
  const char *cc = json_string_value(json_object_get(c, "control"));
  const char *co = json_string_value(json_object_get(c, "outcome"));
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(q->result, "arms"), i, x) {
    const char *xa = json_string_value(json_object_get(x, "arm"));
    const char *xo = json_string_value(json_object_get(x, "outcome"));
    if (xa && xo && co && !strcmp(xo, co) && ((ca && !strcmp(xa, ca)) || (cc && !strcmp(xa, cc))))
      n += json_number_value(json_object_get(x, "n"));
  }
  const char *ce = json_string_value(json_object_get(c, "estimator"));
  const char *cs = json_string_value(json_object_get(c, "se_type"));
  char text[512];
  snprintf(text, sizeof text,
           "%s vs %s on %s (%s, %s): estimate %.6g, 95%% CI %.6g to %.6g, p = %.3g; from %s",
           ca ? ca : "?", cc ? cc : "?", co ? co : "?", ce ? ce : "?", cs ? cs : "?", est,
           json_number_value(json_object_get(c, "conf_low")),
           json_number_value(json_object_get(c, "conf_high")),
           json_number_value(json_object_get(c, "p_value")), q->name);

  gp_plan *plan = NULL, *next = NULL;
  json_t *doc = NULL;
  gp_apply_result ar;
  char idbuf[96];
  const char *test_id = q->test_id;
  gp_code rc;
  if ((rc = gp_app_plan_load(s, q->mission, 0, &plan, err))) goto done;
  doc = gp_planfile_to_json(plan);
  if (!doc) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto done;
  }
  bool known = false;
  json_array_foreach(json_object_get(doc, "assumptions"), i, x) {
    const char *id = json_string_value(json_object_get(x, "id"));
    if (id && !strcmp(id, q->assumption)) known = true;
  }
  if (!known) {
    rc = gp_fail(err, GP_ENOTFOUND, gp_arg(arg, sizeof arg, q->arg_prefix, "assumption"),
                 "mission '%s' has no assumption '%s'", q->mission, q->assumption);
    goto done;
  }
  json_t *tests = json_object_get(doc, "tests");
  if (!json_is_array(tests)) {
    tests = json_array();
    json_object_set_new(doc, "tests", tests);
  }
  if (!test_id) { /* trial-ASSUMPTION-K, the first K not taken */
    for (int k = 1;; k++) {
      snprintf(idbuf, sizeof idbuf, "trial-%.64s-%d", q->assumption, k);
      bool taken = false;
      json_array_foreach(tests, i, x) {
        const char *id = json_string_value(json_object_get(x, "id"));
        if (id && !strcmp(id, idbuf)) taken = true;
      }
      if (!taken) break;
    }
    test_id = idbuf;
  }
  json_t *t = json_object();
  json_object_set_new(t, "id", json_string(test_id));
  json_object_set_new(t, "assumption", json_string(q->assumption));
  json_object_set_new(t, "method", json_string(method));
  json_object_set_new(t, "status", json_string("done"));
  json_object_set_new(t, "result", json_string(text));
  json_t *e = json_object();
  json_object_set_new(e, "mean", json_real(est));
  json_object_set_new(e, "se", json_real(se));
  if (n >= 1) json_object_set_new(e, "n", json_integer((json_int_t)n));
  json_object_set_new(t, "estimate", e);
  json_array_append_new(tests, t);
  if ((rc = gp_planfile_from_json(doc, &next, err))) goto done;
  if ((rc = gp_app_plan_apply(s, next, NULL, q->actor ? q->actor : "cli", &ar, err))) goto done;
  *out = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:I}", "mission", q->mission, "test", test_id,
                   "assumption", q->assumption, "method", method, "estimate", est, "std_error", se,
                   "version", (json_int_t)ar.version);
  if (!*out) rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
done:
  json_decref(doc);
  gp_plan_free(plan);
  gp_plan_free(next);
  return rc;
}

gp_code gp_app_trial_power(const gp_trial_power_spec *spec, json_t **out, gp_error *err) {
  gp_trial_power_spec s = *spec;
  *out = NULL;
  if (isnan(s.power) && (isnan(s.n) != isnan(s.mde))) s.power = 0.8;
  gp_trial_power_result r;
  gp_code rc = gp_trial_power_solve(&s, &r, err);
  if (rc) return rc;
  *out = gp_trialjson_power(&s, &r);
  return *out ? GP_OK : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
}

gp_code gp_app_trial_analyse(const gp_trialcsv_analyse_spec *spec, json_t **out, gp_error *err) {
  gp_trialcsv_analysis an;
  *out = NULL;
  gp_code rc = gp_trialcsv_analyse(spec, &an, err);
  if (rc) return rc;
  *out = gp_trialjson_analysis(spec, &an);
  gp_trialcsv_analysis_free(&an);
  return *out ? GP_OK : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
}

gp_code gp_app_trial_adapt(const gp_app_trial_adapt_req *q, json_t **out, gp_error *err) {
  *out = NULL;
  if (q->n_arms < 2) return gp_fail(err, GP_EINVAL, "arms", "need at least two arms");
  if (q->n_arms > GP_APP_TRIAL_MAX_ARMS)
    return gp_fail(err, GP_EINVAL, "arms", "more than %d arms", GP_APP_TRIAL_MAX_ARMS);
  for (int i = 0; i < q->n_arms; i++)
    for (int j = 0; j < i; j++)
      if (!strcmp(q->arms[i], q->arms[j]))
        return gp_fail(err, GP_EINVAL, "arms", "arm '%s' is listed twice", q->arms[i]);
  gp_trial_arm_data data[GP_APP_TRIAL_MAX_ARMS];
  double pb[GP_APP_TRIAL_MAX_ARMS], w[GP_APP_TRIAL_MAX_ARMS];
  const char *arm_col = q->arm_col ? q->arm_col : "arm";
  const char *y_col = q->outcome_col ? q->outcome_col : "outcome";
  gp_code rc = q->data ? gp_trialcsv_arm_data_mem(q->name, q->data, q->data_len, arm_col, y_col,
                                                  q->binary, q->n_arms, q->arms, data, err)
                       : gp_trialcsv_arm_data(q->name, arm_col, y_col, q->binary, q->n_arms,
                                              q->arms, data, err);
  if (rc) return rc;
  gp_trial_rng rng;
  gp_trial_rng_seed(&rng, (uint64_t)q->seed);
  gp_trial_adapt_out res = {pb, w, 0, false};
  if ((rc = gp_trial_adapt(q->n_arms, data, q->binary, q->floor_w, q->threshold, q->draws, &rng,
                           &res, err)))
    return rc;
  *out = gp_trialjson_adapt(q->n_arms, q->arms, data, q->binary, q->floor_w, q->threshold, q->draws,
                            q->seed, &res);
  return *out ? GP_OK : gp_fail(err, GP_ENOMEM, NULL, "out of memory");
}
