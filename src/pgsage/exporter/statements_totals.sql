-- pg_stat_statements summed over this database's entries, read without the query texts
-- (pg_stat_statements(false) skips the texts file). {schema} is the extension's schema.
SELECT pg_catalog.count(*)::int AS entries,
       coalesce(pg_catalog.sum(calls), 0)::float8 AS calls,
       coalesce(pg_catalog.sum(total_exec_time), 0)::float8 / 1000 AS exec_s,
       coalesce(pg_catalog.sum(rows), 0)::float8 AS rows,
       coalesce(pg_catalog.sum(shared_blks_hit), 0)::float8 AS shared_blks_hit,
       coalesce(pg_catalog.sum(shared_blks_read), 0)::float8 AS shared_blks_read,
       coalesce(pg_catalog.sum(temp_blks_written), 0)::float8 AS temp_blks_written
FROM {schema}.pg_stat_statements(false)
WHERE dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  AND {toplevel}
