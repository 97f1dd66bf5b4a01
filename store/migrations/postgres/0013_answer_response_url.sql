-- A queued answer keeps the click's reply hook (Slack's response_url), so
-- the person sees the answered card through it as soon as the answer is
-- recorded, instead of waiting for a paced chat.update (issue 16).
ALTER TABLE answer_inbox ADD COLUMN response_url TEXT NOT NULL DEFAULT '';
