-- pg-version: 10
-- expect: 3
ALTER TABLE users ADD COLUMN active boolean DEFAULT true;
