-- A delivery row is written for every member every work day, 100,000 at a
-- time at 08:30. Its foreign keys to workspace and lesson cost more than half
-- of the row's insert (each is a row-locking lookup per inserted row) and
-- guard nothing the schema needs: the member key (kept) already ties a
-- delivery to a workspace, and lessons are retired, never deleted.
ALTER TABLE delivery DROP CONSTRAINT IF EXISTS delivery_workspace_id_fkey;
ALTER TABLE delivery DROP CONSTRAINT IF EXISTS delivery_lesson_id_fkey;
