/*
 * gameplan deliberation — Pol.is's analysis of a conversation.
 *
 *   deliberation analyse (DIR | ID) [--seed S] [--threads T] [--init polis|plusplus]
 *                            [--no-history] [--db DB] [--json]
 *       DIR is a Pol.is open-data export (comments.csv, votes.csv, and when
 *       present participants-votes.csv, summary.csv); needs no database. An
 *       argument that is not a directory is the id of a stored conversation.
 *       --write OUTDIR writes the same export with our group ids (all files or none).
 *   deliberation import DIR [--id ID] [--mission M] [--assumption A] [--db DB] [--json]
 *       stores the export as one conversation (all or nothing).
 *   deliberation export ID DIR [--seed S] [--db DB] [--json]
 *       writes a stored conversation in the same format, with our group ids.
 *   deliberation new ID --title T [--question Q] [--mission M [--assumption A]]
 *                    [--statement TEXT]... [--db DB] [--json]
 *       opens a conversation from scratch; the seed statements are approved.
 *   deliberation list [--mission M] [--db DB] [--json]
 *       the stored conversations (of one mission).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/gp_app_delib.h"
#include "cli/gp_cli.h"
#include "engine/gp_polis_agree.h"
#include "engine/gp_polis_analysis.h"
#include "io/gp_polisio.h"
#include "io/gp_polisjson.h"

static const char *gp_delib_usage =
    "deliberation analyse (DIR | ID) [--seed S] [--threads T] [--init polis|plusplus] "
    "[--no-history] [--min-votes N] [--replay N] [--write OUTDIR] [--db DB] [--json]\n"
    "       deliberation import DIR [--id ID] [--mission M] [--assumption A] [--db DB] [--json]\n"
    "       deliberation export ID DIR [--seed S] [--db DB] [--json]\n"
    "       deliberation new ID --title T [--question Q] [--mission M [--assumption A]] "
    "[--statement TEXT]... [--db DB] [--json]\n"
    "       deliberation list [--mission M] [--db DB] [--json]";

/* Prints at most `width` characters of s on one line. */
static void gp_delib_text(FILE *out, const char *s, int width) {
  int chars = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p & 0xC0) != 0x80) {
      if (chars == width) {
        fputs("...", out);
        return;
      }
      chars++;
    }
    fputc(*p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p, out);
  }
}

static void gp_delib_print(FILE *out, const gp_polisio_export *x, const gp_polis_result *r,
                           const gp_polis_agreement *ag) {
  const char *topic = NULL;
  for (size_t i = 0; i < x->n_summary; i++)
    if (!strcmp(x->summary[i].key, "topic")) topic = x->summary[i].value;
  long votes = 0;
  for (size_t i = 0; i < r->n_rows; i++)
    votes += r->n_votes[i];
  fprintf(out, "Conversation: %s\n", topic ? topic : "(no topic)");
  fprintf(out, "  %zu participants (%zu in the conversation), %zu statements, %ld votes\n",
          r->n_rows, r->n_in_conv, r->n_cols, votes);
  fprintf(out, "  %zu base clusters; groups chosen by silhouette:", r->n_base);
  for (size_t k = 2; k <= GP_POLIS_MAX_GROUPS; k++)
    if (isfinite(r->silhouette[k])) fprintf(out, " k=%zu %.3f", k, r->silhouette[k]);
  fprintf(out, " -> %zu groups\n", r->n_groups);
  for (size_t g = 0; g < r->n_groups; g++) {
    fprintf(out, "\nGroup %zu: %zu participants\n", g, r->groups[g].size);
    for (size_t k = 0; k < r->groups[g].n_rep; k++) {
      const gp_polis_pick *p = &r->groups[g].rep[k];
      fprintf(out, "  %-8s %3.0f%%  #%-5lld ", p->direction > 0 ? "agree" : "disagree",
              100 * p->p_success, (long long)x->comments[p->statement].id);
      gp_delib_text(out, x->comments[p->statement].body, 70);
      fputc('\n', out);
    }
  }
  fprintf(out, "\nConsensus (everyone):\n");
  for (size_t k = 0; k < r->n_cons_agree + r->n_cons_disagree; k++) {
    const gp_polis_pick *p =
        k < r->n_cons_agree ? &r->cons_agree[k] : &r->cons_disagree[k - r->n_cons_agree];
    fprintf(out, "  %-8s %3.0f%%  #%-5lld ", p->direction > 0 ? "agree" : "disagree",
            100 * p->p_success, (long long)x->comments[p->statement].id);
    gp_delib_text(out, x->comments[p->statement].body, 70);
    fputc('\n', out);
  }
  fprintf(out, "\nGroup-informed consensus (top 5):\n");
  bool *shown = calloc(r->n_cols + 1, sizeof *shown);
  for (int t = 0; t < 5 && shown; t++) {
    long best = -1;
    for (size_t j = 0; j < r->n_cols; j++)
      if (r->used[j] && !shown[j] && (best < 0 || r->gic[j] > r->gic[best])) best = (long)j;
    if (best < 0) break;
    shown[best] = true;
    fprintf(out, "  %.4f  #%-5lld ", r->gic[best], (long long)x->comments[best].id);
    gp_delib_text(out, x->comments[best].body, 70);
    fputc('\n', out);
  }
  free(shown);
  fprintf(out, "\nDivisive (largest spread of agreement between groups):\n");
  for (size_t k = 0; k < r->n_divisive; k++) {
    size_t j = r->divisive[k];
    fprintf(out, "  %.3f  #%-5lld ", r->spread[j], (long long)x->comments[j].id);
    gp_delib_text(out, x->comments[j].body, 70);
    fputc('\n', out);
  }
  if (ag)
    fprintf(out,
            "\nAgreement with Pol.is's groups (%zu participants): adjusted Rand index %.3f, "
            "%.1f%% in matching groups\n",
            ag->n, ag->ari, 100 * ag->share);
}

