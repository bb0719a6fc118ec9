-- Password columns judged by their values' shape (pg_stats' sample), not only their name.
-- Pagila's staff.password (pagila-data.sql, github.com/devrimgunduz/pagila) holds the same
-- 40-hex-digit SHA-1 digest on every row: an unsalted fast hash, not plain text. A column of
-- bcrypt strings is hashed properly; one of readable words is plain text.
-- scope: plaintext-secret-columns
-- expect: plaintext-secret-columns public.staff.password on public.staff
-- expect: plaintext-secret-columns public.legacy_users.password on public.legacy_users
-- expect: plaintext-secret-columns public.api_clients.token on public.api_clients
CREATE TABLE staff (staff_id serial PRIMARY KEY, username text NOT NULL, password text);
INSERT INTO staff (username, password)
SELECT 'staff' || g, '8cb2237d0679ca88db6464eac60da96345513964' FROM generate_series(1, 20) g;
CREATE TABLE app_users (id serial PRIMARY KEY, password text NOT NULL);
INSERT INTO app_users (password)
SELECT '$2b$12$' || rpad(md5(g::text), 53, 'x') FROM generate_series(1, 200) g;
CREATE TABLE argon_users (id serial PRIMARY KEY, password text NOT NULL);
INSERT INTO argon_users (password)
SELECT '$argon2id$v=19$m=65536,t=3,p=4$' || md5(g::text) || '$' || md5((g + 1)::text)
FROM generate_series(1, 200) g;
CREATE TABLE legacy_users (id serial PRIMARY KEY, password text NOT NULL);
INSERT INTO legacy_users (password) SELECT 'secret-' || g FROM generate_series(1, 200) g;
-- A token kept as its SHA-256 digest (what the check recommends); one kept as 40 hex digits
-- (read as SHA-1: pgcrypto's digest() is not needed to make the shape).
CREATE TABLE sessions (id serial PRIMARY KEY, token text NOT NULL);
INSERT INTO sessions (token)
SELECT encode(sha256(g::text::bytea), 'hex') FROM generate_series(1, 200) g;
CREATE TABLE api_clients (id serial PRIMARY KEY, token text NOT NULL);
INSERT INTO api_clients (token) SELECT md5(g::text) || left(md5((-g)::text), 8) FROM generate_series(1, 200) g;
ANALYZE;
