/*
 * gp_http_trials — experiments over the API: POST /api/v1/trials/power (JSON
 * parameters), /api/v1/trials/analyse and /api/v1/trials/adapt (a CSV body,
 * options in the query string), each replying with the document of the
 * matching `gameplan trial ... --json`; and POST
 * /api/v1/missions/{id}/trial-link (token), which records an analysis
 * result as a test of an assumption and replies with the new plan version.
 *
 * The computations write nothing, so they are open to visitors; their cost
 * is bounded by the body limit (GP_HTTP_MAX_BODY) and GP_HTTP_TRIAL_MAX_DRAWS.
 * Errors that the shared code names after a CLI option ("--outcome") are
 * reported with the query parameter's name ("outcome"); CSV positions read
 * "body:LINE:COLUMN".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "http/gp_http_handlers.h"
#include "io/gp_json.h"

enum {
  GP_HTTP_TRIAL_MAX_LIST = 64,      /* most items in a comma-separated parameter */
  GP_HTTP_TRIAL_MAX_DRAWS = 1000000 /* most Monte Carlo draws of one adapt request */
};

/* A comma-separated query parameter split in place (a copy owned here). */
typedef struct gp_qlist {
  char *copy;                               /* the strdup'd text */
  const char *item[GP_HTTP_TRIAL_MAX_LIST]; /* the items */
  int n;                                    /* how many */
} gp_qlist;

/* Splits the query parameter name (absent: an empty list). */
static gp_code gp_qsplit(const gp_http_req *req, const char *name, gp_qlist *l, gp_error *err) {
  memset(l, 0, sizeof *l);
  const char *s = gp_http_query(req, name);
  if (!s || !*s) return GP_OK;
  l->copy = strdup(s);
  if (!l->copy) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  char *p = l->copy;
  for (;;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    if (!*p) return gp_fail(err, GP_EINVAL, name, "empty item in '%s'", s);
    if (l->n == GP_HTTP_TRIAL_MAX_LIST)
      return gp_fail(err, GP_EINVAL, name, "more than %d items", GP_HTTP_TRIAL_MAX_LIST);
    l->item[l->n++] = p;
    if (!comma) break;
    p = comma + 1;
  }
  return GP_OK;
}

/* Reads the query parameter name as a number into *out when present. */
static gp_code gp_qnum(const gp_http_req *req, const char *name, double *out, gp_error *err) {
  const char *s = gp_http_query(req, name);
  if (!s) return GP_OK;
  char *end;
  double v = strtod(s, &end);
  if (!*s || *end || !isfinite(v)) return gp_fail(err, GP_EINVAL, name, "'%s' is not a number", s);
  *out = v;
  return GP_OK;
}

/* Whether the query flag name is on ("1" or "true"); anything else but "0"/"false" is an error. */
static gp_code gp_qflag(const gp_http_req *req, const char *name, bool *out, gp_error *err) {
  const char *s = gp_http_query(req, name);
  if (!s) return GP_OK;
  if (!strcmp(s, "1") || !strcmp(s, "true") || !*s)
    *out = true;
  else if (!strcmp(s, "0") || !strcmp(s, "false"))
    *out = false;
  else
    return gp_fail(err, GP_EINVAL, name, "'%s': use 1 or 0", s);
  return GP_OK;
}

/* Renames a CLI option in err->path ("--outcome") to its query parameter ("outcome"). */
static gp_code gp_api_path(gp_code rc, gp_error *err) {
  if (rc && err && !strncmp(err->path, "--", 2))
    memmove(err->path, err->path + 2, strlen(err->path + 2) + 1);
  return rc;
}

/* Fails unless the request has a CSV body. */
static gp_code gp_need_body(const gp_http_req *req, gp_error *err) {
  if (!req->body_len) return gp_fail(err, GP_EINVAL, "body", "send the CSV as the request body");
  return GP_OK;
}

static const char *const gp_power_keys[] = {
    "sd",           "p0",    "n",         "mde",        "power",  "alpha", "icc",
    "cluster_size", "ratio", "one_sided", "sequential", "tuning", NULL};

