-- A 45 MB table written by CREATE TABLE AS (a bulk-write ring: most pages leave shared_buffers
-- at once), then read by a sequential scan (tables over shared_buffers/4 are read through a
-- small ring) and by a full index scan of an index that CREATE INDEX wrote straight to disk:
-- most block accesses are reads. A small table read 300 times stays cached.
-- scope: cache-hit-table cache-hit-index
-- params: {"cache-hit-table": {"min_blocks": 1000}, "cache-hit-index": {"min_blocks": 300}}
-- expect: cache-hit-table public.events
-- expect: cache-hit-index public.events_id on public.events
CREATE TABLE events AS
SELECT g AS id, repeat('x', 200) AS payload FROM generate_series(1, 200000) g;
CREATE INDEX events_id ON events (id);
SELECT count(*) FROM events;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) FROM events WHERE id > 0;
RESET enable_seqscan;
RESET enable_bitmapscan;
CREATE TABLE settings_cache (id int PRIMARY KEY, value text);
INSERT INTO settings_cache SELECT g, 'v' || g FROM generate_series(1, 5000) g;
DO $$ BEGIN FOR i IN 1..300 LOOP PERFORM count(*) FROM settings_cache; END LOOP; END $$;
DO $$ BEGIN FOR i IN 1..3000 LOOP PERFORM value FROM settings_cache WHERE id = i; END LOOP; END $$;
-- Flush this session's statistics before it ends (PostgreSQL 15+).
SELECT pg_stat_force_next_flush();
