-- Where a member's language (member.language, 0015) came from, so that a
-- weaker source never overrides a stronger one: 'chosen' (the person's own
-- /learn language) > 'roster' (an admin's roster import) > 'platform' (the
-- Slack profile, Discord or Teams locale); '' = not set. A language set
-- before this migration came from a roster.
ALTER TABLE member ADD COLUMN language_source TEXT NOT NULL DEFAULT '';
UPDATE member SET language_source = 'roster' WHERE language <> '';
