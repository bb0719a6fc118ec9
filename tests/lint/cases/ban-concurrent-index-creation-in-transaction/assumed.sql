-- assume-in-transaction
-- expect: 3
DROP INDEX CONCURRENTLY ix_a;
ALTER TABLE t ADD COLUMN b text;
