-- A member's language (BCP 47, e.g. "es", "pt-BR"), set from the roster;
-- "" = the workspace default. Stored now; messages are translated elsewhere.
ALTER TABLE member ADD COLUMN language TEXT NOT NULL DEFAULT '';
