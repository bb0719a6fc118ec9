-- The K statements of this database with the most execution time, by queryid (a hash of the
-- normalised statement; several roles running one statement are summed). The text is read
-- only when asked for ({with_text}).
SELECT queryid::text AS queryid,
       pg_catalog.sum(calls)::float8 AS calls,
       pg_catalog.sum(total_exec_time)::float8 / 1000 AS exec_s,
       pg_catalog.sum(rows)::float8 AS rows,
       pg_catalog.sum(shared_blks_hit)::float8 AS shared_blks_hit,
       pg_catalog.sum(shared_blks_read)::float8 AS shared_blks_read,
       pg_catalog.sum(temp_blks_written)::float8 AS temp_blks_written,
       pg_catalog.min(query) AS query
FROM {schema}.pg_stat_statements({with_text})
WHERE dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  AND queryid IS NOT NULL
  AND {toplevel}
GROUP BY queryid
ORDER BY pg_catalog.sum(total_exec_time) DESC, queryid
LIMIT %(limit)s
