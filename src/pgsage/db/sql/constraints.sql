-- Primary key, foreign key, unique, check and exclusion constraints.
SELECT con.oid::bigint AS oid,
       n.nspname AS schema,
       c.relname AS table,
       con.conname AS name,
       con.contype::text AS type,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       coalesce(con.conkey::int[], '{}') AS attnums,
       rn.nspname AS ref_schema,
       rc.relname AS ref_table,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS ref_columns,
       con.convalidated AS validated,
       con.condeferrable AS deferrable,
       CASE WHEN con.conindid <> 0 THEN ic.relname END AS index_name,
       pg_get_constraintdef(con.oid, true) AS definition
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_class ic ON ic.oid = con.conindid
WHERE con.contype IN ('p', 'f', 'u', 'c', 'x')
  AND c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  -- extension members, found from the extensions' side (a few rows, one hashed look-up)
  AND c.oid NOT IN (SELECT d.objid FROM pg_depend d
                     WHERE d.refclassid = 'pg_extension'::regclass
                       AND d.classid = 'pg_class'::regclass AND d.deptype = 'e')
ORDER BY n.nspname, c.relname, con.conname
