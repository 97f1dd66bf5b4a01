-- Every daily prompt stores NULL in dedupe_key (0009), yet a plain unique
-- index keeps an entry for each NULL. A partial index keeps only the real
-- keys (on-demand and burst prompts); ON CONFLICT DO NOTHING, which names no
-- target, still checks it.
CREATE UNIQUE INDEX delivery_dedupe_key ON delivery (dedupe_key) WHERE dedupe_key IS NOT NULL;
ALTER TABLE delivery DROP CONSTRAINT delivery_dedupe_key_key;
-- delivery_member (member_id, created_at) is the leading column of
-- report_delivery_member_sent again; no query orders a member's deliveries
-- by created_at. One index entry less per prompt.
DROP INDEX delivery_member;
-- The member key was the last per-row check on a delivery insert: a row lock
-- (and, after a checkpoint, a full-page image) on the member of every prompt.
-- Members are never deleted (leaving clears member.joined), and a delivery
-- is only ever created for a member read in the same transaction.
ALTER TABLE delivery DROP CONSTRAINT IF EXISTS delivery_member_id_fkey;
