/* gp_polis_agree — see gp_polis_agree.h. */
#include "engine/gp_polis_agree.h"

#include <string.h>

static double gp_polis_c2(double x) { return x * (x - 1) / 2; }

int gp_polis_agreement_of(const int *a, const int *b, size_t n, gp_polis_agreement *out) {
  memset(out, 0, sizeof *out);
  double tab[8][8] = {{0}};
  int na = 0, nb = 0;
  for (size_t i = 0; i < n; i++) {
    if (a[i] < 0 || b[i] < 0) continue;
    if (a[i] >= 8 || b[i] >= 8) return -1;
    tab[a[i]][b[i]] += 1;
    if (a[i] + 1 > na) na = a[i] + 1;
    if (b[i] + 1 > nb) nb = b[i] + 1;
    out->n++;
  }
  out->n_a = na;
  out->n_b = nb;
  for (int i = 0; i < 8; i++)
    out->map[i] = -1;
  if (out->n == 0) return 0;
  /* adjusted Rand index */
  double sum_ij = 0, sum_a = 0, sum_b = 0;
  for (int i = 0; i < na; i++) {
    double r = 0;
    for (int j = 0; j < nb; j++) {
      sum_ij += gp_polis_c2(tab[i][j]);
      r += tab[i][j];
    }
    sum_a += gp_polis_c2(r);
  }
  for (int j = 0; j < nb; j++) {
    double c = 0;
    for (int i = 0; i < na; i++)
      c += tab[i][j];
    sum_b += gp_polis_c2(c);
  }
  double total = gp_polis_c2((double)out->n);
  double expected = sum_a * sum_b / total, maxi = (sum_a + sum_b) / 2;
  out->ari = maxi - expected == 0 ? 1.0 : (sum_ij - expected) / (maxi - expected);
  /* best one-to-one relabelling: DP over subsets of b's labels */
  double best[9][1 << 8];
  signed char choice[9][1 << 8];
  size_t full = (size_t)1 << nb;
  for (int i = na; i >= 0; i--)
    for (size_t mask = 0; mask < full; mask++) {
      if (i == na) {
        best[i][mask] = 0;
        continue;
      }
      double v = best[i + 1][mask];
      signed char c = -1;
      for (int j = 0; j < nb; j++) {
        if (mask & ((size_t)1 << j)) continue;
        double w = tab[i][j] + best[i + 1][mask | ((size_t)1 << j)];
        if (w > v) {
          v = w;
          c = (signed char)j;
        }
      }
      best[i][mask] = v;
      choice[i][mask] = c;
    }
  size_t mask = 0;
  for (int i = 0; i < na; i++) {
    int c = choice[i][mask];
    out->map[i] = c;
    if (c >= 0) mask |= (size_t)1 << c;
  }
  out->share = best[0][0] / (double)out->n;
  return 0;
}
