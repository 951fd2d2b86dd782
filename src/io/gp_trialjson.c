/* gp_trialjson — JSON documents of the trial commands; see gp_trialjson.h. */
#include "io/gp_trialjson.h"

#include <math.h>
#include <string.h>

#include "io/gp_json.h"

json_t *gp_trialjson_power(const gp_trial_power_spec *s, const gp_trial_power_result *r) {
  json_t *o = json_object();
  gp_json_set(o, "n_per_arm", gp_json_num(r->n_per_arm));
  gp_json_set(o, "n_treatment", gp_json_num(r->n_treatment));
  gp_json_set(o, "n_per_arm_rounded", gp_json_num(ceil(r->n_per_arm - 1e-9)));
  gp_json_set(o, "clusters_per_arm",
              s->cluster_size > 1 ? gp_json_num(r->clusters_per_arm) : json_null());
  gp_json_set(o, "clusters_per_arm_rounded",
              s->cluster_size > 1 ? gp_json_num(ceil(r->clusters_per_arm - 1e-9)) : json_null());
  gp_json_set(o, "mde", gp_json_num(r->mde));
  gp_json_set(o, "power", gp_json_num(r->power));
  gp_json_set(o, "design_effect", gp_json_num(r->design_effect));
  gp_json_set(o, "effect_size", gp_json_num(r->effect_size));
  gp_json_set_str(o, "method", r->method);
  gp_json_set_str(o, "outcome", s->kind == GP_TRIAL_MEANS ? "means" : "proportions");
  gp_json_set(o, "alpha", gp_json_num(s->alpha));
  gp_json_set(o, "ratio", gp_json_num(s->ratio));
  gp_json_set(o, "one_sided", json_boolean(s->one_sided));
  gp_json_set(o, "sequential", json_boolean(s->sequential));
  if (s->sequential) gp_json_set(o, "tuning", gp_json_num(s->tuning));
  return o;
}

static json_t *gp_test_fields(json_t *o, const gp_trial_test *t) {
  gp_json_set(o, "estimate", gp_json_num(t->estimate));
  gp_json_set(o, "std_error", gp_json_num(t->std_error));
  gp_json_set(o, "statistic", gp_json_num(t->statistic));
  gp_json_set(o, "df", gp_json_num(t->df));
  gp_json_set(o, "conf_low", gp_json_num(t->conf_low));
  gp_json_set(o, "conf_high", gp_json_num(t->conf_high));
  gp_json_set(o, "p_value", gp_json_num(t->p_value));
  return o;
}

