/*
 * gp_polis_agree — how far two groupings of the same participants agree:
 * the adjusted Rand index (Hubert & Arabie 1985) and the share of
 * participants in matching groups after the best one-to-one relabelling.
 * Used to compare our opinion groups with the ones Pol.is assigned.
 */
#ifndef GP_POLIS_AGREE_H
#define GP_POLIS_AGREE_H

#include <stddef.h>

/* Agreement of labelings a and b over the n items where both are >= 0. */
typedef struct gp_polis_agreement {
  size_t n;     /* items labelled in both */
  double ari;   /* adjusted Rand index (1: identical partitions; ~0: chance) */
  double share; /* share of the n items whose labels match after the best relabelling */
  int map[8];   /* map[label in a] = label in b of the best relabelling (-1: unmatched) */
  int n_a;      /* distinct labels of a (max label + 1) */
  int n_b;      /* distinct labels of b (max label + 1) */
} gp_polis_agreement;

/* Computes the agreement. Labels must be < 8; items with a negative label
 * in either are skipped. Returns 0, or -1 if a label is 8 or more. */
int gp_polis_agreement_of(const int *a, const int *b, size_t n, gp_polis_agreement *out);

#endif
