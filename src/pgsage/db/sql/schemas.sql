-- User schemas, their owners, and whether every role (PUBLIC) may create objects in them.
SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner,
       EXISTS (SELECT 1 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
               WHERE a.grantee = 0 AND a.privilege_type = 'CREATE') AS public_create
FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
ORDER BY n.nspname
