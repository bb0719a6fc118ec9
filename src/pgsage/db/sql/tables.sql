-- User tables, partitioned tables and materialized views with sizes and activity.
-- Objects that belong to extensions are left out: the user cannot change them.
WITH locked AS (
    -- Relations another session holds or awaits an ACCESS EXCLUSIVE lock on (an ALTER TABLE,
    -- a VACUUM FULL): reading their definitions or sizes would queue behind it.
    SELECT DISTINCT l.relation FROM pg_catalog.pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.pid <> pg_catalog.pg_backend_pid()
      AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
)
SELECT c.oid::bigint AS oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       c.relpersistence::text AS persistence,
       c.relispartition AS is_partition,
       (SELECT pn.nspname || '.' || pc.relname
          FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
          JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
         WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       coalesce(c.reloptions, '{}') AS reloptions,
       c.reltuples::float8 AS reltuples,
       c.relpages::bigint AS relpages,
       sz.table_bytes,
       0::bigint AS index_bytes,                      -- added from the indexes section
       sz.table_bytes + sz.toast_bytes AS total_bytes,  -- + index_bytes, likewise
       sz.toast_bytes,
       c.relhasindex AS has_index,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')
           AS has_primary_key,
       CASE WHEN c.relkind IN ('r', 'm') THEN pg_catalog.age(c.relfrozenxid)::bigint END AS frozenxid_age,
       CASE WHEN c.relkind IN ('r', 'm') THEN pg_catalog.mxid_age(c.relminmxid)::bigint END AS minmxid_age,
       pg_catalog.pg_stat_get_numscans(c.oid) AS seq_scan,
       pg_catalog.pg_stat_get_tuples_returned(c.oid) AS seq_tup_read,
       ix.idx_scan,
       ix.idx_tup_fetch + pg_catalog.pg_stat_get_tuples_fetched(c.oid) AS idx_tup_fetch,
       pg_catalog.pg_stat_get_tuples_inserted(c.oid) AS n_tup_ins,
       pg_catalog.pg_stat_get_tuples_updated(c.oid) AS n_tup_upd,
       pg_catalog.pg_stat_get_tuples_deleted(c.oid) AS n_tup_del,
       pg_catalog.pg_stat_get_tuples_hot_updated(c.oid) AS n_tup_hot_upd,
       pg_catalog.pg_stat_get_live_tuples(c.oid) AS n_live_tup,
       pg_catalog.pg_stat_get_dead_tuples(c.oid) AS n_dead_tup,
       pg_catalog.pg_stat_get_mod_since_analyze(c.oid) AS n_mod_since_analyze,
       pg_catalog.pg_stat_get_ins_since_vacuum(c.oid) AS n_ins_since_vacuum,
       pg_catalog.pg_stat_get_last_vacuum_time(c.oid) AS last_vacuum,
       pg_catalog.pg_stat_get_last_autovacuum_time(c.oid) AS last_autovacuum,
       pg_catalog.pg_stat_get_last_analyze_time(c.oid) AS last_analyze,
       pg_catalog.pg_stat_get_last_autoanalyze_time(c.oid) AS last_autoanalyze,
       pg_catalog.pg_stat_get_vacuum_count(c.oid) AS vacuum_count,
       pg_catalog.pg_stat_get_autovacuum_count(c.oid) AS autovacuum_count,
       pg_catalog.pg_stat_get_analyze_count(c.oid) AS analyze_count,
       pg_catalog.pg_stat_get_autoanalyze_count(c.oid) AS autoanalyze_count,
       pg_catalog.pg_stat_get_blocks_fetched(c.oid) - pg_catalog.pg_stat_get_blocks_hit(c.oid) AS heap_blks_read,
       pg_catalog.pg_stat_get_blocks_hit(c.oid) AS heap_blks_hit,
       ix.idx_blks_read,
       ix.idx_blks_hit,
       pg_catalog.pg_stat_get_blocks_fetched(t.oid) - pg_catalog.pg_stat_get_blocks_hit(t.oid) AS toast_blks_read,
       pg_catalog.pg_stat_get_blocks_hit(t.oid) AS toast_blks_hit,
       NOT sz.exact AS size_estimated
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
CROSS JOIN (
    SELECT pg_catalog.pg_stat_get_db_stat_reset_time(d.oid) IS NULL AS counters_whole
    FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()
) stats
-- The columns pg_stat_all_tables and pg_statio_all_tables add up over the table's indexes
-- (NULL for a table without one, as there), read from the pg_stat_get_* functions: the views
-- join pg_catalog.pg_class and group once more.
LEFT JOIN LATERAL (
    SELECT pg_catalog.sum(pg_catalog.pg_stat_get_numscans(x.indexrelid))::bigint AS idx_scan,
           pg_catalog.sum(pg_catalog.pg_stat_get_tuples_fetched(x.indexrelid))::bigint AS idx_tup_fetch,
           pg_catalog.sum(pg_catalog.pg_stat_get_blocks_fetched(x.indexrelid)
               - pg_catalog.pg_stat_get_blocks_hit(x.indexrelid))::bigint AS idx_blks_read,
           pg_catalog.sum(pg_catalog.pg_stat_get_blocks_hit(x.indexrelid))::bigint AS idx_blks_hit
    FROM pg_catalog.pg_index x WHERE x.indrelid = c.oid
) ix ON c.relhasindex
-- Sizes: the main fork and the TOAST table with its index (the indexes' sizes are read by the
-- indexes section and added up per table by the snapshot). Measuring a relation opens it (a
-- relcache entry each, most of this query's time on a cold session), so a relation whose
-- relpages is fresh is sized from relpages, as the indexes are (indexes.sql), and any other is
-- measured. Fresh: VACUUM or ANALYZE set it since the table last changed by more than a tenth
-- of its rows (autoanalyze's own default threshold); for the TOAST table, which only VACUUM
-- counts, since a tenth of its rows were added, and its index counted (by the same VACUUM:
-- one that finds nothing to delete may skip the index) within a tenth of the table's rows.
-- Also fresh: a relation never vacuumed or analyzed that is empty and never had a row inserted
-- (most TOAST tables: autovacuum never visits an empty one) — as long as the statistics of the
-- database were never reset (pg_stat_reset(), or the reset after a crash): a zero counter then
-- proves nothing, and such a relation is measured. Materialized views are always
-- measured (REFRESH replaces the file, not relpages). The free-space and visibility maps (a
-- few pages per table) are left out: each costs a file-system stat() per table.
LEFT JOIN LATERAL (
    SELECT pg_catalog.sum(tic.relpages)::bigint AS relpages,
           pg_catalog.bool_and(tic.reltuples >= 0
                    AND pg_catalog.abs(tic.reltuples - t.reltuples) <= 0.1 * t.reltuples) AS counted
    FROM pg_catalog.pg_index ti JOIN pg_catalog.pg_class tic ON tic.oid = ti.indexrelid
    WHERE ti.indrelid = t.oid
) tix ON t.oid IS NOT NULL
CROSS JOIN LATERAL (
    SELECT c.relkind = 'm' OR NOT (
               (c.reltuples >= 0 AND pg_catalog.pg_stat_get_mod_since_analyze(c.oid) <= 0.1 * c.reltuples)
               OR (c.reltuples < 0 AND c.relpages = 0 AND stats.counters_whole
                   AND pg_catalog.pg_stat_get_tuples_inserted(c.oid) = 0)) AS exact,
           t.oid IS NOT NULL AND NOT (
               (t.reltuples >= 0 AND coalesce(tix.counted, true)
                AND pg_catalog.pg_stat_get_ins_since_vacuum(t.oid) <= 0.1 * t.reltuples)
               OR (t.reltuples < 0 AND t.relpages = 0 AND stats.counters_whole
                   AND pg_catalog.pg_stat_get_tuples_inserted(t.oid) = 0)) AS toast_exact,
           (SELECT pg_catalog.current_setting('block_size')::bigint) AS block_size
) fresh
CROSS JOIN LATERAL (
    -- exact: every size measured (size_estimated is any of them from relpages)
    SELECT fresh.exact AND (t.oid IS NULL OR fresh.toast_exact) AS exact,
           CASE WHEN fresh.exact THEN pg_catalog.pg_relation_size(c.oid)
                ELSE c.relpages::bigint * fresh.block_size END AS table_bytes,
           CASE WHEN t.oid IS NULL THEN 0
                WHEN fresh.toast_exact THEN pg_catalog.pg_relation_size(t.oid) + coalesce((
                    SELECT pg_catalog.sum(pg_catalog.pg_relation_size(ti.indexrelid)) FROM pg_catalog.pg_index ti
                     WHERE ti.indrelid = t.oid), 0)::bigint
                ELSE (t.relpages::bigint + coalesce(tix.relpages, 0)) * fresh.block_size
           END AS toast_bytes
) sz
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  -- extension members, found from the extensions' side (a few rows, one hashed look-up)
  AND c.oid NOT IN (SELECT d.objid FROM pg_catalog.pg_depend d
                     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
                       AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e')
  AND c.oid NOT IN (SELECT relation FROM locked)
-- unsorted: the snapshot sorts these rows (SORTED_BY in db/snapshot/sections.py)
