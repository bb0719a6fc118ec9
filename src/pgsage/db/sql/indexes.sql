-- Indexes of the snapshot's tables: full definition, parts, flags, size and usage.
WITH locked AS (
    -- Relations another session holds or awaits an ACCESS EXCLUSIVE lock on (an ALTER TABLE,
    -- a VACUUM FULL): reading their definitions or sizes would queue behind it.
    SELECT DISTINCT l.relation FROM pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.pid <> pg_backend_pid()
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT ic.oid::bigint AS oid,
       tc.oid::bigint AS table_oid,
       n.nspname AS schema,
       tc.relname AS table,
       ic.relname AS name,
       pg_get_indexdef(i.indexrelid) AS definition,
       am.amname AS method,
       i.indnkeyatts::int AS key_count,
       -- A plain column prints as pg_get_indexdef(oid, k, true) would (quote_ident of its
       -- name) without deparsing the index once more per column; expressions are deparsed.
       ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0 THEN quote_ident(a.attname)
                         ELSE pg_get_indexdef(i.indexrelid, k, true) END
               FROM generate_series(1, i.indnkeyatts) k
               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
               ORDER BY k) AS key_columns,
       ARRAY(SELECT quote_ident(a.attname)
               FROM generate_series(i.indnkeyatts + 1, i.indnatts) k
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
               ORDER BY k) AS include_columns,
       string_to_array(i.indkey::text, ' ')::int[] AS key_attnums,
       -- one look-up by oid per key column: a join here hashed all of pg_opclass per index
       ARRAY(SELECT coalesce((SELECT oc.opcname FROM pg_opclass oc WHERE oc.oid = u.opc), '')
               FROM unnest(i.indclass::oid[]) WITH ORDINALITY u(opc, ord) ORDER BY u.ord) AS opclasses,
       ARRAY(SELECT coalesce(co.collname, '')
               FROM unnest(i.indcollation::oid[]) WITH ORDINALITY u(coll, ord)
               LEFT JOIN pg_collation co ON co.oid = u.coll ORDER BY u.ord) AS collations,
       string_to_array(i.indoption::text, ' ')::int[] AS options,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
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
       pg_relation_size(ic.oid) AS size_bytes,
       s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
       s.last_idx_scan,                                -- pg>=16
       NULL::timestamptz AS last_idx_scan,             -- pg<16
       io.idx_blks_read, io.idx_blks_hit
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class tc ON tc.oid = i.indrelid
JOIN pg_namespace n ON n.oid = tc.relnamespace
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                           AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
LEFT JOIN pg_statio_all_indexes io ON io.indexrelid = i.indexrelid
WHERE tc.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = tc.oid AND d.deptype = 'e')
  AND tc.oid NOT IN (SELECT relation FROM locked)
  AND i.indexrelid NOT IN (SELECT relation FROM locked)
ORDER BY n.nspname, tc.relname, ic.relname
