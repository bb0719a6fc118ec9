-- expect: 2
ALTER TABLE users DROP COLUMN legacy;
