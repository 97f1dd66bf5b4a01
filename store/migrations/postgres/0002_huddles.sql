-- Tech huddles. An attendee's first attributed action (a poll's audience is
-- who had joined before it opened; anonymous votes never create attendees),
-- the huddle a carried-over question was first asked in, one huddle rating
-- per person, and indexes for the scheduler's poll and parking-lot scans.
ALTER TABLE huddle_attendee ADD COLUMN joined_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE huddle_question ADD COLUMN origin_huddle_id BIGINT REFERENCES huddle (id);
CREATE UNIQUE INDEX feedback_one_huddle_rating ON feedback (huddle_id, member_id) WHERE kind = 'huddle' AND rating IS NOT NULL;
CREATE INDEX poll_closing ON poll (closes_at) WHERE closed_at IS NULL;
CREATE INDEX poll_dirty ON poll (rendered_at) WHERE dirty;
CREATE INDEX poll_huddle ON poll (huddle_id);
CREATE INDEX vote_poll ON vote (poll_id);
CREATE INDEX huddle_question_huddle ON huddle_question (huddle_id);
CREATE INDEX huddle_question_series ON huddle_question (series_id, status);
CREATE INDEX huddle_started ON huddle (started_at);
CREATE INDEX huddle_series_channel ON huddle_series (workspace_id, channel);
