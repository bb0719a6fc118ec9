-- Relations left out of the snapshot because another session holds or awaits an ACCESS
-- EXCLUSIVE lock on them, and who holds it.
SELECT n.nspname AS schema, c.relname AS name, l.pid, l.granted,
       pg_catalog.left(a.query, 200) AS query
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid = l.relation
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
  AND l.pid <> pg_catalog.pg_backend_pid()
  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  AND c.relkind IN ('r', 'p', 'm', 'i', 'I')
ORDER BY n.nspname, c.relname, l.pid
