/* gp_polisio — see gp_polisio.h. */
#include "io/gp_polisio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a small RFC 4180 CSV reader that knows where every field starts ---- */

/* One field of the current record. */
typedef struct gp_csv_field {
  char *s;    /* unescaped text, NUL-terminated (points into the reader's buffer) */
  size_t len; /* its length */
  long line;  /* line where the field starts (1-based) */
  long col;   /* column (characters, 1-based) */
} gp_csv_field;

/* The reader's state. */
typedef struct gp_csv {
  const char *name; /* file name for errors */
  const char *p;    /* next byte */
  const char *end;  /* end of the text */
  long line;        /* current line */
  long col;         /* current column (characters) */
  char *buf;        /* unescaped text of the record */
  size_t buf_cap;   /* its capacity */
  gp_csv_field *f;  /* fields of the record */
  size_t nf;        /* how many */
  size_t f_cap;     /* capacity */
  long rec_line;    /* line where the record starts */
} gp_csv;

static void gp_csv_adv(gp_csv *c) {
  unsigned char ch = (unsigned char)*c->p++;
  if (ch == '\n') {
    c->line++;
    c->col = 1;
  } else if ((ch & 0xC0) != 0x80) {
    c->col++;
  }
}

static gp_code gp_csv_fail(gp_csv *c, long line, long col, gp_error *err, const char *msg) {
  char path[256];
  snprintf(path, sizeof path, "%s:%ld:%ld", c->name, line, col);
  return gp_fail(err, GP_ESYNTAX, path, "%s", msg);
}

/* Reads the next record. Returns GP_OK with *got = false at the end. */
static gp_code gp_csv_next(gp_csv *c, bool *got, gp_error *err) {
  *got = false;
  c->nf = 0;
  if (c->p >= c->end) return GP_OK;
  size_t need = (size_t)(c->end - c->p) + 1;
  size_t used = 0;
  c->rec_line = c->line;
  for (;;) {
    if (c->nf == c->f_cap) {
      size_t nc = c->f_cap ? 2 * c->f_cap : 16;
      gp_csv_field *nf = realloc(c->f, nc * sizeof *nf);
      if (!nf) return gp_fail(err, GP_ENOMEM, c->name, "out of memory");
      c->f = nf;
      c->f_cap = nc;
    }
    if (c->buf_cap < used + 1 + (size_t)(c->end - c->p) + 1) {
      size_t nc = used + need + 64;
      char *nb = realloc(c->buf, nc);
      if (!nb) return gp_fail(err, GP_ENOMEM, c->name, "out of memory");
      /* re-point earlier fields into the new buffer */
      for (size_t i = 0; i < c->nf; i++)
        c->f[i].s = nb + (c->f[i].s - c->buf);
      c->buf = nb;
      c->buf_cap = nc;
    }
    gp_csv_field *fd = &c->f[c->nf++];
    fd->line = c->line;
    fd->col = c->col;
    fd->s = c->buf + used;
    size_t start = used;
    if (c->p < c->end && *c->p == '"') {
      long ql = c->line, qc = c->col;
      gp_csv_adv(c);
      for (;;) {
        if (c->p >= c->end) return gp_csv_fail(c, ql, qc, err, "quoted field is never closed");
        if (*c->p == '"') {
          if (c->p + 1 < c->end && c->p[1] == '"') {
            c->buf[used++] = '"';
            gp_csv_adv(c);
            gp_csv_adv(c);
            continue;
          }
          gp_csv_adv(c);
          break;
        }
        if (*c->p == '\0') return gp_csv_fail(c, c->line, c->col, err, "NUL byte in the file");
        c->buf[used++] = *c->p;
        gp_csv_adv(c);
      }
      if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
        return gp_csv_fail(c, c->line, c->col, err, "unexpected character after a closing quote");
    } else {
      /* fast path: find the end of the field, then copy it and count its characters */
      const char *q = c->p;
      while (q < c->end && *q != ',' && *q != '\n' && *q != '\r' && *q != '"' && *q != '\0')
        q++;
      size_t len = (size_t)(q - c->p);
      memcpy(c->buf + used, c->p, len);
      used += len;
      for (const char *r = c->p; r < q; r++)
        c->col += ((unsigned char)*r & 0xC0) != 0x80;
      c->p = q;
      if (c->p < c->end && *c->p == '"')
        return gp_csv_fail(c, c->line, c->col, err, "quote inside an unquoted field");
      if (c->p < c->end && *c->p == '\0')
        return gp_csv_fail(c, c->line, c->col, err, "NUL byte in the file");
    }
    c->buf[used++] = '\0';
    fd->len = used - 1 - start;
    if (c->p >= c->end) break;
    if (*c->p == ',') {
      gp_csv_adv(c);
      continue;
    }
    if (*c->p == '\r') {
      gp_csv_adv(c);
      if (c->p < c->end && *c->p == '\n')
        gp_csv_adv(c);
      else if (c->p < c->end)
        return gp_csv_fail(c, c->line, c->col, err, "carriage return without a line feed");
      break;
    }
    gp_csv_adv(c); /* '\n' */
    break;
  }
  *got = true;
  return GP_OK;
}

