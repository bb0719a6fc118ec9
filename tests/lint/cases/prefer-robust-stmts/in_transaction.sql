-- expect: none
BEGIN;
ALTER TABLE t ADD COLUMN b text;
COMMIT;
