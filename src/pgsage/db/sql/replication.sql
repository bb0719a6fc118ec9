-- Standbys streaming from this server, with their lag.
SELECT r.pid, r.application_name, pg_catalog.host(r.client_addr) AS client_addr, r.state,
       r.sync_state,
       CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
            ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.replay_lsn)::bigint END AS replay_lag_bytes,
       extract(epoch FROM r.write_lag)::float8 AS write_lag_s,
       extract(epoch FROM r.flush_lag)::float8 AS flush_lag_s,
       extract(epoch FROM r.replay_lag)::float8 AS replay_lag_s
FROM pg_catalog.pg_stat_replication r
ORDER BY r.application_name, r.pid