static void gp_csv_done(gp_csv *c) {
  free(c->buf);
  free(c->f);
}

static gp_code gp_field_fail(gp_csv *c, const gp_csv_field *f, gp_code code, gp_error *err,
                             const char *fmt, const char *arg) {
  char path[256];
  snprintf(path, sizeof path, "%s:%ld:%ld", c->name, f->line, f->col);
  return gp_fail(err, code, path, fmt, arg);
}

/* Parses a whole integer field. */
static bool gp_parse_i64(const gp_csv_field *f, int64_t *out) {
  if (f->len == 0) return false;
  errno = 0;
  char *end;
  long long v = strtoll(f->s, &end, 10);
  if (errno || *end || end == f->s) return false;
  *out = (int64_t)v;
  return true;
}

/* Finds a header column by name; -1 if absent. */
static long gp_col(const gp_csv *c, const char *name) {
  for (size_t i = 0; i < c->nf; i++)
    if (!strcmp(c->f[i].s, name)) return (long)i;
  return -1;
}

static gp_code gp_need_col(gp_csv *c, const char *name, long *out, gp_error *err) {
  *out = gp_col(c, name);
  if (*out >= 0) return GP_OK;
  char path[256];
  snprintf(path, sizeof path, "%s:1:1", c->name);
  return gp_fail(err, GP_EINVAL, path, "the header has no '%s' column", name);
}

/* A growable array in the arena's absence (freed or handed to the arena). */
static void *gp_grow(void *p, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return p;
  size_t nc = *cap ? 2 * *cap : 64;
  void *q = realloc(p, nc * size);
  if (!q) return NULL;
  *cap = nc;
  return q;
}

static int gp_cmp_comment(const void *a, const void *b) {
  int64_t x = ((const gp_polisio_comment *)a)->id, y = ((const gp_polisio_comment *)b)->id;
  return x < y ? -1 : x > y;
}

static int gp_cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* Copies a heap array into the arena and frees it. */
static void *gp_to_arena(gp_arena *a, void *p, size_t bytes) {
  void *q = gp_arena_alloc(a, bytes ? bytes : 1);
  if (bytes) memcpy(q, p, bytes);
  free(p);
  return q;
}

static const char *gp_opt_str(gp_arena *a, const gp_csv *c, long col) {
  if (col < 0 || (size_t)col >= c->nf) return "";
  return gp_arena_strndup(a, c->f[col].s, c->f[col].len);
}

/* Reads an optional integer column (def when absent or empty). */
static gp_code gp_opt_int(gp_csv *c, long col, int64_t def, int64_t *out, gp_error *err) {
  *out = def;
  if (col < 0 || (size_t)col >= c->nf || c->f[col].len == 0) return GP_OK;
  if (!gp_parse_i64(&c->f[col], out))
    return gp_field_fail(c, &c->f[col], GP_EINVAL, err, "'%s' is not a whole number", c->f[col].s);
  return GP_OK;
}

static gp_code gp_check_width(gp_csv *c, size_t want, gp_error *err) {
  if (c->nf == want) return GP_OK;
  char path[256];
  snprintf(path, sizeof path, "%s:%ld:1", c->name, c->rec_line);
  return gp_fail(err, GP_ESYNTAX, path, "the row has %zu fields, the header %zu", c->nf, want);
}

