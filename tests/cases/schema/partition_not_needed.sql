-- Healthy: a table updated as much as inserted, one without a time column, one already
-- partitioned, and one too small.
-- scope: partition-time-series
-- params: {"partition-time-series": {"min_bytes": 65536, "min_inserts": 1000}}
-- expect-nothing
CREATE TABLE users (id serial PRIMARY KEY, last_seen timestamptz NOT NULL DEFAULT now(),
                    visits int NOT NULL DEFAULT 0);
INSERT INTO users (visits) SELECT 0 FROM generate_series(1, 2000);
UPDATE users SET visits = visits + 1;
UPDATE users SET visits = visits + 1;
CREATE TABLE counters (id serial PRIMARY KEY, name text, value bigint);
INSERT INTO counters (name, value) SELECT 'c' || g, g FROM generate_series(1, 3000) g;
CREATE TABLE bot_logs (id bigserial, created_at timestamptz NOT NULL, message text)
    PARTITION BY RANGE (created_at);
CREATE TABLE bot_logs_2025 PARTITION OF bot_logs
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE bot_logs_rest PARTITION OF bot_logs DEFAULT;
INSERT INTO bot_logs (created_at, message)
SELECT timestamptz '2025-03-01' + g * interval '1 minute', 'm' FROM generate_series(1, 3000) g;
CREATE TABLE daily_stats (day date NOT NULL PRIMARY KEY, visits int);
INSERT INTO daily_stats SELECT date '2025-01-01' + g, g FROM generate_series(1, 500) g;
SELECT pg_stat_force_next_flush();