gp_code gp_h_trial_power(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  json_t *b = gp_http_body_json(req, err);
  if (!b) return err->code;
  gp_trial_power_spec s = {.kind = GP_TRIAL_MEANS,
                           .sd = NAN,
                           .p0 = NAN,
                           .n = NAN,
                           .mde = NAN,
                           .power = NAN,
                           .alpha = 0.05,
                           .icc = 0,
                           .cluster_size = 1,
                           .ratio = 1,
                           .tuning = 5000};
  bool have_sd = false, have_p0 = false, have_icc = false, have_m = false;
  gp_code rc = gp_json_check_keys(b, gp_power_keys, "body", err);
  if (!rc) rc = gp_json_number(b, "sd", false, "body", &s.sd, &have_sd, err);
  if (!rc) rc = gp_json_number(b, "p0", false, "body", &s.p0, &have_p0, err);
  if (!rc) rc = gp_json_number(b, "n", false, "body", &s.n, NULL, err);
  if (!rc) rc = gp_json_number(b, "mde", false, "body", &s.mde, NULL, err);
  if (!rc) rc = gp_json_number(b, "power", false, "body", &s.power, NULL, err);
  if (!rc) rc = gp_json_number(b, "alpha", false, "body", &s.alpha, NULL, err);
  if (!rc) rc = gp_json_number(b, "icc", false, "body", &s.icc, &have_icc, err);
  if (!rc) rc = gp_json_number(b, "cluster_size", false, "body", &s.cluster_size, &have_m, err);
  if (!rc) rc = gp_json_number(b, "ratio", false, "body", &s.ratio, NULL, err);
  if (!rc) rc = gp_json_number(b, "tuning", false, "body", &s.tuning, NULL, err);
  static const char *const flags[] = {"one_sided", "sequential"};
  for (int i = 0; !rc && i < 2; i++) {
    json_t *v = json_object_get(b, flags[i]);
    if (v && !json_is_boolean(v)) {
      char where[64];
      snprintf(where, sizeof where, "body.%s", flags[i]);
      rc = gp_fail(err, GP_EINVAL, where, "must be true or false");
    } else if (v) {
      *(i ? &s.sequential : &s.one_sided) = json_is_true(v);
    }
  }
  json_decref(b);
  if (rc) return rc;
  if (have_sd == have_p0)
    return gp_fail(err, GP_EINVAL, "body", "give exactly one of sd (means) or p0 (proportions)");
  if (have_icc != have_m)
    return gp_fail(err, GP_EINVAL, "body", "icc and cluster_size go together");
  if (have_p0) s.kind = GP_TRIAL_PROPORTIONS;
  rc = gp_app_trial_power(&s, &resp->json, err);
  if (rc && err && !strncmp(err->path, "--", 2)) { /* "--sd" -> "body.sd"; several: "body" */
    char p[256] = "body";
    if (!strchr(err->path, '/')) {
      snprintf(p, sizeof p, "body.%s", err->path + 2);
      for (char *c = p; *c; c++)
        if (*c == '-') *c = '_';
    }
    memcpy(err->path, p, sizeof err->path);
  }
  return rc;
}

gp_code gp_h_trial_analyse(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_trialcsv_analyse_spec s = {.opts = {.alpha = 0.05, .tuning = 5000, .prior_sd = 0}};
  gp_qlist outcomes, covs, ratio;
  double rv[GP_HTTP_TRIAL_MAX_LIST];
  memset(&covs, 0, sizeof covs);
  memset(&ratio, 0, sizeof ratio);
  bool have_tuning = gp_http_query(req, "tuning") != NULL;
  gp_code rc = gp_qsplit(req, "outcome", &outcomes, err);
  if (!rc) rc = gp_qsplit(req, "covariates", &covs, err);
  if (!rc) rc = gp_qsplit(req, "ratio", &ratio, err);
  for (int i = 0; !rc && i < ratio.n; i++) {
    char *end;
    rv[i] = strtod(ratio.item[i], &end);
    if (*end || !(rv[i] > 0) || !isfinite(rv[i]))
      rc = gp_fail(err, GP_EINVAL, "ratio", "ratios must be numbers > 0");
  }
  if (!rc) rc = gp_qflag(req, "binary", &s.binary, err);
  if (!rc) rc = gp_qflag(req, "sequential", &s.opts.sequential, err);
  if (!rc) rc = gp_qnum(req, "alpha", &s.opts.alpha, err);
  if (!rc) rc = gp_qnum(req, "tuning", &s.opts.tuning, err);
  if (!rc) rc = gp_qnum(req, "prior_mean", &s.opts.prior_mean, err);
  if (!rc) rc = gp_qnum(req, "prior_sd", &s.opts.prior_sd, err);
  if (!rc && gp_http_query(req, "prior_sd") && !(s.opts.prior_sd > 0))
    rc = gp_fail(err, GP_EINVAL, "prior_sd", "must be > 0");
  if (!rc) rc = gp_qnum(req, "threshold", &s.opts.threshold, err);
  s.arm = gp_http_query(req, "arm");
  s.control = gp_http_query(req, "control");
  s.cluster = gp_http_query(req, "cluster");
  s.strata = gp_http_query(req, "strata");
  s.look = gp_http_query(req, "look");
  if (s.control && !*s.control) s.control = NULL;
  if (s.cluster && !*s.cluster) s.cluster = NULL;
  if (s.strata && !*s.strata) s.strata = NULL;
  if (s.look && !*s.look) s.look = NULL;
  if (!rc && !outcomes.n) rc = gp_fail(err, GP_EINVAL, "outcome", "give the outcome column");
  if (!rc && (!s.arm || !*s.arm)) rc = gp_fail(err, GP_EINVAL, "arm", "give the arm column");
  if (!rc && (have_tuning || s.look) && !s.opts.sequential)
    rc = gp_fail(err, GP_EINVAL, have_tuning ? "tuning" : "look", "goes with sequential=1");
  if (!rc) rc = gp_need_body(req, err);
  if (!rc) {
    s.path = "body";
    s.data = req->body;
    s.data_len = req->body_len;
    s.outcomes = outcomes.item;
    s.n_outcomes = outcomes.n;
    s.covariates = covs.item;
    s.n_covariates = covs.n;
    s.ratio = ratio.n ? rv : NULL;
    s.n_ratio = ratio.n;
    rc = gp_api_path(gp_app_trial_analyse(&s, &resp->json, err), err);
  }
  free(outcomes.copy), free(covs.copy), free(ratio.copy);
  return rc;
}

