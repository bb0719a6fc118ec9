-- Substring searches on text columns without a trigram index. A server-side cursor keeps its
-- literal pattern in pg_stat_statements before PostgreSQL 16 ('%bob%': certain, a warning); plain
-- statements are normalized to $n: ILIKE $1 and $2 || $1 || $3 are likely (info).
-- scope: like-without-trigram
-- params: {"like-without-trigram": {"min_rows": 100}}
-- expect: like-without-trigram public.users.username
-- expect: like-without-trigram public.users.email
-- expect: like-without-trigram public.news.title
CREATE TABLE users (id serial PRIMARY KEY, username varchar(100), email text NOT NULL,
                    code text);
INSERT INTO users (username, email, code)
SELECT 'user' || g, 'user' || g || '@example.com', 'C' || g FROM generate_series(1, 500) g;
CREATE TABLE news (id serial PRIMARY KEY, title text NOT NULL);
INSERT INTO news (title) SELECT 'News item ' || g FROM generate_series(1, 500) g;
ANALYZE;
BEGIN;
DECLARE admin_search CURSOR FOR SELECT id FROM users WHERE username ILIKE '%bob%';
FETCH 10 FROM admin_search;
CLOSE admin_search;
COMMIT;
SELECT id FROM users u WHERE u.email LIKE '%' || 'example' || '%';
SELECT id FROM news WHERE lower(title) ILIKE 'item';
-- anchored prefixes are a btree matter: no finding for code
SELECT id FROM users WHERE code LIKE 'C1%';
