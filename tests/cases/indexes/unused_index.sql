-- An index the workload uses and one it never touches; unique indexes are never reported.
-- params: {"unused-index": {"min_size_bytes": 0}}
-- expect: unused-index public.news_source_idx on public.news
CREATE TABLE news (id serial PRIMARY KEY, published_date date NOT NULL, source text,
                   link text UNIQUE);
INSERT INTO news (published_date, source, link)
SELECT date '2025-01-01' + (g % 365), 's' || (g % 7), 'https://example.com/' || g
FROM generate_series(1, 2000) g;
CREATE INDEX news_published_idx ON news (published_date);
CREATE INDEX news_source_idx ON news (source);
ANALYZE news;
SET enable_seqscan = off;
SELECT count(*) FROM news WHERE published_date = date '2025-03-01';
