-- Replication slots and the WAL each one holds back.
SELECT s.slot_name AS name, s.slot_type AS type, s.database, s.active, s.temporary,
       s.wal_status,
       pg_catalog.pg_wal_lsn_diff(
           CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_receive_lsn()
                ELSE pg_catalog.pg_current_wal_lsn() END,
           s.restart_lsn)::bigint AS retained_bytes
FROM pg_catalog.pg_replication_slots s
ORDER BY s.slot_name
