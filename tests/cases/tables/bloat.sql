-- 90 % of a table's rows deleted (every tenth row kept, so no page empties) and vacuumed: the
-- pages stay, in the table and in its primary key index. The thresholds are lowered to 1 MB
-- of waste so the tables stay small.
-- scope: tables index-bloat
-- params: {"table-bloat": {"min_wasted_bytes": 1000000}, "index-bloat": {"min_wasted_bytes": 1000000}}
-- expect: table-bloat public.bot_logs
-- expect: index-bloat public.bot_logs_pkey on public.bot_logs
CREATE TABLE bot_logs (id int PRIMARY KEY, path text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO bot_logs SELECT g, md5(g::text), now() FROM generate_series(1, 100000) g;
DELETE FROM bot_logs WHERE id % 10 <> 0;
-- Quiet: the same table kept whole, with a secondary index built after the load and a lower
-- fillfactor (free space by design is not bloat).
CREATE TABLE site_visits (id int PRIMARY KEY, path text NOT NULL, visit_date date,
                          is_admin boolean NOT NULL DEFAULT false, referrer text)
    WITH (fillfactor = 70);
INSERT INTO site_visits (id, path, visit_date, referrer)
SELECT g, md5(g::text), date '2025-01-01' + g % 365, CASE WHEN g % 3 = 0 THEN 'https://a.example/' END
FROM generate_series(1, 100000) g;
CREATE INDEX site_visits_path ON site_visits (path);
CREATE INDEX site_visits_date_referrer ON site_visits (visit_date, referrer);
SELECT pg_stat_force_next_flush();
VACUUM ANALYZE bot_logs;
VACUUM ANALYZE site_visits;
