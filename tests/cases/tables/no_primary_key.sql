-- Tables without a primary key: with nothing to promote (an identity column is proposed),
-- with a unique index on NOT NULL columns (promoted as it is), with a UNIQUE constraint (a
-- copy of its index is built and promoted), and a unique index on a nullable column (not
-- promotable). A partitioned table is reported once, not per partition.
-- scope: no-primary-key
-- expect: no-primary-key public.bot_logs
-- expect: no-primary-key public.legacy_users
-- expect: no-primary-key public.tags
-- expect: no-primary-key public.news
-- expect: no-primary-key public.ai_requests
CREATE TABLE bot_logs (created_at timestamptz NOT NULL DEFAULT now(), path text, id int);
INSERT INTO bot_logs (path) SELECT '/p' || g FROM generate_series(1, 100) g;
CREATE TABLE legacy_users (email text NOT NULL, name text);
CREATE UNIQUE INDEX legacy_users_email ON legacy_users (email);
CREATE TABLE tags (slug text NOT NULL, CONSTRAINT tags_slug_key UNIQUE (slug));
CREATE TABLE news (link text, title text);
CREATE UNIQUE INDEX news_link ON news (link);
CREATE TABLE ai_requests (id bigint, created_at date NOT NULL) PARTITION BY RANGE (created_at);
CREATE TABLE ai_requests_2025 PARTITION OF ai_requests
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE ai_requests_2026 PARTITION OF ai_requests
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
-- Quiet: a primary key; a partitioned table with one (its partitions inherit it); a
-- materialized view.
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text);
CREATE TABLE site_visits (id bigint GENERATED ALWAYS AS IDENTITY, visit_date date NOT NULL,
                          PRIMARY KEY (id, visit_date)) PARTITION BY RANGE (visit_date);
CREATE TABLE site_visits_2025 PARTITION OF site_visits
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE MATERIALIZED VIEW daily_paths AS SELECT path, count(*) AS hits FROM bot_logs GROUP BY path;
