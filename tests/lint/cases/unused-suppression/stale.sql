-- expect: 3
-- select: ban-drop-table
-- pgsage: ignore[ban-drop-table] kept from an old version
SELECT 1;
