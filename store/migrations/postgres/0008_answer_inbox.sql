-- Quiz answers clicked on a platform that acknowledges before the card
-- changes (Slack): each click is one row here, committed before the click is
-- acknowledged, and applied in batches (answer, spacing, card update) by the
-- answer applier, which deletes the rows it has applied. A row that cannot be
-- applied stays, with its attempts counted, for an operator to look at.
CREATE TABLE answer_inbox (
    id           BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL,
    member_id    BIGINT NOT NULL,
    delivery_id  BIGINT NOT NULL,
    choice       INTEGER NOT NULL,
    received_at  BIGINT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0
);