static gp_code gp_read_comments(const char *text, size_t len, const char *name,
                                gp_polisio_export *x, gp_error *err) {
  gp_csv c = {.name = name, .p = text, .end = text + len, .line = 1, .col = 1};
  bool got;
  gp_code rc = gp_csv_next(&c, &got, err);
  gp_polisio_comment *v = NULL;
  size_t n = 0, cap = 0;
  if (rc) goto done;
  if (!got) {
    rc = gp_fail(err, GP_EINVAL, name, "the file is empty: no header");
    goto done;
  }
  long c_ts = gp_col(&c, "timestamp"), c_dt = gp_col(&c, "datetime"), c_id, c_body;
  long c_auth = gp_col(&c, "author-id"), c_ag = gp_col(&c, "agrees"),
       c_dis = gp_col(&c, "disagrees"), c_mod = gp_col(&c, "moderated");
  if ((rc = gp_need_col(&c, "comment-id", &c_id, err))) goto done;
  if ((rc = gp_need_col(&c, "comment-body", &c_body, err))) goto done;
  size_t width = c.nf;
  for (;;) {
    if ((rc = gp_csv_next(&c, &got, err))) goto done;
    if (!got) break;
    if (c.nf == 1 && c.f[0].len == 0) continue; /* blank line */
    if ((rc = gp_check_width(&c, width, err))) goto done;
    v = gp_grow(v, &cap, n, sizeof *v);
    if (!v) {
      rc = gp_fail(err, GP_ENOMEM, name, "out of memory");
      goto done;
    }
    gp_polisio_comment *cm = &v[n];
    int64_t t;
    if ((rc = gp_opt_int(&c, c_ts, 0, &cm->timestamp, err))) goto done;
    if (!gp_parse_i64(&c.f[c_id], &cm->id) || cm->id < 0) {
      rc = gp_field_fail(&c, &c.f[c_id], GP_EINVAL, err,
                         "comment-id '%s' is not a non-negative whole number", c.f[c_id].s);
      goto done;
    }
    if ((rc = gp_opt_int(&c, c_auth, -1, &cm->author, err))) goto done;
    if ((rc = gp_opt_int(&c, c_ag, -1, &t, err))) goto done;
    cm->agrees = (long)t;
    if ((rc = gp_opt_int(&c, c_dis, -1, &t, err))) goto done;
    cm->disagrees = (long)t;
    if ((rc = gp_opt_int(&c, c_mod, 1, &t, err))) goto done;
    if (t < -1 || t > 1) {
      rc = gp_field_fail(&c, &c.f[c_mod], GP_EINVAL, err, "moderated '%s' is not -1, 0 or 1",
                         c.f[c_mod].s);
      goto done;
    }
    cm->moderated = (int)t;
    cm->datetime = gp_opt_str(&x->arena, &c, c_dt);
    cm->body = gp_opt_str(&x->arena, &c, c_body);
    n++;
  }
  if (n) qsort(v, n, sizeof *v, gp_cmp_comment);
  for (size_t i = 1; i < n; i++)
    if (v[i].id == v[i - 1].id) {
      char msg[64];
      snprintf(msg, sizeof msg, "%lld", (long long)v[i].id);
      rc = gp_fail(err, GP_EINVAL, name, "comment-id %s appears more than once", msg);
      goto done;
    }
  x->comments = gp_to_arena(&x->arena, v, n * sizeof *v);
  v = NULL;
  x->n_comments = n;
done:
  free(v);
  gp_csv_done(&c);
  return rc;
}

static gp_code gp_read_votes(const char *text, size_t len, const char *name, gp_polisio_export *x,
                             gp_error *err) {
  gp_csv c = {.name = name, .p = text, .end = text + len, .line = 1, .col = 1};
  bool got;
  gp_polisio_vote *v = NULL;
  size_t n = 0, cap = 0;
  gp_code rc = gp_csv_next(&c, &got, err);
  if (rc) goto done;
  if (!got) {
    rc = gp_fail(err, GP_EINVAL, name, "the file is empty: no header");
    goto done;
  }
  long c_ts = gp_col(&c, "timestamp"), c_dt = gp_col(&c, "datetime"), c_cid, c_vid, c_vote;
  if ((rc = gp_need_col(&c, "comment-id", &c_cid, err))) goto done;
  if ((rc = gp_need_col(&c, "voter-id", &c_vid, err))) goto done;
  if ((rc = gp_need_col(&c, "vote", &c_vote, err))) goto done;
  size_t width = c.nf;
  for (;;) {
    if ((rc = gp_csv_next(&c, &got, err))) goto done;
    if (!got) break;
    if (c.nf == 1 && c.f[0].len == 0) continue;
    if ((rc = gp_check_width(&c, width, err))) goto done;
    v = gp_grow(v, &cap, n, sizeof *v);
    if (!v) {
      rc = gp_fail(err, GP_ENOMEM, name, "out of memory");
      goto done;
    }
    gp_polisio_vote *vt = &v[n];
    if ((rc = gp_opt_int(&c, c_ts, 0, &vt->timestamp, err))) goto done;
    if (!gp_parse_i64(&c.f[c_cid], &vt->comment_id)) {
      rc = gp_field_fail(&c, &c.f[c_cid], GP_EINVAL, err, "comment-id '%s' is not a whole number",
                         c.f[c_cid].s);
      goto done;
    }
    if (gp_polisio_comment_index(x, vt->comment_id) < 0) {
      rc = gp_field_fail(&c, &c.f[c_cid], GP_EINVAL, err,
                         "vote for statement %s, which is not in comments.csv", c.f[c_cid].s);
      goto done;
    }
    if (!gp_parse_i64(&c.f[c_vid], &vt->voter_id) || vt->voter_id < 0) {
      rc = gp_field_fail(&c, &c.f[c_vid], GP_EINVAL, err,
                         "voter-id '%s' is not a non-negative whole number", c.f[c_vid].s);
      goto done;
    }
    int64_t vv;
    if (!gp_parse_i64(&c.f[c_vote], &vv) || vv < -1 || vv > 1) {
      rc = gp_field_fail(&c, &c.f[c_vote], GP_EINVAL, err, "vote '%s' is not -1, 0 or 1",
                         c.f[c_vote].s);
      goto done;
    }
    vt->vote = (int)vv;
    vt->datetime = gp_opt_str(&x->arena, &c, c_dt);
    n++;
  }
  x->votes = gp_to_arena(&x->arena, v, n * sizeof *v);
  v = NULL;
  x->n_votes = n;
done:
  free(v);
  gp_csv_done(&c);
  return rc;
}

