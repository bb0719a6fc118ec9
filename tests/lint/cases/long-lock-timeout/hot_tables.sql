-- expect: 3
-- warehouse 186f076eb60b_text.py: 120 s over ACCESS EXCLUSIVE steps on several tables
SET lock_timeout = '120s';
ALTER TABLE projects ALTER COLUMN name TYPE text;
ALTER TABLE releases ALTER COLUMN version TYPE text;
