/*
 * gp_scanjson — builds the scan and peers JSON documents (see gp_scanjson.h).
 */
#include "io/gp_scanjson.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A number, or null when not finite. */
static json_t *gp_sj_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

const char *gp_scanjson_level_key(double level, char *buf) {
  snprintf(buf, 16, "%.10g", level * 100);
  /* %.10g of 99.8 can print 99.8 exactly; trim float noise like 99.800000001 */
  double v = round(level * 1000) / 10;
  if (fabs(v - level * 100) < 1e-9) snprintf(buf, 16, "%g", v);
  return buf;
}

static json_t *gp_sj_limits(size_t nl, const double *levels, const double *lo, const double *hi) {
  json_t *o = json_object();
  char key[16];
  for (size_t l = 0; l < nl; l++)
    json_object_set_new(o, gp_scanjson_level_key(levels[l], key),
                        json_pack("[oo]", gp_sj_num(lo[l]), gp_sj_num(hi[l])));
  return o;
}

json_t *gp_scanjson_scan(const gp_scanjson_in *in, const gp_scan_result *r) {
  const gp_scan_options *o = in->opt;
  json_t *doc = json_object();
  json_object_set_new(doc, "metric", json_string(in->metric));
  json_object_set_new(doc, "period", json_string(in->period));
  json_object_set_new(doc, "type", json_string(gp_scan_type_name(o->type)));
  json_object_set_new(doc, "analysed_as", json_string(gp_scan_type_name(r->analysed_as)));
  json_object_set_new(doc, "target", gp_sj_num(r->target));
  json_object_set_new(doc, "phi", gp_sj_num(r->phi));
  json_object_set_new(doc, "tau2", gp_sj_num(r->tau2));
  json_object_set_new(doc, "overdispersion", json_string(gp_scan_od_name(o->od)));
  json_object_set_new(doc, "od_applied", json_boolean(r->od_applied));
  json_object_set_new(doc, "trim", json_real(o->trim));
  json_object_set_new(doc, "n_phi", json_integer((json_int_t)r->n_phi));
  json_object_set_new(doc, "fdr", json_real(o->fdr));
  json_t *adj = json_array();
  for (size_t j = 0; j < in->nadjust; j++)
    json_array_append_new(adj, json_string(in->adjust[j]));
  json_object_set_new(doc, "adjust", adj);
  if (r->ncoef) {
    json_t *co = json_array();
    for (size_t j = 0; j < r->ncoef; j++)
      json_array_append_new(co, json_pack("{s:s,s:o,s:o}", "term",
                                          j == 0 ? "(intercept)" : in->adjust[j - 1], "estimate",
                                          gp_sj_num(r->coef[j]), "se", gp_sj_num(r->coef_se[j])));
    const char *model = o->type == GP_SCAN_SCORE        ? "weighted least squares"
                        : o->type == GP_SCAN_PROPORTION ? "logistic regression"
                                                        : "Poisson regression";
    json_object_set_new(
        doc, "model",
        json_pack("{s:s,s:o,s:i}", "kind", model, "coefficients", co, "iterations", r->iterations));
  } else {
    json_object_set_new(doc, "model", json_null());
  }
  /* counts */
  size_t hi[GP_SCAN_MAX_LEVELS] = {0}, lo[GP_SCAN_MAX_LEVELS] = {0};
  for (size_t i = 0; i < r->n; i++)
    for (size_t l = 0; l < o->nlevels; l++) {
      hi[l] += r->units[i].flag[l] > 0;
      lo[l] += r->units[i].flag[l] < 0;
    }
  json_t *flagged = json_object();
  char key[16];
  for (size_t l = 0; l < o->nlevels; l++)
    json_object_set_new(
        flagged, gp_scanjson_level_key(o->levels[l], key),
        json_pack("{s:I,s:I}", "high", (json_int_t)hi[l], "low", (json_int_t)lo[l]));
  json_t *reasons = in->missing_reasons ? json_loads(in->missing_reasons, 0, NULL) : NULL;
  json_object_set_new(doc, "counts",
                      json_pack("{s:I,s:I,s:I,s:o,s:I,s:o,s:I,s:I}", "rows", (json_int_t)in->n_rows,
                                "scanned", (json_int_t)r->n, "missing", (json_int_t)in->n_missing,
                                "missing_reasons", reasons ? reasons : json_object(),
                                "missing_covariates", (json_int_t)in->n_no_covariates, "flagged",
                                flagged, "discoveries", (json_int_t)r->n_discoveries,
                                "history_periods", (json_int_t)in->history));
  /* units */
  json_t *units = json_array();
  for (size_t i = 0; i < r->n; i++) {
    const gp_scan_unit *u = &r->units[i];
    json_t *flag = json_object();
    for (size_t l = 0; l < o->nlevels; l++)
      json_object_set_new(flag, gp_scanjson_level_key(o->levels[l], key),
                          json_string(gp_scan_flag_name(u->flag[l])));
    json_t *uo = json_object();
    json_object_set_new(uo, "unit", json_string(in->ids[i]));
    json_object_set_new(uo, "name",
                        in->names && in->names[i] ? json_string(in->names[i]) : json_null());
    json_object_set_new(uo, "observed", gp_sj_num(u->observed));
    json_object_set_new(uo, "expected", gp_sj_num(u->expected));
    json_object_set_new(uo, "indicator", gp_sj_num(u->indicator));
    json_object_set_new(uo, "se", gp_sj_num(u->se));
    json_object_set_new(uo, "z", gp_sj_num(u->z));
    json_object_set_new(uo, "limits", gp_sj_limits(o->nlevels, o->levels, u->lo, u->hi));
    json_object_set_new(uo, "flag", flag);
    json_object_set_new(uo, "q_value", gp_sj_num(u->q));
    json_object_set_new(uo, "shrunk",
                        json_pack("{s:o,s:o,s:o}", "estimate", gp_sj_num(u->shrunk), "lower",
                                  gp_sj_num(u->shrunk_lo), "upper", gp_sj_num(u->shrunk_hi)));
    json_object_set_new(uo, "persistence",
                        in->persistence ? json_integer(in->persistence[i]) : json_null());
    json_array_append_new(units, uo);
  }
  json_object_set_new(doc, "units", units);
  json_t *funnel = json_array();
  for (size_t j = 0; j < r->nfunnel; j++) {
    const gp_scan_funnel_point *f = &r->funnel[j];
    json_array_append_new(funnel, json_pack("{s:o,s:o}", "x", gp_sj_num(f->x), "limits",
                                            gp_sj_limits(o->nlevels, o->levels, f->lo, f->hi)));
  }
  json_object_set_new(doc, "funnel", funnel);
  return doc;
}

