-- A day's scheduled prompt is unique through delivery_one_scheduled (one per
-- member and shift date), so it needs no text dedupe key: PostgreSQL stores
-- NULL there for scheduled prompts from now on, sparing every daily prompt an
-- insert into the dedupe_key index (whose text keys scatter over the whole
-- index). On-demand and burst prompts keep their keys.
ALTER TABLE delivery ALTER COLUMN dedupe_key DROP NOT NULL;
