-- 002_runs: the stored results of simulations and optimisations, each with
-- the plan version it came from (GET /api/v1/missions/{id}/simulation).
CREATE TABLE analysis_runs (
  id           INTEGER PRIMARY KEY,
  mission_id   TEXT NOT NULL REFERENCES missions(id) ON DELETE CASCADE,
  kind         TEXT NOT NULL CHECK (kind IN ('simulate', 'optimise')),
  plan_version INTEGER NOT NULL,
  created_at   TEXT NOT NULL,
  actor        TEXT NOT NULL,
  params       TEXT NOT NULL,
  document     TEXT NOT NULL
);
CREATE INDEX analysis_runs_last ON analysis_runs (mission_id, kind, id);
