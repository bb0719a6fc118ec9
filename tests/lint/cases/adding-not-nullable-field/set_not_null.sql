-- expect: 2
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
