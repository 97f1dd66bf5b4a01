-- PostgreSQL lets dedupe_key be NULL for scheduled prompts here (see its
-- 0009). Changing a column's NOT NULL in SQLite means rebuilding the table,
-- so SQLite keeps storing the derived key.
SELECT 1;
