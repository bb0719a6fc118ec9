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
       sz.index_bytes,
       sz.table_bytes + sz.other_forks_bytes + sz.toast_bytes + sz.index_bytes AS total_bytes,
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
-- Every relation is measured once: pg_total_relation_size(c) is by definition the table's four
-- forks + its TOAST table and TOAST index (pg_total_relation_size of reltoastrelid) + its
-- indexes (pg_indexes_size), so it is added up from the parts instead of measuring the indexes
-- and the TOAST relations a second time (a file system stat() per fork and segment; on 10,000
-- tables about 0.25 s of this section's 2.7 s). The functions are volatile, so the planner does
-- not flatten this subquery and each runs once per table.
CROSS JOIN LATERAL (
    SELECT pg_relation_size(c.oid) AS table_bytes,
           pg_relation_size(c.oid, 'fsm') + pg_relation_size(c.oid, 'vm')
               + pg_relation_size(c.oid, 'init') AS other_forks_bytes,
           pg_indexes_size(c.oid) AS index_bytes,
           coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast_bytes
) sz
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND c.oid NOT IN (SELECT relation FROM locked)
ORDER BY n.nspname, c.relname
