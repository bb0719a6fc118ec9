-- expect: 2
ALTER TABLE users RENAME COLUMN name TO full_name;
