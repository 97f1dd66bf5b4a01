-- FSRS memory state beside the trials spacing state (issue 18): kept up to
-- date under either HUDDLEBOT_SPACING rule, so switching rule keeps history.
-- Rows answered before this migration have stability 0 and are derived from
-- their answer history on their next answer.
ALTER TABLE review ADD COLUMN stability REAL NOT NULL DEFAULT 0;
ALTER TABLE review ADD COLUMN difficulty REAL NOT NULL DEFAULT 0;
ALTER TABLE review ADD COLUMN last_review_date TEXT NOT NULL DEFAULT '';
