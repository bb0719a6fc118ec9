-- A database whose sessions get sensible settings: I/O timing on, statements over 1 s logged,
-- SSD-like random_page_cost, timeouts for idle transactions and for statements. With the
-- default thresholds the rest is quiet too: the 64MB maintenance_work_mem with small indexes,
-- a 20,000-row table on the default scale factor (large means 1,000,000 rows), small sorts
-- under the 4MB work_mem, and only three (requested) checkpoints since the counters were reset.
-- scope: track-io-timing-off slow-query-log-off random-page-cost work-mem-temp-spills maintenance-work-mem-low autovacuum-scale-factor-large-tables idle-in-transaction-timeout-unset app-role-statement-timeout-unset checkpoints-forced
-- expect-nothing
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET track_io_timing = on', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET log_min_duration_statement = 1000', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = ''5min''', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET statement_timeout = ''30s''', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET maintenance_work_mem = ''64MB''', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = ''4MB''', current_database()); END $$;
CREATE TABLE site_visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, page text);
INSERT INTO site_visits (page) SELECT '/p' || g FROM generate_series(1, 20000) g;
CREATE INDEX site_visits_page ON site_visits (page);
ANALYZE;
SELECT count(*) FROM (SELECT g FROM generate_series(1, 10000) g ORDER BY g DESC) s;
-- may-fail
SELECT pg_stat_reset_shared('checkpointer');
-- may-fail
SELECT pg_stat_reset_shared('bgwriter');
CHECKPOINT;
CHECKPOINT;
CHECKPOINT;
SELECT pg_stat_force_next_flush();
