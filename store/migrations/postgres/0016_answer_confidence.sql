-- How sure the member said they were of a quiz answer (issue 18): 0 = not
-- said, 1 = guessed, 2 = fairly sure, 3 = certain. Tapped on the answered
-- card after the answer, so it is set by a later update, and may be changed.
ALTER TABLE answer ADD COLUMN confidence INTEGER NOT NULL DEFAULT 0;
