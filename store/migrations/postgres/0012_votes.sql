-- Votes that need no poll-wide lock, and anonymous votes that keep neither
-- order nor time (issues 16 and 20).
--
-- An attributed vote is one row per (poll, member) holding the chosen options
-- as a bit set; a vote is a single upsert guarded by the poll being open, so
-- a thousand people voting at once only share the poll's row.
CREATE TABLE poll_ballot (
    poll_id   BIGINT NOT NULL REFERENCES poll (id),
    member_id BIGINT NOT NULL REFERENCES member (id),
    choices   BIGINT NOT NULL, -- bit o-1 set = option o chosen; 0 = withdrawn
    PRIMARY KEY (poll_id, member_id)
);
-- An anonymous vote is a voter tag (counts the voter once) and one choice
-- tag per option chosen, each a hash of the keyed voter hash that the bot
-- recomputes and never stores. No serial id, no time, and no column ties a
-- choice to its voter or to another choice of the same voter; the bot
-- rewrites a poll's rows in tag order whenever it renders or closes the poll,
-- so neither their physical order nor their transaction ids (xmin) keep the
-- order the votes came in.
CREATE TABLE poll_anon_choice (
    poll_id BIGINT NOT NULL REFERENCES poll (id),
    option  INTEGER NOT NULL,
    tag     TEXT NOT NULL,
    PRIMARY KEY (poll_id, option, tag)
);
CREATE TABLE poll_anon_voter (
    poll_id BIGINT NOT NULL REFERENCES poll (id),
    tag     TEXT NOT NULL,
    PRIMARY KEY (poll_id, tag)
);
-- A poll whose card is behind its votes. Votes mark it here instead of in
-- poll.dirty, which would make every vote update (and lock) the poll's row.
CREATE TABLE poll_stale (
    poll_id BIGINT PRIMARY KEY REFERENCES poll (id)
);

INSERT INTO poll_ballot (poll_id, member_id, choices)
    SELECT poll_id, member_id, SUM(CAST(1 AS BIGINT) << (option - 1)) FROM vote
    WHERE member_id IS NOT NULL GROUP BY poll_id, member_id;
-- huddles.ChoiceTag and huddles.VoterTag, from the stored keyed voter hash.
INSERT INTO poll_anon_choice (poll_id, option, tag)
    SELECT poll_id, option, encode(sha256(convert_to('option:' || option || ':' || voter_hash, 'UTF8')), 'hex') AS tag
    FROM vote WHERE voter_hash IS NOT NULL ORDER BY tag;
INSERT INTO poll_anon_voter (poll_id, tag)
    SELECT DISTINCT poll_id, encode(sha256(convert_to('voter:' || voter_hash, 'UTF8')), 'hex') AS tag
    FROM vote WHERE voter_hash IS NOT NULL ORDER BY tag;
DROP TABLE vote;