/* Our groups against the export's group-id column. Returns false if the
 * export has none. */
static bool gp_delib_agreement(const gp_polisio_export *x, const gp_polis_result *r,
                               gp_polis_agreement *ag) {
  if (!x->has_groups) return false;
  int *theirs = malloc((x->n_participants + 1) * sizeof *theirs);
  if (!theirs) return false;
  bool any = false;
  for (size_t i = 0; i < x->n_participants; i++) {
    theirs[i] = x->participants[i].group_id;
    if (theirs[i] >= 8) theirs[i] = -1;
    any |= theirs[i] >= 0;
  }
  bool ok = any && gp_polis_agreement_of(r->group, theirs, x->n_participants, ag) == 0;
  free(theirs);
  return ok;
}

/* A vote event's place in time: (timestamp, position in the file). */
typedef struct gp_delib_when {
  int64_t t;  /* timestamp */
  size_t pos; /* position in votes.csv */
} gp_delib_when;

static int gp_delib_by_time(const void *pa, const void *pb) {
  const gp_delib_when *a = pa, *b = pb;
  if (a->t != b->t) return a->t < b->t ? -1 : 1;
  return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Replays the conversation as Pol.is ran it: the votes in time order, cut
 * into `batches` updates of equal size but the last, each analysed from the
 * state the one before left (warm starts, the group-k smoother). Leaves the
 * state before the last update in *warm. Updates too early to form groups
 * are skipped. */
static gp_code gp_delib_replay(const gp_polisio_export *x, const bool *mod_out,
                               const gp_polis_opts *o, long batches, gp_polis_warm *warm,
                               gp_error *err) {
  size_t n = x->n_votes;
  gp_delib_when *ord = malloc((n + 1) * sizeof *ord);
  gp_polis_event *ev = malloc((n + 1) * sizeof *ev);
  if (!ord || !ev) {
    free(ord);
    free(ev);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (size_t i = 0; i < n; i++)
    ord[i] = (gp_delib_when){x->votes[i].timestamp, i};
  qsort(ord, n, sizeof *ord, gp_delib_by_time);
  for (size_t k = 0; k < n; k++) {
    const gp_polisio_vote *v = &x->votes[ord[k].pos];
    ev[k].time = v->timestamp;
    ev[k].participant = (uint32_t)gp_polisio_participant_index(x, v->voter_id);
    ev[k].statement = (uint32_t)gp_polisio_comment_index(x, v->comment_id);
    ev[k].vote = (int8_t)v->vote;
  }
  gp_code rc = GP_OK;
  for (long b = 1; b < batches && !rc; b++) {
    size_t cut = (size_t)((double)n * (double)b / (double)batches);
    gp_polis_matrix m;
    if ((rc = gp_polis_matrix_from_events(ev, cut, x->n_participants, x->n_comments, &m, err)))
      break;
    int64_t *first = malloc((m.nnz + 1) * sizeof *first);
    if (!first) {
      gp_polis_matrix_free(&m);
      rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
      break;
    }
    gp_polis_matrix_first_times(&m, ev, cut, first);
    gp_polis_input in = {
        .m = &m, .mod_out = mod_out, .first = first, .warm = warm->n_rows ? warm : NULL};
    gp_polis_result r;
    gp_error e2;
    if (gp_polis_analyse(&in, o, &r, &e2) == GP_OK) {
      rc = gp_polis_warm_save(&r, warm, err);
      gp_polis_result_free(&r);
    } else if (e2.code != GP_EINVAL) {
      *err = e2;
      rc = e2.code;
    }
    free(first);
    gp_polis_matrix_free(&m);
  }
  free(ord);
  free(ev);
  return rc;
}

static int gp_delib_analyse(int argc, char **argv) {
  const char *dir = NULL;
  bool json = false, history = true;
  long replay = 1;
  const char *write_dir = NULL, *db = NULL;
  gp_polis_opts o = gp_polis_opts_default();
  long cpus = sysconf(_SC_NPROCESSORS_ONLN); /* results do not depend on the threads */
  o.threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
  gp_error err;
  gp_error_clear(&err);
  for (int i = 1; i < argc; i++) {
    long v;
    if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (!strcmp(argv[i], "--write") && i + 1 < argc) {
      write_dir = argv[++i];
    } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
      db = argv[++i];
    } else if (!strcmp(argv[i], "--no-history")) {
      history = false;
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      if (gp_cli_parse_long("--seed", argv[++i], 0, 2147483647L, &v, &err))
        return gp_cli_report(&err);
      o.seed = (uint64_t)v;
    } else if (!strcmp(argv[i], "--min-votes") && i + 1 < argc) {
      if (gp_cli_parse_long("--min-votes", argv[++i], 1, 1000000, &v, &err))
        return gp_cli_report(&err);
      o.min_votes = (size_t)v;
    } else if (!strcmp(argv[i], "--replay") && i + 1 < argc) {
      if (gp_cli_parse_long("--replay", argv[++i], 1, 100000, &v, &err)) return gp_cli_report(&err);
      replay = v;
    } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
      if (gp_cli_parse_long("--threads", argv[++i], 1, 64, &v, &err)) return gp_cli_report(&err);
      o.threads = (int)v;
    } else if (!strcmp(argv[i], "--init") && i + 1 < argc) {
      const char *s = argv[++i];
      if (!strcmp(s, "polis"))
        o.base_init = o.group_init = GP_POLIS_INIT_FIRST;
      else if (!strcmp(s, "plusplus"))
        o.base_init = o.group_init = GP_POLIS_INIT_PLUSPLUS;
      else
        return gp_cli_usage("deliberation", "--init: '%s' is not polis or plusplus", s);
    } else if (argv[i][0] == '-') {
      return gp_cli_usage("deliberation", "unknown option '%s'; usage: %s", argv[i],
                          gp_delib_usage);
    } else if (!dir) {
      dir = argv[i];
    } else {
      return gp_cli_usage("deliberation", "one directory only; usage: %s", gp_delib_usage);
    }
  }
  if (!dir) return gp_cli_usage("deliberation", "usage: %s", gp_delib_usage);
  gp_polisio_export x;
  struct stat sb;
  if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    if (gp_polisio_read_dir(dir, &x, &err)) return gp_cli_report(&err);
  } else {
    /* not a directory: a stored conversation's id */
    gp_store *s;
    if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
    gp_code lrc = gp_app_delib_load(s, dir, &x, &err);
    gp_store_close(s);
    if (lrc) return gp_cli_report(&err);
  }
  gp_polis_matrix m;
  bool *mod_out = NULL;
  int64_t *first = NULL;
  if (gp_polisio_matrix_history(&x, &m, &mod_out, history ? &first : NULL, &err)) {
    gp_polisio_free(&x);
    return gp_cli_report(&err);
  }
  gp_polis_input in = {.m = &m, .mod_out = mod_out, .is_meta = NULL, .first = first};
  gp_polis_result r;
  int rc = 0;
  gp_polis_warm warm = {0};
  if (replay > 1 && gp_delib_replay(&x, mod_out, &o, replay, &warm, &err)) {
    rc = gp_cli_report(&err);
    goto out;
  }
  if (replay > 1) in.warm = &warm;
  if (gp_polis_analyse(&in, &o, &r, &err)) {
    rc = gp_cli_report(&err);
  } else {
    gp_polis_agreement ag;
    bool have = gp_delib_agreement(&x, &r, &ag);
    /* --write OUT: the same export with our group ids, before printing */
    if (write_dir && gp_polisio_write_dir(write_dir, &x, r.group, &err)) {
      rc = gp_cli_report(&err);
      gp_polis_result_free(&r);
      goto out;
    }
    if (json) {
      json_t *doc = gp_polisjson_analysis(&x, &r, &o, have ? &ag : NULL);
      rc = doc ? gp_cli_print_json(stdout, doc) : 1;
      json_decref(doc);
    } else {
      gp_delib_print(stdout, &x, &r, have ? &ag : NULL);
    }
    gp_polis_result_free(&r);
  }
