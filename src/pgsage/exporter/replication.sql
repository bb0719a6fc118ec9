-- Standbys streaming from this server, with their lag in time and (on a primary) in bytes.
SELECT coalesce(nullif(r.application_name, ''), 'unnamed') AS application_name,
       coalesce(pg_catalog.host(r.client_addr), 'local') AS client_addr,
       coalesce(r.state, 'unknown') AS state,
       extract(epoch FROM r.write_lag)::float8 AS write_lag_s,
       extract(epoch FROM r.flush_lag)::float8 AS flush_lag_s,
       extract(epoch FROM r.replay_lag)::float8 AS replay_lag_s,
       CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
            ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.replay_lsn)::float8 END AS replay_lag_bytes
FROM pg_catalog.pg_stat_replication r
ORDER BY 1, 2, r.pid
