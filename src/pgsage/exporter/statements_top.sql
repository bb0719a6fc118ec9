-- The K statements of this database with the most execution time, by queryid (a hash of the
-- normalised statement; several roles running one statement are summed). The text is read
-- only when asked for ({with_text}).
SELECT queryid::text AS queryid,
       sum(calls)::float8 AS calls,
       sum(total_exec_time)::float8 / 1000 AS exec_s,
       sum(rows)::float8 AS rows,
       sum(shared_blks_hit)::float8 AS shared_blks_hit,
       sum(shared_blks_read)::float8 AS shared_blks_read,
       sum(temp_blks_written)::float8 AS temp_blks_written,
       min(query) AS query
FROM {schema}.pg_stat_statements({with_text})
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND queryid IS NOT NULL
  AND {toplevel}
GROUP BY queryid
ORDER BY sum(total_exec_time) DESC, queryid
LIMIT %(limit)s
