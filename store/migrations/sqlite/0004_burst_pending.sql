-- Pending burst items, found without scanning every item ever sent: the
-- all-at-once companion ticker looks for them on every scheduler tick.
CREATE INDEX burst_item_pending ON burst_item (send_id, member_id) WHERE status = 'pending';