json_t *gp_trialjson_analysis(const gp_trialcsv_analyse_spec *s, const gp_trialcsv_analysis *a) {
  const gp_trial_result *r = &a->res;
  int O = r->n_out;
  json_t *doc = json_object();
  gp_json_set(doc, "n", gp_json_num(r->n));
  gp_json_set(doc, "alpha", gp_json_num(s->opts.alpha));
  gp_json_set_str(doc, "control", a->arm_names[r->comp ? r->comp[0].control : 0]);
  gp_json_set(doc, "clusters", r->n_clusters ? gp_json_num(r->n_clusters) : json_null());
  gp_json_set(doc, "strata", s->strata ? gp_json_num(r->n_strata) : json_null());
  json_t *arms = json_array();
  for (int k = 0; k < r->n_arms; k++) {
    for (int y = 0; y < O; y++) {
      json_t *x = json_object();
      gp_json_set_str(x, "arm", a->arm_names[k]);
      gp_json_set_str(x, "outcome", s->outcomes[y]);
      gp_json_set(x, "n", gp_json_num(r->arm_n[k]));
      gp_json_set(x, "mean", gp_json_num(r->arm_mean[k * O + y]));
      gp_json_set(x, "sd", gp_json_num(r->arm_sd[k * O + y]));
      json_array_append_new(arms, x);
    }
  }
  gp_json_set(doc, "arms", arms);
  json_t *comps = json_array(), *bayes = json_array(), *seq = json_array();
  for (int i = 0; i < r->n_comp; i++) {
    const gp_trial_comparison *c = &r->comp[i];
    json_t *x = json_object();
    gp_json_set_str(x, "outcome", s->outcomes[c->outcome]);
    gp_json_set_str(x, "arm", a->arm_names[c->arm]);
    gp_json_set_str(x, "control", a->arm_names[c->control]);
    gp_json_set_str(x, "estimator", c->estimator);
    gp_json_set_str(x, "se_type", c->se_type);
    gp_test_fields(x, &c->t);
    gp_json_set(x, "p_adjusted", gp_json_num(c->p_adjusted));
    gp_json_set(x, "p_bh", gp_json_num(c->p_bh));
    json_array_append_new(comps, x);
    if (!strcmp(c->estimator, "relative_risk")) continue;
    json_t *b = json_object();
    gp_json_set_str(b, "outcome", s->outcomes[c->outcome]);
    gp_json_set_str(b, "arm", a->arm_names[c->arm]);
    gp_json_set_str(b, "estimator", c->estimator);
    gp_json_set(b, "mean", gp_json_num(c->bayes.mean));
    gp_json_set(b, "sd", gp_json_num(c->bayes.sd));
    gp_json_set(b, "conf_low", gp_json_num(c->bayes.conf_low));
    gp_json_set(b, "conf_high", gp_json_num(c->bayes.conf_high));
    gp_json_set(b, "prob_positive", gp_json_num(c->bayes.prob_positive));
    gp_json_set(b, "threshold", gp_json_num(s->opts.threshold));
    gp_json_set(b, "prob_above_threshold", gp_json_num(c->bayes.prob_above));
    gp_json_set(b, "prior_mean",
                s->opts.prior_sd > 0 ? gp_json_num(s->opts.prior_mean) : json_null());
    gp_json_set(b, "prior_sd", s->opts.prior_sd > 0 ? gp_json_num(s->opts.prior_sd) : json_null());
    json_array_append_new(bayes, b);
    if (s->opts.sequential) {
      json_t *q = json_object();
      gp_json_set_str(q, "outcome", s->outcomes[c->outcome]);
      gp_json_set_str(q, "arm", a->arm_names[c->arm]);
      gp_json_set_str(q, "estimator", c->estimator);
      gp_json_set(q, "n", gp_json_num(c->n_pair));
      gp_json_set(q, "tuning", gp_json_num(s->opts.tuning));
      gp_json_set(q, "estimate", gp_json_num(c->t.estimate));
      gp_json_set(q, "conf_low", gp_json_num(c->seq.conf_low));
      gp_json_set(q, "conf_high", gp_json_num(c->seq.conf_high));
      gp_json_set(q, "p_value", gp_json_num(c->seq.p_value));
      json_array_append_new(seq, q);
    }
  }
  gp_json_set(doc, "comparisons", comps);
  json_t *srm = json_object();
  gp_json_set(srm, "chi2", gp_json_num(r->srm.chi2));
  gp_json_set(srm, "df", gp_json_num(r->srm.df));
  gp_json_set(srm, "p_value", gp_json_num(r->srm.p_value));
  gp_json_set(srm, "flag", json_boolean(r->srm.flag));
  gp_json_set_str(srm, "unit", r->srm_clusters ? "clusters" : "units");
  json_t *cnt = json_array();
  for (int k = 0; k < r->n_arms; k++)
    json_array_append_new(cnt, gp_json_num(r->srm_counts[k]));
  gp_json_set(srm, "counts", cnt);
  gp_json_set(doc, "srm", srm);
  gp_json_set(doc, "bayes", bayes);
  if (a->n_looks > 0) {
    json_t *path = json_array();
    int K = r->n_arms;
    for (int l = 0; l < a->n_looks; l++)
      for (int k = 0; k < K; k++) {
        if (k == (r->comp ? r->comp[0].control : 0)) continue;
        for (int y = 0; y < O; y++) {
          const gp_trial_look *lk = &a->path[((size_t)l * K + k) * O + y];
          json_t *x = json_object();
          gp_json_set_str(x, "look", a->look_names[l]);
          gp_json_set_str(x, "outcome", s->outcomes[y]);
          gp_json_set_str(x, "arm", a->arm_names[k]);
          gp_json_set(x, "n", gp_json_num(lk->n));
          gp_json_set(x, "estimate", gp_json_num(lk->estimate));
          gp_json_set(x, "std_error", gp_json_num(lk->std_error));
          gp_json_set(x, "conf_low", gp_json_num(lk->seq.conf_low));
          gp_json_set(x, "conf_high", gp_json_num(lk->seq.conf_high));
          gp_json_set(x, "p_value", gp_json_num(lk->seq.p_value));
          json_array_append_new(path, x);
        }
      }
    gp_json_set(doc, "sequential_path", path);
  }
  if (s->opts.sequential)
    gp_json_set(doc, "sequential", seq);
  else {
    json_decref(seq);
    gp_json_set(doc, "sequential", json_null());
  }
  return doc;
}

