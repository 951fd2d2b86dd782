-- 061_live: the running state of a conversation's live analysis (Pol.is's
-- state between updates: PCA start, cluster centres, the in-conversation set,
-- the group-k smoother), so that results keep updating incrementally across
-- server restarts. Owned by src/store/gp_store_delib_live.c.

CREATE TABLE conversation_live_state (
  conversation_id TEXT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  seq             INTEGER NOT NULL, -- the last vote event (conversation_votes.seq) folded in
  revision        INTEGER NOT NULL, -- the conversation revision the state was left at
  state           BLOB NOT NULL,    -- gp_polis_warm_pack's bytes
  updated_at      TEXT NOT NULL
);
