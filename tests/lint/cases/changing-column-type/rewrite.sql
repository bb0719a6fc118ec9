-- expect: 2
ALTER TABLE users ALTER COLUMN id TYPE bigint;
