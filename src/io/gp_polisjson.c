/* gp_polisjson — see gp_polisjson.h. */
#include "io/gp_polisjson.h"

#include <stdint.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *gp_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *gp_pick_json(const gp_polisio_export *x, const gp_polis_pick *p, bool rep) {
  json_t *o = json_object();
  json_object_set_new(o, "statement", json_integer(x->comments[p->statement].id));
  json_object_set_new(o, "direction", json_string(p->direction > 0 ? "agree" : "disagree"));
  if (rep) {
    json_object_set_new(o, "pa", gp_num(p->stat.pa));
    json_object_set_new(o, "pat", gp_num(p->stat.pat));
    json_object_set_new(o, "ra", gp_num(p->stat.ra));
    json_object_set_new(o, "rat", gp_num(p->stat.rat));
    json_object_set_new(o, "pd", gp_num(p->stat.pd));
    json_object_set_new(o, "pdt", gp_num(p->stat.pdt));
    json_object_set_new(o, "rd", gp_num(p->stat.rd));
    json_object_set_new(o, "rdt", gp_num(p->stat.rdt));
    json_object_set_new(o, "best_agree", json_boolean(p->best_agree));
  } else {
    json_object_set_new(o, "p", gp_num(p->p_success));
    json_object_set_new(o, "p_test", gp_num(p->p_test));
  }
  json_object_set_new(o, "n_agree", json_integer(p->stat.na));
  json_object_set_new(o, "n_disagree", json_integer(p->stat.nd));
  json_object_set_new(o, "n_seen", json_integer(p->stat.ns));
  return o;
}

static const char *gp_summary(const gp_polisio_export *x, const char *key) {
  for (size_t i = 0; i < x->n_summary; i++)
    if (!strcmp(x->summary[i].key, key)) return x->summary[i].value;
  return NULL;
}

json_t *gp_polisjson_analysis(const gp_polisio_export *x, const gp_polis_result *r,
                              const gp_polis_opts *o, const gp_polis_agreement *agree) {
  return gp_polisjson_analysis_ex(x, r, o, agree, SIZE_MAX);
}

