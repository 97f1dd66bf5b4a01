-- huddlebot schema, SQLite. Instants are unix milliseconds (BIGINT) and
-- local calendar dates are 'YYYY-MM-DD' text, the same on every backend, so
-- the same queries and comparisons work on PostgreSQL and SQLite.

CREATE TABLE workspace (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    platform    TEXT NOT NULL,               -- sandbox | slack | discord
    external_id TEXT NOT NULL,               -- Slack team id, Discord guild id, "local"
    name        TEXT NOT NULL DEFAULT '',
    timezone    TEXT NOT NULL DEFAULT 'UTC',
    created_at  BIGINT NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE member (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id  BIGINT NOT NULL REFERENCES workspace (id),
    user_id       TEXT NOT NULL,             -- platform user id
    name          TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL DEFAULT '',
    department    TEXT NOT NULL DEFAULT '',
    timezone      TEXT NOT NULL DEFAULT '',  -- '' = workspace default
    delivery_time INTEGER NOT NULL DEFAULT 510, -- minutes after local midnight
    work_start    INTEGER NOT NULL DEFAULT 480,
    work_end      INTEGER NOT NULL DEFAULT 1020,
    work_days     INTEGER NOT NULL DEFAULT 62,  -- bit i = time.Weekday(i)
    paused_until  BIGINT,
    permissions   TEXT NOT NULL DEFAULT '',  -- comma list: super_user,trainer,admin
    on_duty       BOOLEAN NOT NULL DEFAULT FALSE,
    duty_start    INTEGER,                   -- NULL = work hours
    duty_end      INTEGER,
    start_date    TEXT NOT NULL DEFAULT '',  -- YYYY-MM-DD, '' = unknown
    reachable     BOOLEAN NOT NULL DEFAULT TRUE,
    joined        BOOLEAN NOT NULL DEFAULT FALSE,
    nudges        BOOLEAN NOT NULL DEFAULT TRUE,
    leaderboard   BOOLEAN NOT NULL DEFAULT FALSE,
    home_channel  TEXT NOT NULL DEFAULT '',
    dm_channel    TEXT NOT NULL DEFAULT '',
    next_due_at   BIGINT,                    -- cached next delivery instant, for the scheduler
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (workspace_id, user_id)
);
CREATE INDEX member_due ON member (next_due_at, id) WHERE joined;
CREATE INDEX member_dept ON member (workspace_id, department);

CREATE TABLE lesson (
    id              TEXT PRIMARY KEY,
    current_version INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    tags            TEXT NOT NULL DEFAULT '',
    retired         BOOLEAN NOT NULL DEFAULT FALSE,   -- removed from content; history kept
    updated_at      BIGINT NOT NULL
);

CREATE TABLE lesson_version (
    lesson_id  TEXT NOT NULL REFERENCES lesson (id),
    version    INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    path       TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,                -- the lesson as JSON (lessons.Lesson)
    created_at BIGINT NOT NULL,
    PRIMARY KEY (lesson_id, version)
);

CREATE TABLE track (
    id         TEXT PRIMARY KEY,
    body       TEXT NOT NULL,                -- lessons.Track as JSON
    updated_at BIGINT NOT NULL
);

CREATE TABLE burst (
    id         TEXT PRIMARY KEY,
    body       TEXT NOT NULL,                -- lessons.Burst as JSON
    updated_at BIGINT NOT NULL
);

-- A burst sent to one workspace. Sending the same burst twice reuses this row.
CREATE TABLE burst_send (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspace (id),
    burst_id     TEXT NOT NULL REFERENCES burst (id),
    pace         TEXT NOT NULL,
    immediate    BOOLEAN NOT NULL DEFAULT FALSE,
    start_at     BIGINT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'active', -- active | cancelled
    created_by   BIGINT REFERENCES member (id),
    created_at   BIGINT NOT NULL,
    cancelled_at BIGINT,
    UNIQUE (workspace_id, burst_id)
);

-- One row per member x burst item: what is still to go out.
CREATE TABLE burst_item (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id   BIGINT NOT NULL REFERENCES workspace (id),
    send_id        BIGINT NOT NULL REFERENCES burst_send (id),
    member_id      BIGINT NOT NULL REFERENCES member (id),
    lesson_id      TEXT NOT NULL REFERENCES lesson (id),
    seq            INTEGER NOT NULL,
    available_date TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'pending', -- pending | delivered | cancelled
    delivery_id    BIGINT,
    UNIQUE (send_id, member_id, lesson_id)
);
CREATE INDEX burst_item_member ON burst_item (member_id, status);

-- Every prompt a member was sent (or is about to be sent).
CREATE TABLE delivery (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id   BIGINT NOT NULL REFERENCES workspace (id),
    member_id      BIGINT NOT NULL REFERENCES member (id),
    lesson_id      TEXT NOT NULL REFERENCES lesson (id),
    lesson_version INTEGER NOT NULL,
    reason         TEXT NOT NULL,            -- burst | review | onboarding | track | role | on-demand
    burst_id       TEXT,
    shift_date     TEXT NOT NULL,
    dedupe_key     TEXT NOT NULL UNIQUE,     -- member:lesson:date, member:burst:lesson, ...
    status         TEXT NOT NULL DEFAULT 'pending', -- pending | sent | answered | expired | failed | cancelled
    scheduled      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     BIGINT NOT NULL,
    sent_at        BIGINT,
    seen_at        BIGINT,
    acked_at       BIGINT,
    answered_at    BIGINT,
    nudged_at      BIGINT,
    expired_at     BIGINT
);
CREATE INDEX delivery_member ON delivery (member_id, created_at);
-- At most one scheduled prompt per member and shift day, whatever the number of schedulers.
CREATE UNIQUE INDEX delivery_one_scheduled ON delivery (member_id, shift_date) WHERE scheduled;
CREATE INDEX delivery_open ON delivery (sent_at) WHERE status = 'sent';
CREATE INDEX delivery_burst ON delivery (burst_id) WHERE burst_id IS NOT NULL;

-- The first answer to a delivery counts; the unique delivery_id enforces it.
CREATE TABLE answer (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id   BIGINT NOT NULL REFERENCES workspace (id),
    member_id      BIGINT NOT NULL REFERENCES member (id),
    delivery_id    BIGINT NOT NULL UNIQUE REFERENCES delivery (id),
    lesson_id      TEXT NOT NULL,
    lesson_version INTEGER NOT NULL,
    choice         INTEGER NOT NULL,
    correct        BOOLEAN NOT NULL,
    attempt        INTEGER NOT NULL,         -- 1 = first time this member answered this lesson
    answered_at    BIGINT NOT NULL
);
CREATE INDEX answer_member ON answer (member_id, answered_at);
CREATE INDEX answer_time ON answer (workspace_id, answered_at);

-- Spacing state per member x question.
CREATE TABLE review (
    workspace_id BIGINT NOT NULL REFERENCES workspace (id),
    member_id    BIGINT NOT NULL REFERENCES member (id),
    lesson_id    TEXT NOT NULL,
    streak       INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    due_date     TEXT NOT NULL,
    retired      BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (member_id, lesson_id)
);

-- Everything a bot posts, in a neutral form; adapters render and send it.
CREATE TABLE message (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspace (id),
    member_id    BIGINT REFERENCES member (id), -- recipient for a DM
    delivery_id  BIGINT REFERENCES delivery (id), -- the prompt this message carries
    channel      TEXT NOT NULL,               -- "dm" for a DM, else a channel name or id
    thread_of    BIGINT REFERENCES message (id),
    card         TEXT NOT NULL,               -- bot.Card as JSON
    revision     INTEGER NOT NULL DEFAULT 1,
    sent_revision INTEGER NOT NULL DEFAULT 0,
    platform_channel TEXT NOT NULL DEFAULT '',
    platform_ts  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX message_member ON message (member_id, id);
CREATE INDEX message_delivery ON message (delivery_id, id);
CREATE INDEX message_channel ON message (workspace_id, channel, id);

CREATE TABLE channel (
    workspace_id BIGINT NOT NULL REFERENCES workspace (id),
    name         TEXT NOT NULL,
    platform_id  TEXT NOT NULL DEFAULT '',
    department   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, name)
);

CREATE TABLE feedback (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspace (id),
    member_id    BIGINT REFERENCES member (id),
    kind         TEXT NOT NULL,               -- lesson | general | huddle | support
    lesson_id    TEXT,
    delivery_id  BIGINT,
    huddle_id    BIGINT,
    support_id   BIGINT,
    rating       INTEGER,                     -- +1/-1 for lessons, 1-5 for huddles and support
    text         TEXT NOT NULL DEFAULT '',
    redacted     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX feedback_time ON feedback (workspace_id, created_at);
CREATE UNIQUE INDEX feedback_one_rating ON feedback (delivery_id, member_id) WHERE kind = 'lesson' AND rating IS NOT NULL;

CREATE TABLE huddle_series (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id   BIGINT NOT NULL REFERENCES workspace (id),
    channel        TEXT NOT NULL,
    host_member_id BIGINT NOT NULL REFERENCES member (id),
    title          TEXT NOT NULL,
    agenda         TEXT NOT NULL DEFAULT '',
    weekdays       INTEGER NOT NULL,
    at_time        INTEGER NOT NULL,
    timezone       TEXT NOT NULL,
    remind_minutes INTEGER NOT NULL DEFAULT 15,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    last_reminded  TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL
);

CREATE TABLE huddle (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id   BIGINT NOT NULL REFERENCES workspace (id),
    series_id      BIGINT REFERENCES huddle_series (id),
    channel        TEXT NOT NULL,
    host_member_id BIGINT NOT NULL REFERENCES member (id),
    title          TEXT NOT NULL,
    agenda         TEXT NOT NULL DEFAULT '',
    started_at     BIGINT NOT NULL,
    ended_at       BIGINT,
    message_id     BIGINT,
    summary_id     BIGINT
);
CREATE UNIQUE INDEX huddle_one_open ON huddle (workspace_id, channel) WHERE ended_at IS NULL;

CREATE TABLE poll (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id      BIGINT NOT NULL REFERENCES workspace (id),
    huddle_id         BIGINT REFERENCES huddle (id),
    channel           TEXT NOT NULL,
    creator_member_id BIGINT NOT NULL REFERENCES member (id),
    question          TEXT NOT NULL,
    options           TEXT NOT NULL,          -- JSON array of labels
    kind              TEXT NOT NULL DEFAULT 'choice', -- choice | rating
    max_choices       INTEGER NOT NULL DEFAULT 1,
    anonymous         BOOLEAN NOT NULL DEFAULT FALSE,
    hidden            BOOLEAN NOT NULL DEFAULT FALSE,
    closes_at         BIGINT,
    closed_at         BIGINT,
    message_id        BIGINT,
    rendered_at       BIGINT,
    dirty             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        BIGINT NOT NULL
);

-- A vote is attributed (member_id set, voter_hash NULL) or anonymous
-- (member_id NULL, voter_hash = keyed hash of poll and member; no time kept).
CREATE TABLE vote (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    poll_id    BIGINT NOT NULL REFERENCES poll (id),
    member_id  BIGINT REFERENCES member (id),
    voter_hash TEXT,
    option     INTEGER NOT NULL,
    CHECK ((member_id IS NULL) <> (voter_hash IS NULL))
);
CREATE UNIQUE INDEX vote_member ON vote (poll_id, member_id, option) WHERE member_id IS NOT NULL;
CREATE UNIQUE INDEX vote_hash ON vote (poll_id, voter_hash, option) WHERE voter_hash IS NOT NULL;

CREATE TABLE huddle_question (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspace (id),
    huddle_id    BIGINT NOT NULL REFERENCES huddle (id),
    series_id    BIGINT REFERENCES huddle_series (id),
    member_id    BIGINT REFERENCES member (id), -- NULL when asked anonymously
    text         TEXT NOT NULL,
    redacted     BOOLEAN NOT NULL DEFAULT FALSE,
    status       TEXT NOT NULL DEFAULT 'open', -- open | answered | deferred | escalated
    message_id   BIGINT,
    created_at   BIGINT NOT NULL,
    closed_at    BIGINT
);

CREATE TABLE huddle_question_vote (
    question_id BIGINT NOT NULL REFERENCES huddle_question (id),
    member_id   BIGINT NOT NULL REFERENCES member (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (question_id, member_id)
);

CREATE TABLE huddle_attendee (
    huddle_id BIGINT NOT NULL REFERENCES huddle (id),
    member_id BIGINT NOT NULL REFERENCES member (id),
    PRIMARY KEY (huddle_id, member_id)
);

-- "Ask a super-user".
CREATE TABLE support_question (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id      BIGINT NOT NULL REFERENCES workspace (id),
    asker_member_id   BIGINT NOT NULL REFERENCES member (id),
    department        TEXT NOT NULL DEFAULT '',
    text              TEXT NOT NULL,
    redacted          BOOLEAN NOT NULL DEFAULT FALSE,
    status            TEXT NOT NULL DEFAULT 'open', -- open | claimed | resolved
    level             INTEGER NOT NULL DEFAULT 0,   -- 0 own department, 1 other departments, 2 helpdesk
    tags              TEXT NOT NULL DEFAULT '',
    claimer_member_id BIGINT REFERENCES member (id),
    created_at        BIGINT NOT NULL,
    escalate_at       BIGINT,
    escalated_at      BIGINT,
    claimed_at        BIGINT,
    resolved_at       BIGINT,
    resolved_by       BIGINT REFERENCES member (id),
    rating            INTEGER
);
CREATE INDEX support_open ON support_question (status, escalate_at);

CREATE TABLE support_route (
    question_id BIGINT NOT NULL REFERENCES support_question (id),
    member_id   BIGINT NOT NULL REFERENCES member (id),
    level       INTEGER NOT NULL,
    message_id  BIGINT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (question_id, member_id)
);

CREATE TABLE support_message (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id    BIGINT NOT NULL REFERENCES support_question (id),
    from_member_id BIGINT NOT NULL REFERENCES member (id),
    text           TEXT NOT NULL,
    redacted       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL
);

-- Inbound platform events already handled (Events API redelivery, retries).
CREATE TABLE processed_event (
    platform   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (platform, event_id)
);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id    BIGINT REFERENCES workspace (id),
    actor_member_id BIGINT REFERENCES member (id),
    action          TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    detail          TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX audit_time ON audit_log (created_at);

-- Deployment-wide settings (e.g. the role vocabulary from roles.yaml).
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
