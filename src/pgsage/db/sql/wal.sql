-- WAL generation and the current WAL position.
SELECT w.wal_records::bigint AS records, w.wal_fpi::bigint AS full_page_images,
       w.wal_bytes::bigint AS bytes, w.wal_buffers_full::bigint AS buffers_full,
       w.stats_reset,
       CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
            ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), '0/0')::bigint END AS lsn_bytes
FROM pg_catalog.pg_stat_wal w