json_t *gp_trialjson_assignment(const gp_trialcsv_assign_spec *s, const gp_trialcsv_assignment *a) {
  json_t *doc = json_object();
  gp_json_set(doc, "n", gp_json_num((double)a->n_units));
  gp_json_set(doc, "clusters", a->n_clusters ? gp_json_num((double)a->n_clusters) : json_null());
  gp_json_set(doc, "blocks", gp_json_num((double)a->n_blocks));
  gp_json_set_str(doc, "design",
                  s->design == GP_TRIAL_DESIGN_SIMPLE ? "simple"
                                                      : (s->n_strata ? "blocked" : "complete"));
  gp_json_set(doc, "seed", json_integer((json_int_t)s->seed));
  gp_json_set_str(doc, "generator", "xoshiro256** seeded by splitmix64");
  json_t *arms = json_array();
  for (int k = 0; k < s->n_arms; k++) {
    json_t *x = json_object();
    gp_json_set_str(x, "arm", s->arms[k]);
    gp_json_set(x, "probability", gp_json_num(s->prob[k]));
    gp_json_set(x, "n", gp_json_num(a->count[k]));
    if (a->cluster_count) gp_json_set(x, "clusters", gp_json_num(a->cluster_count[k]));
    json_array_append_new(arms, x);
  }
  gp_json_set(doc, "arms", arms);
  json_t *bal = json_array();
  for (int i = 0; i < a->n_balance; i++) {
    for (int k = 0; k < s->n_arms; k++) {
      json_t *x = json_object();
      gp_json_set_str(x, "column", a->balance[i].column);
      gp_json_set_str(x, "arm", s->arms[k]);
      gp_json_set(x, "mean", gp_json_num(a->balance[i].mean[k]));
      gp_json_set(x, "sd", gp_json_num(a->balance[i].sd[k]));
      gp_json_set(x, "smd", k == 0 ? json_null() : gp_json_num(a->balance[i].smd[k]));
      json_array_append_new(bal, x);
    }
  }
  gp_json_set(doc, "balance", bal);
  return doc;
}

json_t *gp_trialjson_adapt(int k, const char *const *arms, const gp_trial_arm_data *d, bool binary,
                           double floor_w, double threshold, long draws, unsigned long long seed,
                           const gp_trial_adapt_out *out) {
  json_t *doc = json_object();
  gp_json_set_str(doc, "outcome", binary ? "binary" : "normal");
  gp_json_set_str(doc, "method", "top-two Thompson sampling (beta = 0.5)");
  gp_json_set(doc, "floor", gp_json_num(floor_w));
  gp_json_set(doc, "threshold", gp_json_num(threshold));
  gp_json_set(doc, "draws", gp_json_num((double)draws));
  gp_json_set(doc, "seed", json_integer((json_int_t)seed));
  json_t *a = json_array();
  for (int i = 0; i < k; i++) {
    json_t *x = json_object();
    gp_json_set_str(x, "arm", arms[i]);
    gp_json_set(x, "n", gp_json_num(d[i].n));
    if (binary) gp_json_set(x, "successes", gp_json_num(d[i].successes));
    gp_json_set(x, "mean",
                gp_json_num(binary ? (d[i].n > 0 ? d[i].successes / d[i].n : NAN) : d[i].mean));
    if (!binary) gp_json_set(x, "sd", gp_json_num(d[i].sd));
    gp_json_set(x, "prob_best", gp_json_num(out->prob_best[i]));
    gp_json_set(x, "weight", gp_json_num(out->weight[i]));
    json_array_append_new(a, x);
  }
  gp_json_set(doc, "arms", a);
  gp_json_set_str(doc, "best", arms[out->best]);
  gp_json_set(doc, "stop", json_boolean(out->stop));
  return doc;
}
