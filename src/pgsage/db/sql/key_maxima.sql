-- The smallint/integer keys that no sequence fills (no identity, no nextval() default): a
-- one-column primary key or unique constraint, whose values the application picks (max(id) + 1,
-- an import). The sequences section cannot see how close such a key is to its type's limit.
-- stats_max is the largest value pg_stats saw (the histogram's last bound, or the largest most
-- common value): free, but only as fresh as the last ANALYZE; keys never analyzed are not
-- listed. Keys whose stats_max is at least a tenth of the type's limit are probed with max()
-- by sections.read_key_maxima: one probe of the key's index, under the session's
-- statement_timeout. Only those: a probe counts as a scan of the table in its statistics,
-- which the audit reads.
-- Driven from pg_stats and joined to the catalogs by name through their indexes (as
-- column_values.sql): joining pg_stats to a list of keys by name compares every pair. A
-- superuser's session reads pg_statistic instead, by the key's column (see columns.sql).
WITH locked AS (
    SELECT DISTINCT l.relation FROM pg_catalog.pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.pid <> pg_catalog.pg_backend_pid()
      AND l.database = (SELECT oid FROM pg_catalog.pg_database
                         WHERE datname = pg_catalog.current_database())
), keys AS (
    SELECT n.nspname AS schema, c.relname AS table, a.attname AS column,
           t.typname::text AS type_name,
           (SELECT pg_catalog.max(v) FROM pg_catalog.unnest(
                coalesce(s.histogram_bounds::text::int8[], '{}')
                || coalesce(s.most_common_vals::text::int8[], '{}')) AS v) AS stats_max
    -- pg_stats for any role; pg_statistic for a superuser (see columns.sql), named so.
    FROM pg_catalog.pg_stats s  -- not superuser
    JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname  -- not superuser
    JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename  -- not superuser
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname  -- not superuser
    FROM pg_catalog.pg_class c  -- superuser
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace  -- superuser
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0  -- superuser
                                  AND NOT a.attisdropped  -- superuser
    -- each candidate column's row, once the catalogs have narrowed them (OFFSET 0 keeps the  -- superuser
    -- conditions on the values out of the scan of every statistics row)  -- superuser
    CROSS JOIN LATERAL (  -- superuser
        SELECT n.nspname AS schemaname, c.relname AS tablename, a.attname,  -- superuser
               st.stainherit AS inherited,  -- superuser
               CASE 1 WHEN st.stakind1 THEN st.stavalues1 WHEN st.stakind2 THEN st.stavalues2  -- superuser
                      WHEN st.stakind3 THEN st.stavalues3 WHEN st.stakind4 THEN st.stavalues4  -- superuser
                      WHEN st.stakind5 THEN st.stavalues5 END AS most_common_vals,  -- superuser
               CASE 2 WHEN st.stakind1 THEN st.stavalues1 WHEN st.stakind2 THEN st.stavalues2  -- superuser
                      WHEN st.stakind3 THEN st.stavalues3 WHEN st.stakind4 THEN st.stavalues4  -- superuser
                      WHEN st.stakind5 THEN st.stavalues5 END AS histogram_bounds  -- superuser
        FROM pg_catalog.pg_statistic st  -- superuser
        WHERE st.starelid = a.attrelid AND st.staattnum = a.attnum  -- superuser
        OFFSET 0  -- superuser
    ) s  -- superuser
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    WHERE NOT s.inherited
      AND t.typname IN ('int2', 'int4')
      AND a.attidentity = ''
      AND (ad.oid IS NULL
           OR pg_catalog.pg_get_expr(ad.adbin, 0) NOT LIKE '%nextval(%')
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                   WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u')
                     AND k.conkey = ARRAY[a.attnum])
      AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
      AND c.oid NOT IN (SELECT d.objid FROM pg_catalog.pg_depend d
                         WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                           AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                           AND d.deptype = 'e')
      AND c.oid NOT IN (SELECT relation FROM locked)
      AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
)
SELECT keys.schema, keys.table, keys.column, keys.type_name, keys.stats_max,
       coalesce(keys.stats_max >= 0.1 * CASE keys.type_name WHEN 'int2' THEN 32767
                                                            ELSE 2147483647 END,
                false) AS probe
FROM keys
ORDER BY 1, 2, 3  -- of type name: compared bytewise (collation "C")
