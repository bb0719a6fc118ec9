-- A busy database whose working set fits in shared_buffers: judged (low "busy" thresholds)
-- and healthy, at every level.
-- scope: caching
-- params: {"cache-hit-database": {"min_blocks": 1000}, "cache-hit-table": {"min_blocks": 1000}, "cache-hit-index": {"min_blocks": 1000}}
-- expect-nothing
CREATE TABLE settings_cache (id int PRIMARY KEY, value text);
INSERT INTO settings_cache SELECT g, 'v' || g FROM generate_series(1, 5000) g;
DO $$ BEGIN FOR i IN 1..500 LOOP PERFORM count(*) FROM settings_cache; END LOOP; END $$;
DO $$ BEGIN FOR i IN 1..20000 LOOP PERFORM value FROM settings_cache WHERE id = 1 + i % 5000; END LOOP; END $$;
SELECT pg_stat_force_next_flush();