json_t *gp_polisjson_analysis_ex(const gp_polisio_export *x, const gp_polis_result *r,
                                 const gp_polis_opts *o, const gp_polis_agreement *agree,
                                 size_t max_participants) {
  json_t *doc = json_object();
  if (!doc) return NULL;
  json_t *conv = json_object();
  const char *topic = gp_summary(x, "topic");
  json_object_set_new(conv, "topic", topic ? json_string(topic) : json_null());
  json_object_set_new(conv, "participants", json_integer((json_int_t)r->n_rows));
  json_object_set_new(conv, "in_conversation", json_integer((json_int_t)r->n_in_conv));
  json_object_set_new(conv, "statements", json_integer((json_int_t)r->n_cols));
  json_object_set_new(conv, "vote_events", json_integer((json_int_t)x->n_votes));
  long votes = 0;
  for (size_t i = 0; i < r->n_rows; i++)
    votes += r->n_votes[i];
  json_object_set_new(conv, "votes", json_integer(votes));
  json_object_set_new(conv, "seed", json_integer((json_int_t)o->seed));
  json_object_set_new(doc, "conversation", conv);

  bool listed = r->n_rows <= max_participants;
  json_object_set_new(doc, "participants_listed", json_boolean(listed));
  json_t *ps = listed ? json_array() : NULL;
  for (size_t i = 0; listed && i < r->n_rows; i++) {
    json_t *p = json_object();
    json_object_set_new(p, "id", json_integer(x->participants[i].id));
    json_object_set_new(p, "in_conversation", json_boolean(r->in_conv[i]));
    json_object_set_new(p, "x", gp_num(r->xy[2 * i]));
    json_object_set_new(p, "y", gp_num(r->xy[2 * i + 1]));
    json_object_set_new(p, "group", r->group[i] >= 0 ? json_integer(r->group[i]) : json_null());
    json_object_set_new(p, "n_votes", json_integer(r->n_votes[i]));
    json_array_append_new(ps, p);
  }
  if (listed) json_object_set_new(doc, "participants", ps);

  json_t *gs = json_array();
  for (size_t g = 0; g < r->n_groups; g++) {
    json_t *go = json_object();
    json_object_set_new(go, "id", json_integer((json_int_t)g));
    json_object_set_new(go, "size", json_integer((json_int_t)r->groups[g].size));
    json_object_set_new(go, "center",
                        json_pack("[oo]", gp_num(r->groups[g].cx), gp_num(r->groups[g].cy)));
    json_t *rep = json_array();
    for (size_t k = 0; k < r->groups[g].n_rep; k++)
      json_array_append_new(rep, gp_pick_json(x, &r->groups[g].rep[k], true));
    json_object_set_new(go, "representative", rep);
    json_array_append_new(gs, go);
  }
  json_object_set_new(doc, "groups", gs);

  json_t *cons = json_object(), *ca = json_array(), *cd = json_array();
  for (size_t k = 0; k < r->n_cons_agree; k++)
    json_array_append_new(ca, gp_pick_json(x, &r->cons_agree[k], false));
  for (size_t k = 0; k < r->n_cons_disagree; k++)
    json_array_append_new(cd, gp_pick_json(x, &r->cons_disagree[k], false));
  json_object_set_new(cons, "agree", ca);
  json_object_set_new(cons, "disagree", cd);
  json_object_set_new(doc, "consensus", cons);

  /* group-informed consensus, highest first */
  size_t *ord = malloc((r->n_cols + 1) * sizeof *ord);
  size_t n = 0;
  if (ord) {
    for (size_t j = 0; j < r->n_cols; j++)
      if (r->used[j]) {
        size_t k = n++;
        while (k > 0 && r->gic[ord[k - 1]] < r->gic[j]) {
          ord[k] = ord[k - 1];
          k--;
        }
        ord[k] = j;
      }
  }
  json_t *gic = json_array();
  for (size_t k = 0; k < n; k++) {
    size_t j = ord[k];
    json_array_append_new(gic, json_pack("{sIso}", "statement", (json_int_t)x->comments[j].id,
                                         "value", gp_num(r->gic[j])));
  }
  free(ord);
  json_object_set_new(doc, "group_informed_consensus", gic);

  json_t *dv = json_array();
  for (size_t k = 0; k < r->n_divisive; k++) {
    size_t j = r->divisive[k];
    json_t *d = json_object(), *pg = json_array();
    json_object_set_new(d, "statement", json_integer(x->comments[j].id));
    json_object_set_new(d, "spread", gp_num(r->spread[j]));
    for (size_t g = 0; g < r->n_groups; g++) {
      size_t q = g * r->n_cols + j;
      json_array_append_new(pg, gp_num(((double)r->g_agree[q] + 1) / ((double)r->g_seen[q] + 2)));
    }
    json_object_set_new(d, "group_agree", pg);
    json_array_append_new(dv, d);
  }
  json_object_set_new(doc, "divisive", dv);

  json_t *st = json_array();
  for (size_t j = 0; j < r->n_cols; j++) {
    json_t *s = json_object();
    json_object_set_new(s, "statement", json_integer(x->comments[j].id));
    json_object_set_new(s, "moderated", json_integer(x->comments[j].moderated));
    json_object_set_new(s, "agree", json_integer(r->all[j].na));
    json_object_set_new(s, "disagree", json_integer(r->all[j].nd));
    json_object_set_new(s, "seen", json_integer(r->all[j].ns));
    json_object_set_new(s, "extremity", gp_num(r->extremity[j]));
    json_object_set_new(s, "priority", gp_num(r->priority[j]));
    json_array_append_new(st, s);
  }
  json_object_set_new(doc, "statements", st);

  json_t *pca = json_object(), *sil = json_object();
  json_object_set_new(pca, "eigenvalues",
                      json_pack("[oo]", gp_num(r->pca.eigval[0]), gp_num(r->pca.eigval[1])));
  json_object_set_new(pca, "iterations", json_integer(r->pca_iterations));
  json_object_set_new(pca, "converged", json_boolean(r->pca_converged));
  json_object_set_new(doc, "pca", pca);
  for (size_t k = 2; k <= GP_POLIS_MAX_GROUPS; k++)
    if (isfinite(r->silhouette[k])) {
      char key[8];
      snprintf(key, sizeof key, "%zu", k);
      json_object_set_new(sil, key, json_real(r->silhouette[k]));
    }
  json_object_set_new(doc, "silhouette", sil);
  json_object_set_new(doc, "base_clusters", json_integer((json_int_t)r->n_base));
  /* the base clusters themselves: what an opinion map of a very large
   * conversation draws instead of every participant (as Pol.is's does) */
  json_t *bs = json_array();
  for (size_t b = 0; b < r->n_base; b++)
    json_array_append_new(bs, json_pack("{sosososI}", "x", gp_num(r->base_xy[2 * b]), "y",
                                        gp_num(r->base_xy[2 * b + 1]), "group",
                                        r->base_group && r->base_group[b] >= 0
                                            ? json_integer(r->base_group[b])
                                            : json_null(),
                                        "size", (json_int_t)r->base_size[b]));
  json_object_set_new(doc, "bases", bs);

  if (agree) {
    json_t *a = json_object();
    json_object_set_new(a, "participants", json_integer((json_int_t)agree->n));
    json_object_set_new(a, "polis_groups", json_integer(agree->n_b));
    json_object_set_new(a, "our_groups", json_integer(agree->n_a));
    json_object_set_new(a, "adjusted_rand_index", gp_num(agree->ari));
    json_object_set_new(a, "matching_share", gp_num(agree->share));
    json_t *mp = json_array();
    for (int g = 0; g < agree->n_a; g++)
      json_array_append_new(mp, agree->map[g] >= 0 ? json_integer(agree->map[g]) : json_null());
    json_object_set_new(a, "our_group_to_polis_group", mp);
    json_object_set_new(doc, "polis_agreement", a);
  }
  return doc;
}
