-- A bulk load never analyzed, a table analyzed before most of it changed, and a partitioned
-- table whose partitions were analyzed but never the parent (info). Autovacuum is off for the
-- first two so that it cannot analyze them while the audit looks.
-- scope: stale-statistics
-- expect: stale-statistics public.imports
-- expect: stale-statistics public.daily_stats
-- expect: stale-statistics public.ai_requests
CREATE TABLE imports (id bigint PRIMARY KEY, payload text) WITH (autovacuum_enabled = false);
INSERT INTO imports SELECT g, md5(g::text) FROM generate_series(1, 5000) g;
CREATE TABLE daily_stats (day date PRIMARY KEY, visits int) WITH (autovacuum_enabled = false);
INSERT INTO daily_stats SELECT date '2000-01-01' + g, g FROM generate_series(1, 10000) g;
SELECT pg_stat_force_next_flush();
ANALYZE daily_stats;
UPDATE daily_stats SET visits = visits + 1 WHERE day < date '2014-01-01';
CREATE TABLE ai_requests (id bigint, created_at date NOT NULL) PARTITION BY RANGE (created_at);
CREATE TABLE ai_requests_2025 PARTITION OF ai_requests
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO ai_requests SELECT g, date '2025-01-01' + g % 300 FROM generate_series(1, 3000) g;
SELECT pg_stat_force_next_flush();
ANALYZE ai_requests_2025;
-- Quiet: a small table never analyzed; a table analyzed after a few changes; a partitioned
-- table analyzed through its parent.
CREATE TABLE news (id int PRIMARY KEY) WITH (autovacuum_enabled = false);
INSERT INTO news SELECT generate_series(1, 100);
CREATE TABLE users (id int PRIMARY KEY, name text) WITH (autovacuum_enabled = false);
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 10000) g;
SELECT pg_stat_force_next_flush();
ANALYZE users;
UPDATE users SET name = 'x' WHERE id <= 500;
CREATE TABLE site_visits (id bigint, visit_date date NOT NULL) PARTITION BY RANGE (visit_date);
CREATE TABLE site_visits_2025 PARTITION OF site_visits
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO site_visits SELECT g, date '2025-01-01' + g % 300 FROM generate_series(1, 3000) g;
SELECT pg_stat_force_next_flush();
ANALYZE site_visits;
