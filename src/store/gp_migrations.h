/*
 * gp_migrations — the schema migrations compiled into the binary from
 * src/store/migrations/NNN_name.sql (by scripts/embed.sh, in file order).
 */
#ifndef GP_MIGRATIONS_H
#define GP_MIGRATIONS_H

typedef struct gp_migration {
  const char *name; /* file name, e.g. "001_init.sql"; NULL ends the list */
  const char *sql;  /* the file's text */
} gp_migration;

extern const gp_migration gp_migrations[];

#endif
