/*
 * gp_polis_repness — what each opinion group believes and what unites them:
 * Pol.is's representativeness (repness.clj), consensus statements,
 * group-informed consensus and the comment-routing priority
 * (conversation.clj), as pure functions of vote counts.
 *
 * Notation (Pol.is's): n = count, p = probability, r = representativeness,
 * t = test statistic, a = agree, d = disagree, s = seen (any vote).
 */
#ifndef GP_POLIS_REPNESS_H
#define GP_POLIS_REPNESS_H

#include <stdbool.h>
#include <stddef.h>

/* Pol.is's one-sided 90% threshold for a z statistic (z-sig-90?). */
#define GP_POLIS_Z90 1.2816

/* Vote statistics of one statement within one group (or overall). */
typedef struct gp_polis_stat {
  long na;    /* agrees */
  long nd;    /* disagrees */
  long ns;    /* seen: any vote, passes included */
  double pa;  /* (1 + na) / (2 + ns) */
  double pd;  /* (1 + nd) / (2 + ns) */
  double pat; /* prop-test(na, ns) */
  double pdt; /* prop-test(nd, ns) */
  double ra;  /* pa / ((1 + na_rest) / (2 + ns_rest)), rest = the other groups */
  double rd;  /* the same for disagree */
  double rat; /* two-prop-test(na, na_rest, ns, ns_rest) */
  double rdt; /* the same for disagree */
} gp_polis_stat;

/* One selected statement (a group's representative or a consensus one). */
typedef struct gp_polis_pick {
  size_t statement;    /* statement index */
  int direction;       /* +1 agree, -1 disagree */
  long n_success;      /* na or nd in the direction */
  long n_trials;       /* ns */
  double p_success;    /* pa or pd */
  double p_test;       /* pat or pdt */
  double repness;      /* ra or rd (0 for consensus picks) */
  double repness_test; /* rat or rdt (0 for consensus picks) */
  bool best_agree;     /* Pol.is's best-agree pick put at the front */
  gp_polis_stat stat;  /* every statistic of the statement in the group */
} gp_polis_pick;

/* Pol.is's prop-test: 2 sqrt(n+1) ((succ+1)/(n+1) - 1/2). */
double gp_polis_prop_test(long succ, long n);

/* Pol.is's two-prop-test with +1 on each count; 0 when the pooled rate is 1. */
double gp_polis_two_prop_test(long succ_in, long succ_out, long pop_in, long pop_out);

/* Fills the within-group fields (na, nd, ns, pa, pd, pat, pdt) of s. */
void gp_polis_stat_counts(long na, long nd, long ns, gp_polis_stat *s);

/* Fills ra, rd, rat, rdt of s against the summed counts of the other groups. */
void gp_polis_stat_compare(gp_polis_stat *s, long na_rest, long nd_rest, long ns_rest);

/* Pol.is's select-rep-comments for one group. stats[j] for j < n_cols are
 * the group's statistics (with comparisons filled); eligible[j] excludes
 * unused and moderated-out statements. Writes at most 5 picks to out (agrees
 * before disagrees) and returns how many. */
size_t gp_polis_select_rep(const gp_polis_stat *stats, size_t n_cols, const bool *eligible,
                           gp_polis_pick out[5]);

/* Pol.is's select-consensus-comments: among eligible statements with
 * p > 0.5 and p-test > 1.2816, the top 5 by p * p-test, for agree (direction
 * +1) or disagree (-1). stats are over every participant. Returns the count. */
size_t gp_polis_select_consensus(const gp_polis_stat *stats, size_t n_cols, const bool *eligible,
                                 int direction, gp_polis_pick out[5]);

/* Group-informed consensus of one statement: the product over groups g of
 * (agree_g + 1) / (seen_g + 2). */
double gp_polis_gic(const long *agree, const long *seen, size_t n_groups);

/* Pol.is's comment-routing priority:
 * importance = (1 - (P+1)/(S+2)) (E+1) (A+1)/(S+2), priority =
 * (importance (1 + 8 * 2^(-S/5)))^2, and 7^2 for a meta statement.
 * A, P (passes), S (seen) are the group members' counts; E the extremity. */
double gp_polis_priority(bool is_meta, long agree, long pass, long seen, double extremity);

/* The next statement to show a participant (Pol.is's server,
 * selectProbabilistically): among the n statements with candidate[j] true
 * (not yet voted on by them, not moderated out), statement j with
 * probability priority[j] / sum of the candidates' priorities, a priority
 * of 0 (or not finite) counting as 1 as in Pol.is. u is a uniform number in
 * [0, 1) (the caller's seeded stream). Returns the index, or -1 if there is
 * no candidate. */
long gp_polis_route(const double *priority, const bool *candidate, size_t n, double u);

#endif
