-- 060_deliberation: conversations (Pol.is-style deliberation), their
-- statements with a moderation status, participants, the vote event log and
-- the last analysis. Owned by src/store/gp_store_delib.c. Times are ISO 8601
-- UTC text; *_ms columns are milliseconds since 1970 (Pol.is's timestamps).

CREATE TABLE conversations (
  id            TEXT PRIMARY KEY,
  title         TEXT NOT NULL,
  question      TEXT,                     -- the question put to participants
  mission_id    TEXT REFERENCES missions(id) ON DELETE SET NULL,
  assumption_id TEXT,                     -- an assumption of the mission's plan
  source        TEXT,                     -- where an imported conversation came from
  revision      INTEGER NOT NULL DEFAULT 0, -- bumped by every vote, statement, moderation
  created_at    TEXT NOT NULL
);

-- summary.csv of an imported export, in file order.
CREATE TABLE conversation_summary (
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  pos             INTEGER NOT NULL,
  key             TEXT NOT NULL,
  value           TEXT NOT NULL,
  PRIMARY KEY (conversation_id, pos)
);

-- Statements (Pol.is comments). status: Pol.is's moderated 1 / 0 / -1.
CREATE TABLE conversation_statements (
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  id              INTEGER NOT NULL,
  author_id       INTEGER NOT NULL DEFAULT -1,
  body            TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('approved', 'pending', 'rejected')),
  created_ms      INTEGER NOT NULL DEFAULT 0,
  datetime        TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (conversation_id, id)
);

-- Participants: imported ones (with Pol.is's group) and those who took part
-- through the API (identified by the BLAKE2b hash of their cookie).
CREATE TABLE conversation_participants (
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  id              INTEGER NOT NULL,
  cookie_hash     BLOB,
  polis_group     INTEGER NOT NULL DEFAULT -1,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (conversation_id, id)
);
CREATE UNIQUE INDEX conversation_participants_cookie
  ON conversation_participants(conversation_id, cookie_hash) WHERE cookie_hash IS NOT NULL;

-- The vote event log: every event kept, in arrival (rowid) order; the
-- latest vote of a participant on a statement counts (the engine's rule).
CREATE TABLE conversation_votes (
  seq             INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  participant_id  INTEGER NOT NULL,
  statement_id    INTEGER NOT NULL,
  vote            INTEGER NOT NULL CHECK (vote IN (-1, 0, 1)),
  created_ms      INTEGER NOT NULL DEFAULT 0,
  datetime        TEXT NOT NULL DEFAULT '',
  FOREIGN KEY (conversation_id, statement_id)
    REFERENCES conversation_statements(conversation_id, id) ON DELETE CASCADE,
  FOREIGN KEY (conversation_id, participant_id)
    REFERENCES conversation_participants(conversation_id, id) ON DELETE CASCADE
);
CREATE INDEX conversation_votes_ptpt
  ON conversation_votes(conversation_id, participant_id, statement_id);

-- The last analysis of a conversation: its --json document and the
-- conversation revision it was computed from.
CREATE TABLE conversation_analyses (
  conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  revision        INTEGER NOT NULL,
  seed            INTEGER NOT NULL,
  created_at      TEXT NOT NULL,
  document        TEXT NOT NULL
);
