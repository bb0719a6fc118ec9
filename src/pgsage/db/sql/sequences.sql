-- Sequences with their position and the column that owns them (serial or identity).
SELECT s.schemaname AS schema,
       s.sequencename AS name,
       format_type(s.data_type, NULL) AS data_type,
       s.start_value, s.min_value, s.max_value, s.increment_by, s.cycle,
       s.last_value,
       own.table_schema AS owner_schema,
       own.table_name AS owner_table,
       own.column_name AS owner_column,
       own.column_type AS owner_column_type,
       coalesce(own.deptype = 'i', false) AS is_identity
FROM pg_sequences s
JOIN pg_namespace sn ON sn.nspname = s.schemaname
JOIN pg_class sc ON sc.relname = s.sequencename AND sc.relnamespace = sn.oid
LEFT JOIN LATERAL (
    SELECT tn.nspname AS table_schema, tc.relname AS table_name, a.attname AS column_name,
           format_type(a.atttypid, a.atttypmod) AS column_type, d.deptype::text AS deptype
    FROM pg_depend d
    JOIN pg_class tc ON tc.oid = d.refobjid
    JOIN pg_namespace tn ON tn.oid = tc.relnamespace
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.objid = sc.oid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
      AND d.refobjsubid > 0
    ORDER BY d.deptype
    LIMIT 1
) own ON true
WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = sc.oid AND d.deptype = 'e')
ORDER BY s.schemaname, s.sequencename
