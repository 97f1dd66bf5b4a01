-- Slack request signatures accepted in the last 5 minutes (the signature
-- window), shared by every replica: a signed request captured and sent
-- again — to another replica or after a restart — finds its signature here
-- and is refused. Expired rows are deleted by the maintenance tick.
CREATE TABLE request_signature (
    signature  TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX request_signature_expires ON request_signature (expires_at);
