-- Primary key, foreign key, unique, check and exclusion constraints.
SELECT con.oid::bigint AS oid,
       n.nspname AS schema,
       c.relname AS table,
       con.conname AS name,
       con.contype::text AS type,
       keys.names AS columns,
       coalesce(con.conkey::int[], '{}') AS attnums,
       rn.nspname AS ref_schema,
       rc.relname AS ref_table,
       ARRAY(SELECT (SELECT a.attname FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = con.confrelid AND a.attnum = k.attnum)
               FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY k(attnum, ord) ORDER BY k.ord)
           AS ref_columns,
       con.convalidated AS validated,
       con.condeferrable AS deferrable,
       CASE WHEN con.conindid <> 0 THEN ic.relname END AS index_name,
       -- A plain primary key or unique constraint (no INCLUDE, NULLS NOT DISTINCT or WITHOUT
       -- OVERLAPS) is written here as pg_get_constraintdef prints it (tested against it): one
       -- deparse per table saved. Any other constraint is deparsed by the server.
       CASE WHEN con.contype IN ('p', 'u') AND ix.indnatts = ix.indnkeyatts
                 AND NOT ix.indnullsnotdistinct                          -- pg>=15
                 AND NOT con.conperiod                                   -- pg>=18
            THEN CASE con.contype WHEN 'p' THEN 'PRIMARY KEY (' ELSE 'UNIQUE (' END
                 || pg_catalog.array_to_string(keys.quoted, ', ') || ')'
                 || CASE WHEN con.condeferrable THEN ' DEFERRABLE' ELSE '' END
                 || CASE WHEN con.condeferred THEN ' INITIALLY DEFERRED' ELSE '' END
            ELSE pg_catalog.pg_get_constraintdef(con.oid, true) END AS definition
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_catalog.pg_class ic ON ic.oid = con.conindid
LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = con.conindid
-- A scalar look-up per column: one probe on (attrelid, attnum) each, where a join hashed all
-- of the table's columns once per constraint.
CROSS JOIN LATERAL (
    SELECT coalesce(pg_catalog.array_agg(k.name ORDER BY k.ord), '{}') AS names,
           coalesce(pg_catalog.array_agg(pg_catalog.quote_ident(k.name) ORDER BY k.ord), '{}') AS quoted
    FROM (SELECT k.ord, (SELECT a.attname FROM pg_catalog.pg_attribute a
                          WHERE a.attrelid = con.conrelid AND a.attnum = k.attnum) AS name
            FROM pg_catalog.unnest(con.conkey) WITH ORDINALITY k(attnum, ord)) k
) keys
WHERE con.contype IN ('p', 'f', 'u', 'c', 'x')
  AND c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  -- extension members, found from the extensions' side (a few rows, one hashed look-up)
  AND c.oid NOT IN (SELECT d.objid FROM pg_catalog.pg_depend d
                     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
                       AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e')
-- unsorted: the snapshot sorts these rows (SORTED_BY in db/snapshot/sections.py)
