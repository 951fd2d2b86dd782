/*
 * gp_unitcsv — the unit-data CSV reader (see gp_unitcsv.h). libcsv calls
 * back per field and per row; only the named columns are kept, so a wide
 * file costs memory for the columns used only.
 */
#include "io/gp_unitcsv.h"

#include <csv.h>
#include <gsl/gsl_cdf.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The roles a column can play. */
enum {
  GP_UC_UNIT,
  GP_UC_NAME,
  GP_UC_PARENT,
  GP_UC_VALUE,
  GP_UC_SE,
  GP_UC_LOWER,
  GP_UC_UPPER,
  GP_UC_DEN,
  GP_UC_WHERE,
  GP_UC_NROLES,
  GP_UC_MAXCOV = 64
};

static const char *const gp_uc_missing[] = {"SUPP", "NE", "NP", "LOWCOV", "x"};

typedef struct gp_uc {
  const gp_unitcsv_spec *spec;             /* what to read */
  const char *file;                        /* name for errors */
  gp_unit_dataset *d;                      /* being filled */
  gp_error *err;                           /* where the first error goes */
  gp_code rc;                              /* GP_OK until an error */
  long row;                                /* current record number (header is 1) */
  size_t field;                            /* current field index in the row */
  bool header_done;                        /* header read */
  const char *role_name[GP_UC_NROLES];     /* column name per role (NULL: unused) */
  long role_col[GP_UC_NROLES];             /* field index per role (-1: none) */
  long cov_col[GP_UC_MAXCOV];              /* field index per covariate */
  size_t ncols_needed;                     /* highest needed index + 1 */
  char *cell[GP_UC_NROLES + GP_UC_MAXCOV]; /* this row's kept cells (malloc'd) */
  bool have[GP_UC_NROLES + GP_UC_MAXCOV];  /* whether the row had that field */
  size_t cap;                              /* capacity of the dataset arrays */
  json_t *reasons;                         /* reason -> count */
  long *rowno;                             /* the CSV row of each unit kept */
  double z;                                /* normal quantile for lower/upper */
} gp_uc;

int gp_unitcsv_cell(const char *s, double *v, const char **reason) {
  if (!s) s = "";
  while (*s == ' ' || *s == '\t')
    s++;
  size_t len = strlen(s);
  while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
    len--;
  if (len == 0) {
    *reason = "empty";
    return 0;
  }
  for (size_t i = 0; i < sizeof gp_uc_missing / sizeof *gp_uc_missing; i++)
    if (strlen(gp_uc_missing[i]) == len && !strncmp(s, gp_uc_missing[i], len)) {
      *reason = gp_uc_missing[i];
      return 0;
    }
  char buf[128];
  if (len >= sizeof buf) return -1;
  memcpy(buf, s, len);
  buf[len] = 0;
  if (buf[len - 1] == '%') buf[--len] = 0;
  if (len == 0) return -1;
  char *end;
  double x = strtod(buf, &end);
  if (*end || !isfinite(x)) return -1;
  /* strtod accepts hex and "inf"/"nan"; keep plain decimals only */
  for (const char *c = buf; *c; c++)
    if (!strchr("0123456789+-.eE", *c)) return -1;
  *v = x;
  return 1;
}

static void gp_uc_fail(gp_uc *u, long col, gp_code code, const char *fmt, const char *a,
                       const char *b) {
  if (u->rc != GP_OK) return;
  char path[512];
  if (col >= 0)
    snprintf(path, sizeof path, "%s:%ld:%ld", u->file, u->row, col + 1);
  else
    snprintf(path, sizeof path, "%s:%ld", u->file, u->row);
  u->rc = gp_fail(u->err, code, path, fmt, a ? a : "", b ? b : "");
}

