-- Most common values of low-cardinality columns (flags, statuses, enums) from pg_stats: how
-- skewed a filter such as is_admin = false or status = 'active' is, for partial-index advice.
-- Only scalar boolean, string, enum and numeric columns with at most 100 distinct values.
SELECT s.schemaname AS schema,
       s.tablename AS table,
       s.attname AS column,
       s.most_common_vals::text::text[] AS values,
       s.most_common_freqs::float8[] AS freqs
-- pg_stats for any role; pg_statistic for a superuser (see columns.sql), its columns named so.
FROM pg_catalog.pg_stats s  -- not superuser
JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname  -- not superuser
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename  -- not superuser
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname  -- not superuser
FROM pg_catalog.pg_statistic st  -- superuser
JOIN pg_catalog.pg_class c ON c.oid = st.starelid  -- superuser
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace  -- superuser
JOIN pg_catalog.pg_attribute a ON a.attrelid = st.starelid AND a.attnum = st.staattnum  -- superuser
                   AND NOT a.attisdropped  -- superuser
CROSS JOIN LATERAL (  -- superuser
    SELECT n.nspname AS schemaname, c.relname AS tablename, a.attname,  -- superuser
           st.stainherit AS inherited, st.stadistinct AS n_distinct,  -- superuser
           CASE 1 WHEN st.stakind1 THEN st.stavalues1 WHEN st.stakind2 THEN st.stavalues2  -- superuser
                  WHEN st.stakind3 THEN st.stavalues3 WHEN st.stakind4 THEN st.stavalues4  -- superuser
                  WHEN st.stakind5 THEN st.stavalues5 END AS most_common_vals,  -- superuser
           CASE 1 WHEN st.stakind1 THEN st.stanumbers1 WHEN st.stakind2 THEN st.stanumbers2  -- superuser
                  WHEN st.stakind3 THEN st.stanumbers3 WHEN st.stakind4 THEN st.stanumbers4  -- superuser
                  WHEN st.stakind5 THEN st.stanumbers5 END AS most_common_freqs  -- superuser
) s  -- superuser
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE s.most_common_vals IS NOT NULL
  AND s.n_distinct > 0 AND s.n_distinct <= 100
  AND s.inherited = (c.relkind = 'p')
  AND t.typcategory IN ('B', 'S', 'E', 'N')
  AND c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
ORDER BY s.schemaname, s.tablename, s.attname
