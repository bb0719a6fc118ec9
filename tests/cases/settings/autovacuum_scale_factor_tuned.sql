-- Large tables (by the lowered threshold) that all have their own small scale factor, and a
-- 20,000-row table that the default threshold of 1,000,000 rows does not count as large.
-- scope: autovacuum-scale-factor-large-tables
-- params: {"autovacuum-scale-factor-large-tables": {"min_rows": 10000}}
-- expect-nothing
CREATE TABLE site_visits (id bigint PRIMARY KEY) WITH (autovacuum_vacuum_scale_factor = 0.01);
INSERT INTO site_visits SELECT g FROM generate_series(1, 20000) g;
CREATE TABLE bot_logs (id bigint PRIMARY KEY)
    WITH (autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_threshold = 1000);
INSERT INTO bot_logs SELECT g FROM generate_series(1, 20000) g;
ANALYZE;
