-- Indexes for trainers' reports, the dashboard and the weekly digest: they
-- scan deliveries by send time, lesson ratings by lesson and escalated
-- support questions by escalation time.
CREATE INDEX report_delivery_sent ON delivery (sent_at);
CREATE INDEX report_feedback_lesson ON feedback (kind, lesson_id);
CREATE INDEX report_support_escalated ON support_question (escalated_at);
