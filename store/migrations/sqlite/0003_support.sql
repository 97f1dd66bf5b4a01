-- Ask a super-user: where the asker's status card and the helpdesk post
-- live (so they can be edited when the question is claimed or resolved), and
-- whether the asker was told that the question waits for a super-user to
-- come on duty (no helpdesk channel configured).
ALTER TABLE support_question ADD COLUMN asker_message_id BIGINT;
ALTER TABLE support_question ADD COLUMN helpdesk_message_id BIGINT;
ALTER TABLE support_question ADD COLUMN waiting BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX support_time ON support_question (workspace_id, created_at);
CREATE INDEX support_route_member ON support_route (member_id);
