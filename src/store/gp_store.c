/*
 * gp_store — dispatch from the public storage functions to the backend's
 * operation table, and the transaction runner; see gp_store.h.
 */
#include "store/gp_store.h"

#include <string.h>

gp_code gp_store_open(const char *path, bool create, gp_store **out, gp_error *err) {
  *out = NULL;
  if (!strncmp(path, "postgresql://", 13) || !strncmp(path, "postgres://", 11))
    return gp_fail(err, GP_EINVAL, "--db", "the PostgreSQL backend is not built yet");
  return gp_store_sqlite_open(path, create, out, err);
}

void gp_store_close(gp_store *s) {
  if (s) s->ops->close(s);
}

gp_code gp_store_begin(gp_store *s, gp_error *err) {
  if (s->depth++ > 0) return GP_OK;
  gp_code rc = s->ops->begin(s, err);
  if (rc) s->depth = 0;
  return rc;
}

gp_code gp_store_commit(gp_store *s, gp_error *err) {
  if (s->depth == 0) return gp_fail(err, GP_EINTERNAL, NULL, "commit outside a transaction");
  if (--s->depth > 0) return GP_OK;
  gp_code rc = s->ops->commit(s, err);
  if (rc) s->ops->rollback(s);
  return rc;
}

void gp_store_rollback(gp_store *s) {
  if (s->depth == 0) return;
  s->depth = 0;
  s->ops->rollback(s);
}

gp_code gp_store_run(gp_store *s, gp_code (*fn)(gp_store *, void *, gp_error *), void *ctx,
                     gp_error *err) {
  gp_code rc = gp_store_begin(s, err);
  if (rc) return rc;
  rc = fn(s, ctx, err);
  if (rc) {
    gp_store_rollback(s);
    return rc;
  }
  return gp_store_commit(s, err);
}

gp_code gp_store_missions(gp_store *s, bool include_unpublished, gp_mission_list **out,
                          gp_error *err) {
  return s->ops->missions(s, include_unpublished, out, err);
}

void gp_store_missions_free(gp_mission_list *l) {
  if (!l) return;
  gp_arena a = l->arena;
  gp_arena_free(&a);
}

gp_code gp_store_plan_version(gp_store *s, const char *mission_id, long version, char **doc,
                              long *version_out, gp_error *err) {
  return s->ops->plan_version(s, mission_id, version, doc, version_out, err);
}

gp_code gp_store_mission_exists(gp_store *s, const char *mission_id, bool *exists, bool *published,
                                gp_error *err) {
  return s->ops->mission_exists(s, mission_id, exists, published, err);
}

gp_code gp_store_plan_save(gp_store *s, const gp_plan *p, const gp_plan_save *save, gp_error *err) {
  return s->ops->plan_save(s, p, save, err);
}

gp_code gp_store_mission_publish(gp_store *s, const char *mission_id, bool published,
                                 gp_error *err) {
  return s->ops->mission_publish(s, mission_id, published, err);
}

gp_code gp_store_mission_attribution(gp_store *s, const char *mission_id, const char *text,
                                     gp_error *err) {
  return s->ops->mission_attribution(s, mission_id, text, err);
}

gp_code gp_store_target_rebaseline(gp_store *s, const char *mission_id, const char *target_id,
                                   gp_rebaseline *out, gp_error *err) {
  return s->ops->target_rebaseline(s, mission_id, target_id, out, err);
}

gp_code gp_store_metric_get(gp_store *s, const char *metric_id, gp_arena *a, gp_metric *out,
                            char *mission_id, gp_error *err) {
  return s->ops->metric_get(s, metric_id, a, out, mission_id, err);
}

gp_code gp_store_metric_breakdowns(gp_store *s, const char *metric_id,
                                   void (*cb)(void *ctx, const char *kind, const char *value),
                                   void *ctx, gp_error *err) {
  return s->ops->metric_breakdowns(s, metric_id, cb, ctx, err);
}

gp_code gp_store_obs_list(gp_store *s, const char *metric_id, const gp_obs_filter *f,
                          void (*cb)(void *ctx, const gp_observation *o, bool is_revision),
                          void *ctx, gp_error *err) {
  return s->ops->obs_list(s, metric_id, f, cb, ctx, err);
}

gp_code gp_store_obs_counts(gp_store *s, const char *metric_id, long *total, long *broken_down,
                            gp_error *err) {
  return s->ops->obs_counts(s, metric_id, total, broken_down, err);
}

gp_code gp_store_import_begin(gp_store *s, const char *metric_id, const char *file,
                              const char *source, gp_obs_import **out, gp_error *err) {
  return s->ops->import_begin(s, metric_id, file, source, out, err);
}

/* The import handle's head: every backend's import struct starts with it. */
typedef struct gp_obs_import_head {
  gp_store *store; /* the store the import writes to */
} gp_obs_import_head;

gp_code gp_store_import_put(gp_obs_import *imp, const gp_observation *o, gp_error *err) {
  return ((gp_obs_import_head *)imp)->store->ops->import_put(imp, o, err);
}

gp_code gp_store_import_end(gp_obs_import *imp, bool commit, gp_import_stats *stats,
                            gp_error *err) {
  return ((gp_obs_import_head *)imp)->store->ops->import_end(imp, commit, stats, err);
}

gp_code gp_store_token_add(gp_store *s, const unsigned char hash[32], const char *label,
                           gp_error *err) {
  return s->ops->token_add(s, hash, label, err);
}

gp_code gp_store_token_check(gp_store *s, const unsigned char hash[32], bool *ok, char *label,
                             gp_error *err) {
  return s->ops->token_check(s, hash, ok, label, err);
}

gp_code gp_store_plan_versions(gp_store *s, const char *mission_id,
                               void (*cb)(void *ctx, const gp_plan_version_row *row), void *ctx,
                               gp_error *err) {
  return s->ops->plan_versions(s, mission_id, cb, ctx, err);
}

gp_code gp_store_run_save(gp_store *s, const char *mission_id, const char *kind, long plan_version,
                          const char *actor, const char *params, const char *document,
                          gp_error *err) {
  return s->ops->run_save(s, mission_id, kind, plan_version, actor, params, document, err);
}

gp_code gp_store_run_last(gp_store *s, const char *mission_id, const char *kind, char **doc,
                          long *plan_version, char *created_at, gp_error *err) {
  return s->ops->run_last(s, mission_id, kind, doc, plan_version, created_at, err);
}

uint64_t gp_store_data_version(gp_store *s) { return s->ops->data_version(s); }
