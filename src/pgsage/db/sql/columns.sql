-- Columns of the snapshot's tables with their planner statistics.
WITH locked AS (
    -- Relations another session holds or awaits an ACCESS EXCLUSIVE lock on (an ALTER TABLE,
    -- a VACUUM FULL): reading their definitions or sizes would queue behind it.
    SELECT DISTINCT l.relation FROM pg_catalog.pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.pid <> pg_catalog.pg_backend_pid()
      AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
)
SELECT c.oid::bigint AS table_oid,
       n.nspname AS schema,
       c.relname AS table,
       a.attnum::int AS attnum,
       a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       t.typname AS type_name,
       a.atttypmod AS typmod,
       a.attnotnull AS not_null,
       -- A default cannot name a column (a generated column's expression can): deparsed
       -- without the table, which would open it (a relcache entry per table on a cold session).
       pg_catalog.pg_get_expr(ad.adbin, CASE WHEN a.attgenerated = '' THEN 0 ELSE ad.adrelid END)
           AS default_expr,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       a.attlen::int AS type_length,
       s.null_frac::float8 AS null_frac,
       s.n_distinct::float8 AS n_distinct,
       s.correlation::float8 AS correlation,
       s.avg_width::int AS avg_width
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
-- The statistics: pg_stats, joined by name, is what any role may read (a column the role
-- cannot select has none there). A superuser sees every column's in it, which is
-- pg_statistic's row as it stands: read by the column's number instead (the view checks the
-- privilege on every column of the database, the catalogs' included, before any join).
LEFT JOIN pg_catalog.pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname  -- not superuser
                               AND s.attname = a.attname AND s.inherited = (c.relkind = 'p')  -- not superuser
LEFT JOIN pg_catalog.pg_statistic st ON st.starelid = a.attrelid AND st.staattnum = a.attnum  -- superuser
                                    AND st.stainherit = (c.relkind = 'p')  -- superuser
LEFT JOIN LATERAL (  -- superuser
    SELECT st.stanullfrac AS null_frac, st.stadistinct AS n_distinct, st.stawidth AS avg_width,  -- superuser
           -- the statistic of kind 3 (STATISTIC_KIND_CORRELATION), as pg_stats shows it  -- superuser
           CASE 3 WHEN st.stakind1 THEN st.stanumbers1[1] WHEN st.stakind2 THEN st.stanumbers2[1]  -- superuser
                  WHEN st.stakind3 THEN st.stanumbers3[1] WHEN st.stakind4 THEN st.stanumbers4[1]  -- superuser
                  WHEN st.stakind5 THEN st.stanumbers5[1] END AS correlation  -- superuser
) s ON true  -- superuser
WHERE c.relkind IN ('r', 'p', 'm')
  AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  -- extension members, found from the extensions' side (a few rows, one hashed look-up)
  AND c.oid NOT IN (SELECT d.objid FROM pg_catalog.pg_depend d
                     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
                       AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e')
  AND c.oid NOT IN (SELECT relation FROM locked)
-- unsorted: the snapshot sorts these rows (SORTED_BY in db/snapshot/sections.py)
