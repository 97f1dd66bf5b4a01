-- Votes that need no poll-wide lock, and anonymous votes that keep neither
-- order nor time (issues 16 and 20). See the PostgreSQL migration for the
-- design. Here the anonymous tables are WITHOUT ROWID: rows live in their
-- key's order (by tag), with no rowid recording the order of insertion.
CREATE TABLE poll_ballot (
    poll_id   BIGINT NOT NULL REFERENCES poll (id),
    member_id BIGINT NOT NULL REFERENCES member (id),
    choices   BIGINT NOT NULL, -- bit o-1 set = option o chosen; 0 = withdrawn
    PRIMARY KEY (poll_id, member_id)
) WITHOUT ROWID;
CREATE TABLE poll_anon_choice (
    poll_id BIGINT NOT NULL REFERENCES poll (id),
    option  INTEGER NOT NULL,
    tag     TEXT NOT NULL,
    PRIMARY KEY (poll_id, option, tag)
) WITHOUT ROWID;
CREATE TABLE poll_anon_voter (
    poll_id BIGINT NOT NULL REFERENCES poll (id),
    tag     TEXT NOT NULL,
    PRIMARY KEY (poll_id, tag)
) WITHOUT ROWID;
CREATE TABLE poll_stale (
    poll_id BIGINT PRIMARY KEY REFERENCES poll (id)
);

INSERT INTO poll_ballot (poll_id, member_id, choices)
    SELECT poll_id, member_id, SUM(1 << (option - 1)) FROM vote
    WHERE member_id IS NOT NULL GROUP BY poll_id, member_id;
-- huddles.ChoiceTag and huddles.VoterTag; huddlebot_sha256_hex is
-- registered by the store (SQLite has no SHA-256 of its own).
INSERT INTO poll_anon_choice (poll_id, option, tag)
    SELECT poll_id, option, huddlebot_sha256_hex('option:' || option || ':' || voter_hash) AS tag
    FROM vote WHERE voter_hash IS NOT NULL ORDER BY tag;
INSERT INTO poll_anon_voter (poll_id, tag)
    SELECT DISTINCT poll_id, huddlebot_sha256_hex('voter:' || voter_hash) AS tag
    FROM vote WHERE voter_hash IS NOT NULL ORDER BY tag;
DROP INDEX vote_poll;
DROP TABLE vote;
