/*
 * cli_trial — `gameplan trial power|assign|analyse|adapt|link`: plan,
 * randomise, analyse and adapt experiments, and record a result as a test of
 * an assumption of a mission's game plan. Parses options, calls engine/, io/
 * and app/, prints a readable table or, with --json, the documents of
 * io/gp_trialjson.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/gp_app.h"
#include "cli/gp_cli.h"
#include "engine/gp_trial_adapt.h"
#include "engine/gp_trial_power.h"
#include "engine/gp_trial_rand.h"
#include "io/gp_trialcsv.h"
#include "io/gp_trialjson.h"

/* Most items in a comma-separated option. */
#define GP_TRIAL_MAX_LIST 64

/* A parsed comma-separated list; items point into a copy owned here. */
typedef struct gp_list {
  char *copy;                          /* the strdup'd text */
  const char *item[GP_TRIAL_MAX_LIST]; /* the items */
  int n;                               /* how many */
} gp_list;

static gp_code gp_split(const char *opt, const char *s, gp_list *l, gp_error *err) {
  free(l->copy);
  memset(l, 0, sizeof *l);
  l->copy = strdup(s);
  if (!l->copy) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  char *p = l->copy;
  for (;;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    if (!*p) return gp_fail(err, GP_EINVAL, opt, "empty item in '%s'", s);
    if (l->n == GP_TRIAL_MAX_LIST)
      return gp_fail(err, GP_EINVAL, opt, "more than %d items", GP_TRIAL_MAX_LIST);
    l->item[l->n++] = p;
    if (!comma) break;
    p = comma + 1;
  }
  return GP_OK;
}

/* Parses a list of numbers. */
static gp_code gp_split_num(const char *opt, const char *s, double *out, int *n, gp_error *err) {
  gp_list l = {0};
  gp_code rc = gp_split(opt, s, &l, err);
  for (int i = 0; !rc && i < l.n; i++)
    rc = gp_cli_parse_double(opt, l.item[i], &out[i], err);
  *n = l.n;
  free(l.copy);
  return rc;
}

/* Option scanner: --name VALUE or --name=VALUE. */
typedef struct gp_args {
  int argc;        /* arguments */
  char **argv;     /* their texts */
  int i;           /* the current index */
  const char *val; /* the value of the option just matched */
} gp_args;

/* Whether argv[i] is option name taking a value (sets a->val, advances). */
static bool gp_opt(gp_args *a, const char *name, gp_error *err, gp_code *rc) {
  const char *s = a->argv[a->i];
  size_t l = strlen(name);
  if (strncmp(s, name, l)) return false;
  if (s[l] == '=') {
    a->val = s + l + 1;
    return true;
  }
  if (s[l] != '\0') return false;
  if (a->i + 1 >= a->argc) {
    *rc = gp_fail(err, GP_EINVAL, name, "needs a value");
    a->val = NULL;
    return true;
  }
  a->val = a->argv[++a->i];
  return true;
}

static bool gp_flag(gp_args *a, const char *name) { return !strcmp(a->argv[a->i], name); }

/* ---- power ---------------------------------------------------------------- */

