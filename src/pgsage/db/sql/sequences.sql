-- Sequences with their position and the column that owns them (serial or identity).
-- Read from the catalogs rather than the pg_sequences view, which is the same data with
-- columns this query does not need (the owner's name, a regtype per row).
SELECT n.nspname AS schema,
       c.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start_value,
       s.seqmin AS min_value,
       s.seqmax AS max_value,
       s.seqincrement AS increment_by,
       s.seqcycle AS cycle,
       -- as pg_sequences shows it: NULL without the privilege to read it, or before first use
       CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
            THEN pg_catalog.pg_sequence_last_value(c.oid) END AS last_value,
       own.table_schema AS owner_schema,
       own.table_name AS owner_table,
       own.column_name AS owner_column,
       own.column_type AS owner_column_type,
       coalesce(own.deptype = 'i', false) AS is_identity,
       pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE') AS last_value_readable
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
-- The owning column (serial: an 'a' dependency; identity: 'i'), for all sequences at once:
-- one pass over pg_catalog.pg_depend instead of a look-up per sequence.
LEFT JOIN (
    SELECT DISTINCT ON (d.objid)
           d.objid, tn.nspname AS table_schema, tc.relname AS table_name,
           a.attname AS column_name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type,
           d.deptype::text AS deptype
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_sequence ds ON ds.seqrelid = d.objid
    JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
    ORDER BY d.objid, d.deptype
) own ON own.objid = c.oid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT pg_catalog.pg_is_other_temp_schema(n.oid)
  -- sequences of an extension (the user cannot change them), found from the extensions' side
  AND c.oid NOT IN (SELECT d.objid FROM pg_catalog.pg_depend d
                     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
                       AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e')
-- unsorted: the snapshot sorts these rows (SORTED_BY in db/snapshot/sections.py)
