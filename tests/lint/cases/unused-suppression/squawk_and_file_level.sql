-- expect: none
-- select: ban-drop-table, ban-drop-column
-- squawk-ignore ban-drop-table
DROP TABLE legacy;
-- pgsage: ignore-file[ban-drop-column] the columns were moved to audit in 0041
ALTER TABLE a DROP COLUMN x;
ALTER TABLE b DROP COLUMN y;
