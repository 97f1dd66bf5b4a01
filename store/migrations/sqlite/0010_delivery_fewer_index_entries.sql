-- delivery_member (member_id, created_at) is the leading column of
-- report_delivery_member_sent again; no query orders a member's deliveries
-- by created_at. (SQLite keeps a dedupe key on every prompt, see its 0009.)
DROP INDEX delivery_member;
