-- Which language a prompt was shown in (issue 19): the lesson's own, or the
-- tag of the translation shown ('' = recorded before languages were).
-- requested_language is the member's language when the lesson had no
-- translation into it and was shown in its own instead (the card said so);
-- '' when it was shown in the member's language. An answer records the
-- language of its prompt, so reports can filter and group answers by it
-- while every translation's answers count for the same lesson.
ALTER TABLE delivery ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE delivery ADD COLUMN requested_language TEXT NOT NULL DEFAULT '';
ALTER TABLE answer ADD COLUMN language TEXT NOT NULL DEFAULT '';
