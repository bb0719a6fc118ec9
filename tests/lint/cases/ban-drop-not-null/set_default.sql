-- expect: none
ALTER TABLE users ALTER COLUMN email SET DEFAULT '';
