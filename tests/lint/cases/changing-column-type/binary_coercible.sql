-- expect: 3
-- the first change rewrites (old type unknown); the second is varchar(255) -> text: no rewrite
ALTER TABLE users ALTER COLUMN name TYPE varchar(255);
ALTER TABLE users ALTER COLUMN name TYPE text;
ALTER TABLE users ALTER COLUMN name TYPE varchar;
