-- expect: none
SET lock_timeout = '2s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON t (a);
ALTER TABLE t ADD COLUMN IF NOT EXISTS b text;
