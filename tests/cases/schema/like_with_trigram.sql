-- Healthy: the searched columns have trigram indexes (on the column, or on lower(col) for
-- lower(col) searches); LIKE on a bare parameter is not judged; small tables are left alone.
-- scope: like-without-trigram
-- params: {"like-without-trigram": {"min_rows": 100}}
-- expect-nothing
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE users (id serial PRIMARY KEY, username text, email text, code text);
INSERT INTO users (username, email, code)
SELECT 'user' || g, 'user' || g || '@example.com', 'C' || g FROM generate_series(1, 500) g;
CREATE INDEX users_username_trgm ON users USING gin (username gin_trgm_ops);
CREATE INDEX users_email_trgm ON users USING gist (lower(email) gist_trgm_ops);
CREATE TABLE tags (id serial PRIMARY KEY, name text);
INSERT INTO tags (name) SELECT 'tag' || g FROM generate_series(1, 10) g;
ANALYZE;
BEGIN;
DECLARE s1 CURSOR FOR SELECT id FROM users WHERE username ILIKE '%bob%';
FETCH 10 FROM s1;
CLOSE s1;
COMMIT;
SELECT id FROM users WHERE lower(email) LIKE '%' || 'example' || '%';
SELECT id FROM users WHERE code LIKE 'C1%';
SELECT id FROM tags WHERE name ILIKE '%a%';