out:
  gp_polis_warm_free(&warm);
  free(mod_out);
  free(first);
  gp_polis_matrix_free(&m);
  gp_polisio_free(&x);
  return rc;
}

/* deliberation import DIR [--id ID] [--mission M] [--assumption A] [--db DB] [--json] */
static int gp_delib_import(int argc, char **argv) {
  gp_delib_import_req q = {0};
  const char *db = NULL;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
      db = argv[++i];
    } else if (!strcmp(argv[i], "--id") && i + 1 < argc) {
      q.id = argv[++i];
    } else if (!strcmp(argv[i], "--mission") && i + 1 < argc) {
      q.mission_id = argv[++i];
    } else if (!strcmp(argv[i], "--assumption") && i + 1 < argc) {
      q.assumption_id = argv[++i];
    } else if (argv[i][0] == '-' || q.dir) {
      return gp_cli_usage("deliberation", "unexpected '%s'; usage: %s", argv[i], gp_delib_usage);
    } else {
      q.dir = argv[i];
    }
  }
  if (!q.dir) return gp_cli_usage("deliberation", "usage: %s", gp_delib_usage);
  if (q.assumption_id && !q.mission_id)
    return gp_cli_usage("deliberation", "--assumption needs --mission");
  gp_error err;
  gp_error_clear(&err);
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  gp_delib_import_res res;
  gp_code rc = gp_app_delib_import(s, &q, &res, &err);
  gp_store_close(s);
  if (rc) return gp_cli_report(&err);
  if (json) {
    json_t *doc =
        json_pack("{sssIsIsI}", "id", res.id, "statements", (json_int_t)res.statements,
                  "participants", (json_int_t)res.participants, "votes", (json_int_t)res.votes);
    int r = doc ? gp_cli_print_json(stdout, doc) : 1;
    json_decref(doc);
    return r;
  }
  printf("Imported conversation %s: %zu statements, %zu participants, %zu votes\n", res.id,
         res.statements, res.participants, res.votes);
  return 0;
}

