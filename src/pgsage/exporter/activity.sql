-- Client sessions by state, with the ages of the oldest transaction, query and idle transaction.
-- Our own session is counted (it holds a connection) but never the oldest of anything.
SELECT coalesce(a.state, 'unknown') AS state,
       pg_catalog.count(*)::int AS sessions,
       pg_catalog.count(*) FILTER (WHERE a.wait_event_type = 'Lock')::int AS lock_waits,
       coalesce(pg_catalog.max(extract(epoch FROM pg_catalog.now() - a.xact_start))
                FILTER (WHERE a.pid <> pg_catalog.pg_backend_pid()), 0)::float8 AS oldest_xact_s,
       coalesce(pg_catalog.max(extract(epoch FROM pg_catalog.now() - a.query_start))
                FILTER (WHERE a.state = 'active' AND a.pid <> pg_catalog.pg_backend_pid()), 0)::float8
           AS oldest_query_s,
       coalesce(pg_catalog.max(extract(epoch FROM pg_catalog.now() - a.state_change))
                FILTER (WHERE a.state LIKE 'idle in transaction%'), 0)::float8 AS oldest_idle_xact_s
FROM pg_catalog.pg_stat_activity a
WHERE a.backend_type = 'client backend'
GROUP BY 1
ORDER BY 1
