-- How each login role's password is stored (needs superuser: pg_catalog.pg_authid).
SELECT rolname AS name,
       CASE WHEN rolpassword IS NULL THEN 'none'
            WHEN rolpassword LIKE 'md5%' THEN 'md5'
            WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram-sha-256'
            ELSE 'other' END AS method
FROM pg_catalog.pg_authid
WHERE rolcanlogin AND rolname !~ '^pg_'
ORDER BY rolname
