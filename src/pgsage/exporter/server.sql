-- One row about the server and the current database: limits, recovery, WAL position,
-- and where pg_stat_statements is installed.
SELECT current_setting('server_version_num')::int AS version_num,
       current_setting('max_connections')::int AS max_connections,
       current_setting('autovacuum_freeze_max_age')::bigint AS freeze_max_age,
       current_setting('autovacuum_multixact_freeze_max_age')::bigint AS mxid_freeze_max_age,
       pg_is_in_recovery() AS in_recovery,
       extract(epoch FROM pg_postmaster_start_time())::float8 AS start_time,
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 END AS wal_lsn_bytes,
       CASE WHEN pg_is_in_recovery()
            THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
       END AS replay_delay_s,
       current_database() AS database,
       (SELECT count(*) FROM pg_sequence)::int AS sequences,
       (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_stat_statements') AS pgss_schema,
       (SELECT e.extversion FROM pg_extension e
         WHERE e.extname = 'pg_stat_statements') AS pgss_version
