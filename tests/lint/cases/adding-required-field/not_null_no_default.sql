-- expect: 2
ALTER TABLE users ADD COLUMN plan text NOT NULL;
