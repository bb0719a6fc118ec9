-- Counts over every user table (and sequence), so the top-K series can be read against the whole.
SELECT count(*)::int AS tables,
       coalesce(sum(pg_stat_get_dead_tuples(c.oid)), 0)::float8 AS dead_tuples,
       coalesce(sum(pg_stat_get_live_tuples(c.oid)), 0)::float8 AS live_tuples,
       (SELECT count(*) FROM pg_sequence)::int AS sequences
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm')
  AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
