/* gp_polis_repness — see gp_polis_repness.h. */
#include "engine/gp_polis_repness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double gp_polis_prop_test(long succ, long n) {
  double s = (double)succ + 1, m = (double)n + 1;
  return 2 * sqrt(m) * (s / m - 0.5);
}

double gp_polis_two_prop_test(long succ_in, long succ_out, long pop_in, long pop_out) {
  double s1 = (double)succ_in + 1, s2 = (double)succ_out + 1;
  double n1 = (double)pop_in + 1, n2 = (double)pop_out + 1;
  double p1 = s1 / n1, p2 = s2 / n2, ph = (s1 + s2) / (n1 + n2);
  if (ph == 1.0) return 0;
  return (p1 - p2) / sqrt(ph * (1 - ph) * (1 / n1 + 1 / n2));
}

void gp_polis_stat_counts(long na, long nd, long ns, gp_polis_stat *s) {
  memset(s, 0, sizeof *s);
  s->na = na;
  s->nd = nd;
  s->ns = ns;
  s->pa = (1.0 + (double)na) / (2.0 + (double)ns);
  s->pd = (1.0 + (double)nd) / (2.0 + (double)ns);
  s->pat = gp_polis_prop_test(na, ns);
  s->pdt = gp_polis_prop_test(nd, ns);
}

void gp_polis_stat_compare(gp_polis_stat *s, long na_rest, long nd_rest, long ns_rest) {
  s->ra = s->pa / ((1.0 + (double)na_rest) / (2.0 + (double)ns_rest));
  s->rd = s->pd / ((1.0 + (double)nd_rest) / (2.0 + (double)ns_rest));
  s->rat = gp_polis_two_prop_test(s->na, na_rest, s->ns, ns_rest);
  s->rdt = gp_polis_two_prop_test(s->nd, nd_rest, s->ns, ns_rest);
}

static bool gp_polis_sig90(double z) { return z > GP_POLIS_Z90; }

/* finalize-cmt-stats: agree if rat > rdt, else disagree. Pol.is stores the
 * repness test as a float; we keep the double. */
static gp_polis_pick gp_polis_finalize(size_t j, const gp_polis_stat *s) {
  gp_polis_pick p = {.statement = j, .stat = *s};
  if (s->rat > s->rdt) {
    p.direction = 1;
    p.n_success = s->na;
    p.p_success = s->pa;
    p.p_test = s->pat;
    p.repness = s->ra;
    p.repness_test = s->rat;
  } else {
    p.direction = -1;
    p.n_success = s->nd;
    p.p_success = s->pd;
    p.p_test = s->pdt;
    p.repness = s->rd;
    p.repness_test = s->rdt;
  }
  p.n_trials = s->ns;
  return p;
}

static double gp_polis_metric(const gp_polis_pick *p) {
  return p->repness * p->repness_test * p->p_success * p->p_test;
}

/* beats-best-agr? of repness.clj. */
static bool gp_polis_beats_best_agr(const gp_polis_stat *s, const gp_polis_stat *best) {
  if (s->na == 0 && s->nd == 0) return false;
  if (best && best->ra > 1.0)
    return s->ra * s->rat * s->pa * s->pat > best->ra * best->rat * best->pa * best->pat;
  if (best) return s->pa * s->pat > best->pa * best->pat;
  return gp_polis_sig90(s->pat) || (s->ra > 1.0 && s->pa > 0.5);
}

