-- expect: 2, 3
CREATE TABLE t (created_at timestamp);
ALTER TABLE t ALTER COLUMN created_at TYPE timestamp without time zone;