static void gp_uc_field(void *s, size_t len, void *ctx) {
  gp_uc *u = ctx;
  size_t f = u->field++;
  if (u->rc != GP_OK) return;
  if (!u->header_done) {
    const char *h = s ? s : "";
    if (f == 0 && len >= 3 && !strncmp(h, "\xEF\xBB\xBF", 3)) {
      h += 3;
      len -= 3;
    }
    for (int r = 0; r < GP_UC_NROLES; r++)
      if (u->role_name[r] && u->role_col[r] < 0 && strlen(u->role_name[r]) == len &&
          !strncmp(u->role_name[r], h, len))
        u->role_col[r] = (long)f;
    for (size_t j = 0; j < u->spec->ncov; j++)
      if (u->cov_col[j] < 0 && strlen(u->spec->covariates[j]) == len &&
          !strncmp(u->spec->covariates[j], h, len))
        u->cov_col[j] = (long)f;
    return;
  }
  if (f >= u->ncols_needed) return;
  /* the same column may play several roles (rare); fill every slot */
  for (int r = 0; r < GP_UC_NROLES; r++)
    if (u->role_col[r] == (long)f) {
      free(u->cell[r]);
      u->cell[r] = strndup(s ? s : "", len);
      u->have[r] = true;
    }
  for (size_t j = 0; j < u->spec->ncov; j++)
    if (u->cov_col[j] == (long)f) {
      size_t k = GP_UC_NROLES + j;
      free(u->cell[k]);
      u->cell[k] = strndup(s ? s : "", len);
      u->have[k] = true;
    }
}

static void gp_uc_grow(gp_uc *u) {
  gp_unit_dataset *d = u->d;
  size_t cap = u->cap ? u->cap * 2 : 1024;
#define GP_UC_GROW(p, sz)                                                                          \
  do {                                                                                             \
    void *q = realloc((void *)(p), cap * (sz));                                                    \
    if (!q) abort();                                                                               \
    *(void **)&(p) = q;                                                                            \
  } while (0)
  GP_UC_GROW(u->rowno, sizeof *u->rowno);
  GP_UC_GROW(d->ids, sizeof *d->ids);
  GP_UC_GROW(d->names, sizeof *d->names);
  GP_UC_GROW(d->parents, sizeof *d->parents);
  GP_UC_GROW(d->missing, sizeof *d->missing);
  GP_UC_GROW(d->val, sizeof *d->val);
  if (d->se) GP_UC_GROW(d->se, sizeof *d->se);
  if (d->lower) GP_UC_GROW(d->lower, sizeof *d->lower);
  if (d->upper) GP_UC_GROW(d->upper, sizeof *d->upper);
  if (d->den) GP_UC_GROW(d->den, sizeof *d->den);
  if (d->k) GP_UC_GROW(d->ctx, d->k * sizeof *d->ctx);
#undef GP_UC_GROW
  u->cap = cap;
}

/* Reads the number in role slot r into *v; returns 1, 0 (missing, *reason
 * set) or -1 after recording an error. */
static int gp_uc_num(gp_uc *u, size_t slot, long col, const char *colname, double *v,
                     const char **reason) {
  if (!u->have[slot]) {
    *reason = "empty";
    return 0;
  }
  int k = gp_unitcsv_cell(u->cell[slot], v, reason);
  if (k < 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "%.100s", u->cell[slot]);
    gp_uc_fail(u, col, GP_EINVAL, "column %s: '%s' is not a number or a suppression code", colname,
               msg);
  }
  return k;
}