size_t gp_polis_select_rep(const gp_polis_stat *stats, size_t n_cols, const bool *eligible,
                           gp_polis_pick out[5]) {
  gp_polis_pick *suff = malloc((n_cols ? n_cols : 1) * sizeof *suff);
  if (!suff) return 0;
  size_t n_suff = 0;
  bool have_best = false, have_agree = false;
  gp_polis_pick best = {0}, best_agree = {0};
  gp_polis_stat best_agree_stat = {0};
  for (size_t j = 0; j < n_cols; j++) {
    if (!eligible[j]) continue;
    const gp_polis_stat *s = &stats[j];
    bool passes = (gp_polis_sig90(s->rat) && gp_polis_sig90(s->pat)) ||
                  (gp_polis_sig90(s->rdt) && gp_polis_sig90(s->pdt));
    if (passes) suff[n_suff++] = gp_polis_finalize(j, s);
    if (n_suff == 0) {
      double z = s->rat > s->rdt ? s->rat : s->rdt;
      if (!have_best || z > best.repness_test) {
        best = gp_polis_finalize(j, s);
        have_best = true;
      }
    }
    if (gp_polis_beats_best_agr(s, have_agree ? &best_agree_stat : NULL)) {
      best_agree_stat = *s;
      best_agree = gp_polis_finalize(j, s);
      have_agree = true;
    }
  }
  if (have_agree) best_agree.best_agree = true;
  size_t n = 0;
  if (n_suff == 0) {
    if (have_agree)
      out[n++] = best_agree;
    else if (have_best)
      out[n++] = best;
    free(suff);
    return n;
  }
  /* drop best-agree from the sufficient list, stable-sort by the metric */
  size_t m = 0;
  for (size_t i = 0; i < n_suff; i++)
    if (!(have_agree && suff[i].statement == best_agree.statement)) suff[m++] = suff[i];
  for (size_t i = 1; i < m; i++) { /* insertion sort: stable, descending metric */
    gp_polis_pick x = suff[i];
    double mx = gp_polis_metric(&x);
    size_t k = i;
    while (k > 0 && gp_polis_metric(&suff[k - 1]) < mx) {
      suff[k] = suff[k - 1];
      k--;
    }
    suff[k] = x;
  }
  gp_polis_pick top[5];
  size_t t = 0;
  if (have_agree) top[t++] = best_agree;
  for (size_t i = 0; i < m && t < 5; i++)
    top[t++] = suff[i];
  for (size_t i = 0; i < t; i++)
    if (top[i].direction > 0) out[n++] = top[i];
  for (size_t i = 0; i < t; i++)
    if (top[i].direction <= 0) out[n++] = top[i];
  free(suff);
  return n;
}

size_t gp_polis_select_consensus(const gp_polis_stat *stats, size_t n_cols, const bool *eligible,
                                 int direction, gp_polis_pick out[5]) {
  size_t n = 0;
  for (size_t j = 0; j < n_cols; j++) {
    if (!eligible[j]) continue;
    const gp_polis_stat *s = &stats[j];
    double p = direction > 0 ? s->pa : s->pd, z = direction > 0 ? s->pat : s->pdt;
    if (!(p > 0.5 && gp_polis_sig90(z))) continue;
    gp_polis_pick c = {.statement = j,
                       .direction = direction,
                       .n_success = direction > 0 ? s->na : s->nd,
                       .n_trials = s->ns,
                       .p_success = p,
                       .p_test = z,
                       .stat = *s};
    /* keep the top 5 by p*z, ties in statement order (a stable sort) */
    size_t k = n < 5 ? n : 5;
    while (k > 0 && out[k - 1].p_success * out[k - 1].p_test < p * z) {
      if (k < 5) out[k] = out[k - 1];
      k--;
    }
    if (k < 5) {
      out[k] = c;
      if (n < 5) n++;
    }
  }
  return n;
}

double gp_polis_gic(const long *agree, const long *seen, size_t n_groups) {
  double v = 1.0;
  for (size_t g = 0; g < n_groups; g++)
    v *= ((double)agree[g] + 1.0) / ((double)seen[g] + 2.0);
  return v;
}

double gp_polis_priority(bool is_meta, long agree, long pass, long seen, double extremity) {
  if (is_meta) return 7.0 * 7.0;
  double S = (double)seen;
  double p = ((double)pass + 1) / (S + 2), a = ((double)agree + 1) / (S + 2);
  double importance = (1 - p) * (extremity + 1) * a;
  double v = importance * (1 + 8 * pow(2.0, -S / 5));
  return v * v;
}

long gp_polis_route(const double *priority, const bool *candidate, size_t n, double u) {
  double total = 0;
  long last = -1;
  for (size_t j = 0; j < n; j++) {
    if (!candidate[j]) continue;
    double p = priority[j];
    total += isfinite(p) && p > 0 ? p : 1.0;
    last = (long)j;
  }
  if (last < 0) return -1;
  double r = u * total, cum = 0;
  for (size_t j = 0; j < n; j++) {
    if (!candidate[j]) continue;
    double p = priority[j];
    cum += isfinite(p) && p > 0 ? p : 1.0;
    if (cum > r) return (long)j;
  }
  return last; /* rounding: the last candidate */
}
