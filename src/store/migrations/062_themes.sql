-- 062_themes: theme sets of `synthesise` kept and linked to what they
-- inform: a mission and one assumption of its plan, and/or the
-- conversation whose statements they came from. Owned by
-- src/store/gp_store_themes.c. Times are ISO 8601 UTC text.
--
-- conversation_id is ON DELETE CASCADE: a theme set of a conversation
-- quotes its statements (the representative answers), so removing the
-- conversation must not leave participants' words behind in its themes.
-- mission_id is ON DELETE SET NULL, as for conversations: a set of a
-- conversation stays reachable through the conversation. assumption_id
-- names an assumption of the mission's plan (a JSON document, so no foreign
-- key): the app checks it against the current plan when the set is stored.

CREATE TABLE theme_sets (
  id              INTEGER PRIMARY KEY,
  mission_id      TEXT REFERENCES missions(id) ON DELETE SET NULL,
  assumption_id   TEXT,                 -- an assumption of the mission's plan (may be NULL)
  conversation_id TEXT REFERENCES conversations(id) ON DELETE CASCADE,
  source          TEXT NOT NULL,        -- file name, "conversation:ID" or the caller's label
  k               INTEGER NOT NULL,     -- themes found
  documents       INTEGER NOT NULL,     -- answers synthesised
  created_at      TEXT NOT NULL,
  document        TEXT NOT NULL         -- the `synthesise --json` document
);
CREATE INDEX theme_sets_mission ON theme_sets(mission_id, assumption_id);
CREATE INDEX theme_sets_conversation ON theme_sets(conversation_id);
