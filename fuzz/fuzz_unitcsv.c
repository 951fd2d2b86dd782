/* libFuzzer target: the unit-data CSV reader (io/gp_unitcsv) and, on what it
 * accepts, the funnel-plot scan (engine/gp_scan) and the peers search
 * (engine/gp_peers). Any bytes: nothing may crash, leak or read out of
 * bounds; a file is read whole or refused with an error naming its place, and
 * the scan either runs or refuses the data with an error. The first byte
 * picks the spec (score with lower/upper, or numerator/denominator), the rest
 * is the CSV. */
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gp_peers.h"
#include "engine/gp_scan.h"
#include "io/gp_unitcsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gsl_set_error_handler_off(); /* as gameplan's main does */
  if (size < 2) return 0;
  static const char *const covs[] = {"a", "b"};
  gp_unitcsv_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.unit = "id";
  sp.covariates = covs;
  sp.ncov = data[0] & 2 ? 2 : 0;
  if (data[0] & 1) {
    sp.numerator = "n";
    sp.denominator = "d";
  } else {
    sp.value = "v";
    sp.lower = "lo";
    sp.upper = "hi";
    sp.level = 0.95;
  }
  if (data[0] & 4) {
    sp.where_col = "w";
    sp.where_val = "1";
  }
  FILE *f = fmemopen((void *)(data + 1), size - 1, "r");
  if (!f) return 0;
  gp_unit_dataset d;
  gp_error err;
  if (gp_unitcsv_read(f, "fuzz.csv", &sp, &d, &err) == GP_OK) {
    /* the rows with a value, as the scan command takes them */
    size_t m = 0;
    double *obs = calloc(d.n + 1, sizeof *obs), *den = calloc(d.n + 1, sizeof *den);
    double *se = calloc(d.n + 1, sizeof *se), *x = calloc(2 * d.n + 2, sizeof *x);
    for (size_t i = 0; i < d.n; i++) {
      double s2 = d.se ? d.se[i] : NAN, dn = d.den ? d.den[i] : NAN;
      if (isnan(d.val[i]) || (d.se ? isnan(s2) : isnan(dn))) continue;
      if (d.k && (isnan(d.ctx[i * d.k]) || isnan(d.ctx[i * d.k + 1]))) continue;
      obs[m] = d.val[i];
      den[m] = dn;
      se[m] = s2;
      if (d.k) {
        x[2 * m] = d.ctx[i * d.k];
        x[2 * m + 1] = d.ctx[i * d.k + 1];
      }
      m++;
    }
    gp_scan_options o = gp_scan_options_default();
    o.type = d.kind == GP_UNIT_SCORE ? GP_SCAN_SCORE : GP_SCAN_PROPORTION;
    gp_scan_data sd = {m, obs, d.se ? NULL : den, d.se ? se : NULL, d.k, d.k ? x : NULL};
    gp_scan_result r;
    if (gp_scan_run(&sd, &o, &r, &err) == GP_OK) gp_scan_result_free(&r);
    if (d.k && m > 1) {
      gp_peers_data pd = {m, 2, x, NULL, NULL};
      gp_peers_result pr;
      if (gp_peers_find(&pd, 0, 3, &pr, &err) == GP_OK) gp_peers_free(&pr);
    }
    free(obs);
    free(den);
    free(se);
    free(x);
    gp_unit_dataset_free(&d);
  }
  fclose(f);
  return 0;
}
