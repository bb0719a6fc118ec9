-- Cumulative counters and wraparound ages of every database that accepts connections.
SELECT d.datname AS database,
       s.numbackends::int AS backends,
       s.xact_commit::float8 AS xact_commit,
       s.xact_rollback::float8 AS xact_rollback,
       s.blks_read::float8 AS blks_read,
       s.blks_hit::float8 AS blks_hit,
       s.tup_returned::float8 AS tup_returned,
       s.tup_fetched::float8 AS tup_fetched,
       s.tup_inserted::float8 AS tup_inserted,
       s.tup_updated::float8 AS tup_updated,
       s.tup_deleted::float8 AS tup_deleted,
       s.conflicts::float8 AS conflicts,
       s.temp_files::float8 AS temp_files,
       s.temp_bytes::float8 AS temp_bytes,
       s.deadlocks::float8 AS deadlocks,
       pg_catalog.age(d.datfrozenxid)::float8 AS xid_age,
       pg_catalog.mxid_age(d.datminmxid)::float8 AS mxid_age
FROM pg_catalog.pg_database d
JOIN pg_catalog.pg_stat_database s ON s.datid = d.oid
WHERE d.datallowconn
ORDER BY d.datname