/* deliberation export ID DIR [--seed S] [--db DB] [--json] */
static int gp_delib_export(int argc, char **argv) {
  const char *id = NULL, *dir = NULL, *db = NULL;
  bool json = false;
  gp_polis_opts o = gp_polis_opts_default();
  gp_error err;
  gp_error_clear(&err);
  for (int i = 1; i < argc; i++) {
    long v;
    if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
      db = argv[++i];
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      if (gp_cli_parse_long("--seed", argv[++i], 0, 2147483647L, &v, &err))
        return gp_cli_report(&err);
      o.seed = (uint64_t)v;
    } else if (argv[i][0] == '-' || (id && dir)) {
      return gp_cli_usage("deliberation", "unexpected '%s'; usage: %s", argv[i], gp_delib_usage);
    } else if (!id) {
      id = argv[i];
    } else {
      dir = argv[i];
    }
  }
  if (!id || !dir) return gp_cli_usage("deliberation", "usage: %s", gp_delib_usage);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  o.threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  bool grouped = false;
  gp_code rc = gp_app_delib_export(s, id, dir, &o, &grouped, &err);
  gp_store_close(s);
  if (rc) return gp_cli_report(&err);
  if (json) {
    json_t *doc = json_pack("{sssssb}", "id", id, "dir", dir, "grouped", grouped);
    int r = doc ? gp_cli_print_json(stdout, doc) : 1;
    json_decref(doc);
    return r;
  }
  printf("Exported conversation %s to %s%s\n", id, dir,
         grouped ? " with our group ids" : " (too few votes to form groups: no group ids)");
  return 0;
}

/* deliberation new ID --title T [--question Q] [--mission M [--assumption A]]
 *                  [--statement TEXT]... [--db DB] [--json] */