static void gp_uc_row(int term, void *ctx) {
  (void)term;
  gp_uc *u = ctx;
  u->row++;
  size_t nf = u->field;
  u->field = 0;
  if (u->rc != GP_OK) goto clear;
  if (!u->header_done) {
    u->header_done = true;
    size_t need = 0;
    for (int r = 0; r < GP_UC_NROLES; r++) {
      if (!u->role_name[r]) continue;
      if (u->role_col[r] < 0) {
        gp_uc_fail(u, -1, GP_EINVAL, "no column '%s' in the header%s", u->role_name[r], NULL);
        return;
      }
      if ((size_t)u->role_col[r] + 1 > need) need = (size_t)u->role_col[r] + 1;
    }
    for (size_t j = 0; j < u->spec->ncov; j++) {
      if (u->cov_col[j] < 0) {
        gp_uc_fail(u, -1, GP_EINVAL, "no covariate column '%s' in the header%s",
                   u->spec->covariates[j], NULL);
        return;
      }
      if ((size_t)u->cov_col[j] + 1 > need) need = (size_t)u->cov_col[j] + 1;
    }
    u->ncols_needed = need;
    return;
  }
  if (nf == 0) goto clear; /* blank line */
  const gp_unitcsv_spec *sp = u->spec;
  gp_unit_dataset *d = u->d;
  if (sp->where_col) {
    const char *w = u->have[GP_UC_WHERE] ? u->cell[GP_UC_WHERE] : "";
    if (strcmp(w, sp->where_val)) goto clear;
  }
  const char *id = u->have[GP_UC_UNIT] ? u->cell[GP_UC_UNIT] : "";
  while (*id == ' ')
    id++;
  if (!*id) {
    gp_uc_fail(u, u->role_col[GP_UC_UNIT], GP_EINVAL, "column %s: the unit id is empty%s", sp->unit,
               NULL);
    goto clear;
  }
  if (d->n == u->cap) gp_uc_grow(u);
  size_t i = d->n;
  u->rowno[i] = u->row;
  d->ids[i] = gp_arena_strdup(&d->arena, id);
  d->names[i] = sp->name && u->have[GP_UC_NAME] && *u->cell[GP_UC_NAME]
                    ? gp_arena_strdup(&d->arena, u->cell[GP_UC_NAME])
                    : NULL;
  d->parents[i] = sp->parent && u->have[GP_UC_PARENT] && *u->cell[GP_UC_PARENT]
                      ? gp_arena_strdup(&d->arena, u->cell[GP_UC_PARENT])
                      : NULL;
  const char *why = NULL, *r;
  double v = NAN, a = NAN, b = NAN;
  int k = gp_uc_num(u, GP_UC_VALUE, u->role_col[GP_UC_VALUE], u->role_name[GP_UC_VALUE], &v, &r);
  if (k < 0) goto clear;
  if (k == 0) why = r, v = NAN;
  d->val[i] = v;
  if (d->se) d->se[i] = NAN;
  if (d->lower) d->lower[i] = d->upper[i] = NAN;
  if (d->den) d->den[i] = NAN;
  if (sp->se) {
    k = gp_uc_num(u, GP_UC_SE, u->role_col[GP_UC_SE], sp->se, &a, &r);
    if (k < 0) goto clear;
    if (k == 0 && !why) why = r;
    if (k == 1) {
      if (!(a > 0)) {
        gp_uc_fail(u, u->role_col[GP_UC_SE], GP_EINVAL, "column %s: a standard error must be > 0%s",
                   sp->se, NULL);
        goto clear;
      }
      d->se[i] = a;
    }
  } else if (sp->lower) {
    int ka = gp_uc_num(u, GP_UC_LOWER, u->role_col[GP_UC_LOWER], sp->lower, &a, &r);
    if (ka < 0) goto clear;
    if (ka == 0 && !why) why = r;
    int kb = gp_uc_num(u, GP_UC_UPPER, u->role_col[GP_UC_UPPER], sp->upper, &b, &r);
    if (kb < 0) goto clear;
    if (kb == 0 && !why) why = r;
    if (ka == 1) d->lower[i] = a;
    if (kb == 1) d->upper[i] = b;
    if (ka == 1 && kb == 1) {
      if (!(b > a)) {
        gp_uc_fail(u, u->role_col[GP_UC_UPPER], GP_EINVAL,
                   "column %s: the upper limit must be above the lower one%s", sp->upper, NULL);
        goto clear;
      }
      d->se[i] = (b - a) / (2 * u->z);
    }
  } else if (d->den) {
    const char *dn = sp->denominator ? sp->denominator : sp->expected;
    const char *vn = sp->numerator ? sp->numerator : sp->observed;
    k = gp_uc_num(u, GP_UC_DEN, u->role_col[GP_UC_DEN], dn, &a, &r);
    if (k < 0) goto clear;
    if (k == 0 && !why) why = r;
    if (!isnan(v) && v < 0) {
      gp_uc_fail(u, u->role_col[GP_UC_VALUE], GP_EINVAL, "column %s: a count cannot be negative%s",
                 vn, NULL);
      goto clear;
    }
    if (k == 1) {
      if (!(a > 0)) {
        gp_uc_fail(u, u->role_col[GP_UC_DEN], GP_EINVAL, "column %s: must be > 0%s", dn, NULL);
        goto clear;
      }
      if (sp->denominator && !isnan(v) && a < v) {
        gp_uc_fail(u, u->role_col[GP_UC_DEN], GP_EINVAL,
                   "column %s: the denominator is below the numerator (column %s)", dn, vn);
        goto clear;
      }
      d->den[i] = a;
    }
  }
  if (why) {
    d->missing[i] = why;
    d->n_missing++;
    json_t *c = json_object_get(u->reasons, why);
    json_object_set_new(u->reasons, why, json_integer(c ? json_integer_value(c) + 1 : 1));
  } else {
    d->missing[i] = NULL;
  }
  for (size_t j = 0; j < d->k; j++) {
    double x = NAN;
    k = gp_uc_num(u, GP_UC_NROLES + j, u->cov_col[j], sp->covariates[j], &x, &r);
    if (k < 0) goto clear;
    d->ctx[i * d->k + j] = k == 1 ? x : NAN;
  }
  d->n++;
clear:
  for (size_t s = 0; s < GP_UC_NROLES + GP_UC_MAXCOV; s++) {
    free(u->cell[s]);
    u->cell[s] = NULL;
    u->have[s] = false;
  }
}

