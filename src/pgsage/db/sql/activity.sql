-- Sessions other than our own, with transaction and query ages and who blocks them.
SELECT a.pid,
       a.datname AS database,
       a.usename AS username,
       a.application_name,
       pg_catalog.host(a.client_addr) AS client_addr,
       a.backend_type,
       a.state,
       a.wait_event_type,
       a.wait_event,
       a.xact_start,
       a.query_start,
       a.state_change,
       a.backend_start,
       pg_catalog.pg_blocking_pids(a.pid) AS blocked_by,
       pg_catalog.left(a.query, 1000) AS query
FROM pg_catalog.pg_stat_activity a
WHERE a.pid <> pg_catalog.pg_backend_pid()
ORDER BY a.pid
