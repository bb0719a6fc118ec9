-- One row about the server and the current database: limits, recovery, WAL position,
-- and where pg_stat_statements is installed.
SELECT pg_catalog.current_setting('server_version_num')::int AS version_num,
       pg_catalog.current_setting('max_connections')::int AS max_connections,
       pg_catalog.current_setting('autovacuum_freeze_max_age')::bigint AS freeze_max_age,
       pg_catalog.current_setting('autovacuum_multixact_freeze_max_age')::bigint AS mxid_freeze_max_age,
       pg_catalog.pg_is_in_recovery() AS in_recovery,
       extract(epoch FROM pg_catalog.pg_postmaster_start_time())::float8 AS start_time,
       CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
            ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), '0/0')::float8 END AS wal_lsn_bytes,
       CASE WHEN pg_catalog.pg_is_in_recovery()
            THEN extract(epoch FROM pg_catalog.now() - pg_catalog.pg_last_xact_replay_timestamp())::float8
       END AS replay_delay_s,
       pg_catalog.current_database() AS database,
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_sequence)::int AS sequences,
       (SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_stat_statements') AS pgss_schema,
       (SELECT e.extversion FROM pg_catalog.pg_extension e
         WHERE e.extname = 'pg_stat_statements') AS pgss_version
