-- Indexes for trainers' reports, the dashboard and the weekly digest.
-- Participation aggregates deliveries per member from a covering index (a
-- plain index on sent_at would tempt SQLite into random lookups and a sort
-- for the usual weeks-long ranges). Ratings are read by lesson, escalated
-- support questions by escalation time.
CREATE INDEX report_delivery_member_sent ON delivery (member_id, sent_at, answered_at, acked_at);
CREATE INDEX report_feedback_lesson ON feedback (kind, lesson_id);
CREATE INDEX report_support_escalated ON support_question (escalated_at);
