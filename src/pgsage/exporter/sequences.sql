-- Sequences that can run out: those whose reachable limit, the sequence's own maximum or the
-- maximum of the integer column it feeds, is below bigint's (a bigint sequence with the default
-- maximum lasts 292,000 years at a million values a second). Only these are read
-- (pg_sequence_last_value reads the sequence's page); the most used K are reported. Descending
-- sequences are left out.
WITH seqs AS (
    SELECT c.oid, n.nspname AS schema, c.relname AS name, s.seqincrement, s.seqmin, s.seqmax,
           (SELECT CASE a.atttypid WHEN 'int2'::regtype THEN 32767
                                   WHEN 'int4'::regtype THEN 2147483647 END
              FROM pg_depend d
              JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
               AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
               AND d.refobjsubid > 0
             LIMIT 1) AS column_max
    FROM pg_sequence s
    JOIN pg_class c ON c.oid = s.seqrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
), limited AS (
    SELECT *, least(seqmax, coalesce(column_max, seqmax)) AS upper_limit FROM seqs
    WHERE seqincrement > 0 AND least(seqmax, coalesce(column_max, seqmax)) < 9223372036854775807
), measured AS (
    SELECT schema, name, seqmin, upper_limit,
           CASE WHEN has_sequence_privilege(oid, 'SELECT,USAGE')
                THEN pg_sequence_last_value(oid) END AS last_value
    FROM limited
)
SELECT schema, name,
       coalesce((last_value - seqmin)::float8 / nullif(upper_limit - seqmin, 0), 0) AS used_ratio,
       last_value::float8 AS last_value,
       upper_limit::float8 AS upper_limit
FROM measured
ORDER BY used_ratio DESC, schema, name
LIMIT %(limit)s