/* Reads participants-votes.csv into (id, group) pairs, checking every cell. */
static gp_code gp_read_ptpts(const char *text, size_t len, const char *name,
                             const gp_polisio_export *x, int64_t **ids, int **groups, size_t *n_out,
                             gp_error *err) {
  gp_csv c = {.name = name, .p = text, .end = text + len, .line = 1, .col = 1};
  bool got;
  int64_t *id = NULL;
  int *grp = NULL;
  size_t n = 0, cap = 0, cap2 = 0;
  gp_code rc = gp_csv_next(&c, &got, err);
  if (rc) goto done;
  if (!got) {
    rc = gp_fail(err, GP_EINVAL, name, "the file is empty: no header");
    goto done;
  }
  long c_p, c_g;
  if ((rc = gp_need_col(&c, "participant", &c_p, err))) goto done;
  if ((rc = gp_need_col(&c, "group-id", &c_g, err))) goto done;
  size_t width = c.nf;
  /* every all-digit header names a statement */
  for (size_t i = 0; i < c.nf; i++) {
    int64_t sid;
    if (!gp_parse_i64(&c.f[i], &sid)) continue;
    if (gp_polisio_comment_index(x, sid) < 0) {
      rc = gp_field_fail(&c, &c.f[i], GP_EINVAL, err,
                         "column '%s' names a statement that is not in comments.csv", c.f[i].s);
      goto done;
    }
  }
  bool *is_vote = calloc(width, sizeof *is_vote);
  if (!is_vote) {
    rc = gp_fail(err, GP_ENOMEM, name, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < width; i++) {
    int64_t sid;
    is_vote[i] = gp_parse_i64(&c.f[i], &sid);
  }
  for (;;) {
    if ((rc = gp_csv_next(&c, &got, err))) break;
    if (!got) break;
    if (c.nf == 1 && c.f[0].len == 0) continue;
    if ((rc = gp_check_width(&c, width, err))) break;
    id = gp_grow(id, &cap, n, sizeof *id);
    grp = gp_grow(grp, &cap2, n, sizeof *grp);
    if (!id || !grp) {
      rc = gp_fail(err, GP_ENOMEM, name, "out of memory");
      break;
    }
    if (!gp_parse_i64(&c.f[c_p], &id[n]) || id[n] < 0) {
      rc = gp_field_fail(&c, &c.f[c_p], GP_EINVAL, err,
                         "participant '%s' is not a non-negative whole number", c.f[c_p].s);
      break;
    }
    int64_t g = -1;
    if (c.f[c_g].len && (!gp_parse_i64(&c.f[c_g], &g) || g < 0 || g > 1000)) {
      rc = gp_field_fail(&c, &c.f[c_g], GP_EINVAL, err, "group-id '%s' is not a group number",
                         c.f[c_g].s);
      break;
    }
    grp[n] = (int)g;
    for (size_t i = 0; i < width && !rc; i++) {
      if (!is_vote[i] || c.f[i].len == 0) continue;
      int64_t vv;
      if (!gp_parse_i64(&c.f[i], &vv) || vv < -1 || vv > 1)
        rc = gp_field_fail(&c, &c.f[i], GP_EINVAL, err, "vote '%s' is not -1, 0 or 1", c.f[i].s);
    }
    if (rc) break;
    n++;
  }
  free(is_vote);
done:
  gp_csv_done(&c);
  if (rc) {
    free(id);
    free(grp);
    return rc;
  }
  *ids = id;
  *groups = grp;
  *n_out = n;
  return GP_OK;
}

static gp_code gp_read_summary(const char *text, size_t len, const char *name, gp_polisio_export *x,
                               gp_error *err) {
  gp_csv c = {.name = name, .p = text, .end = text + len, .line = 1, .col = 1};
  bool got;
  gp_polisio_kv *v = NULL;
  size_t n = 0, cap = 0;
  gp_code rc;
  for (;;) {
    if ((rc = gp_csv_next(&c, &got, err))) break;
    if (!got) break;
    if (c.nf == 1 && c.f[0].len == 0) continue;
    if (c.nf > 2) {
      rc =
          gp_field_fail(&c, &c.f[2], GP_ESYNTAX, err, "%s", "a summary line has a key and a value");
      break;
    }
    v = gp_grow(v, &cap, n, sizeof *v);
    if (!v) {
      rc = gp_fail(err, GP_ENOMEM, name, "out of memory");
      break;
    }
    v[n].key = gp_opt_str(&x->arena, &c, 0);
    v[n].value = gp_opt_str(&x->arena, &c, 1);
    n++;
  }
  gp_csv_done(&c);
  if (rc) {
    free(v);
    return rc;
  }
  x->summary = gp_to_arena(&x->arena, v, n * sizeof *v);
  x->n_summary = n;
  return GP_OK;
}

static gp_code gp_parse_named(const gp_polisio_files *f, const char *dir, gp_polisio_export *out,
                              gp_error *err) {
  memset(out, 0, sizeof *out);
  char nc[1024], nv[1024], np[1024], ns[1024];
  const char *pre = dir ? dir : "", *sep = dir ? "/" : "";
  snprintf(nc, sizeof nc, "%s%scomments.csv", pre, sep);
  snprintf(nv, sizeof nv, "%s%svotes.csv", pre, sep);
  snprintf(np, sizeof np, "%s%sparticipants-votes.csv", pre, sep);
  snprintf(ns, sizeof ns, "%s%ssummary.csv", pre, sep);
  gp_code rc;
  int64_t *pid = NULL, *all = NULL;
  int *pgrp = NULL;
  size_t np_n = 0;
  if (!f->comments) {
    rc = gp_fail(err, GP_EINVAL, nc, "the export has no comments.csv");
    goto fail;
  }
  if (!f->votes) {
    rc = gp_fail(err, GP_EINVAL, nv, "the export has no votes.csv");
    goto fail;
  }
  if ((rc = gp_read_comments(f->comments, f->comments_len, nc, out, err))) goto fail;
  if ((rc = gp_read_votes(f->votes, f->votes_len, nv, out, err))) goto fail;
  if (f->participants) {
    if ((rc =
             gp_read_ptpts(f->participants, f->participants_len, np, out, &pid, &pgrp, &np_n, err)))
      goto fail;
    out->has_groups = true;
  }
  if (f->summary && (rc = gp_read_summary(f->summary, f->summary_len, ns, out, err))) goto fail;
  /* participants: every voter and every listed participant, by id */
  size_t n_all = out->n_votes + np_n;
  all = malloc((n_all ? n_all : 1) * sizeof *all);
  if (!all) {
    rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < out->n_votes; i++)
    all[i] = out->votes[i].voter_id;
  for (size_t i = 0; i < np_n; i++)
    all[out->n_votes + i] = pid[i];
  qsort(all, n_all, sizeof *all, gp_cmp_i64);
  size_t u = 0;
  for (size_t i = 0; i < n_all; i++)
    if (u == 0 || all[i] != all[u - 1]) all[u++] = all[i];
  out->participants = gp_arena_alloc(&out->arena, (u ? u : 1) * sizeof *out->participants);
  out->n_participants = u;
  for (size_t i = 0; i < u; i++) {
    out->participants[i].id = all[i];
    out->participants[i].group_id = -1;
  }
  for (size_t i = 0; i < np_n; i++) {
    long k = gp_polisio_participant_index(out, pid[i]);
    if (out->participants[k].group_id != -1 && pgrp[i] != out->participants[k].group_id) {
      char msg[32];
      snprintf(msg, sizeof msg, "%lld", (long long)pid[i]);
      rc = gp_fail(err, GP_EINVAL, np, "participant %s is listed twice with different groups", msg);
      goto fail;
    }
    out->participants[k].group_id = pgrp[i];
  }
  for (size_t i = 0; i < out->n_comments; i++) {
    long k = gp_polisio_participant_index(out, out->comments[i].author);
    if (k >= 0) out->participants[k].n_comments++;
  }
  free(pid);
  free(pgrp);
  free(all);
  return GP_OK;
fail:
  free(pid);
  free(pgrp);
  free(all);
  gp_polisio_free(out);
  return rc;
}

gp_code gp_polisio_parse(const gp_polisio_files *f, gp_polisio_export *out, gp_error *err) {
  return gp_parse_named(f, NULL, out, err);
}

static gp_code gp_slurp(const char *path, bool required, char **data, size_t *len, gp_error *err) {
  *data = NULL;
  *len = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    if (!required && errno == ENOENT) return GP_OK;
    return gp_fail(err, errno == ENOENT ? GP_EINVAL : GP_EIO, path, "cannot open: %s",
                   strerror(errno));
  }
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap);
  while (b) {
    if (n == cap) {
      char *nb = realloc(b, cap * 2);
      if (!nb) {
        free(b);
        b = NULL;
        break;
      }
      b = nb;
      cap *= 2;
    }
    size_t r = fread(b + n, 1, cap - n, fp);
    n += r;
    if (r == 0) break;
  }
  bool bad = ferror(fp);
  fclose(fp);
  if (!b) return gp_fail(err, GP_ENOMEM, path, "out of memory reading the file");
  if (bad) {
    free(b);
    return gp_fail(err, GP_EIO, path, "read error");
  }
  *data = b;
  *len = n;
  return GP_OK;
}

