-- "Large" is lowered to 10,000 rows. site_visits and bot_logs (an explicit 0.2 is still 0.2)
-- wait for 20 % dead rows; daily_stats has its own 0.01; news is small; audit_log has
-- autovacuum switched off (another problem); the partitioned parent has no storage of its own,
-- its large partition does.
-- scope: autovacuum-scale-factor-large-tables
-- params: {"autovacuum-scale-factor-large-tables": {"min_rows": 10000}}
-- expect: autovacuum-scale-factor-large-tables public.site_visits
-- expect: autovacuum-scale-factor-large-tables public.bot_logs
-- expect: autovacuum-scale-factor-large-tables public.ai_requests_2025
CREATE TABLE site_visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, page text);
INSERT INTO site_visits (page) SELECT '/p' || g FROM generate_series(1, 20000) g;
CREATE TABLE bot_logs (id bigint PRIMARY KEY) WITH (autovacuum_vacuum_scale_factor = 0.2);
INSERT INTO bot_logs SELECT g FROM generate_series(1, 20000) g;
CREATE TABLE daily_stats (id bigint PRIMARY KEY) WITH (autovacuum_vacuum_scale_factor = 0.01);
INSERT INTO daily_stats SELECT g FROM generate_series(1, 20000) g;
CREATE TABLE news (id bigint PRIMARY KEY);
INSERT INTO news SELECT g FROM generate_series(1, 100) g;
CREATE TABLE audit_log (id bigint PRIMARY KEY) WITH (autovacuum_enabled = false);
INSERT INTO audit_log SELECT g FROM generate_series(1, 20000) g;
CREATE TABLE ai_requests (id bigint, created_at date NOT NULL) PARTITION BY RANGE (created_at);
CREATE TABLE ai_requests_2025 PARTITION OF ai_requests
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE ai_requests_2026 PARTITION OF ai_requests
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO ai_requests SELECT g, date '2025-01-01' + g % 300 FROM generate_series(1, 20000) g;
ANALYZE;
