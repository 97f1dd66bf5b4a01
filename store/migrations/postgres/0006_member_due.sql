-- When each joined member is next due for a prompt, in a narrow table of its
-- own: the scheduler moves it on for every member every work day, and
-- rewriting the whole member row (and its four indexes) for that cost more
-- than the prompt's own delivery row. A member without a row (or with NULL)
-- has nothing scheduled.
DROP INDEX member_due;
CREATE TABLE member_due (
    member_id   BIGINT PRIMARY KEY REFERENCES member (id),
    next_due_at BIGINT
);
CREATE INDEX member_due_at ON member_due (next_due_at, member_id);
INSERT INTO member_due (member_id, next_due_at) SELECT id, next_due_at FROM member WHERE next_due_at IS NOT NULL;
ALTER TABLE member DROP COLUMN next_due_at;