json_t *gp_scanjson_peers(const gp_peersjson_in *in, const gp_peers_result *r) {
  json_t *doc = json_object();
  json_object_set_new(doc, "metric", json_string(in->metric));
  json_object_set_new(doc, "period", json_string(in->period));
  json_object_set_new(doc, "unit", json_string(in->unit));
  json_object_set_new(doc, "name", in->name ? json_string(in->name) : json_null());
  json_object_set_new(doc, "indicator", gp_sj_num(in->indicator));
  json_object_set_new(doc, "flag", json_string(gp_scan_flag_name(in->flag)));
  json_t *on = json_array(), *ctx = json_object();
  for (size_t j = 0; j < in->non; j++) {
    json_array_append_new(on, json_string(in->on[j]));
    json_object_set_new(ctx, in->on[j], gp_sj_num(in->unit_ctx[j]));
  }
  json_object_set_new(doc, "on", on);
  json_object_set_new(doc, "context", ctx);
  json_t *peers = json_array(), *better = json_array();
  for (size_t p = 0; p < r->npeers; p++) {
    const gp_peer *pe = &r->peers[p];
    json_t *pc = json_object();
    for (size_t j = 0; j < in->non; j++)
      json_object_set_new(pc, in->on[j], gp_sj_num(in->peer_ctx[p * in->non + j]));
    json_array_append_new(
        peers, json_pack("{s:s,s:o,s:o,s:s,s:o,s:o}", "unit", in->peer_ids[p], "name",
                         in->peer_names[p] ? json_string(in->peer_names[p]) : json_null(),
                         "distance", gp_sj_num(pe->distance), "flag", gp_scan_flag_name(pe->flag),
                         "indicator_difference", gp_sj_num(pe->difference), "context", pc));
    if (pe->flag != 0 && pe->flag == (in->better < 0 ? -1 : 1))
      json_array_append_new(better, json_string(in->peer_ids[p]));
  }
  json_object_set_new(doc, "peers", peers);
  json_object_set_new(doc, "better", better);
  json_object_set_new(doc, "better_flag", json_string(in->better < 0 ? "low" : "high"));
  json_object_set_new(doc, "flags_from", json_string(in->flags_from));
  return doc;
}
