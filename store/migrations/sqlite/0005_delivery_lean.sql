-- PostgreSQL drops delivery's foreign keys to workspace and lesson here (see
-- its 0005). SQLite's key checks are cheap index probes, and dropping a
-- constraint would mean rebuilding the table, so SQLite keeps them.
SELECT 1;
