-- WAL generated since the statistics were reset (pg_catalog.pg_stat_wal exists from PostgreSQL 14).
SELECT wal_records::float8 AS records, wal_fpi::float8 AS full_page_images,
       wal_bytes::float8 AS bytes, wal_buffers_full::float8 AS buffers_full
FROM pg_catalog.pg_stat_wal
