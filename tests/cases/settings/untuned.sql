-- A database left at the settings that ship by default (set explicitly here, so the case does
-- not depend on the test servers' own configuration): no I/O timing, no slow-query log, and
-- random_page_cost for spinning disks.
-- scope: track-io-timing-off slow-query-log-off random-page-cost
-- expect: track-io-timing-off track_io_timing
-- expect: slow-query-log-off log_min_duration_statement
-- expect: random-page-cost random_page_cost
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET track_io_timing = off', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET log_min_duration_statement = -1', current_database()); END $$;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET random_page_cost = 4', current_database()); END $$;
