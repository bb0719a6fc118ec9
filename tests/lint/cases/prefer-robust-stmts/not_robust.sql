-- expect: 3
SET lock_timeout = '2s';
CREATE INDEX CONCURRENTLY ix_a ON t (a);
