-- The K largest user tables (ranked by the pg_catalog.pg_class page estimate, which costs no file-system
-- call or lock) and the K with the most dead tuples; only those (K to 2K) are measured exactly.
-- Tables another session holds or awaits an ACCESS EXCLUSIVE lock on are not measured: the size
-- functions would queue behind it (their other figures come from shared memory and are kept).
-- Every row also carries the counts over all tables (the candidates are read once).
WITH locked AS (
    SELECT DISTINCT l.relation FROM pg_catalog.pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.pid <> pg_catalog.pg_backend_pid()
      AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
), candidates AS (
    SELECT c.oid,
           -- relpages is 0 until the first VACUUM or ANALYZE: such tables are ranked by their
           -- row count from the statistics at a nominal 100 rows per page.
           CASE WHEN c.relpages > 0 THEN c.relpages + coalesce(t.relpages, 0)
                ELSE (pg_catalog.pg_stat_get_live_tuples(c.oid) + pg_catalog.pg_stat_get_dead_tuples(c.oid)) / 100.0
           END AS pages,
           pg_catalog.pg_stat_get_dead_tuples(c.oid) AS dead,
           pg_catalog.pg_stat_get_live_tuples(c.oid) AS live
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
    WHERE c.relkind IN ('r', 'm')
      AND c.relpersistence <> 't'
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
), totals AS (
    SELECT pg_catalog.count(*)::int AS tables, coalesce(pg_catalog.sum(dead), 0)::float8 AS all_dead_tuples,
           coalesce(pg_catalog.sum(live), 0)::float8 AS all_live_tuples
    FROM candidates
), chosen AS (
    (SELECT oid FROM candidates ORDER BY pages DESC, oid LIMIT %(limit)s)
    UNION
    (SELECT oid FROM candidates WHERE dead > 0 ORDER BY dead DESC, oid LIMIT %(limit)s)
)
SELECT n.nspname AS schema,
       c.relname AS name,
       CASE WHEN l.relation IS NULL THEN pg_catalog.pg_total_relation_size(c.oid)::float8 END AS total_bytes,
       pg_catalog.pg_stat_get_live_tuples(c.oid)::float8 AS live_tuples,
       pg_catalog.pg_stat_get_dead_tuples(c.oid)::float8 AS dead_tuples,
       pg_catalog.pg_stat_get_numscans(c.oid)::float8 AS seq_scans,
       pg_catalog.pg_stat_get_tuples_returned(c.oid)::float8 AS seq_tuples_read,
       coalesce((SELECT pg_catalog.sum(pg_catalog.pg_stat_get_numscans(i.indexrelid)) FROM pg_catalog.pg_index i
                  WHERE i.indrelid = c.oid), 0)::float8 AS index_scans,
       (pg_catalog.pg_stat_get_tuples_inserted(c.oid) + pg_catalog.pg_stat_get_tuples_updated(c.oid)
        + pg_catalog.pg_stat_get_tuples_deleted(c.oid))::float8 AS tuples_written,
       (pg_catalog.pg_stat_get_vacuum_count(c.oid) + pg_catalog.pg_stat_get_autovacuum_count(c.oid))::float8 AS vacuums,
       extract(epoch FROM greatest(pg_catalog.pg_stat_get_last_vacuum_time(c.oid),
                                   pg_catalog.pg_stat_get_last_autovacuum_time(c.oid)))::float8
           AS last_vacuum_time,
       extract(epoch FROM greatest(pg_catalog.pg_stat_get_last_analyze_time(c.oid),
                                   pg_catalog.pg_stat_get_last_autoanalyze_time(c.oid)))::float8
           AS last_analyze_time,
       pg_catalog.age(c.relfrozenxid)::float8 AS xid_age,
       totals.*
FROM totals  -- one row with NULL names when no table is chosen, so the counts still arrive
LEFT JOIN (chosen
           JOIN pg_catalog.pg_class c ON c.oid = chosen.oid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN locked l ON l.relation = c.oid) ON true
ORDER BY n.nspname, c.relname
