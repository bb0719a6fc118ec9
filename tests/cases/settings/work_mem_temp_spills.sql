-- A sort of 200,000 rows with the default 4MB work_mem spills to a temporary file.
-- scope: work-mem-temp-spills
-- params: {"work-mem-temp-spills": {"min_temp_bytes": 1048576}}
-- expect: work-mem-temp-spills work_mem
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = ''4MB''', current_database()); END $$;
SET work_mem = '4MB';
SELECT count(*) FROM (SELECT g, md5(g::text) AS h FROM generate_series(1, 200000) g ORDER BY h) s;
SELECT pg_stat_force_next_flush();
