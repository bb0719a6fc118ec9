-- Sequences that can run out: those whose reachable limit, the sequence's own maximum or the
-- maximum of the integer column it feeds, is below bigint's (a bigint sequence with the default
-- maximum lasts 292,000 years at a million values a second). Finding the owning columns costs
-- two index look-ups per sequence, so the collector refreshes this list only now and then; each
-- scrape reads the listed sequences' positions (sequences.sql). Descending sequences are left
-- out.
WITH seqs AS (
    SELECT s.seqrelid, s.seqmin, s.seqmax,
           (SELECT CASE a.atttypid WHEN 'int2'::regtype THEN 32767
                                   WHEN 'int4'::regtype THEN 2147483647 END
              FROM pg_catalog.pg_depend d
              JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
             WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = s.seqrelid
               AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
               AND d.refobjsubid > 0
             LIMIT 1) AS column_max
    FROM pg_catalog.pg_sequence s
    WHERE s.seqincrement > 0
)
SELECT seqrelid::bigint AS oid, least(seqmax, coalesce(column_max, seqmax)) AS upper_limit
FROM seqs
WHERE least(seqmax, coalesce(column_max, seqmax)) < 9223372036854775807
ORDER BY seqrelid
