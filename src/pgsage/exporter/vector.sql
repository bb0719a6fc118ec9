-- pgvector indexes (HNSW, IVFFlat), the K largest by page estimate; sizes are measured only
-- for those, and not for indexes another session holds an ACCESS EXCLUSIVE lock on.
WITH locked AS (
    SELECT DISTINCT l.relation FROM pg_catalog.pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.pid <> pg_catalog.pg_backend_pid()
      AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
), vector_indexes AS (
    -- From the access method: one pass over pg_catalog.pg_class, then look-ups (not a join of all
    -- indexes, which costs 50 ms at 30,000 indexes).
    SELECT ic.oid, ic.relpages, i.indrelid AS table_oid, am.amname
    FROM pg_catalog.pg_am am
    JOIN pg_catalog.pg_class ic ON ic.relam = am.oid AND ic.relkind = 'i'
    JOIN LATERAL (SELECT x.indrelid FROM pg_catalog.pg_index x WHERE x.indexrelid = ic.oid) i ON true
    WHERE am.amname IN ('hnsw', 'ivfflat')
)
SELECT n.nspname AS schema,
       tc.relname AS "table",
       ic.relname AS index,
       v.amname AS method,
       CASE WHEN lt.relation IS NULL AND li.relation IS NULL
            THEN pg_catalog.pg_relation_size(v.oid)::float8 END AS size_bytes,
       pg_catalog.pg_stat_get_numscans(v.oid)::float8 AS scans,
       pg_catalog.pg_stat_get_tuples_returned(v.oid)::float8 AS tuples_read,
       greatest(ic.reltuples, 0)::float8 AS estimated_rows,
       (SELECT pg_catalog.count(*) FROM vector_indexes)::int AS vector_indexes
FROM (SELECT * FROM vector_indexes ORDER BY relpages DESC, oid LIMIT %(limit)s) v
JOIN pg_catalog.pg_class ic ON ic.oid = v.oid
JOIN pg_catalog.pg_class tc ON tc.oid = v.table_oid
JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
LEFT JOIN locked lt ON lt.relation = v.table_oid
LEFT JOIN locked li ON li.relation = v.oid
ORDER BY n.nspname, tc.relname, ic.relname
