-- 050_units: front-line units (schools, forces, hospitals, councils), their
-- values for a metric in a period with context covariates, and saved scans.
-- Owned by src/store/gp_store_units.c. Times are ISO 8601 UTC text.

CREATE TABLE units (
  id         TEXT PRIMARY KEY,
  name       TEXT,
  type       TEXT,
  parent     TEXT,
  created_at TEXT NOT NULL
);

-- One imported data set: a metric's unit values for one period. Besides the
-- rows in unit_values, the data set keeps a columnar copy of them in
-- unit_columns, in unit_values.pos order, so that a scan of a million
-- units reads a few blobs instead of a million rows.
CREATE TABLE unit_datasets (
  metric_id       TEXT NOT NULL REFERENCES metrics(id) ON DELETE CASCADE,
  period          TEXT NOT NULL,
  period_start    INTEGER NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('score', 'count', 'observed_expected')),
  n               INTEGER NOT NULL,   -- rows (units), missing ones included
  n_missing       INTEGER NOT NULL,   -- rows whose value is missing
  missing_reasons TEXT NOT NULL,      -- JSON object: reason -> count
  covariates      TEXT NOT NULL,      -- JSON array of covariate names (columns of ctx)
  ctx_stats       TEXT,               -- JSON {"mean": [...], "sd": [...]} of the covariates
  source          TEXT,
  file            TEXT,
  imported_at     TEXT NOT NULL,
  PRIMARY KEY (metric_id, period)
);

-- The columnar copy, one blob a column (a rowid table, read with SQLite's
-- incremental blob I/O): 'ids' and 'names' (NUL-separated UTF-8, '' for no
-- name), 'val', 'se', 'den' (n little-endian IEEE doubles, NaN missing),
-- 'ctx' (n x k doubles, row-major), the peers index (the rows of ctx sorted
-- by the first covariate, each followed by its position, in blocks of 8,192
-- rows 'ctx.sorted.0', 'ctx.sorted.1', ..., with 'ctx.sorted.keys' the first
-- key of each block: a look-up reads one small blob), and the saved scan's
-- 'scan.flags' (signed bytes at the first level: 1 high, -1 low, 0) and
-- 'scan.indicator' (doubles, NaN where not scanned), also in blocks of 8,192
-- units ('scan.flags.0', ...).
CREATE TABLE unit_columns (
  metric_id TEXT NOT NULL,
  period    TEXT NOT NULL,
  name      TEXT NOT NULL,
  data      BLOB NOT NULL,
  UNIQUE (metric_id, period, name),
  FOREIGN KEY (metric_id, period) REFERENCES unit_datasets(metric_id, period) ON DELETE CASCADE
);

-- The same values one row a unit, for queries, history and open data.
CREATE TABLE unit_values (
  metric_id   TEXT NOT NULL,
  period      TEXT NOT NULL,
  unit_id     TEXT NOT NULL REFERENCES units(id),
  pos         INTEGER NOT NULL,       -- index in the data set's arrays
  value       REAL,                   -- NULL when missing
  se          REAL,
  lower       REAL,
  upper       REAL,
  denominator REAL,
  missing     TEXT,                   -- why value is missing: SUPP, NE, NP, LOWCOV, x, empty
  covariates  TEXT,                   -- JSON object name -> value (null when missing)
  PRIMARY KEY (metric_id, period, unit_id),
  FOREIGN KEY (metric_id, period) REFERENCES unit_datasets(metric_id, period) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX unit_values_unit ON unit_values (unit_id, metric_id);
CREATE INDEX unit_values_pos ON unit_values (metric_id, period, pos);

-- The latest scan of a data set: its options and its JSON summary (phi,
-- tau2, counts); its flags and indicators are in unit_columns.
CREATE TABLE unit_scans (
  metric_id  TEXT NOT NULL,
  period     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  options    TEXT NOT NULL,            -- JSON: type, adjust, overdispersion, trim, limits, fdr
  summary    TEXT NOT NULL,            -- JSON: target, phi, tau2, flagged counts
  PRIMARY KEY (metric_id, period),
  FOREIGN KEY (metric_id, period) REFERENCES unit_datasets(metric_id, period) ON DELETE CASCADE
);
