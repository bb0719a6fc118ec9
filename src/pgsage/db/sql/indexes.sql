-- Indexes of the snapshot's tables: full definition, parts, flags, size and usage.
--
-- Written for 25,000 indexes in well under a second on a cold session. What costs there is
-- a relcache entry built per index (pg_relation_size opens the index) and deparsing
-- (pg_get_indexdef), so:
--  * size_bytes is relpages (kept by VACUUM, ANALYZE and CREATE INDEX) when the table changed
--    little since (see "fresh" below); otherwise, and for invalid indexes, the file is measured;
--  * the definition of a plain index (columns with their default operator class and collation,
--    no expression, predicate or storage option; btree, hash or GIN) is left NULL here and
--    written by the snapshot the way pg_get_indexdef prints it (db/snapshot/indexdef.py, tested against
--    it); any other index is deparsed by the server;
--  * usage counters come from the pg_stat_get_* functions, not the views that join pg_catalog.pg_class
--    and pg_catalog.pg_index once more.
WITH locked AS (
    -- Relations another session holds or awaits an ACCESS EXCLUSIVE lock on (an ALTER TABLE,
    -- a VACUUM FULL): reading their definitions or sizes would queue behind it.
    SELECT DISTINCT l.relation FROM pg_catalog.pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.pid <> pg_catalog.pg_backend_pid()
      AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
)
SELECT ic.oid::bigint AS oid,
       tc.oid::bigint AS table_oid,
       n.nspname AS schema,
       tc.relname AS table,
       ic.relname AS name,
       -- NULL: a plain index, whose definition the snapshot writes (snapshot/indexdef.py)
       CASE WHEN cols.plain AND i.indexprs IS NULL AND i.indpred IS NULL
                 AND ic.reloptions IS NULL AND ic.relkind = 'i'
                 AND am.amname IN ('btree', 'hash', 'gin')
                 AND NOT i.indnullsnotdistinct                              -- pg>=15
            THEN NULL ELSE pg_catalog.pg_get_indexdef(i.indexrelid) END AS definition,
       am.amname AS method,
       i.indnkeyatts::int AS key_count,
       cols.key_columns,
       cols.include_columns,
       pg_catalog.string_to_array(i.indkey::text, ' ')::int[] AS key_attnums,
       cols.opclasses,
       cols.collations,
       pg_catalog.string_to_array(i.indoption::text, ' ')::int[] AS options,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       i.indisexclusion AS is_exclusion,
       i.indisvalid AS is_valid,
       i.indisready AS is_ready,
       i.indislive AS is_live,
       i.indnullsnotdistinct AS nulls_not_distinct,    -- pg>=15
       false AS nulls_not_distinct,                    -- pg<15
       con.conname AS constraint_name,
       con.contype::text AS constraint_type,
       coalesce(ic.reloptions, '{}') AS reloptions,
       ic.reltuples::float8 AS reltuples,
       CASE WHEN fresh.yes AND i.indisvalid THEN ic.relpages::bigint * bs.block_size
            ELSE pg_catalog.pg_relation_size(ic.oid) END AS size_bytes,
       pg_catalog.pg_stat_get_numscans(i.indexrelid) AS idx_scan,
       pg_catalog.pg_stat_get_tuples_returned(i.indexrelid) AS idx_tup_read,
       pg_catalog.pg_stat_get_tuples_fetched(i.indexrelid) AS idx_tup_fetch,
       pg_catalog.pg_stat_get_lastscan(i.indexrelid) AS last_idx_scan,    -- pg>=16
       NULL::timestamptz AS last_idx_scan,                     -- pg<16
       pg_catalog.pg_stat_get_blocks_fetched(i.indexrelid) - pg_catalog.pg_stat_get_blocks_hit(i.indexrelid)
           AS idx_blks_read,
       pg_catalog.pg_stat_get_blocks_hit(i.indexrelid) AS idx_blks_hit,
       fresh.yes AND i.indisvalid AS size_estimated
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
CROSS JOIN (SELECT pg_catalog.current_setting('block_size')::bigint AS block_size) bs
-- After a reset of the database's statistics a zero counter proves nothing (see tables.sql).
CROSS JOIN (
    SELECT pg_catalog.pg_stat_get_db_stat_reset_time(d.oid) IS NULL AS counters_whole
    FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()
) stats
-- "fresh": relpages was set since the table last changed by more than a tenth of its rows
-- (autoanalyze's own default threshold; a table never vacuumed or analyzed is measured), and
-- by the same count: the index's reltuples within a tenth of the table's. A VACUUM that finds
-- nothing to delete may skip an index, and VACUUM ANALYZE leaves the indexes to it, so an
-- index's relpages can be older than its table's; a partial index is always measured. An
-- index of a table that never had a row is as CREATE INDEX left it: fresh too.
CROSS JOIN LATERAL (
    SELECT (tc.reltuples >= 0 AND ic.reltuples >= 0
            AND pg_catalog.pg_stat_get_mod_since_analyze(tc.oid) <= 0.1 * tc.reltuples
            AND pg_catalog.abs(ic.reltuples - tc.reltuples) <= 0.1 * tc.reltuples)
           OR (tc.reltuples < 0 AND tc.relpages = 0 AND stats.counters_whole
               AND pg_catalog.pg_stat_get_tuples_inserted(tc.oid) = 0) AS yes
) fresh
CROSS JOIN LATERAL (
    -- Each column once: its name, operator class and collation.
    -- plain: every key column is a column (not an expression) with the default operator
    -- class of its own type and its own collation, which pg_get_indexdef leaves unsaid.
    SELECT coalesce(pg_catalog.array_agg(CASE WHEN i.indkey[k.n - 1] <> 0 THEN pg_catalog.quote_ident(a.attname)
                                   ELSE pg_catalog.pg_get_indexdef(i.indexrelid, k.n, true) END
                              ORDER BY k.n) FILTER (WHERE k.n <= i.indnkeyatts), '{}') AS key_columns,
           coalesce(pg_catalog.array_agg(pg_catalog.quote_ident(a.attname) ORDER BY k.n)
                    FILTER (WHERE k.n > i.indnkeyatts), '{}') AS include_columns,
           coalesce(pg_catalog.array_agg(coalesce(oc.opcname, '') ORDER BY k.n)
                    FILTER (WHERE k.n <= i.indnkeyatts), '{}') AS opclasses,
           coalesce(pg_catalog.array_agg(coalesce(co.collname, '') ORDER BY k.n)
                    FILTER (WHERE k.n <= i.indnkeyatts), '{}') AS collations,
           coalesce(pg_catalog.bool_and(i.indkey[k.n - 1] <> 0 AND oc.opcdefault
                             AND oc.opcintype = a.atttypid
                             AND i.indcollation[k.n - 1] IN (0, a.attcollation))
                    FILTER (WHERE k.n <= i.indnkeyatts), false) AS plain
    FROM pg_catalog.generate_series(1, i.indnatts) k(n)
    -- a LATERAL look-up, so that each column is one index probe on (attrelid, attnum); as a
    -- join the planner hashed all of the table's columns once per index
    LEFT JOIN LATERAL (
        SELECT a.attname, a.atttypid, a.attcollation FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1] AND i.indkey[k.n - 1] <> 0
        OFFSET 0  -- keeps the planner from flattening this into the join it replaces
    ) a ON true
    LEFT JOIN pg_catalog.pg_opclass oc ON oc.oid = i.indclass[k.n - 1] AND k.n <= i.indnkeyatts
    LEFT JOIN pg_catalog.pg_collation co ON co.oid = i.indcollation[k.n - 1] AND k.n <= i.indnkeyatts
) cols
LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                           AND con.contype IN ('p', 'u', 'x')
WHERE tc.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  -- extension members, found from the extensions' side (a few rows, one hashed look-up)
  AND tc.oid NOT IN (SELECT d.objid FROM pg_catalog.pg_depend d
                     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
                       AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e')
  AND tc.oid NOT IN (SELECT relation FROM locked)
  AND i.indexrelid NOT IN (SELECT relation FROM locked)
-- unsorted: the snapshot sorts these rows (SORTED_BY in db/snapshot/sections.py)