gp_code gp_polisio_read_dir(const char *dir, gp_polisio_export *out, gp_error *err) {
  memset(out, 0, sizeof *out);
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return gp_fail(err, GP_EINVAL, dir, "not a directory");
  char p[4][1024];
  const char *names[4] = {"comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"};
  char *data[4] = {0};
  size_t len[4] = {0};
  gp_code rc = GP_OK;
  for (int i = 0; i < 4 && !rc; i++) {
    snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    rc = gp_slurp(p[i], i < 2, &data[i], &len[i], err);
  }
  if (!rc) {
    gp_polisio_files f = {data[0], len[0], data[1], len[1], data[2], len[2], data[3], len[3]};
    rc = gp_parse_named(&f, dir, out, err);
  }
  for (int i = 0; i < 4; i++)
    free(data[i]);
  return rc;
}

void gp_polisio_free(gp_polisio_export *x) {
  if (!x) return;
  gp_arena_free(&x->arena);
  memset(x, 0, sizeof *x);
}

long gp_polisio_comment_index(const gp_polisio_export *x, int64_t id) {
  size_t lo = 0, hi = x->n_comments;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->comments[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < x->n_comments && x->comments[lo].id == id ? (long)lo : -1;
}

long gp_polisio_participant_index(const gp_polisio_export *x, int64_t id) {
  size_t lo = 0, hi = x->n_participants;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->participants[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < x->n_participants && x->participants[lo].id == id ? (long)lo : -1;
}

gp_code gp_polisio_matrix(const gp_polisio_export *x, gp_polis_matrix *m, bool **mod_out,
                          gp_error *err) {
  return gp_polisio_matrix_history(x, m, mod_out, NULL, err);
}

gp_code gp_polisio_matrix_history(const gp_polisio_export *x, gp_polis_matrix *m, bool **mod_out,
                                  int64_t **first, gp_error *err) {
  gp_polis_event *ev = malloc((x->n_votes ? x->n_votes : 1) * sizeof *ev);
  if (!ev) return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  for (size_t i = 0; i < x->n_votes; i++) {
    ev[i].time = x->votes[i].timestamp;
    ev[i].participant = (uint32_t)gp_polisio_participant_index(x, x->votes[i].voter_id);
    ev[i].statement = (uint32_t)gp_polisio_comment_index(x, x->votes[i].comment_id);
    ev[i].vote = (int8_t)x->votes[i].vote;
  }
  gp_code rc =
      gp_polis_matrix_from_events(ev, x->n_votes, x->n_participants, x->n_comments, m, err);
  if (!rc && first) {
    *first = malloc((m->nnz + 1) * sizeof **first);
    if (!*first) {
      gp_polis_matrix_free(m);
      rc = gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    } else {
      gp_polis_matrix_first_times(m, ev, x->n_votes, *first);
    }
  }
  free(ev);
  if (rc) return rc;
  if (mod_out) {
    *mod_out = calloc(x->n_comments + 1, sizeof **mod_out);
    if (!*mod_out) {
      gp_polis_matrix_free(m);
      if (first) free(*first);
      return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
    }
    for (size_t j = 0; j < x->n_comments; j++)
      (*mod_out)[j] = x->comments[j].moderated < 0;
  }
  return GP_OK;
}

/* ---- writing ---- */

/* Writes s as a CSV field (quoted when it needs to be). */
static void gp_csv_put(FILE *fp, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, fp);
    return;
  }
  fputc('"', fp);
  for (; *s; s++) {
    if (*s == '"') fputc('"', fp);
    fputc(*s, fp);
  }
  fputc('"', fp);
}

