-- The same spills, but the database's sessions already get a larger work_mem: the check is
-- about the untouched default, and leaves tuned servers to the per-query checks.
-- scope: work-mem-temp-spills
-- params: {"work-mem-temp-spills": {"min_temp_bytes": 1048576}}
-- expect-nothing
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = ''64MB''', current_database()); END $$;
SET work_mem = '4MB';
SELECT count(*) FROM (SELECT g, md5(g::text) AS h FROM generate_series(1, 200000) g ORDER BY h) s;
SELECT pg_stat_force_next_flush();
