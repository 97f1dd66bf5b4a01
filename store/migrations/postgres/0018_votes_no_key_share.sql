-- A town-hall poll has a thousand votes in flight at once. A foreign key
-- makes each of them take a key-share lock on the row it references, and
-- PostgreSQL records many holders of one row's lock as a multixact that
-- every new holder rewrites in full: the poll's row (every vote's ballot or
-- tags) and the huddle's row (every first-time voter's attendee row) became
-- the bottleneck (issue 16). Votes now exclude a close with an advisory lock
-- instead (see store.PollVoteCast); polls and huddles are never deleted, and
-- every vote is written for a poll read in the same transaction.
ALTER TABLE poll_ballot DROP CONSTRAINT IF EXISTS poll_ballot_poll_id_fkey;
ALTER TABLE poll_anon_choice DROP CONSTRAINT IF EXISTS poll_anon_choice_poll_id_fkey;
ALTER TABLE poll_anon_voter DROP CONSTRAINT IF EXISTS poll_anon_voter_poll_id_fkey;
ALTER TABLE poll_stale DROP CONSTRAINT IF EXISTS poll_stale_poll_id_fkey;
ALTER TABLE huddle_attendee DROP CONSTRAINT IF EXISTS huddle_attendee_huddle_id_fkey;
