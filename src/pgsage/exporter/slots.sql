-- Replication slots: whether a consumer is attached and how much WAL each one holds back.
SELECT s.slot_name::text AS slot_name,
       s.slot_type AS slot_type,
       coalesce(s.database::text, '') AS database,
       s.active,
       CASE WHEN pg_catalog.pg_is_in_recovery() OR s.restart_lsn IS NULL THEN NULL
            ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.restart_lsn)::float8
       END AS retained_bytes
FROM pg_catalog.pg_replication_slots s
ORDER BY s.slot_name
