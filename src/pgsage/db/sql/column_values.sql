-- Most common values of low-cardinality columns (flags, statuses, enums) from pg_catalog.pg_stats: how
-- skewed a filter such as is_admin = false or status = 'active' is, for partial-index advice.
-- Only scalar boolean, string, enum and numeric columns with at most 100 distinct values.
SELECT s.schemaname AS schema,
       s.tablename AS table,
       s.attname AS column,
       s.most_common_vals::text::text[] AS values,
       s.most_common_freqs::float8[] AS freqs
FROM pg_catalog.pg_stats s
JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE s.most_common_vals IS NOT NULL
  AND s.n_distinct > 0 AND s.n_distinct <= 100
  AND s.inherited = (c.relkind = 'p')
  AND t.typcategory IN ('B', 'S', 'E', 'N')
  AND c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
ORDER BY s.schemaname, s.tablename, s.attname
