-- The position of the next batch of sequences (by oid, after the last one read). Run in
-- autocommit, one transaction per batch, so that the lock each read takes is released batch
-- by batch (see LAST_VALUE_BATCH in snapshot.py). As pg_sequences shows it: NULL without the
-- privilege to read it, or before the first nextval.
SELECT s.seqrelid::bigint AS oid,
       n.nspname AS schema,
       c.relname AS name,
       CASE WHEN has_sequence_privilege(c.oid, 'SELECT,USAGE')
            THEN pg_sequence_last_value(c.oid) END AS last_value
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE s.seqrelid > %(after)s
  AND NOT pg_is_other_temp_schema(n.oid)
ORDER BY s.seqrelid
LIMIT %(limit)s
