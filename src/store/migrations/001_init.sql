-- 001_init: missions, their plans (versioned), metrics, targets (with
-- rebaseline history), observations (with revisions), imports and API tokens.
-- Times are ISO 8601 UTC text. Period text is canonical (model/gp_period.h);
-- period_start is its first day as days since 1970-01-01, for ordering.

CREATE TABLE missions (
  id           TEXT PRIMARY KEY,
  title        TEXT NOT NULL,
  vision       TEXT,
  kind         TEXT,
  lead         TEXT,
  start        TEXT,
  horizon      TEXT,
  published    INTEGER NOT NULL DEFAULT 0,
  attribution  TEXT,
  plan_version INTEGER NOT NULL DEFAULT 0,
  position     INTEGER NOT NULL
);

-- Every applied plan, whole, as canonical JSON: who, when, why, what.
CREATE TABLE plan_versions (
  mission_id TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
  version    INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  actor      TEXT NOT NULL,
  reason     TEXT,
  document   TEXT NOT NULL,
  PRIMARY KEY (mission_id, version)
);

CREATE TABLE metrics (
  id         TEXT PRIMARY KEY,
  mission_id TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,
  name       TEXT NOT NULL,
  unit       TEXT,
  direction  TEXT NOT NULL CHECK (direction IN ('higher', 'lower')),
  frequency  TEXT,
  source     TEXT
);

CREATE TABLE targets (
  mission_id      TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
  id              TEXT NOT NULL,
  position        INTEGER NOT NULL,
  metric_id       TEXT NOT NULL REFERENCES metrics(id),
  kind            TEXT NOT NULL CHECK (kind IN ('moonshot', 'committed', 'interim', 'floor')),
  baseline_period TEXT NOT NULL,
  baseline_value  REAL NOT NULL,
  target_period   TEXT NOT NULL,
  target_value    REAL NOT NULL,
  version         INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (mission_id, id)
);

-- The previous versions of a target, kept when it is rebaselined.
CREATE TABLE target_revisions (
  mission_id      TEXT NOT NULL,
  target_id       TEXT NOT NULL,
  version         INTEGER NOT NULL,
  baseline_period TEXT NOT NULL,
  baseline_value  REAL NOT NULL,
  target_period   TEXT NOT NULL,
  target_value    REAL NOT NULL,
  reason          TEXT NOT NULL,
  replaced_at     TEXT NOT NULL,
  PRIMARY KEY (mission_id, target_id, version)
);

-- One import of observation rows: where they came from and when.
CREATE TABLE imports (
  id         INTEGER PRIMARY KEY,
  metric_id  TEXT NOT NULL REFERENCES metrics(id) ON DELETE CASCADE,
  file       TEXT,
  source     TEXT,
  started_at TEXT NOT NULL
);

-- A series: the headline of a metric (breakdown_kind '' and breakdown '')
-- or one breakdown value (a place, group or unit).
CREATE TABLE series (
  id             INTEGER PRIMARY KEY,
  metric_id      TEXT NOT NULL REFERENCES metrics(id) ON DELETE CASCADE,
  breakdown_kind TEXT NOT NULL,
  breakdown      TEXT NOT NULL,
  UNIQUE (metric_id, breakdown_kind, breakdown)
);

-- Current observations: one per series and period, in time order. The
-- source and time of a value are its import's. (No foreign key on
-- series_id: the import creates the series itself, and a checked key per
-- row would cost a lookup on the hot path; series rows are never deleted
-- while they have observations.)
CREATE TABLE observations (
  series_id    INTEGER NOT NULL,
  period_start INTEGER NOT NULL,
  period       TEXT NOT NULL,
  value        REAL NOT NULL,
  lower        REAL,
  upper        REAL,
  n            INTEGER,
  import_id    INTEGER NOT NULL,
  PRIMARY KEY (series_id, period_start, period)
) WITHOUT ROWID;

-- Superseded values, each with the import that replaced it.
CREATE TABLE observation_revisions (
  series_id     INTEGER NOT NULL,
  period_start  INTEGER NOT NULL,
  period        TEXT NOT NULL,
  value         REAL NOT NULL,
  lower         REAL,
  upper         REAL,
  n             INTEGER,
  import_id     INTEGER NOT NULL,
  superseded_by INTEGER NOT NULL
);
CREATE INDEX observation_revisions_key
  ON observation_revisions (series_id, period_start, period);

-- A row that one import gives twice is refused; a changed value from a
-- later import keeps the old one as a revision.
CREATE TRIGGER observations_revise BEFORE UPDATE ON observations
BEGIN
  SELECT RAISE(ABORT, 'gameplan: duplicate row in one import')
   WHERE OLD.import_id = NEW.import_id;
  INSERT INTO observation_revisions
    VALUES (OLD.series_id, OLD.period_start, OLD.period, OLD.value, OLD.lower, OLD.upper,
            OLD.n, OLD.import_id, NEW.import_id);
END;

CREATE TABLE tokens (
  hash       BLOB PRIMARY KEY,
  label      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
);
