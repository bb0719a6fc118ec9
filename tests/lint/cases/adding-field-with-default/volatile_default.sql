-- expect: 2, 3
ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE users ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) STORED;
