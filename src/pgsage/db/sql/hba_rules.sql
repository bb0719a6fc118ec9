-- pg_hba.conf as the server parsed it (readable by superusers).
SELECT line_number, type, database, user_name, address::text AS address, auth_method,
       error
FROM pg_catalog.pg_hba_file_rules
ORDER BY line_number
