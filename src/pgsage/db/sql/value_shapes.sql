-- Text columns whose sampled values (pg_stats' most common values and histogram bounds) all
-- have the same hash shape: a hex digest of a known length or a crypt-style prefix. Only the
-- shape leaves the server, never a value. Columns narrower than a digest (or far wider than
-- any hash) are not looked at, nor columns whose name has none of the words secrets are named
-- with (pass, pwd, token, secret, key, hash, digest, cred, salt, auth, val[ue]): reading every
-- text column's sample would cost seconds on a big schema, and only plaintext-secret-columns
-- reads this section, for columns named like secrets.
WITH sampled AS (
    SELECT s.schemaname AS schema, s.tablename AS table, s.attname AS column,
           coalesce(s.most_common_vals::text::text[], '{}')
               || coalesce(s.histogram_bounds::text::text[], '{}') AS vals
    FROM pg_catalog.pg_stats s
    JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname
    JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    WHERE t.typcategory = 'S'
      AND s.attname ~* '(pass|pwd|token|secret|key|hash|digest|cred|salt|auth|val)'
      AND s.avg_width BETWEEN 32 AND 256
      AND (s.most_common_vals IS NOT NULL OR s.histogram_bounds IS NOT NULL)
      AND s.inherited = (c.relkind = 'p')
      AND c.relkind IN ('r', 'p', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
), candidates AS (
    -- A column is reported only when every value has one shape: its first value, tested with
    -- one cheap pattern, rules out nearly every other column before each value is classified.
    SELECT * FROM sampled
    WHERE sampled.vals[1] ~* '^(\$|[0-9a-f]{32}|scram-sha-256\$|pbkdf2|scrypt:)'
), shaped AS (
    -- At most 20 values a column (the first regular expression is the one most values need:
    -- hex digits, whose length names the digest; the crypt-style prefixes are rare).
    SELECT sampled.schema, sampled.table, sampled.column,
           CASE
               WHEN pg_catalog.left(v, 1) <> '$' THEN
                   CASE
                       WHEN pg_catalog.length(v) IN (32, 40, 64, 128) AND v ~* '^[0-9a-f]+$'
                       THEN CASE pg_catalog.length(v)
                                WHEN 32 THEN 'md5-hex' WHEN 40 THEN 'sha1-hex'
                                WHEN 64 THEN 'sha256-hex' ELSE 'sha512-hex' END
                       WHEN v ~* '^pbkdf2[-_:$]' THEN 'pbkdf2'
                       WHEN pg_catalog.left(v, 7) = 'scrypt:' THEN 'scrypt'
                       WHEN pg_catalog.left(v, 14) = 'SCRAM-SHA-256$' THEN 'scram-sha-256'
                   END
               WHEN v ~ '^\$2[abxy]?\$[0-9]{2}\$' THEN 'bcrypt'
               WHEN v ~ '^\$argon2(id|i|d)\$' THEN 'argon2'
               WHEN v ~ '^\$(scrypt|7)\$' THEN 'scrypt'
               WHEN v ~* '^\$pbkdf2[-_:$]' THEN 'pbkdf2'
               WHEN pg_catalog.left(v, 3) = '$6$' THEN 'sha512-crypt'
               WHEN pg_catalog.left(v, 3) = '$5$' THEN 'sha256-crypt'
               WHEN pg_catalog.left(v, 3) = '$1$' THEN 'md5-crypt'
           END AS shape
    FROM candidates AS sampled, pg_catalog.unnest(sampled.vals[1:20]) AS v
)
SELECT shaped.schema, shaped.table, shaped.column,
       pg_catalog.min(shaped.shape) AS shape,
       pg_catalog.count(*)::int AS sampled
FROM shaped
GROUP BY shaped.schema, shaped.table, shaped.column
HAVING pg_catalog.count(shaped.shape) = pg_catalog.count(*)
   AND pg_catalog.min(shaped.shape) = pg_catalog.max(shaped.shape)
ORDER BY 1, 2, 3  -- of type name: compared bytewise (collation "C")
