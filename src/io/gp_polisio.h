/*
 * gp_polisio — reads and writes a Pol.is open-data export directory:
 * comments.csv, votes.csv, participants-votes.csv and summary.csv (the
 * format of github.com/compdemocracy/openData; votes coded 1 agree,
 * -1 disagree, 0 pass).
 *
 * Reading is strict and all-or-nothing: a malformed CSV, a vote other than
 * -1/0/1, a vote for a statement not in comments.csv, a duplicate statement
 * id, or a missing required column fails with the place named as
 * "file.csv:LINE:COLUMN" (1-based; COLUMN counts characters). comments.csv
 * and votes.csv are required; participants-votes.csv (Pol.is's group ids)
 * and summary.csv are read when present. Writing puts every file in place
 * only when all were written (temporary files, then rename).
 */
#ifndef GP_POLISIO_H
#define GP_POLISIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gp_polis_matrix.h"
#include "util/gp_arena.h"
#include "util/gp_error.h"

/* One statement (a row of comments.csv). */
typedef struct gp_polisio_comment {
  int64_t timestamp;    /* creation time in ms (0 if absent) */
  const char *datetime; /* creation time as written ("" if absent) */
  int64_t id;           /* comment-id: the statement id */
  int64_t author;       /* author-id (-1 if absent) */
  long agrees;          /* agrees as exported (recomputed when absent) */
  long disagrees;       /* disagrees as exported (recomputed when absent) */
  int moderated;        /* 1 accepted, 0 unmoderated, -1 moderated out */
  const char *body;     /* comment-body */
} gp_polisio_comment;

/* One vote event (a row of votes.csv). */
typedef struct gp_polisio_vote {
  int64_t timestamp;    /* ms; file order breaks ties (0 if absent) */
  const char *datetime; /* as written ("" if absent) */
  int64_t comment_id;   /* the statement voted on */
  int64_t voter_id;     /* the participant */
  int vote;             /* 1 agree, -1 disagree, 0 pass */
} gp_polisio_vote;

/* One participant (from votes.csv and participants-votes.csv). */
typedef struct gp_polisio_participant {
  int64_t id;      /* participant / voter-id */
  int group_id;    /* Pol.is's group-id, -1 when none */
  long n_comments; /* statements written (from comments.csv author-id) */
} gp_polisio_participant;

/* One line of summary.csv. */
typedef struct gp_polisio_kv {
  const char *key;   /* first field */
  const char *value; /* second field ("" if none) */
} gp_polisio_kv;

/* A whole export. Statements are sorted by id; participants by id. */
typedef struct gp_polisio_export {
  gp_arena arena;                       /* owns every string and array below */
  size_t n_comments;                    /* statements */
  gp_polisio_comment *comments;         /* sorted by id */
  size_t n_votes;                       /* vote events */
  gp_polisio_vote *votes;               /* in file order */
  size_t n_participants;                /* participants (voters and listed participants) */
  gp_polisio_participant *participants; /* sorted by id */
  bool has_groups;                      /* participants-votes.csv was read */
  size_t n_summary;                     /* summary lines */
  gp_polisio_kv *summary;               /* in file order */
} gp_polisio_export;

/* The text of the four files, for reading from memory (data NULL: absent). */
typedef struct gp_polisio_files {
  const char *comments;     /* comments.csv */
  size_t comments_len;      /* its length */
  const char *votes;        /* votes.csv */
  size_t votes_len;         /* its length */
  const char *participants; /* participants-votes.csv */
  size_t participants_len;  /* its length */
  const char *summary;      /* summary.csv */
  size_t summary_len;       /* its length */
} gp_polisio_files;

/* Parses an export from memory. On success *out owns everything
 * (gp_polisio_free); on failure *out is empty and err names the place. */
gp_code gp_polisio_parse(const gp_polisio_files *f, gp_polisio_export *out, gp_error *err);

/* Reads DIR/comments.csv etc. Errors name "DIR/file.csv:LINE:COLUMN". */
gp_code gp_polisio_read_dir(const char *dir, gp_polisio_export *out, gp_error *err);

/* Frees everything x owns. NULL is allowed. */
void gp_polisio_free(gp_polisio_export *x);

/* The index of statement id in x->comments, or -1. */
long gp_polisio_comment_index(const gp_polisio_export *x, int64_t id);

/* The index of participant id in x->participants, or -1. */
long gp_polisio_participant_index(const gp_polisio_export *x, int64_t id);

/* The vote matrix of x (rows: x->participants, columns: x->comments; latest
 * vote wins) and, if mod_out is non-NULL, a malloc'd array of n_comments
 * flags: moderated out. The caller frees both. */
gp_code gp_polisio_matrix(const gp_polisio_export *x, gp_polis_matrix *m, bool **mod_out,
                          gp_error *err);

/* As gp_polisio_matrix, and also (if first is non-NULL) a malloc'd array of
 * m->nnz times: when each vote was first cast (for the in-conversation
 * replay). The caller frees it. */
gp_code gp_polisio_matrix_history(const gp_polisio_export *x, gp_polis_matrix *m, bool **mod_out,
                                  int64_t **first, gp_error *err);

/* Writes x to DIR in the same format (creating DIR if needed). groups, if
 * non-NULL, gives the group-id to write for each participant (index as in
 * x->participants; -1: none) instead of x's own. Nothing is left in DIR if
 * writing fails. */
gp_code gp_polisio_write_dir(const char *dir, const gp_polisio_export *x, const int *groups,
                             gp_error *err);

/* Any CSV file with a header row, read with the same strict reader (for
 * `synthesise`): every cell as a string. */
typedef struct gp_polisio_table {
  gp_arena arena;      /* owns everything below */
  size_t n_cols;       /* header fields */
  const char **header; /* n_cols names */
  size_t n_rows;       /* data rows */
  const char **cells;  /* n_rows*n_cols: cells[r*n_cols + c] */
  long *line;          /* n_rows: the line each row starts on */
} gp_polisio_table;

/* Reads path (or, when data is non-NULL, data/len named path). Rows with
 * another number of fields than the header are an error naming
 * "path:LINE:1". On success t owns everything (gp_polisio_table_free). */
gp_code gp_polisio_table_read(const char *path, const char *data, size_t len, gp_polisio_table *t,
                              gp_error *err);

/* Frees t. NULL is allowed. */
void gp_polisio_table_free(gp_polisio_table *t);

/* The column named name in t, or -1. */
long gp_polisio_table_col(const gp_polisio_table *t, const char *name);

#endif
