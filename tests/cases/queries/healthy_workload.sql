-- A small, quick workload with default thresholds: nothing slow, heavy, spilling or uncached.
-- expect-nothing
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,
                    is_admin boolean NOT NULL DEFAULT false);
INSERT INTO users (name) SELECT 'user' || g FROM generate_series(1, 2000) g;
ANALYZE users;
SELECT * FROM users WHERE id = 1;
SELECT * FROM users WHERE id = 2;
SELECT * FROM users WHERE id = 3;
SELECT * FROM users WHERE id = 4;
SELECT * FROM users WHERE id = 5;
SELECT id, name FROM users ORDER BY id LIMIT 20;
SELECT count(*) FROM users WHERE NOT is_admin;
UPDATE users SET name = name || '!' WHERE id < 1000;
