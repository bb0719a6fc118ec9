-- expect: 3
-- select: ban-drop-table, ban-drop-column
-- squawk-ignore-file ban-drop-column
DROP TABLE legacy; -- pgsage: ignore[ban-drop-table] archived in 0040