static int gp_trial_power_cmd(int argc, char **argv) {
  gp_error err;
  gp_error_clear(&err);
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
  bool json = false, have_sd = false, have_p0 = false, have_icc = false, have_m = false;
  gp_code rc = GP_OK;
  gp_args a = {argc, argv, 1, NULL};
  for (; a.i < argc && !rc; a.i++) {
    if (gp_flag(&a, "--json"))
      json = true;
    else if (gp_flag(&a, "--one-sided"))
      s.one_sided = true;
    else if (gp_flag(&a, "--sequential"))
      s.sequential = true;
    else if (gp_opt(&a, "--sd", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--sd", a.val, &s.sd, &err);
      have_sd = true;
    } else if (gp_opt(&a, "--p0", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--p0", a.val, &s.p0, &err);
      have_p0 = true;
    } else if (gp_opt(&a, "--n", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--n", a.val, &s.n, &err);
    } else if (gp_opt(&a, "--mde", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--mde", a.val, &s.mde, &err);
    } else if (gp_opt(&a, "--power", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--power", a.val, &s.power, &err);
    } else if (gp_opt(&a, "--alpha", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--alpha", a.val, &s.alpha, &err);
    } else if (gp_opt(&a, "--icc", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--icc", a.val, &s.icc, &err);
      have_icc = true;
    } else if (gp_opt(&a, "--cluster-size", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--cluster-size", a.val, &s.cluster_size, &err);
      have_m = true;
    } else if (gp_opt(&a, "--ratio", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--ratio", a.val, &s.ratio, &err);
    } else if (gp_opt(&a, "--tuning", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--tuning", a.val, &s.tuning, &err);
    } else {
      return gp_cli_usage("trial power", "unknown option '%s'", argv[a.i]);
    }
  }
  if (rc) return gp_cli_report(&err);
  if (have_sd == have_p0)
    return gp_cli_usage("trial power", "give exactly one of --sd (means) or --p0 (proportions)");
  if (have_icc != have_m)
    return gp_cli_usage("trial power", "--icc and --cluster-size go together");
  if (have_p0) s.kind = GP_TRIAL_PROPORTIONS;
  if (isnan(s.power) && (isnan(s.n) != isnan(s.mde))) s.power = 0.8;
  if (json) { /* the document the API replies with */
    json_t *doc;
    if ((rc = gp_app_trial_power(&s, &doc, &err))) return gp_cli_report(&err);
    int st = gp_cli_print_json(stdout, doc);
    json_decref(doc);
    return st;
  }
  gp_trial_power_result r;
  if ((rc = gp_trial_power_solve(&s, &r, &err))) return gp_cli_report(&err);
  printf("method          %s\n", r.method);
  printf("n per arm       %.6g (round up: %.0f)%s\n", r.n_per_arm, ceil(r.n_per_arm - 1e-9),
         s.ratio != 1 ? " control arm" : "");
  if (s.ratio != 1) printf("n treatment     %.6g\n", r.n_treatment);
  if (s.cluster_size > 1)
    printf("clusters/arm    %.6g (round up: %.0f)\n", r.clusters_per_arm,
           ceil(r.clusters_per_arm - 1e-9));
  printf("mde             %.6g\n", r.mde);
  printf("power           %.6g\n", r.power);
  printf("design effect   %.6g\n", r.design_effect);
  return 0;
}

/* ---- assign --------------------------------------------------------------- */

static int gp_trial_assign_cmd(int argc, char **argv) {
  gp_error err;
  gp_error_clear(&err);
  gp_trialcsv_assign_spec s = {.design = GP_TRIAL_DESIGN_COMPLETE};
  gp_list arms = {0}, strata = {0};
  double ratio[GP_TRIAL_MAX_LIST], prob[GP_TRIAL_MAX_LIST];
  int nratio = 0;
  bool json = false, have_seed = false;
  gp_code rc = GP_OK;
  int status = 0;
  gp_args a = {argc, argv, 1, NULL};
  for (; a.i < argc && !rc; a.i++) {
    if (gp_flag(&a, "--json"))
      json = true;
    else if (gp_opt(&a, "--arms", &err, &rc)) {
      if (!rc) rc = gp_split("--arms", a.val, &arms, &err);
    } else if (gp_opt(&a, "--ratio", &err, &rc)) {
      if (!rc) rc = gp_split_num("--ratio", a.val, ratio, &nratio, &err);
    } else if (gp_opt(&a, "--strata", &err, &rc)) {
      if (!rc) rc = gp_split("--strata", a.val, &strata, &err);
    } else if (gp_opt(&a, "--cluster", &err, &rc)) {
      s.cluster = a.val;
    } else if (gp_opt(&a, "--out", &err, &rc)) {
      s.out_path = a.val;
    } else if (gp_opt(&a, "--design", &err, &rc)) {
      if (rc) break;
      if (!strcmp(a.val, "simple"))
        s.design = GP_TRIAL_DESIGN_SIMPLE;
      else if (!strcmp(a.val, "complete"))
        s.design = GP_TRIAL_DESIGN_COMPLETE;
      else
        rc = gp_fail(&err, GP_EINVAL, "--design", "'%s': use simple or complete", a.val);
    } else if (gp_opt(&a, "--seed", &err, &rc)) {
      long v = 0;
      if (!rc) rc = gp_cli_parse_long("--seed", a.val, 0, INT64_MAX, &v, &err);
      s.seed = (uint64_t)v;
      have_seed = true;
    } else if (argv[a.i][0] == '-' && argv[a.i][1]) {
      status = gp_cli_usage("trial assign", "unknown option '%s'", argv[a.i]);
      goto out;
    } else if (!s.path) {
      s.path = argv[a.i];
    } else {
      status = gp_cli_usage("trial assign", "one UNITS.csv only");
      goto out;
    }
  }
  if (rc) {
    status = gp_cli_report(&err);
    goto out;
  }
  if (!s.path || arms.n == 0 || !have_seed) {
    status = gp_cli_usage("trial assign",
                          "usage: trial assign UNITS.csv --arms A,B[,C] "
                          "[--ratio 1,1] [--strata COL,...] [--cluster COL] --seed S [--out FILE]");
    goto out;
  }
  if (arms.n < 2) {
    gp_fail(&err, GP_EINVAL, "--arms", "need at least two arms");
    status = gp_cli_report(&err);
    goto out;
  }
  for (int i = 0; i < arms.n; i++)
    for (int j = 0; j < i; j++)
      if (!strcmp(arms.item[i], arms.item[j])) {
        gp_fail(&err, GP_EINVAL, "--arms", "arm '%s' is listed twice", arms.item[i]);
        status = gp_cli_report(&err);
        goto out;
      }
  if (nratio && nratio != arms.n) {
    gp_fail(&err, GP_EINVAL, "--ratio", "%d values for %d arms", nratio, arms.n);
    status = gp_cli_report(&err);
    goto out;
  }
  double tot = 0;
  for (int i = 0; i < arms.n; i++) {
    double r = nratio ? ratio[i] : 1.0;
    if (!(r > 0)) {
      gp_fail(&err, GP_EINVAL, "--ratio", "value %d is %g: ratios must be > 0", i + 1, r);
      status = gp_cli_report(&err);
      goto out;
    }
    tot += r;
  }
  for (int i = 0; i < arms.n; i++)
    prob[i] = (nratio ? ratio[i] : 1.0) / tot;
  if (json && !s.out_path) {
    status = gp_cli_usage("trial assign", "--json prints the summary: give --out FILE for the "
                                          "assignment CSV");
    goto out;
  }
  s.arms = arms.item;
  s.n_arms = arms.n;
  s.prob = prob;
  s.strata = strata.item;
  s.n_strata = strata.n;
  gp_trialcsv_assignment res;
  if ((rc = gp_trialcsv_assign(&s, &res, &err))) {
    status = gp_cli_report(&err);
    goto out;
  }
  json_t *doc = gp_trialjson_assignment(&s, &res);
  if (json) {
    status = gp_cli_print_json(stdout, doc);
  } else {
    FILE *o = s.out_path ? stdout : stderr;
    fprintf(o, "%ld units%s, %ld block(s), seed %llu\n", res.n_units,
            res.n_clusters ? " in clusters" : "", res.n_blocks, (unsigned long long)s.seed);
    fprintf(o, "%-16s %12s %10s%s\n", "arm", "probability", "units",
            res.cluster_count ? "   clusters" : "");
    for (int k = 0; k < s.n_arms; k++) {
      fprintf(o, "%-16s %12.6g %10.0f", s.arms[k], s.prob[k], res.count[k]);
      if (res.cluster_count) fprintf(o, " %10.0f", res.cluster_count[k]);
      fputc('\n', o);
    }
    if (res.n_balance) {
      fprintf(o, "\nbalance (standardised mean difference vs %s)\n", s.arms[0]);
      for (int i = 0; i < res.n_balance; i++)
        for (int k = 1; k < s.n_arms; k++)
          fprintf(o, "  %-20s %-12s smd %+.4f\n", res.balance[i].column, s.arms[k],
                  res.balance[i].smd[k]);
    }
  }
  json_decref(doc);
  gp_trialcsv_assignment_free(&res, s.n_arms);
out:
  free(arms.copy), free(strata.copy);
  return status;
}

/* ---- analyse -------------------------------------------------------------- */

static void gp_print_analysis(const gp_trialcsv_analyse_spec *s, const gp_trialcsv_analysis *an) {
  const gp_trial_result *r = &an->res;
  printf("%.0f rows, %d arms", r->n, r->n_arms);
  if (r->n_clusters) printf(", %d clusters", r->n_clusters);
  if (s->strata) printf(", %d strata", r->n_strata);
  printf("\n\n%-14s %-12s %10s %12s %12s\n", "outcome", "arm", "n", "mean", "sd");
  for (int k = 0; k < r->n_arms; k++)
    for (int y = 0; y < r->n_out; y++)
      printf("%-14s %-12s %10.0f %12.6g %12.6g\n", s->outcomes[y], an->arm_names[k], r->arm_n[k],
             r->arm_mean[k * r->n_out + y], r->arm_sd[k * r->n_out + y]);
  printf("\n%-14s %-12s %-20s %-6s %11s %11s %9s %11s %11s %9s %9s\n", "outcome", "arm",
         "estimator", "se", "estimate", "std_error", "df", "conf_low", "conf_high", "p_value",
         "p_adj");
  for (int i = 0; i < r->n_comp; i++) {
    const gp_trial_comparison *c = &r->comp[i];
    printf("%-14s %-12s %-20s %-6s %11.5g %11.5g %9.4g %11.5g %11.5g %9.3g %9.3g\n",
           s->outcomes[c->outcome], an->arm_names[c->arm], c->estimator, c->se_type, c->t.estimate,
           c->t.std_error, c->t.df, c->t.conf_low, c->t.conf_high, c->t.p_value, c->p_adjusted);
  }
  printf("\nsample ratio: chi2 %.4g, df %.0f, p %.4g%s\n", r->srm.chi2, r->srm.df, r->srm.p_value,
         r->srm.flag ? "  ** MISMATCH (p < 0.001): check the randomisation **" : "");
  if (s->opts.sequential) {
    printf("\nalways-valid %g%% confidence sequences (tuning N* = %g)\n", 100 * (1 - s->opts.alpha),
           s->opts.tuning);
    for (int i = 0; i < r->n_comp; i++) {
      const gp_trial_comparison *c = &r->comp[i];
      if (!strcmp(c->estimator, "relative_risk")) continue;
      printf("  %-14s %-12s %-20s [%.5g, %.5g] p %.3g\n", s->outcomes[c->outcome],
             an->arm_names[c->arm], c->estimator, c->seq.conf_low, c->seq.conf_high,
             c->seq.p_value);
    }
  }
  if (an->n_looks > 0) {
    int K = r->n_arms, O = r->n_out, ctl = r->comp ? r->comp[0].control : 0;
    printf("\nconfidence sequence at each look (%s), difference in means\n", s->look);
    for (int l = 0; l < an->n_looks; l++)
      for (int k = 0; k < K; k++) {
        if (k == ctl) continue;
        for (int y = 0; y < O; y++) {
          const gp_trial_look *lk = &an->path[((size_t)l * K + k) * O + y];
          printf("  %-12s %-12s %-12s n %-8.0f %+.5g [%.5g, %.5g]\n", an->look_names[l],
                 s->outcomes[y], an->arm_names[k], lk->n, lk->estimate, lk->seq.conf_low,
                 lk->seq.conf_high);
        }
      }
  }
  printf("\nBayesian (normal%s): P(effect > 0), P(effect > %g)\n",
         s->opts.prior_sd > 0 ? " prior" : ", flat prior", s->opts.threshold);
  for (int i = 0; i < r->n_comp; i++) {
    const gp_trial_comparison *c = &r->comp[i];
    if (!strcmp(c->estimator, "relative_risk")) continue;
    printf("  %-14s %-12s %-20s %.4f %.4f\n", s->outcomes[c->outcome], an->arm_names[c->arm],
           c->estimator, c->bayes.prob_positive, c->bayes.prob_above);
  }
}

static int gp_trial_analyse_cmd(int argc, char **argv) {
  gp_error err;
  gp_error_clear(&err);
  gp_trialcsv_analyse_spec s = {.opts = {.alpha = 0.05, .tuning = 5000, .prior_sd = 0}};
  gp_list outcomes = {0}, covs = {0};
  double ratio[GP_TRIAL_MAX_LIST];
  int nratio = 0, status = 0;
  bool json = false, have_tuning = false;
  gp_code rc = GP_OK;
  gp_args a = {argc, argv, 1, NULL};
  for (; a.i < argc && !rc; a.i++) {
    if (gp_flag(&a, "--json"))
      json = true;
    else if (gp_flag(&a, "--binary"))
      s.binary = true;
    else if (gp_flag(&a, "--sequential"))
      s.opts.sequential = true;
    else if (gp_opt(&a, "--outcome", &err, &rc)) {
      if (!rc) rc = gp_split("--outcome", a.val, &outcomes, &err);
    } else if (gp_opt(&a, "--covariates", &err, &rc)) {
      if (!rc) rc = gp_split("--covariates", a.val, &covs, &err);
    } else if (gp_opt(&a, "--arm", &err, &rc))
      s.arm = a.val;
    else if (gp_opt(&a, "--control", &err, &rc))
      s.control = a.val;
    else if (gp_opt(&a, "--cluster", &err, &rc))
      s.cluster = a.val;
    else if (gp_opt(&a, "--strata", &err, &rc))
      s.strata = a.val;
    else if (gp_opt(&a, "--look", &err, &rc))
      s.look = a.val;
    else if (gp_opt(&a, "--alpha", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--alpha", a.val, &s.opts.alpha, &err);
    } else if (gp_opt(&a, "--tuning", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--tuning", a.val, &s.opts.tuning, &err);
      have_tuning = true;
    } else if (gp_opt(&a, "--prior-mean", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--prior-mean", a.val, &s.opts.prior_mean, &err);
    } else if (gp_opt(&a, "--prior-sd", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--prior-sd", a.val, &s.opts.prior_sd, &err);
      if (!rc && !(s.opts.prior_sd > 0)) rc = gp_fail(&err, GP_EINVAL, "--prior-sd", "must be > 0");
    } else if (gp_opt(&a, "--threshold", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--threshold", a.val, &s.opts.threshold, &err);
    } else if (gp_opt(&a, "--ratio", &err, &rc)) {
      if (!rc) rc = gp_split_num("--ratio", a.val, ratio, &nratio, &err);
      for (int i = 0; !rc && i < nratio; i++)
        if (!(ratio[i] > 0)) rc = gp_fail(&err, GP_EINVAL, "--ratio", "ratios must be > 0");
    } else if (argv[a.i][0] == '-' && argv[a.i][1]) {
      status = gp_cli_usage("trial analyse", "unknown option '%s'", argv[a.i]);
      goto out;
    } else if (!s.path) {
      s.path = argv[a.i];
    } else {
      status = gp_cli_usage("trial analyse", "one DATA.csv only");
      goto out;
    }
  }
  if (rc) {
    status = gp_cli_report(&err);
    goto out;
  }
  if (!s.path || !outcomes.n || !s.arm) {
    status = gp_cli_usage("trial analyse",
                          "usage: trial analyse DATA.csv --outcome Y --arm COL "
                          "[--control NAME] [--covariates X1,X2] [--cluster COL] [--strata COL] "
                          "[--binary] [--alpha A] [--sequential --tuning N [--look COL]]");
    goto out;
  }
  if ((have_tuning || s.look) && !s.opts.sequential) {
    status = gp_cli_usage("trial analyse", "--tuning and --look go with --sequential");
    goto out;
  }
  s.outcomes = outcomes.item;
  s.n_outcomes = outcomes.n;
  s.covariates = covs.item;
  s.n_covariates = covs.n;
  s.ratio = nratio ? ratio : NULL;
  s.n_ratio = nratio;
  if (json) { /* the document the API replies with */
    json_t *doc;
    if ((rc = gp_app_trial_analyse(&s, &doc, &err))) {
      status = gp_cli_report(&err);
      goto out;
    }
    status = gp_cli_print_json(stdout, doc);
    json_decref(doc);
    goto out;
  }
  gp_trialcsv_analysis an;
  if ((rc = gp_trialcsv_analyse(&s, &an, &err))) {
    status = gp_cli_report(&err);
    goto out;
  }
  gp_print_analysis(&s, &an);
  gp_trialcsv_analysis_free(&an);
out:
  free(outcomes.copy), free(covs.copy);
  return status;
}

/* ---- adapt ---------------------------------------------------------------- */

static int gp_trial_adapt_cmd(int argc, char **argv) {
  gp_error err;
  gp_error_clear(&err);
  const char *path = NULL, *arm_col = "arm", *y_col = "outcome";
  gp_list arms = {0};
  double floor_w = 0.01, threshold = 0.95;
  long draws = 100000, seed = 1;
  bool json = false, binary = false;
  gp_code rc = GP_OK;
  int status = 0;
  gp_args a = {argc, argv, 1, NULL};
  for (; a.i < argc && !rc; a.i++) {
    if (gp_flag(&a, "--json"))
      json = true;
    else if (gp_flag(&a, "--binary"))
      binary = true;
    else if (gp_opt(&a, "--arms", &err, &rc)) {
      if (!rc) rc = gp_split("--arms", a.val, &arms, &err);
    } else if (gp_opt(&a, "--arm", &err, &rc))
      arm_col = a.val;
    else if (gp_opt(&a, "--outcome", &err, &rc))
      y_col = a.val;
    else if (gp_opt(&a, "--floor", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--floor", a.val, &floor_w, &err);
    } else if (gp_opt(&a, "--threshold", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_double("--threshold", a.val, &threshold, &err);
    } else if (gp_opt(&a, "--draws", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_long("--draws", a.val, 1000, 100000000, &draws, &err);
    } else if (gp_opt(&a, "--seed", &err, &rc)) {
      if (!rc) rc = gp_cli_parse_long("--seed", a.val, 0, INT64_MAX, &seed, &err);
    } else if (argv[a.i][0] == '-' && argv[a.i][1]) {
      status = gp_cli_usage("trial adapt", "unknown option '%s'", argv[a.i]);
      goto out;
    } else if (!path) {
      path = argv[a.i];
    } else {
      status = gp_cli_usage("trial adapt", "one RESULTS.csv only");
      goto out;
    }
  }
  if (rc) {
    status = gp_cli_report(&err);
    goto out;
  }
  if (!path || arms.n == 0) {
    status = gp_cli_usage("trial adapt", "usage: trial adapt RESULTS.csv --arms A,B[,C] "
                                         "[--binary] [--floor 0.01] [--threshold 0.95] [--seed S]");
    goto out;
  }
  if (arms.n < 2) {
    gp_fail(&err, GP_EINVAL, "--arms", "need at least two arms");
    status = gp_cli_report(&err);
    goto out;
  }
  if (json) { /* the document the API replies with */
    gp_app_trial_adapt_req q = {.name = path,
                                .arm_col = arm_col,
                                .outcome_col = y_col,
                                .arms = arms.item,
                                .n_arms = arms.n,
                                .binary = binary,
                                .floor_w = floor_w,
                                .threshold = threshold,
                                .draws = draws,
                                .seed = (unsigned long long)seed};
    json_t *doc;
    if ((rc = gp_app_trial_adapt(&q, &doc, &err))) {
      status = gp_cli_report(&err);
      goto out;
    }
    status = gp_cli_print_json(stdout, doc);
    json_decref(doc);
    goto out;
  }
  gp_trial_arm_data data[GP_TRIAL_MAX_LIST];
  double pb[GP_TRIAL_MAX_LIST], w[GP_TRIAL_MAX_LIST];
  if ((rc = gp_trialcsv_arm_data(path, arm_col, y_col, binary, arms.n, arms.item, data, &err))) {
    status = gp_cli_report(&err);
    goto out;
  }
  gp_trial_rng rng;
  gp_trial_rng_seed(&rng, (uint64_t)seed);
  gp_trial_adapt_out res = {pb, w, 0, false};
  if ((rc = gp_trial_adapt(arms.n, data, binary, floor_w, threshold, draws, &rng, &res, &err))) {
    status = gp_cli_report(&err);
    goto out;
  }
  printf("%-16s %10s %12s %10s %10s\n", "arm", "n", "mean", "P(best)", "weight");
  for (int i = 0; i < arms.n; i++)
    printf("%-16s %10.0f %12.6g %10.4f %10.4f\n", arms.item[i], data[i].n,
           binary ? (data[i].n > 0 ? data[i].successes / data[i].n : NAN) : data[i].mean, pb[i],
           w[i]);
  printf("\nbest: %s (P = %.4f)%s\n", arms.item[res.best], pb[res.best],
         res.stop ? " — stop: the threshold is reached" : "");
out:
  free(arms.copy);
  return status;
}

/* ---- link ----------------------------------------------------------------- */

static int gp_trial_link_cmd(int argc, char **argv) {
  gp_error err;
  gp_error_clear(&err);
  gp_app_trial_link_req q = {.method = "rct", .actor = "cli", .arg_prefix = "--"};
  const char *db = NULL;
  bool json = false;
  gp_code rc = GP_OK;
  gp_args a = {argc, argv, 1, NULL};
  for (; a.i < argc && !rc; a.i++) {
    if (gp_flag(&a, "--json"))
      json = true;
    else if (gp_opt(&a, "--mission", &err, &rc))
      q.mission = a.val;
    else if (gp_opt(&a, "--assumption", &err, &rc))
      q.assumption = a.val;
    else if (gp_opt(&a, "--db", &err, &rc))
      db = a.val;
    else if (gp_opt(&a, "--method", &err, &rc))
      q.method = a.val;
    else if (gp_opt(&a, "--outcome", &err, &rc))
      q.outcome = a.val;
    else if (gp_opt(&a, "--arm", &err, &rc))
      q.arm = a.val;
    else if (gp_opt(&a, "--estimator", &err, &rc))
      q.estimator = a.val;
    else if (gp_opt(&a, "--id", &err, &rc))
      q.test_id = a.val;
    else if (argv[a.i][0] == '-' && argv[a.i][1])
      return gp_cli_usage("trial link", "unknown option '%s'", argv[a.i]);
    else if (!q.name)
      q.name = argv[a.i];
    else
      return gp_cli_usage("trial link", "one RESULT.json only");
  }
  if (rc) return gp_cli_report(&err);
  if (!q.name || !q.mission || !q.assumption)
    return gp_cli_usage("trial link",
                        "usage: trial link RESULT.json --mission M --assumption A "
                        "[--method rct|adaptive_trial|quasi_experiment] [--outcome Y] [--arm B] "
                        "[--estimator lin|ols|difference_in_means] [--id TEST] [--db FILE]");
  if (strcmp(q.method, "rct") && strcmp(q.method, "adaptive_trial") &&
      strcmp(q.method, "quasi_experiment")) {
    gp_fail(&err, GP_EINVAL, "--method", "'%s': use rct, adaptive_trial or quasi_experiment",
            q.method);
    return gp_cli_report(&err);
  }
  json_error_t jerr;
  json_t *res = json_load_file(q.name, JSON_REJECT_DUPLICATES, &jerr);
  if (!res) {
    char where[300];
    snprintf(where, sizeof where, "%s:%d:%d", q.name, jerr.line, jerr.column);
    gp_fail(&err, GP_ESYNTAX, where, "%s", jerr.text);
    return gp_cli_report(&err);
  }
  q.result = res;
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) {
    json_decref(res);
    return gp_cli_report(&err);
  }
  json_t *out = NULL;
  rc = gp_app_trial_link(s, &q, &out, &err);
  json_decref(res);
  gp_store_close(s);
  if (rc) return gp_cli_report(&err);
  int status = 0;
  if (json) {
    status = gp_cli_print_json(stdout, out);
  } else {
    printf("mission '%s': test '%s' of assumption '%s' recorded (%s, estimate %.6g, se %.6g); "
           "plan version %lld\n",
           q.mission, json_string_value(json_object_get(out, "test")), q.assumption, q.method,
           json_number_value(json_object_get(out, "estimate")),
           json_number_value(json_object_get(out, "std_error")),
           (long long)json_integer_value(json_object_get(out, "version")));
  }
  json_decref(out);
  return status;
}

int gp_cmd_trial(int argc, char **argv) {
  if (argc < 2) return gp_cli_usage("trial", "usage: trial power|assign|analyse|adapt|link ...");
  const char *sub = argv[1];
  if (!strcmp(sub, "power")) return gp_trial_power_cmd(argc - 1, argv + 1);
  if (!strcmp(sub, "assign")) return gp_trial_assign_cmd(argc - 1, argv + 1);
  if (!strcmp(sub, "analyse") || !strcmp(sub, "analyze"))
    return gp_trial_analyse_cmd(argc - 1, argv + 1);
  if (!strcmp(sub, "adapt")) return gp_trial_adapt_cmd(argc - 1, argv + 1);
  if (!strcmp(sub, "link")) return gp_trial_link_cmd(argc - 1, argv + 1);
  return gp_cli_usage("trial", "unknown subcommand '%s' (power, assign, analyse, adapt, link)",
                      sub);
}
