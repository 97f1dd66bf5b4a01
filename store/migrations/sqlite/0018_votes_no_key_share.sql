-- PostgreSQL drops the vote tables' foreign keys to poll and huddle here
-- (row-lock contention with a thousand votes in flight). SQLite serialises
-- writers and takes no row locks, so it keeps them.
SELECT 1;
