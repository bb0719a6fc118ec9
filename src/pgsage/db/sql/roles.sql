-- Roles, their attributes, memberships and per-role settings (for this database or all).
SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolcanlogin AS can_login,
       r.rolcreaterole AS create_role, r.rolcreatedb AS create_db,
       r.rolreplication AS replication, r.rolbypassrls AS bypass_rls,
       r.rolconnlimit AS connection_limit, NULLIF(r.rolvaliduntil, 'infinity') AS valid_until,
       ARRAY(SELECT g.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
              WHERE m.member = r.oid ORDER BY g.rolname) AS member_of,
       ARRAY(SELECT pg_catalog.unnest(s.setconfig) FROM pg_catalog.pg_db_role_setting s
              WHERE s.setrole = r.oid
                AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database
                                          WHERE datname = pg_catalog.current_database()))
              ORDER BY 1) AS settings
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY r.rolname
