-- User tables, partitioned tables and materialized views with sizes and activity.
-- Objects that belong to extensions are left out: the user cannot change them.
WITH locked AS (
    -- Relations another session holds or awaits an ACCESS EXCLUSIVE lock on (an ALTER TABLE,
    -- a VACUUM FULL): reading their definitions or sizes would queue behind it.
    SELECT DISTINCT l.relation FROM pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.pid <> pg_backend_pid()
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT c.oid::bigint AS oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       c.relpersistence::text AS persistence,
       c.relispartition AS is_partition,
       (SELECT pn.nspname || '.' || pc.relname
          FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace
         WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       coalesce(c.reloptions, '{}') AS reloptions,
       c.reltuples::float8 AS reltuples,
       c.relpages::bigint AS relpages,
       sz.table_bytes,
       0::bigint AS index_bytes,                      -- added from the indexes section
       sz.table_bytes + sz.toast_bytes AS total_bytes,  -- + index_bytes, likewise
       sz.toast_bytes,
       c.relhasindex AS has_index,
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
           AS has_primary_key,
       CASE WHEN c.relkind IN ('r', 'm') THEN age(c.relfrozenxid)::bigint END AS frozenxid_age,
       CASE WHEN c.relkind IN ('r', 'm') THEN mxid_age(c.relminmxid)::bigint END AS minmxid_age,
       s.seq_scan, s.seq_tup_read, s.idx_scan, s.idx_tup_fetch,
       s.n_tup_ins, s.n_tup_upd, s.n_tup_del, s.n_tup_hot_upd,
       s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze, s.n_ins_since_vacuum,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       s.vacuum_count, s.autovacuum_count, s.analyze_count, s.autoanalyze_count,
       io.heap_blks_read, io.heap_blks_hit, io.idx_blks_read, io.idx_blks_hit,
       io.toast_blks_read, io.toast_blks_hit
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
LEFT JOIN pg_statio_all_tables io ON io.relid = c.oid
-- Sizes: the main fork, and the TOAST table with its index. The indexes' sizes are read by the
-- indexes section (pg_relation_size of each) and added up per table by the snapshot, instead of
-- measuring every index twice with pg_indexes_size here (about 0.9 s on 10,000 tables). The
-- free-space and visibility maps (a few pages per table) are left out of total_bytes: each costs
-- a file-system stat() per table. The functions are volatile, so the planner does not flatten
-- this subquery and each runs once per table.
CROSS JOIN LATERAL (
    SELECT pg_relation_size(c.oid) AS table_bytes,
           coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast_bytes
) sz
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND c.oid NOT IN (SELECT relation FROM locked)
ORDER BY n.nspname, c.relname
