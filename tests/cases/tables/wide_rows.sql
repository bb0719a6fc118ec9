-- profiles keeps three ~600-byte texts inline in every row; documents keeps its bodies in
-- TOAST. Thresholds lowered for small tables.
-- scope: wide-rows
-- params: {"wide-rows": {"min_rows": 200, "min_toast_bytes": 1000000}}
-- expect: wide-rows public.profiles
-- expect: wide-rows public.documents
CREATE TABLE profiles (id int PRIMARY KEY, bio text, settings text, signature text);
INSERT INTO profiles
SELECT g, b, b, b FROM generate_series(1, 1000) g,
     LATERAL (SELECT string_agg(md5(g::text || k), '') AS b FROM generate_series(1, 19) k) x;
CREATE TABLE documents (id int PRIMARY KEY, title text, body text);
INSERT INTO documents
SELECT g, 'doc ' || g, b FROM generate_series(1, 300) g,
     LATERAL (SELECT string_agg(md5(g::text || k), '') AS b FROM generate_series(1, 600) k) x;
-- Quiet: narrow rows.
CREATE TABLE news (id int PRIMARY KEY, title text, published date);
INSERT INTO news SELECT g, 'title ' || g, date '2025-01-01' + g % 300 FROM generate_series(1, 5000) g;
ANALYZE;