/* The ids being sorted (qsort has no context argument in C11). */
static _Thread_local const char **gp_uc_sort_ids;

static int gp_uc_cmp_ids(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  int c = strcmp(gp_uc_sort_ids[x], gp_uc_sort_ids[y]);
  return c ? c : (x < y ? -1 : x > y);
}

gp_code gp_unitcsv_read(FILE *f, const char *name, const gp_unitcsv_spec *sp, gp_unit_dataset *out,
                        gp_error *err) {
  memset(out, 0, sizeof *out);
  if (!sp->unit) return gp_fail(err, GP_EINVAL, "--unit", "the unit id column is required");
  int kinds = !!sp->value + !!(sp->numerator || sp->denominator) + !!(sp->observed || sp->expected);
  if (kinds != 1)
    return gp_fail(
        err, GP_EINVAL, "--value",
        "give one of --value, --numerator with --denominator, --observed with --expected");
  if ((sp->numerator != NULL) != (sp->denominator != NULL))
    return gp_fail(err, GP_EINVAL, "--denominator", "--numerator and --denominator go together");
  if ((sp->observed != NULL) != (sp->expected != NULL))
    return gp_fail(err, GP_EINVAL, "--expected", "--observed and --expected go together");
  if ((sp->lower != NULL) != (sp->upper != NULL))
    return gp_fail(err, GP_EINVAL, "--upper", "--lower and --upper go together");
  if (sp->se && sp->lower) return gp_fail(err, GP_EINVAL, "--se", "give --se or --lower/--upper");
  if ((sp->se || sp->lower) && !sp->value)
    return gp_fail(err, GP_EINVAL, "--se", "--se, --lower and --upper go with --value");
  if (sp->ncov > GP_UC_MAXCOV)
    return gp_fail(err, GP_EINVAL, "--covariates", "at most %d covariates", GP_UC_MAXCOV);
  gp_uc u;
  memset(&u, 0, sizeof u);
  u.spec = sp;
  u.file = name;
  u.d = out;
  u.err = err;
  u.reasons = json_object();
  double level = sp->level > 0 && sp->level < 1 ? sp->level : 0.95;
  u.z = gsl_cdf_ugaussian_Pinv((1 + level) / 2);
  for (int r = 0; r < GP_UC_NROLES; r++)
    u.role_col[r] = -1;
  for (size_t j = 0; j < sp->ncov; j++)
    u.cov_col[j] = -1;
  u.role_name[GP_UC_UNIT] = sp->unit;
  u.role_name[GP_UC_NAME] = sp->name;
  u.role_name[GP_UC_PARENT] = sp->parent;
  u.role_name[GP_UC_VALUE] = sp->value ? sp->value : sp->numerator ? sp->numerator : sp->observed;
  u.role_name[GP_UC_SE] = sp->se;
  u.role_name[GP_UC_LOWER] = sp->lower;
  u.role_name[GP_UC_UPPER] = sp->upper;
  u.role_name[GP_UC_DEN] = sp->denominator ? sp->denominator : sp->expected;
  u.role_name[GP_UC_WHERE] = sp->where_col;
  out->kind = sp->value ? GP_UNIT_SCORE : sp->numerator ? GP_UNIT_COUNT : GP_UNIT_OBSERVED_EXPECTED;
  out->k = sp->ncov;
  /* optional arrays exist from the start so that gp_uc_grow grows them */
  if (sp->se || sp->lower) out->se = malloc(sizeof(double));
  if (sp->lower) {
    out->lower = malloc(sizeof(double));
    out->upper = malloc(sizeof(double));
  }
  if (!sp->value) out->den = malloc(sizeof(double));
  out->cov_names = calloc(sp->ncov ? sp->ncov : 1, sizeof *out->cov_names);
  for (size_t j = 0; j < sp->ncov; j++)
    out->cov_names[j] = gp_arena_strdup(&out->arena, sp->covariates[j]);

  struct csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) abort();
  char buf[1 << 16];
  size_t got;
  gp_code rc = GP_OK;
  while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
    if (csv_parse(&p, buf, got, gp_uc_field, gp_uc_row, &u) != got) {
      u.row++;
      gp_uc_fail(&u, -1, GP_ESYNTAX, "malformed CSV: %s%s", csv_strerror(csv_error(&p)), NULL);
      break;
    }
    if (u.rc != GP_OK) break;
  }
  if (u.rc == GP_OK && ferror(f)) rc = gp_fail(err, GP_EIO, name, "cannot read the file");
  if (u.rc == GP_OK && rc == GP_OK && csv_fini(&p, gp_uc_field, gp_uc_row, &u) != 0) {
    u.row++;
    gp_uc_fail(&u, -1, GP_ESYNTAX, "malformed CSV at the end: %s%s", csv_strerror(csv_error(&p)),
               NULL);
  }
  csv_free(&p);
  if (rc == GP_OK) rc = u.rc;
  if (rc == GP_OK && !u.header_done) rc = gp_fail(err, GP_EINVAL, name, "the file is empty");
  if (rc == GP_OK && out->n == out->n_missing)
    rc = gp_fail(err, GP_EINVAL, name, "no row has a value (%zu rows%s%s%s)", out->n,
                 sp->where_col ? " where " : "", sp->where_col ? sp->where_col : "",
                 sp->where_col ? "=..." : "");
  /* a unit id used twice: sort the ids, compare neighbours */
  if (rc == GP_OK && out->n > 1) {
    size_t *ord = malloc(out->n * sizeof *ord);
    if (!ord) abort();
    for (size_t i = 0; i < out->n; i++)
      ord[i] = i;
    gp_uc_sort_ids = out->ids;
    qsort(ord, out->n, sizeof *ord, gp_uc_cmp_ids);
    for (size_t i = 1; i < out->n && rc == GP_OK; i++)
      if (!strcmp(out->ids[ord[i - 1]], out->ids[ord[i]])) {
        size_t a = ord[i - 1] < ord[i] ? ord[i - 1] : ord[i], b = ord[i - 1] ^ ord[i] ^ a;
        char path[300];
        snprintf(path, sizeof path, "%s:%ld:%ld", name, u.rowno[b], u.role_col[GP_UC_UNIT] + 1);
        rc = gp_fail(err, GP_EINVAL, path,
                     "column %s: unit id '%s' is used twice (first on row %ld)", sp->unit,
                     out->ids[b], u.rowno[a]);
      }
    free(ord);
  }
  /* covariates constant or missing for every unit */
  for (size_t j = 0; rc == GP_OK && j < out->k; j++) {
    double first = NAN;
    bool varies = false, any = false;
    for (size_t i = 0; i < out->n; i++) {
      double x = out->ctx[i * out->k + j];
      if (isnan(x)) continue;
      if (!any)
        first = x, any = true;
      else if (x != first)
        varies = true;
    }
    char path[300];
    snprintf(path, sizeof path, "%s:1:%ld", name, u.cov_col[j] + 1);
    if (!any)
      rc = gp_fail(err, GP_EINVAL, path, "covariate column %s is missing for every unit",
                   sp->covariates[j]);
    else if (!varies)
      rc = gp_fail(err, GP_EINVAL, path, "covariate column %s is constant (%g) for every unit",
                   sp->covariates[j], first);
  }
  for (size_t s = 0; s < GP_UC_NROLES + GP_UC_MAXCOV; s++)
    free(u.cell[s]);
  if (rc == GP_OK) {
    char *j = json_dumps(u.reasons, JSON_COMPACT | JSON_SORT_KEYS);
    out->missing_reasons = gp_arena_strdup(&out->arena, j);
    free(j);
  }
  json_decref(u.reasons);
  free(u.rowno);
  if (rc != GP_OK) gp_unit_dataset_free(out);
  return rc;
}