static int gp_delib_new(int argc, char **argv) {
  gp_delib_create_req q = {0};
  const char *db = NULL;
  bool json = false;
  const char **seeds = calloc((size_t)argc + 1, sizeof *seeds);
  if (!seeds) return gp_cli_usage("deliberation", "out of memory");
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
      db = argv[++i];
    } else if (!strcmp(argv[i], "--title") && i + 1 < argc) {
      q.title = argv[++i];
    } else if (!strcmp(argv[i], "--question") && i + 1 < argc) {
      q.question = argv[++i];
    } else if (!strcmp(argv[i], "--mission") && i + 1 < argc) {
      q.mission_id = argv[++i];
    } else if (!strcmp(argv[i], "--assumption") && i + 1 < argc) {
      q.assumption_id = argv[++i];
    } else if (!strcmp(argv[i], "--statement") && i + 1 < argc) {
      seeds[q.n_statements++] = argv[++i];
    } else if (argv[i][0] == '-' || q.id) {
      free(seeds);
      return gp_cli_usage("deliberation", "unexpected '%s'; usage: %s", argv[i], gp_delib_usage);
    } else {
      q.id = argv[i];
    }
  }
  q.statements = seeds;
  if (!q.id || !q.title) {
    free(seeds);
    return gp_cli_usage("deliberation", "give the id and --title; usage: %s", gp_delib_usage);
  }
  if (q.assumption_id && !q.mission_id) {
    free(seeds);
    return gp_cli_usage("deliberation", "--assumption needs --mission");
  }
  gp_error err;
  gp_error_clear(&err);
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) {
    free(seeds);
    return gp_cli_report(&err);
  }
  json_t *doc = NULL;
  gp_code rc = gp_app_delib_create(s, &q, &err);
  if (!rc) rc = gp_app_delib_conv_doc(s, q.id, true, &doc, &err);
  gp_store_close(s);
  free(seeds);
  if (rc) return gp_cli_report(&err);
  int r = 0;
  if (json) {
    r = gp_cli_print_json(stdout, doc);
  } else {
    printf("Opened conversation %s: %s\n", q.id, q.title);
    if (q.mission_id)
      printf("  on mission %s%s%s\n", q.mission_id, q.assumption_id ? ", assumption " : "",
             q.assumption_id ? q.assumption_id : "");
    printf("  %zu seed statement%s, approved\n", q.n_statements, q.n_statements == 1 ? "" : "s");
  }
  json_decref(doc);
  return r;
}

/* deliberation list [--mission M] [--db DB] [--json] */
static int gp_delib_list(int argc, char **argv) {
  const char *db = NULL, *mission = NULL;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      json = true;
    } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
      db = argv[++i];
    } else if (!strcmp(argv[i], "--mission") && i + 1 < argc) {
      mission = argv[++i];
    } else {
      return gp_cli_usage("deliberation", "unexpected '%s'; usage: %s", argv[i], gp_delib_usage);
    }
  }
  gp_error err;
  gp_error_clear(&err);
  gp_store *s;
  if (gp_store_open(gp_cli_db_path(db), false, &s, &err)) return gp_cli_report(&err);
  json_t *doc = NULL;
  gp_code rc = gp_app_delib_list_doc(s, true, mission, &doc, &err);
  gp_store_close(s);
  if (rc) return gp_cli_report(&err);
  int r = 0;
  json_t *convs = json_object_get(doc, "conversations");
  if (json) {
    r = gp_cli_print_json(stdout, doc);
  } else if (json_array_size(convs) == 0) {
    printf("No conversations%s%s\n", mission ? " on mission " : "", mission ? mission : "");
  } else {
    printf("%-24s %10s %12s %8s  %-20s %s\n", "ID", "STATEMENTS", "PARTICIPANTS", "VOTES",
           "MISSION", "TITLE");
    size_t i;
    json_t *c;
    json_array_foreach(convs, i, c) {
      const char *m = json_string_value(json_object_get(c, "mission"));
      printf("%-24s %10lld %12lld %8lld  %-20s ", json_string_value(json_object_get(c, "id")),
             (long long)json_integer_value(json_object_get(c, "statements")),
             (long long)json_integer_value(json_object_get(c, "participants")),
             (long long)json_integer_value(json_object_get(c, "votes")), m ? m : "-");
      gp_delib_text(stdout, json_string_value(json_object_get(c, "title")), 60);
      fputc('\n', stdout);
    }
  }
  json_decref(doc);
  return r;
}

int gp_cmd_deliberation(int argc, char **argv) {
  if (argc < 2) return gp_cli_usage("deliberation", "usage: %s", gp_delib_usage);
  if (!strcmp(argv[1], "analyse") || !strcmp(argv[1], "analyze"))
    return gp_delib_analyse(argc - 1, argv + 1);
  if (!strcmp(argv[1], "import")) return gp_delib_import(argc - 1, argv + 1);
  if (!strcmp(argv[1], "export")) return gp_delib_export(argc - 1, argv + 1);
  if (!strcmp(argv[1], "new")) return gp_delib_new(argc - 1, argv + 1);
  if (!strcmp(argv[1], "list")) return gp_delib_list(argc - 1, argv + 1);
  return gp_cli_usage("deliberation", "unknown subcommand '%s'; usage: %s", argv[1],
                      gp_delib_usage);
}
