-- An adapter's own reference to a workspace, member or channel, which the
-- core stores and hands back on every delivery but never reads: what a
-- platform needs to reach them beyond an id (Microsoft Teams: the service
-- URL, conversation id, tenant id, AAD object id), in a form the adapter
-- owns (JSON, say). '' = none; Slack and Discord need none.
ALTER TABLE workspace ADD COLUMN ref TEXT NOT NULL DEFAULT '';
ALTER TABLE member ADD COLUMN ref TEXT NOT NULL DEFAULT '';
ALTER TABLE channel ADD COLUMN ref TEXT NOT NULL DEFAULT '';