gp_code gp_h_trial_adapt(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_app_trial_adapt_req q = {
      .name = "body", .floor_w = 0.01, .threshold = 0.95, .draws = 100000, .seed = 1};
  gp_qlist arms;
  double draws = 100000, seed = 1;
  gp_code rc = gp_qsplit(req, "arms", &arms, err);
  if (!rc) rc = gp_qflag(req, "binary", &q.binary, err);
  if (!rc) rc = gp_qnum(req, "floor", &q.floor_w, err);
  if (!rc) rc = gp_qnum(req, "threshold", &q.threshold, err);
  if (!rc) rc = gp_qnum(req, "draws", &draws, err);
  if (!rc && (draws < 1000 || draws > GP_HTTP_TRIAL_MAX_DRAWS || draws != floor(draws)))
    rc = gp_fail(err, GP_EINVAL, "draws", "must be a whole number from 1000 to %d",
                 GP_HTTP_TRIAL_MAX_DRAWS);
  if (!rc) rc = gp_qnum(req, "seed", &seed, err);
  if (!rc && (seed < 0 || seed > 9007199254740991.0 || seed != floor(seed)))
    rc = gp_fail(err, GP_EINVAL, "seed", "must be a whole number >= 0");
  if (!rc && arms.n == 0) rc = gp_fail(err, GP_EINVAL, "arms", "give the arms, e.g. arms=A,B");
  if (!rc) rc = gp_need_body(req, err);
  if (!rc) {
    q.data = req->body;
    q.data_len = req->body_len;
    q.arm_col = gp_http_query(req, "arm");
    q.outcome_col = gp_http_query(req, "outcome");
    q.arms = arms.item;
    q.n_arms = arms.n;
    q.draws = (long)draws;
    q.seed = (unsigned long long)seed;
    rc = gp_api_path(gp_app_trial_adapt(&q, &resp->json, err), err);
  }
  free(arms.copy);
  return rc;
}

gp_code gp_h_trial_link(gp_http_req *req, gp_http_resp *resp, gp_error *err) {
  gp_code rc = gp_http_require_auth(req, err);
  if (rc) return rc;
  gp_app_trial_link_req q = {.name = "body",
                             .mission = req->params[0],
                             .assumption = gp_http_query(req, "assumption"),
                             .method = gp_http_query(req, "method"),
                             .outcome = gp_http_query(req, "outcome"),
                             .arm = gp_http_query(req, "arm"),
                             .estimator = gp_http_query(req, "estimator"),
                             .test_id = gp_http_query(req, "id"),
                             .actor = req->actor,
                             .arg_prefix = ""};
  if (!q.assumption || !*q.assumption)
    return gp_fail(err, GP_EINVAL, "assumption", "give the assumption id");
  if ((rc = gp_app_mission_visible(req->store, q.mission, true, err))) return rc;
  json_t *b = gp_http_body_json(req, err);
  if (!b) return err->code;
  q.result = b;
  rc = gp_app_trial_link(req->store, &q, &resp->json, err);
  json_decref(b);
  return rc;
}
