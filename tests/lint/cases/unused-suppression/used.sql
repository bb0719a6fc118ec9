-- expect: none
-- select: ban-drop-table
-- pgsage: ignore[ban-drop-table] the table was replaced in 0042
DROP TABLE legacy_users;
