-- 063_counts: a conversation's numbers of vote events and participants, kept
-- with it (maintained by src/store/gp_store_delib.c on import, vote and new
-- participant) so that listing conversations and checking a large one does
-- not count millions of rows on every request.

ALTER TABLE conversations ADD COLUMN n_votes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN n_participants INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET
  n_votes = (SELECT count(*) FROM conversation_votes v WHERE v.conversation_id = conversations.id),
  n_participants = (SELECT count(*) FROM conversation_participants p
                    WHERE p.conversation_id = conversations.id);

-- The routing priority of every statement in the last analysis, apart from
-- the document, so that choosing the next statement for a participant reads
-- a few kilobytes, not the whole analysis: {"<statement id>": priority, ...}.
ALTER TABLE conversation_analyses ADD COLUMN priorities TEXT;