static gp_code gp_write_files(const char *dir, const gp_polisio_export *x, const int *groups,
                              const gp_polis_matrix *m, char tmp[4][1100], gp_error *err) {
  FILE *fp;
  /* comments.csv, newest first as Pol.is writes it */
  if (!(fp = fopen(tmp[0], "w"))) return gp_fail(err, GP_EIO, tmp[0], "%s", strerror(errno));
  long *ag = calloc(x->n_comments + 1, sizeof *ag), *dis = calloc(x->n_comments + 1, sizeof *dis),
       *seen = calloc(x->n_comments + 1, sizeof *seen);
  if (!ag || !dis || !seen) {
    free(ag);
    free(dis);
    free(seen);
    fclose(fp);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  /* Pol.is's agrees/disagrees count vote events (export.clj enriched-comments-data) */
  for (size_t i = 0; i < x->n_votes; i++) {
    long k = gp_polisio_comment_index(x, x->votes[i].comment_id);
    if (k < 0) continue;
    if (x->votes[i].vote > 0)
      ag[k]++;
    else if (x->votes[i].vote < 0)
      dis[k]++;
  }
  fprintf(fp, "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n");
  for (size_t k = x->n_comments; k-- > 0;) {
    const gp_polisio_comment *c = &x->comments[k];
    fprintf(fp, "%lld,", (long long)c->timestamp);
    gp_csv_put(fp, c->datetime);
    fprintf(fp, ",%lld,%lld,%ld,%ld,%d,", (long long)c->id, (long long)c->author, ag[k], dis[k],
            c->moderated);
    gp_csv_put(fp, c->body);
    fputc('\n', fp);
  }
  free(ag);
  free(dis);
  free(seen);
  if (fclose(fp) != 0) return gp_fail(err, GP_EIO, tmp[0], "write failed");
  /* votes.csv: every event as read */
  if (!(fp = fopen(tmp[1], "w"))) return gp_fail(err, GP_EIO, tmp[1], "%s", strerror(errno));
  fprintf(fp, "timestamp,datetime,comment-id,voter-id,vote\n");
  for (size_t i = 0; i < x->n_votes; i++) {
    const gp_polisio_vote *v = &x->votes[i];
    fprintf(fp, "%lld,", (long long)v->timestamp);
    gp_csv_put(fp, v->datetime);
    fprintf(fp, ",%lld,%lld,%d\n", (long long)v->comment_id, (long long)v->voter_id, v->vote);
  }
  if (fclose(fp) != 0) return gp_fail(err, GP_EIO, tmp[1], "write failed");
  /* participants-votes.csv: one row a participant, latest votes */
  if (!(fp = fopen(tmp[2], "w"))) return gp_fail(err, GP_EIO, tmp[2], "%s", strerror(errno));
  fprintf(fp, "participant,group-id,n-comments,n-votes,n-agree,n-disagree");
  for (size_t j = 0; j < x->n_comments; j++)
    fprintf(fp, ",%lld", (long long)x->comments[j].id);
  fputc('\n', fp);
  int8_t *row = malloc(x->n_comments + 1);
  if (!row) {
    fclose(fp);
    return gp_fail(err, GP_ENOMEM, NULL, "out of memory");
  }
  for (size_t i = 0; i < x->n_participants; i++) {
    const gp_polisio_participant *p = &x->participants[i];
    int g = groups ? groups[i] : p->group_id;
    long na = 0, nd = 0, nv = 0;
    memset(row, 2, x->n_comments);
    for (size_t k = m->row_ptr[i]; k < m->row_ptr[i + 1]; k++) {
      row[m->col[k]] = m->val[k];
      nv++;
      na += m->val[k] > 0;
      nd += m->val[k] < 0;
    }
    fprintf(fp, "%lld,", (long long)p->id);
    if (g >= 0) fprintf(fp, "%d", g);
    fprintf(fp, ",%ld,%ld,%ld,%ld", p->n_comments, nv, na, nd);
    for (size_t j = 0; j < x->n_comments; j++) {
      if (row[j] == 2)
        fputc(',', fp);
      else
        fprintf(fp, ",%d", row[j]);
    }
    fputc('\n', fp);
  }
  free(row);
  if (fclose(fp) != 0) return gp_fail(err, GP_EIO, tmp[2], "write failed");
  /* summary.csv */
  if (!(fp = fopen(tmp[3], "w"))) return gp_fail(err, GP_EIO, tmp[3], "%s", strerror(errno));
  for (size_t i = 0; i < x->n_summary; i++) {
    gp_csv_put(fp, x->summary[i].key);
    fputc(',', fp);
    gp_csv_put(fp, x->summary[i].value);
    fputc('\n', fp);
  }
  if (fclose(fp) != 0) return gp_fail(err, GP_EIO, tmp[3], "write failed");
  (void)dir;
  return GP_OK;
}

gp_code gp_polisio_write_dir(const char *dir, const gp_polisio_export *x, const int *groups,
                             gp_error *err) {
  struct stat st;
  bool made = false;
  if (stat(dir, &st) != 0) {
    if (mkdir(dir, 0777) != 0)
      return gp_fail(err, GP_EIO, dir, "cannot create: %s", strerror(errno));
    made = true;
  } else if (!S_ISDIR(st.st_mode)) {
    return gp_fail(err, GP_EINVAL, dir, "not a directory");
  }
  gp_polis_matrix m;
  gp_code rc = gp_polisio_matrix(x, &m, NULL, err);
  if (rc) {
    if (made) rmdir(dir);
    return rc;
  }
  const char *names[4] = {"comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"};
  char tmp[4][1100], fin[4][1100];
  for (int i = 0; i < 4; i++) {
    snprintf(tmp[i], sizeof tmp[i], "%s/.%s.tmp%ld", dir, names[i], (long)getpid());
    snprintf(fin[i], sizeof fin[i], "%s/%s", dir, names[i]);
  }
  rc = gp_write_files(dir, x, groups, &m, tmp, err);
  gp_polis_matrix_free(&m);
  for (int i = 0; i < 4 && !rc; i++)
    if (rename(tmp[i], fin[i]) != 0) rc = gp_fail(err, GP_EIO, fin[i], "%s", strerror(errno));
  if (rc) {
    for (int i = 0; i < 4; i++)
      unlink(tmp[i]);
    if (made) rmdir(dir);
  }
  return rc;
}

/* ---- any CSV table ---- */

gp_code gp_polisio_table_read(const char *path, const char *data, size_t len, gp_polisio_table *t,
                              gp_error *err) {
  memset(t, 0, sizeof *t);
  char *owned = NULL;
  if (!data) {
    gp_code rc = gp_slurp(path, true, &owned, &len, err);
    if (rc) return rc;
    data = owned;
  }
  gp_csv c = {.name = path, .p = data, .end = data + len, .line = 1, .col = 1};
  bool got;
  const char **cells = NULL;
  long *line = NULL;
  size_t n = 0, cap = 0, cap2 = 0;
  gp_code rc = gp_csv_next(&c, &got, err);
  if (!rc && !got) rc = gp_fail(err, GP_EINVAL, path, "the file is empty: no header");
  if (!rc) {
    t->n_cols = c.nf;
    t->header = gp_arena_alloc(&t->arena, c.nf * sizeof *t->header);
    for (size_t i = 0; i < c.nf; i++)
      t->header[i] = gp_arena_strndup(&t->arena, c.f[i].s, c.f[i].len);
  }
  while (!rc) {
    if ((rc = gp_csv_next(&c, &got, err)) || !got) break;
    if (c.nf == 1 && c.f[0].len == 0) continue;
    if ((rc = gp_check_width(&c, t->n_cols, err))) break;
    line = gp_grow(line, &cap2, n, sizeof *line);
    if (!line) {
      rc = gp_fail(err, GP_ENOMEM, path, "out of memory");
      break;
    }
    size_t need = (n + 1) * t->n_cols;
    while (cap < need) {
      size_t nc = cap ? 2 * cap : 1024;
      const char **nb = realloc(cells, nc * sizeof *nb);
      if (!nb) break;
      cells = nb;
      cap = nc;
    }
    if (cap < need) {
      rc = gp_fail(err, GP_ENOMEM, path, "out of memory");
      break;
    }
    for (size_t i = 0; i < t->n_cols; i++)
      cells[n * t->n_cols + i] = gp_arena_strndup(&t->arena, c.f[i].s, c.f[i].len);
    line[n] = c.rec_line;
    n++;
  }
  gp_csv_done(&c);
  free(owned);
  if (rc) {
    free(cells);
    free(line);
    gp_polisio_table_free(t);
    return rc;
  }
  t->cells = gp_to_arena(&t->arena, cells, n * t->n_cols * sizeof *cells);
  t->line = gp_to_arena(&t->arena, line, n * sizeof *line);
  t->n_rows = n;
  return GP_OK;
}

void gp_polisio_table_free(gp_polisio_table *t) {
  if (!t) return;
  gp_arena_free(&t->arena);
  memset(t, 0, sizeof *t);
}

long gp_polisio_table_col(const gp_polisio_table *t, const char *name) {
  for (size_t i = 0; i < t->n_cols; i++)
    if (!strcmp(t->header[i], name)) return (long)i;
  return -1;
}
