-- The positions of the sequences that can run out (listed by sequence_limits.sql), the K most
-- used. pg_sequence_last_value reads each sequence's page; sequences dropped since the list was
-- made are skipped by the join. Reading a position needs SELECT or USAGE on the sequence.
WITH limits AS (
    -- unqualified on purpose: unnest with several arrays is FROM-clause syntax that PostgreSQL
    -- recognizes only by this bare name (every other function here is pg_catalog-qualified)
    SELECT * FROM unnest(%(oids)s::oid[], %(limits)s::bigint[]) AS l(oid, upper_limit)
), measured AS (
    SELECT n.nspname AS schema, c.relname AS name, s.seqmin, l.upper_limit,
           pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE') AS readable,
           CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
                THEN pg_catalog.pg_sequence_last_value(c.oid) END AS last_value
    FROM limits l
    JOIN pg_catalog.pg_sequence s ON s.seqrelid = l.oid
    JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
)
SELECT schema, name,
       -- unknown (no sample) without the privilege to read it; 0 when never used
       CASE WHEN readable
            THEN coalesce((last_value - seqmin)::float8 / nullif(upper_limit - seqmin, 0), 0)
       END AS used_ratio,
       last_value::float8 AS last_value,
       upper_limit::float8 AS upper_limit
FROM measured
ORDER BY used_ratio DESC NULLS LAST, schema, name
LIMIT %(limit)s
