-- The WAL archiver: its successes and failures since the statistics were reset.
SELECT a.archived_count::bigint, a.last_archived_wal, a.last_archived_time,
       a.failed_count::bigint, a.last_failed_wal, a.last_failed_time, a.stats_reset
FROM pg_catalog.pg_stat_archiver a
